# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""YAML output that reads like hand-written YAML (PyYAML underneath)."""

import yaml


class _Dumper(yaml.SafeDumper):
    """Literal blocks for multi-line strings, and no anchors or aliases.

    PyYAML falls back to quoting when a block cannot hold a string exactly,
    so the output always loads back to the same data.
    """

    def ignore_aliases(self, data):
        return True


def _represent_str(dumper, value):
    style = '|' if '\n' in value else None
    return dumper.represent_scalar('tag:yaml.org,2002:str', value,
                                   style=style)


_Dumper.add_representer(str, _represent_str)


def dump(document, width=2 ** 16):
    return yaml.dump(document, Dumper=_Dumper, default_flow_style=False,
                     sort_keys=False, width=width)

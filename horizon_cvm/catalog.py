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

"""The templates the panel launches (no Django).

templates/container.yaml (one container, every property a parameter) and
templates/examples/*.yaml. An installed heat-cvm has them under
<prefix>/share/heat-cvm/templates (setup.cfg data_files); a source
checkout (pip install -e) has them beside the packages. Settings may name
another directory (HEAT_CVM_TEMPLATES_DIR).
"""

import dataclasses
import os
import sys
import sysconfig

import yaml

import heat_cvm
from heat_cvm import hot_parameters

CONTAINER = 'container'
CONTAINER_FILE = 'container.yaml'
EXAMPLES = 'examples'


@dataclasses.dataclass
class LaunchTemplate:
    key: str            # "container" or the example's file name stem
    title: str          # the first line of the template's description
    text: str           # the template, as sent to Heat

    @property
    def template(self):
        return yaml.safe_load(self.text)

    @property
    def fields(self):
        """Parameter -> schema Field: known for container.yaml only."""
        if self.key == CONTAINER:
            return hot_parameters.parameter_fields()
        return {}

    @property
    def sections(self):
        """Parameter -> the section it is shown under (container.yaml)."""
        if self.key == CONTAINER:
            return hot_parameters.parameter_sections()
        return {}


def _candidates(configured):
    if configured:
        yield configured
    for prefix in (sysconfig.get_path('data'), sys.prefix):
        yield os.path.join(prefix, 'share', 'heat-cvm', 'templates')
    yield os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(heat_cvm.__file__))), 'templates')


def templates_dir(configured=None):
    """The directory holding container.yaml and examples/."""
    for candidate in _candidates(configured):
        if os.path.isfile(os.path.join(candidate, CONTAINER_FILE)):
            return candidate
    raise LookupError('no heat-cvm templates directory holds %s'
                      % CONTAINER_FILE)


def _load(key, path):
    with open(path) as f:
        text = f.read()
    description = (yaml.safe_load(text) or {}).get('description') or key
    return LaunchTemplate(key=key, title=description.strip().splitlines()[0],
                          text=text)


def launch_templates(configured=None):
    """container.yaml first, then the examples by name."""
    directory = templates_dir(configured)
    result = [_load(CONTAINER, os.path.join(directory, CONTAINER_FILE))]
    examples = os.path.join(directory, EXAMPLES)
    if os.path.isdir(examples):
        for name in sorted(os.listdir(examples)):
            stem, ext = os.path.splitext(name)
            if ext in ('.yaml', '.yml') and stem != CONTAINER:
                result.append(_load(stem, os.path.join(examples, name)))
    return result


def launch_template(key, configured=None):
    for entry in launch_templates(configured):
        if entry.key == key:
            return entry
    raise KeyError(key)

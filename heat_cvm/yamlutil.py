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

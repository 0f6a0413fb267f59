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

"""README.rst's reference sections, generated from the schema and options.

    python -m heat_cvm.docs README.rst

rewrites the text between the ``.. BEGIN GENERATED <name>`` and
``.. END GENERATED <name>`` markers; tests/unit/test_docs.py fails when
README.rst is stale.
"""

import functools
import re
import sys

from heat_cvm import config
from heat_cvm.registry import config as registry_config
from heat_cvm import schema

_TYPE_NAMES = {schema.STRING: 'string', schema.INTEGER: 'integer',
               schema.NUMBER: 'number', schema.BOOLEAN: 'boolean',
               schema.LIST: 'list', schema.MAP: 'map'}


def _type(field):
    if field.type == schema.LIST and field.item is not None:
        return 'list of %s' % _TYPE_NAMES[field.item.type]
    return _TYPE_NAMES[field.type]


def _facts(field):
    facts = []
    if field.required:
        facts.append('required')
    if field.default not in (None, {}, []):
        facts.append('default ``%s``' % _literal(field.default))
    if field.config_default:
        facts.append('default ``[cvm] %s``' % field.config_default)
    if field.minimum is not None or field.maximum is not None:
        facts.append('range %s..%s' % (
            _literal(field.minimum) if field.minimum is not None else '',
            _literal(field.maximum) if field.maximum is not None else ''))
    if field.allowed:
        facts.append('one of %s' % ', '.join('``%s``' % a
                                             for a in field.allowed))
    if field.custom:
        facts.append('checked by ``%s``' % field.custom)
    if field.secret:
        facts.append('secret')
    return facts


def _literal(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _field_lines(field, path, depth):
    indent = '  ' * depth
    text = '%s* ``%s`` (%s' % (indent, path, _type(field))
    facts = _facts(field)
    if facts:
        text += '; ' + '; '.join(facts)
    if not field.update_allowed and depth == 0:
        text += '; replaces the resource on update'
    lines = [text + '): ' + field.description]
    subfields = field.fields or (field.item.fields if field.item else ())
    for sub in subfields:
        lines.append('')
        lines.extend(_field_lines(sub, sub.name, depth + 1))
    return lines


def properties_reference():
    lines = []
    for field in schema.FIELDS:
        lines.extend(_field_lines(field, field.name, 0))
        lines.append('')
    return '\n'.join(lines).rstrip() + '\n'


def attributes_reference():
    lines = ['* ``%s``: %s' % item for item in schema.ATTRIBUTES.items()]
    lines.append('* ``show``: the nested stack, as ``openstack stack show`` '
                 'prints it.')
    return '\n'.join(lines) + '\n'


def options_reference(opts=config.cvm_opts):
    lines = []
    for opt in opts:
        default = opt.default
        shown = ('``%s``' % _literal(default) if default is not None
                 else '(unset)')
        lines.append('* ``%s`` (%s, default %s): %s' % (
            opt.dest, opt.type.__class__.__name__.lower(), shown,
            ' '.join(str(opt.help).split())))
    return '\n'.join(lines) + '\n'


SECTIONS = {'properties': properties_reference,
            'attributes': attributes_reference,
            'options': options_reference,
            'registry-options': functools.partial(
                options_reference, registry_config.registry_opts)}


def update(text):
    """``text`` with every generated section rewritten."""
    for name, build in SECTIONS.items():
        pattern = re.compile(
            r'(\.\. BEGIN GENERATED %s\n).*?(\.\. END GENERATED %s)'
            % (name, name), re.S)
        if not pattern.search(text):
            raise ValueError('no generated section "%s"' % name)
        text = pattern.sub(
            lambda m: m.group(1) + '\n' + build() + '\n' + m.group(2), text)
    return text


def main(argv=None):
    path = (sys.argv[1:] if argv is None else argv)[0]
    with open(path) as f:
        text = update(f.read())
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()

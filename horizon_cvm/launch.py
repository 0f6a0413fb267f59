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

"""A template's parameters as launch form fields, and back (pure: no Django).

The launch form is built from the parameters of the template it launches
(templates/container.yaml, or one of templates/examples/): labels,
descriptions, defaults and constraints are the template's. For
container.yaml, heat_cvm.hot_parameters.parameter_fields() also says which
schema Field each parameter sets, for what a HOT parameter cannot say:
which values are secret, and the keys of a list of maps (ports, volumes).
Nothing here names a property.
"""

import dataclasses
import json
import re
import shlex
import typing

from heat_cvm import schema

# Kinds of field, i.e. how a value is typed in and turned into a parameter.
TEXT = 'text'
SECRET = 'secret'             # a hidden string: never rendered back
INTEGER = 'integer'
NUMBER = 'number'
BOOLEAN = 'boolean'
CHOICE = 'choice'             # allowed_values, or a cloud resource
MULTI_CHOICE = 'multi_choice'
WORDS = 'words'               # a list of strings, as shell words
KEY_VALUES = 'key_values'     # a map, as KEY=VALUE lines
SECRET_KEY_VALUES = 'secret_key_values'
ITEMS = 'items'               # a list of maps, one "key=value ..." a line
JSON = 'json'

# Heat custom constraints -> the cloud resources the form offers.
SOURCES = {'nova.flavor': 'flavors', 'nova.keypair': 'keypairs',
           'neutron.network': 'networks', 'glance.image': 'images'}
# A Glance image that is a container (container_format docker), not a VM.
DOCKER_IMAGES = 'docker_images'
_CUSTOM_IN_DESCRIPTION = re.compile(r' \(([a-z]+\.[a-z_]+)\)$')


class InvalidValue(ValueError):
    """A value typed into a field that cannot become its parameter."""


@dataclasses.dataclass
class FieldSpec:
    name: str
    kind: str
    label: str
    help_text: str
    required: bool
    initial: typing.Any = None
    minimum: typing.Optional[float] = None
    maximum: typing.Optional[float] = None
    choices: tuple = ()          # (value, label) pairs of allowed_values
    source: typing.Optional[str] = None   # SOURCES value or DOCKER_IMAGES
    pattern: typing.Optional[str] = None
    item_keys: tuple = ()        # ITEMS: the keys of each item
    param_type: str = 'string'   # the HOT parameter's type
    section: str = ''            # the title it is shown under, if any


def _constraint(param, key):
    for constraint in param.get('constraints') or []:
        if key in constraint:
            return constraint[key]
    return None


def _custom_constraint(param, field):
    custom = _constraint(param, 'custom_constraint')
    if custom:
        return custom
    if field is not None:
        if field.custom:
            return field.custom
        if field.item is not None and field.item.custom:
            return field.item.custom
    # An optional parameter cannot carry its custom constraint ("" would
    # fail it); container.yaml names it at the end of the description.
    found = _CUSTOM_IN_DESCRIPTION.search(param.get('description') or '')
    return found.group(1) if found else None


def _source(param, field):
    custom = _custom_constraint(param, field)
    if custom == schema.GLANCE_DOCKER_IMAGE or (
            custom == 'glance.image' and field is not None and
            field is schema.field('glance_image')):
        return DOCKER_IMAGES
    return SOURCES.get(custom)


def _kind(param, field, source):
    param_type = param.get('type', 'string')
    default = param.get('default')
    if param_type == 'boolean':
        return BOOLEAN
    if param_type == 'number':
        is_integer = (field.type == schema.INTEGER if field is not None
                      else isinstance(default, int) or default is None)
        return INTEGER if is_integer else NUMBER
    if param_type == 'comma_delimited_list':
        return MULTI_CHOICE if source else WORDS
    if param_type == 'json':
        if isinstance(default, dict) or (field and field.type == schema.MAP):
            return SECRET_KEY_VALUES if param.get('hidden') else KEY_VALUES
        item = field.item if field is not None else None
        if item is not None and item.type == schema.MAP:
            return ITEMS
        if isinstance(default, list):
            return WORDS
        return JSON
    if param.get('hidden'):
        return SECRET
    if source or _constraint(param, 'allowed_values'):
        return CHOICE
    return TEXT


def _initial(kind, default):
    if default is None:
        return None
    if kind in (KEY_VALUES, SECRET_KEY_VALUES):
        return '\n'.join('%s=%s' % kv for kv in sorted(default.items()))
    if kind == WORDS:
        if isinstance(default, str):
            default = [w for w in default.split(',') if w]
        return ' '.join(shlex.quote(str(word)) for word in default)
    if kind == MULTI_CHOICE:
        return [w for w in str(default).split(',') if w]
    if kind == ITEMS:
        return '\n'.join(_item_line(item) for item in default)
    if kind == JSON:
        return json.dumps(default)
    return default


def _item_line(item):
    return ' '.join('%s=%s' % (key, json.dumps(value)
                               if not isinstance(value, str) else value)
                    for key, value in item.items())


def field_spec(name, param, field=None, section=''):
    """The FieldSpec of one HOT parameter; ``field``: its schema Field."""
    source = _source(param, field)
    kind = _kind(param, field, source)
    allowed = _constraint(param, 'allowed_values') or ()
    bounds = _constraint(param, 'range') or {}
    item = field.item if field is not None and field.item else None
    pattern = _constraint(param, 'allowed_pattern')
    return FieldSpec(
        name=name, kind=kind, label=param.get('label') or name,
        help_text=param.get('description') or '',
        required='default' not in param, initial=_initial(
            kind, param.get('default')),
        minimum=bounds.get('min'), maximum=bounds.get('max'),
        choices=tuple((str(v), str(v)) for v in allowed), source=source,
        pattern=pattern,
        item_keys=tuple(f.name for f in item.fields) if item else (),
        param_type=param.get('type', 'string'), section=section)


def field_specs(template, fields=None, sections=None):
    """The FieldSpecs of a template's parameters, in the template's order.

    :param fields: parameter name -> schema Field, for container.yaml.
    :param sections: parameter name -> section title, for container.yaml.
    """
    fields, sections = fields or {}, sections or {}
    return [field_spec(name, param or {}, fields.get(name),
                       sections.get(name, ''))
            for name, param in (template.get('parameters') or {}).items()]


def sections(specs):
    """[(title, [spec, ...])]: consecutive specs of one section together."""
    result = []
    for spec in specs:
        if not result or result[-1][0] != spec.section:
            result.append((spec.section, []))
        result[-1][1].append(spec)
    return result


# -- typed-in values -> Heat parameters --------------------------------------

def parse_key_values(text):
    """'A=1\\nB=two' -> {'A': '1', 'B': 'two'}; blank and # lines skipped."""
    result = {}
    for number, line in enumerate((text or '').splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        if not sep or not key.strip():
            raise InvalidValue('line %d: expected NAME=VALUE' % number)
        result[key.strip()] = value
    return result


def parse_words(text):
    try:
        return shlex.split(text or '')
    except ValueError as exc:
        raise InvalidValue(str(exc))


def _scalar(text):
    """'80' -> 80, 'true' -> True, 'x' -> 'x' (as YAML would read it)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_items(text, keys):
    """'port=80 protocol=udp' lines -> [{'port': 80, 'protocol': 'udp'}]."""
    result = []
    for number, line in enumerate((text or '').splitlines(), 1):
        if not line.strip() or line.strip().startswith('#'):
            continue
        item = {}
        for word in parse_words(line):
            key, sep, value = word.partition('=')
            if not sep or (keys and key not in keys):
                raise InvalidValue('line %d: expected %s' % (
                    number, ' '.join('%s=...' % k for k in keys)))
            item[key] = _scalar(value)
        result.append(item)
    return result


def parameter_value(spec, value):
    """The string Heat takes for a parameter, from a cleaned form value.

    Returns None for a value that is better left out (an empty secret).
    """
    if spec.kind in (SECRET, SECRET_KEY_VALUES) and not value:
        return None
    if spec.kind == BOOLEAN:
        return 'true' if value else 'false'
    if spec.kind in (INTEGER, NUMBER):
        return None if value is None else str(value)
    if spec.kind == MULTI_CHOICE:
        return ','.join(value or [])
    if spec.kind == WORDS:
        words = parse_words(value)
        if spec.param_type == 'comma_delimited_list':
            return ','.join(words)
        return json.dumps(words)
    if spec.kind in (KEY_VALUES, SECRET_KEY_VALUES):
        return json.dumps(parse_key_values(value))
    if spec.kind == ITEMS:
        return json.dumps(parse_items(value, spec.item_keys))
    if spec.kind == JSON:
        if not (value or '').strip():
            return None
        try:
            return json.dumps(json.loads(value or 'null'))
        except ValueError as exc:
            raise InvalidValue(str(exc))
    return '' if value is None else str(value)


def parameters(specs, values):
    """{parameter: string} for Heat from cleaned form values.

    Raises InvalidValue naming the field's label.
    """
    result = {}
    for spec in specs:
        try:
            value = parameter_value(spec, values.get(spec.name))
        except InvalidValue as exc:
            raise InvalidValue('%s: %s' % (spec.label, exc))
        if value is not None:
            result[spec.name] = value
    return result


def preview_rows(resources, depth=0):
    """(depth, name, type) of each resource of a Heat stack preview.

    A preview lists a nested stack's resources as a list in its place.
    """
    rows = []
    for resource in resources or []:
        if isinstance(resource, list):
            rows.extend(preview_rows(resource, depth + 1))
        elif isinstance(resource, dict):
            rows.append((depth, resource.get('resource_name', ''),
                         resource.get('resource_type', '')))
    return rows

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

"""heat_cvm.schema -> templates/container.yaml (pure).

``templates/container.yaml`` launches one OS::CVM::Container with every
property a template parameter; the Horizon panel builds its launch form
from those parameters. It is generated from heat_cvm.schema so labels,
descriptions, defaults and constraints are written once:

    python -m heat_cvm.hot_parameters templates/container.yaml

and tests/unit/test_hot_parameters.py fails when the file is stale.

HOT parameters cannot be absent, so an optional property is a parameter
whose "unset" value ("" for text, 0 for numbers, [] or {} for JSON) makes
the template omit the property, via a condition; Heat then applies the
property's own default or the [cvm] option.
"""

import sys

from heat_cvm import blueprint
from heat_cvm import schema
from heat_cvm import yamlutil

RESOURCE = 'container'

# Maps whose keys become separate parameters, prefixed (scaling's keys are
# well known on their own: min_size, max_size...). Other maps are JSON.
FLATTENED = {'scaling': '', 'rolling_updates': 'rolling_',
             'health_check': 'health_check_',
             'registry_credentials': 'registry_'}
# The sub-map that exists only when its switch parameter is true.
AUTOSCALE = 'autoscale'

_UNSET = {schema.STRING: '', schema.INTEGER: 0, schema.NUMBER: 0,
          schema.LIST: [], schema.MAP: {}}


def _hot_type(field):
    if field.type in (schema.INTEGER, schema.NUMBER):
        return 'number'
    if field.type == schema.BOOLEAN:
        return 'boolean'
    if field.type == schema.LIST and field.item.type == schema.STRING \
            and field.name == 'networks':
        return 'comma_delimited_list'
    if field.type in (schema.LIST, schema.MAP):
        return 'json'
    return 'string'


def _is_optional(field):
    return field.default is None and field.type != schema.BOOLEAN


def _label(field, prefix):
    if field.label:
        return field.label
    words = (prefix + field.name).replace('_', ' ')
    return words[0].upper() + words[1:]


def _constraints(field, optional):
    constraints = []
    low = 0 if optional and field.minimum is not None else field.minimum
    if low is not None or field.maximum is not None:
        bounds = {}
        if low is not None:
            bounds['min'] = low
        if field.maximum is not None:
            bounds['max'] = field.maximum
        constraints.append({'range': bounds})
    if field.allowed:
        constraints.append({'allowed_values': list(field.allowed)})
    if field.pattern:
        # An unset optional value is "", which must pass too.
        pattern = '^$|%s' % field.pattern if optional else field.pattern
        constraints.append({'allowed_pattern': pattern})
    if field.custom and not optional:
        constraints.append({'custom_constraint': field.custom})
    return constraints


def _parameter(field, prefix=''):
    optional = _is_optional(field)
    param = {'type': _hot_type(field), 'label': _label(field, prefix),
             'description': field.description}
    if field.config_default:
        param['description'] += (
            ' Empty: the [cvm] %s of the cloud.' % field.config_default)
    if optional:
        param['default'] = _UNSET[field.type]
        if field.custom:
            param['description'] += ' (%s)' % field.custom
    else:
        param['default'] = field.default
    if param['type'] == 'comma_delimited_list':
        param['default'] = ','.join(param['default'] or [])
    constraints = _constraints(field, optional)
    if constraints:
        param['constraints'] = constraints
    if field.secret:
        param['hidden'] = True
    return param


class _Builder:
    def __init__(self):
        self.parameters = {}
        self.conditions = {}
        # Parameter name -> the schema Field it sets, and the map Field
        # whose keys became separate parameters (scaling...), if any.
        self.fields = {}
        self.parents = {}

    def value(self, field, prefix=''):
        """The property value for ``field``: a get_param, maybe an if."""
        name = prefix + field.name
        self.parameters[name] = _parameter(field, prefix)
        self.fields[name] = field
        value = {'get_param': name}
        if not _is_optional(field):
            return value
        condition = self.given('has_' + name, name, _UNSET[field.type])
        return {'if': [condition, value]}

    def given(self, condition, name, unset):
        """A condition: parameter ``name`` is not its unset value."""
        self.conditions[condition] = {'not': {'equals': [
            {'get_param': name}, unset]}}
        return condition

    def flattened(self, field):
        prefix = FLATTENED[field.name]
        before = set(self.parameters)
        result = {}
        for sub in field.fields:
            if sub.name == AUTOSCALE:
                result[sub.name] = self.autoscale(sub)
            else:
                result[sub.name] = self.value(sub, prefix)
        if field.name in ('health_check', 'registry_credentials'):
            # The map exists only when its required first key is given.
            key = prefix + field.fields[0].name
            self.parameters[key]['default'] = ''
            result = {'if': [self.given('has_' + field.name, key, ''),
                             result]}
        self.parents.update(dict.fromkeys(set(self.parameters) - before,
                                          field))
        return result

    def autoscale(self, field):
        self.parameters[AUTOSCALE] = {
            'type': 'boolean', 'label': 'Autoscale',
            'description': field.description, 'default': False}
        self.conditions[AUTOSCALE] = {'get_param': AUTOSCALE}
        self.fields[AUTOSCALE] = field
        values = {sub.name: self.value(sub, 'autoscale_')
                  for sub in field.fields}
        return {'if': [AUTOSCALE, values]}

    def properties(self):
        props = {}
        for field in schema.FIELDS:
            if field.name in FLATTENED:
                props[field.name] = self.flattened(field)
            else:
                props[field.name] = self.value(field)
        return props


def parameter_fields():
    """Parameter name of container.yaml -> the heat_cvm.schema Field it sets.

    The panel's launch form reads labels, defaults and constraints from
    the template's parameters, and from this what the template cannot say
    (which values are secret, the keys of a list of maps).
    """
    builder = _Builder()
    builder.properties()
    return dict(builder.fields)


def parameter_sections():
    """Parameter name -> the label of the map it is a key of, or ''.

    The launch form shows the keys of scaling, rolling_updates... under
    their map's label.
    """
    builder = _Builder()
    builder.properties()
    return {name: builder.parents[name].label if name in builder.parents
            else '' for name in builder.parameters}


def container_template():
    """templates/container.yaml, as a dict."""
    builder = _Builder()
    properties = builder.properties()
    outputs = {name: {'description': description,
                      'value': {'get_attr': [RESOURCE, name]}}
               for name, description in schema.ATTRIBUTES.items()}
    return {
        'heat_template_version': blueprint.HOT_VERSION,
        'description': 'One container\n\nOne OS::CVM::Container: a Docker '
                       'container on each server of an autoscaling group. '
                       'Generated from heat_cvm/schema.py.',
        'parameters': builder.parameters,
        'conditions': builder.conditions,
        'resources': {RESOURCE: {'type': 'OS::CVM::Container',
                                 'properties': properties}},
        'outputs': outputs,
    }


HEADER = ('# Generated by "python -m heat_cvm.hot_parameters" from '
          'heat_cvm/schema.py:\n# edit the schema, not this file.\n')


def render():
    return HEADER + yamlutil.dump(container_template(), width=79)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], 'w') as f:
        f.write(render())


if __name__ == '__main__':
    main()

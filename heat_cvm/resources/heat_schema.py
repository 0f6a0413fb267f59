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

"""heat_cvm.schema fields -> Heat properties/attributes schemas."""

from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from heat.engine import support
import pbr.version

from heat_cvm import schema

# No version: SupportStatus's is a Heat release, and heat-cvm's resources
# are in none; the message names the plugin's own.
SUPPORT_STATUS = support.SupportStatus(
    status=support.SUPPORTED, version=None,
    message='Provided by the heat-cvm plugin %s.'
    % pbr.version.VersionInfo('heat-cvm').release_string())

_TYPES = {
    schema.STRING: properties.Schema.STRING,
    schema.INTEGER: properties.Schema.INTEGER,
    schema.NUMBER: properties.Schema.NUMBER,
    schema.BOOLEAN: properties.Schema.BOOLEAN,
    schema.LIST: properties.Schema.LIST,
    schema.MAP: properties.Schema.MAP,
}


def _constraints(field):
    result = []
    if field.minimum is not None or field.maximum is not None:
        result.append(constraints.Range(min=field.minimum,
                                        max=field.maximum))
    if field.allowed:
        result.append(constraints.AllowedValues(list(field.allowed)))
    if field.pattern:
        result.append(constraints.AllowedPattern(field.pattern))
    if field.custom:
        result.append(constraints.CustomConstraint(field.custom))
    return result


def property_schema(field, top_level=True):
    nested = None
    if field.type == schema.LIST and field.item is not None:
        nested = property_schema(field.item, top_level=False)
    elif field.type == schema.MAP and field.fields:
        nested = {sub.name: property_schema(sub, top_level=False)
                  for sub in field.fields}
    kwargs = {}
    if top_level:
        kwargs['update_allowed'] = field.update_allowed
        kwargs['support_status'] = SUPPORT_STATUS
    description = field.description
    if field.config_default:
        description += ' Defaults to [cvm] %s.' % field.config_default
    return properties.Schema(
        _TYPES[field.type], description,
        default=field.default, schema=nested, required=field.required,
        constraints=_constraints(field), **kwargs)


def properties_schema():
    return {field.name: property_schema(field) for field in schema.FIELDS}


# Attributes that change when the group scales, which an alarm does
# without any stack operation: Heat must resolve them afresh each time.
# (Cached, a parent stack's outputs kept the size of the last stack
# operation: seen with Aodh scaling the minicloud's groups.)
MEMBERSHIP_ATTRIBUTES = ('servers', 'addresses', 'endpoints',
                         'current_size')


def _cache_mode(name):
    return (attributes.Schema.CACHE_NONE if name in MEMBERSHIP_ATTRIBUTES
            else attributes.Schema.CACHE_LOCAL)


def attributes_schema():
    types = {'servers': attributes.Schema.LIST,
             'addresses': attributes.Schema.LIST,
             'endpoints': attributes.Schema.LIST,
             'scale_up_url': attributes.Schema.STRING,
             'scale_down_url': attributes.Schema.STRING,
             'current_size': attributes.Schema.INTEGER}
    return {name: attributes.Schema(description, type=types[name],
                                    support_status=SUPPORT_STATUS,
                                    cache_mode=_cache_mode(name))
            for name, description in schema.ATTRIBUTES.items()}

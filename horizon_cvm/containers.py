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

"""Containers as the panel shows them, from API rows (pure: no Django).

A page of the Containers list costs two API calls whatever the number of
stacks: one Heat stack list (nested stacks tagged ``heat-cvm``, whose tags
carry image, ports and sizes, see heat_cvm.facts) and one Nova server list
(members are servers whose ``metering.server_group`` metadata is their
container's nested stack ID). This module joins the two.
"""

import dataclasses
import datetime
import json
import typing

from heat_cvm import blueprint
from heat_cvm import facts as facts_mod

READY = 'ready'
# Stack actions after which a COMPLETE stack runs what it was asked to.
_READY_ACTIONS = ('CREATE', 'UPDATE', 'RESUME', 'CHECK', 'ADOPT')
# Heat names a nested stack "<stack>-<resource>-<12-character short id>".
_SHORT_ID_LENGTH = 12


@dataclasses.dataclass
class Member:
    """One server of a container."""

    id: str
    name: str
    status: str
    addresses: list

    @property
    def address(self):
        return self.addresses[0] if self.addresses else None


@dataclasses.dataclass
class Container:
    """One OS::CVM::Container, as a row of the panel."""

    id: str                     # the nested stack's ID
    name: str
    stack_id: str               # the stack holding the resource
    stack_name: str
    resource: str
    image: str
    ports: list                 # ["80/tcp", ...]
    stack_status: str
    sizes: typing.Optional[tuple]   # (min, desired, max) or None
    autoscale: bool
    created: str
    members: list = dataclasses.field(default_factory=list)
    # (scale in below, scale out above), in the meter's unit (percent for
    # cpu), when autoscaled.
    limits: typing.Optional[tuple] = None
    meter: str = ''
    nested_stack_name: str = ''
    # The directions ('up', 'down') of its alarms in alarm state, from
    # Aodh (horizon_cvm.scaling.firing_alarms).
    firing: frozenset = frozenset()

    @property
    def status(self):
        return display_status(self.stack_status)

    @property
    def current_size(self):
        return len(self.members)

    @property
    def endpoints(self):
        """(text, url) of each published port of each member."""
        result = []
        for member in self.members:
            if not member.address:
                continue
            for port in self.ports:
                number, _sep, protocol = port.partition('/')
                text = '%s:%s' % (member.address, number)
                url = 'http://%s' % text if protocol == 'tcp' else None
                result.append((text, url))
        return result

    @property
    def size_text(self):
        if self.sizes is None:
            return '%d' % self.current_size
        low, desired, high = self.sizes
        text = '%d / %d (%d\u2013%d)' % (
            self.current_size, desired, low, high)
        # Alarms move the size between min and max on their own.
        return text + ' autoscaled' if self.autoscale else text


def display_status(stack_status):
    """'ready' once the stack is complete, else Heat's status in words."""
    action, _sep, status = (stack_status or '').rpartition('_')
    if status == 'COMPLETE' and action in _READY_ACTIONS:
        return READY
    return (stack_status or 'unknown').replace('_', ' ').lower()


def owner_stack_name(nested_name, resource):
    """The name of the stack holding ``resource``, from its nested stack's.

    Heat shortens very long names; those are returned unchanged.
    """
    suffix = '-%s-' % resource
    index = nested_name.rfind(suffix)
    if index > 0 and len(nested_name) - index - len(suffix) == \
            _SHORT_ID_LENGTH:
        return nested_name[:index]
    return nested_name


def _get(row, key, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def fixed_addresses(server):
    """The fixed IPs of a server, network by network."""
    result = []
    for entries in (_get(server, 'addresses') or {}).values():
        for entry in entries:
            if entry.get('OS-EXT-IPS:type', 'fixed') == 'fixed':
                result.append(entry.get('addr'))
    return result


def members_by_container(servers):
    """Nested stack ID -> the Members whose servers it owns."""
    result = {}
    for server in servers:
        metadata = _get(server, 'metadata') or {}
        group = metadata.get(blueprint.SERVER_GROUP_METADATA)
        if not group:
            continue
        result.setdefault(group, []).append(Member(
            id=_get(server, 'id'), name=_get(server, 'name'),
            status=_get(server, 'status'),
            addresses=fixed_addresses(server)))
    for members in result.values():
        members.sort(key=lambda m: m.name or '')
    return result


def container(stack, members=()):
    """A Container from a stack list row, or None if it is no container."""
    facts = facts_mod.read(_get(stack, 'tags'))
    if facts is None:
        return None
    name = _get(stack, 'stack_name') or ''
    resource = facts.get('resource', '')
    return Container(
        id=_get(stack, 'id'), name=facts.get('name') or resource,
        stack_id=_get(stack, 'parent'),
        stack_name=owner_stack_name(name, resource), resource=resource,
        image=facts.get('image', ''),
        ports=(facts.get('ports') or '').split(),
        stack_status=_get(stack, 'stack_status') or '',
        sizes=facts_mod.sizes(facts),
        autoscale=facts.get('autoscale') == 'yes',
        created=_get(stack, 'creation_time') or '',
        members=list(members), limits=facts_mod.limits(facts),
        meter=facts.get('meter', ''), nested_stack_name=name)


def containers(stacks, servers):
    """Containers from a stack list and a server list, in the stacks' order.

    Rows that are no container (a stack without the tag) are skipped.
    """
    members = members_by_container(servers)
    result = []
    for stack in stacks:
        row = container(stack, members.get(_get(stack, 'id'), ()))
        if row is not None:
            result.append(row)
    return result


def age(created, now=None):
    """'3 minutes', '2 days'...: how long ago an ISO 8601 time was."""
    try:
        then = datetime.datetime.fromisoformat(created.replace('Z', '+00:00'))
    except (AttributeError, ValueError):
        return ''
    if then.tzinfo is None:
        then = then.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    seconds = max(0, int((now - then).total_seconds()))
    for unit, length in (('day', 86400), ('hour', 3600), ('minute', 60)):
        if seconds >= length:
            count = seconds // length
            return '%d %s%s' % (count, unit, '' if count == 1 else 's')
    return '%d seconds' % seconds


# -- the Overview: every property of the resource ----------------------------

def _typed(value, param_type):
    """A stack parameter value (Heat shows them all as strings), typed."""
    if not isinstance(value, str):
        return value
    try:
        if param_type == 'number':
            number = float(value)
            return int(number) if number.is_integer() else number
        if param_type == 'boolean':
            return value.lower() in ('true', '1', 'yes', 'on', 't', 'y')
        if param_type == 'json':
            return json.loads(value)
        if param_type == 'comma_delimited_list':
            return [item for item in value.split(',') if item]
    except ValueError:
        return value
    return value


class _Unresolved(Exception):
    pass


class PropertyResolver:
    """Resolves a resource's properties from its template and parameters.

    Only what a template computes from its own parameters is resolved
    (get_param, if, and the conditions container.yaml uses); anything else
    (get_attr of another resource...) is shown as written.
    """

    def __init__(self, template, parameters):
        self.template = template or {}
        param_types = {name: (spec or {}).get('type', 'string')
                       for name, spec in
                       (self.template.get('parameters') or {}).items()}
        self.parameters = {name: _typed(value, param_types.get(name))
                           for name, value in (parameters or {}).items()}

    def condition(self, name_or_expr):
        if isinstance(name_or_expr, bool):
            return name_or_expr
        if isinstance(name_or_expr, str):
            expr = (self.template.get('conditions') or {}).get(name_or_expr)
            if expr is None:
                raise _Unresolved()
            return bool(self.value(expr))
        return bool(self.value(name_or_expr))

    def value(self, snippet):
        if isinstance(snippet, list):
            return [self.value(item) for item in snippet]
        if not isinstance(snippet, dict):
            return snippet
        if len(snippet) != 1:
            return {key: self.value(val) for key, val in snippet.items()}
        (key, arg), = snippet.items()
        if key == 'get_param':
            if isinstance(arg, str) and arg in self.parameters:
                return self.parameters[arg]
            raise _Unresolved()
        if key == 'if':
            chosen = arg[1] if self.condition(arg[0]) else (
                arg[2] if len(arg) > 2 else _OMITTED)
            return self.value(chosen)
        if key == 'not':
            return not self.condition(arg)
        if key == 'equals':
            left, right = (self.value(a) for a in arg)
            return left == right
        if key in ('and', 'or'):
            values = [self.condition(a) for a in arg]
            return all(values) if key == 'and' else any(values)
        return {key: self.value(arg)}

    def properties(self, resource):
        """Property name -> value, or the snippet as written, or absent."""
        definition = (self.template.get('resources') or {}).get(resource) or {}
        result = {}
        for name, snippet in (definition.get('properties') or {}).items():
            try:
                value = self.value(snippet)
            except (_Unresolved, TypeError, IndexError):
                value = snippet
            if value is _OMITTED:
                continue
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if v is not _OMITTED}
            result[name] = value
        return result


_OMITTED = object()

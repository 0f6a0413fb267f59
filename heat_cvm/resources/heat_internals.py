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

"""The Heat internals heat-cvm relies on, checked when heat-engine loads it.

No Heat API promises these; a Heat release that reshapes one would not
make heat-cvm fail, it would make it leak: secrets in events (an
``_add_event`` heat-cvm no longer overrides the way Heat calls it), the
filled user data in the server's stored properties, nested stacks without
the tags the panel finds them by. So each is checked at load, for presence
and signature, and for the call sites heat-cvm's overrides stand in for;
on any mismatch the plugin registers nothing and heat-engine's log says
why in one line (heat_cvm.plugin).

What each is for:

* ``Resource._add_event`` and ``Resource._stored_properties_data``:
  heat_cvm.resources.redaction stores a redacted copy of the properties
  with each event (Heat has no hidden property).
* ``Server.handle_create`` reads ``user_data`` from its properties once:
  OS::CVM::MemberServer hands it the filled text for that call only.
* ``StackResource`` creates and updates nested stacks through the engine
  client's ``_create_stack``/``_update_stack`` with an ``args`` dict:
  OS::CVM::Container adds the tags there.
* ``Resource._needs_update``'s signature: OS::CVM::Container replaces only
  the broken members after its own failed check.
"""

import inspect

from heat.engine import event
from heat.engine import resource
from heat.engine.resources.openstack.nova import server
from heat.engine.resources import stack_resource
from heat.engine import stack
from heat.objects import resource_properties_data
from heat.rpc import client as rpc_client
from heat import version

# The oldest Heat series heat-cvm is tested on (.ci/run: 2025.1, Heat 24,
# to 2026.2, Heat 27). An older one is refused by its version alone.
OLDEST_HEAT = (24, '2025.1')


def _parameters(function):
    return list(inspect.signature(function).parameters)


def _source(function):
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ''


# (what, the check's function, what heat-cvm expects). Each function
# returns True when the internal is as expected.
_CHECKS = (
    ('heat.engine.resource.Resource._add_event(self, action, status, '
     'reason), building its Event from _stored_properties_data',
     lambda: _parameters(resource.Resource._add_event) ==
     ['self', 'action', 'status', 'reason'] and
     '_stored_properties_data' in _source(resource.Resource._add_event) and
     '_stored_properties_data' in _source(resource.Resource.__init__)),
    ('heat.engine.event.Event(context, stack, action, status, reason, '
     'physical_resource_id, resource_prop_data_id, resource_properties, '
     'resource_name, resource_type, ...)',
     lambda: _parameters(event.Event.__init__)[:11] == [
         'self', 'context', 'stack', 'action', 'status', 'reason',
         'physical_resource_id', 'resource_prop_data_id',
         'resource_properties', 'resource_name', 'resource_type']),
    ('heat.objects.resource_properties_data.ResourcePropertiesData.create'
     '(context, data)',
     lambda: _parameters(resource_properties_data.ResourcePropertiesData
                         .create) == ['context', 'data']),
    ('heat.engine.stack.Stack.dispatch_event(self, ev)',
     lambda: _parameters(stack.Stack.dispatch_event) == ['self', 'ev']),
    ('heat.engine.resources.openstack.nova.server.Server.handle_create'
     '(self), reading its user_data property once',
     lambda: _parameters(server.Server.handle_create) == ['self'] and
     _source(server.Server.handle_create).count(
         'self.properties[self.USER_DATA]') == 1),
    ('heat.rpc.client.EngineClient._create_stack(..., args, ...) and '
     '_update_stack(..., args, ...), called by StackResource',
     lambda: 'args' in _parameters(rpc_client.EngineClient._create_stack)
     and 'args' in _parameters(rpc_client.EngineClient._update_stack)
     and 'rpc_client()._create_stack(' in _source(
         stack_resource.StackResource.create_with_template)
     and 'rpc_client()._update_stack(' in _source(
         stack_resource.StackResource.update_with_template)),
    ('heat.engine.resource.Resource._needs_update(self, after, before, '
     'after_props, before_props, prev_resource, check_init_complete)',
     lambda: _parameters(resource.Resource._needs_update) == [
         'self', 'after', 'before', 'after_props', 'before_props',
         'prev_resource', 'check_init_complete']),
)


def heat_version():
    return version.version_info.version_string()


def mismatches():
    """What of Heat's internals is not as heat-cvm expects, if anything."""
    found = []
    release = heat_version()
    if int(release.split('.')[0]) < OLDEST_HEAT[0]:
        found.append('openstack-heat %s is older than %d.x (%s), the '
                     'oldest Heat heat-cvm is tested on' % (
                         release, OLDEST_HEAT[0], OLDEST_HEAT[1]))
    for expected, check in _CHECKS:
        try:
            matches = check()
        except (AttributeError, TypeError, ValueError):
            matches = False
        if not matches:
            found.append(expected)
    return found

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

"""Keep secret property values out of Heat's events.

Heat stores each event with the resource's resolved properties, and
``openstack stack event show`` prints them; Heat has no notion of a hidden
property. Resources that hold secrets store a redacted copy with their
events instead. The resource's own stored properties (which Heat needs to
compute updates) are untouched.
"""

from heat.engine import event
from heat.objects import resource_properties_data as rpd_objects


class RedactedEventsMixin:
    """Mix into a Resource whose ``redact_properties`` masks its secrets."""

    def redact_properties(self, data):
        raise NotImplementedError()

    def _add_event(self, action, status, reason):
        physical_res_id = self.resource_id or self.physical_resource_name()
        redacted = self.redact_properties(self._stored_properties_data or {})
        prop_data_id = None
        if redacted:
            prop_data_id = rpd_objects.ResourcePropertiesData(
                self.context).create(self.context, redacted).id
        ev = event.Event(self.context, self.stack, action, status, reason,
                         physical_res_id, prop_data_id, redacted,
                         self.name, self.type())
        ev.store()
        self.stack.dispatch_event(ev)

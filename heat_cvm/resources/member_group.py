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

"""OS::CVM::MemberGroup: the members' autoscaling group, rollback-safe.

An OS::Heat::AutoScalingGroup whose update also rolls members that are not
at the group's definition. Heat stores a resource's new properties only
when its update succeeds. After a rolling update that failed at its first
batch (a new image whose container never became ready), the group's stored
definition is still the old one while that batch's members are at the new
one. Rolling back is an update to the old definition: Heat finds no change
in the group's properties, keeps the failed members at the definition they
failed with, and waits again for guests that will never signal, so the
rollback fails too. This group sees those members and rolls them back to
the old definition, batch by batch as its rolling_updates say; the members
that were not reached are at that definition already and are kept.

Internal to OS::CVM::Container's nested stacks; not for templates.
"""

from heat.common import grouputils
from heat.engine.resources.openstack.heat import autoscaling_group
from heat.engine import support

from heat_cvm.i18n import _


class MemberGroup(autoscaling_group.AutoScalingResourceGroup):

    support_status = support.SupportStatus(
        status=support.UNSUPPORTED,
        message=_('Internal to OS::CVM::Container.'))

    def _members_off_definition(self):
        """Names of the members whose definition is not the group's."""
        definition = self._get_resource_definition()
        return [name for name, member_definition
                in grouputils.get_member_definitions(self,
                                                     include_failed=True)
                if member_definition != definition]

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if self.RESOURCE not in prop_diff:
            self.properties = json_snippet.properties(self.properties_schema,
                                                      self.context)
            if self._members_off_definition():
                # As if the definition had changed: a rolling update, which
                # replaces only the members not at the definition.
                prop_diff = dict(prop_diff, **{
                    self.RESOURCE: self.properties[self.RESOURCE]})
        return super().handle_update(json_snippet, tmpl_diff, prop_diff)


def resource_mapping():
    return {'OS::CVM::MemberGroup': MemberGroup}

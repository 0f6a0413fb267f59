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

"""OS::CVM::MemberServer: a member's server, its user data filled at boot.

Heat shows every resource's resolved properties in its events, so the
user data Nova gets (which carries the wait condition's token, the secret
environment and the registry password) must not be a property of
anything in the nested stacks. This OS::Nova::Server takes the user data
with ``%%CVM_...%%`` placeholders as its ``user_data``, the values of the
non-secret placeholders (the wait condition's URL and token, volume IDs)
as ``user_data_values``, whose values its events mask, and the names of
the secret ones. When it creates the server, it fetches the secrets from
the resource data of the OS::CVM::Container above it, fills everything in
(heat_cvm.cloudinit.fill) and hands the result to Nova, as
OS::Nova::Server would its ``user_data``.

A member is then the same four resources a user would write by hand
(port, server, wait condition handle and wait condition), not a fifth
that stores the filled user data as a software config for the server to
read back: heat-cvm's engine cost per member is the hand-written one's.

Internal to OS::CVM::Container's nested stacks; not for templates.
"""

import copy

from heat.common import exception
from heat.engine import properties
from heat.engine.resources.openstack.nova import server
from heat.engine import stack as parser
from heat.engine import support

from heat_cvm import cloudinit
from heat_cvm.i18n import _
from heat_cvm.resources import redaction
from heat_cvm import schema

CONTAINER_TYPE = 'OS::CVM::Container'


class MemberServer(redaction.RedactedEventsMixin, server.Server):

    support_status = support.SupportStatus(
        status=support.UNSUPPORTED,
        message=_('Internal to OS::CVM::Container.'))

    USER_DATA_VALUES, SECRET_PLACEHOLDERS, SECRETS_DIGEST = (
        'user_data_values', 'secret_placeholders', 'secrets_digest')

    properties_schema = dict(server.Server.properties_schema, **{
        USER_DATA_VALUES: properties.Schema(
            properties.Schema.MAP,
            _('Placeholder -> value, filled into user_data at create '
              '(masked in events: it holds the wait condition token).'),
            default={}),
        SECRET_PLACEHOLDERS: properties.Schema(
            properties.Schema.LIST,
            _('Placeholders of user_data whose values are secrets of the '
              'OS::CVM::Container this server is a member of.'),
            default=[]),
        SECRETS_DIGEST: properties.Schema(
            properties.Schema.STRING,
            _('A keyed digest of the secrets: a new one replaces the '
              'server.'),
            default=''),
    })

    def redact_properties(self, data):
        redacted = dict(data)
        redacted[self.USER_DATA_VALUES] = {
            k: schema.REDACTED for k in data.get(self.USER_DATA_VALUES) or {}}
        return redacted

    def _container(self):
        # Walk up the nested stacks: member, group, container's stack.
        stack = self.stack
        while stack.owner_id is not None:
            parent = parser.Stack.load(self.context, stack_id=stack.owner_id)
            resource = parent[stack.parent_resource_name]
            if resource.type() == CONTAINER_TYPE:
                return resource
            stack = parent
        raise exception.Error(_('%s is not inside an %s') % (
            self.name, CONTAINER_TYPE))

    def _filled_user_data(self):
        values = dict(self.properties[self.USER_DATA_VALUES])
        placeholders = self.properties[self.SECRET_PLACEHOLDERS]
        if placeholders:
            secrets = self._container().secret_values(self.stack.tenant_id)
            values.update({p: secrets[p] for p in placeholders})
        return cloudinit.fill(self.properties[self.USER_DATA], values)

    def handle_create(self):
        # OS::Nova::Server reads its user_data property when it creates the
        # server; for that call only, the property holds the filled text.
        # Heat stores (and shows) the properties as they were, placeholders
        # in; the filled text goes to Nova alone.
        unfilled = self.properties
        filled = copy.copy(unfilled)
        filled.data = dict(unfilled.data,
                           **{self.USER_DATA: self._filled_user_data()})
        self.properties = filled
        try:
            return super().handle_create()
        finally:
            self.properties = unfilled


def resource_mapping():
    return {'OS::CVM::MemberServer': MemberServer}

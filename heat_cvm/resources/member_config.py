"""OS::CVM::MemberConfig: a member's user data, secrets filled in.

Heat shows every resource's resolved properties in its events, so the
user data (which carries the secret environment and the registry password)
must not be a property of the OS::Nova::Server, nor may the secrets be a
property of anything in the nested stacks. This resource takes the
placeholder-bearing cloud-config and the values of the non-secret
placeholders (the wait condition's URL and token, volume IDs) as
properties, whose values its events mask; it fetches the secrets from the
resource data of the OS::CVM::Container above it, fills everything in
(heat_cvm.cloudinit.fill) and stores the result as a Heat software config.
The server's ``user_data`` is the config's ID, which OS::Nova::Server
resolves (user_data_format RAW).

Internal to OS::CVM::Container's nested stacks; not for templates.
"""

from heat.common import exception
from heat.engine import properties
from heat.engine.resources.openstack.heat import software_config
from heat.engine import stack as parser
from heat.engine import support
from heat.rpc import api as rpc_api

from heat_cvm import cloudinit
from heat_cvm.i18n import _
from heat_cvm.resources import redaction
from heat_cvm import schema

CONTAINER_TYPE = 'OS::CVM::Container'


class MemberConfig(redaction.RedactedEventsMixin,
                   software_config.SoftwareConfig):

    support_status = support.SupportStatus(
        status=support.UNSUPPORTED,
        message=_('Internal to OS::CVM::Container.'))

    PROPERTIES = (TEMPLATE, VALUES, SECRETS, SECRETS_DIGEST) = (
        'template', 'values', 'secrets', 'secrets_digest')

    properties_schema = {
        TEMPLATE: properties.Schema(
            properties.Schema.STRING,
            _('The #cloud-config with %%CVM_...%% placeholders.'),
            required=True),
        VALUES: properties.Schema(
            properties.Schema.MAP,
            _('Placeholder -> value (masked in events: it holds the wait '
              'condition token).'),
            default={}),
        SECRETS: properties.Schema(
            properties.Schema.LIST,
            _('Placeholders whose values are secrets of the container.'),
            default=[]),
        SECRETS_DIGEST: properties.Schema(
            properties.Schema.STRING,
            _('A keyed digest of the secrets: a new one replaces the config.'),
            default=''),
    }

    # SoftwareConfig's "config" attribute would print the filled user data.
    attributes_schema = {}

    def redact_properties(self, data):
        redacted = dict(data)
        redacted[self.VALUES] = {k: schema.REDACTED
                                 for k in data.get(self.VALUES) or {}}
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

    def handle_create(self):
        values = dict(self.properties[self.VALUES])
        if self.properties[self.SECRETS]:
            secrets = self._container().secret_values()
            values.update({p: secrets[p] for p in self.properties[
                self.SECRETS]})
        config = cloudinit.fill(self.properties[self.TEMPLATE], values)
        sc = self.rpc_client().create_software_config(
            self.context, group='ungrouped',
            name=self.physical_resource_name(), config=config)
        self.resource_id_set(sc[rpc_api.SOFTWARE_CONFIG_ID])

    def _resolve_attribute(self, name):
        return None


def resource_mapping():
    return {'OS::CVM::MemberConfig': MemberConfig}

"""OS::CVM::MemberConfig: a member's user data, secrets filled in.

Heat shows every resource's resolved properties in its events, so the
user data (which carries the secret environment and the registry password)
must not be a property of the OS::Nova::Server. This resource keeps the
placeholder-bearing cloud-config and the values for the placeholders as
properties it never shows, fills them (heat_cvm.cloudinit.fill) and stores
the result as a Heat software config; the server's ``user_data`` is the
config's ID, which OS::Nova::Server resolves (user_data_format RAW).

Internal to OS::CVM::Container's nested stacks; not for templates.
"""

from heat.engine import properties
from heat.engine.resources.openstack.heat import software_config
from heat.engine import support
from heat.rpc import api as rpc_api

from heat_cvm import cloudinit
from heat_cvm.i18n import _
from heat_cvm.resources import redaction
from heat_cvm import schema


class MemberConfig(redaction.RedactedEventsMixin,
                   software_config.SoftwareConfig):

    support_status = support.SupportStatus(
        status=support.UNSUPPORTED,
        message=_('Internal to OS::CVM::Container.'))

    PROPERTIES = (TEMPLATE, VALUES) = ('template', 'values')

    properties_schema = {
        TEMPLATE: properties.Schema(
            properties.Schema.STRING,
            _('The #cloud-config with %%CVM_...%% placeholders.'),
            required=True),
        VALUES: properties.Schema(
            properties.Schema.MAP,
            _('Placeholder -> value. Never shown: it holds secrets.'),
            default={}),
    }

    # SoftwareConfig's "config" attribute would print the filled user data.
    attributes_schema = {}

    def redact_properties(self, data):
        values = data.get(self.VALUES) or {}
        return {self.TEMPLATE: data.get(self.TEMPLATE),
                self.VALUES: {k: schema.REDACTED for k in values}}

    def handle_create(self):
        config = cloudinit.fill(self.properties[self.TEMPLATE],
                                self.properties[self.VALUES])
        sc = self.rpc_client().create_software_config(
            self.context, group='ungrouped',
            name=self.physical_resource_name(), config=config)
        self.resource_id_set(sc[rpc_api.SOFTWARE_CONFIG_ID])

    def _resolve_attribute(self, name):
        return None


def resource_mapping():
    return {'OS::CVM::MemberConfig': MemberConfig}

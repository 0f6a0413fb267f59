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

"""The properties of OS::CVM::Container: the one source of truth.

Every property name, type, default, constraint and description is declared
here once, as plain data with no Heat or Django import. The Heat resource
turns these fields into ``heat.engine.properties.Schema`` objects, the
template generator turns them into HOT parameters of
``templates/container.yaml`` and the Horizon panel reads those parameters;
nothing re-declares them.
"""

import dataclasses
from typing import Any, Optional

STRING = 'string'
INTEGER = 'integer'
NUMBER = 'number'
BOOLEAN = 'boolean'
LIST = 'list'
MAP = 'map'

# Identifiers that end up in file names, systemd unit names and docker
# container names; restricting them here means they never need quoting.
NAME_PATTERN = r'^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$'
ENV_NAME_PATTERN = r'^[A-Za-z_][A-Za-z0-9_]*$'
USER_PATTERN = r'^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$'

RESTART_POLICIES = ('no', 'on-failure', 'always')
PROTOCOLS = ('tcp', 'udp')

# The custom constraint of glance_image: a Glance image by ID or by any
# name, "<repository>:<tag>" too (heat_cvm.resources.glance_images).
GLANCE_DOCKER_IMAGE = 'cvm.glance_image'


@dataclasses.dataclass(frozen=True)
class Field:
    """One property (or sub-property) of the resource."""

    name: str
    type: str
    description: str
    label: str = ''
    default: Any = None
    required: bool = False
    update_allowed: bool = False
    # A secret: Heat must not show it and the guest keeps it root-only.
    secret: bool = False
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    allowed: tuple = ()
    pattern: Optional[str] = None
    # A Heat custom constraint (e.g. 'nova.flavor') checked against the cloud.
    custom: Optional[str] = None
    # For a list: the schema of each item. For a map: its known keys.
    item: Optional['Field'] = None
    fields: tuple = ()
    # The [cvm] option that supplies the value when the property is omitted.
    config_default: Optional[str] = None

    def field(self, name):
        for sub in self.fields:
            if sub.name == name:
                return sub
        raise KeyError(name)


def _port_fields():
    return (
        Field('port', INTEGER, 'The port the container listens on.',
              required=True, minimum=1, maximum=65535),
        Field('protocol', STRING, 'The transport protocol.',
              default='tcp', allowed=PROTOCOLS),
        Field('host_port', INTEGER,
              'The port published on the server; defaults to "port".',
              minimum=1, maximum=65535),
    )


def _volume_fields():
    return (
        Field('size', INTEGER,
              'Size in GiB of a new Cinder volume created for each member.',
              minimum=1),
        Field('volume_id', STRING,
              'An existing Cinder volume to attach (only with max_size 1).',
              custom='cinder.volume'),
        Field('mount_path', STRING,
              'Absolute path inside the container where the volume is '
              'mounted.', required=True),
        Field('read_only', BOOLEAN, 'Mount the volume read-only.',
              default=False),
    )


def _autoscale_fields():
    return (
        Field('meter', STRING,
              'The metric the alarms watch: "cpu", the members\' mean CPU '
              'in percent of their flavor\'s vCPUs (converted to the '
              'cloud\'s CPU-time metric), or the name of another metric, '
              'compared as its mean in its own unit.', default='cpu'),
        Field('target_cpu_percent', NUMBER,
              'Keep the members\' mean CPU near this percent: add a member '
              'above target + band, remove one below target - band. '
              'Instead of scale_up_above and scale_down_below.',
              minimum=1, maximum=99),
        Field('band', NUMBER,
              'Percentage points either side of target_cpu_percent.',
              default=15, minimum=1),
        Field('scale_up_above', NUMBER,
              'Add a member when the meter is above this for the whole '
              'evaluation (percent for "cpu"). Default 80.', minimum=0),
        Field('scale_down_below', NUMBER,
              'Remove a member when the meter is below this for the whole '
              'evaluation (percent for "cpu"). Default 20.', minimum=0),
        Field('evaluation_periods', INTEGER,
              'Consecutive periods of [cvm] alarm_granularity seconds the '
              'condition must hold. Keep 2 or more for "cpu": for one '
              'period after a member joins, its fresh CPU counter reads '
              'as a dip in the group\'s rate.', default=2, minimum=1),
    )


def _scaling_fields():
    return (
        Field('min_size', INTEGER, 'Fewest members.', default=1,
              minimum=0, update_allowed=True),
        Field('max_size', INTEGER, 'Most members.', default=1,
              minimum=0, update_allowed=True),
        Field('desired_capacity', INTEGER,
              'Members to run now; defaults to min_size.',
              minimum=0, update_allowed=True),
        Field('cooldown', INTEGER,
              'Seconds after a scaling action before the next one.',
              default=60, minimum=0, update_allowed=True),
        Field('autoscale', MAP,
              'Aodh alarms that drive the scaling policies.',
              update_allowed=True, fields=_autoscale_fields()),
    )


FIELDS = (
    Field('name', STRING,
          'The container name: the guest runs it as "cvm-<name>" in the '
          'systemd unit "cvm-<name>.service". Defaults to the resource '
          'name.', label='Container name', pattern=NAME_PATTERN),
    Field('image', STRING,
          'A Docker image reference, name[:tag][@sha256:digest], with an '
          'optional registry-host[:port]/ prefix. Exactly one of image and '
          'glance_image.', label='Image', update_allowed=True),
    Field('glance_image', STRING,
          'A Glance image (name or ID) whose container_format is "docker"; '
          'the guest pulls it from the [cvm] registry as <registry>/<ID>. '
          'Exactly one of image and glance_image.',
          label='Glance image', custom=GLANCE_DOCKER_IMAGE,
          update_allowed=True),
    Field('command', LIST, 'The command (arguments) run in the container, '
          'a list: ["sleep", "1d"] (a JSON list on the command line).',
          label='Command', update_allowed=True,
          item=Field('arg', STRING, 'An argument.')),
    Field('entrypoint', LIST, 'Overrides the image entrypoint, a list: '
          '["/bin/sh", "-c"] (a JSON list on the command line).',
          label='Entrypoint', update_allowed=True,
          item=Field('arg', STRING, 'An argument.')),
    Field('environment', MAP,
          'Environment variables of the container, names to strings: '
          '{"MODE": "cache"}. A number or a boolean is taken as the text '
          'it is written as (8080, true); a list or a map is refused.',
          label='Environment', default={}, update_allowed=True),
    Field('secret_environment', MAP,
          'Environment variables whose values are secret: written to a '
          'root-only file in the guest, never on a command line, in '
          'events, outputs or logs.', label='Secret environment',
          default={}, update_allowed=True, secret=True),
    Field('working_dir', STRING, 'The working directory in the container.',
          label='Working directory', update_allowed=True),
    Field('user', STRING, 'The user (name, uid or uid:gid) the container '
          'runs as.', label='User', update_allowed=True,
          pattern=USER_PATTERN),
    Field('ports', LIST,
          'Ports the container publishes on its server; the security '
          'group opens exactly these.', label='Ports', default=[],
          update_allowed=True,
          item=Field('port', MAP, 'A published port.',
                     fields=_port_fields())),
    Field('allowed_cidr', STRING,
          'The network the published ports are open to.',
          label='Allowed CIDR', default='0.0.0.0/0', update_allowed=True,
          custom='net_cidr'),
    Field('volumes', LIST,
          'Cinder volumes attached to each member and mounted into the '
          'container.', label='Volumes', default=[], update_allowed=True,
          item=Field('volume', MAP, 'A volume.', fields=_volume_fields())),
    Field('cpu_limit', NUMBER, 'CPUs the container may use (docker --cpus).',
          label='CPU limit', minimum=0.01, update_allowed=True),
    Field('memory_limit_mb', INTEGER,
          'Memory limit of the container in MiB (docker --memory).',
          label='Memory limit (MiB)', minimum=6, update_allowed=True),
    Field('restart_policy', STRING,
          'When systemd restarts the container.', label='Restart policy',
          default='always', allowed=RESTART_POLICIES, update_allowed=True),
    Field('health_check', MAP, 'A Docker health check.',
          label='Health check', update_allowed=True, fields=(
              Field('command', STRING,
                    'Shell command run in the container; exit 0 is '
                    'healthy.', required=True),
              Field('interval', INTEGER, 'Seconds between checks.',
                    default=30, minimum=1),
              Field('retries', INTEGER,
                    'Failures in a row that make it unhealthy.',
                    default=3, minimum=1),
          )),
    Field('registry_credentials', MAP,
          'Credentials for a private registry (docker login).',
          label='Registry credentials', update_allowed=True, fields=(
              Field('username', STRING, 'Registry user name.',
                    required=True),
              Field('password', STRING, 'Registry password.',
                    required=True, secret=True),
          )),
    Field('flavor', STRING, 'The Nova flavor of each member.',
          label='Flavor', custom='nova.flavor', update_allowed=True,
          config_default='flavor'),
    Field('host_image', STRING,
          'The container-host Glance image members boot.',
          label='Host image', custom='glance.image', update_allowed=True,
          config_default='host_image'),
    Field('key_name', STRING, 'A Nova key pair for SSH to the members.',
          label='Key pair', custom='nova.keypair', update_allowed=True,
          config_default='key_name'),
    Field('networks', LIST, 'Neutron networks (name or ID) of each member.',
          label='Networks', update_allowed=True,
          item=Field('network', STRING, 'A network.',
                     custom='neutron.network')),
    Field('availability_zone', STRING,
          'The availability zone of the members.',
          label='Availability zone', update_allowed=True,
          config_default='availability_zone'),
    Field('metadata', MAP, 'Nova metadata of each member.',
          label='Server metadata', default={}, update_allowed=True),
    Field('scaling', MAP, 'The size of the group and how it scales.',
          label='Scaling', update_allowed=True, fields=_scaling_fields()),
    Field('rolling_updates', MAP,
          'How members are replaced when the container changes.',
          label='Rolling updates', update_allowed=True, fields=(
              Field('min_in_service', INTEGER,
                    'Members kept in service during an update.',
                    default=0, minimum=0),
              Field('max_batch_size', INTEGER,
                    'Members replaced at once.', default=1, minimum=1),
              Field('pause_time', NUMBER,
                    'Seconds to wait between batches.', default=0,
                    minimum=0),
          )),
    Field('wait_for_ready', BOOLEAN,
          'Wait until the guest reports the container running before the '
          'member is CREATE_COMPLETE.', label='Wait for ready',
          default=True, update_allowed=True),
    Field('ready_timeout', INTEGER,
          'Seconds a member has to report its container running.',
          label='Ready timeout (s)', minimum=1, update_allowed=True,
          config_default='ready_timeout'),
)

FIELDS_BY_NAME = {f.name: f for f in FIELDS}


def field(path):
    """The Field at a dotted path such as 'scaling.autoscale.meter'."""
    parts = path.split('.')
    current = FIELDS_BY_NAME[parts[0]]
    for part in parts[1:]:
        if current.type == LIST:
            current = current.item
        current = current.field(part)
    return current


# The attributes of the resource: name -> description.
ATTRIBUTES = {
    'servers': 'The Nova server IDs of the members.',
    'addresses': 'The first fixed IP address of each member.',
    'endpoints': 'Published endpoints, "ip:port" for each published port '
                 'of each member.',
    'scale_up_url': 'A pre-signed URL: an HTTP POST adds a member.',
    'scale_down_url': 'A pre-signed URL: an HTTP POST removes a member.',
    'current_size': 'The number of members now.',
}


REDACTED = '******'


def redact(props):
    """A copy of property values with every secret value masked.

    Map-valued secrets keep their keys (a variable's name is not secret)
    so events and the panel still say what was set.
    """
    if not isinstance(props, dict):
        return props
    redacted = dict(props)
    for field in FIELDS:
        value = redacted.get(field.name)
        if value is None:
            continue
        if field.secret:
            redacted[field.name] = ({k: REDACTED for k in value}
                                    if isinstance(value, dict) else REDACTED)
        elif field.type == MAP and field.fields and isinstance(value, dict):
            redacted[field.name] = {
                k: (REDACTED if v is not None and is_secret(field, k)
                    else v) for k, v in value.items()}
    return redacted


def is_secret(parent, name):
    """Whether the sub-property ``name`` of ``parent`` is a secret."""
    try:
        return parent.field(name).secret
    except KeyError:
        return False

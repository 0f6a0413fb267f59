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

"""ContainerSpec: the normalized, validated container.

``ContainerSpec.from_properties`` takes the property values of an
OS::CVM::Container (plain Python data, already type-checked by Heat's
schema) and either returns a frozen spec that the renderers trust, or
raises SpecError naming the property path and the offending value. A
secret value is never part of a message: its key is named instead.
"""

import dataclasses
import ipaddress
import json
import posixpath
import re
from typing import Optional

from heat_cvm import alarms
from heat_cvm.i18n import _
from heat_cvm import image as image_ref
from heat_cvm import schema

_ENV_NAME = re.compile(schema.ENV_NAME_PATTERN)
_NAME = re.compile(schema.NAME_PATTERN)
_USER = re.compile(schema.USER_PATTERN)

# Characters that would change the meaning of a docker --mount or -v spec.
_MOUNT_PATH_FORBIDDEN = (':', ',', '\n', '\0')
_LINE_BREAKS = ('\n', '\r')

# Nova's server metadata, as its API schema takes it.
NOVA_METADATA_KEY = re.compile(r'^[a-zA-Z0-9-_:. ]{1,255}$')
NOVA_METADATA_VALUE_MAX = 255
# The metadata heat-cvm gives each member itself: Ceilometer turns the
# first into the "server_group" an Aodh alarm selects the group by.
SERVER_GROUP_METADATA = 'metering.server_group'
CONTAINER_METADATA = 'heat-cvm.container'
MEMBER_METADATA_KEYS = (SERVER_GROUP_METADATA, CONTAINER_METADATA)


class SpecError(ValueError):
    """Invalid properties: ``path`` is the property, ``message`` says why."""

    def __init__(self, path, message):
        self.path = path
        self.message = message
        super().__init__('%s: %s' % (path, message))


@dataclasses.dataclass(frozen=True)
class Port:
    port: int
    protocol: str
    host_port: int


@dataclasses.dataclass(frozen=True)
class Volume:
    index: int
    size: Optional[int]
    volume_id: Optional[str]
    mount_path: str
    read_only: bool


@dataclasses.dataclass(frozen=True)
class HealthCheck:
    command: str
    interval: int
    retries: int


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Autoscale:
    meter: str
    limits: alarms.Limits
    evaluation_periods: int


@dataclasses.dataclass(frozen=True)
class Scaling:
    min_size: int
    max_size: int
    desired_capacity: int
    cooldown: int
    autoscale: Optional[Autoscale]


@dataclasses.dataclass(frozen=True)
class RollingUpdates:
    min_in_service: int
    max_batch_size: int
    pause_time: float


@dataclasses.dataclass(frozen=True)
class Server:
    flavor: Optional[str]
    host_image: Optional[str]
    key_name: Optional[str]
    networks: tuple
    availability_zone: Optional[str]
    metadata: dict


@dataclasses.dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    command: tuple
    entrypoint: Optional[tuple]
    environment: dict
    secret_environment: dict = dataclasses.field(repr=False)
    working_dir: Optional[str] = None
    user: Optional[str] = None
    ports: tuple = ()
    allowed_cidr: str = '0.0.0.0/0'
    volumes: tuple = ()
    cpu_limit: Optional[float] = None
    memory_limit_mb: Optional[int] = None
    restart_policy: str = 'always'
    health_check: Optional[HealthCheck] = None
    registry_credentials: Optional[Credentials] = None
    # The Glance image ID a member's guest gets a pull grant for (a
    # glance_image served by heat-cvm-registry), or None.
    pull_grant_image: Optional[str] = None
    server: Server = None
    scaling: Scaling = None
    rolling_updates: RollingUpdates = None
    wait_for_ready: bool = True
    ready_timeout: int = 600

    @property
    def unit_name(self):
        return 'cvm-%s.service' % self.name

    @property
    def container_name(self):
        return 'cvm-%s' % self.name

    @property
    def registry_host(self):
        """The registry that docker login must talk to, if not Docker Hub."""
        return image_ref.parse_reference(self.image).domain

    @classmethod
    def from_properties(cls, props, defaults=None, resource_name='container',
                        glance_image_id=None, registry=None,
                        glance_digest=None, pull_grants=False,
                        max_server_meta=None):
        """Validate property values and build the spec.

        :param props: property name -> value, as Heat resolved them.
        :param defaults: [cvm] option name -> value, used where a property
            with a ``config_default`` is omitted.
        :param glance_image_id: the Glance ID that ``glance_image`` resolved
            to (the adapter looks it up; this module never calls a cloud).
        :param registry: the [cvm] registry that serves Glance images.
        :param glance_digest: the manifest digest the Glance image holds,
            when known: the guests pull exactly it.
        :param pull_grants: whether guests get a pull grant for a
            glance_image (heat-cvm-registry) instead of pulling anonymously.
        :param max_server_meta: the metadata items Nova allows a server
            (its absolute limit maxServerMeta), when the adapter asked.
        """
        _check_texts(props)
        return _Builder(props, defaults or {}, max_server_meta).build(
            resource_name, _GlanceSource(glance_image_id, registry,
                                         glance_digest, pull_grants))


def default_name(resource_name):
    """A valid container name derived from a Heat resource name."""
    name = re.sub(r'[^a-zA-Z0-9_.-]', '-', resource_name).lstrip('_.-')
    return (name or 'container')[:63]


def _value_text(value):
    # JSON quoting shows a newline or NUL as \n or \u0000, not as itself;
    # text that is not valid Unicode, escaped whole.
    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        text = json.dumps(value, default=str)
    return text


def check_shapes(props):
    """Refuse shapes Heat's own type checks would echo, or misname.

    Run before Heat's schema checks: Heat's "... is not a map" prints the
    value, which for a secret-bearing property may be the secret, and its
    error for OS::Nova::Server's ``networks`` form does not say the right
    one.
    """
    for field in schema.FIELDS:
        value = props.get(field.name)
        if value is None or not (field.secret or any(
                sub.secret for sub in field.fields)):
            continue
        if field.type == schema.MAP and not isinstance(value, dict):
            raise SpecError(field.name, _(
                'must be a map of %s (the value given is not shown)')
                % (' and '.join(sub.name for sub in field.fields)
                   or _('names to strings')))
        for key, item in value.items():
            if (field.secret or schema.is_secret(field, key)) and \
                    isinstance(item, (dict, list)):
                raise SpecError(field.name, _(
                    'the value of %s must be a string (the value given is '
                    'not shown)') % key)
    for index, network in enumerate(props.get('networks') or ()):
        if isinstance(network, dict):
            raise SpecError('networks[%d]' % index, _(
                '%(given)s is OS::Nova::Server\'s form; OS::CVM::Container '
                'takes the network\'s name or ID: networks: [%(name)s]') % {
                    'given': _value_text(network),
                    'name': _value_text(network.get('network') or
                                        network.get('uuid') or 'private')})


def _check_texts(props):
    """Refuse text no process, docker or env file can be given.

    A NUL anywhere, or a lone surrogate (not valid Unicode: it has no
    UTF-8 form). Named by path; a secret's value is not shown.
    """
    for field in schema.FIELDS:
        if props.get(field.name) is not None:
            _check_text_tree(field.name, props[field.name], field.secret,
                             field)


def _check_text_tree(path, value, secret, field=None):
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(path, key, False)
            _check_text_tree('%s.%s' % (path, key), item, secret or (
                field is not None and schema.is_secret(field, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text_tree('%s[%d]' % (path, index), item, secret)
    elif isinstance(value, str):
        _check_text(path, value, secret)


def _check_text(path, text, secret):
    if not isinstance(text, str):
        return
    if '\0' in text:
        why = _('contains a NUL character, which no process can be given')
    elif any('\ud800' <= char <= '\udfff' for char in text):
        why = _('is not valid Unicode text (a lone surrogate), which docker '
                'cannot be given')
    else:
        return
    if secret:
        raise SpecError(path, _('the value %s (the value is not shown)')
                        % why)
    raise SpecError(path, _('the value %(value)s %(why)s') % {
        'value': _value_text(text), 'why': why})


@dataclasses.dataclass(frozen=True)
class _GlanceSource:
    """Where a glance_image is pulled from, as the adapter found it."""
    image_id: Optional[str]
    registry: Optional[str]
    digest: Optional[str]
    pull_grants: bool


class _Builder:
    def __init__(self, props, defaults, max_server_meta=None):
        self.props = props
        self.defaults = defaults
        self.max_server_meta = max_server_meta

    def get(self, name):
        value = self.props.get(name)
        if value is None:
            field = schema.FIELDS_BY_NAME[name]
            if field.config_default:
                return self.defaults.get(field.config_default)
            return field.default
        return value

    def build(self, resource_name, glance):
        name = self.get('name') or default_name(resource_name)
        if not _NAME.match(name):
            raise SpecError('name', _(
                '%s is not a valid container name; use letters, digits, "_", '
                '"." and "-"') % _value_text(name))
        environment = self.environment()
        secret_environment = self.secret_environment(environment)
        scaling = self.scaling()
        return ContainerSpec(
            name=name,
            image=self.image(glance),
            command=self.argv('command'),
            entrypoint=self.argv('entrypoint'),
            environment=environment,
            secret_environment=secret_environment,
            working_dir=self.working_dir(),
            user=self.user(),
            ports=self.ports(),
            allowed_cidr=self.allowed_cidr(),
            volumes=self.volumes(scaling),
            cpu_limit=self.get('cpu_limit'),
            memory_limit_mb=self.get('memory_limit_mb'),
            restart_policy=self.get('restart_policy'),
            health_check=self.health_check(),
            registry_credentials=self.credentials(glance),
            pull_grant_image=self.pull_grant_image(glance),
            server=self.server(),
            scaling=scaling,
            rolling_updates=self.rolling_updates(),
            wait_for_ready=bool(self.get('wait_for_ready')),
            ready_timeout=int(self.get('ready_timeout') or 600),
        )

    def image(self, glance):
        image = self.props.get('image')
        glance_image = self.props.get('glance_image')
        if image and glance_image:
            raise SpecError('image', _(
                'give either image or glance_image, not both (image %s, '
                'glance_image %s)')
                % (_value_text(image), _value_text(glance_image)))
        if glance_image:
            if not glance.registry:
                raise SpecError('glance_image', _(
                    'glance_image %s needs the registry that serves Glance '
                    'images: set [cvm] registry in heat.conf')
                    % _value_text(glance_image))
            try:
                return image_ref.glance_pull_reference(
                    glance.registry, glance.image_id or glance_image,
                    glance.digest)
            except image_ref.InvalidReference as exc:
                raise SpecError('glance_image', _(
                    'Glance image %(image)s cannot be pulled as '
                    '<registry>/<ID>@<%(property)s>: %(reason)s') % {
                    'image': _value_text(glance_image),
                    'property': image_ref.GLANCE_DIGEST_PROPERTY,
                    'reason': exc})
        if not image:
            raise SpecError('image', _(
                'one of image or glance_image is required'))
        try:
            return str(image_ref.parse_reference(image))
        except image_ref.InvalidReference as exc:
            raise SpecError('image', _(
                '%s is not a valid Docker image reference: %s')
                % (_value_text(image), exc))

    def argv(self, name):
        words = self.get(name)
        if words is None:
            return () if name == 'command' else None
        # A NUL (which no operating system can pass in an argument) was
        # refused with every other text (_check_texts).
        return tuple(str(word) for word in words)

    def environment(self):
        environment = self.get('environment') or {}
        for key, value in environment.items():
            path = 'environment.%s' % key
            _check_env_name('environment', key, _value_text(key))
            if not isinstance(value, str):
                value = _scalar_text(path, value)
            if _breaks_env_file(value):
                raise SpecError(path, _(
                    'the value %s contains a line break or NUL, which an '
                    'environment file cannot hold') % _value_text(value))
        return {k: _plain(v) for k, v in environment.items()}

    def secret_environment(self, environment):
        secrets = self.get('secret_environment') or {}
        if not isinstance(secrets, dict):
            # Named, never printed: the value may be the secret itself.
            raise SpecError('secret_environment', _(
                'must be a map of names to strings (the value given is not '
                'shown)'))
        for key, value in secrets.items():
            # A key is not a secret (it is shown in the panel); values are.
            _check_env_name('secret_environment', key, _value_text(key))
            path = 'secret_environment.%s' % key
            if key in environment:
                raise SpecError(path, _(
                    'variable "%s" is in both environment and '
                    'secret_environment') % key)
            if not isinstance(value, (str, int, float)) \
                    or isinstance(value, bool):
                raise SpecError(path, _(
                    'the value must be a string (the value given is not '
                    'shown)'))
            if _breaks_env_file(str(value)):
                raise SpecError(path, _(
                    'the value contains a line break or NUL, which an '
                    'environment file cannot hold (the value is not shown)'))
        return {k: str(v) for k, v in secrets.items()}

    def working_dir(self):
        working_dir = self.get('working_dir')
        if working_dir is not None and not working_dir.startswith('/'):
            raise SpecError('working_dir', _(
                '%s is not an absolute path') % _value_text(working_dir))
        if working_dir is not None and _has_line_break(working_dir):
            raise SpecError('working_dir', _(
                '%s contains a line break, which a systemd unit cannot '
                'carry') % _value_text(working_dir))
        return working_dir

    def user(self):
        user = self.get('user')
        if user is not None and not _USER.match(user):
            raise SpecError('user', _(
                '%s is not a user name, uid or uid:gid') % _value_text(user))
        return user

    def ports(self):
        ports = []
        seen = {}
        for index, item in enumerate(self.get('ports') or []):
            path = 'ports[%d]' % index
            port = _int_in(path + '.port', item.get('port'), 1, 65535)
            protocol = item.get('protocol') or 'tcp'
            if protocol not in schema.PROTOCOLS:
                raise SpecError(path + '.protocol', _(
                    '%s is not one of %s')
                    % (_value_text(protocol), ', '.join(schema.PROTOCOLS)))
            host_port = _int_in(path + '.host_port',
                                item.get('host_port') or port, 1, 65535)
            key = (host_port, protocol)
            if key in seen:
                raise SpecError(path + '.host_port', _(
                    'host port %d/%s is already published by ports[%d]')
                    % (host_port, protocol, seen[key]))
            seen[key] = index
            ports.append(Port(port, protocol, host_port))
        return tuple(ports)

    def allowed_cidr(self):
        cidr = self.get('allowed_cidr')
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise SpecError('allowed_cidr', _(
                '%s is not a CIDR such as 10.0.0.0/24') % _value_text(cidr))
        return cidr

    def volumes(self, scaling):
        volumes = []
        mount_paths = {}
        for index, item in enumerate(self.get('volumes') or []):
            path = 'volumes[%d]' % index
            size, volume_id = item.get('size'), item.get('volume_id')
            if (size is None) == (volume_id is None):
                raise SpecError(path, _(
                    'give exactly one of size or volume_id (got %s)')
                    % ('both' if size else 'neither'))
            if volume_id and scaling.max_size > 1:
                raise SpecError(path + '.volume_id', _(
                    'volume %s can attach to one server only, but '
                    'scaling.max_size is %d; use size to give each member its '
                    'own volume')
                    % (_value_text(volume_id), scaling.max_size))
            mount_path = _mount_path(path + '.mount_path',
                                     item.get('mount_path'))
            if mount_path in mount_paths:
                raise SpecError(path + '.mount_path', _(
                    '%s is already the mount path of volumes[%d]')
                    % (_value_text(mount_path), mount_paths[mount_path]))
            mount_paths[mount_path] = index
            volumes.append(Volume(index, size, volume_id, mount_path,
                                  bool(item.get('read_only'))))
        return tuple(volumes)

    def health_check(self):
        check = self.get('health_check')
        if not check:
            return None
        command = check.get('command')
        if not command or not str(command).strip():
            raise SpecError('health_check.command', _(
                'a health check needs a command'))
        if '\n' in command or '\0' in command:
            raise SpecError('health_check.command', _(
                '%s contains a newline or NUL') % _value_text(command))
        hc = schema.field('health_check')
        return HealthCheck(
            command,
            int(_or_default(check, hc, 'interval')),
            int(_or_default(check, hc, 'retries')))

    def pull_grant_image(self, glance):
        if self.props.get('glance_image') and glance.pull_grants:
            return glance.image_id
        return None

    def credentials(self, glance):
        creds = self.get('registry_credentials')
        if not creds:
            return None
        if self.pull_grant_image(glance):
            raise SpecError('registry_credentials', _(
                'not used with glance_image: each member\'s guest gets a '
                'pull grant for the Glance image (the value given is not '
                'shown)'))
        username, password = creds.get('username'), creds.get('password')
        if not isinstance(password, str) or not password:
            raise SpecError('registry_credentials.password', _(
                'must be a non-empty string (the value given is not shown)'))
        if username and _has_line_break(username):
            raise SpecError('registry_credentials.username', _(
                '%s contains a line break, which a registry login cannot '
                'carry') % _value_text(username))
        if not username or any(c.isspace() for c in username):
            raise SpecError('registry_credentials.username', _(
                '%s is not a user name') % _value_text(username))
        if ':' in username:
            # RFC 7617: the user-id of Basic credentials ends at the first
            # colon.
            raise SpecError('registry_credentials.username', _(
                '%s contains ":", which a registry login (HTTP Basic '
                'authentication) cannot carry in a user name')
                % _value_text(username))
        return Credentials(username, password)

    def server(self):
        networks = self.get('networks')
        if not networks and self.defaults.get('network'):
            networks = [self.defaults['network']]
        if not networks:
            raise SpecError('networks', _(
                'no network given and [cvm] network is not set: give at least '
                'one network'))
        return Server(
            flavor=self.get('flavor'),
            host_image=self.get('host_image'),
            key_name=self.get('key_name'),
            networks=tuple(networks or ()),
            availability_zone=self.get('availability_zone'),
            metadata=self.metadata())

    def metadata(self):
        """The user's server metadata, as Nova's API schema takes it."""
        metadata = dict(self.get('metadata') or {})
        for key, value in metadata.items():
            path = 'metadata.%s' % key
            if key in MEMBER_METADATA_KEYS:
                raise SpecError(path, _(
                    'the key is heat-cvm\'s own: each member\'s metadata '
                    'names its container and group with it'))
            if not NOVA_METADATA_KEY.match(str(key)):
                raise SpecError(path, _(
                    'Nova refuses the metadata key %s: 1 to 255 letters, '
                    'digits, spaces and "-_:."') % _value_text(key))
            # OS::Nova::Server sends a value that is not a string as JSON.
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) > NOVA_METADATA_VALUE_MAX:
                raise SpecError(path, _(
                    'Nova refuses a metadata value of %(length)d characters '
                    '(at most %(max)d)') % {
                        'length': len(text), 'max': NOVA_METADATA_VALUE_MAX})
        # Nova says -1 for no limit.
        if self.max_server_meta is not None and \
                self.max_server_meta >= 0 and \
                len(metadata) + len(MEMBER_METADATA_KEYS) > \
                self.max_server_meta:
            raise SpecError('metadata', _(
                '%(count)d keys and heat-cvm\'s %(ours)d are more than the '
                '%(max)d this cloud allows a server (Nova\'s maxServerMeta)')
                % {'count': len(metadata), 'ours': len(MEMBER_METADATA_KEYS),
                   'max': self.max_server_meta})
        return metadata

    def scaling(self):
        given = self.get('scaling') or {}
        sf = schema.field('scaling')
        min_size = int(_or_default(given, sf, 'min_size'))
        max_size = int(_or_default(given, sf, 'max_size'))
        if min_size > max_size:
            raise SpecError('scaling.min_size', _(
                'min_size %d is greater than max_size %d')
                % (min_size, max_size))
        desired = given.get('desired_capacity')
        desired = min_size if desired is None else int(desired)
        if not min_size <= desired <= max_size:
            raise SpecError('scaling.desired_capacity', _(
                'desired_capacity %d is outside min_size..max_size (%d..%d)')
                % (desired, min_size, max_size))
        autoscale = self.autoscale(given.get('autoscale'), min_size,
                                   max_size)
        return Scaling(min_size, max_size, desired,
                       int(_or_default(given, sf, 'cooldown')), autoscale)

    def autoscale(self, given, min_size, max_size):
        if not given:
            return None
        af = schema.field('scaling.autoscale')
        values = {f.name: _or_default(given, af, f.name) for f in af.fields}
        if min_size == max_size:
            raise SpecError('scaling.autoscale', _(
                'autoscaling needs room to scale, but min_size and max_size '
                'are both %d') % min_size)
        if not re.match(r'^[a-zA-Z0-9_.:-]+$', values['meter']):
            raise SpecError('scaling.autoscale.meter', _(
                '%s is not a metric name') % _value_text(values['meter']))
        return Autoscale(values['meter'], self._limits(values),
                         int(values['evaluation_periods']))

    @staticmethod
    def _limits(values):
        """The percent limits of the intent, from a target or as given."""
        target = values['target_cpu_percent']
        if target is None:
            limits = alarms.Limits(
                float(_default(values['scale_up_above'], 80)),
                float(_default(values['scale_down_below'], 20)))
        else:
            _target_alone(values)
            limits = alarms.limits_from_target(float(target),
                                               float(values['band']))
            _band_within_percent(values, limits)
        if limits.down_below >= limits.up_above:
            raise SpecError('scaling.autoscale.scale_down_below', _(
                'scale_down_below %s must be less than scale_up_above %s')
                % (_number_text(limits.down_below),
                   _number_text(limits.up_above)))
        return limits

    def rolling_updates(self):
        given = self.get('rolling_updates') or {}
        rf = schema.field('rolling_updates')
        return RollingUpdates(
            int(_or_default(given, rf, 'min_in_service')),
            int(_or_default(given, rf, 'max_batch_size')),
            float(_or_default(given, rf, 'pause_time')))


def _or_default(given, parent_field, name):
    value = given.get(name)
    return parent_field.field(name).default if value is None else value


def _default(value, default):
    return default if value is None else value


def _number_text(number):
    return '%g' % number


def _target_alone(values):
    for name in ('scale_up_above', 'scale_down_below'):
        if values[name] is not None:
            raise SpecError('scaling.autoscale.' + name, _(
                'give either target_cpu_percent (%(target)s) or '
                '%(name)s (%(value)s), not both') % {
                    'target': _number_text(values['target_cpu_percent']),
                    'name': name, 'value': _number_text(values[name])})
    if values['meter'] != alarms.CPU:
        raise SpecError('scaling.autoscale.target_cpu_percent', _(
            'target_cpu_percent needs the meter "cpu", not %s')
            % _value_text(values['meter']))


def _band_within_percent(values, limits):
    if limits.down_below < 0 or limits.up_above > 100:
        raise SpecError('scaling.autoscale.band', _(
            'band %(band)s around target_cpu_percent %(target)s leaves '
            '0..100 %%: %(low)s..%(high)s') % {
                'band': _number_text(values['band']),
                'target': _number_text(values['target_cpu_percent']),
                'low': _number_text(limits.down_below),
                'high': _number_text(limits.up_above)})


def _has_line_break(text):
    return any(char in text for char in _LINE_BREAKS)


def _breaks_env_file(value):
    # docker --env-file splits lines on \n and drops a \r before it, and no
    # process environment can hold a NUL.
    return any(c in value for c in '\n\r\0')


def _check_env_name(prop, key, shown):
    if not _ENV_NAME.match(str(key)):
        raise SpecError('%s.%s' % (prop, key), _(
            '%s is not a valid environment variable name (letters, digits and '
            '"_", not starting with a digit)') % shown)


def _scalar_text(path, value):
    if isinstance(value, (dict, list)):
        raise SpecError(path, _(
            'the value %s is not a string') % _value_text(value))
    return _plain(value)


def _plain(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _int_in(path, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) \
            or not low <= value <= high:
        raise SpecError(path, _(
            '%s is not a port number (%d-%d)')
            % (_value_text(value), low, high))
    return value


def _mount_path(path, mount_path):
    if not isinstance(mount_path, str) or not mount_path.startswith('/'):
        raise SpecError(path, _(
            '%s is not an absolute path') % _value_text(mount_path))
    if any(c in mount_path for c in _MOUNT_PATH_FORBIDDEN):
        raise SpecError(path, _(
            '%s contains ":", "," or a newline, which docker cannot mount')
            % _value_text(mount_path))
    if '..' in mount_path.split('/') or mount_path == '/':
        raise SpecError(path, _(
            '%s must be a directory below "/" without ".."')
            % _value_text(mount_path))
    return posixpath.normpath(mount_path)

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

"""OS::CVM::Container: one Docker container per Nova server, autoscaled.

A thin adapter: the properties schema comes from heat_cvm.schema, the
validation from heat_cvm.spec, the nested stack's templates from
heat_cvm.blueprint and the user data from heat_cvm.cloudinit. This class
only turns Heat's property values into a ContainerSpec, errors into
StackValidationFailed, and the spec into a nested stack.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets as secrets_module

from heat.common import exception
from heat.engine import function
from heat.engine.resources import stack_resource
from oslo_config import cfg
from oslo_log import log as logging

from heat_cvm import alarms
from heat_cvm import blueprint
from heat_cvm import cloudinit
from heat_cvm import config
from heat_cvm import facts
from heat_cvm.i18n import _
from heat_cvm import image as image_ref
from heat_cvm.registry import grants
from heat_cvm.resources import glance_images
from heat_cvm.resources import heat_schema
from heat_cvm.resources import redaction
from heat_cvm import schema
from heat_cvm import spec as spec_mod

LOG = logging.getLogger(__name__)

config.register_opts()

# Resource data keys (stored with redact=True: encrypted, never shown).
_SECRET_DATA_KEYS = {cloudinit.SECRET_ENV_B64: 'secret_environment_b64',
                     cloudinit.REGISTRY_PASSWORD_B64: 'registry_password_b64'}
_DIGEST_KEY = 'secrets_digest_key'
# What a member's pull grant is for (not secret: the grant is minted from
# it, per member, when its server is created).
_PULL_GRANT_KEY = 'pull_grant'

# Nova server states that no update of Heat's would bring back.
BROKEN_SERVER_STATES = ('ERROR', 'gone')
BROKEN_MEMBERS_REASON = 'Members not running: %s'
# Resource data: set when this resource's own check found broken members.
_BROKEN_MEMBERS_KEY = 'broken_members'

_PATH_ITEM = re.compile(r'([^.\[\]]+)|\[(\d+)\]')


def _error_path(dotted):
    """'ports[1].host_port' -> ['ports', 1, 'host_port'] (Heat's form)."""
    return [int(index) if index else name
            for name, index in _PATH_ITEM.findall(dotted)]


class _TaggingEngineClient:
    """The engine client, tagging the nested stacks it creates or updates.

    StackResource builds the engine call's args itself and has no hook for
    tags, and an update without tags would clear them, so both calls add
    them. The Horizon panel finds every container's nested stack, and what
    its list shows, by these tags in one stack list call (heat_cvm.facts).
    """

    def __init__(self, client, nested_tags):
        self._client = client
        self._nested_tags = nested_tags

    def __getattr__(self, name):
        return getattr(self._client, name)

    def _tagged(self, kwargs):
        args = dict(kwargs.get('args') or {}, tags=self._nested_tags())
        return dict(kwargs, args=args)

    def _create_stack(self, ctxt, **kwargs):
        return self._client._create_stack(ctxt, **self._tagged(kwargs))

    def _update_stack(self, ctxt, **kwargs):
        return self._client._update_stack(ctxt, **self._tagged(kwargs))


class Container(redaction.RedactedEventsMixin, stack_resource.StackResource):
    """Runs a Docker container on each server of an autoscaling group.

    Each member is a Nova server booting the container-host image; its
    cloud-init starts the container under systemd and signals a wait
    condition once it runs, so CREATE_COMPLETE means the container is up.
    A security group opens exactly the published ports; scaling policies
    (and, with ``scaling.autoscale``, Aodh alarms) resize the group.
    """

    support_status = heat_schema.SUPPORT_STATUS

    PROPERTIES = tuple(f.name for f in schema.FIELDS)

    properties_schema = heat_schema.properties_schema()

    attributes_schema = heat_schema.attributes_schema()

    def rpc_client(self):
        return _TaggingEngineClient(super().rpc_client(), self._nested_tags)

    def _nested_tags(self):
        return facts.tags(self.container_spec(), self.name)

    def redact_properties(self, data):
        return schema.redact(data)

    # -- properties -> spec ------------------------------------------------

    def _property_values(self):
        return {name: self.properties[name] for name in self.PROPERTIES}

    def _has_deferred_values(self):
        # Before the stack is created, get_attr/get_resource on other
        # resources resolve to None; such values are checked at create.
        for name in self.PROPERTIES:
            raw = self.properties.data.get(name)
            if (isinstance(raw, function.Function)
                    and self.properties[name] is None):
                return True
        return False

    def _glance_image(self, name):
        """(ID, manifest digest or None) of a docker-format Glance image."""
        if not name:
            return None, None
        image = glance_images.find(self.client_plugin(glance_images.GLANCE),
                                   name, self.context.project_id)
        try:
            image_ref.check_docker_format(name, image.container_format)
        except ValueError as exc:
            raise spec_mod.SpecError('glance_image', str(exc))
        return image.id, image.get(image_ref.GLANCE_DIGEST_PROPERTY)

    def _inputs(self):
        """(key, property values, [cvm] options) the spec is built from.

        The key names them (hashed: the values hold secrets), so that the
        spec and templates are built once per action, again only when an
        input changed (an update's new properties).
        """
        values = self._property_values()
        options = config.defaults()
        key = hashlib.sha256(json.dumps(
            [values, options], sort_keys=True, default=str).encode()
        ).hexdigest()
        return key, values, options

    def _max_server_meta(self, values):
        """Nova's limit on a server's metadata items, when it matters.

        Asked only when the user gives metadata (as OS::Nova::Server asks
        only then); heat-cvm's own keys fit any cloud's limit.
        """
        if not values.get('metadata'):
            return None
        return self.client_plugin('nova').absolute_limits()['maxServerMeta']

    def container_spec(self):
        """The validated ContainerSpec, or StackValidationFailed."""
        key, values, options = self._inputs()
        built = getattr(self, '_built_spec', None)
        if built is not None and built[0] == key:
            return built[1]
        try:
            glance_id, digest = self._glance_image(values.get('glance_image'))
            spec = spec_mod.ContainerSpec.from_properties(
                values, options, resource_name=self.name,
                glance_image_id=glance_id, registry=options['registry'],
                glance_digest=digest,
                pull_grants=bool(options['pull_grant_key_file']),
                max_server_meta=self._max_server_meta(values))
        except spec_mod.SpecError as exc:
            raise self._property_error(_error_path(exc.path), exc.message)
        self._built_spec = (key, spec)
        return spec

    def _property_error(self, path, message):
        """The error Heat's own schema checks raise, at the same path."""
        return exception.StackValidationFailed(
            error=_('Property error'),
            path=[self.stack.t.RESOURCES, self.name,
                  self.stack.t.get_section_name('properties')] + path,
            message=message)

    def _check_shapes(self):
        # Before Heat's own type checks, whose errors print the value: for
        # a secret that would be the secret.
        raw = {name: function.resolve(self.properties.data.get(name))
               for name in self.PROPERTIES}
        try:
            spec_mod.check_shapes(raw)
        except spec_mod.SpecError as exc:
            raise self._property_error(_error_path(exc.path), exc.message)

    def validate(self):
        self._check_shapes()
        # Heat's schema and custom constraints first, so that the spec is
        # built from typed values; then our own checks; then the nested
        # stack's (StackResource.validate).
        self.validate_template()
        if not self._has_deferred_values():
            self.container_spec()
        return super().validate()

    # -- secrets: in resource data, encrypted, never shown --------------

    def _store_secrets(self, spec):
        values = cloudinit.secret_values(spec)
        for placeholder, key in _SECRET_DATA_KEYS.items():
            if placeholder in values:
                self.data_set(key, values[placeholder], redact=True)
            else:
                self.data_delete(key)
        if _DIGEST_KEY not in self.data():
            self.data_set(_DIGEST_KEY, self._digest_key(), redact=True)
        if spec.pull_grant_image:
            self.data_set(_PULL_GRANT_KEY, json.dumps(
                {'image': spec.pull_grant_image,
                 'ready_timeout': spec.ready_timeout}))
        else:
            self.data_delete(_PULL_GRANT_KEY)

    def secret_values(self, project_id):
        """Placeholder -> secret value, for OS::CVM::MemberServer.

        A pull grant is minted here, for the member being created in
        ``project_id`` (the stacks'): it lasts that member's
        ready_timeout, whenever the group grows.
        """
        data = self.data()
        values = {placeholder: data[key]
                  for placeholder, key in _SECRET_DATA_KEYS.items()
                  if key in data}
        if _PULL_GRANT_KEY in data:
            wanted = json.loads(data[_PULL_GRANT_KEY])
            grant = grants.mint(
                grants.load_key(cfg.CONF.cvm.pull_grant_key_file),
                project_id, wanted['image'],
                wanted['ready_timeout'])
            values[cloudinit.PULL_GRANT_B64] = base64.b64encode(
                grant.encode()).decode()
        return values

    def _digest_key(self):
        """The key of the secrets' digest: stored at create, kept after.

        Chosen before (at validate), so that validate and create build the
        same templates.
        """
        stored = self.data().get(_DIGEST_KEY) if self.id else None
        if stored:
            return stored
        if getattr(self, '_new_digest_key', None) is None:
            self._new_digest_key = secrets_module.token_hex(32)
        return self._new_digest_key

    def _secrets_digest(self, spec, key):
        # Keyed, so that the digest in the member template (which Heat
        # shows) tells nothing about the secrets, but changes with them.
        message = json.dumps(cloudinit.secret_values(spec), sort_keys=True)
        return hmac.new(key.encode(), message.encode(),
                        hashlib.sha256).hexdigest()[:32]

    # -- spec -> nested stack ----------------------------------------------

    def _member_template(self, spec, digest_key):
        user_data = cloudinit.render(
            spec, install_docker=cfg.CONF.cvm.install_docker,
            allow_metadata_access=cfg.CONF.cvm.allow_metadata_access)
        return blueprint.member_template(
            spec, user_data, self._secrets_digest(spec, digest_key))

    @staticmethod
    def _member_file_name(member):
        # Named by content: a changed member is a changed definition for
        # the autoscaling group, which then replaces members by rolling
        # update, old and new definitions side by side.
        digest = hashlib.sha256(json.dumps(member, sort_keys=True).encode())
        return 'heat-cvm-member-%s.yaml' % digest.hexdigest()[:16]

    def _flavor_vcpus(self, spec):
        """The member flavor's vCPUs, which a CPU alarm's threshold needs."""
        autoscale = spec.scaling.autoscale
        if autoscale is None or autoscale.meter != alarms.CPU:
            return 1
        return self.client_plugin('nova').get_flavor(
            spec.server.flavor).vcpus

    def _templates(self):
        """(child template, {member file name: member template}).

        Built once per action, as the spec: rendering the user data
        (gzip) and asking Nova for the flavor are not free.
        """
        spec = self.container_spec()
        key = (self._built_spec[0], self._digest_key())
        built = getattr(self, '_built_templates', None)
        if built is not None and built[0] == key:
            return built[1]
        member = self._member_template(spec, key[1])
        name = self._member_file_name(member)
        template = blueprint.child_template(
            spec, member_type=name, telemetry=config.telemetry(),
            vcpus=self._flavor_vcpus(spec))
        self._built_templates = (key, (template, {name: json.dumps(member)}))
        return self._built_templates[1]

    def child_template(self):
        return self._templates()[0]

    def child_params(self):
        return {}

    def _member_files_in_use(self):
        # During a rolling update the group holds members of the old
        # definition next to new ones; their templates must stay in the
        # files map until they are replaced.
        members = self._group_stack()
        if members is None:
            return {}
        files = self.nested().t.files
        in_use = {member.type() for member in members.values()}
        return {name: files[name] for name in in_use if name in files}

    def child_template_files(self, child_env):
        files = dict(super().child_template_files(child_env))
        files.update(self._member_files_in_use())
        files.update(self._templates()[1])
        return files

    def handle_create(self):
        self._store_secrets(self.container_spec())
        return self.create_with_template(self.child_template(), {})

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        self.properties = json_snippet.properties(self.properties_schema,
                                                  self.context)
        self._store_secrets(self.container_spec())
        self._mark_broken_members_unhealthy()
        self.data_delete(_BROKEN_MEMBERS_KEY)
        return self.update_with_template(self.child_template(), {})

    # -- health: `stack check` finds broken members, an update heals ------

    def _group_stack(self):
        """The group's nested stack, whose resources are the members."""
        nested = self.nested()
        group = nested.get('group') if nested is not None else None
        return group.nested() if group is not None else None

    def _broken_members(self):
        """(member, why) of each member whose server is ERROR or gone."""
        nova = self.client_plugin('nova')
        broken = []
        members = self._group_stack()
        for member in members.values() if members is not None else ():
            inner = member.nested()
            server = inner.get('server') if inner is not None else None
            if server is None or server.resource_id is None:
                continue    # not created yet: nothing to heal
            try:
                found = nova.fetch_server(server.resource_id)
            except Exception as exc:
                nova.ignore_not_found(exc)
                status = 'gone'
            else:
                # None: Nova did not answer (500, 503); not known broken.
                status = getattr(found, 'status', None)
            if status in BROKEN_SERVER_STATES:
                broken.append((member, _('server %(id)s is %(status)s') % {
                    'id': server.resource_id, 'status': status}))
        return broken

    def _failed_members(self):
        """(member, why) of each member whose create or update failed.

        Its guest signalled FAILURE, or never signalled. Updated in place,
        its new wait condition would find that FAILURE on the same handle,
        or wait again for a guest that has given up: retrying the update
        would fail whatever was fixed meanwhile (the image pushed, the
        registry back). Replaced whole, it boots a new guest.
        """
        members = self._group_stack()
        return [(member, _('%s failed') % member.action.lower())
                for member in (members.values() if members is not None
                               else ())
                if member.status == member.FAILED
                and member.action in (member.CREATE, member.UPDATE)]

    def handle_check(self):
        broken = self._broken_members()
        if broken:
            self.data_set(_BROKEN_MEMBERS_KEY, json.dumps(
                sorted(member.name for member, _why in broken)))
            raise exception.Error(BROKEN_MEMBERS_REASON % '; '.join(
                '%s: %s' % (member.name, why) for member, why in broken))
        self.data_delete(_BROKEN_MEMBERS_KEY)
        return super().handle_check()

    def _needs_update(self, after, before, after_props, before_props,
                      prev_resource, check_init_complete=True):
        if (self.state == (self.CHECK, self.FAILED) and self.resource_id
                and _BROKEN_MEMBERS_KEY in self.data()):
            # Our own check failed on some members: an update replaces
            # those (handle_update), not every member, as Heat would for
            # a failed stack resource whose nested stack did not fail.
            return True
        return super()._needs_update(after, before, after_props,
                                     before_props, prev_resource,
                                     check_init_complete)

    def _mark_broken_members_unhealthy(self):
        """So that the group's update replaces each broken member whole.

        Broken: its server is in ERROR or gone, or its create or update
        failed. A new port, server and wait condition: a server in ERROR
        cannot give its port to a replacement server, and the new member
        is ready only once its own guest signals.
        """
        if self.container_spec().volumes:
            # Replaced whole, such a member would get a new, empty volume,
            # or find its existing volume still attached to the broken
            # server: healing it is the operator's (README, "Healing").
            return
        broken = {member.name: (member, why) for member, why
                  in self._failed_members() + self._broken_members()}
        for member, why in broken.values():
            LOG.info('Container %s: replacing member %s, its %s',
                     self.name, member.name, why)
            self.rpc_client().resource_mark_unhealthy(
                self.context, dict(member.stack.identifier()), member.name,
                True, resource_status_reason=why)

    def _resolve_attribute(self, name):
        if name == 'endpoints':
            per_member = self.get_output('member_endpoints') or []
            return [endpoint for endpoints in per_member
                    for endpoint in endpoints or []]
        return super()._resolve_attribute(name)

    def _show_resource(self):
        # The "show" attribute: the nested stack as the API shows it (its
        # hidden parameters masked).
        identity = self.nested_identifier()
        if identity is None:
            return None
        stacks = self.rpc_client().show_stack(self.context, dict(identity),
                                              resolve_outputs=False)
        return stacks[0] if stacks else None

    def get_reference_id(self):
        return self.resource_id or str(self.name)


def resource_mapping():
    return {'OS::CVM::Container': Container}

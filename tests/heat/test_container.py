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

"""OS::CVM::Container in a real Heat engine: create, update, scale, delete.

Stacks run in Heat's engine (nested stacks included) against the fake cloud
of tests/heat/cloud.py; each server's user data boots in a simulated guest
whose own helper signals the wait condition (tests/heat/guests.py).
"""

import base64
import copy
import json
import logging
import shutil
import subprocess
import traceback

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
import fixtures
from heat.engine import stack as parser
from heat.objects import raw_template as raw_template_object
from heat.tests import utils
from oslo_config import cfg
import yaml

from heat_cvm import blueprint
from heat_cvm import cloudinit
from heat_cvm import facts
from heat_cvm.registry import grants
from heat_cvm.resources import glance_images
from heat_cvm import spec as spec_mod
from tests.heat import base
from tests.heat import cloud
from tests.heat import guests

SECRET = 'correct horse battery staple'
PASSWORD = 'registry-password-42'

APP = {
    'image': 'memcached:1.6',
    'command': ['memcached', '-m', '64'],
    'environment': {'MODE': 'cache'},
    'secret_environment': {'API_KEY': {'get_param': 'api_key'}},
    'networks': ['private'],
    'flavor': 'm1.small',
    'host_image': 'cvm-host',
    'ports': [{'port': 11211}, {'port': 9000, 'protocol': 'udp',
                                'host_port': 19000}],
    'scaling': {'min_size': 1, 'max_size': 4, 'desired_capacity': 2},
}


def template(**overrides):
    properties = dict(copy.deepcopy(APP), **overrides)
    return {'heat_template_version': '2021-04-16',
            # Secrets come in as hidden parameters, as README advises.
            'parameters': {'api_key': {'type': 'string', 'hidden': True},
                           'registry_password': {'type': 'string',
                                                 'hidden': True}},
            'resources': {'app': {'type': 'OS::CVM::Container',
                                  'properties': properties}},
            'outputs': {'endpoints': {
                'value': {'get_attr': ['app', 'endpoints']}}}}


class ContainerStackTest(base.HeatTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = cloud.FakeCloud().install(self)
        self.baseline = self.cloud.counts()
        self.guests = guests.SimulatedGuests(self, self.cloud, self.engine)

    def create(self, tmpl):
        stack = utils.parse_stack(tmpl, params={
            'api_key': SECRET, 'registry_password': PASSWORD})
        stack.create()
        return stack

    def update(self, stack, tmpl):
        utils.update_stack(stack, tmpl, params={
            'api_key': SECRET, 'registry_password': PASSWORD})

    def reload(self, stack):
        return parser.Stack.load(utils.dummy_context(), stack_id=stack.id)

    def nested_stacks(self, stack):
        """Every stack below ``stack``, depth first."""
        result = []
        for res in stack.values():
            nested = getattr(res, 'nested', None)
            nested = nested() if callable(nested) else None
            if nested is not None:
                result.append(nested)
                result.extend(self.nested_stacks(nested))
        return result

    @staticmethod
    def wait_conditions(stack):
        return [res for res in stack.values()
                if res.type() == 'OS::Heat::WaitCondition']

    def test_create_runs_one_container_per_server(self):
        stack = self.create(template())
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        app = stack['app']
        nested = app.nested()
        self.assertEqual({'security_group', 'group', 'scale_up',
                          'scale_down'}, set(nested.keys()))

        servers = sorted(self.cloud.servers.values(), key=lambda s: s.id)
        self.assertEqual(2, len(servers))
        self.assertEqual(sorted(s.id for s in servers),
                         sorted(app.FnGetAtt('servers')))
        self.assertEqual(2, app.FnGetAtt('current_size'))
        addresses = {p['fixed_ips'][0]['ip_address']
                     for p in self.cloud.ports.values()}
        self.assertEqual(addresses, set(app.FnGetAtt('addresses')))
        self.assertEqual(sorted('%s:%d' % (a, port) for a in addresses
                                for port in (11211, 19000)),
                         sorted(app.FnGetAtt('endpoints')))
        for server in servers:
            self.assertEqual(nested.id,
                             server.metadata['metering.server_group'])
            self.assertTrue(server.userdata.startswith('#cloud-config\n'))

        # Each guest ran exactly the container, and said so to Heat.
        self.assertEqual(2, len(self.guests.runs))
        for run in self.guests.runs:
            self.assertEqual(['SUCCESS'],
                             [s['body']['status'] for s in run.signals])
            self.assertEqual(
                ['run', '--name', 'cvm-app', '--label',
                 'heat-cvm.container=app',
                 '--env-file', '/run/heat-cvm/app/environment',
                 '--env-file', '/etc/heat-cvm/app/secret.env',
                 '--publish', '11211:11211/tcp',
                 '--publish', '19000:9000/udp',
                 'memcached:1.6', 'memcached', '-m', '64'],
                run.docker_runs[0]['argv'])
            self.assertEqual({'MODE': 'cache', 'API_KEY': SECRET},
                             run.docker_runs[0]['environment'])

    def test_cvm_options_fill_what_the_template_omits(self):
        for name, value in (('flavor', 'm1.large'),
                            ('host_image', 'cvm-host-v2'),
                            ('network', 'public'), ('ready_timeout', 300)):
            cfg.CONF.set_override(name, value, group='cvm')
        tmpl = template()
        properties = tmpl['resources']['app']['properties']
        for name in ('flavor', 'host_image', 'networks'):
            del properties[name]
        stack = self.create(tmpl)
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        for server in self.cloud.servers.values():
            self.assertEqual({'id': 'f-large'}, server.flavor)
            self.assertEqual({'id': cloud.IMAGES['cvm-host-v2'].id},
                             server.image)
        self.assertEqual({'net-public'}, {p['network_id'] for p in
                                          self.cloud.ports.values()})
        member = self.nested_stacks(stack)[-1]
        (ready,) = self.wait_conditions(member)
        self.assertEqual(300, ready.properties['timeout'])

    def test_show_attribute_is_the_nested_stack(self):
        stack = self.create(template())
        shown = stack['app'].FnGetAtt('show')
        self.assertEqual(stack['app'].nested().id,
                         shown['stack_identity']['stack_id'])
        self.assertNotIn(SECRET, json.dumps(shown, default=str))

    def test_security_group_opens_exactly_the_published_ports(self):
        self.create(template(allowed_cidr='192.0.2.0/24'))
        (group,) = self.cloud.security_groups.values()
        ingress = sorted((r['protocol'], int(r['port_range_min']),
                          int(r['port_range_max']), r['remote_ip_prefix'])
                         for r in group['security_group_rules']
                         if r['direction'] == 'ingress')
        self.assertEqual([('tcp', 11211, 11211, '192.0.2.0/24'),
                          ('udp', 19000, 19000, '192.0.2.0/24')], ingress)
        for port in self.cloud.ports.values():
            self.assertEqual([group['id']], port['security_groups'])

    def test_user_data_nova_holds_passes_cloud_init_schema(self):
        self.create(template())
        cloud_init = shutil.which('cloud-init')
        self.assertIsNotNone(cloud_init, 'apt-get install cloud-init')
        for server in self.cloud.servers.values():
            path = self.useFixture(base.TempFile(server.userdata)).path
            result = subprocess.run(
                [cloud_init, 'schema', '--config-file', path],
                capture_output=True, text=True)
            self.assertEqual(0, result.returncode,
                             result.stdout + result.stderr)

    def test_delete_leaves_nothing(self):
        stack = self.create(template(
            volumes=[{'size': 2, 'mount_path': '/data'}],
            scaling={'min_size': 1, 'max_size': 3, 'desired_capacity': 2,
                     'autoscale': {'scale_up_above': 70}}))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        # Each guest found its own new volume, formatted and mounted it.
        attached = {v['server'] for v in self.cloud.volumes.values()
                    if v['server']}
        self.assertEqual(set(self.cloud.servers), attached)
        for run in self.guests.runs:
            self.assertEqual(['blkid', 'mkfs.ext4', 'mountpoint', 'mount'],
                             [c['cmd'] for c in run.calls
                              if c['cmd'] not in ('docker', 'systemctl',
                                                  'iptables')])
            self.assertIn('type=bind,source=/var/lib/heat-cvm/app/volumes/0,'
                          'target=/data', run.docker_runs[0]['argv'])
        created = self.cloud.counts()
        self.assertEqual(dict(self.baseline, servers=2, ports=2,
                              security_groups=1,
                              volumes=self.baseline['volumes'] + 2,
                              alarms=2), created)
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(self.baseline, self.cloud.counts())

    def test_guest_failure_fails_the_stack_with_its_reason(self):
        self.guests.fail_pull = 'memcached:1.6'
        stack = self.create(template(scaling={'min_size': 1,
                                              'max_size': 1}))
        self.assertEqual((stack.CREATE, stack.FAILED), stack.state)
        # The guest's own words, as Heat relays them.
        self.assertIn('WaitConditionFailure', stack.status_reason)
        self.assertIn('failed: Error response from daemon: manifest for '
                      'memcached', stack.status_reason)
        self.assertIn('not found: manifest unknown', stack.status_reason)

    def test_an_update_retries_a_failed_create_with_new_guests(self):
        tmpl = template(scaling={'min_size': 2, 'max_size': 2})
        self.guests.fail_pull = 'memcached:1.6'
        stack = self.create(tmpl)
        self.assertEqual((stack.CREATE, stack.FAILED), stack.state)
        failed = [run.server.id for run in self.guests.runs]
        # The image pushed at last: the same template again retries.
        self.guests.fail_pull = None
        self.update(stack, tmpl)
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        # The failed members were replaced whole: their servers deleted.
        servers = list(self.cloud.servers)
        self.assertEqual(2, len(servers))
        self.assertFalse(set(servers) & set(failed))
        ready = [run for run in self.guests.runs
                 if run.server.id in servers]
        self.assertEqual(['SUCCESS', 'SUCCESS'], [
            run.signals[-1]['body']['status'] for run in ready])

    def test_without_wait_for_ready_no_wait_condition(self):
        stack = self.create(template(wait_for_ready=False))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        member = self.nested_stacks(stack)[-1]
        self.assertEqual([], self.wait_conditions(member))
        for run in self.guests.runs:
            self.assertEqual([], run.signals)
            self.assertEqual(1, len(run.docker_runs))

    def test_scale_policies_resize_the_group(self):
        # Heat puts a new group in cooldown; none here, to scale at once.
        stack = self.create(template(scaling={
            'min_size': 1, 'max_size': 4, 'desired_capacity': 2,
            'cooldown': 0}))
        # What a POST to scale_up_url does once heat-api-cfn checked it.
        nested = self.reload(stack['app'].nested())
        nested['scale_up'].signal()
        stack = self.reload(stack)
        self.assertEqual(3, stack['app'].FnGetAtt('current_size'))
        self.assertEqual(3, len(self.cloud.servers))
        self.assertIn('scale_up', stack['app'].FnGetAtt('scale_up_url'))
        self.assertIn('scale_down', stack['app'].FnGetAtt('scale_down_url'))

    def test_check_finds_a_broken_member_and_an_update_replaces_it(self):
        stack = self.create(template())
        broken, healthy = sorted(self.cloud.servers)
        self.cloud.servers[broken].status = 'ERROR'
        stack.check()
        self.assertEqual((stack.CHECK, stack.FAILED), stack.state)
        self.assertIn('Members not running: ', stack.status_reason)
        self.assertIn('server %s is ERROR' % broken, stack.status_reason)

        self.update(stack, template())
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(2, len(self.cloud.servers))
        self.assertIn(healthy, self.cloud.servers)
        self.assertNotIn(broken, self.cloud.servers)

    def test_update_of_scaling_resizes_in_place(self):
        stack = self.create(template())
        before = set(self.cloud.servers)
        self.update(stack, template(scaling={
            'min_size': 1, 'max_size': 4, 'desired_capacity': 3}))
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(3, len(self.cloud.servers))
        self.assertLessEqual(before, set(self.cloud.servers))

    def test_one_tagged_stack_list_finds_the_container(self):
        # What the Horizon panel relies on: the nested stack is tagged, on
        # create and after an update, and its tags say what a list shows.
        stack = self.create(template())
        ctx = utils.dummy_context()

        def listed():
            rows = self.engine.list_stacks(ctx, show_nested=True,
                                           tags=[facts.TAG])
            self.assertEqual([stack['app'].resource_id],
                             [row['stack_identity']['stack_id']
                              for row in rows])
            self.assertEqual(stack.id, rows[0]['parent'])
            return facts.read(rows[0]['tags'])

        self.assertEqual({'name': 'app', 'image': 'memcached:1.6',
                          'ports': '11211/tcp 19000/udp', 'size': '1/2/4',
                          'autoscale': 'no', 'resource': 'app'}, listed())
        self.update(stack, template(scaling={
            'min_size': 1, 'max_size': 4, 'desired_capacity': 3}))
        self.assertEqual((1, 3, 4), facts.sizes(listed()))

    def test_update_of_image_replaces_members_by_rolling_update(self):
        # Without wait conditions: in this harness (Heat's legacy engine,
        # run synchronously) a signal cannot reach a member stack while
        # its update is in progress. The functional tests cover both.
        stack = self.create(template(wait_for_ready=False))
        before = set(self.cloud.servers)
        self.update(stack, template(
            wait_for_ready=False, image='memcached:1.6.21',
            rolling_updates={'min_in_service': 1, 'max_batch_size': 1}))
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        after = set(self.cloud.servers)
        self.assertEqual(2, len(after))
        self.assertEqual(set(), before & after)
        pulled = [run.docker_runs[0]['argv'] for run in self.guests.runs
                  if run.server.id in after]
        self.assertEqual(2, len(pulled))
        for argv in pulled:
            self.assertIn('memcached:1.6.21', argv)

    def test_a_new_secret_rolls_the_members(self):
        stack = self.create(template(wait_for_ready=False))
        before = set(self.cloud.servers)
        utils.update_stack(stack, template(wait_for_ready=False), params={
            'api_key': 'a new key', 'registry_password': PASSWORD})
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        after = set(self.cloud.servers)
        self.assertEqual(set(), before & after)
        for run in self.guests.runs:
            if run.server.id in after:
                self.assertEqual('a new key', run.docker_runs[0][
                    'environment']['API_KEY'])

    def test_autoscale_wires_alarms_to_the_policies(self):
        cfg.CONF.set_override('alarm_granularity', 60, group='cvm')
        stack = self.create(template(scaling={
            'min_size': 1, 'max_size': 3,
            'autoscale': {'scale_up_above': 75, 'scale_down_below': 15,
                          'evaluation_periods': 2}}))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        nested = stack['app'].nested()
        alarms = {a['description'].split()[1]: a
                  for a in self.cloud.alarms.values()}
        self.assertIn('above 75 % of 1 vCPU', alarms['up']['description'])
        self.assertEqual({'up', 'down'}, set(alarms))
        rule = 'gnocchi_aggregation_by_resources_threshold_rule'
        up, down = alarms['up'][rule], alarms['down'][rule]
        # 75 % of one vCPU over 60 s is 45 s of CPU time, in nanoseconds.
        self.assertEqual(('cpu', 'rate:mean', 'gt', 45 * 10 ** 9, 60, 2),
                         (up['metric'], up['aggregation_method'],
                          up['comparison_operator'], up['threshold'],
                          up['granularity'], up['evaluation_periods']))
        self.assertEqual(('lt', 9 * 10 ** 9),
                         (down['comparison_operator'], down['threshold']))
        for each in (up, down):
            self.assertEqual({'and': [{'=': {'server_group': nested.id}},
                                      {'=': {'ended_at': None}}]},
                             json.loads(each['query']))
        self.assertEqual([nested['scale_up'].FnGetAtt('alarm_url')],
                         alarms['up']['alarm_actions'])
        self.assertEqual([nested['scale_down'].FnGetAtt('alarm_url')],
                         alarms['down']['alarm_actions'])

    def test_cpu_alarms_scale_with_the_flavors_vcpus(self):
        cfg.CONF.set_override('alarm_granularity', 60, group='cvm')
        thresholds = {}
        rule = 'gnocchi_aggregation_by_resources_threshold_rule'
        for flavor in ('m1.small', 'm1.large'):
            before = set(self.cloud.alarms)
            stack = self.create(template(flavor=flavor, scaling={
                'min_size': 1, 'max_size': 3,
                'autoscale': {'target_cpu_percent': 60}}))
            self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                             stack.status_reason)
            thresholds[flavor] = sorted(
                self.cloud.alarms[key][rule]['threshold']
                for key in set(self.cloud.alarms) - before)
        # 45 % and 75 % of 1 and of 2 vCPUs over 60 s.
        self.assertEqual([27 * 10 ** 9, 45 * 10 ** 9], thresholds['m1.small'])
        self.assertEqual([54 * 10 ** 9, 90 * 10 ** 9], thresholds['m1.large'])

    def test_validate_and_create_build_everything_once(self):
        # Each spec build asks Glance for the image, each template build
        # Nova for the flavor, each member template renders (gzips) the
        # user data: one validate + create does each once.
        cfg.CONF.set_override('registry', '127.0.0.1:5000', group='cvm')
        counted = {}
        for owner, name in ((spec_mod.ContainerSpec, 'from_properties'),
                            (cloudinit, 'render'),
                            (blueprint, 'child_template'),
                            (glance_images, 'find'),
                            (glance_images.GlanceImageConstraint,
                             'validate_with_client')):
            counted[name] = self.patchobject(
                owner, name, side_effect=getattr(owner, name), autospec=True)
        # Nova's flavor as the container asks for it (for its CPU alarms;
        # Heat's own servers ask too).
        flavors = []
        real_get = cloud._Flavors.get

        def get_flavor(nova_flavors, flavor_id):
            if any(frame.name == '_flavor_vcpus'
                   for frame in traceback.extract_stack()):
                flavors.append(flavor_id)
            return real_get(nova_flavors, flavor_id)
        self.patchobject(cloud._Flavors, 'get', new=get_flavor)
        stack = utils.parse_stack(template(
            image=None, glance_image='app-docker', scaling={
                'min_size': 2, 'max_size': 4,
                'autoscale': {'target_cpu_percent': 60}}),
            params={'api_key': SECRET, 'registry_password': PASSWORD})
        stack.validate()
        stack.create()
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(2, len(self.guests.runs))
        calls = {name: mock.call_count for name, mock in counted.items()}
        # The glance_image constraint (Heat's validation) asks Glance too.
        constraint = calls.pop('validate_with_client')
        self.assertEqual({'from_properties': 1, 'render': 1,
                          'child_template': 1, 'find': constraint + 1},
                         calls)
        self.assertEqual(['m1.small'], flavors)

    def test_glance_image_is_pulled_from_the_registry_by_id(self):
        cfg.CONF.set_override('registry', '127.0.0.1:5000', group='cvm')
        stack = self.create(template(image=None, glance_image='app-docker'))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        image_id = cloud.IMAGES['app-docker'].id
        for run in self.guests.runs:
            self.assertIn('127.0.0.1:5000/' + image_id,
                          run.docker_runs[0]['argv'])

    def test_glance_image_guests_pull_with_a_grant_heat_never_shows(self):
        key = ed25519.Ed25519PrivateKey.generate()
        key_file = self.useFixture(fixtures.TempDir()).join('grant.key')
        with open(key_file, 'wb') as out:
            out.write(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        cfg.CONF.set_override('registry', 'registry.test:443', group='cvm')
        cfg.CONF.set_override('pull_grant_key_file', key_file, group='cvm')
        stack = self.create(template(image=None, glance_image='app-docker'))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        image_id = cloud.IMAGES['app-docker'].id
        held = []
        for run in self.guests.runs:
            with open(run.root + '/etc/heat-cvm/app/pull-grant') as f:
                held.append(f.read())
            grant = grants.verify(public, held[-1])
            self.assertEqual((stack.tenant_id, image_id),
                             (grant.project_id, grant.image_id))
            login = run.commands('docker')[0]
            self.assertEqual(['login', '--username', grants.GRANT_USER,
                              '--password-stdin', 'registry.test:443'],
                             login['argv'])
            self.assertIn('registry.test:443/' + image_id,
                          run.docker_runs[0]['argv'])
        self.assertEqual(2, len(held))
        encoded = [base64.b64encode(g.encode()).decode() for g in held]
        for text in self.texts_heat_shows(stack):
            for grant in held + encoded:
                self.assertNotIn(grant, text)

    def test_secrets_stay_out_of_templates_events_and_outputs(self):
        stack = self.create(template(registry_credentials={
            'username': 'robot',
            'password': {'get_param': 'registry_password'}}))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        # Also as the guest receives them, encoded.
        secrets = [SECRET, PASSWORD, base64.b64encode(
            PASSWORD.encode()).decode(), base64.b64encode(
            ('API_KEY=%s\n' % SECRET).encode()).decode()]
        for text in self.texts_heat_shows(stack):
            for secret in secrets:
                self.assertNotIn(secret, text)
        # The secret reached the guests, in their root-only files.
        for run in self.guests.runs:
            self.assertEqual(SECRET,
                             run.docker_runs[0]['environment']['API_KEY'])

    def texts_heat_shows(self, stack):
        """Stacks, templates, files and full events, nested ones too."""
        context = utils.dummy_context()
        texts = []
        for each in [stack] + self.nested_stacks(stack):
            identity = dict(each.identifier())
            shown = self.engine.show_stack(context, identity)[0]
            raw = raw_template_object.RawTemplate.get_by_id(context,
                                                            each.t.id)
            texts += [json.dumps(shown, default=str),
                      json.dumps(raw.template, default=str),
                      json.dumps(dict(each.t.files), default=str)]
            for event in self.engine.list_events(context, identity):
                full = self.engine.list_events(
                    context, identity,
                    filters={'uuid': event['event_identity']['path']
                             .rsplit('/', 1)[-1]})
                texts.append(json.dumps(full, default=str))
        return texts

    def test_wait_condition_token_only_in_the_guests_user_data(self):
        stack = self.create(template())
        handles = [each[name] for each in self.nested_stacks(stack)
                   for name in each if name.startswith('handle_')]
        self.assertEqual(2, len(handles))
        tokens = {handle.FnGetAtt('token') for handle in handles}
        for text in self.texts_heat_shows(stack):
            for token in tokens:
                self.assertNotIn(token, text)
        # Each guest got its own member's signal URL and token, filled in.
        for handle in handles:
            (run,) = [run for run in self.guests.runs
                      if handle.FnGetAtt('endpoint') in run.server.userdata]
            self.assertIn(handle.FnGetAtt('token'), run.server.userdata)

    def test_secret_never_in_the_logs(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.create(template(registry_credentials={
            'username': 'robot',
            'password': {'get_param': 'registry_password'}}))
        self.assertNotIn(SECRET, logs.output)
        self.assertNotIn(PASSWORD, logs.output)

    def test_events_show_secrets_masked(self):
        stack = self.create(template())
        context = utils.dummy_context()
        identity = dict(stack.identifier())
        events = self.engine.list_events(context, identity)
        app_event = [e for e in events if e['resource_name'] == 'app'][-1]
        full = self.engine.list_events(
            context, identity, filters={
                'uuid': app_event['event_identity']['path'].rsplit('/')[-1]})
        properties = full[0]['resource_properties']
        self.assertEqual({'API_KEY': '******'},
                         properties['secret_environment'])
        self.assertEqual({'MODE': 'cache'}, properties['environment'])

    def test_nested_template_is_the_blueprint(self):
        stack = self.create(template())
        nested = stack['app'].nested()
        group_type = nested.t.t['resources']['group']['properties'][
            'resource']['type']
        self.assertTrue(group_type.startswith('heat-cvm-member-'))
        member = yaml.safe_load(nested.t.files[group_type])
        self.assertEqual(blueprint.HOT_VERSION,
                         member['heat_template_version'])
        self.assertEqual('OS::CVM::MemberServer',
                         member['resources']['server']['type'])

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

"""A container's detail page: Overview, Servers, Scaling, Events, Logs,
Template."""

import unittest
from unittest import mock

from django.urls import reverse
from glanceclient import exc as glance_exc
from heatclient.v1 import resources as heat_resources
from openstack_dashboard import api as os_api
from openstack_dashboard.test import helpers
from openstack_dashboard.test.test_data import glance_data
import yaml

from heat_cvm import schema
from horizon_cvm import images
from tests.horizon import base

# A template written for "openstack stack create", with a secret given in
# clear in the template itself and another through a hidden parameter.
CLI_TEMPLATE = {
    'heat_template_version': '2021-04-16',
    'parameters': {'api_key': {'type': 'string', 'hidden': True},
                   'size': {'type': 'number', 'default': 2}},
    'resources': {'web': {'type': 'OS::CVM::Container', 'properties': {
        'image': 'nginx:1.27',
        'environment': {'MODE': 'prod'},
        'secret_environment': {'API_KEY': {'get_param': 'api_key'},
                               'DB_PASSWORD': base.SECRET},
        'registry_credentials': {'username': 'bot',
                                 'password': base.SECRET + '-registry'},
        'ports': [{'port': 80}],
        'networks': ['private'],
        'scaling': {'min_size': 1, 'max_size': 4,
                    'desired_capacity': {'get_param': 'size'}},
        'metadata': {'owner': {'get_attr': ['other', 'name']}},
    }}}}
NESTED_TEMPLATE = {'heat_template_version': '2021-04-16',
                   'description': 'OS::CVM::Container web: one container '
                                  'per server',
                   'resources': {'group': {
                       'type': 'OS::Heat::AutoScalingGroup'}}}


def detail_url(container, tab=None):
    url = reverse('horizon:project:cvm_containers:detail',
                  args=(container.id,))
    return url + ('?tab=container_details__%s' % tab if tab else '')


class DetailTest(base.PanelTestCase):

    def setUp(self):
        super().setUp()
        self.web = base.container_stack('shop', 'web')
        owner = base.stack_row(id=self.web.parent, stack_name='shop',
                               parameters={'api_key': '******',
                                           'size': '2'})
        stacks = {self.web.id: self.web, owner.id: owner}
        self.heat.stacks.get.side_effect = stacks.get
        templates = {owner.id: CLI_TEMPLATE, self.web.id: NESTED_TEMPLATE}
        self.heat.stacks.template.side_effect = templates.get
        self.servers = [base.member_server(self.web, 0, '10.0.0.5'),
                        base.member_server(self.web, 1, '10.0.0.6')]

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_overview_shows_every_property_with_secrets_masked(self):
        self.mock_server_list.return_value = (self.servers, False)

        res = self.client.get(detail_url(self.web))

        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertShows(res, 'nginx:1.27')
        self.assertShows(res, '2 / 2 (1\u20134)')
        self.assertShows(res, '10.0.0.5:80')
        self.assertShows(res, 'action_scale')
        self.assertHides(res, 'action_delete')
        properties = res.context['tab_group'].get_tab(
            'overview').get_context_data(self.request)['properties']
        # Every property of the schema, in its order, with its label.
        self.assertEqual([(f.label, f.name) for f in schema.FIELDS],
                         [(label, name) for label, name, _t in properties])
        rows = {name: text for _label, name, text in properties}
        self.assertEqual('{MODE: prod}', rows['environment'])
        self.assertEqual("{API_KEY: '******', DB_PASSWORD: '******'}",
                         rows['secret_environment'])
        self.assertEqual("{username: bot, password: '******'}",
                         rows['registry_credentials'])
        # desired_capacity resolved from the stack's parameter; what the
        # template computes from another resource shows as written.
        self.assertIn('desired_capacity: 2', rows['scaling'])
        self.assertIn('get_attr', rows['metadata'])
        self.assertEqual('default ([cvm] flavor)', rows['flavor'])
        self.assertHides(res, base.SECRET)

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_servers_tab_links_to_each_instance(self):
        self.mock_server_list.return_value = (self.servers, False)

        res = self.client.get(detail_url(self.web, 'servers'))

        for server in self.servers:
            self.assertShows(res, reverse('horizon:project:instances:detail',
                                          args=(server.id,)))
        self.assertShows(res, '10.0.0.6')

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_events_tab_lists_the_nested_events(self):
        self.mock_server_list.return_value = (self.servers, False)
        stack_href = 'http://heat/v1/t/stacks/%s/%s' % (self.web.stack_name,
                                                        self.web.id)
        self.heat.events.list.return_value = [base.event(
            links=[{'rel': 'stack', 'href': stack_href}],
            resource_name='group',
            resource_status='CREATE_FAILED',
            resource_status_reason='WaitConditionFailure: docker pull '
                                   'nginx:1.27 failed: manifest unknown')]

        res = self.client.get(detail_url(self.web, 'events'))

        self.assertShows(res, 'docker pull nginx:1.27 failed: manifest '
                              'unknown')
        self.assertShows(res, self.web.stack_name)
        self.heat.events.list.assert_called_once_with(
            self.web.id, nested_depth=2, sort_dir='desc')

    @helpers.create_mocks({os_api.nova: ['server_list',
                                         'server_console_output']})
    def test_logs_tab_shows_the_console_of_the_chosen_member(self):
        self.mock_server_list.return_value = (self.servers, False)
        self.mock_server_console_output.return_value = (
            'cvm-web[42]: nginx started\n')
        second = self.servers[1]

        res = self.client.get(detail_url(self.web, 'logs') +
                              '&member=%s' % second.id)

        self.assertShows(res, 'cvm-web[42]: nginx started')
        self.mock_server_console_output.assert_called_once_with(
            helpers.IsHttpRequest(), second.id, tail_length=200)

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_template_tab_shows_the_generated_nested_template(self):
        self.mock_server_list.return_value = (self.servers, False)

        res = self.client.get(detail_url(self.web, 'template'))

        self.assertShows(res, 'OS::Heat::AutoScalingGroup')
        self.assertEqual(NESTED_TEMPLATE, yaml.safe_load(
            res.context['tab_group'].get_tab('template')
            .get_context_data(self.request)['template']))

    def test_a_stack_that_is_no_container_is_not_found(self):
        plain = base.stack_row(stack_name='plain')
        self.heat.stacks.get.side_effect = None
        self.heat.stacks.get.return_value = plain

        res = self.client.get(detail_url(plain))

        self.assertEqual(404, res.status_code)


GLANCE_ID = '4f7c0c1e-55e0-4d2f-9c3a-7f3e2b1a0d11'
DIGEST = 'sha256:' + '5e' * 32
REGISTRY = 'registry.example.com:19495'


def glance_image(**info):
    """A Glance image as openstack_dashboard.api.glance.image_get gives it."""
    info.setdefault('id', GLANCE_ID)
    info.setdefault('container_format', 'docker')
    info.setdefault('disk_format', 'raw')
    return os_api.glance.Image(glance_data.APIResourceV2(info))


class ImageDigestTest(base.PanelTestCase):
    """The Overview names the image the members run and its digest."""

    def show_overview(self, glance=None, **props):
        """The Overview of a container of a CLI stack with ``props``."""
        web = base.container_stack('shop', 'web', glance=glance, **props)
        owner = base.stack_row(id=web.parent, stack_name='shop',
                               parameters={})
        template = {'heat_template_version': '2021-04-16',
                    'resources': {'web': {'type': 'OS::CVM::Container',
                                          'properties': props}}}
        self.heat.stacks.get.side_effect = {web.id: web, owner.id: owner}.get
        self.heat.stacks.template.side_effect = {owner.id: template}.get
        return self.client.get(detail_url(web))

    # How the resource resolved "team/cache:1": the registry serves it by
    # its Glance ID, pinned to its digest.
    RESOLVED = {'glance_image_id': GLANCE_ID, 'registry': REGISTRY,
                'glance_digest': DIGEST}

    @helpers.create_mocks({os_api.nova: ['server_list'],
                           os_api.glance: ['image_get']})
    def test_a_glance_image_shows_its_name_id_and_digest(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_image_get.return_value = glance_image(
            name='team/cache:1', cvm_manifest_digest=DIGEST)

        res = self.show_overview(glance=self.RESOLVED,
                                 glance_image='team/cache:1')

        self.assertShows(res, '<dd class="cvm-glance-name">team/cache:1</dd>')
        self.assertShows(res, '<dd class="cvm-glance-id">%s</dd>'
                              % GLANCE_ID)
        self.assertShows(res, '<dd class="cvm-digest">%s</dd>' % DIGEST)
        # One Glance call, by the ID the resource resolved the name to.
        self.mock_image_get.assert_called_once_with(helpers.IsHttpRequest(),
                                                    GLANCE_ID)

    @helpers.create_mocks({os_api.nova: ['server_list'],
                           os_api.glance: ['image_get']})
    def test_the_digest_is_the_glance_images_own(self):
        # Pulled by ID, unpinned: the digest shown is Glance's property.
        self.mock_server_list.return_value = ([], False)
        self.mock_image_get.return_value = glance_image(
            name='team/cache:1', cvm_manifest_digest=DIGEST)

        res = self.show_overview(
            glance={'glance_image_id': GLANCE_ID, 'registry': REGISTRY},
            glance_image='team/cache:1')

        self.assertShows(res, '<dd class="cvm-digest">%s</dd>' % DIGEST)

    @helpers.create_mocks({os_api.nova: ['server_list'],
                           os_api.glance: ['image_get']})
    def test_a_deleted_glance_image_is_shown_as_not_found(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_image_get.side_effect = glance_exc.HTTPNotFound()

        res = self.show_overview(glance=self.RESOLVED,
                                 glance_image='team/cache:1')

        self.assertEqual(200, res.status_code)
        self.assertShows(res, '<dd class="cvm-glance-name">team/cache:1</dd>')
        self.assertShows(res, 'not found in Glance')
        # What the members pull is still known.
        self.assertShows(res, '<dd class="cvm-digest">%s</dd>' % DIGEST)
        self.assertHides(res, 'Unable to get the Glance image')

    @helpers.create_mocks({os_api.nova: ['server_list'],
                           os_api.glance: ['image_get']})
    def test_an_image_pinned_by_digest_shows_it_without_glance(self):
        self.mock_server_list.return_value = ([], False)

        res = self.show_overview(image='nginx@%s' % DIGEST)

        self.assertShows(res, '<dd class="cvm-digest">%s</dd>' % DIGEST)
        self.assertHides(res, 'cvm-glance-name')
        self.mock_image_get.assert_not_called()


class RunningImageTest(unittest.TestCase):
    """Which Glance image to look up, from the properties and the pull."""

    PULLED = '%s/%s@%s' % (REGISTRY, GLANCE_ID, DIGEST)

    def test_a_name_is_looked_up_by_the_id_it_resolved_to(self):
        self.assertEqual(
            images.RunningImage('team/cache:1', GLANCE_ID, DIGEST),
            images.running_image({'glance_image': 'team/cache:1'},
                                 self.PULLED))

    def test_without_a_resolved_id_the_property_is_looked_up(self):
        self.assertEqual(
            images.RunningImage(GLANCE_ID, GLANCE_ID, None),
            images.running_image({'glance_image': GLANCE_ID}, ''))

    def test_a_computed_glance_image_is_not_looked_up(self):
        running = images.running_image(
            {'glance_image': {'get_attr': ['img', 'id']}}, self.PULLED)
        self.assertEqual((None, DIGEST), (running.glance_id, running.digest))


def heat_resource(name, physical_id):
    return heat_resources.Resource(mock.Mock(), {
        'resource_name': name, 'physical_resource_id': physical_id,
        'links': []}, loaded=True)


class ScalingTabTest(base.PanelTestCase):
    """The Scaling tab: sizes, alarms against their limits, cooldown."""

    RULE = 'gnocchi_aggregation_by_resources_threshold_rule'

    def setUp(self):
        super().setUp()
        self.web = base.container_stack(
            'shop', 'web', scaling={
                'min_size': 1, 'max_size': 3, 'desired_capacity': 1,
                'autoscale': {'scale_up_above': 80,
                              'scale_down_below': 20}})
        owner = base.stack_row(id=self.web.parent, stack_name='shop',
                               parameters={})
        self.heat.stacks.get.side_effect = {self.web.id: self.web,
                                            owner.id: owner}.get
        self.heat.stacks.template.return_value = {}
        self.heat.resources.list.return_value = [
            heat_resource('group', 'g-1'),
            heat_resource('scale_up_alarm', 'alarm-up'),
            heat_resource('scale_down_alarm', 'alarm-down')]
        # 80 % of one vCPU over 10 s is 8e9 ns; Aodh last saw 9.3e9: 93 %.
        alarms = {
            'alarm-up': {'name': 'up', 'state': 'alarm',
                         'type': 'gnocchi_aggregation_by_resources_threshold',
                         self.RULE: {'threshold': 8e9},
                         'state_timestamp': '2026-12-06T11:59:40',
                         'state_reason': 'Transition to alarm due to 2 '
                                         'samples outside threshold, most '
                                         'recent: 9300000000.0'},
            'alarm-down': {'name': 'down', 'state': 'ok',
                           'type': 'gnocchi_aggregation_by_resources_'
                                   'threshold',
                           self.RULE: {'threshold': 2e9},
                           'state_reason': 'Transition to ok due to 2 '
                                           'samples inside threshold, most '
                                           'recent: 9300000000.0'}}
        self.aodh.alarm.get.side_effect = alarms.get
        self.heat.resources.metadata.return_value = {
            'cooldown_end': {'2999-01-01T00:00:00': 'change_in_capacity : 1'},
            'scaling_in_progress': False}
        self.heat.events.list.return_value = [base.event(
            resource_name='scale_up', resource_status='SIGNAL_COMPLETE',
            event_time='2026-12-06T11:59:45Z',
            resource_status_reason='alarm state changed from ok to alarm '
                                   '(Transition to alarm due to 2 samples '
                                   'outside threshold)')]

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_alarms_show_their_last_value_against_the_limit(self):
        self.mock_server_list.return_value = (
            [base.member_server(self.web, 0), base.member_server(self.web, 1)],
            False)

        res = self.client.get(detail_url(self.web, 'scaling'))

        self.assertShows(res, '<dd class="cvm-sizes">1 / 1 / 3</dd>')
        self.assertShows(res, '<dd class="cvm-current-size">2</dd>')
        self.assertShows(res, '93.0%')
        self.assertShows(res, 'above 80%')
        self.assertShows(res, 'below 20%')
        self.assertShows(res, 'label-warning">alarm</span>')
        self.assertShows(res, 'out (+1)')
        self.assertShows(res, '2026-12-06T11:59:45Z')
        self.assertShows(res, ' s left')
        self.heat.resources.metadata.assert_called_once_with(self.web.id,
                                                             'group')
        self.heat.events.list.assert_called_once_with(
            self.web.id, filters={'resource_action': 'SIGNAL'},
            sort_dir='desc', limit=50)

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_without_aodh_in_the_catalog_it_says_so(self):
        self.mock_server_list.return_value = ([], False)
        self.service_catalog[:] = [s for s in self.service_catalog
                                   if s['type'] != 'alarming']

        res = self.client.get(detail_url(self.web, 'scaling'))

        self.assertShows(res, 'The alarms cannot be read')
        self.aodh.alarm.get.assert_not_called()

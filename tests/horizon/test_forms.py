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

"""Launch, Scale and Update Image."""

import json
import os
import shutil
import tempfile

from django.test import utils as test_utils
from django.urls import reverse
from heatclient import exc as heat_exc
from openstack_dashboard import api as os_api
from openstack_dashboard.test import helpers

from horizon_cvm import catalog
from tests.horizon import base

INDEX_URL = reverse('horizon:project:cvm_containers:index')
SELECT_URL = reverse('horizon:project:cvm_containers:select_template')
CLOUD_APIS = {os_api.nova: ['flavor_list', 'keypair_list'],
              os_api.neutron: ['network_list_for_tenant'],
              os_api.glance: ['image_list_detailed']}


def launch_url(key):
    return reverse('horizon:project:cvm_containers:launch', args=(key,))


def heat_error(message, code=400):
    """A heatclient error as Heat's API returns it."""
    error = heat_exc.HTTPBadRequest(json.dumps({
        'code': code, 'title': 'Bad Request',
        'error': {'message': message, 'type': 'StackValidationFailed'}}))
    return error


class LaunchTest(base.PanelTestCase):

    def mock_cloud(self):
        self.mock_flavor_list.return_value = self.flavors.list()
        self.mock_keypair_list.return_value = self.keypairs.list()
        self.mock_network_list_for_tenant.return_value = \
            self.networks.list()
        images = self.images.list()
        images[0].container_format = 'docker'
        self.mock_image_list_detailed.return_value = (images, False, False)
        return images

    def launch_data(self, **overrides):
        data = {'stack_name': 'shop', 'image': 'nginx:1.27',
                'command': 'nginx -g "daemon off;"',
                'environment': 'MODE=prod\nWORKERS=4',
                'secret_environment': 'API_KEY=%s' % base.SECRET,
                'ports': 'port=80\nport=53 protocol=udp host_port=5353',
                'flavor': self.flavors.first().name,
                'networks': [self.networks.first().name],
                'min_size': 1, 'max_size': 3, 'desired_capacity': 2,
                'restart_policy': 'always', 'wait_for_ready': 'on',
                'allowed_cidr': '0.0.0.0/0'}
        data.update(overrides)
        return data

    def test_select_lists_container_yaml_and_the_examples(self):
        res = self.client.get(SELECT_URL)
        choices = dict(res.context['form'].fields['template'].choices)
        self.assertEqual('One container', choices[catalog.CONTAINER])
        self.assertIn('memcached', choices)
        self.assertIn('wordpress', choices)

        res = self.client.post(SELECT_URL, {'template': 'memcached'})
        self.assertRedirectsNoFollow(res, launch_url('memcached'))

    @helpers.create_mocks(CLOUD_APIS)
    def test_form_is_the_template_parameters_with_cloud_choices(self):
        images = self.mock_cloud()

        res = self.client.get(launch_url(catalog.CONTAINER))

        fields = res.context['form'].fields
        template = catalog.launch_template(catalog.CONTAINER).template
        self.assertEqual(['stack_name'] + list(template['parameters']),
                         list(fields))
        self.assertEqual('Container name', fields['name'].label)
        self.assertEqual('Fewest members.', fields['min_size'].help_text)
        self.assertEqual(1, fields['min_size'].initial)
        self.assertIn((self.flavors.first().name, self.flavors.first().name),
                      fields['flavor'].choices)
        # Docker-format Glance images for the container, the others for
        # the host.
        self.assertIn(images[0].name, dict(fields['glance_image'].choices))
        self.assertNotIn(images[0].name, dict(fields['host_image'].choices))
        self.assertIn(images[1].name, dict(fields['host_image'].choices))
        self.assertShows(res, 'name="preview"')

    @helpers.create_mocks(CLOUD_APIS)
    def test_launch_creates_the_stack_from_container_yaml(self):
        self.mock_cloud()
        self.heat.stacks.create.return_value = {'stack': {'id': 'new'}}

        res = self.client.post(launch_url(catalog.CONTAINER),
                               self.launch_data())

        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        kwargs = self.heat.stacks.create.call_args.kwargs
        self.assertEqual(
            catalog.launch_template(catalog.CONTAINER).text,
            kwargs['template'])
        params = kwargs['parameters']
        self.assertEqual('nginx:1.27', params['image'])
        self.assertEqual(['nginx', '-g', 'daemon off;'],
                         json.loads(params['command']))
        self.assertEqual({'MODE': 'prod', 'WORKERS': '4'},
                         json.loads(params['environment']))
        self.assertEqual({'API_KEY': base.SECRET},
                         json.loads(params['secret_environment']))
        self.assertEqual([{'port': 80}, {'port': 53, 'protocol': 'udp',
                                         'host_port': 5353}],
                         json.loads(params['ports']))
        self.assertEqual(('2', 'true', self.networks.first().name),
                         (params['desired_capacity'],
                          params['wait_for_ready'], params['networks']))

    @helpers.create_mocks(CLOUD_APIS)
    def test_an_invalid_value_is_refused_before_heat(self):
        self.mock_cloud()

        res = self.client.post(launch_url(catalog.CONTAINER),
                               self.launch_data(environment='MODE prod',
                                                name='bad name!'))

        self.assertFormErrors(res, 2)
        self.assertShows(res, 'Environment: line 1: expected NAME=VALUE')
        self.heat.stacks.create.assert_not_called()
        # The form comes back without the secret typed in.
        self.assertHides(res, base.SECRET)

    @helpers.create_mocks(CLOUD_APIS)
    def test_heat_validation_error_is_shown_as_heat_wrote_it(self):
        self.mock_cloud()
        message = ('Property error: resources.container.properties.ports[1]'
                   '.host_port: host port 80/tcp is already published by '
                   'ports[0]')
        self.heat.stacks.create.side_effect = heat_error(message)

        res = self.client.post(launch_url(catalog.CONTAINER),
                               self.launch_data(ports='port=80\nport=80'))

        self.assertEqual(200, res.status_code)
        self.assertShows(res, message)
        self.assertHides(res, base.SECRET)

    @helpers.create_mocks(CLOUD_APIS)
    def test_preview_shows_the_resources_and_creates_nothing(self):
        self.mock_cloud()
        preview = base.stack_row(stack_name='shop', resources=[
            {'resource_name': 'container',
             'resource_type': 'OS::CVM::Container'},
            [{'resource_name': 'group',
              'resource_type': 'OS::Heat::AutoScalingGroup'}]])
        self.heat.stacks.preview.return_value = preview

        res = self.client.post(launch_url(catalog.CONTAINER),
                               dict(self.launch_data(), preview='Preview'))

        self.assertEqual(200, res.status_code)
        self.assertShows(res, 'OS::Heat::AutoScalingGroup')
        self.heat.stacks.preview.assert_called_once()
        self.heat.stacks.create.assert_not_called()
        self.assertHides(res, base.SECRET)

    @helpers.create_mocks(CLOUD_APIS)
    def test_an_example_launches_with_its_own_parameters(self):
        self.mock_cloud()

        res = self.client.get(launch_url('memcached'))
        fields = res.context['form'].fields
        self.assertEqual('Cache size (MiB)', fields['cache_size_mb'].label)
        self.assertEqual(16, fields['cache_size_mb'].min_value)

        self.client.post(launch_url('memcached'), {
            'stack_name': 'cache', 'image': 'memcached:1.6',
            'cache_size_mb': 64, 'memory_limit_mb': 128,
            'allowed_cidr': '10.0.0.0/8',
            'flavor': self.flavors.first().name,
            'host_image': self.images.list()[1].name,
            'network': self.networks.first().name})
        kwargs = self.heat.stacks.create.call_args.kwargs
        self.assertEqual(catalog.launch_template('memcached').text,
                         kwargs['template'])
        self.assertEqual('64', kwargs['parameters']['cache_size_mb'])

    @helpers.create_mocks(CLOUD_APIS)
    def test_container_yaml_fields_are_grouped_under_their_map(self):
        self.mock_cloud()

        res = self.client.get(launch_url(catalog.CONTAINER))

        titles = [str(title) for title, _f in res.context['form'].sections()]
        self.assertEqual('Stack', titles[0])
        for title in ('Container', 'Scaling', 'Rolling updates'):
            self.assertIn(title, titles)
            self.assertShows(res, '<legend>%s</legend>' % title)

    def test_unknown_template_is_not_found(self):
        self.assertEqual(404, self.client.get(launch_url('nope')).status_code)


class ContainerActionsTest(base.PanelTestCase):

    def setUp(self):
        super().setUp()
        self.web = base.container_stack('shop', 'web')
        self.stacks = {self.web.id: self.web}
        self.heat.stacks.get.side_effect = self.stacks.get
        self.servers = [base.member_server(self.web, 0),
                        base.member_server(self.web, 1)]

    def owner(self, **parameters):
        owner = base.stack_row(id=self.web.parent, stack_name='shop',
                               parameters=parameters)
        self.stacks[owner.id] = owner
        return owner

    def url(self, name):
        return reverse('horizon:project:cvm_containers:%s' % name,
                       args=(self.web.id,))

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_scale_patches_desired_capacity_of_panel_stacks(self):
        self.mock_server_list.return_value = (self.servers, False)
        owner = self.owner(desired_capacity='2', image='nginx:1.27')

        res = self.client.get(self.url('scale'))
        self.assertEqual(2, res.context['form'].fields['desired'].initial)
        res = self.client.post(self.url('scale'), {'desired': 3})

        self.assertNoFormErrors(res)
        self.heat.stacks.update.assert_called_once_with(
            owner.id, existing=True, parameters={'desired_capacity': '3'})

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_scale_stays_within_min_and_max(self):
        self.mock_server_list.return_value = (self.servers, False)
        self.owner(desired_capacity='2')

        res = self.client.post(self.url('scale'), {'desired': 5})

        self.assertFormErrors(res, 1)
        self.heat.stacks.update.assert_not_called()

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_scale_of_a_cli_stack_signals_its_scaling_policy(self):
        self.mock_server_list.return_value = (self.servers, False)
        self.owner(size='2')    # its template sets the size itself

        res = self.client.post(self.url('scale'), {'desired': 3})

        self.assertNoFormErrors(res)
        self.heat.resources.signal.assert_called_once_with(self.web.id,
                                                           'scale_up')
        self.heat.stacks.update.assert_not_called()

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_update_image_is_a_patch_of_the_image_parameter(self):
        self.mock_server_list.return_value = (self.servers, False)
        owner = self.owner(image='nginx:1.27', glance_image='')

        res = self.client.get(self.url('update_image'))
        self.assertEqual('nginx:1.27',
                         res.context['form'].fields['image'].initial)
        res = self.client.post(self.url('update_image'),
                               {'image': 'nginx:1.28'})

        self.assertNoFormErrors(res)
        self.heat.stacks.update.assert_called_once_with(
            owner.id, existing=True,
            parameters={'image': 'nginx:1.28', 'glance_image': ''})

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_update_image_shows_heats_error(self):
        self.mock_server_list.return_value = (self.servers, False)
        self.owner(image='nginx:1.27')
        self.heat.stacks.update.side_effect = heat_error(
            'Property error: image: "nginx::bad" is not a valid reference')

        res = self.client.post(self.url('update_image'),
                               {'image': 'nginx::bad'})

        self.assertShows(res, 'is not a valid reference')

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_update_image_of_a_template_that_writes_it_is_refused(self):
        self.mock_server_list.return_value = (self.servers, False)
        self.owner(size='2')

        res = self.client.post(self.url('update_image'),
                               {'image': 'nginx:1.28'})

        self.assertShows(res, 'writes the image itself')
        self.heat.stacks.update.assert_not_called()


class TemplatesDirTest(base.PanelTestCase):

    def test_settings_may_name_the_templates_directory(self):
        directory = tempfile.mkdtemp(prefix='heat-cvm-templates-')
        self.addCleanup(shutil.rmtree, directory)
        with open(os.path.join(directory, catalog.CONTAINER_FILE), 'w') as f:
            f.write('heat_template_version: 2021-04-16\n'
                    'description: Our own container\n')
        with test_utils.override_settings(HEAT_CVM_TEMPLATES_DIR=directory):
            res = self.client.get(SELECT_URL)
        self.assertEqual([(catalog.CONTAINER, 'Our own container')],
                         res.context['form'].fields['template'].choices)

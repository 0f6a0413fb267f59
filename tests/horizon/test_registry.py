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

"""Push an Image: how to push to heat-cvm-registry, as the user sees it."""

import copy

from django.urls import reverse
from openstack_dashboard import api as os_api
from openstack_dashboard.test import helpers

from horizon_cvm import images
from tests.horizon import base

INDEX_URL = reverse('horizon:project:cvm_containers:index')
PUSH_URL = reverse('horizon:project:cvm_containers:push_image')
# How Horizon's "ajax-modal" links fetch the modal.
AJAX = {'HTTP_X_REQUESTED_WITH': 'XMLHttpRequest'}


class PushImageTest(base.PanelTestCase):

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog.append(copy.deepcopy(base.REGISTRY))

    def setUp(self):
        super().setUp()
        self.set_user('team-a', 'alice', 'Default')

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_the_list_offers_push_an_image(self):
        res = self.client.get(INDEX_URL)

        self.assertShows(res, 'id="containers__action_push_image"')
        self.assertShows(res, 'href="%s"' % PUSH_URL)
        self.assertShows(res, 'Push an Image')

    def test_the_modal_shows_the_registry_and_the_users_commands(self):
        res = self.client.get(PUSH_URL, **AJAX)

        self.assertTemplateUsed(res, 'project/cvm_containers/_push.html')
        self.assertTemplateUsed(res, 'horizon/common/_modal.html')
        self.assertShows(res, 'id="push_image_modal"')
        self.assertShows(res, '<dd class="cvm-registry">'
                              'registry.example.com:19495</dd>')
        self.assertShows(res, '<dd class="cvm-login-name">team-a/alice</dd>')
        self.assertShows(res, '<pre class="cvm-login">docker login -u '
                              'team-a/alice registry.example.com:19495</pre>')
        self.assertShows(res, '<pre class="cvm-tag">docker tag '
                              '&lt;your image&gt; registry.example.com:19495/'
                              '&lt;repository&gt;:&lt;tag&gt;</pre>')
        self.assertShows(res, '<pre class="cvm-push">docker push '
                              'registry.example.com:19495/'
                              '&lt;repository&gt;:&lt;tag&gt;</pre>')
        self.assertShows(res, 'openstack application credential')
        self.assertShows(res, 'Project &gt; Compute &gt; Images')
        self.assertShows(res, 'container format docker')

    def test_the_page_without_javascript_shows_the_same(self):
        res = self.client.get(PUSH_URL)

        self.assertTemplateUsed(res, 'project/cvm_containers/push.html')
        self.assertShows(res, 'docker login -u team-a/alice '
                              'registry.example.com:19495')

    def test_a_user_of_another_domain_names_it(self):
        self.set_user('team-a', 'alice', 'Example Corp')

        res = self.client.get(PUSH_URL, **AJAX)

        # Quoted for the shell: the domain's name holds a space.
        self.assertShows(res, 'docker login -u &#x27;Example Corp/team-a/'
                              'alice&#x27; registry.example.com:19495')

    def test_names_are_escaped(self):
        script = '<script>alert(1)</script>'
        self.set_user(script, 'alice', 'Default')

        for res in (self.client.get(PUSH_URL, **AJAX),
                    self.client.get(PUSH_URL)):
            self.assertHides(res, script)
            self.assertShows(res, '<strong>&lt;script&gt;alert(1)'
                                  '&lt;/script&gt;</strong>')
            self.assertShows(res, '&lt;script&gt;alert(1)&lt;/script&gt;'
                                  '/alice')


class NoRegistryTest(base.PanelTestCase):
    """A cloud without heat-cvm-registry in its catalog."""

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_the_list_has_no_push_action(self):
        res = self.client.get(INDEX_URL)

        self.assertShows(res, 'containers__action_launch')
        self.assertHides(res, 'push_image')
        self.assertHides(res, 'Push an Image')

    def test_the_modal_is_not_found(self):
        res = self.client.get(PUSH_URL, **AJAX)

        self.assertEqual(404, res.status_code)


class PushCommandsTest(base.PanelTestCase):
    """The pure parts: the registry's address and the login name."""

    def test_the_address_is_the_endpoints_host_and_port(self):
        for url, address in (
                ('https://minicloud.test:19495', 'minicloud.test:19495'),
                ('https://registry.example.com/', 'registry.example.com'),
                ('https://u:p@registry.example.com', 'registry.example.com'),
                ('registry.example.com:5000', 'registry.example.com:5000')):
            self.assertEqual(address, images.registry_address(url))

    def test_the_login_name_names_a_domain_other_than_default(self):
        self.assertEqual('demo/alice',
                         images.login_name('demo', 'alice', 'Default'))
        self.assertEqual('demo/alice', images.login_name('demo', 'alice'))
        self.assertEqual('corp/demo/alice',
                         images.login_name('demo', 'alice', 'corp'))

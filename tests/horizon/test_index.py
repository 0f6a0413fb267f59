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

"""Project > Containers: the list, its filters, pages and batch delete."""

import copy
import json
import time
from unittest import mock
from urllib import parse

from django.conf import settings
from django.test import utils as test_utils
from django.urls import reverse
from openstack_dashboard import api as os_api
from openstack_dashboard.test import helpers
import requests

from tests.horizon import base

INDEX_URL = reverse('horizon:project:cvm_containers:index')


def read_only_policy(policy_rules, request, target=None):
    """A policy that lets the user list stacks and nothing else."""
    return all(rule == ('orchestration', 'stacks:index')
               for rule in policy_rules)


class IndexTest(base.PanelTestCase):

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_lists_containers_from_any_stack_with_their_members(self):
        web = base.container_stack('shop', 'web')
        # A stack created with "openstack stack create" from a template of
        # its own: the list shows it alike.
        cache = base.container_stack(
            'cli-stack', 'cache', image='memcached:1.6',
            ports=[{'port': 11211}, {'port': 53, 'protocol': 'udp'}],
            status='CREATE_IN_PROGRESS',
            scaling={'min_size': 1, 'max_size': 1})
        self.heat.listed = [web, cache]
        servers = [base.member_server(web, 0, '10.0.0.5'),
                   base.member_server(web, 1, '10.0.0.6'),
                   base.member_server(cache, 0, '10.0.0.7'),
                   base.plain_server()]
        self.mock_server_list.return_value = (servers, False)

        res = self.client.get(INDEX_URL)

        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        rows = res.context['table'].data
        self.assertEqual(['web', 'cache'], [r.name for r in rows])
        self.assertEqual(['shop', 'cli-stack'], [r.stack_name for r in rows])
        self.assertEqual(['ready', 'create in progress'],
                         [r.status for r in rows])
        self.assertShows(res, 'nginx:1.27')
        self.assertShows(res, '2 / 2 (1\u20134)')
        self.assertShows(res, '1 / 1 (1\u20131)')
        self.assertShows(res, '<a href="http://10.0.0.5:80" target="_blank"')
        self.assertShows(res, '<a href="http://10.0.0.6:80" target="_blank"')
        # A UDP port is an endpoint, not a link.
        self.assertShows(res, '10.0.0.7:53')
        self.assertHides(res, 'http://10.0.0.7:53')
        # One Heat call finds the containers, one Nova call their members.
        self.heat.stacks._list.assert_called_once()
        query = self.heat.list_query()
        self.assertEqual(('True', 'heat-cvm'),
                         (query['show_nested'], query['tags']))
        self.mock_server_list.assert_called_once()

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_stacks_without_containers_show_nothing(self):
        # Heat returns only tagged stacks; an untagged row (another
        # plugin's tag filter semantics, an old Heat) is skipped too.
        self.heat.listed = [base.stack_row(
            stack_name='plain', tags=['team-a'])]
        self.mock_server_list.return_value = ([base.plain_server()], False)

        res = self.client.get(INDEX_URL)

        self.assertEqual([], res.context['table'].data)
        self.assertShows(res, 'No items to display.')

    def test_no_stacks_no_server_list(self):
        res = self.client.get(INDEX_URL)
        self.assertEqual([], res.context['table'].data)

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_filters_by_name_and_status_on_heat_side(self):
        self.mock_server_list.return_value = ([], False)
        self.heat.listed = [
            base.container_stack('shop', 'web')]

        # A new filter redirects to the first page, which Heat filters.
        self.client.post(INDEX_URL, {'containers__filter__q_field': 'name',
                                     'containers__filter__q': 'web'},
                         follow=True)
        self.assertEqual('heat-cvm,heat-cvm:name=web',
                         self.heat.list_query()['tags'])

        self.client.post(INDEX_URL, {'containers__filter__q_field': 'status',
                                     'containers__filter__q': 'Failed'},
                         follow=True)
        self.assertEqual('FAILED', self.heat.list_query()['status'])

    @test_utils.override_settings(API_RESULT_PAGE_SIZE=2)
    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_pages_with_heat_markers(self):
        self.mock_server_list.return_value = ([], False)
        stacks = [base.container_stack('s%d' % i, 'web') for i in range(3)]
        self.heat.listed = stacks

        res = self.client.get(INDEX_URL)

        self.assertEqual(2, len(res.context['table'].data))
        self.assertEqual('3', self.heat.list_query()['limit'])
        self.assertShows(res, 'container_marker=%s' % stacks[1].id)

        self.heat.listed = stacks[2:]
        res = self.client.get(INDEX_URL, {'container_marker': stacks[1].id})
        self.assertEqual(stacks[1].id,
                         self.heat.list_query()['marker'])
        self.assertShows(res, 'prev_container_marker=%s' % stacks[2].id)

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_delete_deletes_the_stack_holding_the_container(self):
        web = base.container_stack('shop', 'web')
        self.heat.listed = [web]
        self.mock_server_list.return_value = ([], False)

        res = self.client.post(INDEX_URL, {
            'action': 'containers__delete__%s' % web.id})

        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.heat.stacks.delete.assert_called_once_with(web.parent)

    @test_utils.override_settings(POLICY_CHECK_FUNCTION=read_only_policy)
    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_policy_hides_what_the_user_may_not_do(self):
        web = base.container_stack('shop', 'web')
        self.heat.listed = [web]
        self.mock_server_list.return_value = ([], False)

        res = self.client.get(INDEX_URL)

        self.assertEqual(['web'], [r.name for r in res.context['table'].data])
        for action in ('action_launch', 'action_delete', 'action_scale',
                       'action_update_image'):
            self.assertHides(res, action)
        self.client.post(INDEX_URL, {
            'action': 'containers__delete__%s' % web.id})
        self.heat.stacks.delete.assert_not_called()


def cached_templates():
    """The template settings, with templates parsed once as in production.

    The test settings parse a template each time it is rendered, which
    would measure Django's parser, once per table cell.
    """
    templates = copy.deepcopy(settings.TEMPLATES)
    options = templates[0]['OPTIONS']
    loaders = options.pop('loaders', None) or [
        'django.template.loaders.filesystem.Loader',
        'django.template.loaders.app_directories.Loader']
    options['loaders'] = [('django.template.loaders.cached.Loader', loaders)]
    templates[0]['APP_DIRS'] = False
    return templates


class ScaleTest(base.PanelTestCase):
    """A page costs the same API calls whatever the number of stacks."""

    STACKS = 1000

    def many_stacks(self, count):
        template = base.container_stack('app', 'web')
        return [base.stack_row(
            stack_name='app%d-web-%s' % (i, base.short_id()),
            parent=template.parent, tags=template.tags)
            for i in range(count)]

    def render_page(self, page_size, stacks, servers):
        self.heat = base.FakeHeat()
        self.heat.listed = stacks[:page_size + 1]
        with test_utils.override_settings(API_RESULT_PAGE_SIZE=page_size,
                                          TEMPLATES=cached_templates()), \
                helpers.mock.patch.object(base.api, 'heatclient',
                                          return_value=self.heat), \
                helpers.mock.patch.object(os_api.nova, 'server_list',
                                          return_value=(servers, False)) \
                as server_list:
            started = time.perf_counter()
            res = self.client.get(INDEX_URL)
            seconds = time.perf_counter() - started
        self.assertEqual(page_size, len(res.context['table'].data))
        return len(self.heat.calls()), server_list.call_count, seconds

    def test_a_page_of_1000_stacks_costs_one_heat_and_one_nova_call(self):
        stacks = self.many_stacks(self.STACKS + 1)
        servers = [base.member_server(stack, i) for stack in stacks
                   for i in range(2)] + [base.plain_server()] * 100
        self.render_page(1, stacks, servers)    # parses the templates
        figures = {size: self.render_page(size, stacks, servers)
                   for size in (20, self.STACKS)}
        for size, (heat_calls, nova_calls, seconds) in figures.items():
            print('containers list, %d rows of %d stacks, %d servers: '
                  '%d Heat call(s), %d Nova call(s), rendered in %.2f s'
                  % (size, self.STACKS, len(servers), heat_calls,
                     nova_calls, seconds))
            self.assertEqual((1, 1), (heat_calls, nova_calls))


class HeatRequestTest(base.PanelTestCase):
    """What goes to Heat on the wire, through the real python-heatclient."""

    fake_heat_client = False

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_a_page_is_one_get_of_the_tagged_nested_stacks(self):
        web = base.container_stack('shop', 'web')
        body = {'stacks': [web.to_dict()]}
        self.mock_server_list.return_value = ([], False)
        response = requests.Response()
        response.status_code, response.reason = 200, 'OK'
        response.raw = mock.Mock(version=11)    # heatclient logs HTTP/1.1
        response.headers['Content-Type'] = 'application/json'
        response._content = json.dumps(body).encode()

        with mock.patch('requests.request',
                        return_value=response) as request:
            res = self.client.get(INDEX_URL)

        self.assertEqual(['web'], [r.name for r in res.context['table'].data])
        request.assert_called_once()
        method, url = request.call_args.args
        path, _sep, query = url.partition('?')
        self.assertEqual(('GET', '/v1/tenant/stacks'),
                         (method, path.split('8004')[1]))
        self.assertEqual({'show_nested': ['True'], 'tags': ['heat-cvm'],
                          'sort_keys': ['created_at'], 'sort_dir': ['desc'],
                          'limit': ['21']}, parse.parse_qs(query))


class AlarmBadgeTest(base.PanelTestCase):
    """The list shows which autoscaled containers have an alarm firing."""

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_a_firing_alarm_shows_a_badge_with_one_aodh_call(self):
        autoscale = {'target_cpu_percent': 60}
        hot = base.container_stack('shop', 'web', scaling={
            'min_size': 1, 'max_size': 3, 'autoscale': autoscale})
        calm = base.container_stack('shop', 'api', scaling={
            'min_size': 1, 'max_size': 3, 'autoscale': autoscale})
        self.heat.listed = [hot, calm]
        self.mock_server_list.return_value = ([], False)
        self.aodh.alarm.list.return_value = [
            {'name': '%s-scale_up_alarm-a1b2c3d4' % hot.stack_name,
             'state': 'alarm'}]

        res = self.client.get(INDEX_URL)

        rows = {r.name: r for r in res.context['table'].data}
        self.assertEqual({'up'}, rows['web'].firing)
        self.assertEqual(frozenset(), rows['api'].firing)
        self.assertEqual(1, res.content.decode().count(
            'cvm-alarm">alarm: scale out</span>'))
        self.aodh.alarm.list.assert_called_once_with(
            filters={'state': 'alarm'})

    @helpers.create_mocks({os_api.nova: ['server_list']})
    def test_no_aodh_call_when_nothing_on_the_page_is_autoscaled(self):
        self.heat.listed = [base.container_stack('shop', 'web')]
        self.mock_server_list.return_value = ([], False)

        res = self.client.get(INDEX_URL)

        self.assertEqual(200, res.status_code)
        self.aodh.alarm.list.assert_not_called()

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

"""Horizon's test harness for the Containers panel, and the cloud it sees.

Only the API boundary is faked: python-heatclient's and aodhclient's
clients (what horizon_cvm.api.heatclient and aodhclient return) and
openstack_dashboard.api for Nova, Neutron and Glance. The stacks the fake
Heat lists carry the tags that OS::CVM::Container really puts on its nested
stacks (heat_cvm.facts, from a real ContainerSpec).
"""

import copy
from unittest import mock
from urllib import parse
import uuid

from heatclient.v1 import events as heat_events
from heatclient.v1 import stacks as heat_stacks
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.test import helpers

from heat_cvm import blueprint
from heat_cvm import facts
from heat_cvm import spec as spec_mod
from horizon_cvm import api

ORCHESTRATION = {
    'type': 'orchestration', 'name': 'heat', 'endpoints_links': [],
    'endpoints': [{'region': 'RegionOne', 'interface': interface,
                   'url': 'http://%s.heat.example.com:8004/v1/tenant'
                          % interface}
                  for interface in ('admin', 'internal', 'public')]}

ALARMING = {
    'type': 'alarming', 'name': 'aodh', 'endpoints_links': [],
    'endpoints': [{'region': 'RegionOne', 'interface': interface,
                   'url': 'http://%s.aodh.example.com:8042' % interface}
                  for interface in ('admin', 'internal', 'public')]}

# heat-cvm-registry, as "openstack endpoint create" registers it.
REGISTRY = {
    'type': 'container-registry', 'name': 'heat-cvm-registry',
    'endpoints_links': [],
    'endpoints': [{'region': 'RegionOne', 'interface': 'public',
                   'url': 'https://registry.example.com:19495'}]}

SECRET = 'correct-horse-battery-staple'


def short_id():
    return uuid.uuid4().hex[:12]


def stack_row(**info):
    """A stack as heatclient lists it."""
    info.setdefault('id', str(uuid.uuid4()))
    info.setdefault('description', '')
    info.setdefault('stack_status', 'CREATE_COMPLETE')
    info.setdefault('creation_time', '2026-11-25T08:00:00Z')
    info.setdefault('parent', None)
    info.setdefault('tags', None)
    return heat_stacks.Stack(mock.Mock(), info, loaded=True)


def container_stack(stack_name='shop', resource='web', status=None,
                    glance=None, **props):
    """The nested stack of an OS::CVM::Container, as a list row.

    ``glance``: how the resource resolved a glance_image property (the
    glance_* and registry arguments of ContainerSpec.from_properties).
    """
    if 'glance_image' not in props:
        props.setdefault('image', 'nginx:1.27')
    props.setdefault('networks', ['private'])
    props.setdefault('ports', [{'port': 80}])
    props.setdefault('scaling', {'min_size': 1, 'max_size': 4,
                                 'desired_capacity': 2})
    spec = spec_mod.ContainerSpec.from_properties(props, {}, resource,
                                                  **(glance or {}))
    return stack_row(
        stack_name='%s-%s-%s' % (stack_name, resource, short_id()),
        stack_status=status or 'CREATE_COMPLETE',
        parent=str(uuid.uuid4()), tags=facts.tags(spec, resource))


def member_server(container, index=0, address=None, status='ACTIVE'):
    """A Nova server of a container's group, as Nova lists it.

    The group's metadata names the container's nested stack.
    """
    return nova_servers.Server(None, {
        'id': str(uuid.uuid4()),
        'name': '%s-%d' % (container.stack_name, index),
        'status': status,
        'metadata': {blueprint.SERVER_GROUP_METADATA: container.id,
                     'heat-cvm.container': 'web'},
        'addresses': {'private': [{
            'addr': address or '10.0.0.%d' % (10 + index), 'version': 4,
            'OS-EXT-IPS:type': 'fixed'}]},
    }, loaded=True)


def plain_server(name='vm'):
    return nova_servers.Server(None, {
        'id': str(uuid.uuid4()), 'name': name, 'status': 'ACTIVE',
        'metadata': {}, 'addresses': {}}, loaded=True)


def event(**info):
    info.setdefault('id', str(uuid.uuid4()))
    info.setdefault('event_time', '2026-11-25T08:00:01Z')
    info.setdefault('links', [])
    return heat_events.Event(mock.Mock(), info, loaded=True)


class FakeHeat:
    """A python-heatclient Client whose calls are recorded mocks."""

    def __init__(self):
        self.stacks = mock.Mock(name='stacks')
        self.events = mock.Mock(name='events')
        self.resources = mock.Mock(name='resources')
        # What GET /stacks returns (horizon_cvm.api makes one such GET).
        self.listed = []
        self.stacks._list.side_effect = lambda url, key: list(self.listed)

    def list_query(self):
        """The query of the last GET /stacks, as {name: value}."""
        url = self.stacks._list.call_args.args[0]
        path, _sep, query = url.partition('?')
        assert path == '/stacks', url
        return dict(parse.parse_qsl(query))

    def calls(self):
        """Every call made to Heat, as (manager.method, kwargs)."""
        result = []
        for manager in (self.stacks, self.events, self.resources):
            for name, _args, kwargs in manager.method_calls:
                result.append((name, kwargs))
        return result


class PanelTestCase(helpers.TestCase):

    # False: the real python-heatclient, faked at the HTTP layer instead.
    fake_heat_client = True

    def _setup_test_data(self):
        super()._setup_test_data()
        # Heat is in the catalog, as in a cloud where the panel is enabled,
        # and Aodh, which autoscaling needs.
        self.service_catalog.append(copy.deepcopy(ORCHESTRATION))
        self.service_catalog.append(copy.deepcopy(ALARMING))

    def set_user(self, project, username, domain):
        """The logged-in user, with its project's and domain's names.

        Horizon's own test user has no project name.
        """
        self.setActiveUser(
            id=self.user.id, token=self.token, username=username,
            tenant_id=self.tenant.id, tenant_name=project,
            user_domain_name=domain, user_domain_id=self.domain.id,
            domain_id=self.domain.id, service_catalog=self.service_catalog,
            authorized_tenants=self.tenants.list(),
            roles=[{'id': '2', 'name': 'member'}])

    def assertShows(self, response, text):
        """``text`` is in the page (without printing the whole page)."""
        self.assertTrue(text in response.content.decode(),
                        '%r is not in the page' % text)

    def assertHides(self, response, text):
        self.assertFalse(text in response.content.decode(),
                         '%r is in the page' % text)

    def setUp(self):
        super().setUp()
        self.heat = FakeHeat()
        # aodhclient's Client: alarms as Aodh's API returns them (dicts).
        self.aodh = mock.Mock(name='aodh')
        self.aodh.alarm.list.return_value = []
        patcher = mock.patch.object(api, 'aodhclient',
                                    return_value=self.aodh)
        patcher.start()
        self.addCleanup(patcher.stop)
        if self.fake_heat_client:
            patcher = mock.patch.object(api, 'heatclient',
                                        return_value=self.heat)
            patcher.start()
            self.addCleanup(patcher.stop)

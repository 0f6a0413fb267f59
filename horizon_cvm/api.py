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

"""The one place the panel talks to Heat and Aodh (their clients).

Nova, Neutron and Glance are reached through openstack_dashboard.api;
heat-cvm-registry is only named (from the catalog), never called.
"""

from urllib import parse

from aodhclient import client as aodh_client
from django.conf import settings
from heatclient import client as heat_client
from horizon.utils import functions as utils
from horizon.utils.memoized import memoized
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from heat_cvm import facts
from horizon_cvm import images

# Heat's stack list filter on the combined "<action>_<status>" status.
STATUS_FILTERS = {'ready': 'COMPLETE', 'failed': 'FAILED',
                  'in progress': 'IN_PROGRESS'}


@memoized
def heatclient(request):
    return heat_client.Client(
        '1', base.url_for(request, 'orchestration'),
        token=request.user.token.id,
        insecure=settings.OPENSTACK_SSL_NO_VERIFY,
        ca_file=settings.OPENSTACK_SSL_CACERT)


def container_stacks(request, marker=None, sort_dir='desc', name=None,
                     status=None, paginate=True):
    """One page of container stacks: (stacks, has_more, has_prev).

    One API call: the nested stacks tagged heat-cvm (heat_cvm.facts),
    filtered by the container name's tag and by status on Heat's side.
    """
    page_size = utils.get_page_size(request)
    tags = [facts.TAG]
    if name:
        tags.extend(facts.fact_tags('name', name))
    query = {'show_nested': True, 'tags': ','.join(tags),
             'sort_keys': 'created_at', 'sort_dir': sort_dir}
    if paginate:
        query['limit'] = page_size + 1
    if marker:
        query['marker'] = marker
    if status:
        query['status'] = STATUS_FILTERS.get(status, status)
    stacks = _stacks_get(heatclient(request), query)
    extra = paginate and len(stacks) > page_size
    if extra:
        stacks.pop()
    if sort_dir == 'asc':
        # Paging back from ``marker``: the page is before it, newest first.
        stacks.reverse()
        return stacks, True, extra
    return stacks, extra, marker is not None


def _stacks_get(client, query):
    """The stacks of one GET /stacks.

    heatclient's stacks.list would GET the next page as well whenever a
    page is shorter than the limit, i.e. on every last page.
    """
    return client.stacks._list('/stacks?%s' % parse.urlencode(query, True),
                               'stacks')


def stack_get(request, stack_id):
    return heatclient(request).stacks.get(stack_id)


def stack_template(request, stack_id):
    return heatclient(request).stacks.template(stack_id)


def stack_preview(request, **fields):
    return heatclient(request).stacks.preview(**fields)


def stack_create(request, **fields):
    return heatclient(request).stacks.create(**fields)


def stack_patch_parameters(request, stack_id, parameters):
    """A PATCH update: the stack keeps its template and other parameters."""
    heatclient(request).stacks.update(stack_id, existing=True,
                                      parameters=parameters)


def stack_delete(request, stack_id):
    heatclient(request).stacks.delete(stack_id)


def events_list(request, stack_id, nested_depth=2):
    return heatclient(request).events.list(stack_id,
                                           nested_depth=nested_depth,
                                           sort_dir='desc')


def resource_signal(request, stack_id, resource_name):
    heatclient(request).resources.signal(stack_id, resource_name)


def resource_list(request, stack_id):
    return heatclient(request).resources.list(stack_id)


def resource_metadata(request, stack_id, resource_name):
    return heatclient(request).resources.metadata(stack_id, resource_name)


def signal_events(request, stack_id, limit=50):
    """The newest SIGNAL events of a stack (its scaling policies')."""
    return heatclient(request).events.list(
        stack_id, filters={'resource_action': 'SIGNAL'}, sort_dir='desc',
        limit=limit)


# -- Aodh ---------------------------------------------------------------------

def alarming_enabled(request):
    """Whether the cloud has Aodh (a cloud without it has no alarms)."""
    return base.is_service_enabled(request, 'alarming')


@memoized
def aodhclient(request):
    auth = token_endpoint.Token(base.url_for(request, 'alarming'),
                                request.user.token.id)
    verify = (settings.OPENSTACK_SSL_CACERT or
              not settings.OPENSTACK_SSL_NO_VERIFY)
    return aodh_client.Client(
        '2', session=ks_session.Session(auth=auth, verify=verify))


def alarms_in_alarm(request):
    """The project's alarms in alarm state: one call for a whole page."""
    return aodhclient(request).alarm.list(filters={'state': 'alarm'})


def alarm_get(request, alarm_id):
    return aodhclient(request).alarm.get(alarm_id)


# -- heat-cvm-registry --------------------------------------------------------

def registry_enabled(request):
    """Whether the catalog has heat-cvm-registry (container-registry)."""
    return base.is_service_enabled(request, images.SERVICE_TYPE)


def registry_url(request):
    """heat-cvm-registry's endpoint URL, as the user's catalog has it."""
    return base.url_for(request, images.SERVICE_TYPE)

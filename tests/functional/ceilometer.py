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

"""Plays ceilometer's compute polling agent for the minicloud's servers.

The fake virt driver's servers have no CPU, so nothing would ever reach
Gnocchi. ``CpuPoller`` does what ceilometer-polling and its Gnocchi
publisher do on a compute node, through Gnocchi's real API, as the
"ceilometer" service user: each polling period it finds the servers of a
group (Nova's metadata ``metering.server_group``, which ceilometer copies
into the instance resource's ``server_group``), creates the instance
resource of a server it has not seen (in the server's project, its "cpu"
metric in the archive policy ceilometer's configuration gives it), posts
each server's *cumulative* CPU time in nanoseconds, summed over its vCPUs,
grown by ``load`` percent of its vCPUs over the period, and ends the
resource of a server that is gone, as ceilometer's notification agent does.

The polling interval equals the archive policy's granularity and each
sample is stamped at the start of its period: one sample a period, as a
cloud configures ceilometer for its alarms. (Two samples in a period make
its mean, and so the rate Aodh computes, depend on when in the period the
evaluator looks.)

Nothing else helps the alarms: the real Aodh evaluator reads these
measures from Gnocchi, and its notifier calls Heat.
"""

import datetime
import threading
import time
import urllib.error

from tools.minicloud import minicloud

# ceilometer's gnocchi_resources.yaml puts "cpu" in this policy; the
# minicloud defines it with its short granularity (cloud_setup).
CPU_ARCHIVE_POLICY = 'ceilometer-low-rate'
NS_PER_SECOND = 10 ** 9
MAX_FAILED_POLLS = 3


def _stamp(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).isoformat()


class CpuPoller:
    """Ceilometer's CPU polling for the servers of one server group.

    :param load: percent of each server's vCPUs busy from the next period.
    """

    def __init__(self, cloud, server_group,
                 granularity=minicloud.ALARM_GRANULARITY, load=0.0):
        self.cloud = cloud
        self.server_group = server_group
        self.granularity = granularity
        self.load = load
        self.cpu_ns = {}           # server id -> cumulative CPU time
        self.counted_at = {}       # server id -> when cpu_ns was counted
        self.ended = set()         # servers gone, their resources ended
        self.period = None         # start of the last period polled
        self.error = None
        self._stop = threading.Event()
        self._thread = None

    def call(self, method, service, path, body=None, headers=()):
        """An API call as ceilometer's service user."""
        return self.cloud.request(method, service, path, body,
                                  cloud='minicloud-ceilometer',
                                  headers=headers)

    def servers(self):
        """The group's ACTIVE servers, with what ceilometer reads of them."""
        # 2.47: the flavor's vCPUs and name in the server, as the compute
        # agent reads them from the hypervisor.
        servers = self.call('GET', 'nova', '/v2.1/servers/detail?'
                            'all_tenants=1', headers={
                                'OpenStack-API-Version': 'compute 2.47'})[
                                    'servers']
        return [s for s in servers if s['status'] == 'ACTIVE' and
                s['metadata'].get('metering.server_group')
                == self.server_group]

    def _create_resource(self, server):
        flavor = server['flavor']
        body = {
            'id': server['id'],
            'project_id': server['tenant_id'],
            'user_id': server['user_id'],
            'display_name': server['name'],
            'flavor_id': flavor['original_name'],
            'flavor_name': flavor['original_name'],
            'host': server['OS-EXT-SRV-ATTR:host'],
            'image_ref': (server['image'] or {}).get('id'),
            'server_group': self.server_group,
            'metrics': {'cpu': {'archive_policy_name': CPU_ARCHIVE_POLICY,
                                'unit': 'ns'}},
        }
        try:
            self.call('POST', 'gnocchi', '/v1/resource/instance', body)
        except urllib.error.HTTPError as error:
            if error.code != 409:   # already there
                raise

    def poll(self, period):
        """One polling period: a cumulative CPU sample per server."""
        stamp = _stamp(period)
        measures = {}
        for server in self.servers():
            server_id = server['id']
            if server_id not in self.cpu_ns:
                self._create_resource(server)
                self.cpu_ns[server_id] = 0
            else:
                # CPU time since its last sample, lost samples included.
                self.cpu_ns[server_id] += int(
                    self.load / 100.0 * server['flavor']['vcpus']
                    * (period - self.counted_at[server_id]) * NS_PER_SECOND)
            self.counted_at[server_id] = period
            measures[server_id] = {'cpu': [
                {'timestamp': stamp, 'value': self.cpu_ns[server_id]}]}
        if measures:
            self.call('POST', 'gnocchi',
                      '/v1/batch/resources/metrics/measures', measures)
        for gone in set(self.cpu_ns) - set(measures) - self.ended:
            self.call('PATCH', 'gnocchi', '/v1/resource/instance/' + gone,
                      {'ended_at': stamp})
            self.ended.add(gone)

    def _run(self):
        failures = []
        while not self._stop.is_set():
            period = time.time() // self.granularity * self.granularity
            if period != self.period:
                self.period = period
                try:
                    self.poll(period)
                    failures = []
                except Exception as error:
                    # A busy API's timeout or 503 loses the period's
                    # sample, as it does for ceilometer; only failures
                    # period after period are the test's concern.
                    failures.append(error)
                    if len(failures) >= MAX_FAILED_POLLS:
                        self.error = failures[-1]   # for the test to see
            self._stop.wait(1)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=60)


def server_group_of(cloud, stack_name):
    """The server_group its members carry: the nested stack's ID."""
    (resource,) = cloud.json('stack', 'resource', 'list', '--filter',
                             'type=OS::CVM::Container', stack_name)
    return resource['physical_resource_id']

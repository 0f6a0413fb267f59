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

"""Alarm-driven autoscaling on the minicloud, with the real Aodh and Gnocchi.

The test plays ceilometer's polling agent only (tests/functional/
ceilometer.py: each member's cumulative CPU nanoseconds, posted to
Gnocchi's API). From there on nothing helps: Aodh's evaluator reads
Gnocchi, finds the threshold heat-cvm compiled crossed, its notifier POSTs
the scaling policy's pre-signed URL, Heat resizes the group, and each new
member's guest (simulated by the guest runner) signals its wait condition.

The minicloud keeps 10 s periods and evaluates every 5 s (minicloud.py);
a cloud's 300 s archive policy makes it slower, not different.
"""

import contextlib
import threading
import time
import urllib.request

import pytest

from tests.functional import ceilometer
from tests.functional import test_stacks
from tools.minicloud import helpers
from tools.minicloud import minicloud

pytestmark = [pytest.mark.quiet, pytest.mark.usefixtures('vms_booted')]

# Three periods: a member that joins skews the group's rate for up to two
# (README, "How it works"); the cooldown, which starts once it is ready,
# must outlast that or the scale-in alarm's signal would be obeyed.
COOLDOWN = 3 * minicloud.ALARM_GRANULARITY
GNOCCHI_ALARM = 'OS::Aodh::GnocchiAggregationByResourcesAlarm'
# A whole cooldown and a period more, an alarm firing at a limit meanwhile.
HOLD = COOLDOWN + minicloud.ALARM_GRANULARITY


class Watched:
    """One autoscaled stack: its size over time and its alarms' states.

    Kept near 60 % of its flavor's vCPUs: out above 75 %, in below 45 %.
    """

    def __init__(self, cloud, prefix, flavor, max_size):
        self.cloud = cloud
        self.name = '%s-%s' % (prefix, flavor.split('.')[1])
        self.max_size = max_size
        test_stacks.container(
            cloud, self.name, 'image=busybox:1.36',
            'command=["sleep", "infinity"]', 'flavor=%s' % flavor,
            'min_size=1', 'max_size=%d' % max_size, 'desired_capacity=1',
            'cooldown=%d' % COOLDOWN, 'autoscale=true',
            'autoscale_target_cpu_percent=60', 'autoscale_band=15',
            'autoscale_evaluation_periods=2', wait=False)
        self.sizes = [1]
        self.created = {}          # member -> when Nova created it
        self.poller = None
        self.id = None
        self.alarm_ids = {}
        self.group_stack = None    # the group's nested stack

    def ready(self):
        stack = self.cloud.wait_for_stack(self.name, timeout=300)
        assert stack['stack_status'] == 'CREATE_COMPLETE', \
            stack['stack_status_reason']
        self.id = stack['id']
        self.alarm_ids = {
            r['resource_name'].split('_')[1]: r['physical_resource_id']
            for r in self.cloud.json('stack', 'resource', 'list', '-n', '2',
                                     '--filter', 'type=%s' % GNOCCHI_ALARM,
                                     self.name)}
        assert set(self.alarm_ids) == {'up', 'down'}
        container = self.cloud.stack(
            ceilometer.server_group_of(self.cloud, self.name))
        self.group_stack = self.cloud.get(
            'heat', '/v1/{project}/stacks/%s/%s/resources/group' % (
                container['stack_name'], container['id']))['resource'][
                    'physical_resource_id']
        # In the band from the start: nothing should scale.
        self.poller = ceilometer.CpuPoller(self.cloud, container['id'],
                                           load=60)

    def output(self, key):
        return self.cloud.get('heat', '/v1/{project}/stacks/%s/%s/outputs/%s'
                              % (self.name, self.id, key))['output'][
                                  'output_value']

    def size(self):
        """The group's size between resizes.

        (While Heat resizes the group, current_size can read anything,
        0 included, and a resize can start between two looks: a size
        counts only if the group's nested stack was settled and
        unchanged before and after it was read.)
        """
        assert self.poller.error is None, self.poller.error
        before = self.cloud.stack(self.group_stack)
        size = self.output('current_size')
        after = self.cloud.stack(self.group_stack)
        if (after['stack_status'].endswith('IN_PROGRESS')
                or after['stack_status'] != before['stack_status']
                or after['updated_time'] != before['updated_time']):
            return self.sizes[-1]
        if size == self.sizes[-1] and self.created:
            return size
        if size != self.sizes[-1]:
            self.sizes.append(size)
        for server in set(self.output('servers')) - set(self.created):
            self.created[server] = helpers.epoch(self.cloud.get(
                'nova', '/v2.1/servers/' + server)['server']['created'])
        return size

    def alarm_states(self):
        return {direction: self.cloud.get('aodh', '/v2/alarms/%s/state'
                                          % alarm_id)
                for direction, alarm_id in self.alarm_ids.items()}

    def signals(self, policy):
        """Times of the resizes a policy's signal made (Heat's events)."""
        events = self.cloud.json('stack', 'event', 'list', '--nested-depth',
                                 '2', '-f', 'json', self.name)
        return sorted(
            (helpers.epoch(e['event_time']), e['resource_status_reason'])
            for e in events if e['resource_name'] == policy
            and e['resource_status'] == 'SIGNAL_COMPLETE')


# Between two looks at the groups: each look asks heat-engine to load
# their nested stacks.
POLL_SECONDS = 5


def hold(stacks, seconds, expected):
    """The sizes stay as ``expected`` for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert [s.size() for s in stacks] == expected
        time.sleep(POLL_SECONDS)


def test_cpu_load_scales_the_group_out_and_in_through_aodh(cloud):
    """A 1-vCPU group (1..3) and a 2-vCPU group (1..2) under CPU load.

    Nothing left behind at the end.
    """
    prefix = test_stacks.stack_name('auto')
    stacks = []
    try:
        stacks = [Watched(cloud, prefix, 'm1.small', 3),
                  Watched(cloud, prefix, 'm1.medium', 2)]
        with contextlib.ExitStack() as pollers:
            for stack in stacks:
                stack.ready()
                pollers.enter_context(stack.poller)
            load_scales_out_and_in(cloud, *stacks)
    finally:
        for stack in stacks:
            delete_with_retry(cloud, stack.name)
    assert cloud.leftovers(prefix) == {}


def delete_with_retry(cloud, name):
    """Delete; once more if Heat refused, as a user would.

    (A scale-out that the delete cancelled can hold the security group
    for a moment: DELETE_FAILED, "Security Group ... in use".)
    """
    for _attempt in (1, 2):
        if cloud.openstack('stack', 'delete', '--yes', '--wait', name,
                           check=False).returncode == 0:
            return


def load_scales_out_and_in(cloud, one, two):
    stacks = [one, two]

    def sizes():
        return [s.size() for s in stacks]

    def seen():
        return '%s' % [(s.sizes, s.alarm_states()) for s in stacks]

    # 60 % of the vCPUs, inside the band: both alarms evaluate to "ok"
    # (data, no breach) for 1 and 2 vCPUs alike, and nothing scales.
    helpers.wait_until(lambda: all(s.alarm_states() == {'up': 'ok',
                                                        'down': 'ok'}
                                   for s in stacks),
                       lambda: 'alarms ok at 60 %: ' + seen(),
                       step=POLL_SECONDS)
    assert sizes() == [1, 1]

    # 80 %: out, one member per cooldown, up to max_size and no further.
    for stack in stacks:
        stack.poller.load = 80
    helpers.wait_until(lambda: sizes() == [3, 2],
                       lambda: 'scaled out to max_size: ' + seen(),
                       step=POLL_SECONDS)
    assert one.alarm_states()['up'] == 'alarm'
    hold(stacks, HOLD, [3, 2])
    assert (one.sizes, two.sizes) == ([1, 2, 3], [1, 2])

    # The cooldown: the third member was created a whole cooldown after
    # the first resize ended (Heat's SIGNAL event marks that end).
    (first_end, reason), _second = one.signals('scale_up')
    created = sorted(one.created.values())
    assert created[1] < first_end
    assert created[2] >= first_end + COOLDOWN - 1
    # Aodh signalled, not the test: the reason is the alarm's transition.
    assert reason.startswith('alarm state changed from ok to alarm')

    # 40 %: in, down to min_size and no further.
    for stack in stacks:
        stack.poller.load = 40
    helpers.wait_until(lambda: sizes() == [1, 1],
                       lambda: 'scaled in to min_size: ' + seen(),
                       step=POLL_SECONDS)
    assert one.alarm_states()['down'] == 'alarm'
    hold(stacks, HOLD, [1, 1])
    assert (one.sizes, two.sizes) == ([1, 2, 3, 2, 1], [1, 2, 1])
    assert len(two.signals('scale_down')) == 1

    # Every member that joined came up through its own guest's signal.
    records = cloud.guest_records()
    for stack in stacks:
        assert all(records[s]['returncodes'] == [0] for s in stack.created)


def wait_out_cooldown(cloud, name):
    """Until the group's cooldown ends (Heat starts one at its creation)."""
    metadata = cloud.json('stack', 'resource', 'metadata',
                          ceilometer.server_group_of(cloud, name), 'group')
    (end,) = metadata['cooldown_end']
    time.sleep(max(0, helpers.epoch(end) - time.time() + 1))


def test_two_alarms_at_once_add_one_member(cloud):
    """Two signals in the same instant, as two alarms' notifiers send them."""
    name = test_stacks.stack_name('twice')
    test_stacks.container(cloud, name, 'image=busybox:1.36',
                          'command=["true"]', 'min_size=1', 'max_size=3',
                          'cooldown=%d' % COOLDOWN)
    try:
        wait_out_cooldown(cloud, name)
        url = cloud.output(name, 'scale_up_url')
        barrier = threading.Barrier(2)
        statuses = []

        def signal():
            request = urllib.request.Request(url, data=b'', method='POST')
            barrier.wait()
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses.append(response.status)
        threads = [threading.Thread(target=signal) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200, 200]
        test_stacks.wait_for_size(cloud, name, 2)
        # Heat may record a SIGNAL_COMPLETE event for each signal; what
        # counts is that only one of them added a member.
        time.sleep(2 * minicloud.EVALUATION_INTERVAL)
        assert cloud.output(name, 'current_size') == 2
        assert len(cloud.output(name, 'servers')) == 2
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)

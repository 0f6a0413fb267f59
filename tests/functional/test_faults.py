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

"""Faults a cloud has, survived: nothing lost and nothing leaked after.

Each test ends with nothing of its own left: no stack, server, port,
security group or volume (helpers.Cloud.leftovers).
"""

import contextlib
import os
import signal
import subprocess
import sys

import pytest

from tests.functional import real_vms
from tests.functional import test_stacks
from tools.minicloud import guest_sim
from tools.minicloud import helpers
from tools.minicloud import minicloud

BUSYBOX = ('image=busybox:1.36', 'command=["sleep", "infinity"]')


def delete(cloud, name):
    cloud.openstack('stack', 'delete', '--yes', '--wait', name)


@contextlib.contextmanager
def two_members(cloud, prefix, *parameters):
    """A container of two members; deleted after, nothing left behind."""
    name = test_stacks.stack_name(prefix)
    test_stacks.container(cloud, name, *BUSYBOX, 'min_size=2',
                          'max_size=2', *parameters)
    try:
        yield name
    finally:
        delete(cloud, name)
    assert cloud.leftovers(name) == {}


def test_delete_with_members_already_gone_leaves_nothing(cloud):
    with two_members(cloud, 'gone') as name:
        servers = cloud.output(name, 'servers')
        # Behind Heat's back: an operator's cleanup, or a host lost.
        cloud.openstack('server', 'delete', '--wait', *servers,
                        cloud='minicloud-admin')


def break_server(cloud, server):
    """As a failed host leaves it: in ERROR (`nova reset-state`)."""
    cloud.request('POST', 'nova', '/v2.1/servers/%s/action' % server,
                  {'os-resetState': {'state': 'error'}},
                  cloud='minicloud-admin')


def update_existing_with(cloud, name, *parameters):
    args = [arg for parameter in parameters
            for arg in ('--parameter', parameter)]
    cloud.openstack('stack', 'update', '--existing', '--wait', *args, name,
                    check=False)
    stack = cloud.stack(name)
    assert stack['stack_status'] == 'UPDATE_COMPLETE', \
        stack['stack_status_reason']


def assert_healed(cloud, name, broken, healthy):
    """The broken member replaced, whole and ready; the healthy one kept."""
    servers = cloud.output(name, 'servers')
    assert len(servers) == 2 and healthy in servers
    assert broken not in servers
    (new,) = set(servers) - {healthy}
    assert cloud.get('nova', '/v2.1/servers/' + new)['server'][
        'status'] == 'ACTIVE'
    assert cloud.guest_records()[new]['returncodes'] == [0]


def test_a_member_in_error_is_found_by_check_and_healed_by_update(cloud):
    with two_members(cloud, 'heal') as name:
        broken, healthy = cloud.output(name, 'servers')
        break_server(cloud, broken)
        cloud.openstack('stack', 'check', '--wait', name, check=False)
        stack = cloud.stack(name)
        assert stack['stack_status'] == 'CHECK_FAILED'
        reason = stack['stack_status_reason']
        assert 'Members not running: ' in reason
        assert 'server %s is ERROR' % broken in reason, reason

        update_existing_with(cloud, name)
        assert_healed(cloud, name, broken, healthy)

        # Again, with no check first: the update alone finds and heals.
        broken, healthy = cloud.output(name, 'servers')
        break_server(cloud, broken)
        update_existing_with(cloud, name)
        assert_healed(cloud, name, broken, healthy)


def image_runs(cloud, servers):
    """server -> the image its guest ran, and whether it became ready."""
    records = cloud.guest_records()
    runs = {}
    for server in servers:
        (run,) = [c['argv'] for c in records[server]['calls']
                  if c['cmd'] == 'docker' and c['argv'][0] == 'run']
        image = [word for word in run if word.startswith('busybox:')]
        runs[server] = (image[0], records[server]['returncodes'] == [0])
    return runs


def update_to_unhealthy_release(cloud, name, rollback=False):
    """A release whose container runs but never passes its check.

    The update waits for the new guest's signal, and fails on it. Returns
    the stack once the update (and the rollback, if any) has ended.
    """
    cloud.openstack('stack', 'update', '--existing', '--wait', '--rollback',
                    'enabled' if rollback else 'disabled', '--parameter',
                    'image=busybox:1.37-unhealthy', name, check=False)
    if not rollback:
        return cloud.stack(name)

    def rolled_back():
        stack = cloud.stack(name)
        if stack['stack_status'] in ('ROLLBACK_COMPLETE', 'ROLLBACK_FAILED'):
            return stack
    return helpers.wait_until(rolled_back, 'the rollback of %s' % name)


def test_failed_image_update_rolled_back_or_stopped_then_rolled_forward(
        cloud):
    with two_members(cloud, 'badrelease', 'rolling_min_in_service=1',
                     'rolling_max_batch_size=1',
                     'health_check_command=wget -q -O- 127.0.0.1') as name:
        old = cloud.output(name, 'servers')

        # With rollback: the member it reached is rolled back to the old
        # release, whole; the other is kept as it was.
        stack = update_to_unhealthy_release(cloud, name, rollback=True)
        assert stack['stack_status'] == 'ROLLBACK_COMPLETE', \
            stack['stack_status_reason']
        serving = cloud.output(name, 'servers')
        assert len(serving) == 2 and len(set(serving) & set(old)) == 1
        assert set(image_runs(cloud, serving).values()) == {
            ('busybox:1.36', True)}

        # Without: it stops at the first batch. The other member was not
        # touched and serves the old release, alone in the outputs.
        old = serving
        stack = update_to_unhealthy_release(cloud, name)
        assert stack['stack_status'] == 'UPDATE_FAILED'
        assert 'the container is unhealthy: health check failed' in \
            stack['stack_status_reason'], stack['stack_status_reason']
        serving = cloud.output(name, 'servers')
        assert len(serving) == 1 and set(serving) <= set(old)
        assert image_runs(cloud, serving) == {
            serving[0]: ('busybox:1.36', True)}

        # A good release rolls forward over both.
        update_existing_with(cloud, name, 'image=busybox:1.37')
        new = cloud.output(name, 'servers')
        assert len(new) == 2 and not set(new) & set(old)
        assert set(image_runs(cloud, new).values()) == {
            ('busybox:1.37', True)}


def test_an_update_retries_a_failed_create_once_the_image_is_pushed(cloud):
    name = test_stacks.stack_name('retry')
    # A release not pushed yet: the guests' pulls fail (guest_runner).
    missing = cloud.state / guest_sim.MISSING_IMAGE_FILE
    missing.write_text('busybox:1.38\n')
    booted_before = set(cloud.guest_records())
    try:
        test_stacks.container(cloud, name, 'image=busybox:1.38',
                              'command=["sleep", "infinity"]', 'min_size=2',
                              'max_size=2', check=False)
        stack = cloud.stack(name)
        assert stack['stack_status'] == 'CREATE_FAILED'
        assert 'manifest unknown' in stack['stack_status_reason']
        failed = set(cloud.guest_records()) - booted_before

        # Pushed: the same template again boots new guests, which pull it.
        missing.unlink()
        update_existing_with(cloud, name)
        servers = cloud.output(name, 'servers')
        assert len(servers) == 2 and not set(servers) & failed
        assert set(image_runs(cloud, servers).values()) == {
            ('busybox:1.38', True)}
    finally:
        missing.unlink(missing_ok=True)
        delete(cloud, name)
    assert cloud.leftovers(name) == {}


def test_five_stacks_created_at_once_all_complete(cloud):
    """Five containers created in the same moment all complete."""
    prefix = test_stacks.stack_name('five')
    names = ['%s-%d' % (prefix, number) for number in range(5)]
    try:
        for name in names:
            test_stacks.container(cloud, name, *BUSYBOX, wait=False)
        for name in names:
            stack = cloud.wait_for_stack(name)
            assert stack['stack_status'] == 'CREATE_COMPLETE', \
                stack['stack_status_reason']
            assert cloud.output(name, 'current_size') == 1
    finally:
        for name in names:
            cloud.openstack('stack', 'delete', '--yes', name, check=False)
        for name in names:
            helpers.wait_until(lambda name=name: stack_gone(cloud, name),
                               '%s deleted' % name)
    assert cloud.leftovers(prefix) == {}


def stack_gone(cloud, name):
    stacks = cloud.get('heat', '/v1/{project}/stacks?stack_name=' + name)
    return not stacks['stacks']


def restart_heat_engine():
    subprocess.run([sys.executable, str(helpers.MINICLOUD), 'restart',
                    'heat-engine'], check=True)


@pytest.mark.disruptive
def test_heat_engine_killed_mid_create_then_delete_leaves_nothing(cloud):
    name = test_stacks.stack_name('killed')
    # A guest that never signals keeps the create in progress.
    test_stacks.container(cloud, name, *BUSYBOX, 'ready_timeout=600',
                          'metadata={"minicloud_guest": "hung"}', wait=False)
    try:
        helpers.wait_until(lambda: 'servers' in cloud.leftovers(name),
                           'a member server')
        os.killpg(minicloud.running_pid('heat-engine'), signal.SIGKILL)
        restart_heat_engine()
        # Heat's convergence engine leaves a dead engine's work as it was:
        # in progress, until the user cancels it (or deletes the stack).
        assert cloud.stack(name)['stack_status'] == 'CREATE_IN_PROGRESS'
        cloud.openstack('stack', 'cancel', '--no-rollback', '--wait', name,
                        check=False)
        stack = cloud.wait_for_stack(name)
        assert stack['stack_status'] == 'CREATE_FAILED', stack[
            'stack_status']
    finally:
        delete(cloud, name)
    assert cloud.leftovers(name) == {}


@pytest.mark.disruptive
def test_up_after_a_crash_starts_what_is_down_and_keeps_the_data(cloud):
    # A service that crashed: "up" starts it again, and only it; the
    # cloud's data (the Glance image "up" pushed) is as it was.
    image_id = real_vms.glance_memcached_id(cloud)
    os.killpg(minicloud.running_pid('aodh-api'), signal.SIGKILL)
    helpers.wait_until(lambda: minicloud.running_pid('aodh-api') is None,
                       'aodh-api gone', timeout=30, step=0.5)
    result = subprocess.run([sys.executable, str(helpers.MINICLOUD), 'up'],
                            capture_output=True, text=True, check=True)
    assert 'aodh-api: not running; starting again' in result.stdout
    states = {name: minicloud.service_state(name, url) for name, (
        _argv, url) in minicloud.services().items()}
    assert states['aodh-api'] == 'healthy', states
    assert real_vms.glance_memcached_id(cloud) == image_id

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

"""The real-VM stacks of tests/functional: what they run, how to wait.

A server booted from the minicloud's "cvm-host-vm" image (the image
heat-cvm-build-host-image built) runs in a real VM (qemu, software
emulation). Each boot takes minutes, so tests/functional/conftest.py
creates these stacks before the first functional test, their VMs boot
while the other tests run, and test_real_guest.py (ordered last) checks
them.
"""

import time

from tests.functional import test_stacks
from tools.minicloud import helpers

VM_IMAGE = 'cvm-host-vm'
# [cvm] ready_timeout of the minicloud (tools/minicloud/etc/heat.conf).
CLOUD_READY_TIMEOUT = 1200
READY_TIMEOUT = CLOUD_READY_TIMEOUT
PROBE = 'probe'
# What "up" pushed to heat-cvm-registry as the demo user
# (tools/minicloud/cloud_setup.py): a Glance image of the demo project.
GLANCE_MEMCACHED = 'memcached:1.6'

# A sample of the property-based test's corpus (tests/unit/test_guest_runs:
# anything a user can type but a line break or NUL): shell, YAML, JSON,
# systemd and heat-cvm placeholder syntax, quotes, edges, other scripts.
HOSTILE = [
    "$(touch /tmp/pwned) `id` ${HOME} $$ ; rm -rf / && echo ok | cat &",
    'single \' and double " quotes \\ backslash \\"',
    '%n %i %% %%CVM_SIGNAL_TOKEN%% %s %(name)s',
    '- not: [a, list]  # nor a comment',
    '  leading and trailing spaces  ',
    '',
    '--privileged',
    '\ttab\tand\x0bvertical tab',
    'yes',
    'κόσμε 日本語 🐳 \u202e',
    '{"json": true}',
    '*.txt ? [a-z] ~ !',
]
SHELL_PREFIX = ['/bin/sh', '-c', 'exec sleep 3600', 'sh']


def glance_memcached_id(cloud):
    [image] = cloud.images_named(GLANCE_MEMCACHED)
    return image['id']


def wait_for_stack(cloud, name):
    """A real VM's stack once settled (its boot may last ready_timeout)."""
    return cloud.wait_for_stack(name, READY_TIMEOUT + 120)


def create_memcached(cloud, name, image=None, glance_image=None):
    source = ('glance_image=%s' % glance_image if glance_image
              else 'image=%s' % image)
    cloud.openstack('stack', 'create', '-t',
                    str(test_stacks.EXAMPLES / 'memcached.yaml'),
                    '--parameter', 'host_image=%s' % VM_IMAGE,
                    '--parameter', source, name)


def probe_environment():
    """A container whose argv and environment are the hostile strings."""
    return {'parameters': {
        'name': PROBE,
        'image': helpers.REGISTRY + '/busybox:latest',
        'command': SHELL_PREFIX + HOSTILE,
        'environment': {'V%d' % i: text for i, text in enumerate(HOSTILE)},
        'secret_environment': {'S_SECRET': HOSTILE[0]},
        'host_image': VM_IMAGE,
    }}


def wait_for_vms(cloud, count, since, timeout=300):
    """Until the guest runner has started ``count`` VMs since ``since``.

    Then every server, port and security group of the stacks exists: the
    session's counts at its start and end (conftest.py) compare alike.
    """
    deadline = time.monotonic() + timeout
    while True:
        started = [path for path in (cloud.state / 'guests').glob(
            '*/vm.json') if path.stat().st_mtime >= since]
        if len(started) >= count:
            return
        assert time.monotonic() < deadline, 'VMs started: %d' % len(started)
        time.sleep(3)

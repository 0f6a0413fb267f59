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

"""Real VMs boot first: their stacks are created before any other test.

A real VM takes minutes to boot under software emulation; created at the
start of the session, the VMs boot while the other functional tests run,
and their tests (test_real_guest.py, marked "background", ordered after
the others by tests/conftest.py) find them ready.
"""

import subprocess
import time

import pytest
import yaml

from tests.functional import real_vms
from tests.functional import test_stacks
from tools.minicloud import helpers


def boots_real_vms(session):
    """Whether a test of this session uses the real VMs' stacks."""
    return any('vm_stacks' in item.fixturenames for item in session.items)


@pytest.fixture(scope='session', autouse=True)
def real_vms_boot_first(request):
    if boots_real_vms(request.session):
        request.getfixturevalue('vm_stacks')


@pytest.fixture
def vms_booted(request, cloud):
    """Until the real VMs booted (settled), if this session boots them.

    Three emulated boots take the machine's CPU for minutes; a test that
    times the cloud's periods (marked "quiet") waits for them to end.
    """
    if boots_real_vms(request.session):
        for name in request.getfixturevalue('vm_stacks').values():
            real_vms.wait_for_stack(cloud, name)


@pytest.fixture(scope='session')
def ssh_key(cloud, tmp_path_factory):
    """A Nova key pair (its private key a file here), deleted after."""
    path = tmp_path_factory.mktemp('ssh') / 'id_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                    str(path)], check=True)
    name = test_stacks.stack_name('vm-key')
    cloud.openstack('keypair', 'create', '--public-key',
                    str(path) + '.pub', name)
    try:
        yield name, path
    finally:
        cloud.openstack('keypair', 'delete', name, check=False)


@pytest.fixture(scope='session')
def vm_stacks(cloud, ssh_key, tmp_path_factory):
    """The stacks, created at once: their VMs boot side by side."""
    before = cloud.counts()
    since = time.time()
    names = {'memcached': test_stacks.stack_name('vm-memcached'),
             'missing': test_stacks.stack_name('vm-missing'),
             real_vms.PROBE: test_stacks.stack_name('vm-probe')}
    # The Glance image "up" pushed to heat-cvm-registry: the VM pulls it
    # with its pull grant.
    real_vms.create_memcached(cloud, names['memcached'],
                              glance_image=real_vms.GLANCE_MEMCACHED)
    real_vms.create_memcached(cloud, names['missing'],
                              helpers.REGISTRY + '/nothing-here:1')
    environment = tmp_path_factory.mktemp('probe') / 'probe.yaml'
    environment.write_text(yaml.safe_dump(real_vms.probe_environment()))
    cloud.openstack('stack', 'create', '-t',
                    str(helpers.REPO / 'templates' / 'container.yaml'),
                    '-e', str(environment), '--parameter',
                    'key_name=%s' % ssh_key[0], names[real_vms.PROBE])
    try:
        real_vms.wait_for_vms(cloud, len(names), since)
        yield names
    finally:
        for name in names.values():
            cloud.openstack('stack', 'delete', '--yes', '--wait', name,
                            check=False)
    assert cloud.counts() == before

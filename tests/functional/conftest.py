"""What waits on a clock starts first, and runs beside the other tests.

A real VM takes minutes to boot under software emulation, and an
autoscaling scenario minutes of Aodh's periods: the VMs' stacks are
created, and the scenarios started (in the "alt" project, so that the
other tests' counts of their own project stay still), before any other
test. Their tests (test_real_guest.py and test_autoscaling.py, ordered
last by tests/conftest.py) find them done.
"""

import subprocess
import time

import pytest
import yaml

from tests.functional import helpers
from tests.functional import real_vms
from tests.functional import test_autoscaling
from tests.functional import test_faults
from tests.functional import test_stacks


# What the tests marked "background" take their outcome from.
BACKGROUND_FIXTURES = ('vm_stacks', 'alt_scenarios')


@pytest.fixture(scope='session', autouse=True)
def background_first(request):
    wanted = {name for item in request.session.items
              if item.get_closest_marker('background')
              for name in item.fixturenames if name in BACKGROUND_FIXTURES}
    for name in BACKGROUND_FIXTURES:
        if name in wanted:
            request.getfixturevalue(name)


@pytest.fixture(scope='session')
def alt_scenarios(cloud):
    """The scenarios that run in the "alt" project, one after the other."""
    scenarios = helpers.Background(
        helpers.Cloud(cloud.state, user='minicloud-alt'),
        test_autoscaling.scale_out_and_in,
        test_autoscaling.two_signals_at_once,
        test_faults.five_stacks_at_once)
    yield scenarios
    # Its stacks deleted before the cloud goes down.
    scenarios.join()


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
    real_vms.create_memcached(cloud, names['memcached'],
                              helpers.REGISTRY + '/memcached:1.6')
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

"""The minicloud for the functional tests: up before, down after.

``minicloud up`` is idempotent, so a developer's running cloud is reused;
set MINICLOUD_KEEP=1 to leave it running after the tests.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MINICLOUD = REPO / 'tools' / 'minicloud' / 'minicloud.py'
STATE = pathlib.Path(os.environ.get('MINICLOUD_STATE', REPO / '.minicloud'))


class Cloud:
    """The openstack CLI of the minicloud's venv, as a user runs it."""

    def __init__(self, state):
        self.state = state
        self.env = dict(os.environ,
                        OS_CLIENT_CONFIG_FILE=str(state / 'clouds.yaml'),
                        PYTHONWARNINGS='ignore')

    def openstack(self, *args, cloud='minicloud', check=True):
        result = subprocess.run(
            [str(self.state / 'venv' / 'bin' / 'openstack'),
             '--os-cloud', cloud] + list(args),
            capture_output=True, text=True, env=self.env, cwd=str(REPO))
        if check and result.returncode:
            raise AssertionError('openstack %s failed: %s' % (
                ' '.join(args), result.stderr))
        return result

    def json(self, *args, cloud='minicloud'):
        return json.loads(self.openstack(*args, '-f', 'json',
                                         cloud=cloud).stdout)

    def counts(self):
        admin = 'minicloud-admin'
        return {
            'servers': len(self.json('server', 'list', '--all-projects',
                                     cloud=admin)),
            'ports': len(self.json('port', 'list', cloud=admin)),
            # Neutron makes each project's "default" group on first use.
            'security_groups': len([
                g for g in self.json('security', 'group', 'list',
                                     cloud=admin)
                if g['Name'] != 'default']),
            'stacks': len(self.json('stack', 'list')),
            'volumes': len(self.json('volume', 'list', '--all-projects',
                                     cloud=admin)),
        }

    def guest_records(self):
        records = {}
        for path in (self.state / 'guests').glob('*/result.json'):
            record = json.loads(path.read_text())
            records[record['server']] = record
        return records


@pytest.fixture(scope='session')
def cloud():
    subprocess.run([sys.executable, str(MINICLOUD), 'up'], check=True)
    try:
        yield Cloud(STATE)
    finally:
        if not os.environ.get('MINICLOUD_KEEP'):
            subprocess.run([sys.executable, str(MINICLOUD), 'down'],
                           check=True)

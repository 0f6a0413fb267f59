"""The minicloud as the functional and e2e tests use it.

The ``cloud`` fixture (tests/conftest.py) brings it up before and down
after; ``minicloud up`` is idempotent, so a developer's running cloud is
reused; set MINICLOUD_KEEP=1 to leave it running after the tests.
"""

import datetime
import json
import os
import pathlib
import subprocess
import urllib.request

from tools.minicloud import minicloud

REPO = pathlib.Path(__file__).resolve().parents[2]
MINICLOUD = REPO / 'tools' / 'minicloud' / 'minicloud.py'
STATE = minicloud.STATE
HORIZON_URL = minicloud.HORIZON_URL
# The local registry as a guest names it (the cloud's host name).
REGISTRY = '%s:%d' % (minicloud.API_HOST, minicloud.PORTS['registry'])


class Cloud:
    """The openstack CLI of the minicloud's venv, as a user runs it."""

    def __init__(self, state):
        self.state = state
        self._tokens = {}
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

    def token(self, cloud='minicloud'):
        """A token of ``cloud``'s user (id and project_id), kept."""
        if cloud not in self._tokens:
            self._tokens[cloud] = self.json('token', 'issue', cloud=cloud)
        return self._tokens[cloud]

    def get(self, service, path, cloud='minicloud'):
        """GET a service's API path, as a user's script polls it.

        One HTTP request instead of a CLI process, for what a test asks
        every few seconds. ``{project}`` in ``path`` is the user's project.
        """
        token = self.token(cloud)
        url = 'http://127.0.0.1:%d%s' % (minicloud.PORTS[service],
                                         path.format(
                                             project=token['project_id']))
        request = urllib.request.Request(url, headers={
            'X-Auth-Token': token['id'], 'Accept': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

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

    def terminated_at(self, server):
        """When Nova was asked to delete the server (epoch), or None."""
        actions = self.json('server', 'event', 'list',
                            '--os-compute-api-version', '2.21', server,
                            cloud='minicloud-admin')
        for action in actions:
            if action['Action'] == 'delete':
                when = datetime.datetime.fromisoformat(action['Start Time'])
                return when.replace(tzinfo=datetime.timezone.utc).timestamp()
        return None

    def vm_record(self, server):
        """The guest runner's record of a server's real VM."""
        path = self.state / 'guests' / server / 'vm.json'
        return json.loads(path.read_text()) if path.exists() else None

    def guest_records(self):
        records = {}
        for path in (self.state / 'guests').glob('*/result.json'):
            record = json.loads(path.read_text())
            records[record['server']] = record
        return records


def process_exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False

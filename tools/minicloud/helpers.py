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

"""The minicloud as its users see it.

As the functional and e2e tests and the benchmarks (bench/) use it. The
``cloud`` fixture (tests/conftest.py) brings it up before and down
after; ``minicloud up`` is idempotent, so a developer's running cloud is
reused; set MINICLOUD_KEEP=1 to leave it running after the tests.
"""

import datetime
import json
import os
import pathlib
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

from tools.minicloud import minicloud

REPO = pathlib.Path(__file__).resolve().parents[2]
MINICLOUD = REPO / 'tools' / 'minicloud' / 'minicloud.py'
STATE = minicloud.STATE
HORIZON_URL = minicloud.HORIZON_URL
# The local registry as a guest names it (the cloud's host name).
REGISTRY = '%s:%d' % (minicloud.API_HOST, minicloud.PORTS['registry'])
# heat-cvm-registry, which serves Glance's docker-format images.
CVM_REGISTRY = minicloud.CVM_REGISTRY


class Cloud:
    """The minicloud as one of its users sees it.

    The openstack CLI of the minicloud's venv, as a user types it, and the
    REST APIs, as a user's script polls them (one HTTP request instead of
    a CLI process that costs a second of CPU to start). ``user`` is the
    clouds.yaml entry ("minicloud": the demo project).
    """

    def __init__(self, state, user='minicloud'):
        self.state = state
        self.user = user
        self._tokens = {}
        self.env = dict(os.environ,
                        OS_CLIENT_CONFIG_FILE=str(state / 'clouds.yaml'),
                        PYTHONWARNINGS='ignore')

    def openstack(self, *args, cloud=None, check=True):
        result = subprocess.run(
            [str(self.state / 'venv' / 'bin' / 'openstack'),
             '--os-cloud', cloud or self.user] + list(args),
            capture_output=True, text=True, env=self.env, cwd=str(REPO))
        if check and result.returncode:
            raise AssertionError('openstack %s failed: %s' % (
                ' '.join(args), result.stderr))
        return result

    def json(self, *args, cloud=None):
        return json.loads(self.openstack(*args, '-f', 'json',
                                         cloud=cloud).stdout)

    def token(self, cloud=None):
        """A token of ``cloud``'s user: {'id', 'project_id'}, kept."""
        cloud = cloud or self.user
        if cloud not in self._tokens:
            self._tokens[cloud] = _password_token(
                self.state / 'clouds.yaml', cloud)
        return self._tokens[cloud]

    def request(self, method, service, path, body=None, cloud=None,
                headers=()):
        """An API call; ``{project}`` in ``path`` is the user's project.

        A token that expired on the way (a cloud kept for hours) is
        renewed once.
        """
        cloud = cloud or self.user
        for attempt in (1, 2):
            token = self.token(cloud)
            url = 'http://127.0.0.1:%d%s' % (
                minicloud.PORTS[service],
                path.format(project=token['project_id']))
            try:
                return _call(method, url, body, {
                    'X-Auth-Token': token['id'], **dict(headers)})
            except urllib.error.HTTPError as error:
                if error.code != 401 or attempt == 2:
                    raise
                del self._tokens[cloud]

    def get(self, service, path, cloud=None, headers=()):
        return self.request('GET', service, path, cloud=cloud,
                            headers=headers)

    def images_named(self, name, cloud=None):
        """Glance's images named exactly ``name`` that ``cloud`` sees.

        (Glance reads "repo:tag" in a name filter as operator "repo": the
        "in" operator, quoted, takes it whole.)
        """
        return self.get('glance', '/v2/images?name=%s' % urllib.parse.quote(
            'in:"%s"' % name), cloud=cloud)['images']

    def stack(self, name):
        """Heat's view of a stack, by name or ID, outputs unresolved.

        (As `openstack stack show` asks: resolving every output loads
        every nested stack in heat-engine, whose one worker also handles
        the scaling signals. A GET by name follows Heat's redirect.)
        """
        return self.get('heat', '/v1/{project}/stacks/%s?resolve_outputs='
                        'False' % name)['stack']

    def output(self, name, key):
        stack = self.stack(name)
        return self.get('heat', '/v1/{project}/stacks/%s/%s/outputs/%s' % (
            stack['stack_name'], stack['id'], key))['output']['output_value']

    def wait_for_stack(self, name, timeout=600):
        """The stack once it is no longer IN_PROGRESS."""
        def settled():
            stack = self.stack(name)
            if not stack['stack_status'].endswith('IN_PROGRESS'):
                return stack
        return wait_until(settled, lambda: '%s settled: %s' % (
            name, self.stack(name)['stack_status']), timeout, step=5)

    def counts(self):
        """How much the user's project holds, by kind.

        The session's "nothing leaked" compares them at its start and end.
        """
        return {'servers': len(self._servers()),
                'ports': len(self._ports()),
                'security_groups': len(self._security_groups()),
                'stacks': len(self._stacks()),
                'volumes': len(self._volumes())}

    def leftovers(self, prefix):
        """What one test left behind: kind -> names, empty if nothing.

        Heat names what it makes after its stack ("<stack>-<resource>-
        <suffix>": nested stacks, ports, security groups, volumes), so a
        test whose stacks share a name prefix finds its own, whatever
        other tests leave. Servers (whose names Heat shortens) go by their
        ports. A server without ports, or a port whose server is gone, is
        anyone's leak: reported to whoever looks.
        """
        servers = {s['id']: s['name'] for s in self._servers()}
        ports = self._ports()
        ours = {p['device_id'] for p in ports if p['name'].startswith(prefix)}
        attached = {p['device_id'] for p in ports}
        found = {
            'stacks': [s['stack_name'] for s in self._stacks(nested=True)
                       if s['stack_name'].startswith(prefix)],
            'servers': [name for server, name in servers.items()
                        if server in ours or server not in attached],
            'ports': [p['name'] or p['id'] for p in ports
                      if p['name'].startswith(prefix)
                      or p['device_owner'].startswith('compute:')
                      and p['device_id'] not in servers],
            'security_groups': [g['name'] for g in self._security_groups()
                                if g['name'].startswith(prefix)],
            'volumes': [v['name'] for v in self._volumes()
                        if (v['name'] or '').startswith(prefix)],
        }
        return {kind: names for kind, names in found.items() if names}

    def _admin_list(self, service, path, kind):
        """The user's project's ``kind``, as the admin lists them."""
        return self.get(service, path + self.token()['project_id'],
                        cloud='minicloud-admin')[kind]

    def _servers(self):
        return self._admin_list(
            'nova', '/v2.1/servers?all_tenants=1&project_id=', 'servers')

    def _ports(self):
        return self._admin_list('neutron', '/v2.0/ports?project_id=',
                                'ports')

    def _security_groups(self):
        # Neutron makes each project's "default" group on first use.
        return [g for g in self._admin_list(
            'neutron', '/v2.0/security-groups?project_id=',
            'security_groups') if g['name'] != 'default']

    def _stacks(self, nested=False):
        return self.get('heat', '/v1/{project}/stacks?show_nested=%s'
                        % nested)['stacks']

    def _volumes(self):
        return self.get('cinder', '/v3/{project}/volumes')['volumes']

    def terminated_at(self, server):
        """When Nova was asked to delete the server (epoch), or None."""
        actions = self.json('server', 'event', 'list',
                            '--os-compute-api-version', '2.21', server,
                            cloud='minicloud-admin')
        for action in actions:
            if action['Action'] == 'delete':
                return epoch(action['Start Time'])
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


def wait_until(check, what, timeout=600, step=2):
    """What ``check()`` returns once it is true.

    ``what``: the awaited thing, or a function that tells, for the error.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, 'never: %s' % (
            what() if callable(what) else what)
        time.sleep(step)


def epoch(text):
    """Seconds since the epoch of Heat's and Nova's UTC times."""
    when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    return when.replace(tzinfo=datetime.timezone.utc).timestamp()


def _send(method, url, body=None, headers=()):
    data = None if body is None else json.dumps(body).encode()
    return urllib.request.urlopen(urllib.request.Request(
        url, data=data, method=method, headers={
            'Accept': 'application/json',
            'Content-Type': 'application/json', **dict(headers)}),
        timeout=30)


def _call(method, url, body=None, headers=()):
    with _send(method, url, body, headers) as response:
        text = response.read()
    return json.loads(text) if text else None


def _password_token(clouds_yaml, cloud):
    """A project-scoped token of a clouds.yaml entry, from Keystone."""
    auth = yaml.safe_load(clouds_yaml.read_text())['clouds'][cloud]['auth']
    with _send('POST', auth['auth_url'] + '/auth/tokens', {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': auth['username'], 'password': auth['password'],
                'domain': {'name': auth['user_domain_name']}}}},
            'scope': {'project': {
                'name': auth['project_name'],
                'domain': {'name': auth['project_domain_name']}}}}}) as answer:
        return {'id': answer.headers['X-Subject-Token'],
                'project_id': json.loads(answer.read())[
                    'token']['project']['id']}


def process_exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False

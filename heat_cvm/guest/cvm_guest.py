#!/usr/bin/python3
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

"""heat-cvm guest helper: runs one container as described by container.json.

Shipped inside each member's user data (see heat_cvm/cloudinit.py) and run
by cloud-init and by the container's systemd unit:

    cvm-guest start DIR     cloud-init, once: volumes, login, pull, start the
                            unit, wait for the container, signal Heat
    cvm-guest prestart DIR  the unit's ExecStartPre: metadata block, cleanup,
                            environment file
    cvm-guest run DIR       the unit's ExecStart: exec the docker run argv

User strings arrive as JSON and leave as argv lists: nothing here builds a
shell command. Standard library only, so any cloud-init guest can run it.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

SIGNAL_ATTEMPTS = 10
POLL_SECONDS = 2
DEVICE_WAIT_SECONDS = 120
# Leave Heat's own wait-condition timeout to the guest's reason.
TIMEOUT_MARGIN_SECONDS = 30
# The root the guest's files live under: "/" on a real guest; the tests
# point it at a scratch directory. Paths handed to docker are not re-rooted.
ROOT = os.environ.get('CVM_ROOT', '/')


class GuestError(Exception):
    """A failure to report to Heat as the wait condition's reason."""


def rooted(path):
    return os.path.join(ROOT, path.lstrip('/'))


def log(message):
    print('heat-cvm: %s' % message, file=sys.stderr, flush=True)


def load(directory):
    with open(rooted(os.path.join(directory, 'container.json'))) as f:
        return json.load(f)


def run(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          **kwargs)


def last_line(text):
    lines = [line for line in (text or '').strip().splitlines() if line]
    return lines[-1] if lines else ''


def write_private(path, text):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


def signal(conf, status, reason, data=''):
    if not conf.get('signal_file'):
        return
    with open(rooted(conf['signal_file'])) as f:
        target = json.load(f)
    body = json.dumps({'status': status, 'reason': reason[:1000],
                       'data': data, 'id': socket.gethostname()})
    request = urllib.request.Request(
        target['url'], data=body.encode('utf-8'), method='POST',
        headers={'X-Auth-Token': target['token'],
                 'Content-Type': 'application/json',
                 'Accept': 'application/json'})
    for attempt in range(1, SIGNAL_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=30):
                log('signalled %s to Heat' % status)
                return
        except OSError as exc:
            # The token is in a header, never in what we log.
            log('signal attempt %d failed: %s' % (attempt, exc))
            time.sleep(min(2 ** attempt, 30))
    raise GuestError('could not signal Heat')


def volume_ids(conf):
    ids = {v['index']: v['volume_id'] for v in conf['volumes']
           if v.get('volume_id')}
    if os.path.exists(rooted(conf['volume_ids_file'])):
        with open(rooted(conf['volume_ids_file'])) as f:
            for line in f:
                index, volume_id = line.split()
                ids[int(index)] = volume_id
    return ids


def wait_for_device(volume_id):
    # Nova/virtio expose a volume by the first 20 characters of its ID.
    device = '/dev/disk/by-id/virtio-%s' % volume_id[:20]
    deadline = time.monotonic() + DEVICE_WAIT_SECONDS
    while not os.path.exists(rooted(device)):
        if time.monotonic() > deadline:
            raise GuestError('volume %s did not appear as %s'
                             % (volume_id, device))
        time.sleep(POLL_SECONDS)
    return device


def prepare_volumes(conf):
    ids = volume_ids(conf)
    for volume in conf['volumes']:
        device = wait_for_device(ids[volume['index']])
        if run(['blkid', device]).returncode == 2:  # no filesystem yet
            log('formatting %s' % device)
            result = run(['mkfs.ext4', '-q', device])
            if result.returncode:
                raise GuestError('mkfs.ext4 %s failed: %s'
                                 % (device, last_line(result.stderr)))
        os.makedirs(rooted(volume['path']), exist_ok=True)
        if run(['mountpoint', '-q', rooted(volume['path'])]).returncode:
            result = run(['mount', device, rooted(volume['path'])])
            if result.returncode:
                raise GuestError('mount %s failed: %s'
                                 % (device, last_line(result.stderr)))


def login(conf):
    login = conf.get('login')
    if not login:
        return
    argv = ['docker', 'login', '--username', login['username'],
            '--password-stdin']
    if login.get('registry'):
        argv.append(login['registry'])
    with open(rooted(login['password_file']), 'rb') as password:
        result = subprocess.run(argv, stdin=password, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                universal_newlines=True)
    if result.returncode:
        raise GuestError('docker login to %s failed: %s'
                         % (login.get('registry') or 'Docker Hub',
                            last_line(result.stderr)))


def pull(conf):
    log('pulling %s' % conf['image'])
    result = run(['docker', 'pull', conf['image']])
    if result.returncode:
        raise GuestError('docker pull %s failed: %s'
                         % (conf['image'], last_line(result.stderr)))


def block_metadata(conf):
    if not conf.get('block_metadata'):
        return
    rule = ['DOCKER-USER', '-d', conf['metadata_address'] + '/32',
            '-j', 'REJECT']
    try:
        if run(['iptables', '-C'] + rule).returncode:
            result = run(['iptables', '-I'] + rule)
            if result.returncode:
                raise GuestError('cannot block the metadata service: %s'
                                 % last_line(result.stderr))
    except FileNotFoundError:
        raise GuestError('iptables is missing: cannot block the metadata '
                         'service from the container')


def write_environment(conf):
    text = ''.join('%s=%s\n' % (key, value) for key, value
                   in sorted(conf['environment'].items()))
    write_private(rooted(conf['env_file']), text)


def container_state(conf):
    result = run(['docker', 'inspect', '--format', '{{json .State}}',
                  conf['container']])
    if result.returncode:
        return None
    return json.loads(result.stdout)


def unit_failed(conf):
    return run(['systemctl', 'is-failed', '--quiet',
                conf['unit']]).returncode == 0


def container_logs(conf):
    result = run(['docker', 'logs', '--tail', '5', conf['container']])
    return last_line(result.stdout + '\n' + result.stderr)


def health_output(state):
    """What the health check printed last time, on one line."""
    log = (state.get('Health') or {}).get('Log') or [{}]
    return last_line(log[-1].get('Output') or '') or 'no output'


def wait_until_running(conf, deadline):
    while True:
        state = container_state(conf) or {}
        health = (state.get('Health') or {}).get('Status')
        if state.get('Running') and (not conf['health_check']
                                     or health == 'healthy'):
            return
        if conf['health_check'] and health == 'unhealthy':
            # Docker gave up after the check's retries: waiting on would
            # only delay the failure a rolling update must see.
            raise GuestError('the container is unhealthy: %s'
                             % health_output(state))
        if state.get('Status') == 'exited' and state.get('ExitCode'):
            raise GuestError('the container exited with code %s: %s'
                             % (state['ExitCode'], container_logs(conf)))
        if unit_failed(conf):
            raise GuestError('%s failed: %s' % (conf['unit'],
                                                container_logs(conf)))
        if time.monotonic() > deadline:
            raise GuestError('the container was not %s within %d seconds'
                             % ('healthy' if conf['health_check']
                                else 'running', conf['ready_timeout']))
        time.sleep(POLL_SECONDS)


def cmd_start(conf):
    budget = max(conf['ready_timeout'] - TIMEOUT_MARGIN_SECONDS, 30)
    deadline = time.monotonic() + budget
    try:
        prepare_volumes(conf)
        login(conf)
        pull(conf)
        for argv in (['systemctl', 'daemon-reload'],
                     ['systemctl', 'enable', '--now', conf['unit']]):
            result = run(argv)
            if result.returncode:
                raise GuestError('%s failed: %s' % (' '.join(argv),
                                                    last_line(result.stderr)))
        wait_until_running(conf, deadline)
    except GuestError as exc:
        log(str(exc))
        signal(conf, 'FAILURE', str(exc))
        return 1
    signal(conf, 'SUCCESS', 'container %s is running' % conf['container'])
    return 0


def cmd_prestart(conf):
    block_metadata(conf)
    run(['docker', 'rm', '--force', conf['container']])
    write_environment(conf)
    return 0


def cmd_run(conf):
    os.execvp(conf['run'][0], conf['run'])


COMMANDS = {'start': cmd_start, 'prestart': cmd_prestart, 'run': cmd_run}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in COMMANDS:
        print('usage: cvm-guest {start|prestart|run} DIR', file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](load(argv[1]))
    except GuestError as exc:
        log(str(exc))
        return 1


if __name__ == '__main__':
    sys.exit(main())

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

"""Play a member's user data as its guest would, without a VM.

Two ways, both with the recording docker, systemctl, iptables and disk
tools of tools/minicloud/stand_ins.py instead of the real ones:

* boot_with_cloud_init(): Debian's real cloud-init runs its four stages
  in a throwaway root (cloudinit_root.py). The minicloud's guest runner
  uses it: what Nova holds is what a real cloud-init gets.
* boot() / boot_filled(): a quick player of ``write_files`` (decoding b64
  and gz+b64 as cloud-init does) and ``runcmd`` in a scratch directory,
  for the unit and property-based tests, which boot hundreds of guests
  and need neither root nor namespaces. The wait-condition signal goes
  to a real HTTP server on 127.0.0.1 that records what the guest POSTs.

The issue on real guests replaces the stand-ins with VMs.
"""

import base64
import contextlib
import glob
import gzip
import http.server
import json
import os
import subprocess
import sys
import threading

import yaml

from heat_cvm import cloudinit

# Imported as tools.minicloud.guest_sim by the tests, and as guest_sim next
# to guest_runner.py in the minicloud's venv, which has no "tools" package.
if __package__:
    from tools.minicloud import cloudinit_root
else:
    import cloudinit_root

STAND_INS = os.path.join(os.path.dirname(__file__), 'stand_ins.py')
TOKEN = 'test-token-0123456789abcdef'
# In the minicloud's state directory: while it names an image, the guest
# runner's simulated guests fail to pull it (a release not pushed yet).
MISSING_IMAGE_FILE = 'registry-missing'


class _SignalHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.server.signals.append({'token': self.headers['X-Auth-Token'],
                                    'path': self.path,
                                    'body': json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def signal_server():
    server = http.server.HTTPServer(('127.0.0.1', 0), _SignalHandler)
    server.signals = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _decode(entry):
    content = entry.get('content', '')
    encoding = entry.get('encoding')
    if encoding == 'b64':
        return base64.b64decode(content)
    if encoding == 'gz+b64':
        return gzip.decompress(base64.b64decode(content))
    return content.encode('utf-8')


def write_files(document, root):
    for entry in document.get('write_files', []):
        path = os.path.join(root, entry['path'].lstrip('/'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(_decode(entry))
        os.chmod(path, int(entry.get('permissions', '0644'), 8))


def volume_devices(root):
    """The by-id device paths of the member's volumes (under ``root``)."""
    devices = []
    for directory in glob.glob(os.path.join(root, 'etc/heat-cvm/*')):
        with open(os.path.join(directory, 'container.json')) as f:
            conf = json.load(f)
        ids = [v['volume_id'] for v in conf['volumes'] if v['volume_id']]
        ids_file = os.path.join(root, conf['volume_ids_file'].lstrip('/'))
        if os.path.exists(ids_file):
            with open(ids_file) as f:
                ids += [line.split()[1] for line in f if line.strip()]
        devices += ['/dev/disk/by-id/virtio-' + volume_id[:20]
                    for volume_id in ids]
    return devices


def attach_volumes(root):
    """Make the attached volumes' devices appear, as Nova and udev would."""
    for device in volume_devices(root):
        path = os.path.join(root, device.lstrip('/'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'w').close()


STAND_IN_NAMES = ('docker', 'systemctl', 'iptables', 'blkid', 'mkfs.ext4',
                  'mountpoint', 'mount')


def _install_stand_ins(bin_dir):
    os.makedirs(bin_dir, exist_ok=True)
    for name in STAND_IN_NAMES:
        path = os.path.join(bin_dir, name)
        with open(path, 'w') as f:
            f.write('#!%s\nimport sys\nsys.path.insert(0, %r)\n'
                    'import stand_ins\n'
                    'sys.exit(stand_ins.COMMANDS[%r](sys.argv[1:]))\n'
                    % (sys.executable, os.path.dirname(STAND_INS), name))
        os.chmod(path, 0o755)


class Run:
    """What a simulated boot did: commands, signals and exit codes."""

    def __init__(self, root, record, signals, returncodes):
        self.root = root
        self.signals = signals
        self.returncodes = returncodes
        with open(record) as f:
            self.calls = [json.loads(line) for line in f]

    def commands(self, name):
        return [c for c in self.calls if c['cmd'] == name]

    @property
    def docker_runs(self):
        return [c for c in self.commands('docker') if c['argv'][0] == 'run']


def boot(user_data, root, values=None, fail_pull=None):
    """Fill the placeholders, write the files and run the runcmd list.

    The wait-condition signal goes to a recording server of our own.
    """
    with signal_server() as server:
        url = 'http://127.0.0.1:%d/signal' % server.server_port
        filled = cloudinit.fill(user_data, dict(
            {cloudinit.SIGNAL_URL: url, cloudinit.SIGNAL_TOKEN: TOKEN},
            **(values or {})))
        return boot_filled(filled, root, server, fail_pull)


def boot_filled(user_data, root, server=None, fail_pull=None):
    """Boot user data as Nova holds it (placeholders already filled).

    ``server`` is the signal_server() the user data's signal URL points at,
    to record the signals; None when the URL is a real Heat API's.
    """
    bin_dir = os.path.join(root, '..', 'stand-in-bin')
    _install_stand_ins(bin_dir)
    record = os.path.join(root, '..', 'record.jsonl')
    open(record, 'w').close()
    assert user_data.startswith('#cloud-config\n')
    document = yaml.safe_load(user_data)
    write_files(document, root)
    attach_volumes(root)
    env = {'PATH': os.path.abspath(bin_dir), 'CVM_ROOT': root,
           'CVM_RECORD': record, 'LANG': 'C.UTF-8'}
    if fail_pull:
        env['CVM_FAIL_PULL'] = fail_pull
    returncodes = []
    first_signal = len(server.signals) if server else 0
    for command in document.get('runcmd', []):
        assert isinstance(command, list), 'runcmd must be argv lists'
        if command[0] == cloudinit.PYTHON:
            command = [sys.executable,
                       os.path.join(root, command[1].lstrip('/'))] + \
                command[2:]
        returncodes.append(subprocess.call(command, env=env, timeout=120))
    signals = list(server.signals[first_signal:]) if server else []
    return Run(root, record, signals, returncodes)


# Where the stand-ins and their record live inside the throwaway root.
GUEST_STAND_IN_LIB = '/usr/local/lib/cvm-stand-ins'
GUEST_RECORD = '/var/log/cvm-record.jsonl'
_GUEST_WRAPPER = """#!/usr/bin/python3
import sys
sys.path.insert(0, %r)
import stand_ins
sys.exit(stand_ins.COMMANDS[%r](sys.argv[1:]))
"""


def boot_with_cloud_init(user_data, scratch, fail_pull=None,
                         registries=None):
    """Boot user data as Nova holds it, with the real cloud-init.

    Returns a Run whose returncodes hold runcmd's exit status (cloud-init
    runs the runcmd list as one script) and whose ``cloud_init`` is what
    cloudinit_root.boot() says of the boot. ``registries``: the ones the
    guest's pulls reach (stand_ins, $CVM_REGISTRIES).
    """
    # The devices of the attached volumes, as Nova and udev make them:
    # their IDs are in the files the user data writes.
    probe = os.path.join(scratch, 'probe')
    write_files(yaml.safe_load(user_data), probe)
    files = {device: '' for device in volume_devices(probe)}
    with open(STAND_INS) as f:
        files[GUEST_STAND_IN_LIB + '/stand_ins.py'] = f.read()
    for name in STAND_IN_NAMES:
        files['%s/%s' % (cloudinit_root.STAND_IN_DIR, name)] = (
            _GUEST_WRAPPER % (GUEST_STAND_IN_LIB, name), 0o755)
    files[GUEST_RECORD] = ''
    env = {'CVM_ROOT': '/', 'CVM_RECORD': GUEST_RECORD}
    if fail_pull:
        env['CVM_FAIL_PULL'] = fail_pull
    if registries is not None:
        env['CVM_REGISTRIES'] = json.dumps(registries)
    outcome = cloudinit_root.boot(user_data, os.path.join(scratch, 'guest'),
                                  files, env)
    upper = outcome['upper']
    run = Run(upper, os.path.join(upper, GUEST_RECORD.lstrip('/')), [],
              [outcome['runcmd_returncode']])
    run.cloud_init = outcome
    return run

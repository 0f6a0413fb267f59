"""Play a member's user data the way cloud-init would, in a scratch root.

A stand-in for the guest, for the unit tests and the minicloud's guest
runner (which has no VMs yet): ``write_files`` entries are
written under the root (decoding b64 and gz+b64 as cloud-init does) and
``runcmd`` commands run with PATH holding only the recording docker,
systemctl and iptables of tools/minicloud/stand_ins.py. The wait-condition
signal goes to a real HTTP server on 127.0.0.1 that records what the guest
POSTs. The issue on real guests replaces this with cloud-init and VMs.
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

STAND_INS = os.path.join(os.path.dirname(__file__), 'stand_ins.py')
TOKEN = 'test-token-0123456789abcdef'


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


def attach_volumes(root):
    """Make the attached volumes' devices appear, as Nova and udev would."""
    for directory in glob.glob(os.path.join(root, 'etc/heat-cvm/*')):
        with open(os.path.join(directory, 'container.json')) as f:
            conf = json.load(f)
        ids = [v['volume_id'] for v in conf['volumes'] if v['volume_id']]
        ids_file = os.path.join(root, conf['volume_ids_file'].lstrip('/'))
        if os.path.exists(ids_file):
            with open(ids_file) as f:
                ids += [line.split()[1] for line in f if line.strip()]
        by_id = os.path.join(root, 'dev/disk/by-id')
        os.makedirs(by_id, exist_ok=True)
        for volume_id in ids:
            open(os.path.join(by_id, 'virtio-' + volume_id[:20]), 'w').close()


def _install_stand_ins(bin_dir):
    os.makedirs(bin_dir, exist_ok=True)
    for name in ('docker', 'systemctl', 'iptables', 'blkid', 'mkfs.ext4',
                 'mountpoint', 'mount'):
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

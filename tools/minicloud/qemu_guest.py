#!/usr/bin/env python3
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

"""Boot a member's user data in a real VM: the container-host image, qemu.

Guest.start() boots the image that ``heat-cvm-build-host-image`` built
(rootfs.ext4 + vmlinuz + initrd.img by direct-kernel boot, or the
whole-disk disk.qcow2) with ``qemu-system-x86_64 -accel tcg`` (software
emulation: no /dev/kvm needed), from a copy-on-write overlay, so the
cached image is never written. The user data reaches cloud-init as a
NoCloud seed (``cloud-localds``, apt-get install cloud-image-utils).

Networking is qemu's user mode with ``restrict=on``: the guest reaches
nothing but the forwards given here.

* ``guestfwd``: a guest connection to GUEST_IP:PORT (in 10.0.2.0/24) runs
  this file's ``relay`` mode, which joins it to 127.0.0.1:HOST_PORT (the
  signal's HTTP server, Heat's API, the local registry). qemu starts one
  relay per connection (the "cmd:" form); the chardev form would serve a
  single connection.
* ``hostfwd``: a published port, 127.0.0.1:HOST_PORT -> the guest's PORT.

The serial console goes to a file: the container's output (the unit
writes to the console) and cloud-init's progress land there.

``python3 tools/minicloud/qemu_guest.py prove IMAGE_DIR`` is the boot
proof: a local registry with a busybox httpd image, the user data
heat_cvm.cloudinit renders for it, a boot, the wait-condition signal and
a GET on the published port, with timings. Standard library plus
heat_cvm (for the proof only).
"""

import argparse
import http.server
import json
import os
import pathlib
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = pathlib.Path(__file__).resolve()
QEMU = 'qemu-system-x86_64'
KERNEL_ARGS = ('root=LABEL=cvm-root rw console=ttyS0,115200n8 '
               'systemd.show_status=1 quiet')
# Lines of the serial console whose kernel timestamps time a boot.
CONSOLE_MARKS = {
    'cloud_init_local': re.compile(r"running 'init-local'"),
    'pull_started': re.compile(r'heat-cvm: pulling '),
    'signalled': re.compile(r'heat-cvm: signalled '),
}
_UPTIME = re.compile(r'^\[\s*(\d+\.\d+)\]')
_PUBLISH = re.compile(r'^(\d+):\d+/tcp$')
SIGNAL_ADDRESS = ('10.0.2.100', 80)
REGISTRY_ADDRESS = ('10.0.2.101', 5000)
# A minicloud VM's network is link-local, like the metadata address, as
# qemu forwards only addresses in the guest's own network. The cloud's host
# name stands for API_GUEST_ADDRESS, whose guestfwd rules lead to the
# host's loopback services.
CLOUD_NET = '169.254.169.0/24'
API_GUEST_ADDRESS = '169.254.169.100'
METADATA_ADDRESS = '169.254.169.254'


def meta_data(instance_id, hostname, public_keys=()):
    """NoCloud meta-data (JSON is YAML): what Nova's metadata tells."""
    document = {'instance-id': instance_id, 'local-hostname': hostname}
    if public_keys:
        document['public-keys'] = list(public_keys)
    return json.dumps(document, indent=1) + '\n'


def published_ports(user_data):
    """The TCP host ports a heat-cvm member's user data publishes."""
    import yaml
    for item in yaml.safe_load(user_data).get('write_files', []):
        if item['path'].endswith('/container.json'):
            run = json.loads(item['content'])['run']
            return [int(match.group(1))
                    for flag, value in zip(run, run[1:])
                    if flag == '--publish'
                    for match in [_PUBLISH.match(value)] if match]
    return []


def vendor_data(hosts_line=None, insecure_registries=(), registry_cas=()):
    """A cloud's vendor data for its guests.

    A hosts entry, the registries dockerd may reach over plain HTTP, and
    the CA certificates of registries whose CA is the cloud's own
    ((registry, PEM) pairs, where dockerd looks for them).
    bootcmd runs in cloud-init's init stage, before docker.service starts;
    user data replaces a key it also sets, and heat-cvm's sets no bootcmd.
    Each value is a positional argument of ``sh -c``, never shell text.
    """
    commands = []
    if hosts_line:
        commands.append(['sh', '-c', 'grep -qxF "$1" /etc/hosts '
                         '|| echo "$1" >> /etc/hosts', 'sh', hosts_line])
    if insecure_registries:
        daemon = json.dumps(
            {'insecure-registries': list(insecure_registries)})
        commands.append(['sh', '-c', 'mkdir -p /etc/docker && echo "$1" '
                         '> /etc/docker/daemon.json', 'sh', daemon])
    for registry, pem in registry_cas:
        commands.append(['sh', '-c', 'mkdir -p "/etc/docker/certs.d/$1" && '
                         'printf %s "$2" > "/etc/docker/certs.d/$1/ca.crt"',
                         'sh', registry, pem])
    # JSON is YAML: no quoting of ours between the values and cloud-init.
    document = json.dumps({'bootcmd': commands}, indent=1)
    return '#cloud-config\n%s\n' % document


def relay_command(host_port):
    """qemu's guestfwd "cmd:" value: one relay per guest connection."""
    return 'cmd:%s %s relay %d' % (sys.executable, HERE, host_port)


def nic_option(guest_forwards=(), host_forwards=(), net=None):
    """``-nic`` value: user mode, restricted, with the given forwards.

    guest_forwards: (guest ip, guest port, host loopback port) triples;
    host_forwards: (host loopback port, guest port) pairs;
    net: the guest's network (qemu's default: 10.0.2.0/24).
    """
    parts = ['user', 'model=virtio-net-pci', 'restrict=on']
    if net:
        parts.append('net=%s' % net)
    for ip, port, host_port in guest_forwards:
        parts.append('guestfwd=tcp:%s:%d-%s' % (ip, port,
                                                relay_command(host_port)))
    for host_port, port in host_forwards:
        parts.append('hostfwd=tcp:127.0.0.1:%d-:%d' % (host_port, port))
    return ','.join(parts)


def qemu_argv(image_dir, overlay, seed, console, nic, memory_mb=1024,
              whole_disk=False):
    argv = [QEMU, '-accel', 'tcg', '-m', str(memory_mb), '-smp', '1',
            '-display', 'none', '-monitor', 'none', '-no-reboot',
            '-serial', 'file:%s' % console]
    if not whole_disk:
        image_dir = pathlib.Path(image_dir)
        argv += ['-kernel', str(image_dir / 'vmlinuz'),
                 '-initrd', str(image_dir / 'initrd.img'),
                 '-append', KERNEL_ARGS]
    return argv + [
        '-drive', 'file=%s,if=virtio,format=qcow2' % overlay,
        '-drive', 'file=%s,if=virtio,format=raw,readonly=on' % seed,
        '-nic', nic]


class Guest(object):
    """One VM: its overlay, seed and console log live in ``workdir``."""

    def __init__(self, image_dir, workdir, whole_disk=False, console=None):
        self.image_dir = pathlib.Path(image_dir)
        self.workdir = pathlib.Path(workdir)
        self.whole_disk = whole_disk
        self.console = pathlib.Path(console or self.workdir / 'console.log')
        self.process = None
        self.metadata = None

    def _overlay(self, disk_gb=None):
        # disk_gb: the flavor's disk; cloud-init grows the root into it.
        overlay = self.workdir / 'overlay.qcow2'
        base, fmt = ((self.image_dir / 'disk.qcow2', 'qcow2')
                     if self.whole_disk
                     else (self.image_dir / 'rootfs.ext4', 'raw'))
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2',
                        '-F', fmt, '-b', str(base), str(overlay)]
                       + (['%dG' % disk_gb] if disk_gb else []), check=True)
        return overlay

    def _seed(self, user_data, instance_id, hostname, vendor=None,
              public_keys=()):
        (self.workdir / 'user-data').write_text(user_data)
        (self.workdir / 'meta-data').write_text(
            meta_data(instance_id, hostname, public_keys))
        seed = self.workdir / 'seed.iso'
        options = []
        if vendor:
            (self.workdir / 'vendor-data').write_text(vendor)
            options = ['--vendor-data', str(self.workdir / 'vendor-data')]
        subprocess.run(['cloud-localds'] + options + [
            str(seed), str(self.workdir / 'user-data'),
            str(self.workdir / 'meta-data')], check=True)
        return seed

    def start(self, user_data, guest_forwards=(), host_forwards=(),
              instance_id='cvm-guest', memory_mb=1024, disk_gb=None,
              hostname=None, vendor=None, net=None, metadata=False,
              public_keys=(), niceness=0):
        """Boot the VM; return at once.

        metadata: serve the user data at METADATA_ADDRESS (in ``net``,
        CLOUD_NET), as Nova's metadata service does. niceness: qemu's
        scheduling niceness (nice(1)).
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.console.parent.mkdir(parents=True, exist_ok=True)
        seed = self._seed(user_data, instance_id, hostname or instance_id,
                          vendor, public_keys)
        if metadata:
            self.metadata = metadata_server(user_data)
            guest_forwards = list(guest_forwards) + [
                (METADATA_ADDRESS, 80, self.metadata.server_address[1])]
        argv = qemu_argv(self.image_dir, self._overlay(disk_gb), seed,
                         self.console,
                         nic_option(guest_forwards, host_forwards, net),
                         memory_mb, self.whole_disk)
        if niceness:
            argv = ['nice', '-n', str(niceness)] + argv
        (self.workdir / 'qemu.argv').write_text(json.dumps(argv, indent=1))
        self.log = open(self.workdir / 'qemu.log', 'w')
        self.process = subprocess.Popen(argv, stdout=self.log,
                                        stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.process = None

    def discard(self):
        """Stop, and free the disk the guest wrote (its overlay)."""
        self.stop()
        if self.metadata:
            self.metadata.shutdown()
            self.metadata.server_close()
            self.metadata = None
        (self.workdir / 'overlay.qcow2').unlink(missing_ok=True)


# Where Nova's metadata service answers with the user data.
USER_DATA_PATHS = ('/openstack/latest/user_data', '/latest/user-data')


def metadata_server(user_data):
    """A stand-in for Nova's metadata API, serving one server's user data.

    On 127.0.0.1 (a free port), in a thread; shutdown() stops it.
    """
    body = user_data.encode('utf-8')

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path in USER_DATA_PATHS
            self.send_response(200 if found else 404)
            self.send_header('Content-Length', str(len(body) if found
                                                   else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def relay(host_port, stdin=0, stdout=1):
    """stdin/stdout (a guest connection, from qemu) <-> 127.0.0.1:port."""
    with socket.create_connection(('127.0.0.1', host_port)) as sock:
        # Each open source -> where its bytes go; a source leaves at EOF.
        routes = {stdin: sock.fileno(), sock.fileno(): stdout}
        while routes:
            readable, _, _ = select.select(list(routes), [], [])
            for source in readable:
                data = os.read(source, 65536)
                if data:
                    _write_all(routes[source], data)
                    continue
                if source == stdin:
                    sock.shutdown(socket.SHUT_WR)
                else:
                    os.close(stdout)
                del routes[source]
    return 0


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def console_marks(text):
    """Guest uptime (s) at each CONSOLE_MARKS event the console shows."""
    marks = {}
    for line in text.splitlines():
        uptime = _UPTIME.match(line)
        for name, pattern in CONSOLE_MARKS.items():
            if uptime and name not in marks and pattern.search(line):
                marks[name] = round(float(uptime.group(1)))
    return marks


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def proof_user_data(image, published_port, signal_url):
    """heat_cvm's user data for a busybox httpd member, filled."""
    from heat_cvm import cloudinit
    from heat_cvm import spec as spec_mod
    spec = spec_mod.ContainerSpec.from_properties(
        {'image': image, 'networks': ['private'], 'ready_timeout': 900,
         'ports': [{'port': 80, 'host_port': published_port}]}, {}, 'web')
    return cloudinit.fill(cloudinit.render(spec), {
        cloudinit.SIGNAL_URL: signal_url,
        cloudinit.SIGNAL_TOKEN: 'proof-token'})


def prove(args):
    sys.path.insert(0, str(HERE.parent))
    import guest_sim
    import registry_image

    workdir = pathlib.Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    registry = '%s:%d' % REGISTRY_ADDRESS
    web_port = free_port()
    figures = {}
    with registry_image.local_registry(str(workdir / 'registry'),
                                       args.registry_port) as url:
        registry_image.push_busybox(url)
        with guest_sim.signal_server() as server:
            signal_port = server.server_address[1]
            user_data = proof_user_data(
                registry + '/busybox:latest', 8080,
                'http://%s/signal' % SIGNAL_ADDRESS[0])
            guest = Guest(args.image_dir, workdir / 'guest',
                          args.whole_disk)
            started = time.monotonic()
            guest.start(user_data,
                        [SIGNAL_ADDRESS + (signal_port,),
                         REGISTRY_ADDRESS + (args.registry_port,)],
                        [(web_port, 8080)], disk_gb=args.disk_gb,
                        vendor=vendor_data(None, [registry]))
            try:
                while not server.signals and guest.running():
                    if time.monotonic() - started > args.timeout:
                        break
                    time.sleep(1)
                figures['boot_to_signal_seconds'] = round(
                    time.monotonic() - started)
                figures['signals'] = server.signals
                figures['http'] = _get('http://127.0.0.1:%d/' % web_port)
            finally:
                guest.stop()
    figures['console'] = str(guest.console)
    figures['guest_uptime_at'] = console_marks(
        guest.console.read_text(errors='replace'))
    print(json.dumps(figures, indent=1))
    ok = (server.signals and server.signals[0]['body']['status'] == 'SUCCESS'
          and 'heat-cvm' in figures['http'])
    return 0 if ok else 1


def _get(url):
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode()
    except OSError as exc:
        return 'error: %s' % exc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    relay_parser = commands.add_parser(
        'relay', help='(qemu runs this) join stdio to 127.0.0.1:PORT')
    relay_parser.add_argument('port', type=int)
    proof = commands.add_parser(
        'prove', help='boot a busybox httpd member and wait for its signal')
    proof.add_argument('image_dir', help='a heat-cvm-build-host-image '
                                         'build directory')
    proof.add_argument('--workdir', default='/tmp/heat-cvm-qemu-proof')
    proof.add_argument('--registry-port', type=int, default=5000)
    proof.add_argument('--whole-disk', action='store_true',
                       help='boot disk.qcow2 with its bootloader')
    proof.add_argument('--timeout', type=int, default=900)
    proof.add_argument('--disk-gb', type=int,
                       help="the VM's disk size (a flavor's disk); "
                            'default: the image size')
    args = parser.parse_args(argv)
    if args.command == 'relay':
        return relay(args.port)
    return prove(args)


if __name__ == '__main__':
    sys.exit(main())

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

"""The qemu guest runner's and the test registry's pure parts.

Booting a VM takes minutes under software emulation: that is
``tools/minicloud/qemu_guest.py prove``, never a unit test.
"""

import gzip
import io
import json
import socket
import subprocess
import sys
import tarfile
import threading

from tools.minicloud import qemu_guest
from tools.minicloud import registry_image


def test_nic_is_restricted_and_forwards_only_to_loopback():
    nic = qemu_guest.nic_option([('10.0.2.100', 80, 4242)], [(8081, 8080)])
    parts = nic.split(',')
    assert parts[:3] == ['user', 'model=virtio-net-pci', 'restrict=on']
    guestfwd = [p for p in parts if p.startswith('guestfwd=')]
    assert guestfwd == ['guestfwd=tcp:10.0.2.100:80-cmd:%s %s relay 4242'
                        % (sys.executable, qemu_guest.HERE)]
    assert 'hostfwd=tcp:127.0.0.1:8081-:8080' in parts


def test_qemu_argv_direct_kernel_boot(tmp_path):
    argv = qemu_guest.qemu_argv(tmp_path, 'o.qcow2', 'seed.iso', 'c.log',
                                'user')
    assert argv[:3] == ['qemu-system-x86_64', '-accel', 'tcg']
    assert argv[argv.index('-kernel') + 1] == str(tmp_path / 'vmlinuz')
    assert argv[argv.index('-initrd') + 1] == str(tmp_path / 'initrd.img')
    assert 'root=LABEL=cvm-root' in argv[argv.index('-append') + 1]
    assert 'file=o.qcow2,if=virtio,format=qcow2' in argv
    assert 'file=seed.iso,if=virtio,format=raw,readonly=on' in argv
    assert argv[argv.index('-serial') + 1] == 'file:c.log'
    assert argv[-2:] == ['-nic', 'user']


def test_qemu_argv_whole_disk_boots_its_own_bootloader(tmp_path):
    argv = qemu_guest.qemu_argv(tmp_path, 'o.qcow2', 'seed.iso', 'c.log',
                                'user', whole_disk=True)
    assert '-kernel' not in argv and '-append' not in argv


def test_relay_joins_stdio_to_a_loopback_port():
    server = socket.create_server(('127.0.0.1', 0))
    received = []

    def echo_once():
        conn, _ = server.accept()
        with conn:
            data = conn.recv(1024)
            received.append(data)
            conn.sendall(data.upper())

    thread = threading.Thread(target=echo_once)
    thread.start()
    result = subprocess.run(
        [sys.executable, str(qemu_guest.HERE), 'relay',
         str(server.getsockname()[1])], input=b'ping', stdout=subprocess.PIPE,
        timeout=30)
    thread.join()
    server.close()
    assert received == [b'ping'] and result.stdout == b'PING'


def test_busybox_layer_and_config(monkeypatch, tmp_path):
    fake = tmp_path / 'busybox'
    fake.write_bytes(b'\x7fELF')
    monkeypatch.setattr(registry_image, 'BUSYBOX', str(fake))
    raw, gzipped = registry_image.busybox_layer()
    assert gzip.decompress(gzipped) == raw
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = tar.getnames()
        assert tar.getmember('bin/sh').linkname == 'busybox'
    assert {'bin/busybox', 'www/index.html'} <= set(names)
    config = json.loads(registry_image.image_config(
        registry_image.sha256(raw), registry_image.HTTPD_COMMAND))
    assert config['rootfs']['diff_ids'] == [registry_image.sha256(raw)]
    assert config['config']['Cmd'][:2] == ['/bin/busybox', 'httpd']


def test_binary_layer_carries_the_libraries_ldd_names(monkeypatch, tmp_path):
    for name in ('busybox', 'app', 'libfoo.so.1', 'ld.so'):
        (tmp_path / name).write_bytes(name.encode())
    monkeypatch.setattr(registry_image, 'BUSYBOX', str(tmp_path / 'busybox'))
    monkeypatch.setattr(registry_image, 'shared_libraries', lambda binary: [
        str(tmp_path / 'libfoo.so.1'), str(tmp_path / 'ld.so')])
    raw, _ = registry_image.binary_layer(str(tmp_path / 'app'))
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        root = str(tmp_path).lstrip('/')
        for name in ('app', 'libfoo.so.1', 'ld.so'):
            member = tar.extractfile('%s/%s' % (root, name))
            assert member.read() == name.encode()
        assert tar.getmember(root).isdir()
        assert b'nobody' in tar.extractfile('etc/passwd').read()


def test_shared_libraries_parses_ldd():
    libraries = registry_image.shared_libraries(sys.executable)
    assert any('libc.so' in path for path in libraries)
    assert all(path.startswith('/') for path in libraries)


def test_console_marks_time_the_boot():
    console = '\n'.join([
        '[    1.000000] Linux version 6.1.0',
        "[   66.629818] cloud-init[250]: Cloud-init v. 22.4.2 running "
        "'init-local' at Wed. Up 66.02 seconds.",
        '[  173.939653] cloud-init[519]: heat-cvm: pulling 10.0.2.101:5000/b',
        '[  197.378158] cloud-init[519]: heat-cvm: signalled SUCCESS to Heat',
    ])
    assert qemu_guest.console_marks(console) == {
        'cloud_init_local': 67, 'pull_started': 174, 'signalled': 197}


def test_proof_user_data_is_heat_cvms_filled():
    import yaml

    text = qemu_guest.proof_user_data('10.0.2.101:5000/busybox:latest', 8080,
                                      'http://10.0.2.100/signal')
    assert text.startswith('#cloud-config\n') and '%%CVM_' not in text
    files = {f['path']: f for f in yaml.safe_load(text)['write_files']}
    signal = json.loads(files['/etc/heat-cvm/web/signal.json']['content'])
    assert signal['url'] == 'http://10.0.2.100/signal'
    run = json.loads(files['/etc/heat-cvm/web/container.json']['content'])
    assert '8080:80/tcp' in run['run']
    assert qemu_guest.published_ports(text) == [8080]


def test_vendor_data_runs_each_value_as_an_argument(tmp_path):
    import yaml

    hosts = tmp_path / 'hosts'
    hosts.write_text('127.0.0.1 localhost\n')
    pem = '-----BEGIN CERTIFICATE-----\n$(reboot) "quoted"\n'
    document = yaml.safe_load(qemu_guest.vendor_data(
        '10.0.2.100 cloud.test', ['cloud.test:5000'],
        [('cloud.test:443', pem)]))
    for command in document['bootcmd']:
        # The guest's paths, moved under tmp_path.
        command = [word.replace('/etc/', str(tmp_path) + '/')
                   for word in command]
        subprocess.run(command, check=True)
        subprocess.run(command, check=True)   # every boot: no duplicate
    assert hosts.read_text() == '127.0.0.1 localhost\n10.0.2.100 cloud.test\n'
    assert json.loads((tmp_path / 'docker' / 'daemon.json').read_text()) == {
        'insecure-registries': ['cloud.test:5000']}
    assert (tmp_path / 'docker' / 'certs.d' / 'cloud.test:443' / 'ca.crt'
            ).read_text() == pem


def test_meta_data_carries_the_key_pair_as_nova_serves_it():
    import yaml

    document = yaml.safe_load(qemu_guest.meta_data(
        'f00', 'web-0', ['ssh-ed25519 AAAA user@host']))
    assert document == {'instance-id': 'f00', 'local-hostname': 'web-0',
                        'public-keys': ['ssh-ed25519 AAAA user@host']}
    assert 'public-keys' not in yaml.safe_load(
        qemu_guest.meta_data('f00', 'web-0'))


def test_metadata_stand_in_serves_the_user_data_only():
    import urllib.error
    import urllib.request

    server = qemu_guest.metadata_server('#cloud-config\n{}\n')
    base = 'http://127.0.0.1:%d' % server.server_address[1]
    try:
        for path in qemu_guest.USER_DATA_PATHS:
            with urllib.request.urlopen(base + path) as response:
                assert response.read() == b'#cloud-config\n{}\n'
        try:
            urllib.request.urlopen(base + '/openstack/latest/password')
            raise AssertionError('served an unknown path')
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    finally:
        server.shutdown()
        server.server_close()

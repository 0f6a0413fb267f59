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

"""Members in real VMs: heat-cvm's container-host image under qemu.

The user data Nova holds boots with the guest's own cloud-init, systemd,
AppArmor and dockerd, which pulls the image from the local registry, and
the guest itself signals Heat. The stacks (tests/functional/real_vms.py)
are created at the start of the session (conftest.py); each test waits for
its own.
"""

import datetime
import json
import shlex
import socket
import subprocess
import time

import pytest

from tests.functional import real_vms
from tools.minicloud import helpers
from tools.minicloud import minicloud
from tools.minicloud import qemu_guest

# Their VMs booted while the other tests ran (conftest.py).
pytestmark = pytest.mark.background


def memcached_stats(port):
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(b'stats\r\n')
        reply = b''
        while not reply.endswith(b'END\r\n'):
            chunk = sock.recv(4096)
            assert chunk, 'memcached closed the connection: %r' % reply
            reply += chunk
    return dict(line.split(' ', 2)[1:] for line in
                reply.decode().splitlines() if line.startswith('STAT '))


def test_memcached_runs_in_a_real_vm(cloud, vm_stacks):
    name = vm_stacks['memcached']
    stack = real_vms.wait_for_stack(cloud, name)
    assert stack['stack_status'] == 'CREATE_COMPLETE', \
        stack['stack_status_reason']
    (server,) = cloud.output(name, 'servers')
    vm = cloud.vm_record(server)
    assert vm is not None, 'the member did not boot in a VM'

    # The real memcached answers on the published port (forwarded from
    # the host's loopback to the VM).
    stats = memcached_stats(vm['forwards']['11211/tcp'])
    assert stats['limit_maxbytes'] == str(64 * 1024 * 1024)
    assert stats['version'].startswith('1.6')

    # Nova's console log API shows the guest's own serial console: its
    # helper pulled the Glance image through heat-cvm-registry, by ID and
    # pinned to the digest the push gave it, and signalled Heat itself.
    console = cloud.openstack('console', 'log', 'show', server).stdout
    image = cloud.json('image', 'show', real_vms.glance_memcached_id(cloud))
    assert 'heat-cvm: pulling %s/%s@%s' % (
        helpers.CVM_REGISTRY, image['id'],
        image['properties']['cvm_manifest_digest']) in console
    assert 'heat-cvm: signalled SUCCESS to Heat' in console

    cloud.openstack('stack', 'delete', '--yes', '--wait', name)
    deadline = time.monotonic() + 60
    while helpers.process_exists(vm['pid']):
        assert time.monotonic() < deadline, 'the VM outlived its server'
        time.sleep(1)


def test_an_image_missing_from_the_registry_fails_the_stack(cloud,
                                                            vm_stacks):
    name = vm_stacks['missing']
    stack = real_vms.wait_for_stack(cloud, name)
    assert stack['stack_status'] == 'CREATE_FAILED'
    # Failed when the guest said so, well before the ready_timeout.
    (failed, *_) = [e for e in cloud.json('stack', 'event', 'list', name)
                    if e['resource_status'] == 'CREATE_FAILED']
    seconds = (datetime.datetime.fromisoformat(failed['event_time'])
               - datetime.datetime.fromisoformat(stack['creation_time']))
    assert seconds.total_seconds() < real_vms.CLOUD_READY_TIMEOUT
    reason = stack['stack_status_reason']
    # The real dockerd's own words, reported by the guest: not a timeout.
    # (Heat's reason puts a space after each colon: "minicloud.test: 5000".)
    assert 'WaitConditionFailure' in reason, reason
    assert 'docker pull' in reason and '/nothing-here' in reason, reason
    assert 'manifest unknown' in reason, reason


def ssh(vm, key, *argv):
    """Run argv in the VM as its default user, over SSH."""
    return subprocess.run(
        ['ssh', '-i', str(key), '-p', str(vm['forwards']['22/tcp']),
         '-o', 'StrictHostKeyChecking=no',
         '-o', 'UserKnownHostsFile=/dev/null',
         '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
         # sshd hands the command to a shell: one quoted string.
         'debian@127.0.0.1', shlex.join(argv)],
        capture_output=True, text=True, timeout=120)


def probe_vm(cloud, vm_stacks):
    """The probe stack's one member's VM record, once the stack is up."""
    name = vm_stacks[real_vms.PROBE]
    stack = real_vms.wait_for_stack(cloud, name)
    assert stack['stack_status'] == 'CREATE_COMPLETE', \
        stack['stack_status_reason']
    (server,) = cloud.output(name, 'servers')
    return cloud.vm_record(server)


def test_user_strings_reach_the_real_container_unaltered(cloud, vm_stacks,
                                                         ssh_key):
    vm = probe_vm(cloud, vm_stacks)
    inspect = ssh(vm, ssh_key[1], 'sudo', 'docker', 'inspect', 'cvm-probe')
    assert inspect.returncode == 0, inspect.stderr
    (container,) = json.loads(inspect.stdout)
    # The real dockerd ran exactly the argv and environment given.
    assert [container['Path']] + container['Args'] == (
        real_vms.SHELL_PREFIX + real_vms.HOSTILE)
    environment = dict(item.split('=', 1)
                       for item in container['Config']['Env'])
    for index, text in enumerate(real_vms.HOSTILE):
        assert environment['V%d' % index] == text, index
    assert environment['S_SECRET'] == real_vms.HOSTILE[0]
    assert container['State']['Running']


def test_the_rendered_unit_passes_systemd_analyze_verify(cloud, vm_stacks,
                                                         ssh_key):
    vm = probe_vm(cloud, vm_stacks)
    unit = ssh(vm, ssh_key[1], 'systemctl', 'show', '-P', 'FragmentPath',
               'cvm-%s.service' % real_vms.PROBE).stdout.strip()
    assert unit.startswith('/etc/systemd/system/'), unit
    verify = ssh(vm, ssh_key[1], 'sudo', 'systemd-analyze', 'verify', unit)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stderr.strip() == '', verify.stderr


def test_the_metadata_address_is_closed_to_the_container(cloud, vm_stacks,
                                                         ssh_key):
    vm = probe_vm(cloud, vm_stacks)
    url = 'http://169.254.169.254/openstack/latest/user_data'
    # The host reads its user data (the signal token is in it) ...
    host = ssh(vm, ssh_key[1], 'curl', '-sf', '-m', '10', url)
    assert host.returncode == 0 and host.stdout.startswith('#cloud-config')
    # ... the container cannot, though it reaches the cloud's API.
    api = http_get_in_container(vm, ssh_key[1], qemu_guest.API_GUEST_ADDRESS,
                                minicloud.PORTS['heat'], '/')
    assert '"versions"' in api.stdout, api.stderr
    blocked = http_get_in_container(vm, ssh_key[1],
                                    qemu_guest.METADATA_ADDRESS, 80,
                                    qemu_guest.USER_DATA_PATHS[0])
    assert blocked.returncode != 0
    assert '#cloud-config' not in blocked.stdout


def http_get_in_container(vm, key, address, port, path):
    """GET from inside the probe container, with busybox's nc."""
    request = 'printf "GET %s HTTP/1.0\\r\\n\\r\\n" "$2" | nc -w 10 "$0" "$1"'
    return ssh(vm, key, 'sudo', 'docker', 'exec', 'cvm-%s' % real_vms.PROBE,
               'sh', '-c', request, address, str(port), path)

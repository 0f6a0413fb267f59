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

"""The minicloud's guests: boots each container host.

The fake virt driver boots nothing, so this service does what a booting
container host would with the user data Nova holds: every few seconds it
lists the servers (admin, all projects), reads the user data of each new
ACTIVE one (compute microversion 2.3) and, when it is a heat-cvm member's,
boots it one of two ways:

* A server booted from the image "cvm-host-vm" (heat-cvm's container-host
  image) gets a real VM: qemu under software emulation boots that Glance
  image (downloaded once, a copy-on-write overlay per VM) with its
  bootloader, and the user data, exactly as Nova holds it, as a NoCloud
  seed. Its network is qemu's user mode, restricted, on 169.254.169.0/24:
  the vendor data maps the catalog's host name to 169.254.169.100, whose
  guestfwd rules lead to Heat's APIs and the local registry on the host's
  loopback, and 169.254.169.254 answers with the user data as Nova's
  metadata API would; each published port, and SSH (22), is forwarded
  from a free port on 127.0.0.1 ($STATE/guests/<id>/vm.json says which),
  as a floating IP would expose them. The real systemd, AppArmor, dockerd
  and container run; the guest helper signals Heat itself. The server's
  key pair reaches the guest's meta-data. The VM stops when the server
  leaves Nova.
* Any other server: Debian's real cloud-init in a throwaway root
  (guest_sim.boot_with_cloud_init): its write_files and runcmd run, and
  the real guest helper drives recording docker/systemctl stand-ins,
  seconds instead of minutes. Its record is $STATE/guests/<id>/result.json,
  and under guest/upper/ every file the guest wrote.

Either way the helper signals the wait condition over HTTP, at the URL and
with the token in the user data: Heat's real API decides CREATE_COMPLETE.
What the guest's console printed (the VM's serial console, or cloud-init's
output) goes to <instances_path>/<id>/console.log, where Nova's console
log API finds it (nova_guest_console: nova.virt.minicloud.driver).

A server with the metadata ``minicloud_guest: hung`` stands for a VM whose
boot never gets to the container (a kernel panic, a wrong image): the
runner leaves it alone, so its wait condition times out as it would.

A simulated guest's ``docker pull`` asks the local registry for the
manifest, as dockerd would, and fails as dockerd does ("manifest
unknown"); an image of Docker Hub, which this machine cannot reach, pulls
only when it is one the tests and examples use (stand_ins.KNOWN_TEST_IMAGES),
and fails as an unreachable registry does otherwise. While the file
.minicloud/registry-missing names an image, the simulated guests' pull of
it fails as a registry's that lacks it (a release not pushed yet); once the
file is gone, the pull succeeds.
"""

import argparse
import base64
import json
import pathlib
import shutil
import signal
import sys
import time
import traceback

import cloud_setup
import guest_sim
import qemu_guest

from heat_cvm import cloudinit

POLL_SECONDS = 2
HUNG = ('minicloud_guest', 'hung')
VM_MEMORY_MB = 1024
# In a cloud, guests run on compute nodes, not on the controllers: here
# the emulated VMs yield the CPU to the control plane and take what it
# leaves, so they boot slower but every API keeps its pace.
VM_NICENESS = 19


def servers(conn):
    response = conn.compute.get('/servers/detail?all_tenants=1',
                                microversion='2.3')
    response.raise_for_status()
    return response.json()['servers']


def user_data(server):
    encoded = server.get('OS-EXT-SRV-ATTR:user_data')
    return base64.b64decode(encoded).decode('utf-8') if encoded else ''


class Runner(object):

    def __init__(self, conn, state, ports, api_host):
        self.conn = conn
        self.state = state
        self.ports = ports
        self.api_host = api_host
        self.vms = {}  # server id -> qemu_guest.Guest
        self.vm_image_id = None

    def console_path(self, server):
        # Where the libvirt driver keeps a guest's serial console.
        return (self.state / 'data' / 'nova' / 'instances' / server['id']
                / 'console.log')

    def poll(self):
        if self.vm_image_id is None:
            image = self.conn.image.find_image(cloud_setup.VM_IMAGE)
            self.vm_image_id = image.id if image else None
        listed = servers(self.conn)
        for server in listed:
            seen = self.state / 'guests' / server['id']
            if server['status'] == 'ACTIVE' and not seen.exists():
                self.boot(server)
        present = {s['id'] for s in listed if s['status'] != 'DELETED'}
        for server_id in set(self.vms) - present:
            self.vms.pop(server_id).discard()
            print('stopped the VM of %s (deleted)' % server_id, flush=True)

    def boot(self, server):
        guest_dir = self.state / 'guests' / server['id']
        guest_dir.mkdir(parents=True)
        text = user_data(server)
        if cloudinit.GUEST_HELPER not in text:
            (guest_dir / 'skipped').write_text('not a heat-cvm member\n')
        elif server.get('metadata', {}).get(HUNG[0]) == HUNG[1]:
            (guest_dir / 'skipped').write_text('hung at boot (metadata)\n')
        elif (server.get('image') or {}).get('id') == self.vm_image_id:
            self.boot_vm(server, text, guest_dir)
        else:
            self.boot_simulated(server, text, guest_dir)

    def missing_image(self):
        """The image the registry lacks for now, or None."""
        path = self.state / guest_sim.MISSING_IMAGE_FILE
        return path.read_text().strip() if path.exists() else None

    def simulated_registries(self):
        """The registries a simulated guest reaches, as it names them.

        The local registry is asked for each manifest; heat-cvm-registry
        needs the guest's grant, which a simulated guest's pull skips.
        """
        return {self.guest_address('registry'):
                'http://127.0.0.1:%d' % self.ports['registry'],
                self.guest_address('cvm_registry'): None}

    def guest_address(self, service):
        """host:port of a minicloud service, as its guests name it."""
        return '%s:%d' % (self.api_host, self.ports[service])

    def boot_simulated(self, server, text, guest_dir):
        run = guest_sim.boot_with_cloud_init(
            text, str(guest_dir), fail_pull=self.missing_image(),
            registries=self.simulated_registries())
        outcome = run.cloud_init
        (guest_dir / 'result.json').write_text(json.dumps({
            'server': server['id'], 'name': server['name'],
            'booted_at': time.time(),
            'cloud_init': {key: outcome[key] for key in (
                'ok', 'stages', 'seconds', 'warnings', 'runcmd_returncode')},
            'returncodes': run.returncodes, 'calls': run.calls}, indent=1))
        output = guest_dir / 'guest/upper/var/log/cloud-init-output.log'
        if output.exists():
            console = self.console_path(server)
            console.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output, console)
        print('booted %s (%s): %s' % (server['name'], server['id'],
                                      run.returncodes), flush=True)

    def public_keys(self, server):
        """The server's key pair, as Nova's metadata serves it."""
        if not server.get('key_name'):
            return []
        response = self.conn.compute.get(
            '/os-keypairs/%s?user_id=%s' % (server['key_name'],
                                            server['user_id']),
            microversion='2.10')
        response.raise_for_status()
        return [response.json()['keypair']['public_key']]

    def vm_image_dir(self):
        """The VM image's directory, its disk.qcow2 from Glance."""
        directory = self.state / 'data' / 'vm-images' / self.vm_image_id
        disk = directory / 'disk.qcow2'
        if not disk.exists():
            directory.mkdir(parents=True, exist_ok=True)
            partial = directory / 'disk.qcow2.partial'
            self.conn.image.download_image(self.vm_image_id, stream=True,
                                           output=str(partial))
            partial.rename(disk)
        return directory

    def boot_vm(self, server, text, guest_dir):
        address = qemu_guest.API_GUEST_ADDRESS
        guest_forwards = [(address, self.ports[name], self.ports[name])
                          for name in ('heat', 'heat_cfn', 'registry',
                                       'cvm_registry')]
        forwards = {'%d/tcp' % port: qemu_guest.free_port()
                    for port in qemu_guest.published_ports(text) + [22]}
        registry = self.guest_address('registry')
        cvm_registry = self.guest_address('cvm_registry')
        ca = (self.state / 'etc' / 'tls' / 'ca.crt').read_text()
        guest = qemu_guest.Guest(self.vm_image_dir(), guest_dir,
                                 whole_disk=True,
                                 console=self.console_path(server))
        guest.start(text, guest_forwards,
                    [(host_port, int(port.split('/')[0]))
                     for port, host_port in forwards.items()],
                    instance_id=server['id'], hostname=server['name'],
                    memory_mb=VM_MEMORY_MB,
                    vendor=qemu_guest.vendor_data(
                        '%s %s' % (address, self.api_host), [registry],
                        [(cvm_registry, ca)]),
                    net=qemu_guest.CLOUD_NET, metadata=True,
                    public_keys=self.public_keys(server),
                    niceness=VM_NICENESS)
        self.vms[server['id']] = guest
        (guest_dir / 'vm.json').write_text(json.dumps({
            'server': server['id'], 'name': server['name'],
            'started_at': time.time(), 'forwards': forwards,
            'console': str(guest.console), 'pid': guest.process.pid},
            indent=1))
        print('started a VM for %s (%s), forwards %s' % (
            server['name'], server['id'], forwards), flush=True)

    def stop_all(self):
        for guest in self.vms.values():
            guest.discard()
        self.vms.clear()


def _exit(signum, frame):
    raise SystemExit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--state', type=pathlib.Path, required=True)
    parser.add_argument('--ports', type=json.loads, required=True)
    parser.add_argument('--api-host', required=True)
    args = parser.parse_args()
    runner = Runner(cloud_setup.connect(args.state), args.state, args.ports,
                    args.api_host)
    # "minicloud down" stops this process: its VMs go with it.
    signal.signal(signal.SIGTERM, _exit)
    try:
        while True:
            try:
                runner.poll()
            except Exception:
                traceback.print_exc(file=sys.stdout)
            time.sleep(POLL_SECONDS)
    finally:
        runner.stop_all()


if __name__ == '__main__':
    main()

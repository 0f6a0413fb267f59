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

"""Nova's fake virt driver, with each guest's real console log.

The fake driver boots nothing; the minicloud's guest runner boots each
member (a real VM under qemu, or the user data through the real
cloud-init) and writes what its console printed to
``<instances_path>/<uuid>/console.log``, where the libvirt driver keeps a
guest's serial console. This driver serves that file to Nova's console
log API (``openstack console log show``, Horizon's Log tab, heat-cvm's
panel), the last 100 KiB as libvirt does; a server with no guest yet gets
the fake driver's answer.

Installed as nova.virt.minicloud (Nova imports drivers from nova.virt
only): ``compute_driver = minicloud.driver.GuestConsoleDriver`` in
nova-compute.conf.
"""

import os

import nova.conf
from nova.virt import fake

CONF = nova.conf.CONF
# nova.virt.libvirt.driver.MAX_CONSOLE_BYTES
MAX_CONSOLE_BYTES = 100 * 1024


def console_path(instance_uuid):
    return os.path.join(CONF.instances_path, instance_uuid, 'console.log')


def tail(path, limit=MAX_CONSOLE_BYTES):
    with open(path, 'rb') as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - limit))
        return f.read()


class GuestConsoleDriver(fake.FakeDriver):

    def get_console_output(self, context, instance):
        try:
            # Bytes, as libvirt's: the compute manager decodes them.
            return tail(console_path(instance.uuid))
        except FileNotFoundError:
            return super().get_console_output(context, instance)

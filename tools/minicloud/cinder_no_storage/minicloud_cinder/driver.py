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

"""A Cinder volume driver with no storage behind it, for the minicloud.

It stands in for a real backend (LVM exporting over iSCSI, as DevStack
runs, or Ceph RBD): volumes are rows in Cinder's database and nothing
else. Create, delete, export and connect all succeed at once, so the
volume API is real (a volume goes creating -> available -> attaching ->
in-use, and back, through cinder-api, cinder-scheduler and this
cinder-volume), but no block of data exists. Nova's fake virt driver
records the connection info of an attach and touches no disk, so it needs
no os-brick connector for it; the guest runner makes the volume's device
appear in the simulated guest (tools/minicloud/guest_sim.py).

Loaded by import path: ``volume_driver =
minicloud_cinder.driver.NoStorageDriver`` in cinder.conf.
"""

from cinder.volume import driver

# What the backend reports to the scheduler; nothing is consumed, so the
# capacity never runs out.
CAPACITY_GB = 1024


class NoStorageDriver(driver.BaseVD):
    VERSION = '1.0.0'

    def check_for_setup_error(self):
        pass

    def _update_volume_stats(self):
        self._stats = {
            'volume_backend_name': self.configuration.safe_get(
                'volume_backend_name') or 'minicloud',
            'vendor_name': 'heat-cvm minicloud',
            'driver_version': self.VERSION,
            'storage_protocol': 'minicloud',
            'total_capacity_gb': CAPACITY_GB,
            'free_capacity_gb': CAPACITY_GB,
            'reserved_percentage': 0,
            'thin_provisioning_support': True,
            'multiattach': False,
        }

    def create_volume(self, volume):
        pass

    def delete_volume(self, volume):
        pass

    def extend_volume(self, volume, new_size):
        pass

    def ensure_export(self, context, volume):
        pass

    def create_export(self, context, volume, connector):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        # A real driver returns its transport ("iscsi" with a target
        # portal and IQN, "rbd" with a pool and image) for os-brick on
        # the compute host; Nova's fake driver only stores this.
        return {'driver_volume_type': 'minicloud',
                'data': {'volume_id': volume.id, 'encrypted': False}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

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

"""A small fake cloud behind Heat's client plugins.

Heat's resources talk to Nova, Neutron, Glance, Cinder and Aodh through
client plugins (heat.engine.clients.os.*). This module replaces the python
clients those plugins return, and their name lookups, with in-memory
objects that keep state, so a stack really creates, updates and deletes
servers, ports and security groups, and a test can count what is left.
Nothing above the client-plugin boundary is stubbed.
"""

import collections
import itertools
import uuid

from heat.common import exception
from heat.engine.clients import client_exception
from heat.engine.clients.os import aodh
from heat.engine.clients.os import cinder
from heat.engine.clients.os import glance
from heat.engine.clients.os import neutron
from heat.engine.clients.os import nova
from heat.engine import resource
from neutronclient.common import exceptions as neutron_exc
from novaclient import exceptions as nova_exc

FLAVORS = {'m1.small': 'f-small', 'm1.large': 'f-large'}
VCPUS = {'m1.small': 1, 'm1.large': 2}
NETWORKS = {'private': 'net-private', 'public': 'net-public'}
KEYPAIRS = {'default'}
VOLUMES = {'vol-data': 'available'}


class Image:
    def __init__(self, name, container_format):
        self.id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        self.name = name
        self.container_format = container_format
        self.disk_format = 'raw' if container_format == 'docker' else 'qcow2'
        self.status = 'active'
        self.min_disk = 0
        self.min_ram = 0
        self.size = 10 * 2 ** 20

    def get(self, key, default=None):
        # glanceclient's images are dicts too: extra properties by key.
        return getattr(self, key, default)


IMAGES = {image.name: image for image in (
    Image('cvm-host', 'bare'), Image('cvm-host-v2', 'bare'),
    Image('cirros', 'bare'), Image('app-docker', 'docker'))}


class Obj:
    """A novaclient-style resource object."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def to_dict(self):
        return dict(self.__dict__)


class FakeNova:
    def __init__(self, cloud):
        self.cloud = cloud
        self.servers = _Servers(cloud)
        self.keypairs = _Keypairs()
        self.flavors = _Flavors()
        self.limits = _Limits()
        self.volumes = _NovaVolumes(cloud)


class _Server(Obj):
    def __init__(self, cloud, **attrs):
        super().__init__(**attrs)
        self._cloud = cloud

    def to_dict(self):
        data = {k: v for k, v in self.__dict__.items() if k != '_cloud'}
        data['addresses'] = self.addresses
        return data

    @property
    def addresses(self):
        # Nova's view of the ports Neutron has bound to this server.
        addresses = collections.defaultdict(list)
        for port in self._cloud.ports.values():
            if port.get('device_id') != self.id:
                continue
            network = next(n for n, i in NETWORKS.items()
                           if i == port['network_id'])
            addresses[network].append({
                'addr': port['fixed_ips'][0]['ip_address'], 'version': 4,
                'OS-EXT-IPS:type': 'fixed',
                'OS-EXT-IPS-MAC:mac_addr': port['mac_address']})
        return dict(addresses)

    def interface_detach(self, port_id):
        self._cloud.ports[port_id]['device_id'] = ''

    def interface_attach(self, port_id, net_id, fip):
        self._cloud.ports[port_id]['device_id'] = self.id

    def interface_list(self):
        return [Obj(port_id=port['id'], net_id=port['network_id'],
                    mac_addr=port['mac_address'],
                    fixed_ips=port['fixed_ips'], port_state='ACTIVE')
                for port in self._cloud.ports.values()
                if port.get('device_id') == self.id]


class _Limits:
    def get(self, reserved=False):
        absolute = {'maxServerMeta': 128, 'maxPersonality': 5,
                    'maxPersonalitySize': 10240}
        return Obj(absolute=[Obj(name=k, value=v)
                             for k, v in absolute.items()])


class _Flavors:
    def get(self, flavor_id):
        for name, fid in FLAVORS.items():
            if flavor_id in (name, fid):
                return Obj(id=fid, name=name, ram=2048, disk=20,
                           vcpus=VCPUS[name],
                           ephemeral=0, swap=0, is_public=True,
                           extra_specs={})
        raise nova_exc.NotFound(404)

    def find(self, **kwargs):
        return self.get(kwargs.get('name'))


class _Keypairs:
    def get(self, name):
        if name not in KEYPAIRS:
            raise nova_exc.NotFound(404)
        return Obj(name=name, public_key='ssh-rsa AAAA')


class _Servers:
    def __init__(self, cloud):
        self.cloud = cloud

    def create(self, name, image, flavor, userdata=None, meta=None,
               nics=None, **kwargs):
        server_id = str(uuid.uuid4())
        for nic in nics or []:
            self.cloud.ports[nic['port-id']]['device_id'] = server_id
        server = _Server(
            self.cloud, id=server_id, name=name, status='ACTIVE',
            image={'id': image}, flavor={'id': flavor}, userdata=userdata,
            metadata=meta or {}, networks={}, accessIPv4='', accessIPv6='',
            **{'OS-EXT-STS:task_state': None,
               'OS-EXT-SRV-ATTR:instance_name': name,
               'OS-EXT-SRV-ATTR:hypervisor_hostname': 'fake'})
        self.cloud.servers[server_id] = server
        if self.cloud.guests is not None:
            self.cloud.guests.boot(server, userdata)
        return server

    def get(self, server_id):
        server_id = getattr(server_id, 'id', server_id)
        if server_id not in self.cloud.servers:
            raise nova_exc.NotFound(404)
        return self.cloud.servers[server_id]

    def delete(self, server_id):
        server = self.get(server_id)
        del self.cloud.servers[server.id]
        for port in self.cloud.ports.values():
            if port.get('device_id') == server.id:
                port['device_id'] = ''

    def list(self, *args, **kwargs):
        return list(self.cloud.servers.values())

    def interface_list(self, server_id):
        return []

    def set_meta(self, server, meta):
        server.metadata.update(meta)

    def delete_meta(self, server, keys):
        for key in keys:
            server.metadata.pop(key, None)


class _NovaVolumes:
    def __init__(self, cloud):
        self.cloud = cloud

    def create_server_volume(self, server_id, volume_id, device=None):
        self.cloud.volumes[volume_id]['status'] = 'in-use'
        self.cloud.volumes[volume_id]['server'] = server_id
        return Obj(id=volume_id)

    def get_server_volume(self, server_id, volume_id):
        volume = self.cloud.volumes.get(volume_id)
        if volume is None or volume['server'] != server_id:
            raise nova_exc.NotFound(404)
        return Obj(id=volume_id, volumeId=volume_id, serverId=server_id)

    def delete_server_volume(self, server_id, volume_id):
        self.cloud.volumes[volume_id]['status'] = 'available'
        self.cloud.volumes[volume_id]['server'] = None


class FakeNeutron:
    def __init__(self, cloud):
        self.cloud = cloud
        self._ips = itertools.count(10)

    def list_extensions(self):
        return {'extensions': [{'alias': a} for a in (
            'security-group', 'port-security', 'stateful-security-group')]}

    def create_security_group(self, body):
        group = dict(body['security_group'], id=str(uuid.uuid4()),
                     security_group_rules=[])
        self.cloud.security_groups[group['id']] = group
        # Neutron adds an egress rule per ethertype, as a real cloud does.
        for ethertype in ('IPv4', 'IPv6'):
            self.create_security_group_rule({'security_group_rule': {
                'security_group_id': group['id'], 'direction': 'egress',
                'ethertype': ethertype}})
        return {'security_group': group}

    def show_security_group(self, group_id):
        if group_id not in self.cloud.security_groups:
            raise neutron_exc.NotFound()
        return {'security_group': self.cloud.security_groups[group_id]}

    def update_security_group(self, group_id, body):
        self.cloud.security_groups[group_id].update(body['security_group'])

    def delete_security_group(self, group_id):
        if self.cloud.security_groups.pop(group_id, None) is None:
            raise neutron_exc.NotFound()

    def create_security_group_rule(self, body):
        # Neutron takes one rule or, in bulk, a list of them.
        rules = body.get('security_group_rules') or [
            body['security_group_rule']]
        created = []
        for rule in rules:
            rule = dict(rule, id=str(uuid.uuid4()))
            group = self.cloud.security_groups[rule['security_group_id']]
            group['security_group_rules'].append(rule)
            created.append(rule)
        if 'security_group_rules' in body:
            return {'security_group_rules': created}
        return {'security_group_rule': created[0]}

    def delete_security_group_rule(self, rule_id):
        for group in self.cloud.security_groups.values():
            group['security_group_rules'] = [
                r for r in group['security_group_rules']
                if r['id'] != rule_id]

    def create_port(self, body):
        port_id = str(uuid.uuid4())
        port = dict(body['port'], id=port_id, status='ACTIVE',
                    mac_address='fa:16:3e:00:00:%02x' % (len(
                        self.cloud.ports) % 256),
                    fixed_ips=[{'subnet_id': 'subnet-1',
                                'ip_address': '10.0.0.%d' % next(self._ips)}])
        self.cloud.ports[port_id] = port
        return {'port': port}

    def show_port(self, port_id):
        if port_id not in self.cloud.ports:
            raise neutron_exc.PortNotFoundClient()
        return {'port': self.cloud.ports[port_id]}

    def update_port(self, port_id, body):
        self.cloud.ports[port_id].update(body['port'])
        return {'port': self.cloud.ports[port_id]}

    def delete_port(self, port_id):
        if self.cloud.ports.pop(port_id, None) is None:
            raise neutron_exc.PortNotFoundClient()

    def list_ports(self, **kwargs):
        return {'ports': [p for p in self.cloud.ports.values()
                          if all(p.get(k) == v for k, v in kwargs.items())]}


class FakeCinder:
    def __init__(self, cloud):
        self.volumes = _CinderVolumes(cloud)


class _CinderVolumes:
    def __init__(self, cloud):
        self.cloud = cloud

    def create(self, size, **kwargs):
        volume_id = str(uuid.uuid4())
        self.cloud.volumes[volume_id] = {'status': 'available', 'size': size,
                                         'server': None}
        return self.get(volume_id)

    def get(self, volume_id):
        if volume_id not in self.cloud.volumes:
            raise cinder.exceptions.NotFound(404)
        data = self.cloud.volumes[volume_id]
        return Obj(id=volume_id, status=data['status'], size=data['size'],
                   attachments=([{'server_id': data['server'],
                                  'attachment_id': volume_id}]
                                if data['server'] else []),
                   metadata={}, bootable='false', to_dict=lambda: {})

    def delete(self, volume_id):
        volume_id = getattr(volume_id, 'id', volume_id)
        self.cloud.volumes.pop(volume_id, None)

    def set_bootable(self, *args):
        pass

    def update(self, *args, **kwargs):
        pass


class FakeAodh:
    def __init__(self, cloud):
        self.alarm = _Alarms(cloud)


class _Alarms:
    def __init__(self, cloud):
        self.cloud = cloud

    def create(self, alarm):
        alarm = dict(alarm, alarm_id=str(uuid.uuid4()))
        self.cloud.alarms[alarm['alarm_id']] = alarm
        return alarm

    def get(self, alarm_id):
        return self.cloud.alarms[alarm_id]

    def update(self, alarm_id, alarm):
        self.cloud.alarms[alarm_id].update(alarm)
        return self.cloud.alarms[alarm_id]

    def delete(self, alarm_id):
        self.cloud.alarms.pop(alarm_id, None)


class FakeCloud:
    """State of the fake cloud, and the patches that put it behind Heat."""

    def __init__(self):
        # Set by guests.SimulatedGuests: boots each new server's user data.
        self.guests = None
        self.servers = {}
        self.ports = {}
        self.security_groups = {}
        self.volumes = {name: {'status': status, 'size': 1, 'server': None}
                        for name, status in VOLUMES.items()}
        self.alarms = {}
        self.nova = FakeNova(self)
        self.neutron = FakeNeutron(self)
        self.cinder = FakeCinder(self)
        self.aodh = FakeAodh(self)

    def counts(self):
        return {'servers': len(self.servers), 'ports': len(self.ports),
                'security_groups': len(self.security_groups),
                'volumes': len(self.volumes), 'alarms': len(self.alarms)}

    def install(self, test):
        test.patchobject(resource.Resource, 'is_service_available',
                         return_value=(True, None))
        test.patchobject(nova.NovaClientPlugin, 'client',
                         return_value=self.nova)
        test.patchobject(nova.NovaClientPlugin, 'find_flavor_by_name_or_id',
                         side_effect=_find_flavor)
        test.patchobject(neutron.NeutronClientPlugin, 'client',
                         return_value=self.neutron)
        test.patchobject(neutron.NeutronClientPlugin,
                         'find_resourceid_by_name_or_id',
                         side_effect=self._find_neutron)
        test.patchobject(glance.GlanceClientPlugin, 'get_image',
                         side_effect=_get_image)
        test.patchobject(glance.GlanceClientPlugin,
                         'find_image_by_name_or_id',
                         side_effect=lambda name: _get_image(name).id)
        test.patchobject(cinder.CinderClientPlugin, 'client',
                         return_value=self.cinder)
        test.patchobject(cinder.CinderClientPlugin, 'get_volume',
                         side_effect=self._get_volume)
        test.patchobject(aodh.AodhClientPlugin, 'client',
                         return_value=self.aodh)
        return self

    def _find_neutron(self, resource_type, name, cmd_resource=None):
        known = {'network': dict(NETWORKS, **{v: v for v in
                                              NETWORKS.values()}),
                 'port': {p: p for p in self.ports},
                 'security_group': {g: g for g in self.security_groups}}
        if name in known.get(resource_type, {}):
            return known[resource_type][name]
        raise exception.EntityNotFound(entity=resource_type.capitalize(),
                                       name=name)

    def _get_volume(self, volume_id):
        if volume_id not in self.volumes:
            raise exception.EntityNotFound(entity='Volume', name=volume_id)
        return self.cinder.volumes.get(volume_id)


def _find_flavor(name):
    if name in FLAVORS:
        return FLAVORS[name]
    if name in FLAVORS.values():
        return name
    raise nova_exc.NotFound(404, 'Flavor %s could not be found.' % name)


def _get_image(name):
    for image in IMAGES.values():
        if name in (image.name, image.id):
            return image
    raise client_exception.EntityMatchNotFound(entity='image',
                                               args={'name': name})

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

"""The minicloud's contents, made through the APIs (openstacksdk).

Run by minicloud.py with the services' venv, in three steps:

  identity   clouds.yaml; projects, users, roles, Heat's stack-user domain,
             the service catalog
  compute    wait until nova-compute registered its resource provider
  resources  flavors m1.small (1 vCPU) and m1.medium (2), a shared network
             "private" with a subnet, the container-host images "cvm-host"
             (played by the guest runner's cloud-init) and "cvm-host-vm"
             (the real image, booted in qemu), Gnocchi's archive policies
             and instance resource type as ceilometer makes them, the
             local registry's test images, memcached:1.6 pushed to
             heat-cvm-registry with the docker CLI (a Glance image of
             the demo project); wait for heat-engine and for
             cinder-volume's backend in the scheduler
  heat-engine
             wait until a heat-engine started since --since reports "up"
             (after ``minicloud.py restart heat-engine``)
"""

import argparse
import datetime
import json
import pathlib
import time

from gnocchiclient import exceptions as gnocchi_exceptions
from gnocchiclient.v1 import client as gnocchi_client
import openstack
import yaml

import docker_engine
import registry_image

# The image the guest runner boots in a real VM: heat-cvm's container-host
# image as heat-cvm-build-host-image built it.
VM_IMAGE = 'cvm-host-vm'


def services(ports, host):
    """name, type and URL of each service in the catalog."""
    base = 'http://%s:%%d' % host
    return [
        ('heat', 'orchestration',
         base % ports['heat'] + '/v1/%(tenant_id)s'),
        ('heat-cfn', 'cloudformation', base % ports['heat_cfn'] + '/v1'),
        ('glance', 'image', base % ports['glance']),
        ('placement', 'placement', base % ports['placement']),
        ('nova', 'compute', base % ports['nova'] + '/v2.1'),
        ('neutron', 'network', base % ports['neutron']),
        ('cinder', 'block-storage', base % ports['cinder'] + '/v3'),
        ('gnocchi', 'metric', base % ports['gnocchi']),
        ('aodh', 'alarming', base % ports['aodh']),
        # heat-cvm-registry; its Keystone account is "cvm".
        ('cvm-registry', 'container-registry',
         'https://%s:%d' % (host, ports['cvm_registry'])),
    ]


def write_clouds_yaml(state, ports):
    auth_url = 'http://127.0.0.1:%d/v3' % ports['keystone']

    def cloud(user, password, project):
        return {'auth': {'auth_url': auth_url, 'username': user,
                         'password': password, 'project_name': project,
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': 'RegionOne', 'identity_api_version': 3}
    clouds = {'clouds': {'minicloud-admin': cloud('admin', 'admin', 'admin'),
                         'minicloud': cloud('demo', 'demo', 'demo'),
                         # What the functional tests play ceilometer as.
                         'minicloud-ceilometer': cloud(
                             'ceilometer', 'ceilometer', 'service')}}
    (state / 'clouds.yaml').write_text(yaml.safe_dump(clouds))


def connect(state, cloud='minicloud-admin'):
    config = openstack.config.OpenStackConfig(
        config_files=[str(state / 'clouds.yaml')])
    return openstack.connection.Connection(
        config=config.get_one(cloud=cloud))


def identity(conn, ports, host):
    idc = conn.identity

    def project(name, domain_id='default'):
        return (idc.find_project(name, domain_id=domain_id)
                or idc.create_project(name=name, domain_id=domain_id))

    def user(name, password, domain_id='default'):
        return (idc.find_user(name, domain_id=domain_id)
                or idc.create_user(name=name, password=password,
                                   domain_id=domain_id))

    def role(name):
        return idc.find_role(name) or idc.create_role(name=name)

    admin, member, service = role('admin'), role('member'), role('service')
    services_project = project('service')
    idc.assign_project_role_to_user(project('demo'), user('demo', 'demo'),
                                    member)
    # Heat's stack-user domain: wait conditions sign with its users.
    heat_domain = (idc.find_domain('heat')
                   or idc.create_domain(name='heat'))
    idc.assign_domain_role_to_user(
        heat_domain, user('heat_domain_admin', 'heatdomain',
                          heat_domain.id), admin)
    role('heat_stack_user')
    role('heat_stack_owner')
    # Ceilometer's account (no ceilometer runs: the tests post its
    # measures), admin in the service project as DevStack makes it.
    idc.assign_project_role_to_user(
        services_project, user('ceilometer', 'ceilometer'), admin)
    for name, service_type, url in services(ports, host):
        account = user(name.split('-')[0], name.split('-')[0])
        idc.assign_project_role_to_user(services_project, account, admin)
        # keystonemiddleware refuses a service token without this role.
        idc.assign_project_role_to_user(services_project, account, service)
        entry = (idc.find_service(name)
                 or idc.create_service(name=name, type=service_type))
        have = {e.interface for e in idc.endpoints(service_id=entry.id)}
        for interface in {'public', 'internal', 'admin'} - have:
            idc.create_endpoint(service_id=entry.id, interface=interface,
                                url=url, region_id='RegionOne')


# The "instance" resource type as ceilometer-upgrade leaves it
# (ceilometer/gnocchi_client.py, its initial attributes and updates):
# name -> (type, required).
INSTANCE_ATTRIBUTES = {
    'flavor_id': ('string', True), 'image_ref': ('string', False),
    'host': ('string', False), 'display_name': ('string', True),
    'server_group': ('string', False), 'flavor_name': ('string', True),
    'launched_at': ('datetime', False), 'created_at': ('datetime', False),
    'deleted_at': ('datetime', False),
    'availability_zone': ('string', False),
}


def _attribute(kind, required):
    if kind == 'string':
        return {'type': kind, 'min_length': 0, 'max_length': 255,
                'required': required}
    return {'type': kind, 'required': required}


def telemetry(conn, granularity):
    """Gnocchi as ceilometer-upgrade leaves it, on the minicloud's clock.

    ceilometer's archive policies with ``granularity`` seconds (a cloud's
    are 300): "ceilometer-low-rate" keeps cumulative meters such as cpu,
    whose per-period mean Aodh's rate:mean alarms difference.
    """
    gnocchi = gnocchi_client.Client(
        session=conn.session, adapter_options={'interface': 'public'})
    points = 3600 // granularity
    for name, methods in (('ceilometer-low', ['mean']),
                          ('ceilometer-low-rate', ['mean', 'rate:mean'])):
        try:
            gnocchi.archive_policy.create({
                'name': name, 'aggregation_methods': methods,
                'back_window': 0, 'definition': [
                    {'granularity': '%ds' % granularity,
                     'points': points}]})
        except gnocchi_exceptions.ArchivePolicyAlreadyExists:
            pass
    try:
        gnocchi.resource_type.create({
            'name': 'instance', 'attributes': {
                name: _attribute(*kind) for name, kind in
                INSTANCE_ATTRIBUTES.items()}})
    except gnocchi_exceptions.ResourceTypeAlreadyExists:
        pass


def wait(check, what, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except openstack.exceptions.SDKException:
            pass
        if time.monotonic() > deadline:
            raise SystemExit('%s not ready after %d s' % (what, timeout))
        time.sleep(1)


def compute(conn):
    wait(lambda: list(conn.placement.resource_providers()),
         'the compute node in placement')


def push_to_cvm_registry(state, registry, cvm_registry, reference):
    """An image of the local registry, pushed to heat-cvm-registry.

    With the docker CLI, by the demo user, as a user pushes one: a
    docker-format Glance image of the demo project, named after its
    reference. Each command is printed as typed (in the cloud-setup log).
    """
    source = '%s/%s' % (registry.split('//')[-1], reference)
    target = '%s/%s' % (cvm_registry, reference)
    engine = docker_engine.DockerEngine(state / 'docker-push').start()
    try:
        for args, password in ((('pull', '-q', source), None),
                               (('tag', source, target), None),
                               (('login', '-u', 'demo/demo',
                                 '--password-stdin', cvm_registry), 'demo'),
                               (('push', '-q', target), None)):
            print('$ docker %s' % ' '.join(args), flush=True)
            print(engine.docker(*args, input=password).stdout.strip(),
                  flush=True)
    finally:
        engine.stop()


def resources(conn, state, host_image_dir, registry, alarm_granularity,
              cvm_registry):
    # Two vCPU counts: a CPU alarm's threshold depends on the flavor's.
    for name, vcpus in (('m1.small', 1), ('m1.medium', 2)):
        if not conn.compute.find_flavor(name):
            conn.compute.create_flavor(name=name, ram=512 * vcpus,
                                       vcpus=vcpus, disk=1)
    network = conn.network.find_network('private')
    if network is None:
        network = conn.network.create_network(name='private', shared=True)
        conn.network.create_subnet(network_id=network.id, name='private',
                                   ip_version=4, cidr='10.0.0.0/22')
    if conn.image.find_image('cvm-host') is None:
        # The fake virt driver boots nothing: any bytes make an image.
        disk = state / 'data' / 'cvm-host.raw'
        disk.write_bytes(b'\0' * 1024 * 1024)
        conn.image.create_image(name='cvm-host', filename=str(disk),
                                disk_format='raw', container_format='bare',
                                visibility='public')
    if conn.image.find_image(VM_IMAGE) is None:
        conn.image.create_image(
            name=VM_IMAGE, filename=str(host_image_dir / 'disk.qcow2'),
            disk_format='qcow2', container_format='bare',
            visibility='public')
    telemetry(conn, alarm_granularity)
    registry_image.push_busybox(registry)
    registry_image.push_memcached(registry)
    push_to_cvm_registry(state, registry, cvm_registry, 'memcached:1.6')
    heat_engine(conn)

    def backend_pools():
        # The scheduler refuses volumes until cinder-volume has reported
        # its backend's capacity.
        response = conn.block_storage.get('/scheduler-stats/get_pools')
        return response.status_code == 200 and response.json()['pools']
    wait(backend_pools, "cinder-volume's backend")


def heat_engine(conn, since=0.0):
    """Until a heat-engine that started after ``since`` reports "up".

    (A killed engine's record stays "up" until its report is overdue.)
    """
    def started(service):
        return datetime.datetime.fromisoformat(service['created_at']).replace(
            tzinfo=datetime.timezone.utc).timestamp()
    wait(lambda: any(s['status'] == 'up' and started(s) >= since
                     for s in conn.orchestration.get(
                         '/services').json()['services']), 'heat-engine')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('step', choices=('identity', 'compute', 'resources',
                                         'heat-engine'))
    parser.add_argument('--state', type=pathlib.Path, required=True)
    parser.add_argument('--ports', type=json.loads, required=True)
    parser.add_argument('--api-host', required=True,
                        help="the catalog's host name")
    parser.add_argument('--host-image-dir', type=pathlib.Path,
                        help='resources: the built container-host image')
    parser.add_argument('--alarm-granularity', type=int,
                        help="resources: seconds, Gnocchi's and [cvm]'s")
    parser.add_argument('--since', type=float, default=0.0,
                        help='heat-engine: epoch seconds')
    args = parser.parse_args()
    if args.step == 'identity':
        write_clouds_yaml(args.state, args.ports)
    conn = connect(args.state)
    if args.step == 'identity':
        identity(conn, args.ports, args.api_host)
    elif args.step == 'compute':
        compute(conn)
    elif args.step == 'heat-engine':
        heat_engine(conn, args.since)
    else:
        resources(conn, args.state, args.host_image_dir,
                  'http://127.0.0.1:%d' % args.ports['registry'],
                  args.alarm_granularity,
                  '%s:%d' % (args.api_host, args.ports['cvm_registry']))


if __name__ == '__main__':
    main()

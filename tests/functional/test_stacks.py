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

"""OS::CVM::Container through `openstack stack create` on the minicloud.

A real heat-api and heat-engine (with heat-cvm on plugin_dirs), Keystone,
Nova, Neutron, Glance and Cinder; the guest runner plays each server's
boot from the user data Nova holds, and the guest's own helper signals
Heat.
"""

import time
import urllib.request
import uuid

import pytest

from tools.minicloud import helpers

EXAMPLES = helpers.REPO / 'templates' / 'examples'


def stack_name(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:6])


def create_example(cloud, name, example, *parameters):
    """Create an example's stack and check it completed."""
    args = ['stack', 'create', '--wait', '-t',
            str(EXAMPLES / ('%s.yaml' % example))]
    for parameter in parameters:
        args += ['--parameter', parameter]
    cloud.openstack(*(args + [name]))
    stack = cloud.stack(name)
    assert stack['stack_status'] == 'CREATE_COMPLETE', \
        stack['stack_status_reason']


def test_memcached_example_runs_and_deletes_cleanly(cloud):
    name = stack_name('memcached')
    create_example(cloud, name, 'memcached')

    members = cloud.output(name, 'servers')
    (server,) = [s for s in cloud.json('server', 'list', '--all-projects',
                                       '--long', cloud='minicloud-admin')
                 if s['ID'] in members]
    address = next(iter(server['Networks'].values()))[0]
    assert cloud.output(name, 'endpoints') == ['%s:11211' % address]

    # The guest ran exactly the container, and its signal made the stack.
    record = cloud.guest_records()[server['ID']]
    assert record['returncodes'] == [0]
    runs = [c['argv'] for c in record['calls']
            if c['cmd'] == 'docker' and c['argv'][0] == 'run']
    assert len(runs) == 1 and 'memcached:1.6' in runs[0]

    # The security group opens the published port and nothing else.
    (group,) = cloud.json('stack', 'resource', 'list', '-n', '5',
                          '--filter', 'type=OS::Neutron::SecurityGroup',
                          name)
    ingress = cloud.json('security', 'group', 'rule', 'list', '--ingress',
                         group['physical_resource_id'])
    assert [(r['IP Protocol'], r['Port Range'], r['IP Range'])
            for r in ingress] == [('tcp', '11211:11211', '10.0.0.0/8')]

    cloud.openstack('stack', 'delete', '--yes', '--wait', name)
    assert cloud.leftovers(name) == {}


def test_bad_property_fails_at_create_and_leaves_nothing(cloud):
    name = stack_name('bad')
    result = cloud.openstack(
        'stack', 'create', '-t', str(EXAMPLES / 'memcached.yaml'),
        '--parameter', 'image=Memcached:1.6', name, check=False)
    assert result.returncode != 0
    # heat-api prints its validation errors as "Property error: : <path>:
    # : <message>" (Heat's own errors too): check the path and the message.
    assert 'Property error' in result.stderr
    assert 'resources.memcached.properties.image' in result.stderr
    assert ('"Memcached:1.6" is not a valid Docker image reference: the '
            'repository name must be lowercase') in result.stderr
    assert cloud.leftovers(name) == {}


def test_secret_never_reaches_heat_or_the_logs(cloud):
    secret = 'pw-%s' % uuid.uuid4().hex
    name = stack_name('secret')
    # The generic template; flavor, host image and network come from the
    # cloud's [cvm] options.
    cloud.openstack('stack', 'create', '--wait', '-t',
                    str(helpers.REPO / 'templates' / 'container.yaml'),
                    '--parameter', 'image=busybox:1.36',
                    '--parameter', 'command=["sleep", "infinity"]',
                    '--parameter',
                    'secret_environment={"ADMIN_PASSWORD": "%s"}' % secret,
                    name)
    try:
        texts = [cloud.openstack('stack', 'show', name).stdout,
                 cloud.openstack('stack', 'event', 'list', '--nested-depth',
                                 '5', '-f', 'json', name).stdout,
                 cloud.openstack('stack', 'resource', 'list', '-n', '5',
                                 name).stdout]
        for log in (cloud.state / 'logs').glob('*.log'):
            texts.append(log.read_text(errors='replace'))
        for text in texts:
            assert secret not in text
        # ...but the guest got it, in its root-only env file.
        found = [r for r in cloud.guest_records().values()
                 if any(c.get('environment', {}).get('ADMIN_PASSWORD')
                        == secret for c in r['calls'])]
        assert found
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def container(cloud, name, *parameters, wait=True, check=True):
    """Create a stack from templates/container.yaml."""
    args = ['stack', 'create', '-t',
            str(helpers.REPO / 'templates' / 'container.yaml')]
    for parameter in parameters:
        args += ['--parameter', parameter]
    if wait:
        args.append('--wait')
    return cloud.openstack(*(args + [name]), check=check)


@pytest.mark.parametrize('image, why', [
    ('registry.invalid/nothing:1', 'no such host'),
    # The minicloud's own registry, asked as dockerd asks it.
    ('%s/no-such-image:9.9' % helpers.REGISTRY, 'manifest unknown'),
    # Docker Hub, which this machine cannot reach (but for the images the
    # tests use).
    ('example/not-a-test-image:1', 'lookup registry-1.docker.io'),
])
def test_a_failing_pull_fails_the_stack_with_its_reason(cloud, image, why):
    name = stack_name('nopull')
    container(cloud, name, 'image=' + image, 'command=["true"]',
              check=False)
    try:
        stack = cloud.stack(name)
        assert stack['stack_status'] == 'CREATE_FAILED'
        # Heat rebuilds a nested failure's reason split at each ":" and
        # joined with ": " (heat.common.exception.ResourceFailure), which
        # puts a space into "nothing:1" and "https://".
        reason = stack['stack_status_reason'].replace(': ', ':')
        assert 'docker pull %s' % image in reason
        assert why in reason
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def test_docker_format_glance_image_is_pulled_by_id(cloud, tmp_path):
    archive = tmp_path / 'app.tar'
    archive.write_bytes(b'not really a docker save archive')
    image = cloud.json('image', 'create', '--container-format', 'docker',
                       '--disk-format', 'raw', '--file', str(archive),
                       stack_name('app-docker'))
    bare = cloud.json('image', 'create', '--container-format', 'bare',
                      '--disk-format', 'raw', '--file', str(archive),
                      stack_name('app-bare'))
    name = stack_name('glance')
    try:
        refused = container(cloud, stack_name('bare'),
                            'glance_image=%s' % bare['name'], wait=False,
                            check=False)
        assert refused.returncode != 0
        assert ('Glance image "%s" has container_format "bare", not '
                '"docker": it does not hold a Docker image' % bare['name']
                ) in refused.stderr
        container(cloud, name, 'glance_image=%s' % image['name'],
                  'command=["true"]')
        record = cloud.guest_records()[cloud.output(name, 'servers')[0]]
        docker = [c['argv'] for c in record['calls'] if c['cmd'] == 'docker']
        # Logged in to heat-cvm-registry (with its pull grant), then
        # pulled by ID.
        logins = [argv for argv in docker if argv[0] == 'login']
        assert [argv[-1] for argv in logins] == [helpers.CVM_REGISTRY]
        pulls = [argv for argv in docker if argv[0] == 'pull']
        assert pulls == [['pull', '%s/%s' % (helpers.CVM_REGISTRY,
                                             image['id'])]]
        # The guest's grant, in its root-only file, is nowhere Heat shows
        # nor in any service's log.
        [grant_file] = (cloud.state / 'guests' / record['server']).glob(
            'probe/etc/heat-cvm/*/pull-grant')
        grant = grant_file.read_text()
        assert grant.count('.') == 2   # a JSON Web Token
        texts = [cloud.openstack('stack', 'show', name).stdout,
                 cloud.openstack('stack', 'event', 'list', '--nested-depth',
                                 '5', '-f', 'json', name).stdout,
                 cloud.openstack('stack', 'output', 'show', '--all',
                                 name).stdout,
                 cloud.openstack('stack', 'template', 'show', name).stdout]
        texts += [log.read_text(errors='replace')
                  for log in (cloud.state / 'logs').glob('*.log')]
        for text in texts:
            assert grant not in text
            assert grant.split('.')[2] not in text   # nor its signature
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)
        cloud.openstack('image', 'delete', image['id'], bare['id'])


def wait_for_size(cloud, name, size, timeout=180):
    deadline = time.monotonic() + timeout
    while cloud.output(name, 'current_size') != size:
        assert time.monotonic() < deadline, 'size never reached %d' % size
        time.sleep(3)


def test_scale_urls_resize_the_group(cloud):
    name = stack_name('scale')
    container(cloud, name, 'image=busybox:1.36', 'command=["true"]',
              'min_size=1', 'max_size=3', 'cooldown=0')
    try:
        assert cloud.output(name, 'current_size') == 1
        # The attributes agree with what Nova and Neutron say.
        (server,) = cloud.output(name, 'servers')
        nova = cloud.json('server', 'show', server)['addresses']
        neutron = [ip['ip_address'] for port in cloud.json(
            'port', 'list', '--server', server, '--long')
            for ip in port['Fixed IP Addresses']]
        assert cloud.output(name, 'addresses') == neutron == [
            ip for ips in nova.values() for ip in ips]
        # A plain POST, as Aodh or a user's script does: the URL is signed.
        for url_key, size in (('scale_up_url', 2), ('scale_down_url', 1)):
            request = urllib.request.Request(cloud.output(name, url_key),
                                             data=b'', method='POST')
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
            wait_for_size(cloud, name, size)
        assert len(cloud.output(name, 'servers')) == 1
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def test_desired_capacity_update_resizes_the_group(cloud):
    name = stack_name('resize')
    container(cloud, name, 'image=busybox:1.36', 'command=["true"]',
              'min_size=1', 'max_size=3')
    try:
        cloud.openstack('stack', 'update', '--existing', '--wait',
                        '--parameter', 'desired_capacity=3', name)
        assert cloud.output(name, 'current_size') == 3
        servers = cloud.output(name, 'servers')
        assert len(set(servers)) == 3
        # Every new member came up through its own guest's signal.
        records = cloud.guest_records()
        assert all(records[s]['returncodes'] == [0] for s in servers)

        refused = cloud.openstack('stack', 'update', '--existing',
                                  '--parameter', 'desired_capacity=4', name,
                                  check=False)
        assert refused.returncode != 0
        assert 'desired_capacity' in refused.stderr
        assert cloud.output(name, 'current_size') == 3
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def test_image_update_rolls_members_keeping_min_in_service(cloud):
    name = stack_name('roll')
    container(cloud, name, 'image=busybox:1.36', 'command=["true"]',
              'min_size=2', 'max_size=2', 'rolling_min_in_service=1',
              'rolling_max_batch_size=1')
    try:
        old = set(cloud.output(name, 'servers'))
        cloud.openstack('stack', 'update', '--existing', '--wait',
                        '--parameter', 'image=busybox:1.37', name)
        stack = cloud.stack(name)
        assert stack['stack_status'] == 'UPDATE_COMPLETE', \
            stack['stack_status_reason']
        new = set(cloud.output(name, 'servers'))
        assert len(new) == 2 and not new & old
        records = cloud.guest_records()
        for server in new:
            runs = [c['argv'] for c in records[server]['calls']
                    if c['cmd'] == 'docker' and c['argv'][0] == 'run']
            assert 'busybox:1.37' in runs[0]

        # In service = ready (its guest signalled) and not yet deleted.
        lives = [(records[s]['booted_at'], cloud.terminated_at(s))
                 for s in old | new]
        moments = sorted(t for life in lives for t in life if t)
        for moment in moments:
            in_service = sum(1 for start, end in lives
                             if start <= moment and (end is None
                                                     or moment < end))
            assert in_service >= 1, 'no member in service at %s' % moment
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def test_a_guest_that_never_signals_times_out(cloud):
    name = stack_name('hung')
    started = time.monotonic()
    container(cloud, name, 'image=busybox:1.36', 'command=["true"]',
              'ready_timeout=20', 'metadata={"minicloud_guest": "hung"}',
              check=False)
    try:
        stack = cloud.stack(name)
        assert stack['stack_status'] == 'CREATE_FAILED'
        assert 'WaitConditionTimeout' in stack['stack_status_reason'], \
            stack['stack_status_reason']
        assert time.monotonic() - started < 20 + 90
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def docker_run(record):
    (run,) = [c for c in record['calls']
              if c['cmd'] == 'docker' and c['argv'][0] == 'run']
    return run


def assert_volume_mounted(cloud, server_id, size, mount_path):
    """The member's one Cinder volume: in-use on it, mounted by its guest."""
    (attachment,) = cloud.json('server', 'volume', 'list', server_id)
    volume = cloud.json('volume', 'show', attachment['Volume ID'])
    assert volume['status'] == 'in-use'
    assert volume['size'] == size
    assert [a['server_id'] for a in volume['attachments']] == [server_id]
    # Nova and udev name a virtio disk by the first 20 characters of the
    # volume ID; the guest formats the blank volume and mounts it where
    # the container's bind mount takes it from.
    device = '/dev/disk/by-id/virtio-%s' % volume['id'][:20]
    record = cloud.guest_records()[server_id]
    assert record['returncodes'] == [0]
    disk_calls = [[c['cmd']] + c['argv'] for c in record['calls']
                  if c['cmd'] in ('blkid', 'mkfs.ext4', 'mount')]
    (mount,) = [call for call in disk_calls if call[0] == 'mount']
    assert disk_calls == [['blkid', device], ['mkfs.ext4', '-q', device],
                          mount]
    assert mount[1] == device
    argv = docker_run(record)['argv']
    binds = [argv[i + 1] for i, word in enumerate(argv) if word == '--mount']
    (bind,) = [b for b in binds if b.endswith(',target=' + mount_path)]
    source = bind.split(',')[1]
    assert source.startswith('source=')
    assert mount[2].endswith(source[len('source='):])


def test_etherpad_example_mounts_its_cinder_volume(cloud):
    name = stack_name('etherpad')
    try:
        create_example(cloud, name, 'etherpad',
                       'admin_password=pw-%s' % uuid.uuid4().hex)
        (server_id,) = cloud.output(name, 'servers')
        assert_volume_mounted(cloud, server_id, 1, '/opt/etherpad-lite/var')
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)
    # The volume went with its member (leftovers() looks for volumes).
    assert cloud.leftovers(name) == {}


def test_wordpress_example_keeps_mysql_on_a_cinder_volume(cloud):
    name = stack_name('wordpress')
    try:
        create_example(cloud, name, 'wordpress',
                       'db_password=pw-%s' % uuid.uuid4().hex,
                       'db_root_password=pw-%s' % uuid.uuid4().hex)
        db_id, web_id = cloud.output(name, 'servers')
        assert_volume_mounted(cloud, db_id, 5, '/var/lib/mysql')
        # WordPress has no volume, and reaches MySQL at its address.
        web = cloud.guest_records()[web_id]
        assert not [c for c in web['calls']
                    if c['cmd'] in ('blkid', 'mkfs.ext4', 'mount')]
        db = cloud.json('server', 'show', db_id)
        (db_address,) = [a for addresses in db['addresses'].values()
                         for a in addresses]
        assert docker_run(web)['environment']['WORDPRESS_DB_HOST'] == \
            '%s:3306' % db_address
    finally:
        cloud.openstack('stack', 'delete', '--yes', '--wait', name)
    assert cloud.leftovers(name) == {}

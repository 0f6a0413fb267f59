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

"""heat-cvm-registry with the real docker CLI, skopeo and Glance.

Two docker engines of the tests' own (a pusher, and a puller with a clean
data root) and Debian's skopeo push to the minicloud's heat-cvm-registry
and pull from it; what they push is one docker-format Glance image each,
and what a user uploads to Glance by hand (``docker save`` into
``openstack image create``) is pulled the same. Then what must be
refused, each with the distribution spec's status and error code.
"""

import base64
import functools
import hashlib
import json
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.functional import real_vms
from tests.functional import test_stacks
from tools.minicloud import docker_engine
from tools.minicloud import helpers
from tools.minicloud import minicloud

REGISTRY = minicloud.CVM_REGISTRY
DEMO = ('demo/demo', 'demo')          # <project>/<user>, password
ADMIN = ('admin/admin', 'admin')


@pytest.fixture(scope='module')
def engines(cloud, tmp_path_factory):
    """A pusher and a puller, each a docker engine with its own data."""
    started = []
    try:
        for name in ('pusher', 'puller'):
            started.append(docker_engine.DockerEngine(
                tmp_path_factory.mktemp(name)).start())
        yield started
    finally:
        for engine in started:
            engine.stop()


@pytest.fixture(scope='module')
def app_credential(cloud):
    """An application credential of the demo user: (ID, secret)."""
    name = test_stacks.stack_name('registry')
    credential = cloud.json('application', 'credential', 'create', name)
    try:
        yield credential['ID'], credential['Secret']
    finally:
        cloud.openstack('application', 'credential', 'delete', name,
                        check=False)


@pytest.fixture(scope='module')
def glance_images(cloud):
    """IDs of the Glance images a test made, deleted after the module."""
    made = []
    yield made
    for image_id in made:
        cloud.openstack('image', 'delete', image_id, check=False,
                        cloud='minicloud-admin')


def build_image(engine, tmp_path, tag, payload):
    """A three-layer image, built offline from busybox and files."""
    context = tmp_path / tag.replace('/', '_').replace(':', '_')
    context.mkdir()
    (context / 'busybox').write_bytes(open('/bin/busybox', 'rb').read())
    (context / 'payload').write_bytes(payload)
    (context / 'Dockerfile').write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\n'
        'COPY payload /data/payload\nENV RELEASE=%s\n'
        'COPY Dockerfile /data/Dockerfile\n'
        'CMD ["/bin/busybox", "sleep", "3600"]\n' % tag.split(':')[-1])
    engine.docker('build', '-q', '-t', tag, str(context))
    return engine.image_id(tag)


def test_push_and_pull_with_the_docker_cli(cloud, engines, app_credential,
                                           glance_images, tmp_path):
    pusher, puller = engines
    repository = '%s/%s' % (REGISTRY, test_stacks.stack_name('app'))
    image_id = build_image(pusher, tmp_path, repository + ':1',
                           b'release one' * 100000)
    pusher.login(REGISTRY, *app_credential)
    output = pusher.docker('push', repository + ':1').stdout
    digest = output.split('digest: ')[1].split()[0]

    name = repository.split('/', 1)[1] + ':1'
    [listed] = cloud.images_named(name)
    glance_images.append(listed['id'])
    shown = cloud.json('image', 'show', listed['id'])
    assert (shown['container_format'], shown['disk_format']) == ('docker',
                                                                 'raw')
    assert shown['properties']['cvm_manifest_digest'] == digest
    assert shown['owner'] == cloud.token()['project_id']

    puller.login(REGISTRY, *DEMO)
    puller.docker('pull', repository + ':1')
    assert puller.image_id(repository + ':1') == image_id
    # By the Glance image's ID, and by digest.
    by_id = '%s/%s' % (REGISTRY, listed['id'])
    puller.docker('pull', by_id)
    assert puller.image_id(by_id) == image_id
    puller.docker('pull', '%s@%s' % (repository, digest))

    # A second push of the tag moves it: the older image stays, untagged,
    # pullable by digest.
    second_id = build_image(pusher, tmp_path, repository + ':1-new',
                            b'release two' * 100000)
    pusher.docker('tag', repository + ':1-new', repository + ':1')
    pusher.docker('push', repository + ':1')
    [newer] = cloud.images_named(name)
    glance_images.append(newer['id'])
    assert newer['id'] != listed['id']
    assert cloud.json('image', 'show', listed['id'])['name'] == \
        '%s@%s' % (name.split(':')[0], digest)
    puller.docker('pull', repository + ':1')
    assert puller.image_id(repository + ':1') == second_id
    puller.docker('rmi', '%s@%s' % (repository, digest), by_id)
    puller.docker('pull', '%s@%s' % (repository, digest))
    assert puller.image_id('%s@%s' % (repository, digest)) == image_id


def test_a_docker_save_archive_uploaded_to_glance_is_pulled(
        cloud, engines, glance_images, tmp_path):
    # The nova-docker way: docker save into openstack image create; and
    # openstack image save into docker load.
    pusher, puller = engines
    name = test_stacks.stack_name('saved') + ':2'
    image_id = build_image(pusher, tmp_path, name, b'saved' * 1000)
    archive = tmp_path / 'saved.tar'
    pusher.docker('save', '-o', str(archive), name)
    created = cloud.json('image', 'create', '--container-format', 'docker',
                         '--disk-format', 'raw', '--file', str(archive),
                         name)
    glance_images.append(created['id'])
    puller.login(REGISTRY, *DEMO)
    puller.docker('pull', '%s/%s' % (REGISTRY, name))
    assert puller.image_id('%s/%s' % (REGISTRY, name)) == image_id

    saved = tmp_path / 'from-glance.tar'
    cloud.openstack('image', 'save', '--file', str(saved), created['id'])
    puller.docker('rmi', '%s/%s' % (REGISTRY, name))
    puller.docker('load', '-i', str(saved))
    assert puller.image_id(name) == image_id


def test_skopeo_copies_in_and_out(cloud, engines, glance_images, tmp_path):
    """A second, independent client: containers/image's skopeo."""
    pusher, _puller = engines
    source = test_stacks.stack_name('skopeo') + ':3'
    image_id = build_image(pusher, tmp_path, source, b'skopeo' * 1000)
    pusher.docker('save', '-o', str(tmp_path / 'skopeo.tar'), source)
    target = 'docker://%s/%s' % (REGISTRY, source)
    creds = '%s:%s' % DEMO
    run(['skopeo', 'copy', '--quiet', '--dest-creds', creds,
         'docker-archive:%s' % (tmp_path / 'skopeo.tar'), target])
    [listed] = cloud.images_named(source)
    glance_images.append(listed['id'])
    # Out to a directory, unconverted: the image's own config.
    run(['skopeo', 'copy', '--quiet', '--src-creds', creds, target,
         'dir:%s' % (tmp_path / 'out')])
    manifest = json.loads((tmp_path / 'out' / 'manifest.json').read_text())
    assert manifest['config']['digest'] == image_id
    tags = json.loads(run([
        'skopeo', 'list-tags', '--creds', creds, target.rsplit(':', 1)[0]]))
    assert tags['Tags'] == ['3']


def run(argv):
    result = subprocess.run(argv, capture_output=True, text=True)
    assert result.returncode == 0, '%s: %s' % (' '.join(argv),
                                               result.stderr)
    return result.stdout


# -- refused ------------------------------------------------------------------

@functools.lru_cache()
def tls():
    """Trusting the minicloud's CA, which ``up`` makes."""
    return ssl.create_default_context(
        cafile=str(minicloud.TLS_DIR / 'ca.crt'))


def call(method, path, token=None, basic=None, data=None, headers=()):
    """(status, headers, body) of a request to the registry."""
    headers = dict(headers)
    if token:
        headers['Authorization'] = 'Bearer ' + token
    if basic:
        headers['Authorization'] = 'Basic ' + base64.b64encode(
            ('%s:%s' % basic).encode()).decode()
    request = urllib.request.Request('https://%s%s' % (REGISTRY, path),
                                     data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, context=tls(),
                                    timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def token_for(credentials, *scopes):
    query = urllib.parse.urlencode([('service', 'heat-cvm-registry')] + [
        ('scope', scope) for scope in scopes])
    status, _headers, body = call('GET', '/token?' + query,
                                  basic=credentials)
    assert status == 200, body
    return json.loads(body)['token']


def refused(answer, status, code, words=''):
    got_status, _headers, body = answer
    error = json.loads(body)['errors'][0]
    assert (got_status, error['code']) == (status, code), body
    assert words in error['message'], error['message']
    return error


def manifest_path(repository, reference):
    return '/v2/%s/manifests/%s' % (repository, reference)


ACCEPT = {'Accept': 'application/vnd.oci.image.manifest.v1+json, '
          'application/vnd.docker.distribution.manifest.v2+json'}


def test_what_is_refused(cloud, engines, glance_images, tmp_path):
    pusher, puller = engines
    mine = test_stacks.stack_name('mine')
    # Taken now, checked last: it expires in the cloud's 30 s meanwhile.
    early = token_for(DEMO, 'repository:%s:pull' % mine)

    # No token, a wrong password, a forged token.
    status, headers, _body = call('GET', '/v2/')
    assert status == 401
    assert headers['WWW-Authenticate'].startswith(
        'Bearer realm="https://%s/token",service="heat-cvm-registry"'
        % REGISTRY)
    refused(call('GET', '/token?scope=repository:x:pull',
                 basic=('demo/demo', 'wrong')), 401, 'UNAUTHORIZED',
            'Keystone refused the credentials of demo/demo')
    assert 'unauthorized' in puller.login(
        REGISTRY, 'demo/demo', 'wrong', check=False).stderr.lower()
    refused(call('GET', '/v2/', token=early[:-8] + 'AAAAAAAA'), 401,
            'UNAUTHORIZED', 'not valid')

    # Another project's private image: the admin project pushes one.
    private = test_stacks.stack_name('private')
    reference = '%s/%s:1' % (REGISTRY, private)
    build_image(pusher, tmp_path, reference, b'private' * 1000)
    pusher.login(REGISTRY, *ADMIN)
    pusher.docker('push', reference)
    [listed] = cloud.images_named(private + ':1', cloud='minicloud-admin')
    glance_images.append(listed['id'])
    assert listed['visibility'] in ('private', 'shared')  # Glance's default
    admin = token_for(ADMIN, 'repository:%s:pull' % private)
    _status, _headers, body = call('GET', manifest_path(private, '1'),
                                   token=admin, headers=ACCEPT)
    # busybox, the payload, the Dockerfile: only the payload is this
    # image's own (the demo project pushed the same busybox before, and
    # may read what it pushed itself, whatever the repository).
    payload = json.loads(body)['layers'][1]['digest']
    demo = token_for(DEMO, 'repository:%s:pull' % private,
                     'repository:%s:pull' % listed['id'],
                     'repository:%s:pull,push' % mine)
    refused(call('GET', manifest_path(private, '1'), token=demo,
                 headers=ACCEPT), 404, 'MANIFEST_UNKNOWN', 'no docker-format')
    refused(call('GET', manifest_path(listed['id'], 'latest'), token=demo,
                 headers=ACCEPT), 404, 'NAME_UNKNOWN')
    for repository in (private, mine):
        refused(call('GET', '/v2/%s/blobs/%s' % (repository, payload),
                     token=demo), 404, 'BLOB_UNKNOWN')
    # Knowing the digests is not having the blobs: a manifest of them.
    stolen = json.dumps({'schemaVersion': 2, 'mediaType':
                         'application/vnd.oci.image.manifest.v1+json',
                         'config': {'mediaType': 'application/vnd.oci.'
                                    'image.config.v1+json',
                                    'digest': payload, 'size': 1},
                         'layers': []}).encode()
    refused(call('PUT', manifest_path(mine, '1'), token=demo, data=stolen,
                 headers={'Content-Type': 'application/vnd.oci.image.'
                          'manifest.v1+json'}),
            400, 'MANIFEST_BLOB_UNKNOWN')
    # Pull only: no push.
    puller_token = token_for(DEMO, 'repository:%s:pull' % private)
    refused(call('POST', '/v2/%s/blobs/uploads/' % private,
                 token=puller_token), 401, 'UNAUTHORIZED', 'does not allow '
            'push')

    # A Glance image that holds no Docker image, and a broken archive.
    bare = cloud.json('image', 'show', 'cvm-host')
    bare_token = token_for(DEMO, 'repository:%s:pull' % bare['id'])
    refused(call('GET', manifest_path(bare['id'], 'latest'),
                 token=bare_token, headers=ACCEPT), 404, 'MANIFEST_UNKNOWN',
            "container_format 'bare'")
    broken_file = tmp_path / 'broken.tar'
    pusher.docker('save', '-o', str(broken_file), reference)
    broken_file.write_bytes(broken_file.read_bytes()[:20000])
    broken = cloud.json('image', 'create', '--container-format', 'docker',
                        '--disk-format', 'raw', '--file', str(broken_file),
                        test_stacks.stack_name('broken') + ':1')
    glance_images.append(broken['id'])
    broken_token = token_for(DEMO, 'repository:%s:pull' % broken['id'])
    refused(call('GET', manifest_path(broken['id'], 'latest'),
                 token=broken_token, headers=ACCEPT), 404,
            'MANIFEST_UNKNOWN', 'not a readable docker save archive')
    cache = helpers.STATE / 'data' / 'cvm-registry'
    assert not (cache / 'images' / ('%s.json' % broken['id'])).exists()

    # A cached blob written to behind the registry's back is not served:
    # it is read again from Glance.
    blob = cache / 'blobs' / 'sha256' / payload.split(':')[1]
    blob.chmod(0o644)
    blob.write_bytes(b'tampered')
    status, _headers, body = call('GET', '/v2/%s/blobs/%s' % (
        private, payload), token=admin)
    assert status == 200
    assert 'sha256:' + hashlib.sha256(body).hexdigest() == payload

    # The early token has expired by now.
    time.sleep(max(0, 31 - (time.time() - started_at(early))))
    refused(call('GET', manifest_path(mine, '1'), token=early,
                 headers=ACCEPT), 401, 'UNAUTHORIZED', 'expired')


def started_at(token):
    """When a Fernet token was made (its clear timestamp, bytes 1-8)."""
    raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
    return int.from_bytes(raw[1:9], 'big')


def jwt_segment(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def signed_grant(claims):
    """A pull grant as heat-engine signs it, with its key (EdDSA JWT).

    Made with openssl here: the functional tests run without heat-cvm's
    Python packages, as a client of the cloud.
    """
    key = helpers.STATE / 'etc' / 'heat' / 'pull-grant.key'
    message = '%s.%s' % (
        jwt_segment(b'{"alg":"EdDSA","typ":"JWT"}'),
        jwt_segment(json.dumps(claims).encode()))
    # Ed25519 signs in one shot: openssl reads the message from a file.
    with tempfile.NamedTemporaryFile() as signed:
        signed.write(message.encode())
        signed.flush()
        signature = subprocess.run(
            ['openssl', 'pkeyutl', '-sign', '-inkey', str(key), '-rawin',
             '-in', signed.name], capture_output=True, check=True).stdout
    return '%s.%s' % (message, jwt_segment(signature))


def test_a_pull_grant_pulls_its_image_and_nothing_else(cloud):
    """What a guest holds: pull of one image, no other, no push."""
    memcached = real_vms.glance_memcached_id(cloud)
    other = cloud.json('image', 'show', 'cvm-host-vm')['id']
    project = cloud.token()['project_id']
    claims = {'aud': 'heat-cvm-registry', 'sub': project,
              'image': memcached, 'act': 'pull',
              'iat': int(time.time()), 'exp': int(time.time()) + 600}
    grant = ('heat-cvm-grant', signed_grant(claims))
    token = token_for(grant, 'repository:%s:pull,push' % memcached,
                      'repository:%s:pull' % other)
    status, headers, _body = call('GET', manifest_path(memcached, 'latest'),
                                  token=token, headers=ACCEPT)
    assert status == 200
    refused(call('GET', manifest_path(other, 'latest'), token=token,
                 headers=ACCEPT), 401, 'UNAUTHORIZED', 'does not allow pull')
    refused(call('POST', '/v2/%s/blobs/uploads/' % memcached, token=token),
            401, 'UNAUTHORIZED', 'does not allow push')
    # For another project, an expired one, a push, a forged signature.
    for changed, reason in (({'sub': 'another-project'}, None),
                            ({'exp': int(time.time()) - 10}, 'expired'),
                            ({'act': 'push'}, 'not for pulls')):
        bad = ('heat-cvm-grant', signed_grant(dict(claims, **changed)))
        if reason:
            refused(call('GET', '/token?scope=repository:%s:pull'
                         % memcached, basic=bad), 401, 'UNAUTHORIZED',
                    reason)
            continue
        stranger = token_for(bad, 'repository:%s:pull' % memcached)
        refused(call('GET', manifest_path(memcached, 'latest'),
                     token=stranger, headers=ACCEPT), 404, 'NAME_UNKNOWN')
    forged = grant[1][:-8] + ('AAAAAAAA' if not grant[1].endswith(
        'AAAAAAAA') else 'BBBBBBBB')
    refused(call('GET', '/token', basic=('heat-cvm-grant', forged)), 401,
            'UNAUTHORIZED', 'not valid')


def test_a_manifest_sent_in_chunks_is_stored_whole(cloud, glance_images):
    """Go's HTTP client (the conformance suite's) sends bodies chunked."""
    repository = test_stacks.stack_name('chunked')
    token = token_for(DEMO, 'repository:%s:pull,push' % repository)
    config = json.dumps({'architecture': 'amd64', 'os': 'linux',
                         'rootfs': {'type': 'layers', 'diff_ids': []}}
                        ).encode()
    config_digest = 'sha256:' + hashlib.sha256(config).hexdigest()
    uploads = '/v2/%s/blobs/uploads/?digest=%s' % (repository, config_digest)
    status, _headers, body = call(
        'POST', uploads, token=token, data=config,
        headers={'Content-Type': 'application/octet-stream'})
    assert status == 201, body
    manifest = json.dumps({
        'schemaVersion': 2,
        'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                   'digest': config_digest, 'size': len(config)},
        'layers': []}, indent=2).encode()
    # An iterable body without a length: urllib sends it chunked, here in
    # pieces that split the JSON anywhere.
    pieces = [manifest[start:start + 7]
              for start in range(0, len(manifest), 7)]
    status, headers, body = call(
        'PUT', manifest_path(repository, '1'), token=token,
        data=iter(pieces), headers={
            'Content-Type': 'application/vnd.oci.image.manifest.v1+json'})
    assert status == 201, body
    assert headers['Docker-Content-Digest'] == \
        'sha256:' + hashlib.sha256(manifest).hexdigest()
    [image] = cloud.images_named(repository + ':1')
    glance_images.append(image['id'])
    status, _headers, body = call('GET', manifest_path(repository, '1'),
                                  token=token, headers=ACCEPT)
    assert (status, body) == (200, manifest)

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

"""The registry's pure parts: names, the spec's vocabulary, tokens, and the
blob cache (heat_cvm.registry)."""

import os
import time

from cryptography import fernet
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
import jwt
import pytest

from heat_cvm.registry import blobs
from heat_cvm.registry import grants
from heat_cvm.registry import names
from heat_cvm.registry import oci
from heat_cvm.registry import tokens

IMAGE_ID = '0b6c3a52-1b1a-4e0e-9f0e-2a8c4c1d9e10'


@pytest.mark.parametrize('name, parts', [
    ('team/app:1', ('team/app', '1')),
    ('app:latest', ('app', 'latest')),
    ('team/app@sha256:' + 'a' * 64, ('team/app', None)),
    ('cvm-host', None),
    ('Team/App:1', None),
    ('app:', None),
    ('', None),
])
def test_split_glance_name(name, parts):
    assert names.split_glance_name(name) == parts


def test_choose_prefers_the_projects_own_image():
    own = {'id': 'a', 'owner': 'p1'}
    public = {'id': 'b', 'owner': 'p2'}
    assert names.choose([public, own], 'p1', 'x:1') is own
    assert names.choose([public], 'p1', 'x:1') is public


def test_choose_refuses_an_ambiguous_name_naming_the_images():
    with pytest.raises(oci.RegistryError) as error:
        names.choose([{'id': 'a', 'owner': 'p2'}, {'id': 'b',
                                                   'owner': 'p3'}],
                     'p1', 'x:1')
    assert error.value.status == 409
    assert '2 Glance images are named x:1 (a, b)' in error.value.message


def test_choose_nothing_is_manifest_unknown():
    with pytest.raises(oci.RegistryError) as error:
        names.choose([], 'p1', 'x:1')
    assert (error.value.code, error.value.status) == ('MANIFEST_UNKNOWN',
                                                      404)


def test_a_bare_image_holds_no_docker_image():
    with pytest.raises(oci.RegistryError, match='container_format .bare.'):
        names.check_docker_image({'id': IMAGE_ID, 'status': 'active',
                                  'container_format': 'bare'})


@pytest.mark.parametrize('name', ['UPPER', 'a//b', '-a', 'a' * 256])
def test_invalid_repository_names(name):
    with pytest.raises(oci.RegistryError) as error:
        names.check_repository(name)
    assert error.value.code == 'NAME_INVALID'


def test_in_repository_by_name_or_id():
    image = {'id': IMAGE_ID, 'name': 'team/app:1'}
    assert names.in_repository(image, 'team/app')
    assert names.in_repository(image, IMAGE_ID)
    assert not names.in_repository(image, 'team')


@pytest.mark.parametrize('header, size, expected', [
    (None, 10, None),
    ('bytes=0-4', 10, (0, 4)),
    ('bytes=5-', 10, (5, 9)),
    ('bytes=-3', 10, (7, 9)),
    ('bytes=8-100', 10, (8, 9)),
])
def test_parse_range(header, size, expected):
    assert oci.parse_range(header, size) == expected


@pytest.mark.parametrize('header', ['bytes=10-', 'bytes=5-2', 'lines=1-2'])
def test_parse_range_refuses(header):
    with pytest.raises(oci.RegistryError) as error:
        oci.parse_range(header, 10)
    assert error.value.status == 416


def test_accept_negotiation():
    assert oci.accepted(None, oci.OCI_MANIFEST)
    assert oci.accepted('%s, %s;q=0.5' % (oci.DOCKER_MANIFEST,
                                          oci.OCI_MANIFEST),
                        oci.OCI_MANIFEST)
    assert not oci.accepted(oci.DOCKER_MANIFEST, oci.OCI_INDEX)


@pytest.mark.parametrize('body, content_type, reason', [
    (b'not json', None, 'not JSON'),
    (b'{"schemaVersion": 2}', None, 'unsupported manifest media type'),
    (b'{"schemaVersion": 2, "mediaType": "%s"}' % oci.OCI_MANIFEST.encode(),
     oci.DOCKER_MANIFEST, 'does not match'),
    (b'{"schemaVersion": 2, "mediaType": "%s", "config": {}, "layers": []}'
     % oci.OCI_MANIFEST.encode(), None, 'needs a sha256 digest'),
])
def test_parse_manifest_refuses(body, content_type, reason):
    with pytest.raises(oci.RegistryError, match=reason) as error:
        oci.parse_manifest(body, content_type)
    assert error.value.code == 'MANIFEST_INVALID'


IDENTITY = tokens.Identity('user-1', 'project-1', 'keystone-token', 10_000)


@pytest.fixture
def token_service():
    return tokens.TokenService(fernet.Fernet.generate_key(), 300)


def test_token_carries_its_scope(token_service):
    access = tokens.parse_scopes(['repository:team/app:pull,push',
                                  'repository:other:pull',
                                  'registry:catalog:*'])
    token, expires_in = token_service.issue(IDENTITY, access, now=1000)
    assert expires_in == 300
    claims = token_service.verify(token, now=1100)
    assert claims.identity == IDENTITY
    assert claims.allows('team/app', 'push')
    assert claims.allows('other', 'pull')
    assert not claims.allows('other', 'push')
    assert 'keystone-token' not in token   # encrypted, not only signed


def test_token_expires_and_never_outlives_keystones(token_service):
    token, expires_in = token_service.issue(IDENTITY, {}, now=9_900)
    assert expires_in == 100
    with pytest.raises(oci.RegistryError, match='expired'):
        token_service.verify(token, now=10_001)


@pytest.mark.parametrize('mangle', [
    lambda token: token[:-4] + 'AAAA',
    lambda token: tokens.TokenService(fernet.Fernet.generate_key(),
                                      300).issue(IDENTITY, {}, now=1000)[0],
    lambda token: 'garbage',
])
def test_a_forged_token_is_refused(token_service, mangle):
    token, _expires = token_service.issue(IDENTITY, {}, now=1000)
    with pytest.raises(oci.RegistryError) as error:
        token_service.verify(mangle(token), now=1001)
    assert (error.value.code, error.value.status) == ('UNAUTHORIZED', 401)


@pytest.fixture
def store(tmp_path):
    return blobs.BlobStore(tmp_path, 3000)


def test_a_written_blob_is_hashed_again_and_dropped(store):
    digest, _size = store.add_bytes(b'x' * 100)
    path = store.path(digest)
    os.chmod(path, 0o644)
    path.write_bytes(b'y' * 100)
    with pytest.raises(blobs.BlobCorrupt):
        store.open(digest)
    assert not path.exists()


def test_an_intact_blob_is_served_without_hashing(store, monkeypatch):
    digest, _size = store.add_bytes(b'x' * 100)
    monkeypatch.setattr(blobs, '_file_digest', None)  # would fail if called
    blob, size = store.open(digest)
    with blob:
        assert (blob.read(), size) == (b'x' * 100, 100)


def test_eviction_drops_the_least_recently_used(store):
    first = store.add_bytes(b'1' * 1000)[0]
    second = store.add_bytes(b'2' * 1000)[0]
    os.utime(store.path(first), ns=(1, blobs.SEALED_MTIME_NS))
    third = store.add_bytes(b'3' * 1500)[0]
    assert store.evict(keep={third}) == 1
    assert store.size(first) is None
    assert store.size(second) == 1000 and store.size(third) == 1500


def test_upload_sessions_belong_to_their_project_and_repository(store):
    upload = store.new_upload('p1', 'team/app')
    assert store.upload(upload, 'p1', 'team/app').exists()
    for project, repository in (('p2', 'team/app'), ('p1', 'other')):
        with pytest.raises(oci.RegistryError) as error:
            store.upload(upload, project, repository)
        assert error.value.code == 'BLOB_UPLOAD_UNKNOWN'


def test_chunks_must_come_in_order(store):
    import io
    path = store.upload(store.new_upload('p1', 'a'), 'p1', 'a')
    assert store.append(path, io.BytesIO(b'abc'), 0) == 3
    with pytest.raises(oci.RegistryError) as error:
        store.append(path, io.BytesIO(b'def'), 0)
    assert error.value.status == 416


def key_pair():
    key = ed25519.Ed25519PrivateKey.generate()
    return (key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo))


def test_a_grant_names_its_project_and_image():
    private, public = key_pair()
    grant = grants.verify(public, grants.mint(private, 'p1', IMAGE_ID, 600))
    assert (grant.project_id, grant.image_id) == ('p1', IMAGE_ID)
    assert grant.expires_at - time.time() == pytest.approx(
        600 + grants.MARGIN_SECONDS, abs=5)


@pytest.mark.parametrize('forge, reason', [
    (lambda private, other: grants.mint(other, 'p1', IMAGE_ID, 600),
     'not valid'),
    (lambda private, other: grants.mint(private, 'p1', IMAGE_ID, 600,
                                        now=time.time() - 5000), 'expired'),
    (lambda private, other: jwt.encode(
        {'aud': 'elsewhere', 'sub': 'p1', 'image': IMAGE_ID, 'act': 'pull',
         'exp': time.time() + 60}, private, algorithm='EdDSA'), 'not valid'),
    (lambda private, other: jwt.encode(
        {'aud': grants.AUDIENCE, 'sub': 'p1', 'image': IMAGE_ID,
         'act': 'push', 'exp': time.time() + 60}, private,
        algorithm='EdDSA'), 'not for pulls'),
    (lambda private, other: jwt.encode(
        {'aud': grants.AUDIENCE, 'sub': 'p1', 'image': IMAGE_ID,
         'act': 'pull', 'exp': time.time() + 60}, 'a shared secret',
        algorithm='HS256'), 'not valid'),
])
def test_a_forged_or_stale_grant_is_refused(forge, reason):
    private, public = key_pair()
    other, _other_public = key_pair()
    with pytest.raises(oci.RegistryError, match=reason) as error:
        grants.verify(public, forge(private, other))
    assert error.value.status == 401


def test_an_upload_is_hashed_as_it_arrives(store, monkeypatch):
    import io
    upload = store.new_upload('p1', 'a')
    path = store.upload(upload, 'p1', 'a')
    store.append(path, io.BytesIO(b'abc'), 0)
    store.append(path, io.BytesIO(b'def'))
    monkeypatch.setattr(blobs, '_file_digest', None)  # would fail if called
    with pytest.raises(blobs.DigestMismatch):
        store.finish_upload(upload, path, oci.digest_of(b'abcdeX'))


def test_an_upload_another_process_wrote_to_is_read_again(store):
    import io
    upload = store.new_upload('p1', 'a')
    path = store.upload(upload, 'p1', 'a')
    store.append(path, io.BytesIO(b'abc'), 0)
    with open(path, 'ab') as elsewhere:
        elsewhere.write(b'def')
    store.finish_upload(upload, path, oci.digest_of(b'abcdef'))
    assert store.size(oci.digest_of(b'abcdef')) == 6

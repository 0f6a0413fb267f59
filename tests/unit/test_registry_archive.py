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

"""docker save archives in and out of the blob store (heat_cvm.registry).

Archives are made here the way ``docker save`` makes them, in both
layouts; the docker CLI itself reads and writes them in
tests/functional/test_registry.py.
"""

import gzip
import hashlib
import io
import json
import tarfile
import time

import pytest

from heat_cvm.registry import app
from heat_cvm.registry import archive
from heat_cvm.registry import blobs
from heat_cvm.registry import names
from heat_cvm.registry import oci
from heat_cvm.registry import tokens


def sha(data):
    return hashlib.sha256(data).hexdigest()


def layer_tar(files):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w') as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


LAYERS = [layer_tar({'bin/tool': b'\x7fELF' + b'x' * 5000}),
          layer_tar({'etc/app.conf': b'answer = 42\n'})]
CONFIG = json.dumps({'architecture': 'amd64', 'os': 'linux', 'rootfs': {
    'type': 'layers', 'diff_ids': ['sha256:' + sha(layer)
                                   for layer in LAYERS]}}).encode()


def tar_of(members):
    """A tar of {name: bytes, or ('symlink', target)}."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(data, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, data[1]
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def legacy_archive(repo_tags=('team/app:1',)):
    """As Docker before 25 saves: <id>/layer.tar, <config>.json."""
    return tar_of({
        sha(CONFIG) + '.json': CONFIG,
        'aaa/layer.tar': LAYERS[0], 'aaa/VERSION': b'1.0',
        'bbb/layer.tar': LAYERS[1],
        'manifest.json': json.dumps([{
            'Config': sha(CONFIG) + '.json', 'RepoTags': list(repo_tags),
            'Layers': ['aaa/layer.tar', 'bbb/layer.tar']}]).encode(),
    })


def oci_manifest(layers=LAYERS, media=oci.OCI_LAYER):
    return json.dumps({
        'schemaVersion': 2, 'mediaType': oci.OCI_MANIFEST,
        'config': {'mediaType': oci.OCI_CONFIG,
                   'digest': 'sha256:' + sha(CONFIG), 'size': len(CONFIG)},
        'layers': [{'mediaType': media, 'digest': 'sha256:' + sha(layer),
                    'size': len(layer)} for layer in layers]}).encode()


def oci_archive(manifest=None, extra=(), legacy_links=True):
    """As Docker 25+ saves: an OCI layout, legacy names as symlinks."""
    manifest = manifest or oci_manifest()
    members = {'oci-layout': b'{"imageLayoutVersion": "1.0.0"}',
               'index.json': json.dumps({'schemaVersion': 2, 'manifests': [{
                   'mediaType': oci.OCI_MANIFEST,
                   'digest': 'sha256:' + sha(manifest),
                   'size': len(manifest),
                   'annotations': {archive.CONTAINERD_NAME: 'team/app:1',
                                   archive.REF_NAME: '1'}}]}).encode()}
    for data in [manifest, CONFIG] + LAYERS:
        members['blobs/sha256/' + sha(data)] = data
    if legacy_links:
        members['aaa/layer.tar'] = ('symlink', '../blobs/sha256/'
                                    + sha(LAYERS[0]))
    members.update(extra)
    return tar_of(members), 'sha256:' + sha(manifest)


@pytest.fixture
def store(tmp_path):
    return blobs.BlobStore(tmp_path / 'cache', 1 << 30)


def test_oci_layout_keeps_the_saved_manifest_and_its_digest(store):
    data, digest = oci_archive()
    entry = archive.read(io.BytesIO(data), store)
    assert entry['manifest'] == digest
    assert entry['media_type'] == oci.OCI_MANIFEST
    assert set(entry['blobs']) == {digest, 'sha256:' + sha(CONFIG)} | {
        'sha256:' + sha(layer) for layer in LAYERS}


def test_legacy_layout_gets_a_stable_manifest_with_computed_digests(store,
                                                                    tmp_path):
    entry = archive.read(io.BytesIO(legacy_archive()), store)
    manifest = json.loads(store.read(entry['manifest']))
    assert [layer['digest'] for layer in manifest['layers']] == [
        'sha256:' + sha(layer) for layer in LAYERS]
    assert manifest['layers'][0]['mediaType'] == oci.OCI_LAYER
    assert manifest['config']['digest'] == 'sha256:' + sha(CONFIG)
    # Another registry (another cache) reading the same archive serves the
    # same digest: members of one group pull the same bytes.
    other = blobs.BlobStore(tmp_path / 'other', 1 << 30)
    assert archive.read(io.BytesIO(legacy_archive()), other)[
        'manifest'] == entry['manifest']


def test_gzip_compressed_archive_and_layers(store):
    gz_layers = [gzip.compress(layer, mtime=0) for layer in LAYERS]
    members = {sha(CONFIG) + '.json': CONFIG,
               'a/layer.tar': gz_layers[0], 'b/layer.tar': gz_layers[1],
               'manifest.json': json.dumps([{
                   'Config': sha(CONFIG) + '.json', 'RepoTags': ['x:1'],
                   'Layers': ['a/layer.tar', 'b/layer.tar']}]).encode()}
    entry = archive.read(io.BytesIO(gzip.compress(tar_of(members))), store)
    manifest = json.loads(store.read(entry['manifest']))
    assert {layer['mediaType'] for layer in manifest['layers']} == {
        oci.OCI_LAYER + '+gzip'}


def test_several_images_are_told_apart_by_the_glance_tag(store):
    data = legacy_archive(repo_tags=('team/app:1',))
    entries = json.loads(tarfile.open(fileobj=io.BytesIO(data)).extractfile(
        'manifest.json').read())
    two = dict(tarfile_members(data), **{'manifest.json': json.dumps(
        entries + [dict(entries[0], RepoTags=['team/app:2'],
                        Layers=entries[0]['Layers'][:1])]).encode()})
    with pytest.raises(archive.ArchiveError, match='holds 2 images'):
        archive.read(io.BytesIO(tar_of(two)), store)
    entry = archive.read(io.BytesIO(tar_of(two)), store, hint_tag='2')
    assert len(json.loads(store.read(entry['manifest']))['layers']) == 1


def tarfile_members(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar
                if m.isfile()}


@pytest.mark.parametrize('damage, reason', [
    (lambda data: data[:len(data) // 2], 'missing or truncated'),
    (lambda data: data[:len(data) // 2 + 100],
     'missing or truncated|not a complete tar|does not hold'),
    (lambda data: b'not a tar at all' * 100, 'not a complete tar archive'),
    (lambda data: tar_of({'hello.txt': b'hi'}), 'neither index.json nor'),
])
def test_a_broken_archive_is_refused_and_nothing_is_kept(store, damage,
                                                         reason):
    with pytest.raises(archive.ArchiveError, match=reason):
        archive.read(io.BytesIO(damage(oci_archive()[0])), store)
    assert not list((store.root / 'tmp').iterdir())
    assert not list((store.root / 'blobs' / 'sha256').iterdir())


def test_a_blob_that_is_not_its_digest_is_refused(store):
    manifest = oci_manifest()
    bad = {'blobs/sha256/' + sha(LAYERS[0]): b'tampered'}
    data, _digest = oci_archive(manifest, extra=bad)
    with pytest.raises(archive.ArchiveError, match='does not hold its '
                       'digest'):
        archive.read(io.BytesIO(data), store)


def test_a_missing_layer_is_named(store):
    data, _digest = oci_archive()
    members = tarfile_members(data)
    del members['blobs/sha256/' + sha(LAYERS[1])]
    with pytest.raises(archive.ArchiveError, match=sha(LAYERS[1])):
        archive.read(io.BytesIO(tar_of(members)), store)


def test_written_archive_reads_back_in_both_layouts(store, tmp_path):
    data, digest = oci_archive()
    archive.read(io.BytesIO(data), store)
    out = io.BytesIO()
    archive.write(out, store, digest, oci.OCI_MANIFEST, 'team/app:7')
    members = tarfile_members(out.getvalue())
    legacy = json.loads(members['manifest.json'])
    assert legacy[0]['RepoTags'] == ['team/app:7']
    assert [members[name] for name in legacy[0]['Layers']] == LAYERS
    index = json.loads(members['index.json'])
    assert index['manifests'][0]['digest'] == digest
    assert index['manifests'][0]['annotations'][archive.REF_NAME] == '7'
    other = blobs.BlobStore(tmp_path / 'other', 1 << 30)
    assert archive.read(io.BytesIO(out.getvalue()), other)[
        'manifest'] == digest


def test_each_blob_is_announced_as_it_lands(store):
    data, digest = oci_archive()
    landed = []

    def announce(blob):
        # Announced only once it is in the store, verified.
        assert store.size(blob) is not None
        landed.append(blob)
    entry = archive.read(io.BytesIO(data), store, landed=announce)
    assert set(landed) == set(entry['blobs'])


class CountingGlance:
    """Glance as the registry asks it, one image, each call counted."""

    def __init__(self, image, data):
        self.image_record = image
        self.archive = data
        self.calls = []

    def named(self, token, name):
        self.calls.append('named')
        return [self.image_record]

    def images(self, token, **filters):
        self.calls.append('images')
        return [self.image_record]

    def image(self, token, image_id):
        self.calls.append('image')
        return self.image_record

    def data(self, token, image_id):
        self.calls.append('data')
        return io.BytesIO(self.archive)


def test_a_pull_asks_glance_once_for_its_tag_and_once_for_the_data(store):
    # After the tag, the manifest by digest and the blobs are found in the
    # image the tag named: no listing of the project's images, which on a
    # busy Glance waited behind the image's own download.
    data, top = oci_archive()
    glance = CountingGlance({
        'id': '8a2f6c1e-1b7e-4c4a-9d2e-0d5b1b2c3d4e', 'name': 'team/app:1',
        'owner': 'p1', 'container_format': 'docker', 'status': 'active',
        'os_hash_value': sha(data), names.DIGEST_PROPERTY: top}, data)
    registry = app.Registry(store, glance, token_service=None,
                            keystone_session=None, auth_url=None)
    caller = tokens.Identity('u1', 'p1', 'keystone-token', time.time() + 60)
    _data, _media_type, digest = registry.manifest(caller, 'team/app', '1')
    assert digest == top
    registry.manifest(caller, 'team/app', top)
    for blob in ['sha256:' + sha(CONFIG)] + [
            'sha256:' + sha(layer) for layer in LAYERS]:
        registry.blob(caller, 'team/app', blob)[0].close()
    assert glance.calls == ['named', 'data']

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

"""``docker save`` archives: read into blobs, and written from them.

Reading takes both layouts ``docker save`` writes: the OCI image layout
(``index.json``, ``oci-layout``, ``blobs/sha256/...``; Docker 25 and
later, beside the legacy file) and the legacy ``manifest.json`` with
``<id>/layer.tar`` files (older Docker), whose uncompressed layers get
their digests computed and an OCI manifest made for them. The archive is
read as a stream, once: blobs go straight into the store, verified.

Writing makes an archive that both ``docker load`` (old and new: it has
``manifest.json``) and OCI tools read, holding the pushed manifest's own
bytes so that its digest is what was pushed.
"""

import io
import json
import posixpath
import re
import tarfile

from heat_cvm.registry import blobs
from heat_cvm.registry import oci

_BLOB_MEMBER = re.compile(r'^blobs/sha256/([a-f0-9]{64})$')
_SMALL_MEMBERS = ('index.json', 'manifest.json', 'oci-layout')
_SMALL_MAX = 4 * 1024 * 1024
_GZIP_MAGIC = b'\x1f\x8b'
# The annotations naming an image in an OCI layout's index.json.
REF_NAME = 'org.opencontainers.image.ref.name'
CONTAINERD_NAME = 'io.containerd.image.name'


class ArchiveError(Exception):
    """Not a readable ``docker save`` archive; says why."""


def read(stream, store, hint_tag=None, landed=None):
    """Read an archive into ``store``; return its image entry.

    The entry: {'manifest': digest, 'media_type': ..., 'blobs': [every
    digest]}. ``hint_tag`` picks the image when the archive holds several.
    ``landed(digest)`` is called as each blob of an OCI layout is in the
    store, verified, while the rest is still being read.
    """
    reader = _Reader(store, landed)
    try:
        try:
            with tarfile.open(fileobj=stream, mode='r|*') as tar:
                for member in tar:
                    reader.take(tar, member)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise ArchiveError('not a complete tar archive (%s)' % error)
        if 'index.json' in reader.small:
            top, media_type = reader.from_index(hint_tag)
        elif 'manifest.json' in reader.small:
            top, media_type = reader.from_legacy(hint_tag)
        else:
            raise ArchiveError('neither index.json nor manifest.json: not '
                               'a docker save archive')
        needed = closure(store, top, media_type)
    except ArchiveError:
        reader.drop_added()
        raise
    finally:
        reader.discard_staged()
    return {'manifest': top, 'media_type': media_type, 'blobs': needed}


def closure(store, top, media_type):
    """Every digest a manifest needs, itself first.

    ArchiveError names the first one missing or of the wrong size.
    """
    wanted = [(top, media_type, None)]
    found = []
    while wanted:
        digest, kind, size = wanted.pop(0)
        have = store.size(digest)
        if have is None or (size is not None and have != size):
            raise ArchiveError('blob %s is missing or truncated' % digest)
        found.append(digest)
        if kind in oci.ALL_MANIFEST_TYPES:
            try:
                document, kind = oci.parse_manifest(store.read(digest), kind)
            except oci.RegistryError as error:
                raise ArchiveError('manifest %s: %s' % (digest, error))
            children = (document['manifests'] if kind in oci.INDEX_TYPES
                        else [document['config']] + document['layers'])
            wanted += [(d['digest'], d.get('mediaType'), d.get('size', 0))
                       for d in children if not d.get('urls')]
    return list(dict.fromkeys(found))


class _Reader:

    def __init__(self, store, landed=None):
        self.store = store
        self.landed = landed
        self.small = {}     # member name -> bytes
        self.digests = {}   # member name -> digest, of what is in the store
        self.staged = {}    # member name -> (temp path, digest)
        self.links = {}     # member name -> the member it points to
        self.added = []     # digests this archive brought into the store

    def take(self, tar, member):
        name = posixpath.normpath(member.name).lstrip('/')
        if name.startswith('./'):
            name = name[2:]
        if member.issym():
            self.links[name] = posixpath.normpath(posixpath.join(
                posixpath.dirname(name), member.linkname))
        elif member.islnk():
            self.links[name] = posixpath.normpath(member.linkname)
        elif member.isfile():
            self._take_file(name, tar.extractfile(member), member.size)

    def _take_file(self, name, source, size):
        blob = _BLOB_MEMBER.match(name)
        if blob:
            digest = 'sha256:' + blob.group(1)
            if self.store.size(digest) is None:
                self.added.append(digest)
            try:
                self.store.add(source, digest)
            except blobs.DigestMismatch as error:
                raise ArchiveError('%s does not hold its digest: %s'
                                   % (name, error))
            self.digests[name] = digest
            if self.landed:
                self.landed(digest)
        elif name in _SMALL_MEMBERS:
            if size > _SMALL_MAX:
                raise ArchiveError('%s is %d bytes' % (name, size))
            self.small[name] = source.read()
        else:
            # A legacy layer.tar or config: its digest is known once read.
            writer = blobs.HashingWriter(self.store.temp_path())
            try:
                writer.copy_from(source)
            finally:
                writer.close()
            self.staged[name] = (writer.path, writer.digest)

    def digest_of_member(self, name):
        seen = set()
        while name in self.links and name not in seen:
            seen.add(name)
            name = self.links[name]
        if name in self.digests:
            return self.digests[name]
        if name in self.staged:
            path, digest = self.staged.pop(name)
            if self.store.size(digest) is None:
                self.added.append(digest)
            self.store.commit(path, digest, digest)
            self.digests[name] = digest
            return digest
        raise ArchiveError('the archive lacks %s' % name)

    def drop_added(self):
        """A broken archive leaves nothing in the cache."""
        for digest in self.added:
            self.store.path(digest).unlink(missing_ok=True)

    def discard_staged(self):
        for path, _digest in self.staged.values():
            path.unlink(missing_ok=True)

    def json(self, name):
        try:
            return json.loads(self.small[name])
        except ValueError as error:
            raise ArchiveError('%s is not JSON: %s' % (name, error))

    def from_index(self, hint_tag):
        index = self.json('index.json')
        descriptors = index.get('manifests') if isinstance(index, dict) \
            else None
        if not descriptors:
            raise ArchiveError('index.json lists no manifest')
        chosen = _choose(descriptors, hint_tag, lambda d: [
            (d.get('annotations') or {}).get(key, '')
            for key in (REF_NAME, CONTAINERD_NAME)])
        if not oci.is_digest(chosen.get('digest')):
            raise ArchiveError('index.json: %r is not a sha256 digest'
                               % chosen.get('digest'))
        return chosen['digest'], chosen.get('mediaType') or oci.OCI_MANIFEST

    def from_legacy(self, hint_tag):
        entries = self.json('manifest.json')
        if not isinstance(entries, list) or not entries:
            raise ArchiveError('manifest.json lists no image')
        entry = _choose(entries, hint_tag,
                        lambda e: e.get('RepoTags') or [])
        config = self.digest_of_member(entry['Config'])
        layers = [self.digest_of_member(name) for name in entry['Layers']]
        manifest = {
            'schemaVersion': 2, 'mediaType': oci.OCI_MANIFEST,
            'config': self._descriptor(oci.OCI_CONFIG, config),
            'layers': [self._descriptor(self._layer_type(digest), digest)
                       for digest in layers]}
        # Fixed key order and separators: the same archive gives the same
        # manifest digest on every registry that reads it.
        data = json.dumps(manifest, separators=(',', ':')).encode()
        if self.store.size(oci.digest_of(data)) is None:
            self.added.append(oci.digest_of(data))
        digest, _size = self.store.add_bytes(data)
        return digest, oci.OCI_MANIFEST

    def _descriptor(self, media_type, digest):
        return {'mediaType': media_type, 'digest': digest,
                'size': self.store.size(digest)}

    def _layer_type(self, digest):
        blob, _size = self.store.open(digest)
        with blob:
            compressed = blob.read(2) == _GZIP_MAGIC
        return oci.OCI_LAYER + ('+gzip' if compressed else '')


def _choose(entries, hint_tag, names_of):
    """The archive's one image, or the one tagged ``hint_tag``."""
    if len(entries) == 1:
        return entries[0]
    if hint_tag:
        for entry in entries:
            if any(name == hint_tag or name.endswith(':' + hint_tag)
                   for name in names_of(entry)):
                return entry
    raise ArchiveError(
        'the archive holds %d images (%s); upload one per Glance image, or '
        'name the Glance image <repository>:<tag> after one of them'
        % (len(entries), ', '.join(
            ' '.join(names_of(e)) or '(untagged)' for e in entries)))


def write(out, store, top, media_type, repo_tag, digests=None):
    """Write the archive of manifest ``top`` and all it refers to.

    To the file ``out``, the image named ``repo_tag``
    (``<repository>:<tag>``); ``digests``: ``closure()``'s, if known.
    """
    digests = digests or closure(store, top, media_type)
    legacy = _legacy_manifest(store, top, media_type)
    repository, _sep, tag = repo_tag.rpartition(':')
    index = {'schemaVersion': 2, 'mediaType': oci.OCI_INDEX, 'manifests': [{
        'mediaType': media_type, 'digest': top,
        'size': store.size(top),
        'annotations': {CONTAINERD_NAME: repo_tag, REF_NAME: tag}}]}
    with tarfile.open(fileobj=out, mode='w|', format=tarfile.PAX_FORMAT) \
            as tar:
        _add_bytes(tar, 'oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
        _add_bytes(tar, 'index.json', json.dumps(index).encode())
        if legacy:
            _add_bytes(tar, 'manifest.json', json.dumps([{
                'Config': _blob_member(legacy['config']['digest']),
                'RepoTags': [repo_tag],
                'Layers': [_blob_member(layer['digest'])
                           for layer in legacy['layers']]}]).encode())
        for digest in digests:
            blob, size = store.open(digest)
            with blob:
                info = _info(_blob_member(digest), size)
                tar.addfile(info, blob)


def _legacy_manifest(store, top, media_type):
    """The single-platform manifest ``docker load`` reads, or None.

    An index's linux/amd64 manifest.
    """
    document, media_type = oci.parse_manifest(store.read(top), media_type)
    if media_type in oci.INDEX_TYPES:
        chosen = oci.platform_manifest(document)
        if chosen is None:
            return None
        document, _kind = oci.parse_manifest(store.read(chosen['digest']),
                                             chosen.get('mediaType'))
    return document


def _blob_member(digest):
    return 'blobs/sha256/' + digest.split(':', 1)[1]


def _info(name, size):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o444
    return info


def _add_bytes(tar, name, data):
    tar.addfile(_info(name, len(data)), io.BytesIO(data))

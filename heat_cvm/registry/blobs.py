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

"""The registry's local disk: a content-addressed blob cache, upload
sessions, which project pushed which blob, and what each Glance image
holds.

Glance is the source of truth; everything here can be lost and is filled
again from Glance (the service is stateless but for this cache). Blobs are
files named by their sha256 digest, verified when they enter. A committed
blob's modification time is set to ``SEALED_MTIME``: a later write to it
changes that time, and such a blob is hashed again before it is served
(and dropped if it no longer matches), so serving costs no hashing in the
common case. Recency for eviction is the access time, set on each use.
"""

import contextlib
import fcntl
import hashlib
import io
import json
import os
import pathlib
import time
import uuid

from oslo_log import log as logging

from heat_cvm.registry import oci

LOG = logging.getLogger(__name__)

CHUNK = 1024 * 1024
SEALED_MTIME_NS = 1_000_000_000  # 1970-01-01T00:00:01Z
# Uploads whose running hash is kept at most (they are abandoned, if more).
HASHING_MAX = 256


class BlobCorrupt(Exception):
    """A cached blob's bytes no longer match its digest."""


class DigestMismatch(Exception):
    def __init__(self, expected, actual):
        super().__init__('content is %s, not %s' % (actual, expected))
        self.expected = expected
        self.actual = actual


class HashingWriter:
    """A file being written and hashed at once."""

    def __init__(self, path):
        self.path = path
        self.file = open(path, 'wb')
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.hash.update(data)
        self.size += len(data)
        self.file.write(data)

    def copy_from(self, source):
        while True:
            data = source.read(CHUNK)
            if not data:
                return
            self.write(data)

    @property
    def digest(self):
        return 'sha256:' + self.hash.hexdigest()

    def close(self):
        self.file.close()


class BlobStore:

    def __init__(self, root, max_bytes):
        self.root = pathlib.Path(root)
        self.max_bytes = max_bytes
        # upload ID -> (bytes hashed, the running sha256) of the uploads
        # this process is receiving.
        self._hashing = {}
        for name in ('blobs/sha256', 'tmp', 'uploads', 'images', 'locks',
                     'pushed'):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    # -- blobs ---------------------------------------------------------------

    def path(self, digest):
        return self.root / 'blobs' / 'sha256' / oci.check_digest(
            digest).split(':', 1)[1]

    def temp_path(self):
        return self.root / 'tmp' / uuid.uuid4().hex

    def size(self, digest):
        """The blob's size if it is here and intact, else None."""
        try:
            return self._verified_stat(digest).st_size
        except (FileNotFoundError, BlobCorrupt):
            return None

    def _verified_stat(self, digest):
        path = self.path(digest)
        stat = path.stat()
        if stat.st_mtime_ns != SEALED_MTIME_NS:
            # Written to since it was committed: hash it again.
            actual = _file_digest(path)
            if actual != digest:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                LOG.warning('Cached blob %s was written to and held %s: '
                            'dropped', digest, actual)
                raise BlobCorrupt('cached blob %s held %s; dropped'
                                  % (digest, actual))
            self._seal(path)
            stat = path.stat()
        return stat

    def open(self, digest):
        """(file, size) of an intact blob, marked recently used.

        FileNotFoundError or BlobCorrupt otherwise.
        """
        stat = self._verified_stat(digest)
        path = self.path(digest)
        os.utime(path, ns=(time.time_ns(), SEALED_MTIME_NS))
        return open(path, 'rb'), stat.st_size

    def read(self, digest, limit=oci.MANIFEST_MAX_BYTES):
        blob, size = self.open(digest)
        with blob:
            if size > limit:
                raise oci.RegistryError('SIZE_INVALID', 'blob %s is %d bytes,'
                                        ' more than %d' % (digest, size,
                                                           limit))
            return blob.read()

    @staticmethod
    def _seal(path):
        os.utime(path, ns=(time.time_ns(), SEALED_MTIME_NS))

    def commit(self, temp_path, digest, actual):
        """Move a written file in as ``digest``.

        DigestMismatch unless its content, ``actual``, is ``digest``.
        """
        if actual != digest:
            temp_path.unlink()
            raise DigestMismatch(digest, actual)
        os.chmod(temp_path, 0o444)
        self._seal(temp_path)
        os.replace(temp_path, self.path(digest))

    def add(self, source, digest=None):
        """Copy a stream in, verified against ``digest`` when given.

        Returns (digest, size).
        """
        writer = HashingWriter(self.temp_path())
        try:
            writer.copy_from(source)
        finally:
            writer.close()
        self.commit(writer.path, digest or writer.digest, writer.digest)
        return writer.digest, writer.size

    def add_bytes(self, data):
        return self.add(io.BytesIO(data))

    def evict(self, keep=()):
        """Drop the least recently used blobs until they fit the bound."""
        entries = []
        total = 0
        for entry in os.scandir(self.root / 'blobs' / 'sha256'):
            stat = entry.stat()
            total += stat.st_size
            entries.append((stat.st_atime_ns, stat.st_size, entry.path,
                            'sha256:' + entry.name))
        if total <= self.max_bytes:
            return 0
        dropped = 0
        for _atime, size, path, digest in sorted(entries):
            if total <= self.max_bytes * 0.9:
                break
            if digest in keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            total -= size
            dropped += 1
        return dropped

    # -- what each Glance image holds ----------------------------------------

    def image_entry(self, image_id, checksum):
        """What a Glance image held when it was last read, or None.

        None when its data (``checksum``) changed or a blob is gone.
        """
        try:
            entry = json.loads((self.root / 'images' /
                                ('%s.json' % image_id)).read_text())
        except (FileNotFoundError, ValueError):
            return None
        if entry.get('checksum') != checksum or any(
                self.size(digest) is None for digest in entry['blobs']):
            return None
        return entry

    def save_image_entry(self, image_id, entry):
        _atomic_write(self.root / 'images' / ('%s.json' % image_id),
                      json.dumps(entry).encode(), self.temp_path())

    @contextlib.contextmanager
    def lock(self, key):
        """One holder at a time, across threads and processes."""
        with open(self.root / 'locks' / key, 'a') as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- which project pushed which blob -------------------------------------

    def mark_pushed(self, project_id, digest):
        marks = self.root / 'pushed' / project_id
        marks.mkdir(exist_ok=True)
        (marks / digest.split(':', 1)[1]).touch()

    def was_pushed(self, project_id, digest):
        return (self.root / 'pushed' / project_id /
                digest.split(':', 1)[1]).exists()

    # -- upload sessions -----------------------------------------------------

    def new_upload(self, project_id, repository):
        upload_id = str(uuid.uuid4())
        (self.root / 'uploads' / upload_id).touch()
        _atomic_write(self._upload_state(upload_id), json.dumps(
            {'project_id': project_id, 'repository': repository}).encode(),
            self.temp_path())
        return upload_id

    def _upload_state(self, upload_id):
        return self.root / 'uploads' / ('%s.json' % upload_id)

    def upload(self, upload_id, project_id, repository):
        """The upload session's file.

        BLOB_UPLOAD_UNKNOWN when it is not this project's session for this
        repository.
        """
        try:
            uuid.UUID(upload_id)
            state = json.loads(self._upload_state(upload_id).read_text())
        except (ValueError, FileNotFoundError):
            state = None
        if state != {'project_id': project_id, 'repository': repository}:
            raise oci.RegistryError('BLOB_UPLOAD_UNKNOWN', 'no upload %s in '
                                    '%s' % (upload_id, repository))
        return self.root / 'uploads' / upload_id

    def append(self, path, source, start=None):
        """Append a request body; return the upload's size.

        BLOB_UPLOAD_INVALID (416) when ``start`` is not where the upload is.
        The bytes are hashed as they arrive, so that finishing the upload
        need not read it again (when the same process saw all of it).
        """
        with open(path, 'ab') as out:
            offset = out.tell()
            if start is not None and start != offset:
                raise oci.RegistryError(
                    'BLOB_UPLOAD_INVALID', 'chunk starts at %d, the upload '
                    'is at %d' % (start, offset), status=416)
            hashed = self._hashing.pop(path.name, None)
            if offset == 0:
                hashed = (0, hashlib.sha256())
            elif hashed is not None and hashed[0] != offset:
                hashed = None   # another process wrote part of it
            while True:
                data = source.read(CHUNK)
                if not data:
                    break
                out.write(data)
                if hashed is not None:
                    hashed[1].update(data)
            size = out.tell()
        if hashed is not None:
            if len(self._hashing) >= HASHING_MAX:
                self._hashing.clear()   # abandoned uploads: hash them later
            self._hashing[path.name] = (size, hashed[1])
        return size

    def finish_upload(self, upload_id, path, digest):
        hashed = self._hashing.pop(upload_id, None)
        if hashed is not None and hashed[0] == path.stat().st_size:
            actual = 'sha256:' + hashed[1].hexdigest()
        else:
            actual = _file_digest(path)
        self._upload_state(upload_id).unlink()
        self.commit(path, digest, actual)
        return path

    def cancel_upload(self, upload_id, path):
        self._hashing.pop(upload_id, None)
        for stale in (path, self._upload_state(upload_id)):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def _file_digest(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as source:
        for chunk in iter(lambda: source.read(CHUNK), b''):
            digest.update(chunk)
    return 'sha256:' + digest.hexdigest()


def _atomic_write(path, data, temp_path):
    temp_path.write_bytes(data)
    os.replace(temp_path, path)

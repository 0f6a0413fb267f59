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

"""The registry's HTTP API (WebOb): routes, authorization, transport.

What each endpoint does with Glance and the cache is in ``Registry``;
this module turns requests into its calls and its answers and errors into
the responses the OCI Distribution Specification v1.1 gives.
"""

import base64
import contextlib
import os
import re
import threading
import time

from oslo_log import log as logging
import webob
import webob.static

from heat_cvm.registry import archive
from heat_cvm.registry import blobs
from heat_cvm.registry import config
from heat_cvm.registry import grants
from heat_cvm.registry import keystone
from heat_cvm.registry import names
from heat_cvm.registry import oci
from heat_cvm.registry import tokens

LOG = logging.getLogger(__name__)

API_VERSION_HEADER = ('Docker-Distribution-API-Version', 'registry/2.0')
TOKEN_PATH = '/token'
# How long a caller's view of a repository (which images it holds) is
# reused between the blob requests of one pull, instead of asking Glance
# for each blob.
VIEW_SECONDS = 30
VIEWS_MAX = 1000
# The pieces an archive is sent to Glance in, chunked: below uwsgi's
# default --chunked-input-limit (1 MiB), which a Glance under uwsgi applies.
UPLOAD_CHUNK = 512 * 1024
# How often a request waiting for a blob of an image being read from
# Glance looks whether it has landed.
FILL_POLL = 0.02

_NAME = '(?P<name>%s)' % oci.NAME_PATTERN
_ROUTES = [(re.compile('^%s$' % pattern), handler) for pattern, handler in (
    (r'/v2/', 'base'),
    (r'/v2/%s/manifests/(?P<reference>[^/]+)' % _NAME, 'manifest'),
    (r'/v2/%s/blobs/uploads/' % _NAME, 'start_upload'),
    (r'/v2/%s/blobs/uploads/(?P<upload_id>[a-f0-9-]+)' % _NAME, 'upload'),
    (r'/v2/%s/blobs/(?P<digest>[^/]+)' % _NAME, 'blob'),
    (r'/v2/%s/tags/list' % _NAME, 'tags'),
    (TOKEN_PATH, 'token'),
)]


class _Fill:
    """An image being read from Glance into the cache."""

    def __init__(self):
        self.done = threading.Event()
        self.seen = set()     # digests of its archive already in the cache
        self.entry = None
        self.error = None


def data_checksum(image):
    """What a Glance image's data hashes to: its cache entry's key."""
    return image.get('os_hash_value') or image.get('checksum')


class Registry:
    """The endpoints' logic, over Glance (as the caller) and the cache."""

    def __init__(self, store, glance, token_service, keystone_session,
                 auth_url, grant_key=None):
        self.store = store
        self.glance = glance
        self.tokens = token_service
        self.keystone_session = keystone_session
        self.auth_url = auth_url
        self.grant_key = grant_key
        self._views = {}
        self._fills = {}    # image ID -> _Fill, of the reads in progress
        self._fills_lock = threading.Lock()

    # -- tokens --------------------------------------------------------------

    def issue_token(self, username, password, scopes):
        access = tokens.parse_scopes(scopes)
        for name in access:
            names.check_repository(name)
        if username == grants.GRANT_USER:
            identity, access = self._grant_identity(password, access)
        else:
            identity = keystone.authenticate(
                self.keystone_session, self.auth_url, username, password)
        return self.tokens.issue(identity, access)

    def _grant_identity(self, grant_token, access):
        """A guest's pull grant: pull of its one image, nothing else."""
        if not self.grant_key:
            raise oci.RegistryError('UNAUTHORIZED', 'this registry takes no '
                                    'pull grants')
        grant = grants.verify(self.grant_key, grant_token)
        identity = tokens.Identity('grant', grant.project_id, None,
                                   grant.expires_at)
        allowed = access.get(grant.image_id, set()) & {grants.ACTION}
        return identity, {grant.image_id: allowed} if allowed else {}

    def _token(self, identity):
        """The Keystone token Glance is asked with.

        The caller's own, or for a guest's grant the registry's (its image
        only: the grant's scope and ``_grant_sees`` keep it to that).
        """
        return identity.keystone_token or self.keystone_session.get_token()

    def _grant_sees(self, identity, image):
        """Whether the grant's project may read the image.

        As Glance would let it: its own, public or community, or shared
        with it.
        """
        if image['owner'] == identity.project_id or image.get(
                'visibility') in ('public', 'community'):
            return True
        return image.get('visibility') == 'shared' and self.glance.member(
            self._token(identity), image['id'],
            identity.project_id) == 'accepted'

    def _image(self, identity, image_id):
        image = self.glance.image(self._token(identity), image_id)
        if image and identity.keystone_token is None and \
                not self._grant_sees(identity, image):
            return None
        return image

    # -- which images a name means -------------------------------------------

    @staticmethod
    def _view_key(identity, repository):
        return (identity.keystone_token or identity.project_id, repository)

    def _tagged_key(self, identity, repository):
        """Where the image the caller's last tag lookup named is kept."""
        return ('tagged',) + self._view_key(identity, repository)

    def repository_images(self, identity, repository):
        """The docker-format images of a repository the caller sees."""
        key = self._view_key(identity, repository)
        cached = self._views.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        if names.is_image_id(repository):
            image = self._image(identity, repository)
            images = [image] if image else []
        else:
            images = [image for image in self.glance.images(
                self._token(identity),
                container_format=names.CONTAINER_FORMAT, status='active')
                if names.in_repository(image, repository)]
        self._remember_view(key, images)
        return images

    def _remember_view(self, key, value):
        now = time.monotonic()
        if len(self._views) >= VIEWS_MAX:
            # Tokens come and go: forget the views that expired.
            for stale, (until, _value) in list(self._views.items()):
                if until <= now:
                    self._views.pop(stale, None)
        self._views[key] = (now + VIEW_SECONDS, value)

    def tagged_image(self, identity, repository, tag):
        if names.is_image_id(repository):
            image = self._image(identity, repository)
            if image is None:
                raise oci.RegistryError('NAME_UNKNOWN', 'no Glance image %s '
                                        'is visible to this project'
                                        % repository)
            own = names.split_glance_name(image.get('name'))
            if tag not in (names.ID_TAG, own and own[1]):
                raise oci.RegistryError(
                    'MANIFEST_UNKNOWN', 'Glance image %s is tagged %s; pull '
                    'it as %s:%s' % (repository, own and own[1], repository,
                                     names.ID_TAG))
            return names.check_docker_image(image)
        what = names.glance_name(repository, tag)
        return names.check_docker_image(names.choose(
            self.glance.named(self._token(identity), what),
            identity.project_id, what))

    def cached_entry(self, image):
        """What an image holds, if the cache has it all, else None."""
        return self.store.image_entry(image['id'], data_checksum(image))

    def entry(self, identity, image):
        """What an image holds, read from Glance into the cache once."""
        found = self.cached_entry(image)
        if found:
            return found
        fill = self._fill(identity, image)
        fill.done.wait()
        if fill.error:
            raise fill.error
        return fill.entry

    def _fill(self, identity, image):
        """The reading of an image from Glance into the cache.

        This process's, started once, in the background, so that blobs are
        served as they land.
        """
        with self._fills_lock:
            fill = self._fills.get(image['id'])
            if fill is None:
                fill = self._fills[image['id']] = _Fill()
                threading.Thread(target=self._run_fill, daemon=True,
                                 args=(identity, image, fill)).start()
            return fill

    def _run_fill(self, identity, image, fill):
        try:
            fill.entry = self._read_image(identity, image, fill.seen.add)
        except oci.RegistryError as error:
            fill.error = error
        except Exception as error:
            LOG.exception('Reading Glance image %s failed', image['id'])
            fill.error = oci.RegistryError(
                'UNAVAILABLE', 'Glance image %s could not be read: %s'
                % (image['id'], type(error).__name__))
        finally:
            with self._fills_lock:
                self._fills.pop(image['id'], None)
            fill.done.set()

    def _read_image(self, identity, image, landed):
        # One reader across processes: the others find it cached.
        with self.store.lock(image['id']):
            found = self.cached_entry(image)
            if found:
                return found
            parts = names.split_glance_name(image.get('name'))
            started = time.monotonic()
            data = self.glance.data(self._token(identity), image['id'])
            try:
                found = archive.read(data, self.store,
                                     hint_tag=parts and parts[1],
                                     landed=landed)
            except archive.ArchiveError as error:
                raise oci.RegistryError(
                    'MANIFEST_UNKNOWN', 'Glance image %s is not a readable '
                    'docker save archive: %s' % (image['id'], error))
            finally:
                data.close()
            found['checksum'] = data_checksum(image)
            self.store.save_image_entry(image['id'], found)
            LOG.info('Read Glance image %s (%s) into the cache in %.1f s',
                     image['id'], found['manifest'],
                     time.monotonic() - started)
        self.store.evict(keep=found['blobs'])
        return found

    def _landed(self, identity, image, digest):
        """Whether ``digest`` is in the image's archive.

        Known as soon as it has been read from Glance into the cache:
        anything in the archive is the caller's to read, as the Glance
        image is.
        """
        found = self.cached_entry(image)
        if found:
            return digest in found['blobs']
        fill = self._fill(identity, image)
        while digest not in fill.seen and not fill.done.wait(FILL_POLL):
            pass
        if digest in fill.seen:
            return True
        if fill.error:
            raise fill.error
        return digest in fill.entry['blobs']

    def holder(self, identity, repository, digest):
        """An image of the repository that holds ``digest``, or None."""
        recent = self._views.get(self._tagged_key(identity, repository))
        if recent and recent[0] > time.monotonic() and self._landed(
                identity, recent[1], digest):
            # The image a tag just named: a pull asks by tag, then for
            # that manifest by digest and for its blobs.
            return recent[1]
        images = self.repository_images(identity, repository)
        # Images that name the digest first: no reading needed to decide.
        images = sorted(images, key=lambda i: i.get(
            names.DIGEST_PROPERTY) != digest)
        for image in images:
            if self._landed(identity, image, digest):
                return image
        return None

    # -- pull ----------------------------------------------------------------

    def manifest(self, identity, repository, reference):
        """(bytes, media type, digest) of a manifest."""
        if oci.is_digest(reference):
            image = self.holder(identity, repository, reference)
            if image is None:
                return self._pushed_manifest(identity, repository, reference)
            digest = reference
        else:
            if not oci.is_tag(reference):
                raise oci.RegistryError('MANIFEST_INVALID', 'reference %r '
                                        'is neither a tag nor a digest'
                                        % reference)
            image = self.tagged_image(identity, repository, reference)
            digest = self._tagged_manifest(identity, image)
            self._remember_view(self._tagged_key(identity, repository),
                                image)
        data = self._blob_bytes(identity, image, digest)
        return data, oci.media_type_of(data), digest

    def _tagged_manifest(self, identity, image):
        """The manifest digest of a tagged image.

        The one the registry recorded when it was pushed, as soon as it is
        read from Glance; else the archive's, once it is read whole.
        """
        recorded = image.get(names.DIGEST_PROPERTY)
        if oci.is_digest(recorded) and self._landed(identity, image,
                                                    recorded):
            return recorded
        return self.entry(identity, image)['manifest']

    def _pushed_manifest(self, identity, repository, digest):
        """A manifest the caller's project pushed by digest, untagged.

        It is in no Glance image (only a tag makes one), but it is the
        project's own: an index's child manifests are pushed so.
        """
        if self.store.was_pushed(identity.project_id, digest):
            try:
                data = self.store.read(digest)
            except (FileNotFoundError, blobs.BlobCorrupt):
                data = None
            if data is not None:
                return data, oci.media_type_of(data), digest
        raise oci.RegistryError(
            'MANIFEST_UNKNOWN', 'no image of %s visible to this project has '
            'manifest %s' % (repository, digest))

    def _blob_bytes(self, identity, image, digest):
        blob = self.open_blob(identity, image, digest)[0]
        with blob:
            return blob.read()

    def open_blob(self, identity, image, digest):
        """(file, size) of a blob of ``image``.

        Read again from Glance when the cache lost it or found it corrupt.
        """
        for attempt in (1, 2):
            try:
                return self.store.open(digest)
            except (FileNotFoundError, blobs.BlobCorrupt) as error:
                if attempt == 2:
                    raise oci.RegistryError('BLOB_UNKNOWN', 'blob %s: %s'
                                            % (digest, error))
                self.entry(identity, image)

    def blob(self, identity, repository, digest):
        """(file, size) of a blob the caller may read in the repository."""
        oci.check_digest(digest)
        image = self.holder(identity, repository, digest)
        if image is None:
            if self.store.was_pushed(identity.project_id, digest):
                with contextlib.suppress(FileNotFoundError,
                                         blobs.BlobCorrupt):
                    return self.store.open(digest)
            raise oci.RegistryError('BLOB_UNKNOWN', 'blob %s is not in %s'
                                    % (digest, repository),
                                    detail={'digest': digest})
        return self.open_blob(identity, image, digest)

    def tags(self, identity, repository):
        found = set()
        for image in self.repository_images(identity, repository):
            parts = names.split_glance_name(image.get('name'))
            if parts and parts[1]:
                found.add(parts[1])
        if not found and not names.is_image_id(repository):
            raise oci.RegistryError('NAME_UNKNOWN', 'no tagged image of %s '
                                    'is visible to this project'
                                    % repository)
        return sorted(found) or [names.ID_TAG]

    # -- push ----------------------------------------------------------------

    def mount(self, identity, repository, digest, source):
        """Mount a blob of ``source`` into ``repository`` for a push.

        Whether the caller can read it there (a cross-repository mount).
        """
        try:
            self.blob(identity, source, digest)[0].close()
        except oci.RegistryError:
            return False
        self.store.mark_pushed(identity.project_id, digest)
        return True

    def put_manifest(self, identity, repository, reference, data,
                     content_type):
        document, media_type = oci.parse_manifest(data, content_type)
        digest = oci.digest_of(data)
        if oci.is_digest(reference) and reference != digest:
            raise oci.RegistryError('DIGEST_INVALID', 'the manifest is %s, '
                                    'not %s' % (digest, reference))
        if not oci.is_digest(reference) and not oci.is_tag(reference):
            raise oci.RegistryError('MANIFEST_INVALID', 'tag %r is not '
                                    'valid' % reference)
        for needed, size in oci.references(document, media_type):
            self._check_pushed_blob(identity, repository, needed, size)
        self.store.add_bytes(data)
        self.store.mark_pushed(identity.project_id, digest)
        if not oci.is_digest(reference):
            self.publish(identity, repository, reference, digest, media_type)
        return digest

    def _check_pushed_blob(self, identity, repository, digest, size):
        # The caller must have pushed the blob, or see it in the
        # repository: knowing a digest is not reading the blob.
        known = self.store.was_pushed(identity.project_id, digest) or \
            self.holder(identity, repository, digest) is not None
        if not known or self.store.size(digest) != size:
            raise oci.RegistryError(
                'MANIFEST_BLOB_UNKNOWN', 'blob %s (%d bytes) was not pushed '
                'to %s' % (digest, size, repository),
                detail={'digest': digest})

    def publish(self, identity, repository, tag, digest, media_type):
        """Write the tagged image to Glance, one image in the caller's project.

        The tag moves: an older image of the same name becomes
        ``<repository>@<its digest>``.
        """
        name = names.glance_name(repository, tag)
        token = identity.keystone_token
        older = [image for image in self.glance.named(token, name)
                 if image.get('owner') == identity.project_id]
        if any(image.get(names.DIGEST_PROPERTY) == digest and
               image.get('status') == 'active' for image in older):
            return
        try:
            entry = self.store_entry(digest, media_type)
        except archive.ArchiveError as error:
            raise oci.RegistryError('MANIFEST_BLOB_UNKNOWN', str(error))
        image = self.glance.create(token, name,
                                   {names.DIGEST_PROPERTY: digest})
        try:
            self._upload_archive(token, image['id'], entry, name)
        except Exception:
            self.glance.delete(token, image['id'])
            raise
        image = self.glance.image(token, image['id'])
        self.store.save_image_entry(image['id'], dict(
            entry, checksum=data_checksum(image)))
        for old in older:
            old_digest = old.get(names.DIGEST_PROPERTY) or self.entry(
                identity, old)['manifest']
            self.glance.rename(token, old['id'],
                               names.untagged_name(repository, old_digest))
        self._views.clear()
        LOG.info('Pushed %s (%s) as Glance image %s', name, digest,
                 image['id'])

    def _upload_archive(self, token, image_id, entry, name):
        """Stream the image's archive into Glance as it is written.

        A pipe between the tar writer (a thread) and the upload: no
        temporary copy of the image, and memory bounded by the pipe.
        """
        read_end, write_end = os.pipe()
        failures = []

        def write():
            try:
                with open(write_end, 'wb') as out:
                    archive.write(out, self.store, entry['manifest'],
                                  entry['media_type'], name, entry['blobs'])
            except Exception as error:  # a blob gone, or Glance stopped
                failures.append(error)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        with open(read_end, 'rb') as data:
            try:
                self.glance.upload(token, image_id, iter(
                    lambda: data.read(UPLOAD_CHUNK), b''))
            finally:
                data.close()   # a writer still writing gets a broken pipe
                writer.join()
        if failures:
            raise oci.RegistryError('MANIFEST_BLOB_UNKNOWN', 'the archive '
                                    'could not be written: %s' % failures[0])

    def store_entry(self, digest, media_type):
        return {'manifest': digest, 'media_type': media_type,
                'blobs': archive.closure(self.store, digest, media_type)}


class Application:
    """The WSGI application."""

    def __init__(self, registry, public_url=None):
        self.registry = registry
        self.public_url = public_url

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        try:
            response = self.dispatch(request)
        except oci.RegistryError as error:
            response = self.error(request, error)
            drain(request)
        response.headers[API_VERSION_HEADER[0]] = API_VERSION_HEADER[1]
        return response(environ, start_response)

    def dispatch(self, request):
        for pattern, handler in _ROUTES:
            match = pattern.match(request.path_info)
            if match:
                return getattr(self, 'on_' + handler)(request,
                                                      **match.groupdict())
        raise oci.RegistryError('NAME_UNKNOWN', 'no such endpoint: %s'
                                % request.path_info, status=404)

    def base_url(self, request):
        return (self.public_url or request.host_url).rstrip('/')

    def error(self, request, error):
        response = webob.Response(status=error.status, body=error.body(),
                                  content_type='application/json',
                                  charset=None)
        if error.status == 401:
            response.headers['WWW-Authenticate'] = (
                'Bearer realm="%s%s",service="%s"' % (
                    self.base_url(request), TOKEN_PATH,
                    config.SERVICE_NAME) + (
                    ',scope="%s"' % request.environ['cvm.scope']
                    if 'cvm.scope' in request.environ else ''))
        LOG.info('%s %s: %d %s %s', request.method, request.path_info,
                 error.status, error.code, error.message)
        return response

    def authorize(self, request, name, action):
        """The caller's Identity, if its token allows ``action`` on ``name``.

        UNAUTHORIZED (with the challenge) otherwise.
        """
        if name is not None:
            names.check_repository(name)
            request.environ['cvm.scope'] = 'repository:%s:%s' % (
                name, 'pull,push' if action == 'push' else action)
        scheme, _sep, token = request.headers.get(
            'Authorization', '').partition(' ')
        token = token.strip()
        if scheme.lower() != 'bearer' or not token:
            raise oci.RegistryError('UNAUTHORIZED', 'authentication required')
        claims = self.registry.tokens.verify(token)
        if name is not None and not claims.allows(name, action):
            raise oci.RegistryError(
                'UNAUTHORIZED', 'the token does not allow %s on %s'
                % (action, name), detail=[{'Type': 'repository',
                                           'Name': name, 'Action': action}])
        return claims.identity

    # -- endpoints -----------------------------------------------------------

    def on_base(self, request):
        self.authorize(request, None, None)
        return json_response({})

    def on_token(self, request):
        username, password = basic_credentials(request)
        token, expires_in = self.registry.issue_token(
            username, password, request.GET.getall('scope'))
        return json_response({
            'token': token, 'access_token': token, 'expires_in': expires_in,
            'issued_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())})

    def on_manifest(self, request, name, reference):
        if request.method in ('GET', 'HEAD'):
            identity = self.authorize(request, name, 'pull')
            data, media_type, digest = self.registry.manifest(
                identity, name, reference)
            if not oci.accepted(request.headers.get('Accept'), media_type):
                raise oci.RegistryError(
                    'MANIFEST_UNKNOWN', 'the manifest is %s, which the '
                    'client does not accept' % media_type)
            response = webob.Response(content_type=media_type, charset=None,
                                      body=data)
            response.headers['Docker-Content-Digest'] = digest
            response.etag = digest
            if request.method == 'HEAD':
                response.app_iter = []
                response.content_length = len(data)
            return response
        if request.method == 'PUT':
            identity = self.authorize(request, name, 'push')
            data = body_stream(request).read(oci.MANIFEST_MAX_BYTES + 1)
            digest = self.registry.put_manifest(
                identity, name, reference, data, request.content_type)
            return created('/v2/%s/manifests/%s' % (name, digest), digest)
        raise unsupported(request)

    def on_blob(self, request, name, digest):
        if request.method not in ('GET', 'HEAD'):
            raise unsupported(request)
        identity = self.authorize(request, name, 'pull')
        blob, size = self.registry.blob(identity, name, digest)
        byte_range = oci.parse_range(request.headers.get('Range'), size)
        response = webob.Response(content_type='application/octet-stream',
                                  charset=None, conditional_response=False)
        response.headers['Docker-Content-Digest'] = digest
        response.headers['Accept-Ranges'] = 'bytes'
        response.etag = digest
        if request.method == 'HEAD':
            blob.close()
            response.content_length = size
            return response
        if byte_range is None:
            # The server's own file sending where it has one (uwsgi's).
            wrapper = request.environ.get('wsgi.file_wrapper',
                                          webob.static.FileIter)
            response.app_iter = wrapper(blob, blobs.CHUNK)
            response.content_length = size
            return response
        first, last = byte_range
        response.app_iter = webob.static.FileIter(blob).app_iter_range(
            first, last + 1)
        response.content_length = last + 1 - first
        response.status = 206
        response.content_range = (first, last + 1, size)
        return response

    def on_start_upload(self, request, name):
        if request.method != 'POST':
            raise unsupported(request)
        identity = self.authorize(request, name, 'push')
        store = self.registry.store
        mount, source = request.GET.get('mount'), request.GET.get('from')
        if mount and source and self.registry.mount(
                identity, name, oci.check_digest(mount),
                names.check_repository(source)):
            return created('/v2/%s/blobs/%s' % (name, mount), mount)
        upload_id = store.new_upload(identity.project_id, name)
        digest = request.GET.get('digest')
        if digest:   # a monolithic upload: the blob is the POST's body
            return self.finish_upload(
                request, identity, name, upload_id,
                store.upload(upload_id, identity.project_id, name), digest)
        return accepted(name, upload_id, 0)

    def on_upload(self, request, name, upload_id):
        identity = self.authorize(request, name, 'push')
        store = self.registry.store
        path = store.upload(upload_id, identity.project_id, name)
        if request.method == 'GET':
            response = accepted(name, upload_id, path.stat().st_size)
            response.status = 204
            return response
        if request.method == 'DELETE':
            store.cancel_upload(upload_id, path)
            return webob.Response(status=204)
        if request.method == 'PATCH':
            size = store.append(path, body_stream(request),
                                content_range_start(request))
            return accepted(name, upload_id, size)
        if request.method == 'PUT':
            return self.finish_upload(request, identity, name, upload_id,
                                      path, request.GET.get('digest'))
        raise unsupported(request)

    def finish_upload(self, request, identity, name, upload_id, path, digest):
        store = self.registry.store
        oci.check_digest(digest)
        store.append(path, body_stream(request), content_range_start(
            request))
        try:
            store.finish_upload(upload_id, path, digest)
        except blobs.DigestMismatch as error:
            raise oci.RegistryError('DIGEST_INVALID', 'the upload is %s, '
                                    'not %s' % (error.actual, digest),
                                    detail={'digest': digest})
        store.mark_pushed(identity.project_id, digest)
        return created('/v2/%s/blobs/%s' % (name, digest), digest)

    def on_tags(self, request, name):
        identity = self.authorize(request, name, 'pull')
        tags = self.registry.tags(identity, name)
        last = request.GET.get('last')
        if last:
            tags = [tag for tag in tags if tag > last]
        limit = request.GET.get('n')
        if limit and limit.isdigit():
            tags = tags[:int(limit)]
        return json_response({'name': name, 'tags': tags})


# -- small response helpers ---------------------------------------------------

def json_response(document, status=200):
    response = webob.Response(status=status, content_type='application/json',
                              charset=None)
    response.json_body = document
    return response


def created(location, digest):
    response = webob.Response(status=201)
    response.headers['Location'] = location
    response.headers['Docker-Content-Digest'] = digest
    return response


def accepted(name, upload_id, size):
    response = webob.Response(status=202)
    response.headers['Location'] = '/v2/%s/blobs/uploads/%s' % (name,
                                                                upload_id)
    response.headers['Docker-Upload-UUID'] = upload_id
    # The spec's Range is inclusive; an empty upload says 0-0.
    response.headers['Range'] = '0-%d' % max(size - 1, 0)
    return response


def unsupported(request):
    return oci.RegistryError('UNSUPPORTED', '%s is not supported on %s'
                             % (request.method, request.path_info))


def basic_credentials(request):
    header = request.headers.get('Authorization', '')
    scheme, _sep, encoded = header.partition(' ')
    try:
        username, sep, password = base64.b64decode(
            encoded, validate=True).decode().partition(':')
    except (ValueError, UnicodeError):
        sep = ''
    if scheme.lower() != 'basic' or not sep or not username:
        raise oci.RegistryError('UNAUTHORIZED', 'the token service needs '
                                'Basic credentials (docker login)')
    return username, password


def content_range_start(request):
    header = request.headers.get('Content-Range')
    if not header:
        return None
    match = re.fullmatch(r'(?:bytes )?(\d+)-(\d+)', header.strip())
    if not match:
        raise oci.RegistryError('BLOB_UPLOAD_INVALID', 'Content-Range %r is '
                                'not <start>-<end>' % header, status=416)
    return int(match.group(1))


# What is read of a refused request's body, so that the client reads the
# answer instead of a reset connection (as distribution's registry does).
DRAIN_MAX = 16 * 1024 * 1024


def drain(request):
    if request.method not in ('PUT', 'PATCH', 'POST'):
        return
    body = body_stream(request)
    left = DRAIN_MAX
    try:
        while left > 0:
            data = body.read(min(blobs.CHUNK, left))
            if not data:
                return
            left -= len(data)
    except (OSError, IOError):
        return


def body_stream(request):
    """The request body, chunked or not.

    The docker CLI uploads layers with chunked transfer encoding. uwsgi
    leaves a chunked body to the application, which reads it with
    ``uwsgi.chunked_read`` (as Glance does under uwsgi); WSGI servers
    that de-chunk it (mod_wsgi, gunicorn) give it as ``wsgi.input``.
    """
    if 'chunked' not in request.headers.get('Transfer-Encoding', '').lower():
        return request.body_file
    try:
        import uwsgi
    except ImportError:
        return request.environ['wsgi.input']
    return _UwsgiChunks(uwsgi)


class _UwsgiChunks:
    """A chunked request body under uwsgi, as a file."""

    def __init__(self, uwsgi):
        self.uwsgi = uwsgi
        self.buffer = b''
        self.done = False

    def read(self, size):
        while len(self.buffer) < size and not self.done:
            try:
                chunk = self.uwsgi.chunked_read()
            except OSError as error:
                # A chunk over uwsgi's --chunked-input-limit, or a client
                # gone.
                raise oci.RegistryError(
                    'BLOB_UPLOAD_INVALID', 'the chunked request body could '
                    'not be read: %s' % error)
            self.done = not chunk
            self.buffer += chunk or b''
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

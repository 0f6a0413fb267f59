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

"""The OCI distribution and image specifications' vocabulary (pure).

Media types, digests, the references a manifest makes, ``Accept``
negotiation and the error body, as the OCI Distribution Specification
v1.1 and Docker's schema 2 define them.
"""

import hashlib
import json
import re

OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
ALL_MANIFEST_TYPES = MANIFEST_TYPES + INDEX_TYPES

# A manifest is read whole into memory: the bound distribution's own
# registry applies.
MANIFEST_MAX_BYTES = 4 * 1024 * 1024

_DIGEST = re.compile(r'^sha256:[a-f0-9]{64}$')
# distribution-spec: <name> and <reference> (tag).
NAME_PATTERN = (r'[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*'
                r'(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*')
TAG_PATTERN = r'[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'
_TAG = re.compile('^%s$' % TAG_PATTERN)


class RegistryError(Exception):
    """An error the spec names: ``code`` and the HTTP ``status``."""

    STATUS = {
        'BLOB_UNKNOWN': 404, 'BLOB_UPLOAD_INVALID': 400,
        'BLOB_UPLOAD_UNKNOWN': 404, 'DIGEST_INVALID': 400,
        'MANIFEST_BLOB_UNKNOWN': 400, 'MANIFEST_INVALID': 400,
        'MANIFEST_UNKNOWN': 404, 'NAME_INVALID': 400, 'NAME_UNKNOWN': 404,
        'SIZE_INVALID': 400, 'UNAUTHORIZED': 401, 'DENIED': 403,
        'UNSUPPORTED': 405, 'TOOMANYREQUESTS': 429,
        'RANGE_INVALID': 416, 'UNAVAILABLE': 503,
    }

    def __init__(self, code, message, detail=None, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status or self.STATUS[code]

    def body(self):
        error = {'code': self.code, 'message': self.message}
        if self.detail is not None:
            error['detail'] = self.detail
        return json.dumps({'errors': [error]}).encode()


def digest_of(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def is_digest(text):
    return bool(_DIGEST.match(text or ''))


def check_digest(text):
    """The digest, or DIGEST_INVALID (only sha256 is accepted)."""
    if not is_digest(text):
        raise RegistryError('DIGEST_INVALID',
                            'digest %r is not sha256:<64 hex digits>' % text)
    return text


def is_tag(text):
    return bool(_TAG.match(text or ''))


def parse_manifest(data, content_type=None):
    """The manifest's JSON and media type; MANIFEST_INVALID otherwise.

    The media type is the document's own ``mediaType`` or the request's
    ``Content-Type``; where both are given they must agree.
    """
    if len(data) > MANIFEST_MAX_BYTES:
        raise RegistryError('SIZE_INVALID', 'manifest is larger than %d '
                            'bytes' % MANIFEST_MAX_BYTES, status=413)
    try:
        document = json.loads(data)
    except ValueError as error:
        raise RegistryError('MANIFEST_INVALID',
                            'manifest is not JSON: %s' % error)
    if not isinstance(document, dict):
        raise RegistryError('MANIFEST_INVALID', 'manifest is not an object')
    media_type = document.get('mediaType') or content_type
    if content_type and document.get('mediaType') and \
            content_type != document['mediaType']:
        raise RegistryError(
            'MANIFEST_INVALID', 'Content-Type %s does not match the '
            'manifest\'s mediaType %s' % (content_type, media_type))
    if media_type not in ALL_MANIFEST_TYPES:
        raise RegistryError('MANIFEST_INVALID',
                            'unsupported manifest media type %r' % media_type)
    if document.get('schemaVersion') != 2:
        raise RegistryError('MANIFEST_INVALID', 'schemaVersion must be 2')
    _check_descriptors(document, media_type)
    return document, media_type


def _check_descriptors(document, media_type):
    if media_type in INDEX_TYPES:
        descriptors = document.get('manifests')
        if not isinstance(descriptors, list):
            raise RegistryError('MANIFEST_INVALID',
                                'an index needs a "manifests" list')
    else:
        if not isinstance(document.get('config'), dict):
            raise RegistryError('MANIFEST_INVALID',
                                'a manifest needs a "config" descriptor')
        descriptors = document.get('layers')
        if not isinstance(descriptors, list):
            raise RegistryError('MANIFEST_INVALID',
                                'a manifest needs a "layers" list')
        descriptors = [document['config']] + descriptors
    for descriptor in descriptors:
        # Docker's Go client omits a zero size.
        if not isinstance(descriptor, dict) or not is_digest(
                descriptor.get('digest')) or not isinstance(
                descriptor.get('size', 0), int):
            raise RegistryError('MANIFEST_INVALID', 'descriptor %s needs a '
                                'sha256 digest and a size'
                                % json.dumps(descriptor)[:200])


def media_type_of(data):
    """A stored manifest's media type.

    Its own ``mediaType``, or, where the OCI image spec lets it be left
    out, what its shape says.
    """
    try:
        document = json.loads(data)
    except ValueError:
        raise RegistryError('MANIFEST_INVALID', 'manifest is not JSON')
    if not isinstance(document, dict):
        raise RegistryError('MANIFEST_INVALID', 'manifest is not an object')
    return document.get('mediaType') or (
        OCI_INDEX if 'manifests' in document else OCI_MANIFEST)


def references(document, media_type):
    """(digest, size) of what a manifest refers to.

    Config and layers, or an index's manifests (whose own references
    follow from them).
    """
    if media_type in INDEX_TYPES:
        descriptors = document['manifests']
    else:
        descriptors = [document['config']] + document['layers']
    return [(d['digest'], d.get('size', 0)) for d in descriptors
            if not d.get('urls')]  # foreign layers are fetched elsewhere


def platform_manifest(document, os_name='linux', architecture='amd64'):
    """The descriptor of an index's manifest for the platform, or None."""
    for descriptor in document.get('manifests', ()):
        platform = descriptor.get('platform') or {}
        if (platform.get('os'), platform.get('architecture')) == (
                os_name, architecture):
            return descriptor
    return None


def accepted(accept_header, media_type):
    """Whether a client's Accept header takes the media type.

    No Accept header takes anything: the spec's clients all send one, and
    curl's users expect the manifest.
    """
    if not accept_header:
        return True
    types = {part.split(';', 1)[0].strip()
             for part in accept_header.split(',')}
    return bool(types & {media_type, '*/*', 'application/*'})


def parse_range(header, size):
    """(first, last) of a ``Range: bytes=a-b`` header, or None for all.

    A range outside the blob: RANGE_INVALID (416).
    """
    if not header:
        return None
    match = re.fullmatch(r'bytes=(\d*)-(\d*)', header.strip())
    if not match or match.groups() == ('', ''):
        raise RegistryError('RANGE_INVALID', 'Range %r is not bytes=a-b'
                            % header)
    first, last = match.groups()
    if first == '':  # the last N bytes
        first, last = max(size - int(last), 0), size - 1
    else:
        first = int(first)
        last = min(int(last), size - 1) if last else size - 1
    if first >= size or first > last:
        raise RegistryError('RANGE_INVALID', 'Range %r is outside the %d '
                            'bytes of the blob' % (header, size))
    return first, last

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

"""Docker image references, and Glance images that hold Docker images.

The grammar is the one of distribution/reference (the Docker registry's
reference package), transcribed as regular expressions:

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component [ "/" path-component ]*
    domain     := host [ ":" port ]
    tag        := [\\w][\\w.-]{0,127}
    digest     := algorithm ":" hex
"""

import dataclasses
import re
from typing import Optional

from heat_cvm.i18n import _

_ALNUM = r'[a-z0-9]+'
_SEPARATOR = r'(?:[._]|__|[-]+)'
_PATH_COMPONENT = _ALNUM + r'(?:' + _SEPARATOR + _ALNUM + r')*'
_DOMAIN_COMPONENT = r'(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
_HOST = (r'(?:' + _DOMAIN_COMPONENT + r'(?:\.' + _DOMAIN_COMPONENT + r')*'
         r'|\[[a-fA-F0-9:]+\])')
_DOMAIN = _HOST + r'(?::[0-9]+)?'
_TAG = r'[\w][\w.-]{0,127}'
_DIGEST = r'(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})'

_REFERENCE = re.compile(
    r'^(?:(?P<domain>' + _DOMAIN + r')/)?'
    r'(?P<path>' + _PATH_COMPONENT + r'(?:/' + _PATH_COMPONENT + r')*)'
    r'(?::(?P<tag>' + _TAG + r'))?'
    r'(?:@(?P<digest>' + _DIGEST + r'))?$')

_IMAGE_ID = re.compile(r'^[a-f0-9]{64}$')
# Docker's own limit on the length of a repository name.
NAME_TOTAL_LENGTH_MAX = 255

DOCKER_CONTAINER_FORMAT = 'docker'
# The Glance property heat-cvm-registry writes: the image's manifest digest.
GLANCE_DIGEST_PROPERTY = 'cvm_manifest_digest'


class InvalidReference(ValueError):
    """A string that is not a Docker image reference; says why."""


@dataclasses.dataclass(frozen=True)
class Reference:
    domain: Optional[str]
    path: str
    tag: Optional[str]
    digest: Optional[str]

    @property
    def repository(self):
        return '%s/%s' % (self.domain, self.path) if self.domain \
            else self.path

    def __str__(self):
        text = self.repository
        if self.tag:
            text += ':' + self.tag
        if self.digest:
            text += '@' + self.digest
        return text


def _looks_like_domain(first_component):
    # Docker treats the first component as a registry host only when it
    # could not be a repository path: it has a dot, a port or a capital
    # letter, or is "localhost". "library/redis" stays a path.
    return ('.' in first_component or ':' in first_component
            or first_component == 'localhost'
            or first_component != first_component.lower())


def _why_invalid(text):
    if not text:
        return 'it is empty'
    if text != text.strip() or any(c.isspace() for c in text):
        return 'it contains white space'
    if '@' in text and not re.search('@' + _DIGEST + '$', text):
        return 'the digest must be sha256:<64 hex digits>'
    name = text.split('@', 1)[0]
    last = name.rsplit('/', 1)[-1]
    if ':' in last:
        tag = last.split(':', 1)[1]
        if not tag:
            return 'the tag after ":" is empty'
        if not re.fullmatch(_TAG, tag):
            return 'the tag %r is not valid' % tag
    if any(c.isupper() for c in name.split('/', 1)[-1]):
        return 'the repository name must be lowercase'
    return 'it is not name[:tag][@digest] with an optional registry prefix'


def parse_reference(text):
    """Parse a Docker image reference; raise InvalidReference with a reason.

    Returns a Reference. The text is otherwise taken as is: no default tag
    or registry is added, so what the user wrote is what the guest pulls.
    """
    if _IMAGE_ID.match(text or ''):
        # As docker refuses it: "docker run <64 hex>" means an image ID.
        raise InvalidReference(_('it is 64 hexadecimal digits, which docker '
                                 'reads as an image ID, not a name'))
    match = _REFERENCE.match(text or '')
    if match:
        domain = match.group('domain')
        path = match.group('path')
        if domain and not _looks_like_domain(domain):
            # "team/app" parses as domain "team", but Docker reads it as a
            # path on the default registry.
            path = '%s/%s' % (domain, path)
            domain = None
        ref = Reference(domain, path, match.group('tag'),
                        match.group('digest'))
        if len(ref.repository) > NAME_TOTAL_LENGTH_MAX:
            raise InvalidReference(_('the repository name is longer than %d '
                                   'characters') % NAME_TOTAL_LENGTH_MAX)
        return ref
    raise InvalidReference(_why_invalid(text))


def glance_pull_reference(registry, image_id, digest=None):
    """The reference the guest pulls a docker-format Glance image by.

    A Glance-backed registry serves each docker-format image under its
    Glance ID (seed 001), so the reference is "<registry>/<image ID>",
    pinned to the manifest's digest where it is known: every member of a
    group runs the same bytes, and a registry that served others would
    fail the pull.
    """
    text = '%s/%s' % (registry.rstrip('/'), image_id)
    if digest:
        text += '@' + digest
    return str(parse_reference(text))


def check_docker_format(image_name, container_format):
    """Raise ValueError unless a Glance image holds a Docker image."""
    if container_format != DOCKER_CONTAINER_FORMAT:
        raise ValueError(
            'Glance image "%s" has container_format "%s", not "%s": it does '
            'not hold a Docker image' % (image_name, container_format,
                                         DOCKER_CONTAINER_FORMAT))

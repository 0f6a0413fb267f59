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

"""heat-cvm-registry and a container's image, as the panel shows them (pure).

"Push an Image" tells a user how to push a Docker image into the cloud's
heat-cvm-registry (the catalog's ``container-registry`` service), which
stores it as a docker-format Glance image named ``<repository>:<tag>``.
A container's Overview shows the digest of the image its members run.
"""

import dataclasses
import shlex
import typing
from urllib import parse

from oslo_utils import uuidutils

from heat_cvm import image as image_ref
from heat_cvm.registry import keystone

# The catalog's service type of heat-cvm-registry.
SERVICE_TYPE = 'container-registry'
# The Glance property in which heat-cvm-registry records the digest.
GLANCE_DIGEST_PROPERTY = image_ref.GLANCE_DIGEST_PROPERTY
# The placeholders of the push commands, for the user to fill in.
LOCAL_IMAGE = '<your image>'
REPOSITORY_TAG = '<repository>:<tag>'


def registry_address(url):
    """The registry as docker names it: the endpoint URL's host[:port]."""
    parts = parse.urlsplit(url if '//' in url else '//' + url)
    # Credentials in a URL are not part of docker's registry name.
    return parts.netloc.rpartition('@')[2]


def login_name(project, user, domain=None):
    """The user name of ``docker login`` with a Keystone password.

    heat-cvm-registry reads ``<project>/<user>`` in the Default domain and
    ``<domain>/<project>/<user>`` in any other.
    """
    if domain and domain != keystone.DEFAULT_DOMAIN:
        return '%s/%s/%s' % (domain, project, user)
    return '%s/%s' % (project, user)


@dataclasses.dataclass(frozen=True)
class PushCommands:
    """The command lines that push an image, as a user types them."""

    registry: str
    login_name: str

    @property
    def target(self):
        return '%s/%s' % (self.registry, REPOSITORY_TAG)

    @property
    def login(self):
        # Quoted: Keystone names may hold spaces or shell characters.
        return 'docker login -u %s %s' % (
            shlex.quote(self.login_name), self.registry)

    @property
    def tag(self):
        return 'docker tag %s %s' % (LOCAL_IMAGE, self.target)

    @property
    def push(self):
        return 'docker push %s' % self.target


@dataclasses.dataclass(frozen=True)
class RunningImage:
    """The image a container's members run.

    ``glance_image`` is the property as its template sets it (a Glance
    name or ID), ``glance_id`` the ID to look up, ``digest`` the manifest
    digest the members pull (``...@sha256:...``), when pinned.
    """

    glance_image: typing.Optional[str]
    glance_id: typing.Optional[str]
    digest: typing.Optional[str]


def _parsed(reference):
    try:
        return image_ref.parse_reference(reference)
    except image_ref.InvalidReference:
        return None


def running_image(properties, pulled):
    """The RunningImage of a container.

    :param properties: the resource's properties (PropertyResolver).
    :param pulled: the reference the members pull (the nested stack's
        ``image`` fact): for a glance_image, ``<registry>/<image ID>``
        pinned to the image's digest, as the resource resolved it.
    """
    ref = _parsed(pulled)
    glance = properties.get('glance_image')
    if not isinstance(glance, str) or not glance:
        # No glance_image, or one the template computes from elsewhere.
        glance = None
    glance_id = None
    if glance:
        # The ID the resource resolved: a name may have moved to another
        # image since, and only an ID is found by a single Glance call.
        last = ref.path.rpartition('/')[2] if ref else ''
        glance_id = last if uuidutils.is_uuid_like(last) else glance
    return RunningImage(glance_image=glance, glance_id=glance_id,
                        digest=ref.digest if ref else None)

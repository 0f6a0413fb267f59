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

"""Repository names and Glance image names (pure).

``REGISTRY/<repository>:<tag>`` is the Glance image named
``<repository>:<tag>``; ``REGISTRY/<image ID>`` is that image whatever its
name. An older image whose tag a push moved on is renamed
``<repository>@<digest>``: untagged, still pullable by digest or ID.
"""

import re

from heat_cvm import image
from heat_cvm.registry import oci

_NAME = re.compile('^%s$' % oci.NAME_PATTERN)
_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}$')
# Docker's bound on a repository name.
NAME_MAX = 255
# What an image ID repository's tag may be: "latest" (what ``docker pull
# REGISTRY/<ID>`` asks for) or the image's own tag.
ID_TAG = 'latest'
# What the registry writes on the images it creates.
DIGEST_PROPERTY = image.GLANCE_DIGEST_PROPERTY
CONTAINER_FORMAT = image.DOCKER_CONTAINER_FORMAT
DISK_FORMAT = 'raw'


def check_repository(name):
    if len(name) > NAME_MAX or not _NAME.match(name):
        raise oci.RegistryError(
            'NAME_INVALID', 'repository name %r is not lowercase '
            'components separated by "/" (at most %d characters)'
            % (name, NAME_MAX), detail={'name': name})
    return name


def is_image_id(name):
    return bool(_UUID.match(name))


def glance_name(repository, tag):
    return '%s:%s' % (repository, tag)


def untagged_name(repository, digest):
    return '%s@%s' % (repository, digest)


def split_glance_name(name):
    """(repository, tag or None) of a Glance image's name.

    None when the name is not a reference (a docker-format image named by
    hand).
    """
    name = name or ''
    repository, _sep, digest = name.partition('@')
    if digest:
        return (repository, None) if _NAME.match(repository) else None
    repository, sep, tag = name.rpartition(':')
    if not sep or '/' in tag or not oci.is_tag(tag) or \
            not _NAME.match(repository):
        return None
    return repository, tag


def in_repository(image, repository):
    """Whether a Glance image (a dict) belongs to the repository."""
    if image['id'] == repository:
        return True
    parts = split_glance_name(image.get('name'))
    return parts is not None and parts[0] == repository


def best_ranked(images, project_id):
    """The images a name means, best rank first.

    The caller's own before shared and public ones: a project's own image
    is not hidden by one that another project made public.
    """
    own = [i for i in images if i.get('owner') == project_id]
    return own or list(images)


def choose(images, project_id, what):
    """The one image a name means.

    More than one at the best rank is refused, naming them (Zun's
    "Multiple images exist with same name").
    """
    ranked = best_ranked(images, project_id)
    if len(ranked) > 1:
        raise oci.RegistryError(
            'DENIED', '%d Glance images are named %s (%s): pull one by '
            'ID, REGISTRY/<image ID>, or rename the others'
            % (len(ranked), what, ', '.join(sorted(i['id'] for i in ranked))),
            status=409)
    if ranked:
        return ranked[0]
    raise oci.RegistryError('MANIFEST_UNKNOWN', 'no docker-format Glance '
                            'image %s is visible to this project' % what,
                            detail={'name': what})


def check_docker_image(image):
    """MANIFEST_UNKNOWN unless the Glance image holds a Docker image."""
    if image.get('container_format') != CONTAINER_FORMAT:
        raise oci.RegistryError(
            'MANIFEST_UNKNOWN', 'Glance image %s has container_format %r, '
            'not "docker": it holds no Docker image'
            % (image['id'], image.get('container_format')))
    if image.get('status') != 'active':
        raise oci.RegistryError(
            'MANIFEST_UNKNOWN', 'Glance image %s is %s, not active'
            % (image['id'], image.get('status')))
    return image

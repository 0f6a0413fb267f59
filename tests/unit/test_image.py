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

"""Docker reference grammar (heat_cvm.image)."""

import pytest

from heat_cvm import image

DIGEST = 'sha256:' + 'a' * 64


@pytest.mark.parametrize('text, domain, path, tag, digest', [
    ('memcached', None, 'memcached', None, None),
    ('memcached:1.6', None, 'memcached', '1.6', None),
    ('library/redis:7-alpine', None, 'library/redis', '7-alpine', None),
    ('team/app', None, 'team/app', None, None),
    ('reg.example:5000/team/app@' + DIGEST, 'reg.example:5000', 'team/app',
     None, DIGEST),
    ('reg.example/app:v1@' + DIGEST, 'reg.example', 'app', 'v1', DIGEST),
    ('localhost/app', 'localhost', 'app', None, None),
    ('127.0.0.1:5000/busybox:latest', '127.0.0.1:5000', 'busybox', 'latest',
     None),
    ('a__b/c---d.e_f', None, 'a__b/c---d.e_f', None, None),
    ('ghcr.io/Owner/app', None, None, None, None),  # invalid: uppercase path
    # docker reads a first component with a capital as a registry host.
    ('Registry/app:1', 'Registry', 'app', '1', None),
    ('a' * 64 + ':1', None, 'a' * 64, '1', None),
])
def test_parse_reference(text, domain, path, tag, digest):
    if path is None:
        with pytest.raises(image.InvalidReference):
            image.parse_reference(text)
        return
    ref = image.parse_reference(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag,
                                                           digest)
    assert str(ref) == text


@pytest.mark.parametrize('text, reason', [
    ('', 'it is empty'),
    ('memcached 1.6', 'white space'),
    (' memcached', 'white space'),
    ('Memcached', 'lowercase'),
    ('memcached:', 'the tag after ":" is empty'),
    ('memcached:-bad', 'the tag'),
    ('memcached:' + 'x' * 129, 'the tag'),
    ('memcached@sha256:abc', 'digest must be sha256'),
    ('memcached@md5:' + 'a' * 32, 'digest must be sha256'),
    ('memcached;rm -rf /', 'white space'),
    ('memcached;id', 'not name[:tag]'),
    ('$(id)', 'not name[:tag]'),
    ('-memcached', 'not name[:tag]'),
    ('memcached/', 'not name[:tag]'),
    ('reg.example:port/app', 'not name[:tag]'),
    ('a' * 256, 'longer than 255'),
    # docker refuses a name that could be an image ID.
    ('0123456789abcdef' * 4, 'an image ID'),
])
def test_invalid_reference_says_why(text, reason):
    with pytest.raises(image.InvalidReference) as exc:
        image.parse_reference(text)
    assert reason in str(exc.value)


def test_glance_pull_reference_is_registry_and_id():
    image_id = '8a2f6c1e-1b7e-4c4a-9d2e-0d5b1b2c3d4e'
    assert image.glance_pull_reference('127.0.0.1:5000/', image_id) == \
        '127.0.0.1:5000/' + image_id


def test_check_docker_format():
    image.check_docker_format('app', 'docker')
    with pytest.raises(ValueError) as exc:
        image.check_docker_format('cirros', 'bare')
    assert str(exc.value) == ('Glance image "cirros" has container_format '
                              '"bare", not "docker": it does not hold a '
                              'Docker image')

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

"""ContainerSpec: defaults, [cvm] defaults and normalisation (pure)."""

import pytest

from heat_cvm import schema
from heat_cvm import spec as spec_mod

MINIMAL = {'image': 'memcached:1.6', 'networks': ['private']}


def build(props, defaults=None, **kwargs):
    return spec_mod.ContainerSpec.from_properties(props, defaults or {},
                                                  **kwargs)


def test_defaults_of_a_minimal_container():
    spec = build(MINIMAL, resource_name='cache')
    assert spec.name == 'cache'
    assert spec.unit_name == 'cvm-cache.service'
    assert spec.container_name == 'cvm-cache'
    assert spec.restart_policy == 'always'
    assert spec.wait_for_ready is True
    assert spec.ready_timeout == 600
    assert (spec.scaling.min_size, spec.scaling.max_size,
            spec.scaling.desired_capacity, spec.scaling.cooldown) == (
        1, 1, 1, 60)
    assert spec.scaling.autoscale is None
    assert spec.ports == () and spec.volumes == ()


def test_cvm_options_fill_omitted_server_properties():
    defaults = {'flavor': 'm1.small', 'host_image': 'cvm-host',
                'network': 'private', 'key_name': 'ops',
                'availability_zone': 'az1', 'ready_timeout': 900}
    spec = build({'image': 'memcached:1.6'}, defaults)
    assert spec.server.flavor == 'm1.small'
    assert spec.server.host_image == 'cvm-host'
    assert spec.server.networks == ('private',)
    assert spec.server.key_name == 'ops'
    assert spec.server.availability_zone == 'az1'
    assert spec.ready_timeout == 900
    # A property given in the template wins over the option.
    spec = build(dict(MINIMAL, flavor='m1.large', ready_timeout=30),
                 defaults)
    assert (spec.server.flavor, spec.ready_timeout) == ('m1.large', 30)


def test_host_port_defaults_to_port_and_protocol_to_tcp():
    spec = build(dict(MINIMAL, ports=[{'port': 80},
                                      {'port': 53, 'protocol': 'udp',
                                       'host_port': 5353}]))
    assert [(p.port, p.protocol, p.host_port) for p in spec.ports] == [
        (80, 'tcp', 80), (53, 'udp', 5353)]


def test_same_port_number_on_both_protocols_is_fine():
    spec = build(dict(MINIMAL, ports=[{'port': 53},
                                      {'port': 53, 'protocol': 'udp'}]))
    assert len(spec.ports) == 2


def test_environment_values_become_strings():
    spec = build(dict(MINIMAL, environment={'N': 3, 'B': True, 'F': 1.5}))
    assert spec.environment == {'N': '3', 'B': 'true', 'F': '1.5'}


def test_mount_paths_are_normalised():
    spec = build(dict(MINIMAL, volumes=[{'size': 1,
                                         'mount_path': '/data//db/'}]))
    assert spec.volumes[0].mount_path == '/data/db'


@pytest.mark.parametrize('resource_name, expected', [
    ('web', 'web'), ('my web', 'my-web'), ('_x', 'x'), ('---', 'container'),
    ('a' * 80, 'a' * 63)])
def test_default_name_is_always_valid(resource_name, expected):
    assert spec_mod.default_name(resource_name) == expected


def test_glance_image_is_pulled_by_id_from_the_registry():
    spec = build({'glance_image': 'app', 'networks': ['n']},
                 glance_image_id='0b5e0f5e-5a41-4c5c-9f43-0d8a4c0b9f00',
                 registry='reg.example:5000')
    assert spec.image == \
        'reg.example:5000/0b5e0f5e-5a41-4c5c-9f43-0d8a4c0b9f00'
    assert spec.registry_host == 'reg.example:5000'


def test_secret_values_are_not_in_the_repr():
    spec = build(dict(MINIMAL, secret_environment={'K': 'hunter2'},
                      registry_credentials={'username': 'u',
                                            'password': 'pw-123'}))
    assert 'hunter2' not in repr(spec)
    assert 'pw-123' not in repr(spec)


def test_redact_masks_only_secret_values():
    props = {'environment': {'A': '1'},
             'secret_environment': {'K': 'hunter2'},
             'registry_credentials': {'username': 'u', 'password': 'pw'}}
    assert schema.redact(props) == {
        'environment': {'A': '1'},
        'secret_environment': {'K': schema.REDACTED},
        'registry_credentials': {'username': 'u',
                                 'password': schema.REDACTED}}


def test_error_names_path_and_value():
    with pytest.raises(spec_mod.SpecError) as exc:
        build(dict(MINIMAL, ports=[{'port': 80}, {'port': 80}]))
    assert exc.value.path == 'ports[1].host_port'
    assert str(exc.value) == ('ports[1].host_port: host port 80/tcp is '
                              'already published by ports[0]')


GLANCE = {'glance_image': 'team/app:1', 'networks': ['private']}
GLANCE_ID = '0b6c3a52-1b1a-4e0e-9f0e-2a8c4c1d9e10'
DIGEST = 'sha256:' + 'b' * 64


def test_glance_image_is_pulled_by_id_pinned_to_its_digest():
    spec = build(GLANCE, glance_image_id=GLANCE_ID, registry='reg.test:443',
                 glance_digest=DIGEST, pull_grants=True)
    assert spec.image == 'reg.test:443/%s@%s' % (GLANCE_ID, DIGEST)
    assert spec.pull_grant_image == GLANCE_ID
    assert spec.registry_host == 'reg.test:443'


def test_without_grants_a_glance_image_is_pulled_anonymously():
    spec = build(GLANCE, glance_image_id=GLANCE_ID, registry='reg.test:443')
    assert spec.image == 'reg.test:443/%s' % GLANCE_ID
    assert spec.pull_grant_image is None


def test_registry_credentials_are_refused_beside_a_pull_grant():
    with pytest.raises(spec_mod.SpecError) as error:
        build(dict(GLANCE, registry_credentials={'username': 'u',
                                                 'password': 'hunter2'}),
              glance_image_id=GLANCE_ID, registry='reg.test:443',
              pull_grants=True)
    assert error.value.path == 'registry_credentials'
    assert 'pull grant' in error.value.message
    assert 'hunter2' not in str(error.value)


def test_a_malformed_digest_property_is_refused_naming_it():
    with pytest.raises(spec_mod.SpecError) as error:
        build(GLANCE, glance_image_id=GLANCE_ID, registry='reg.test:443',
              glance_digest='md5:abc', pull_grants=True)
    assert error.value.path == 'glance_image'
    assert 'cvm_manifest_digest' in error.value.message


@pytest.mark.parametrize('limit, keys, refused', [
    (128, 126, False), (128, 127, True),
    # Nova's absolute limits say -1 for "no limit".
    (-1, 500, False), (None, 500, False)])
def test_metadata_count_against_novas_limit(limit, keys, refused):
    props = dict(MINIMAL, metadata={'k%d' % i: 'v' for i in range(keys)})
    if refused:
        with pytest.raises(spec_mod.SpecError, match='maxServerMeta'):
            build(props, max_server_meta=limit)
    else:
        assert len(build(props, max_server_meta=limit).server.metadata) \
            == keys

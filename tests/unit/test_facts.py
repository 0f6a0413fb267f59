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

"""The facts a container's nested stack carries in its tags (pure)."""

from hypothesis import given
from hypothesis import strategies as st

from heat_cvm import facts
from heat_cvm import spec as spec_mod


def make_spec(**props):
    props.setdefault('image', 'memcached:1.6')
    props.setdefault('networks', ['private'])
    return spec_mod.ContainerSpec.from_properties(props, {}, 'app')


def test_tags_say_what_a_list_row_shows():
    spec = make_spec(ports=[{'port': 11211}, {'port': 53, 'protocol': 'udp',
                                              'host_port': 5353}],
                     scaling={'min_size': 1, 'max_size': 4,
                              'desired_capacity': 2})
    tags = facts.tags(spec, 'cache')
    assert tags[0] == facts.TAG
    assert 'heat-cvm:image=memcached:1.6' in tags
    assert facts.read(tags) == {
        'name': 'app', 'image': 'memcached:1.6',
        'ports': '11211/tcp 5353/udp', 'size': '1/2/4', 'autoscale': 'no',
        'resource': 'cache'}
    assert facts.sizes(facts.read(tags)) == (1, 2, 4)


def test_a_long_image_continues_in_more_tags_within_heat_limits():
    image = 'registry.example.com:5000/team/app@sha256:' + 'a' * 64
    tags = facts.tags(make_spec(image=image), 'a,b')
    assert all(len(tag) <= 80 and ',' not in tag for tag in tags)
    assert facts.read(list(reversed(tags)))['image'] == image
    assert facts.read(tags)['resource'] == 'a,b'


@given(st.text(min_size=0, max_size=300))
def test_any_value_survives_the_tags(value):
    tags = [facts.TAG] + facts.fact_tags('x', value)
    assert all(len(tag) <= 80 and ',' not in tag for tag in tags)
    assert facts.read(tags)['x'] == value


def test_stacks_without_the_tag_are_no_containers():
    assert facts.read(None) is None
    assert facts.read(['heat-cvm:image=x']) is None
    assert facts.sizes({}) is None
    assert facts.sizes({'size': 'a/b/c'}) is None


def test_secrets_stay_out_of_the_tags():
    spec = make_spec(secret_environment={'TOKEN': 'hunter2'},
                     registry_credentials={'username': 'u',
                                           'password': 'pw-42'})
    text = ' '.join(facts.tags(spec))
    assert 'hunter2' not in text and 'pw-42' not in text

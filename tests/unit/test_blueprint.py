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

"""The nested stack's templates (pure)."""

import json

from heat_cvm import alarms
from heat_cvm import blueprint
from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod

SECRET = 'hunter2'


def make_spec(**props):
    props.setdefault('image', 'memcached:1.6')
    props.setdefault('networks', ['private', 'public'])
    return spec_mod.ContainerSpec.from_properties(props, {}, 'app')


def test_group_policies_and_outputs():
    tmpl = blueprint.child_template(make_spec(
        scaling={'min_size': 1, 'max_size': 5, 'desired_capacity': 2,
                 'cooldown': 30}), member_type='m.yaml')
    group = tmpl['resources']['group']['properties']
    assert (group['min_size'], group['max_size'], group['desired_capacity'],
            group['cooldown']) == (1, 5, 2, 30)
    assert group['resource']['type'] == 'm.yaml'
    assert set(tmpl['resources']) == {'security_group', 'group', 'scale_up',
                                      'scale_down'}
    assert set(tmpl['outputs']) == set(blueprint.OUTPUTS)
    assert 'parameters' not in tmpl


def test_autoscale_adds_two_alarms():
    tmpl = blueprint.child_template(make_spec(scaling={
        'min_size': 1, 'max_size': 3, 'autoscale': {'meter': 'memory.usage',
                                                    'scale_up_above': 800,
                                                    'scale_down_below': 100}
    }))
    up = tmpl['resources']['scale_up_alarm']['properties']
    assert (up['metric'], up['aggregation_method'], up['threshold']) == (
        'memory.usage', 'mean', 800)
    assert up['alarm_actions'] == [{'get_attr': ['scale_up', 'alarm_url']}]


def test_cpu_alarms_follow_the_flavor_and_the_clouds_granularity():
    spec = make_spec(scaling={'min_size': 1, 'max_size': 3, 'autoscale': {
        'target_cpu_percent': 60, 'evaluation_periods': 2}})
    telemetry = alarms.Telemetry(granularity=60)
    for vcpus in (1, 2):
        tmpl = blueprint.child_template(spec, telemetry=telemetry,
                                        vcpus=vcpus)
        up = tmpl['resources']['scale_up_alarm']
        down = tmpl['resources']['scale_down_alarm']['properties']
        assert up['type'] == 'OS::Aodh::GnocchiAggregationByResourcesAlarm'
        up = up['properties']
        # 75 % and 45 % of the vCPUs over 60 s, in nanoseconds.
        assert up['threshold'] == 0.75 * vcpus * 60 * 10 ** 9
        assert down['threshold'] == 0.45 * vcpus * 60 * 10 ** 9
        assert (up['granularity'], up['evaluation_periods'],
                up['aggregation_method']) == (60, 2, 'rate:mean')
        assert up['description'].startswith('Scale up ')


def test_prometheus_alarms_query_the_nested_stacks_members():
    spec = make_spec(scaling={'min_size': 1, 'max_size': 3, 'autoscale': {
        'scale_up_above': 70, 'scale_down_below': 30}})
    tmpl = blueprint.child_template(spec, telemetry=alarms.Telemetry(
        alarms.PROMETHEUS, 60, 'ceilometer_cpu'), vcpus=4)
    up = tmpl['resources']['scale_up_alarm']
    assert up['type'] == 'OS::Aodh::PrometheusAlarm'
    query = up['properties']['query']['str_replace']
    assert query['params'] == {'STACK_ID': {'get_param': 'OS::stack_id'}}
    assert 'server_group="STACK_ID"' in query['template']
    assert '/ 4 * 100' in query['template']
    assert up['properties']['threshold'] == 70


def test_member_has_a_port_per_network_and_waits_for_the_guest():
    spec = make_spec(ports=[{'port': 80}], volumes=[
        {'size': 1, 'mount_path': '/a'},
        {'volume_id': 'vol-1', 'mount_path': '/b'}])
    user_data = cloudinit.render(spec)
    member = blueprint.member_template(spec, user_data)
    resources = member['resources']
    handle, ready = blueprint.wait_names(user_data)
    assert {'port_0', 'port_1', 'volume_0', 'attachment_0', 'attachment_1',
            'server', handle, ready} == set(resources)
    assert resources['attachment_1']['properties']['volume_id'] == 'vol-1'
    assert resources[ready]['depends_on'] == ['server', 'attachment_0',
                                              'attachment_1']
    assert resources[ready]['properties']['handle'] == {
        'get_resource': handle}
    assert resources['server']['type'] == 'OS::CVM::MemberServer'
    server = resources['server']['properties']
    # Placeholders in: the server fills them in for Nova alone.
    assert server['user_data'] == user_data
    assert server['networks'] == [{'port': {'get_resource': 'port_0'}},
                                  {'port': {'get_resource': 'port_1'}}]
    assert set(server['user_data_values']) == set(
        cloudinit.placeholders(spec))


def test_no_secret_in_any_template():
    spec = make_spec(secret_environment={'K': SECRET},
                     registry_credentials={'username': 'u',
                                           'password': SECRET})
    member = blueprint.member_template(spec, cloudinit.render(spec),
                                       secrets_digest='d1')
    child = blueprint.child_template(spec)
    assert SECRET not in json.dumps(member) + json.dumps(child)
    server = member['resources']['server']['properties']
    assert server['secret_placeholders'] == [
        cloudinit.REGISTRY_PASSWORD_B64, cloudinit.SECRET_ENV_B64]
    assert server['secrets_digest'] == 'd1'
    assert set(cloudinit.secret_values(spec)) == set(
        server['secret_placeholders'])


def wait_condition_names(member):
    return sorted(name for name, resource in member['resources'].items()
                  if resource['type'].startswith('OS::Heat::WaitCondition'))


def test_a_new_guest_gets_a_new_wait_condition_an_unchanged_one_not():
    """A changed user data replaces the server: its signal is awaited."""
    spec = make_spec(image='memcached:1.6')
    names = wait_condition_names(blueprint.member_template(
        spec, cloudinit.render(spec), secrets_digest='d1'))
    assert names == wait_condition_names(blueprint.member_template(
        spec, cloudinit.render(spec), secrets_digest='d1'))
    assert not set(names) & set(wait_condition_names(
        blueprint.member_template(spec, cloudinit.render(spec),
                                  secrets_digest='d2')))
    new_image = make_spec(image='memcached:1.7')
    assert not set(names) & set(wait_condition_names(
        blueprint.member_template(new_image, cloudinit.render(new_image),
                                  secrets_digest='d1')))


def test_without_wait_for_ready_there_is_no_wait_condition():
    spec = make_spec(wait_for_ready=False)
    member = blueprint.member_template(spec, cloudinit.render(spec))
    assert wait_condition_names(member) == []

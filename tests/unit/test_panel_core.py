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

"""The Containers panel's pure core: rows, properties, launch fields."""

import datetime
import json

import pytest
import yaml

from heat_cvm import facts
from heat_cvm import hot_parameters
from heat_cvm import schema
from heat_cvm import spec as spec_mod
from horizon_cvm import catalog
from horizon_cvm import containers
from horizon_cvm import launch


def nested_row(resource='web', stack='shop', status='CREATE_COMPLETE',
               **props):
    props.setdefault('image', 'nginx:1.27')
    props.setdefault('networks', ['private'])
    props.setdefault('ports', [{'port': 80}, {'port': 53,
                                              'protocol': 'udp'}])
    props.setdefault('scaling', {'min_size': 1, 'max_size': 3,
                                 'desired_capacity': 2})
    spec = spec_mod.ContainerSpec.from_properties(props, {}, resource)
    return {'id': 'nested-1', 'stack_name': '%s-%s-abcdefghijkl' % (
        stack, resource), 'parent': 'parent-1', 'stack_status': status,
        'creation_time': '2026-11-25T08:00:00Z',
        'tags': facts.tags(spec, resource)}


def server(group, name, address):
    return {'id': name, 'name': name, 'status': 'ACTIVE',
            'metadata': {'metering.server_group': group},
            'addresses': {'private': [
                {'addr': address, 'OS-EXT-IPS:type': 'fixed'},
                {'addr': '172.24.4.9', 'OS-EXT-IPS:type': 'floating'}]}}


def test_rows_join_stacks_and_servers():
    stacks = [nested_row(), {'id': 'plain', 'stack_name': 'x', 'tags': None}]
    servers = [server('nested-1', 'm1', '10.0.0.5'),
               server('other', 'm2', '10.0.0.6'),
               {'id': 'vm', 'name': 'vm', 'metadata': {}}]
    (row,) = containers.containers(stacks, servers)
    assert (row.name, row.stack_name, row.stack_id, row.image) == (
        'web', 'shop', 'parent-1', 'nginx:1.27')
    assert row.status == containers.READY
    assert row.size_text == '1 / 2 (1\u20133)'
    assert row.endpoints == [('10.0.0.5:80', 'http://10.0.0.5:80'),
                             ('10.0.0.5:53', None)]


@pytest.mark.parametrize('status,shown', [
    ('CREATE_COMPLETE', 'ready'), ('UPDATE_COMPLETE', 'ready'),
    ('CREATE_IN_PROGRESS', 'create in progress'),
    ('UPDATE_FAILED', 'update failed'),
    ('ROLLBACK_COMPLETE', 'rollback complete'),
    ('DELETE_COMPLETE', 'delete complete'), ('', 'unknown')])
def test_status_is_ready_once_complete(status, shown):
    assert containers.display_status(status) == shown


def test_owner_stack_name_from_the_nested_name():
    assert containers.owner_stack_name('my-app-web-abcdefghijkl',
                                       'web') == 'my-app'
    assert containers.owner_stack_name('sh-ortened', 'web') == 'sh-ortened'


def test_age():
    now = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.timezone.utc)
    assert containers.age('2026-11-25T08:00:00Z', now) == '2 hours'
    assert containers.age('2026-11-24T09:00:00', now) == '1 day'
    assert containers.age('2026-11-25T09:59:30Z', now) == '30 seconds'
    assert containers.age('garbage', now) == ''


def test_properties_resolve_container_yaml_as_heat_would():
    template = hot_parameters.container_template()
    parameters = {name: '' for name in template['parameters']}
    parameters.update({'image': 'nginx:1.27', 'min_size': '1',
                       'max_size': '3', 'desired_capacity': '2',
                       'environment': '{"MODE": "prod"}',
                       'secret_environment': '******',
                       'ports': '[{"port": 80}]', 'autoscale': 'false',
                       'health_check_command': '', 'registry_username': '',
                       'networks': 'private,public', 'cooldown': '60',
                       'wait_for_ready': 'true', 'cpu_limit': '0'})
    props = containers.PropertyResolver(template, parameters).properties(
        hot_parameters.RESOURCE)
    assert props['image'] == 'nginx:1.27'
    assert props['environment'] == {'MODE': 'prod'}
    assert props['networks'] == ['private', 'public']
    assert props['scaling']['desired_capacity'] == 2
    assert 'autoscale' not in props['scaling']
    # Unset optional parameters leave their property out, as in Heat.
    for name in ('cpu_limit', 'glance_image', 'health_check',
                 'registry_credentials'):
        assert name not in props


def test_properties_written_in_the_template_show_as_written():
    template = {'resources': {'web': {'properties': {
        'image': 'nginx', 'metadata': {'a': {'get_attr': ['x', 'y']}},
        'name': {'get_param': 'missing'}}}}}
    props = containers.PropertyResolver(template, {}).properties('web')
    assert props == {'image': 'nginx',
                     'metadata': {'a': {'get_attr': ['x', 'y']}},
                     'name': {'get_param': 'missing'}}


def container_specs():
    entry = catalog.launch_template(catalog.CONTAINER)
    return {spec.name: spec for spec in launch.field_specs(entry.template,
                                                           entry.fields)}


def test_container_yaml_fields_come_from_the_template_and_schema():
    specs = container_specs()
    template = catalog.launch_template(catalog.CONTAINER).template
    assert list(specs) == list(template['parameters'])
    for name, spec in specs.items():
        param = template['parameters'][name]
        assert (spec.label, spec.help_text) == (param['label'],
                                                param['description'])
    assert specs['flavor'].source == 'flavors'
    assert specs['networks'].kind == launch.MULTI_CHOICE
    assert specs['glance_image'].source == launch.DOCKER_IMAGES
    assert specs['host_image'].source == 'images'
    assert specs['secret_environment'].kind == launch.SECRET_KEY_VALUES
    assert specs['registry_password'].kind == launch.SECRET
    assert specs['restart_policy'].choices == tuple(
        (p, p) for p in schema.RESTART_POLICIES)
    assert specs['ports'].item_keys == tuple(
        f.name for f in schema.field('ports').item.fields)
    assert (specs['min_size'].kind, specs['min_size'].initial) == (
        launch.INTEGER, 1)
    assert specs['cpu_limit'].kind == launch.NUMBER


def test_typed_values_become_heat_parameters():
    specs = list(container_specs().values())
    params = launch.parameters(specs, {
        'image': 'nginx', 'command': "sh -c 'echo hi'",
        'environment': '# comment\nA=1\n\nB=x=y',
        'secret_environment': '', 'registry_password': '',
        'ports': 'port=80 protocol=udp', 'networks': ['a', 'b'],
        'wait_for_ready': False, 'min_size': 2, 'cpu_limit': None})
    assert json.loads(params['command']) == ['sh', '-c', 'echo hi']
    assert json.loads(params['environment']) == {'A': '1', 'B': 'x=y'}
    assert json.loads(params['ports']) == [{'port': 80, 'protocol': 'udp'}]
    assert (params['networks'], params['wait_for_ready'],
            params['min_size']) == ('a,b', 'false', '2')
    # An empty secret and an empty number are left to their defaults.
    for name in ('secret_environment', 'registry_password', 'cpu_limit'):
        assert name not in params


@pytest.mark.parametrize('name,value,message', [
    ('environment', 'NOVALUE', 'Environment: line 1: expected NAME=VALUE'),
    ('ports', 'port=80 colour=red', 'Ports: line 1: expected port=...'),
    ('command', 'sh -c "unclosed', 'Command: No closing quotation'),
])
def test_bad_values_name_the_field(name, value, message):
    specs = [container_specs()[name]]
    with pytest.raises(launch.InvalidValue) as raised:
        launch.parameters(specs, {name: value})
    assert str(raised.value).startswith(message)


def test_examples_use_their_own_parameters():
    entry = catalog.launch_template('memcached')
    specs = {s.name: s for s in launch.field_specs(entry.template)}
    assert entry.title == 'Memcached cache server'
    assert (specs['cache_size_mb'].kind, specs['cache_size_mb'].minimum,
            specs['cache_size_mb'].maximum) == (launch.INTEGER, 16, 16384)
    assert specs['network'].source == 'networks'
    assert specs['host_image'].source == 'images'


def test_every_launch_template_is_found_and_is_yaml():
    keys = [t.key for t in catalog.launch_templates()]
    assert keys[0] == catalog.CONTAINER
    assert {'memcached', 'etherpad', 'wordpress', 'autoscaled-web'} <= \
        set(keys)
    for entry in catalog.launch_templates():
        assert yaml.safe_load(entry.text)['heat_template_version']


def test_templates_dir_prefers_the_configured_one(tmp_path):
    (tmp_path / catalog.CONTAINER_FILE).write_text('description: Mine\n')
    assert catalog.templates_dir(str(tmp_path)) == str(tmp_path)
    assert catalog.launch_templates(str(tmp_path))[0].title == 'Mine'


def test_preview_rows_flatten_nested_stacks():
    assert launch.preview_rows([
        {'resource_name': 'c', 'resource_type': 'OS::CVM::Container'},
        [{'resource_name': 'g', 'resource_type': 'G'}, [
            {'resource_name': 's', 'resource_type': 'S'}]]]) == [
        (0, 'c', 'OS::CVM::Container'), (1, 'g', 'G'), (2, 's', 'S')]


def test_an_autoscaled_size_says_so():
    row = containers.container(nested_row(scaling={
        'min_size': 1, 'max_size': 5, 'autoscale': {'meter': 'cpu'}}))
    assert row.size_text == '0 / 1 (1\u20135) autoscaled'

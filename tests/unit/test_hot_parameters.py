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

"""templates/container.yaml is generated from heat_cvm.schema."""

import os

import yaml

from heat_cvm import hot_parameters
from heat_cvm import schema

CONTAINER_YAML = os.path.join(os.path.dirname(__file__), '..', '..',
                              'templates', 'container.yaml')


def test_container_yaml_is_up_to_date():
    with open(CONTAINER_YAML) as f:
        assert f.read() == hot_parameters.render(), (
            'templates/container.yaml is stale: run '
            '"tox -e container-template"')


def test_every_property_is_set_from_the_template():
    tmpl = yaml.safe_load(hot_parameters.render())
    properties = tmpl['resources']['container']['properties']
    assert set(properties) == {f.name for f in schema.FIELDS}


def test_parameters_carry_labels_descriptions_and_constraints():
    params = yaml.safe_load(hot_parameters.render())['parameters']
    for name, param in params.items():
        assert param['label'] and param['description'], name
    assert params['restart_policy']['constraints'] == [
        {'allowed_values': ['no', 'on-failure', 'always']}]
    assert params['restart_policy']['default'] == 'always'
    assert {'range': {'min': 1, 'max': 65535}} not in params.get(
        'ports', {}).get('constraints', [])
    assert params['secret_environment']['hidden'] is True
    assert params['registry_password']['hidden'] is True
    assert params['min_size'] == {
        'type': 'number', 'label': 'Min size',
        'description': 'Fewest members.', 'default': 1,
        'constraints': [{'range': {'min': 0}}]}


def test_optional_properties_are_omitted_when_unset():
    tmpl = yaml.safe_load(hot_parameters.render())
    properties = tmpl['resources']['container']['properties']
    assert properties['working_dir'] == {
        'if': ['has_working_dir', {'get_param': 'working_dir'}]}
    assert tmpl['conditions']['has_working_dir'] == {
        'not': {'equals': [{'get_param': 'working_dir'}, '']}}
    assert properties['scaling']['autoscale']['if'][0] == 'autoscale'


def test_every_parameter_names_the_schema_field_it_sets():
    fields = hot_parameters.parameter_fields()
    template = hot_parameters.container_template()
    assert set(fields) == set(template['parameters'])
    assert fields['rolling_max_batch_size'] is schema.field(
        'rolling_updates.max_batch_size')
    assert fields['registry_password'].secret


def test_the_keys_of_a_map_are_a_section_under_its_label():
    sections = hot_parameters.parameter_sections()
    assert set(sections) == set(hot_parameters.container_template()[
        'parameters'])
    assert (sections['image'], sections['min_size'], sections['autoscale'],
            sections['rolling_pause_time'], sections['registry_password']) \
        == ('', 'Scaling', 'Scaling', 'Rolling updates',
            'Registry credentials')

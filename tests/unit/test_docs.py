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

"""README.rst's reference sections match the schema and the options."""

import os

import docutils.core
import docutils.utils

from heat_cvm import docs

README = os.path.join(os.path.dirname(__file__), '..', '..', 'README.rst')


def read_readme():
    with open(README) as f:
        return f.read()


def test_readme_reference_is_up_to_date():
    text = read_readme()
    assert docs.update(text) == text, (
        'README.rst is stale: run "tox -e docs"')


def test_readme_documents_every_property_and_option():
    text = read_readme()
    for field in docs.schema.FIELDS:
        assert '* ``%s`` (' % field.name in text
    for opt in docs.config.cvm_opts + docs.registry_config.registry_opts:
        assert '* ``%s`` (' % opt.dest in text


def test_readme_is_valid_restructuredtext():
    docutils.core.publish_doctree(
        read_readme(), settings_overrides={
            'halt_level': docutils.utils.Reporter.WARNING_LEVEL,
            'report_level': docutils.utils.Reporter.WARNING_LEVEL})

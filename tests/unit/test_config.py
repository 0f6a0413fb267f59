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

"""The [cvm] options: registered, documented, and in the generator."""

import pathlib
import subprocess
import sys

from oslo_config import cfg
from oslo_config import generator as oslo_generator
import pytest

from heat_cvm import config

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_every_option_has_help_and_is_listed():
    (group, opts), = config.list_opts()
    assert group.name == 'cvm'
    names = {opt.name for opt in opts}
    assert {'host_image', 'flavor', 'network', 'registry', 'install_docker',
            'ready_timeout', 'allow_metadata_access'} <= names
    for opt in opts:
        assert opt.help, opt.name


def test_defaults_reads_the_options():
    conf = cfg.ConfigOpts()
    conf([], project='heat')
    config.register_opts(conf)
    conf.set_override('flavor', 'm1.tiny', group='cvm')
    values = config.defaults(conf)
    assert values['flavor'] == 'm1.tiny'
    assert values['ready_timeout'] == 600
    assert values['allow_metadata_access'] is False


def test_oslo_config_generator_prints_the_options():
    # The entry point in setup.cfg is what operators' tooling finds.
    result = subprocess.run(
        [sys.executable, '-m', 'oslo_config.generator', '--namespace',
         'heat_cvm'], capture_output=True, text=True, check=True)
    assert '[cvm]' in result.stdout
    assert '#ready_timeout = 600' in result.stdout
    assert '#registry = <None>' in result.stdout


@pytest.mark.parametrize('generator, section', [
    ('heat-cvm.conf', '[cvm]'), ('heat-cvm-registry.conf', '[registry]')])
def test_tox_genconfig_writes_each_sample(generator, section, tmp_path):
    # tox -e genconfig's own generator configs, from the repository root.
    sample = tmp_path / 'sample.conf'
    generator_config = REPO / 'etc' / 'oslo-config-generator' / generator
    oslo_generator.main(['--config-file', str(generator_config),
                         '--output-file', str(sample)])
    assert section in sample.read_text()

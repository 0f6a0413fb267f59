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

"""The plugin refuses to load on a Heat whose internals it relies on moved.

heat-engine's own loader (plugin_dirs) loads the plugin against reshaped
copies of the internals heat_cvm.resources.heat_internals checks: nothing
is registered, and heat-engine's log says why in one line.
"""

import logging
import sys
from unittest import mock

import fixtures
from heat.common import exception
from heat.engine import environment
from heat.engine import resource
from heat.engine import resources
from heat.engine.resources.openstack.nova import server
from heat.rpc import client as rpc_client
from oslo_config import cfg

from heat_cvm.resources import heat_internals
from tests.heat import base


def _add_event_with_a_new_argument(self, action, status, reason, kind):
    pass


def handle_create_reading_user_data_twice(self):
    first = self.properties[self.USER_DATA]
    return first, self.properties[self.USER_DATA]


def _create_stack_without_args(self, ctxt, stack_name, template, params,
                               files, environment_files=None):
    pass


class HeatInternalsTest(base.HeatTestCase):

    def load(self):
        """The plugin's resource types and constraints, as Heat loads them."""
        for module in list(sys.modules.values()):
            if getattr(module, '__name__', '').endswith('.cvm_container'):
                module._loadable.cache_clear()
                self.addCleanup(module._loadable.cache_clear)
        env = environment.Environment({}, user_env=False)
        cfg.CONF.set_override('plugin_dirs', [base.PLUGIN_DIR])
        self.addCleanup(cfg.CONF.clear_override, 'plugin_dirs')
        resources._load_global_resources(env)
        registered = []
        for name in ('OS::CVM::Container', 'OS::CVM::MemberServer'):
            try:
                env.registry.get_resource_info(name)
            except exception.EntityNotFound:
                continue
            registered.append(name)
        return registered, 'cvm.glance_image' in env.constraints

    def test_this_heat_has_what_heat_cvm_relies_on(self):
        self.assertEqual([], heat_internals.mismatches())
        self.assertEqual((['OS::CVM::Container', 'OS::CVM::MemberServer'],
                          True), self.load())

    def test_a_reshaped_internal_loads_nothing_and_says_why(self):
        for owner, name, reshaped, named in (
                (resource.Resource, '_add_event',
                 _add_event_with_a_new_argument, 'Resource._add_event'),
                (server.Server, 'handle_create',
                 handle_create_reading_user_data_twice,
                 'reading its user_data property once'),
                (rpc_client.EngineClient, '_create_stack',
                 _create_stack_without_args, 'EngineClient._create_stack')):
            with self.subTest(internal=name):
                log = self.useFixture(fixtures.FakeLogger(
                    level=logging.ERROR))
                with mock.patch.object(owner, name, reshaped):
                    self.assertEqual(([], False), self.load())
                [line] = log.output.strip().split('\n')
                self.assertIn('heat-cvm is not loaded', line)
                self.assertIn(named, line)

    def test_a_heat_older_than_the_oldest_tested_loads_nothing(self):
        log = self.useFixture(fixtures.FakeLogger(level=logging.ERROR))
        with mock.patch.object(heat_internals, 'heat_version',
                               return_value='23.0.0'):
            self.assertEqual(([], False), self.load())
        self.assertIn('openstack-heat 23.0.0 is older than 24.x (2025.1)',
                      log.output)

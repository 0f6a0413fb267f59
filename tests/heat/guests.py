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

"""Guests for the fake cloud's servers: user data run, signals relayed.

Each server the fake Nova creates is booted with tools/minicloud/guest_sim.py:
its user data (as Heat gave it to Nova, placeholders filled by
OS::CVM::MemberServer) is written to a scratch root and its runcmd runs the
real guest helper against recording stand-ins. The helper POSTs its
wait-condition signal to the URL in the user data; Heat's URL is pointed at
a local recording server (the heat client plugin's get_heat_url, the
client-plugin boundary), and each POST is handed to the engine the way
heat-api would: the token checked, the body passed to resource_signal.
"""

import shutil
import tempfile
from urllib import parse

from heat.engine.clients.os import heat_plugin
from heat.engine import stack as parser
from heat.tests import utils

from tools.minicloud import guest_sim as simulator


class SimulatedGuests:

    def __init__(self, test, cloud, engine, fail_pull=None):
        self.test = test
        self.engine = engine
        self.fail_pull = fail_pull
        self.runs = []
        server_cm = simulator.signal_server()
        self.signal_server = server_cm.__enter__()
        test.addCleanup(server_cm.__exit__, None, None, None)
        self.scratch = tempfile.mkdtemp(prefix='heat-cvm-guests-')
        test.addCleanup(shutil.rmtree, self.scratch, True)
        test.patchobject(
            heat_plugin.HeatClientPlugin, 'get_heat_url',
            return_value='http://127.0.0.1:%d/v1/test_tenant_id/'
                         % self.signal_server.server_port)
        cloud.guests = self

    def boot(self, server, user_data):
        root = tempfile.mkdtemp(dir=self.scratch)
        guest_root = root + '/root'
        run = simulator.boot_filled(user_data, guest_root,
                                    self.signal_server, self.fail_pull)
        run.server = server
        self.runs.append(run)
        for signal in run.signals:
            self.relay(signal)

    def relay(self, signal):
        # /v1/<project>/stacks/<name>/<id>/resources/<resource>/signal, the
        # project being the stack-user project whose token the guest holds.
        parts = parse.urlparse(signal['path']).path.strip('/').split('/')
        project, stack_id, resource_name = parts[1], parts[4], parts[6]
        stack = parser.Stack.load(utils.dummy_context(is_admin=True),
                                  stack_id=stack_id)
        self.test.assertEqual(stack.stack_user_project_id, project)
        self.test.assertEqual(stack[resource_name].FnGetAtt('token'),
                              signal['token'],
                              'the guest signalled with the wrong token')
        self.engine.resource_signal(
            utils.dummy_context(tenant_id=project), dict(stack.identifier()),
            resource_name, signal['body'], sync_call=True)

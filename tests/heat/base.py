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

"""Heat's own unit-test harness, with heat-cvm loaded from plugin_dirs.

The plugin is loaded the way heat-engine loads it: heat_cvm/plugin is put
on ``[DEFAULT] plugin_dirs`` and Heat's plugin manager scans it. Stacks
are created by a real in-process EngineService (nested stacks included)
on Heat's test database; the cloud is stubbed only at Heat's client-plugin
boundary (see tests/heat/cloud.py).
"""

import os
import tempfile

import fixtures

# heat.tests.common must be imported before other heat modules: it selects
# oslo.service's threading backend.
from heat.tests import common  # noqa: I100,I202

from heat.common import exception
from heat.engine import resources
from heat.engine import service
from heat.engine import stack as parser
from heat.engine import stack_lock
from heat.rpc import client as rpc_client
from heat.tests.engine import tools
from oslo_config import cfg

import heat_cvm.plugin

PLUGIN_DIR = os.path.dirname(heat_cvm.plugin.__file__)

# The installed heat package has no etc/heat: write the two entries of
# Heat's default environment.d that HeatTestCase.setUp looks up.
_ENV_DIR = tempfile.mkdtemp(prefix='heat-cvm-envd-')
with open(os.path.join(_ENV_DIR, 'default.yaml'), 'w') as _f:
    _f.write('resource_registry:\n'
             '  "AWS::CloudWatch::Alarm": '
             '"file:///etc/heat/templates/AWS_CloudWatch_Alarm.yaml"\n'
             '  "AWS::RDS::DBInstance": '
             '"file:///etc/heat/templates/AWS_RDS_DBInstance.yaml"\n')


def load_plugin():
    """Initialise Heat's global environment with our plugin_dirs, once."""
    if resources._environment is not None and \
            'OS::CVM::Container' in resources._environment.registry._registry:
        return
    cfg.CONF.set_default('environment_dir', _ENV_DIR)
    cfg.CONF.set_override('plugin_dirs', [PLUGIN_DIR])
    try:
        resources._environment = None
        resources.initialise()
    finally:
        cfg.CONF.clear_override('plugin_dirs')


class SyncThreadGroupManager(tools.DummyThreadGroupManager):
    """Runs engine work at once, releasing stack locks as the real one does.

    Heat's DummyThreadGroupManager never persists the deferred state of a
    legacy stack, so a nested stack would stay IN_PROGRESS forever.
    """

    def start_with_lock(self, cnxt, stack, engine_id, func, *args, **kwargs):
        lock = stack_lock.StackLock(cnxt, stack.id, engine_id)
        lock.acquire()
        return self.start_with_acquired_lock(stack, lock, func, *args,
                                             **kwargs)

    def start_with_acquired_lock(self, stack, lock, func, *args, **kwargs):
        try:
            func(*args, **kwargs)
        finally:
            if stack is not None and stack.defer_state_persist():
                stack.persist_state_and_release_lock(lock.engine_id)
            else:
                lock.release()
        return tools.DummyThread()

    def stop_timers(self, stack_id):
        pass

    def stop(self, stack_id, graceful=False):
        pass


_check_refresh_cred = parser.Stack._check_refresh_cred.__func__


def _refresh_cred_without_trustee(cls, context, stack):
    """Heat 26's Stack._check_refresh_cred, on Heat 24 and 25 too.

    This harness has no [trustee] section, so a stored trust context cannot
    be rebuilt: Heat 26 and later take that as "refresh the trust", Heat
    24 and 25 fail every nested stack's update (and, on 25, delete) with
    AuthorizationFailure. A cloud configures [trustee]; the harness plays
    the newer behaviour.
    """
    try:
        return _check_refresh_cred(cls, context, stack)
    except exception.AuthorizationFailure:
        return True


class HeatTestCase(common.HeatTestCase):
    """HeatTestCase whose stacks run nested stacks in this process."""

    def setUp(self):
        load_plugin()
        super().setUp()
        cfg.CONF.set_default('environment_dir', _ENV_DIR)
        cfg.CONF.set_override('convergence_engine', False)
        engine = service.EngineService('test-host', 'test-topic')
        engine.thread_group_mgr = SyncThreadGroupManager()
        engine.engine_id = 'test-engine'
        self.engine = engine

        def call(client, ctxt, msg, version=None, timeout=None):
            method, kwargs = msg
            return getattr(engine, method)(ctxt, **kwargs)

        self.patchobject(rpc_client.EngineClient, 'call', new=call)
        self.patchobject(rpc_client.EngineClient, 'cast', new=call)
        self.patchobject(parser.Stack, '_check_refresh_cred',
                         new=classmethod(_refresh_cred_without_trustee))


class TempFile(fixtures.Fixture):
    """A temporary file holding ``text``, removed afterwards."""

    def __init__(self, text):
        super().__init__()
        self.text = text

    def _setUp(self):
        fd, self.path = tempfile.mkstemp(prefix='heat-cvm-')
        with os.fdopen(fd, 'w') as f:
            f.write(self.text)
        self.addCleanup(os.unlink, self.path)

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

"""Every template in templates/ validates and creates in Heat's engine.

These are the templates the CLI and the Horizon panel launch; hidden
parameters without a default get a value, as a user would give one.
"""

import glob
import os

import ddt
from heat.common import template_format
from heat.tests import utils

from tests.heat import base
from tests.heat import cloud
from tests.heat import guests

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), '..', '..',
                             'templates')
TEMPLATES = sorted(
    os.path.relpath(path, TEMPLATES_DIR) for path in
    glob.glob(os.path.join(TEMPLATES_DIR, '**', '*.yaml'), recursive=True))


def load(name):
    with open(os.path.join(TEMPLATES_DIR, name)) as f:
        return template_format.parse(f.read())


def launch_params(name, tmpl):
    """What a user must give: hidden parameters, container.yaml's image."""
    params = {key: 'secret-%s' % key
              for key, param in tmpl.get('parameters', {}).items()
              if 'default' not in param}
    if name == 'container.yaml':
        # The generic template has no default image; the cloud's [cvm]
        # options would give the rest, which this harness does not set.
        params.update(image='busybox:1.36', host_image='cvm-host',
                      flavor='m1.small', networks='private')
    return params


@ddt.ddt
class TemplatesTest(base.HeatTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = cloud.FakeCloud().install(self)
        self.guests = guests.SimulatedGuests(self, self.cloud, self.engine)

    def test_the_templates_are_there(self):
        self.assertIn('container.yaml', TEMPLATES)
        self.assertGreaterEqual(len(TEMPLATES), 5)

    @ddt.data(*TEMPLATES)
    def test_template_validates(self, name):
        tmpl = load(name)
        for param in tmpl.get('parameters', {}).values():
            self.assertIn('label', param, name)
            self.assertIn('description', param, name)
        utils.parse_stack(tmpl, params=launch_params(name, tmpl)).validate()

    @ddt.data(*TEMPLATES)
    def test_template_creates_and_deletes(self, name):
        tmpl = load(name)
        params = launch_params(name, tmpl)
        baseline = self.cloud.counts()
        stack = utils.parse_stack(tmpl, params=params)
        stack.create()
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertTrue(self.cloud.servers)
        for run in self.guests.runs:
            self.assertEqual(['SUCCESS'],
                             [s['body']['status'] for s in run.signals])
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(baseline, self.cloud.counts())

    @ddt.data(*TEMPLATES)
    def test_a_scalable_container_offers_its_scale_urls(self, name):
        # A user scales by POSTing to an output's URL: every container that
        # can grow past one server has them, as outputs.
        tmpl = load(name)
        outputs = tmpl.get('outputs', {})
        for resource_name, resource in tmpl['resources'].items():
            if resource['type'] != 'OS::CVM::Container':
                continue
            scaling = resource['properties'].get('scaling') or {}
            if scaling.get('max_size', 1) == 1:
                continue
            for url in ('scale_up_url', 'scale_down_url'):
                self.assertEqual({'get_attr': [resource_name, url]},
                                 outputs.get(url, {}).get('value'),
                                 '%s: %s' % (name, url))

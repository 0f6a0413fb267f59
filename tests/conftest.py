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

"""The minicloud fixture, shared by tests/functional and tests/e2e."""

import os
import subprocess
import sys

import pytest

from tools.minicloud import helpers


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'quiet: its timing follows the cloud\'s periods (Aodh\'s); '
        'ordered after the others, once the real VMs booted')
    config.addinivalue_line(
        'markers', 'background: checks what ran beside the other tests '
        '(tests/functional/conftest.py); ordered after them')
    config.addinivalue_line(
        'markers', 'disruptive: stops a service of the cloud; ordered last, '
        'when nothing else is in progress')


def pytest_collection_modifyitems(session, config, items):
    """Quiet tests after the others, then background, disruptive last."""
    items.sort(key=lambda item: (
        item.get_closest_marker('disruptive') is not None,
        item.get_closest_marker('background') is not None,
        item.get_closest_marker('quiet') is not None))


@pytest.fixture(scope='session')
def cloud():
    """The minicloud: up before the first test that needs it, down after."""
    subprocess.run([sys.executable, str(helpers.MINICLOUD), 'up'],
                   check=True)
    try:
        yield helpers.Cloud(helpers.STATE)
    finally:
        if not os.environ.get('MINICLOUD_KEEP'):
            subprocess.run([sys.executable, str(helpers.MINICLOUD),
                            'down'], check=True)

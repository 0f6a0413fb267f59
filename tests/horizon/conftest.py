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

"""Horizon's tests are Django TestCases: set Django up once for pytest."""

import os

import django
from django.test import utils

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.horizon.settings')
django.setup()

# Django's test runner would do this: the test environment (locmem mail,
# template rendering signals) and the (in-memory sqlite) test database.
utils.setup_test_environment()
_old_config = utils.setup_databases(verbosity=0, interactive=False)


def pytest_configure(config):
    # Marks that Horizon's test helpers apply to its own test classes.
    for mark in ('selenium', 'plugin_test'):
        config.addinivalue_line('markers', '%s: Horizon test mark' % mark)

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

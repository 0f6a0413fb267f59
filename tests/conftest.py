"""The minicloud fixture, shared by tests/functional and tests/e2e."""

import os
import subprocess
import sys

import pytest

from tests.functional import helpers


def pytest_collection_modifyitems(session, config, items):
    """The real VMs' tests last.

    Their VMs boot while the others run (tests/functional/conftest.py).
    """
    items.sort(key=lambda item: 'test_real_guest' in item.nodeid)


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

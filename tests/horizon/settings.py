"""Horizon's test settings with the Containers panel enabled."""

import openstack_dashboard.enabled
from openstack_dashboard.test.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

import horizon_cvm.enabled

HORIZON_CONFIG.pop('dashboards', None)  # noqa: F405
HORIZON_CONFIG.pop('default_dashboard', None)  # noqa: F405
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, horizon_cvm.enabled],
    HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS)  # noqa: F405
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))  # noqa: F405

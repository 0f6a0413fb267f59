"""heat-engine plugin module for heat-cvm.

Put this directory (``python -c 'import heat_cvm.plugin, os;
print(os.path.dirname(heat_cvm.plugin.__file__))'``) on heat.conf's
``[DEFAULT] plugin_dirs``; heat-engine loads every module there and calls
its ``resource_mapping()`` and ``constraint_mapping()``.
"""

from heat_cvm.resources import container
from heat_cvm.resources import glance_images
from heat_cvm.resources import member_group
from heat_cvm.resources import member_server


def resource_mapping():
    mapping = {}
    mapping.update(container.resource_mapping())
    mapping.update(member_group.resource_mapping())
    mapping.update(member_server.resource_mapping())
    return mapping


def constraint_mapping():
    return glance_images.constraint_mapping()

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

"""heat-engine plugin module for heat-cvm.

Put this directory (``python -c 'import heat_cvm.plugin, os;
print(os.path.dirname(heat_cvm.plugin.__file__))'``) on heat.conf's
``[DEFAULT] plugin_dirs``; heat-engine loads every module there and calls
its ``resource_mapping()`` and ``constraint_mapping()``.

Nothing is registered when a Heat internal heat-cvm relies on is not as it
expects (heat_cvm.resources.heat_internals): heat-cvm half working would
leak secrets into events. heat-engine's log says so in one line.
"""

import functools

from oslo_log import log as logging

from heat_cvm.resources import container
from heat_cvm.resources import glance_images
from heat_cvm.resources import heat_internals
from heat_cvm.resources import member_group
from heat_cvm.resources import member_server

LOG = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def _loadable():
    mismatches = heat_internals.mismatches()
    if mismatches:
        LOG.error('heat-cvm is not loaded (no OS::CVM::* resource types): '
                  'this Heat differs from what heat-cvm relies on: %s',
                  '; '.join(mismatches))
    return not mismatches


def resource_mapping():
    if not _loadable():
        return {}
    mapping = {}
    mapping.update(container.resource_mapping())
    mapping.update(member_group.resource_mapping())
    mapping.update(member_server.resource_mapping())
    return mapping


def constraint_mapping():
    return glance_images.constraint_mapping() if _loadable() else {}

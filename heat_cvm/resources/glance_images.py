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

"""Finding a Glance image by a name that is a Docker reference.

heat-cvm-registry names the images it writes ``<repository>:<tag>``, and
Glance reads a name filter's "repository" as an operator ("Unable to
filter by unknown operator"), so Heat's own lookup (and its
``glance.image`` constraint) fails on such names. This lookup asks with
Glance's ``in`` operator, the name quoted, and picks among duplicates as
heat-cvm-registry does: the project's own image before shared and public
ones. The ``cvm.glance_image`` constraint checks names this way.
"""

from heat.engine.clients import client_exception
from heat.engine import constraints
from oslo_utils import uuidutils

from heat_cvm.registry import names
from heat_cvm import schema

GLANCE = 'glance'
CONSTRAINT = schema.GLANCE_DOCKER_IMAGE


def find(glance_plugin, name_or_id, project_id):
    """The image, by ID or name.

    EntityMatchNotFound or EntityUniqueMatchNotFound, as Heat's own lookup
    raises them.
    """
    if uuidutils.is_uuid_like(name_or_id) or ':' not in name_or_id:
        return glance_plugin.get_image(name_or_id)
    found = list(glance_plugin.client().images.list(
        filters={'name': 'in:"%s"' % name_or_id}))
    ranked = names.best_ranked(found, project_id)
    if not ranked:
        raise client_exception.EntityMatchNotFound(
            entity='image', args={'name': name_or_id})
    if len(ranked) > 1:
        raise client_exception.EntityUniqueMatchNotFound(
            entity='image', args={'name': name_or_id})
    return ranked[0]


class GlanceImageConstraint(constraints.BaseCustomConstraint):
    """A Glance image, by ID or by any name (``<repository>:<tag>`` too)."""

    expected_exceptions = (client_exception.EntityMatchNotFound,
                           client_exception.EntityUniqueMatchNotFound)

    def validate_with_client(self, client, value):
        if not value:
            # Not given: Heat hands an optional string property's null
            # (an "if" without a value) to its constraints as "".
            return
        find(client.client_plugin(GLANCE), value,
             client.context.project_id)


def constraint_mapping():
    return {CONSTRAINT: GlanceImageConstraint}

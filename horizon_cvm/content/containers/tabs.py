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

import datetime

import yaml

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tabs
from openstack_dashboard import api as os_api
from openstack_dashboard import exceptions as os_exceptions

from heat_cvm import schema
from horizon_cvm import api
from horizon_cvm.content.containers import tables as cvm_tables
from horizon_cvm import images
from horizon_cvm import scaling


def _shown(value):
    """A property value as one readable line (YAML flow style)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True,
                          sort_keys=False).strip()


def property_rows(properties):
    """(label, name, text) of every property, secrets masked.

    Every field of heat_cvm.schema, in its order; a property the template
    leaves out shows its default (or the [cvm] option that supplies it).
    """
    redacted = schema.redact(properties)
    rows = []
    for field in schema.FIELDS:
        value = redacted.get(field.name)
        if value is None or value == '' or value == [] or value == {}:
            if field.config_default:
                text = _('default ([cvm] %s)') % field.config_default
            elif field.default not in (None, '', [], {}):
                text = _('default (%s)') % _shown(field.default)
            else:
                text = '-'
        else:
            text = _shown(value)
        rows.append((field.label or field.name, field.name, text))
    return rows


def glance_image(request, running):
    """(the Glance image a container runs or None, whether it is missing).

    One Glance call, for a container with a glance_image only. A deleted
    image is no error of the page: the members already hold its data.
    """
    if not running.glance_id:
        return None, False
    try:
        return os_api.glance.image_get(request, running.glance_id), False
    except os_exceptions.NOT_FOUND:
        return None, True
    except Exception:
        exceptions.handle(request, _('Unable to get the Glance image.'))
        return None, False


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/cvm_containers/_detail_overview.html'

    def get_context_data(self, request):
        container = self.tab_group.kwargs['container']
        properties = self.tab_group.kwargs['properties']
        running = images.running_image(properties, container.image)
        glance, missing = glance_image(request, running)
        digest = glance.properties.get(images.GLANCE_DIGEST_PROPERTY) \
            if glance else None
        return {'container': container, 'running': running,
                'glance': glance, 'glance_missing': missing,
                'glance_digest': digest,
                'properties': property_rows(properties)}


class ServersTab(tabs.TableTab):
    name = _('Servers')
    slug = 'servers'
    table_classes = (cvm_tables.MembersTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_members_data(self):
        return self.tab_group.kwargs['container'].members


class EventsTab(tabs.TableTab):
    name = _('Events')
    slug = 'events'
    table_classes = (cvm_tables.EventsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_events_data(self):
        container = self.tab_group.kwargs['container']
        try:
            return api.events_list(self.request, container.id)
        except Exception:
            exceptions.handle(self.request, _('Unable to get the events.'))
            return []


class LogsTab(tabs.Tab):
    """The console output of one member, which shows the container's log."""

    name = _('Logs')
    slug = 'logs'
    template_name = 'project/cvm_containers/_detail_logs.html'
    preload = False
    TAIL_LINES = 200

    def get_context_data(self, request):
        container = self.tab_group.kwargs['container']
        members = container.members
        chosen = request.GET.get('member')
        member = next((m for m in members if m.id == chosen),
                      members[0] if members else None)
        output = None
        if member is not None:
            try:
                output = os_api.nova.server_console_output(
                    request, member.id, tail_length=self.TAIL_LINES)
            except Exception:
                exceptions.handle(request,
                                  _('Unable to get the console output.'))
        return {'container': container, 'members': members,
                'member': member, 'output': output}


def load_scaling(request, container):
    """The container's scaling: 3 Heat calls and one Aodh call an alarm."""
    alarm_ids = {
        scaling.ALARM_RESOURCES[r.resource_name]: r.physical_resource_id
        for r in api.resource_list(request, container.id)
        if r.resource_name in scaling.ALARM_RESOURCES
        and r.physical_resource_id}
    alarms = {}
    if alarm_ids and api.alarming_enabled(request):
        alarms = {direction: api.alarm_get(request, alarm_id)
                  for direction, alarm_id in alarm_ids.items()}
    metadata = api.resource_metadata(request, container.id, 'group')
    events = [e.to_dict() for e in api.signal_events(request, container.id)]
    return scaling.scaling(container, alarms, metadata, events,
                           now=datetime.datetime.now(datetime.timezone.utc))


class ScalingTab(tabs.Tab):
    """Sizes, alarms against their limits, the last resize, the cooldown."""

    name = _('Scaling')
    slug = 'scaling'
    template_name = 'project/cvm_containers/_detail_scaling.html'
    preload = False

    def get_context_data(self, request):
        container = self.tab_group.kwargs['container']
        try:
            shown = load_scaling(request, container)
        except Exception:
            exceptions.handle(request, _('Unable to get the scaling.'))
            shown = None
        return {'container': container, 'scaling': shown}


class TemplateTab(tabs.Tab):
    """The nested stack's template: what the resource generated."""

    name = _('Template')
    slug = 'template'
    template_name = 'project/cvm_containers/_detail_template.html'
    preload = False

    def get_context_data(self, request):
        container = self.tab_group.kwargs['container']
        try:
            template = api.stack_template(request, container.id)
        except Exception:
            exceptions.handle(request, _('Unable to get the template.'))
            template = {}
        return {'template': yaml.safe_dump(template, sort_keys=False)}


class ContainerDetailTabs(tabs.DetailTabsGroup):
    slug = 'container_details'
    tabs = (OverviewTab, ServersTab, ScalingTab, EventsTab, LogsTab,
            TemplateTab)
    sticky = True

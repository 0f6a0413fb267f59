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

from django import urls
from django.utils import html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from horizon_cvm import api
from horizon_cvm import containers


class LaunchContainer(tables.LinkAction):
    name = 'launch'
    verbose_name = _('Launch Container')
    url = 'horizon:project:cvm_containers:select_template'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = (('orchestration', 'stacks:create'),)


class PushImage(tables.LinkAction):
    """How to push an image to the cloud's heat-cvm-registry.

    Shown when the catalog has the registry; a push creates a Glance
    image, hence Glance's policy.
    """

    name = 'push_image'
    verbose_name = _('Push an Image')
    url = 'horizon:project:cvm_containers:push_image'
    classes = ('ajax-modal',)
    icon = 'upload'
    policy_rules = (('image', 'add_image'),)

    def allowed(self, request, datum=None):
        return api.registry_enabled(request)


class ScaleContainer(tables.LinkAction):
    name = 'scale'
    verbose_name = _('Scale')
    url = 'horizon:project:cvm_containers:scale'
    classes = ('ajax-modal',)
    icon = 'arrows-v'
    policy_rules = (('orchestration', 'stacks:update_patch'),)

    def allowed(self, request, container=None):
        return container is None or container.sizes is not None


class UpdateImage(tables.LinkAction):
    name = 'update_image'
    verbose_name = _('Update Image')
    url = 'horizon:project:cvm_containers:update_image'
    classes = ('ajax-modal',)
    icon = 'refresh'
    policy_rules = (('orchestration', 'stacks:update_patch'),)


class DeleteContainer(tables.DeleteAction):
    """Deletes the stack that holds the container, after confirmation.

    A container is a resource of its stack: deleting its nested stack
    alone would leave the stack broken, so the stack goes (the confirmation
    names it).
    """

    help_text = _('This deletes the stack holding each container, with '
                  'everything else in that stack. It cannot be undone.')
    policy_rules = (('orchestration', 'stacks:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Container', 'Delete Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Container', 'Deleted Containers',
                             count)

    def get_object_display(self, container):
        return _('%(name)s (stack %(stack)s)') % {
            'name': container.name, 'stack': container.stack_name}

    def delete(self, request, container_id):
        # Horizon acts only on rows of the page it loaded for this POST.
        container = self.table.get_object_by_id(container_id)
        api.stack_delete(request, container.stack_id)

    def allowed(self, request, container=None):
        return container is None or \
            not container.stack_status.startswith('DELETE')


class ContainersFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('name', _('Container Name ='), True, _('Exact name')),
        ('status', _('Status ='), True,
         _('ready, in progress or failed')),
    )


def _stack_link(container):
    try:
        return urls.reverse('horizon:project:stacks:detail',
                            args=(container.stack_id,))
    except urls.NoReverseMatch:
        # heat-dashboard is not installed: the name alone.
        return None


def _endpoints(container):
    links = [html.format_html('<a href="{}" target="_blank" rel="noopener">'
                              '{}</a>', url, text) if url
             else html.escape(text)
             for text, url in container.endpoints]
    return html.mark_safe('<br>'.join(links)) if links else '-'


# The badge of a container whose alarm fires: Heat is being asked to
# resize it (or would be, but for its cooldown or its limits).
_FIRING = {'up': _('alarm: scale out'), 'down': _('alarm: scale in')}


def _size(container):
    badges = [html.format_html(
        ' <span class="label label-warning cvm-alarm">{}</span>',
        _FIRING[direction]) for direction in sorted(container.firing,
                                                    reverse=True)]
    return html.format_html('{}{}', container.size_text,
                            html.mark_safe(''.join(badges)))


class ContainersTable(tables.DataTable):
    STATUS_CHOICES = (
        (containers.READY, True),
        ('create failed', False), ('update failed', False),
        ('delete failed', False), ('rollback failed', False),
        ('rollback complete', False),
    )

    name = tables.WrappingColumn(
        'name', verbose_name=_('Name'),
        link='horizon:project:cvm_containers:detail')
    stack = tables.Column('stack_name', verbose_name=_('Stack'),
                          link=_stack_link)
    image = tables.Column('image', verbose_name=_('Image'))
    status = tables.Column('status', verbose_name=_('Status'),
                           status=True, status_choices=STATUS_CHOICES)
    size = tables.Column(_size, verbose_name=_('Size'),
                         help_text=_('current / desired (min\u2013max)'))
    endpoints = tables.Column(_endpoints, verbose_name=_('Endpoints'))
    age = tables.Column(lambda c: containers.age(c.created),
                        verbose_name=_('Age'))

    def get_object_id(self, container):
        return container.id

    def get_object_display(self, container):
        return container.name

    class Meta(object):
        name = 'containers'
        verbose_name = _('Containers')
        pagination_param = 'container_marker'
        prev_pagination_param = 'prev_container_marker'
        status_columns = ['status']
        table_actions = (ContainersFilterAction, LaunchContainer,
                         PushImage, DeleteContainer)
        row_actions = (ScaleContainer, UpdateImage, DeleteContainer)


class DetailActionsTable(ContainersTable):
    """The actions a container's detail page offers: its links.

    Delete is a batch action posted to a table view: it stays in the list.
    """

    class Meta(ContainersTable.Meta):
        row_actions = (ScaleContainer, UpdateImage)


class MembersTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Server'),
                         link='horizon:project:instances:detail')
    status = tables.Column('status', verbose_name=_('Status'))
    addresses = tables.Column(lambda m: ', '.join(m.addresses) or '-',
                              verbose_name=_('Addresses'))

    def get_object_id(self, member):
        return member.id

    class Meta(object):
        name = 'members'
        verbose_name = _('Servers')


def _event_stack(event):
    """The name of the (nested) stack an event belongs to, from its link."""
    for link in getattr(event, 'links', None) or ():
        if link.get('rel') == 'stack':
            parts = link.get('href', '').rstrip('/').split('/')
            if len(parts) >= 2:
                return parts[-2]
    return '-'


class EventsTable(tables.DataTable):
    time = tables.Column('event_time', verbose_name=_('Time'))
    stack = tables.Column(_event_stack, verbose_name=_('Stack'))
    resource = tables.Column('resource_name', verbose_name=_('Resource'))
    status = tables.Column('resource_status', verbose_name=_('Status'))
    reason = tables.WrappingColumn('resource_status_reason',
                                   verbose_name=_('Reason'))

    def get_object_id(self, event):
        return event.id

    class Meta(object):
        name = 'events'
        verbose_name = _('Events')

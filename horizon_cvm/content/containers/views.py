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

from django import http
from django import urls
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from horizon import views
from openstack_dashboard import api as os_api

from horizon_cvm import api
from horizon_cvm import containers
from horizon_cvm.content.containers import forms as cvm_forms
from horizon_cvm.content.containers import tables as cvm_tables
from horizon_cvm.content.containers import tabs as cvm_tabs
from horizon_cvm import images
from horizon_cvm import scaling

INDEX_URL = 'horizon:project:cvm_containers:index'


def project_servers(request):
    """Every server of the project: one Nova call for a whole page."""
    try:
        servers, _more = os_api.nova.server_list(request)
    except Exception:
        exceptions.handle(request, _('Unable to list the servers.'))
        servers = []
    return servers


class IndexView(tables.DataTableView):
    table_class = cvm_tables.ContainersTable
    page_title = _('Containers')
    template_name = 'horizon/common/_data_table_view.html'

    def has_prev_data(self, table):
        return self._prev

    def has_more_data(self, table):
        return self._more

    def _filter(self):
        info = self.get_server_filter_info(self.request)
        value = (info['value'] or '').strip()
        if not value or info['field'] not in ('name', 'status'):
            return {}
        return {info['field']: value.lower() if info['field'] == 'status'
                else value}

    def get_data(self):
        meta = cvm_tables.ContainersTable._meta
        prev_marker = self.request.GET.get(meta.prev_pagination_param)
        marker = prev_marker or self.request.GET.get(meta.pagination_param)
        sort_dir = 'asc' if prev_marker else 'desc'
        self._more = self._prev = False
        try:
            stacks, self._more, self._prev = api.container_stacks(
                self.request, marker=marker, sort_dir=sort_dir,
                **self._filter())
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to list the containers.'))
            return []
        if not stacks:
            return []
        rows = containers.containers(stacks, project_servers(self.request))
        mark_firing(self.request, rows)
        return rows


def mark_firing(request, rows):
    """Marks the rows whose alarms fire: one Aodh call for a page."""
    if not any(row.autoscale for row in rows) or \
            not api.alarming_enabled(request):
        return
    try:
        firing = scaling.firing_alarms(api.alarms_in_alarm(request))
    except Exception:
        exceptions.handle(request, _('Unable to get the alarms.'))
        return
    for row in rows:
        row.firing = frozenset(firing.get(row.nested_stack_name, ()))


def load_container(request, container_id, with_members=True):
    """The Container of a nested stack ID (one Heat and one Nova call)."""
    stack = api.stack_get(request, container_id)
    row = containers.container(stack)
    if row is None:
        raise http.Http404(_('Stack %s is no container.') % container_id)
    if with_members:
        members = containers.members_by_container(project_servers(request))
        row.members = members.get(row.id, [])
    return row


class DetailView(tabs.TabbedTableView):
    tab_group_class = cvm_tabs.ContainerDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ container.name }}'

    @memoized.memoized_method
    def get_data(self):
        try:
            return load_container(self.request, self.kwargs['container_id'])
        except http.Http404:
            raise
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to get the container.'),
                              redirect=urls.reverse(INDEX_URL))

    def get_properties(self, container):
        """The resource's properties, as its stack's template sets them.

        From the template and the stack's parameters (in which Heat masks
        the hidden ones).
        """
        try:
            template = api.stack_template(self.request, container.stack_id)
            stack = api.stack_get(self.request, container.stack_id)
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to get the stack of the container.'))
            return {}
        resolver = containers.PropertyResolver(template, stack.parameters)
        return resolver.properties(container.resource)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        container = self.get_data()
        context['container'] = container
        context['url'] = urls.reverse(INDEX_URL)
        table = cvm_tables.DetailActionsTable(self.request)
        context['actions'] = table.render_row_actions(container)
        return context

    def get_tabs(self, request, *args, **kwargs):
        container = self.get_data()
        return self.tab_group_class(
            request, container=container,
            properties=self.get_properties(container), **kwargs)


class SelectTemplateView(forms.ModalFormView):
    form_class = cvm_forms.SelectTemplateForm
    template_name = 'project/cvm_containers/form.html'
    modal_id = 'select_container_template_modal'
    page_title = _('Launch Container')
    submit_label = _('Next')
    submit_url = urls.reverse_lazy('horizon:project:cvm_containers:'
                                   'select_template')
    success_url = urls.reverse_lazy(INDEX_URL)

    def form_valid(self, form):
        return http.HttpResponseRedirect(urls.reverse(
            'horizon:project:cvm_containers:launch',
            args=(form.cleaned_data['template'],)))


class LaunchView(forms.ModalFormView):
    form_class = cvm_forms.LaunchForm
    template_name = 'project/cvm_containers/form.html'
    modal_id = 'launch_container_modal'
    page_title = _('Launch Container')
    submit_label = _('Launch')
    success_url = urls.reverse_lazy(INDEX_URL)

    @memoized.memoized_method
    def launch_template(self):
        key = self.kwargs['template_key']
        for entry in cvm_forms.launch_templates():
            if entry.key == key:
                return entry
        raise http.Http404(_('No such template.'))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['launch_template'] = self.launch_template()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = urls.reverse(
            'horizon:project:cvm_containers:launch',
            args=(self.kwargs['template_key'],))
        context['launch_template'] = self.launch_template()
        return context


class PushImageView(forms.ModalFormMixin, views.HorizonTemplateView):
    """How to push an image to heat-cvm-registry, as this user.

    Only the catalog is read: nothing is called. The names are the user's
    own, shown through the template's autoescaping.
    """

    template_name = 'project/cvm_containers/push.html'
    modal_id = 'push_image_modal'
    page_title = _('Push an Image')

    def push_commands(self):
        try:
            url = api.registry_url(self.request)
        except exceptions.ServiceCatalogException:
            raise http.Http404(_('This cloud has no container registry.'))
        user = self.request.user
        return images.PushCommands(
            registry=images.registry_address(url),
            login_name=images.login_name(user.project_name, user.username,
                                         user.user_domain_name))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['modal_id'] = self.modal_id
        context['push'] = self.push_commands()
        context['project_name'] = self.request.user.project_name
        context['url'] = urls.reverse(INDEX_URL)
        return context


class _ContainerFormView(forms.ModalFormView):
    success_url = urls.reverse_lazy(INDEX_URL)

    @memoized.memoized_method
    def get_object(self):
        try:
            container = load_container(self.request,
                                       self.kwargs['container_id'])
            owner = api.stack_get(self.request, container.stack_id)
        except http.Http404:
            raise
        except Exception:
            exceptions.handle(self.request, _('Unable to get the container.'),
                              redirect=urls.reverse(INDEX_URL))
        return container, owner

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['container'], kwargs['owner'] = self.get_object()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = urls.reverse(self.submit_url_name,
                                             args=(self.kwargs[
                                                 'container_id'],))
        context['container'] = self.get_object()[0]
        return context


class ScaleView(_ContainerFormView):
    form_class = cvm_forms.ScaleForm
    template_name = 'project/cvm_containers/form.html'
    modal_id = 'scale_container_modal'
    page_title = _('Scale Container')
    submit_label = _('Scale')
    submit_url_name = 'horizon:project:cvm_containers:scale'


class UpdateImageView(_ContainerFormView):
    form_class = cvm_forms.UpdateImageForm
    template_name = 'project/cvm_containers/form.html'
    modal_id = 'update_container_image_modal'
    page_title = _('Update Image')
    submit_label = _('Update')
    submit_url_name = 'horizon:project:cvm_containers:update_image'

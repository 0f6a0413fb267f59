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

import re

from django.conf import settings
from django.core import validators
from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from heatclient import exc as heat_exc
from horizon import exceptions
from horizon import forms
from horizon import messages
from openstack_dashboard import api as os_api

from heat_cvm import schema
from horizon_cvm import api
from horizon_cvm import catalog
from horizon_cvm import launch

# The parameters by which a stack from the panel's templates is scaled
# and given a new image with a PATCH update; named by heat_cvm.schema.
DESIRED = schema.field('scaling.desired_capacity').name
IMAGE = schema.field('image').name
GLANCE_IMAGE = schema.field('glance_image').name


def launch_templates():
    return catalog.launch_templates(
        getattr(settings, 'HEAT_CVM_TEMPLATES_DIR', None))


def heat_message(exc):
    """The error as Heat wrote it (heatclient prefixes "ERROR: ")."""
    error = getattr(exc, 'error', None)
    if isinstance(error, dict):
        message = (error.get('error') or {}).get('message')
        if message:
            return message
    return str(exc)


class SecretTextarea(django_forms.Textarea):
    """A textarea that never renders its value back into the page."""

    def format_value(self, value):
        return None


class SelectTemplateForm(forms.SelfHandlingForm):
    template = forms.ChoiceField(
        label=_('Template'),
        help_text=_('"One container" sets every property of a container; '
                    'the examples launch ready-made applications.'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        try:
            choices = [(t.key, t.title) for t in launch_templates()]
        except LookupError:
            exceptions.handle(request, _('The heat-cvm templates are not '
                                         'installed.'))
            choices = []
        self.fields['template'].choices = choices

    def handle(self, request, data):
        return True


def _cloud_choices(request, source):
    """(value, label) choices of a cloud resource, for a FieldSpec.source."""
    if source == 'flavors':
        return [(f.name, f.name) for f in os_api.nova.flavor_list(request)]
    if source == 'keypairs':
        return [(k.name, k.name) for k in os_api.nova.keypair_list(request)]
    if source == 'networks':
        return [(n.name or n.id, n.name or n.id) for n in
                os_api.neutron.network_list_for_tenant(
                    request, request.user.project_id)]
    images, _more, _prev = os_api.glance.image_list_detailed(request)
    docker = source == launch.DOCKER_IMAGES
    return [(i.name or i.id, i.name or i.id) for i in images
            if (getattr(i, 'container_format', None) == 'docker') == docker]


def _form_field(spec, choices):
    common = {'label': spec.label, 'help_text': spec.help_text,
              'required': spec.required, 'initial': spec.initial}
    kind = spec.kind
    if kind == launch.BOOLEAN:
        common['required'] = False
        return forms.BooleanField(**common)
    if kind in (launch.INTEGER, launch.NUMBER):
        cls = forms.IntegerField if kind == launch.INTEGER else \
            forms.FloatField
        return cls(min_value=spec.minimum, max_value=spec.maximum, **common)
    if kind == launch.CHOICE:
        if spec.initial in (None, ''):
            blank = _('Select one') if spec.required else \
                _('(the cloud default)')
            choices = [('', blank)] + list(choices)
        if spec.initial and spec.initial not in dict(choices):
            choices = list(choices) + [(spec.initial, spec.initial)]
        return forms.ChoiceField(choices=choices, **common)
    if kind == launch.MULTI_CHOICE:
        common['required'] = False
        return forms.MultipleChoiceField(choices=choices, **common)
    if kind == launch.SECRET:
        return forms.CharField(widget=forms.PasswordInput(render_value=False),
                               **dict(common, initial=None))
    if kind == launch.SECRET_KEY_VALUES:
        return forms.CharField(widget=SecretTextarea(attrs={'rows': 3}),
                               **dict(common, initial=None, required=False))
    if kind in (launch.KEY_VALUES, launch.ITEMS, launch.JSON):
        if spec.item_keys:
            common['help_text'] = '%s %s' % (spec.help_text, _(
                'One a line: %s') % ' '.join('%s=...' % k
                                             for k in spec.item_keys))
        elif kind == launch.KEY_VALUES:
            common['help_text'] = '%s %s' % (spec.help_text,
                                             _('One NAME=VALUE a line.'))
        return forms.CharField(widget=forms.Textarea(attrs={'rows': 3}),
                               **dict(common, required=False))
    field = forms.CharField(**dict(common, required=spec.required and
                                   spec.initial in (None, '')))
    if spec.pattern:
        field.validators.append(validators.RegexValidator(
            re.compile(spec.pattern), _('Must match %s') % spec.pattern))
    return field


class LaunchForm(forms.SelfHandlingForm):
    """Launches a stack of one of the panel's templates.

    Its fields are the template's parameters (horizon_cvm.launch). "Preview"
    asks Heat to preview the stack, which validates it; "Launch" creates
    it. Heat's errors are shown as Heat wrote them.
    """

    PREVIEW = 'preview'

    stack_name = forms.RegexField(
        max_length=255, label=_('Stack name'),
        regex=r'^[a-zA-Z][a-zA-Z0-9_.-]*$',
        help_text=_('The name of the stack that holds the container.'),
        error_messages={'invalid': _('A name starts with a letter and '
                                     'holds letters, digits, _ . and -.')})

    def __init__(self, request, *args, **kwargs):
        self.launch_template = kwargs.pop('launch_template')
        super().__init__(request, *args, **kwargs)
        self.preview = None
        self.specs = launch.field_specs(self.launch_template.template,
                                        self.launch_template.fields,
                                        self.launch_template.sections)
        sources = {spec.source for spec in self.specs if spec.source}
        choices = {}
        for source in sources:
            try:
                choices[source] = _cloud_choices(request, source)
            except Exception:
                exceptions.handle(request, _('Unable to list %s.') % source)
                choices[source] = []
        for spec in self.specs:
            self.fields[spec.name] = _form_field(
                spec, choices.get(spec.source, spec.choices))

    def sections(self):
        """[(title, [bound field, ...])] as the template groups them."""
        groups = [(_('Stack'), [self['stack_name']])]
        for title, specs in launch.sections(self.specs):
            groups.append((title or _('Container'),
                           [self[spec.name] for spec in specs]))
        return groups

    def clean(self):
        data = super().clean()
        try:
            self.parameters = launch.parameters(self.specs, data)
        except launch.InvalidValue as exc:
            raise django_forms.ValidationError(str(exc))
        return data

    def handle(self, request, data):
        fields = {'stack_name': data['stack_name'],
                  'template': self.launch_template.text,
                  'parameters': self.parameters,
                  'disable_rollback': True}
        try:
            if self.PREVIEW in request.POST:
                preview = api.stack_preview(request, **fields)
                self.preview = launch.preview_rows(
                    getattr(preview, 'resources', []))
                return False
            api.stack_create(request, **fields)
        except heat_exc.HTTPException as exc:
            self.api_error(heat_message(exc))
            return False
        messages.success(request, _('Launching stack "%s".')
                         % data['stack_name'])
        return True


class _ContainerForm(forms.SelfHandlingForm):
    def __init__(self, request, *args, **kwargs):
        self.container = kwargs.pop('container')
        self.owner = kwargs.pop('owner')
        super().__init__(request, *args, **kwargs)

    def owner_parameters(self):
        return getattr(self.owner, 'parameters', None) or {}

    def call_heat(self, request, done, call, *args):
        """Make the Heat call; show Heat's error as Heat wrote it, or done."""
        try:
            call(request, *args)
        except heat_exc.HTTPException as exc:
            self.api_error(heat_message(exc))
            return False
        messages.success(request, done)
        return True

    def patch(self, request, parameters, done):
        return self.call_heat(request, done, api.stack_patch_parameters,
                              self.container.stack_id, parameters)


class ScaleForm(_ContainerForm):
    """Sets the number of members.

    A stack with a ``desired_capacity`` parameter (the panel's templates)
    is updated with a PATCH of that parameter. Other templates write the
    size into the template: the scaling policies of the container add or
    remove one member (as an alarm would), and the template's own value
    applies again when the stack is next updated with a changed size.
    """

    desired = forms.IntegerField(label=_('Desired size'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        low, desired, high = self.container.sizes
        field = self.fields['desired']
        field.initial = desired
        field.min_value, field.max_value = low, high
        field.validators.extend([validators.MinValueValidator(low),
                                 validators.MaxValueValidator(high)])
        field.help_text = _('Between %(min)d and %(max)d members; '
                            '%(now)d now.') % {
            'min': low, 'max': high, 'now': self.container.current_size}
        self.by_parameter = DESIRED in self.owner_parameters()
        if not self.by_parameter:
            field.help_text += ' ' + _(
                'This stack\'s template sets the size, so the container '
                'grows or shrinks by one member per step.')

    def handle(self, request, data):
        desired = data['desired']
        done = _('Scaling %(name)s to %(size)d.') % {
            'name': self.container.name, 'size': desired}
        if self.by_parameter:
            return self.patch(request, {DESIRED: str(desired)}, done)
        current = self.container.current_size
        if desired == current:
            return True
        policy = 'scale_up' if desired > current else 'scale_down'
        return self.call_heat(request, done, api.resource_signal,
                              self.container.id, policy)


class UpdateImageForm(_ContainerForm):
    """A rolling update to a new image: a PATCH of the image parameter."""

    image = forms.CharField(label=_('Image'), max_length=255)

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields['image']
        field.initial = self.container.image
        field.help_text = schema.field(IMAGE).description + ' ' + _(
            'Members are replaced in batches (rolling update).')

    def clean(self):
        data = super().clean()
        if IMAGE not in self.owner_parameters():
            raise django_forms.ValidationError(_(
                'The template of stack %s writes the image itself: update '
                'that stack with a changed template.')
                % self.container.stack_name)
        return data

    def handle(self, request, data):
        parameters = {IMAGE: data['image']}
        if GLANCE_IMAGE in self.owner_parameters():
            parameters[GLANCE_IMAGE] = ''
        return self.patch(request, parameters, _(
            'Updating %(name)s to %(image)s.') % {
                'name': self.container.name, 'image': data['image']})

# The "Containers" group of the Project dashboard, holding the panel.
from django.utils.translation import gettext_lazy as _

PANEL_GROUP = 'cvm'
PANEL_GROUP_NAME = _('Containers')
PANEL_GROUP_DASHBOARD = 'project'

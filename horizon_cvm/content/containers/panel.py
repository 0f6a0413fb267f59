from django.utils.translation import gettext_lazy as _
import horizon


class Containers(horizon.Panel):
    name = _('Containers')
    # Not 'containers': stock Horizon's Object Store panel has that slug.
    slug = 'cvm_containers'
    permissions = ('openstack.services.orchestration',)
    policy_rules = (('orchestration', 'stacks:index'),)

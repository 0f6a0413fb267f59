"""The [cvm] options of heat.conf (oslo.config).

``oslo-config-generator --namespace heat_cvm`` prints them with their help;
``list_opts`` is that namespace's entry point (see setup.cfg).
"""

from oslo_config import cfg

from heat_cvm.i18n import _

GROUP = 'cvm'

cvm_group = cfg.OptGroup(
    GROUP, title=_('heat-cvm options'),
    help=_('Defaults and guest behaviour of OS::CVM::Container resources.'))

cvm_opts = [
    cfg.StrOpt('host_image',
               help=_('Glance image (name or ID) of the container host that '
                      'members boot when a template gives no host_image: a '
                      'cloud-init guest with python3, systemd, iptables and '
                      'Docker.')),
    cfg.StrOpt('flavor',
               help=_('Nova flavor of members when a template gives no '
                      'flavor.')),
    cfg.StrOpt('network',
               help=_('Neutron network (name or ID) members join when a '
                      'template gives no networks.')),
    cfg.StrOpt('key_name',
               help=_('Nova key pair put on members when a template gives '
                      'no key_name.')),
    cfg.StrOpt('availability_zone',
               help=_('Availability zone of members when a template gives '
                      'none.')),
    cfg.StrOpt('registry',
               help=_('host[:port] of the registry that serves the Docker '
                      'images held in Glance (container_format "docker"). '
                      'A glance_image property is pulled as '
                      '<registry>/<image ID>; without this option '
                      'glance_image is refused.')),
    cfg.BoolOpt('install_docker', default=False,
                help=_('Install Docker (the docker.io package) in the guest '
                       'at boot. Leave off when the host image has Docker, '
                       'as it boots faster and needs no package mirror.')),
    cfg.IntOpt('ready_timeout', default=600, min=1,
               help=_('Seconds a member has to report its container running '
                      'when a template gives no ready_timeout.')),
    cfg.BoolOpt('allow_metadata_access', default=False,
                help=_('Let containers reach the metadata service '
                       '(169.254.169.254). The user data holds secrets, so '
                       'by default the guest blocks containers from it.')),
]


def register_opts(conf=cfg.CONF):
    conf.register_group(cvm_group)
    conf.register_opts(cvm_opts, group=cvm_group)


def defaults(conf=cfg.CONF):
    """The [cvm] values as a plain dict, for the pure core."""
    register_opts(conf)
    return {opt.dest: conf[GROUP][opt.dest] for opt in cvm_opts}


def list_opts():
    return [(cvm_group, cvm_opts)]

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

"""The [cvm] options of heat.conf (oslo.config).

``oslo-config-generator --namespace heat_cvm`` prints them with their help;
``list_opts`` is that namespace's entry point (see setup.cfg).
"""

from oslo_config import cfg

from heat_cvm import alarms
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
    cfg.StrOpt('pull_grant_key_file',
               help=_('PEM file of the Ed25519 private key heat-engine signs '
                      'pull grants with: when set, each member of a '
                      'container with a glance_image gets a grant to pull '
                      'that one image from heat-cvm-registry (whose '
                      '[registry] pull_grant_public_key_file is the public '
                      'half), never a Keystone credential. Readable by '
                      'heat-engine alone.')),
    cfg.BoolOpt('install_docker', default=False,
                help=_('Install Docker (the docker.io package) in the guest '
                       'at boot. Leave off when the host image has Docker, '
                       'as it boots faster and needs no package mirror.')),
    cfg.IntOpt('ready_timeout', default=600, min=1,
               help=_('Seconds a member has to report its container running '
                      'when a template gives no ready_timeout.')),
    cfg.StrOpt('alarm_backend', default=alarms.GNOCCHI,
               choices=[(alarms.GNOCCHI, _(
                   'OS::Aodh::GnocchiAggregationByResourcesAlarm over the '
                   'members\' instance resources')),
                   (alarms.PROMETHEUS, _(
                       'OS::Aodh::PrometheusAlarm with a PromQL query by '
                       'the members\' server_group label'))],
               help=_('Where the telemetry that autoscaling alarms watch '
                      'is kept.')),
    cfg.IntOpt('alarm_granularity', default=300, min=1,
               help=_('Seconds of one alarm evaluation period. With Gnocchi '
                      'it must be a granularity of the archive policy the '
                      'members\' metrics use (300 in the "low" and "medium" '
                      'policies), or the alarms never evaluate; with '
                      'Prometheus it is the rate window.')),
    cfg.StrOpt('cpu_metric',
               help=_('The name of the cumulative CPU time metric '
                      'Ceilometer publishes for each instance. Default: '
                      '"cpu" (Gnocchi), "ceilometer_cpu" (Prometheus).')),
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


# The CPU metric's usual name in each backend.
CPU_METRICS = {alarms.GNOCCHI: 'cpu', alarms.PROMETHEUS: 'ceilometer_cpu'}


def telemetry(conf=cfg.CONF):
    """The cloud's telemetry as heat_cvm.alarms sees it."""
    register_opts(conf)
    options = conf[GROUP]
    return alarms.Telemetry(
        options.alarm_backend, options.alarm_granularity,
        options.cpu_metric or CPU_METRICS[options.alarm_backend])


def list_opts():
    return [(cvm_group, cvm_opts)]

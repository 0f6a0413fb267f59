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

"""heat-cvm-registry's options (oslo.config).

``oslo-config-generator --namespace heat_cvm.registry`` prints them with
their help; ``list_opts`` is that namespace's entry point (setup.cfg).
``[service_auth]`` is the registry's own Keystone account (keystoneauth1's
auth options, as any OpenStack service's); ``[glance]`` says where Glance
is (keystoneauth1's adapter options: interface, region, endpoint override).
"""

import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from heat_cvm.i18n import _

GROUP = 'registry'
SERVICE_AUTH = 'service_auth'
GLANCE = 'glance'
SERVICE_NAME = 'heat-cvm-registry'

registry_group = cfg.OptGroup(
    GROUP, title=_('heat-cvm-registry options'),
    help=_('The OCI distribution API over Glance\'s docker-format images.'))

registry_opts = [
    cfg.StrOpt('cache_dir', default='/var/cache/heat-cvm/registry',
               help=_('Where blobs read from Glance and pushed by clients '
                      'are kept, with upload sessions. Glance is the source '
                      'of truth: the cache may be lost at any time.')),
    cfg.IntOpt('cache_size_mb', default=20480, min=64,
               help=_('Bound of the blob cache in MiB; the least recently '
                      'used blobs go first. Keep it larger than the largest '
                      'image pushed, which is held whole until its manifest '
                      'is written to Glance.')),
    cfg.StrOpt('token_key_file', default='/etc/heat-cvm/registry-token.key',
               help=_('File holding the Fernet key (urlsafe base64, 32 '
                      'bytes) that encrypts and signs the registry\'s bearer '
                      'tokens; every registry instance behind one address '
                      'needs the same key.')),
    cfg.IntOpt('token_lifetime', default=300, min=30,
               help=_('Seconds a bearer token lasts (clients ask for a new '
                      'one when it expires); never longer than the caller\'s '
                      'Keystone token.')),
    cfg.StrOpt('pull_grant_public_key_file',
               help=_('PEM file of the Ed25519 public key that verifies '
                      'the pull grants heat-engine gives guests ([cvm] '
                      'pull_grant_key_file is its private half). Without '
                      'it, guests cannot pull Glance images.')),
    cfg.URIOpt('public_url',
               help=_('The registry\'s address as clients reach it, e.g. '
                      'https://registry.example.com (behind the operator\'s '
                      'TLS endpoint). Default: the host of each request.')),
]


def register_opts(conf=cfg.CONF):
    conf.register_group(registry_group)
    conf.register_opts(registry_opts, group=registry_group)
    ks_loading.register_session_conf_options(conf, SERVICE_AUTH)
    ks_loading.register_auth_conf_options(conf, SERVICE_AUTH)
    ks_loading.register_adapter_conf_options(conf, GLANCE)
    conf.set_default('service_type', 'image', group=GLANCE)
    conf.set_default('valid_interfaces', ['internal', 'public'],
                     group=GLANCE)


def list_opts():
    auth = (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password'))
    glance = copy.deepcopy(ks_loading.get_adapter_conf_options(
        include_deprecated=False))
    return [(registry_group, registry_opts),
            (SERVICE_AUTH, auth),
            (GLANCE, glance)]

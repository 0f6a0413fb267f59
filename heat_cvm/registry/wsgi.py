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

"""heat-cvm-registry's WSGI application.

``heat-cvm-registry`` is the WSGI script pbr writes (``wsgi_scripts`` in
setup.cfg, as for OpenStack's APIs): serve it with uwsgi (``--wsgi-file``),
mod_wsgi or any WSGI server that de-chunks request bodies (the docker CLI
uploads layers chunked); run directly, it is pbr's development server. It
reads the configuration files named by ``$HEAT_CVM_REGISTRY_CONFIG``
(comma-separated; default /etc/heat-cvm/registry.conf).
"""

import os
import pathlib

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log as logging

from heat_cvm.registry import app
from heat_cvm.registry import blobs
from heat_cvm.registry import config
from heat_cvm.registry import glance
from heat_cvm.registry import tokens

LOG = logging.getLogger(__name__)
PROG = 'heat-cvm-registry'
DEFAULT_CONFIG = '/etc/heat-cvm/registry.conf'


def configure(argv, conf=cfg.CONF, config_files=None):
    config.register_opts(conf)
    logging.register_options(conf)
    conf(argv, project='heat-cvm', prog=PROG,
         default_config_files=config_files)
    logging.setup(conf, PROG)
    return conf


def build(conf):
    """The application for a parsed configuration."""
    options = conf[config.GROUP]
    auth = ks_loading.load_auth_from_conf_options(conf, config.SERVICE_AUTH)
    session = ks_loading.load_session_from_conf_options(
        conf, config.SERVICE_AUTH, auth=auth)
    adapter = ks_loading.load_adapter_from_conf_options(
        conf, config.GLANCE, session=session, auth=auth)
    key = pathlib.Path(options.token_key_file).read_bytes().strip()
    store = blobs.BlobStore(options.cache_dir,
                            options.cache_size_mb * 1024 * 1024)
    registry = app.Registry(
        store, glance.Glance(session, adapter.get_endpoint),
        tokens.TokenService(key, options.token_lifetime), session,
        conf[config.SERVICE_AUTH].auth_url,
        grant_key=options.pull_grant_public_key_file and pathlib.Path(
            options.pull_grant_public_key_file).read_bytes())
    return app.Application(registry, options.public_url)


def init_application():
    files = os.environ.get('HEAT_CVM_REGISTRY_CONFIG', DEFAULT_CONFIG)
    return build(configure([], config_files=files.split(',')))

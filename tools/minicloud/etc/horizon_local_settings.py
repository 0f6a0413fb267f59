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

# The minicloud's Horizon settings, written by tools/minicloud/minicloud.py
# as openstack_dashboard/local/local_settings.py of the services' venv.
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = '$horizon_secret_key'
OPENSTACK_HOST = '127.0.0.1'
OPENSTACK_KEYSTONE_URL = '$keystone_url/v3'
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
OPENSTACK_ENDPOINT_TYPE = 'publicURL'
STATIC_ROOT = '$state/data/horizon/static'
# Compressed once by `up` (django-admin compress), as distributions do.
COMPRESS_OFFLINE = True
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
CACHES = {'default': {
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
# No Cinder, Swift or Octavia in the minicloud: hide what needs them.
OPENSTACK_CINDER_FEATURES = {'enable_backup': False}

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

#!/usr/bin/env python3
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

"""minicloud: a real OpenStack control plane on one small machine.

    python3 tools/minicloud/minicloud.py demo    # up, then a container in it
    python3 tools/minicloud/minicloud.py up      # idempotent; says how to use
    python3 tools/minicloud/minicloud.py status  # each service's health
    python3 tools/minicloud/minicloud.py down    # stop all, drop what it made

Keystone, Glance, Placement, Nova (fake virt driver), Neutron (ML2 with a
bind-everything mechanism driver instead of agents), Cinder (a volume
driver with no storage), Heat with heat-cvm on its plugin_dirs, Gnocchi
and Aodh (on a 10 s clock), from PyPI, in their own venv, each API under
uwsgi on 127.0.0.1, on the machine's MariaDB and RabbitMQ (databases and
vhost named minicloud_*), and Debian's docker-registry with test images.
The catalog names them by host name (API_HOST, an /etc/hosts line while
up). A guest runner boots each container host: a real VM under qemu for the
container-host image heat-cvm-build-host-image builds (registered as
"cvm-host-vm"), the real cloud-init in a throwaway root for the rest (see
guest_runner.py). State, config and logs live in $MINICLOUD_STATE
(default: .minicloud in the checkout). Standard library only: it runs
before the services' venv exists.
"""

import argparse
import base64
import contextlib
import functools
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
STATE = pathlib.Path(os.environ.get('MINICLOUD_STATE', REPO / '.minicloud'))
VENV = STATE / 'venv'
# Written when "up" has made the whole cloud; "down" removes it (run/).
UP_MARK = STATE / 'run' / 'up-complete'
UPPER_CONSTRAINTS = REPO / 'tools' / 'upper-constraints.txt'

# Below 32768 (the kernel hands higher ports to clients) and away from the
# usual ones, which something else on the machine may hold.
# MINICLOUD_PORT_OFFSET and MINICLOUD_NAME let two clouds run side by side.
_OFFSET = int(os.environ.get('MINICLOUD_PORT_OFFSET', '0'))
PORTS = {name: port + _OFFSET for name, port in {
    'keystone': 15000, 'heat': 18004, 'heat_cfn': 18000, 'glance': 19292,
    'placement': 18778, 'nova': 18774, 'neutron': 19696,
    'cinder': 18776, 'gnocchi': 18041, 'aodh': 18042, 'horizon': 18080,
    'registry': 5000, 'cvm_registry': 19495}.items()}
NAME = os.environ.get('MINICLOUD_NAME', 'minicloud')
if not NAME.startswith('minicloud'):
    raise SystemExit('MINICLOUD_NAME must start with "minicloud"')
# The host name in the service catalog: 127.0.0.1 on this machine (an
# /etc/hosts line while the cloud is up), the guest's gateway to these
# services in a real VM (its vendor data), as a cloud publishes its API
# by name.
API_HOST = '%s.test' % NAME
HOSTS_LINE = '127.0.0.1 %s  # %s of heat-cvm, until "down"' % (API_HOST, NAME)
DB = 'mysql+pymysql://root:@127.0.0.1:3306'
VHOST = NAME
MQ = 'rabbit://guest:guest@127.0.0.1:5672/%s' % VHOST
HORIZON_STATIC = STATE / 'data' / 'horizon' / 'static'
DATABASES = ('keystone', 'heat', 'glance', 'placement', 'nova', 'nova_api',
             'nova_cell0', 'neutron', 'cinder', 'gnocchi', 'aodh')
KEYSTONE_URL = 'http://127.0.0.1:%d' % PORTS['keystone']
# Telemetry on a short clock: Aodh evaluates every few seconds, over an
# archive policy whose granularity ([cvm] alarm_granularity too) is
# seconds, not a cloud's 5 minutes, so that a scaling test takes a minute.
ALARM_GRANULARITY = 10
EVALUATION_INTERVAL = 5
HORIZON_URL = 'http://127.0.0.1:%d/' % PORTS['horizon']
# heat-cvm-registry, by the name its certificate holds.
CVM_REGISTRY = '%s:%d' % (API_HOST, PORTS['cvm_registry'])
CVM_REGISTRY_URL = 'https://' + CVM_REGISTRY
TLS_DIR = STATE / 'etc' / 'tls'
# Where the docker engine and podman/skopeo look for a registry's CA, as a
# client of a cloud whose CA is private installs it.
CA_TRUST_DIRS = tuple(pathlib.Path(base) / CVM_REGISTRY for base in (
    '/etc/docker/certs.d', '/etc/containers/certs.d'))


def log(message):
    print('minicloud: %s' % message, flush=True)


# -- install -----------------------------------------------------------------

def venv_bin(name):
    return str(VENV / 'bin' / name)


# The minicloud's own drivers, each a small package (see its docstring).
DRIVERS = (HERE / 'ml2_bind_all', HERE / 'cinder_no_storage',
           HERE / 'nova_guest_console')


# How often a long pip install says how far it got.
PROGRESS_SECONDS = 30
# pip's lines that tell a step: what it fetches, builds and installs.
_PIP_STEPS = ('Collecting ', 'Building wheel', 'Installing collected')


def pip_install(*args, progress=False):
    """pip install into the services' venv, its output in logs/install.log.

    With ``progress``, a line every PROGRESS_SECONDS: what pip is at.
    """
    log_path = STATE / 'logs' / 'install.log'
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, 'a') as out:
        process = subprocess.Popen(
            [venv_bin('pip'), 'install'] + ([] if progress else ['-q']) +
            list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        collected = 0
        step = ''
        said = time.monotonic()
        for line in process.stdout:
            out.write(line)
            if line.startswith(_PIP_STEPS):
                collected += line.startswith('Collecting ')
                step = line.strip()
            if progress and time.monotonic() - said > PROGRESS_SECONDS:
                log('  ... %d packages so far; %s' % (collected, step[:70]))
                said = time.monotonic()
        if process.wait():
            raise SystemExit('minicloud: pip install failed; see %s'
                             % log_path)


def install():
    """The services' venv, and heat-cvm installed in it like an operator."""
    if not (VENV / 'bin' / 'python').exists():
        subprocess.run([sys.executable, '-m', 'venv', str(VENV)], check=True)
    stamp = VENV / '.minicloud-requirements'
    # A change to the requirements or to a driver's code reinstalls.
    wanted = (HERE / 'requirements.txt').read_text() + ''.join(
        path.read_text() for driver in DRIVERS
        for path in sorted(driver.rglob('*.py')))
    if not stamp.exists() or stamp.read_text() != wanted:
        log('installing the services (a few minutes the first time; '
            'pip\'s output in %s)' % (STATE / 'logs' / 'install.log'))
        pip_install('-c', str(UPPER_CONSTRAINTS), '-r',
                    str(HERE / 'requirements.txt'),
                    *[str(driver) for driver in DRIVERS], progress=True)
        stamp.write_text(wanted)
    pip_install('--no-deps', '--force-reinstall', str(REPO))


@functools.lru_cache()
def venv_package_dir(package):
    """Where a package is installed in the services' venv (asked once)."""
    return pathlib.Path(subprocess.run(
        [venv_bin('python'), '-c', 'import %s, os; '
         'print(os.path.dirname(%s.__file__))' % (package, package)],
        check=True, capture_output=True, text=True).stdout.strip())


def plugin_dir():
    return str(venv_package_dir('heat_cvm.plugin'))


# -- configuration -----------------------------------------------------------

def _template(name):
    return string.Template((HERE / 'etc' / name).read_text())


def config_values():
    values = {'state': str(STATE), 'db': DB, 'mq': MQ, 'name': NAME,
              'api_host': API_HOST, 'alarm_granularity': ALARM_GRANULARITY,
              'evaluation_interval': EVALUATION_INTERVAL,
              'keystone_url': KEYSTONE_URL, 'plugin_dir': plugin_dir(),
              'horizon_secret_key': secrets.token_hex(32)}
    values.update({'port_%s' % k: v for k, v in PORTS.items()})
    for service in ('heat', 'glance', 'placement', 'nova', 'neutron',
                    'cinder', 'gnocchi', 'aodh', 'cvm'):
        values['authtoken_%s' % service] = _template(
            'authtoken.inc').substitute(values, service=service).strip()
    values['nova_common'] = _template('nova-common.inc').substitute(
        values).strip()
    return values


CONFIG_FILES = {  # target under $STATE/etc -> template under etc/
    'keystone/keystone.conf': 'keystone.conf',
    'heat/heat.conf': 'heat.conf',
    'heat/api-paste.ini': 'heat-api-paste.ini',
    'glance/glance-api.conf': 'glance-api.conf',
    'glance/glance-api-paste.ini': 'glance-api-paste.ini',
    'placement/placement.conf': 'placement.conf',
    'nova/nova.conf': 'nova.conf',
    'nova/api-paste.ini': 'nova-api-paste.ini',
    'nova-compute/nova-compute.conf': 'nova-compute.conf',
    'neutron/neutron.conf': 'neutron.conf',
    'neutron/ml2_conf.ini': 'ml2_conf.ini',
    'neutron/api-paste.ini': 'neutron-api-paste.ini',
    'cinder/cinder.conf': 'cinder.conf',
    'cinder/api-paste.ini': 'cinder-api-paste.ini',
    'registry/config.yml': 'registry.yml',
    'cvm-registry/registry.conf': 'cvm-registry.conf',
    'gnocchi/gnocchi.conf': 'gnocchi.conf',
    'gnocchi/api-paste.ini': 'gnocchi-api-paste.ini',
    'aodh/aodh.conf': 'aodh.conf',
    'aodh/api-paste.ini': 'aodh-api-paste.ini',
}


def write_configs():
    values = config_values()
    for target, name in CONFIG_FILES.items():
        path = STATE / 'etc' / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_template(name).substitute(values))
    make_certificates()
    make_grant_keys()
    # heat-cvm-registry's Fernet key: 32 random bytes, urlsafe base64.
    token_key = STATE / 'etc' / 'cvm-registry' / 'token.key'
    token_key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
    token_key.chmod(0o600)
    dashboard = venv_package_dir('openstack_dashboard')
    (dashboard / 'local' / 'local_settings.py').write_text(
        _template('horizon_local_settings.py').substitute(values))
    for path in ('data/keystone/fernet-keys', 'data/keystone/credential-keys',
                 'data/glance/images', 'data/glance/staging',
                 'data/glance/tasks', 'data/nova/instances', 'data/nova/lock',
                 'data/neutron/lock', 'data/cinder/lock', 'data/registry',
                 'data/cvm-registry',
                 'data/gnocchi',
                 'logs', 'run',
                 'guests'):
        (STATE / path).mkdir(parents=True, exist_ok=True)


def make_certificates():
    """A CA of the minicloud's own, and a certificate for API_HOST.

    As an operator's TLS endpoint has: the registry serves HTTPS (docker,
    podman and skopeo try HTTPS first: a plain-HTTP registry costs each
    of their commands a failed handshake first).
    """
    TLS_DIR.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        subprocess.run(['openssl', *args], check=True, cwd=str(TLS_DIR),
                       capture_output=True)
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
            'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
            '-subj', '/CN=%s CA' % NAME, '-keyout', 'ca.key',
            '-out', 'ca.crt')
    openssl('req', '-newkey', 'ec', '-pkeyopt',
            'ec_paramgen_curve:prime256v1', '-nodes', '-subj',
            '/CN=%s' % API_HOST, '-keyout', 'server.key', '-out',
            'server.csr')
    (TLS_DIR / 'san.ext').write_text(
        'subjectAltName=DNS:%s,IP:127.0.0.1\n' % API_HOST)
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey',
            'ca.key', '-CAcreateserial', '-days', '30', '-extfile',
            'san.ext', '-out', 'server.crt')


def make_grant_keys():
    """heat-engine's Ed25519 key for pull grants; the registry's half."""
    private = STATE / 'etc' / 'heat' / 'pull-grant.key'
    subprocess.run(['openssl', 'genpkey', '-algorithm', 'ed25519', '-out',
                    str(private)], check=True, capture_output=True)
    subprocess.run(['openssl', 'pkey', '-in', str(private), '-pubout',
                    '-out', str(STATE / 'etc' / 'cvm-registry' /
                                'pull-grant.pub')],
                   check=True, capture_output=True)


def trust_ca():
    for directory in CA_TRUST_DIRS:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copy(TLS_DIR / 'ca.crt', directory / 'ca.crt')


def distrust_ca():
    for directory in CA_TRUST_DIRS:
        if directory.exists():
            shutil.rmtree(directory)


# -- services ----------------------------------------------------------------

def etc(path):
    return str(STATE / 'etc' / path)


# uwsgi's request log lines, with the caller's user agent (bench/ counts
# heat-engine's calls by it).
REQUEST_LOG_PREFIX = 'request: '
REQUEST_LOG_FORMAT = (REQUEST_LOG_PREFIX + '%(addr) [%(ltime)] "%(method) '
                      '%(uri)" %(status) %(size) %(msecs)ms "%(uagent)"')


def uwsgi(port, module, env=(), pyargv=None, threads=1, static=None,
          tls=False, options=()):
    """uwsgi serving ``module`` (a module:app, or a file's path).

    ``tls``: HTTPS with the minicloud's certificate for API_HOST.
    """
    app = ['--wsgi-file' if module.startswith('/') else '--module', module]
    socket = ('--https-socket', '127.0.0.1:%d,%s,%s' % (
        port, TLS_DIR / 'server.crt', TLS_DIR / 'server.key')) if tls \
        else ('--http-socket', '127.0.0.1:%d' % port)
    argv = [venv_bin('uwsgi'), *socket,
            *app, '--master', '--processes', '1',
            '--threads', str(threads), '--enable-threads', '--lazy-apps',
            '--die-on-term', '--buffer-size', '65535',
            '--add-header', 'Connection: close',
            '--log-format', REQUEST_LOG_FORMAT,
            '--hook-master-start', 'unix_signal:15 gracefully_kill_them_all']
    for item in env:
        argv += ['--env', item]
    if pyargv:
        # heat's wsgi apps read their config file from sys.argv.
        argv += ['--pyargv', pyargv]
    if static:
        argv += ['--static-map', static]
    return argv + list(options)


def services():
    """name -> (argv, health URL or None), in start order."""
    nova_conf = ['--config-file', etc('nova/nova.conf')]
    cinder_conf = ['--config-file', etc('cinder/cinder.conf')]
    gnocchi_conf = ['--config-file', etc('gnocchi/gnocchi.conf')]
    aodh_conf = ['--config-file', etc('aodh/aodh.conf')]
    return {
        'keystone': (uwsgi(PORTS['keystone'], 'keystone.wsgi.api:application',
                           ['OS_KEYSTONE_CONFIG_DIR=' + etc('keystone')]),
                     KEYSTONE_URL + '/v3'),
        'heat-engine': ([venv_bin('heat-engine'), '--config-file',
                         etc('heat/heat.conf')], None),
        'heat-api': (uwsgi(PORTS['heat'], 'heat.wsgi.api:application',
                           pyargv='--config-file ' + etc('heat/heat.conf')),
                     'http://127.0.0.1:%d/' % PORTS['heat']),
        'heat-api-cfn': (uwsgi(PORTS['heat_cfn'],
                               'heat.wsgi.cfn:application',
                               pyargv='--config-file '
                               + etc('heat/heat.conf')),
                         'http://127.0.0.1:%d/' % PORTS['heat_cfn']),
        'glance': (uwsgi(PORTS['glance'], 'glance.wsgi.api:application',
                         ['OS_GLANCE_CONFIG_DIR=' + etc('glance')]),
                   'http://127.0.0.1:%d/' % PORTS['glance']),
        'placement': (uwsgi(PORTS['placement'],
                            'placement.wsgi.api:application',
                            ['OS_PLACEMENT_CONFIG_DIR=' + etc('placement')]),
                      'http://127.0.0.1:%d/' % PORTS['placement']),
        'neutron': (uwsgi(PORTS['neutron'], 'neutron.wsgi.api:application',
                          ['OS_NEUTRON_CONFIG_DIR=' + etc('neutron'),
                           'OS_NEUTRON_CONFIG_FILES='
                           'neutron.conf;ml2_conf.ini']),
                    'http://127.0.0.1:%d/' % PORTS['neutron']),
        'cinder-api': (uwsgi(PORTS['cinder'], 'cinder.wsgi.api:application',
                             pyargv=' '.join(cinder_conf)),
                       'http://127.0.0.1:%d/' % PORTS['cinder']),
        'cinder-scheduler': ([venv_bin('cinder-scheduler')] + cinder_conf,
                             None),
        'cinder-volume': ([venv_bin('cinder-volume')] + cinder_conf, None),
        'nova-api': (uwsgi(PORTS['nova'],
                           'nova.wsgi.osapi_compute:application',
                           ['OS_NOVA_CONFIG_DIR=' + etc('nova')]),
                     'http://127.0.0.1:%d/' % PORTS['nova']),
        'nova-conductor': ([venv_bin('nova-conductor')] + nova_conf, None),
        'nova-scheduler': ([venv_bin('nova-scheduler')] + nova_conf, None),
        'nova-compute': ([venv_bin('nova-compute'), '--config-file',
                          etc('nova-compute/nova-compute.conf')], None),
        'gnocchi-api': (uwsgi(PORTS['gnocchi'],
                              'gnocchi.rest.wsgi:application',
                              pyargv=' '.join(gnocchi_conf)),
                        'http://127.0.0.1:%d/' % PORTS['gnocchi']),
        'gnocchi-metricd': ([venv_bin('gnocchi-metricd')] + gnocchi_conf,
                            None),
        # aodh.wsgi.api reads no config file; the WSGI script that pbr
        # writes reads it from the arguments.
        'aodh-api': (uwsgi(PORTS['aodh'], venv_bin('aodh-api'),
                           pyargv=' '.join(aodh_conf)),
                     'http://127.0.0.1:%d/' % PORTS['aodh']),
        'aodh-evaluator': ([venv_bin('aodh-evaluator')] + aodh_conf, None),
        'aodh-notifier': ([venv_bin('aodh-notifier')] + aodh_conf, None),
        'aodh-listener': ([venv_bin('aodh-listener')] + aodh_conf, None),
        'horizon': (uwsgi(PORTS['horizon'],
                          'openstack_dashboard.wsgi:application',
                          ['DJANGO_SETTINGS_MODULE='
                           'openstack_dashboard.settings'], threads=4,
                          static='/static=%s' % HORIZON_STATIC),
                    HORIZON_URL + 'auth/login/'),
        'registry': (['docker-registry', 'serve',
                      etc('registry/config.yml')],
                     'http://127.0.0.1:%d/v2/' % PORTS['registry']),
        # heat-cvm-registry, the pbr WSGI script as an operator installs
        # it, over HTTPS as a registry is (clients try HTTPS first).
        'cvm-registry': (uwsgi(PORTS['cvm_registry'],
                               venv_bin('heat-cvm-registry'),
                               ['HEAT_CVM_REGISTRY_CONFIG='
                                + etc('cvm-registry/registry.conf')],
                               threads=8, tls=True,
                               # A manifest of 4 MiB (the spec's bound)
                               # may come as one chunk.
                               options=['--chunked-input-limit',
                                        str(8 * 1024 * 1024)]),
                         CVM_REGISTRY_URL + '/v2/'),
        'guest-runner': ([venv_bin('python'), str(HERE / 'guest_runner.py'),
                          '--state', str(STATE), '--ports',
                          json.dumps(PORTS), '--api-host', API_HOST],
                         None),
    }


def enable_panels():
    """Horizon: heat-cvm's panels enabled, its static files compressed.

    As an operator installs a Horizon plugin: the installed package's
    enabled files copied into openstack_dashboard/local/enabled (this venv
    is the minicloud's own, so every "_*.py" there is ours), then
    collectstatic and compress.
    """
    enabled = venv_package_dir('openstack_dashboard') / 'local' / 'enabled'
    for stale in enabled.glob('_*.py'):
        stale.unlink()
    panels = venv_package_dir('horizon_cvm') / 'enabled'
    for panel in panels.glob('_*.py'):
        shutil.copy(panel, enabled / panel.name)
    settings = ['--settings', 'openstack_dashboard.settings']
    run_tool('django-admin', 'collectstatic', '--noinput', '-v0', *settings,
             log_name='horizon-manage')
    run_tool('django-admin', 'compress', '--force', *settings,
             log_name='horizon-manage')


def pid_file(name):
    return STATE / 'run' / ('%s.pid' % name)


def running_pid(name):
    try:
        pid = int(pid_file(name).read_text())
        os.killpg(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(name, argv):
    with open(STATE / 'logs' / ('%s.log' % name), 'ab') as out:
        # Its own session: uwsgi and oslo rewrite process titles, so the
        # process group recorded here is how it is found and stopped.
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(STATE),
            env=dict(os.environ, PYTHONWARNINGS='ignore'))
    pid_file(name).write_text(str(process.pid))


def stop(*names):
    """SIGTERM to each service's process group, SIGKILL after 15 s.

    All at once: some services use most of their grace period, and one
    after the other the cloud took minutes to stop.
    """
    pids = {name: running_pid(name) for name in names}
    for pid in pids.values():
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            running_pid(name) for name in names):
        time.sleep(0.2)
    for name, pid in pids.items():
        if pid is not None and running_pid(name):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        pid_file(name).unlink(missing_ok=True)


def answers(url):
    context = ssl.create_default_context(cafile=str(TLS_DIR / 'ca.crt')) \
        if url.startswith('https:') else None
    try:
        urllib.request.urlopen(url, timeout=5, context=context)
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer: the API is up (auth is another matter)
    except OSError:
        return False


def wait_for(check, what, timeout=180):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit('minicloud: %s not ready after %d s; see %s'
                             % (what, timeout, STATE / 'logs'))
        time.sleep(0.5)


# -- databases and message queue ---------------------------------------------

# How this kind of machine starts its MariaDB and RabbitMQ when they are down.
BACKING_SERVICES = {
    'MariaDB': (3306, ['start-stop-daemon', '--start', '--oknodo',
                       '--background', '--exec', '/usr/sbin/mariadbd']),
    'RabbitMQ': (5672, ['rabbitmq-server', '-detached']),
}


def listening(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=2).close()
        return True
    except OSError:
        return False


# Debian's packages the minicloud runs, by a file each installs.
HOST_PACKAGES = {
    # The guest runner boots user data with the real cloud-init...
    '/usr/bin/cloud-init': 'cloud-init',
    # ... or in a real VM of the container-host image:
    '/usr/bin/qemu-system-x86_64': 'qemu-system-x86',
    '/usr/bin/qemu-img': 'qemu-utils',
    '/usr/bin/cloud-localds': 'cloud-image-utils',
    # which heat-cvm-build-host-image builds with these,
    '/usr/sbin/debootstrap': 'debootstrap',
    '/usr/sbin/mkfs.vfat': 'dosfstools',
    '/usr/bin/mcopy': 'mtools',
    '/usr/bin/syslinux': 'syslinux',
    '/usr/lib/syslinux/mbr/mbr.bin': 'syslinux-common',
    '/usr/sbin/sfdisk': 'fdisk',
    # and the local registry with test images made of Debian's binaries.
    '/usr/bin/docker-registry': 'docker-registry',
    '/bin/busybox': 'busybox-static',
    '/usr/bin/memcached': 'memcached',
    # The functional tests push to heat-cvm-registry and pull from it with
    # a docker engine of their own and with skopeo.
    '/usr/sbin/dockerd': 'docker.io',
    '/usr/bin/skopeo': 'skopeo',
}


def ensure_host_packages():
    missing = sorted({package for path, package in HOST_PACKAGES.items()
                      if not os.path.exists(path)})
    if missing:
        log('installing %s (apt-get)' % ' '.join(missing))
        environment = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        subprocess.run(['apt-get', 'update', '-q'], check=True,
                       env=environment, stdout=subprocess.DEVNULL)
        subprocess.run(['apt-get', 'install', '-y', '-q',
                        '--no-install-recommends'] + missing,
                       check=True, env=environment, stdout=subprocess.DEVNULL)


class HostImage:
    """The container-host image, built while the services install.

    heat-cvm-build-host-image (heat_cvm.host_image, standard library only,
    so the machine's python runs it before the services' venv exists)
    builds it once, in about 4 minutes, and caches it; then it prints the
    cached build's path at once. cloud_setup registers its disk.qcow2 in
    Glance as "cvm-host-vm".
    """

    def __init__(self):
        log('the container-host image: heat-cvm-build-host-image '
            '(cached; about 4 minutes the first time, meanwhile the rest)')
        self.log_path = STATE / 'logs' / 'host-image.log'
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, 'wb') as out:
            self.process = subprocess.Popen(
                [sys.executable, '-m', 'heat_cvm.host_image'], cwd=str(REPO),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        """Stops the build (debootstrap too) if up failed before it ended."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()

    @functools.cached_property
    def path(self):
        if self.process.wait():
            raise SystemExit('minicloud: the container-host image failed; '
                             'see %s' % self.log_path)
        return pathlib.Path(
            self.log_path.read_text().strip().splitlines()[-1])


def _hosts_lines():
    with open('/etc/hosts') as f:
        return [line.rstrip('\n') for line in f]


def add_hosts_entry():
    lines = _hosts_lines()
    if HOSTS_LINE not in lines:
        with open('/etc/hosts', 'a') as f:
            f.write(HOSTS_LINE + '\n')


def remove_hosts_entry():
    lines = _hosts_lines()
    if HOSTS_LINE in lines:
        # In place: /etc/hosts may be a mount point that a rename breaks.
        with open('/etc/hosts', 'w') as f:
            f.writelines(line + '\n' for line in lines
                         if line != HOSTS_LINE)


def ensure_backing_services():
    for name, (port, argv) in BACKING_SERVICES.items():
        if not listening(port):
            log('%s is down; starting it: %s' % (name, ' '.join(argv)))
            subprocess.run(argv, check=True)
            wait_for(lambda port=port: listening(port), name, timeout=60)


def mysql(sql):
    subprocess.run(['mysql', '-uroot', '-h127.0.0.1', '-e', sql], check=True)


def rabbitmqctl(*args, check=True):
    subprocess.run(['rabbitmqctl', '-q'] + list(args), check=check,
                   capture_output=True)


def create_stores():
    for name in DATABASES:
        mysql('CREATE DATABASE IF NOT EXISTS %s_%s CHARACTER SET utf8'
              % (NAME, name))
    rabbitmqctl('add_vhost', VHOST, check=False)
    rabbitmqctl('set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*')


def drop_stores():
    for name in DATABASES:
        mysql('DROP DATABASE IF EXISTS %s_%s' % (NAME, name))
    rabbitmqctl('delete_vhost', VHOST, check=False)


def start_tool(*argv, log_name):
    """Start one of the venv's commands, its output in logs/<log_name>."""
    with open(STATE / 'logs' / ('%s.log' % log_name), 'ab') as out:
        return subprocess.Popen([venv_bin(argv[0])] + list(argv[1:]),
                                stdout=out, stderr=subprocess.STDOUT,
                                cwd=str(STATE))


def run_tool(*argv, log_name):
    if start_tool(*argv, log_name=log_name).wait():
        raise SystemExit('minicloud: %s failed; see %s' % (
            argv[0], STATE / 'logs' / ('%s.log' % log_name)))


def sync_databases():
    kc = ['--config-file', etc('keystone/keystone.conf')]
    run_tool('keystone-manage', *kc, 'db_sync', log_name='keystone-manage')
    for what in ('fernet_setup', 'credential_setup'):
        run_tool('keystone-manage', *kc, what, '--keystone-user', 'root',
                 '--keystone-group', 'root', log_name='keystone-manage')
    urls = []
    for interface in ('admin', 'internal', 'public'):
        urls += ['--bootstrap-%s-url' % interface, KEYSTONE_URL + '/v3/']
    run_tool('keystone-manage', *kc, 'bootstrap', '--bootstrap-password',
             'admin', '--bootstrap-region-id', 'RegionOne', *urls,
             log_name='keystone-manage')
    nova = ['--config-file', etc('nova/nova.conf')]
    jobs = [
        ['heat-manage', '--config-file', etc('heat/heat.conf'), 'db_sync'],
        ['glance-manage', '--config-dir', etc('glance'), 'db_sync'],
        ['placement-manage', '--config-file', etc('placement/placement.conf'),
         'db', 'sync'],
        ['neutron-db-manage', '--config-file', etc('neutron/neutron.conf'),
         '--config-file', etc('neutron/ml2_conf.ini'), 'upgrade', 'heads'],
        ['cinder-manage', '--config-file', etc('cinder/cinder.conf'), 'db',
         'sync'],
        # gnocchi-upgrade also makes the storage and the default archive
        # policies ("low", "medium", ...); cloud_setup adds the minicloud's.
        # Few sacks: metricd takes a lock on each, each pass, and a cloud
        # of a few dozen metrics needs no more (the default is 128).
        ['gnocchi-upgrade', '--config-file', etc('gnocchi/gnocchi.conf'),
         '--sacks-number', '4'],
        ['aodh-dbsync', '--config-file', etc('aodh/aodh.conf')],
    ]
    processes = [start_tool(*job, log_name=job[0]) for job in jobs]
    run_tool('nova-manage', *nova, 'api_db', 'sync', log_name='nova-manage')
    run_tool('nova-manage', *nova, 'cell_v2', 'map_cell0',
             '--database_connection',
             '%s/%s_nova_cell0?charset=utf8' % (DB, NAME),
             log_name='nova-manage')
    run_tool('nova-manage', *nova, 'cell_v2', 'create_cell', '--name',
             'cell1', log_name='nova-manage')
    run_tool('nova-manage', *nova, 'db', 'sync', log_name='nova-manage')
    for job, process in zip(jobs, processes):
        if process.wait():
            raise SystemExit('minicloud: %s failed; see %s' % (
                job[0], STATE / 'logs' / ('%s.log' % job[0])))


# -- commands ----------------------------------------------------------------

def clouds_yaml():
    return STATE / 'clouds.yaml'


def service_state(name, url):
    """'stopped', 'running' (no API), 'healthy' or 'not answering'."""
    if running_pid(name) is None:
        return 'stopped'
    if url is None:
        return 'running'
    return 'healthy' if answers(url) else 'not answering'


_GOOD_STATES = ('running', 'healthy')


def service_states():
    return {name: service_state(name, url)
            for name, (_argv, url) in services().items()}


def setup_cloud(step, *args):
    run_tool('python', str(HERE / 'cloud_setup.py'), step, '--state',
             str(STATE), '--ports', json.dumps(PORTS), '--api-host',
             API_HOST, *args, log_name='cloud-setup')


def cmd_up(args):
    started = time.monotonic()
    if UP_MARK.exists():
        # A cloud was made: its data stays. Dropping it is down's alone.
        restart_what_is_down()
        return print_usage()
    if clouds_yaml().exists():
        raise SystemExit('minicloud: an earlier "up" did not finish (see %s);'
                         ' "down" drops what it made, then "up" makes a new '
                         'cloud' % (STATE / 'logs'))
    ensure_host_packages()
    ensure_backing_services()
    cmd_down(args, keep_venv=True)
    host_image = HostImage()
    try:
        start_services(host_image)
    finally:
        host_image.stop()
    UP_MARK.write_text(time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
    log('up in %.0f s' % (time.monotonic() - started))
    print_usage()


def start_services(host_image):
    # Installs heat-cvm afresh too: a new up runs the checkout's code.
    install()
    add_hosts_entry()
    write_configs()
    trust_ca()
    create_stores()
    sync_databases()
    enable_panels()
    table = services()
    start('keystone', table['keystone'][0])
    wait_for(lambda: answers(table['keystone'][1]), 'keystone')
    setup_cloud('identity')
    for name, (argv, _url) in table.items():
        if name not in ('keystone', 'guest-runner'):
            start(name, argv)
    for name, (_argv, url) in table.items():
        if url:
            wait_for(lambda url=url: answers(url), name)
    setup_cloud('compute')   # waits for the compute node, maps it to cell1
    run_tool('nova-manage', '--config-file', etc('nova/nova.conf'),
             'cell_v2', 'discover_hosts', log_name='nova-manage')
    # flavors, network, images, telemetry; waits for heat
    setup_cloud('resources', '--host-image-dir', str(host_image.path),
                '--alarm-granularity', str(ALARM_GRANULARITY))
    start('guest-runner', table['guest-runner'][0])


def print_usage():
    print('export OS_CLIENT_CONFIG_FILE=%s\n'
          'export OS_CLOUD=minicloud          # demo project, role member\n'
          '# or OS_CLOUD=minicloud-admin; logs in %s\n'
          '# Horizon: %s (demo / demo, or admin / admin)'
          % (clouds_yaml(), STATE / 'logs', HORIZON_URL))


def cmd_demo(args):
    """up, then the memcached example launched as the demo user."""
    started = time.monotonic()
    cmd_up(args)
    log('launching the demo (tools/minicloud/demo.py)')
    template = REPO / 'templates' / 'examples' / 'memcached.yaml'
    returncode = subprocess.call(
        [venv_bin('python'), str(HERE / 'demo.py'), '--state', str(STATE),
         '--template', str(template), '--horizon-url', HORIZON_URL],
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    log('demo done in %.0f s' % (time.monotonic() - started))
    return returncode


def restart_what_is_down():
    """Start again each service that is stopped or does not answer."""
    states = service_states()
    down = [name for name, state in states.items()
            if state not in _GOOD_STATES]
    if not down:
        log('already up')
        return
    log('%s: not running; starting again, with the cloud\'s data as it '
        'is ("down" drops it, for a new cloud)' % ', '.join(down))
    ensure_backing_services()
    add_hosts_entry()
    trust_ca()
    table = services()
    since = time.time()
    stop(*down)
    for name in down:
        start(name, table[name][0])
    for name in down:
        wait_until_up(name, table[name][1], since)


def wait_until_up(name, url, since):
    if name == 'heat-engine':
        # Up when it has reported in Heat's service list.
        setup_cloud('heat-engine', '--since', str(since - 1))
    elif url:
        wait_for(lambda: answers(url), name)


def cmd_status(args):
    states = service_states()
    for name, state in states.items():
        print('%-17s %-14s pid %s' % (name, state, running_pid(name) or '-'))
    return 0 if all(s in _GOOD_STATES for s in states.values()) else 1


def cmd_restart(args):
    """Start a service again, as after a config change or a crash."""
    table = services()
    if args.service not in table:
        raise SystemExit('no such service: %s (one of: %s)'
                         % (args.service, ', '.join(table)))
    argv, url = table[args.service]
    since = time.time()
    stop(args.service)
    start(args.service, argv)
    wait_until_up(args.service, url, since)
    return 0


def cmd_down(args, keep_venv=True):
    if STATE.exists():
        stop(*services())
    drop_stores()
    remove_hosts_entry()
    distrust_ca()
    for path in ('etc', 'data', 'run', 'guests', 'clouds.yaml'):
        target = STATE / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    if not keep_venv and VENV.exists():
        shutil.rmtree(VENV)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('demo', help='up, then launch the memcached example')
    commands.add_parser('up', help='start the cloud (idempotent)')
    commands.add_parser('status', help="each service's health")
    restart = commands.add_parser('restart', help='restart one service')
    restart.add_argument('service')
    down = commands.add_parser('down', help='stop it and drop its data')
    down.add_argument('--purge', action='store_true',
                      help='also remove the services venv')
    args = parser.parse_args(argv)
    STATE.mkdir(parents=True, exist_ok=True)
    if args.command == 'demo':
        return cmd_demo(args)
    if args.command == 'up':
        return cmd_up(args)
    if args.command == 'status':
        return cmd_status(args)
    if args.command == 'restart':
        return cmd_restart(args)
    return cmd_down(args, keep_venv=not args.purge)


if __name__ == '__main__':
    sys.exit(main())

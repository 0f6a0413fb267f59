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

"""ContainerSpec -> the member's #cloud-config (a pure function).

How user strings stay data, never code:

* Everything the user wrote (image, command, environment, paths, health
  check) travels in one JSON document, ``container.json``. The guest helper
  (``heat_cvm/guest/cvm_guest.py``, shipped in the same user data) reads it
  and passes the docker argv to ``execvp`` as a list: no shell and no
  systemd command line ever parses a user string.
* The systemd unit names only validated identifiers (schema.NAME_PATTERN),
  so it needs no quoting beyond what ``systemd_quote`` guarantees.
* The whole document is serialised by PyYAML, so YAML quoting is PyYAML's.
* Values only known when a member is created (the wait condition's URL and
  token, created volume IDs) and secrets (which Heat keeps as hidden
  parameters) are ``%%CVM_...%%`` placeholders, filled by ``fill`` in one
  pass. ``container.json`` escapes every "%", so no user string can forge a
  placeholder.
"""

import base64
import gzip
import importlib.resources
import json
import re

from heat_cvm import registry
from heat_cvm import yamlutil

GUEST_HELPER = '/usr/local/lib/heat-cvm/cvm-guest'
CONFIG_ROOT = '/etc/heat-cvm'
RUN_ROOT = '/run/heat-cvm'
VOLUME_ROOT = '/var/lib/heat-cvm'
PYTHON = '/usr/bin/python3'
METADATA_ADDRESS = '169.254.169.254'

# Placeholders filled per member.
SIGNAL_URL = '%%CVM_SIGNAL_URL%%'
SIGNAL_TOKEN = '%%CVM_SIGNAL_TOKEN%%'
SECRET_ENV_B64 = '%%CVM_SECRET_ENVIRONMENT_B64%%'
REGISTRY_PASSWORD_B64 = '%%CVM_REGISTRY_PASSWORD_B64%%'
# Minted for each member when its server is created, never stored.
PULL_GRANT_B64 = '%%CVM_PULL_GRANT_B64%%'
_PLACEHOLDER = re.compile(r'%%CVM_[A-Z0-9_]+%%')

_SYSTEMD_SAFE_WORD = re.compile(r'^[A-Za-z0-9_./:@+-]+$')
_SYSTEMD_RESTART = {'no': 'no', 'on-failure': 'on-failure',
                    'always': 'always'}


def volume_placeholder(index):
    return '%%%%CVM_VOLUME_ID_%d%%%%' % index


def config_dir(spec):
    return '%s/%s' % (CONFIG_ROOT, spec.name)


def run_dir(spec):
    return '%s/%s' % (RUN_ROOT, spec.name)


def volume_dir(spec, volume):
    return '%s/%s/volumes/%d' % (VOLUME_ROOT, spec.name, volume.index)


def env_file(spec):
    return '%s/environment' % run_dir(spec)


def secret_env_file(spec):
    return '%s/secret.env' % config_dir(spec)


def password_file(spec):
    return '%s/registry-password' % config_dir(spec)


def grant_file(spec):
    return '%s/pull-grant' % config_dir(spec)


def docker_run_argv(spec):
    """The exact argv the guest runs, as a list (never a shell string)."""
    argv = ['docker', 'run', '--name', spec.container_name,
            '--label', 'heat-cvm.container=%s' % spec.name,
            '--env-file', env_file(spec)]
    if spec.secret_environment:
        argv += ['--env-file', secret_env_file(spec)]
    for port in spec.ports:
        argv += ['--publish',
                 '%d:%d/%s' % (port.host_port, port.port, port.protocol)]
    for volume in spec.volumes:
        mount = 'type=bind,source=%s,target=%s' % (
            volume_dir(spec, volume), volume.mount_path)
        argv += ['--mount', mount + (',readonly' if volume.read_only
                                     else '')]
    if spec.working_dir:
        argv += ['--workdir', spec.working_dir]
    if spec.user:
        argv += ['--user', spec.user]
    if spec.cpu_limit:
        argv += ['--cpus', '%g' % spec.cpu_limit]
    if spec.memory_limit_mb:
        argv += ['--memory', '%dm' % spec.memory_limit_mb]
    if spec.health_check:
        argv += ['--health-cmd', spec.health_check.command,
                 '--health-interval', '%ds' % spec.health_check.interval,
                 '--health-retries', str(spec.health_check.retries)]
    trailing = list(spec.command)
    if spec.entrypoint is not None:
        # docker's --entrypoint takes one word; the rest of a list
        # entrypoint goes before the command, as Kubernetes does.
        first = spec.entrypoint[0] if spec.entrypoint else ''
        argv += ['--entrypoint', first]
        trailing = list(spec.entrypoint[1:]) + trailing
    return argv + [spec.image] + trailing


def environment_file_text(environment):
    """docker --env-file text: KEY=VALUE lines, values taken literally."""
    return ''.join('%s=%s\n' % item for item in sorted(environment.items()))


def _b64(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


def secret_values(spec):
    """Placeholder -> value, for the secrets this spec has.

    OS::CVM::Container keeps these in its resource data and
    OS::CVM::MemberServer fills them in: they are never in a template.
    """
    values = {}
    if spec.secret_environment:
        values[SECRET_ENV_B64] = _b64(
            environment_file_text(spec.secret_environment))
    if spec.registry_credentials:
        values[REGISTRY_PASSWORD_B64] = _b64(
            spec.registry_credentials.password)
    return values


def secret_placeholders(spec):
    """The placeholders OS::CVM::MemberServer fills with secrets.

    Those the container stores, and the pull grant it mints per member.
    """
    names = sorted(secret_values(spec))
    if spec.pull_grant_image:
        names.append(PULL_GRANT_B64)
    return names


def _login(spec):
    if spec.pull_grant_image:
        return {'registry': spec.registry_host,
                'username': registry.GRANT_USER,
                'password_file': grant_file(spec)}
    creds = spec.registry_credentials
    if creds:
        return {'registry': spec.registry_host, 'username': creds.username,
                'password_file': password_file(spec)}
    return None


def guest_config(spec, allow_metadata_access=False):
    """The container.json document the guest helper acts on."""
    return {
        'version': 1,
        'name': spec.name,
        'container': spec.container_name,
        'unit': spec.unit_name,
        'image': spec.image,
        'environment': spec.environment,
        'env_file': env_file(spec),
        'run': docker_run_argv(spec),
        'login': _login(spec),
        'volumes': [{'index': v.index, 'path': volume_dir(spec, v),
                     'volume_id': v.volume_id, 'created': v.size is not None}
                    for v in spec.volumes],
        'volume_ids_file': '%s/volume-ids' % config_dir(spec),
        'health_check': bool(spec.health_check),
        'ready_timeout': spec.ready_timeout,
        'signal_file': ('%s/signal.json' % config_dir(spec)
                        if spec.wait_for_ready else None),
        'block_metadata': not allow_metadata_access,
        'metadata_address': METADATA_ADDRESS,
    }


def _json_without_percent(document):
    # A "%" inside a user string could otherwise spell a placeholder.
    return json.dumps(document, indent=1, sort_keys=True).replace(
        '%', '\\u0025')


def systemd_quote(word):
    """Quote one word for a systemd unit's command line.

    Only validated identifiers and fixed paths reach the unit, but the unit
    is still built with the quoting systemd defines (double quotes, C-style
    backslash escapes, "$$" for "$" and "%%" for "%"), so a future field
    can't open a hole.
    """
    if _SYSTEMD_SAFE_WORD.match(word):
        return word
    escaped = (word.replace('\\', '\\\\').replace('"', '\\"')
               .replace('$', '$$').replace('%', '%%'))
    return '"%s"' % escaped


def _command_line(*words):
    return ' '.join(systemd_quote(w) for w in words)


def systemd_unit(spec):
    directory = config_dir(spec)
    restart = _SYSTEMD_RESTART[spec.restart_policy]
    return '\n'.join([
        '[Unit]',
        'Description=heat-cvm container %s' % spec.name,
        'After=docker.service network-online.target',
        'Wants=network-online.target',
        'Requires=docker.service',
        '',
        '[Service]',
        'ExecStartPre=' + _command_line(PYTHON, GUEST_HELPER, 'prestart',
                                        directory),
        'ExecStart=' + _command_line(PYTHON, GUEST_HELPER, 'run',
                                     directory),
        'ExecStop=' + _command_line('/usr/bin/docker', 'stop',
                                    spec.container_name),
        'Restart=%s' % restart,
        'RestartSec=5',
        'TimeoutStartSec=0',
        # The container's output is the server's console log: what Nova's
        # console API and the panel's Logs tab show.
        'StandardOutput=journal+console',
        'StandardError=journal+console',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
    ])


def guest_helper_source():
    return importlib.resources.files('heat_cvm.guest').joinpath(
        'cvm_guest.py').read_bytes()


def _write_file(path, content, permissions='0600', encoding=None):
    entry = {'path': path, 'owner': 'root:root',
             'permissions': permissions, 'content': content}
    if encoding:
        entry['encoding'] = encoding
    return entry


def render(spec, install_docker=False, allow_metadata_access=False):
    """The member's user data: a #cloud-config document (text).

    It still holds placeholders; ``placeholders(spec)`` lists them and
    ``fill`` replaces them.
    """
    directory = config_dir(spec)
    helper = base64.b64encode(gzip.compress(guest_helper_source(),
                                            mtime=0)).decode('ascii')
    files = [
        _write_file(GUEST_HELPER, helper, '0755', 'gz+b64'),
        _write_file('%s/container.json' % directory, _json_without_percent(
            guest_config(spec, allow_metadata_access))),
        _write_file('/etc/systemd/system/%s' % spec.unit_name,
                    systemd_unit(spec), '0644'),
    ]
    if spec.secret_environment:
        files.append(_write_file(secret_env_file(spec), SECRET_ENV_B64,
                                 encoding='b64'))
    if spec.registry_credentials:
        files.append(_write_file(password_file(spec), REGISTRY_PASSWORD_B64,
                                 encoding='b64'))
    if spec.pull_grant_image:
        files.append(_write_file(grant_file(spec), PULL_GRANT_B64,
                                 encoding='b64'))
    created = [v for v in spec.volumes if v.size is not None]
    if created:
        files.append(_write_file(
            '%s/volume-ids' % directory,
            ''.join('%d %s\n' % (v.index, volume_placeholder(v.index))
                    for v in created)))
    if spec.wait_for_ready:
        files.append(_write_file('%s/signal.json' % directory, json.dumps(
            {'url': SIGNAL_URL, 'token': SIGNAL_TOKEN})))
    document = {'write_files': files,
                'runcmd': [[PYTHON, GUEST_HELPER, 'start', directory]]}
    if install_docker:
        document['package_update'] = True
        document['packages'] = ['docker.io', 'python3']
    return '#cloud-config\n' + yamlutil.dump(document)


def placeholders(spec):
    """The placeholder names ``render(spec)`` leaves for ``fill``."""
    names = []
    if spec.wait_for_ready:
        names += [SIGNAL_URL, SIGNAL_TOKEN]
    names += secret_placeholders(spec)
    names += [volume_placeholder(v.index) for v in spec.volumes
              if v.size is not None]
    return names


def fill(text, values):
    """Replace every placeholder in one pass; a value is never re-read.

    Raises KeyError for a placeholder without a value, so a half-filled
    document never reaches a guest.
    """
    return _PLACEHOLDER.sub(lambda m: values[m.group(0)], text)

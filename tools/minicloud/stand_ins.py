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

"""Recording stand-ins for the guest's docker, systemctl, iptables, disks.

Installed (by tools/minicloud/guest_sim.py) as executables named after the
command they stand in for, alone on PATH, so a command the user data runs
that is not expected fails instead of running. Each call appends one JSON
line to $CVM_RECORD: the command, its argv and, for ``docker run``, the
environment the container would get from its --env-file arguments (read
the way docker reads them: KEY=VALUE taken literally).

$CVM_FAIL_PULL makes ``docker pull`` of that image fail like a registry
that does not have it; an image on a registry under the reserved ".invalid"
domain fails the way an unknown registry host does. With $CVM_REGISTRIES
(the minicloud's guests: JSON, registry as the guest names it -> the URL
it listens on, or null for one that needs the guest's own login), a pull
asks that registry for the manifest, as dockerd does, and fails as
dockerd does ("manifest unknown"); any other registry is one this machine
cannot reach, unless the image is one of KNOWN_TEST_IMAGES (Docker Hub's,
which the tests and examples name). A container of an
image whose tag ends in "-unhealthy" runs but fails its health check, as
a broken release does (``docker inspect`` says so after the check's
retries).
"""

import json
import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

ROOT = os.environ['CVM_ROOT']
RECORD = os.environ['CVM_RECORD']
# Docker Hub's images the tests and the examples run: a simulated guest
# pulls them as if Docker Hub answered (this machine cannot reach it).
KNOWN_TEST_IMAGES = ('busybox', 'memcached', 'nginx', 'mysql', 'wordpress',
                     'etherpad/etherpad')
MANIFEST_TYPES = ', '.join((
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json'))


def rooted(path):
    return os.path.join(ROOT, path.lstrip('/'))


def record(**entry):
    with open(RECORD, 'a') as f:
        f.write(json.dumps(entry) + '\n')


def recorded():
    with open(RECORD) as f:
        return [json.loads(line) for line in f]


def env_files_of(argv):
    files = []
    for index, word in enumerate(argv):
        if word == '--env-file':
            files.append(argv[index + 1])
    return files


def read_env_file(path):
    """Parse a file the way docker/cli's opts.ParseEnvFile does."""
    environment = {}
    with open(rooted(path), 'rb') as f:
        text = f.read().decode('utf-8')
    for line in text.split('\n'):
        # bufio.ScanLines drops one trailing \r; leading space is trimmed.
        if line.endswith('\r'):
            line = line[:-1]
        line = line.lstrip()
        if not line or line.startswith('#'):
            continue
        key, _sep, value = line.partition('=')
        environment[key] = value
    return environment


def docker(argv):
    command = argv[0] if argv else ''
    if command == 'run':
        environment = {}
        for path in env_files_of(argv):
            environment.update(read_env_file(path))
        record(cmd='docker', argv=argv, environment=environment)
        return 0
    record(cmd='docker', argv=argv)
    if command == 'pull':
        return pull(argv[-1])
    if command == 'inspect':
        runs = [e['argv'] for e in recorded()
                if e['cmd'] == 'docker' and e['argv'][0] == 'run']
        if not runs:
            print('Error: No such object: %s' % argv[-1], file=sys.stderr)
            return 1
        print(json.dumps({'Status': 'running', 'Running': True,
                          'ExitCode': 0, 'Health': health(runs[-1])}))
        return 0
    return 0


def split_reference(reference):
    """(registry or None for Docker Hub, repository, tag or digest)."""
    first, _sep, rest = reference.partition('/')
    if rest and ('.' in first or ':' in first or first == 'localhost'):
        registry, name = first, rest
    else:
        registry, name = None, reference
    if '@' in name:
        name, _sep, version = name.partition('@')
    else:
        name, _sep, version = name.partition(':')
    return registry, name, version or 'latest'


def pull(reference):
    if reference == os.environ.get('CVM_FAIL_PULL'):
        return manifest_unknown(reference)
    registry, repository, version = split_reference(reference)
    if registry and registry.split(':')[0].endswith('.invalid'):
        return unreachable(registry)
    known = os.environ.get('CVM_REGISTRIES')
    if known is None:
        return 0
    registries = json.loads(known)
    if registry in registries:
        url = registries[registry]
        return 0 if url is None else ask_manifest(url, reference,
                                                  repository, version)
    if registry in (None, 'docker.io') and repository.removeprefix(
            'library/') in KNOWN_TEST_IMAGES:
        return 0
    return unreachable(registry or 'registry-1.docker.io')


def ask_manifest(url, reference, repository, version):
    request = urllib.request.Request(
        '%s/v2/%s/manifests/%s' % (url, repository, version),
        method='HEAD', headers={'Accept': MANIFEST_TYPES})
    try:
        urllib.request.urlopen(request, timeout=30).close()
        return 0
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    return manifest_unknown(reference)


def manifest_unknown(reference):
    print('Error response from daemon: manifest for %s not found: '
          'manifest unknown' % reference, file=sys.stderr)
    return 1


def unreachable(registry):
    host = registry.split(':')[0]
    print('Error response from daemon: Get "https://%s/v2/": dial tcp: '
          'lookup %s: no such host' % (registry, host), file=sys.stderr)
    return 1


def health(run_argv):
    if any(':' in word and word.endswith('-unhealthy') for word in run_argv):
        return {'Status': 'unhealthy', 'FailingStreak': 3, 'Log': [
            {'ExitCode': 1, 'Output': 'health check failed\n'}]}
    return {'Status': 'healthy', 'FailingStreak': 0, 'Log': []}


def unit_commands(unit_text, key):
    return [shlex.split(line.split('=', 1)[1])
            for line in unit_text.splitlines() if line.startswith(key + '=')]


def start_unit(unit):
    with open(rooted('/etc/systemd/system/%s' % unit)) as f:
        text = f.read()
    for key in ('ExecStartPre', 'ExecStart'):
        for words in unit_commands(text, key):
            if words[0] == '/usr/bin/python3':
                words = [sys.executable, rooted(words[1])] + words[2:]
            if subprocess.call(words):
                return 1
    return 0


def systemctl(argv):
    record(cmd='systemctl', argv=argv)
    if argv[:2] == ['enable', '--now']:
        return start_unit(argv[2])
    if argv[:1] == ['is-failed']:
        return 1
    return 0


def iptables(argv):
    record(cmd='iptables', argv=argv)
    rules = [e['argv'][1:] for e in recorded()
             if e['cmd'] == 'iptables' and e['argv'][0] == '-I']
    if argv[0] == '-C':
        return 0 if argv[1:] in rules else 1
    return 0


def disk_tool(name, returncode):
    def run(argv):
        record(cmd=name, argv=argv)
        return returncode
    return run


COMMANDS = {'docker': docker, 'systemctl': systemctl, 'iptables': iptables,
            # A blank volume: no filesystem yet, not mounted.
            'blkid': disk_tool('blkid', 2),
            'mkfs.ext4': disk_tool('mkfs.ext4', 0),
            'mountpoint': disk_tool('mountpoint', 1),
            'mount': disk_tool('mount', 0)}

if __name__ == '__main__':
    sys.exit(COMMANDS[os.path.basename(sys.argv[0])](sys.argv[1:]))

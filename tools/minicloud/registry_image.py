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

"""A local Docker registry with test images built offline, no dockerd.

* local_registry(): Debian's ``docker-registry`` (apt-get install
  docker-registry) on 127.0.0.1, storing under a scratch directory,
  stopped when the ``with`` block ends.
* push_busybox(): a one-layer image of Debian's static busybox
  (apt-get install busybox-static), pushed with the registry's HTTP API
  (Docker image manifest v2, schema 2). Building the layer and the config
  by hand needs no Docker daemon, so nothing on the host touches iptables
  or bridges.
* push_memcached(): Debian's memcached (apt-get install memcached; its
  service need not run) with the shared libraries ``ldd`` names, and
  busybox for a shell, run as nobody like the Docker Hub image.

Standard library only.
"""

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request

BUSYBOX = '/bin/busybox'
MEMCACHED = '/usr/bin/memcached'
MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'
CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json'
LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
# Debian's static busybox wget crashes (SIGSEGV); nc speaks HTTP instead.
APPLETS = ['sh', 'httpd', 'sleep', 'cat', 'echo', 'ls', 'nc', 'printf']
INDEX_HTML = b'hello from a heat-cvm container\n'
# Serves /www on port 80 in the foreground.
HTTPD_COMMAND = ['/bin/busybox', 'httpd', '-f', '-v', '-p', '80',
                 '-h', '/www']

REGISTRY_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %(storage)s
http:
  addr: 127.0.0.1:%(port)d
"""


def sha256(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def local_registry(workdir, port=5000):
    """docker-registry on 127.0.0.1:port; yields its base URL."""
    os.makedirs(workdir, exist_ok=True)
    config = os.path.join(workdir, 'registry.yml')
    with open(config, 'w') as f:
        f.write(REGISTRY_CONFIG % {
            'storage': os.path.join(workdir, 'storage'), 'port': port})
    log = open(os.path.join(workdir, 'registry.log'), 'w')
    process = subprocess.Popen(['docker-registry', 'serve', config],
                               stdout=log, stderr=subprocess.STDOUT)
    url = 'http://127.0.0.1:%d' % port
    try:
        wait_for(url + '/v2/', process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wait_for(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError('docker-registry exited (%s)'
                               % process.returncode)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _add(tar, name, data=None, mode=0o755, link=None, directory=False):
    info = tarfile.TarInfo(name)
    info.mode, info.mtime = mode, 0
    if directory:
        info.type = tarfile.DIRTYPE
    elif link:
        info.type, info.linkname = tarfile.SYMTYPE, link
    else:
        info.size = len(data)
    tar.addfile(info, io.BytesIO(data) if data is not None else None)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def _add_busybox(tar):
    _add(tar, 'bin', directory=True)
    _add(tar, 'bin/busybox', _read(BUSYBOX))
    for applet in APPLETS:
        _add(tar, 'bin/' + applet, link='busybox', mode=0o777)


def _layer(fill):
    """(uncompressed tar, gzipped tar) of what fill(tar) adds."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.GNU_FORMAT) as t:
        fill(t)
    return raw.getvalue(), gzip.compress(raw.getvalue(), mtime=0)


def busybox_layer():
    """A root with busybox and /www."""
    def fill(tar):
        _add_busybox(tar)
        for directory in ('www', 'tmp'):
            _add(tar, directory, directory=True)
        _add(tar, 'www/index.html', INDEX_HTML, 0o644)
    return _layer(fill)


_LDD_PATH = re.compile(r'(/\S+) \(0x')


def shared_libraries(binary):
    """The absolute paths of the libraries ``binary`` loads (ldd)."""
    output = subprocess.run(['ldd', binary], check=True,
                            capture_output=True, text=True).stdout
    return _LDD_PATH.findall(output)


def _parents(path):
    parts = path.strip('/').split('/')[:-1]
    return ['/'.join(parts[:n]) for n in range(1, len(parts) + 1)]


def binary_layer(binary):
    """A root with ``binary``, its libraries at their paths, and busybox."""
    files = [binary] + shared_libraries(binary)

    def fill(tar):
        _add_busybox(tar)
        directories = sorted({d for path in files for d in _parents(path)}
                             | {'tmp', 'etc'})
        for directory in directories:
            if directory != 'bin':
                _add(tar, directory, directory=True)
        for path in files:
            # realpath: the loader's /lib64 entry is a symlink on Debian.
            _add(tar, path.lstrip('/'), _read(os.path.realpath(path)))
        _add(tar, 'etc/passwd', b'nobody:x:65534:65534:nobody:/:/bin/sh\n',
             0o644)
        _add(tar, 'etc/group', b'nogroup:x:65534:\n', 0o644)
    return _layer(fill)


def image_config(diff_id, command, port=80, user=''):
    return json.dumps({
        'architecture': 'amd64', 'os': 'linux',
        'config': {'Cmd': command, 'WorkingDir': '/', 'User': user,
                   'Env': ['PATH=/usr/local/bin:/usr/bin:/bin'],
                   'ExposedPorts': {'%d/tcp' % port: {}}},
        'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
    }, sort_keys=True).encode()


def _request(url, data=None, method='GET', content_type=None):
    request = urllib.request.Request(url, data=data, method=method)
    if content_type:
        request.add_header('Content-Type', content_type)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response


def push_blob(registry, name, data):
    digest = sha256(data)
    response = _request('%s/v2/%s/blobs/uploads/' % (registry, name),
                        b'', 'POST')
    location = urllib.parse.urljoin(registry, response.headers['Location'])
    separator = '&' if '?' in location else '?'
    _request(location + separator + urllib.parse.urlencode(
        {'digest': digest}), data, 'PUT', 'application/octet-stream')
    return digest


def push_image(registry, name, tag, layer, config):
    """Push a one-layer image; return the manifest's digest.

    config: image_config(..) for the layer.
    """
    raw, gzipped = layer
    manifest = json.dumps({
        'schemaVersion': 2, 'mediaType': MANIFEST_TYPE,
        'config': {'mediaType': CONFIG_TYPE, 'size': len(config),
                   'digest': push_blob(registry, name, config)},
        'layers': [{'mediaType': LAYER_TYPE, 'size': len(gzipped),
                    'digest': push_blob(registry, name, gzipped)}],
    }, sort_keys=True).encode()
    _request('%s/v2/%s/manifests/%s' % (registry, name, tag), manifest,
             'PUT', MANIFEST_TYPE)
    return sha256(manifest)


def push_busybox(registry, name='busybox', tag='latest'):
    """The busybox httpd test image, as registry/name:tag."""
    layer = busybox_layer()
    return push_image(registry, name, tag, layer,
                      image_config(sha256(layer[0]), HTTPD_COMMAND))


def push_memcached(registry, name='memcached', tag='1.6'):
    """Debian's memcached as registry/name:tag, like Docker Hub's image."""
    layer = binary_layer(MEMCACHED)
    return push_image(registry, name, tag, layer, image_config(
        sha256(layer[0]), ['memcached'], port=11211, user='65534:65534'))

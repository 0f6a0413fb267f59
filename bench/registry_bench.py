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

"""heat-cvm-registry against Debian's docker-registry, with the docker CLI.

On a running minicloud (``tools/minicloud/minicloud.py up``), in one run,
a docker engine of the benchmark's own builds a multi-layer image of
about 100 MB (``--layers`` layers of random, incompressible bytes and
busybox) and pushes it to, then pulls it from:

* the baseline: Debian's docker-registry (filesystem storage, on this
  machine's disk), started for the run over HTTPS with the minicloud's
  certificate, as heat-cvm-registry is served;
* heat-cvm-registry (HTTPS on loopback): a push writes the Glance image;
  a cold pull finds its blob cache empty and reads the image from Glance
  first; a warm pull is served from the cache.

Each pull starts from an engine without the image (``docker rmi`` and a
prune of its layers). Times are the docker CLI's wall time; ratios are
heat-cvm-registry's over the baseline's, medians of ``--repeat`` runs.
The registry process's peak resident memory (its uwsgi worker's VmHWM)
is read after the pulls, against the image's size.

    python -m bench.registry_bench [--layers 4] [--layer-mb 25]
                                   [--repeat 3]
                                   [--output bench/results/registry.json]

JSON out. Goals: cold pull <= 1.2, warm pull <= 1.05, push <= 1.3;
memory bounded, independent of the image's size.
"""

import argparse
import contextlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from tools.minicloud import docker_engine
from tools.minicloud import helpers
from tools.minicloud import minicloud
from tools.minicloud import qemu_guest

GOALS = {'pull_cold': 1.2, 'pull_warm': 1.05, 'push': 1.3}
CACHE = minicloud.STATE / 'data' / 'cvm-registry'
BASELINE_CONFIG = """version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: %(root)s}}
http:
  addr: 127.0.0.1:%(port)d
  tls: {certificate: %(tls)s/server.crt, key: %(tls)s/server.key}
"""


@contextlib.contextmanager
def baseline_registry(workdir):
    """docker-registry over HTTPS on a free port: its address."""
    port = qemu_guest.free_port()
    address = '%s:%d' % (minicloud.API_HOST, port)
    config = workdir / 'registry.yml'
    config.write_text(BASELINE_CONFIG % {
        'root': workdir / 'baseline', 'port': port,
        'tls': minicloud.TLS_DIR})
    trust = pathlib.Path('/etc/docker/certs.d') / address
    trust.mkdir(parents=True, exist_ok=True)
    shutil.copy(minicloud.TLS_DIR / 'ca.crt', trust / 'ca.crt')
    process = subprocess.Popen(['docker-registry', 'serve', str(config)],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        helpers.wait_until(lambda: minicloud.listening(port),
                           'docker-registry on %d' % port, timeout=30,
                           step=0.2)
        yield address
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(trust)


def build(engine, workdir, layers, layer_mb, tag):
    """The image: busybox, then ``layers`` layers of random bytes."""
    context = workdir / 'context'
    context.mkdir(exist_ok=True)
    shutil.copy('/bin/busybox', context / 'busybox')
    lines = ['FROM scratch', 'COPY busybox /bin/busybox']
    for index in range(layers):
        (context / ('data%d' % index)).write_bytes(
            os.urandom(layer_mb * 1024 * 1024))
        lines.append('COPY data%d /data/%d' % (index, index))
    lines.append('CMD ["/bin/busybox", "sleep", "3600"]')
    (context / 'Dockerfile').write_text('\n'.join(lines) + '\n')
    engine.docker('build', '-q', '-t', tag, str(context))
    return engine.image_id(tag)


def timed(engine, *args):
    started = time.monotonic()
    engine.docker(*args)
    return time.monotonic() - started


def forget(engine, reference):
    engine.docker('rmi', reference)
    engine.docker('image', 'prune', '-a', '-f')


def clear_cache():
    """heat-cvm-registry's cache emptied, as on a new instance."""
    for part in ('blobs/sha256', 'images'):
        for path in (CACHE / part).iterdir():
            path.unlink()


def registry_worker_pid():
    """The uwsgi worker serving heat-cvm-registry (the master's child)."""
    master = int((minicloud.STATE / 'run' / 'cvm-registry.pid').read_text())
    children = pathlib.Path('/proc/%d/task/%d/children' % (master, master))
    return int(children.read_text().split()[0])


def peak_rss_mb(pid):
    for line in pathlib.Path('/proc/%d/status' % pid).read_text().split(
            '\n'):
        if line.startswith('VmHWM:'):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def measure(engine, image, repeat, baseline):
    """Push and pull times against both registries."""
    cvm = '%s/bench-%d/big:1' % (helpers.CVM_REGISTRY, int(time.time()))
    base = '%s/bench-%d/big:1' % (baseline, int(time.time()))
    runs = {'push': {'base': [], 'cvm': []},
            'pull_cold': {'base': [], 'cvm': []},
            'pull_warm': {'base': [], 'cvm': []}}
    for target, side in ((base, 'base'), (cvm, 'cvm')):
        engine.docker('tag', image, target)
        runs['push'][side].append(timed(engine, 'push', target))
        engine.docker('rmi', target)
    forget(engine, image)
    for _ in range(repeat):
        for target, side in ((base, 'base'), (cvm, 'cvm')):
            if side == 'cvm':
                clear_cache()
            runs['pull_cold'][side].append(timed(engine, 'pull', target))
            forget(engine, target)
            # The same pull again: heat-cvm-registry's cache is warm now;
            # the baseline's is its disk, as before.
            runs['pull_warm'][side].append(timed(engine, 'pull', target))
            forget(engine, target)
    return runs, cvm


def summary(runs):
    result = {}
    for part, sides in runs.items():
        base = statistics.median(sides['base'])
        cvm = statistics.median(sides['cvm'])
        result[part] = {'baseline_s': round(base, 3), 'cvm_s': round(cvm, 3),
                        'ratio': round(cvm / base, 3),
                        'runs': {side: [round(t, 3) for t in times]
                                 for side, times in sides.items()}}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--layers', type=int, default=4)
    parser.add_argument('--layer-mb', type=int, default=25)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--output', help='also write the JSON here')
    args = parser.parse_args(argv)
    cloud = helpers.Cloud(minicloud.STATE)
    started = time.time()
    with tempfile.TemporaryDirectory() as workdir, \
            baseline_registry(pathlib.Path(workdir)) as baseline:
        engine = docker_engine.DockerEngine(
            pathlib.Path(workdir) / 'engine').start()
        try:
            engine.login(helpers.CVM_REGISTRY, 'demo/demo', 'demo')
            image = build(engine, pathlib.Path(workdir), args.layers,
                          args.layer_mb, 'bench/big:1')
            size_mb = int(engine.docker(
                'image', 'inspect', '-f', '{{.Size}}', image).stdout) / 2**20
            runs, pushed = measure(engine, 'bench/big:1', args.repeat,
                                   baseline)
        finally:
            engine.stop()
    result = {'benchmark': 'registry_bench', 'started': started,
              'goals': GOALS, 'image_mb': round(size_mb, 1),
              'layers': args.layers + 1}
    result.update(summary(runs))
    result['registry_peak_rss_mb'] = peak_rss_mb(registry_worker_pid())
    result['seconds'] = round(time.time() - started)
    for image in cloud.images_named(pushed.split('/', 1)[1]):
        cloud.openstack('image', 'delete', image['id'])
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        pathlib.Path(args.output).write_text(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

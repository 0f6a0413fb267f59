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

"""A docker engine of its own: Debian's dockerd, its own data root.

``up`` pushes the demo's image with it, as a user pushes one with the
docker CLI; the tests and the benchmark build, push and pull with it.

No bridge and no iptables rules (``--bridge=none --iptables=false``): it
builds, pushes, pulls and loads images; it runs nothing that needs a
network. Its CLI gets a config directory of its own, so ``docker login``
leaves the machine's ~/.docker alone. Stopped by its pid, its data root
removed.
"""

import os
import pathlib
import shutil
import signal
import subprocess
import time

START_SECONDS = 60


class DockerEngine:

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.socket = self.root / 'docker.sock'
        self.env = dict(os.environ, DOCKER_HOST='unix://%s' % self.socket,
                        DOCKER_CONFIG=str(self.root / 'client'))
        self.process = None

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / 'dockerd.log', 'ab') as log:
            self.process = subprocess.Popen(
                ['dockerd', '--data-root', str(self.root / 'data'),
                 '--exec-root', str(self.root / 'exec'),
                 '--pidfile', str(self.root / 'dockerd.pid'),
                 '-H', 'unix://%s' % self.socket, '--bridge=none',
                 '--iptables=false', '--ip6tables=false'],
                stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while self.docker('version', check=False).returncode:
            if time.monotonic() > deadline or self.process.poll() is not None:
                log = (self.root / 'dockerd.log').read_text()[-2000:]
                self.stop()
                raise RuntimeError('dockerd in %s did not answer: %s'
                                   % (self.root, log))
            time.sleep(0.5)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # dockerd unmounts its layers when it stops; what it left mounted
        # (a kill) would keep rmtree from the data root.
        subprocess.run(['umount', '-R', str(self.root / 'data')],
                       capture_output=True)
        time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)

    def docker(self, *args, check=True, input=None):
        result = subprocess.run(['docker', *args], capture_output=True,
                                text=True, env=self.env, input=input)
        if check and result.returncode:
            raise AssertionError('docker %s failed: %s%s' % (
                ' '.join(args), result.stdout, result.stderr))
        return result

    def image_id(self, reference):
        return self.docker('image', 'inspect', '-f', '{{.Id}}',
                           reference).stdout.strip()

    def login(self, registry, username, password, check=True):
        return self.docker('login', '-u', username, '--password-stdin',
                           registry, input=password, check=check)

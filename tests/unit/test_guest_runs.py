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

"""The rendered user data, run by a simulated guest with recording stand-ins.

The property-based test: for arbitrary environment values, commands and
names, the cloud-config makes the guest run exactly the intended
``docker run`` argv with exactly the intended environment, and nothing
else.
"""

import base64
import os
import pathlib
import shutil
import string
import subprocess
import tempfile

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod
from tools.minicloud import guest_sim as simulator

NETWORKS = ['private']


def make_spec(**props):
    props.setdefault('image', 'memcached:1.6')
    props.setdefault('networks', NETWORKS)
    return spec_mod.ContainerSpec.from_properties(props, {}, 'app')


def boot(spec, tmp_path, **kwargs):
    root = tmp_path / 'root'
    root.mkdir()
    # The secrets, as OS::CVM::MemberServer fills them in.
    values = cloudinit.secret_values(spec)
    return simulator.boot(cloudinit.render(spec), str(root), values,
                          **kwargs)


def expected_calls(spec):
    """Every command a healthy boot runs, in order."""
    calls = [('docker', ['pull', spec.image]),
             ('systemctl', ['daemon-reload']),
             ('systemctl', ['enable', '--now', spec.unit_name]),
             ('iptables', ['-C', 'DOCKER-USER', '-d', '169.254.169.254/32',
                           '-j', 'REJECT']),
             ('iptables', ['-I', 'DOCKER-USER', '-d', '169.254.169.254/32',
                           '-j', 'REJECT']),
             ('docker', ['rm', '--force', spec.container_name]),
             ('docker', cloudinit.docker_run_argv(spec)[1:]),
             ('docker', ['inspect', '--format', '{{json .State}}',
                         spec.container_name])]
    if spec.registry_credentials:
        calls.insert(0, ('docker', ['login', '--username',
                                    spec.registry_credentials.username,
                                    '--password-stdin']
                         + ([spec.registry_host] if spec.registry_host
                            else [])))
    return calls


def test_memcached_boot_runs_exactly_the_container(tmp_path):
    spec = make_spec(command=['memcached', '-m', '64'],
                     ports=[{'port': 11211}])
    run = boot(spec, tmp_path)
    assert run.returncodes == [0]
    assert [(c['cmd'], c['argv']) for c in run.calls] == expected_calls(spec)
    assert run.docker_runs[0]['argv'] == [
        'run', '--name', 'cvm-app', '--label', 'heat-cvm.container=app',
        '--env-file', '/run/heat-cvm/app/environment',
        '--publish', '11211:11211/tcp', 'memcached:1.6',
        'memcached', '-m', '64']
    assert run.signals == [{'token': simulator.TOKEN, 'path': '/signal',
                            'body': {
                                'status': 'SUCCESS',
                                'reason': 'container cvm-app is running',
                                'data': '',
                                'id': run.signals[0]['body']['id']}}]


def test_secrets_reach_only_a_root_only_file(tmp_path):
    spec = make_spec(environment={'MODE': 'prod'},
                     secret_environment={'DB_PASSWORD': 'pa$$ word;`id`'},
                     registry_credentials={'username': 'robot',
                                           'password': 's3cret!'},
                     image='reg.example:5000/team/app:1')
    run = boot(spec, tmp_path)
    assert run.docker_runs[0]['environment'] == {
        'MODE': 'prod', 'DB_PASSWORD': 'pa$$ word;`id`'}
    for call in run.calls:
        assert 'pa$$ word' not in ' '.join(call['argv'])
        assert 's3cret!' not in ' '.join(call['argv'])
    secret_file = os.path.join(run.root, 'etc/heat-cvm/app/secret.env')
    assert oct(os.stat(secret_file).st_mode & 0o777) == '0o600'
    password_file = os.path.join(run.root,
                                 'etc/heat-cvm/app/registry-password')
    with open(password_file) as f:
        assert f.read() == 's3cret!'
    user_data = cloudinit.render(spec)
    assert 'pa$$ word' not in user_data and 's3cret!' not in user_data
    assert [(c['cmd'], c['argv']) for c in run.calls] == expected_calls(spec)


def test_pull_failure_is_reported_to_heat(tmp_path):
    spec = make_spec(image='127.0.0.1:5000/nothing-here:1')
    run = boot(spec, tmp_path, fail_pull='127.0.0.1:5000/nothing-here:1')
    assert run.returncodes == [1]
    assert [s['body']['status'] for s in run.signals] == ['FAILURE']
    assert run.signals[0]['body']['reason'] == (
        'docker pull 127.0.0.1:5000/nothing-here:1 failed: Error response '
        'from daemon: manifest for 127.0.0.1:5000/nothing-here:1 not found: '
        'manifest unknown')
    assert run.docker_runs == []


def test_unhealthy_container_fails_at_once_with_its_check_output(tmp_path):
    # Not "not healthy within N seconds": it did not wait for the timeout.
    spec = make_spec(image='memcached:1.7-unhealthy', ready_timeout=120,
                     health_check={'command': 'memcached-tool 127.0.0.1 '
                                              'stats'})
    run = boot(spec, tmp_path)
    assert run.returncodes == [1]
    assert [(s['body']['status'], s['body']['reason'])
            for s in run.signals] == [
        ('FAILURE', 'the container is unhealthy: health check failed')]


def test_metadata_access_allowed_adds_no_rule(tmp_path):
    spec = make_spec()
    root = tmp_path / 'root'
    root.mkdir()
    run = simulator.boot(cloudinit.render(spec, allow_metadata_access=True),
                         str(root))
    assert run.commands('iptables') == []
    assert len(run.docker_runs) == 1


# -- the real cloud-init ----------------------------------------------------

VOLUME_ID = '3f1c2a7e-9d4b-4c55-8e1f-0a2b3c4d5e6f'


def boot_with_cloud_init(spec, tmp_path, fail_pull=None):
    """Debian's cloud-init boots the user data in a throwaway root.

    Needs root and cloud-init, as CI has (.ci/run installs cloud-init).
    """
    with simulator.signal_server() as server:
        values = dict(cloudinit.secret_values(spec), **{
            cloudinit.SIGNAL_URL:
                'http://127.0.0.1:%d/signal' % server.server_port,
            cloudinit.SIGNAL_TOKEN: simulator.TOKEN,
            cloudinit.volume_placeholder(0): VOLUME_ID})
        user_data = cloudinit.fill(cloudinit.render(spec), values)
        run = simulator.boot_with_cloud_init(user_data, str(tmp_path),
                                             fail_pull=fail_pull)
        run.signals = list(server.signals)
    return run


def test_real_cloud_init_runs_exactly_the_container(tmp_path):
    spec = make_spec(environment={'MODE': 'prod'},
                     secret_environment={'DB_PASSWORD': 'pa$$ word;`id`'},
                     registry_credentials={'username': 'robot',
                                           'password': 's3cret!'},
                     image='reg.example:5000/team/app:1',
                     volumes=[{'size': 1, 'mount_path': '/data'}],
                     ports=[{'port': 11211}])
    run = boot_with_cloud_init(spec, tmp_path)
    assert run.cloud_init['ok'], run.cloud_init
    assert run.returncodes == [0]
    device = '/dev/disk/by-id/virtio-' + VOLUME_ID[:20]
    mounted_at = cloudinit.volume_dir(spec, spec.volumes[0])
    assert [(c['cmd'], c['argv']) for c in run.calls] == [
        ('blkid', [device]), ('mkfs.ext4', ['-q', device]),
        ('mountpoint', ['-q', mounted_at]), ('mount', [device, mounted_at]),
    ] + expected_calls(spec)
    assert run.docker_runs[0]['environment'] == {
        'MODE': 'prod', 'DB_PASSWORD': 'pa$$ word;`id`'}
    assert [s['body']['status'] for s in run.signals] == ['SUCCESS']
    # cloud-init wrote the secret file root-only, as write_files said.
    secret_file = os.path.join(run.root, 'etc/heat-cvm/app/secret.env')
    assert oct(os.stat(secret_file).st_mode & 0o777) == '0o600'


def test_real_cloud_init_reports_a_failed_pull(tmp_path):
    spec = make_spec(image='127.0.0.1:5000/nothing-here:1')
    run = boot_with_cloud_init(spec, tmp_path,
                               fail_pull='127.0.0.1:5000/nothing-here:1')
    assert run.returncodes == [1]
    assert [s['body']['status'] for s in run.signals] == ['FAILURE']
    assert 'manifest unknown' in run.signals[0]['body']['reason']
    assert run.docker_runs == []


# -- property-based ---------------------------------------------------------

# Anything a user can type, shell and systemd metacharacters included;
# line breaks and NUL are refused at validation (see test_spec).
user_text = st.text(st.characters(blacklist_categories=('Cs',),
                                  blacklist_characters='\n\r\0'),
                    max_size=40)
env_names = st.from_regex(r'\A[A-Za-z_][A-Za-z0-9_]{0,15}\Z')
container_names = st.from_regex(r'\A[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}\Z')


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(name=container_names,
       environment=st.dictionaries(env_names, user_text, max_size=4),
       secrets=st.dictionaries(env_names.map(lambda n: 'S_' + n), user_text,
                               max_size=3),
       command=st.lists(user_text, max_size=5),
       entrypoint=st.none() | st.lists(user_text, max_size=3),
       health=st.none() | user_text.filter(lambda s: s.strip()))
def test_guest_runs_exactly_the_intended_container(
        name, environment, secrets, command, entrypoint, health):
    spec = make_spec(name=name, environment=environment,
                     secret_environment=secrets, command=command,
                     entrypoint=entrypoint,
                     health_check={'command': health} if health else None)
    tmp = tempfile.mkdtemp()
    try:
        run = boot(spec, pathlib.Path(tmp))
    finally:
        shutil.rmtree(tmp)
    intended = ['docker'] + run.docker_runs[0]['argv']
    assert intended == cloudinit.docker_run_argv(spec)
    # The user's words arrive as separate, unaltered arguments.
    image_at = intended.index(spec.image)
    tail = list(entrypoint[1:] if entrypoint else []) + list(command)
    assert intended[image_at + 1:] == tail
    if entrypoint is not None:
        at = intended.index('--entrypoint')
        assert intended[at + 1] == (entrypoint[0] if entrypoint else '')
    if health:
        assert intended[intended.index('--health-cmd') + 1] == health
    assert run.docker_runs[0]['environment'] == dict(environment, **secrets)
    assert [(c['cmd'], c['argv']) for c in run.calls] == expected_calls(spec)
    assert [s['body']['status'] for s in run.signals] == ['SUCCESS']


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(environment=st.dictionaries(env_names, user_text, min_size=1,
                                   max_size=3),
       secrets=st.dictionaries(env_names.map(lambda n: 'S_' + n), user_text,
                               max_size=2),
       command=st.lists(user_text, min_size=1, max_size=4))
def test_real_cloud_init_passes_user_strings_unaltered(environment, secrets,
                                                       command):
    """A sample of the corpus above, through Debian's real cloud-init.

    Its YAML loader, write_files and runcmd script stand between the
    rendered user data and the container: the strings must survive them.
    """
    spec = make_spec(environment=environment, secret_environment=secrets,
                     command=command)
    tmp = tempfile.mkdtemp()
    try:
        run = boot_with_cloud_init(spec, pathlib.Path(tmp))
    finally:
        shutil.rmtree(tmp)
    assert run.cloud_init['ok'], run.cloud_init['warnings']
    assert ['docker'] + run.docker_runs[0]['argv'] == \
        cloudinit.docker_run_argv(spec)
    assert run.docker_runs[0]['environment'] == dict(environment, **secrets)
    assert [s['body']['status'] for s in run.signals] == ['SUCCESS']


def test_rendered_user_data_passes_cloud_init_schema(tmp_path):
    cloud_init = shutil.which('cloud-init')
    if cloud_init is None:
        pytest.fail('cloud-init is not installed: .ci/run installs it '
                    '(apt-get install cloud-init)')
    spec = make_spec(secret_environment={'A': 'b'},
                     registry_credentials={'username': 'u', 'password': 'p'},
                     volumes=[{'size': 1, 'mount_path': '/data'}],
                     ports=[{'port': 80}])
    for install_docker in (False, True):
        path = tmp_path / ('user-data-%s.yaml' % install_docker)
        path.write_text(cloudinit.render(spec, install_docker=install_docker))
        result = subprocess.run([cloud_init, 'schema', '--config-file',
                                 str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert 'Valid schema' in result.stdout \
            or 'Valid cloud-config' in result.stdout


def test_secret_b64_is_an_env_file():
    spec = make_spec(secret_environment={'B': 'x y', 'A': '1'})
    text = base64.b64decode(
        cloudinit.secret_values(spec)[cloudinit.SECRET_ENV_B64]).decode()
    assert text == 'A=1\nB=x y\n'


def test_percent_in_user_strings_cannot_forge_a_placeholder():
    forged = cloudinit.SECRET_ENV_B64
    spec = make_spec(environment={'X': forged}, command=[forged])
    user_data = cloudinit.render(spec)
    assert forged not in user_data
    assert set(string.ascii_letters) and cloudinit.placeholders(spec) == [
        cloudinit.SIGNAL_URL, cloudinit.SIGNAL_TOKEN]

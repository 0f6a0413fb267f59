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

"""The member's cloud-config and systemd unit (pure rendering)."""

import yaml

from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod


def make_spec(**props):
    props.setdefault('image', 'memcached:1.6')
    props.setdefault('networks', ['private'])
    return spec_mod.ContainerSpec.from_properties(props, {}, 'app')


def files(user_data):
    return {f['path']: f for f in yaml.safe_load(user_data)['write_files']}


def test_systemd_quote_leaves_plain_words_and_escapes_the_rest():
    assert cloudinit.systemd_quote('/usr/bin/docker') == '/usr/bin/docker'
    assert cloudinit.systemd_quote('a b') == '"a b"'
    assert cloudinit.systemd_quote('$HOME %n "x" \\') == \
        '"$$HOME %%n \\"x\\" \\\\"'


def test_unit_restart_policy_and_console_output():
    for policy in ('no', 'on-failure', 'always'):
        unit = cloudinit.systemd_unit(make_spec(restart_policy=policy))
        assert 'Restart=%s\n' % policy in unit
    unit = cloudinit.systemd_unit(make_spec())
    assert 'StandardOutput=journal+console' in unit
    assert ('ExecStart=/usr/bin/python3 /usr/local/lib/heat-cvm/cvm-guest '
            'run /etc/heat-cvm/app') in unit


def test_secret_files_are_root_only_and_hold_placeholders():
    spec = make_spec(secret_environment={'K': 'v'},
                     registry_credentials={'username': 'u', 'password': 'p'})
    written = files(cloudinit.render(spec))
    for path in ('/etc/heat-cvm/app/secret.env',
                 '/etc/heat-cvm/app/registry-password',
                 '/etc/heat-cvm/app/signal.json',
                 '/etc/heat-cvm/app/container.json'):
        assert written[path]['permissions'] == '0600', path
        assert written[path]['owner'] == 'root:root', path
    assert written['/etc/heat-cvm/app/secret.env']['content'] == \
        cloudinit.SECRET_ENV_B64


def test_docker_is_installed_only_when_asked():
    spec = make_spec()
    assert 'packages' not in yaml.safe_load(cloudinit.render(spec))
    document = yaml.safe_load(cloudinit.render(spec, install_docker=True))
    assert 'docker.io' in document['packages']


def test_fill_replaces_in_one_pass_and_refuses_missing_values():
    text = '%%CVM_A%% %%CVM_B%%'
    assert cloudinit.fill(text, {'%%CVM_A%%': '%%CVM_B%%',
                                 '%%CVM_B%%': 'b'}) == '%%CVM_B%% b'
    try:
        cloudinit.fill(text, {'%%CVM_A%%': 'a'})
    except KeyError:
        pass
    else:
        raise AssertionError('a missing value must not pass')


def test_limits_and_user_reach_docker_run():
    argv = cloudinit.docker_run_argv(make_spec(
        cpu_limit=1.5, memory_limit_mb=256, user='1000:1000',
        working_dir='/srv', entrypoint=['/bin/sh', '-c'],
        command=['echo hi']))
    assert argv[argv.index('--cpus') + 1] == '1.5'
    assert argv[argv.index('--memory') + 1] == '256m'
    assert argv[argv.index('--user') + 1] == '1000:1000'
    assert argv[argv.index('--workdir') + 1] == '/srv'
    assert argv[argv.index('--entrypoint') + 1] == '/bin/sh'
    assert argv[-3:] == ['memcached:1.6', '-c', 'echo hi']

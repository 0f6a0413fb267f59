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

"""The demo: the memcached example, as a user launches it, on the minicloud.

Run by ``minicloud.py demo`` with the services' venv once the cloud is up:
shows the docker-format Glance image memcached:1.6 that ``up`` pushed to
heat-cvm-registry with the docker CLI (and the commands it typed),
creates templates/examples/memcached.yaml from it (``glance_image``) as
the demo user, its member a real VM of the container-host image
("cvm-host-vm") pulling it through heat-cvm-registry with its pull grant,
shows the stack's events as Heat reports them until it is complete, asks
memcached for its stats through the forwarded port, and prints the
endpoints and how to go on. Idempotent: a running demo stack is shown
again, not created
twice.
"""

import argparse
import json
import pathlib
import socket
import sys
import time

import cloud_setup

STACK = 'demo-memcached'
# Pushed by "up" (cloud_setup.push_to_cvm_registry).
DOCKER_IMAGE = 'memcached:1.6'
# docker pull, tag, login, push.
PUSH_COMMANDS = 4
POLL_SECONDS = 2


def show_docker_image(conn, state):
    """The memcached image ``up`` pushed to heat-cvm-registry, in Glance."""
    print('"up" pushed %s to heat-cvm-registry with the docker CLI, as the '
          'demo user (its log: %s):' % (
              DOCKER_IMAGE, state / 'logs' / 'cloud-setup.log'))
    typed = [line for line in (state / 'logs' / 'cloud-setup.log')
             .read_text().split('\n') if line.startswith('$ docker')]
    for line in typed[-PUSH_COMMANDS:]:   # the last up's
        print('  ' + line)
    [image] = [image for image in conn.image.images(
        container_format='docker') if image.name == DOCKER_IMAGE]
    print('openstack image list: %s  %s  container_format docker, manifest '
          '%s' % (image.id, image.name,
                  image.properties.get('cvm_manifest_digest')))
    return image


def events(conn, stack):
    response = conn.orchestration.get(
        '/stacks/%s/%s/events?nested_depth=3&sort_dir=asc'
        % (stack.name, stack.id))
    response.raise_for_status()
    return response.json()['events']


def follow(conn, stack, timeout):
    """Print the stack's events until it is no longer in progress."""
    started = time.monotonic()
    seen = set()
    while True:
        for event in events(conn, stack):
            if event['id'] in seen:
                continue
            seen.add(event['id'])
            print('  [%4.0fs] %-28s %-20s %s' % (
                time.monotonic() - started, event['resource_name'],
                event['resource_status'],
                event.get('resource_status_reason') or ''), flush=True)
        stack = conn.orchestration.get_stack(stack.id)
        if not stack.status.endswith('IN_PROGRESS'):
            return stack
        if time.monotonic() - started > timeout:
            raise SystemExit('%s still %s after %d s'
                             % (stack.name, stack.status, timeout))
        time.sleep(POLL_SECONDS)


def launch(conn, template, parameters):
    stack = conn.orchestration.find_stack(STACK)
    if stack is not None and stack.status == 'CREATE_COMPLETE':
        print('%s is already running' % STACK)
        return conn.orchestration.get_stack(stack.id)
    if stack is not None:
        conn.orchestration.delete_stack(stack)
        conn.orchestration.wait_for_delete(stack)
    print('openstack stack create -t %s %s %s' % (
        template, ' '.join('--parameter %s=%s' % item
                           for item in sorted(parameters.items())), STACK))
    stack = conn.orchestration.create_stack(
        name=STACK, template=template.read_text(), parameters=parameters)
    # A real VM under software emulation: a few minutes.
    return follow(conn, stack, timeout=900)


def memcached_version(port):
    """memcached's "version" reply on 127.0.0.1:port."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(b'version\r\n')
        return sock.recv(128).decode().strip()


def show_real_member(state, servers):
    for server in servers:
        record = state / 'guests' / server / 'vm.json'
        if not record.exists():
            continue
        forwards = json.loads(record.read_text())['forwards']
        port = forwards['11211/tcp']
        print('  the member %s is a real VM: memcached on 127.0.0.1:%d '
              'answers "%s"; its SSH port is forwarded from 127.0.0.1:%d '
              '(the example gives its servers no key pair: a container of '
              'templates/container.yaml with key_name=<yours> lets you log '
              'in as debian)'
              % (server, port, memcached_version(port), forwards['22/tcp']))


def report(stack, state, horizon_url):
    outputs = {o['output_key']: o['output_value'] for o in stack.outputs}
    print('\n%s: %s' % (stack.name, stack.status))
    if stack.status != 'CREATE_COMPLETE':
        print(stack.status_reason)
        return 1
    for endpoint in outputs.get('endpoints', []):
        print('  memcached endpoint  %s' % endpoint)
    print('  servers             %s' % ', '.join(outputs.get('servers', [])))
    show_real_member(state, outputs.get('servers', []))
    print('\nHorizon: %s (log in as demo / demo)' % horizon_url)
    print('The CLI, as the demo user (project demo):\n'
          '  export OS_CLIENT_CONFIG_FILE=%s OS_CLOUD=minicloud\n'
          '  openstack stack show %s\n'
          '  openstack stack output show %s --all\n'
          '  openstack console log show <server>   # its serial console\n'
          'The guest runner keeps each guest\'s record under\n  %s'
          % (state / 'clouds.yaml', stack.name, stack.name,
             state / 'guests'))
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--state', type=pathlib.Path, required=True)
    parser.add_argument('--template', type=pathlib.Path, required=True)
    parser.add_argument('--horizon-url', required=True)
    args = parser.parse_args()
    conn = cloud_setup.connect(args.state, cloud='minicloud')
    image = show_docker_image(conn, args.state)
    stack = launch(conn, args.template, {
        'host_image': cloud_setup.VM_IMAGE, 'glance_image': image.id})
    return report(stack, args.state, args.horizon_url)


if __name__ == '__main__':
    sys.exit(main())

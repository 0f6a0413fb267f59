"""The demo: the memcached example, as a user launches it, on the minicloud.

Run by ``minicloud.py demo`` with the services' venv once the cloud is up:
registers a docker-format image in Glance (a real ``docker save`` archive,
for the ``glance_image`` property), creates templates/examples/memcached.yaml
as the demo user, its member a real VM of the container-host image
("cvm-host-vm") running memcached from the local registry, shows the
stack's events as Heat reports them until it is complete, asks memcached
for its stats through the forwarded port, and prints the endpoints and how
to go on. Idempotent: a running demo stack is shown again, not created
twice.
"""

import argparse
import hashlib
import io
import json
import pathlib
import socket
import sys
import tarfile
import time

import cloud_setup

STACK = 'demo-memcached'
DOCKER_IMAGE = 'hello-docker'
POLL_SECONDS = 2


def _tar_member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def docker_save_archive():
    """A one-layer image in ``docker save`` format, made without docker."""
    layer_buffer = io.BytesIO()
    with tarfile.open(fileobj=layer_buffer, mode='w') as layer:
        _tar_member(layer, 'hello.txt', b'hello from heat-cvm\n')
    layer_bytes = layer_buffer.getvalue()
    diff_id = 'sha256:' + hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({
        'architecture': 'amd64', 'os': 'linux',
        'config': {'Cmd': ['cat', '/hello.txt']},
        'rootfs': {'type': 'layers', 'diff_ids': [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + '.json'
    manifest = json.dumps([{'Config': config_name,
                            'RepoTags': ['hello:latest'],
                            'Layers': ['layer/layer.tar']}]).encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode='w') as tar:
        _tar_member(tar, 'layer/layer.tar', layer_bytes)
        _tar_member(tar, config_name, config)
        _tar_member(tar, 'manifest.json', manifest)
    return archive.getvalue()


def register_docker_image(conn):
    image = conn.image.find_image(DOCKER_IMAGE)
    if image is None:
        image = conn.image.create_image(
            name=DOCKER_IMAGE, data=docker_save_archive(),
            disk_format='raw', container_format='docker')
    print('Glance image %s (container_format docker): %s'
          % (DOCKER_IMAGE, image.id))


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
              'answers "%s"; ssh -p %d debian@127.0.0.1 with a key pair'
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
    parser.add_argument('--registry', required=True,
                        help='the local registry, as guests name it')
    args = parser.parse_args()
    conn = cloud_setup.connect(args.state, cloud='minicloud')
    register_docker_image(conn)
    stack = launch(conn, args.template, {
        'host_image': cloud_setup.VM_IMAGE,
        'image': args.registry + '/memcached:1.6'})
    return report(stack, args.state, args.horizon_url)


if __name__ == '__main__':
    sys.exit(main())

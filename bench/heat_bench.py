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

"""OS::CVM::Container against the template a user would write by hand.

On a running minicloud (``tools/minicloud/minicloud.py up``), in one run:

P1  create N = 1, 10, 50 containers (one group of N members) with
    templates/container.yaml, and with bench/hand_written/group.yaml (an
    OS::Heat::AutoScalingGroup of OS::Nova::Server with the same user data
    and wait conditions, a security group, two scaling policies), one
    after the other at each N; report the create's wall time, heat-engine's
    CPU time and the API calls the services answered meanwhile, each as a
    ratio of the plugin's to the hand-written's.
P4  from the scale-up signal (a POST to the policy's pre-signed URL, what
    Aodh's notifier sends) to the group at its new size, the new member
    ACTIVE and its guest's signal in: the same ratio.

Both run the fake virt driver, and the guest runner plays each member's
boot with the real cloud-init, so the times include the same guest work
on both sides. API calls are the request lines of the services' uwsgi logs
(tools/minicloud), less those of this script and the guest runner (their
user agents): heat-engine's calls, and the Nova and Neutron work they cause.

    python -m bench.heat_bench [--sizes 1,10,50] [--repeat 3]
                               [--parts p1,p4]
                               [--output bench/results/heat.json]

JSON out. Goals: P1 ratios <= 1.10 at every N and linear in N; P4 <= 1.2.
"""

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
import urllib.request

import yaml

from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod
from tools.minicloud import helpers
from tools.minicloud import minicloud

HERE = pathlib.Path(__file__).resolve().parent
HAND_WRITTEN = HERE / 'hand_written' / 'group.yaml'
CONTAINER = helpers.REPO / 'templates' / 'container.yaml'
IMAGE = 'memcached:1.6'
COMMAND = ['memcached', '-m', '64']
PORT = 11211
# The API services whose requests count (placement is Nova's own).
API_LOGS = ('nova-api', 'neutron', 'glance', 'cinder-api', 'keystone',
            'heat-api', 'heat-api-cfn')
# Not heat-engine's doing: this script and the guest's signal (urllib),
# the guest runner (openstacksdk).
OTHER_AGENTS = ('Python-urllib', 'openstacksdk')
GOALS = {'p1_ratio': 1.10, 'p4_ratio': 1.2}


def hand_written_user_data():
    """heat-cvm's user data for the same container, placeholders in."""
    spec = spec_mod.ContainerSpec.from_properties({
        'image': IMAGE, 'command': COMMAND, 'ports': [{'port': PORT}],
        'networks': ['private']}, {}, 'bench')
    return cloudinit.render(spec)


def engine_cpu_seconds():
    """User and system CPU of heat-engine's processes (its group)."""
    group = minicloud.running_pid('heat-engine')
    ticks = 0
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:     # pgrp
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf('SC_CLK_TCK')


class ApiCalls:
    """Counts the services' request log lines from here on."""

    def __init__(self):
        self.offsets = {name: self._path(name).stat().st_size
                        for name in API_LOGS}

    @staticmethod
    def _path(name):
        return minicloud.STATE / 'logs' / ('%s.log' % name)

    def count(self):
        counts = {}
        for name, offset in self.offsets.items():
            with open(self._path(name), 'rb') as log:
                log.seek(offset)
                lines = log.read().decode(errors='replace').splitlines()
            counts[name] = sum(
                1 for line in lines
                if line.startswith(minicloud.REQUEST_LOG_PREFIX)
                and not any(agent in line for agent in OTHER_AGENTS))
        return counts


class Variant:
    """One way of writing the container: its template and parameters."""

    def __init__(self, cloud, kind, workdir):
        self.cloud = cloud
        self.kind = kind
        self.workdir = workdir

    def create_args(self, size, max_size):
        if self.kind == 'cvm':
            return ['-t', str(CONTAINER),
                    '--parameter', 'image=%s' % IMAGE,
                    '--parameter', 'command=%s' % json.dumps(COMMAND),
                    '--parameter', 'ports=%s' % json.dumps([{'port': PORT}]),
                    '--parameter', 'allowed_cidr=10.0.0.0/8',
                    '--parameter', 'min_size=1',
                    '--parameter', 'max_size=%d' % max_size,
                    '--parameter', 'desired_capacity=%d' % size,
                    '--parameter', 'cooldown=0']
        environment = self.workdir / 'hand.yaml'
        environment.write_text(yaml.safe_dump({'parameters': {
            'size': size, 'max_size': max_size, 'port': PORT,
            'user_data': hand_written_user_data()}}))
        return ['-t', str(HAND_WRITTEN), '-e', str(environment)]

    def create(self, size, max_size=None):
        """Create and wait; what it took."""
        name = '%s-%d-%s' % (self.kind, size, os.urandom(3).hex())
        args = self.create_args(size, max_size or size)
        calls = ApiCalls()
        cpu = engine_cpu_seconds()
        started = time.monotonic()
        self.cloud.openstack('stack', 'create', *args, name)
        stack = self.cloud.wait_for_stack(name, timeout=3600)
        wall = time.monotonic() - started
        assert stack['stack_status'] == 'CREATE_COMPLETE', \
            stack['stack_status_reason']
        assert self.cloud.output(name, 'current_size') == size
        by_service = calls.count()
        return name, {'wall_s': wall,
                      'engine_cpu_s': engine_cpu_seconds() - cpu,
                      'api_calls': sum(by_service.values()),
                      'api_calls_by_service': by_service}

    def delete(self, name):
        self.cloud.openstack('stack', 'delete', '--yes', '--wait', name)


def group_metadata_path(cloud, name):
    """The API path of the scaling group's metadata, wherever it is.

    (The metadata holds its cooldown and whether a scaling is in
    progress.)
    """
    stack = cloud.stack(name)
    path = '/v1/{project}/stacks/%s/%s/resources' % (
        stack['stack_name'], stack['id'])
    resources = {r['resource_name']: r
                 for r in cloud.get('heat', path)['resources']}
    if 'group' not in resources:
        # OS::CVM::Container: the group is in its nested stack.
        return group_metadata_path(
            cloud, resources['container']['physical_resource_id'])
    return path + '/group/metadata'


def timed_scale_up(cloud, name):
    """Seconds from the signal to the group grown by one, ready."""
    metadata = group_metadata_path(cloud, name)

    def scaling_in_progress():
        return cloud.get('heat', metadata)['metadata'].get(
            'scaling_in_progress')

    # A signal while a scaling is in progress would be refused.
    helpers.wait_until(lambda: not scaling_in_progress(),
                       'the last scaling ended', timeout=120)
    size = cloud.output(name, 'current_size')
    request = urllib.request.Request(cloud.output(name, 'scale_up_url'),
                                     data=b'', method='POST')
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120):
        pass
    # current_size counts the new member as soon as it is created; Heat
    # ends the scaling when the member's create completed: its server
    # ACTIVE and its wait condition signalled.
    helpers.wait_until(
        lambda: (cloud.output(name, 'current_size') == size + 1
                 and not scaling_in_progress()),
        'scaled to %d' % (size + 1), timeout=600, step=0.25)
    return time.monotonic() - started


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def p1(variants, sizes, repeat):
    results = {}
    for size in sizes:
        runs = {kind: [] for kind in variants}
        # Small sizes again and again; the largest once (minutes each).
        for _ in range(repeat if size < max(sizes) else 1):
            for kind, variant in variants.items():
                name, measured = variant.create(size)
                runs[kind].append(measured)
                variant.delete(name)
        row = {kind: {key: round(median_of(runs[kind], key), 3)
                      for key in ('wall_s', 'engine_cpu_s', 'api_calls')}
               for kind in variants}
        row['ratio'] = {key: round(row['cvm'][key] / row['hand'][key], 3)
                        for key in ('wall_s', 'engine_cpu_s', 'api_calls')}
        for kind in variants:
            # Where the calls went, in the last run.
            row[kind]['api_calls_by_service'] = runs[kind][-1][
                'api_calls_by_service']
        results[str(size)] = row
    return results


def p4(variants, repeat):
    results = {}
    for kind, variant in variants.items():
        name, _created = variant.create(1, max_size=repeat + 1)
        try:
            times = [timed_scale_up(variant.cloud, name)
                     for _ in range(repeat)]
        finally:
            variant.delete(name)
        results[kind] = {'signal_to_ready_s': round(
            statistics.median(times), 3), 'runs': [round(t, 3)
                                                   for t in times]}
    results['ratio'] = round(results['cvm']['signal_to_ready_s']
                             / results['hand']['signal_to_ready_s'], 3)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', default='1,10,50')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--parts', default='p1,p4')
    parser.add_argument('--output', help='also write the JSON here')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    cloud = helpers.Cloud(minicloud.STATE)
    with tempfile.TemporaryDirectory() as workdir:
        variants = {kind: Variant(cloud, kind, pathlib.Path(workdir))
                    for kind in ('cvm', 'hand')}
        started = time.time()
        result = {'benchmark': 'heat_bench', 'started': started,
                  'goals': GOALS}
        parts = args.parts.split(',')
        if 'p1' in parts:
            result['p1'] = p1(variants, sizes, args.repeat)
        if 'p4' in parts:
            result['p4'] = p4(variants, args.repeat)
        result['seconds'] = round(time.time() - started)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        pathlib.Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.output).write_text(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

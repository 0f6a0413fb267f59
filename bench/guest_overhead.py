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

"""What the guest script adds to a boot, beyond the docker calls it makes.

The rendered user data of the memcached example runs with the recording
stand-ins of tools/minicloud (tools/minicloud/guest_sim.py: its files
written, its runcmd run, its signal POSTed to a local recorder), and then,
as the baseline of the same run, the very commands it made (docker pull,
systemctl, iptables, docker inspect...) are run again, alone, by the same
stand-ins. The difference is the script's own time: the Python start of
cvm-guest, its logic, its files and its signal.

    python -m bench.guest_overhead [--repeat 15] [--output FILE]

JSON out; the goal is an overhead under 0.5 s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod
from tools.minicloud import guest_sim

GOAL_SECONDS = 0.5


def memcached_spec():
    return spec_mod.ContainerSpec.from_properties({
        'name': 'memcached', 'image': 'memcached:1.6',
        'command': ['memcached', '-m', '64'], 'ports': [{'port': 11211}],
        'environment': {'MODE': 'bench'}, 'networks': ['private'],
        'health_check': {'command': 'true'}}, {}, 'memcached')


def boot_once(user_data, scratch):
    root = os.path.join(scratch, 'root')
    os.makedirs(root)
    started = time.perf_counter()
    run = guest_sim.boot(user_data, root)
    elapsed = time.perf_counter() - started
    assert run.returncodes == [0], run.returncodes
    assert [s['body']['status'] for s in run.signals] == ['SUCCESS']
    return elapsed, run


def replay_once(calls, scratch):
    """The same commands, by the same stand-ins, with no script around."""
    bin_dir = os.path.join(scratch, 'stand-in-bin')
    root = os.path.join(scratch, 'root')
    env = {'PATH': bin_dir, 'CVM_ROOT': root, 'LANG': 'C.UTF-8',
           'CVM_RECORD': os.path.join(scratch, 'replay.jsonl')}
    open(env['CVM_RECORD'], 'w').close()
    started = time.perf_counter()
    for call in calls:
        subprocess.call([os.path.join(bin_dir, call['cmd'])] + call['argv'],
                        env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(repeat):
    user_data = cloudinit.render(memcached_spec())
    boots, replays, calls = [], [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            elapsed, run = boot_once(user_data, scratch)
            boots.append(elapsed)
            calls = len(run.calls)
            replays.append(replay_once(run.calls, scratch))
    boot_s = statistics.median(boots)
    replay_s = statistics.median(replays)
    return {
        'benchmark': 'guest_overhead',
        'repeat': repeat,
        'commands_per_boot': calls,
        'boot_median_s': round(boot_s, 4),
        'docker_calls_median_s': round(replay_s, 4),
        'overhead_s': round(boot_s - replay_s, 4),
        'ratio_to_docker_calls': round(boot_s / replay_s, 3),
        'goal_overhead_s': GOAL_SECONDS,
        'meets_goal': boot_s - replay_s < GOAL_SECONDS,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--output', help='also write the JSON here')
    args = parser.parse_args(argv)
    result = measure(args.repeat)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        with open(args.output, 'w') as f:
            f.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

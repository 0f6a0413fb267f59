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

"""Play #cloud-config user data with the REAL cloud-init in a throwaway root.

No VM: the host's own "/" is the guest's disk, seen through an overlay
(lowerdir=/, upper and work dirs in a scratch directory), in a private
mount namespace *and* a private PID namespace (``unshare --mount --pid
--fork --kill-child``). Inside, a "PID 1" (this file, ``--inner``) mounts
the root, chroots cloud-init's four stages into it one by one, as systemd
would on a guest, and exits. When it exits the kernel kills every process
left in the PID namespace and drops every mount of the mount namespace:
only the upper dir is left, holding everything the guest wrote.

What the guest gets:

* ``/`` = overlay(/) - writes land in SCRATCH/upper only;
* ``/proc`` a fresh procfs of the private PID namespace, ``/sys`` sysfs
  read-only, ``/dev`` a tmpfs with null/zero/full/random/urandom/tty bind
  mounted in (so files the caller puts under /dev, e.g. /dev/disk/by-id/
  volume devices, stay in the throwaway root);
* the network namespace is the host's: a guest POST to 127.0.0.1 reaches a
  server the caller runs on the host;
* stand-ins (docker, systemctl, ...) in /usr/local/sbin, first on PATH;
* a NoCloud seed in /var/lib/cloud/seed/nocloud and a cloud.cfg.d file
  that pins the datasource, disables networking and keeps only the
  modules the user data needs (see CLOUD_CFG).

The host needs Debian's cloud-init package (``minicloud up`` and .ci/run
install it); the guest sees the host's.

Standard library only; needs root (CAP_SYS_ADMIN) and util-linux's unshare.
"""

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve()
SEED = '/var/lib/cloud/seed/nocloud'
STAND_IN_DIR = '/usr/local/sbin'
PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
STAGES = [('init-local', ['cloud-init', 'init', '--local']),
          ('init', ['cloud-init', 'init']),
          ('modules-config', ['cloud-init', 'modules', '--mode', 'config']),
          ('modules-final', ['cloud-init', 'modules', '--mode', 'final'])]

# Only what heat-cvm's user data uses (write_files, runcmd) plus bootcmd
# and the per-once/boot/instance script dirs. Anything that touches disks,
# hostname, users, ssh keys, apt, ntp, ... is left out, and so is
# networking. fs_label: null stops NoCloud from probing block devices
# (blkid/mount) for a "cidata" filesystem: the seed dir is all there is.
CLOUD_CFG = """\
datasource_list: [NoCloud]
datasource:
  NoCloud:
    fs_label: null
network: {config: disabled}
manage_etc_hosts: false
preserve_hostname: true
cloud_init_modules: [bootcmd, write-files]
cloud_config_modules: [runcmd]
cloud_final_modules: [write-files-deferred, scripts-per-once,
                      scripts-per-boot, scripts-per-instance, scripts-user,
                      final-message]
"""

BLOCKED = ('#!/bin/sh\n'
           'echo "%s: not available in the simulated guest" >&2\n'
           'exit 127\n')
OPAQUE = ['/var/lib/cloud', '/run/cloud-init']
DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']


# --------------------------------------------------------------- outside --

def boot(user_data, scratch, files, env=None, blocked=(), meta_data=None,
         stage_timeout=300):
    """Boot ``user_data`` with cloud-init in a throwaway root.

    user_data   the #cloud-config text, as Nova would hand it over.
    scratch     a new or empty directory; SCRATCH/upper is kept, the rest
                (work dir, mount point) is removed afterwards.
    files       {path in the root: str|bytes|(str|bytes, mode)} placed
                before cloud-init runs: the stand-ins (in STAND_IN_DIR,
                first on PATH), an empty record file, /dev/disk/by-id/...
                "devices". A script's "#!" interpreter must exist in the
                root (the host's /usr/bin/python3 does: the root is the
                host's "/").
    env         extra environment for cloud-init and so for runcmd.
    blocked     commands that must not run at all: each gets a stub that
                fails with 127 (the host's own binary would be found on
                PATH otherwise - a host may have a real docker CLI).
    meta_data   NoCloud meta-data (dict); default instance-id iid-cvm-sim.

    Returns a dict: stages (name -> {returncode, seconds}), seconds
    (total, with namespace and mount set-up), status/result (cloud-init's
    status.json / result.json), warnings (WARNING+ lines of
    cloud-init.log), runcmd_returncode, ok (all of it clean), upper (the
    guest's writes), log (cloud-init-output.log, in the upper dir).
    """
    scratch = pathlib.Path(scratch).resolve()
    upper = scratch / 'upper'
    upper.mkdir(parents=True)
    meta = dict({'instance-id': 'iid-cvm-sim',
                 'local-hostname': 'cvm-sim'}, **(meta_data or {}))
    root_files = {
        SEED + '/user-data': user_data,
        # meta-data is YAML; JSON is YAML.
        SEED + '/meta-data': json.dumps(meta) + '\n',
        '/etc/cloud/cloud.cfg.d/99-heat-cvm-sim.cfg': CLOUD_CFG,
    }
    for name in blocked:
        root_files['%s/%s' % (STAND_IN_DIR, name)] = (BLOCKED % name, 0o755)
    root_files.update(files)
    environment = {'PATH': PATH, 'LANG': 'C.UTF-8', 'HOME': '/root',
                   'TERM': 'dumb'}
    environment.update(env or {})
    config = {'scratch': str(scratch), 'upper': str(upper),
              'env': environment, 'stage_timeout': stage_timeout,
              'dev_files': _place_files(upper, root_files),
              'hostname': meta['local-hostname']}
    started = time.monotonic()
    result = _run_inner(scratch, config,
                        timeout=stage_timeout * len(STAGES) + 60)
    result['seconds'] = round(time.monotonic() - started, 3)
    result.update(_outcome(upper, result.get('stages', {})))
    return result


def _place_files(upper, root_files):
    """Write the files into the upper dir; return those under /dev.

    The overlay shows the upper dir's files as the guest's own; /dev/* is
    written by the inner process once its tmpfs /dev is mounted.
    """
    dev_files = {}
    for path, spec in root_files.items():
        content, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
        if isinstance(content, str):
            content = content.encode('utf-8')
        if path.startswith('/dev/'):
            dev_files[path] = (content.decode('latin-1'), mode)
            continue
        target = upper / path.lstrip('/')
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)
    # The guest starts with no cloud-init state even when the host has
    # some: these directories are "opaque" in the upper dir, so overlayfs
    # hides the host's.
    for path in OPAQUE:
        target = upper / path.lstrip('/')
        target.mkdir(parents=True, exist_ok=True)
        os.setxattr(target, 'trusted.overlay.opaque', b'y')
    return dev_files


def _outcome(upper, stages):
    """What cloud-init says of the boot, read from the guest's files."""
    outcome = {'upper': str(upper),
               'log': str(upper / 'var/log/cloud-init-output.log')}
    data = upper / 'var/lib/cloud/data'
    for name in ('status', 'result'):
        path = data / ('%s.json' % name)
        outcome[name] = json.loads(path.read_text()) if path.exists() \
            else None
    # Bad YAML, unknown keys, a module that could not run: cloud-init only
    # logs a WARNING and every stage still exits 0. So the warnings are
    # part of the outcome, and "ok" needs none.
    log = upper / 'var/log/cloud-init.log'
    text = log.read_text(errors='replace') if log.exists() else ''
    outcome['warnings'] = [
        line for line in text.splitlines()
        if '[WARNING]' in line or '[ERROR]' in line or '[CRITICAL]' in line]
    outcome['runcmd_returncode'] = runcmd_returncode(text)
    outcome['ok'] = (len(stages) == len(STAGES)
                     and all(s['returncode'] == 0 for s in stages.values())
                     and outcome['result'] is not None
                     and not outcome['result']['v1']['errors']
                     and not outcome['warnings'])
    return outcome


RUNCMD = "['/var/lib/cloud/instance/scripts/runcmd']"


def runcmd_returncode(log_text):
    """The runcmd script's exit status, read from cloud-init.log.

    None if it never ran. runcmd is ONE /bin/sh script, one line per
    entry and no "set -e": its status is the LAST entry's. scripts-user
    only says "Runparts: 1 failures (runcmd)" in result.json; the number
    is in the DEBUG log, as "Command: [...]" then "Exit code: N".
    """
    ran = 'Running command %s' % RUNCMD in log_text
    failed = re.search(r'Command: %s\nExit code: (-?\d+)'
                       % re.escape(RUNCMD), log_text)
    return int(failed.group(1)) if failed else (0 if ran else None)


def _run_inner(scratch, config, timeout):
    """Run ``--inner`` as PID 1 of fresh mount + PID namespaces."""
    config_path = pathlib.Path(scratch) / 'inner.json'
    config_path.write_text(json.dumps(config))
    out_path = pathlib.Path(scratch) / 'inner.out.json'
    # --uts/--ipc: a hostname set in the guest stays there. The network
    # namespace is the host's on purpose (signals to 127.0.0.1).
    # setpriv --pdeathsig: if the caller dies (even by SIGKILL), unshare
    # gets SIGKILL, and its --kill-child takes the whole guest with it.
    # (PDEATHSIG follows the thread that started unshare: call boot()
    # from a thread that outlives the boot.)
    argv = ['setpriv', '--pdeathsig', 'KILL',
            'unshare', '--mount', '--propagation', 'private', '--pid',
            '--fork', '--kill-child', '--uts', '--ipc',
            sys.executable, str(HERE), '--inner', str(config_path)]
    try:
        with open(pathlib.Path(scratch) / 'inner.log', 'wb') as log:
            proc = subprocess.run(argv, stdout=log, stderr=log,
                                  stdin=subprocess.DEVNULL, timeout=timeout)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        # subprocess killed unshare; --kill-child took PID 1 and so the
        # whole PID namespace with it.
        returncode = 'timeout'
    result = json.loads(out_path.read_text()) if out_path.exists() else {}
    result['returncode'] = returncode
    # The namespace is gone, and its mounts with it: only the empty mount
    # point and overlayfs's work dir are left to remove.
    for leftover in pathlib.Path(scratch).iterdir():
        if leftover.name in ('work', 'merged'):
            shutil.rmtree(leftover, ignore_errors=True)
    return result


# ---------------------------------------------------------------- inside --

def _mount(*args):
    subprocess.run(['mount'] + list(args), check=True)


def _make_root(config):
    """Mount the guest's root at SCRATCH/merged; return its path."""
    scratch = pathlib.Path(config['scratch'])
    merged, work = scratch / 'merged', scratch / 'work'
    merged.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    # Belt and braces: unshare already made every mount private, so
    # nothing mounted here propagates back to the host.
    _mount('--make-rprivate', '/')
    _mount('-t', 'overlay', 'overlay', '-o',
           'lowerdir=/,upperdir=%s,workdir=%s' % (config['upper'], work),
           str(merged))
    _mount('-t', 'proc', 'proc', str(merged / 'proc'))
    _mount('-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs',
           str(merged / 'sys'))
    dev = merged / 'dev'
    _mount('-t', 'tmpfs', '-o', 'mode=755,nosuid,size=16m', 'tmpfs',
           str(dev))
    for node in DEV_NODES:
        (dev / node).touch()
        _mount('--bind', '/dev/' + node, str(dev / node))
    for name, target in [('fd', '/proc/self/fd'),
                         ('stdin', '/proc/self/fd/0'),
                         ('stdout', '/proc/self/fd/1'),
                         ('stderr', '/proc/self/fd/2')]:
        os.symlink(target, dev / name)
    (dev / 'shm').mkdir()
    _mount('-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs',
           str(dev / 'shm'))
    for path, (content, mode) in config.get('dev_files', {}).items():
        target = merged / path.lstrip('/')
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode('latin-1'))
        target.chmod(mode)
    return merged


def _chroot_run(merged, argv, env, timeout):
    return subprocess.run(['chroot', str(merged)] + argv, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def _inner_boot(config, merged):
    stages = {}
    for name, argv in STAGES:
        started = time.monotonic()
        try:
            code = _chroot_run(merged, argv, config['env'],
                               config['stage_timeout']).returncode
        except subprocess.TimeoutExpired:
            code = 'timeout'
        stages[name] = {'returncode': code,
                        'seconds': round(time.monotonic() - started, 3)}
        print('stage %s: %s' % (name, stages[name]), flush=True)
    return {'stages': stages}


def _inner(config_path):
    config = json.loads(pathlib.Path(config_path).read_text())
    merged = _make_root(config)
    if config.get('hostname'):
        socket.sethostname(config['hostname'])  # our own UTS namespace
    result = _inner_boot(config, merged)
    out = pathlib.Path(config['scratch']) / 'inner.out.json'
    out.write_text(json.dumps(result, indent=1))
    # Returning ends PID 1: the kernel kills whatever the guest left
    # running and the mount namespace (overlay, proc, ...) goes with it.
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == '--inner':
        return _inner(argv[1])
    print('usage: cloudinit_root.py --inner CONFIG (boot() runs it)',
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

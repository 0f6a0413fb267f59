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

"""heat-cvm-build-host-image: the container-host image, from Debian's mirror.

Members boot a "container host": a cloud-init guest with systemd, python3,
iptables and Docker. This builds one from a declarative recipe (RECIPE)
with debootstrap, as root, without loop devices (a sandbox or CI runner
may have none); the only mounts, the new root's /proc and /sys, live in
private mount namespaces that end with their step:

* ``rootfs.ext4``   the root filesystem (``mkfs.ext4 -d``), label
                    ``cvm-root``, for direct-kernel boot with
* ``vmlinuz`` and ``initrd.img``;
* ``disk.raw`` and ``disk.qcow2``  a whole-disk image (MBR, a FAT boot
                    partition with SYSLINUX, the kernel and the initrd, and
                    the ext4 root partition) to upload to Glance.

Builds are cached in CACHE_DIR/<key>, the key being the SHA-256 of the
recipe's JSON, the texts of the files the build writes into the guest and
BUILDER_VERSION, so a machine builds each recipe once.
``build.json`` in that directory records the recipe and measured figures.
"""

import argparse
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

# Bump when the build steps change what a recipe produces.
BUILDER_VERSION = 2
CACHE_DIR = os.environ.get('HEAT_CVM_IMAGE_CACHE',
                           '/var/cache/heat-cvm/host-image')
ROOT_LABEL = 'cvm-root'
BOOT_LABEL = 'CVM-BOOT'
SECTOR = 512
# The first partition starts at 1 MiB, as fdisk aligns it.
BOOT_START = 2048
SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin'
SYSLINUX_MODULES = '/usr/lib/syslinux/modules/bios'
KERNEL_ARGS = 'console=tty0 console=ttyS0,115200n8 rw'

RECIPE = {
    'suite': 'bookworm',
    'mirror': 'http://deb.debian.org/debian',
    'security_mirror': 'http://deb.debian.org/debian-security',
    # Upgrade from <suite>-updates and <suite>-security after debootstrap
    # (which installs from <suite> alone).
    'upgrade': True,
    'variant': 'minbase',
    'packages': [
        'systemd-sysv', 'udev', 'dbus', 'linux-image-cloud-amd64',
        'initramfs-tools', 'e2fsprogs', 'util-linux', 'kmod', 'procps',
        # Networking the way Debian's cloud-init renders it (eni + DHCP).
        'ifupdown', 'isc-dhcp-client', 'iproute2', 'netbase',
        'ca-certificates', 'curl',
        'cloud-init', 'cloud-guest-utils',
        # Log in with the server's key pair to debug a member, as the
        # image's default user ("debian"), who may sudo.
        'openssh-server', 'sudo',
        'python3',
        # Without it python3-cryptography (pulled in by cloud-init) fails
        # to configure under debootstrap.
        'python3-cffi-backend',
        'docker.io', 'iptables',
        # Without it "docker run" fails on Debian's kernel: "docker-default
        # profile could not be loaded".
        'apparmor',
    ],
    'hostname': 'cvm-host',
    # The disk a flavor must at least give; cloud-init grows the root
    # partition and filesystem to the flavor's disk at first boot.
    'root_size_mb': 3072,
    'boot_size_mb': 128,
    'datasources': ['NoCloud', 'ConfigDrive', 'OpenStack', 'None'],
    # The SSH host keys cloud-init makes at first boot: RSA's 3072-bit key
    # and DSA's take tens of seconds on a slow or emulated CPU, and every
    # current client speaks these.
    'ssh_host_key_types': ['ed25519', 'ecdsa'],
    # Also a whole-disk image (disk.raw, disk.qcow2) for Glance.
    'whole_disk': True,
}

CLOUD_CFG = """\
# heat-cvm container host: where cloud-init looks for the user data.
datasource_list: [%(datasources)s]
ssh_genkeytypes: [%(ssh_host_key_types)s]
# The server's name on 127.0.1.1 (sudo resolves it), other lines kept.
manage_etc_hosts: localhost
# Debian's default, en_US.UTF-8, is not generated in the image: building
# it at first boot costs seconds and fails under minbase.
locale: C.UTF-8
"""

FSTAB = 'LABEL=%s / ext4 defaults,discard,errors=remount-ro 0 1\n' % (
    ROOT_LABEL)

SYSLINUX_CFG = """\
DEFAULT linux
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=%s %s
""" % (ROOT_LABEL, KERNEL_ARGS)


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def recipe_with(mirror=None, suite=None, extra_packages=(), whole_disk=True):
    """RECIPE with the operator's overrides applied (a new dict)."""
    recipe = json.loads(json.dumps(RECIPE))
    if mirror:
        recipe['mirror'] = mirror
    if suite:
        recipe['suite'] = suite
    recipe['packages'] = sorted(set(recipe['packages'])
                                | set(extra_packages))
    recipe['whole_disk'] = whole_disk
    return recipe


def recipe_key(recipe):
    """The cache key: SHA-256 of the canonical recipe JSON + the builder.

    The builder is BUILDER_VERSION and the templates of the guest's
    configuration files: a change to either is a new image.
    """
    document = json.dumps({'recipe': recipe, 'builder': BUILDER_VERSION,
                           'files': [CLOUD_CFG, FSTAB, SYSLINUX_CFG]},
                          sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(document.encode('utf-8')).hexdigest()


# debootstrap mounts /proc and /sys in the new root; in a private mount
# namespace those mounts end with it, even when it fails half way.
PRIVATE_MOUNTS = ['unshare', '--mount', '--propagation', 'private']


def debootstrap_argv(recipe, target, cache_dir=None):
    argv = PRIVATE_MOUNTS + [
        'debootstrap', '--variant=%s' % recipe['variant'],
        '--components=main',
        '--include=%s' % ','.join(sorted(recipe['packages']))]
    if cache_dir:
        argv.append('--cache-dir=%s' % cache_dir)
    return argv + [recipe['suite'], str(target), recipe['mirror']]


def mkfs_root_argv(root, image, size_mb):
    # -d fills the filesystem from a directory: no loop device, no mount.
    return ['mkfs.ext4', '-q', '-F', '-L', ROOT_LABEL, '-d', str(root),
            str(image), '%dM' % size_mb]


def sfdisk_script(boot_size_mb, root_size_mb):
    """An MBR table: a bootable FAT partition, then the ext4 root."""
    boot_sectors = boot_size_mb * 1024 * 1024 // SECTOR
    root_sectors = root_size_mb * 1024 * 1024 // SECTOR
    return ('label: dos\n'
            'start=%d, size=%d, type=c, bootable\n'
            'start=%d, size=%d, type=83\n'
            % (BOOT_START, boot_sectors, BOOT_START + boot_sectors,
               root_sectors))


def disk_layout(recipe):
    """(boot offset, root offset, disk size) in bytes."""
    mib = 1024 * 1024
    boot = BOOT_START * SECTOR
    root = boot + recipe['boot_size_mb'] * mib
    return boot, root, root + recipe['root_size_mb'] * mib


def sources_list(recipe):
    suite, mirror = recipe['suite'], recipe['mirror']
    return ('deb %s %s main\n'
            'deb %s %s-updates main\n'
            'deb %s %s-security main\n'
            % (mirror, suite, mirror, suite, recipe['security_mirror'],
               suite))


# Runs in the chroot. dist-upgrade, not upgrade: a kernel security fix
# comes as a new linux-image-<ABI> package.
UPGRADE_SCRIPT = """\
apt-get -q update
apt-get -q -y -o Dpkg::Options::=--force-confold dist-upgrade
apt-get clean
"""
PURGE_SCRIPT = 'apt-get -q -y purge "$@"'


def chroot_argv(root, script, *args):
    """``script`` (sh) chrooted, in a private mount namespace.

    The chroot's /proc (which some maintainer scripts read) is mounted in
    that namespace only: it goes away with the command, even on a crash.
    """
    return PRIVATE_MOUNTS + [
        'chroot', str(root), '/bin/sh', '-c',
        'set -e\nmount -t proc proc /proc\n' + script, 'sh'] + list(args)


def old_kernel_packages(root):
    """linux-image-<version> of every kernel but the newest."""
    kernels = sorted((root / 'boot').glob('vmlinuz-*'), key=version_key)
    return ['linux-image-' + k.name[len('vmlinuz-'):] for k in kernels[:-1]]


def upgrade(root, recipe, log):
    write(root / 'etc/apt/sources.list', sources_list(recipe))
    # No service starts inside the build.
    policy = root / 'usr/sbin/policy-rc.d'
    write(policy, '#!/bin/sh\nexit 101\n', 0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive',
                   LC_ALL='C.UTF-8')
        run(chroot_argv(root, UPGRADE_SCRIPT), log, env=env)
        old = old_kernel_packages(root)
        if old:
            run(chroot_argv(root, PURGE_SCRIPT, *old), log, env=env)
    finally:
        policy.unlink()


def run(argv, log, **kwargs):
    log.write('+ %s\n' % ' '.join(argv))
    log.flush()
    result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT,
                            **kwargs)
    if result.returncode:
        raise BuildError('%s failed (exit %d); see %s'
                         % (argv[0], result.returncode, log.name))


def write(path, text, mode=0o644):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def configure(root, recipe):
    """What the packages' defaults leave to an image builder."""
    write(root / 'etc/fstab', FSTAB)
    write(root / 'etc/hostname', recipe['hostname'] + '\n')
    write(root / 'etc/hosts', '127.0.0.1 localhost\n'
          '127.0.1.1 %s\n' % recipe['hostname'])
    write(root / 'etc/apt/sources.list', sources_list(recipe))
    # debootstrap copied the build host's resolver; the guest's DHCP
    # client writes its own.
    write(root / 'etc/resolv.conf', '')
    write(root / 'etc/cloud/cloud.cfg.d/90-heat-cvm.cfg', CLOUD_CFG % {
        'datasources': ', '.join(recipe['datasources']),
        'ssh_host_key_types': ', '.join(recipe['ssh_host_key_types'])})
    write(root / 'etc/network/interfaces',
          'auto lo\niface lo inet loopback\n\n'
          'source /etc/network/interfaces.d/*\n')
    # Each VM gets its own machine-id (and so its own DHCP client ID) at
    # first boot: systemd fills an empty file.
    write(root / 'etc/machine-id', '', 0o444)
    dbus_id = root / 'var/lib/dbus/machine-id'
    if dbus_id.exists() or dbus_id.is_symlink():
        dbus_id.unlink()
    wants = root / 'etc/systemd/system/multi-user.target.wants'
    wants.mkdir(parents=True, exist_ok=True)
    for unit in ('docker.service', 'containerd.service'):
        link = wants / unit
        if not link.is_symlink() and (root / 'lib/systemd/system' /
                                      unit).exists():
            link.symlink_to('/lib/systemd/system/%s' % unit)
    # Host keys are the guest's own, made at first boot by cloud-init.
    for key in (root / 'etc/ssh').glob('ssh_host_*'):
        key.unlink()
    shutil.rmtree(root / 'var/cache/apt/archives', ignore_errors=True)
    (root / 'var/cache/apt/archives/partial').mkdir(parents=True)
    for lists in (root / 'var/lib/apt/lists').glob('*_dists_*'):
        lists.unlink()


def version_key(path):
    """Sorts vmlinuz-6.1.0-10 after vmlinuz-6.1.0-9."""
    return [int(part) if part.isdigit() else part
            for part in re.split(r'(\d+)', path.name)]


def kernel_files(root):
    """The newest kernel and its initrd in the built root."""
    kernels = sorted((root / 'boot').glob('vmlinuz-*'), key=version_key)
    if not kernels:
        raise BuildError('no kernel in %s/boot' % root)
    version = kernels[-1].name[len('vmlinuz-'):]
    initrd = root / 'boot' / ('initrd.img-%s' % version)
    if not initrd.exists():
        raise BuildError('no initrd for kernel %s' % version)
    return kernels[-1], initrd


def build_boot_partition(out, log, vmlinuz, initrd, size_mb):
    """A FAT filesystem image with SYSLINUX, the kernel and the initrd.

    SYSLINUX's FAT installer works on an image file through mtools, so
    unlike extlinux or grub-install it needs no mounted filesystem.
    """
    image = out / 'boot.fat'
    image.unlink(missing_ok=True)
    # -h: the partition's offset, which SYSLINUX's boot sector reads.
    run(['mkfs.fat', '-n', BOOT_LABEL, '-h', str(BOOT_START), '-C', str(image),
         str(size_mb * 1024)], log)
    write(out / 'syslinux.cfg', SYSLINUX_CFG)
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    for source, name in ((vmlinuz, 'vmlinuz'), (initrd, 'initrd.img'),
                         (out / 'syslinux.cfg', 'syslinux.cfg')):
        run(['mcopy', '-i', str(image), str(source), '::/' + name], log,
            env=env)
    run(['syslinux', '--install', str(image)], log)
    (out / 'syslinux.cfg').unlink()
    return image


def dd_into(source, disk, offset, log):
    """Copy a filesystem image into the disk at a byte offset, sparsely."""
    run(['dd', 'if=%s' % source, 'of=%s' % disk, 'bs=1M', 'oflag=seek_bytes',
         'seek=%d' % offset, 'conv=notrunc,sparse', 'status=none'], log)


def build_disk(out, log, recipe, rootfs, vmlinuz, initrd):
    boot_offset, root_offset, size = disk_layout(recipe)
    boot = build_boot_partition(out, log, vmlinuz, initrd,
                                recipe['boot_size_mb'])
    disk = out / 'disk.raw'
    disk.unlink(missing_ok=True)
    with open(disk, 'wb') as f:
        f.truncate(size)
    run(['sfdisk', '--no-reread', '--no-tell-kernel', str(disk)], log,
        input=sfdisk_script(recipe['boot_size_mb'],
                            recipe['root_size_mb']).encode())
    # SYSLINUX's MBR boots the partition marked bootable.
    run(['dd', 'if=%s' % SYSLINUX_MBR, 'of=%s' % disk, 'bs=440', 'count=1',
         'conv=notrunc', 'status=none'], log)
    dd_into(boot, disk, boot_offset, log)
    dd_into(rootfs, disk, root_offset, log)
    boot.unlink()
    run(['qemu-img', 'convert', '-c', '-O', 'qcow2', str(disk),
         str(out / 'disk.qcow2')], log)


def megabytes(path):
    return round(os.path.getsize(path) / 1e6, 1)


def allocated_megabytes(path):
    return round(os.stat(path).st_blocks * 512 / 1e6, 1)


def directory_megabytes(path):
    result = subprocess.run(['du', '-sx', '--block-size=1', str(path)],
                            stdout=subprocess.PIPE, check=True, text=True)
    return round(int(result.stdout.split()[0]) / 1e6, 1)


def build(recipe, out, package_cache=None):
    """Build into ``out`` (a fresh directory); return the figures."""
    out.mkdir(parents=True)
    root = out / 'root'
    figures = {}
    with open(out / 'build.log', 'w') as log:
        started = time.monotonic()
        run(debootstrap_argv(recipe, root, package_cache), log)
        figures['debootstrap_seconds'] = round(time.monotonic() - started)
        if recipe['upgrade']:
            upgrade(root, recipe, log)
        configure(root, recipe)
        figures['root_mb'] = directory_megabytes(root)
        vmlinuz, initrd = kernel_files(root)
        shutil.copyfile(vmlinuz, out / 'vmlinuz')
        shutil.copyfile(initrd, out / 'initrd.img')
        run(mkfs_root_argv(root, out / 'rootfs.ext4',
                           recipe['root_size_mb']), log)
        if recipe['whole_disk']:
            build_disk(out, log, recipe, out / 'rootfs.ext4', vmlinuz,
                       initrd)
        shutil.rmtree(root)
        figures['build_seconds'] = round(time.monotonic() - started)
    for name in ('rootfs.ext4', 'disk.raw', 'disk.qcow2'):
        if (out / name).exists():
            figures[name] = {'size_mb': megabytes(out / name),
                             'allocated_mb': allocated_megabytes(out / name)}
    return figures


def cached_build(recipe, cache_dir=CACHE_DIR, rebuild=False):
    """The build directory for ``recipe``, building it when not cached."""
    cache = pathlib.Path(cache_dir)
    done = cache / recipe_key(recipe)
    if (done / 'build.json').exists() and not rebuild:
        return done
    partial = cache / ('%s.partial' % recipe_key(recipe))
    shutil.rmtree(partial, ignore_errors=True)
    package_cache = cache / 'debs'
    package_cache.mkdir(parents=True, exist_ok=True)
    figures = build(recipe, partial, package_cache)
    write(partial / 'build.json', json.dumps(
        {'key': recipe_key(recipe), 'builder': BUILDER_VERSION,
         'recipe': recipe, 'figures': figures}, indent=1, sort_keys=True))
    shutil.rmtree(done, ignore_errors=True)
    # A rename: a reader sees a whole build or none.
    partial.rename(done)
    return done


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='heat-cvm-build-host-image',
        description='Build the heat-cvm container-host image (Debian, '
                    'cloud-init, Docker) with debootstrap. Needs root, '
                    'debootstrap, e2fsprogs, fdisk, dosfstools, mtools, '
                    'syslinux and qemu-utils; no loop devices or mounts.')
    parser.add_argument('--mirror', help='Debian mirror (default %s)'
                        % RECIPE['mirror'])
    parser.add_argument('--suite', help='Debian suite (default %s)'
                        % RECIPE['suite'])
    parser.add_argument('--package', action='append', default=[],
                        dest='packages', metavar='NAME',
                        help='an extra package to install (repeatable)')
    parser.add_argument('--cache-dir', default=CACHE_DIR,
                        help='where builds are kept, one directory per '
                             'recipe hash (default %(default)s, or '
                             '$HEAT_CVM_IMAGE_CACHE)')
    parser.add_argument('--rebuild', action='store_true',
                        help='build even when the cache has this recipe')
    parser.add_argument('--no-whole-disk', action='store_true',
                        help='only rootfs.ext4, vmlinuz and initrd.img '
                             '(direct-kernel boot), no disk.raw/qcow2')
    parser.add_argument('--print-key', action='store_true',
                        help='print the recipe hash and exit')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    recipe = recipe_with(args.mirror, args.suite, args.packages,
                         not args.no_whole_disk)
    if args.print_key:
        print(recipe_key(recipe))
        return 0
    try:
        out = cached_build(recipe, args.cache_dir, args.rebuild)
    except BuildError as exc:
        print('heat-cvm-build-host-image: %s' % exc, file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())

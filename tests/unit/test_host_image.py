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

"""The container-host image builder's pure parts (heat_cvm.host_image).

The build itself (debootstrap, as root, minutes) runs in
``tox -e host-image``, never here.
"""

import json
import subprocess

import pytest

from heat_cvm import host_image


def test_recipe_key_is_stable_and_canonical():
    recipe = host_image.recipe_with()
    reordered = json.loads(json.dumps(recipe, sort_keys=True))
    assert host_image.recipe_key(recipe) == host_image.recipe_key(reordered)
    assert len(host_image.recipe_key(recipe)) == 64


@pytest.mark.parametrize('change', [
    {'mirror': 'http://mirror.example/debian'},
    {'suite': 'trixie'},
    {'extra_packages': ['htop']},
    {'whole_disk': False},
])
def test_recipe_key_changes_with_the_recipe(change):
    assert (host_image.recipe_key(host_image.recipe_with(**change))
            != host_image.recipe_key(host_image.recipe_with()))


def test_recipe_key_changes_with_the_builder(monkeypatch):
    recipe = host_image.recipe_with()
    before = host_image.recipe_key(recipe)
    monkeypatch.setattr(host_image, 'BUILDER_VERSION',
                        host_image.BUILDER_VERSION + 1)
    assert host_image.recipe_key(recipe) != before


def test_recipe_key_changes_with_the_guests_files(monkeypatch):
    recipe = host_image.recipe_with()
    before = host_image.recipe_key(recipe)
    monkeypatch.setattr(host_image, 'CLOUD_CFG',
                        host_image.CLOUD_CFG + 'manage_etc_hosts: false\n')
    assert host_image.recipe_key(recipe) != before


def test_recipe_with_leaves_the_default_alone():
    host_image.recipe_with(extra_packages=['htop'])
    assert 'htop' not in host_image.RECIPE['packages']


def test_extra_packages_are_merged_once_and_sorted():
    packages = host_image.recipe_with(
        extra_packages=['htop', 'curl'])['packages']
    assert packages == sorted(set(packages))
    assert packages.count('curl') == 1 and 'htop' in packages


@pytest.mark.parametrize('package', [
    'python3-cffi-backend', 'apparmor', 'docker.io', 'cloud-init',
    'systemd-sysv', 'linux-image-cloud-amd64', 'iptables', 'python3'])
def test_recipe_has_what_a_member_needs(package):
    assert package in host_image.RECIPE['packages']


def test_debootstrap_argv():
    recipe = host_image.recipe_with(mirror='http://m.example/debian')
    argv = host_image.debootstrap_argv(recipe, '/w/root', '/c/debs')
    assert argv[:4] == host_image.PRIVATE_MOUNTS
    assert argv[4:7] == ['debootstrap', '--variant=minbase',
                         '--components=main']
    include = [a for a in argv if a.startswith('--include=')][0]
    assert include[len('--include='):].split(',') == recipe['packages']
    assert '--cache-dir=/c/debs' in argv
    assert argv[-3:] == ['bookworm', '/w/root', 'http://m.example/debian']


def test_debootstrap_argv_without_a_package_cache():
    argv = host_image.debootstrap_argv(host_image.recipe_with(), '/r')
    assert not [a for a in argv if a.startswith('--cache-dir')]


def test_mkfs_fills_from_a_directory_without_a_loop_device():
    argv = host_image.mkfs_root_argv('/w/root', '/w/rootfs.ext4', 3072)
    assert argv[0] == 'mkfs.ext4'
    assert argv[argv.index('-d') + 1] == '/w/root'
    assert argv[argv.index('-L') + 1] == host_image.ROOT_LABEL
    assert argv[-2:] == ['/w/rootfs.ext4', '3072M']


def test_disk_layout_matches_the_partition_table():
    recipe = host_image.recipe_with()
    boot, root, size = host_image.disk_layout(recipe)
    script = host_image.sfdisk_script(recipe['boot_size_mb'],
                                      recipe['root_size_mb'])
    starts = [int(line.split('start=')[1].split(',')[0]) * 512
              for line in script.splitlines() if 'start=' in line]
    assert starts == [boot, root]
    assert boot == 1024 * 1024
    assert size == root + recipe['root_size_mb'] * 1024 * 1024
    assert 'bootable' in script.splitlines()[1]


def test_sfdisk_accepts_the_script(tmp_path):
    # sfdisk works on a plain file: no loop device, no root.
    recipe = host_image.recipe_with()
    disk = tmp_path / 'disk.raw'
    with open(disk, 'wb') as f:
        f.truncate(host_image.disk_layout(recipe)[2])
    try:
        subprocess.run(['sfdisk', '--no-reread', '--no-tell-kernel',
                        '-q', str(disk)], check=True,
                       input=host_image.sfdisk_script(
                           recipe['boot_size_mb'],
                           recipe['root_size_mb']).encode())
    except FileNotFoundError:
        pytest.skip('sfdisk is not installed')
    dump = json.loads(subprocess.run(['sfdisk', '--json', str(disk)],
                                     stdout=subprocess.PIPE,
                                     check=True).stdout)
    partitions = dump['partitiontable']['partitions']
    assert [p['start'] * 512 for p in partitions] == list(
        host_image.disk_layout(recipe)[:2])


def test_configure_writes_the_guest_settings(tmp_path):
    root = tmp_path / 'root'
    unit = root / 'lib/systemd/system/docker.service'
    unit.parent.mkdir(parents=True)
    unit.write_text('[Unit]\n')
    (root / 'var/lib/dbus').mkdir(parents=True)
    (root / 'var/lib/dbus/machine-id').write_text('0' * 32)
    (root / 'etc/machine-id').parent.mkdir(parents=True)
    (root / 'etc/machine-id').write_text('0' * 32)
    host_image.configure(root, host_image.recipe_with())
    assert (root / 'etc/machine-id').read_text() == ''
    assert (root / 'etc/resolv.conf').read_text() == ''
    assert not (root / 'var/lib/dbus/machine-id').exists()
    assert 'LABEL=cvm-root / ext4' in (root / 'etc/fstab').read_text()
    cfg = (root / 'etc/cloud/cloud.cfg.d/90-heat-cvm.cfg').read_text()
    assert 'NoCloud, ConfigDrive, OpenStack' in cfg
    wants = root / 'etc/systemd/system/multi-user.target.wants'
    assert (wants / 'docker.service').is_symlink()
    assert not (wants / 'containerd.service').exists()


def test_cli_prints_the_key(capsys):
    assert host_image.main(['--print-key', '--suite', 'trixie']) == 0
    assert capsys.readouterr().out.strip() == host_image.recipe_key(
        host_image.recipe_with(suite='trixie'))


def test_cli_uses_the_cache(tmp_path, capsys, monkeypatch):
    recipe = host_image.recipe_with()
    done = tmp_path / host_image.recipe_key(recipe)
    done.mkdir()
    (done / 'build.json').write_text('{}')
    monkeypatch.setattr(host_image, 'build', None)  # must not be called
    assert host_image.main(['--cache-dir', str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(done)


def test_sources_list_has_updates_and_security():
    text = host_image.sources_list(host_image.recipe_with(
        mirror='http://m.example/debian'))
    assert text.splitlines() == [
        'deb http://m.example/debian bookworm main',
        'deb http://m.example/debian bookworm-updates main',
        'deb http://deb.debian.org/debian-security bookworm-security main']


def test_chroot_mounts_proc_only_in_a_private_namespace():
    argv = host_image.chroot_argv('/w/root', host_image.PURGE_SCRIPT, 'a')
    assert argv[:4] == ['unshare', '--mount', '--propagation', 'private']
    assert argv[4:8] == ['chroot', '/w/root', '/bin/sh', '-c']
    assert argv[8].startswith('set -e\nmount -t proc proc /proc\n')
    assert argv[8].endswith(host_image.PURGE_SCRIPT)
    assert argv[9:] == ['sh', 'a']


def test_upgrade_is_a_dist_upgrade():
    assert 'dist-upgrade' in host_image.UPGRADE_SCRIPT


def test_old_kernels_are_all_but_the_newest(tmp_path):
    boot = tmp_path / 'boot'
    boot.mkdir()
    for version in ('6.1.0-56-cloud-amd64', '6.1.0-9-cloud-amd64',
                    '6.1.0-50-cloud-amd64'):
        (boot / ('vmlinuz-' + version)).write_text('')
    assert host_image.old_kernel_packages(tmp_path) == [
        'linux-image-6.1.0-9-cloud-amd64', 'linux-image-6.1.0-50-cloud-amd64']


def test_the_newest_kernel_is_the_one_booted(tmp_path):
    boot = tmp_path / 'boot'
    boot.mkdir()
    for version in ('6.1.0-9-cloud-amd64', '6.1.0-10-cloud-amd64'):
        (boot / ('vmlinuz-' + version)).write_text('')
        (boot / ('initrd.img-' + version)).write_text('')
    vmlinuz, initrd = host_image.kernel_files(tmp_path)
    assert vmlinuz.name == 'vmlinuz-6.1.0-10-cloud-amd64'
    assert initrd.name == 'initrd.img-6.1.0-10-cloud-amd64'


def test_a_root_without_a_kernel_is_an_error(tmp_path):
    (tmp_path / 'boot').mkdir()
    with pytest.raises(host_image.BuildError):
        host_image.kernel_files(tmp_path)

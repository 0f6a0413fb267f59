"""The minicloud's guests: plays each container host's boot.

The fake virt driver boots nothing, so this service does what a booting
container host would with the user data Nova holds: every few seconds it
lists the servers (admin, all projects), reads the user data of each new
ACTIVE one (compute microversion 2.3) and, when it is a heat-cvm member's,
boots it with Debian's real cloud-init in a throwaway root
(guest_sim.boot_with_cloud_init): its write_files and runcmd run, and the
real guest helper drives recording docker/systemctl stand-ins. The helper
signals the wait condition itself, over HTTP, at the URL and with the
token in the user data: Heat's real API decides CREATE_COMPLETE. Each
guest's record is in $STATE/guests/<server id>/ (result.json, and under
guest/upper/ every file the guest wrote, cloud-init's logs included).

A server with the metadata ``minicloud_guest: hung`` stands for a VM whose
boot never gets to the container (a kernel panic, a wrong image): the
runner leaves it alone, so its wait condition times out as it would.
"""

import argparse
import base64
import json
import pathlib
import sys
import time
import traceback

import cloud_setup
import guest_sim

from heat_cvm import cloudinit

POLL_SECONDS = 2
HUNG = ('minicloud_guest', 'hung')


def servers(conn):
    response = conn.compute.get('/servers/detail?all_tenants=1',
                                microversion='2.3')
    response.raise_for_status()
    return response.json()['servers']


def user_data(server):
    encoded = server.get('OS-EXT-SRV-ATTR:user_data')
    return base64.b64decode(encoded).decode('utf-8') if encoded else ''


def boot(state, server):
    guest_dir = state / 'guests' / server['id']
    guest_dir.mkdir(parents=True)
    text = user_data(server)
    if cloudinit.GUEST_HELPER not in text:
        (guest_dir / 'skipped').write_text('not a heat-cvm member\n')
        return
    if server.get('metadata', {}).get(HUNG[0]) == HUNG[1]:
        (guest_dir / 'skipped').write_text('hung at boot (metadata)\n')
        return
    run = guest_sim.boot_with_cloud_init(text, str(guest_dir))
    outcome = run.cloud_init
    (guest_dir / 'result.json').write_text(json.dumps({
        'server': server['id'], 'name': server['name'],
        'booted_at': time.time(),
        'cloud_init': {key: outcome[key] for key in (
            'ok', 'stages', 'seconds', 'warnings', 'runcmd_returncode')},
        'returncodes': run.returncodes, 'calls': run.calls}, indent=1))
    print('booted %s (%s): %s' % (server['name'], server['id'],
                                  run.returncodes), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--state', type=pathlib.Path, required=True)
    args = parser.parse_args()
    conn = cloud_setup.connect(args.state)
    while True:
        try:
            for server in servers(conn):
                seen = args.state / 'guests' / server['id']
                if server['status'] == 'ACTIVE' and not seen.exists():
                    boot(args.state, server)
        except Exception:
            traceback.print_exc(file=sys.stdout)
        time.sleep(POLL_SECONDS)


if __name__ == '__main__':
    main()

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

"""The registry's bearer tokens (pure; Fernet from ``cryptography``).

The token service authenticates a caller with Keystone and hands back a
short-lived token scoped to ``repository:<name>:<actions>``. The registry
acts for the caller at Glance with the caller's own Keystone token, so the
token carries it, encrypted and authenticated (Fernet): the client holds it
but cannot read or change it, and a token is worth no more than the
Keystone token inside it (it never outlives it).
"""

import dataclasses
import json
import time
from typing import Optional

from cryptography import fernet

from heat_cvm.registry import oci

ACTIONS = ('pull', 'push')


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who a token speaks for."""
    user_id: str
    project_id: str
    keystone_token: Optional[str]
    expires_at: float   # epoch seconds: the Keystone token's own end


@dataclasses.dataclass(frozen=True)
class Claims:
    identity: Identity
    access: dict   # repository -> frozenset of actions

    def allows(self, repository, action):
        return action in self.access.get(repository, ())


def parse_scopes(scopes):
    """{repository: {actions}} of ``repository:<name>:<a>,<b>`` scopes.

    Other resource types and unknown actions are ignored: the token spec
    lets a server grant less than asked.
    """
    access = {}
    for scope in scopes:
        kind, _sep, rest = scope.partition(':')
        name, _sep, actions = rest.rpartition(':')
        if kind != 'repository' or not name:
            continue
        wanted = {a for a in actions.split(',') if a in ACTIONS}
        if '*' in actions.split(','):
            wanted = set(ACTIONS)
        access.setdefault(name, set()).update(wanted)
    return access


class TokenService:

    def __init__(self, key, lifetime):
        self.fernet = fernet.Fernet(key)
        self.lifetime = lifetime

    def issue(self, identity, access, now=None):
        """(token, seconds it lasts)."""
        now = time.time() if now is None else now
        expires = min(now + self.lifetime, identity.expires_at)
        payload = {'u': identity.user_id, 'p': identity.project_id,
                   'k': identity.keystone_token, 'x': identity.expires_at,
                   'e': expires,
                   'a': {name: sorted(actions)
                         for name, actions in access.items()}}
        token = self.fernet.encrypt_at_time(
            json.dumps(payload).encode(), int(now)).decode()
        return token, max(int(expires - now), 0)

    def verify(self, token, now=None):
        """The token's Claims, or UNAUTHORIZED."""
        now = time.time() if now is None else now
        try:
            payload = json.loads(self.fernet.decrypt_at_time(
                token.encode(), self.lifetime + 60, int(now)))
        except (fernet.InvalidToken, ValueError, UnicodeError):
            raise oci.RegistryError('UNAUTHORIZED', 'the token is not valid')
        if payload['e'] <= now:
            raise oci.RegistryError('UNAUTHORIZED', 'the token has expired')
        return Claims(
            Identity(payload['u'], payload['p'], payload['k'], payload['x']),
            {name: frozenset(actions)
             for name, actions in payload['a'].items()})

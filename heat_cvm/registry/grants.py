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

"""Pull grants: what a guest holds instead of a Keystone credential.

heat-engine (OS::CVM::MemberServer, when it creates a member's server)
signs a grant with a private Ed25519 key only it holds: pull of one Glance
image, for one project, until the member's ready_timeout has passed. The
guest gives it to ``docker login`` as the password of the user
``GRANT_USER``; heat-cvm-registry verifies it with the public half and
reads that one image with its own service credentials. A JSON Web Token
(PyJWT, EdDSA), so its claims are standard: ``aud``, ``exp``, ``iat``,
``sub`` (the project) and ``image``.
"""

import dataclasses
import functools
import pathlib
import time

import jwt

from heat_cvm import registry
from heat_cvm.registry import oci

GRANT_USER = registry.GRANT_USER
AUDIENCE = 'heat-cvm-registry'
ALGORITHM = 'EdDSA'
ACTION = 'pull'
# Beyond ready_timeout: the guest logs in after cloud-init starts, which a
# slow boot delays; the pull itself is covered by the registry token.
MARGIN_SECONDS = 600


@dataclasses.dataclass(frozen=True)
class Grant:
    project_id: str
    image_id: str
    expires_at: float


@functools.lru_cache(maxsize=4)
def load_key(path):
    """A PEM key file's bytes, read once per path."""
    return pathlib.Path(path).read_bytes()


def mint(private_key, project_id, image_id, ready_timeout, now=None):
    now = int(time.time() if now is None else now)
    return jwt.encode({'aud': AUDIENCE, 'sub': project_id, 'image': image_id,
                       'act': ACTION, 'iat': now,
                       'exp': now + ready_timeout + MARGIN_SECONDS},
                      private_key, algorithm=ALGORITHM)


def verify(public_key, token):
    """The Grant, or UNAUTHORIZED saying why not."""
    try:
        claims = jwt.decode(
            token, public_key, algorithms=[ALGORITHM], audience=AUDIENCE,
            options={'require': ['exp', 'sub', 'image']})
    except jwt.ExpiredSignatureError:
        raise oci.RegistryError('UNAUTHORIZED', 'the pull grant has expired')
    except jwt.InvalidTokenError as error:
        raise oci.RegistryError('UNAUTHORIZED', 'the pull grant is not '
                                'valid: %s' % error)
    if claims.get('act') != ACTION:
        raise oci.RegistryError('UNAUTHORIZED', 'the pull grant is not for '
                                'pulls')
    return Grant(claims['sub'], claims['image'], claims['exp'])

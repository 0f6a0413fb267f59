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

"""Checking a caller's Basic credentials with Keystone (keystoneauth1).

The user name says which kind they are: ``[<domain>/]<project>/<user>``
with the user's password (the domain, "Default" when not given, is both
the user's and the project's), or an application credential's ID with its
secret (what ``openstack application credential create`` prints; the
credential is bound to its project).
"""

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3

from heat_cvm.registry import oci
from heat_cvm.registry import tokens

DEFAULT_DOMAIN = 'Default'


def auth_plugin(auth_url, username, password):
    parts = username.split('/')
    if len(parts) == 1:
        return v3.ApplicationCredential(
            auth_url=auth_url, application_credential_id=username,
            application_credential_secret=password)
    if len(parts) == 2:
        parts.insert(0, DEFAULT_DOMAIN)
    if len(parts) != 3 or not all(parts):
        raise oci.RegistryError(
            'UNAUTHORIZED', 'user name %r is neither an application '
            'credential ID nor [<domain>/]<project>/<user>' % username)
    domain, project, user = parts
    return v3.Password(auth_url=auth_url, username=user, password=password,
                       user_domain_name=domain, project_name=project,
                       project_domain_name=domain)


def authenticate(session, auth_url, username, password):
    """The caller's Identity; UNAUTHORIZED when Keystone says no."""
    plugin = auth_plugin(auth_url, username, password)
    try:
        access = plugin.get_access(session)
    except ks_exceptions.Unauthorized:
        raise oci.RegistryError(
            'UNAUTHORIZED', 'Keystone refused the credentials of %s'
            % username)
    except ks_exceptions.ClientException as error:
        raise oci.RegistryError('UNAVAILABLE', 'Keystone could not be '
                                'asked: %s' % type(error).__name__)
    if not access.project_id:
        raise oci.RegistryError('UNAUTHORIZED', '%s has no project scope'
                                % username)
    return tokens.Identity(access.user_id, access.project_id,
                           access.auth_token, access.expires.timestamp())

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

"""Glance's image API as the registry uses it (keystoneauth1 session).

Every call carries the caller's own Keystone token, so Glance's
visibility, sharing, quotas and policy decide what a caller sees and
makes. Glance's refusals become the registry's errors, with Glance's
reason.
"""

import functools

from keystoneauth1 import exceptions as ks_exceptions

from heat_cvm.registry import names
from heat_cvm.registry import oci

# Glance's page size for listings.
PAGE = 200


class Glance:

    def __init__(self, session, find_endpoint):
        self.session = session
        self._find_endpoint = find_endpoint

    @functools.cached_property
    def endpoint(self):
        """Glance's URL, asked of the catalog once.

        When first needed: Keystone may start after the registry.
        """
        return self._find_endpoint().rstrip('/')

    def _call(self, token, method, path, **kwargs):
        headers = dict(kwargs.pop('headers', {}), **{'X-Auth-Token': token})
        try:
            return self.session.request(
                self.endpoint + path, method, headers=headers,
                authenticated=False, raise_exc=True, **kwargs)
        except ks_exceptions.NotFound:
            return None
        except ks_exceptions.Unauthorized:
            raise oci.RegistryError('UNAUTHORIZED', 'Glance refused the '
                                    'token; log in again')
        except ks_exceptions.HttpError as error:
            raise oci.RegistryError(
                'DENIED', 'Glance refused %s %s: %s %s' % (
                    method, path.split('?')[0], error.http_status,
                    _reason(error)), status=error.http_status
                if error.http_status in (403, 409, 413) else 502)
        except ks_exceptions.ConnectionError:
            raise oci.RegistryError('UNAVAILABLE', 'Glance is unreachable')

    def images(self, token, **filters):
        """Every image matching ``filters`` visible to the token."""
        path = '/v2/images'
        params = dict(filters, limit=PAGE)
        while path:
            page = self._call(token, 'GET', path, params=params).json()
            yield from page['images']
            path, params = page.get('next'), None

    def named(self, token, name):
        """The images named exactly ``name``.

        Glance reads "a:b" in a filter as operator "a": the "in" operator,
        quoted, takes it whole.
        """
        return list(self.images(token, name='in:"%s"' % name))

    def image(self, token, image_id):
        response = self._call(token, 'GET', '/v2/images/%s' % image_id)
        return response.json() if response is not None else None

    def member(self, token, image_id, project_id):
        """A project's membership status of a shared image, or None."""
        response = self._call(token, 'GET', '/v2/images/%s/members/%s'
                              % (image_id, project_id))
        return response.json().get('status') if response is not None \
            else None

    def data(self, token, image_id):
        """A file-like of the image's data."""
        response = self._call(token, 'GET', '/v2/images/%s/file' % image_id,
                              stream=True)
        if response is None:
            raise oci.RegistryError('MANIFEST_UNKNOWN', 'Glance image %s has '
                                    'no data' % image_id)
        response.raw.decode_content = True
        return response.raw

    def create(self, token, name, properties):
        return self._call(token, 'POST', '/v2/images', json=dict(
            properties, name=name, container_format=names.CONTAINER_FORMAT,
            disk_format=names.DISK_FORMAT)).json()

    def upload(self, token, image_id, data):
        self._call(token, 'PUT', '/v2/images/%s/file' % image_id, data=data,
                   headers={'Content-Type': 'application/octet-stream'})

    def rename(self, token, image_id, name):
        self._call(token, 'PATCH', '/v2/images/%s' % image_id,
                   json=[{'op': 'replace', 'path': '/name', 'value': name}],
                   headers={'Content-Type':
                            'application/openstack-images-v2.1-json-patch'})

    def delete(self, token, image_id):
        self._call(token, 'DELETE', '/v2/images/%s' % image_id)


def _reason(error):
    text = (error.response.text if error.response is not None else '') or ''
    # Glance's HTML error pages: the first line of text is the reason.
    return ' '.join(text.replace('<br />', ' ').split())[:300] or \
        error.message

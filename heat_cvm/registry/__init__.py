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

"""heat-cvm-registry: the OCI distribution API over Glance.

Docker-format Glance images (``container_format: docker``, their data a
``docker save`` archive) served to the docker CLI, podman, skopeo and the
guests, and images pushed by them written to Glance, with Keystone as the
authority. The pure logic (``oci``, ``names``, ``archive``, ``tokens``)
imports no service; ``blobs`` is the local cache; ``glance`` and
``keystone`` are the adapters; ``app`` is the WSGI transport.
"""

# The user name a guest logs in with, its pull grant as the password
# (heat_cvm.registry.grants). Here, with no import: the guest's renderer
# (heat_cvm.cloudinit) names it without needing the JWT library.
GRANT_USER = 'heat-cvm-grant'

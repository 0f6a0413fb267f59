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

"""Each bad input fails at validate() with a message naming it.

The table is what ``openstack stack create`` prints after
"Property error: resources.<name>.properties.": the property path, the
value (never a secret's) and what is wrong.
"""

import ddt
from heat.common import exception
from heat.tests import utils
from oslo_config import cfg

from tests.heat import base
from tests.heat import cloud

SECRET = 'hunter2'

GOOD = {'image': 'memcached:1.6', 'networks': ['private'],
        'flavor': 'm1.small', 'host_image': 'cvm-host'}

BAD_INPUTS = [
    ('img-space', {'image': 'memcached 1.6'},
     'image: "memcached 1.6" is not a valid Docker image reference: it contains white space'),
    ('img-upper', {'image': 'Memcached'},
     'image: "Memcached" is not a valid Docker image reference: the repository name must be lowercase'),
    ('img-digest', {'image': 'memcached@sha256:abc'},
     'image: "memcached@sha256:abc" is not a valid Docker image reference: the digest must be sha256:<64 hex digits>'),
    ('both', {'glance_image': 'app-docker'},
     'image: give either image or glance_image, not both (image "memcached:1.6", glance_image "app-docker")'),
    ('neither', {'image': None},
     'image: one of image or glance_image is required'),
    ('glance-bare', {'image': None, 'glance_image': 'cirros'},
     'glance_image: Glance image "cirros" has container_format "bare", not "docker": it does not hold a Docker image'),
    ('glance-missing', {'image': None, 'glance_image': 'nope'},
     "glance_image: Error validating value 'nope': No image matching {'name': 'nope'}."),
    ('flavor', {'flavor': 'm1.huge'},
     "flavor: Error validating value 'm1.huge': Flavor m1.huge could not be found. (HTTP 404)"),
    ('network', {'networks': ['nowhere']},
     "networks[0]: Error validating value 'nowhere': The Network (nowhere) could not be found."),
    ('key', {'key_name': 'nokey'},
     "key_name: Error validating value 'nokey': The Key (nokey) could not be found."),
    ('hostimg', {'host_image': 'no-such-image'},
     "host_image: Error validating value 'no-such-image': No image matching {'name': 'no-such-image'}."),
    ('port0', {'ports': [{'port': 0}]},
     'ports[0].port: 0 is out of range (min: 1, max: 65535)'),
    ('port70000', {'ports': [{'port': 70000}]},
     'ports[0].port: 70000 is out of range (min: 1, max: 65535)'),
    ('proto', {'ports': [{'port': 80, 'protocol': 'sctp'}]},
     'ports[0].protocol: "sctp" is not an allowed value ["tcp", "udp"]'),
    ('dup', {'ports': [{'port': 80}, {'port': 8080, 'host_port': 80}]},
     'ports[1].host_port: host port 80/tcp is already published by ports[0]'),
    ('minmax', {'scaling': {'min_size': 3, 'max_size': 2}},
     'scaling.min_size: min_size 3 is greater than max_size 2'),
    ('desired', {'scaling': {'min_size': 1, 'max_size': 2, 'desired_capacity': 5}},
     'scaling.desired_capacity: desired_capacity 5 is outside min_size..max_size (1..2)'),
    ('vol-neither', {'volumes': [{'mount_path': '/data'}]},
     'volumes[0]: give exactly one of size or volume_id (got neither)'),
    ('vol-rel', {'volumes': [{'size': 1, 'mount_path': 'data'}]},
     'volumes[0].mount_path: "data" is not an absolute path'),
    ('envname', {'environment': {'1BAD': 'x'}},
     'environment.1BAD: "1BAD" is not a valid environment variable name (letters, digits and "_", not starting with a digit)'),
    ('envdash', {'environment': {'BAD-NAME': 'x'}},
     'environment.BAD-NAME: "BAD-NAME" is not a valid environment variable name (letters, digits and "_", not starting with a digit)'),
    ('secretdup', {'environment': {'PW': 'x'}, 'secret_environment': {'PW': SECRET}},
     'secret_environment.PW: variable "PW" is in both environment and secret_environment'),
    ('secretshape', {'secret_environment': [SECRET]},
     'secret_environment: must be a map of names to strings (the value given is not shown)'),
    ('secretval', {'secret_environment': {'PW': [SECRET]}},
     'secret_environment: the value of PW must be a string (the value given is not shown)'),
    ('pwshape', {'registry_credentials': {'username': 'u', 'password': [SECRET]}},
     'registry_credentials: the value of password must be a string (the value given is not shown)'),
    ('restart', {'restart_policy': 'sometimes'},
     'restart_policy: "sometimes" is not an allowed value ["no", "on-failure", "always"]'),
    ('mem', {'memory_limit_mb': 1},
     'memory_limit_mb: 1 is out of range (min: 6, max: None)'),
    ('cpu', {'cpu_limit': 0},
     'cpu_limit: 0 is out of range (min: 0.01, max: None)'),
    ('name', {'name': 'bad name'},
     'name: "bad name" does not match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$"'),
    ('hc', {'health_check': {'interval': 5}},
     'health_check: Property command not assigned'),
    ('cidr', {'allowed_cidr': '10.0.0.0/33'},
     "allowed_cidr: Error validating value '10.0.0.0/33': Invalid net cidr invalid IPNetwork 10.0.0.0/33 "),
    ('volid', {'volumes': [{'volume_id': 'vol-data', 'mount_path': '/d'}], 'scaling': {'max_size': 2}},
     'volumes[0].volume_id: volume "vol-data" can attach to one server only, but scaling.max_size is 2; use size to give each member its own volume'),
    ('volmissing', {'volumes': [{'volume_id': 'vol-nope', 'mount_path': '/d'}]},
     "volumes[0].volume_id: Error validating value 'vol-nope': The Volume (vol-nope) could not be found."),
    ('auto', {'scaling': {'min_size': 1, 'max_size': 3, 'autoscale': {'scale_up_above': 10, 'scale_down_below': 50}}},
     'scaling.autoscale.scale_down_below: scale_down_below 50 must be less than scale_up_above 10'),
    ('target+limit', {'scaling': {'min_size': 1, 'max_size': 3, 'autoscale': {'target_cpu_percent': 60, 'scale_up_above': 70}}},
     'scaling.autoscale.scale_up_above: give either target_cpu_percent (60) or scale_up_above (70), not both'),
    ('band', {'scaling': {'min_size': 1, 'max_size': 3, 'autoscale': {'target_cpu_percent': 90, 'band': 20}}},
     'scaling.autoscale.band: band 20 around target_cpu_percent 90 leaves 0..100 %: 70..110'),
    ('target-meter', {'scaling': {'min_size': 1, 'max_size': 3, 'autoscale': {'target_cpu_percent': 50, 'meter': 'memory.usage'}}},
     'scaling.autoscale.target_cpu_percent: target_cpu_percent needs the meter "cpu", not "memory.usage"'),
    ('target-range', {'scaling': {'min_size': 1, 'max_size': 3, 'autoscale': {'target_cpu_percent': 120}}},
     'scaling.autoscale.target_cpu_percent: 120 is out of range (min: 1, max: 99)'),
    ('user', {'user': 'root; id'},
     'user: "root; id" does not match pattern "^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$"'),
    ('wd', {'working_dir': 'app'},
     'working_dir: "app" is not an absolute path'),
    ('timeout', {'ready_timeout': 0},
     'ready_timeout: 0 is out of range (min: 1, max: None)'),
    ('envnl', {'environment': {'A': 'x\ny'}},
     'environment.A: the value "x\\ny" contains a line break or NUL, which an environment file cannot hold'),
    ('credsstr', {'registry_credentials': SECRET},
     'registry_credentials: must be a map of username and password (the value given is not shown)'),
    ('credslist', {'registry_credentials': [SECRET]},
     'registry_credentials: must be a map of username and password (the value given is not shown)'),
    ('credsnum', {'registry_credentials': 4242},
     'registry_credentials: must be a map of username and password (the value given is not shown)'),
    ('user-colon', {'registry_credentials': {'username': 'a:b', 'password': SECRET}},
     'registry_credentials.username: "a:b" contains ":", which a registry login (HTTP Basic authentication) cannot carry in a user name'),
    ('user-nl', {'registry_credentials': {'username': 'a\nb', 'password': SECRET}},
     'registry_credentials.username: "a\\nb" contains a line break, which a registry login cannot carry'),
    ('wd-nl', {'working_dir': '/app\nExecStart=/bin/evil'},
     'working_dir: "/app\\nExecStart=/bin/evil" contains a line break, which a systemd unit cannot carry'),
    ('nul-env', {'environment': {'A': 'x\0y'}},
     'environment.A: the value "x\\u0000y" contains a NUL character, which no process can be given'),
    ('nul-meta', {'metadata': {'role': 'x\0'}},
     'metadata.role: the value "x\\u0000" contains a NUL character, which no process can be given'),
    ('surrogate', {'command': ['echo', '\ud800']},
     'command[1]: the value "\\ud800" is not valid Unicode text (a lone surrogate), which docker cannot be given'),
    ('secret-nul', {'secret_environment': {'A': 'hunter2\0'}},
     'secret_environment.A: the value contains a NUL character, which no process can be given (the value is not shown)'),
    ('meta-key', {'metadata': {'a/b': 'x'}},
     'metadata.a/b: Nova refuses the metadata key "a/b": 1 to 255 letters, digits, spaces and "-_:."'),
    ('meta-value', {'metadata': {'role': 'x' * 256}},
     'metadata.role: Nova refuses a metadata value of 256 characters (at most 255)'),
    ('meta-ours', {'metadata': {'heat-cvm.container': 'x'}},
     'metadata.heat-cvm.container: the key is heat-cvm\'s own: each member\'s metadata names its container and group with it'),
    ('meta-count', {'metadata': {'k%d' % i: 'v' for i in range(127)}},
     'metadata: 127 keys and heat-cvm\'s 2 are more than the 128 this cloud allows a server (Nova\'s maxServerMeta)'),
    ('nets-nova', {'networks': [{'network': 'private'}]},
     'networks[0]: {"network": "private"} is OS::Nova::Server\'s form; OS::CVM::Container takes the network\'s name or ID: networks: ["private"]'),
    ('img-id', {'image': 'a' * 64},
     'image: "%s" is not a valid Docker image reference: it is 64 hexadecimal digits, which docker reads as an image ID, not a name' % ('a' * 64)),
    ('secretnl', {'secret_environment': {'A': 'hunter2\nx'}},
     'secret_environment.A: the value contains a line break or NUL, which an environment file cannot hold (the value is not shown)'),
]


def container_stack(properties):
    properties = {k: v for k, v in properties.items() if v is not None}
    return utils.parse_stack({
        'heat_template_version': '2021-04-16',
        'resources': {'app': {'type': 'OS::CVM::Container',
                              'properties': properties}}})


@ddt.ddt
class BadInputTest(base.HeatTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = cloud.FakeCloud().install(self)

    def test_table_has_thirty_distinct_inputs(self):
        self.assertGreaterEqual(len({name for name, _o, _m in BAD_INPUTS}),
                                30)

    @ddt.data(*BAD_INPUTS)
    @ddt.unpack
    def test_bad_input_fails_validation(self, name, overrides, message):
        stack = container_stack(dict(GOOD, **overrides))
        error = self.assertRaises(exception.StackValidationFailed,
                                  stack.validate)
        self.assertEqual('Property error: resources.app.properties.' +
                         message, str(error))
        self.assertNotIn(SECRET, str(error))
        self.assertEqual(self.cloud.counts(), cloud.FakeCloud().counts())

    def test_good_input_validates(self):
        container_stack(GOOD).validate()

    def test_glance_image_needs_a_registry(self):
        stack = container_stack(dict(GOOD, image=None,
                                     glance_image='app-docker'))
        error = self.assertRaises(exception.StackValidationFailed,
                                  stack.validate)
        self.assertEqual(
            'Property error: resources.app.properties.glance_image: '
            'glance_image "app-docker" needs the registry that serves Glance '
            'images: set [cvm] registry in heat.conf', str(error))
        cfg.CONF.set_override('registry', '127.0.0.1:5000', group='cvm')
        container_stack(dict(GOOD, image=None,
                             glance_image='app-docker')).validate()

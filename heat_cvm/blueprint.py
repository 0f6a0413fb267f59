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

"""ContainerSpec + scaling -> the nested stack's HOT templates (pure).

The nested stack of an OS::CVM::Container holds a security group, an
autoscaling group of members (OS::CVM::MemberGroup, an
OS::Heat::AutoScalingGroup that can roll back a failed rolling update),
scaling policies and, with autoscaling, Aodh alarms. A member is itself a
small template (a files-map entry, like any template resource): ports,
volumes, the server (OS::CVM::MemberServer) and its wait condition.

Secrets never appear in these templates nor in any resource's properties
(Heat shows those in events): OS::CVM::Container keeps them in its own
resource data, encrypted and never shown, and each member's server
(OS::CVM::MemberServer) fetches them from there when it fills the user data.
The member template only carries a keyed digest of them, so that changing a
secret changes the member definition and rolls the members.
"""

import hashlib

from heat_cvm import alarms
from heat_cvm import cloudinit
from heat_cvm import spec as spec_mod

HOT_VERSION = '2021-04-16'
MEMBER_TEMPLATE = 'heat-cvm-member.yaml'
MEMBER_GROUP_TYPE = 'OS::CVM::MemberGroup'
MEMBER_SERVER_TYPE = 'OS::CVM::MemberServer'

SERVER_GROUP_METADATA = spec_mod.SERVER_GROUP_METADATA

# Outputs of the nested stack, which are the resource's attributes.
OUTPUTS = ('servers', 'addresses', 'member_endpoints', 'scale_up_url',
           'scale_down_url', 'current_size')

# Stands for the nested stack's ID (the members' server_group) in a
# Prometheus query, replaced by Heat.
_STACK_ID = 'STACK_ID'


def security_group(spec):
    rules = [{'direction': 'ingress', 'protocol': port.protocol,
              'port_range_min': port.host_port,
              'port_range_max': port.host_port,
              'remote_ip_prefix': spec.allowed_cidr}
             for port in spec.ports]
    return {'type': 'OS::Neutron::SecurityGroup',
            'properties': {
                'description': 'Published ports of container %s'
                               % spec.name,
                'rules': rules}}


def _policy(adjustment, cooldown):
    return {'type': 'OS::Heat::ScalingPolicy',
            'properties': {'adjustment_type': 'change_in_capacity',
                           'auto_scaling_group_id': {'get_resource': 'group'},
                           'scaling_adjustment': adjustment,
                           'cooldown': cooldown}}


def _with_stack_id(text):
    return {'str_replace': {
        'template': text,
        'params': {_STACK_ID: {'get_param': 'OS::stack_id'}}}}


def _alarm(spec, alarm, vcpus):
    """An Aodh alarm resource for an alarms.Alarm."""
    autoscale = spec.scaling.autoscale
    unit = (' %% of %d vCPU%s' % (vcpus, 's' if vcpus > 1 else '')
            if autoscale.meter == alarms.CPU else '')
    properties = {
        'description': 'Scale %s %s when %s is %s %g%s' % (
            alarm.direction, spec.name, autoscale.meter,
            'above' if alarm.direction == 'up' else 'below',
            alarm.percent, unit),
        'threshold': alarm.threshold,
        'comparison_operator': alarm.comparison_operator,
        'alarm_actions': [{'get_attr': ['scale_%s' % alarm.direction,
                                        'alarm_url']}],
    }
    if alarm.query is not None:
        properties['query'] = _with_stack_id(alarm.query)
        return {'type': 'OS::Aodh::PrometheusAlarm',
                'properties': properties}
    properties.update({
        'metric': alarm.metric,
        'aggregation_method': alarm.aggregation_method,
        'granularity': alarm.granularity,
        'evaluation_periods': alarm.evaluation_periods,
        'resource_type': 'instance',
        # Members that have left the group keep their resource in Gnocchi,
        # ended (ceilometer sets ended_at when the instance is deleted);
        # Aodh's API asks for ended resources to be filtered out.
        'query': _with_stack_id(
            '{"and": [{"=": {"server_group": "%s"}}, '
            '{"=": {"ended_at": null}}]}' % _STACK_ID),
    })
    return {'type': 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
            'properties': properties}


def _alarms(spec, telemetry, vcpus):
    autoscale = spec.scaling.autoscale
    compiled = alarms.compile_alarms(
        autoscale.limits, autoscale.meter, vcpus, telemetry.granularity,
        autoscale.evaluation_periods, telemetry.backend, _STACK_ID,
        telemetry.cpu_metric)
    return {'scale_%s_alarm' % alarm.direction: _alarm(spec, alarm, vcpus)
            for alarm in compiled}


def _group(spec, member_type):
    scaling, rolling = spec.scaling, spec.rolling_updates
    return {
        'type': MEMBER_GROUP_TYPE,
        'properties': {
            'min_size': scaling.min_size,
            'max_size': scaling.max_size,
            'desired_capacity': scaling.desired_capacity,
            'cooldown': scaling.cooldown,
            'rolling_updates': {
                'min_in_service': rolling.min_in_service,
                'max_batch_size': rolling.max_batch_size,
                'pause_time': rolling.pause_time},
            'resource': {
                'type': member_type,
                'properties': {
                    'security_group': {'get_resource': 'security_group'},
                    'server_group': {'get_param': 'OS::stack_id'},
                }}}}


def child_template(spec, member_type=MEMBER_TEMPLATE,
                   telemetry=alarms.Telemetry(), vcpus=1):
    """The nested stack's template, as a dict.

    :param member_type: the files-map name the member template is under.
    :param telemetry: the cloud's telemetry, for the alarms.
    :param vcpus: the member flavor's vCPUs, for CPU alarms.
    """
    resources = {
        'security_group': security_group(spec),
        'group': _group(spec, member_type),
        'scale_up': _policy(1, spec.scaling.cooldown),
        'scale_down': _policy(-1, spec.scaling.cooldown),
    }
    if spec.scaling.autoscale:
        resources.update(_alarms(spec, telemetry, vcpus))
    return {
        'heat_template_version': HOT_VERSION,
        'description': 'OS::CVM::Container %s: one container per server'
                       % spec.name,
        'resources': resources,
        'outputs': {
            'servers': _output('Server IDs', _member_outputs('server_id')),
            'addresses': _output('First fixed IP of each member',
                                 _member_outputs('address')),
            # One list per member; the resource flattens it (list_concat
            # cannot take the group's attribute before the group exists).
            'member_endpoints': _output('ip:port of each published port, '
                                        'per member',
                                        _member_outputs('endpoints')),
            'scale_up_url': _output('POST to add a member', {
                'get_attr': ['scale_up', 'alarm_url']}),
            'scale_down_url': _output('POST to remove a member', {
                'get_attr': ['scale_down', 'alarm_url']}),
            'current_size': _output('Members now', {
                'get_attr': ['group', 'current_size']}),
        },
    }


def _member_outputs(name):
    return {'get_attr': ['group', 'outputs_list', name]}


def _output(description, value):
    return {'description': description, 'value': value}


def _port(network):
    return {'type': 'OS::Neutron::Port',
            'properties': {'network': network,
                           'security_groups': [
                               {'get_param': 'security_group'}]}}


def _volume_resources(spec):
    resources = {}
    for volume in spec.volumes:
        attachment = {'instance_uuid': {'get_resource': 'server'}}
        if volume.size is not None:
            resources['volume_%d' % volume.index] = {
                'type': 'OS::Cinder::Volume',
                'properties': {'size': volume.size}}
            attachment['volume_id'] = {
                'get_resource': 'volume_%d' % volume.index}
        else:
            attachment['volume_id'] = volume.volume_id
        resources['attachment_%d' % volume.index] = {
            'type': 'OS::Cinder::VolumeAttachment',
            'properties': attachment}
    return resources


def wait_names(user_data, secrets_digest=''):
    """The names of a member's wait condition handle and wait condition.

    Named after what the guest runs. An update of the member (a new image,
    say) updates its nested stack in place, where the new user data
    replaces the server; under a new name the wait condition is replaced
    with it, and Heat waits for the new guest's own signal: the update
    (and each batch of a rolling update) completes only once the new
    containers run, and fails if they do not. An update that leaves the
    guest as it was (the group resized) leaves them as they were.
    """
    digest = hashlib.sha256(
        (user_data + '\0' + secrets_digest).encode()).hexdigest()[:8]
    return 'handle_' + digest, 'ready_' + digest


def _user_data_values(spec, handle):
    values = {}
    if spec.wait_for_ready:
        values[cloudinit.SIGNAL_URL] = {'get_attr': [handle, 'endpoint']}
        values[cloudinit.SIGNAL_TOKEN] = {'get_attr': [handle, 'token']}
    for volume in spec.volumes:
        if volume.size is not None:
            values[cloudinit.volume_placeholder(volume.index)] = {
                'get_resource': 'volume_%d' % volume.index}
    return values


def _server(spec, user_data, handle, secrets_digest):
    server = spec.server
    properties = {
        'flavor': server.flavor,
        'image': server.host_image,
        'networks': [{'port': {'get_resource': 'port_%d' % index}}
                     for index in range(len(server.networks))],
        'metadata': {'map_merge': [
            server.metadata,
            {SERVER_GROUP_METADATA: {'get_param': 'server_group'},
             spec_mod.CONTAINER_METADATA: spec.name}]},
        'user_data_format': 'RAW',
        # Placeholders and all: the server fills them in for Nova alone.
        'user_data': user_data,
        'user_data_values': _user_data_values(spec, handle),
        'secret_placeholders': cloudinit.secret_placeholders(spec),
        'secrets_digest': secrets_digest,
    }
    for name, value in (('key_name', server.key_name),
                        ('availability_zone', server.availability_zone)):
        if value:
            properties[name] = value
    return {'type': MEMBER_SERVER_TYPE, 'properties': properties}


def _endpoint(port):
    return {'str_replace': {
        'template': 'ADDRESS:%d' % port.host_port,
        'params': {'ADDRESS': {'get_attr': ['port_0', 'fixed_ips', 0,
                                            'ip_address']}}}}


def member_template(spec, user_data, secrets_digest=''):
    """The template of one member, as a dict.

    :param user_data: ``cloudinit.render(spec, ...)``, placeholders and all.
    :param secrets_digest: a keyed digest of the secrets' values.
    """
    handle, ready = wait_names(user_data, secrets_digest)
    resources = {'port_%d' % index: _port(network)
                 for index, network in enumerate(spec.server.networks)}
    resources.update(_volume_resources(spec))
    resources['server'] = _server(spec, user_data, handle, secrets_digest)
    if spec.wait_for_ready:
        resources[handle] = {'type': 'OS::Heat::WaitConditionHandle'}
        resources[ready] = {
            'type': 'OS::Heat::WaitCondition',
            'depends_on': ['server'] + sorted(
                name for name in resources if name.startswith('attachment_')),
            'properties': {'handle': {'get_resource': handle},
                           'count': 1, 'timeout': spec.ready_timeout}}
    address = {'get_attr': ['port_0', 'fixed_ips', 0, 'ip_address']}
    return {
        'heat_template_version': HOT_VERSION,
        'description': 'One member of container %s' % spec.name,
        'parameters': {
            'security_group': {'type': 'string'},
            'server_group': {'type': 'string'},
        },
        'resources': resources,
        'outputs': {
            'server_id': {'value': {'get_resource': 'server'}},
            'address': {'value': address},
            'endpoints': {'value': [_endpoint(p) for p in spec.ports]},
        },
    }

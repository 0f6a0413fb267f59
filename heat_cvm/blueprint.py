"""ContainerSpec + scaling -> the nested stack's HOT templates (pure).

The nested stack of an OS::CVM::Container holds a security group, an
OS::Heat::AutoScalingGroup of members, scaling policies and, with
autoscaling, Aodh alarms. A member is itself a small template (a files-map
entry, like any template resource): ports, volumes, the user data, the
server and its wait condition.

Secrets never appear in these templates nor in any resource's properties
(Heat shows those in events): OS::CVM::Container keeps them in its own
resource data, encrypted and never shown, and each member's
OS::CVM::MemberConfig fetches them from there when it fills the user data.
The member template only carries a keyed digest of them, so that changing a
secret changes the member definition and rolls the members.
"""

from heat_cvm import cloudinit

HOT_VERSION = '2021-04-16'
MEMBER_TEMPLATE = 'heat-cvm-member.yaml'
MEMBER_CONFIG_TYPE = 'OS::CVM::MemberConfig'

# Metadata key that Ceilometer turns into the "server_group" attribute an
# Aodh alarm selects the group's servers by.
SERVER_GROUP_METADATA = 'metering.server_group'

# Outputs of the nested stack, which are the resource's attributes.
OUTPUTS = ('servers', 'addresses', 'member_endpoints', 'scale_up_url',
           'scale_down_url', 'current_size')

# Gnocchi's "cpu" metric is cumulative CPU time in nanoseconds; its rate
# over one granularity, divided by this, is a percentage of one vCPU.
_NS_PER_PERCENT_SECOND = 10 ** 7


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


def _alarm_threshold(autoscale, percent):
    if autoscale.meter == 'cpu':
        return percent * autoscale.period * _NS_PER_PERCENT_SECOND
    return percent


def _alarm(spec, policy, above):
    autoscale = spec.scaling.autoscale
    limit = autoscale.scale_up_above if above else autoscale.scale_down_below
    return {
        'type': 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
        'properties': {
            'description': '%s %s when %s is %s %s' % (
                'Scale up' if above else 'Scale down', spec.name,
                autoscale.meter, 'above' if above else 'below', limit),
            'metric': autoscale.meter,
            'aggregation_method': ('rate:mean' if autoscale.meter == 'cpu'
                                   else 'mean'),
            'granularity': autoscale.period,
            'evaluation_periods': autoscale.evaluation_periods,
            'threshold': _alarm_threshold(autoscale, limit),
            'comparison_operator': 'gt' if above else 'lt',
            'resource_type': 'instance',
            'alarm_actions': [{'get_attr': [policy, 'alarm_url']}],
            'query': {'str_replace': {
                'template': '{"=": {"server_group": "STACK_ID"}}',
                'params': {'STACK_ID': {'get_param': 'OS::stack_id'}}}},
        }}


def _group(spec, member_type):
    scaling, rolling = spec.scaling, spec.rolling_updates
    return {
        'type': 'OS::Heat::AutoScalingGroup',
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


def child_template(spec, member_type=MEMBER_TEMPLATE):
    """The nested stack's template, as a dict.

    :param member_type: the files-map name the member template is under.
    """
    resources = {
        'security_group': security_group(spec),
        'group': _group(spec, member_type),
        'scale_up': _policy(1, spec.scaling.cooldown),
        'scale_down': _policy(-1, spec.scaling.cooldown),
    }
    if spec.scaling.autoscale:
        resources['scale_up_alarm'] = _alarm(spec, 'scale_up', True)
        resources['scale_down_alarm'] = _alarm(spec, 'scale_down', False)
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


def _config_values(spec):
    values = {}
    if spec.wait_for_ready:
        values[cloudinit.SIGNAL_URL] = {'get_attr': ['handle', 'endpoint']}
        values[cloudinit.SIGNAL_TOKEN] = {'get_attr': ['handle', 'token']}
    for volume in spec.volumes:
        if volume.size is not None:
            values[cloudinit.volume_placeholder(volume.index)] = {
                'get_resource': 'volume_%d' % volume.index}
    return values


def _server(spec):
    server = spec.server
    properties = {
        'flavor': server.flavor,
        'image': server.host_image,
        'networks': [{'port': {'get_resource': 'port_%d' % index}}
                     for index in range(len(server.networks))],
        'metadata': {'map_merge': [
            server.metadata,
            {SERVER_GROUP_METADATA: {'get_param': 'server_group'},
             'heat-cvm.container': spec.name}]},
        'user_data_format': 'RAW',
        'user_data': {'get_resource': 'user_data'},
    }
    for name, value in (('key_name', server.key_name),
                        ('availability_zone', server.availability_zone)):
        if value:
            properties[name] = value
    return {'type': 'OS::Nova::Server', 'properties': properties}


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
    resources = {'port_%d' % index: _port(network)
                 for index, network in enumerate(spec.server.networks)}
    resources.update(_volume_resources(spec))
    resources['user_data'] = {
        'type': MEMBER_CONFIG_TYPE,
        'properties': {'template': user_data,
                       'values': _config_values(spec),
                       'secrets': sorted(cloudinit.secret_values(spec)),
                       'secrets_digest': secrets_digest}}
    resources['server'] = _server(spec)
    if spec.wait_for_ready:
        resources['handle'] = {'type': 'OS::Heat::WaitConditionHandle'}
        resources['ready'] = {
            'type': 'OS::Heat::WaitCondition',
            'depends_on': ['server'] + sorted(
                name for name in resources if name.startswith('attachment_')),
            'properties': {'handle': {'get_resource': 'handle'},
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

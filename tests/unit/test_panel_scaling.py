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

"""The panel's scaling view (horizon_cvm.scaling): what Aodh and Heat say."""

import datetime

from heat_cvm import alarms
from horizon_cvm import containers
from horizon_cvm import scaling
from tests.unit import test_panel_core

NOW = datetime.datetime(2026, 12, 6, 12, 0, 0, tzinfo=datetime.timezone.utc)
AUTOSCALE = {'target_cpu_percent': 60, 'band': 15, 'evaluation_periods': 2}
RULE = 'gnocchi_aggregation_by_resources_threshold_rule'


def autoscaled():
    row = test_panel_core.nested_row(scaling={
        'min_size': 1, 'max_size': 3, 'desired_capacity': 1,
        'autoscale': AUTOSCALE})
    return containers.container(row)


def gnocchi_alarm(direction, percent, state, reason, vcpus=1,
                  granularity=10):
    """An alarm as Aodh returns it, its threshold as heat-cvm compiles it."""
    return {'name': 'shop-web-abcdefghijkl-scale_%s_alarm-x1y2z3' % direction,
            'type': 'gnocchi_aggregation_by_resources_threshold',
            'state': state, 'state_reason': reason,
            'state_timestamp': '2026-12-06T11:59:40',
            RULE: {'threshold': alarms.cpu_threshold_ns(
                percent, vcpus, granularity)}}


def test_the_last_evaluated_value_is_shown_in_percent():
    container = autoscaled()
    assert (container.limits, container.meter) == ((45, 75), 'cpu')
    # 82 % of 2 vCPUs over 10 s, as Aodh wrote it in its reason.
    measured = alarms.cpu_threshold_ns(82, 2, 10)
    up = gnocchi_alarm('up', 75, 'alarm', 'Transition to alarm due to 2 '
                       'samples outside threshold, most recent: %r'
                       % measured, vcpus=2)
    down = gnocchi_alarm('down', 45, 'ok', 'Transition to ok due to 2 '
                         'samples inside threshold, most recent: %r'
                         % measured, vcpus=2)
    shown = scaling.scaling(container, {'up': up, 'down': down}, {}, [],
                            NOW)
    first, second = shown.alarms
    assert (first.direction, first.comparison, first.limit,
            round(first.last_value, 6), first.firing) == \
        ('up', 'above', 75, 82, True)
    assert (second.comparison, second.limit, round(second.last_value, 6),
            second.firing) == ('below', 45, 82, False)
    assert shown.unit == '%'


def test_an_alarm_not_yet_evaluated_has_no_value():
    up = gnocchi_alarm('up', 75, 'insufficient data', 'Not evaluated yet')
    (alarm,) = scaling.scaling(autoscaled(), {'up': up}, {}, [],
                               NOW).alarms
    assert (alarm.last_value, alarm.limit) == (None, 75)


def test_cooldown_left_counts_from_heats_metadata():
    metadata = {'cooldown_end': {'2026-12-06T12:00:25.300000':
                                 'change_in_capacity : 1'},
                'scaling_in_progress': False}
    assert scaling.cooldown_left(metadata, NOW) == 26
    assert scaling.cooldown_left(metadata, NOW + datetime.timedelta(
        seconds=30)) == 0
    assert scaling.cooldown_left({}, NOW) == 0
    shown = scaling.scaling(autoscaled(), {}, {'scaling_in_progress': True},
                            [], NOW)
    assert shown.scaling_now and shown.cooldown_left == 0


def test_the_last_action_is_the_newest_policy_signal():
    events = [
        {'resource_name': 'scale_up', 'resource_status': 'SIGNAL_COMPLETE',
         'event_time': '2026-12-06T11:50:00',
         'resource_status_reason': 'alarm state changed from ok to alarm'},
        {'resource_name': 'scale_down', 'resource_status': 'SIGNAL_COMPLETE',
         'event_time': '2026-12-06T11:55:00',
         'resource_status_reason': 'alarm state changed from ok to alarm'},
        # Not a resize: a member's wait condition, a failed signal.
        {'resource_name': 'wait_handle', 'resource_status':
         'SIGNAL_COMPLETE', 'event_time': '2026-12-06T11:58:00'},
        {'resource_name': 'scale_up', 'resource_status': 'SIGNAL_FAILED',
         'event_time': '2026-12-06T11:59:00'},
    ]
    action = scaling.last_action(events)
    assert (action.direction, action.time) == ('in', '2026-12-06T11:55:00')
    assert scaling.last_action(events[2:]) is None


def test_firing_alarms_name_their_nested_stack():
    listed = [
        gnocchi_alarm('up', 75, 'alarm', ''),
        dict(gnocchi_alarm('down', 45, 'alarm', ''),
             name='db-app-0123456789ab-scale_down_alarm-q'),
        dict(gnocchi_alarm('down', 45, 'ok', ''),
             name='other-app-0123456789ab-scale_down_alarm-q'),
        {'name': 'someone-elses-alarm', 'state': 'alarm'},
    ]
    assert scaling.firing_alarms(listed) == {
        'shop-web-abcdefghijkl': {'up'}, 'db-app-0123456789ab': {'down'}}
    assert autoscaled().nested_stack_name == 'shop-web-abcdefghijkl'

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

"""A container's scaling as the panel shows it (pure: no Django).

From what Heat and Aodh already say, nothing recomputed:

* the alarms as Aodh has them: their state and, in ``state_reason``, the
  value the evaluator last compared ("... most recent: 8.4e+09"), in the
  metric's unit (CPU nanoseconds per period for Gnocchi's cpu), which is
  shown back in the user's unit (percent) by the ratio of the alarm's
  threshold to the limit the user gave;
* the group's metadata, where Heat keeps its cooldown
  (``cooldown_end: {<ISO time>: "<adjustment type> : <adjustment>"}``);
* the scaling policies' SIGNAL events: Heat records one only when a signal
  resized the group, with the alarm's transition as its reason.
"""

import dataclasses
import datetime
import re
import typing

ALARM = 'alarm'
# The resources of the nested stack (heat_cvm.blueprint).
ALARM_RESOURCES = {'scale_up_alarm': 'up', 'scale_down_alarm': 'down'}
POLICY_RESOURCES = {'scale_up': 'out', 'scale_down': 'in'}
_MOST_RECENT = re.compile(r'most recent: ([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)')


@dataclasses.dataclass
class AlarmState:
    """One autoscaling alarm, in the user's unit."""

    direction: str                 # 'up' or 'down'
    name: str
    state: str                     # 'ok', 'alarm', 'insufficient data'
    limit: typing.Optional[float]  # the user's limit (percent for cpu)
    last_value: typing.Optional[float]   # the last evaluated, same unit
    reason: str
    since: str

    @property
    def comparison(self):
        return 'above' if self.direction == 'up' else 'below'

    @property
    def firing(self):
        return self.state == ALARM


@dataclasses.dataclass
class ScalingAction:
    time: str
    direction: str                 # 'out' or 'in'
    reason: str


@dataclasses.dataclass
class Scaling:
    """What the Scaling tab shows of one container."""

    sizes: typing.Optional[tuple]  # (min, desired, max)
    current_size: int
    alarms: list
    last_action: typing.Optional[ScalingAction]
    cooldown_left: int             # seconds
    scaling_now: bool
    unit: str = ''                 # of the limits and values: '%' for cpu


def last_value(state_reason):
    """The value Aodh last compared, from its state reason, or None."""
    found = _MOST_RECENT.search(state_reason or '')
    return float(found.group(1)) if found else None


def alarm_state(direction, alarm, limit):
    """An AlarmState from Aodh's alarm (a dict) and the user's limit.

    The threshold is ``limit`` converted to the metric's unit, so the same
    ratio converts the last value back.
    """
    rule = alarm.get('%s_rule' % alarm.get('type')) or {}
    threshold = rule.get('threshold')
    value = last_value(alarm.get('state_reason'))
    if value is not None and limit is not None and threshold:
        value = value * limit / threshold
    elif limit is None:
        limit = threshold
    return AlarmState(direction=direction, name=alarm.get('name', ''),
                      state=alarm.get('state', ''), limit=limit,
                      last_value=value,
                      reason=alarm.get('state_reason') or '',
                      since=alarm.get('state_timestamp') or '')


def _time(text):
    when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def cooldown_left(group_metadata, now):
    """Seconds until the group may resize again (0: it may now)."""
    ends = (group_metadata or {}).get('cooldown_end') or {}
    if not ends:
        return 0
    end = max(_time(text) for text in ends)
    return max(0, int((end - now).total_seconds() + 0.999))


def last_action(events):
    """The newest resize a scaling policy's signal made, or None.

    :param events: Heat events (dicts) of the nested stack, any order.
    """
    signals = [e for e in events
               if e.get('resource_name') in POLICY_RESOURCES
               and e.get('resource_status') == 'SIGNAL_COMPLETE']
    if not signals:
        return None
    newest = max(signals, key=lambda e: _time(e['event_time']))
    return ScalingAction(time=newest['event_time'],
                         direction=POLICY_RESOURCES[newest['resource_name']],
                         reason=newest.get('resource_status_reason') or '')


def scaling(container, alarms, group_metadata, events, now):
    """The Scaling of a Container (horizon_cvm.containers).

    :param alarms: direction ('up'/'down') -> Aodh's alarm (a dict).
    """
    limits = container.limits or (None, None)
    shown = [alarm_state(direction, alarms[direction],
                         limits[1] if direction == 'up' else limits[0])
             for direction in ('up', 'down') if direction in alarms]
    return Scaling(sizes=container.sizes,
                   current_size=container.current_size, alarms=shown,
                   last_action=last_action(events),
                   cooldown_left=cooldown_left(group_metadata, now),
                   scaling_now=bool((group_metadata or {}).get(
                       'scaling_in_progress')),
                   unit='%' if container.meter == 'cpu' else '')


def firing_alarms(alarms):
    """Nested stack name -> the directions of its alarms in alarm state.

    Heat names an alarm "<nested stack name>-<resource>-<short id>".
    """
    result = {}
    for alarm in alarms:
        if alarm.get('state') != ALARM:
            continue
        name = alarm.get('name') or ''
        for resource, direction in ALARM_RESOURCES.items():
            index = name.rfind('-%s-' % resource)
            if index > 0:
                result.setdefault(name[:index], set()).add(direction)
    return result

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

"""Autoscaling intent -> the alarms that carry it out (pure functions).

Why the arithmetic lives here and not in the user's template:

* ``cpu_util`` is gone since Stein. Ceilometer's ``cpu`` meter is the
  instance's CPU time in nanoseconds, cumulative and summed over all its
  vCPUs. Gnocchi's ``rate:mean`` aggregation turns it into nanoseconds of
  CPU per granularity period, so "80 % busy" is a different number for
  every granularity and every vCPU count: 80 % of 2 vCPUs over 300 s is
  0.8 * 2 * 300 * 10**9 ns = 4.8e11.
* An alarm whose granularity is not one of the archive policy's never
  evaluates (it stays "insufficient data" forever): the granularity comes
  from the cloud's configuration ([cvm] alarm_granularity), never from the
  template.
* With Prometheus (Aodh's prometheus alarm has no evaluation periods) the
  query takes the rate over granularity * evaluation_periods and divides
  it by the vCPUs, so the threshold stays in percent.

A user states the intent: a target percentage with a band around it
(scale out above target + band, in below target - band), or the two
limits in percent; ``compile_alarms`` returns the two alarms.
"""

import dataclasses

NS_PER_SECOND = 10 ** 9
CPU = 'cpu'
GNOCCHI = 'gnocchi'
PROMETHEUS = 'prometheus'
BACKENDS = (GNOCCHI, PROMETHEUS)


@dataclasses.dataclass(frozen=True)
class Telemetry:
    """What the cloud's telemetry is ([cvm] options)."""
    backend: str = GNOCCHI
    # One of the archive policy's granularities (Gnocchi), in seconds.
    granularity: int = 300
    # The CPU-time metric's name: "cpu" in Gnocchi, ceilometer_cpu in
    # Prometheus (sg-core).
    cpu_metric: str = CPU


@dataclasses.dataclass(frozen=True)
class Limits:
    """Scale out above ``up_above`` %, in below ``down_below`` %."""
    up_above: float
    down_below: float


@dataclasses.dataclass(frozen=True)
class Alarm:
    """One alarm, in the backend's terms.

    threshold: in the metric's own unit (nanoseconds per period for
    Gnocchi's cpu; percent for a Prometheus query that normalises).
    """
    direction: str            # 'up' or 'down'
    comparison_operator: str  # 'gt' or 'lt'
    percent: float            # the user's limit, for people to read
    threshold: float
    granularity: int
    evaluation_periods: int
    metric: str
    aggregation_method: str = None   # Gnocchi only
    query: str = None                # Prometheus only


def limits_from_target(target, band):
    """The limits of a target percentage with a band around it."""
    return Limits(up_above=target + band, down_below=target - band)


def cpu_threshold_ns(percent, vcpus, granularity):
    """``percent`` of ``vcpus`` busy, as Gnocchi's rate:mean of ``cpu``."""
    return percent / 100.0 * vcpus * granularity * NS_PER_SECOND


def cpu_percent(rate_ns, vcpus, granularity):
    """The inverse: a rate:mean measure of ``cpu`` as percent busy."""
    return rate_ns / (vcpus * granularity * NS_PER_SECOND) * 100.0


def prometheus_cpu_query(metric, server_group, vcpus, window):
    """PromQL: the group's mean CPU over ``window`` s, in % of the vCPUs."""
    return ('avg(rate(%s{server_group="%s"}[%ds])) / %d / %d * 100'
            % (metric, server_group, window, NS_PER_SECOND, vcpus))


def compile_alarms(limits, meter, vcpus, granularity, evaluation_periods,
                   backend=GNOCCHI, server_group='', cpu_metric=CPU):
    """(scale-out alarm, scale-in alarm) for the intent.

    :param meter: 'cpu' (limits in percent of the flavor's vCPUs) or the
        name of another metric (limits in its own unit, compared as its
        mean).
    :param vcpus: the member flavor's vCPUs.
    :param granularity: seconds; one of the archive policy's (Gnocchi),
        the rate window (Prometheus).
    :param server_group: what members carry as metering.server_group
        (Prometheus queries select by it; Gnocchi alarms take a query).
    :param cpu_metric: the cloud's name for the CPU time metric.
    """
    if backend not in BACKENDS:
        raise ValueError('unknown alarm backend %r' % backend)
    return tuple(
        _alarm(direction, percent, meter, vcpus, granularity,
               evaluation_periods, backend, server_group, cpu_metric)
        for direction, percent in (('up', limits.up_above),
                                   ('down', limits.down_below)))


def _alarm(direction, percent, meter, vcpus, granularity,
           evaluation_periods, backend, server_group, cpu_metric):
    is_cpu = meter == CPU
    metric = cpu_metric if is_cpu else meter
    common = dict(direction=direction,
                  comparison_operator='gt' if direction == 'up' else 'lt',
                  percent=percent, granularity=granularity,
                  evaluation_periods=evaluation_periods, metric=metric)
    if backend == PROMETHEUS:
        window = granularity * evaluation_periods
        query = (prometheus_cpu_query(metric, server_group, vcpus, window)
                 if is_cpu else 'avg(avg_over_time(%s{server_group="%s"}'
                 '[%ds]))' % (metric, server_group, window))
        return Alarm(threshold=percent, query=query, **common)
    if is_cpu:
        return Alarm(threshold=cpu_threshold_ns(percent, vcpus, granularity),
                     aggregation_method='rate:mean', **common)
    return Alarm(threshold=percent, aggregation_method='mean', **common)

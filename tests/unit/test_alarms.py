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

"""The autoscaling arithmetic: intent -> alarm thresholds.

Gnocchi's rate:mean of Ceilometer's cumulative ``cpu`` (nanoseconds over
all vCPUs) is what Aodh compares; these tests play the measures a
ceilometer-compute agent would post and check which alarm would fire.
"""

from hypothesis import given
from hypothesis import strategies as st
import pytest

from heat_cvm import alarms

NS = 10 ** 9


def cumulative_cpu_ns(percent, vcpus, seconds):
    """CPU time an instance accumulates at ``percent`` busy."""
    return percent / 100.0 * vcpus * seconds * NS


def fired(alarm, measure):
    if alarm.comparison_operator == 'gt':
        return measure > alarm.threshold
    return measure < alarm.threshold


@pytest.mark.parametrize('vcpus', [1, 2])
@pytest.mark.parametrize('load, expected', [
    (80, {'up'}), (40, {'down'}), (60, set())])
def test_target_60_band_15_scales_out_at_80_in_at_40_holds_at_60(
        vcpus, load, expected):
    granularity = 60
    compiled = alarms.compile_alarms(
        alarms.limits_from_target(60, 15), 'cpu', vcpus, granularity, 3)
    # Two cumulative samples one granularity apart: Gnocchi's rate.
    rate = (cumulative_cpu_ns(load, vcpus, 1000 + granularity)
            - cumulative_cpu_ns(load, vcpus, 1000))
    assert {a.direction for a in compiled if fired(a, rate)} == expected


def test_cpu_threshold_is_in_nanoseconds_per_period_for_all_vcpus():
    up, down = alarms.compile_alarms(alarms.Limits(75, 15), 'cpu', 2, 300, 2)
    # 75 % of 2 vCPUs over 300 s: 450 s of CPU time.
    assert (up.threshold, up.comparison_operator) == (450 * NS, 'gt')
    assert (down.threshold, down.comparison_operator) == (90 * NS, 'lt')
    assert (up.metric, up.aggregation_method, up.granularity,
            up.evaluation_periods) == ('cpu', 'rate:mean', 300, 2)


@given(percent=st.floats(0, 100), vcpus=st.integers(1, 128),
       granularity=st.sampled_from([1, 60, 300, 3600]))
def test_percent_and_rate_are_inverse(percent, vcpus, granularity):
    rate = alarms.cpu_threshold_ns(percent, vcpus, granularity)
    assert alarms.cpu_percent(rate, vcpus, granularity) == pytest.approx(
        percent, abs=1e-9)


def test_another_meter_is_compared_as_its_mean_in_its_unit():
    up, _ = alarms.compile_alarms(alarms.Limits(800, 100), 'memory.usage', 4,
                                  300, 1, cpu_metric='cpu')
    assert (up.metric, up.aggregation_method, up.threshold) == (
        'memory.usage', 'mean', 800)


def test_the_clouds_cpu_metric_name_is_used():
    up, _ = alarms.compile_alarms(alarms.Limits(80, 20), 'cpu', 1, 300, 1,
                                  cpu_metric='compute.cpu.time')
    assert up.metric == 'compute.cpu.time'


def test_prometheus_query_normalises_to_percent_over_the_evaluation():
    up, down = alarms.compile_alarms(
        alarms.Limits(75, 45), 'cpu', 2, 60, 3, backend=alarms.PROMETHEUS,
        server_group='SG', cpu_metric='ceilometer_cpu')
    assert up.query == ('avg(rate(ceilometer_cpu{server_group="SG"}[180s]))'
                        ' / 1000000000 / 2 * 100')
    assert (up.threshold, up.comparison_operator) == (75, 'gt')
    assert (down.threshold, down.comparison_operator) == (45, 'lt')
    assert up.aggregation_method is None


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError):
        alarms.compile_alarms(alarms.Limits(80, 20), 'cpu', 1, 300, 1,
                              backend='graphite')

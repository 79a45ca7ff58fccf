"""The event-study tests hold their size on simulated panels, and the known failures show.

A small version of benchmarks/calibrate_event_tests.py (200 replications, 50 firms, fixed
seeds). The tolerance cannot flake: a test that should hold must have 5% inside the 99.9%
Clopper-Pearson interval of its rejection rate, and one that should fail must have 5% below
it. The seeds are fixed, so the counts are the same on every run.
"""

from __future__ import annotations

import pytest
from scipy import stats

from eventstudy.inference.event_calibration import calibrate_event_tests

REPLICATIONS = 200
HOLD = {
    "null": ["t", "bmp", "kolari_pynnonen", "corrado", "corrado_zivney", "generalized_sign", "calendar_time"],
    "event_variance": ["t", "bmp", "kolari_pynnonen", "generalized_sign", "calendar_time"],
    "clustered": ["kolari_pynnonen", "corrado", "corrado_zivney", "calendar_time"],
}
UNTESTABLE = {("clustered", "calendar_time", 0, 0)}  # every event on one day: one portfolio day, no statistic
FAIL = {"event_variance": ["patell"], "clustered": ["t", "bmp", "generalized_sign"]}


def interval(rejections: int, n: int, confidence: float = 0.999) -> tuple[float, float]:
    """Clopper-Pearson interval of a binomial proportion."""
    tail = (1 - confidence) / 2
    low = stats.beta.ppf(tail, rejections, n - rejections + 1) if rejections else 0.0
    high = stats.beta.ppf(1 - tail, rejections + 1, n - rejections) if rejections < n else 1.0
    return float(low), float(high)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["null", "event_variance", "clustered"])
def test_rejection_rates_at_5_percent(scenario):
    names = HOLD[scenario] + FAIL.get(scenario, [])
    table = calibrate_event_tests(scenario, replications=REPLICATIONS, firms=50, tests=names, seed=17)
    for row in table.iter_rows(named=True):
        low, high = interval(row["rejections"], REPLICATIONS)
        where = f"{scenario} {row['test']} [{row['start']}, {row['end']}]: {row['rejections']}/{REPLICATIONS}"
        if (scenario, row["test"], row["start"], row["end"]) in UNTESTABLE:
            assert row["tested"] == 0 and row["rejections"] == 0, where
            continue
        assert row["tested"] == REPLICATIONS, where
        if row["test"] in HOLD[scenario]:
            assert low <= 0.05 <= high, where
        else:
            assert low > 0.05, where

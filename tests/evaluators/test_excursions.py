"""The days to recover, searched within each symbol of a block, against a plain loop."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eventstudy
from eventstudy.evaluators.excursions import recovery_days


def plain_recovery(closes: list[float], max_days: int) -> list[float]:
    """One series, row by row: the first close below, then the first back at or above."""
    n, out = len(closes), []
    for t, level in enumerate(closes):
        below = next((j for j in range(t + 1, n) if closes[j] < level), None)
        if below is None or below - t > max_days:
            out.append(0.0 if t + max_days < n else math.nan)
            continue
        back = next((j for j in range(below + 1, n) if closes[j] >= level), None)
        out.append(float(back - t) if back is not None and back - t <= max_days else math.nan)
    return out


def a_series() -> st.SearchStrategy[list[float]]:
    """Few distinct closes (ties), or a walk that mostly rises (long stretches above a
    close before it falls below, and long ones below before it recovers)."""
    ties = st.lists(st.sampled_from([9.0, 10.0, 10.5, 11.0, 12.0]), min_size=1, max_size=40)
    walk = st.lists(st.integers(-3, 2), min_size=1, max_size=60).map(lambda steps: [100.0 + float(x) for x in np.cumsum(steps)])
    return ties | walk | walk.map(lambda closes: [200.0 - c for c in closes])


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(a_series(), min_size=1, max_size=6),
    max_days=st.integers(1, 40),
    chunk=st.sampled_from([1, 3, 7, 64, 1 << 16]),
    float32=st.booleans(),
)
def test_recovery_days_within_each_symbol_equal_a_plain_loop(groups: list[list[float]], max_days: int, chunk: int, float32: bool) -> None:
    """Ties, long stretches, symbols shorter than ``max_days``, chunks that cut symbols
    and windows: every row's search reaches ``max_days`` rows and stops at its own
    symbol's last row."""
    close = np.array([c for g in groups for c in g], dtype=np.float32 if float32 else np.float64)
    rows_after = np.concatenate([np.arange(len(g) - 1, -1, -1) for g in groups])
    expected = [d for g in groups for d in plain_recovery(g, max_days)]
    np.testing.assert_array_equal(recovery_days(close, rows_after, max_days, chunk=chunk), np.array(expected))


@pytest.mark.parametrize("universe", [False, True])
def test_a_recovery_that_never_came_is_named_as_such_not_as_missing_history(tmp_path, universe: bool) -> None:
    """An event still below its close max_days later has no recovery: the run's note said
    'without a value (not enough history or data)', as if the data were short, while the
    figures were over the events that got back only. The note now says what it is."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    closes = [10.0, 9.0, 12.0, 11.0] + [8.0] * 12 + [13.0] * 24  # day 0 is back on day 2; days 1-3 are below from day 4 to day 16
    text = (
        "name: r\n"
        + ("universe: {symbols: [A]}\nwhen: close >= 9\n" if universe else "series: {A: A}\nwhen: A close >= 9\n")
        + "evaluate:\n  - excursions: {"
        + ("" if universe else "assets: [A], ")
        + "horizons: [2], max_days: 10}\nstatistics: {placebos: 0}\n"
    )
    pl.DataFrame({"date": days, "close": closes}).write_csv(tmp_path / "A.csv")
    (tmp_path / "r.yaml").write_text(text)
    result = eventstudy.run(tmp_path / "r.yaml", data_dir=tmp_path)
    recovery = result.outcomes.filter(pl.col("measure") == "recovery").sort("date")
    assert recovery["value"].to_list()[:4] == [2.0, None, None, None]
    assert result.summary.filter(pl.col("measure") == "recovery")["n"].item() == recovery["value"].count()
    said = [n for n in result.notes if " recovery: " in n and "pending" not in n]
    assert said == [
        f"{'stocks' if universe else 'A'} recovery: 3 event(s) still below the event close max_days (10 trading days) later, "
        "left out: the figures are over the events back at or above it by then"
    ]

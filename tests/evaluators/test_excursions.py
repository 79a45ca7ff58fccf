"""The days to recover, searched within each symbol of a block, against a plain loop."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

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

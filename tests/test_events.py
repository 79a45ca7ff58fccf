"""Declustering contracts (DESIGN.md): checked against a plain walk over the events."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.events import decluster, find_events, gap_thresholds
from eventstudy.periods import parse_gap


def reference_after_kept(keys: list[int], thresholds: list[int]) -> list[bool]:
    """The definition, walked event by event."""
    kept, last = [], None
    for j, key in enumerate(keys):
        ok = last is None or key >= thresholds[last]
        kept.append(ok)
        if ok:
            last = j
    return kept


def reference_after_any(keys: list[int], thresholds: list[int]) -> list[bool]:
    return [j == 0 or keys[j] >= thresholds[j - 1] for j in range(len(keys))]


sorted_keys = st.lists(st.integers(0, 400), min_size=0, max_size=60, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(keys=sorted_keys, gap=st.integers(1, 40))
def test_after_kept_matches_reference_and_invariants(keys: list[int], gap: int) -> None:
    k = np.array(keys, dtype=np.int64)
    kept = decluster(k, k + gap, "after_kept")
    assert kept.tolist() == reference_after_kept(keys, [x + gap for x in keys])
    chosen = k[kept]
    assert np.all(np.diff(chosen) >= gap)  # kept events at least gap apart
    if keys:
        assert kept[0]  # the first raw event is always kept
    # every dropped event lies within gap of the kept event before it
    for j in np.flatnonzero(~kept):
        assert k[j] - chosen[chosen <= k[j]].max() < gap


@settings(max_examples=300, deadline=None)
@given(keys=sorted_keys, gap=st.integers(1, 40))
def test_after_any_keeps_each_clusters_first_day(keys: list[int], gap: int) -> None:
    k = np.array(keys, dtype=np.int64)
    kept = decluster(k, k + gap, "after_any")
    assert kept.tolist() == reference_after_any(keys, [x + gap for x in keys])
    # a cluster = maximal run with raw spacing < gap; exactly its first day is kept
    starts = [j for j in range(len(keys)) if j == 0 or keys[j] - keys[j - 1] >= gap]
    assert np.flatnonzero(kept).tolist() == starts
    assert kept.sum() <= decluster(k, k + gap, "after_kept").sum()


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 200), max_size=25, unique=True)), max_size=4),
    gap=st.integers(1, 30),
)
def test_grouped_declustering_restarts_in_each_group(groups: list, gap: int) -> None:
    keys, gids, expected = [], [], []
    for gid, (_, values) in enumerate(groups):
        values = sorted(values)
        keys += values
        gids += [gid] * len(values)
        expected += reference_after_kept(values, [v + gap for v in values])
    k = np.array(keys, dtype=np.int64)
    assert decluster(k, k + gap, "after_kept", groups=np.array(gids)).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 40)), max_size=25, unique_by=lambda t: t[0]), max_size=4),
    walk=st.booleans(),
    lookup=st.sampled_from(["search", "table", "blocks"]),
)
def test_both_chain_strategies_match_the_reference(groups: list, walk: bool, lookup: str) -> None:
    """Short chains are walked, long ones use binary lifting; grouped events find their
    next event by a binary search or in a table of (group, key) cells, whole or a group at
    a time: every way gives the definition, with a step of its own per event (calendar
    gaps: months differ in length)."""
    import eventstudy.events as events

    keys, thresholds, gids, expected = [], [], [], []
    for gid, pairs in enumerate(groups):
        pairs = sorted(pairs)
        values, steps = [v for v, _ in pairs], [v + s for v, s in pairs]
        keys += values
        thresholds += steps
        gids += [gid] * len(values)
        expected += reference_after_kept(values, steps)
    saved = events.CHAIN_STEPS, events.EVENTS_PER_STEP, events.TABLE_CELLS_PER_EVENT, events.TABLE_CELLS
    events.CHAIN_STEPS, events.EVENTS_PER_STEP = (10**9, 1) if walk else (0, 10**9)
    events.TABLE_CELLS_PER_EVENT = 0 if lookup == "search" else 10**9
    events.TABLE_CELLS = 1 if lookup == "blocks" else saved[3]
    try:
        got = decluster(np.array(keys, dtype=np.int64), np.array(thresholds, dtype=np.int64), "after_kept", groups=np.array(gids, dtype=np.int64))
    finally:
        events.CHAIN_STEPS, events.EVENTS_PER_STEP, events.TABLE_CELLS_PER_EVENT, events.TABLE_CELLS = saved
    assert got.tolist() == expected


def test_calendar_month_gap_uses_calendar_arithmetic() -> None:
    dates = pl.Series([dt.date(2024, 1, 31), dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 29)])
    keys, thresholds = gap_thresholds(dates, np.arange(4), parse_gap("1mo"))
    # Jan 31 + 1 month = Feb 29 (2024 is a leap year): Feb 28 is too early, Feb 29 is kept.
    assert decluster(keys, thresholds).tolist() == [True, False, True, True]


def test_trading_and_calendar_gaps_differ() -> None:
    # Events on positions 0 and 15 of a calendar where position 15 is 21 calendar days later.
    dates = pl.Series([dt.date(2024, 1, 1), dt.date(2024, 1, 22)])
    positions = np.array([0, 15])
    assert decluster(*gap_thresholds(dates, positions, parse_gap("21cd"))).tolist() == [True, True]
    assert decluster(*gap_thresholds(dates, positions, parse_gap("21"))).tolist() == [True, False]
    assert decluster(*gap_thresholds(dates, positions, parse_gap("3w"))).tolist() == [True, True]


def test_find_events_treats_null_as_false_and_respects_window() -> None:
    timeline = pl.DataFrame(
        {"date": [dt.date(2024, 1, d) for d in (1, 2, 3, 4)], "x": [True, None, True, True]}
    )
    found = find_events(timeline, pl.col("x"), start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 3))
    assert found["date"].to_list() == [dt.date(2024, 1, 3)]
    assert found["position"].to_list() == [2]  # position on the full calendar, not the window


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown decluster mode"):
        decluster(np.array([1, 2]), np.array([3, 4]), "sometimes")  # type: ignore[arg-type]


def test_edge_trigger_keeps_only_the_days_it_turns_true() -> None:
    timeline = pl.DataFrame(
        {"date": [dt.date(2024, 1, d) for d in range(1, 8)], "x": [True, True, False, True, None, True, True]}
    )
    level = find_events(timeline, pl.col("x"))["date"].dt.day().to_list()
    edge = find_events(timeline, pl.col("x"), trigger="edge")["date"].dt.day().to_list()
    assert level == [1, 2, 4, 6, 7]
    # day 1 has no day before (counts as not holding); day 6 follows an unknown day
    assert edge == [1, 4, 6]

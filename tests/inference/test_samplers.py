"""Null samplers: exactly n days, inside the frame, obeying the declustering rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.errors import DataError
from eventstudy.events import decluster
from eventstudy.inference.samplers import (
    SAMPLERS,
    Calendar,
    CircularSampler,
    MatchedSampler,
    obeys_rule,
)
from eventstudy.periods import parse_gap


def weekday_calendar(days: int, gap: str | None) -> Calendar:
    dates = pl.date_range(dt.date(2000, 1, 3), dt.date(2000, 1, 3) + dt.timedelta(days=int(days * 1.5) + 10), eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5).head(days)
    return Calendar.build(dates, np.arange(dates.len()) + 100, parse_gap(gap) if gap else None)


def assert_valid(calendar: Calendar, frame: np.ndarray, bank: np.ndarray, nobs: int, mode: str) -> None:
    assert bank.shape[1] == nobs
    assert np.all(np.diff(bank, axis=1) > 0)  # sorted, distinct
    assert frame[bank].all()
    for row in bank:  # the definition itself, one set at a time
        assert decluster(calendar.keys[row], calendar.thresholds[row], mode).all()
    assert obeys_rule(calendar, bank).all()


@settings(max_examples=40, deadline=None)
@given(
    days=st.integers(60, 400),
    gap=st.sampled_from(["5", "21", "10cd", "21cd", "2w", "1mo"]),
    mode=st.sampled_from(["after_kept", "after_any"]),
    nobs=st.integers(1, 6),
    holes=st.floats(0.0, 0.5),
    seed=st.integers(0, 2**16),
)
def test_matched_sets_have_n_days_obeying_the_rule(days: int, gap: str, mode: str, nobs: int, holes: float, seed: int) -> None:
    calendar = weekday_calendar(days, gap)
    rng = np.random.default_rng(seed)
    frame = rng.random(days) >= holes
    try:
        bank = MatchedSampler(calendar, frame, nobs, mode=mode, seed=seed).draw(50)
    except DataError:
        return  # too many events for the frame under this gap: refused, never violated
    assert_valid(calendar, frame, bank, nobs, mode)


@settings(max_examples=40, deadline=None)
@given(days=st.integers(80, 400), gap=st.sampled_from(["3", "15", "7cd", "21cd", "1mo"]), seed=st.integers(0, 2**16))
def test_circular_shifts_keep_the_spacing(days: int, gap: str, seed: int) -> None:
    calendar = weekday_calendar(days, gap)
    frame = np.ones(days, dtype=bool)
    events = np.flatnonzero(decluster(calendar.keys, calendar.thresholds))[:4]
    sampler = CircularSampler(calendar, frame, events.size, events=events, seed=seed)
    try:
        bank = sampler.draw(30)
    except DataError:
        return
    assert_valid(calendar, frame, bank, events.size, "after_kept")
    # circular spacing (sorted gaps around the circle of frame days) is the events' own
    def circle_gaps(x: np.ndarray) -> list[int]:
        return sorted(np.diff(np.append(x, x[0] + days)).tolist())

    for row in bank:
        assert circle_gaps(row) == circle_gaps(events)


def test_circular_trading_gap_offsets_only_lose_the_wrap() -> None:
    calendar = weekday_calendar(300, "10")
    events = np.array([5, 20, 40, 100])
    sampler = CircularSampler(calendar, np.ones(300, dtype=bool), 4, events=events, seed=1)
    valid = sampler.valid_offsets()
    # the pair across the wrap is 300 - 100 + 5 = 205 apart: every offset keeps >= 10
    assert valid.size == 300


def test_same_seed_same_bank_and_registry() -> None:
    calendar = weekday_calendar(500, "21cd")
    frame = np.ones(500, dtype=bool)
    a = SAMPLERS.get("matched")(calendar, frame, 8, seed=5).draw(200)
    b = SAMPLERS.get("matched")(calendar, frame, 8, seed=5).draw(200)
    c = SAMPLERS.get("matched")(calendar, frame, 8, seed=6).draw(200)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(SAMPLERS) >= {"matched", "circular", "runs"}


def test_chain_shortcut_equals_full_decluster() -> None:
    calendar = weekday_calendar(2000, "21cd")
    sampler = MatchedSampler(calendar, np.ones(2000, dtype=bool), 30, seed=0)
    cand = np.sort(np.random.default_rng(1).integers(0, 2000, (300, 60)), axis=1)
    rows = np.repeat(np.arange(300), 60)
    flat = cand.ravel()
    fast = sampler._decluster(calendar.keys[flat], calendar.thresholds[flat], rows)
    full = decluster(calendar.keys[flat], calendar.thresholds[flat], "after_kept", groups=rows)
    assert np.array_equal(fast, full)


def test_too_many_events_is_refused() -> None:
    calendar = weekday_calendar(100, "21")
    with pytest.raises(DataError, match="could not draw 10 placebo days"):
        MatchedSampler(calendar, np.ones(100, dtype=bool), 10, seed=0).draw(5)
    with pytest.raises(ValueError, match="`mode` must be one of"):
        MatchedSampler(calendar, np.ones(100, dtype=bool), 1, mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`horizon` must be a positive integer"):
        MatchedSampler(calendar, np.ones(100, dtype=bool), 1, horizon=0)


def test_events_too_dense_for_random_dates_are_refused_after_a_few_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 weekdays under a 7-calendar-day gap allow 200 days; 190 events are a valid set,
    but random candidates, declustered, keep far fewer: the sampler gives up once three
    rounds show it (not after 200 rounds), and says how close it came, what the rule
    allows and which nulls work."""
    calendar = weekday_calendar(1000, "7cd")
    sampler = MatchedSampler(calendar, np.ones(1000, dtype=bool), 190, seed=0)
    rounds = []
    candidates = sampler.candidates
    monkeypatch.setattr(sampler, "candidates", lambda rng, reps: rounds.append(reps) or candidates(rng, reps))
    with pytest.raises(DataError, match=r"could not draw 190 placebo days .* kept at most 1\d\d for a set, and the rule allows at most 200 .*\(null='runs': the events' runs"):
        sampler.draw(50)
    assert len(rounds) == 3
    sparse = MatchedSampler(calendar, np.ones(1000, dtype=bool), 60, seed=0)  # well within reach: drawn as before
    assert_valid(calendar, np.ones(1000, dtype=bool), sparse.draw(50), 60, "after_kept")


@settings(max_examples=80, deadline=None)
@given(
    days=st.integers(30, 300), gap=st.sampled_from([None, "1", "3", "10", "3cd", "10cd", "1mo"]),
    holes=st.floats(0, 0.5), events=st.integers(1, 40), seed=st.integers(0, 2**16), on_frame=st.booleans(),
)
def test_circular_valid_offsets_are_every_shift_that_obeys_the_rule(
    days: int, gap: str | None, holes: float, events: int, seed: int, on_frame: bool
) -> None:
    """The shifts counted by correlation are those whose shifted, sorted set obeys the
    rule, checked shift by shift (events on frame days, or on any days: a day outside the
    frame takes the next frame day's rank)."""
    rng = np.random.default_rng(seed)
    calendar = weekday_calendar(days, gap)
    frame = rng.random(days) >= holes
    frame[rng.integers(0, days)] = True
    among = np.flatnonzero(frame) if on_frame else np.arange(days)
    chosen = np.sort(rng.choice(among, size=min(events, int(frame.sum())), replace=False))
    sampler = CircularSampler(calendar, frame, chosen.size, events=chosen, seed=seed)
    frame_days = np.flatnonzero(frame)
    ranks = np.searchsorted(frame_days, chosen)
    expected = [s for s in range(frame_days.size) if obeys_rule(calendar, np.sort(frame_days[(ranks + s) % frame_days.size])[None, :])[0]]
    if not expected:
        with pytest.raises(DataError, match="no circular shift"):
            sampler.valid_offsets()
        return
    assert sampler.valid_offsets().tolist() == expected

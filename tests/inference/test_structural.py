"""The placebo nulls evaluated from their structure equal the same nulls drawn and gathered."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eventstudy.errors import DataError
from eventstudy.inference import structural
from eventstudy.inference.design import EventDesign
from eventstudy.inference.placebo import STATISTICS, placebo_test
from eventstudy.inference.samplers import (
    Calendar,
    CircularSampler,
    MatchedSampler,
    RunsSampler,
    _sorted_distinct,
    obeys_rule,
)
from eventstudy.inference.structural import (
    _offsets,
    _placements,
    _run_days,
    _trading_gap,
    structural_null,
)
from eventstudy.periods import parse_gap


def _design(days: int, gap: str, events: np.ndarray, values: np.ndarray, holidays: bool = False) -> EventDesign:
    dates = pl.date_range(dt.date(2000, 1, 3), dt.date(2000, 1, 3) + dt.timedelta(days=int(days * 1.6) + 10), eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)
    if holidays:
        dates = dates.filter(np.arange(dates.len()) % 23 != 7)
    dates = dates.head(days)
    calendar = Calendar.build(dates, np.arange(days), parse_gap(gap))
    cells = pl.DataFrame(
        {"measure": ["fwd"] * values.shape[0], "asset": ["A"] * values.shape[0], "horizon": [f"{h}d" for h in range(1, values.shape[0] + 1)],
         "horizon_days": list(range(1, values.shape[0] + 1))}
    )
    return EventDesign(calendar, cells, values, np.sort(events), np.ones(days, dtype=bool), "after_kept")


def _declustered(rng: np.random.Generator, days: int, gap: int, n: int) -> np.ndarray:
    """``n`` days at least ``gap`` apart, in runs (some close together, some far)."""
    out, day = [], int(rng.integers(0, 30))
    while len(out) < n and day < days:
        out.append(day)
        day += gap + (int(rng.integers(0, 4)) if rng.random() < 0.7 else int(rng.integers(60, 200)))
    return np.array(out, dtype=np.int64)


def _values(rng: np.random.Generator, cells: int, days: int) -> np.ndarray:
    values = rng.normal(0.001, 0.02, (cells, days))
    for c in range(cells):  # the last days of a longer horizon are unknown
        values[c, days - 3 * (c + 1) :] = np.nan
    return values


def _direct(values: np.ndarray, sets: np.ndarray) -> dict[str, np.ndarray]:
    """The statistics gathered set by set (the reference)."""
    x = values[:, sets]  # (cells, reps, n)
    with np.errstate(invalid="ignore"):
        count = (~np.isnan(x)).sum(axis=2)
        return {"mean": np.nansum(x, axis=2) / count, "pct_positive": (x > 0).sum(axis=2) / count}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000), gap=st.sampled_from(["1", "5", "10cd", "3cd"]), holidays=st.booleans(), cells=st.integers(1, 3),
    holes=st.integers(0, 6),
)
@example(seed=5, gap="1", holidays=False, cells=2, holes=3)
@example(seed=8, gap="3cd", holidays=True, cells=1, holes=2)
def test_runs_from_structure_equal_the_runs_gathered(seed: int, gap: str, holidays: bool, cells: int, holes: int) -> None:
    """For the very placements drawn, the run sums (direct or FFT) give each set's mean and
    % positive exactly as gathering its days would; the median is the median of those days.
    With ``holes`` days inside the span where no cell has a value (the pool has holes, as
    under a nested baseline), every placed day is a pool day: the placements are redrawn
    here with each run's days listed and looked up in the pool, start by start."""
    rng = np.random.default_rng(seed)
    days = 700
    events = _declustered(rng, days - 40, int(gap.rstrip("cd")) + 1, int(rng.integers(3, 60)))
    values = _values(rng, cells, days)
    values[:, rng.choice(np.arange(days - 40), size=holes, replace=False)] = np.nan
    design = _design(days, gap, events, values, holidays)
    found = structural_null(design, "runs", 300, np.random.SeedSequence(seed))
    # redraw the same placements: the same seed and the same sampler set-up (the pool: days
    # with an outcome in some cell)
    pool = ~np.isnan(design.values).all(axis=0)
    events = events[pool[events]]
    again = np.random.default_rng(np.random.SeedSequence(seed))
    sampler = RunsSampler(design.calendar, pool, events.size, events=events, pool=pool, horizon=cells, seed=again)

    trading = _trading_gap(design, sampler)
    patterns: dict[tuple[int, ...], list[int]] = {}
    for r, (head, tail) in enumerate(zip(sampler.heads, sampler.tails)):
        patterns.setdefault(tuple(int(x) for x in sampler.slacks[head + 1 : tail + 1]), []).append(r)
    pattern_of = [()] * len(sampler.runs)
    for pattern, runs in patterns.items():
        for r in runs:
            pattern_of[r] = pattern
    n_cal = len(design.calendar)
    ends = {}
    for pattern in patterns:
        offsets = _offsets(pattern, sampler, trading)
        if offsets is not None:
            ends[pattern] = np.arange(n_cal) + int(offsets[-1])
        else:
            pos, alive = np.arange(n_cal), np.ones(n_cal, dtype=bool)
            for slack in pattern:
                pos = sampler.allowed[np.minimum(pos, n_cal - 1)] + slack
                alive &= pos < n_cal
            ends[pattern] = np.where(alive, pos, n_cal + cells)
    lo, hi = int(sampler.pool[0]), int(sampler.pool[-1])
    inside = None
    if not pool[lo : hi + 1].all():  # each run placed at every start, its days listed and looked up
        every_start = _run_days(sampler, np.repeat(np.arange(n_cal)[:, None], len(sampler.runs), axis=1), trading, pattern_of, patterns)
        inside = {pattern_of[r]: pool[every_start[:, head : tail + 1]].all(axis=1) for r, (head, tail) in enumerate(zip(sampler.heads, sampler.tails))}
    starts = _placements(sampler, again, 300, lo, hi, ends, pattern_of, inside)
    sets = _run_days(sampler, starts, trading, pattern_of, patterns)
    assert obeys_rule(design.calendar, np.sort(sets, axis=1)).all()
    assert pool[sets].all()
    np.testing.assert_array_equal(found.own, (np.sort(sets, axis=1) == np.sort(events)).all(axis=1))  # the events' own set
    direct = _direct(design.values, sets)
    np.testing.assert_allclose(found.draws["mean"], direct["mean"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(found.draws["pct_positive"], direct["pct_positive"], rtol=1e-12)
    m = found.median_reps
    medians = np.array([[np.nanmedian(design.values[c, row]) for row in sets[:m]] for c in range(cells)])
    np.testing.assert_allclose(found.draws["median"][:, :m], medians, rtol=1e-12)


@pytest.mark.parametrize("null", ["runs", "circular"])
def test_the_events_own_set_in_the_null_has_the_events_statistics_to_the_bit(null: str) -> None:
    """One run over nearly every day of the pool: the runs null's only placement is the
    events' own, and the circular null's shift 0 is too. Summed by FFT, the own set's mean
    equalled the events' mean only to rounding, and the rounding decided whether the
    events beat their own copy (p 0.0001, or a '*' from the max statistic over a null
    whose spread was rounding); the own set now has the events' mean and share positive,
    and the test finds nothing."""
    rng = np.random.default_rng(11)
    days = 600
    values = _values(rng, 2, days) - 0.001  # means near 0: rounding is large against them
    events = np.arange(0, days - 3) if null == "runs" else np.arange(5, days - 12)  # runs: every pool day
    design = _design(days, "1", events, values)
    found = structural_null(design, null, 300, np.random.SeedSequence(2))
    assert found.own is not None
    own = found.own
    assert own.all() if null == "runs" else own.sum() == 1
    for c in range(2):
        x = design.values[c, design.cell_events(c)]
        assert (found.draws["mean"][c, own] == STATISTICS["mean"](x)).all()
        assert (found.draws["pct_positive"][c, own] == STATISTICS["pct_positive"](x)).all()
    if null == "runs":  # a null of one set: the events are no more extreme than it
        observed = np.array([STATISTICS["mean"](design.values[c, design.cell_events(c)]) for c in range(2)])
        test = placebo_test(observed, found.draws["mean"])
        assert (test.p_two_sided == 1).all() and (test.p_greater == 1).all() and (test.p_less == 1).all()


@pytest.mark.parametrize("holes", [False, True])
@pytest.mark.parametrize("gap", ["3cd", "10cd"])
def test_a_long_run_under_a_calendar_gap_walked_by_doubling_is_the_run_walked_step_by_step(
    monkeypatch: pytest.MonkeyPatch, gap: str, holes: bool
) -> None:
    """A condition true on most days under a calendar gap: one run of hundreds of events,
    most a gap after the last (stretches without slack, walked by doubling) and a few a day
    later. Its null equals the one walked step by step (the sums to rounding, the medians,
    from the same placements, exactly); with holes in the pool, so do the placements."""
    rng = np.random.default_rng(7)
    days = 1500
    values = _values(rng, 2, days)
    if holes:
        values[:, [300, 301, 777]] = np.nan
    design = _design(days, gap, np.zeros(0, dtype=np.int64), values, holidays=True)
    keys, thresholds = design.calendar.keys, design.calendar.thresholds
    allowed = np.searchsorted(keys, thresholds)  # the first day a gap after each day
    events, day = [], 5
    while day < days - 300:
        events.append(day)
        day = int(allowed[day]) + (1 if len(events) % 150 == 0 else 0)
    design = _design(days, gap, np.array(events), values, holidays=True)
    lifts = []
    advance = structural._Chain.advance
    monkeypatch.setattr(structural._Chain, "advance", lambda self, *args: lifts.append(args[1]) or advance(self, *args))
    doubled = structural_null(design, "runs", 400, np.random.SeedSequence(3))
    assert len(lifts) >= 1 and max(lifts) >= 140  # stretches of 149 steps without slack, by doubling
    monkeypatch.setattr(structural, "LIFT_FROM", 10**9)
    walked = structural_null(design, "runs", 400, np.random.SeedSequence(3))
    np.testing.assert_allclose(doubled.draws["mean"], walked.draws["mean"], rtol=1e-12)
    np.testing.assert_allclose(doubled.draws["pct_positive"], walked.draws["pct_positive"], rtol=1e-12)
    np.testing.assert_array_equal(doubled.draws["median"], walked.draws["median"])
    assert len(events) > 160


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), gap=st.sampled_from(["1", "4", "10cd"]), holidays=st.booleans())
@example(seed=3377, gap="1", holidays=False)  # every event on unknown days in some shift: NaN, not 1e-18 / 0
def test_circular_from_an_fft_is_every_valid_shift(seed: int, gap: str, holidays: bool) -> None:
    """The circular null is the exact distribution over every shift that obeys the rule,
    the same shifts the sampler checks one by one, with the same sums."""
    rng = np.random.default_rng(seed)
    days = 400
    events = _declustered(rng, days - 10, int(gap.rstrip("cd")) + 1, int(rng.integers(2, 40)))
    design = _design(days, gap, events, _values(rng, 2, days), holidays)
    found = structural_null(design, "circular", 10, np.random.SeedSequence(seed))
    pool = ~np.isnan(design.values).all(axis=0)
    pool_days = np.flatnonzero(pool)
    events = events[pool[events]]
    valid = CircularSampler(design.calendar, pool, events.size, events=events, seed=1).valid_offsets()
    assert found.reps == valid.size
    ranks = np.searchsorted(pool_days, events)
    sets = pool_days[(ranks[None, :] + valid[:, None]) % pool_days.size]
    direct = _direct(design.values, sets)
    np.testing.assert_allclose(found.draws["mean"], direct["mean"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(found.draws["pct_positive"], direct["pct_positive"], atol=1e-12)


def test_circular_shifts_that_wrap_every_event_are_valid_under_a_trading_day_gap() -> None:
    """Events within a gap of both ends of the frame (ranks 3 and 196 of 197, gap 10): a
    shift that wraps some events but not others breaks the pair across the wrap, one that
    wraps them all (the events moved back 1-3 days) does not. Only shift 0 was taken, the
    sampler checks 4."""
    rng = np.random.default_rng(1)
    days = 200
    events = np.array([3, 40, 82, 130, 196])
    design = _design(days, "10", events, _values(rng, 1, days))
    pool = ~np.isnan(design.values).all(axis=0)
    pool_days = np.flatnonzero(pool)
    valid = CircularSampler(design.calendar, pool, events.size, events=events, seed=1).valid_offsets()
    assert valid.tolist() == [0, 194, 195, 196]
    found = structural_null(design, "circular", 10, np.random.SeedSequence(1))
    assert found.reps == valid.size
    sets = pool_days[(np.searchsorted(pool_days, events)[None, :] + valid[:, None]) % pool_days.size]
    np.testing.assert_allclose(found.draws["mean"], _direct(design.values, sets)["mean"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("days", "n", "gap"),
    [
        (11, 3, 2),  # 3 of 9 free values: the first distinct values drawn
        (9, 6, 1),  # 6 of 9: the 3 left out drawn instead
        (8, 7, 1),  # 7 of 8
        (14, 4, 3),  # 4 of 8: half the values
        (40, 2, 5),  # 2 of 35: rows with a repeat redrawn
    ],
)
def test_matched_sets_are_uniform_among_the_sets_the_rule_allows(days: int, n: int, gap: int) -> None:
    """Stars and bars: every set of n days at least g apart is equally likely (e.g. all 84
    sets of 3 days 2 apart among 11 days; a chi-square with a fixed seed: deterministic),
    whichever way the n distinct values are drawn."""
    from scipy import stats

    room = days - (n - 1) * (gap - 1)
    valid = [c for c in itertools.combinations(range(days), n) if all(b - a >= gap for a, b in itertools.pairwise(c))]
    assert len(valid) == math.comb(room, n)
    rng = np.random.default_rng(0)
    sets = _sorted_distinct(rng, 1000 * len(valid), n, room) + np.arange(n) * (gap - 1)
    counts = {c: 0 for c in valid}
    for row in map(tuple, sets.tolist()):
        counts[row] += 1  # a KeyError would be a set the rule does not allow
    assert stats.chisquare(list(counts.values())).pvalue > 0.001


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**16), reps=st.integers(1, 40), m=st.integers(1, 3000), share=st.floats(0, 1))
def test_sorted_distinct_gives_sorted_distinct_values_in_range(seed: int, reps: int, m: int, share: float) -> None:
    k = round(share * m)
    sets = _sorted_distinct(np.random.default_rng(seed), reps, k, m)
    assert sets.shape == (reps, k) and sets.dtype == np.int64
    assert (np.diff(sets, axis=1) > 0).all() and (sets >= 0).all() and (sets < m).all()


def test_matched_null_on_nearly_every_day_of_a_pool_with_holes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A condition true on nearly every day, gap 1, and a few days without an outcome
    inside the span: any set of distinct pool days obeys the rule, and is drawn directly
    (the sampler's rejection rounds could never fill 290 distinct days from 294 drawn with
    repeats, and gave up with an error). Every pool day is left out of its share of the
    sets, 4 in 294."""
    rng = np.random.default_rng(4)
    days = 300
    values = _values(rng, 2, days)
    values[:, [40, 41, 170]] = np.nan
    pool = ~np.isnan(values).all(axis=0)
    events = np.flatnonzero(pool)[:290]
    design = _design(days, "1", events, values)
    drawn = []
    gather = structural._statistics_from_sets
    monkeypatch.setattr(structural, "_statistics_from_sets", lambda v, sets, **kw: drawn.append(sets) or gather(v, sets, **kw))
    found = structural_null(design, "matched", 2000, np.random.SeedSequence(9))
    sets = np.concatenate(drawn)
    assert sets.shape == (2000, 290) and pool[sets].all() and (np.diff(sets, axis=1) > 0).all()
    share = (pool.sum() - 290) / pool.sum()  # 4 of the 294 pool days left out of a set
    left_out = 2000 - np.bincount(sets.ravel(), minlength=days)[pool]  # binomial(2000, share) per day
    expected, sd = 2000 * share, math.sqrt(2000 * share * (1 - share))
    assert np.abs(left_out - expected).max() < 5 * sd
    assert np.isfinite(found.draws["mean"]).all()


def _capture_sets(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """The placebo sets the matched null gathers, as it gathers them."""
    drawn: list[np.ndarray] = []
    gather = structural._statistics_from_sets
    monkeypatch.setattr(structural, "_statistics_from_sets", lambda v, sets, **kw: drawn.append(sets) or gather(v, sets, **kw))
    return drawn


def test_matched_sets_around_holes_are_uniform_among_the_sets_the_rule_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trading-day gap on a pool with holes: every set of 3 pool days 2 apart is equally
    likely (a chi-square over all of them, fixed seed)."""
    from scipy import stats

    days, n, holes = 14, 3, [4, 9]
    values = np.random.default_rng(1).normal(0, 1, (1, days))
    values[:, holes] = np.nan
    design = _design(days, "2", np.array([0, 2, 5]), values)
    drawn = _capture_sets(monkeypatch)
    tried = []
    spaced = structural._spaced_around_holes
    monkeypatch.setattr(structural, "_spaced_around_holes", lambda *a: tried.append(spaced(*a)) or tried[-1])
    structural_null(design, "matched", 20_000, np.random.SeedSequence(5))
    assert len(tried) == 1 and tried[0] is not None  # drawn on the span, not by the sampler
    sets = np.concatenate(drawn)
    valid = [c for c in itertools.combinations(sorted(set(range(days)) - set(holes)), n) if all(b - a >= 2 for a, b in itertools.pairwise(c))]
    counts = {c: 0 for c in valid}
    for row in map(tuple, sets.tolist()):
        counts[row] += 1  # a KeyError would be a set on a hole or closer than the gap
    assert sum(counts.values()) == sets.shape[0] >= 20 * len(valid)
    assert stats.chisquare(list(counts.values())).pvalue > 0.001


def test_matched_null_packs_dense_events_around_holes(monkeypatch: pytest.MonkeyPatch) -> None:
    """58 events 5 trading days apart in 297 days with three holes (nearly as dense as the
    rule allows): the sampler's rejection rounds never filled such a set and gave up; the
    sets are drawn on the span, those on a hole again."""
    days = 300
    values = np.random.default_rng(2).normal(0, 1, (1, days))
    values[:, [50, 51, 200]] = np.nan
    events = np.array([d for d in range(0, 296, 5) if d not in (50, 200)])[:58]
    design = _design(days, "5", events, values)
    drawn = _capture_sets(monkeypatch)
    found = structural_null(design, "matched", 1000, np.random.SeedSequence(3))
    sets = np.concatenate(drawn)
    assert sets.shape == (found.reps, 58) and np.isfinite(found.draws["mean"]).all()
    assert obeys_rule(design.calendar, sets).all() and (~np.isnan(values[0, sets])).all()


def test_matched_null_among_many_holes_draws_as_the_sampler_did(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where few sets drawn on the span miss the holes (every third day a hole, dense
    events), the matched sampler draws the sets, from the generator as it was: the same
    draws as without the span's attempt."""
    days = 600
    values = np.random.default_rng(3).normal(0, 1, (1, days))
    values[:, ::3] = np.nan
    pool_days = np.flatnonzero(~np.isnan(values[0]))
    design = _design(days, "2", pool_days[::4][:90], values)
    tried = []
    spaced = structural._spaced_around_holes
    monkeypatch.setattr(structural, "_spaced_around_holes", lambda *a: tried.append(spaced(*a)) or tried[-1])
    found = structural_null(design, "matched", 500, np.random.SeedSequence(4))
    assert tried == [None]
    monkeypatch.setattr(structural, "_spaced_around_holes", lambda *a: None)
    alone = structural_null(design, "matched", 500, np.random.SeedSequence(4))
    for name in ("mean", "median", "pct_positive"):
        np.testing.assert_array_equal(found.draws[name], alone.draws[name])


@pytest.mark.parametrize(("gap", "days", "n", "holes"), [("3cd", 16, 4, []), ("7cd", 30, 4, [8]), ("2", 13, 4, [3, 4])])
def test_counted_sets_are_uniform_among_the_sets_the_rule_allows(gap: str, days: int, n: int, holes: list[int]) -> None:
    """Every set of n pool days that obeys the rule is equally likely (a chi-square over
    all of them, fixed seed), under calendar and trading gaps, with holes in the pool."""
    from scipy import stats

    design = _design(days, gap, np.array([0]), np.zeros((1, days)), holidays=True)
    pool_days = np.setdiff1d(np.arange(days), holes)
    keys, thresholds = design.calendar.keys[pool_days], design.calendar.thresholds[pool_days]
    valid = [c for c in itertools.combinations(range(pool_days.size), n) if all(keys[b] >= thresholds[a] for a, b in itertools.pairwise(c))]
    counted = structural._counted_sets(keys, thresholds, n, np.random.default_rng(8))
    assert counted is not None
    draw, earliest, latest = counted
    assert earliest.tolist() == np.min(valid, axis=0).tolist() and latest.tolist() == np.max(valid, axis=0).tolist()
    counts = {c: 0 for c in valid}
    for row in map(tuple, draw(300 * len(valid)).tolist()):
        counts[row] += 1  # a KeyError would be a set the rule does not allow
    assert len(valid) >= 10 and stats.chisquare(list(counts.values())).pvalue > 0.001


def test_matched_null_counts_the_sets_of_events_too_dense_for_random_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Events nearly as dense as a calendar gap allows (the matched sampler's random days,
    declustered, keep too few): the sets are counted and drawn, each obeying the rule on
    pool days, every placebo of the budget drawn."""
    days = 700
    values = np.random.default_rng(5).normal(0, 1, (1, days))
    values[:, [100, 101, 450]] = np.nan
    pool = ~np.isnan(values[0])
    design = _design(days, "7cd", np.zeros(0, dtype=np.int64), values, holidays=True)
    keys, thresholds = design.calendar.keys, design.calendar.thresholds
    packed, day = [], 0
    while day < days:  # the earliest allowed pool day each time: as many as any set holds
        if pool[day] and (not packed or keys[day] >= thresholds[packed[-1]]):
            packed.append(day)
        day += 1
    events = np.array(packed[2:-2])  # a few short of the most
    design = _design(days, "7cd", events, values, holidays=True)
    drawn = _capture_sets(monkeypatch)
    found = structural_null(design, "matched", 2000, np.random.SeedSequence(6))
    sets = np.concatenate(drawn)
    assert found.reps == found.median_reps == sets.shape[0] == 2000 and sets.shape[1] == events.size
    assert obeys_rule(design.calendar, sets).all() and pool[sets].all()
    with pytest.raises(DataError, match="too dense for random dates"):  # what the sampler alone could do
        MatchedSampler(design.calendar, pool, events.size, seed=1).draw(200)


def test_matched_null_under_a_calendar_gap_draws_every_placebo_past_the_gather_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sparse events under a calendar gap (the matched sampler's draws) with more sets
    asked than the median's gather budget allows: the mean and % positive have every set
    (the median the first ``GATHER_BUDGET // n``), as under a trading-day gap. The sets
    past the budget were left blank, which the max-statistic adjustment counts as beating
    the cell: one cell's p max-stat read 0.95 beside its own p of 0.78 (1,048 events, 7cd,
    on SPX)."""
    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.timeseries import placebo_headline

    rng = np.random.default_rng(7)
    days, n = 700, 20
    events = np.arange(5, 650, 32)[:n]
    design = _design(days, "7cd", events, _values(rng, 1, days), holidays=True)
    monkeypatch.setattr(structural, "GATHER_BUDGET", n * 50)
    found = structural_null(design, "matched", 400, np.random.SeedSequence(2))
    assert found.reps == 400 and found.median_reps == 50
    assert np.isfinite(found.draws["mean"]).all() and np.isfinite(found.draws["pct_positive"]).all()
    assert np.isfinite(found.draws["median"][:, :50]).all()
    headline = placebo_headline(design, StatisticsSpec(placebos=400, seed=3, null="matched"))
    for name in ("mean", "pct_positive"):  # one cell: the step-down is the cell's own two-sided p
        np.testing.assert_allclose(headline.p_maxstat[name], headline.p[name])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), share=st.floats(0.0, 0.6), reps=st.integers(1, 150))
def test_set_sums_equal_the_sets_gathered(seed: int, n: int, share: float, reps: int) -> None:
    """The matched null's matrix product gives each set's mean as gathering its days does
    (to rounding: the sums add in another order) and its share positive to the bit, unknown
    values left out and NaN where a set has none; it marks the sets that are the events'
    own, and turns down sets that repeat a day (a 0/1 row would count the day once)."""
    rng = np.random.default_rng(seed)
    days = 450
    values = rng.normal(0.0, 0.02, (3, days))
    values[rng.random(values.shape) < share] = np.nan
    values[2, -120:] = np.nan
    sets = np.sort(rng.permuted(np.broadcast_to(np.arange(days), (reps, days)), axis=1)[:, :n], axis=1)
    events = sets[0].copy() if rng.random() < 0.5 else np.sort(rng.choice(days, size=n, replace=False))
    summed = structural._set_sums(values, sets, events)
    assert summed is not None and summed.own is not None
    gathered = structural._statistics_from_sets(values, sets, median=False)
    np.testing.assert_allclose(summed.statistics["mean"], gathered["mean"], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(summed.statistics["pct_positive"], gathered["pct_positive"])
    assert (np.isnan(summed.statistics["mean"]) == np.isnan(gathered["mean"])).all()
    np.testing.assert_array_equal(summed.own, [np.array_equal(row, events) for row in sets])
    if n > 1:
        repeated = sets.copy()
        repeated[-1, 1] = repeated[-1, 0]
        assert structural._set_sums(values, repeated, events) is None


@pytest.mark.parametrize(("days", "n"), [(9, 6), (8, 3), (10, 9), (7, 7)])
def test_keyed_matched_sets_are_uniform_among_the_sets_of_pool_days(days: int, n: int) -> None:
    """A gap of one day, events on many of the pool's days: the sets drawn by random keys
    are every set of ``n`` of the days equally often (a chi-square with a fixed seed:
    deterministic), and the medians are those of the very sets summed. A day's value
    2^d makes each set's sum name its days."""
    from scipy import stats

    values = (2.0 ** np.arange(days))[None, :]
    pool_days = np.arange(days)
    sets = math.comb(days, n)
    reps = 400 * sets
    found = structural._keyed(values, pool_days, n, reps, np.random.default_rng(1), pool_days[:n])
    named = np.rint(found.draws["mean"][0] * n).astype(np.int64)
    members = (named[:, None] >> np.arange(days)) & 1
    assert (members.sum(axis=1) == n).all()
    counts = np.unique(named, return_counts=True)[1]
    assert counts.size == sets
    if sets > 1:
        assert stats.chisquare(counts).pvalue > 0.001
    m = found.median_reps
    expected = [np.median(values[0, row.astype(bool)]) for row in members[:m]]
    np.testing.assert_array_equal(found.draws["median"][0, :m], expected)
    assert np.isnan(found.draws["median"][0, m:]).all()


def test_matched_sets_that_are_the_events_own_have_the_events_statistics_to_the_bit() -> None:
    """Events on all but one day of the pool, gap 1: the matched null's sets leave out one
    day each, and one in 297 is the events' own. Summed by a matrix product, its mean was
    the events' only to rounding, and the rounding decided whether the events beat their
    own copy; the own sets now have the events' mean and share positive."""
    rng = np.random.default_rng(3)
    days = 300
    values = _values(rng, 2, days) - 0.001
    events = np.delete(np.arange(days - 3), 100)
    design = _design(days, "1", events, values)
    found = structural_null(design, "matched", 2000, np.random.SeedSequence(4))
    assert found.own is not None and 1 <= found.own.sum() <= 20  # about 2000 / 297
    for c in range(2):
        x = design.values[c, design.cell_events(c)]
        assert (found.draws["mean"][c, found.own] == STATISTICS["mean"](x)).all()
        assert (found.draws["pct_positive"][c, found.own] == STATISTICS["pct_positive"](x)).all()


def test_matched_null_keeps_the_gap_and_the_pool() -> None:
    rng = np.random.default_rng(5)
    days = 500
    events = _declustered(rng, days - 10, 6, 30)
    design = _design(days, "5", events, _values(rng, 1, days))
    found = structural_null(design, "matched", 400, np.random.SeedSequence(1))
    assert found.draws["mean"].shape == (1, 400) and np.isfinite(found.draws["mean"]).all()
    # the placebo means centre on the values' mean (no edge bias to speak of with 30 of 500 days)
    known = design.values[0][~np.isnan(design.values[0])]
    assert abs(found.draws["mean"].mean() - known.mean()) < 4 * known.std() / math.sqrt(30 * 400) + 1e-4


def test_one_placement_serves_every_horizon() -> None:
    """A placebo day without an outcome in a cell (past the end of the data) is left out of
    that cell only: the short horizon keeps every day, the long one fewer."""
    rng = np.random.default_rng(2)
    days = 300
    events = np.array([10, 12, 14, 150, 280, 290])
    values = rng.normal(0, 1, (2, days))
    values[1, 260:] = np.nan
    design = _design(days, "1", events, values)
    found = structural_null(design, "runs", 500, np.random.SeedSequence(3))
    assert np.isfinite(found.draws["mean"]).all()
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(found.draws["mean"][0], found.draws["mean"][1])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 700), share=st.floats(0.0, 0.5), means=st.booleans())
def test_placebo_medians_from_ranks_equal_those_from_values(seed: int, n: int, share: float, means: bool) -> None:
    """However many sets there are per day, the medians sorted as ranks and those sorted
    as values are the same bits (unknown values left out; NaN where a set has none), and
    the mean and % positive do not depend on the path."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(0.0, 0.02, (2, 900)), 3) + 0.0  # rounded: many ties (+ 0.0: no -0.0, whose sign a tie may not keep)
    values[rng.random(values.shape) < share] = np.nan
    values[1, -200:] = np.nan  # a long horizon's unknown tail
    sets = rng.integers(0, 900, (int(rng.integers(1, 300)), n))
    found = {}
    for path, threshold in (("ranks", 0), ("values", 10**9)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(structural, "RANKED_FROM", threshold)
            found[path] = structural._statistics_from_sets(values, sets, means=means)
    for name in found["ranks"]:
        np.testing.assert_array_equal(np.nan_to_num(found["ranks"][name], nan=7.0).view(np.int64), np.nan_to_num(found["values"][name], nan=7.0).view(np.int64))

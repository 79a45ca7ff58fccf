"""The runs null: placebo sets that cluster like the events, their runs at random dates."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from synthetic import write_random_walks

import eventstudy
from eventstudy.errors import DataError
from eventstudy.events import decluster
from eventstudy.inference import InferenceSettings, calibrate
from eventstudy.inference.samplers import SAMPLERS, Calendar, RunsSampler, obeys_rule, split_runs
from eventstudy.periods import parse_gap

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "spx_rut.yaml"


def weekday_calendar(days: int, gap: str | None, holidays: bool = False) -> Calendar:
    """``days`` weekdays from 2000-01-03; with ``holidays``, every 23rd weekday is skipped."""
    dates = pl.date_range(dt.date(2000, 1, 3), dt.date(2000, 1, 3) + dt.timedelta(days=int(days * 1.6) + 10), eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)
    if holidays:
        dates = dates.filter(np.arange(dates.len()) % 23 != 7)
    dates = dates.head(days)
    return Calendar.build(dates, np.arange(dates.len()) + 100, parse_gap(gap) if gap else None)


def shapes(days: np.ndarray, run_gap: int) -> Counter:
    """The multiset of run shapes in trading days (offsets from each run's first day)."""
    return Counter(tuple((run - run[0]).tolist()) for run in split_runs(days, run_gap))


def rule_shapes(calendar: Calendar, days: np.ndarray, run_gap: int) -> Counter:
    """The multiset of run shapes on the rule's terms: each day's slack after the first day the rule allows."""
    allowed = np.searchsorted(calendar.keys, calendar.thresholds)
    return Counter(tuple((run[1:] - allowed[run[:-1]]).tolist()) for run in split_runs(days, run_gap))


def clustered_events(calendar: Calendar, runs: list[tuple[int, list[int]]], run_gap: int) -> np.ndarray:
    """Events in runs: per run, ``(extra days before it, extra days after the gap per member)``.

    Each member is the first day the rule allows after the previous one, plus its extra
    days; each run starts at least ``run_gap`` after the previous run. Returns [] if the
    calendar is too short.
    """
    events: list[int] = []
    day = 0
    for lead, extras in runs:
        day = day + lead if not events else events[-1] + run_gap + lead
        for m, extra in enumerate(extras):
            if m > 0:
                day = int(np.searchsorted(calendar.keys, calendar.thresholds[events[-1]])) + extra
            if day >= len(calendar) or (events and calendar.keys[day] < calendar.thresholds[events[-1]]):
                return np.array([], dtype=np.int64)
            events.append(day)
    return np.array(events, dtype=np.int64)


@settings(max_examples=60, deadline=None)
@given(
    days=st.integers(200, 700),
    gap=st.sampled_from(["3", "10", "21", "7cd", "10cd", "21cd", "2w", "1mo"]),
    holidays=st.booleans(),
    mode=st.sampled_from(["after_kept", "after_any"]),
    runs=st.lists(st.tuples(st.integers(0, 40), st.lists(st.integers(0, 6), min_size=1, max_size=4)), min_size=1, max_size=4),
    run_gap=st.integers(40, 80),
    tail=st.integers(0, 60),
    seed=st.integers(0, 2**16),
)
def test_runs_sets_have_n_days_obeying_the_rule_and_the_events_runs(
    days: int, gap: str, holidays: bool, mode: str, runs: list, run_gap: int, tail: int, seed: int
) -> None:
    calendar = weekday_calendar(days, gap, holidays)
    events = clustered_events(calendar, runs, run_gap)
    frame = np.arange(days) < days - tail  # complete days: the end of the data cut off
    if events.size == 0 or not frame[events].all():
        return
    assert obeys_rule(calendar, events[None, :]).all()
    sampler = RunsSampler(calendar, frame, events.size, mode=mode, events=events, run_gap=run_gap, seed=seed)  # type: ignore[arg-type]
    try:
        bank = sampler.draw(40)
    except DataError:
        return  # the runs cannot be placed often enough: refused, never violated
    assert bank.shape == (40, events.size)
    assert np.all(np.diff(bank, axis=1) > 0)  # sorted, distinct
    assert frame[bank].all()
    assert obeys_rule(calendar, bank).all()
    target, td_target = rule_shapes(calendar, events, run_gap), shapes(events, run_gap)
    for row in bank:
        assert decluster(calendar.keys[row], calendar.thresholds[row], mode).all()  # the rule's definition
        # same run lengths, same in-run spacing on the rule's terms, runs >= run_gap apart
        assert rule_shapes(calendar, row, run_gap) == target
        if gap.isdigit():  # a trading-day gap: the trading-day spacing itself is kept
            assert shapes(row, run_gap) == td_target


@pytest.mark.parametrize("gap", ["21", "21cd"])
def test_runs_are_kept_and_placed_at_many_dates(gap: str) -> None:
    calendar = weekday_calendar(3000, gap, holidays=True)
    events = clustered_events(calendar, [(100, [0, 0, 2, 0]), (300, [0]), (50, [0, 1]), (500, [0])], 63)
    sampler = RunsSampler(calendar, np.ones(3000, dtype=bool), events.size, events=events, run_gap=63, seed=3)
    assert sampler.run_lengths == [4, 1, 2, 1]
    bank = sampler.draw(2000)
    assert all(rule_shapes(calendar, row, 63) == rule_shapes(calendar, events, 63) for row in bank)
    long_runs = [next(run for run in split_runs(row, 63) if run.size == 4) for row in bank]
    assert np.unique([run[0] for run in long_runs]).size > 500  # the long run lands all over the window
    spacings = {tuple(np.diff(run).tolist()) for run in long_runs}
    # trading-day gap: spacing kept exactly; calendar gap: it follows the holidays (rule's terms kept)
    assert spacings == {tuple(np.diff(events[:4]).tolist())} if gap == "21" else len(spacings) > 1
    assert np.unique(bank, axis=0).shape[0] == 2000


def test_long_runs_under_a_calendar_gap_are_placed() -> None:
    """Regression: keeping trading-day spacing exactly under a calendar gap admitted almost no placement.

    A run of kept events one gap apart is 14 or 15 trading days per step depending on the
    holidays; only the rule-relative spacing can be reproduced elsewhere.
    """
    calendar = weekday_calendar(3000, "21cd", holidays=True)
    events = clustered_events(calendar, [(50, [0] * 15), (400, [0] * 15), (300, [0, 2] * 5)], 63)
    assert events.size == 40 and len(set(np.diff(events[:15]).tolist())) > 1  # 14 and 15 trading days
    sampler = RunsSampler(calendar, np.ones(3000, dtype=bool), events.size, events=events, run_gap=63, seed=2)
    bank = sampler.draw(500)
    assert all(rule_shapes(calendar, row, 63) == rule_shapes(calendar, events, 63) for row in bank)
    assert obeys_rule(calendar, bank).all()


@pytest.mark.parametrize("gap", ["3", "4cd"])
def test_runs_placements_are_uniform(gap: str) -> None:
    """Every placement of the runs (any order, >= run_gap apart, in the frame) equally likely."""
    calendar = weekday_calendar(30, gap)
    allowed = np.searchsorted(calendar.keys, calendar.thresholds)
    events = np.array([2, allowed[2] + 1, 20])  # runs [2, .] and [20] at run_gap 8
    valid = [
        s
        for s in itertools.combinations(range(30), 3)
        if rule_shapes(calendar, np.array(s), 8) == rule_shapes(calendar, events, 8)
        and obeys_rule(calendar, np.array(s)[None, :])[0]
    ]
    bank = RunsSampler(calendar, np.ones(30, dtype=bool), 3, events=events, run_gap=8, seed=11).draw(40_000)
    counts = Counter(map(tuple, bank.tolist()))
    assert set(counts) == set(valid)
    if gap == "4cd":  # the trading-day spacing inside the run follows the weekdays
        assert len({s[1] - s[0] if s[1] - s[0] < 8 else s[2] - s[1] for s in valid}) > 1
    assert stats.chisquare(np.array([counts[s] for s in valid])).pvalue > 1e-3


def test_same_seed_same_bank() -> None:
    calendar = weekday_calendar(1500, "21cd")
    events = clustered_events(calendar, [(40, [0, 3, 0]), (200, [0]), (90, [0, 0])], 63)
    frame = np.ones(1500, dtype=bool)
    a = SAMPLERS.get("runs")(calendar, frame, events.size, events=events, seed=5).draw(300)
    b = SAMPLERS.get("runs")(calendar, frame, events.size, events=events, seed=5).draw(300)
    c = SAMPLERS.get("runs")(calendar, frame, events.size, events=events, seed=6).draw(300)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_run_threshold_default_and_validation() -> None:
    calendar = weekday_calendar(2000, "21cd")
    frame = np.ones(2000, dtype=bool)
    events = np.array([100, 150, 400])
    assert RunsSampler(calendar, frame, 3, events=events).run_gap == 252  # no horizon: a year
    assert RunsSampler(calendar, frame, 3, events=events, horizon=126).run_gap == 126  # the longest horizon
    assert RunsSampler(calendar, frame, 3, events=events, horizon=5).run_gap == 63  # at least a quarter
    assert RunsSampler(calendar, frame, 3, events=events, horizon=5, run_gap=10).run_gap == 10
    assert RunsSampler(calendar, frame, 3, events=events, run_gap=63).run_lengths == [2, 1]
    with pytest.raises(ValueError, match="`run_gap` must be a positive integer"):
        RunsSampler(calendar, frame, 3, events=events, run_gap=0)
    with pytest.raises(ValueError, match="`horizon` must be a positive integer"):
        RunsSampler(calendar, frame, 3, events=events, horizon=-1)
    with pytest.raises(ValueError, match="`events` must hold 3 days, got 2"):
        RunsSampler(calendar, frame, 3, events=events[:2])


def test_edge_cases() -> None:
    calendar = weekday_calendar(300, "5")
    frame = np.ones(300, dtype=bool)
    # no events: an empty bank
    assert RunsSampler(calendar, frame, 0, events=np.array([], dtype=np.int64)).draw(7).shape == (7, 0)
    # one run spanning most of the frame: it can only slide, never wrap
    events = np.arange(0, 290, 10)
    bank = RunsSampler(calendar, frame, events.size, events=events, run_gap=63, seed=0).draw(500)
    assert set(bank[:, 0].tolist()) == set(range(20)) and np.all(bank - bank[:, :1] == events)
    # a run longer than the frame
    with pytest.raises(DataError, match="spans at least 281 trading days, more than the frame's 200"):
        RunsSampler(calendar, np.arange(300) < 200, 29, events=np.arange(0, 290, 10), run_gap=63)
    # runs and their separations together longer than the frame
    with pytest.raises(DataError, match="do not fit in the frame's 200 days: use a smaller run_gap"):
        RunsSampler(calendar, np.arange(300) < 200, 4, events=np.array([0, 100, 200, 299]), run_gap=99)
    # a frame of scattered days cannot hold a run: refused with a reason
    scattered = np.zeros(300, dtype=bool)
    scattered[::7] = True
    with pytest.raises(DataError, match="could not place the events' runs"):
        RunsSampler(calendar, scattered, 3, events=np.array([0, 5, 10]), run_gap=63, seed=0).draw(50)


# -- calibration ---------------------------------------------------------------------

STUDY = """\
name: random-walk study
series: {SPX: SPX, RUT: RUT}
when: SPX at 52-week high
window: {start: 1990-01-01, end: 2019-12-31}
decluster: {gap: 21cd, mode: after_kept}
evaluate:
  - forward_returns: {assets: [SPX], horizons: [3m, 6m]}
"""

# The SPX/RUT study's run structure, moved into 1990-2019: six events about a month
# apart, seven, two, and four singletons (trading-day spacing as in 1998-99 and 2024, at
# least 15 days: 21 calendar days on a calendar without holidays).
RUNS_START = (1995, 2000, 2004, 2008, 2012, 2016, 2018)
RUNS_SPACING: tuple[tuple[int, ...], ...] = ((), (19, 26, 25, 19, 15), (), (15,), (), (15, 15, 18, 34, 15, 18), ())


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> eventstudy.StudyResult:
    """A study on two simulated random walks (no real data needed)."""
    root = tmp_path_factory.mktemp("walk_runs")
    write_random_walks(root, ("SPX", "RUT"), seed=1)
    (root / "study.yaml").write_text(STUDY)
    return eventstudy.run(root / "study.yaml", data_dir=root)


def run_structured_events(result: eventstudy.StudyResult) -> pl.Series:
    days = result.baseline_outcomes.get_column("date").unique().sort()
    picked = []
    for year, spacing in zip(RUNS_START, RUNS_SPACING):
        first = int(days.search_sorted(dt.date(year, 3, 1)))
        picked.extend((first + np.concatenate(([0], np.cumsum(spacing, dtype=int)))).tolist())
    return days.gather(picked)


def test_runs_calibration_reduced(walk: eventstudy.StudyResult) -> None:
    """200 pseudo-studies in runs x B = 500: the runs null rejects 1%-10% at 5%; matched more."""
    events = run_structured_events(walk)
    table = calibrate(
        walk, InferenceSettings(seed=3), studies=200, placebos=500, horizon="6m", effects=(0.0, 0.05),
        pseudo="circular", events=events, circular=False,
    )
    size = table.filter(pl.col("effect") == 0.0)
    runs = size.filter(test="runs_mean").row(0, named=True)
    assert runs["nobs"] == 19
    assert 0.01 <= runs["reject_5pct"] <= 0.10
    assert runs["reject_1pct"] <= runs["reject_5pct"] <= runs["reject_10pct"]
    assert size.filter(test="placebo_mean")["reject_5pct"][0] > 0.12  # the matched null is too narrow here
    assert table.filter(pl.col("effect") == 0.05, test="runs_mean")["reject_5pct"][0] > runs["reject_5pct"]


@pytest.mark.slow
@pytest.mark.shared_data
def test_spx_runs_calibration_reduced(shared_data: Path) -> None:
    """On SPX, pseudo-events = the real events shifted: the runs null holds its level at 1y."""
    result = eventstudy.run(CONFIG, data_dir=shared_data, end="2024-12-31")
    table = calibrate(
        result, InferenceSettings(seed=3), studies=200, placebos=500, horizon="1y", effects=(0.0,),
        pseudo="circular", circular=False,
    )
    assert 0.01 <= table.filter(test="runs_mean")["reject_5pct"][0] <= 0.10


def test_calibrate_pseudo_runs_and_validation(walk: eventstudy.StudyResult) -> None:
    events = run_structured_events(walk)
    outside = pl.Series([dt.date(1970, 1, 5)], dtype=pl.Date)  # before the window: dropped
    table = calibrate(
        walk, InferenceSettings(seed=4), studies=100, placebos=200, horizon="3m", effects=(0.0,),
        pseudo="runs", events=pl.concat([events, outside]), circular=False, run_gap=63,
    )
    assert table["pseudo"].unique().to_list() == ["runs"] and table["nobs"][0] == 19
    assert "runs_mean" in table["test"].to_list() and "circular_mean" not in table["test"].to_list()
    with pytest.raises(ValueError, match=r"`pseudo` must be one of {'matched', 'circular', 'runs'}"):
        calibrate(walk, InferenceSettings(), studies=10, placebos=10, pseudo="shifted")  # type: ignore[arg-type]

"""The placebo nulls of a study of named series, from their structure: cost linear in days.

A placebo null (:mod:`.samplers`) is a distribution over event sets; what a test needs
is each set's statistic per cell. Drawing ``B`` sets of ``n`` days and gathering their
values costs ``B x n`` per cell (10^8 at 10,000 events), and rejection rounds on top;
here the nulls are evaluated from what they are made of instead:

``runs``
    A placebo places each of the events' ``k`` runs at its own random start. A run is a
    fixed *pattern* (its events' slacks after the first day the rule allows), so its
    sum of values placed at start ``s`` is one array ``S_p(s)`` over all starts, computed
    once per distinct pattern (by direct sums, or an FFT correlation for long patterns
    under a trading-day gap). A placebo's mean is then ``sum_r S_{p_r}(start_r)`` over
    its ``k`` starts divided by the same sum of known-value counts: ``B x k`` lookups,
    with the placements drawn directly (a uniform composition of the free days, no
    per-day rejection).
``circular``
    Every valid shift at once: the events' calendar shifted by ``o`` frame days has sum
    ``(v * e)(o)``, the circular cross-correlation of the values with the events'
    indicator, for all ``o`` by one FFT; the null is the exact distribution over all
    shifts that obey the declustering rule (no Monte Carlo).
``matched``
    ``n`` days uniformly among the sets that obey a trading-day gap (stars and bars:
    no rejection; under a gap of one day, any ``n`` distinct pool days), or the
    sampler's draws under a calendar gap; values gathered in chunks, with at most
    :data:`GATHER_BUDGET` values per cell, or, where a set holds many of the days
    (:data:`SUMMED_FROM`), each set's sums by one matrix product of the sets' 0/1 rows
    with the days' values (under a gap of one day, such sets drawn by random keys, never
    listed but for the median: :data:`KEYED_FROM`).

Every cell is served by one set of placements (one bank for all horizons): a placebo
day whose outcome in a cell is unknown (past the end of the data) is left out of that
cell's statistic, as a real event's is. The median has no such decomposition: it is
computed on actual placebo sets, at most :data:`GATHER_BUDGET` values per cell (the
first ``GATHER_BUDGET // n`` placebos, and the run says so when that is fewer than B).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from eventstudy.errors import DataError
from eventstudy.inference.design import EventDesign
from eventstudy.inference.placebo import (
    SORT_WIDTH,
    STATISTICS,
    Ranked,
    median_rows,
    middle,
    sorted_middles,
)
from eventstudy.inference.sampler_names import NO_TEST, NoTest, histories_instead
from eventstudy.inference.samplers import (
    SAMPLERS,
    CircularSampler,
    MatchedSampler,
    RunsSampler,
    _sorted_distinct,
    most_days,
    obeys_rule,
)

__all__ = ["GATHER_BUDGET", "NullDraws", "structural_null"]

GATHER_BUDGET = 2_000_000
"""Placebo values gathered per cell for the median at most (its placebos: ``GATHER_BUDGET // n``)."""

MATCHED_BUDGET = 10_000_000
"""Placebo values the matched null gathers per cell at most: ``max(999, MATCHED_BUDGET // n)``
placebo sets (it has no structure to sum by)."""

RANKED_FROM = 40
"""Values gathered per calendar day from which a cell's placebo medians sort ranks
(:class:`~eventstudy.inference.placebo.Ranked`) rather than values: with fewer, ranking
the cell's days once costs more than the smaller sorts save."""

FFT_PATTERN = 48
"""Patterns (runs) with more events than this are summed by FFT correlation."""

SUMMED_FROM = 8
"""Calendar days per placebo day (``days / n``) up to which the matched null sums its sets'
values by a matrix product (:func:`_set_sums`) rather than gathering them: the product costs
``B x days``, the gather and its passes ``B x n``. Ten cells on 11,900 days: 5,000 sets of
2,000 days 0.22 s against 0.39 s, 1,998 of 5,003 0.13 s against 0.39 s; even at 10,000 sets
of 1,000 (0.36 s against 0.38 s), each way timed alone on the same sets. A whole run's
cost is ``benchmarks/curve.py``'s and ``benchmarks/dense.py``'s matched column."""

SUM_ROWS = 64
"""Placebo sets per matrix product of :func:`_set_sums` (their 0/1 rows stay in cache)."""

KEYED_FROM = 4
"""Pool days per placebo day (``pool / n``) up to which the matched null under a gap of one
day draws its sets by random keys (:func:`_keyed`), ``O(pool)`` a set, rather than as ``n``
distinct values sorted, ``O(n log n)`` a set and more as ``n`` nears the pool (the first
distinct of the values drawn). On 11,900 days and ten cells, drawn and summed: 1,998 sets
of 5,003 days 0.45 s against 1.09 s, 1,110 of 9,002 0.25 s against 0.55 s, 3,333 of
3,000 0.75 s against 0.94 s; 5,000 of 2,000 1.13 s against 0.94 s (timed alone, beside
another job). In a whole run (``benchmarks/curve.py``'s matched column) 5,003 events took
0.55 s against 1.07 s."""


@dataclass
class NullDraws:
    """Per statistic, the null's values ``(cells, B)`` (NaN: no complete value), and how
    many placebos the median used (``median_reps``); ``own`` ``(B,)`` marks the placebos
    whose set is the events' own (the runs null's own placement, the circular null's
    shift 0), whose mean and % positive are the events' own, to the bit."""

    draws: dict[str, np.ndarray]
    reps: int
    median_reps: int
    own: np.ndarray | None = None
    warning: NoTest | None = None
    """Why the null's draws say little, when they do (:func:`little_room`)."""


LITTLE_ROOM = 2
"""The runs null has little room when its runs leave fewer free days than this many times
the longest horizon: its placebo sets are then the events shifted by about a horizon or
less. On simulated GARCH histories (``eventstudy calibrate --simulate garch --condition
...``, 100 histories of 12,000 days, horizons 1w..1y, gap 21), events that recur evenly
left that little, and the runs null's test of the mean rejected, per horizon, 7-22% of true
nulls at 5% for ``month == 3`` (13 runs, free days 1.3 times the 1y horizon), none for
``weekday == 1`` and 3.5-8.5% for ``trading_day_of_month <= 3`` (one run each, 0.0-0.1
times); the histories null's 3.5-8%. Price conditions left 4.5-46 times."""


def little_room(runs: int, free: int, longest: int, run_gap: int) -> NoTest | None:
    """The warning of a runs null with little room (:data:`LITTLE_ROOM`), else None."""
    if free >= LITTLE_ROOM * max(longest, 1):
        return None
    return NoTest("runs", "little room", (
        f"warning: the runs null had little room: the events' {runs:,} run(s) (events less than {run_gap} "
        f"trading days apart chain into one) leave {max(free, 0):,} free day(s) in the window, fewer than twice the "
        f"longest horizon ({longest} days), so its placebo sets are nearly the events themselves, shifted a little: "
        f"{NO_TEST} (events that recur evenly, a calendar's or your own dates, do this; on simulated "
        "histories such studies' means rejected 0-22% of true nulls at the 5% level)"
    ), remedy=histories_instead())


def matched_little_room(n: int, moves: int, longest: int) -> NoTest | None:
    """The warning of a matched null with little room, else None: every set of ``n``
    days the rule allows keeps each of its days within ``moves`` trading days of the
    same place (events on most of the days the rule allows: one set when they fill the
    window), fewer than :data:`LITTLE_ROOM` times the longest horizon, so its placebo sets
    are the events shifted a little, as a runs null's with little room (:func:`little_room`)."""
    if moves >= LITTLE_ROOM * max(longest, 1):
        return None
    return NoTest("matched", "little room", (
        f"warning: the matched null had little room: the declustering rule leaves each of the {n:,} days of a placebo set "
        f"at most {max(moves, 0):,} trading day(s) to move in the window, fewer than twice the longest horizon ({longest} "
        f"days), so its placebo sets are nearly the events themselves, shifted a little: {NO_TEST} (events on most of "
        "the days the rule allows do this)"
    ), remedy=histories_instead())


def _moves(design: EventDesign, earliest: np.ndarray, latest: np.ndarray) -> NoTest | None:
    """:func:`matched_little_room` of sets whose ``t``-th day lies between calendar days
    ``earliest[t]`` and ``latest[t]``."""
    positions = design.calendar.positions
    longest = int(design.cells.get_column("horizon_days").max())  # type: ignore[arg-type]  # polars types max() as any literal or None; an integer column's is an int
    return matched_little_room(earliest.size, int((positions[latest] - positions[earliest]).max()), longest)


def structural_null(design: EventDesign, null: str, reps: int, seed: np.random.SeedSequence) -> NullDraws:
    """The ``null`` distributions of mean, median and % positive for every cell of ``design``."""
    k = design.values.shape[0]
    frames = np.array([design.frame(c) for c in range(k)]) if k else np.zeros((0, len(design.calendar)), dtype=bool)
    pool = np.asarray(frames.any(axis=0)) if k else np.zeros(len(design.calendar), dtype=bool)
    events = design.events[pool[design.events]] if design.events.size else design.events
    values = np.where(frames, design.values, np.nan)
    if events.size == 0 or not pool.any():
        empty = np.full((k, reps), np.nan)
        return NullDraws({"mean": empty, "median": empty.copy(), "pct_positive": empty.copy()}, reps, reps)
    rng = np.random.default_rng(seed)
    if null == "runs":
        found = _runs(design, values, pool, events, reps, rng)
    elif null == "circular":
        found = _circular(design, values, pool, events, reps, rng)
    elif null == "matched":
        found = _matched(design, values, pool, events, reps, rng)
    else:
        return _sampled(design, values, pool, events, reps, rng, SAMPLERS.get(null))
    if found.own is not None and found.own.any():
        # the events' own set, summed by window or FFT, equals their statistics only to
        # rounding; where a null has few placements (one run over most of the days) a
        # rounding error decided whether the events beat their own copy (p 0.0001 or 0.33)
        for c in range(k):
            x = values[c, events]
            x = x[~np.isnan(x)]
            for name in ("mean", "pct_positive"):
                found.draws[name][c, found.own] = STATISTICS[name](x) if x.size else np.nan
    return found


def _statistics_from_sets(values: np.ndarray, sets: np.ndarray, median: bool = True, means: bool = True) -> dict[str, np.ndarray]:
    """Mean, median and % positive of every cell over each placebo set (rows of ``sets``),
    unknown values left out (the median only if ``median``, mean and % positive only if
    ``means``); chunked so at most :data:`GATHER_BUDGET` values are live. The median
    sorts each set's ranks among the cell's days where the sets are many
    (:data:`RANKED_FROM`), else the set's values."""
    k, (reps, n) = values.shape[0], sets.shape
    out = {name: np.full((k, reps), np.nan) for name in ("mean", "median", "pct_positive")}
    if not (median or means):
        return out
    rows = max(1, GATHER_BUDGET // max(n, 1))
    by_rank = median and values.dtype == np.float64 and sets.size >= RANKED_FROM * values.shape[1]
    for c in range(k):
        ranked = Ranked.of(values[c]) if by_rank else None
        for lo in range(0, reps, rows):
            chunk = sets[lo : lo + rows]
            if ranked is not None:
                out["median"][c, lo : lo + rows] = ranked.medians(chunk)
                if not means:
                    continue
            x = values[c][chunk]
            missing = count = None  # the median alone counts a set's known values after its sort
            if means:
                missing = np.isnan(x)
                count = x.shape[1] - np.count_nonzero(missing, axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out["mean"][c, lo : lo + rows] = np.where(missing, 0.0, x).sum(axis=1) / count
                    out["pct_positive"][c, lo : lo + rows] = np.count_nonzero(x > 0, axis=1) / count
            if median and ranked is None:
                out["median"][c, lo : lo + rows] = row_medians(x, missing, count, overwrite=True)  # the median comes last
    return out


@dataclass
class SetSums:
    """Each placebo set's mean and share positive per cell (``(cells, sets)``), and which
    sets are the events' own (``(sets,)``; None when no events were given)."""

    statistics: dict[str, np.ndarray]
    own: np.ndarray | None


def _set_sums(values: np.ndarray, sets: np.ndarray, events: np.ndarray | None = None) -> SetSums | None:
    """The mean and share positive of every cell (rows of ``values``) over each placebo set
    (rows of ``sets``, distinct days), unknown values left out, by one matrix product a
    :data:`SUM_ROWS` sets: the sets' 0/1 rows over the days times the days' values (unknown
    as 0), known-value flags and positive flags. Counts are exact (sums of ones); a total
    differs from a gathered sum by rounding only. ``events``: the events' days, to mark the
    sets that are theirs (their figures then replaced by the events' own, to the bit, as
    the runs and circular nulls do). None when a set repeats a day (its 0/1 row cannot
    count it twice)."""
    reps, n = sets.shape
    weights = _set_weights(values, events)
    member = np.zeros((min(SUM_ROWS, reps), values.shape[1]))
    found = np.empty((reps, weights.shape[1]))
    for lo in range(0, reps, SUM_ROWS):
        chunk = sets[lo : lo + SUM_ROWS]
        rows = member[: chunk.shape[0]]
        np.put_along_axis(rows, chunk, 1.0, axis=1)
        if np.count_nonzero(rows) != chunk.size:
            return None
        np.matmul(rows, weights, out=found[lo : lo + chunk.shape[0]])
        np.put_along_axis(rows, chunk, 0.0, axis=1)
    return _summed(found, values.shape[0], n, events)


def _set_weights(values: np.ndarray, events: np.ndarray | None) -> np.ndarray:
    """What a set's 0/1 row over the days is multiplied by (:func:`_set_sums`): per day, each
    cell's value (unknown as 0), then its known flags, its positive flags, and whether the
    day is an event's (with ``events``); ``(days, 3 cells [+ 1])``."""
    known = ~np.isnan(values)
    columns = [np.where(known, values, 0.0), known, values > 0]
    if events is not None:
        indicator = np.zeros((1, values.shape[1]))
        indicator[0, events] = 1.0
        columns.append(indicator)
    return np.ascontiguousarray(np.concatenate(columns).T, dtype=np.float64)


def _summed(found: np.ndarray, k: int, n: int, events: np.ndarray | None) -> SetSums:
    """:class:`SetSums` of the sets' products with :func:`_set_weights` (``(sets, 3 k [+ 1])``, ``n`` days each)."""
    own = None
    if events is not None:
        own = (found[:, 3 * k] == n) if n == events.size else np.zeros(found.shape[0], dtype=bool)
    return SetSums(_ratios(found[:, :k].T, found[:, k : 2 * k].T, found[:, 2 * k : 3 * k].T), own)


def _keyed(values: np.ndarray, pool_days: np.ndarray, n: int, reps: int, rng: np.random.Generator, events: np.ndarray) -> NullDraws:
    """The matched null's sets under a gap of one day where they hold many of the pool's
    days (:data:`KEYED_FROM`): each set the ``n`` pool days with the smallest of random
    32-bit keys, one a day (a set whose ``n``-th and next keys tie is drawn again); the
    draw treats every day alike, so every set of ``n`` pool days is equally likely. Each
    set stays a 0/1 row over the pool, summed as in :func:`_set_sums` without listing its
    days, except the first ``GATHER_BUDGET // n``, listed for the median."""
    weights = _set_weights(values, events)[pool_days]
    found = np.empty((reps, weights.shape[1]))
    median_reps = min(reps, max(1, GATHER_BUDGET // n))
    listed = np.empty((median_reps, n), dtype=np.int64)
    filled = 0
    while filled < reps:
        keys = rng.integers(0, 1 << 32, size=(min(SUM_ROWS, reps - filled), pool_days.size), dtype=np.uint32)
        chosen = keys <= np.partition(keys, n - 1, axis=1)[:, n - 1 : n]
        chosen = chosen[np.count_nonzero(chosen, axis=1) == n]
        size = chosen.shape[0]
        np.matmul(chosen.astype(np.float64), weights, out=found[filled : filled + size])
        if filled < median_reps:
            take = min(size, median_reps - filled)
            listed[filled : filled + take] = np.nonzero(chosen[:take])[1].reshape(take, n)
        filled += size
    draws = _summed(found, values.shape[0], n, events)
    median = np.full((values.shape[0], reps), np.nan)
    median[:, :median_reps] = _statistics_from_sets(values, pool_days[listed], means=False)["median"]
    return NullDraws(draws.statistics | {"median": median}, reps, median_reps, own=draws.own if draws.own is not None and draws.own.any() else None)


def _ratios(total: np.ndarray, count: np.ndarray, positive: np.ndarray) -> dict[str, np.ndarray]:
    """Each set's mean and share positive from its sums; a set with no known value has
    neither (NaN), even where an FFT left a rounding residue in its total (1e-18 / 0 was
    an infinite mean)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        empty = count < 0.5
        return {"mean": np.where(empty, np.nan, total / count), "pct_positive": np.where(empty, np.nan, positive / count)}


def row_medians(x: np.ndarray, missing: np.ndarray | None = None, count: np.ndarray | None = None, *, overwrite: bool = False) -> np.ndarray:
    """The median of each row's known values (NaN for a row without any), as np.median
    gives it: rows without a missing value by :func:`median_rows`, the others as polars
    computes the median of the known ones (float64 rows sorted, the missing last: 1.2-9x
    less CPU than polars' median of rows with nulls, at every width; other types through
    polars with the missing ones as nulls, which its median leaves out).

    Short float64 rows are all sorted at once, each row's median read at its own count of
    known values: the same bits, without copying the full rows apart (``overwrite``: sort
    ``x`` itself, which the caller no longer needs). Many sets of one cell's days take
    :class:`~eventstudy.inference.placebo.Ranked` instead (:data:`RANKED_FROM`).
    ``missing`` (``isnan(x)``) and ``count`` (known values per row), when not given, are
    found here.
    """
    if x.dtype == np.float64 and x.shape[1] <= SORT_WIDTH:  # every row sorted at once, as median_rows sorts the full ones
        if overwrite:
            x.sort(axis=1)
        ranked = x if overwrite else np.sort(x, axis=1)
        return _sorted_medians(ranked, _known_counts(ranked) if count is None else count)
    if missing is None or count is None:
        missing = np.isnan(x)
        count = x.shape[1] - np.count_nonzero(missing, axis=1)
    full = ~missing.any(axis=1)
    out = np.full(x.shape[0], np.nan)
    if full.all():
        return median_rows(x)
    if full.any():
        out[full] = median_rows(x[full])
    partial = np.flatnonzero(~full & (count > 0))
    if partial.size:
        rows = x[partial]
        if rows.dtype == np.float64:
            out[partial] = _sorted_medians(np.sort(rows, axis=1), count[partial])
        else:
            series = pl.Series(rows.ravel()).fill_nan(None).reshape(rows.shape)
            out[partial] = series.arr.median().cast(pl.Float64).fill_null(np.nan).to_numpy()
    return out


def _known_counts(ranked: np.ndarray) -> np.ndarray:
    """The known values of each row of ``ranked``, sorted with NaN last: only a row that
    ends in NaN holds one, so only those rows are counted (counting every row's NaN took
    as long as sorting rows of 20)."""
    count = np.full(ranked.shape[0], ranked.shape[1])
    if ranked.shape[1]:
        ends = np.flatnonzero(np.isnan(ranked[:, -1]))
        count[ends] -= np.count_nonzero(np.isnan(ranked[ends]), axis=1)
    return count


def _sorted_medians(ranked: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The median of each sorted row's first ``count`` values (its known ones: NaN sorts
    last), NaN where it has none."""
    lower, upper = sorted_middles(ranked, count)
    return np.where(count > 0, middle(lower, upper), np.nan)


# --- runs ------------------------------------------------------------------------------

def _runs(design: EventDesign, values: np.ndarray, pool: np.ndarray, events: np.ndarray, reps: int, rng: np.random.Generator) -> NullDraws:
    longest = int(design.cells.get_column("horizon_days").max())  # type: ignore[arg-type]  # polars types max() as any literal or None; an integer column's is an int
    sampler = RunsSampler(design.calendar, pool, events.size, mode=design.mode, events=events, pool=pool, horizon=longest, seed=rng)
    n_cal = len(design.calendar)
    heads, tails = sampler.heads, sampler.tails
    patterns: dict[tuple[int, ...], list[int]] = {}
    for r, (head, tail) in enumerate(zip(heads, tails)):
        patterns.setdefault(tuple(int(x) for x in sampler.slacks[head + 1 : tail + 1]), []).append(r)
    trading = _trading_gap(design, sampler)
    known = ~np.isnan(values)
    filled = np.where(known, values, 0.0)
    positive = (filled > 0).astype(np.float64)
    k = values.shape[0]
    lo, hi = int(sampler.pool[0]), int(sampler.pool[-1])
    holes = not pool[lo : hi + 1].all()  # a nested baseline: placed days must be base days too
    # per pattern: the run's last day for every start, its sums over every cell, and
    # (with holes) whether every day it covers from that start is in the pool
    ends: dict[tuple[int, ...], np.ndarray] = {}
    sums: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    inside: dict[tuple[int, ...], np.ndarray] = {}
    chain: _Chain | None = None
    for pattern in patterns:
        offsets = _offsets(pattern, sampler, trading)
        if offsets is not None:  # a trading-day gap: the same offsets from every start
            span = int(offsets[-1])
            ends[pattern] = np.arange(n_cal) + span
            sums[pattern] = tuple(_window_sums(a, offsets) for a in (filled, known.astype(np.float64), positive))  # type: ignore[assignment]
            if holes:  # no pool day missed: a count of 0 (an FFT's count is within rounding of an integer)
                inside[pattern] = _window_sums((~pool).astype(np.float64)[None, :], offsets)[0] < 0.5
        else:  # a calendar gap: walk the chain from every start at once
            if chain is None:
                chain = _Chain(sampler.allowed, np.concatenate([filled, known.astype(np.float64), positive]), pool)
            pos = np.arange(n_cal)
            acc = chain.arrays[:, :n_cal].copy()  # each cell's values, counts and positives, summed along the chain
            alive = np.ones(n_cal, dtype=bool)
            every = pool.copy()
            stretches = _zero_stretches(pattern)
            j = 0
            while j < len(pattern):
                stretch = int(stretches[j])
                if stretch >= LIFT_FROM:  # the next allowed day, again and again: by doubling
                    pos = chain.advance(np.minimum(pos, n_cal), stretch, acc, every)
                    alive &= pos < n_cal
                    j += stretch
                    continue
                pos = sampler.allowed[np.minimum(pos, n_cal - 1)] + pattern[j]
                alive &= pos < n_cal
                at = np.minimum(pos, n_cal - 1)
                acc += chain.arrays[:, at]
                every &= pool[at]
                j += 1
            ends[pattern] = np.where(alive, pos, n_cal + longest)
            sums[pattern] = (acc[:k], acc[k : 2 * k], acc[2 * k :])
            inside[pattern] = every
    pattern_of: list[tuple[int, ...]] = [()] * len(sampler.runs)
    for pattern, runs in patterns.items():
        for r in runs:
            pattern_of[r] = pattern
    starts = _placements(sampler, rng, reps, lo, hi, ends, pattern_of, inside if holes else None)
    total = np.zeros((k, reps))
    count = np.zeros((k, reps))
    pos_count = np.zeros((k, reps))
    for pattern, runs in patterns.items():
        at = starts[:, runs]  # (reps, runs of this pattern)
        s, c, p = sums[pattern]
        total += s[:, at].sum(axis=2)
        count += c[:, at].sum(axis=2)
        pos_count += p[:, at].sum(axis=2)
    draws = _ratios(total, np.rint(count), np.rint(pos_count))
    median_reps = max(1, min(reps, GATHER_BUDGET // max(events.size, 1)))
    sets = _run_days(sampler, starts[:median_reps], trading, pattern_of, patterns)
    draws["median"] = np.full((k, reps), np.nan)
    draws["median"][:, :median_reps] = _statistics_from_sets(values, sets, means=False)["median"]
    # the events' own placement: each run at its own first day (runs of one pattern in any order)
    ids = {pattern: i for i, pattern in enumerate(patterns)}
    pattern_id = np.array([ids[pattern] for pattern in pattern_of], dtype=np.int64)
    own_key = np.sort(sampler.events[sampler.heads] * len(ids) + pattern_id)
    own = (np.sort(starts * len(ids) + pattern_id, axis=1) == own_key).all(axis=1)
    return NullDraws(draws, reps, median_reps, own, little_room(len(sampler.runs), sampler.free_days(hi - lo + 1), longest, sampler.run_gap))


LIFT_FROM = 64
"""Steps without slack in a row from which a calendar-gap run's chain is walked by
doubling (:class:`_Chain`) rather than step by step."""


def _zero_stretches(pattern: tuple[int, ...]) -> np.ndarray:
    """For each slack of ``pattern``, how many slacks from it on are 0 in a row."""
    nonzero = np.flatnonzero(np.asarray(pattern, dtype=np.int64) != 0)
    places = np.arange(len(pattern))
    return np.append(nonzero, len(pattern))[np.searchsorted(nonzero, places)] - places


class _Chain:
    """A calendar gap's next allowed day ``f`` from every day at once (a day past the
    calendar goes to a sink, ``n``), and its powers ``f^(2^i)`` with the sums of ``arrays``
    (rows over the calendar) and whether every day is a pool day along them: ``L`` steps
    without slack in ``log2(L)`` gathers instead of ``L`` (a condition true on most days
    under a calendar gap: ``benchmarks/dense.py``). The sums add the same values in
    another order (equal to rounding); a start whose run leaves the calendar is never
    placed, so what the sink adds does not matter."""

    def __init__(self, allowed: np.ndarray, arrays: np.ndarray, pool: np.ndarray) -> None:
        n = allowed.size
        step = np.append(np.where(allowed < n, allowed, n), n)
        self.arrays = np.concatenate([arrays, np.zeros((arrays.shape[0], 1))], axis=1)
        self.levels = [(step, self.arrays[:, step], np.append(pool, False)[step])]

    def advance(self, pos: np.ndarray, steps: int, acc: np.ndarray, every: np.ndarray) -> np.ndarray:
        """``pos`` (days or the sink) moved on ``steps`` next allowed days, each day's
        values added to ``acc`` and its pool flag and-ed into ``every`` (in place)."""
        bit = 0
        while steps:
            while len(self.levels) <= bit:
                step, sums, pooled = self.levels[-1]
                self.levels.append((step[step], sums + sums[:, step], pooled & pooled[step]))
            if steps & 1:
                step, sums, pooled = self.levels[bit]
                acc += sums[:, pos]
                every &= pooled[pos]
                pos = step[pos]
            steps >>= 1
            bit += 1
        return pos


def _trading_gap(design: EventDesign, sampler: RunsSampler) -> bool:
    """Whether the rule's next allowed day is always a fixed number of calendar days on
    (a trading-day gap on a window without holes): then a run's shape is fixed."""
    allowed = sampler.allowed
    idx = np.arange(allowed.size)
    inside = allowed < allowed.size
    step = allowed[inside] - idx[inside]
    return bool(step.size == 0 or (step == step[0]).all())


def _offsets(pattern: tuple[int, ...], sampler: RunsSampler, trading: bool) -> np.ndarray | None:
    """A pattern's day offsets from its start under a fixed step, else None."""
    if not trading:
        return None
    allowed = sampler.allowed
    inside = np.flatnonzero(allowed < allowed.size)
    step = int(allowed[inside[0]] - inside[0]) if inside.size else 1
    return np.concatenate([[0], np.cumsum(np.asarray(pattern, dtype=np.int64) + step)]).astype(np.int64)


def _window_sums(array: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[:, s] = sum_o array[:, s + o]`` for every start ``s`` (0 past the end)."""
    k, n = array.shape
    out = np.zeros((k, n))
    if offsets.size <= FFT_PATTERN:
        for o in offsets:
            if o < n:
                out[:, : n - o] += array[:, o:]
        return out
    size = 1 << math.ceil(math.log2(n + int(offsets[-1]) + 1))
    indicator = np.zeros(size)
    indicator[offsets] = 1.0
    spectrum = np.conj(np.fft.rfft(indicator))
    corr = np.fft.irfft(np.fft.rfft(array, size, axis=1) * spectrum, size, axis=1)[:, :n]
    return corr


def _placements(
    sampler: RunsSampler, rng: np.random.Generator, reps: int, lo: int, hi: int,
    ends: dict[tuple[int, ...], np.ndarray], pattern_of: list[tuple[int, ...]], inside: dict[tuple[int, ...], np.ndarray] | None,
) -> np.ndarray:
    """``(reps, runs)`` starts: the runs in a uniformly random order, the free days a
    uniform composition around them (the runs sampler's draw), only the rows whose runs
    stay ``run_gap`` apart and inside the span kept (a run can come out longer than its
    shortest span under a calendar gap: those rows are redrawn; so are rows with a day
    outside the pool, when the pool has holes: ``inside`` says per pattern and start
    whether the run's days are all in it, looked up instead of listing every placed
    day, which took rows x events of memory)."""
    k = len(sampler.runs)
    out = np.empty((reps, k), dtype=np.int64)
    filled = 0
    ids = {pattern: i for i, pattern in enumerate(dict.fromkeys(pattern_of))}
    end_table = np.stack([ends[pattern] for pattern in ids])  # (patterns, calendar)
    inside_table = np.stack([inside[pattern] for pattern in ids]) if inside is not None else None
    pattern_id = np.array([ids[pattern] for pattern in pattern_of], dtype=np.int64)
    for _ in range(200):
        want = max(16, int(1.2 * (reps - filled)) + 16)
        order = np.argsort(rng.random((want, k)), axis=1)
        free = _sorted_distinct(rng, want, k, sampler.free_days(hi - lo + 1) + k) - np.arange(k)
        width = sampler.min_spans[order] + sampler.run_gap
        start = np.empty((want, k), dtype=np.int64)
        np.put_along_axis(start, order, lo + free + np.cumsum(width, axis=1) - width, axis=1)
        at = np.minimum(start, end_table.shape[1] - 1)
        end = end_table[pattern_id[None, :], at]
        ok = np.all(end <= hi, axis=1)
        begins = np.take_along_axis(start, order, axis=1)
        finish = np.take_along_axis(end, order, axis=1)
        ok &= np.all(begins[:, 1:] - finish[:, :-1] >= sampler.run_gap, axis=1)
        if inside_table is not None:
            ok &= inside_table[pattern_id[None, :], at].all(axis=1)
        good = start[ok][: reps - filled]
        out[filled : filled + good.shape[0]] = good
        filled += good.shape[0]
        if filled == reps:
            return out
    raise DataError(sampler._too_rare())


def _run_days(sampler: RunsSampler, starts: np.ndarray, trading: bool, pattern_of: list[tuple[int, ...]], patterns: dict[tuple[int, ...], list[int]]) -> np.ndarray:
    """The placebo days of the given starts: ``(rows, n)``."""
    rows = starts.shape[0]
    days = np.empty((rows, sampler.nobs), dtype=np.int64)
    n_cal = len(sampler.calendar)
    for r, (head, tail) in enumerate(zip(sampler.heads, sampler.tails)):
        pattern = pattern_of[r]
        offsets = _offsets(pattern, sampler, trading)
        if offsets is not None:
            np.add(starts[:, r : r + 1], offsets[None, :], out=days[:, head : tail + 1])  # no (rows, run) temporary
        else:
            pos = starts[:, r].copy()
            days[:, head] = pos
            for j, slack in enumerate(pattern, start=head + 1):
                pos = sampler.allowed[np.minimum(pos, n_cal - 1)] + slack
                days[:, j] = pos
    return np.minimum(days, n_cal - 1, out=days)


# --- circular --------------------------------------------------------------------------

def _circular(design: EventDesign, values: np.ndarray, pool: np.ndarray, events: np.ndarray, reps: int, rng: np.random.Generator) -> NullDraws:
    pool_days = np.flatnonzero(pool)
    length = pool_days.size
    ranks = np.searchsorted(pool_days, events)
    sampler = CircularSampler(design.calendar, pool, events.size, mode=design.mode, events=events, seed=rng)
    offsets = _valid_offsets(design, pool_days, ranks, sampler)
    if offsets.size == 0:
        raise DataError("no circular shift of the events obeys the declustering rule in this frame")
    v = values[:, pool_days]
    known = ~np.isnan(v)
    filled = np.where(known, v, 0.0)
    indicator = np.zeros(length)
    np.add.at(indicator, ranks % length, 1.0)
    spectrum = np.conj(np.fft.rfft(indicator))

    def shifted_sums(a: np.ndarray) -> np.ndarray:
        # sum_i a[(r_i + o) % L] for every o: the circular cross-correlation of a with the indicator
        return np.fft.irfft(np.fft.rfft(a, axis=1) * spectrum, length, axis=1)[:, offsets]

    total = shifted_sums(filled)
    count = np.rint(shifted_sums(known.astype(np.float64)))
    positive = np.rint(shifted_sums((filled > 0).astype(np.float64)))
    draws = _ratios(total, count, positive)
    median_reps = max(1, min(offsets.size, GATHER_BUDGET // max(events.size, 1)))
    chosen = offsets if median_reps == offsets.size else rng.choice(offsets, size=median_reps, replace=False)
    sets = pool_days[(ranks[None, :] + chosen[:, None]) % length]
    median = np.full((values.shape[0], offsets.size), np.nan)
    median[:, :median_reps] = _statistics_from_sets(values, sets, means=False)["median"]
    draws["median"] = median
    # the shifts that map the events onto themselves (shift 0, and every period of events
    # that recur evenly): their sets are the events' own, so their statistics are too
    autocorrelation = np.rint(np.fft.irfft(np.abs(np.fft.rfft(indicator)) ** 2, length))
    return NullDraws(draws, int(offsets.size), median_reps, autocorrelation[offsets] == autocorrelation[0])


def _valid_offsets(design: EventDesign, pool_days: np.ndarray, ranks: np.ndarray, sampler: CircularSampler) -> np.ndarray:
    """Shifts (in pool days) whose shifted events obey the rule. Under a trading-day gap
    on a window without holes only the pair across the wrap can break it, the same pair
    for every shift that wraps some events but not all (a shift that wraps them all moves
    them back intact): O(1). Otherwise every shift is checked."""
    length = pool_days.size
    positions = design.calendar.positions[pool_days]
    contiguous = bool(np.all(np.diff(positions) == 1))
    keys, thresholds = design.calendar.keys, design.calendar.thresholds
    fixed_step = _distinct_steps(keys, thresholds, pool_days).size == 1 and np.array_equal(keys[pool_days], positions)
    if contiguous and fixed_step:
        gap = int(thresholds[pool_days[0]] - keys[pool_days[0]])
        r_min, r_max = int(ranks.min()), int(ranks.max())
        if length - (r_max - r_min) >= gap:  # the pair across the wrap keeps the gap
            return np.arange(length)
        return np.concatenate([np.arange(0, length - r_max), np.arange(length - r_min, length)])  # none wrap, or all
    return sampler.valid_offsets()


def _distinct_steps(keys: np.ndarray, thresholds: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The distinct steps from each of ``days`` to the first key the rule allows after it,
    sorted (``np.unique``'s): the common case, one step, told by its least and greatest
    without the sort (2-3 ms on 12,000 days)."""
    steps = thresholds[days] - keys[days]
    return steps[:1] if steps.size and steps.min() == steps.max() else np.unique(steps)


# --- matched ---------------------------------------------------------------------------

def _matched(design: EventDesign, values: np.ndarray, pool: np.ndarray, events: np.ndarray, reps: int, rng: np.random.Generator) -> NullDraws:
    """Uniform sets of ``n`` pool days obeying the rule: under a trading-day gap by stars
    and bars (on a pool with holes, on its span, a set on a hole drawn again); where the
    rule asks only for distinct days (a gap of one day), any ``n`` distinct pool days;
    events too dense for random dates (past :data:`DENSE_SHARE` of the most the rule
    allows) by counting the sets (:func:`_counted_sets`); else the matched sampler's
    draws, close to uniform where the events are sparse."""
    n = events.size
    pool_days = np.flatnonzero(pool)
    keys, thresholds = design.calendar.keys, design.calendar.thresholds
    steps = _distinct_steps(keys, thresholds, pool_days)
    contiguous = bool(np.all(np.diff(design.calendar.positions[pool_days]) == 1))
    reps = min(reps, max(999, MATCHED_BUDGET // max(n, 1)))
    rows = max(1, min(reps, GATHER_BUDGET // max(n, 1)))
    distinct = steps.size == 1 and steps[0] == 1  # keys increase: any two days are a gap of one apart
    trading = steps.size == 1 and np.array_equal(keys[pool_days], design.calendar.positions[pool_days])
    if trading and not contiguous and not distinct:
        found = _spaced_around_holes(values, pool, pool_days, n, int(steps[0]), reps, rows, rng, design.calendar.positions, events)
        if found is not None:  # sets on the pool's span, clear of its holes: fewer than the span's, none wider
            first = pool_days[0] + np.arange(n) * int(steps[0])
            found.warning = _moves(design, first, first + pool_days[-1] - pool_days[0] + 1 - (n - 1) * (int(steps[0]) - 1) - n)
            return found
    if distinct or (contiguous and trading):
        gap = int(steps[0])
        room = pool_days.size - (n - 1) * (gap - 1)
        if room < n:
            raise DataError(f"cannot place {n} placebo days at least {gap} trading days apart in {pool_days.size} days")
        if gap == 1 and n * KEYED_FROM >= room:
            found = _keyed(values, pool_days, n, reps, rng, events)
        else:
            found = _gathered(values, n, reps, rows, lambda size: pool_days[_sorted_distinct(rng, size, n, room) + np.arange(n) * (gap - 1)], events)
        first = np.arange(n) * gap  # the t-th day of a set: pool day t gap .. t gap + room - n
        found.warning = _moves(design, pool_days[first], pool_days[first + room - n])
        return found
    day_keys, day_thresholds = keys[pool_days], thresholds[pool_days]
    most = most_days(design.calendar, pool_days)
    counted = _counted_sets(day_keys, day_thresholds, n, rng) if n > DENSE_SHARE * most else None
    if counted is not None:
        draw, earliest, latest = counted
        found = _gathered(values, n, reps, rows, lambda size: pool_days[draw(size)], events)
        found.warning = _moves(design, pool_days[earliest], pool_days[latest])
        return found
    sampler = MatchedSampler(design.calendar, pool, n, mode=design.mode, seed=rng)
    return _gathered(values, n, reps, rows, sampler.draw, events)


def _gathered(
    values: np.ndarray, n: int, reps: int, rows: int, sets: Callable[[int], np.ndarray], events: np.ndarray | None = None
) -> NullDraws:
    """``reps`` placebo sets of ``n`` days, ``rows`` at a time from ``sets(rows)``, into each
    cell's statistics (the median on the first ``GATHER_BUDGET // n``): the mean and share
    positive summed by a matrix product where the sets hold many of the days
    (:data:`SUMMED_FROM`), else gathered with the median. ``events``: the events' days,
    whose own set a placebo may draw (:func:`_set_sums`)."""
    chunks, owns = [], []
    summed = n * SUMMED_FROM >= values.shape[1]
    for first in range(0, reps, rows):
        drawn = sets(min(rows, reps - first))
        sums = _set_sums(values, drawn, events) if summed else None
        found = _statistics_from_sets(values, drawn, median=first < GATHER_BUDGET // max(n, 1), means=sums is None)
        if sums is not None:
            found |= sums.statistics
        chunks.append(found)
        owns.append(sums.own if sums is not None and sums.own is not None else np.zeros(drawn.shape[0], dtype=bool))
    draws = {name: np.concatenate([c[name] for c in chunks], axis=1) for name in chunks[0]}
    own = np.concatenate(owns)
    return NullDraws(draws, reps, min(reps, max(1, GATHER_BUDGET // max(n, 1))), own=own if own.any() else None)


DENSE_SHARE = 0.5
"""Events past this share of the most days the rule allows in the pool are too dense for
the matched sampler's random candidates: their sets are counted and drawn exactly."""

DENSE_TABLE = 32_000_000
"""Entries (256 MB) the table of counted sets may take at most (each day of a set, the
days it can take)."""


def _counted_sets(
    keys: np.ndarray, thresholds: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[Callable[[int], np.ndarray], np.ndarray, np.ndarray] | None:
    """A draw of sets of ``n`` days uniformly among all sets of days ``0 .. N-1`` (keys
    and thresholds of each, increasing) in which each day may follow the one before
    (``keys[j] >= thresholds[i]``): any gap, calendar or trading, holes or not. The sets
    of ``m`` days from day ``i`` on are counted for every ``m`` and ``i`` (each level from
    the one before: a reverse cumulative sum of the counts after each day's next allowed
    day, in logarithms, as the counts span far more than a float's range), then each
    set's days are drawn first to last, each with the share of the sets it begins. A
    level keeps only the days its day of the set can take (from the earliest the days
    before it allow to the last that leaves room for the rest): a band as wide as the
    slack. Returned with the earliest and the latest day each day of a set can take; None
    when the table would pass :data:`DENSE_TABLE` entries. The random
    candidates of the matched sampler, declustered, kept at most 1,050 of a set's 1,618
    days for a condition true on most days under a 10-calendar-day gap."""
    size = keys.size
    after = np.searchsorted(keys, thresholds, side="left")  # the first day each day may be followed by
    most = np.zeros(size + 1, dtype=np.int64)  # the most days a set can hold from each day on
    for i in range(size - 1, -1, -1):
        most[i] = 1 + most[after[i]]
    if most[0] < n:
        raise DataError(f"no set of {n} days obeys the declustering rule in these {size} days")
    earliest = np.zeros(n, dtype=np.int64)  # the earliest day the t-th day of a set can take
    for t in range(1, n):
        earliest[t] = after[earliest[t - 1]]
    latest = np.searchsorted(-most[:size], -np.arange(n + 1), side="right") - 1  # the last day m days can start from
    if int(np.sum(latest[1:][::-1] - earliest + 1)) > DENSE_TABLE:
        return None
    # per level, its first day and minus the log of the sets of m days from each day on
    # (non-decreasing, for binary searches; one array a level)
    levels: list[tuple[int, np.ndarray]] = [(0, np.zeros(size + 1))]
    for m in range(1, n + 1):
        lo, hi = int(earliest[n - m]), int(latest[m])
        below, minus = levels[m - 1]
        begun = -minus[after[lo : hi + 1] - below]  # log of the sets of m days that begin at each day
        levels.append((lo, -np.logaddexp.accumulate(begun[::-1])[::-1]))

    def draw(reps: int) -> np.ndarray:
        out = np.empty((reps, n), dtype=np.int64)
        first = np.zeros(reps, dtype=np.int64)  # the earliest day the next one may take
        for t in range(n):
            lo, minus = levels[n - t]
            target = np.log1p(-rng.random(reps)) - minus[first - lo]  # a share of the sets left, in (0, all]
            day = lo + np.searchsorted(minus, -target, side="right") - 1  # the day whose sets hold it
            out[:, t] = day
            first = after[day]
        return out

    return draw, earliest, latest[n - np.arange(n)]


HOLES_ACCEPT = 0.01
"""The share of sets drawn on a pool's span (stars and bars) that must miss its holes for
the matched null to keep drawing that way, else its sampler draws the sets."""


def _spaced_around_holes(
    values: np.ndarray, pool: np.ndarray, pool_days: np.ndarray, n: int, gap: int, reps: int, rows: int,
    rng: np.random.Generator, positions: np.ndarray, events: np.ndarray | None = None,
) -> NullDraws | None:
    """The matched null under a trading-day gap on a pool with holes (a nested baseline,
    days without an outcome): uniform sets of ``n`` days ``gap`` apart on the pool's span
    (stars and bars), a set on a hole drawn again, so every set the rule allows among the
    pool days is equally likely. None, the generator untouched, where the calendar has
    gaps of its own or fewer than :data:`HOLES_ACCEPT` of the sets miss the holes (many
    holes under dense events): the matched sampler then draws as before. Its rejection
    rounds draw candidates with repeats and could not fill 2,344 events 5 days apart on
    11,747 days with three holes."""
    if not np.all(np.diff(positions) == 1):  # the window's days one trading day apart: indices count trading days
        return None
    lo, hi = int(pool_days[0]), int(pool_days[-1])
    room = hi - lo + 1 - (n - 1) * (gap - 1)
    if room < n:
        raise DataError(f"cannot place {n} placebo days at least {gap} trading days apart in {hi - lo + 1} days")
    trial = copy.deepcopy(rng)  # given back unused if the holes turn the draws away
    tally = [0, 0]  # sets drawn, sets clear of the holes

    def clear_of_holes(size: int) -> np.ndarray:
        sets = np.empty((size, n), dtype=np.int64)
        filled = 0
        while filled < size:
            want = min(rows, max(16, 2 * (size - filled)))
            candidates = lo + _sorted_distinct(trial, want, n, room) + np.arange(n) * (gap - 1)
            ok = pool[candidates].all(axis=1)
            tally[0], tally[1] = tally[0] + want, tally[1] + int(ok.sum())
            if tally[0] >= 2 * rows and tally[1] < HOLES_ACCEPT * tally[0]:
                raise _TurnedAway
            good = candidates[ok][: size - filled]
            sets[filled : filled + good.shape[0]] = good
            filled += good.shape[0]
        return sets

    try:
        found = _gathered(values, n, reps, rows, clear_of_holes, events)
    except _TurnedAway:
        return None
    rng.bit_generator.state = trial.bit_generator.state
    return found


class _TurnedAway(Exception):
    """Too few of the sets drawn on a pool's span miss its holes (:data:`HOLES_ACCEPT`)."""


def _sampled(
    design: EventDesign, values: np.ndarray, pool: np.ndarray, events: np.ndarray, reps: int, rng: np.random.Generator, sampler_cls: type
) -> NullDraws:
    """Any other registered sampler: its bank on the pool, gathered within the budget."""
    rows = max(1, min(reps, GATHER_BUDGET // max(events.size, 1)))
    sampler = sampler_cls(design.calendar, pool, events.size, mode=design.mode, events=events, pool=pool, seed=rng)

    def bank(size: int) -> np.ndarray:
        drawn = sampler.draw(size)
        if not obeys_rule(design.calendar, np.sort(drawn, axis=1)).all():
            raise DataError(f"the {sampler_cls.__name__} null drew sets that break the declustering rule")
        return drawn

    return _gathered(values, events.size, reps, rows, bank)

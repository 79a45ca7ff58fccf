"""Null samplers: banks of placebo event sets, drawn as numpy index arrays.

A placebo set is ``nobs`` days of the study window that a real event set could have been:
inside the cell's *frame* (the window days whose outcome is complete, optionally only
where a base condition holds) and obeying the study's declustering rule. A sampler draws
``reps`` such sets at once as a ``(reps, nobs)`` array of indices into a
:class:`Calendar`, each row sorted.

:class:`PlaceboSampler` does all the shared work; a null is one hook,
:meth:`PlaceboSampler.candidates`, that proposes candidate days for a block of rows. The
base class then, for every row and without a Python loop over rows:

1. drops candidates outside the frame and duplicates;
2. declusters the rest with the study's rule (:func:`eventstudy.events.decluster`, all
   rows in one call through ``groups=``);
3. keeps ``nobs`` of the survivors, those with the smallest random priority (a uniform
   random ``nobs``-subset of the survivors);
4. redraws, in place, every row with fewer than ``nobs`` survivors.

A subset of a declustered set is itself declustered (gaps only grow), so every row holds
exactly ``nobs`` distinct frame days that declustering would keep in full.

Three nulls are registered in :data:`SAMPLERS` (reserved by name in :mod:`.sampler_names`):

``matched``
    Candidates are ``size`` days drawn uniformly (with replacement, duplicates then
    dropped) from the *pool* (by default the frame). Placebo sets therefore have the
    events' size, frame and minimum spacing, so they overlap at most as much as the rule
    lets real events overlap; beyond that minimum their spacing is that of uniformly
    scattered days. Real events often come in runs (a condition that holds for months
    yields one kept event per gap); the matched null does *not* reproduce runs.
``circular``
    The events' own calendar, shifted by a uniform random offset modulo the frame length
    (in frame days): the spacing between events is kept exactly, runs included, on the
    circle. Offsets whose shifted set breaks the rule (the pair across the wrap, or a
    calendar-day gap that a shift in trading days shortens) are redrawn.
``runs``
    The events split into *runs* (maximal sequences of consecutive events less than
    ``run_gap`` trading days apart), and each run placed at its own uniformly random
    date, its internal spacing kept (exactly in trading days under a trading-day gap;
    on the rule's terms under a calendar gap), the runs at least ``run_gap`` apart and
    without wrap-around: placebo sets cluster like the events (same run lengths and
    in-run spacing) but their runs land at independent random dates
    (:class:`RunsSampler`).

Samplers built with the same seed, ``pool`` and ``size`` consume the same random stream
whatever their frame, and failed rows are redrawn in place, so banks for several frames
(cells whose complete days differ at the end of the data) stay row-aligned: row ``b`` is
the same candidate draw in every cell. The max-statistic adjustment relies on this.

References
----------
Brown, S. J. and Warner, J. B. (1980). Measuring security price performance. *Journal of
Financial Economics* 8, 205-258 (random "placebo" event dates).
Politis, D. N. and Romano, J. P. (1992). A circular block-resampling procedure for
stationary data. In *Exploring the Limits of Bootstrap*, 263-270 (circular shifts).
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary
observations. *Annals of Statistics* 17, 1217-1241 (resampling whole blocks to keep
dependence: the runs null moves whole runs of events).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

import polars as pl

from eventstudy._numpy import np
from eventstudy.errors import DataError, option
from eventstudy.events import DeclusterMode, decluster, gap_thresholds
from eventstudy.inference.sampler_names import SAMPLERS
from eventstudy.periods import Gap

__all__ = [
    "SAMPLERS",
    "Calendar",
    "CircularSampler",
    "MatchedSampler",
    "PlaceboSampler",
    "RunsSampler",
    "SeedLike",
    "as_generator",
    "most_days",
    "obeys_rule",
    "split_runs",
]

SeedLike: TypeAlias = "int | np.random.Generator | np.random.SeedSequence | None"  # a string: numpy loads on first use

_ELEMENTS_PER_CALL = 65_536  # candidates declustered per call: keeps the arrays in cache
_COMPLEMENT_ELEMENTS = 1 << 22  # values of a row's mask at once when the days left out are drawn (4 MB)
_MAX_ROUNDS = 200
_HOPELESS_ROUNDS, _HOPELESS_ROWS, _HOPELESS_SHARE = 3, 100, 0.95
"""Rounds and rows after which a bank none of whose rows has filled, none keeping this
share of the days a set needs (and at least two short), is given up: rows are
independent, so the rounds left would not fill it either."""


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A numpy Generator from a seed, a SeedSequence or a Generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class Calendar:
    """The study window's days, on the clock of the declustering rule.

    Attributes
    ----------
    dates
        The window's days in order (``datetime64[D]``).
    positions
        Each day's index on the study calendar (trading days).
    keys, thresholds
        As :func:`eventstudy.events.gap_thresholds` gives them: day ``k`` may follow day
        ``j`` iff ``keys[k] >= thresholds[j]``. Without declustering, ``thresholds =
        keys + 1`` (distinct days).
    """

    dates: np.ndarray
    positions: np.ndarray
    keys: np.ndarray
    thresholds: np.ndarray

    @classmethod
    def build(cls, dates: pl.Series, positions: np.ndarray, gap: Gap | None) -> Calendar:
        """The calendar of ``dates`` (sorted, distinct) under ``gap`` (None: no declustering)."""
        positions = np.asarray(positions, dtype=np.int64)
        if gap is None:
            keys, thresholds = positions, positions + 1
        else:
            keys, thresholds = gap_thresholds(dates, positions, gap)
        return cls(
            dates=dates.cast(pl.Date).to_numpy().astype("datetime64[D]"),
            positions=positions,
            keys=np.asarray(keys, dtype=np.int64),
            thresholds=np.asarray(thresholds, dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.keys.size)


def most_days(calendar: Calendar, days: np.ndarray) -> int:
    """The most of ``days`` (sorted calendar indices) a set obeying the rule can hold:
    declustering all of them, each kept day the earliest the last one allows, keeps as
    many as any set can."""
    return int(decluster(calendar.keys[days], calendar.thresholds[days], "after_kept").sum()) if days.size else 0


def obeys_rule(calendar: Calendar, days: np.ndarray) -> np.ndarray:
    """Per row of ``days`` (sorted calendar indices): would declustering keep every day?

    A sorted set is kept in full, in either mode, iff each day is at least a gap after
    the day before it (``keys[j] >= thresholds[j-1]``): for ``after_any`` that is the
    rule itself, for ``after_kept`` it follows by induction (every earlier day is kept).
    """
    days = np.atleast_2d(np.asarray(days, dtype=np.int64))
    if days.shape[1] < 2:
        return np.ones(days.shape[0], dtype=bool)
    return np.all(calendar.keys[days[:, 1:]] >= calendar.thresholds[days[:, :-1]], axis=1)


class PlaceboSampler:
    """Base sampler: banks of ``nobs``-day placebo sets from a frame, under a rule.

    Parameters
    ----------
    calendar
        The window's days.
    frame
        Boolean mask over ``calendar``: the days a placebo may fall on.
    nobs
        Days per placebo set (the number of events in the cell).
    mode
        The study's declustering mode (the gap is in ``calendar``).
    events
        Calendar indices of the observed events (used by nulls built from them).
    pool
        Boolean mask over ``calendar`` that candidates are drawn from (default: the
        frame). Samplers sharing a seed and a pool draw row-aligned banks.
    size
        Candidates per row (default: a sampler-specific number).
    horizon
        The longest outcome horizon (trading days) of the cells the bank serves; nulls
        that keep overlapping events together (``runs``) use it, the others ignore it.
    seed
        Seed or Generator; the same seed gives the same bank.
    """

    name: ClassVar[str] = "base"

    def __init__(
        self,
        calendar: Calendar,
        frame: np.ndarray,
        nobs: int,
        *,
        mode: DeclusterMode = "after_kept",
        events: np.ndarray | None = None,
        pool: np.ndarray | None = None,
        size: int | None = None,
        horizon: int | None = None,
        seed: SeedLike = None,
    ) -> None:
        frame = np.asarray(frame, dtype=bool)
        if frame.shape != (len(calendar),):
            raise ValueError(f"`frame` must be a boolean mask of length {len(calendar)}, got shape {frame.shape}")
        if mode not in ("after_kept", "after_any"):
            raise ValueError(f"`mode` must be one of {{'after_kept', 'after_any'}}, got {mode!r}")
        if nobs < 0:
            raise ValueError(f"`nobs` must be >= 0, got {nobs}")
        self.calendar = calendar
        self.frame = frame
        self.frame_days = np.flatnonzero(frame)
        if nobs > self.frame_days.size:
            raise DataError(f"cannot draw {nobs} placebo days from a frame of {self.frame_days.size} days")
        self.nobs = int(nobs)
        self.mode: DeclusterMode = mode
        self.events = np.sort(np.asarray(events if events is not None else [], dtype=np.int64))
        self.pool = np.flatnonzero(np.asarray(pool, dtype=bool)) if pool is not None else self.frame_days
        if horizon is not None and (isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1):
            raise ValueError(f"`horizon` must be a positive integer (trading days) or None, got {horizon!r}")
        self.horizon = int(horizon) if horizon is not None else None
        self.size = int(size) if size is not None else self.default_size()
        self.rng = as_generator(seed)

    def default_size(self) -> int:
        """Candidates per row when ``size`` is not given."""
        return self.nobs

    def candidates(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        """The hook: a ``(reps, size)`` int array of candidate calendar indices (any order)."""
        raise NotImplementedError

    def draw(self, reps: int) -> np.ndarray:
        """A ``(reps, nobs)`` bank of placebo sets: sorted calendar indices per row."""
        if reps < 1:
            raise ValueError(f"`reps` must be >= 1, got {reps}")
        bank = np.empty((reps, self.nobs), dtype=np.int64)
        if self.nobs == 0:
            return bank
        missing = np.arange(reps)
        best, tried = 0, 0  # the most days any row kept; rows drawn
        short = max(2, math.ceil((1 - _HOPELESS_SHARE) * self.nobs))
        for round_ in range(_MAX_ROUNDS):
            candidates = np.asarray(self.candidates(self.rng, missing.size), dtype=np.int64)
            priority = self.rng.random(candidates.shape)
            sets, ok, kept = self._admit(candidates, priority)
            bank[missing[ok]] = sets[ok]
            best, tried = max(best, int(kept.max())), tried + missing.size
            if round_ + 1 >= _HOPELESS_ROUNDS and tried >= _HOPELESS_ROWS and missing.size == reps and best <= self.nobs - short:
                break  # no row filled, and none came close: the rounds left would not either
            missing = missing[~ok]
            if missing.size == 0:
                return bank
        raise DataError(
            f"could not draw {self.nobs} placebo days obeying the declustering rule from {self.frame_days.size} "
            f"eligible days ({self.name} null): its random days, declustered, kept at most {best:,} for a set, "
            f"and the rule allows at most {most_days(self.calendar, self.frame_days):,} on these days. The events are too dense for random "
            f"dates under this gap: use the runs null ({option('null', 'runs')}: the events' runs at random places), the "
            "circular null or the histories null"
        )

    def _admit(self, candidates: np.ndarray, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Frame, dedupe, decluster and subsample each row; ``ok`` marks rows that filled,
        ``kept`` counts each row's days left after declustering."""
        candidates = np.sort(candidates, axis=1)  # priorities are i.i.d.: no need to carry them along
        valid = self.frame[candidates]
        valid[:, 1:] &= candidates[:, 1:] != candidates[:, :-1]
        survive = np.zeros_like(valid)
        rows, _ = np.nonzero(valid)
        days = candidates[valid]
        survive[valid] = self._decluster(self.calendar.keys[days], self.calendar.thresholds[days], rows)
        kept = survive.sum(axis=1)
        ok = kept >= self.nobs
        ranked = np.where(survive, priority, np.inf)
        pick = np.argpartition(ranked, self.nobs - 1, axis=1)[:, : self.nobs]
        sets = np.sort(np.take_along_axis(candidates, pick, axis=1), axis=1)
        return sets, ok, kept

    def _decluster(self, keys: np.ndarray, thresholds: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """:func:`~eventstudy.events.decluster` of every row (``rows``: row id per candidate).

        For ``after_kept`` only the *chains* go through the full rule: a candidate at
        least a gap after the previous candidate of its row is kept whatever came before
        (thresholds increase with keys), so runs of candidates closer than the gap are
        independent sub-problems, and the rest are kept. Exact, and ~10x less work.
        """
        n = keys.size
        if self.mode != "after_kept" or n == 0:
            return _decluster_blocks(keys, thresholds, self.mode, rows)
        link = np.zeros(n, dtype=bool)  # candidate j is closer than the gap to candidate j - 1
        link[1:] = (rows[1:] == rows[:-1]) & (keys[1:] < thresholds[:-1])
        in_chain = link.copy()
        in_chain[:-1] |= link[1:]
        kept = np.ones(n, dtype=bool)
        if in_chain.any():
            chain = np.cumsum(~link)
            kept[in_chain] = _decluster_blocks(keys[in_chain], thresholds[in_chain], self.mode, chain[in_chain])
        return kept


def _decluster_blocks(keys: np.ndarray, thresholds: np.ndarray, mode: DeclusterMode, groups: np.ndarray) -> np.ndarray:
    """:func:`~eventstudy.events.decluster` in blocks of groups small enough to stay in cache."""
    n = keys.size
    if n <= _ELEMENTS_PER_CALL:
        return decluster(keys, thresholds, mode, groups=groups)
    kept = np.empty(n, dtype=bool)
    cuts = np.flatnonzero(np.diff(groups)) + 1  # block boundaries only between groups
    starts = np.concatenate(([0], cuts[np.searchsorted(cuts, np.arange(_ELEMENTS_PER_CALL, n, _ELEMENTS_PER_CALL))]))
    bounds = np.unique(np.append(starts, n))
    for lo, hi in itertools.pairwise(bounds):
        kept[lo:hi] = decluster(keys[lo:hi], thresholds[lo:hi], mode, groups=groups[lo:hi])
    return kept


@SAMPLERS.register("matched")
class MatchedSampler(PlaceboSampler):
    """Random dates: ``size`` uniform candidates from the pool, declustered, ``nobs`` kept.

    The default ``size`` is ``ceil(1.5 nobs) + 8``, scaled up by pool/frame when the pool
    is larger; the survivors of a sparse draw are nearly all candidates, so the sets are
    close to uniform among the sets the rule allows.
    """

    name = "matched"

    def default_size(self) -> int:
        scale = self.pool.size / max(self.frame_days.size, 1)
        return min(self.pool.size, math.ceil((1.5 * self.nobs + 8) * scale))

    def candidates(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        return self.pool[rng.integers(0, self.pool.size, size=(reps, self.size))]


@SAMPLERS.register("circular")
class CircularSampler(PlaceboSampler):
    """The events' calendar shifted by a uniform random offset modulo the frame's length.

    Events are placed by their rank among the frame's days (an event outside the frame
    takes the next frame day's rank) and shifted by ``s`` frame days, wrapping at the end.
    Offsets whose shifted set breaks the rule (the pair across the wrap, or a calendar-day
    gap that a shift in trading days shortens) are excluded once, for all of them at once
    (:meth:`_unbroken_offsets`); each placebo is a uniform draw from the remaining offsets.
    """

    name = "circular"
    _valid: np.ndarray | None = None

    def default_size(self) -> int:
        return self.nobs

    def valid_offsets(self) -> np.ndarray:
        """The offsets (in frame days) whose shifted event set obeys the rule."""
        if self._valid is None:
            if self.events.size != self.nobs:
                raise ValueError(f"the circular null shifts the events: `events` must hold {self.nobs} days, got {self.events.size}")
            self._valid = self._unbroken_offsets()
            if self._valid.size == 0:
                raise DataError("no circular shift of the events obeys the declustering rule in this frame")
        return self._valid

    def _unbroken_offsets(self) -> np.ndarray:
        """The shifts no pair of neighbouring events breaks. Shifted, the events keep their
        circular order, so a shift's neighbours are the events' circular neighbours but the
        pair it cuts at the wrap: pair ``(r, r + d)`` (frame ranks) breaks the rule at shift
        ``s`` when its shifted first day ``q = (r + s) mod L`` is closer than the rule
        allows to ``q + d < L``, which only pairs closer than the longest reach of the
        rule (in frame days) can do. So the shifts each pair breaks, counted for every
        shift at once by a circular correlation per such distance (FFT): ``O(D L log L)``
        for ``D`` distances, where checking every shift's sorted set took ``O(L n log n)``."""
        length = self.frame_days.size
        ranks = np.searchsorted(self.frame_days, self.events)
        keys, thresholds = self.calendar.keys[self.frame_days], self.calendar.thresholds[self.frame_days]
        reach = np.searchsorted(keys, thresholds, side="left") - np.arange(length)  # frame days to the next allowed one
        spans = np.diff(np.append(ranks, ranks[0] + length))  # each event to its circular neighbour
        days = np.arange(length)
        broken = np.zeros(length)
        for d in np.unique(spans[spans < reach.max()]):
            bad = ((reach > d) & (days + d < length)).astype(np.float64)  # first days from which a pair d apart breaks the rule
            firsts = np.zeros(length)
            np.add.at(firsts, ranks[spans == d] % length, 1.0)
            broken += np.fft.irfft(np.conj(np.fft.rfft(firsts)) * np.fft.rfft(bad), length)  # sum_r firsts[r] bad[(r + s) mod L]
        return np.flatnonzero(broken < 0.5)  # counts of pairs, to within an FFT's rounding

    def candidates(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        valid = self.valid_offsets()
        offsets = valid[np.floor(rng.random(reps) * valid.size).astype(np.int64)]
        ranks = np.searchsorted(self.frame_days, self.events)
        return self.frame_days[(ranks[None, :] + offsets[:, None]) % self.frame_days.size]


def split_runs(events: np.ndarray, run_gap: int) -> list[np.ndarray]:
    """The runs of ``events``: maximal sequences of consecutive events less than ``run_gap`` apart.

    Examples
    --------
    >>> [r.tolist() for r in split_runs(np.array([0, 15, 30, 200, 215, 900]), 63)]
    [[0, 15, 30], [200, 215], [900]]
    """
    events = np.sort(np.asarray(events, dtype=np.int64))
    if events.size == 0:
        return []
    return np.split(events, np.flatnonzero(np.diff(events) >= run_gap) + 1)


@SAMPLERS.register("runs")
class RunsSampler(PlaceboSampler):
    """The events' runs, each placed at an independent uniformly random date.

    The events (calendar indices) split into *runs* (:func:`split_runs`): maximal
    sequences of consecutive events less than ``run_gap`` trading days apart. A placebo
    set places every run at its own random date, keeping the run's length and internal
    spacing, so placebos cluster like the events (the same overlap of forward windows
    inside a run) while their runs land at independent random dates.

    **In-run spacing** is kept on the declustering rule's terms: each event after a
    run's first lies ``slack`` trading days after the first day the rule allows after
    the event before it (``slack >= 0``; a kept event of a condition that holds every
    day has slack 0), and a placed run keeps every slack. With a trading-day gap the
    first allowed day is always ``gap`` days on, so the trading-day spacing is kept
    exactly. With a calendar gap it moves by a day where a holiday or a weekend falls
    differently (21 calendar days are 14 or 15 trading days), so the rule holds by
    construction. Keeping trading-day spacing exactly instead would let a run land only
    where the holidays fall as they did (on SPX with a 21-calendar-day gap, 1 placement
    in 10 for the SPX/RUT study's events, 2 in 10^7 for "SPX at ATH").

    Precisely, a placebo is drawn uniformly from the placements of the runs (any order,
    each run's first event on any day) that

    * lie inside the frame, with no wrap-around (a run is never split across the ends
      of the sample, which would join unrelated stretches of returns);
    * keep the runs at least ``run_gap`` trading days apart, so the placebo splits back
      into the events' runs; the events are one such placement, so when events are
      random days under the rule this is an exact randomization test, conditional on
      the runs' lengths and slacks, whatever the ``run_gap``.

    The draw lays the runs out on the pool's span without rejection (runs in a uniformly
    random order, the free stretches before, between and after them a uniform
    composition of the free days: stars and bars), each run on its shortest span over all
    start days; rows where a run came out longer (a calendar gap, across more holidays)
    and closer than ``run_gap`` to the next, or that leave the frame (a shorter frame, a
    nested baseline with holes), are redrawn. Banks for frames that share a pool
    therefore stay row-aligned as far as they can.

    **Run threshold.** ``run_gap`` (trading days) defaults to ``max(horizon, 63)``:

    * at least the longest horizon ``h``: the ``h``-day forward returns of two events
      ``d < h`` days apart share ``h - d`` days (correlation ``1 - d/h`` for a random
      walk), so such events must move together, or the null loses the very overlap
      that makes the ``matched`` null too narrow; events ``h`` or more apart have
      disjoint windows and may move independently;
    * at least 63 trading days (a quarter), so one episode of a condition (one kept
      event per gap while it holds, with short lapses) stays one run even when every
      horizon is short. With the 21-calendar-day gap of the SPX/RUT study, kept events
      of one episode are 14-34 trading days apart: twice the gap (~30 trading days)
      would already split the 2024 episode at its April lapse.

    Without ``horizon`` the default is 252 (a year, the longest standard horizon). A
    larger ``run_gap`` only merges runs: the test stays valid but has fewer distinct
    placebo sets (with one run, it is the events shifted as a block: ``circular``
    without the wrap).

    Raises :class:`~eventstudy.errors.DataError` when the runs cannot fit the frame (a
    run longer than the frame, or the runs and their separations together), or fit it
    too rarely to fill the bank.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> dates = pl.date_range(dt.date(2000, 1, 3), dt.date(2003, 12, 31), eager=True)
    >>> calendar = Calendar.build(dates, np.arange(dates.len()), None)
    >>> frame = np.ones(len(calendar), dtype=bool)
    >>> sampler = RunsSampler(calendar, frame, 4, events=np.array([10, 25, 40, 900]), run_gap=63, seed=1)
    >>> sampler.run_lengths
    [3, 1]
    >>> bank = sampler.draw(1000)
    >>> bank.shape
    (1000, 4)
    >>> {tuple(np.diff(run).tolist()) for row in bank for run in split_runs(row, 63) if run.size == 3}
    {(15, 15)}
    """

    name = "runs"
    MIN_RUN_GAP: ClassVar[int] = 63
    """Floor of the default run threshold (trading days): a quarter."""
    DEFAULT_RUN_GAP: ClassVar[int] = 252
    """Run threshold (trading days) when neither ``run_gap`` nor ``horizon`` is given."""

    def __init__(
        self,
        calendar: Calendar,
        frame: np.ndarray,
        nobs: int,
        *,
        mode: DeclusterMode = "after_kept",
        events: np.ndarray | None = None,
        pool: np.ndarray | None = None,
        size: int | None = None,
        horizon: int | None = None,
        run_gap: int | None = None,
        seed: SeedLike = None,
    ) -> None:
        super().__init__(calendar, frame, nobs, mode=mode, events=events, pool=pool, size=size, horizon=horizon, seed=seed)
        if run_gap is None:
            run_gap = max(self.horizon, self.MIN_RUN_GAP) if self.horizon is not None else self.DEFAULT_RUN_GAP
        if isinstance(run_gap, bool) or int(run_gap) != run_gap or run_gap < 1:
            raise ValueError(f"`run_gap` must be a positive integer (trading days), got {run_gap!r}")
        self.run_gap = int(run_gap)
        if self.events.size != self.nobs:
            raise ValueError(f"the runs null moves the events' runs: `events` must hold {self.nobs} days, got {self.events.size}")
        if np.any(self.events[1:] == self.events[:-1]):  # sorted: a repeat sits next to its copy
            raise ValueError("`events` must be distinct days")
        self.runs = split_runs(self.events, self.run_gap)
        # placements are laid out on the pool's span: the pool's and the frame's days, sorted
        # and distinct as np.union1d gives them, by a mask (its sort took 2-3 ms on 12,000 days)
        either = self.frame.copy()
        either[self.pool] = True
        self.pool = np.flatnonzero(either)
        # allowed[j]: the first day the rule allows after day j (len(calendar): none)
        self.allowed = np.searchsorted(calendar.keys, calendar.thresholds)
        lengths = np.array([run.size for run in self.runs], dtype=np.int64)
        self.heads = np.cumsum(lengths) - lengths  # index in `events` of each run's first event
        self.tails = self.heads + lengths - 1
        follows = np.ones(self.nobs, dtype=bool)
        follows[self.heads] = False
        self.slacks = np.zeros(self.nobs, dtype=np.int64)
        self.slacks[1:] = self.events[1:] - self.allowed[self.events[:-1]]
        self.slacks[~follows] = 0
        if np.any(self.slacks < 0):
            raise ValueError("`events` must obey the declustering rule (each at least a gap after the one before)")
        self._followers = np.flatnonzero(follows)
        inside = np.flatnonzero(self.allowed < self.allowed.size)
        steps = self.allowed[inside] - inside
        self._fixed_step = bool(steps.size == 0 or (steps == steps[0]).all())
        if not self.runs:
            self.min_spans = np.zeros(0, dtype=np.int64)
            return
        self.min_spans = np.array([self._shortest_span(h, t) for h, t in zip(self.heads, self.tails)], dtype=np.int64)
        room = int(self.frame_days[-1] - self.frame_days[0]) + 1 if self.frame_days.size else 0
        if self.min_spans.max() >= room:
            raise DataError(
                f"a run of the events spans at least {int(self.min_spans.max()) + 1} trading days, more than the frame's "
                f"{room}: the runs null cannot place it (run_gap={self.run_gap})"
            )
        if self.free_days(room) < 0:
            raise DataError(
                f"the events' {len(self.runs)} runs (spanning {int(self.min_spans.sum()) + len(self.runs)} days in all), "
                f"at least run_gap={self.run_gap} days apart, do not fit in the frame's {room} days: use a smaller run_gap"
            )

    @property
    def run_lengths(self) -> list[int]:
        """Events per run, in date order."""
        return [int(run.size) for run in self.runs]

    def _shortest_span(self, head: int, tail: int) -> int:
        """The fewest trading days the run ``events[head..tail]`` spans, over every start (``len(calendar)``: none fits)."""
        n = len(self.calendar)
        if self._fixed_step:  # a trading-day gap: the same span from every start
            span = int(self.events[tail] - self.events[head])
            return span if span < n else n
        pos = np.arange(n)
        for i in range(head + 1, tail + 1):
            pos = self.allowed[np.minimum(pos, n - 1)] + self.slacks[i]
        spans = (pos - np.arange(n))[pos < n]
        return int(spans.min()) if spans.size else n

    def free_days(self, room: int) -> int:
        """Free days in a span of ``room`` days once the runs (shortest) and their separations are laid out."""
        return room - 1 - int(self.min_spans.sum()) - (len(self.runs) - 1) * self.run_gap

    def candidates(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        """``reps`` placements of the runs on the pool's span, ``run_gap`` apart (frame: the base class)."""
        out = np.empty((reps, self.nobs), dtype=np.int64)
        filled, drawn, kept, want = 0, 0, 0, reps
        for _ in range(_MAX_ROUNDS):
            days, ok = self._arrange(rng, want)
            good = np.sort(days[ok], axis=1)
            good = good[obeys_rule(self.calendar, good)]  # between runs, if run_gap is shorter than the gap
            take = min(good.shape[0], reps - filled)
            out[filled : filled + take] = good[:take]
            filled += take
            drawn, kept = drawn + want, kept + good.shape[0]
            if filled == reps:
                return out
            rate = max(kept / drawn, 1 / 1024)  # admitted fraction so far: draw enough to finish in one more round
            want = min(math.ceil(1.25 * (reps - filled) / rate) + 16, max(reps - filled, (1 << 22) // self.nobs))
        raise DataError(self._too_rare())

    def draw(self, reps: int) -> np.ndarray:
        """As :meth:`PlaceboSampler.draw`, with the runs null's reason when the bank cannot be filled."""
        try:
            return super().draw(reps)
        except DataError:
            raise DataError(self._too_rare()) from None

    def _too_rare(self) -> str:
        return (
            f"could not place the events' runs (lengths {self.run_lengths}, run_gap={self.run_gap}) in the frame's "
            f"{self.frame_days.size} days often enough: the runs null keeps each run whole, so the frame needs "
            "stretches long enough to hold every run (a nested baseline of scattered days has none); use the matched "
            "or circular null"
        )

    def _arrange(self, rng: np.random.Generator, reps: int) -> tuple[np.ndarray, np.ndarray]:
        """``reps`` uniform placements of the runs on the pool's span: ``(reps, nobs)`` days (unsorted), and ok rows."""
        k, last = len(self.runs), len(self.calendar) - 1
        lo, hi = int(self.pool[0]), int(self.pool[-1])
        order = np.argsort(rng.random((reps, k)), axis=1)  # the runs in a uniformly random order
        # Free days before each run: a uniform composition of the free days into k + 1
        # parts, from k distinct sorted values of 0..free+k-1 (stars and bars).
        free = _sorted_distinct(rng, reps, k, self.free_days(hi - lo + 1) + k) - np.arange(k)
        width = self.min_spans[order] + self.run_gap
        start = np.empty((reps, k), dtype=np.int64)
        np.put_along_axis(start, order, lo + free + np.cumsum(width, axis=1) - width, axis=1)
        days = np.empty((reps, self.nobs), dtype=np.int64)
        days[:, self.heads] = start
        for i in self._followers:  # each event: its slack after the first day the rule allows
            days[:, i] = self.allowed[np.minimum(days[:, i - 1], last)] + self.slacks[i]
        ok = np.all(days <= hi, axis=1)
        # a run that came out longer than its shortest span may have closed in on the next
        ends = np.take_along_axis(days[:, self.tails], order, axis=1)
        begins = np.take_along_axis(days[:, self.heads], order, axis=1)
        ok &= np.all(begins[:, 1:] - ends[:, :-1] >= self.run_gap, axis=1)
        return np.minimum(days, last), ok


def _sorted_distinct(rng: np.random.Generator, reps: int, k: int, m: int) -> np.ndarray:
    """Per row, a uniform ``k``-subset of ``0..m-1``, sorted: ``(reps, k)``.

    Uniform floats scaled to ``m`` (samplers on spans of different lengths consume the
    same stream), rows with a repeat redrawn. When repeats are common (``m < 4 k^2``):
    past half the values, the ``m - k`` left out are drawn instead; else each row draws
    enough values to hold ``k`` distinct ones with near certainty and keeps the first
    ``k`` distinct values in the order drawn (:func:`_first_distinct`). Every rule here
    looks at the values only through equality, so every subset stays equally likely; and
    the cost is ``O(k log k)`` a row (Floyd's algorithm, vectorized over rows, compared
    each value with the row's earlier ones: ``k^2 / 2`` a row).
    """
    if m >= 4 * k * k:
        out = np.empty((reps, k), dtype=np.int64)
        missing = np.arange(reps)
        while missing.size:
            draw = np.sort(np.floor(rng.random((missing.size, k)) * m).astype(np.int64), axis=1)
            distinct = np.all(np.diff(draw, axis=1) > 0, axis=1)
            out[missing[distinct]] = draw[distinct]
            missing = missing[~distinct]
        return out
    if 2 * k > m:  # most values: the complement's m - k left out
        out = np.empty((reps, k), dtype=np.int64)
        rows = max(1, _COMPLEMENT_ELEMENTS // m)
        for lo in range(0, reps, rows):
            size = min(rows, reps - lo)
            keep = np.ones((size, m), dtype=bool)
            np.put_along_axis(keep, _sorted_distinct(rng, size, m - k, m), False, axis=1)
            out[lo : lo + size] = np.nonzero(keep)[1].reshape(size, k)
        return out
    return _first_distinct(rng, reps, k, m)


def _first_distinct(rng: np.random.Generator, reps: int, k: int, m: int) -> np.ndarray:
    """:func:`_sorted_distinct` for ``k <= m / 2``: per row, draws until ``k`` distinct
    values are all but certain (the mean number of draws that takes, plus six standard
    deviations), the first ``k`` distinct ones in the order drawn, sorted; a row short of
    ``k`` distinct values is drawn again."""
    i = np.arange(k, dtype=np.float64)
    mean = float(np.sum(m / (m - i)))  # draws until the (i + 1)-th new value: geometric
    sd = math.sqrt(float(np.sum(i * m / (m - i) ** 2)))
    width = min(math.ceil(mean + 6 * sd) + 8, 64 * m)
    key = np.int32 if m * width < 1 << 31 else np.int64  # half the bytes to sort where they fit
    out = np.empty((reps, k), dtype=np.int64)
    missing = np.arange(reps)
    while missing.size:
        # each draw keyed by its value, then its place in the row: sorted, a value's first draw comes first
        keyed = (rng.random((missing.size, width)) * m).astype(key)
        keyed *= width
        keyed += np.arange(width, dtype=key)
        keyed.sort(axis=1)
        value, place = np.divmod(keyed, width)
        first = np.ones(keyed.shape, dtype=bool)
        first[:, 1:] = value[:, 1:] != value[:, :-1]
        firsts = np.count_nonzero(first, axis=1)
        last = np.partition(np.where(first, place, width), k - 1, axis=1)[:, k - 1]  # the k-th new value's place
        full = firsts >= k
        kept = first & (place <= last[:, None]) & full[:, None]
        out[missing[full]] = value[kept].reshape(-1, k)
        missing = missing[~full]
    return out

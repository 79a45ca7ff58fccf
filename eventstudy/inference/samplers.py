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

Two nulls are registered in :data:`SAMPLERS`:

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import polars as pl

from eventstudy.errors import DataError
from eventstudy.events import DeclusterMode, decluster, gap_thresholds
from eventstudy.periods import Gap
from eventstudy.registry import Registry

__all__ = [
    "SAMPLERS",
    "Calendar",
    "CircularSampler",
    "MatchedSampler",
    "PlaceboSampler",
    "SeedLike",
    "as_generator",
    "obeys_rule",
]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None

_ELEMENTS_PER_CALL = 65_536  # candidates declustered per call: keeps the arrays in cache
_MAX_ROUNDS = 200


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
        for _ in range(_MAX_ROUNDS):
            candidates = np.asarray(self.candidates(self.rng, missing.size), dtype=np.int64)
            priority = self.rng.random(candidates.shape)
            sets, ok = self._admit(candidates, priority)
            bank[missing[ok]] = sets[ok]
            missing = missing[~ok]
            if missing.size == 0:
                return bank
        raise DataError(
            f"could not draw {self.nobs} placebo days obeying the declustering rule from {self.frame_days.size} "
            f"eligible days ({self.name} null): too many events for the window under this gap"
        )

    def _admit(self, candidates: np.ndarray, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame, dedupe, decluster and subsample each row; ``ok`` marks rows that filled."""
        candidates = np.sort(candidates, axis=1)  # priorities are i.i.d.: no need to carry them along
        valid = self.frame[candidates]
        valid[:, 1:] &= candidates[:, 1:] != candidates[:, :-1]
        survive = np.zeros_like(valid)
        rows, _ = np.nonzero(valid)
        days = candidates[valid]
        survive[valid] = self._decluster(self.calendar.keys[days], self.calendar.thresholds[days], rows)
        ok = survive.sum(axis=1) >= self.nobs
        ranked = np.where(survive, priority, np.inf)
        pick = np.argpartition(ranked, self.nobs - 1, axis=1)[:, : self.nobs]
        sets = np.sort(np.take_along_axis(candidates, pick, axis=1), axis=1)
        return sets, ok


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
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        kept[lo:hi] = decluster(keys[lo:hi], thresholds[lo:hi], mode, groups=groups[lo:hi])
    return kept


SAMPLERS: Registry[type[PlaceboSampler]] = Registry("null sampler", entry_point_group="eventstudy.samplers")
"""Null samplers by name; ``InferenceSettings.null`` picks one."""


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
    gap that a shift in trading days shortens) are excluded once, by checking all of them;
    each placebo is a uniform draw from the remaining offsets.
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
            length = self.frame_days.size
            ranks = np.searchsorted(self.frame_days, self.events)
            step = max(1, _ELEMENTS_PER_CALL // max(self.nobs, 1))
            valid = []
            for lo in range(0, length, step):
                offsets = np.arange(lo, min(lo + step, length))
                shifted = np.sort(self.frame_days[(ranks[None, :] + offsets[:, None]) % length], axis=1)
                valid.append(offsets[obeys_rule(self.calendar, shifted)])
            self._valid = np.concatenate(valid)
            if self._valid.size == 0:
                raise DataError("no circular shift of the events obeys the declustering rule in this frame")
        return self._valid

    def candidates(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        valid = self.valid_offsets()
        offsets = valid[np.floor(rng.random(reps) * valid.size).astype(np.int64)]
        ranks = np.searchsorted(self.frame_days, self.events)
        return self.frame_days[(ranks[None, :] + offsets[:, None]) % self.frame_days.size]

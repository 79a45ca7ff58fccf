"""The null for rules on prices: the study's rule re-run on resampled histories.

When the condition is made of the prices it is tested on (an all-time high, a drawdown,
an RSI), the days it picks are not random days: how many events a history produces
depends on what follows them, so even on pure noise an equal-weight average of the
events' overlapping forward windows is biased (after highs it looks weak, after dips
strong). Placebo dates drawn from the one real history cannot show this; histories can.

The test (Brock, Lakonishok & LeBaron 1992, with the stationary bootstrap of Politis &
Romano 1994 and the block length of Politis & White 2004 / Patton, Politis & White
2009): resample the daily returns of all the study's series jointly (the same blocks of
days for every series, so cross-correlation and volatility clustering survive), rebuild
prices, and re-run the condition, the trigger, the declustering and the outcomes on each
history (:mod:`eventstudy.histories`). Each block after the first starts on a day whose
previous month was as volatile (the same tenth of trailing 21-day volatility) as the
month up to the day the block before ended on
(:func:`~eventstudy.inference.resample.matched_indices`): a volatile regime outlasts its
block, so a rule that picks big falls, which real prices follow with weeks of high
volatility, sees the same in the histories (unmatched blocks of a few days followed them
with ordinary days, and the test rejected 14.5% of true nulls at a year).

In every history, and in the real data, each cell's statistic (event mean, median, %
positive) minus the same statistic over all the window's days is the *difference* ``D``.
Then

* ``null_mean`` = the mean of ``D`` over the histories: what the rule shows on noise;
* ``effect`` = observed ``D`` minus ``null_mean``: the bias-corrected effect;
* ``p`` compares the observed ``D`` with the histories' (the mean's and the median's
  studentized within each history, ``D / (sd / sqrt(n_eff))`` with ``n_eff`` the
  effective sample size of that history's own events' overlapping windows;
  :data:`STUDENTIZED`), ``p = (1 + #{as extreme}) / (B + 1)`` two-sided around the null's centre (a studentized null's median: its ratios are
  heavy-tailed where a history's few events nearly agree, and a few such draws pull its
  mean anywhere);
* the interval of the event statistic is the basic bootstrap interval of the pivot
  ``E_b - A`` (each history's event statistic minus the resampling world's expected
  value, the mean over histories of their all-days statistic; studentized like ``D``):
  it covers the expected value after an event, net of what the rule picks on noise
  (the share positive's interval is cut to [0, 1]).

A history without an event (or with one, where a standard error is needed) does not
enter that cell's null; the number used is reported. All cells' statistics come from the
same histories, so the max-statistic adjustment across cells is joint: its draws are the
histories with a value in some cell of the family (the cells they have no value in count
as not beating any), each cell's divided by their median absolute deviation where the
difference is studentized (their sd is the size of a few far draws), and an adjusted p is
never below the cell's own.

A universe study's histories (:func:`universe_history_null`) resample whole days of every
stock and market series together, and each is prepared as a universe of its own; its
statistics pool the events of all stocks (:func:`pooled_statistics`), as the study does,
and are studentized by the naive ``sd / sqrt(n)``: ``n_eff`` counts one series' windows
overlapping in time under i.i.d. returns, which is not the variance of a pool of many
stocks' events (windows of two stocks on the same days correlate through the market, by
less than one; windows of one stock are the formula's case), so it would be a new
statistic there, to be calibrated on its own.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.config import UNIVERSE_HISTORIES, StatisticsSpec, Study
from eventstudy.evaluators import build_evaluators
from eventstudy.events import kept_events
from eventstudy.executor import Executor, ThreadExecutor
from eventstudy.histories import HistorySource, UniverseHistorySource, history_panel
from eventstudy.inference.multiple import maxstat_stepdown
from eventstudy.inference.panel import count_true
from eventstudy.inference.placebo import median_of, median_rows, placebo_test
from eventstudy.inference.power import EventLine
from eventstudy.inference.resample import (
    block_indices,
    blocks_drawn,
    matched_blocks,
    stationary_indices,
)
from eventstudy.inference.table import MIN_TESTED, Headline, not_tested_on
from eventstudy.panel import Panel, values_at
from eventstudy.universe import prepare_universe

__all__ = [
    "ALL_DAYS_FIGURES", "CellStatistics", "HistoryNull", "SharedHistories", "all_days_statistics", "cell_statistics",
    "histories_headline", "history_null", "pooled_statistics", "universe_history_null", "used_histories",
]

STATISTIC_NAMES = ("mean", "median", "pct_positive")

EVENT_FIGURES = ("n", "mean", "median", "sd", "pct_positive")
"""The figures of each row's events in a cell (:class:`CellStatistics`)."""

ROWS_PER_CHUNK = 1_000_000
"""(history, day) rows prepared at once: bounds memory whatever the number of histories.
The histories' blocks are drawn in groups of histories (:data:`BLOCKS_PER_DRAW`), so the
seed alone decides them, whatever this number. Two chunks are live at once (a thread
each); where a condition holds on most days a chunk's events, their indices and the
effective sample sizes' line are as many as its rows. 1,000 histories of SPX and RUT's
12,000 days, ``benchmarks/dense.py``'s condition true on nearly every day: 3.34 s of CPU
and a 675 MB peak against 3.62 s and 1,072 MB with 2,000,000 rows (500,000: 3.29 s,
462 MB); the flagship (18 events) the same 1.2 s either way, 1.3-1.5 s at 500,000."""

BLOCKS_PER_DRAW = 1 << 23
"""Blocks the histories null draws at once (:func:`~eventstudy.inference.resample.matched_blocks`,
a first day and a length each, 24 bytes a block with its uniform), in groups of at least
:data:`HISTORIES_PER_DRAW` histories: every history's blocks drawn in one pass took 2.9 GB
for 10,000 histories of SPX since 1927 (24,782 returns, blocks of 2.6 days) and would take
29 GB for 100,000, the most a study may ask."""

HISTORIES_PER_DRAW = 1_000
"""The fewest histories whose blocks are drawn at once: up to this many (the default
count), every history's blocks come from one draw of the seed's stream."""

@dataclass
class CellStatistics:
    """Per row (a history, or the real data) and cell: the events' and all days' figures.

    Every array is ``(rows, cells)``: ``n`` complete events, their ``mean``, ``median``,
    ``pct_positive`` and ``sd`` (ddof 1); the window's days with a value (``n_all``)
    and their ``all_mean``, ``all_median``, ``all_pct_positive``; ``n_eff``, the
    complete events' effective sample size given their windows' overlap (NaN where the
    cell has no horizon in days; None where it was not computed: a universe's pool).
    """

    n: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    pct_positive: np.ndarray
    sd: np.ndarray
    n_all: np.ndarray
    all_mean: np.ndarray
    all_median: np.ndarray
    all_pct_positive: np.ndarray
    n_eff: np.ndarray | None = None

    @classmethod
    def stack(cls, parts: list[CellStatistics]) -> CellStatistics:
        n_eff = None if any(p.n_eff is None for p in parts) else np.concatenate([p.n_eff for p in parts if p.n_eff is not None])
        return cls(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__ if f != "n_eff"}, n_eff=n_eff)

    def event(self, statistic: str) -> np.ndarray:
        return getattr(self, statistic)

    def all_days(self, statistic: str) -> np.ndarray:
        return getattr(self, f"all_{statistic}")

    def se(self, statistic: str) -> np.ndarray:
        """The event statistic's studentizing scale: sd / sqrt(n_eff), the median's
        sqrt(pi / 2) times that, with the effective sample size of the events' overlapping
        windows (the exact variance factor of a mean of overlapping h-day sums of i.i.d.
        daily returns; :func:`~eventstudy.inference.power.effective_sample_size`), or ``n``
        where it is unknown; the share positive's naive sqrt(p (1-p) / n)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            if statistic == "pct_positive":
                p = self.pct_positive
                return np.sqrt(p * (1 - p) / self.n)
            scale = math.sqrt(math.pi / 2) if statistic == "median" else 1.0
            n = self.n if self.n_eff is None else np.where(np.isnan(self.n_eff), self.n, self.n_eff)
            return scale * self.sd / np.sqrt(n)


def _complete_stretch(days: np.ndarray) -> slice | None:
    """The columns of ``days`` known (not NaN) in its first row, when they are one stretch
    and every other column is unknown in every row (a forward outcome's last days), else
    None. Whether the stretch is known in every row is left to the caller (a NaN there
    makes its row's sum NaN)."""
    if not days.shape[0] or not days.shape[1]:
        return None
    inside = np.flatnonzero(~np.isnan(days[0]))
    if not inside.size or inside.size != inside[-1] - inside[0] + 1:
        return None
    lo, hi = int(inside[0]), int(inside[-1]) + 1
    if not (np.isnan(days[:, :lo]).all() and np.isnan(days[:, hi:]).all()):
        return None
    return slice(lo, hi)


def _all_days_masked(days: np.ndarray, c: int, out: dict[str, np.ndarray]) -> None:
    """The all-days figures of cell ``c`` into ``out`` wherever ``days`` has unknown values."""
    missing = np.isnan(days)
    known_cols = ~missing.any(axis=0)
    if known_cols.all() or missing[:, ~known_cols].all():  # the same days unknown in every row
        full = days if known_cols.all() else days[:, known_cols]
        if full.shape[1]:
            out["n_all"][:, c] = full.shape[1]
            out["all_mean"][:, c] = full.mean(axis=1, dtype=np.float64)
            out["all_pct_positive"][:, c] = np.count_nonzero(full > 0, axis=1) / full.shape[1]
            out["all_median"][:, c] = median_rows(full)
        else:
            out["all_mean"][:, c] = np.nan
    else:
        count = (~missing).sum(axis=1)
        some = np.flatnonzero(count > 0)  # a row without a known day has no figures (and numpy would warn of an empty slice)
        rows = days if some.size == days.shape[0] else days[some]
        out["n_all"][:, c] = count
        for name in ("all_mean", "all_pct_positive", "all_median"):
            out[name][:, c] = np.nan
        out["all_mean"][some, c] = np.nanmean(rows, axis=1)
        out["all_pct_positive"][some, c] = (rows > 0).sum(axis=1) / count[some]
        out["all_median"][some, c] = np.nanmedian(rows, axis=1)


def _window_span(window: np.ndarray) -> slice | np.ndarray:
    """The window's days as a slice when they are one stretch (as a study's window always
    is), so that its columns are a view, not a copy; else the mask itself."""
    inside = np.flatnonzero(window)
    return slice(int(inside[0]), int(inside[-1]) + 1) if inside.size and inside.size == inside[-1] - inside[0] + 1 else window


ALL_DAYS_FIGURES = ("n_all", "all_mean", "all_pct_positive", "all_median")
"""The figures of each row's window days in a cell (:class:`CellStatistics`)."""


def all_days_statistics(values: list[np.ndarray], window: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`ALL_DAYS_FIGURES` per row and cell of ``values`` (one ``(rows, days)`` array
    per cell) over every window day with a value: what :func:`cell_statistics` reports
    beside the events' figures, computed once where several event sets share the values."""
    rows = values[0].shape[0] if values else 0
    k = len(values)
    out = {f: np.full((rows, k), np.nan) for f in ALL_DAYS_FIGURES}
    out["n_all"] = np.zeros((rows, k))
    span = _window_span(window)
    for c, v in enumerate(values):
        days = v[:, span]  # a window is one stretch of days: a view, not a copy
        complete = _complete_stretch(days)
        if complete is not None:  # an outcome's unknown head or tail, the same in every row: no copy, no NaN test
            full = days[:, complete]
            out["all_mean"][:, c] = full.mean(axis=1, dtype=np.float64)
        if complete is not None and not np.isnan(out["all_mean"][:, c]).any():
            out["n_all"][:, c] = full.shape[1]
            out["all_pct_positive"][:, c] = count_true(full > 0, axis=1) / full.shape[1]  # 16-bit sums of the bytes: a quarter of int64's
            out["all_median"][:, c] = median_rows(np.ascontiguousarray(full))  # float32 histories partitioned as they are
        else:
            _all_days_masked(days, c, out)
    return out


def cell_statistics(
    values: list[np.ndarray], s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, all_days: dict[str, np.ndarray] | None = None,
    horizons: Sequence[int] | None = None,
) -> CellStatistics:
    """Figures per row and cell of ``values`` (one ``(rows, days)`` array per cell) for
    the events at ``(s_idx, d_idx)`` (in row order, as :func:`~eventstudy.events.kept_events`
    gives them) and for every window day with a value (``all_days``: those figures, from
    :func:`all_days_statistics` of the same values and window, when they are known).
    ``horizons``: each cell's horizon in days, for the effective sample size of its
    complete events' days (``n_eff``; NaN in a cell whose horizon is below one day, as a
    recovery's; None without ``horizons``)."""
    if s_idx.size > 1 and np.any(np.diff(s_idx) < 0):
        raise ValueError("`s_idx` must be in row order (ascending)")
    rows = values[0].shape[0] if values else 0
    k = len(values)
    out = {f: np.full((rows, k), np.nan) for f in EVENT_FIGURES}
    out["n"] = np.zeros((rows, k))
    out |= all_days if all_days is not None else all_days_statistics(values, window)
    n_eff = np.full((rows, k), np.nan) if horizons is not None else None
    asked = {h for h in horizons or () if h >= 1}
    longest = max(asked, default=0)
    line = EventLine(s_idx, d_idx, rows, longest, len(asked)) if longest and values else None  # every cell's events: each is a subset
    flat = s_idx * values[0].shape[1] + d_idx if values else s_idx  # the events' places in every cell's (rows, days) grid
    for c, v in enumerate(values):
        x = values_at(v, s_idx, d_idx, flat)
        ok = ~np.isnan(x)
        s, x = s_idx[ok], x[ok].astype(np.float64)  # filtered before the cast: a float32 pass instead of a float64 one
        if n_eff is not None and line is not None and horizons is not None and horizons[c] >= 1:
            n_eff[:, c] = line.effective_sample_sizes(int(horizons[c]), ok)
        if x.size:  # events come in row order: polars groups sorted keys without hashing
            found = pl.DataFrame([pl.Series("s", s).set_sorted(), pl.Series("x", x)]).group_by("s", maintain_order=True).agg(
                pl.len().cast(pl.Float64).alias("n"), pl.col("x").mean().alias("mean"), pl.col("x").median().alias("median"),
                pl.col("x").std(ddof=1).alias("sd"),
                (pl.col("x").gt(0).sum() / pl.len()).alias("pct_positive"),  # the same share; a bool column's mean is 2x slower per group
            )
            at = found["s"].to_numpy()
            for name, column in zip(EVENT_FIGURES, found.select(pl.col(EVENT_FIGURES).fill_null(np.nan)).to_numpy().T):
                out[name][at, c] = column
    out["sd"][out["n"] < 2] = np.nan
    return CellStatistics(**out, n_eff=n_eff)


def pooled_statistics(values: list[np.ndarray], s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray) -> CellStatistics:
    """Figures of a universe's events pooled over its rows (one row of :class:`CellStatistics`):
    the events at ``(s_idx, d_idx)`` and every (stock, window day) with a value."""
    k = len(values)
    # no n_eff, so the naive se: a pool of many stocks' events is no one series' overlapping windows (module docstring)
    out = {f: np.full((1, k), np.nan) for f in CellStatistics.__dataclass_fields__ if f != "n_eff"}
    out["n"] = np.zeros((1, k))
    out["n_all"] = np.zeros((1, k))
    span = _window_span(window)
    for c, v in enumerate(values):
        days = v[:, span]  # a view: the known values are gathered once, below
        every = days[~np.isnan(days)]
        if every.size:
            out["n_all"][0, c] = every.size
            out["all_mean"][0, c] = every.mean(dtype=np.float64)
            out["all_pct_positive"][0, c] = np.count_nonzero(every > 0) / every.size
            out["all_median"][0, c] = median_of(every)
        x = values_at(v, s_idx, d_idx).astype(np.float64)
        x = x[~np.isnan(x)]
        if x.size:
            out["n"][0, c] = x.size
            out["mean"][0, c] = x.mean()
            out["median"][0, c] = median_of(x)
            out["pct_positive"][0, c] = np.count_nonzero(x > 0) / x.size
            out["sd"][0, c] = x.std(ddof=1) if x.size > 1 else np.nan
    return CellStatistics(**out)


@dataclass
class HistoryNull:
    """The real data's figures and the histories' (``(B, cells)`` each), and how they were
    made; ``flat_share``: a universe's stock-days that drew a day the stock did not trade."""

    observed: CellStatistics
    histories: CellStatistics
    block_length: float
    count: int
    flat_share: float = 0.0


def _horizon_days(tested: Panel) -> list[int]:
    """Each tested cell's horizon in days (below one where it has none, as a recovery: its
    horizon is itself, and its ``horizon_days`` the ``max_days`` it looks within, no window
    its events share)."""
    cells = tested.cells.select("measure", "horizon", "horizon_days").rows()
    return [-1 if h is None or horizon == measure else int(h) for measure, horizon, h in cells]


def _resampled_figures(
    panel: Panel, studies: list[Study], tested: Panel, window: np.ndarray, statistics: StatisticsSpec
) -> tuple[list[CellStatistics], float]:
    """Each of ``studies`` (the same series, evaluators and own events; any condition,
    trigger and declustering) re-run on the same ``statistics.histories`` resampled
    histories of ``panel``'s series, in chunks on this process's threads: every history's
    figures per study, and the mean block length. Prices, features, outcomes and all-days
    figures are computed once per chunk for all of them; each study's figures are those
    it gets alone (the seed decides the histories)."""
    assert panel.frame is not None, "a timeline's panel keeps its frame"
    study = studies[0]
    source = HistorySource.of(panel.frame, panel.days, list(study.series), statistics.block_length, panel.closes_before)
    n_days = source.days.size
    reps = statistics.histories
    per_chunk = max(1, min(reps, ROWS_PER_CHUNK // n_days))
    # the histories' blocks, matched on volatility, drawn a group of histories at a time
    # (one pass over the blocks for all of a group's); each chunk fills in its own rows'
    # days. The first group draws from the seed's stream, each later one from its own.
    states = source.states
    group = max(HISTORIES_PER_DRAW, BLOCKS_PER_DRAW // blocks_drawn(n_days - 1, source.block_length))
    evaluators = build_evaluators(study.evaluators)
    keys = tested.cells.select("measure", "asset", "horizon", "horizon_days").rows()
    horizons = _horizon_days(tested)
    conditions = [(s.when, s.trigger) for s in studies]
    source.grid(per_chunk)  # the chunks' shared row layout, made once before the threads start

    def chunk(blocks: tuple[np.ndarray, np.ndarray]) -> list[CellStatistics]:
        indices = block_indices(*blocks, n_days - 1)
        batch = history_panel(source, study, indices, evaluators, conditions)
        order = {key: i for i, key in enumerate(batch.cells.select("measure", "asset", "horizon", "horizon_days").rows())}
        values = [batch.values[order[key]] for key in keys]
        all_days = all_days_statistics(values, window)
        found = []
        for each in studies:
            s_idx, d_idx = kept_events(batch, batch.hits_for(each.when, each.trigger), window, each.decluster)
            found.append(cell_statistics(values, s_idx, d_idx, window, all_days, horizons))
        return found

    def groups(pool: Executor) -> Iterator[list[CellStatistics]]:
        for first in range(0, reps, group):
            seed = [statistics.seed, 0x5EED] + ([first // group] if first else [])
            starts, lengths = matched_blocks(states, min(group, reps - first), source.block_length, np.random.default_rng(seed))
            yield from pool.imap(chunk, [(starts[lo : lo + per_chunk], lengths[lo : lo + per_chunk]) for lo in range(0, starts.shape[0], per_chunk)])
            del starts, lengths  # before the next group's are drawn

    chunks = sum(-(-min(group, reps - first) // per_chunk) for first in range(0, reps, group))
    with ThreadExecutor() as pool:
        parts = list(progress.track(groups(pool), "resampled histories", total=chunks))
    return [CellStatistics.stack([part[i] for part in parts]) for i in range(len(studies))], source.block_length


_SharedKey = tuple[str, bytes, tuple[tuple[object, ...], ...], int, int]
"""Statistics, window, tested cells, panel and first study of a :class:`SharedHistories` pass."""


@dataclass
class SharedHistories:
    """The histories null of several studies on one panel at once: a sweep's grid cells,
    which differ in their condition, trigger or declustering only, are re-run on the same
    resampled histories (the seed decides them), so each history's prices, features,
    outcomes and all-days figures are computed once for all of them. Each study's null is
    the one it gets alone. Studies whose series, evaluators or own events differ share a
    pass only with the studies like them; a study not listed gets a pass of its own."""

    studies: list[Study]
    _found: dict[_SharedKey, tuple[list[CellStatistics], float]] = field(default_factory=dict, repr=False)

    def figures(
        self, panel: Panel, study: Study, tested: Panel, window: np.ndarray, statistics: StatisticsSpec
    ) -> tuple[CellStatistics, float] | None:
        """``study``'s histories figures and mean block length, or None when it is not one of :attr:`studies`."""
        alike = [s for s in self.studies if (s.series, s.evaluators, s.event_sets) == (study.series, study.evaluators, study.event_sets)]
        at = next((i for i, s in enumerate(alike) if s is study), None)
        if at is None:
            return None
        key = (statistics.model_dump_json(), window.tobytes(), tuple(tested.cells.rows()), id(panel), id(alike[0]))
        if key not in self._found:
            self._found[key] = _resampled_figures(panel, alike, tested, window, statistics)
        found, block_length = self._found[key]
        return found[at], block_length


def history_null(
    panel: Panel,
    study: Study,
    tested: Panel,
    kept_days: np.ndarray,
    window: np.ndarray,
    statistics: StatisticsSpec,
    shared: SharedHistories | None = None,
) -> HistoryNull:
    """Re-run ``study`` on ``statistics.histories`` resampled histories of the series of
    ``panel`` (a timeline), in chunks on this process's threads; ``tested`` is the panel's
    tested cells, whose order the histories' figures follow. ``shared``: histories
    computed once for several studies (a sweep's cells), when ``study`` is one of them."""
    found = shared.figures(panel, study, tested, window, statistics) if shared is not None else None
    if found is None:
        alone, length = _resampled_figures(panel, [study], tested, window, statistics)
        found = (alone[0], length)
    histories, block_length = found
    observed = cell_statistics(
        tested.values, np.zeros(kept_days.size, dtype=np.int64), kept_days.astype(np.int64), window, horizons=_horizon_days(tested)
    )
    return HistoryNull(observed, histories, block_length, statistics.histories)


def universe_history_null(
    panel: Panel, study: Study, tested: Panel, s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, statistics: StatisticsSpec
) -> HistoryNull:
    """Re-run the universe ``study`` on resampled universes built from ``panel`` (prepared
    with ``keep_closes``): ``statistics.histories`` of them, or :data:`~eventstudy.config.UNIVERSE_HISTORIES`
    when that is not set; one history at a time on each of this process's threads.
    ``s_idx``, ``d_idx`` are the real kept events; ``tested`` the panel's tested cells,
    whose order the figures follow."""
    longest = int(tested.cells["horizon_days"].max() or 1) if tested.cells.height else 1  # type: ignore[arg-type]  # polars types max() as any literal; an integer column's is an int
    source = UniverseHistorySource.of(panel, study, statistics.block_length, longest_horizon=longest)
    reps = statistics.histories if "histories" in statistics.model_fields_set else UNIVERSE_HISTORIES
    seeds = np.random.SeedSequence([statistics.seed, 0x5EED]).spawn(reps)  # one per history: any thread count
    keys = tested.cells.select("measure", "asset", "horizon", "horizon_days").rows()
    n_days = panel.days.size
    calendar = pl.Series("date", panel.days).cast(pl.Date)  # a history's rows are the real ones' cells: the same dates and symbols

    def one(seed: np.random.SeedSequence) -> tuple[CellStatistics, float]:
        indices = stationary_indices(n_days - 1, 1, source.block_length, np.random.default_rng(seed))[0]
        prices, stocks, flat_share = source.history(indices)
        history = prepare_universe(study, prices, source.symbols, stocks=stocks, known_dates=(calendar, source.rows.size))
        if history.days.size != n_days or history.symbols != source.symbols:
            raise AssertionError("a resampled universe must keep the real calendar and symbols")
        order = {key: i for i, key in enumerate(history.cells.select("measure", "asset", "horizon", "horizon_days").rows())}
        empty = np.full((len(source.symbols), n_days), np.nan, dtype=np.float32)
        values = [history.values[order[key]] if key in order else empty for key in keys]
        found = pooled_statistics(values, *kept_events(history, history.hits_for(study.when, study.trigger), window, study.decluster), window)
        return found, flat_share

    with ThreadExecutor() as pool:
        parts = list(progress.track(pool.imap(one, seeds), "resampled universes", total=reps))
    observed = pooled_statistics(tested.values, s_idx, d_idx, window)
    return HistoryNull(
        observed, CellStatistics.stack([p[0] for p in parts]), source.block_length, reps, float(np.mean([p[1] for p in parts]))
    )


STUDENTIZED: tuple[str, ...] = ("mean", "median")
"""Statistics whose difference is studentized within each history before comparison (by
:meth:`CellStatistics.se`: sd / sqrt(n_eff), the median's sqrt(pi / 2) times that, with
n_eff the effective sample size of the history's own events at the cell's horizon; the
naive n where the cell has no horizon in days). With the naive sd / sqrt(n), conditions
that pick volatile days over-rejected: their real events come in runs whose long windows
overlap far more than their resampled histories' events do (n / n_eff 2.8 against 1.4
at 1y for 'A volatility(21) > 30%'), so the real difference alone was divided by too
small a scale (11.8% rejected at 1y; docs/statistics.md gives the rates with n_eff). The
share positive is compared as it is: its standard error sqrt(p (1 - p) / n) is zero when
every event is positive (or none), which would leave such a history, or a study,
untested. On 400 GARCH-t and 400 bootstrap histories with price-chosen events the naive
scale rejected 4.0-4.8% / 3.4-5.4% (mean), 2.7-3.6% / 3.1-5.6% (median) and 3.4-4.7% /
3.0-4.6% (% positive) at 5% (benchmarks/calibrate.py --prices)."""


MAD_SCALE = 1.4826
"""The median absolute deviation times this is the standard deviation of a normal sample."""


def _null_scale(draws: np.ndarray, centre: float, sd: float, robust: bool) -> float:
    """The scale a cell's draws are divided by for the max-statistic adjustment: ``sd``,
    or, for a studentized null (``robust``), the draws' median absolute deviation from
    ``centre`` (times :data:`MAD_SCALE`; ``sd`` where it is 0). A studentized null is
    heavy-tailed (a history whose few events nearly agree gives a ratio in the hundreds):
    its sd, a few such draws' size, shrank the cell's observed ratio to nothing beside the
    other cells' draws, so its adjusted p neared 1 whatever its own p."""
    if not robust or not draws.size:
        return sd
    mad = MAD_SCALE * float(np.median(np.abs(draws - centre)))
    return mad if mad > 0 else sd


def histories_headline(
    null: HistoryNull, statistics: StatisticsSpec, studentized: tuple[str, ...] = STUDENTIZED,
    tested_on: Mapping[str, Collection[str]] | None = None, measures: Sequence[str] = (),
) -> Headline:
    """The headline test of every cell from the histories (module docstring). A cell
    (its measure in ``measures``) whose measure is not tested on a statistic
    (``tested_on``: :func:`~eventstudy.inference.table.not_tested_on`) is left out of
    that statistic's max-statistic family."""
    k = null.observed.n.shape[1]
    out = Headline("histories")
    tail = (1 - statistics.ci) / 2
    untested = null.observed.n[0] < MIN_TESTED  # shown, not tested: not in the max-statistic adjustment's family
    for name in STATISTIC_NAMES:
        obs, hist = null.observed, null.histories
        d_obs = obs.event(name)[0] - obs.all_days(name)[0]
        d_hist = hist.event(name) - hist.all_days(name)
        studentize = name in studentized
        se_obs, se_hist = obs.se(name)[0], hist.se(name)
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero spread: no studentized value
            t_obs = d_obs / se_obs if studentize else d_obs
            t_hist = d_hist / se_hist if studentize else d_hist
        t_hist = np.where(np.isfinite(t_hist), t_hist, np.nan)
        p, p_greater, p_less, percentile = (np.full(k, np.nan) for _ in range(4))
        # a history without a value in a cell (too few events) is left out of that cell's
        # max-statistic draws, as out of its own p-value (NaN here, 0 in the max below)
        z_obs, z_null = np.full(k, np.nan), np.full((k, t_hist.shape[0]), np.nan)
        centre_d = np.full(k, np.nan)
        low, high = np.full(k, np.nan), np.full(k, np.nan)
        draws = np.full((k, t_hist.shape[0]), np.nan)
        every = hist.all_days(name)
        known = (~np.isnan(every)).sum(axis=0)
        # the resampling world's expected value (np.nanmean's bits, without its warning where no history has a value)
        truth = np.where(known > 0, np.nansum(every, axis=0) / np.maximum(known, 1), np.nan)
        for c in range(k):
            valid = np.isfinite(t_hist[:, c])
            centre_d[c] = float(np.mean(d_hist[valid, c])) if valid.any() else np.nan
            draws[c, valid] = obs.all_days(name)[0, c] + d_hist[valid, c]
            if not valid.any() or not np.isfinite(t_obs[c]):
                continue
            # a studentized null is heavy-tailed (a history of two events of nearly one return
            # divides by a near-zero sd): a few far draws pull its mean onto the observed value
            test = placebo_test(np.array([t_obs[c]]), t_hist[valid, c][None, :], centre="median" if studentize else "mean")
            p[c], p_greater[c], p_less[c], percentile[c] = test.p_two_sided[0], test.p_greater[0], test.p_less[0], test.percentile[0]
            spread = _null_scale(t_hist[valid, c], test.null_mean[0], test.null_std[0], robust=studentize)
            z_obs[c] = (t_obs[c] - test.null_mean[0]) / spread if spread > 0 else test.z[0]
            z_null[c, valid] = (t_hist[valid, c] - test.null_mean[0]) / spread if spread > 0 else 0.0
            pivot = hist.event(name)[valid, c] - truth[c]
            if studentize:
                pivot = pivot / se_hist[valid, c]
            pivot = pivot[np.isfinite(pivot)]
            if not pivot.size:
                continue
            q_low, q_high = np.quantile(pivot, [tail, 1 - tail])
            scale = se_obs[c] if studentize else 1.0
            estimate = obs.event(name)[0, c]
            low[c], high[c] = estimate - q_high * scale, estimate - q_low * scale
            if name == "pct_positive":  # a share: the basic interval's ends past 0 or 100% are no share an event set can have
                low[c], high[c] = max(low[c], 0.0), min(high[c], 1.0)
        out.observed[name] = obs.event(name)[0]
        out.p[name], out.p_greater[name], out.p_less[name], out.percentile[name] = p, p_greater, p_less, percentile
        off = untested | (not_tested_on(measures, name, tested_on) if measures else False)
        family = np.where(off, np.nan, np.abs(z_obs))
        entered = ~np.isnan(z_null[np.isfinite(family)]).all(axis=0)  # the histories with a value in some cell of the family
        adjusted = maxstat_stepdown(family, np.nan_to_num(np.abs(z_null[:, entered]), nan=0.0))
        # the family's draws are the histories with any value, a cell's own its histories with one: never below its own p
        out.p_maxstat[name] = np.where(np.isnan(adjusted), np.nan, np.fmax(adjusted, p))
        out.null_mean[name] = centre_d
        out.ci_low[name], out.ci_high[name] = low, high
        out.ci_approximate[name] = obs.n[0] < 20
        out.draws[name] = draws
    return out


def used_histories(null: HistoryNull) -> np.ndarray:
    """Per cell, the histories that entered its null (at least two events)."""
    return (null.histories.n >= 2).sum(axis=0)


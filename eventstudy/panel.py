"""The one shape every study is evaluated in: a panel of symbols x calendar days.

A study of named series is a panel of one row (the study's aligned timeline), a universe
study one row per stock, and a batch of resampled histories one row per history. Each
is prepared its own way (:mod:`eventstudy.study`, :mod:`eventstudy.universe`,
:mod:`eventstudy.histories`), and all of them then go through the same stages
(:mod:`eventstudy.engine`): events in the window, declustered per row; outcomes of the
kept events; the summary against every (row, day) of the window; the tests.

What a panel holds, per outcome *cell* (measure x asset x horizon), is one dense
``(rows, days)`` array of values (NaN: unknown), and per condition the flat indices
``row * days + day`` where it held. Nothing else about how the panel was prepared is
needed downstream.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from eventstudy.measures import Measures

__all__ = ["CELL_SCHEMA", "ConditionHits", "HitsFinder", "Panel", "calendar_index", "empty_cells", "values_at"]

CELL_SCHEMA = {"measure": pl.String, "asset": pl.String, "horizon": pl.String, "horizon_days": pl.Int64}
"""Columns that identify an outcome cell, in order."""

PanelKind = Literal["timeline", "universe", "histories"]


@dataclass(frozen=True)
class ConditionHits:
    """Where one condition held (trigger applied; before window and declustering).

    Attributes
    ----------
    flat
        int64 indices ``row * days + day``, ascending.
    position
        Each hit's position among its row's days on the study calendar (the clock of
        trading-day declustering gaps).
    values
        The condition's feature values at the hits, for the instance table: a timeline's
        ``date``, then one column per value; a universe's, one column per value, a row
        per hit in the order of ``flat`` (which says its date and symbol).
    """

    flat: np.ndarray
    position: np.ndarray
    values: pl.DataFrame

    @classmethod
    def empty(cls) -> ConditionHits:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), pl.DataFrame())


class HitsFinder:
    """Finds a condition's hits on a prepared panel that keeps its feature frame (a
    timeline): ``find(when, trigger) -> ConditionHits``. Universe panels find every
    condition while their blocks are read, and have none."""

    def find(self, when: str, trigger: str) -> ConditionHits:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Panel:
    """A prepared study: calendar, rows, outcome cells and the conditions' hits.

    Attributes
    ----------
    kind
        ``'timeline'`` (one row: a study of named series), ``'universe'`` (a row per
        stock) or ``'histories'`` (a row per resampled history).
    days
        The calendar, ``datetime64[D]``, ascending.
    symbols
        The rows' names.
    cells
        ``measure, asset, horizon, horizon_days`` (and ``symbol``, the asset's symbol in
        a timeline) of each outcome cell, in order.
    values
        One ``(rows, days)`` array per cell: float64 for a timeline (exact figures),
        float32 for a universe (memory); NaN where unknown (pending, no data).
    pending
        Per cell, the pending values as ``(flat index, days_remaining)``, sorted by flat
        index; every other value is complete or missing.
    hits
        Per ``(when, trigger)``: where that condition held (:class:`ConditionHits`).
    present
        ``(rows, days)`` bool: the row has data that day.
    measures
        The measure catalog of the evaluators that filled ``cells``.
    frame
        The daily frame conditions are evaluated on: a timeline's aligned features (full
        history), or a universe's market series on its calendar (None without any).
    daily
        A universe's ``(rows, days)`` next-day simple returns (the calendar-time test).
    closes
        A universe's ``(rows, days)`` closes (NaN: no row that day), kept only when the
        histories null will rebuild the universe from them.
    observed_closes
        A timeline with ``align: ffill`` and an event study: each series' closes
        (``{series}.close``) on the calendar only on the days it has one, null where the
        alignment carried its last close forward (a day without a close has no return).
    own_days
        A timeline's series: how many trading days of its own each has from the
        calendar's first day to its last (its features and horizons count these); a
        universe's: how many dates its stocks have over that span
        (:data:`~eventstudy.universe.UNIVERSE_DAYS`).
    closes_before
        A timeline's series: the closes of each before the calendar's first day, in date
        order (a series older than the others; none where its data start there): what the
        histories null's features read before a history's first day (its running highs and
        lows, the windows of its moving averages), as the real series' do.
    reads
        Per cell ``(measure, asset)`` that reads series beside the row's own symbol (an
        excess return's or a hit rate's benchmark), their symbols: the cell's values never
        complete past the end of their data either (:meth:`Evaluator.read_by_every_cell
        <eventstudy.evaluators.Evaluator.read_by_every_cell>`).
    max_stale
        A timeline's (or a universe's market series') ``align: ffill``: how many of the calendar's days a series' last close
        stands in for; one whose data end no earlier than that before the calendar's last
        day is behind (a source that publishes later), not ended.
    """

    kind: PanelKind
    days: np.ndarray
    symbols: list[str]
    cells: pl.DataFrame
    values: list[np.ndarray]
    pending: list[tuple[np.ndarray, np.ndarray]]
    hits: dict[tuple[str, str], ConditionHits]
    present: np.ndarray
    measures: Measures
    frame: pl.DataFrame | None = None
    daily: np.ndarray | None = None
    closes: np.ndarray | None = None
    observed_closes: pl.DataFrame | None = None
    own_days: dict[str, int] = field(default_factory=dict)
    reads: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    max_stale: int = 0
    closes_before: dict[str, np.ndarray] = field(default_factory=dict)
    directory: Path | None = None
    sources: dict[str, Path] = field(default_factory=dict)
    source_ranges: dict[str, dict[str, object]] = field(default_factory=dict)
    input_hashes: dict[Path, dict[str, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    finder: HitsFinder | None = None

    def hits_for(self, when: str, trigger: str) -> ConditionHits:
        """The hits of ``(when, trigger)``: prepared already, or found now on the frame."""
        key = (when, trigger)
        if key not in self.hits:
            if self.finder is None:
                raise KeyError(f"the condition {when!r} ({trigger}) was not prepared on this panel")
            self.hits[key] = self.finder.find(when, trigger)
        return self.hits[key]

    def only(self, measures: list[str]) -> Panel:
        """The same panel with only the cells of ``measures`` (arrays shared, not copied)."""
        keep = [i for i, m in enumerate(self.cells["measure"].to_list()) if m in measures]
        return replace(
            self,
            cells=self.cells[keep],
            values=[self.values[i] for i in keep],
            pending=[self.pending[i] for i in keep],
            hits=self.hits,
        )

    def days_remaining(self, cell: int, flat: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """``days_remaining`` of cell ``cell`` at flat indices ``flat`` (0: not pending);
        ``values``, the cell's values there if at hand: only the unknown ones are looked up."""
        where, remaining = self.pending[cell]
        out = np.zeros(flat.size, dtype=np.int64)
        if where.size:
            ask = np.flatnonzero(np.isnan(values)) if values is not None else np.arange(flat.size)
            at = np.clip(np.searchsorted(where, flat[ask]), 0, where.size - 1)
            found = where[at] == flat[ask]
            out[ask[found]] = remaining[at[found]]
        return out

    def ended_symbols(self) -> list[str]:
        """The symbols whose data end before the calendar's last day: a universe's stocks
        without a row that day (delisted, acquired), a timeline's series (and a universe's
        market series its cells read, :attr:`reads`) that stop before the first series of
        ``align: ffill`` by more than ``max_stale`` of its days (one that stops fewer days
        before is carried to the last day: it is behind, and its horizons pending). A
        horizon that runs past the end of their data never completes, though the calendar
        goes on; a pending one runs past the calendar's end, and more data will come."""
        if not self.days.size or self.kind == "histories":  # resampled histories: every row runs to the last day
            return []
        universe = self.kind == "universe"
        read = {s for symbols in self.reads.values() for s in symbols} if universe else self.source_ranges.keys()
        # a series has ended when its values are null on the calendar's last day (its last close carried no further than max_stale days)
        ends = {s: end for s in read if isinstance(end := self.source_ranges.get(s, {}).get("last"), dt.date)}
        series = [s for s, end in ends.items() if int(np.searchsorted(self.days, np.datetime64(end, "D"), side="right")) + self.max_stale < self.days.size]
        return [s for s, here in zip(self.symbols, self.present[:, -1].tolist()) if not here] + series if universe else series

    @property
    def dates(self) -> pl.Series:
        """The calendar as a polars Date series."""
        return pl.Series("date", self.days).cast(pl.Date)


def values_at(values: np.ndarray, s_idx: np.ndarray, d_idx: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
    """``values[s_idx, d_idx]`` of a ``(symbols, days)`` grid, by one take at the flat
    indices of a contiguous grid (two-index fancy indexing works the same indices out
    point by point); ``flat``: those indices, ``s_idx * days + d_idx``, when already
    computed for another grid of the same shape (every cell of a panel)."""
    if not values.flags.c_contiguous:
        return values[s_idx, d_idx]
    return values.reshape(-1).take(flat if flat is not None else np.asarray(s_idx, dtype=np.int64) * values.shape[1] + d_idx)


def calendar_index(dates: pl.Series, days: np.ndarray) -> np.ndarray:
    """Index of each date in the sorted calendar ``days`` (int32 epoch days), -1 if
    absent: one lookup in a table over the calendar's span, not a binary search per date."""
    epoch = dates.cast(pl.Int32).to_numpy()
    if days.size == 0 or epoch.size == 0:
        return np.full(epoch.size, -1, dtype=np.int64)
    first, last = int(days[0]), int(days[-1])
    table = np.full(last - first + 1, -1, dtype=np.int64)
    table[days - first] = np.arange(days.size)
    if int(epoch.min()) >= first and int(epoch.max()) <= last:  # the usual case: one lookup, no masks
        return table[epoch - first]
    inside = (epoch >= first) & (epoch <= last)
    return np.where(inside, table[np.clip(epoch - first, 0, table.size - 1)], -1)


def empty_cells() -> pl.DataFrame:
    return pl.DataFrame(schema=CELL_SCHEMA)

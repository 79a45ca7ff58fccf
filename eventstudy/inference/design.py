"""From a study (its panel, or a :class:`~eventstudy.result.StudyResult`) to the arrays the inference runs on.

The *design* of a study is its window's days (a :class:`Calendar` on the declustering
rule's clock), one row of outcome values per cell over those days (NaN where the outcome
is incomplete or missing), the kept events as calendar indices, and the optional base
mask of a nested baseline. Every test in :mod:`eventstudy.inference` reads these arrays
and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from eventstudy.events import DeclusterMode
from eventstudy.inference.samplers import Calendar
from eventstudy.result import StudyResult
from eventstudy.statistics import CELL

__all__ = ["EventDesign", "event_design", "panel_design"]


@dataclass(frozen=True)
class EventDesign:
    """A study reduced to arrays.

    Attributes
    ----------
    calendar
        The window's days (sorted dates of ``baseline_outcomes``) on the rule's clock.
    cells
        One row per cell: ``measure, asset, horizon, horizon_days``, in the study's order.
    values
        ``(cells, days)`` outcome values; NaN where incomplete.
    events
        Calendar indices of the kept events, sorted.
    base
        ``(days,)`` mask of the days a nested baseline allows (all True by default).
    mode
        The declustering mode (the gap is in ``calendar``).
    """

    calendar: Calendar
    cells: pl.DataFrame
    values: np.ndarray
    events: np.ndarray
    base: np.ndarray
    mode: DeclusterMode

    def frame(self, cell: int) -> np.ndarray:
        """The days a placebo of ``cell`` may fall on: complete there and in the base."""
        return ~np.isnan(self.values[cell]) & self.base

    def cell_events(self, cell: int) -> np.ndarray:
        """The events whose outcome in ``cell`` is complete."""
        return self.events[~np.isnan(self.values[cell, self.events])]


def event_design(result: StudyResult, base_mask: np.ndarray | None = None) -> EventDesign:
    """The arrays of ``result``; ``base_mask`` is aligned with the window's sorted days."""
    outcomes = result.baseline_outcomes
    dates = outcomes.get_column("date").unique().sort()
    timeline_dates = result.timeline.get_column("date")
    positions = timeline_dates.search_sorted(dates).to_numpy().astype(np.int64)
    found = positions < timeline_dates.len()
    if not found.all() or not (timeline_dates.gather(positions) == dates).all():
        raise ValueError("every baseline date must be a day of the study's timeline")
    spec = result.study.decluster
    calendar = Calendar.build(dates, positions, spec.gap if spec is not None else None)

    cells = outcomes.select(CELL).unique(maintain_order=True)
    ids = outcomes.select(CELL).join(cells.with_row_index("_cell"), on=CELL, how="left", maintain_order="left")
    cell_id = ids.get_column("_cell").to_numpy().astype(np.int64)
    day = dates.search_sorted(outcomes.get_column("date")).to_numpy().astype(np.int64)
    values = np.full((cells.height, dates.len()), np.nan)
    values[cell_id, day] = outcomes.get_column("value").fill_null(np.nan).to_numpy()

    kept = result.raw_events.filter(pl.col("kept")).get_column("date").sort()
    events = dates.search_sorted(kept).to_numpy().astype(np.int64)
    if events.size and (np.any(events >= dates.len()) or not (dates.gather(events) == kept).all()):
        raise ValueError("every kept event must be a day of the study window")

    if base_mask is None:
        base = np.ones(dates.len(), dtype=bool)
    else:
        base = np.asarray(base_mask, dtype=bool)
        if base.shape != (dates.len(),):
            raise ValueError(f"`base_mask` must be a boolean mask over the window's {dates.len()} days, got shape {base.shape}")
    mode: DeclusterMode = spec.mode if spec is not None else "after_kept"
    return EventDesign(calendar=calendar, cells=cells, values=values, events=events, base=base, mode=mode)


def panel_design(
    values: list[np.ndarray], cells: pl.DataFrame, days: np.ndarray, window: np.ndarray, kept_days: np.ndarray,
    study_decluster: object, base_mask: np.ndarray | None = None,
) -> EventDesign:
    """The design of a one-row panel: ``values`` (one ``(1, days)`` array per cell), the
    calendar ``days`` (``datetime64[D]``), the window mask, and the kept events' day
    indices; ``study_decluster`` the study's :class:`~eventstudy.config.DeclusterSpec` (or None)."""
    inside = np.flatnonzero(window)
    dates = pl.Series("date", days[inside]).cast(pl.Date)
    gap = getattr(study_decluster, "gap", None)
    calendar = Calendar.build(dates, inside, gap)
    grid = np.vstack([v[0, inside] for v in values]).astype(np.float64) if values else np.zeros((0, inside.size))
    events = np.searchsorted(inside, np.sort(kept_days)).astype(np.int64)
    base = np.ones(inside.size, dtype=bool) if base_mask is None else np.asarray(base_mask, dtype=bool)
    mode: DeclusterMode = getattr(study_decluster, "mode", "after_kept")
    return EventDesign(calendar=calendar, cells=cells.select(CELL), values=grid, events=events, base=base, mode=mode)

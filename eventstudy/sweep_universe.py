"""Sweeps over universe studies: every grid cell's events tested on one joint null.

The grid is prepared in one pass (:func:`eventstudy.universe.prepare_universe` with every
cell's condition): the data is read once, features and outcomes are computed once, and
each block finds every condition's hits. Each cell then takes its own hits through the
universe study's events (window, per-symbol declustering) and summary, as a run of that
cell alone would. Its events are tested with the 'dates' null: every
event keeps its day, its symbol is redrawn among the symbols with a value that day. The
draws come from :func:`~eventstudy.inference.panel.keyed_uniform`, so the draw of event
``(symbol, day)`` in placebo ``b`` is the same in every cell: cells that share events
share their placebo values, and the grid's placebo statistics are jointly distributed as
the observed ones are. That is what the data-snooping tests of :mod:`eventstudy.sweep`
(White's Reality Check, Hansen's SPA, Romano-Wolf) need from a null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from eventstudy.config import Study
from eventstudy.errors import ConfigError
from eventstudy.inference.panel import Draws, keyed_uniform, symbol_keys
from eventstudy.inference.placebo import STATISTICS
from eventstudy.universe import UniverseData, UniverseInput, window_mask, evaluate_universe, prepare_universe, universe_events

__all__ = ["UniverseGrid", "check_universe_cells", "universe_cell_tests"]

DRAWS_PER_CHUNK = 4_000_000
"""Placebo values drawn at once per cell (placebos x events): bounds the memory of a
cell's null whatever its number of events."""


@dataclass(frozen=True)
class UniverseGrid:
    """What every cell of a universe sweep shares (sent to each worker once): the data
    prepared for every cell's condition, and which condition each cell is."""

    data: UniverseData
    directory: Path | None
    condition_of: dict[tuple[str, str], int]
    settings: Any
    statistic: str
    end: dt.date | None

    @classmethod
    def prepare(cls, study: Study, cells: list[Study], given: UniverseInput, settings: Any, statistic: str, end: dt.date | None) -> UniverseGrid:
        """Read nothing more: compute features, outcomes and every distinct condition's hits."""
        conditions = list(dict.fromkeys((c.when, c.trigger) for c in cells))
        data = prepare_universe(study, given.prices, given.symbols, stocks=given.stocks, panel_file=given.panel_file, conditions=conditions)
        data.notes.extend(given.notes)
        return cls(data, given.directory, {c: k for k, c in enumerate(conditions)}, settings, statistic, end)

    def cell_data(self, cell: Study) -> UniverseData:
        """The prepared data seen through ``cell``'s condition."""
        return self.data.for_condition(self.condition_of[(cell.when, cell.trigger)])

    def tests(self, cell: Study, start: dt.date) -> pl.DataFrame:
        """``cell``'s significance table on the period from ``start`` (held-out confirmation)."""
        return evaluate_universe(self.cell_data(cell), cell, self.directory, start=start, end=cell.window.end, statistics=self.settings).tests


def check_universe_cells(study: Study, cells: list[Study], names: list[str]) -> None:
    """The grid may vary the condition, trigger, declustering and window; the universe,
    its series, data and evaluators are read and computed once, so they must not vary."""
    fixed = {"universe": lambda s: s.universe, "series": lambda s: s.series, "data": lambda s: s.data, "evaluate": lambda s: s.evaluate}
    for cell in cells:
        for part, of in fixed.items():
            if of(cell) != of(study):
                raise ConfigError(
                    f"a universe sweep cannot vary {part!r} (grid axes {', '.join(repr(n) for n in names)})",
                    hint="sweep the condition's numbers, 'gap', 'mode', 'trigger' or the window; run other variants as separate studies",
                )


def universe_cell_tests(grid: UniverseGrid, cell: Study) -> tuple[list[dict[str, Any]], list[float], list[np.ndarray]]:
    """One grid cell of a universe sweep: its ledger rows (without the axis values), and
    per row the studentized statistic and its placebo draws (see the module docstring).

    Module-level, so an executor can send it to worker processes.
    """
    from eventstudy.sweep import ledger_row

    settings, statistic = grid.settings, grid.statistic
    stat = STATISTICS[statistic]
    end = grid.end or cell.window.end
    data = grid.cell_data(cell)
    result = evaluate_universe(data, cell, grid.directory, end=end, statistics=settings.model_copy(update={"placebos": 0}))
    window = window_mask(data.days, cell.window.start, end)
    kept = universe_events(data, cell, window).filter("kept")
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    day_keys = data.days.astype(np.int64)[d_idx]
    name_keys = symbol_keys(data.symbols)[s_idx] if s_idx.size else np.zeros(0, dtype=np.uint64)
    baselines = {
        tuple(r[:4]): r[4]
        for r in result.summary.select("measure", "asset", "horizon", "horizon_days", f"baseline_{statistic}").iter_rows()
    }
    rows, z_obs, z_null = [], [], []
    for c, info in enumerate(data.cells.iter_rows(named=True)):
        if info["measure"] not in data.measures["tested"]:
            continue
        values = data.values[c]
        x = values[s_idx, d_idx].astype(np.float64)
        complete = np.flatnonzero(~np.isnan(x))
        mine = complete[np.argsort(d_idx[complete], kind="stable")]  # grouped by day for the sampler
        baseline = baselines.get(tuple(info.values()))
        baseline = float("nan") if baseline is None else float(baseline)
        if mine.size:
            observed = float(stat(x[mine]))
            null = _dates_null(values, d_idx[mine], window, day_keys[mine], name_keys[mine], settings.placebos, settings.seed, stat)
        else:
            observed, null = float("nan"), np.full(settings.placebos, np.nan)
        row, z, zn = ledger_row(cell, result.condition, info, int(mine.size), statistic, observed, baseline, null)
        rows.append(row)
        z_obs.append(z)
        z_null.append(zn)
    return rows, z_obs, z_null


def _dates_null(
    values: np.ndarray, days: np.ndarray, window: np.ndarray, day_keys: np.ndarray, name_keys: np.ndarray,
    placebos: int, seed: int, stat: Any,
) -> np.ndarray:
    """The statistic on ``placebos`` placebo sets: each event's symbol redrawn among those
    with a value on its day, from uniforms keyed by (placebo, day, symbol)."""
    sampler = Draws(values, days, window, axis=0)
    null = np.empty(placebos)
    chunk = max(1, DRAWS_PER_CHUNK // days.size)
    for first in range(0, placebos, chunk):
        size = min(chunk, placebos - first)
        uniform = keyed_uniform(seed, size, day_keys, name_keys, first=first)
        null[first : first + size] = stat(sampler.draw(uniform).astype(np.float64))
    return null

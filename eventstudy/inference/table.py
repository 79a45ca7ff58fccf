"""The significance table: one row per cell x statistic, whatever the headline test.

A headline test (:class:`Headline`: a placebo null of :mod:`.timeseries`, or the
histories null of :mod:`.histories`) gives each cell's p-values, the null's mean and the
interval; :func:`significance_table` sets them beside the classical companions
(:mod:`.classical`), the multiple-testing adjustments across the study's cells
(:mod:`.multiple`), the effective sample size and the minimum detectable effect
(:mod:`.power`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from eventstudy.config import StatisticsSpec
from eventstudy.inference.classical import (
    binomial_test,
    hac_event_test,
    hac_lag,
    mann_whitney_test,
    welch_test,
)
from eventstudy.inference.design import EventDesign
from eventstudy.inference.multiple import benjamini_hochberg, holm
from eventstudy.inference.placebo import STATISTICS
from eventstudy.inference.power import (
    NEFF_WARNING,
    effective_sample_size,
    statistic_mde,
)
from eventstudy.inference.sampler_names import DESCRIBED, NoTest

__all__ = ["ALIKE", "ALIKE_WORDS", "MIN_TESTED", "SIGNIFICANCE_SCHEMA", "Headline", "not_tested_on", "significance_table", "too_few_warning"]

SIGNIFICANCE_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "asset": pl.String(),
    "horizon": pl.String(),
    "horizon_days": pl.Int64(),
    "statistic": pl.String(),
    "observed": pl.Float64(),
    "baseline": pl.Float64(),
    "difference": pl.Float64(),
    "null": pl.String(),
    "null_mean": pl.Float64(),
    "effect": pl.Float64(),
    "n": pl.Int64(),
    "n_eff": pl.Float64(),
    "p_placebo": pl.Float64(),
    "p_greater": pl.Float64(),
    "p_less": pl.Float64(),
    "percentile": pl.Float64(),
    "p_holm": pl.Float64(),
    "p_bh": pl.Float64(),
    "p_maxstat": pl.Float64(),
    "survives": pl.Boolean(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "ci_approximate": pl.Boolean(),
    "p_welch": pl.Float64(),
    "p_mannwhitney": pl.Float64(),
    "p_binomial": pl.Float64(),
    "t_hac": pl.Float64(),
    "p_hac": pl.Float64(),
    "mde": pl.Float64(),
    "warning": pl.String(),
}
"""Columns of the significance table, in order."""


@dataclass
class Headline:
    """The headline test of each cell, per statistic: arrays over the design's cells.

    ``null_mean`` is what the null shows for the difference (statistic minus baseline):
    random event sets under the rule for a placebo null, the rule on noise for the
    histories null; ``effect`` is the difference minus it. ``draws`` are the null's
    statistics on the observed scale, ``(cells, B)``, for charts.
    """

    null: str
    observed: dict[str, np.ndarray] = field(default_factory=dict)
    p: dict[str, np.ndarray] = field(default_factory=dict)
    p_greater: dict[str, np.ndarray] = field(default_factory=dict)
    p_less: dict[str, np.ndarray] = field(default_factory=dict)
    percentile: dict[str, np.ndarray] = field(default_factory=dict)
    p_maxstat: dict[str, np.ndarray] = field(default_factory=dict)
    null_mean: dict[str, np.ndarray] = field(default_factory=dict)
    ci_low: dict[str, np.ndarray] = field(default_factory=dict)
    ci_high: dict[str, np.ndarray] = field(default_factory=dict)
    ci_approximate: dict[str, np.ndarray] = field(default_factory=dict)
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    reps: int = 0
    median_reps: int = 0
    warnings: list[NoTest] = field(default_factory=list)
    """What the null's draws cannot say (a runs null with little room), for the notes."""


ALIKE_WORDS = "events have the same value here"
"""The words of :data:`ALIKE` a table's reader finds its rows by."""

ALIKE = "all {n} " + ALIKE_WORDS + ": with no spread among them there is no {blank}"
"""A tested cell's warning when its events' values are all equal (a stale or stepwise
series: every forward return 0): the bootstrap has no interval to give, and the histories
null, which divides the average's and the median's difference by the events' spread, no
p-value; a blank with no reason read as a cell left untested by mistake."""

MIN_TESTED = 3
"""A cell with fewer complete events is shown but not tested: a placebo null ranked one
event's return among all days' and called a study of one event significant, and a
studentized statistic has no spread to divide by from one or two returns."""


def not_tested_on(measures: Sequence[str], statistic: str, tested_on: Mapping[str, Collection[str]] | None) -> np.ndarray:
    """Per cell (its measure in ``measures``), whether ``statistic`` is not one its measure
    is tested on (``tested_on``: a measure's statistics,
    :attr:`~eventstudy.measures.Measure.statistics`; a measure not named, or None: all):
    such a cell x statistic has no row in the tests and no place in a family.

    >>> not_tested_on(["fwd", "hit"], "median", {"hit": ("mean",)}).tolist()
    [False, True]
    """
    if not tested_on:
        return np.zeros(len(measures), dtype=bool)
    return np.array([m in tested_on and statistic not in tested_on[m] for m in measures], dtype=bool)


def significance_table(
    design: EventDesign, settings: StatisticsSpec, headline: Headline, described: Collection[str] = (),
    tested_on: Mapping[str, Collection[str]] | None = None, shares: Collection[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per cell x statistic: the headline test beside the classical companions,
    the multiple-testing adjustments, n_eff and the minimum detectable effect. A cell of
    fewer than :data:`MIN_TESTED` events has no p-value, the classical companions' neither,
    and no interval (two values' bootstrap interval is their range), and is not in the
    family the others' Holm, BH and max-statistic adjustments count (the headline leaves
    its draws out of the max-statistic's). A cell of a ``described`` measure, which the
    headline's null does not test, keeps its p-value as a description (its warning says
    so: :data:`~eventstudy.inference.sampler_names.DESCRIBED`), outside the family too. A
    statistic a cell's measure is not tested on (``tested_on``: :func:`not_tested_on`, the
    hit rate's median and share positive) has no row, no null draws and no place in its
    family. ``shares``: the measures whose values are shares (a hit rate's 0s and 1s), whose
    mean's minimum detectable effect is, as the share positive's, no further than 0 or 1
    (:func:`~eventstudy.inference.power.within_reach`)."""
    cell_rows = design.cells.rows(named=True)
    few = np.array([design.cell_events(c).size < MIN_TESTED for c in range(len(cell_rows))], dtype=bool)
    for tested in (headline.p, headline.p_greater, headline.p_less, headline.percentile, headline.p_maxstat, headline.ci_low, headline.ci_high):
        for name in tested:
            tested[name] = np.where(few, np.nan, tested[name])
    outside = np.array([cell["measure"] in described for cell in cell_rows], dtype=bool)
    measures = [str(cell["measure"]) for cell in cell_rows]
    off = {name: not_tested_on(measures, name, tested_on) for name in STATISTICS}
    adjusted = {
        name: (holm(np.where(outside | off[name], np.nan, p)), benjamini_hochberg(np.where(outside | off[name], np.nan, p)))
        for name, p in headline.p.items()
    }
    columns: dict[str, list[object]] = {name: [] for name in SIGNIFICANCE_SCHEMA}
    for c, cell in enumerate(cell_rows):
        events = design.cell_events(c)
        x = design.values[c, events]
        base = design.values[c, design.frame(c)]
        n = int(x.size)
        h = int(cell["horizon_days"])
        n_eff = effective_sample_size(design.calendar.positions[events], h)
        p0 = float((base > 0).mean()) if base.size else math.nan
        hac_days = design.frame(c)
        hac_days[events] = True  # the dummy regression runs over the baseline days plus the events
        enough = n >= MIN_TESTED  # the classical companions too: a Newey-West t of one event read -156.58, p <0.001
        hac = hac_event_test(design.values[c, hac_days], np.searchsorted(np.flatnonzero(hac_days), events), hac_lag(h)) if enough else None
        warning = _warning(n, n_eff)
        if outside[c] and n >= MIN_TESTED:
            warning = "; ".join([f"the {headline.null} null holds the real days fixed and does not test {cell['measure']}: {DESCRIBED}", *([warning] if warning else [])])
        sd = float(base.std(ddof=1)) if base.size > 1 else math.nan
        alike = enough and bool(np.all(x == x[0]))  # no spread: no interval, no studentized p-value
        for name, stat in STATISTICS.items():
            if off[name][c]:  # not a statistic this measure is tested on: no row
                continue
            blank = [what for what, value in (("p-value", headline.p[name][c]), ("interval", headline.ci_low[name][c])) if math.isnan(value)]
            row_warning = "; ".join([ALIKE.format(n=n, blank=" or ".join(blank)), *([warning] if warning else [])]) if alike and blank else warning
            baseline = float(stat(base)) if base.size else math.nan
            mde = statistic_mde(name, sd, baseline, n_eff, settings.alpha, share=cell["measure"] in shares)
            observed = float(headline.observed[name][c])
            p_maxstat = float(headline.p_maxstat[name][c])
            null_mean = float(headline.null_mean[name][c])
            row = {
                **cell,
                "statistic": name,
                "observed": observed,
                "baseline": baseline,
                "difference": observed - baseline,
                "null": headline.null,
                "null_mean": null_mean,
                "effect": observed - baseline - null_mean,
                "n": n,
                "n_eff": n_eff,
                "p_placebo": float(headline.p[name][c]),
                "p_greater": float(headline.p_greater[name][c]),
                "p_less": float(headline.p_less[name][c]),
                "percentile": float(headline.percentile[name][c]),
                "p_holm": float(adjusted[name][0][c]),
                "p_bh": float(adjusted[name][1][c]),
                "p_maxstat": p_maxstat,
                "survives": None if math.isnan(p_maxstat) else p_maxstat <= settings.alpha,
                "ci_low": float(headline.ci_low[name][c]),
                "ci_high": float(headline.ci_high[name][c]),
                "ci_approximate": bool(headline.ci_approximate[name][c]) if n >= MIN_TESTED else None,
                "p_welch": float(welch_test(x, base)[1]) if name == "mean" and enough else math.nan,
                "p_mannwhitney": float(mann_whitney_test(x, base)) if name == "median" and enough else math.nan,
                "p_binomial": binomial_test(int((x > 0).sum()), n, p0) if name == "pct_positive" and enough else math.nan,
                "t_hac": float(hac.t[0]) if name == "mean" and hac is not None else math.nan,
                "p_hac": float(hac.p_fixed_b[0]) if name == "mean" and hac is not None else math.nan,
                "mde": mde,
                "warning": row_warning,
            }
            for key in SIGNIFICANCE_SCHEMA:
                columns[key].append(row[key])

    frame = pl.DataFrame(columns, schema=SIGNIFICANCE_SCHEMA)
    floats = [name for name, dtype in SIGNIFICANCE_SCHEMA.items() if dtype == pl.Float64()]
    draws = {name: np.where(off[name][:, None], np.nan, null) if off[name].any() else null for name, null in headline.draws.items()}
    return frame.with_columns(pl.col(floats).fill_nan(None)), _null_frame(design.cells, draws)


def _null_frame(cells: pl.DataFrame, draws: dict[str, np.ndarray]) -> pl.DataFrame:
    """Long null distributions: ``measure, asset, horizon, horizon_days, statistic, value``
    (one row per cell x statistic x draw with a value), for charts of observed vs chance.
    The draws with a value are picked in numpy and their cells gathered once: repeating
    every cell's row and dropping the NaN draws after took 20 ms per statistic at 10 x
    10,000 draws."""
    frames = []
    for name, null in draws.items():
        values = np.asarray(null, dtype=np.float64).reshape(-1)
        kept = np.flatnonzero(~np.isnan(values))
        frame = cells[kept // null.shape[1]].with_columns(pl.lit(name).alias("statistic"), pl.Series("value", values[kept]))
        frames.append(frame)
    return pl.concat(frames) if frames else pl.DataFrame()


def too_few_warning(n: int) -> str | None:
    """A cell's warning when it has too few complete events to test (a study's and a
    universe's alike), else None."""
    if n == 0:
        return "no event with a complete outcome in this cell: nothing to test"
    if n < MIN_TESTED:
        return f"only {n} event(s) with a complete outcome in this cell: too few to test (at least {MIN_TESTED})"
    return None


def _warning(n: int, n_eff: float) -> str | None:
    if n < MIN_TESTED:
        return too_few_warning(n)
    if n_eff < NEFF_WARNING:
        return (
            f"effective sample size {n_eff:.1f} < {NEFF_WARNING:.0f} ({n} events with overlapping forward windows): "
            "p-values and intervals rest on very few independent observations"
        )
    return None



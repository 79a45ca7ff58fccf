"""The statistics stage: summaries of outcomes, for the events and for the all-days baseline.

Every figure here is computed over the *complete* outcomes of a cell (asset x horizon x
measure): incomplete rows (value null, the horizon not yet elapsed) are counted in
``n_incomplete`` and left out of every other figure. Returns stay fractions (0.05 = 5%);
formatting is the report layer's job.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import polars as pl

__all__ = ["CELL", "SUMMARY_COLUMNS", "mean_band", "summarize", "summary_with_baseline"]

CELL = ["measure", "asset", "horizon", "horizon_days"]
"""The columns that identify one cell of a study's results."""

SUMMARY_COLUMNS = [
    "asset",
    "horizon",
    "horizon_days",
    "n",
    "n_incomplete",
    "mean",
    "median",
    "pct_positive",
    "min",
    "max",
    "baseline_n",
    "baseline_mean",
    "baseline_median",
    "baseline_pct_positive",
    "measure",
    "band_low",
    "band_high",
]


def summarize(outcomes: pl.DataFrame) -> pl.DataFrame:
    """Per cell: n, n_incomplete, mean, median, pct_positive (share > 0), min, max.

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> o = pl.DataFrame({"measure": ["r"] * 3, "asset": ["A"] * 3, "horizon": ["1d"] * 3,
    ...                   "horizon_days": [1] * 3, "value": [0.1, -0.2, None]})
    >>> summarize(o).select("n", "n_incomplete", "mean", "pct_positive").row(0)
    (2, 1, -0.05, 0.5)
    """
    value = pl.col("value")
    return (
        outcomes.group_by(CELL, maintain_order=True)
        .agg(
            value.count().alias("n"),
            value.null_count().alias("n_incomplete"),
            value.mean().alias("mean"),
            value.median().alias("median"),
            (value > 0).mean().alias("pct_positive"),
            value.min().alias("min"),
            value.max().alias("max"),
        )
        .with_columns(pl.col("n").cast(pl.Int64), pl.col("n_incomplete").cast(pl.Int64))
    )


def mean_band(outcomes: pl.DataFrame, level: float = 0.95, reps: int = 2000, seed: int = 7) -> pl.DataFrame:
    """Percentile-bootstrap band of each cell's mean (``band_low``, ``band_high``).

    A cheap band for charts (an event-time path has one cell per day); the significance
    tests' BCa intervals are the ones to quote. Resamples each cell's complete values with
    replacement ``reps`` times (fewer for large cells, at least 200); reproducible from
    ``seed``; null with fewer than 2 values. A cell of over 10,000 values gets the normal
    band ``mean +- z sd / sqrt(n)`` instead, which the bootstrap converges to at that size.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13.
    """
    rng = np.random.default_rng(seed)
    cells = outcomes.filter(pl.col("value").is_not_null()).group_by(CELL, maintain_order=True).agg(pl.col("value"))
    lows, highs = [], []
    tail = (1 - level) / 2
    for values in cells["value"].to_list():
        x = np.asarray(values, dtype=float)
        if x.size < 2:
            lows.append(None)
            highs.append(None)
            continue
        if x.size > 10_000:
            half = NormalDist().inv_cdf(1 - tail) * float(x.std(ddof=1)) / math.sqrt(x.size)
            lows.append(float(x.mean()) - half)
            highs.append(float(x.mean()) + half)
            continue
        draws = max(200, min(reps, 20_000_000 // x.size))  # bounded work for large pools
        means = x[rng.integers(0, x.size, size=(draws, x.size))].mean(axis=1)
        low, high = np.quantile(means, [tail, 1 - tail])
        lows.append(float(low))
        highs.append(float(high))
    return cells.select(CELL).with_columns(
        pl.Series("band_low", lows, dtype=pl.Float64), pl.Series("band_high", highs, dtype=pl.Float64)
    )


def summary_with_baseline(
    events: pl.DataFrame, baseline: pl.DataFrame, *, level: float = 0.95, seed: int = 7
) -> pl.DataFrame:
    """The events' summary with the baseline's n, mean, median and % positive beside it,
    and a bootstrap band of the events' mean (:func:`mean_band`).

    ``events`` and ``baseline`` are outcome frames; every baseline cell appears even when
    there are no events (then n = 0 and the event figures are null).
    """
    base = summarize(baseline).select(
        *CELL,
        pl.col("n").alias("baseline_n"),
        pl.col("mean").alias("baseline_mean"),
        pl.col("median").alias("baseline_median"),
        pl.col("pct_positive").alias("baseline_pct_positive"),
    )
    summary = base.join(summarize(events), on=CELL, how="left", maintain_order="left")
    summary = summary.join(mean_band(events, level, seed=seed), on=CELL, how="left", maintain_order="left")
    return summary.with_columns(pl.col("n").fill_null(0), pl.col("n_incomplete").fill_null(0)).select(SUMMARY_COLUMNS)

"""The statistics stage: summaries of outcomes, for the events and for the all-days baseline.

Every figure here is computed over the *complete* outcomes of a cell (asset x horizon x
measure): incomplete rows (value null, the horizon not yet elapsed) are counted in
``n_incomplete`` and left out of every other figure. Returns stay fractions (0.05 = 5%);
formatting is the report layer's job.
"""

from __future__ import annotations

import polars as pl

__all__ = ["CELL", "SUMMARY_COLUMNS", "summarize", "summary_with_baseline"]

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


def summary_with_baseline(events: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """The events' summary with the baseline's n, mean, median and % positive beside it.

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
    return summary.with_columns(pl.col("n").fill_null(0), pl.col("n_incomplete").fill_null(0)).select(SUMMARY_COLUMNS)

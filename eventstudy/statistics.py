"""The statistics stage: summaries of outcomes, for the events and for the all-days baseline.

Every figure here is computed over the *complete* outcomes of a cell (asset x horizon x
measure): incomplete rows (value null, the horizon not yet elapsed) are counted in
``n_incomplete`` and left out of every other figure. Returns stay fractions (0.05 = 5%);
formatting is the report layer's job.
"""

from __future__ import annotations

import polars as pl

__all__ = ["CELL", "SUMMARY_COLUMNS", "summarize"]

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
    """Per cell: n, n_incomplete (values whose horizon runs past the data:
    ``days_remaining > 0``, when the outcomes say; a value missing for want of history, as
    a market model's first year, is not incomplete), mean, median, pct_positive (share >
    0), min, max, and sd (the sample standard deviation, for the mean's band).

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> o = pl.DataFrame({"measure": ["r"] * 3, "asset": ["A"] * 3, "horizon": ["1d"] * 3,
    ...                   "horizon_days": [1] * 3, "value": [0.1, -0.2, None]})
    >>> summarize(o).select("n", "n_incomplete", "mean", "pct_positive").row(0)
    (2, 1, -0.05, 0.5)
    """
    value = pl.col("value")
    incomplete = value.is_null() & (pl.col("days_remaining") > 0).fill_null(False) if "days_remaining" in outcomes.columns else value.is_null()
    return (
        outcomes.group_by(CELL, maintain_order=True)
        .agg(
            value.count().alias("n"),
            incomplete.sum().alias("n_incomplete"),
            value.mean().alias("mean"),
            value.median().alias("median"),
            (value > 0).mean().alias("pct_positive"),
            value.min().alias("min"),
            value.max().alias("max"),
            value.std(ddof=1).alias("sd"),
        )
        .with_columns(pl.col("n").cast(pl.Int64), pl.col("n_incomplete").cast(pl.Int64))
    )

"""What happened on the way: the worst and best points within each horizon, and recovery.

For anchor t and horizon h, over the closes of days t+1 .. t+h of the asset:

* ``mae`` (maximum adverse excursion) = ``min(close) / close[t] - 1`` (<= 0 when it ever
  closed below the event close): the worst drawdown an investor who entered at the close
  would have sat through;
* ``mfe`` (maximum favourable excursion) = ``max(close) / close[t] - 1``: the best run-up.

``recovery`` (horizon label 'recovery'): trading days from the event until the first
close back at or above the event close after the first close below it; 0 if it never
closed below within ``max_days``. Null when it did not recover within ``max_days`` (then
``days_remaining`` is 0) or when the data ends before that can be known (pending).
Vectorized with sparse tables of range minima/maxima and a binary search for all days at
once (no loop over days).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from eventstudy._numpy import np
from eventstudy._polars import pl
from eventstudy.evaluators import (
    EVALUATORS,
    UNIVERSE,
    EvaluationContext,
    Evaluator,
    Horizons,
    Params,
    to_outcomes,
)

__all__ = ["Excursions", "ExcursionsParams", "first_crossing"]


class ExcursionsParams(Params):
    """``excursions: {assets: [SPX], horizons: [1m, 3m], max_days: 504}``."""

    assets: list[str] = Field(default_factory=lambda: [UNIVERSE], min_length=1, description="series to follow after each event (default in a universe study: each symbol)")
    horizons: Horizons
    recovery: bool = Field(True, description="also measure the days to recover the event close")
    max_days: int = Field(504, ge=1, description="recovery: stop looking after this many trading days")


@EVALUATORS.register("excursions")
class Excursions(Evaluator):
    """Maximum adverse / favourable excursion within each horizon, and days to recover."""

    name = "excursions"
    description = "worst drawdown (mae) and best run-up (mfe) within each horizon, and days to recover"
    Params = ExcursionsParams
    units: ClassVar[Mapping[str, str]] = {"recovery": "count"}

    def describe(self, measure: str) -> str:
        return {
            "mae": "maximum adverse excursion: worst close within the horizon vs the event close",
            "mfe": "maximum favourable excursion: best close within the horizon vs the event close",
            "recovery": "trading days to close back at or above the event close after first closing below it",
        }[measure]

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: ExcursionsParams = self.params  # type: ignore[assignment]
        close = pl.col("close")
        prices = context.asset_prices(params.assets)
        # min/max of close[t+1 .. t+h]: a rolling window on the reversed series, shifted by one.
        worst = [
            (close.reverse().rolling_min(h.days).reverse().shift(-1) / close - 1).over("asset", "symbol").alias(f"lo{h.days}")
            for h in params.horizons
        ]
        best = [
            (close.reverse().rolling_max(h.days).reverse().shift(-1) / close - 1).over("asset", "symbol").alias(f"hi{h.days}")
            for h in params.horizons
        ]
        prices = prices.with_columns(*worst, *best)
        frames = []
        for prefix, measure in (("lo", "mae"), ("hi", "mfe")):
            cols = {f"{prefix}{h.days}": (h.label, h.days) for h in params.horizons}
            wide = context.at_anchors(anchors, prices.select("asset", "symbol", "date", "rows_after", *cols))
            frames.append(to_outcomes(wide, cols, measure))
        if params.recovery:
            prices = prices.with_columns(
                pl.col("close")
                .map_batches(lambda s: pl.Series(_recovery_days(s.to_numpy(), params.max_days)), return_dtype=pl.Float64)
                .over("asset", "symbol")
                .fill_nan(None)
                .alias("recovery")
            )
            wide = context.at_anchors(anchors, prices.select("asset", "symbol", "date", "rows_after", "recovery"))
            frames.append(to_outcomes(wide, {"recovery": ("recovery", params.max_days)}, "recovery"))
        return pl.concat(frames)


def _sparse_table(values: np.ndarray, op: np.ufunc) -> list[np.ndarray]:
    """table[k][i] = op over values[i : i + 2**k] (shorter at the end: padded with values)."""
    table = [values]
    k = 1
    while (1 << k) <= values.size:
        prev = table[-1]
        half = 1 << (k - 1)
        nxt = prev.copy()
        nxt[: prev.size - half] = op(prev[: prev.size - half], prev[half:])
        table.append(nxt)
        k += 1
    return table


def first_crossing(values: np.ndarray, start: np.ndarray, threshold: np.ndarray, above: bool) -> np.ndarray:
    """For each i: the first j >= start[i] with values[j] >= threshold[i] (above) or
    values[j] < threshold[i] (below); ``values.size`` when there is none.

    A binary search on prefix extrema from ``start``, all i at once: at each power of two
    (largest first), jump past a block if no value in it crosses.
    """
    n = values.size
    op = np.maximum if above else np.minimum
    table = _sparse_table(values, op)
    pos = np.asarray(start, dtype=np.int64).copy()
    for k in range(len(table) - 1, -1, -1):
        block = 1 << k
        inside = pos + block <= n
        probe = np.where(inside, pos, 0)
        extreme = table[k][probe]
        no_cross = (extreme < threshold) if above else (extreme >= threshold)
        pos = np.where(inside & no_cross, pos + block, pos)
    # pos is now the first index whose single value crosses (or n)
    safe = np.minimum(pos, n - 1)
    crosses = (values[safe] >= threshold) if above else (values[safe] < threshold)
    return np.where((pos < n) & crosses, pos, n)


def _recovery_days(close: np.ndarray, max_days: int) -> np.ndarray:
    """Days to recover the close of each day (see the module docstring); NaN = pending."""
    n = close.size
    out = np.full(n, np.nan)
    if n == 0:
        return out
    idx = np.arange(n)
    below = first_crossing(close, idx + 1, close, above=False)
    back = first_crossing(close, np.minimum(below + 1, n), close, above=True)
    never_below = (below >= n) | (below - idx > max_days)
    recovered = (back < n) & (back - idx <= max_days) & ~never_below
    out[recovered] = (back - idx)[recovered]
    # never fell below within max_days, and that much data exists after t: 0
    out[never_below & (idx + max_days < n)] = 0.0
    return out

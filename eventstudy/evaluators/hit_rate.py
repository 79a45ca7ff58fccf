"""Hit rate: did the asset beat a threshold, or a benchmark, over the horizon?

Each event scores 1 when the asset's simple forward return over h trading days is above
``threshold`` (default 0) or, with ``benchmark``, above the benchmark's forward return over
the same days; else 0. The statistics layer's mean is then the hit rate, and its baseline
the all-days hit rate. It is tested on that mean alone: the share of scores above 0 is
the mean again, and their median is 0 or 1 (the summary shows both; the tests have no
row for them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from eventstudy._numpy import np
from eventstudy._polars import pl
from eventstudy.evaluators import (
    EVALUATORS,
    UNIVERSE,
    EvaluationContext,
    Evaluator,
    Horizons,
    PanelBlock,
    PanelCell,
    Params,
    to_outcomes,
    written_percent,
)

__all__ = ["HitRate", "HitRateParams"]


class HitRateParams(Params):
    """``hit_rate: {assets: [RUT], horizons: [3m], benchmark: SPX}`` or ``threshold: 5%``."""

    assets: list[str] = Field(default_factory=lambda: [UNIVERSE], min_length=1, description="series scored (default in a universe study: each symbol)")
    horizons: Horizons
    threshold: float = Field(0.0, allow_inf_nan=False, description="a hit is a forward return above this (a fraction; '5%' is 0.05; a bare 1 or more is refused)")
    benchmark: str | None = Field(None, description="a hit is beating this series over the same days instead")

    @model_validator(mode="after")
    def _one_kind_of_hit(self) -> HitRateParams:
        """A threshold beside a benchmark would be ignored: refused."""
        if self.benchmark is not None and "threshold" in self.model_fields_set:
            raise ValueError("'threshold' and 'benchmark' are two kinds of hit (a return above the threshold, or beating the benchmark): give one, or two hit_rate entries")
        return self

    @field_validator("threshold", mode="before")
    @classmethod
    def _percent(cls, value: object) -> object:
        """``'5%'`` is 0.05; a bare number is a fraction, so a bare 1 or more (``5``: a
        500% return) is refused as the percent it surely meant, and a threshold at or
        below -100% (every return is above it) as a hit on every day."""
        if isinstance(value, bool):
            raise PydanticCustomError("bool_threshold", "{value} is yes or no, not a return", {"value": str(value).lower(), "hint": "write a return, e.g. 5% or 0.05"})
        written = written_percent(value)
        if written is not value:  # '5%'
            value = written
        elif isinstance(value, (int, float, str)):
            try:
                number = float(value)
            except ValueError:
                return value  # not a number: pydantic's own message
            if abs(number) >= 1 and math.isfinite(number):
                shown, meant = f"{number:g}", f" ({number * 100:g}% if that is meant)" if number > 0 else ""
                raise PydanticCustomError(
                    "threshold_not_a_fraction",
                    "a threshold is a fraction of the price: {shown} is a {percent}% return",
                    {"shown": shown, "percent": f"{number * 100:g}", "hint": f"write {shown}% or {number / 100:g} for {shown} percent{meant}"},
                )
        if isinstance(value, float) and value <= -1:
            raise PydanticCustomError(
                "threshold_always_hit",
                "every return is above {shown}: every day would be a hit",
                {"shown": f"{value * 100:g}%", "hint": "write a return above -100%, e.g. -5% or -0.05"},
            )
        return value


@EVALUATORS.register("hit_rate")
class HitRate(Evaluator):
    """1 if the asset beat the threshold (or benchmark) over the horizon, else 0."""

    name = "hit_rate"
    description = "share of events where the asset's forward return beats a threshold or a benchmark"
    Params = HitRateParams
    asset_fields = ("assets", "benchmark")
    units: ClassVar[Mapping[str, str]] = {"hit": "share"}
    tested_on: ClassVar[Mapping[str, tuple[str, ...]]] = {"hit": ("mean",)}  # its share above 0 is its mean: the same test twice
    fewer_why: ClassVar[Mapping[str, str]] = {"hit": "a score of 0 or 1 has a % > 0 equal to its average and a median of 0 or 1"}

    def describe(self, measure: str) -> str:
        params: HitRateParams = self.params  # type: ignore[assignment]
        target = f"{params.benchmark}'s over the same days" if params.benchmark else f"{params.threshold * 100:g}%"  # as written: 0.125%, not 0.12%
        return f"hit rate: share of forward returns above {target}"

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: HitRateParams = self.params  # type: ignore[assignment]
        prices = context.asset_prices(params.assets)
        close = pl.col("close")
        if params.benchmark is not None:
            prices = context.with_benchmark(prices, params.benchmark)
        values = []
        for h in params.horizons:
            ret = close.shift(-h.days) / close - 1
            target = pl.col("bench").shift(-h.days) / pl.col("bench") - 1 if params.benchmark else pl.lit(params.threshold)
            values.append((ret > target).cast(pl.Float64).over("asset", "symbol").alias(f"h{h.days}"))
        wide = context.at_anchors(anchors, prices.with_columns(*values))
        label = pl.col("asset") + (f">{params.benchmark}" if params.benchmark else f">{params.threshold:g}")
        return to_outcomes(wide, {f"h{h.days}": (h.label, h.days) for h in params.horizons}, "hit", asset=label)

    def panel(self, block: PanelBlock) -> list[PanelCell] | None:
        """The same scores as :meth:`evaluate`, 1.0 / 0.0, NaN where either return is
        unknown: on a block of resampled histories (every series on the rows' own days),
        or on a universe block for its stocks (against a benchmark: both returns over the
        rows where the benchmark also has a close, as :meth:`evaluate` joins them)."""
        params: HitRateParams = self.params  # type: ignore[assignment]
        suffix = f">{params.benchmark}" if params.benchmark else f">{params.threshold:g}"
        if params.benchmark is not None and not block.own_days:  # a universe's stocks against a market series
            if params.assets != [UNIVERSE] or params.benchmark not in block.series:
                return None
            same = block.on_days_of(params.benchmark)
            cells = []
            for h in params.horizons:
                values = np.full(block.close.size, np.nan)
                values[same.keep] = _scores(same.block, same.block.close, same.block.series[params.benchmark], params.threshold, h.days)
                cells.append(PanelCell("hit", block.label + suffix, h.label, h.days, values, 0, same.rows_after))
            return cells
        bench = block.close_of(params.benchmark) if params.benchmark else None
        closes = block.closes_of(params.assets)
        if closes is None or (params.benchmark and bench is None):
            return None
        return [
            PanelCell("hit", label + suffix, h.label, h.days, _scores(block, close, bench, params.threshold, h.days))
            for label, close in closes
            for h in params.horizons
        ]


def _scores(block: PanelBlock, close: np.ndarray, bench: np.ndarray | None, threshold: float, days: int) -> np.ndarray:
    """1.0 where the simple return over ``days`` rows beats the benchmark's (or
    ``threshold``), 0.0 where not, NaN where either is unknown."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = block.ahead(close, days) / close - 1
        target = block.ahead(bench, days) / bench - 1 if bench is not None else np.full(ret.size, threshold)
    return np.where(np.isnan(ret) | np.isnan(target), np.nan, (ret > target).astype(np.float64))

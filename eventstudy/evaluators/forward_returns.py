"""Forward returns at named horizons: the first evaluator, and the note's table.

The forward return of asset A from anchor day t at horizon h is
``close_A[t+h] / close_A[t] - 1``: a *simple* return, counted on A's own trading days,
entering at the anchor day's close (closing prices only). Past the end of A's data the
value is null: the row is kept and counted as incomplete.
"""

from __future__ import annotations

import polars as pl
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from eventstudy.errors import ConfigError
from eventstudy.evaluators import OUTCOME_SCHEMA, EVALUATORS, EvaluationContext, Evaluator
from eventstudy.periods import Horizon, parse_horizon

__all__ = ["ForwardReturns", "ForwardReturnsParams"]


def _horizon(value: object) -> Horizon:
    if isinstance(value, Horizon):
        return value
    try:
        return parse_horizon(value)
    except ConfigError as exc:
        raise PydanticCustomError("bad_horizon", "{message}", {"message": exc.message, "hint": exc.hint}) from None


HorizonField = Annotated[Horizon, BeforeValidator(_horizon)]


class ForwardReturnsParams(BaseModel):
    """``forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m, 6m, 1y]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assets: list[str] = Field(min_length=1, description="series names whose returns are measured")
    horizons: list[HorizonField] = Field(
        min_length=1, description="trading-day horizons: 10 / 10d, 1w (5), 1m (21), 3m (63), 6m (126), 1y (252)"
    )

    @field_validator("horizons")
    @classmethod
    def _distinct(cls, value: list[Horizon]) -> list[Horizon]:
        days = [h.days for h in value]
        if len(set(days)) != len(days):
            raise PydanticCustomError(
                "duplicate_horizon", "two horizons have the same length: {labels}", {"labels": ", ".join(h.label for h in value)}
            )
        return value


@EVALUATORS.register("forward_returns")
class ForwardReturns(Evaluator):
    """Simple forward return from the anchor close to the close h trading days later."""

    name = "forward_returns"
    description = "simple return from the event day's close to the close h trading days later"
    label = "fwd"
    Params = ForwardReturnsParams

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: ForwardReturnsParams = self.params  # type: ignore[assignment]
        assets = pl.DataFrame(
            {"asset": params.assets, "symbol": [context.series[a] for a in params.assets]},
            schema={"asset": pl.String, "symbol": pl.String},
        )
        # Each asset's own trading days: shift within the asset's full history.
        prices = assets.join(context.prices.select("date", "symbol", "close"), on="symbol", how="inner").sort("asset", "date")
        returns = prices.select(
            "asset",
            "date",
            *[
                (pl.col("close").shift(-h.days) / pl.col("close") - 1).over("asset").alias(h.label)
                for h in params.horizons
            ],
        )
        wide = anchors.select("date").join(returns, on="date", how="inner")
        long = wide.unpivot(index=["date", "asset"], on=[h.label for h in params.horizons], variable_name="horizon", value_name="value")
        days = pl.DataFrame({"horizon": [h.label for h in params.horizons], "horizon_days": [h.days for h in params.horizons]})
        return (
            long.join(days, on="horizon", how="left")
            .with_columns(pl.lit(self.name).alias("measure"))
            .select([pl.col(c).cast(t) for c, t in OUTCOME_SCHEMA.items()])
        )

"""Excess returns: an asset's forward return beyond a benchmark's over the same days.

``model: difference`` (default): ``R_A(t, h) - R_B(t, h)``, both simple (or log) forward
returns from the event close over the same h trading days of the two series' common
calendar ("do small caps catch up?": RUT minus SPX).

``model: market``: the cumulative abnormal return of a market model whose alpha and beta
are estimated by least squares on the ``estimation`` daily returns ending ``gap`` days
before the event (so the event's own run-up does not enter):
``CAR(t, h) = sum_{k=1..h} (r_A[t+k] - alpha_t - beta_t * r_B[t+k])`` with daily simple
returns. Null until the estimation window is full.

References
----------
MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

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
)
from eventstudy.evaluators.forward_returns import forward_change, forward_change_array

__all__ = ["ExcessReturns", "ExcessReturnsParams"]


class ExcessReturnsParams(Params):
    """``excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m, 3m]}``."""

    assets: list[str] = Field(default_factory=lambda: [UNIVERSE], min_length=1, description="series whose excess return is measured (default in a universe study: each symbol)")
    benchmark: str = Field(description="the series subtracted (or regressed on, for the market model)")
    horizons: Horizons
    model: Literal["difference", "market"] = Field("difference", description="plain difference, or market-model CAR")
    kind: Literal["simple", "log"] = Field("simple", description="for the difference model: simple or log returns")
    estimation: int = Field(250, ge=20, description="market model: daily returns used to estimate alpha and beta")
    gap: int = Field(10, ge=0, description="market model: trading days between the estimation window and the event")

    @model_validator(mode="after")
    def _applies(self) -> ExcessReturnsParams:
        """An option the model does not use is refused, not ignored."""
        given = self.model_fields_set
        if self.model == "market" and self.kind == "log":
            raise ValueError("'kind: log' is for the difference model: the market model's CAR sums simple daily abnormal returns")
        unused = [name for name in ("estimation", "gap") if name in given]
        if self.model == "difference" and unused:
            raise ValueError(f"{' and '.join(repr(n) for n in unused)} set the market model's estimation window: add 'model: market', or remove them")
        return self


@EVALUATORS.register("excess_returns")
class ExcessReturns(Evaluator):
    """Forward return in excess of a benchmark (difference or market-model CAR)."""

    name = "excess_returns"
    description = "forward return minus a benchmark's over the same days, or a market-model abnormal return"
    Params = ExcessReturnsParams
    asset_fields = ("assets", "benchmark")

    def describe(self, measure: str) -> str:
        params: ExcessReturnsParams = self.params  # type: ignore[assignment]
        if params.model == "market":
            return f"abnormal return vs {params.benchmark} (market model, CAR; alpha and beta from {params.estimation} days ending {params.gap} days before)"
        return f"excess return over {params.benchmark} ({params.kind}, same days)"

    def misjudged_by_placebos(self) -> tuple[str, ...]:
        """The market model's alpha and beta come from the year before the event, which a
        condition on the stock's prices picks (after a drawdown, a low alpha: a high
        abnormal return follows by construction); other stocks' same days, or random days,
        are not picked. The 'dates' null rejected 94% of true nulls at 5% on simulated
        universes, the runs null 39% on simulated histories."""
        params: ExcessReturnsParams = self.params  # type: ignore[assignment]
        return ("car",) if params.model == "market" else ()

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: ExcessReturnsParams = self.params  # type: ignore[assignment]
        prices = context.with_benchmark(context.asset_prices(params.assets), params.benchmark)
        if params.model == "difference":
            values = [
                (
                    forward_change(pl.col("close"), pl.col("close").shift(-h.days), params.kind)
                    - forward_change(pl.col("bench"), pl.col("bench").shift(-h.days), params.kind)
                ).over("asset", "symbol").alias(f"h{h.days}")
                for h in params.horizons
            ]
            measure = "excess" if params.kind == "simple" else "excess_log"
        else:
            values = _market_model_car(params)
            measure = "car"
        wide = context.at_anchors(anchors, prices.with_columns(*values))
        label = pl.col("asset") + ("-" if params.model == "difference" else "~") + pl.lit(params.benchmark)
        return to_outcomes(wide, {f"h{h.days}": (h.label, h.days) for h in params.horizons}, measure, asset=label)


    def panel(self, block: PanelBlock) -> list[PanelCell] | None:
        """Either model over a universe block (both series' returns over the rows where the
        benchmark also has a close, as :meth:`EvaluationContext.with_benchmark` joins them)
        or a block of resampled histories (every series on the rows' own days)."""
        params: ExcessReturnsParams = self.params  # type: ignore[assignment]
        if params.model == "market":
            measure, joiner = "car", "~"
        else:
            measure, joiner = ("excess" if params.kind == "simple" else "excess_log"), "-"

        def outcomes(on: PanelBlock, close: np.ndarray, bench: np.ndarray) -> list[np.ndarray]:
            """One array per horizon over ``on``'s rows."""
            if params.model == "market":
                return market_model_car(on, close, bench, params.estimation, params.gap, [h.days for h in params.horizons])
            return [
                forward_change_array(close, on.ahead(close, h.days), params.kind) - forward_change_array(bench, on.ahead(bench, h.days), params.kind)
                for h in params.horizons
            ]

        if block.own_days:
            bench = block.close_of(params.benchmark)
            closes = block.closes_of(params.assets)
            if bench is None or closes is None:
                return None
            return [
                PanelCell(measure, f"{asset}{joiner}{params.benchmark}", h.label, h.days, values)
                for asset, close in closes
                for h, values in zip(params.horizons, outcomes(block, close, bench), strict=True)
            ]
        if params.assets != [UNIVERSE] or params.benchmark not in block.series:
            return None
        same = block.on_days_of(params.benchmark)
        on = same.block
        cells = []
        for h, found in zip(params.horizons, outcomes(on, on.close, on.series[params.benchmark]), strict=True):
            values = np.full(block.close.size, np.nan)
            values[same.keep] = found
            cells.append(PanelCell(measure, f"{block.label}{joiner}{params.benchmark}", h.label, h.days, values, 0, same.rows_after))
        return cells


def market_model_car(block: PanelBlock, close: np.ndarray, bench: np.ndarray, estimation: int, gap: int, horizons: list[int]) -> list[np.ndarray]:
    """:func:`_market_model_car` over a block's rows, one array per horizon (NaN: unknown).

    Every window runs over the whole column: a symbol's first daily return is NaN (it has
    no previous close), so a trailing window that reaches back into the previous symbol
    holds that NaN and is NaN, as the per-symbol window would be unfilled; shifts are the
    block's own (:meth:`PanelBlock.ahead`, :meth:`PanelBlock.behind`). Computed in float64
    whatever the closes' type (float32 histories): the windows' sums need the digits.
    """
    close, bench = np.asarray(close, dtype=np.float64), np.asarray(bench, dtype=np.float64)
    ra = close / block.behind(close, 1) - 1
    rb = bench / block.behind(bench, 1) - 1
    mean_a, mean_b = _trailing(ra, estimation, "mean"), _trailing(rb, estimation, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (_trailing(ra * rb, estimation, "mean") - mean_a * mean_b) / (_trailing(rb * rb, estimation, "mean") - mean_b * mean_b)
    beta = block.behind(slope, gap)  # the window ends gap days before t (returns up to t - gap)
    alpha = block.behind(mean_a - slope * mean_b, gap)
    out = []
    for h in horizons:  # the returns of rows t+1 .. t+h: the trailing window of h rows ending at t+h
        sum_a, sum_b = block.ahead(_trailing(ra, h, "sum"), h), block.ahead(_trailing(rb, h, "sum"), h)
        out.append(sum_a - alpha * h - beta * sum_b)
    return out


def _trailing(values: np.ndarray, n: int, how: str) -> np.ndarray:
    """The mean or sum of each row's trailing ``n`` values; NaN where one of them is NaN
    (polars' rolling window over nulls, as in the per-symbol expression)."""
    series = pl.Series(values, nan_to_null=True)
    return (series.rolling_mean(n) if how == "mean" else series.rolling_sum(n)).to_numpy()


def _market_model_car(params: ExcessReturnsParams) -> list[pl.Expr]:
    """CAR columns: alpha/beta from rolling least squares ending ``gap + 1`` days before t."""
    ra = pl.col("close") / pl.col("close").shift(1) - 1
    rb = pl.col("bench") / pl.col("bench").shift(1) - 1
    n, lag = params.estimation, params.gap + 1
    mean_a, mean_b = ra.rolling_mean(n), rb.rolling_mean(n)
    cov = (ra * rb).rolling_mean(n) - mean_a * mean_b
    var = (rb * rb).rolling_mean(n) - mean_b * mean_b
    beta = (cov / var).shift(lag - 1)  # the window ends gap days before t (returns up to t - gap)
    alpha = (mean_a - (cov / var) * mean_b).shift(lag - 1)
    cum_a, cum_b = ra.fill_null(0).cum_sum(), rb.fill_null(0).cum_sum()
    return [
        (
            (cum_a.shift(-h.days) - cum_a) - alpha * h.days - beta * (cum_b.shift(-h.days) - cum_b)
        ).over("asset", "symbol").alias(f"h{h.days}")
        for h in params.horizons
    ]

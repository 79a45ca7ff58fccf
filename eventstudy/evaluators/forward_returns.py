"""Forward returns at named horizons: the first evaluator, and the note's table.

The forward return of asset A from anchor day t at horizon h is, by ``entry``:

* ``close`` (default): ``close[t+h] / close[t] - 1``, entering at the event day's close
  (closing prices only; the condition may use that same close, so this is the note's
  convention, not a tradable one);
* ``next_close``: ``close[t+1+h] / close[t+1] - 1``, entering a day late at the next close;
* ``next_open``: ``close[t+h] / open[t+1] - 1``, entering at the next day's open and
  holding to the close h trading days after the event (needs open prices).

Days are A's own trading days. ``kind: log`` gives log returns instead of simple ones.
Past the end of A's data the value is null and ``days_remaining`` says how long to wait.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from eventstudy._numpy import np
from eventstudy._polars import pl
from eventstudy.evaluators import (
    EVALUATORS,
    SERIES_RUN,
    UNIVERSE,
    EvaluationContext,
    Evaluator,
    Horizons,
    PanelBlock,
    PanelCell,
    Params,
    per_series,
    to_outcomes,
)

__all__ = ["ForwardReturns", "ForwardReturnsParams", "forward_change", "forward_change_array"]


class ForwardReturnsParams(Params):
    """``forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m, 6m, 1y]}``."""

    assets: list[str] = Field(default_factory=lambda: [UNIVERSE], min_length=1, description="series names whose returns are measured (default in a universe study: each symbol)")
    horizons: Horizons
    kind: Literal["simple", "log"] = Field("simple", description="simple (close/close - 1) or log returns")
    entry: Literal["close", "next_close", "next_open"] = Field(
        "close", description="enter at the event day's close, or a day later to rule out look-ahead"
    )


def forward_change(entry_price: pl.Expr, exit_price: pl.Expr, kind: str) -> pl.Expr:
    """Simple or log return from ``entry_price`` to ``exit_price``."""
    return (exit_price / entry_price).log() if kind == "log" else exit_price / entry_price - 1


def forward_change_array(entry_price: np.ndarray, exit_price: np.ndarray, kind: str) -> np.ndarray:
    """:func:`forward_change` on numpy arrays (NaN in, NaN out)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(exit_price / entry_price) if kind == "log" else exit_price / entry_price - 1


@EVALUATORS.register("forward_returns")
class ForwardReturns(Evaluator):
    """Forward return from the anchor (or the next day) to h trading days later."""

    name = "forward_returns"
    description = "simple (or log) return from the event day's close to the close h trading days later"
    Params = ForwardReturnsParams

    @property
    def measure(self) -> str:
        """'fwd', with the non-default choices appended: 'fwd_log', 'fwd_next_open'."""
        params: ForwardReturnsParams = self.params  # type: ignore[assignment]
        parts = ["fwd"] + (["log"] if params.kind == "log" else []) + ([params.entry] if params.entry != "close" else [])
        return "_".join(parts)

    def describe(self, measure: str) -> str:
        params: ForwardReturnsParams = self.params  # type: ignore[assignment]
        entry = {"close": "the event day's close", "next_close": "the next day's close", "next_open": "the next day's open"}
        return f"forward return ({params.kind}) from {entry[params.entry]}"

    def price_columns(self) -> tuple[str, ...]:
        return ("open",) if self.params.entry == "next_open" else ()  # type: ignore[attr-defined]

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: ForwardReturnsParams = self.params  # type: ignore[assignment]
        prices = context.asset_prices(params.assets, ("close", *self.price_columns()))
        close = pl.col("close")
        if params.entry == "close":
            entry, lag, exit_at = close, 0, lambda h: close.shift(-h)
        elif params.entry == "next_close":
            entry, lag, exit_at = close.shift(-1), 1, lambda h: close.shift(-1 - h)
        else:
            entry, lag, exit_at = pl.col("open").shift(-1), 0, lambda h: close.shift(-h)
        values = {
            f"h{h.days}": forward_change(entry, exit_at(h.days), params.kind).over(SERIES_RUN).alias(f"h{h.days}")
            for h in params.horizons
        }
        wide = context.at_anchors(anchors, per_series(prices, values.values()))
        return to_outcomes(wide, {f"h{h.days}": (h.label, h.days) for h in params.horizons}, self.measure, lag=lag)

    def panel(self, block: PanelBlock) -> list[PanelCell] | None:
        params: ForwardReturnsParams = self.params  # type: ignore[assignment]
        closes = block.closes_of(params.assets)
        if closes is None or (params.entry == "next_open" and params.assets != [UNIVERSE]):
            return None  # a market series in a universe block, or opens a history does not have
        cells = []
        for label, close in closes:
            for h in params.horizons:
                if params.entry == "close":
                    cells.append(PanelCell(self.measure, label, h.label, h.days, block.change_ahead(close, h.days, params.kind), 0))
                    continue
                if params.entry == "next_close":
                    entry, exit_, lag = block.ahead(close, 1), block.ahead(close, 1 + h.days), 1
                else:
                    entry, exit_, lag = block.ahead(block.open, 1), block.ahead(close, h.days), 0
                value = forward_change_array(entry, exit_, params.kind)
                cells.append(PanelCell(self.measure, label, h.label, h.days, value, lag))
        return cells

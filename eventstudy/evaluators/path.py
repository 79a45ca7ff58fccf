"""The event-time path: cumulative return from the event close, k days before to m after.

For each anchor t and offset j in ``-before .. after`` (trading days of the asset):
``close[t+j] / close[t] - 1``; 0 at j = 0, and before the event it shows the run-up
(negative j: how far below today's close the asset was j days ago). The statistics layer
averages it per offset (for events and for all days, the baseline) and gives a bootstrap
band, which a chart draws; it is not part of the significance tests (one test per day of a
path would only dilute the multiple-testing family).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from eventstudy._polars import pl
from eventstudy.evaluators import (
    EVALUATORS,
    UNIVERSE,
    EvaluationContext,
    Evaluator,
    PanelBlock,
    PanelCell,
    Params,
    to_outcomes,
)

__all__ = ["Path", "PathParams"]


class PathParams(Params):
    """``path: {assets: [SPX, RUT], before: 21, after: 252, step: 1}``."""

    assets: list[str] = Field(default_factory=lambda: [UNIVERSE], min_length=1, description="series whose paths are traced (default in a universe study: each symbol)")
    before: int = Field(21, ge=0, description="trading days before the event")
    after: int = Field(63, ge=1, description="trading days after the event")
    step: int = Field(1, ge=1, description="every step-th day (a year at step 5 is 51 points)")

    @model_validator(mode="after")
    def _size(self) -> PathParams:
        if (self.before + self.after) // self.step > 1000:
            raise ValueError("a path of more than 1000 points: use a larger 'step'")
        return self


@EVALUATORS.register("path")
class Path(Evaluator):
    """Cumulative return in event time, per event and (through statistics) on average."""

    name = "path"
    description = "cumulative return from the event close, from k days before to m days after"
    Params = PathParams
    table = False
    tested = False

    def describe(self, measure: str) -> str:
        return "average path: cumulative return from the event close, in trading days of event time"

    def offsets(self) -> list[int]:
        params: PathParams = self.params  # type: ignore[assignment]
        points = set(range(0, params.after + 1, params.step)) | set(range(0, -params.before - 1, -params.step))
        return sorted(points | {params.after, -params.before})

    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        params: PathParams = self.params  # type: ignore[assignment]
        close = pl.col("close")
        offsets = self.offsets()
        names = {j: f"o{j}" if j >= 0 else f"m{-j}" for j in offsets}
        values = [(close.shift(-j) / close - 1).over("asset", "symbol").alias(names[j]) for j in offsets]
        prices = context.asset_prices(params.assets)
        wide = context.at_anchors(anchors, prices.with_columns(*values))
        return to_outcomes(wide, {names[j]: (f"{j:+d}d", j) for j in offsets}, "path")

    def panel(self, block: PanelBlock) -> list[PanelCell] | None:
        """The same values as :meth:`evaluate` on a block of many symbols: each offset's
        close over the whole column (:meth:`PanelBlock.ahead`, :meth:`PanelBlock.behind`),
        NaN where it falls outside the row's symbol."""
        params: PathParams = self.params  # type: ignore[assignment]
        closes = block.closes_of(params.assets)
        if closes is None:
            return None
        cells = []
        for label, close in closes:
            for j in self.offsets():
                other = block.ahead(close, j) if j >= 0 else block.behind(close, -j)
                cells.append(PanelCell("path", label, f"{j:+d}d", j, other / close - 1))
        return cells

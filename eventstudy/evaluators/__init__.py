"""The evaluators stage: what happened after each anchor day, as one long frame.

Every evaluator has the same shape: it is registered under a name, declares a pydantic
model of its YAML parameters, names the assets it needs, and maps a frame of anchor days
(``date``) to a long frame of outcomes::

    date, asset, horizon, horizon_days, value, measure

``value`` is null where the outcome is not known yet (the horizon runs past the data);
such rows are kept and counted as incomplete, never dropped or zero-filled. The pipeline
calls an evaluator once on *all* days of the study window (the baseline) and takes the
events' rows from that, so statistics and reports need no evaluator-specific code.

Third-party evaluators register with ``@EVALUATORS.register("name")`` in a module exposed
through the ``eventstudy.evaluators`` entry-point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl
from pydantic import BaseModel

from eventstudy.errors import ConfigError, UnknownNameError, did_you_mean
from eventstudy.registry import Registry

if TYPE_CHECKING:
    from eventstudy.config import EvaluatorSpec, SourceMap, Study

__all__ = [
    "EVALUATORS",
    "OUTCOME_SCHEMA",
    "EvaluationContext",
    "Evaluator",
    "build_evaluators",
    "empty_outcomes",
    "resolve_evaluators",
]

OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "asset": pl.String(),
    "horizon": pl.String(),
    "horizon_days": pl.Int64(),
    "value": pl.Float64(),
    "measure": pl.String(),
}


@dataclass(frozen=True)
class EvaluationContext:
    """What an evaluator may look at: all prices of the study's symbols, by series name."""

    prices: pl.DataFrame  # long: date, symbol, close (full history, sorted by symbol, date)
    series: Mapping[str, str]  # series name -> symbol


class Evaluator(ABC):
    """Base class: subclasses set ``name``, ``description``, ``label``, ``Params``."""

    name: ClassVar[str]
    description: ClassVar[str]
    label: ClassVar[str]  # short tag for wide tables, e.g. 'fwd' -> column 'SPX.fwd.1m'
    Params: ClassVar[type[BaseModel]]
    asset_fields: ClassVar[tuple[str, ...]] = ("assets",)

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def assets(self) -> list[str]:
        """Series names this evaluator reads (checked against the study's ``series:``)."""
        names: list[str] = []
        for field_name in self.asset_fields:
            value = getattr(self.params, field_name, None)
            if isinstance(value, str):
                names.append(value)
            elif value:
                names.extend(value)
        return names

    @abstractmethod
    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        """Outcomes for each anchor ``date``, in :data:`OUTCOME_SCHEMA` order."""


EVALUATORS: Registry[type[Evaluator]] = Registry("evaluator", entry_point_group="eventstudy.evaluators")


def resolve_evaluators(study: Study, source: SourceMap) -> list[EvaluatorSpec]:
    """Validate each ``evaluate:`` entry: known name, valid params, known assets."""
    from eventstudy.config import EvaluatorSpec, validate_params

    specs: list[EvaluatorSpec] = []
    for i, entry in enumerate(study.evaluate):
        loc: tuple[str | int, ...] = ("evaluate", i)
        if len(entry) != 1:
            raise ConfigError(
                f"each entry of 'evaluate' names one evaluator, found {len(entry)} keys",
                location=source.location(loc),
                hint="write e.g. '- forward_returns: {assets: [SPX], horizons: [1m]}'",
            )
        (name, params), = entry.items()
        try:
            cls = EVALUATORS.get(str(name))
        except UnknownNameError as exc:
            exc.location = source.location((*loc, name), key=True)
            raise
        validated = validate_params(cls.Params, params, source, (*loc, name))
        evaluator = cls(validated)
        _check_assets(evaluator, study, source, (*loc, name))
        specs.append(EvaluatorSpec(name=cls.name, params=validated, loc=(*loc, name)))
    return specs


def _check_assets(evaluator: Evaluator, study: Study, source: SourceMap, loc: tuple[str | int, ...]) -> None:
    for field_name in evaluator.asset_fields:
        value = getattr(evaluator.params, field_name, None)
        items = [value] if isinstance(value, str) else list(value or [])
        for j, asset in enumerate(items):
            if asset not in study.series:
                where = (*loc, field_name) if isinstance(value, str) else (*loc, field_name, j)
                raise UnknownNameError(
                    f"unknown series {asset!r} in {field_name!r}{did_you_mean(asset, study.series)}",
                    location=source.location(where),
                    hint=f"assets must be series declared under 'series:': {', '.join(study.series)}",
                )


def build_evaluators(specs: list[EvaluatorSpec]) -> list[Evaluator]:
    """Instantiate validated specs."""
    return [EVALUATORS.get(spec.name)(spec.params) for spec in specs]


def empty_outcomes() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTCOME_SCHEMA)


def _load_builtins() -> None:
    from eventstudy.evaluators import forward_returns  # noqa: F401  (registers itself)


_load_builtins()

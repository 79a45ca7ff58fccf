"""The condition language: text -> tokens -> AST -> one boolean polars expression.

The layout is the pipeline: :mod:`.tokens` -> :mod:`.parser` -> :mod:`.ast` ->
:mod:`.compiler`, plus :mod:`.printer` for canonical text. Typical use::

    node, requests, expr = compile_text("SPX at ATH and RUT drawdown >= 10%", ["SPX", "RUT"])
    timeline = build_timeline(prices, {"SPX": "SPX", "RUT": "RUT"}, requests)
    events = timeline.filter(expr.fill_null(False))
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from eventstudy._polars import pl
from eventstudy.conditions.ast import (
    CALENDAR,
    CALENDAR_VALUES,
    SELF,
    Ago,
    And,
    AtLevel,
    BinOp,
    Breadth,
    Compare,
    Crosses,
    FeatureRef,
    First,
    Modified,
    Neg,
    Node,
    Not,
    Number,
    OnEvents,
    Or,
    Value,
    walk,
)
from eventstudy.conditions.compiler import (
    compile_condition,
    day_price_reads,
    required_features,
    resolve,
)
from eventstudy.conditions.parser import parse
from eventstudy.conditions.printer import derived_name, to_text
from eventstudy.features import FeatureRequest

__all__ = [
    "CALENDAR",
    "CALENDAR_VALUES",
    "SELF",
    "Ago",
    "And",
    "AtLevel",
    "BinOp",
    "Breadth",
    "Compare",
    "CompiledCondition",
    "Crosses",
    "FeatureRef",
    "FeatureRequest",
    "First",
    "Modified",
    "Neg",
    "Node",
    "Not",
    "Number",
    "OnEvents",
    "Or",
    "Value",
    "compile_condition",
    "compile_text",
    "day_price_reads",
    "derived_name",
    "parse",
    "required_features",
    "resolve",
    "to_text",
    "walk",
]


class CompiledCondition(NamedTuple):
    """A condition ready to run: its resolved tree, the features it needs, its expression."""

    node: Node
    requests: list[FeatureRequest]
    expr: pl.Expr


def compile_text(
    text: str, series_names: Collection[str], *, over: str | None = None
) -> CompiledCondition:
    """Parse, resolve and compile a condition in one step.

    >>> node, requests, expr = compile_text("RUT drawdown >= 10%", ["SPX", "RUT"])
    >>> requests
    [FeatureRequest(series='RUT', name='drawdown', args=())]
    """
    node = resolve(parse(text), series_names, source=text)
    return CompiledCondition(node, required_features(node), compile_condition(node, over=over))

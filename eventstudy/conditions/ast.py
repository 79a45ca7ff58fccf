"""AST of the condition language: frozen dataclasses, one per construct.

Every node carries ``span`` (character offsets into the condition text) so later stages
can point back at the source. Spans, and how a number of days was written (``52-week``
vs ``252-day``), are excluded from equality: two trees that mean the same thing compare
equal, which is what the round-trip tests need.

Booleans: :class:`Or`, :class:`And`, :class:`Not`, :class:`Modified` (``for``/``within``/
``ago``), :class:`First` (``first ... in N days``).
Tests: :class:`AtLevel`, :class:`Compare`, :class:`Crosses`, :class:`OnEvents`.
Values: :class:`BinOp`, :class:`Neg`, :class:`Number`, :class:`FeatureRef`, :class:`Ago`, :class:`Breadth`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Literal

__all__ = [
    "CALENDAR",
    "CALENDAR_VALUES",
    "MONTHS",
    "WEEKDAYS",
    "Ago",
    "And",
    "AtLevel",
    "BinOp",
    "Breadth",
    "Compare",
    "Crosses",
    "FeatureRef",
    "First",
    "Modified",
    "Neg",
    "Node",
    "Not",
    "Number",
    "OnEvents",
    "Or",
    "Value",
    "walk",
]

Span = tuple[int, int]
CompareOp = Literal[">", ">=", "<", "<=", "==", "!="]
ArithOp = Literal["+", "-", "*", "/"]
Level = Literal["ath", "atl", "high", "low"]
Unit = Literal["day", "week", "month", "year"]


def _span() -> Span:
    return field(default=(0, 0), compare=False, kw_only=True, repr=False)


CALENDAR = "#calendar"
"""The series name of the calendar's values (``month``, ``weekday``, ...), written bare
in a condition and computed from each row's date: :data:`CALENDAR_VALUES`."""

CALENDAR_VALUES: dict[str, str] = {
    "month": "the month, 1 (January) to 12 (December)",
    "weekday": "the day of the week, 1 (Monday) to 7 (Sunday)",
    "day_of_month": "the day of the month, 1 to 31",
    "quarter": "the quarter, 1 to 4",
    "year": "the year",
    "trading_day_of_month": "the row's number within its month on the calendar: 1 on the month's first trading day",
    "trading_days_left_in_month": "trading days after this one in its month: 0 on the month's last trading day "
    "(unknown in the data's last month, which may not be complete)",
}
"""Calendar values a condition may read, and what each is."""

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

SELF = "@"
"""The series name of "the current symbol" in a universe study: ``close at 52-week high``
and ``rsi(14) < 30`` are written without a series and refer to each symbol in turn."""


@dataclass(frozen=True)
class Number:
    """A number as written: ``10%`` is ``Number(10.0, percent=True)``, worth 0.10."""

    value: float
    percent: bool = False
    span: Span = _span()

    @property
    def amount(self) -> float:
        """The value it stands for (a percent divided by 100)."""
        return self.value / 100.0 if self.percent else self.value


@dataclass(frozen=True)
class FeatureRef:
    """``SERIES [feature[(args)]]``; ``feature=None`` is a bare series (its close).

    ``of``: a feature of an expression, ``(SPX / RUT) sma(50)``: the expression is a
    series of its own (computed on the study's dates), named by its canonical text in
    parentheses (:func:`~eventstudy.conditions.printer.derived_name`), which is ``series``.
    """

    series: str
    feature: str | None = None
    args: tuple[int, ...] = ()
    span: Span = _span()
    of: Value | None = field(default=None, kw_only=True, repr=False)
    series_span: Span | None = field(default=None, compare=False, kw_only=True, repr=False)
    feature_span: Span | None = field(default=None, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Value
    span: Span = _span()


@dataclass(frozen=True)
class Ago:
    """``value N days ago``: the value N trading days (rows of the study calendar) earlier;
    unknown on the first N rows."""

    operand: Value
    n: int
    span: Span = _span()


@dataclass(frozen=True)
class Breadth:
    """``breadth(test)``: the share of a universe's stocks (with a known verdict that day)
    for which ``test`` holds; a market-level value usable in any condition of the universe."""

    test: Node
    span: Span = _span()


@dataclass(frozen=True)
class BinOp:
    """Arithmetic ``left op right`` with ``op`` in ``+ - * /``."""

    left: Value
    op: ArithOp
    right: Value
    span: Span = _span()


@dataclass(frozen=True)
class AtLevel:
    """``SERIES at ATH|ATL|N-day high|N-day low``; ``n`` in trading days (None for ATH/ATL).
    ``of``: the level of an expression, ``(NDX / SPX) at 52-week high`` (as in :class:`FeatureRef`).

    ``count`` and ``unit`` remember how the window was written (``52``, ``"week"``) so it
    prints back the same way; they do not take part in equality.
    """

    series: str
    level: Level
    n: int | None = None
    span: Span = _span()
    of: Value | None = field(default=None, kw_only=True, repr=False)
    series_span: Span | None = field(default=None, compare=False, kw_only=True, repr=False)
    count: int | None = field(default=None, compare=False, kw_only=True, repr=False)
    unit: Unit = field(default="day", compare=False, kw_only=True, repr=False)


@dataclass(frozen=True)
class OnEvents:
    """``on NAME``: the day is one of the study's own events ``NAME`` (``events:``; a day
    that does not trade moves the event to the next one that does)."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Compare:
    """``left op right``."""

    left: Value
    op: CompareOp
    right: Value
    span: Span = _span()


@dataclass(frozen=True)
class Crosses:
    """``left crosses above|below right``."""

    left: Value
    direction: Literal["above", "below"]
    right: Value
    span: Span = _span()


@dataclass(frozen=True)
class Modified:
    """``test for N days`` (held on each of the last N rows), ``within N days`` (on one),
    or ``N days ago`` (the test's verdict N rows earlier)."""

    test: Node
    kind: Literal["for", "within", "ago"]
    n: int
    span: Span = _span()


@dataclass(frozen=True)
class First:
    """``first test in N days``: true today and on none of the N rows before (unknown until
    N rows exist before today, as with ``within``)."""

    test: Node
    n: int
    span: Span = _span()


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Node
    span: Span = _span()


@dataclass(frozen=True)
class And:
    """``left and right`` (left-associative)."""

    left: Node
    right: Node
    span: Span = _span()


@dataclass(frozen=True)
class Or:
    """``left or right`` (left-associative)."""

    left: Node
    right: Node
    span: Span = _span()


Value = Number | FeatureRef | Neg | BinOp | Ago | Breadth
Node = Or | And | Not | Modified | First | AtLevel | Compare | Crosses | OnEvents

_NODE_TYPES = (Number, FeatureRef, Neg, BinOp, Ago, Breadth, AtLevel, Compare, Crosses, OnEvents, Modified, First, Not, And, Or)


def walk(node: Node | Value, skip: tuple[type, ...] = ()) -> Iterator[Node | Value]:
    """Every node of the tree, depth-first, left to right (pre-order); a node of a type in
    ``skip`` is yielded but not entered."""
    yield node
    if isinstance(node, skip):
        return
    for f in fields(node):
        child = getattr(node, f.name)
        if isinstance(child, _NODE_TYPES):
            yield from walk(child, skip)

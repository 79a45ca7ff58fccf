"""Compiler: name resolution, the features a condition needs, and one polars expression.

- :func:`resolve` checks every series and feature name against the study (with a
  did-you-mean and a caret under the bad token) and canonicalizes feature names.
- :func:`required_features` lists the ``(series, feature, args)`` the timeline must hold.
- :func:`compile_condition` turns the tree into ONE boolean expression over the timeline
  (columns named by :func:`eventstudy.features.column_name`), with three-valued null logic
  as DESIGN.md specifies; temporal parts (``crosses``, ``for``, ``within``, ``ago``,
  ``first ... in``) use the timeline's row order with shifts and rolling sums, never a
  Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from typing import TypeVar, cast

from eventstudy._polars import pl
from eventstudy.conditions.ast import (
    CALENDAR,
    CALENDAR_VALUES,
    MONTHS,
    SELF,
    WEEKDAYS,
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
from eventstudy.conditions.printer import breadth_name, derived_name, to_text
from eventstudy.conditions.tokens import with_foreign_letters
from eventstudy.errors import ConditionSyntaxError, UnknownNameError, did_you_mean
from eventstudy.features import FEATURES, FeatureRequest, check_feature, column_name, lookup_feature

__all__ = ["compile_condition", "compile_value", "day_price_reads", "reads_each_symbol", "required_features", "resolve"]

N = TypeVar("N", Node, Value)

_LEVEL_FLAGS = {"ath": "at_ath", "atl": "at_atl", "high": "at_high", "low": "at_low"}


def resolve(node: Node, series_names: Collection[str], *, source: str | None = None, universe: bool = False) -> Node:
    """Check names against the study and return the tree with canonical feature names.

    Series names match exactly (case-sensitive); feature names case-insensitively, and
    each feature must get its number of integer arguments. ``source`` (the condition's
    text) lets errors draw a caret under the bad token.

    Raises :class:`~eventstudy.errors.UnknownNameError` for an unknown series or feature
    and :class:`~eventstudy.errors.ConditionSyntaxError` for bad feature arguments.

    With ``universe=True`` a word that is not a declared series but is a feature refers to
    the current symbol (:data:`SELF`): ``close at 52-week high``, ``drawdown > 20%``.

    >>> from eventstudy.conditions.parser import parse
    >>> resolve(parse("SPX SMA(200) < SPX"), {"SPX"}).left.feature
    'sma'
    """
    names = list(series_names)

    def series(name: str, span: tuple[int, int] | None) -> None:
        if name == SELF and universe:
            return
        if name == SELF:
            raise UnknownNameError(
                "a feature without a series refers to the current symbol of a universe, and this study has no universe",
                hint=f"write it with a series, e.g. '{names[0] if names else 'SPX'} ...', or add 'universe:' to the study",
                span=span,
                source=source,
            )
        if name not in names and name.lower() in FEATURES and not universe:
            raise UnknownNameError(
                f"{name!r} is a feature, and a feature without a series needs a universe (this study has no universe)",
                hint=f"write it with a series, e.g. '{names[0] if names else 'SPX'} {name.lower()}', or add 'universe:' to the study",
                span=span,
                source=source,
            )
        if name not in names and name.lower() in CALENDAR_VALUES:  # 'month sma(3)', 'month at 52-week high'
            raise UnknownNameError(
                f"{name!r} is a calendar value of the event day, not a series: it has no features or levels",
                hint=f"{name.lower()} is {CALENDAR_VALUES[name.lower()]}: compare it as it is (e.g. '{name.lower()} == 3'); valid series: {', '.join(sorted(names))}",
                span=span,
                source=source,
            )
        if name not in names and universe:  # a bare word is a stock's feature there too: 'clsoe > 1'
            values = {f.name: f.signature for _, f in FEATURES.items() if f.kind == "value"}
            raise UnknownNameError(
                f"unknown series or feature {name!r}{did_you_mean(name, [*names, *values, *CALENDAR_VALUES])}",
                hint=f"valid series: {', '.join(sorted(names))}; each stock's features, written bare: {', '.join(values.values())}",
                span=span,
                source=source,
            )
        if name not in names:
            raise UnknownNameError(
                f"unknown series {name!r}{did_you_mean(name, [*names, *CALENDAR_VALUES])}",
                hint=f"valid series: {', '.join(sorted(names))}",
                span=span,
                source=source,
            )

    def bare(name: str) -> bool:
        """A word standing alone that names a feature, in a universe: the current symbol's."""
        return universe and name not in names and name.lower() in FEATURES

    def expression(n: FeatureRef | AtLevel) -> FeatureRef | AtLevel:
        """A feature or level of an expression: the expression resolved, and named by it."""
        assert n.of is not None
        of = value(n.of)
        return replace(n, of=of, series=derived_name(of))

    def value(v: Value) -> Value:
        return cast(Value, visit(v))  # visit keeps a value a value

    def condition(c: Node) -> Node:
        return cast(Node, visit(c))  # ... and a condition a condition

    def visit(n: Node | Value) -> Node | Value:
        if isinstance(n, Breadth):
            if not universe:
                raise ConditionSyntaxError(
                    "breadth(...) is the share of a universe's stocks for which a condition holds, and this study has no universe",
                    hint="add 'universe:' to the study (the market series stay under 'series:')",
                    span=n.span,
                    source=source,
                )
            if any(isinstance(m, Breadth) for m in walk(n.test)):
                raise ConditionSyntaxError("breadth(...) inside breadth(...) is not supported", span=n.span, source=source)
            return replace(n, test=condition(n.test))
        if isinstance(n, FeatureRef) and n.series == CALENDAR:
            return n
        if isinstance(n, FeatureRef) and n.feature is None and n.series not in names and n.series.lower() in CALENDAR_VALUES:
            return replace(n, series=CALENDAR, feature=n.series.lower(), feature_span=n.series_span)
        if isinstance(n, (FeatureRef, AtLevel)) and n.of is not None:
            n = expression(n)
            if isinstance(n, AtLevel):
                return n
        if isinstance(n, FeatureRef) and n.feature is None and bare(n.series):
            n = replace(n, series=SELF, feature=n.series.lower(), feature_span=n.series_span)
        elif isinstance(n, (FeatureRef, AtLevel)) and n.of is None and bare(n.series):
            # '(volume) sma(5)', 'volume at 10-day high': a feature or level of the stock's own volume, not of its close
            if n.series.lower() != "close":
                own = FeatureRef(SELF, n.series.lower(), span=n.series_span or n.span, series_span=n.series_span, feature_span=n.series_span)
                return visit(replace(n, of=own))
            n = replace(n, series=SELF)
        if isinstance(n, FeatureRef):
            if n.of is None:
                series(n.series, n.series_span)
            if n.feature is None:
                return n
            name_span = n.feature_span
            lookup_feature(n.feature, span=name_span, source=source)
            full_span = (name_span[0], n.span[1]) if name_span else None
            feat = check_feature(n.feature, n.args, span=full_span, source=source)
            if feat.kind != "value":
                raise ConditionSyntaxError(
                    f"feature {feat.name!r} is a test, not a value",
                    hint="write tests as 'SPX at ATH' or 'SPX at 20-day high'",
                    span=full_span,
                    source=source,
                )
            if n.of is not None and feat.needs:  # an expression is a close of its own: it has no open, high, low or volume
                raise ConditionSyntaxError(
                    f"the feature {feat.name!r} reads the day's {', '.join(feat.needs)} from a series' data, "
                    f"and the expression {n.series} has none (it is computed from closes)",
                    hint=f"write it of a series, e.g. '{_series_of(n.of)}{feat.signature}'",
                    span=full_span,
                    source=source,
                )
            return replace(n, feature=feat.name)
        if isinstance(n, AtLevel):
            series(n.series, n.series_span)
            return n
        if isinstance(n, (Number, OnEvents)):  # event names are checked against the study's 'events:'
            return n
        if isinstance(n, (Neg, Ago)):
            return replace(n, operand=value(n.operand))
        if isinstance(n, Not):
            return replace(n, operand=condition(n.operand))
        if isinstance(n, (Modified, First)):
            return replace(n, test=condition(n.test))
        if isinstance(n, Compare) and (named := _calendar_name(n, names)) is not None:  # 'month == December'
            subject, word, number = named
            written = {"==": f"'{subject} is {word}' (or '{subject} == {number}')", "!=": f"'{subject} is not {word}' (or '{subject} != {number}')"}
            raise UnknownNameError(
                f"{word!r} is a {subject} name, not a series: a {subject} is compared with a name after 'is', or with its number",
                hint=f"write {written.get(n.op, repr(f'{subject} {n.op} {number}'))}",
                span=n.right.span,
                source=source,
            )
        if isinstance(n, (BinOp, Compare, Crosses)):
            return replace(n, left=value(n.left), right=value(n.right))
        if isinstance(n, (And, Or)):
            return replace(n, left=condition(n.left), right=condition(n.right))
        raise TypeError(f"not a condition node: {n!r}")

    try:
        return condition(node)
    except (UnknownNameError, ConditionSyntaxError) as error:
        raise with_foreign_letters(error, source) from None


def required_features(node: Node | Value, skip: tuple[type, ...] = ()) -> list[FeatureRequest]:
    """Features the condition reads, deduplicated, in order of first appearance (not
    those inside a node of a type in ``skip``: ``(Breadth,)``, the stock-level tests a
    breadth aggregates).

    A bare series is its close; ``SPX at 52-week high`` needs the flag ``at_high(252)``.
    A feature of an expression (``(SPX / RUT) sma(50)``) comes before the features its
    expression reads (``FeatureRequest.of`` holds the expression).

    >>> from eventstudy.conditions.parser import parse
    >>> required_features(parse("SPX at 52-week high and RUT > RUT sma(50)"))
    [FeatureRequest(series='SPX', name='at_high', args=(252,)), FeatureRequest(series='RUT', name='close', args=()), FeatureRequest(series='RUT', name='sma', args=(50,))]
    """
    seen: dict[FeatureRequest, None] = {}
    for n in walk(node, skip):
        if isinstance(n, FeatureRef) and n.series == CALENDAR:  # from each row's date, not a feature
            continue
        if isinstance(n, FeatureRef):
            seen.setdefault(FeatureRequest(n.series, (n.feature or "close").lower(), n.args, n.of))
        elif isinstance(n, AtLevel):
            args = () if n.n is None else (n.n,)
            seen.setdefault(FeatureRequest(n.series, _LEVEL_FLAGS[n.level], args, n.of))
    return list(seen)


def day_price_reads(node: Node) -> Iterator[tuple[FeatureRequest, str, tuple[int, int]]]:
    """Each place the condition reads a day's open, high, low or volume: the feature's
    request, the column it reads and the span of the part that asks for it (its own
    feature; an expression's features are parts of their own), in reading order.

    >>> from eventstudy.conditions.parser import parse
    >>> [(r.series, c, span) for r, c, span in day_price_reads(parse("SPX at ATH and RUT volume > 1"))]
    [('RUT', 'volume', (15, 25))]
    """
    for part in walk(node):
        if isinstance(part, (FeatureRef, AtLevel)):
            for request in required_features(part)[:1]:
                for column in FEATURES.get(request.name).needs if request.name in FEATURES else ():
                    yield request, column, part.span


GROUP_ROW = "__group_row"
"""The column that holds each row's index within its group, for ``compile_condition``'s
``position``: a name no series' column takes (those are ``SERIES.feature``)."""


def reads_group_rows(tests: Iterable[pl.Expr]) -> bool:
    """Whether any of the compiled ``tests`` reads :data:`GROUP_ROW` (a lag or a
    trading-day count), so that the caller's frame must hold it."""
    return any(GROUP_ROW in test.meta.root_names() for test in tests)


def _series_of(of: Value) -> str:
    """The first series an expression reads, as written before a feature of it (``'SPX '``;
    ``''`` for a universe's stock, whose features are written bare)."""
    named = (m.series for m in walk(of) if isinstance(m, (FeatureRef, AtLevel)) and m.of is None and m.series != CALENDAR)
    first = next(named, SELF)
    return "" if first == SELF else f"{first} "


def _calendar_name(n: Compare, names: Collection[str]) -> tuple[str, str, int] | None:
    """``('month', 'December', 12)`` where ``n`` compares the bare month or weekday with a
    word that is none of the study's series but a name of one (``month == December``, as
    ``month is December`` reads it: the name, or its first three letters or more)."""
    left, right = n.left, n.right
    if not all(isinstance(v, FeatureRef) and v.feature is None and v.of is None and v.series not in names for v in (left, right)):
        return None
    subject = cast(FeatureRef, left).series.lower()
    word = cast(FeatureRef, right).series
    known = {"month": MONTHS, "weekday": WEEKDAYS}.get(subject, ())
    matches = [i for i, name in enumerate(known) if name == word.lower() or (len(word) >= 3 and name.startswith(word.lower()))]
    return (subject, word, matches[0] + 1) if len(matches) == 1 else None


def compile_condition(node: Node, *, over: str | None = None, position: str | None = None) -> pl.Expr:
    """One Boolean expression over the timeline frame; null means "unknown".

    Null and false both mean "not an event": callers use ``.fill_null(False)``. With
    ``over`` (rows of many symbols in one frame), every shift and rolling window is
    taken within each ``over`` group. ``position``, with ``over``: a column holding each
    row's index within its group, the frame sorted by group; a shift (``crosses``,
    ``ago``, ``first ... in``) then runs over the whole column with each group's first
    rows nulled, the same values as within each group, where ``.over`` would evaluate
    everything below the shift group by group (2-4x the time on 2M rows of 200
    symbols, ``benchmarks/features.py``).

    >>> import polars as pl
    >>> from eventstudy.conditions.parser import parse
    >>> frame = pl.DataFrame({"SPX.close": [1.0, 3.0, 2.0]})
    >>> frame.select(compile_condition(parse("SPX > 1.5")))["SPX > 1.5"].to_list()
    [False, True, True]
    """
    return _Compiler(over, position).condition(node)


def reads_each_symbol(node: Node | Value) -> bool:
    """Whether ``node`` (a request's expression, a condition) reads the universe's current
    symbol: such an expression is computed per stock, in each block of symbols. A
    ``breadth(...)`` does not: its test reads every stock, its share is the market's."""
    return any(isinstance(m, (FeatureRef, AtLevel)) and m.series == SELF for m in walk(node, skip=(Breadth,)))


def compile_value(node: Value, *, over: str | None = None) -> pl.Expr:
    """One Float64 expression for a value (``SPX / RUT``) over the timeline frame (with
    ``over``, a lag stays within each group); a value with no series in it is a scalar."""
    return _Compiler(over).value(node)


class _Compiler:
    """Expression builders; ``over`` partitions every row-order operation."""

    def __init__(self, over: str | None, position: str | None = None) -> None:
        self.over = over
        self.position = position if over else None
        self.row_shaped = False

    def _part(self, expr: pl.Expr) -> pl.Expr:
        return expr.over(self.over) if self.over else expr

    def shift(self, expr: pl.Expr, n: int = 1) -> pl.Expr:
        if self.position is not None:  # rows of the group before are nulled: a lag never reaches past a group's start
            return pl.when(pl.col(self.position) >= n).then(expr.shift(n))
        return self._part(expr.shift(n))

    def rolling_sum(self, expr: pl.Expr, n: int, min_samples: int) -> pl.Expr:
        return self._part(expr.rolling_sum(n, min_samples=min_samples))

    def condition(self, node: Node) -> pl.Expr:
        return self.rows(node, self.test).alias(to_text(node))

    def test(self, node: Node) -> pl.Expr:
        if isinstance(node, Or):
            return self.test(node.left) | self.test(node.right)
        if isinstance(node, And):
            return self.test(node.left) & self.test(node.right)
        if isinstance(node, Not):
            return ~self.test(node.operand)
        if isinstance(node, AtLevel):
            args = () if node.n is None else (node.n,)
            return pl.col(column_name(node.series, _LEVEL_FLAGS[node.level], args)).cast(pl.Boolean)
        if isinstance(node, OnEvents):
            return pl.col(f"on:{node.name}")
        if isinstance(node, Compare):
            left, right = self.operand(node.left), self.operand(node.right)
            return _COMPARE[node.op](left, right)
        if isinstance(node, Crosses):
            a, b = self.rows(node.left, self.operand), self.rows(node.right, self.operand)
            if node.direction == "above":
                return (self.shift(a) <= self.shift(b)) & (a > b)
            return (self.shift(a) >= self.shift(b)) & (a < b)
        if isinstance(node, Modified):
            if node.kind == "ago":
                return self.shift(self.rows(node.test, self.test), node.n)
            return self.modified(self.rows(node.test, self.test), node.kind, node.n)
        if isinstance(node, First):  # today, and not within the n rows before
            today = self.rows(node.test, self.test)
            return today & ~self.shift(self.modified(today, "within", node.n))
        raise TypeError(f"not a condition node: {node!r}")

    def rows(self, node: N, build: Callable[[N], pl.Expr]) -> pl.Expr:
        """``build(node)`` with one value per row. A constant (no series in it) is a scalar
        in polars, and shifting or rolling a scalar would not follow the frame's rows, so
        its numbers are then built as columns (``pl.repeat``)."""
        if self.row_shaped or any(isinstance(n, (FeatureRef, AtLevel, Breadth)) for n in walk(node)):
            return build(node)
        self.row_shaped = True
        try:
            return build(node)
        finally:
            self.row_shaped = False

    def calendar(self, name: str) -> pl.Expr:
        """A calendar value from the frame's ``date`` (:data:`CALENDAR_VALUES`); the
        trading-day counts are over the frame's rows (each ``over`` group's own)."""
        date = pl.col("date")
        simple = {"month": date.dt.month(), "weekday": date.dt.weekday(), "day_of_month": date.dt.day(),
                  "quarter": date.dt.quarter(), "year": date.dt.year()}
        if name in simple:
            return simple[name].cast(pl.Float64)
        month = date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64)
        if self.position is not None:  # groups sorted, each by date: its months are runs of rows
            return self._calendar_runs(name, month, pl.col(self.position))
        parts = [pl.col(self.over), month] if self.over else [month]
        number = (pl.int_range(pl.len()).over(parts) + 1).cast(pl.Float64)
        if name == "trading_day_of_month":
            return number
        last_month = month.max().over(self.over) if self.over else month.max()
        left = pl.len().over(parts).cast(pl.Float64) - number
        return pl.when(month < last_month).then(left)  # the data's last month may not be complete

    def _calendar_runs(self, name: str, month: pl.Expr, position: pl.Expr) -> pl.Expr:
        """:meth:`calendar`'s trading-day counts from each row's ``position`` in its
        group: a group's month is a run of rows, from a row where the month or the group
        changes to the last before the next such row. The same counts as ``.over`` the
        group and the month, without hashing either (2M rows of 200 symbols: 0.05
        against 0.17 s for ``trading_day_of_month <= 3``, ``benchmarks/features.py``)."""
        row = pl.int_range(pl.len(), dtype=pl.Int64)
        starts = (position == 0) | (month.diff() != 0)
        number = (row - pl.when(starts).then(row).forward_fill() + 1).cast(pl.Float64)
        if name == "trading_day_of_month":
            return number
        group_ends = (position.shift(-1) == 0).fill_null(True)  # the frame's last row ends its group too
        ends = group_ends | (month.diff(-1) != 0).fill_null(True)
        run_end, group_end = (pl.when(at).then(row).backward_fill() for at in (ends, group_ends))
        return pl.when(run_end < group_end).then((run_end - row).cast(pl.Float64))  # none in the group's last month: it may not be complete

    def modified(self, x: pl.Expr, kind: str, n: int) -> pl.Expr:
        """``for``: false if any of the last n rows is false, true if all n are true, else
        null (a null row, or rows before the start). ``within``: the mirror image."""
        is_true = x.fill_null(False).cast(pl.UInt32)
        is_false = (~x).fill_null(False).cast(pl.UInt32)
        decisive, complete = (is_false, is_true) if kind == "for" else (is_true, is_false)
        any_decisive = self.rolling_sum(decisive, n, 1) > 0
        all_other = (self.rolling_sum(complete, n, n) == n).fill_null(False)
        verdict = kind != "for"  # the value an "any" row forces
        return (
            pl.when(any_decisive)
            .then(pl.lit(verdict))
            .when(all_other)
            .then(pl.lit(not verdict))
            .otherwise(pl.lit(None, dtype=pl.Boolean))
        )

    def operand(self, node: Value) -> pl.Expr:
        """A value about to be compared: NaN (e.g. 0/0 in a feature) counts as null. A
        value that cannot be NaN (a number, a calendar value) is left as it is: polars
        spells ``fill_nan`` with the value three times, and a trading-day count is many
        passes over the dates."""
        value = self.value(node)
        never_nan = isinstance(node, Number) or (isinstance(node, FeatureRef) and node.series == CALENDAR)
        return value if never_nan else value.fill_nan(None)

    def value(self, node: Value) -> pl.Expr:
        if isinstance(node, Number):
            number = pl.lit(node.amount, dtype=pl.Float64)
            return pl.repeat(number, pl.len()) if self.row_shaped else number
        if isinstance(node, FeatureRef) and node.series == CALENDAR:
            return self.calendar(str(node.feature))
        if isinstance(node, FeatureRef):
            name = column_name(node.series, node.feature or "close", node.args)
            return pl.col(name).cast(pl.Float64)
        if isinstance(node, Neg):
            return -self.value(node.operand)
        if isinstance(node, Ago):
            return self.shift(self.rows(node.operand, self.value), node.n)
        if isinstance(node, Breadth):  # computed over the universe first, then a market column
            return pl.col(breadth_name(node)).cast(pl.Float64)
        if isinstance(node, BinOp):
            left, right = self.value(node.left), self.value(node.right)
            if node.op == "+":
                return left + right
            if node.op == "-":
                return left - right
            if node.op == "*":
                return left * right
            # Division by zero is unknown (null), not an infinity.
            return pl.when(right == 0).then(None).otherwise(left / right)
        raise TypeError(f"not a value node: {node!r}")


_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

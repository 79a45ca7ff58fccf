"""Printer: AST -> canonical text, with the fewest parentheses that keep the tree.

``parse(to_text(node)) == node`` for every tree; printing is deterministic, so
``to_text(parse(to_text(node)))`` is the same text again. Keywords print in lower case,
levels as ``ATH`` / ``ATL`` / ``N-day high``, operators in ASCII (``≥`` prints as ``>=``).
"""

from __future__ import annotations

from decimal import Decimal

from eventstudy.conditions.ast import (
    CALENDAR,
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
)
from eventstudy.conditions.tokens import window_days

__all__ = ["breadth_name", "derived_name", "number_text", "to_text"]

# Binding strength: higher binds tighter.
_OR, _AND, _NOT, _MODIFIED, _TEST = 1, 2, 3, 4, 5
_ADD, _MUL, _NEG, _ATOM = 1, 2, 3, 4


def to_text(node: Node | Value) -> str:
    """Canonical text of a condition (or of a value).

    >>> from eventstudy.conditions.parser import parse
    >>> to_text(parse("spx AT ath AND (RUT drawdown ≥ 10%)"))
    'spx at ATH and RUT drawdown >= 10%'
    """
    if isinstance(node, (Number, FeatureRef, Neg, BinOp, Ago, Breadth)):
        return _value(node)
    return _condition(node)


def breadth_name(node: Breadth) -> str:
    """``breadth(...)`` as written canonically: also its column on the market frame."""
    return f"breadth({_condition(node.test)})"


def derived_name(of: Value) -> str:
    """The series name of an expression whose features are asked for: its canonical text
    in parentheses, as it is written before the feature (``'(SPX / RUT)'``).

    >>> from eventstudy.conditions.parser import parse
    >>> derived_name(parse("SPX / RUT > 1").left)
    '(SPX / RUT)'
    """
    return f"({_value(of)})"


def _strength(node: Node) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    if isinstance(node, Not):
        return _NOT
    if isinstance(node, (Modified, First)):
        return _MODIFIED
    return _TEST


def _wrap(node: Node, parens: bool) -> str:
    text = _condition(node)
    return f"({text})" if parens else text


def _condition(node: Node) -> str:
    if isinstance(node, Or):
        return f"{_wrap(node.left, False)} or {_wrap(node.right, _strength(node.right) <= _OR)}"
    if isinstance(node, And):
        left = _wrap(node.left, _strength(node.left) < _AND)
        return f"{left} and {_wrap(node.right, _strength(node.right) <= _AND)}"
    if isinstance(node, Not):
        return f"not {_wrap(node.operand, _strength(node.operand) < _NOT)}"
    if isinstance(node, Modified):
        unit = "day" if node.n == 1 else "days"
        if node.kind == "ago":  # a comparison's right side would take the 'N days ago' as its own
            test = _wrap(node.test, _strength(node.test) < _MODIFIED or isinstance(node.test, (Compare, Crosses)))
            return f"{test} {node.n} {unit} ago"
        test = _wrap(node.test, _strength(node.test) < _MODIFIED)
        return f"{test} {node.kind} {node.n} {unit}"
    if isinstance(node, First):
        unit = "day" if node.n == 1 else "days"
        return f"first {_wrap(node.test, _strength(node.test) < _MODIFIED)} in {node.n} {unit}"
    if isinstance(node, AtLevel):
        if node.of is not None:
            return f"{derived_name(node.of)} at {_level(node)}"
        return f"{'close' if node.series == SELF else node.series} at {_level(node)}"
    if isinstance(node, OnEvents):
        return f"on {node.name}"
    if isinstance(node, Compare):
        return f"{_value(node.left)} {node.op} {_value(node.right)}"
    if isinstance(node, Crosses):
        return f"{_value(node.left)} crosses {node.direction} {_value(node.right)}"
    raise TypeError(f"not a condition node: {node!r}")


def _level(node: AtLevel) -> str:
    if node.level in ("ath", "atl"):
        return node.level.upper()
    count, unit = node.count, node.unit
    if count is None or node.n is None or window_days(count, unit) != node.n:
        count, unit = node.n, "day"
    return f"{count}-{unit} {node.level}"


def _value_strength(node: Value) -> int:
    if isinstance(node, BinOp):
        return _ADD if node.op in ("+", "-") else _MUL
    if isinstance(node, Neg):
        return _NEG
    return _ATOM


def _value(node: Value) -> str:
    if isinstance(node, Number):
        return number_text(node.value) + ("%" if node.percent else "")
    if isinstance(node, FeatureRef):
        if node.series == CALENDAR:
            return str(node.feature)
        if node.feature is None:
            return "close" if node.series == SELF else node.series
        args = f"({','.join(str(a) for a in node.args)})" if node.args else ""
        if node.of is not None:
            return f"{derived_name(node.of)} {node.feature}{args}"
        if node.series == SELF:  # the universe's current symbol: the feature alone
            return f"{node.feature}{args}"
        return f"{node.series} {node.feature}{args}"
    if isinstance(node, Neg):
        inner = _value(node.operand)
        return f"-({inner})" if _value_strength(node.operand) < _NEG else f"-{inner}"
    if isinstance(node, Breadth):
        return breadth_name(node)
    if isinstance(node, Ago):
        inner = _value(node.operand)
        if _value_strength(node.operand) < _ATOM or isinstance(node.operand, Number):
            inner = f"({inner})"
        return f"{inner} {node.n} {'day' if node.n == 1 else 'days'} ago"
    if isinstance(node, BinOp):
        strength = _value_strength(node)
        left, right = _value(node.left), _value(node.right)
        if _value_strength(node.left) < strength:
            left = f"({left})"
        if _value_strength(node.right) <= strength:
            right = f"({right})"
        return f"{left} {node.op} {right}"
    raise TypeError(f"not a value node: {node!r}")


def number_text(value: float) -> str:
    """Plain decimal text (no exponent), shortest that reads back to the same float.

    >>> number_text(1e6), number_text(2.5e-3)
    ('1000000', '0.0025')
    """
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"a number literal must be finite and >= 0, got {value!r}")
    text = format(Decimal(repr(float(value) + 0.0)), "f")  # + 0.0 turns -0.0 into 0.0
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text

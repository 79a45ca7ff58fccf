"""Comparisons that can never hold, or always hold, given what a feature can be.

``RUT drawdown >= 10`` (a drawdown is a fraction: ``10%`` was meant), ``rsi(14) > 100``,
``month == 13``, ``breadth(close > sma(50)) < 30`` (a share: every day): each is a silent
"no events" (or every day an event) unless someone says why. A feature's
:attr:`~eventstudy.features.Feature.bounds`, the calendar's ranges and a breadth's 0 to 1 decide; a
comparison or a cross of a feature (or of a feature N days ago) with a plain number
(``SPX drawdown >= 10``, ``5 > SPX rsi(14)``, ``RUT drawdown crosses above 10``) is
checked, anything more (arithmetic, two features) is not.

A further help that needs the data, not the text: when a condition made of ``and`` terms
finds nothing, :func:`and_terms` lists its terms so a run can say on how many days each
one holds (``SPX at ATH and SPX days_since_ath > 252``: the second is 0 on every ATH).
"""

from __future__ import annotations

from eventstudy.conditions.ast import (
    CALENDAR,
    Ago,
    And,
    Breadth,
    Compare,
    Crosses,
    FeatureRef,
    Neg,
    Node,
    Number,
    Value,
    walk,
)
from eventstudy.conditions.printer import to_text
from eventstudy.features import FEATURES

__all__ = ["and_terms", "range_warnings"]

CALENDAR_BOUNDS: dict[str, tuple[float, float]] = {
    "month": (1, 12),
    "weekday": (1, 7),
    "day_of_month": (1, 31),
    "quarter": (1, 4),
    "year": (1, 9999),
    "trading_day_of_month": (1, 31),  # a series that trades every day (crypto) has 31 in a month
    "trading_days_left_in_month": (0, 30),
}

_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


def _number(value: Value) -> tuple[float, bool] | None:
    """A plain number (possibly negated) and whether it was a percent."""
    if isinstance(value, Number):
        return value.amount, value.percent
    if isinstance(value, Neg) and isinstance(value.operand, Number):
        return -value.operand.amount, value.operand.percent
    return None


def _bounds(ref: Value) -> tuple[float | None, float | None, str] | None:
    """What ``ref`` can be, and its unit ('share', 'fraction', ...); a feature N days ago
    can be what the feature can be."""
    while isinstance(ref, Ago):
        ref = ref.operand
    if isinstance(ref, Breadth):  # a share of the universe's stocks
        return 0.0, 1.0, "share"
    if not isinstance(ref, FeatureRef):
        return None
    if ref.series == CALENDAR:
        low, high = CALENDAR_BOUNDS.get(str(ref.feature), (None, None))
        return (low, high, "number") if low is not None else None
    if ref.of is not None:
        return None  # an expression of series: its feature's range is not the series'
    name = (ref.feature or "close").lower()
    if name not in FEATURES:
        return None
    feature = FEATURES.get(name)
    low, high = feature.bounds
    return (low, high, feature.unit) if low is not None or high is not None else None


def _verdict(op: str, x: float, low: float | None, high: float | None) -> str | None:
    """'never' or 'always' if ``value op x`` is decided by ``low <= value <= high``."""
    never = {
        ">": high is not None and x >= high,
        ">=": high is not None and x > high,
        "<": low is not None and x <= low,
        "<=": low is not None and x < low,
        "==": (high is not None and x > high) or (low is not None and x < low),
    }
    always = {
        ">": low is not None and x < low,
        ">=": low is not None and x <= low,
        "<": high is not None and x > high,
        "<=": high is not None and x >= high,
        "!=": (high is not None and x > high) or (low is not None and x < low),
    }
    if never.get(op):
        return "never"
    if always.get(op):
        return "always"
    return None


def _sides(n: Compare | Crosses) -> list[tuple[Value, Value, tuple[str, ...]]]:
    """Each side of ``n`` with the other and the comparisons the side must pass against
    it: ``X crosses above 10`` is ``X > 10`` today after ``X <= 10`` the day before, so
    it can never hold where either never does (and it never holds on every day)."""
    if isinstance(n, Compare):
        return [(n.left, n.right, (n.op,)), (n.right, n.left, (_FLIP[n.op],))]
    above = (">", "<=") if n.direction == "above" else ("<", ">=")
    below = tuple(_FLIP[op] for op in above)
    return [(n.left, n.right, above), (n.right, n.left, below)]


def _shown(x: float, percent: bool) -> str:
    return f"{x * 100:g}%" if percent else f"{x:g}"


def range_warnings(node: Node) -> list[str]:
    """One warning per comparison (or cross) of a feature with a number that the feature's range
    decides: it can never hold, or it always holds (where the feature is known)."""
    found: list[str] = []
    for n in walk(node):
        if not isinstance(n, (Compare, Crosses)):
            continue
        for side, other, ops in _sides(n):
            number = _number(other)
            bounds = _bounds(side) if number is not None else None
            if number is None or bounds is None:
                continue
            low, high, unit = bounds
            x, percent = number
            verdicts = [_verdict(op, x, low, high) for op in ops]
            verdict = "never" if "never" in verdicts else verdicts[0]
            what, as_percent = to_text(side), unit in ("share", "fraction")
            if verdict is None:
                mistake = _unit_mistake(to_text(n), what, unit, x, percent, low, high)
                if mistake is None:
                    continue
                found.append(mistake)
                break
            if low is not None and high is not None:
                span = f"between {_shown(low, as_percent)} and {_shown(high, as_percent)}"
            elif low is not None:
                span = f"at least {_shown(low, as_percent)}"
            else:
                span = f"at most {_shown(high, as_percent)}"  # type: ignore[arg-type]
            where = f"'{to_text(n)}' can never hold" if verdict == "never" else f"'{to_text(n)}' holds on every day where {what} is known"
            message = f"warning: {where}: {what} is always {span}"
            if unit in ("share", "fraction") and not percent and abs(x) > 1:
                message += f" (a fraction: did you mean {x:g}%?)"
            found.append(message)
            break
    return found


def _unit_mistake(condition: str, what: str, unit: str, x: float, percent: bool, low: float | None, high: float | None) -> str | None:
    """A warning for a number the range does not decide but the unit says was miswritten:
    a percent against a feature that is no fraction (``SPX rsi(14) < 30%`` is ``< 0.3``),
    or a plain number beyond 1 against a fraction (``SPX volatility(21) > 30`` is 3000%)."""
    if percent and unit in ("number", "count"):
        shown = f"always between {low:g} and {high:g}" if low is not None and high is not None else f"a {unit}, not a fraction"
        return f"warning: '{condition}' reads {x * 100:g}% as {x:g}, and {what} is {shown} (did you mean {x * 100:g}?)"
    if percent and unit in ("price", "volume"):
        return f"warning: '{condition}' reads {x * 100:g}% as {x:g}, and {what} is a {unit}, not a fraction"
    if not percent and unit in ("share", "fraction") and abs(x) > 1:
        return f"warning: '{condition}' reads {x:g} as {x * 100:g}%: {what} is a fraction (did you mean {x:g}%?)"
    return None


def and_terms(node: Node) -> list[Node]:
    """The terms of a chain of ``and``s, left to right (one term if it is not one)."""
    terms: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And):
            stack += [current.right, current.left]
        else:
            terms.append(current)
    return terms

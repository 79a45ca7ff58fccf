"""Horizons and declustering gaps: the small duration languages of a study file.

Two different clocks are in play and the units say which:

* **Horizons** are always counted in the asset's own *trading days*: ``1w`` = 5,
  ``1m`` = 21, ``3m`` = 63, ``6m`` = 126, ``1y`` = 252, ``Nd`` = N (and ``Nw``, ``Nm``,
  ``Ny`` scale the same way). A bare integer is trading days.
* **Gaps** between kept events are either trading days on the study's calendar (``21``,
  ``21td``) or calendar time (``21cd`` days, ``4w`` weeks, ``1mo`` months). ``1m`` is
  refused in a gap because it would be ambiguous between the two clocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from pydantic_core import PydanticCustomError

from eventstudy.errors import ConfigError

__all__ = ["Gap", "Horizon", "parse_gap", "parse_horizon", "pydantic_parser"]

T = TypeVar("T")

TRADING_DAYS_PER = {"d": 1, "w": 5, "m": 21, "y": 252}
_HORIZON = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_GAP = re.compile(r"^\s*(\d+)\s*(td|cd|w|mo)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Horizon:
    """A forward horizon: ``days`` trading days, shown as ``label`` (e.g. '1m' = 21)."""

    days: int
    label: str


@dataclass(frozen=True)
class Gap:
    """Minimum distance between kept events.

    ``unit`` is 'td' (trading days on the study calendar), 'cd' (calendar days) or 'mo'
    (calendar months); weeks are stored as 7 calendar days each.
    """

    amount: int
    unit: Literal["td", "cd", "mo"]
    label: str

    def describe(self) -> str:
        words = {"td": "trading day", "cd": "calendar day", "mo": "calendar month"}
        return f"{self.amount} {words[self.unit]}{'s' if self.amount != 1 else ''}"


def pydantic_parser(parse: Callable[[object], T], kind: type[T], code: str) -> Callable[[object], T]:
    """``parse`` as a pydantic 'before' validator: a ConfigError becomes a validation error
    that keeps its message and hint, so the config layer places it in the file."""

    def validate(value: object) -> T:
        if isinstance(value, kind):
            return value
        try:
            return parse(value)
        except ConfigError as exc:
            raise PydanticCustomError(code, "{message}", {"message": exc.message, "hint": exc.hint}) from None

    return validate


MAX_TRADING_DAYS = 100_000
"""The longest horizon or trading-day gap (about 400 years): beyond it a number is a typo."""

MAX_CALENDAR_DAYS = 146_000
"""The longest calendar gap (about 400 years)."""


def parse_horizon(value: object) -> Horizon:
    """'1m' -> Horizon(21, '1m'); 10 -> Horizon(10, '10d'). Raises ConfigError if malformed."""
    if isinstance(value, bool):
        value = repr(value)
    text = f"{value}d" if isinstance(value, int) else str(value)
    match = _HORIZON.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(
            f"bad horizon {value!r}",
            hint="a horizon is a positive number of trading days: '10' or '10d', "
            "or weeks/months/years of trading days: '1w' (5), '1m' (21), '3m' (63), '6m' (126), '1y' (252)",
        )
    amount, unit = int(match.group(1)), (match.group(2) or "d").lower()
    if len(match.group(1)) > 9 or amount * TRADING_DAYS_PER[unit] > MAX_TRADING_DAYS:
        raise ConfigError(f"horizon {value!r} is too long", hint=f"a horizon is at most {MAX_TRADING_DAYS:,} trading days (about 400 years)")
    return Horizon(days=amount * TRADING_DAYS_PER[unit], label=f"{amount}{unit}")


def parse_gap(value: object) -> Gap:
    """'21cd' -> 21 calendar days; '21' or 21 -> 21 trading days; '4w' -> 28 calendar days."""
    if isinstance(value, bool):
        value = repr(value)
    text = str(value)
    match = _GAP.match(text)
    if not match or int(match.group(1)) <= 0:
        hint = (
            "a gap is a positive count with a unit: '21' or '21td' (trading days), "
            "'21cd' (calendar days), '4w' (calendar weeks) or '1mo' (calendar months)"
        )
        if re.match(r"^\s*\d+\s*m\s*$", text, re.IGNORECASE):
            hint = "'m' is ambiguous in a gap: write '21' (trading days) or '1mo' (a calendar month); " + hint
        raise ConfigError(f"bad gap {value!r}", hint=hint)
    amount, unit = int(match.group(1)), (match.group(2) or "td").lower()
    days = amount * {"td": 1, "cd": 1, "w": 7, "mo": 31}.get(unit, 1)
    if len(match.group(1)) > 9 or days > MAX_CALENDAR_DAYS:
        raise ConfigError(f"gap {value!r} is too long", hint="a gap is at most 100,000 trading days or about 400 years of calendar time")
    if unit == "w":
        return Gap(amount=7 * amount, unit="cd", label=f"{amount}w")
    return Gap(amount=amount, unit=unit, label=f"{amount}{unit}")  # type: ignore[arg-type]

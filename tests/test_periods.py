"""Horizon and gap strings: what each unit means, and clear refusals."""

from __future__ import annotations

import pytest

from eventstudy.errors import ConfigError
from eventstudy.periods import parse_gap, parse_horizon


@pytest.mark.parametrize(
    ("text", "days"),
    [("1w", 5), ("1m", 21), ("3m", 63), ("6m", 126), ("1y", 252), ("10d", 10), ("10", 10), (7, 7), ("2W", 10)],
)
def test_horizons_are_trading_days(text: object, days: int) -> None:
    assert parse_horizon(text).days == days


@pytest.mark.parametrize("bad", ["0d", "1q", "-5", "m", "", "1.5m", True])
def test_bad_horizons_are_refused_with_the_valid_forms(bad: object) -> None:
    with pytest.raises(ConfigError) as info:
        parse_horizon(bad)
    assert "bad horizon" in info.value.message
    assert "'1m' (21)" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("21", 21, "td"), (21, 21, "td"), ("21td", 21, "td"), ("21cd", 21, "cd"), ("4w", 28, "cd"), ("1mo", 1, "mo")],
)
def test_gaps(text: object, amount: int, unit: str) -> None:
    gap = parse_gap(text)
    assert (gap.amount, gap.unit) == (amount, unit)


def test_month_gap_written_as_m_is_ambiguous() -> None:
    with pytest.raises(ConfigError) as info:
        parse_gap("1m")
    assert "ambiguous" in (info.value.hint or "")


@pytest.mark.parametrize("bad", ["0", "21x", "cd", "-3cd"])
def test_bad_gaps(bad: str) -> None:
    with pytest.raises(ConfigError, match="bad gap"):
        parse_gap(bad)

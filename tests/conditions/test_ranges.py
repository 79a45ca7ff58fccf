"""Conditions that can never hold, or always hold, are warnings, and a run with no events
says on how many days each 'and' term holds alone (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

import eventstudy
from eventstudy.cli import main
from eventstudy.conditions import parse, resolve
from eventstudy.conditions.ranges import range_warnings

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "spx_rut.yaml"


def warnings_of(text: str) -> list[str]:
    return range_warnings(resolve(parse(text), ["SPX", "RUT"]))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("SPX at ATH and RUT drawdown >= 10", "'RUT drawdown >= 10' can never hold: RUT drawdown is always between 0% and 100% (a fraction: did you mean 10%?)"),
        ("SPX rsi(14) > 100", "'SPX rsi(14) > 100' can never hold: SPX rsi(14) is always between 0 and 100"),
        ("100 < SPX rsi(14)", "'100 < SPX rsi(14)' can never hold"),
        ("month == 13", "'month == 13' can never hold: month is always between 1 and 12"),
        ("SPX return(5) < -150%", "can never hold: SPX return(5) is always at least -100%"),
        ("RUT drawdown >= 0", "'RUT drawdown >= 0' holds on every day where RUT drawdown is known"),
        ("SPX < -1", "'SPX < -1' can never hold: SPX is always at least 0"),
        ("SPX rsi(14) < 30%", "'SPX rsi(14) < 30%' reads 30% as 0.3, and SPX rsi(14) is always between 0 and 100 (did you mean 30?)"),
        ("SPX days_since_ath > 10%", "SPX days_since_ath is a count, not a fraction (did you mean 10?)"),
        ("SPX sma(50) > 5%", "'SPX sma(50) > 5%' reads 5% as 0.05, and SPX sma(50) is a price, not a fraction"),
        ("SPX volatility(21) > 30", "'SPX volatility(21) > 30' reads 30 as 3000%: SPX volatility(21) is a fraction (did you mean 30%?)"),
        ("SPX return(21) < -5", "can never hold: SPX return(21) is always at least -100% (a fraction: did you mean -5%?)"),
    ],
)
def test_a_comparison_the_range_decides_is_a_warning(condition: str, expected: str) -> None:
    found = warnings_of(condition)
    assert len(found) == 1 and expected in found[0]


@pytest.mark.parametrize(
    "condition", ["RUT drawdown >= 10%", "SPX rsi(14) < 30", "month is December", "SPX > 4000", "(SPX / RUT) drawdown > 2", "SPX volatility(21) > 30%", "SPX return(5) > 0.5"]
)
def test_a_comparison_that_can_hold_is_not(condition: str) -> None:
    assert warnings_of(condition) == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("RUT drawdown crosses above 10", "'RUT drawdown crosses above 10' can never hold: RUT drawdown is always between 0% and 100% (a fraction: did you mean 10%?)"),
        ("10 crosses below RUT drawdown", "'10 crosses below RUT drawdown' can never hold"),
        ("RUT drawdown crosses below 0", "'RUT drawdown crosses below 0' can never hold"),
        ("SPX rsi(14) crosses above 100", "'SPX rsi(14) crosses above 100' can never hold"),
        ("SPX rsi(14) crosses below 30%", "'SPX rsi(14) crosses below 30%' reads 30% as 0.3, and SPX rsi(14) is always between 0 and 100 (did you mean 30?)"),
        ("SPX volatility(21) crosses above 30", "reads 30 as 3000%: SPX volatility(21) is a fraction (did you mean 30%?)"),
        ("RUT drawdown 1 day ago >= 10", "'RUT drawdown 1 day ago >= 10' can never hold: RUT drawdown 1 day ago is always between 0% and 100% (a fraction: did you mean 10%?)"),
        ("SPX rsi(14) 5 days ago < 30%", "reads 30% as 0.3, and SPX rsi(14) 5 days ago is always between 0 and 100 (did you mean 30?)"),
    ],
)
def test_a_cross_or_a_lagged_feature_the_range_decides_is_a_warning(condition: str, expected: str) -> None:
    """'RUT drawdown crosses above 10' and 'RUT drawdown 1 day ago >= 10' never hold, as
    'RUT drawdown >= 10' never does, and found no events with no word; 'SPX rsi(14)
    crosses below 30%' crosses 0.3, not 30."""
    found = warnings_of(condition)
    assert len(found) == 1 and expected in found[0]


@pytest.mark.parametrize(
    "condition",
    ["RUT drawdown crosses above 0", "RUT drawdown crosses above 10%", "SPX rsi(14) crosses below 100", "SPX rsi(14) crosses above 30", "SPX days_since_ath 1 day ago > 252"],
)
def test_a_cross_or_a_lagged_feature_that_can_hold_is_not(condition: str) -> None:
    assert warnings_of(condition) == []


def test_a_series_that_trades_every_day_has_31_trading_days_in_a_month() -> None:
    """Daily data with weekends (crypto) reach trading_day_of_month 31 and 30 days left:
    'trading_day_of_month == 28' found 36 events in three years of such data beside the
    warning that it can never hold (between 1 and 23)."""
    assert warnings_of("trading_day_of_month == 28") == []
    assert warnings_of("trading_days_left_in_month >= 25") == []
    assert warnings_of("trading_day_of_month == 32") == ["warning: 'trading_day_of_month == 32' can never hold: trading_day_of_month is always between 1 and 31"]


def test_the_run_and_validate_say_it(shared_data: Path, capsys) -> None:
    result = eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and RUT drawdown >= 10", placebos=0)
    assert result.events.height == 0
    assert any("did you mean 10%?" in note for note in result.notes)
    assert any("'RUT drawdown >= 10' on 0" in note for note in result.notes)


def test_no_events_names_the_terms_that_never_meet(shared_data: Path) -> None:
    result = eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and SPX days_since_ath > 252", placebos=0)
    note = next(n for n in result.notes if "alone, the condition's terms hold" in n)
    assert "'SPX at ATH' on " in note and "'SPX days_since_ath > 252' on " in note and "never all on one day" in note


def test_no_events_names_a_feature_unknown_on_every_day(shared_data: Path) -> None:
    """A feature whose window is longer than the data is null on every day: the run says
    so, not only that the condition never held (and not for a term with a known feature)."""
    result = eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and (SPX / RUT) sma(20000) > 0", placebos=0)
    assert result.events.height == 0
    assert any("(SPX / RUT) sma(20000) is unknown on every day of the window" in note for note in result.notes)
    assert not any("SPX at ATH is unknown" in note for note in result.notes)


def test_no_events_says_why_a_drawdown_of_an_expression_is_unknown(shared_data: Path) -> None:
    """'(RUT - SPX) drawdown' is unknown on every day (the spread is below 0 since 1978):
    the note gave the only cause it knew, 'a feature is null until its window is full',
    which a drawdown (no window) cannot be."""
    result = eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and (RUT - SPX) drawdown >= 10%", placebos=0)
    assert result.events.height == 0
    note = next(n for n in result.notes if "(RUT - SPX) drawdown is unknown on every day of the window" in n)
    assert "a drawdown of an expression while its high is not above 0" in note


def test_validate_prints_the_warning(tmp_path: Path, capsys) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(CONFIG.read_text(encoding="utf-8").replace("RUT drawdown >= 10%", "RUT drawdown >= 10"), encoding="utf-8")
    assert main(["validate", str(study)]) == 0
    assert "warning: 'RUT drawdown >= 10' can never hold" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("breadth(close > sma(50)) < 30", "'breadth(close > sma(50)) < 30' holds on every day where breadth(close > sma(50)) is known: "
         "breadth(close > sma(50)) is always between 0% and 100% (a fraction: did you mean 30%?)"),
        ("close at 20-day high and breadth(close > sma(50)) > 60", "'breadth(close > sma(50)) > 60' can never hold: breadth(close > sma(50)) is always between 0% and 100%"),
        ("breadth(close at 52-week high) 5 days ago crosses above 10", "'breadth(close at 52-week high) 5 days ago crosses above 10' can never hold"),
        ("breadth(close > sma(50)) >= 0%", "'breadth(close > sma(50)) >= 0%' holds on every day where breadth(close > sma(50)) is known"),
    ],
)
def test_a_breadth_compared_with_a_number_beyond_a_share_is_a_warning(condition: str, expected: str) -> None:
    """A breadth is a share of the stocks, 0% to 100%: 'breadth(close > sma(50)) < 30' made
    every stock-day of the 505-stock panel an event (595,716) and '... > 60' none, with no
    word, where 'RUT drawdown >= 10' warned."""
    found = range_warnings(resolve(parse(condition), ["SPX"], universe=True))
    assert len(found) == 1 and expected in found[0]


@pytest.mark.parametrize("condition", ["breadth(close > sma(50)) < 30%", "breadth(close > sma(50)) > 0.6", "breadth(close > sma(50)) crosses above 50%"])
def test_a_breadth_that_can_hold_is_not(condition: str) -> None:
    assert range_warnings(resolve(parse(condition), ["SPX"], universe=True)) == []

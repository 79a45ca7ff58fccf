"""Features and levels of expressions (issue 14, bug 2): ``(SPX / RUT) sma(50)``,
``(NDX / SPX) return(63)``, ``NDX / SPX at 52-week high``, checked against numpy on the
real data, through the histories null, in a universe, and from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
from pytest import approx

import eventstudy
from eventstudy.cli import main
from eventstudy.conditions import compile_condition, parse, required_features, resolve, to_text
from eventstudy.config import parse_study
from eventstudy.data import load_prices
from eventstudy.timeline import build_timeline

STUDY = """\
name: relative strength
series: {{NDX: NDX, SPX: SPX}}
when: {when}
decluster: {{gap: 21}}
evaluate:
  - forward_returns: {{horizons: [1m], assets: [NDX, SPX]}}
statistics: {{placebos: {placebos}, seed: 3}}
"""


def real(shared_data: Path, *names: str) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """The named series' closes on their common dates, as numpy arrays."""
    prices = load_prices(shared_data, list(names)).frame
    wide = prices.pivot(on="symbol", index="date", values="close").drop_nulls().sort("date")
    return prices, {name: wide[name].to_numpy() for name in names} | {"date": wide["date"].to_numpy()}


def events_of(prices: pl.DataFrame, text: str, names: list[str]) -> np.ndarray:
    node = resolve(parse(text), names, source=text)
    timeline = build_timeline(prices, {n: n for n in names}, required_features(node))
    return timeline.filter(compile_condition(node).fill_null(False))["date"].to_numpy()


def test_a_ratio_and_its_moving_average_match_numpy(shared_data: Path) -> None:
    prices, c = real(shared_data, "NDX", "SPX")
    ratio = c["NDX"] / c["SPX"]
    sma = np.convolve(ratio, np.ones(50) / 50, mode="valid")  # sma[i] ends on day i + 49
    expected = c["date"][49:][ratio[49:] > 1.1 * sma]
    got = events_of(prices, "NDX / SPX > 1.1 * (NDX / SPX) sma(50)", ["NDX", "SPX"])
    assert got.size > 50
    np.testing.assert_array_equal(got, expected)


def test_a_return_and_a_high_of_a_ratio_match_numpy(shared_data: Path) -> None:
    prices, c = real(shared_data, "NDX", "SPX")
    ratio = c["NDX"] / c["SPX"]
    change = ratio[63:] / ratio[:-63] - 1
    expected = c["date"][63:][change < -0.10]
    np.testing.assert_array_equal(events_of(prices, "(NDX / SPX) return(63) < -10%", ["NDX", "SPX"]), expected)
    windows = np.lib.stride_tricks.sliding_window_view(ratio[:-1], 252).max(axis=1)  # the 252 closes before each day
    high = c["date"][252:][ratio[252:] >= windows]
    np.testing.assert_array_equal(events_of(prices, "NDX / SPX at 52-week high", ["NDX", "SPX"]), high)
    assert high.size > 100


def _timeline_of(a: list[float], b: list[float], condition: str) -> pl.DataFrame:
    """The timeline of A and B (one close a day from 2024-01-01) with ``condition``'s features."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(a))]
    prices = pl.DataFrame({"date": days * 2, "symbol": ["A"] * len(a) + ["B"] * len(b), "close": a + b})
    return build_timeline(prices, {"A": "A", "B": "B"}, required_features(resolve(parse(condition), ["A", "B"])))


def test_a_division_by_zero_is_unknown_in_every_window_holding_it() -> None:
    b = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # day 2: a / b is unknown
    timeline = _timeline_of([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], b, "(A / B) sma(2) > 0")
    assert timeline["(A / B).sma(2)"].to_list() == [None, 1.5, None, None, 4.5, 5.5, 6.5, 7.5]


def test_an_ema_and_an_rsi_of_an_expression_restart_after_an_unknown_day() -> None:
    """'(A / B) ema(2)' and 'rsi(2)' carried on across the day B was 0 (polars' ewm_mean
    re-weighting around the unknown value), where sma(2) went unknown until its window was
    full again. Now the recursion restarts from the next known value: ema(2) is null on
    it and seeded by it, rsi(2) needs 2 changes after it."""
    a = [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 7.0, 6.0]
    b = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]  # day 3: a / b is unknown
    timeline = _timeline_of(a, b, "(A / B) ema(2) > 0 and (A / B) rsi(2) > 0 and (A / B) sma(2) > 0")
    assert timeline["(A / B).sma(2)"].to_list() == [None, 1.5, 2.5, None, None, 4.5, 5.5, 6.5]
    # alpha 2/3: 1, 5/3, 23/9 | unknown | 5 (seed, shown from the 2nd value), 13/3, 55/9, 163/27
    assert timeline["(A / B).ema(2)"].to_list() == [None, approx(5 / 3), approx(23 / 9), None, None, approx(13 / 3), approx(55 / 9), approx(163 / 27)]
    # after the gap, changes -1, +3, -1: seed gain 1.5, loss 0.5 -> 75; then 0.75 / 0.75 -> 50
    assert timeline["(A / B).rsi(2)"].to_list() == [None, None, 100.0, None, None, None, approx(75.0), approx(50.0)]


def test_days_since_the_high_of_an_expression_is_unknown_on_a_day_it_is() -> None:
    """'(A / B) days_since_ath >= 1' held on the day B was 0: the ratio, its ath and its
    drawdown were unknown there, and days_since_ath counted 1 from the day before, so the
    rule took a day on which the expression does not exist."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(5)]
    prices = pl.DataFrame({"date": days * 2, "symbol": ["A"] * 5 + ["B"] * 5, "close": [1.0, 2.0, 3.0, 4.0, 3.0, 1.0, 1.0, 0.0, 1.0, 1.0]})  # A, then B (0 on day 2)
    node = resolve(parse("(A / B) days_since_ath >= 1"), ["A", "B"])
    timeline = build_timeline(prices, {"A": "A", "B": "B"}, required_features(node))
    assert timeline["(A / B).days_since_ath"].to_list() == [0, 0, None, 0, 1]
    assert timeline.select(compile_condition(node).fill_null(False)).to_series().to_list() == [False, False, False, False, True]


def test_a_return_from_a_zero_is_unknown_not_an_infinity() -> None:
    """A spread through zero: '(A - B) return(1) > 1000' held on the day after a 0 with
    the value inf, where a division by zero is unknown everywhere else."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(5)]
    prices = pl.DataFrame({"date": days * 2, "symbol": ["A"] * 5 + ["B"] * 5, "close": [2.0, 1.0, 2.0, 3.0, 3.0] + [1.0] * 5})
    node = resolve(parse("(A - B) return(1) > 1000"), ["A", "B"])
    timeline = build_timeline(prices, {"A": "A", "B": "B"}, required_features(node))
    assert timeline["(A - B).return(1)"].to_list() == [None, -1.0, None, 1.0, 0.0]  # 0 -> 1: unknown
    assert not timeline.select(compile_condition(node).fill_null(False)).to_series().any()


def test_a_volatility_of_a_spread_at_or_below_zero_is_unknown() -> None:
    """'(SPX - SPX sma(200)) volatility(21)' was NaN on 5,174 days of SPX (the log of a
    ratio across 0) and a number where the spread stayed below 0, the log of a ratio of
    two negatives reading a fall from -0.5 to -2 as a rise of log(4): '> 30%' held on
    19,389 days. A log return needs two values above 0."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(9)]
    spread = np.array([2.0, 3.0, 1.0, -0.5, -2.0, -1.0, 0.5, 2.0, 2.3])
    prices = pl.DataFrame({"date": days * 2, "symbol": ["A"] * 9 + ["B"] * 9, "close": [*(spread + 1.0)] + [1.0] * 9})
    node = resolve(parse("(A - B) volatility(2) > 30%"), ["A", "B"])
    timeline = build_timeline(prices, {"A": "A", "B": "B"}, required_features(node))
    values = timeline["(A - B).volatility(2)"]
    assert values.is_nan().sum() == 0
    assert values.is_null().to_list() == [True, True, False, True, True, True, True, True, False]  # two log returns without a value <= 0
    assert values[2] == approx(np.std(np.diff(np.log(spread[:3])), ddof=1) * np.sqrt(252))
    assert values[8] == approx(np.std(np.diff(np.log(spread[6:])), ddof=1) * np.sqrt(252))
    held = timeline.select(compile_condition(node).fill_null(False)).to_series().to_list()
    assert held == [False, False, True, False, False, False, False, False, True]


def test_a_drawdown_below_a_high_that_is_not_above_zero_is_unknown() -> None:
    """'(RUT - SPX) drawdown' (a spread below 0 since 1978) was negative on 11,974 days:
    '(RUT - SPX) drawdown < 0' held on each, where a drawdown is a fraction >= 0, and a
    high of 0 gave NaN or an infinity. A fraction of a high <= 0 is unknown."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(6)]
    a = [0.0, -1.0, 1.0, 3.0, 4.0, 2.0]
    prices = pl.DataFrame({"date": days * 2, "symbol": ["A"] * 6 + ["B"] * 6, "close": [x + 1.0 for x in a] + [1.0] * 6})
    node = resolve(parse("(A - B) drawdown < 0 or (A - B) drawdown >= 10%"), ["A", "B"])
    timeline = build_timeline(prices, {"A": "A", "B": "B"}, required_features(node))
    assert timeline["(A - B).drawdown"].to_list() == [None, None, approx(0.0), approx(0.0), approx(0.0), approx(0.5)]
    assert timeline.select(compile_condition(node).fill_null(False)).to_series().to_list() == [False] * 5 + [True]


def test_nested_expressions_are_computed_inner_first(shared_data: Path) -> None:
    prices, c = real(shared_data, "NDX", "SPX")
    text = "((NDX / SPX) sma(5) / SPX) sma(3) > 0"
    node = resolve(parse(text), ["NDX", "SPX"])
    timeline = build_timeline(prices, {"NDX": "NDX", "SPX": "SPX"}, required_features(node))
    inner = np.convolve(c["NDX"] / c["SPX"], np.ones(5) / 5, mode="valid") / c["SPX"][4:]
    outer = np.convolve(inner, np.ones(3) / 3, mode="valid")
    np.testing.assert_allclose(timeline["((NDX / SPX) sma(5) / SPX).sma(3)"].to_numpy()[6:], outer, rtol=1e-12)
    assert to_text(node) == "((NDX / SPX) sma(5) / SPX) sma(3) > 0"


def test_the_histories_null_reruns_an_expression_rule(shared_data: Path) -> None:
    """Each resampled history computes the ratio's level anew: the run is complete, its
    events are those of the plain computation, and its nulls are from histories."""
    prices, _c = real(shared_data, "NDX", "SPX")
    study = parse_study(STUDY.format(when="NDX / SPX at 52-week high", placebos=200), path=Path("rs.yaml"))
    result = eventstudy.run(study, data_dir=shared_data, null="histories", histories=50)
    tests = result.tests.filter(pl.col("statistic") == "mean")
    assert set(tests["null"].to_list()) == {"histories"}
    assert tests["p_placebo"].is_between(0, 1).all() and tests["p_placebo"].null_count() == 0
    raw = events_of(prices, "NDX / SPX at 52-week high", ["NDX", "SPX"])
    assert result.events["date"].is_in(pl.Series(raw).cast(pl.Date).implode()).all()


def test_a_universe_reads_expressions_of_its_named_series(shared_data: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "u.yaml"
    config.write_text(
        "name: u\nseries: {SPX: SPX}\nuniverse: {data_file: panel_sp500_stocks.csv}\n"
        "when: close at 52-week high and (SPX / SPX sma(200)) sma(5) < 1.05\n"
        "evaluate:\n  - forward_returns: {horizons: [1m]}\nstatistics: {placebos: 100, seed: 1}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(config), "--data-dir", str(shared_data)]) == 0
    capsys.readouterr()
    result = eventstudy.run(config, data_dir=shared_data)
    assert result.events.height > 100
    assert (result.events["(SPX / SPX sma(200)).sma(5)"] < 1.05).all()


def test_the_readme_example_runs_from_the_command_line(shared_data: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "ratio.yaml"
    config.write_text(STUDY.format(when="(NDX / SPX) return(63) < -10%", placebos=100), encoding="utf-8")
    assert main(["run", str(config), "--data-dir", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "Condition: (NDX / SPX) return(63) < -10%" in out
    header = next(line for line in out.splitlines() if line.startswith("Date "))
    assert "(NDX / SPX) return(63)" in header  # the ratio's return is shown beside each instance


def test_a_universe_reads_each_stocks_own_expressions(shared_data: Path, tmp_path: Path) -> None:
    """'(close / SPX) return(63)' and '(close / SPX) at 52-week high' in a universe: each
    stock's ratio to the market over its own rows, against a polars reference."""
    panel = pl.read_csv(shared_data / "panel_sp500_stocks.csv", try_parse_dates=True, columns=["date", "symbol", "close"])
    symbols = panel["symbol"].unique().sort().to_list()[:25]
    panel.filter(pl.col("symbol").is_in(symbols)).write_csv(tmp_path / "panel.csv")
    (tmp_path / "SPX.csv").write_text((shared_data / "SPX.csv").read_text(encoding="utf-8"), encoding="utf-8")
    spx = pl.read_csv(tmp_path / "SPX.csv", try_parse_dates=True).rename({"close": "spx"})
    rows = panel.filter(pl.col("symbol").is_in(symbols)).join(spx, on="date").sort("symbol", "date")
    ratio = pl.col("close") / pl.col("spx")
    reference = rows.with_columns(
        (ratio / ratio.shift(63).over("symbol") - 1).alias("ret"),
        (ratio >= ratio.shift(1).rolling_max(252).over("symbol")).alias("high"),
    )
    for when, expected in (
        ("(close / SPX) return(63) > 10%", reference.filter(pl.col("ret") > 0.10)),
        ("(close / SPX) at 52-week high", reference.filter(pl.col("high"))),
    ):
        config = tmp_path / "u.yaml"
        config.write_text(
            f"name: u\nseries: {{SPX: SPX}}\nuniverse: {{data_file: panel.csv}}\nwhen: {when}\n"
            "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {placebos: 0}\n",
            encoding="utf-8",
        )
        result = eventstudy.run(config, data_dir=tmp_path)
        got = result.raw_events.select("symbol", "date").sort("symbol", "date")
        assert got.height > 500 and got.equals(expected.select("symbol", "date").sort("symbol", "date")), when


def test_an_expression_with_a_decimal_is_titled_and_shown_as_its_feature(shared_data: Path) -> None:
    """The instance column '(NDX - 0.5 * SPX).return(5)' is the expression's return: its
    title keeps the expression's '0.5' and its values read as percents, like any return
    (the column's name was split at its first dot: '(NDX - 0 5 * SPX) return(5)', 0.07)."""
    from eventstudy.report import render_markdown

    study = parse_study(STUDY.format(when="(NDX - 0.5 * SPX) return(5) > 10%", placebos=20), path=Path("rs.yaml"))
    result = eventstudy.run(study, data_dir=shared_data, null="runs")
    column = "(NDX - 0.5 * SPX).return(5)"
    assert result.column_units[column] == "fraction"
    header = next(line for line in render_markdown(result).splitlines() if line.startswith("| Date"))
    assert "| (NDX - 0.5 * SPX) return(5) |" in header


def test_a_feature_of_a_bracketed_close_is_the_series_own(shared_data: Path) -> None:
    """'SPX > (SPX close) sma(200)' found 7,553 days beside NDX where 'SPX > SPX sma(200)'
    found 7,748: the bracket made the close an expression, whose average runs over the
    study calendar (from NDX's first close in 1985, so unknown for 199 more days), while
    '(SPX) sma(200)' and 'SPX close at ATH' already read SPX's own history. A bracketed
    close is the series, as a bare one is."""
    prices, _ = real(shared_data, "NDX", "SPX")
    assert parse("(SPX close) sma(200) > 1") == parse("SPX sma(200) > 1")
    assert to_text(parse("(NDX close) at 52-week high and SPX > (SPX close) ath * 0.9")) == "NDX at 52-week high and SPX > SPX ath * 0.9"
    bracketed = events_of(prices, "SPX > (SPX close) sma(200)", ["NDX", "SPX"])
    assert np.array_equal(bracketed, events_of(prices, "SPX > SPX sma(200)", ["NDX", "SPX"])) and bracketed.size > 7700


def test_the_first_new_high_of_an_expression_after_an_unknown_day_is_one() -> None:
    """'(A / B) at ATH' compares a day with the highest of the known earlier values (DESIGN:
    close[t] >= max(close[0..t-1])). The day after B was 0 it was unknown: the earlier
    values' running max was shifted in from the unknown day, so the ratio's new high of 5
    (above 3) was no event, though its ath rose to 5 and days_since_ath read 0 that day.
    Cumulative features skip an unknown day; a recursion restarts (ema, rsi) and a window
    holding it is unknown (sma, N-day highs)."""
    a = [1.0, 3.0, 2.0, 4.0, 5.0, 4.0, 7.0, 0.5]
    b = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]  # day 3: a / b is unknown
    timeline = _timeline_of(a, b, "(A / B) at ATH or (A / B) at ATL or (A / B) days_since_ath >= 0")
    assert timeline["(A / B).at_ath"].to_list() == [None, True, False, None, True, False, True, False]
    assert timeline["(A / B).at_atl"].to_list() == [None, False, False, None, False, False, False, True]
    assert timeline["(A / B).days_since_ath"].to_list() == [0, 0, 1, None, 0, 1, 0, 1]

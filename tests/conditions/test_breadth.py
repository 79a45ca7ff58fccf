"""Breadth over a universe (issue 14): ``breadth(close > sma(50)) < 30%``, the share of the
universe's stocks for which a condition holds that day, computed in a first pass over
the blocks and then read like a market series; against a polars reference."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import eventstudy
from eventstudy.errors import ConditionSyntaxError

UNIVERSE = """\
name: breadth
series: {{SPX: SPX}}
universe: {{data_file: panel.csv}}
when: {when}
evaluate:
  - forward_returns: {{horizons: [1w]}}
statistics: {{placebos: {placebos}, seed: 1}}
"""


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("breadth")
    panel = pl.read_csv(shared_data / "panel_sp500_stocks.csv", try_parse_dates=True, columns=["date", "symbol", "close"])
    panel.filter(pl.col("symbol").is_in(panel["symbol"].unique().sort().to_list()[:60])).write_csv(here / "panel.csv")
    (here / "SPX.csv").write_text((shared_data / "SPX.csv").read_text(encoding="utf-8"), encoding="utf-8")
    return here


def run(folder: Path, when: str, placebos: int = 0, **overrides: object) -> eventstudy.StudyResult:
    path = folder / "u.yaml"
    path.write_text(UNIVERSE.format(when=when, placebos=placebos), encoding="utf-8")
    return eventstudy.run(path, data_dir=folder, **overrides)


def test_breadth_is_the_share_of_stocks_that_day(folder: Path) -> None:
    panel = pl.read_csv(folder / "panel.csv", try_parse_dates=True).sort("symbol", "date")
    spx_days = pl.read_csv(folder / "SPX.csv", try_parse_dates=True)["date"].implode()
    rows = panel.with_columns(
        pl.col("close").rolling_mean(50).over("symbol").alias("sma"),
        (pl.col("close") >= pl.col("close").shift(1).rolling_max(252).over("symbol")).alias("high"),
    ).filter(pl.col("date").is_in(spx_days))
    share = (
        rows.filter(pl.col("sma").is_not_null())
        .group_by("date").agg((pl.col("close") > pl.col("sma")).mean().alias("share"))
    )
    expected = (
        rows.join(share, on="date", how="left").filter(pl.col("high") & (pl.col("share") < 0.30))
        .select("symbol", "date").sort("symbol", "date")
    )
    got = run(folder, "close at 52-week high and breadth(close > sma(50)) < 30%").raw_events.select("symbol", "date").sort("symbol", "date")
    assert got.height > 10 and got.equals(expected)


def test_a_feature_of_breadth_is_the_markets_the_same_for_every_stock(folder: Path) -> None:
    """'(breadth(close > sma(50))) sma(10)' is a market value: the breadth's average over
    the study calendar's last 10 days, as '(SPX / RUT) sma(10)' is. It was averaged over
    each stock's own rows, so a stock listed later (ALLE in November 2013, APTV in December
    2017) had none for its first 9 days and then an average of other dates than every
    other stock's that day: 192 stock-days of the 505-stock panel were no event of
    '... > 50%' where the breadth's average was above 50%, 58 for '... at 20-day high'."""
    panel = pl.read_csv(folder / "panel.csv", try_parse_dates=True).sort("symbol", "date")
    spx_days = pl.read_csv(folder / "SPX.csv", try_parse_dates=True)["date"].implode()
    rows = panel.with_columns(pl.col("close").rolling_mean(50).over("symbol").alias("sma")).filter(pl.col("date").is_in(spx_days))
    share = (
        rows.group_by("date").agg((pl.col("close") > pl.col("sma")).filter(pl.col("sma").is_not_null()).mean().alias("share"))
        .sort("date").with_columns(pl.col("share").rolling_mean(10).alias("average"), (pl.col("share") >= pl.col("share").shift(1).rolling_max(20)).alias("high"))
    )
    for when, column in (("(breadth(close > sma(50))) sma(10) > 50%", pl.col("average") > 0.5), ("(breadth(close > sma(50))) at 20-day high", pl.col("high"))):
        expected = rows.join(share, on="date").filter(column).select("symbol", "date").sort("symbol", "date")
        got = run(folder, when).raw_events.select("symbol", "date").sort("symbol", "date")
        assert got.height > 100 and got.equals(expected), when
        assert {"ALLE", "APTV"} <= set(got["symbol"].to_list())


def test_a_feature_of_breadth_is_written_as_a_series_feature_is() -> None:
    """A breadth is 'usable like any series' (DESIGN.md), but 'breadth(close > sma(50))
    sma(10) > 50%', written as 'SPX sma(10)' is, was refused: "expected a comparison
    operator (>, >=, <, <=, ==, !=) after 'breadth(close > sma(50))', got 'sma'", with the
    hint "or 'crosses above' / 'crosses below' and a value". It reads as the bracketed
    '(breadth(close > sma(50))) sma(10)', the market's average, and prints back so."""
    from eventstudy.conditions import parse

    for bare, bracketed in (
        ("breadth(close > sma(50)) sma(10) > 50%", "(breadth(close > sma(50))) sma(10) > 50%"),
        ("breadth(close at 52-week high) return(5) > 0 and close > sma(50)", "(breadth(close at 52-week high)) return(5) > 0 and close > sma(50)"),
    ):
        assert to_text(parse(bare)) == to_text(parse(bracketed)) == bracketed


def test_breadth_through_the_histories_null_and_in_a_sweep_cell(folder: Path) -> None:
    result = run(folder, "breadth(close > sma(50)) < 25% and close > sma(50)", placebos=100, null="histories", histories=20)
    assert set(result.tests["null"].to_list()) == {"histories"}
    assert result.events.height > 0 and "breadth(close > sma(50))" in result.events.columns


def test_breadth_needs_a_universe() -> None:
    from eventstudy.config import parse_study

    with pytest.raises(ConditionSyntaxError, match="this study has no universe"):
        parse_study(
            "name: x\nseries: {SPX: SPX}\nwhen: breadth(SPX > 1) < 20%\nevaluate:\n  - forward_returns: {horizons: [1w], assets: [SPX]}\n",
            path="x.yaml",
        )


# --- the reference: breadth from plain lists ---------------------------------------

import datetime as dt  # noqa: E402

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_property import close_call, k_and, k_or, reference_feature  # noqa: E402

from eventstudy.conditions import (  # noqa: E402
    SELF,
    And,
    AtLevel,
    BinOp,
    Breadth,
    Compare,
    FeatureRef,
    Number,
    Or,
    to_text,
)

EPOCH = dt.date(2021, 1, 4)


def _leaf(kind: str, n: int) -> object:
    """A per-stock test that cannot be a near tie on integer closes (a close is never
    within rounding of an average plus a half)."""
    if kind == "above_sma":
        return Compare(FeatureRef(SELF, "close"), ">", BinOp(FeatureRef(SELF, "sma", (n,)), "+", Number(0.5)))
    if kind == "up":
        return Compare(FeatureRef(SELF, "return", (n,)), ">", Number(0.0))
    return AtLevel(SELF, "high", n)


leaves = st.builds(_leaf, st.sampled_from(["above_sma", "up", "high"]), st.integers(1, 5))


@st.composite
def breadth_cases(draw: st.DrawFn) -> tuple[dict[str, dict[dt.date, float]], object]:
    stocks = {}
    for k in range(draw(st.integers(2, 4))):
        start, length = draw(st.integers(0, 12)), draw(st.integers(8, 30))
        closes = draw(st.lists(st.integers(1, 6), min_size=length, max_size=length))
        stocks[f"S{k}"] = {EPOCH + dt.timedelta(days=start + i): float(c) for i, c in enumerate(closes)}
    term = Compare(Breadth(draw(leaves)), draw(st.sampled_from([">", ">=", "<", "<="])), Number(float(draw(st.sampled_from([0, 25, 30, 50, 60, 75, 100]))), True))
    tree = draw(st.sampled_from([term, And(term, draw(leaves)), Or(draw(leaves), term)]))
    return stocks, tree


class Ambiguous(Exception):
    pass


def _reference(stocks: dict[str, dict[dt.date, float]], tree: object) -> set[tuple[str, dt.date]]:
    def verdicts(node: object) -> dict[tuple[str, dt.date], bool | None]:
        out = {}
        for symbol, history in stocks.items():
            dates = sorted(history)
            closes = [history[d] for d in dates]
            if isinstance(node, AtLevel):
                values = reference_feature(closes, "at_high", (node.n,))
            else:
                left, right = node.left, node.right  # type: ignore[attr-defined]
                a = reference_feature(closes, left.feature, left.args)
                if isinstance(right, BinOp):  # sma(n) + 0.5
                    b = [None if v is None else v + 0.5 for v in reference_feature(closes, right.left.feature, right.left.args)]
                else:
                    b = [right.amount] * len(closes)
                values = []
                for x, y in zip(a, b):
                    if x is None or y is None:
                        values.append(None)
                        continue
                    if close_call(x, y):
                        raise Ambiguous
                    values.append(x > y)
            out.update({(symbol, d): v for d, v in zip(dates, values)})
        return out

    def breadth(inner: object) -> dict[dt.date, float | None]:
        seen = verdicts(inner)
        by_day: dict[dt.date, list[bool]] = {}
        for (_, day), v in seen.items():
            if v is not None:
                by_day.setdefault(day, []).append(v)
        return {day: sum(vs) / len(vs) for day, vs in by_day.items()}

    def test(node: object, symbol: str, day: dt.date) -> bool | None:
        if isinstance(node, And):
            return k_and(test(node.left, symbol, day), test(node.right, symbol, day))
        if isinstance(node, Or):
            return k_or(test(node.left, symbol, day), test(node.right, symbol, day))
        if isinstance(node, Compare) and isinstance(node.left, Breadth):
            share = breadth(node.left.test).get(day)
            if share is None:
                return None
            # a share k / n is computed alike on both sides: a tie with 25% or 50% is exact, not ambiguous
            return {">": share > node.right.amount, ">=": share >= node.right.amount, "<": share < node.right.amount, "<=": share <= node.right.amount}[node.op]  # type: ignore[attr-defined]
        return verdicts(node).get((symbol, day))

    return {(s, d) for s, history in stocks.items() for d in history if test(tree, s, d) is True}


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(breadth_cases())
def test_breadth_matches_a_plain_reference(tmp_path_factory: pytest.TempPathFactory, case: tuple[dict[str, dict[dt.date, float]], object]) -> None:
    stocks, tree = case
    try:
        expected = _reference(stocks, tree)
    except Ambiguous:
        assume(False)
    here = tmp_path_factory.mktemp("case")
    rows = [(d, s, c) for s, history in stocks.items() for d, c in sorted(history.items())]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(here / "panel.csv")
    market = [EPOCH + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": market, "close": [100.0] * len(market)}).write_csv(here / "SPX.csv")
    text = to_text(tree)  # type: ignore[arg-type]
    result = run(here, text)
    got = set(result.raw_events.select("symbol", "date").iter_rows())
    assert got == expected, text

"""Universe studies: the condition per symbol, pooled results, and a cross-sectional null."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eventstudy
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError
from eventstudy.inference.panel import clustered_t

STUDY = """\
name: universe test
series: {MKT: MKT}
universe: {data_file: panel.csv, label: stocks}
when: close at 5-day high and MKT drawdown >= 1%
decluster: {gap: 3}
evaluate:
  - forward_returns: {horizons: [2d, 5d]}
  - excess_returns: {benchmark: MKT, horizons: [5d]}
statistics: {placebos: 300, seed: 1}
"""


def make_panel(folder: Path, effect: float = 0.0, seed: int = 0) -> dict[str, list[tuple[dt.date, float]]]:
    rng = np.random.default_rng(seed)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(160)]
    market = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    pl.DataFrame({"date": days, "close": market}).write_csv(folder / "MKT.csv")
    rows, series = [], {}
    for k in range(6):
        keep = sorted(rng.choice(len(days), size=140 + 3 * k, replace=False))  # own calendars
        steps = rng.normal(0.0005, 0.02, len(keep))
        close = 50 * np.exp(np.cumsum(steps))
        if effect:  # after a new 5-day high, drift up for a week
            for i in range(5, len(close)):
                if close[i] >= close[i - 5 : i].max():
                    close[i + 1 :] *= 1 + effect
        series[f"S{k}"] = [(days[j], float(c)) for j, c in zip(keep, close)]
        rows += [(days[j], f"S{k}", float(c)) for j, c in zip(keep, close)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(folder / "panel.csv")
    series["MKT"] = list(zip(days, market.tolist()))
    return series


def reference(series: dict, window_days: int = 5, gap: int = 3) -> tuple[set, dict]:
    """Events and 2d/5d returns by plain loops on each symbol's own calendar."""
    mkt = dict(series["MKT"])
    best, mkt_dd = None, {}
    for d, c in series["MKT"]:
        best = c if best is None else max(best, c)
        mkt_dd[d] = 1 - c / best
    events, returns = set(), {}
    for sym, rows in series.items():
        if sym == "MKT":
            continue
        last = None
        for i, (d, c) in enumerate(rows):
            if d not in mkt:
                continue
            prior = [x for _, x in rows[max(0, i - window_days) : i]]
            hit = i >= window_days and c >= max(prior) and mkt_dd[d] >= 0.01
            if hit and (last is None or i - last >= gap):
                events.add((sym, d))
                last = i
                for h in (2, 5):
                    returns[(sym, d, h)] = rows[i + h][1] / c - 1 if i + h < len(rows) else None
    return events, returns


def test_universe_events_and_returns_match_a_plain_loop(tmp_path: Path) -> None:
    series = make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    events, returns = reference(series)
    got = {(r["symbol"], r["date"]) for r in result.events.iter_rows(named=True)}
    assert got == events and events
    fwd = result.outcomes.filter(pl.col("measure") == "fwd")
    for r in fwd.iter_rows(named=True):
        expected = returns[(r["symbol"], r["date"], r["horizon_days"])]
        assert (r["value"] is None) == (expected is None)
        if expected is not None:
            assert r["value"] == pytest.approx(expected, rel=1e-5)  # arrays are float32
    # the baseline pools every symbol-day with a complete 5d return
    all_5d = [rows[i + 5][1] / rows[i][1] - 1 for s, rows in series.items() if s != "MKT" for i in range(len(rows) - 5) if rows[i][0] in dict(series["MKT"])]
    row = result.summary.filter((pl.col("measure") == "fwd") & (pl.col("horizon") == "5d")).row(0, named=True)
    assert row["baseline_n"] == len(all_5d)
    assert row["baseline_mean"] == pytest.approx(np.mean(all_5d), rel=1e-4)
    by_symbol = result.breakdowns["by_symbol"].filter((pl.col("measure") == "fwd") & (pl.col("horizon") == "5d"))
    assert by_symbol["n"].sum() == row["n"]
    by_year = result.breakdowns["by_year"]
    assert set(by_year["year"]) == {2020}
    excess = result.outcomes.filter(pl.col("measure") == "excess")
    assert set(excess["asset"]) == {"stocks-MKT"}


def test_the_breakdowns_list_their_cells_in_the_summary_order(tmp_path: Path) -> None:
    """by_year.csv and by_symbol.csv listed cells alphabetically: excess before fwd, a 1m
    horizon before 1w, unlike the summary beside them."""
    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("horizons: [2d, 5d]", "horizons: [5d, 12d]"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, placebos=0)
    cells = ["measure", "asset", "horizon"]
    shown = result.summary.select(cells).rows()
    assert shown == [("fwd", "stocks", "5d"), ("fwd", "stocks", "12d"), ("excess", "stocks-MKT", "5d")]
    for name in ("by_year", "by_symbol"):
        assert result.breakdowns[name].select(cells).unique(maintain_order=True).rows() == shown, name
    by_symbol = result.breakdowns["by_symbol"].filter(pl.col("horizon") == "12d")
    assert by_symbol["n"].to_list() == sorted(by_symbol["n"].to_list(), reverse=True)  # the busiest symbol first in each cell


def test_a_cell_with_no_complete_outcome_has_no_test(tmp_path: Path) -> None:
    """A horizon longer than any event's data left its cell with n 0 and no p-value but
    the calendar-time portfolio's, which holds each event for the days it has."""
    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("horizons: [2d, 5d]", "horizons: [2d, 150d]"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    empty = result.tests.filter((pl.col("horizon") == "150d") & (pl.col("statistic") == "mean")).row(0, named=True)
    assert empty["n"] == 0
    assert all(empty[c] is None for c in ("p_placebo", "p_calendar", "t_calendar", "p_cluster", "p_maxstat", "survives"))
    kept = result.tests.filter((pl.col("horizon") == "2d") & (pl.col("statistic") == "mean")).row(0, named=True)
    assert kept["n"] >= 3 and kept["p_calendar"] is not None  # a cell with its outcomes keeps its tests


def test_universe_tests_have_sane_p_values_and_find_a_planted_effect(tmp_path: Path) -> None:
    make_panel(tmp_path, effect=0.03, seed=2)
    (tmp_path / "study.yaml").write_text(STUDY)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    tests = result.tests.filter((pl.col("measure") == "fwd") & (pl.col("statistic") == "mean"))
    assert tests.height == 2
    p = tests["p_placebo"].to_list()
    assert all(1 / 301 <= x <= 1 for x in p)
    assert min(p) < 0.05  # +3% after each new high: the stocks beat other stocks on the same days
    assert (tests["p_maxstat"] >= tests["p_placebo"] - 1e-12).all()
    assert tests["t_cluster"].is_not_null().all()


def test_a_stock_whose_data_end_early_is_not_pending(tmp_path: Path, capsys) -> None:
    """A stock whose data stop before the panel's last day (delisted, acquired) had the
    events near its end shown as pending: 'pending (3d)', '+2 pending', '2 event(s)
    pending (up to 3 more trading days of data needed)', as if its data were to come. They
    never complete: still counted incomplete and left out, but worded so."""
    from eventstudy.cli import main
    from eventstudy.report import render_markdown

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": days, "close": np.linspace(100, 90, len(days))}).write_csv(tmp_path / "MKT.csv")
    rows = []
    for symbol, last, high in (("GONE", 40, 37), ("LIVE", 60, 57), ("FLAT", 60, None)):
        close = [50.0 - 0.01 * i for i in range(last)]  # falling: no 5-day high but the one planted
        if high is not None:
            close[high] = 60.0
        rows += [(days[i], symbol, close[i]) for i in range(last)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "close at 5-day high").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert result.events.select("symbol", "date").rows() == [("GONE", days[37]), ("LIVE", days[57])]
    fwd_5d = result.summary.filter(measure="fwd", horizon="5d").row(0, named=True)
    assert (fwd_5d["n"], fwd_5d["n_incomplete"]) == (0, 2)  # both incomplete, left out: the counts stay
    pending = result.pending.filter(column="stocks.fwd.5d").sort("symbol")
    assert pending.select("symbol", "days_remaining", "ended").rows() == [("GONE", 3, True), ("LIVE", 3, False)]
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path)]) == 0
    for text in (capsys.readouterr().out, render_markdown(result)):
        flat = " ".join(text.split())
        gone = next(line for line in text.splitlines() if "GONE" in line and "2020-02-07" in line)
        live = next(line for line in text.splitlines() if "LIVE" in line and "2020-02-27" in line)
        assert "data ended" in gone and "pending" not in gone and "pending (3d)" in live
        assert "0 (+1 pending, +1 data ended)" in flat
        assert "stocks fwd 5d: 1 event(s) pending (up to 3 more trading days of data needed)" in flat
        assert "stocks fwd 5d: 1 event(s) never complete: the data of GONE end within the horizon" in flat


def test_outcomes_csv_says_which_incomplete_outcomes_never_complete(tmp_path: Path) -> None:
    """outcomes.csv gave a delisted stock's incomplete outcome as 'days_remaining 3', as it
    gave a pending one, where the summary said '+1 data ended' and result.pending flagged
    it 'ended': nothing there told the one that never completes from the one to come. The
    outcomes now carry ``ended`` as result.pending has it (null for a complete value)."""
    from eventstudy.report import write_outputs

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": days, "close": np.linspace(100, 90, len(days))}).write_csv(tmp_path / "MKT.csv")
    rows = []
    for symbol, last, highs in (("GONE", 40, (20, 37)), ("LIVE", 60, (57,))):
        close = [50.0 - 0.01 * i for i in range(last)]
        for high in highs:
            close[high] = 60.0 + high
        rows += [(days[i], symbol, close[i]) for i in range(last)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "close at 5-day high").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    write_outputs(result, tmp_path / "out")
    for outcomes in (result.outcomes, pl.read_csv(tmp_path / "out" / "outcomes.csv", try_parse_dates=True)):
        fwd = outcomes.filter(measure="fwd", horizon="5d").sort("symbol", "date")
        assert fwd.select("symbol", "days_remaining", "ended").rows() == [("GONE", None, None), ("GONE", 3, True), ("LIVE", 3, False)]
        waiting = outcomes.filter(pl.col("ended").is_not_null()).select("date", "symbol", "measure", "asset", "horizon", "days_remaining", "ended")
        assert waiting.sort("symbol", "date", "horizon").rows() == result.pending.drop("column").sort("symbol", "date", "horizon").rows()
    ended = result.summary.filter(measure="fwd", horizon="5d")["n_incomplete"].item()
    assert ended == 2 and result.outcomes.filter(measure="fwd", horizon="5d")["ended"].sum() == 1


def test_bare_features_need_a_universe() -> None:
    with pytest.raises(eventstudy.EventStudyError, match="no universe"):
        parse_study(STUDY.replace("universe: {data_file: panel.csv, label: stocks}\n", ""), path="s.yaml")


def test_clustered_t_treats_a_date_as_one_observation() -> None:
    x = np.array([0.01] * 50 + [-0.01] * 50)
    one_date_each = clustered_t(x + 0.002, np.arange(100), 0.0)[1]
    two_dates = clustered_t(x + 0.002, np.repeat([0, 1], 50), 0.0)[1]
    assert one_date_each < 0.05 < two_dates


def _driscoll_kraay_reference(x: np.ndarray, days: np.ndarray, mu0: float, lag: int) -> float:
    """The Driscoll-Kraay t by plain loops: the deviations summed per day from the first
    event day to the last, their Newey-West (Bartlett) long-run variance at ``lag``."""
    sums = [float(np.sum(x[days == d] - mu0)) for d in range(int(days.min()), int(days.max()) + 1)]
    lag = min(lag, len(sums) - 1)
    variance = sum(s * s for s in sums)
    for k in range(1, lag + 1):
        variance += 2 * (1 - k / (lag + 1)) * sum(sums[i] * sums[i - k] for i in range(k, len(sums)))
    return float((x.mean() - mu0) / np.sqrt(variance / x.size**2))


@pytest.mark.parametrize("seed", [0, 1])
def test_driscoll_kraay_t_matches_a_plain_loop_and_tests_nothing_on_one_day(seed: int) -> None:
    """Events all on one day: the day's sum is the whole deviation, so t was -1 or +1
    whatever the returns, with a p-value (0.60) beside it; it is now no test (NaN)."""
    from eventstudy.inference.panel import driscoll_kraay_t

    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 60, 40))
    x = rng.normal(0.01, 0.05, 40)
    for lag in (0, 1, 5, 100):
        t, p = driscoll_kraay_t(x, days, 80, 0.002, lag)
        assert t == pytest.approx(_driscoll_kraay_reference(x, days, 0.002, lag), rel=1e-9) and 0 < p < 1
    one_day = np.full(5, 7)
    for values in (x[:5], -x[:5]):
        assert all(math.isnan(v) for v in driscoll_kraay_t(values, one_day, 80, 0.0, 5))


@pytest.mark.shared_data
def test_the_shipped_universe_study_runs_on_the_real_panel(shared_data: Path) -> None:
    config = Path(__file__).resolve().parents[1] / "configs" / "sp500_52w_high.yaml"
    result = eventstudy.run(config, data_dir=shared_data, placebos=200)
    assert result.events.height > 100
    assert set(result.events["symbol"]).issubset(set(pl.read_csv(shared_data / "panel_sp500_stocks.csv", columns=["symbol"])["symbol"]))
    row = result.summary.filter((pl.col("measure") == "fwd") & (pl.col("horizon") == "1m")).row(0, named=True)
    assert 600_000 < row["baseline_n"] < 619_040


def test_breakdowns_are_written_and_rendered(tmp_path: Path) -> None:
    from eventstudy.report import render_markdown, write_report

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, placebos=0)
    written = {p.name for p in write_report(result, tmp_path / "out")}
    assert {"by_year.csv", "by_symbol.csv"} <= written
    by_symbol = pl.read_csv(tmp_path / "out" / "by_symbol.csv")
    assert set(by_symbol["symbol"]) <= {f"S{k}" for k in range(6)}
    text = render_markdown(result)
    assert "### By year" in text and "### By symbol" in text


def test_a_breakdown_printed_without_its_file_says_how_to_write_it(tmp_path: Path) -> None:
    # 'eventstudy run --format markdown' (and html) without --output titled the breakdown
    # 'By symbol (the 12 largest of 12 groups; all in by_symbol.csv)', a file nobody wrote
    from eventstudy.report import html_report, render_markdown, write_report

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, placebos=0)
    printed = render_markdown(result)
    assert "### By symbol (" in printed and "all in by_symbol.csv" not in printed
    assert "`eventstudy run --output DIR` writes them all to by_symbol.csv)" in printed
    assert "<code>eventstudy run --output DIR</code> writes them all to by_symbol.csv)" in html_report(result)
    write_report(result, tmp_path / "out")
    assert "groups; all in by_symbol.csv)" in (tmp_path / "out" / "report.md").read_text()


def test_two_way_clustering_counts_a_stock_as_one_observation_too() -> None:
    rng = np.random.default_rng(0)
    stocks = np.repeat(np.arange(4), 25)  # four stocks whose events all move together
    dates = np.tile(np.arange(25), 4)
    x = 0.004 + np.repeat(rng.normal(0, 0.01, 4), 25) + rng.normal(0, 0.001, 100)
    by_date = clustered_t(x, dates, 0.0)[1]
    two_way = clustered_t(x, dates, 0.0, second=stocks)[1]
    assert by_date < 0.01 < two_way  # the date clusters miss that only 4 stocks are behind it
    assert clustered_t(x, dates, 0.0, second=np.arange(100))[1] == pytest.approx(by_date)  # one event per stock: no change


@pytest.mark.parametrize(
    "universe",
    [
        "{data_file: panel.csv, exclude: [S2, S4]}",  # the file's symbols but two: read once, filtered
        "{file: symbols.txt}",  # a file of symbols, found by the loader in the long file panel.csv
        "[S0, S1, S3, S5]",  # listed
    ],
)
def test_every_way_to_name_a_universe_gives_the_same_study(tmp_path: Path, universe: str) -> None:
    series = make_panel(tmp_path)
    (tmp_path / "symbols.txt").write_text("# four of the six\nS0\nS1  # the first two\n\nS3\nS5\n")
    text = STUDY.replace("universe: {data_file: panel.csv, label: stocks}", f"universe: {universe}")
    result = eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path, placebos=0)
    kept = {k: v for k, v in series.items() if k not in ("S2", "S4")}
    events, _ = reference(kept)
    assert set(zip(result.events["symbol"], result.events["date"])) == events
    assert set(result.source_ranges) == {"MKT", "S0", "S1", "S3", "S5"}
    assert result.source_ranges["S3"]["rows"] == len(series["S3"])
    assert result.source_ranges["S3"]["first"] == series["S3"][0][0] and result.source_ranges["S3"]["last"] == series["S3"][-1][0]


def test_source_ranges_agree_whether_or_not_the_symbols_are_sorted() -> None:
    from eventstudy.data import source_ranges

    rng = np.random.default_rng(4)
    rows = [(dt.date(2020, 1, 1) + dt.timedelta(days=int(d)), s) for s in "QAZB" for d in np.sort(rng.choice(300, rng.integers(1, 30), replace=False))]
    frame = pl.DataFrame(rows, schema=["date", "symbol"], orient="row")
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)
    assert not shuffled["symbol"].is_sorted()
    by_runs = source_ranges(frame.sort("symbol", "date"))
    assert by_runs == source_ranges(shuffled)  # the group-by path
    assert by_runs["Z"]["rows"] == frame.filter(pl.col("symbol") == "Z").height


def _calendar_reference(daily: np.ndarray, events: list[tuple[int, int]], horizon: int, lag: int = 0) -> tuple[float, float, int]:
    """The calendar-time portfolio test by plain loops over days and stocks (``lag``: days
    from the event to the entry)."""
    from scipy import stats as st

    from eventstudy.inference.classical import newey_west

    n_symbols, n_days = daily.shape
    excess = []
    for t in range(n_days):
        held = {s for s, d in events if d + lag <= t < d + lag + horizon}
        mine = [daily[s, t] for s in sorted(held) if not np.isnan(daily[s, t])]
        every = [daily[s, t] for s in range(n_symbols) if not np.isnan(daily[s, t])]
        if mine and every:
            excess.append(np.mean(np.array(mine, dtype=np.float64)) - np.mean(np.array(every, dtype=np.float64)))
    x = np.array(excess)
    lag = int(4 * (x.size / 100) ** (2 / 9))
    se = np.sqrt(newey_west(np.ones((x.size, 1)), x - x.mean(), lag)[0, 0])
    t = x.mean() / se
    return t, 2 * st.t.sf(abs(t), df=x.size - 1), x.size


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calendar_time_portfolio_matches_a_plain_loop(seed: int) -> None:
    from eventstudy.inference.panel import calendar_time

    rng = np.random.default_rng(seed)
    daily = rng.normal(0, 0.02, size=(300, 120)).astype(np.float32)
    daily[rng.random(daily.shape) < 0.1] = np.nan  # gaps, and stocks without a next day
    events = sorted({(int(s), int(d)) for s, d in zip(rng.integers(0, 300, 80), rng.integers(0, 120, 80))})
    s_idx, d_idx = (np.array(x) for x in zip(*events))
    found = calendar_time(daily, s_idx, d_idx, [1, 5, 21], rows_per_chunk=64)  # several chunks
    for horizon in (1, 5, 21):
        got = found[horizon]
        want = _calendar_reference(daily.astype(np.float64), events, horizon)
        assert got[2] == want[2]
        assert got[0] == pytest.approx(want[0], rel=1e-6) and got[1] == pytest.approx(want[1], rel=1e-6)


def jump_universe(folder: Path, rng: np.random.Generator, entry: str) -> eventstudy.StudyResult:
    """A universe of 30 stocks x 300 days with a 3% jump from each of its 6 events' close to
    the next day (``entry`` 'next_open': all of it before the next open), nothing after
    it, run with forward returns at 5 days entered at the close and at ``entry``."""
    n_stocks, n_days = 30, 300
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    returns = rng.normal(0.0, 0.01, (n_stocks, n_days))
    jumps = np.zeros((n_stocks, n_days))
    pairs = []
    for k in range(n_stocks):
        for d in rng.choice(np.arange(5, n_days - 30), size=6, replace=False):
            jumps[k, d + 1] = 0.03
            pairs.append((f"S{k}", days[d]))
    close = 50 * np.cumprod(1 + returns + jumps, axis=1)
    columns = {"date": days * n_stocks, "symbol": np.repeat([f"S{k}" for k in range(n_stocks)], n_days), "close": close.ravel()}
    if entry == "next_open":  # the day's open: the close before, and the jump
        columns["open"] = (np.concatenate([close[:, :1], close[:, :-1]], axis=1) * (1 + jumps)).ravel()
    pl.DataFrame({"date": days, "close": 100.0}).write_csv(folder / "MKT.csv")
    pl.DataFrame(columns).write_csv(folder / "panel.csv")
    pl.DataFrame(pairs, schema=["symbol", "date"], orient="row").write_csv(folder / "pairs.csv")
    (folder / "study.yaml").write_text(
        "name: jump\nseries: {MKT: MKT}\nuniverse: {data_file: panel.csv, label: stocks}\nevents: {mine: {file: pairs.csv}}\n"
        f"when: on mine\nevaluate:\n  - forward_returns: {{horizons: [5d]}}\n  - forward_returns: {{horizons: [5d], entry: {entry}}}\n"
        "statistics: {placebos: 200, seed: 1, null: dates}\n"
    )
    return eventstudy.run(folder / "study.yaml", data_dir=folder)


def test_calendar_time_of_a_next_close_entry_holds_the_stock_from_the_day_after(tmp_path: Path) -> None:
    """A forward return entered at the next close leaves out the event day's next-day
    return; its calendar-time test held the stock on the event day all the same (the
    close entry's portfolio), so a jump on the day after each event, which the cell's own
    average does not see, read t = 10, p = 2e-20 beside it."""
    rng = np.random.default_rng(7)
    means = jump_universe(tmp_path, rng, "next_close").tests.filter(pl.col("statistic") == "mean")
    close_entry, next_close = (means.filter(pl.col("measure") == m).row(0, named=True) for m in ("fwd", "fwd_next_close"))
    assert close_entry["p_calendar"] < 1e-6  # the jump is in the close entry's window
    assert next_close["p_calendar"] > 0.05 and abs(next_close["t_calendar"]) < 2  # and not in the next close's
    # against the plain loop, the last days included
    from eventstudy.inference.panel import calendar_time

    daily = rng.normal(0, 0.02, size=(60, 90)).astype(np.float32)
    daily[rng.random(daily.shape) < 0.1] = np.nan
    events = sorted({(int(s), int(d)) for s, d in zip(rng.integers(0, 60, 50), rng.integers(0, 90, 50))} | {(3, 89), (4, 88)})  # the last days too
    s_idx, d_idx = (np.array(x) for x in zip(*events))
    found = calendar_time(daily, s_idx, d_idx, [1, 5], rows_per_chunk=16, lag=1)
    for horizon in (1, 5):
        want = _calendar_reference(daily.astype(np.float64), events, horizon, lag=1)
        assert found[horizon][2] == want[2]
        assert found[horizon][0] == pytest.approx(want[0], rel=1e-6) and found[horizon][1] == pytest.approx(want[1], rel=1e-6)


def test_a_next_open_entry_has_no_calendar_time_test(tmp_path: Path) -> None:
    """A forward return entered at the next open leaves out the gap from the event's close
    to that open, which no portfolio of daily closes can: its calendar-time test held the
    stock from the event day (the close entry's), so a 3% gap at each next open, which the
    cell's own average does not see, read as significant beside it. It gets none now."""
    means = jump_universe(tmp_path, np.random.default_rng(8), "next_open").tests.filter(pl.col("statistic") == "mean")
    close_entry, next_open = (means.filter(pl.col("measure") == m).row(0, named=True) for m in ("fwd", "fwd_next_open"))
    assert close_entry["p_calendar"] < 1e-6  # the gap is in the close entry's window
    assert abs(next_open["observed"]) < 0.01  # and not in the next open's return
    assert next_open["t_calendar"] is None and next_open["p_calendar"] is None


def test_calendar_time_test_is_shown_for_returns_over_the_window_only(tmp_path: Path) -> None:
    """The calendar-time portfolio tests the event stocks' returns over their windows; the
    rows of the worst and best close ahead, the days to recover and the hit rate showed
    the forward return's test of their horizon as their 'NW t' and 'NW p' (the days to
    recover, the test of its cell's horizon_days)."""
    make_panel(tmp_path, effect=0.01, seed=3)
    text = STUDY.replace("statistics:", "  - excursions: {horizons: [5d]}\n  - hit_rate: {horizons: [5d]}\nstatistics:")
    means = eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path).tests.filter(pl.col("statistic") == "mean")
    returns = means.filter(pl.col("measure").is_in(["fwd", "excess"]))
    assert returns.height == 3 and returns["p_calendar"].null_count() == 0
    others = means.filter(~pl.col("measure").is_in(["fwd", "excess"]))
    assert set(others["measure"]) == {"mae", "mfe", "recovery", "hit"}
    assert others["t_calendar"].null_count() == others.height and others["p_calendar"].null_count() == others.height
    assert others["p_cluster"].null_count() == 0  # the Driscoll-Kraay t of each measure's own average stays


def test_calendar_time_test_is_in_the_universe_table_and_finds_a_planted_effect(tmp_path: Path) -> None:
    make_panel(tmp_path, effect=0.01, seed=3)
    study = parse_study(STUDY, path=tmp_path / "study.yaml")
    tests = eventstudy.run(study, data_dir=tmp_path).tests
    means = tests.filter(pl.col("statistic") == "mean")
    assert means["p_calendar"].null_count() == 0 and (means.filter(pl.col("measure") == "fwd")["p_calendar"] < 0.05).all()
    assert tests.filter(pl.col("statistic") != "mean")["p_calendar"].null_count() == tests.height - means.height


def test_files_outside_the_data_directory_are_not_opened_or_echoed(shared_data: Path, tmp_path: Path, capsys) -> None:
    """Issue 15: 'data_file: ../../../../etc/passwd' was opened, and a universe file (or a
    data file linked) to /etc/passwd had its first line echoed in the error."""
    from eventstudy.cli import main

    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", encoding="utf-8")
    base = (Path(__file__).resolve().parents[1] / "configs" / "sp500_52w_high.yaml").read_text(encoding="utf-8")
    for universe, message in (
        ("{data_file: ../../../../etc/passwd}", "leaves the data directory"),
        (f"{{file: {secret}}}", "line 1 of the universe file 'secret' is not a symbol"),
    ):
        study = tmp_path / "s.yaml"
        study.write_text("\n".join(f"universe: {universe}" if ln.startswith("universe:") else ln for ln in base.splitlines()), encoding="utf-8")
        assert main(["run", str(study), "--data-dir", str(shared_data)]) == 2
        err = capsys.readouterr().err
        assert message in err and "root:" not in err and "Traceback" not in err
    from eventstudy.data import shown_columns

    assert "root" not in shown_columns(["root:x:0:0:root:/root:/bin/bash"])
    assert shown_columns(["Date", "Adj Close"]) == "['Date', 'Adj Close']"


def run_on_panel(shared_data: Path, folder: Path, panel_text: str, capsys) -> tuple[int, str]:
    """The shipped universe study on ``panel_text`` as its panel file (SPX beside it)."""
    from eventstudy.cli import main

    (folder / "panel.csv").write_text(panel_text, encoding="utf-8")
    (folder / "SPX.csv").write_text((shared_data / "SPX.csv").read_text(encoding="utf-8"), encoding="utf-8")
    base = (Path(__file__).resolve().parents[1] / "configs" / "sp500_52w_high.yaml").read_text(encoding="utf-8")
    study = folder / "s.yaml"
    study.write_text(base.replace("panel_sp500_stocks.csv", "panel.csv"), encoding="utf-8")
    code = main(["run", str(study), "--data-dir", str(folder)])
    return code, capsys.readouterr().err


def test_a_panel_row_without_a_symbol_is_a_message(shared_data: Path, tmp_path: Path, capsys) -> None:
    code, err = run_on_panel(shared_data, tmp_path, "date,symbol,close\n2020-01-02,AAA,10\n2020-01-03,,11\n", capsys)
    assert code == 2 and "1 row(s) have no symbol" in err
    assert err.startswith(f"{tmp_path / 'panel.csv'}:3: error:") and "the first on line 3" in err  # at its line


def test_a_symbol_with_a_control_character_is_refused(shared_data: Path, tmp_path: Path, capsys) -> None:
    """Issue 15: escape codes reached the terminal raw."""
    code, err = run_on_panel(shared_data, tmp_path, "date,symbol,close\n2020-01-02,\x1b[2JAAA,10\n2020-01-03,\x1b[2JAAA,11\n", capsys)
    assert code == 2 and "holds a control character" in err and "\x1b" not in err


@pytest.mark.parametrize("fmt", ["csv", "parquet", "parquet by date", "api"])
def test_a_symbol_with_spaces_around_it_is_refused_at_its_line_not_dropped(shared_data: Path, tmp_path: Path, capsys, fmt: str) -> None:
    """' BBB' was counted among the universe's symbols while every one of its rows was
    dropped (the blocks select rows by the stripped name), without a word; the Python
    API kept it under its padded name, and each file format gave another answer."""
    import polars as pl

    from eventstudy.cli import main
    from eventstudy.errors import DataError

    days = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True)["date"].tail(300)
    panel = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": 10.0 + np.arange(300) / 10}) for s in ("AAA", " BBB")])
    if fmt == "parquet by date":
        panel = panel.sort("date", "symbol")
    name = "panel.csv" if fmt in ("csv", "api") else "panel.parquet"
    getattr(panel, "write_csv" if name.endswith(".csv") else "write_parquet")(tmp_path / name)
    (tmp_path / "SPX.csv").write_bytes((shared_data / "SPX.csv").read_bytes())
    study = tmp_path / "s.yaml"
    study.write_text(f"name: padded\nseries: {{SPX: SPX}}\nuniverse: {{data_file: {name}}}\nwhen: close at 20-day high\n"
                     "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {placebos: 0}\n", encoding="utf-8")
    said = "the symbol ' BBB' has spaces around it"
    if fmt == "api":
        with pytest.raises(DataError, match=said):
            eventstudy.run(study, data_dir=tmp_path)
        return
    for command in ("validate", "run"):
        assert main([command, str(study), "--data-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert said in err and f"{name}:{302 if fmt == 'csv' else (1 if fmt == 'parquet by date' else 301)}: error:" in err, err


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 4), min_size=1, max_size=8),
    stray=st.booleans(),
)
def test_block_runs_from_its_symbols_are_the_rows_runs(counts: list[int], stray: bool) -> None:
    """A block's symbol runs found by a binary search of its (sorted) symbols are the runs
    of its rows: symbols without rows left out, and a row of another symbol (never in a
    block) sends it back to the rows' own runs."""
    from eventstudy.blocks import _runs

    symbols = [f"S{i}" for i in range(len(counts))]
    rows = [s for s, n in zip(symbols, counts) for _ in range(n)] + (["T"] if stray else [])
    prices = pl.DataFrame({"symbol": pl.Series(rows, dtype=pl.String)})
    got, expected = _runs(prices, symbols), _runs(prices)
    assert got[0] == expected[0]
    assert got[1].tolist() == expected[1].tolist() == [n for n in counts if n] + ([1] if stray else [])


@pytest.mark.parametrize("chosen", [None, "default", 2])
def test_symbol_blocks_run_on_a_thread_more_than_the_cpus_unless_a_count_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: object) -> None:
    """A block waits for polars' pool and the GIL by turns, so the blocks run on one thread
    more than the CPUs when no thread count was chosen (no executor, or the default
    threads); a count the caller chose is kept. The panel is the same either way."""
    from eventstudy import universe
    from eventstudy.executor import ThreadExecutor, default_workers, get_executor

    make_panel(tmp_path)
    study = parse_study(STUDY, path=tmp_path / "study.yaml")
    threads: list[int] = []
    distribute = ThreadExecutor._distribute

    def counted(self: ThreadExecutor, *args: object) -> object:
        threads.append(self.workers)
        return distribute(self, *args)  # type: ignore[arg-type]

    expected = universe.prepare_study_universe(study, data_dir=tmp_path, block_rows=200, executor=ThreadExecutor(workers=1))
    monkeypatch.setattr(ThreadExecutor, "_distribute", counted)
    executor = get_executor() if chosen == "default" else ThreadExecutor(workers=chosen) if isinstance(chosen, int) else None
    panel = universe.prepare_study_universe(study, data_dir=tmp_path, block_rows=200, executor=executor)
    assert threads == [chosen if isinstance(chosen, int) else default_workers() + universe.BLOCK_THREADS_OVER]
    assert universe.BLOCK_THREADS_OVER == 1
    assert panel.symbols == expected.symbols and len(panel.values) == len(expected.values)
    for found, wanted in zip(panel.values, expected.values):
        np.testing.assert_array_equal(found, wanted)


@pytest.mark.parametrize(("stocks", "warned"), [(3, True), (4, False)])
def test_a_dates_null_among_three_stocks_is_no_test(tmp_path: Path, stocks: int, warned: bool) -> None:
    """Three stocks have 6 orderings, so no exact p-value of the 'dates' null falls below
    1/6, while its normal approximation gave any; four have 24 (1/24 < 5%)."""
    from eventstudy.report.verdict import verdict_line

    rng = np.random.default_rng(11)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (stocks, days.len())), axis=1))
    pl.concat([pl.DataFrame({"date": days, "symbol": f"S{k}", "close": closes[k]}) for k in range(stocks)]).write_csv(tmp_path / "panel.csv")
    study = parse_study(
        "name: few stocks\nuniverse: {data_file: panel.csv}\nwhen: return(5) > 3%\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {seed: 7, null: dates, placebos: 200}\n",
        path=tmp_path / "study.yaml",
    )
    result = eventstudy.run(study, data_dir=tmp_path)
    assert result.events.height > 20 and set(result.tests["null"]) == {"dates"}
    found = [n for n in result.notes if n.startswith("warning: the 'dates' null had little room")]
    assert bool(found) == warned
    if warned:
        assert "only 3 stocks, 6 orderings in all, so no p-value can truly fall below 0.167" in found[0]
        assert "nothing is tested: the 'dates' null had little room here" in verdict_line(result)
    else:
        assert "nothing is tested" not in verdict_line(result)


@pytest.mark.parametrize("entry", ["close", "next_open"])
def test_a_dates_null_among_three_stocks_sends_to_the_histories_null_only_where_it_can_run(tmp_path: Path, entry: str) -> None:
    """The warning of a 'dates' null among three stocks named '--null histories' as the
    remedy even where the run refuses it (an entry at the next open): it now says why that
    null cannot be used, as the other no-test warnings do."""
    rng = np.random.default_rng(11)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (3, days.len())), axis=1))
    pl.concat([pl.DataFrame({"date": days, "symbol": f"S{k}", "close": closes[k], "open": closes[k]}) for k in range(3)]).write_csv(tmp_path / "panel.csv")
    study = parse_study(
        "name: few stocks\nuniverse: {data_file: panel.csv}\nwhen: return(5) > 3%\ndecluster: {gap: 10}\n"
        f"evaluate:\n  - forward_returns: {{horizons: [1w], entry: {entry}}}\nstatistics: {{seed: 7, placebos: 200}}\n",
        path=tmp_path / "study.yaml",
    )
    result = eventstudy.run(study, data_dir=tmp_path)
    assert set(result.tests["null"]) == {"dates"}
    (found,) = [n for n in result.notes if n.startswith("warning: the 'dates' null had little room")]
    assert "only 3 stocks, 6 orderings in all" in found
    if entry == "close":
        assert found.endswith("; the histories null (null='histories') resamples the prices instead")
    else:
        assert "null='histories'" not in found
        assert found.endswith("cannot be used here (the histories null rebuilds the universe from its closes, and forward_returns enters at the next open)")
        with pytest.raises(ConfigError, match="enters at the next open"):
            eventstudy.run(study, data_dir=tmp_path, null="histories")


def _market_days_study(tmp_path: Path, when: str, statistics: str) -> eventstudy.Study:
    """Eight stocks and a market series MKT on 1,200 days, and a study of ``when``."""
    rng = np.random.default_rng(11)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (9, days.len())), axis=1))
    pl.concat([pl.DataFrame({"date": days, "symbol": f"S{k}", "close": closes[k]}) for k in range(8)]).write_csv(tmp_path / "panel.csv")
    pl.DataFrame({"date": days, "close": closes[8]}).write_csv(tmp_path / "MKT.csv")
    return parse_study(
        f"name: market days\nuniverse: {{data_file: panel.csv}}\nseries: {{MKT: MKT}}\nwhen: {when}\ndecluster: {{gap: 10}}\n"
        f"evaluate:\n  - forward_returns: {{horizons: [1w]}}\nstatistics: {{seed: 7{statistics}}}\n",
        path=tmp_path / "study.yaml",
    )


@pytest.mark.parametrize(("when", "null"), [("MKT return(1) <= -2%", "histories"), ("MKT return(1) <= -2% and return(5) > 0", "dates")])
def test_a_condition_that_picks_days_not_stocks_is_tested_on_the_histories_by_default(tmp_path: Path, when: str, null: str) -> None:
    """The 'dates' null keeps the events' days and moves them among the stocks: of a
    condition on the market alone it asks only whether the event stocks differ from the
    others those days, and the default was that null, whose verdict could only be 'none
    significant'. The default is now the histories null, which asks whether the days differ."""
    result = eventstudy.run(_market_days_study(tmp_path, when, ", histories: 19"), data_dir=tmp_path)
    assert set(result.tests["null"]) == {null}
    said = any(n.startswith("the histories null is this study's headline by default: its condition picks days, not stocks") for n in result.notes)
    assert said == (null == "histories") and result.no_test == ()


@pytest.mark.parametrize(("when", "warned"), [("MKT return(1) <= -2%", True), ("MKT return(1) <= -2% and return(5) > 0", False)])
def test_a_dates_null_where_every_stock_is_an_event_is_no_test(tmp_path: Path, when: str, warned: bool) -> None:
    """A condition on the market series picks every stock on its days: the 'dates' null,
    which moves each stock's events to another stock on the same days, then draws the
    events themselves (7 FOMC days, +0.47% against +0.05% on all days, read p 0.960 and
    'none significant'). Where the stocks' own prices pick among them, it has room."""
    from eventstudy.report.verdict import verdict_line

    result = eventstudy.run(_market_days_study(tmp_path, when, ", null: dates, placebos: 200"), data_dir=tmp_path)
    assert result.events.height > 20 and set(result.tests["null"]) == {"dates"}
    found = [n for n in result.notes if n.startswith("warning: the 'dates' null had little room: the condition picks days, not stocks")]
    assert bool(found) == warned
    assert [(w.null, w.cause) for w in result.no_test] == ([("dates", "little room")] if warned else [])
    if warned:
        assert "100% of the stocks trading are events" in found[0] and "(null='histories') re-runs the rule" in found[0]
        assert "nothing is tested: the 'dates' null had little room here" in verdict_line(result)
    else:
        assert "nothing is tested" not in verdict_line(result)


@pytest.mark.parametrize(("universe", "where"), [("[S0, S1, s0]", "study.yaml:3:20"), ("{file: symbols.txt}", "the universe file 'symbols.txt'")])
def test_a_symbol_listed_in_two_letter_cases_is_refused_not_counted_twice(tmp_path: Path, capsys, universe: str, where: str) -> None:
    """'s0' finds S0's data (a symbol's data are found in any letter case): [S0, S1, s0]
    ran S0 twice, as two stocks with the same events (2 symbols' events and a third
    copy: 'events in 3 symbols'), where listing S0 twice counts it once."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    (tmp_path / "symbols.txt").write_text("S0\nS1\ns0\n")
    (tmp_path / "study.yaml").write_text(STUDY.replace("universe: {data_file: panel.csv, label: stocks}", f"universe: {universe}"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path), "--placebos", "0"]) == 2
    err = capsys.readouterr().err
    assert "lists 'S0' and 's0': one stock" in err and where in err and "Traceback" not in err
    twice = STUDY.replace("universe: {data_file: panel.csv, label: stocks}", "universe: [S0, S1, S0]")
    once = STUDY.replace("universe: {data_file: panel.csv, label: stocks}", "universe: [S0, S1]")
    runs = [eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path, placebos=0) for text in (twice, once)]
    assert runs[0].events.equals(runs[1].events)  # the same spelling twice is one stock


def test_a_dates_null_that_is_no_test_marks_nothing_as_surviving(tmp_path: Path) -> None:
    """Two random walks: the 'dates' null has two orderings, its p of the mean is 0.49 or
    0.005, and the average's 0.005 was marked '*' (survives the max-statistic adjustment)
    in the summary under a verdict of 'nothing is tested' (1w and 1m here). Its p-values
    are shown, as its warning says, and none is marked as surviving."""
    from eventstudy.report.text import summary_tables

    rng = np.random.default_rng(7)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (2, days.len())), axis=1))
    pl.concat([pl.DataFrame({"date": days, "symbol": f"S{k}", "close": closes[k]}) for k in range(2)]).write_csv(tmp_path / "panel.csv")
    study = parse_study(
        "name: two stocks\nuniverse: {data_file: panel.csv}\nwhen: return(5) > 3%\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {horizons: [1w, 1m]}\nstatistics: {seed: 7, null: dates, placebos: 200}\n",
        path=tmp_path / "study.yaml",
    )
    result = eventstudy.run(study, data_dir=tmp_path)
    means = result.tests.filter(pl.col("statistic") == "mean")
    assert (means["p_placebo"] < 0.05).sum() >= 1  # shown, as the warning says
    assert result.tests["survives"].null_count() == result.tests.height
    assert not any("*" in cell for table in summary_tables(result) for row in table.rows for cell in row)


def test_an_exclusion_matches_in_any_letter_case_and_a_stray_one_is_refused(tmp_path: Path, capsys) -> None:
    """'exclude: [s2]' left S2 in (its data are found as 's2', its exclusion was not), and
    'exclude: [S9]', a symbol the panel lacks (a typo of S2, say), was dropped without a
    word: both ran all six stocks."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    study = lambda exclude: STUDY.replace("universe: {data_file: panel.csv, label: stocks}", f"universe: {{data_file: panel.csv, exclude: [{exclude}]}}")  # noqa: E731
    lower = eventstudy.run(parse_study(study("s2, S4"), path=tmp_path / "study.yaml"), data_dir=tmp_path, placebos=0)
    upper = eventstudy.run(parse_study(study("S2, S4"), path=tmp_path / "study.yaml"), data_dir=tmp_path, placebos=0)
    assert set(lower.events["symbol"]) == set(upper.events["symbol"]) and not {"S2", "S4"} & set(lower.events["symbol"])
    (tmp_path / "study.yaml").write_text(study("S4, S9"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path), "--placebos", "0"]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:3:48: error: the universe's exclude lists 'S9', which is not one of its symbols" in err and "Traceback" not in err


def test_a_market_series_listed_as_a_stock_in_another_letter_case_is_refused(tmp_path: Path, capsys) -> None:
    """'universe: [mkt, S0, S1]' with the market series MKT ran the market index as a
    stock of the universe ('mkt' finds MKT.csv), where '[MKT, S0, S1]' is refused."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("universe: {data_file: panel.csv, label: stocks}", "universe: [mkt, S0, S1]"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path), "--placebos", "0"]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:3:12: error: mkt is both a market series and a universe symbol" in err and "Traceback" not in err


def test_a_market_series_among_a_data_files_symbols_is_answered_with_exclude(tmp_path: Path, capsys) -> None:
    """A long file that holds the market series' rows beside the stocks' (an S&P 500
    panel with SPX in it) was refused with 'hint: list them in one place only': there is
    no list to take it out of. 'exclude' leaves it out, and the hint now says so."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    market = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True).select("date", pl.lit("MKT").alias("symbol"), "close")
    pl.concat([pl.read_csv(tmp_path / "panel.csv", try_parse_dates=True), market]).write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(STUDY.replace("placebos: 300", "placebos: 0"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:2:15: error: MKT is both a market series and a universe symbol" in err
    assert "hint: leave it out of the universe: exclude: [MKT]" in err and "one place" not in err
    (tmp_path / "study.yaml").write_text(STUDY.replace("label: stocks}", "exclude: [MKT]}").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert "MKT" not in set(result.events["symbol"]) and result.events.height > 0


@pytest.mark.parametrize(
    ("universe", "where", "message", "hint"),
    [
        ("{data_file: panl.csv}", "3:23", "the universe's data file '{dir}/panl.csv' does not exist (did you mean 'panel.csv'?)", "name a long file"),
        ("{file: symbol.txt}", "3:18", "cannot read the universe file '{dir}/symbol.txt': No such file or directory", "name a text file of symbols"),
        ("{symbols: [S0, S1], exclude: [s0, S1]}", "3:11", "the universe is empty: 'exclude' leaves out every one of its symbols", "leave out fewer"),
        ("[]", "3:11", "the universe is empty", "list at least one symbol"),
        ("{data_file: empty.csv}", "3:23", "the universe is empty: its data file 'empty.csv' has no rows", "a universe's data file is long"),
        ("{file: none.txt}", "3:18", "the universe is empty: the universe file 'none.txt' lists no symbol", "one symbol per line"),
    ],
)
def test_a_universe_whose_file_is_missing_or_that_is_empty_is_named_where_it_is_written(
    tmp_path: Path, capsys, universe: str, where: str, message: str, hint: str
) -> None:
    """A misspelt 'data_file: panl.csv' said only "error: the universe's data file
    '.../panl.csv' does not exist": no line, no caret, no hint, no 'panel.csv' beside it;
    a missing universe file and an empty universe said as little. Each is now placed in
    the study file, with the way out. A data file with a header and no rows (or a universe
    file of comments) was 'the universe is empty' with the hint 'list at least one symbol',
    where nothing was listed: it names the file now."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    (tmp_path / "empty.csv").write_text("date,symbol,close\n")
    (tmp_path / "none.txt").write_text("# to fill in\n\n")
    (tmp_path / "study.yaml").write_text(STUDY.replace("{data_file: panel.csv, label: stocks}", universe))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path), "--placebos", "0"]) == 2
    err = capsys.readouterr().err
    assert f"study.yaml:{where}: error: {message.format(dir=tmp_path)}" in err, err
    assert "^" in err and f"hint: {hint}" in err and "Traceback" not in err


def test_the_universe_dates_the_market_series_lacks_are_said_to_be_left_out(tmp_path: Path) -> None:
    """The study calendar of a universe is its dates on which the market series have a
    close: a stock's day on a date the market lacks (a holiday of its own, or before the
    market's data start) is neither an event nor a baseline day. That was silent: a
    market series starting 40 days after the stocks cut 40 of their dates from the study
    with nothing but the 'Data:' range to show it; it is now a warning."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    market_days = [d for i, d in enumerate(days) if i >= 40 and i != 70]  # starts later, and one hole
    pl.DataFrame({"date": market_days, "close": np.linspace(100, 110, len(market_days))}).write_csv(tmp_path / "MKT.csv")
    rng = np.random.default_rng(3)
    rows = [(d, s, float(c)) for s in ("S0", "S1") for d, c in zip(days, 50 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))))]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "return(1) > 0").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    on_market = set(market_days)
    assert set(result.events["date"]) <= on_market
    assert result.summary.filter(measure="fwd", horizon="2d")["baseline_n"].item() == 2 * (len(market_days) - 2)  # the last two have no 2d return
    warning = next(n for n in result.notes if "has no close on" in n)
    assert warning.startswith("warning: the market series MKT has no close on 41 of the universe's 120 dates (2020-01-01 .. 2020-03-11)")
    assert "no stock's day then is an event or a baseline day" in warning


def test_the_dates_before_a_later_market_series_begins_are_not_blamed_on_the_first(tmp_path: Path) -> None:
    """With 'align: ffill' the market calendar is the first series' dates from the day every
    series has begun. MKT trading every day and M2 starting 40 days later warned 'the market
    calendar (MKT's, align: ffill) has no close on 40 of the universe's 120 dates', as if
    MKT lacked them: it names the start now."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    pl.DataFrame({"date": days, "close": np.linspace(100, 110, 120)}).write_csv(tmp_path / "MKT.csv")
    pl.DataFrame({"date": days[40:], "close": np.linspace(10, 11, 80)}).write_csv(tmp_path / "M2.csv")
    rng = np.random.default_rng(3)
    rows = [(d, s, float(c)) for s in ("S0", "S1") for d, c in zip(days, 50 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))))]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    study = STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "return(1) > 0").replace("placebos: 300", "placebos: 0")
    (tmp_path / "study.yaml").write_text(study.replace("series: {MKT: MKT}", "series: {MKT: MKT, M2: M2}\ndata: {align: ffill}"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert set(result.events["date"]) <= set(days[40:])
    warning = next(n for n in result.notes if "has no close on" in n)
    assert warning.startswith(
        "warning: the market calendar (MKT's dates once every market series has begun, align: ffill) has no close on 40 of the universe's 120 dates (2020-01-01 .. 2020-02-09)"
    ), warning


@pytest.mark.parametrize(("placebos", "max_draws", "warned"), [(10, None, True), (19, None, False), (10, 1, False)])
def test_a_dates_null_of_too_few_placebos_for_alpha_says_its_p_values_are_no_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, placebos: int, max_draws: int | None, warned: bool
) -> None:
    """p = (1 + as extreme) / (B + 1): with 10 placebo sets no p-value falls below 1/11 =
    0.091, above alpha 0.05, and the run read 'none below 0.05 even unadjusted; smallest
    adjusted p 0.091' without a word, where a timeline's warns and its verdict claims
    nothing. The null from its exact moments (past MAX_DRAWS draws) has no such floor."""
    import eventstudy.inference.panel as panel_module
    from eventstudy.report.verdict import verdict_line

    if max_draws is not None:
        monkeypatch.setattr(panel_module, "MAX_DRAWS", max_draws)
    make_panel(tmp_path, seed=3)
    text = STUDY.replace("placebos: 300, seed: 1", f"placebos: {placebos}, seed: 1, null: dates")
    result = eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path)
    floor = [note for note in result.notes if "placebo sets leave no p-value below" in note]
    assert bool(floor) == warned
    if warned:
        assert floor[0].startswith("warning: the 'dates' null's 10 placebo sets leave no p-value below 1/11 = 0.091, above alpha 0.05")
        assert "ask for 19 or more" in floor[0]
        assert "nothing is tested: the 'dates' null drew too few placebo sets" in verdict_line(result)


def test_too_few_resampled_universes_for_alpha_say_their_p_values_are_no_test(tmp_path: Path) -> None:
    """19 resampled universes leave no p-value below 1/20 = 0.05, above alpha 0.01, as 19
    histories of a timeline do."""
    from eventstudy.report.verdict import verdict_line

    make_panel(tmp_path)
    text = STUDY.replace("placebos: 300, seed: 1", "histories: 19, null: histories, alpha: 0.01, seed: 1")
    result = eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path)
    floor = [note for note in result.notes if "leave no p-value below" in note]
    assert floor and floor[0].startswith("warning: 19 resampled universes leave no p-value below 1/20 = 0.050, above alpha 0.01")
    assert "nothing is tested: the histories null drew too few resampled histories for this alpha" in verdict_line(result)
    assert result.tests["survives"].null_count() == result.tests.height


def test_an_approximate_interval_of_few_event_days_is_not_called_a_bootstrap(tmp_path: Path) -> None:
    """With its events on fewer than 20 days, a universe's forward-return interval (from
    the daily returns inside the windows) is marked '~', and the legend beneath the
    summary said "'~': a bootstrap over event dates (other measures), approximate": the
    reader took a window interval for a bootstrap of a measure it is not."""
    from eventstudy.report import render_markdown

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("decluster:", "window: {start: 2020-05-20}\ndecluster:").replace("placebos: 300", "placebos: 50"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    fwd = result.tests.filter(measure="fwd", horizon="2d", statistic="mean")
    assert 0 < result.events["date"].n_unique() < 20 and fwd["ci_approximate"].item() is True
    assert "~[" in render_markdown(result)
    assert "'~': approximate (events on fewer than 20 days, or a bootstrap over event dates for other measures)" in render_markdown(result)


def test_the_instance_table_shows_the_market_close_a_universe_condition_reads(tmp_path: Path) -> None:
    """'return(3) < -2% and MKT close > MKT sma(5)' listed each event's MKT sma(5) but
    not the MKT close it was compared with (a stock's own close is always listed, and a
    study of named series lists every series' close): the reader could not check why a
    day was an event. The market close the condition reads is now a column."""
    series = make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "return(3) < -1% and MKT close > MKT sma(5)").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert result.events.columns[:6] == ["date", "symbol", "close", "return(3)", "MKT.close", "MKT.sma(5)"]
    market = dict(series["MKT"])
    assert result.events.height > 0
    for day, close, sma in result.events.select("date", "MKT.close", "MKT.sma(5)").iter_rows():
        assert close == pytest.approx(market[day]) and close > sma


def test_a_file_of_symbol_date_events_in_the_data_directory_does_not_stop_a_listed_universe(tmp_path: Path, capsys) -> None:
    """A universe listed by symbol, its stocks in panel.csv, stopped when an earnings file
    of symbol,date pairs lay in the same directory: "earnings.csv:1: error: no close
    column in 'earnings.csv'", as if it were a price file. It holds no prices: it is read
    only for a symbol no price file has, and then still says what it lacks."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    pl.DataFrame({"symbol": ["S0", "S1", "QQQ"], "date": ["2020-02-03", "2020-03-02", "2020-03-02"]}).write_csv(tmp_path / "earnings.csv")
    listed = STUDY.replace("{data_file: panel.csv, label: stocks}", "[S0, S1, S2]").replace("placebos: 300", "placebos: 0")
    (tmp_path / "study.yaml").write_text(listed)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    (tmp_path / "panel_study.yaml").write_text(STUDY.replace("label: stocks}", "label: stocks, exclude: [S3, S4, S5]}").replace("placebos: 300", "placebos: 0"))
    from_panel = eventstudy.run(tmp_path / "panel_study.yaml", data_dir=tmp_path)
    assert result.events.height > 0 and result.events.equals(from_panel.events)
    (tmp_path / "study.yaml").write_text(listed.replace("[S0, S1, S2]", "[S0, QQQ]"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path)]) == 2
    assert "earnings.csv:1: error: no close column in 'earnings.csv'" in capsys.readouterr().err  # the only file that names it


def test_a_universe_file_saved_with_a_bom_or_not_as_utf8_is_read_or_named(tmp_path: Path, capsys) -> None:
    """A list of symbols saved by Notepad or Excel as 'UTF-8 with BOM' was refused with
    "line 1 of the universe file 'symbols.txt' is not a symbol" (its first symbol looked
    right), and one saved as 'Unicode' (UTF-16) ended in a traceback, UnicodeDecodeError.
    The BOM is now no part of line 1; a file that is not UTF-8 is named where the study
    names it, with the way out."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    study = STUDY.replace("{data_file: panel.csv, label: stocks}", "{file: symbols.txt}").replace("placebos: 300", "placebos: 0")
    (tmp_path / "study.yaml").write_text(study)
    (tmp_path / "symbols.txt").write_bytes(b"S0\r\nS1\r\n")
    plain = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    (tmp_path / "symbols.txt").write_bytes(b"\xef\xbb\xbfS0\r\nS1\r\n")
    assert eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path).events.equals(plain.events) and plain.events.height > 0
    (tmp_path / "symbols.txt").write_bytes("S0\r\nS1\r\n".encode("utf-16"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:3:18: error: the universe file 'symbols.txt' is not UTF-8 text (byte 0xff at offset 0)" in err
    assert "hint: save it as UTF-8 text" in err and "Traceback" not in err


def test_the_breakdowns_count_the_incomplete_events_as_the_summary_does(tmp_path: Path) -> None:
    """The by-year table read '2018 | 0 | | |' for the 52-week-high study's two events of
    2018, both pending, beside a summary of '236 (+2 pending)' and an instance table that
    lists them: the year looked empty. The breakdowns now count them (``n_incomplete``,
    as the summary does) and show them ('0 (+2 incomplete)'); their n and n_incomplete
    add up to the summary's, by year and by symbol."""
    from eventstudy.report import render_markdown

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "return(1) > 0").replace("placebos: 300", "placebos: 0"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    summary = result.summary.select("measure", "horizon", "n", "n_incomplete").sort("measure", "horizon")
    assert summary["n_incomplete"].min() > 0
    for name in ("by_year", "by_symbol"):
        sums = result.breakdowns[name].group_by("measure", "horizon").agg(pl.col("n").sum().cast(pl.Int64), pl.col("n_incomplete").sum())
        assert sums.sort("measure", "horizon").equals(summary), name
    late = result.breakdowns["by_symbol"].filter(measure="fwd", horizon="5d").sort("n_incomplete", descending=True).row(0, named=True)
    assert f"| {late['symbol']} | {late['n']} (+{late['n_incomplete']} incomplete) |" in render_markdown(result)


def test_the_market_models_title_is_shown_once(tmp_path: Path) -> None:
    """The market model's title holds '; ' ('... (market model, CAR; alpha and beta from
    ...)'), and a universe's blocks add its catalog entry once per cell: the catalog took
    each as another title, so the summary's heading read the title twice per horizon
    ('Summary, car: abnormal return vs MKT (...); abnormal return vs MKT (...); ...')."""
    from eventstudy.report import render_markdown

    make_panel(tmp_path)
    model = "excess_returns: {benchmark: MKT, horizons: [2d, 5d], model: market, estimation: 30, gap: 2}"
    (tmp_path / "study.yaml").write_text(STUDY.replace("excess_returns: {benchmark: MKT, horizons: [5d]}", model))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, placebos=0)
    title = result.measure_titles["car"]
    assert title.startswith("abnormal return vs MKT (market model") and title.count("abnormal return") == 1
    assert f"**car: {title}**" in render_markdown(result)


def test_a_universe_file_refused_for_its_path_or_its_lines_is_shown_where_the_study_names_it(shared_data: Path, tmp_path: Path, capsys) -> None:
    """'data_file: ../panel.csv' and a symbols file with a line that is no symbol were
    refused with a bare 'error: ...', the only mistakes in a universe: block not shown
    where the study file writes them (a missing file, one not UTF-8, a stray exclude are)."""
    from eventstudy.cli import main

    (tmp_path / "symbols.txt").write_text("AAPL\nnot a symbol\n", encoding="utf-8")
    base = (Path(__file__).resolve().parents[1] / "configs" / "sp500_52w_high.yaml").read_text(encoding="utf-8")
    for universe, message, column, width in (
        ("{data_file: ../panel.csv}", "error: the universe's data_file '../panel.csv' leaves the data directory", 23, 12),
        ("{file: symbols.txt}", "error: line 2 of the universe file 'symbols.txt' is not a symbol", 18, 11),
    ):
        study = tmp_path / "s.yaml"
        study.write_text("\n".join(f"universe: {universe}" if ln.startswith("universe:") else ln for ln in base.splitlines()), encoding="utf-8")
        line = next(i for i, ln in enumerate(study.read_text(encoding="utf-8").splitlines(), start=1) if ln.startswith("universe:"))
        for command in ("run", "validate"):
            assert main([command, str(study), "--data-dir", str(shared_data)]) == 2
            err = capsys.readouterr().err
            assert f"s.yaml:{line}:{column}: {message}" in err, (command, err)
            assert "\n" + " " * (column + 3) + "^" * width + "\n" in err


def test_a_dates_null_of_one_stock_says_it_has_no_other_stock(tmp_path: Path) -> None:
    """A universe of one stock read 'it moves each stock's events to another of only 1
    stocks, 1 orderings in all, so no p-value can truly fall below 1.000': there is no
    other stock, and every placebo set is the events themselves."""
    rng = np.random.default_rng(11)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, days.len())))
    pl.DataFrame({"date": days, "symbol": "S0", "close": closes}).write_csv(tmp_path / "panel.csv")
    study = parse_study(
        "name: one stock\nuniverse: {data_file: panel.csv}\nwhen: return(5) > 3%\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {seed: 7, null: dates, placebos: 200}\n",
        path=tmp_path / "study.yaml",
    )
    result = eventstudy.run(study, data_dir=tmp_path)
    (found,) = [n for n in result.notes if n.startswith("warning: the 'dates' null had no room")]
    assert "a universe of one stock has no other stock to move its events to" in found and "1 stocks" not in found
    assert found.endswith("(p = 1): its p-values are no test; the histories null (null='histories') resamples the prices instead")
    assert result.tests.filter(pl.col("statistic") == "mean")["p_placebo"].to_list() == [1.0]
    assert not [n for n in result.notes if "stocks trading are events" in n]  # one stock is every stock trading: said once


@pytest.mark.parametrize(("trading", "warned"), [(1, "no room"), (2, "little room"), (4, None)])
def test_a_dates_null_counts_the_stocks_trading_on_the_events_days(tmp_path: Path, trading: int, warned: str | None) -> None:
    """The 'dates' null moves each stock's events to a stock trading on their days: a
    universe of five whose others' data end before the window ('universe: [AAPL, MSFT,
    NVDA, AWK]' from 2017, AAPL's and NVDA's data ending earlier) moved them among two
    stocks, and the run said nothing of it (smallest p 0.547, 'none significant'), as it
    did of one stock trading, whose placebo sets are the events themselves."""
    from eventstudy.report.verdict import verdict_line

    rng = np.random.default_rng(11)
    days = pl.date_range(dt.date(2015, 1, 1), dt.date(2020, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(1200)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (5, days.len())), axis=1))
    ends = [days.len() if k < trading else 400 for k in range(5)]  # the others' data end before the window
    pl.concat([pl.DataFrame({"date": days[: ends[k]], "symbol": f"S{k}", "close": closes[k, : ends[k]]}) for k in range(5)]).write_csv(tmp_path / "panel.csv")
    study = parse_study(
        "name: few trading\nuniverse: {data_file: panel.csv}\nwhen: return(5) > 3%\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {seed: 7, null: dates, placebos: 200}\n",
        path=tmp_path / "study.yaml",
    )
    result = eventstudy.run(study, data_dir=tmp_path, start=days[500])
    assert result.events.height > 20 and set(result.tests["null"]) == {"dates"}
    found = [n for n in result.notes if n.startswith("warning: the 'dates' null had")]
    if warned is None:
        assert not found and "nothing is tested" not in verdict_line(result)
        return
    (only,) = found  # one stock trading is every stock trading: not said again as '100% of the stocks trading are events'
    assert only.startswith(f"warning: the 'dates' null had {warned}")
    if trading == 2:
        assert "to another of only 2 stocks (only 2 of the universe's 5 trade on the events' days), 2 orderings in all" in only
    else:
        assert "only one of the universe's 5 stocks trades on the events' days, so there is no other stock" in only
        assert result.tests.filter(pl.col("statistic") == "mean")["p_placebo"].to_list() == [1.0]
    assert "nothing is tested: the 'dates' null had little room here" in verdict_line(result)


def test_stocks_trading_counts_the_rows_with_data_on_an_event_day_as_gathering_those_days_did() -> None:
    """stocks_trading's one boolean product over the grid counts what gathering the
    events' day columns and asking any() per row counted, on random ragged panels."""
    from types import SimpleNamespace

    from eventstudy.engine import stocks_trading

    rng = np.random.default_rng(5)
    for _ in range(300):
        present = rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 50)))) < rng.random()
        d = rng.integers(0, present.shape[1], int(rng.integers(0, 12)))
        days = np.unique(d)
        expected = int(np.count_nonzero(present[:, days].any(axis=1))) if days.size else 0
        assert stocks_trading(SimpleNamespace(present=present), pl.DataFrame({"_d": d.astype(np.int32)})) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("high", "warned"), [(59, False), (40, True)])
def test_the_symbols_null_warning_needs_a_complete_outcome(tmp_path: Path, high: int, warned: bool) -> None:
    """'warning: the 'symbols' null (p_symbols_null) is not a valid test here' printed for
    a run whose events were all pending (the data's last day), with no p_symbols_null to
    read, and for a run with no events."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": days, "close": np.linspace(100, 90, len(days))}).write_csv(tmp_path / "MKT.csv")
    rows = []
    for k in range(6):
        close = [50.0 - 0.01 * i for i in range(60)]
        close[high - k % 2] = 60.0
        rows += [(days[i], f"S{k}", close[i]) for i in range(60)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(STUDY.replace("close at 5-day high and MKT drawdown >= 1%", "close at 5-day high").replace("placebos: 300", "placebos: 100"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert result.events.height == 6 and result.tests["p_symbols_null"].is_not_null().any() == warned
    assert any(n.startswith("warning: the 'symbols' null (p_symbols_null)") for n in result.notes) == warned
    none = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, end=days[10])
    assert none.events.height == 0 and not any("warning" in n for n in none.notes)


def test_the_terminal_says_where_the_calendar_time_columns_are(tmp_path: Path, capsys) -> None:
    """'--show tests' printed "note: 'NW t' and 'NW p' (t_calendar, p_calendar) are the
    calendar-time portfolio test" of columns its table does not have (report.md and
    report.html have them)."""
    from eventstudy.cli import main

    make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY.replace("placebos: 300", "placebos: 100"))
    assert main(["run", str(tmp_path / "study.yaml"), "--data-dir", str(tmp_path), "--show", "tests"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Significance" in out and "NW t" not in out.split("note:")[0]  # the table has no such column
    assert "t_calendar and p_calendar (tests.csv; 'NW t' and 'NW p' in report.md and report.html) are the calendar-time portfolio test" in out


def test_the_little_room_warning_does_not_round_most_stocks_up_to_all() -> None:
    """On days where 249 of 250 stocks trading were events, the 'dates' null's warning read
    '100% of the stocks trading are events', which says every one was."""
    from types import SimpleNamespace

    from eventstudy.engine import every_stock_an_event

    present = np.ones((250, 3), dtype=bool)
    kept = pl.DataFrame({"_d": [1] * 249})
    [found] = every_stock_an_event(SimpleNamespace(present=present), kept)  # type: ignore[arg-type]
    assert "on the events' days 99.6% of the stocks trading are events" in found.finding
    [every] = every_stock_an_event(SimpleNamespace(present=present), pl.DataFrame({"_d": [1] * 250}))  # type: ignore[arg-type]
    assert "on the events' days 100% of the stocks trading are events" in every.finding


@pytest.mark.parametrize("feature", ["volume", "drawdown"])
def test_a_stock_feature_at_a_level_is_that_features_level_not_the_closes(tmp_path: Path, feature: str) -> None:
    """'volume at 10-day high' in a universe found the days the stock's close was at a
    10-day high (on a small panel 277 events, as many as 'close at 10-day high', where the
    volume's own highs were 152), without a word: the bare word was taken for the stock. A
    study of named series reads 'X volume at 10-day high' as the volume's level; so does
    a universe now, checked against a plain loop per stock."""
    rng = np.random.default_rng(5)
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": days, "close": 100 + np.arange(60.0)}).write_csv(tmp_path / "MKT.csv")
    rows = []
    for k in range(3):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, 60)))
        volume = rng.integers(1000, 5000, 60)
        rows += [(d, f"S{k}", float(c), int(v)) for d, c, v in zip(days, close, volume)]
    panel = pl.DataFrame(rows, schema=["date", "symbol", "close", "volume"], orient="row")
    panel.write_csv(tmp_path / "panel.csv")
    study = STUDY.replace("close at 5-day high and MKT drawdown >= 1%", f"{feature} at 5-day high").replace("placebos: 300", "placebos: 0")
    (tmp_path / "study.yaml").write_text(study.replace("  - excess_returns: {benchmark: MKT, horizons: [5d]}\n", "").replace("decluster: {gap: 3}\n", ""))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    expected = set()
    for (symbol,), own in panel.group_by("symbol"):
        value = own["close"] / own["close"].cum_max() if feature == "drawdown" else own["volume"].cast(pl.Float64)
        value = (1 - value).to_list() if feature == "drawdown" else value.to_list()
        expected |= {(symbol, own["date"][t]) for t in range(5, own.height) if value[t] >= max(value[t - 5 : t])}
    closes = {(s, own["date"][t]) for (s,), own in panel.group_by("symbol") for t in range(5, own.height) if own["close"][t] >= own["close"][t - 5 : t].max()}
    assert expected != closes
    assert {(r["symbol"], r["date"]) for r in result.raw_events.iter_rows(named=True)} == expected


def test_a_feature_of_a_stocks_own_feature_is_computed_not_refused_as_itself(tmp_path: Path) -> None:
    """'(volume) sma(5) > 2500' in a universe (as '(X volume) sma(5)' of a named series)
    stopped with "unknown series or feature 'volume' (did you mean 'volume'?)", and
    'close sma(5)' with "did you mean 'close'?": the word suggested was the word written.
    The parentheses of one name vanish as the text is read, so the bare feature stood where
    a series does. It is now the stock's own expression ('(volume + 0) sma(5)' was
    already), and 'close sma(5)' the stock's sma(5)."""
    rng = np.random.default_rng(6)
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    pl.DataFrame({"date": days, "close": 100 + np.arange(40.0)}).write_csv(tmp_path / "MKT.csv")
    rows = [(d, f"S{k}", float(c), int(v)) for k in range(3) for d, c, v in zip(days, 50 + rng.normal(0, 1, 40).cumsum(), rng.integers(1000, 5000, 40))]
    panel = pl.DataFrame(rows, schema=["date", "symbol", "close", "volume"], orient="row")
    panel.write_csv(tmp_path / "panel.csv")
    study = STUDY.replace("  - excess_returns: {benchmark: MKT, horizons: [5d]}\n", "").replace("decluster: {gap: 3}\n", "").replace("placebos: 300", "placebos: 0")

    def events(when: str) -> set:
        (tmp_path / "study.yaml").write_text(study.replace("close at 5-day high and MKT drawdown >= 1%", when))
        return {(r["symbol"], r["date"]) for r in eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path).raw_events.iter_rows(named=True)}

    expected = set()
    for (symbol,), own in panel.group_by("symbol"):
        volume = own["volume"].to_list()
        expected |= {(symbol, own["date"][t]) for t in range(4, own.height) if np.mean(volume[t - 4 : t + 1]) > 3000}
    assert expected and events("(volume) sma(5) > 3000") == expected
    assert events("close sma(5) > 50") == events("sma(5) > 50")


@pytest.mark.parametrize(("universe", "column", "named"), [("[S0, 5]", 16, "universe.1"), ("[S0, ~]", 16, "universe.1"), ("{symbols: [S0, 5]}", 26, "universe.symbols.1")])
def test_a_bad_symbol_in_a_listed_universe_is_shown_where_it_is_written(universe: str, column: int, named: str) -> None:
    """'universe: [S0, 5]' put its caret under the '[' that opens the list and named
    'universe.symbols.1', a key the study does not have: the list written in place of
    {symbols: [...]} was looked up under 'symbols'. The caret is under the 5 now."""
    with pytest.raises(ConfigError) as caught:
        parse_study(STUDY.replace("{data_file: panel.csv, label: stocks}", universe))
    location = caught.value.location
    assert location is not None and (location.line, location.column) == (3, column)
    assert f"for {named!r}: input should be a valid string" in str(caught.value)


@pytest.mark.parametrize("label", ["''", "'  '"])
def test_a_blank_universe_label_is_refused_where_it_is_written(label: str) -> None:
    """'label: ""' ran, and every table showed the stocks under a blank name, their excess
    return over MKT as '-MKT'. A blank label is refused at its place."""
    with pytest.raises(ConfigError, match="the label names the universe's stocks in every table, and it is blank") as caught:
        parse_study(STUDY.replace("label: stocks}", f"label: {label}}}"))
    location = caught.value.location
    assert location is not None and (location.line, location.column) == (3, 41)
    assert caught.value.hint == "give it a name, e.g. stocks (the default)"


def test_a_universe_mde_is_the_formula_of_each_statistic(tmp_path: Path) -> None:
    """A universe's MDE of the median was the mean's (sd / sqrt(n_eff) times the two z's),
    where a study of named series (and power.py's definition) scales the median's by
    sqrt(pi / 2), its asymptotic efficiency: the median needs 25% more effect to be seen."""
    from scipy import stats

    series = make_panel(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY)
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    market = dict(series["MKT"])
    all_5d = np.array([rows[i + 5][1] / rows[i][1] - 1 for s, rows in series.items() if s != "MKT"
                       for i in range(len(rows) - 5) if rows[i][0] in market])
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    cell = result.tests.filter((pl.col("measure") == "fwd") & (pl.col("horizon") == "5d"))
    mde = {r["statistic"]: r["mde"] for r in cell.iter_rows(named=True)}
    root_n = math.sqrt(cell["n_eff"][0])
    p0 = (all_5d > 0).mean()
    assert mde["mean"] == pytest.approx(z * all_5d.std(ddof=1) / root_n, rel=1e-3)
    assert mde["median"] == pytest.approx(z * all_5d.std(ddof=1) * math.sqrt(math.pi / 2) / root_n, rel=1e-3)
    assert mde["pct_positive"] == pytest.approx(z * math.sqrt(p0 * (1 - p0)) / root_n, rel=1e-3)


def test_a_stock_measured_against_a_market_series_whose_data_end_never_completes(tmp_path: Path) -> None:
    """Under 'align: ffill' with a second market series M2 whose data stop 10 days before
    the calendar's last day, a stock's excess return over M2 and its hit rate against M2
    at a horizon past M2's last close were 'pending (3d)', as if M2's closes were to come:
    a universe's ended symbols were its stocks only. They never complete; the stock's own
    forward return (computed) and a stock's return pending at the calendar's end are as
    before."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    pl.DataFrame({"date": days, "close": np.linspace(100, 90, len(days))}).write_csv(tmp_path / "MKT.csv")
    pl.DataFrame({"date": days[:50], "close": np.linspace(100, 95, 50)}).write_csv(tmp_path / "M2.csv")
    rows = []
    for symbol, high in (("EARLY", 47), ("LATE", 57)):
        close = [50.0 - 0.01 * i for i in range(60)]  # falling: no 5-day high but the one planted
        close[high] = 60.0
        rows += [(days[i], symbol, close[i]) for i in range(60)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(tmp_path / "panel.csv")
    (tmp_path / "study.yaml").write_text(
        "name: benchmark ended\nseries: {MKT: MKT, M2: M2}\ndata: {align: ffill}\nuniverse: {data_file: panel.csv, label: stocks}\n"
        "when: close at 5-day high\nevaluate:\n  - forward_returns: {horizons: [5d]}\n  - excess_returns: {benchmark: M2, horizons: [5d]}\n"
        "  - hit_rate: {benchmark: M2, horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert result.events.select("symbol", "date").rows() == [("EARLY", days[47]), ("LATE", days[57])]
    pending = result.pending.sort("column", "symbol").select("symbol", "column", "days_remaining", "ended").rows()
    assert pending == [("EARLY", "stocks-M2.excess.5d", 3, True), ("LATE", "stocks.fwd.5d", 3, False), ("EARLY", "stocks>M2.hit.5d", 3, True)]
    assert result.events.filter(symbol="EARLY")["stocks.fwd.5d"].is_not_null().all()
    flat = " ".join(" ".join(result.notes).split())
    assert "stocks-M2 excess 5d: 1 event(s) never complete: the data of M2 end within the horizon" in flat
    assert "stocks>M2 hit 5d: 1 event(s) never complete: the data of M2 end within the horizon" in flat
    assert "stocks-M2 excess 5d: 1 event(s) pending" not in flat


def test_merged_hits_are_in_flat_order_with_their_values() -> None:
    """Blocks come from threads in any order: their hits are merged in flat-index order,
    each value beside its hit, whether the blocks are put in order whole (each ascending,
    none overlapping) or, where they are not, sorted hit by hit."""
    from eventstudy.universe import _merge_hits

    def part(flats: list[int]) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
        flat = np.array(flats, dtype=np.int64)
        return flat, flat % 7, pl.DataFrame({"v": flat * 10.0})

    for parts in ([part([20, 21, 25]), part([]), part([3, 9]), part([12])], [part([9, 3]), part([12, 20])], [part([3, 14]), part([9, 20])]):
        merged = _merge_hits(parts)
        expected = np.sort(np.concatenate([p[0] for p in parts]))
        np.testing.assert_array_equal(merged.flat, expected)
        np.testing.assert_array_equal(merged.position, expected % 7)
        np.testing.assert_array_equal(merged.values["v"].to_numpy(), expected * 10.0)
    assert _merge_hits([part([])]).flat.size == 0 and _merge_hits([]).flat.size == 0

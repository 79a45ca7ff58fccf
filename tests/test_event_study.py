"""The event-study stage: a study's kept events through abnormal_returns and the tests,
checked against direct calls built by hand from the data files (calendar, market and
event-index wiring)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.stats import t as student_t
from synthetic import business_days

import eventstudy
from eventstudy.config import EventStudySpec
from eventstudy.event_study import NOT_TRADED, event_study, simple_returns, window_label
from eventstudy.inference.abnormal import abnormal_returns
from eventstudy.inference.event_tests import event_tests, event_tests_frame
from eventstudy.report.event_study import event_study_heading, event_study_verdict

N_DAYS = 700
SYMBOLS = ("AAA", "BBB", "CCC")


def write_universe(root: Path) -> dict[str, object]:
    """A long panel of three stocks and SPX on weekdays, with the gaps that test alignment:
    SPX lacks days 100-101 (off the calendar), BBB lacks day 300, CCC starts on day 50."""
    days = business_days(N_DAYS, dt.date(2015, 1, 1))
    rng = np.random.default_rng(3)
    market = rng.normal(0.0003, 0.01, N_DAYS)
    spx = 1000 * np.cumprod(1 + market)
    keep_spx = np.ones(N_DAYS, dtype=bool)
    keep_spx[[100, 101]] = False
    pl.DataFrame({"date": days, "close": spx}).filter(pl.Series(keep_spx)).write_csv(root / "SPX.csv")
    rows = []
    for k, symbol in enumerate(SYMBOLS):
        r = 0.0002 + (0.8 + 0.3 * k) * market + rng.normal(0, 0.015, N_DAYS)
        close = 50 * np.cumprod(1 + r)
        keep = np.ones(N_DAYS, dtype=bool)
        if symbol == "BBB":
            keep[300] = False
        if symbol == "CCC":
            keep[:50] = False
        rows.append(pl.DataFrame({"date": days, "symbol": symbol, "close": close, "volume": 1000.0}).filter(pl.Series(keep)))
    pl.concat(rows).write_csv(root / "panel.csv")
    events = [("AAA", days[400]), ("AAA", days[600]), ("BBB", days[301]), ("BBB", days[450]), ("CCC", days[200]), ("CCC", days[690])]
    pl.DataFrame(events, schema=["symbol", "date"], orient="row").write_csv(root / "spikes.csv")
    return {"days": days, "events": events}


STUDY = """\
name: synthetic event study
series: {{SPX: SPX}}
universe: {{data_file: panel.csv}}
events: {{spikes: spikes.csv}}
when: on spikes
evaluate:
  - forward_returns: {{horizons: [1w]}}
statistics: {{placebos: 0}}
event_study:
  window: [-5, 10]
  estimation: [-200, -20]
  min_estimation_days: 150
  model: {model}
{extra}  cars: [[0, 0], [-1, 1], [0, 10]]
"""


def reference(root: Path, model: str, window=(-5, 10), estimation=(-200, -20), min_days=150):
    """The same study by hand: calendar = stock dates that SPX has, returns by pivot."""
    panel = pl.read_csv(root / "panel.csv", try_parse_dates=True)
    spx = pl.read_csv(root / "SPX.csv", try_parse_dates=True)
    calendar = panel["date"].unique().sort()
    calendar = calendar.filter(calendar.is_in(spx["date"].implode()))
    wide = pl.DataFrame({"date": calendar}).join(panel.pivot("symbol", index="date", values="close"), on="date", how="left").sort("date")
    closes = wide.select(SYMBOLS).to_numpy()
    returns = np.full(closes.shape, np.nan)
    returns[1:] = closes[1:] / closes[:-1] - 1
    m = pl.DataFrame({"date": calendar}).join(spx, on="date", how="left")["close"].to_numpy()
    market = np.r_[np.nan, m[1:] / m[:-1] - 1]
    events = pl.read_csv(root / "spikes.csv", try_parse_dates=True).sort("date", "symbol")
    firms = [SYMBOLS.index(s) for s in events["symbol"]]
    days = [calendar.to_list().index(d) for d in events["date"]]
    ar = abnormal_returns(returns, firms, days, window=window, estimation=estimation, min_days=min_days, model=model, market=market)
    return ar, events


@pytest.mark.parametrize("model", ["market", "market_adjusted", "mean"])
def test_a_universe_study_matches_direct_calls(tmp_path: Path, model: str) -> None:
    write_universe(tmp_path)
    extra = "  market: SPX\n" if model != "mean" else ""
    (tmp_path / "s.yaml").write_text(STUDY.format(model=model, extra=extra), encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    found = result.event_study
    assert found is not None
    ar, events = reference(tmp_path, model)
    # CCC's day-200 event has too few estimation days (its data starts on day 50): excluded, with the reason
    assert found.excluded.select("symbol", "reason").rows() == [("CCC", "too few estimation days")]
    assert len(ar.excluded) == 1 and found.cars.height == len(ar)
    included = events[ar.event.tolist()]
    cars = found.cars.sort("date", "symbol")
    assert cars.select("symbol", "date").equals(included.select("symbol", "date"))
    for a, b in [(0, 0), (-1, 1), (0, 10)]:
        np.testing.assert_allclose(cars[f"CAR{window_label(a, b)}"].fill_null(np.nan).to_numpy(), ar.car(a, b), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(cars["BHAR[-5,+10]"].fill_null(np.nan).to_numpy(), ar.bhar(-5, 10), rtol=1e-12, equal_nan=True)
    # BBB's event the day after its gap has no day-0 return: its CAR[0,0] is null, not a two-day return
    assert cars.filter(pl.col("symbol") == "BBB")["CAR[0,0]"].null_count() == 1
    # the CAAR through each day is the mean CAR of the events with every return so far (BBB's gap leaves one out from day 0)
    caar = [np.nanmean(ar.car(-5, t)) for t in range(-5, 11)]
    np.testing.assert_allclose(found.caar["caar"].fill_null(np.nan).to_numpy(), caar, rtol=1e-12, equal_nan=True)
    # the instance table carries each event's CARs; the excluded event's are null (shown n/a)
    table = result.events.join(cars, on=["date", "symbol"], how="left", suffix="_es")
    for column in [c for c in cars.columns if c not in ("symbol", "date")]:
        assert result.column_units[column] == "car"
        assert table[column].equals(table[f"{column}_es"].alias(column))
    assert result.events.filter(pl.col("symbol") == "CCC")["CAR[0,0]"].null_count() >= 1
    expected = event_tests_frame(event_tests(ar, [(0, 0), (-1, 1), (0, 10)]))
    got = found.tests.select("test", "start", "end", "statistic", "pvalue", "n")
    assert got.select("test", "start", "end", "n").equals(expected.select("test", "start", "end", "n"))
    np.testing.assert_allclose(got["statistic"].fill_null(np.nan).to_numpy(), expected["statistic"].fill_null(np.nan).to_numpy(), rtol=1e-12, equal_nan=True)


def test_kolari_pynnonen_on_short_estimation_windows_says_it_is_bmps_test() -> None:
    """With estimation windows under 20 days no pair of events shares the 20 days a
    residual correlation needs: rbar is 0 and the test is BMP's, which no note said."""
    rng = np.random.default_rng(3)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.02, (300, 6))
    days = np.array([200, 205, 210, 215, 220, 225])
    for estimation, noted in (((-15, -2), True), ((-120, -2), False)):
        spec = EventStudySpec(market="M", window=(0, 2), estimation=estimation, tests=["bmp", "kolari_pynnonen"])
        out = event_study(returns, pl.Series("date", business_days(300)), [f"S{i}" for i in range(6)], np.arange(6), days, spec, market=market)
        assert any("Kolari-Pynnonen's test is BMP's here" in note for note in out.notes) == noted, out.notes
        if noted:
            kp, bmp = (out.tests.filter(pl.col("test") == name)["statistic"].to_list() for name in ("kolari_pynnonen", "bmp"))
            assert kp == pytest.approx(bmp)


def test_with_three_events_the_band_leaves_out_zero_only_where_the_t_test_rejects() -> None:
    """The band took the normal quantile (1.96 at 95%) where the cross-sectional t-test
    beside it takes Student's t with n - 1 degrees of freedom (4.30 for 3 events): a band
    that left out zero sat beside a t-test of the same CARs with p above 0.05."""
    rng = np.random.default_rng(11)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.002, (400, 3))
    days = np.array([300, 320, 340])
    returns[days, np.arange(3)] += np.array([0.05, 0.04, 0.06])  # day 0: a jump each, t far above 4.30
    returns[days + 1, np.arange(3)] -= np.array([0.03, 0.01, 0.05])  # day 1 takes back unequal parts: t between 1.96 and 4.30
    spec = EventStudySpec(market="M", window=(0, 2), estimation=(-200, -10), cars=[(0, 0), (0, 1), (0, 2)], tests=["t"])
    out = event_study(returns, pl.Series("date", business_days(400)), ["A", "B", "C"], np.arange(3), days, spec, market=market, level=0.95)
    tests = out.tests.filter(pl.col("test") == "t").sort("end")
    for row, test in zip(out.caar.sort("offset").iter_rows(named=True), tests.iter_rows(named=True), strict=True):
        assert (row["band_low"] > 0 or row["band_high"] < 0) == (test["pvalue"] < 0.05), (row, test)
    assert tests["pvalue"].min() < 0.05 < tests["pvalue"].max()  # both kinds of offset are met


def test_the_band_is_the_cross_sectional_interval_of_the_cumulative_cars() -> None:
    """The CAAR, its band and n are of the same events: those with every return so far, whose
    mean CAR the tests of the window average. The CAAR was the sum of each day's AAR over
    the events present that day, off the band's centre where one event lost its CAR: a
    verdict read 'CAAR[-5,+5] -1.70% (95% band -2.88% to -0.51%)' beside a t-test of
    CAR[-5,+5] with p = 0.124 (the five events' mean -1.17%, band -2.36% to +0.01%)."""
    rng = np.random.default_rng(5)
    market = rng.normal(0, 0.01, 500)
    returns = market[:, None] + rng.normal(0, 0.02, (500, 40))
    returns[480, 3] = np.nan  # one event loses its CAR from there on
    days = rng.integers(250, 490, 40)
    days[3] = 479
    dates = pl.Series("date", business_days(500))
    spec = EventStudySpec(market="M", window=(-3, 3), estimation=(-200, -10))
    out = event_study(returns, dates, [f"S{i}" for i in range(40)], np.arange(40), days, spec, market=market, level=0.9)
    ar = abnormal_returns(returns, np.arange(40), days, window=(-3, 3), estimation=(-200, -10), market=market)
    for offset in (-3, 0, 1, 3):
        car = ar.car(-3, offset)
        car = car[~np.isnan(car)]
        half = student_t.ppf(0.95, car.size - 1) * car.std(ddof=1) / np.sqrt(car.size)  # the t-test's quantile
        row = out.caar.filter(pl.col("offset") == offset).row(0, named=True)
        assert row["n"] == car.size == (40 if offset < 1 else 39)
        assert row["caar"] == pytest.approx(car.mean(), rel=1e-12)
        assert row["band_high"] - row["caar"] == pytest.approx(half, rel=1e-9)
        assert row["caar"] - row["band_low"] == pytest.approx(half, rel=1e-9)


def test_an_event_on_a_day_its_stock_has_no_price_is_excluded_with_the_reason() -> None:
    rng = np.random.default_rng(0)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.02, (400, 2))
    traded = np.ones((400, 2), dtype=bool)
    traded[350, 1] = False
    dates = pl.Series("date", business_days(400))
    spec = EventStudySpec(market="M", window=(-2, 2), estimation=(-200, -10))
    out = event_study(returns, dates, ["A", "B"], [0, 1], [350, 350], spec, market=market, traded=traded)
    assert out.excluded.rows() == [("B", dates[350], NOT_TRADED, 0)]
    assert out.cars["symbol"].to_list() == ["A"]
    assert any("fall on a day their stock has no price" in n for n in out.notes)


def test_an_earlier_event_inside_the_estimation_window_is_flagged() -> None:
    rng = np.random.default_rng(1)
    market = rng.normal(0, 0.01, 600)
    returns = market[:, None] + rng.normal(0, 0.02, (600, 2))
    dates = pl.Series("date", business_days(600))
    spec = EventStudySpec(market="M", window=(-2, 2), estimation=(-200, -10))
    out = event_study(returns, dates, ["A", "B"], [0, 0, 1], [300, 400, 400], spec, market=market)
    assert any(n.startswith("1 event(s) have an earlier event of the same stock") and "normal-return fit" in n for n in out.notes)
    adjusted = event_study(returns, dates, ["A", "B"], [0, 0, 1], [300, 400, 400], EventStudySpec(
        model="market_adjusted", market="M", window=(-2, 2), estimation=(-200, -10)), market=market)
    flagged = [n for n in adjusted.notes if "earlier event of the same stock" in n]
    assert flagged and "variance" in flagged[0] and "fit" not in flagged[0]  # the market-adjusted model fits nothing
    apart = event_study(returns, dates, ["A", "B"], [0, 0], [300, 550], spec, market=market)
    assert not any("earlier event" in n for n in apart.notes)


def test_simple_returns_leave_gaps_missing() -> None:
    closes = np.array([[10.0], [11.0], [np.nan], [12.0], [0.0], [1.0]])
    np.testing.assert_allclose(simple_returns(closes)[:, 0], [np.nan, 0.1, np.nan, np.nan, np.nan, np.nan], equal_nan=True)


SERIES = """\
name: named series
series: {{SPX: SPX, RUT: RUT, NDX: NDX}}
when: SPX at 20-day low
decluster: {{gap: 21}}
evaluate:
  - forward_returns: {{assets: [SPX], horizons: [1m]}}
statistics: {{placebos: 0}}
event_study: {{window: [-3, 5], estimation: [-150, -10], market: SPX{extra}}}
"""


def test_a_study_of_named_series_studies_each_asset_on_each_event_date(tmp_path: Path) -> None:
    from synthetic import write_random_walks

    write_random_walks(tmp_path, ("SPX", "RUT", "NDX"), seed=4)
    (tmp_path / "s.yaml").write_text(SERIES.format(extra=", assets: [RUT]"), encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, start="2000-01-01", end="2003-12-31")
    found = result.event_study
    assert found is not None and set(found.cars["symbol"].to_list()) == {"RUT"}
    frames = {s: pl.read_csv(tmp_path / f"{s}.csv", try_parse_dates=True) for s in ("SPX", "RUT")}
    calendar = result.timeline["date"]

    def rets(s: str) -> np.ndarray:
        c = pl.DataFrame({"date": calendar}).join(frames[s], on="date", how="left")["close"].to_numpy()
        return np.r_[np.nan, c[1:] / c[:-1] - 1]
    days = np.searchsorted(calendar.to_numpy(), result.events["date"].to_numpy())
    ar = abnormal_returns(rets("RUT")[:, None], np.zeros(days.size, np.int64), days, window=(-3, 5), estimation=(-150, -10), market=rets("SPX"))
    assert found.cars.height == len(ar) == result.events.height
    np.testing.assert_allclose(found.cars["CAR[-1,+1]"].to_numpy(), ar.car(-1, 1), rtol=1e-12)
    (tmp_path / "s.yaml").write_text(SERIES.format(extra=""), encoding="utf-8")
    every = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, start="2000-01-01", end="2003-12-31").event_study
    assert every is not None and every.cars.height == 2 * result.events.height
    assert set(every.cars["symbol"].to_list()) == {"RUT", "NDX"}
    # named series: one CAR column per asset in the instance table, by event date
    wide = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, start="2000-01-01", end="2003-12-31").events
    for asset in ("RUT", "NDX"):
        mine = every.cars.filter(pl.col("symbol") == asset).select("date", pl.col("CAR[-1,+1]").alias("expected"))
        joined = wide.join(mine, on="date", how="left")
        assert joined[f"{asset}.CAR[-1,+1]"].equals(joined["expected"].alias(f"{asset}.CAR[-1,+1]"))


def test_two_names_of_one_symbol_are_studied_once(tmp_path: Path) -> None:
    """Regression: with 'series: {SPX: SPX, RUT: RUT, R2: RUT}' the default assets were RUT
    and R2, one data symbol twice: each RUT event was studied twice (on the real data, 10
    events of 5 dates, the cross-sectional t +2.06 for +1.37 and BMP p 0.029 for 0.160),
    and a second name of the market ('S: SPX') was studied against itself (excluded, 'no
    residual variance'). The default assets are now every data symbol but the market's
    and the factors', each once, under its first name."""
    from synthetic import write_random_walks

    write_random_walks(tmp_path, ("SPX", "RUT"), seed=4)
    (tmp_path / "s.yaml").write_text(
        SERIES.format(extra="").replace("{SPX: SPX, RUT: RUT, NDX: NDX}", "{SPX: SPX, S: SPX, RUT: RUT, R2: RUT}"), encoding="utf-8"
    )
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, start="2000-01-01", end="2003-12-31")
    found = result.event_study
    assert found is not None and found.excluded.is_empty()
    assert found.cars["symbol"].to_list() == ["RUT"] * result.events.height


def test_a_series_that_ffill_carries_forward_has_no_return_on_the_days_it_lacks(tmp_path: Path) -> None:
    """align: ffill fills a series' missing days with its last close for the conditions;
    the event study reads each series' own closes, so a day RUT has no close gives no
    return (and the day after, none across the gap), as in a universe, and an event on
    such a day is excluded: the filled close made a 0% return there, an abnormal return of
    minus beta times the market's move (+9.1% for a real index on 2020-03-16)."""
    from synthetic import write_random_walks

    write_random_walks(tmp_path, ("SPX", "RUT"), seed=4)
    rut = pl.read_csv(tmp_path / "RUT.csv", try_parse_dates=True)
    rut.filter(pl.int_range(pl.len()) % 7 != 3).write_csv(tmp_path / "RUT.csv")  # a day a week without a close
    spx_days = pl.read_csv(tmp_path / "SPX.csv", try_parse_dates=True)["date"]
    events = spx_days.filter(spx_days.is_between(dt.date(2001, 1, 1), dt.date(2003, 12, 31)))[::25]
    pl.DataFrame({"date": events}).write_csv(tmp_path / "dates.csv")
    (tmp_path / "s.yaml").write_text(
        "name: ffill\nseries: {SPX: SPX, RUT: RUT}\ndata: {align: ffill, max_stale: 3}\nevents: {mine: dates.csv}\n"
        "when: on mine\nevent_study: {window: [-3, 5], estimation: [-150, -10], market: SPX}\n",
        encoding="utf-8",
    )
    found = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path).event_study
    assert found is not None
    calendar = spx_days.filter(spx_days >= rut["date"].min())

    def rets(s: str) -> np.ndarray:
        c = pl.DataFrame({"date": calendar}).join(pl.read_csv(tmp_path / f"{s}.csv", try_parse_dates=True), on="date", how="left")
        return simple_returns(c["close"].cast(pl.Float64).fill_null(np.nan).to_numpy()[:, None])[:, 0]

    own = set(pl.read_csv(tmp_path / "RUT.csv", try_parse_dates=True)["date"].to_list())
    traded = [d for d in events.to_list() if d in own]
    assert sorted(found.excluded.filter(pl.col("reason") == NOT_TRADED)["date"].to_list()) == [d for d in events.to_list() if d not in own]
    days = np.searchsorted(calendar.to_numpy(), np.array(traded, dtype="datetime64[D]"))
    ar = abnormal_returns(rets("RUT")[:, None], np.zeros(days.size, np.int64), days, window=(-3, 5), estimation=(-150, -10), market=rets("SPX"))
    assert found.cars["date"].to_list() == traded and len(ar) == len(traded)
    np.testing.assert_allclose(found.cars["CAR[-1,+1]"].fill_null(np.nan).to_numpy(), ar.car(-1, 1), rtol=1e-12)


def test_a_study_without_the_block_has_none(tmp_path: Path) -> None:
    write_universe(tmp_path)
    text = STUDY.format(model="market", extra="  market: SPX\n")
    (tmp_path / "s.yaml").write_text(text[: text.index("event_study:")], encoding="utf-8")
    assert eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path).event_study is None


def test_the_reports_and_files_carry_the_event_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from eventstudy.cli import main

    write_universe(tmp_path)
    (tmp_path / "s.yaml").write_text(STUDY.format(model="market", extra="  market: SPX\n"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), "-o", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Event study: market model on SPX, event window [-5, +10], estimation [-200, -20]" in printed
    assert "Event-study tests" in printed and "Kolari-Pynnönen" in printed and "CAAR by day of the event window" in printed
    assert printed.index("Event study:") < printed.index("Instances")  # after the summary, before the instances
    manifest = json.loads((out / "manifest.json").read_text())
    listed = json.dumps(manifest)
    for name in ("caar.csv", "event_tests.csv", "cars.csv", "excluded_events.csv", "caar.svg"):
        assert (out / name).is_file() and name in listed
    cars = pl.read_csv(out / "cars.csv", try_parse_dates=True)
    assert cars.columns == ["symbol", "date", "CAR[0,0]", "CAR[-1,+1]", "CAR[0,+10]", "BHAR[-5,+10]"] and cars.height == 5
    assert pl.read_csv(out / "caar.csv").columns == ["offset", "aar", "caar", "band_low", "band_high", "n"]
    assert pl.read_csv(out / "excluded_events.csv")["reason"].to_list() == ["too few estimation days"]
    document = json.loads((out / "result.json").read_text())
    assert document["event_study"]["model"] == "market" and len(document["event_study"]["event_tests"]) == 24
    assert "Event study: market model" in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert 'id="event-study"' in page and "Event study: CAAR over the event window" in page


def test_the_verdict_of_tested_evaluators_keeps_the_event_studys_finding(tmp_path: Path) -> None:
    # with placebo tests of the evaluators, the verdict spoke of them alone ('none of 6 tests significant ...')
    # and dropped the event study's CAAR and its '16 of 40 tests below 0.05' (the volume spikes with forward returns)
    from eventstudy.report.event_study import event_study_verdict
    from eventstudy.report.verdict import verdict_line

    write_universe(tmp_path)
    text = STUDY.format(model="market", extra="  market: SPX\n").replace("placebos: 0", "placebos: 50, seed: 1")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    assert result.event_study is not None and not result.tests.is_empty()
    line = verdict_line(result)
    assert line.startswith("Verdict: 6 events in 3 symbols; ") and line.count("event study (market model on SPX") == 1
    assert line.endswith(f"; {event_study_verdict(result.event_study, 0.05)}.") and "..;" not in line


def test_a_study_of_the_event_study_only_needs_no_evaluator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No ``evaluate:``: the run, the three reports and --output say what the event study
    measures, with no empty summary and no notes about placebos or forward returns."""
    import json

    from eventstudy.cli import main

    write_universe(tmp_path)
    text = STUDY.format(model="market", extra="  market: SPX\n").replace("evaluate:\n  - forward_returns: {horizons: [1w]}\n", "")
    text = text.replace("statistics: {placebos: 0}\n", "")  # the default placebos: nothing for them to test
    assert "evaluate" not in text
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    assert result.outcomes.is_empty() and result.summary.is_empty() and result.tests.is_empty()
    assert result.event_study is not None and result.event_study.n_events == 5
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), "-o", str(out), "--quiet"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert printed.startswith("Verdict: 6 events in 3 symbols; event study (market model on SPX; 5 events studied, 1 excluded): CAAR[-5,+10] ")
    assert " tests below 0.05." in printed.split("synthetic event study")[0]
    for absent in ("Summary", "placebo", "significance tests", "returns are simple returns", "baseline", "nothing here is tested"):
        assert absent not in printed, absent
    assert "Event-study tests" in printed and "CAAR by day of the event window" in printed
    report = (out / "report.md").read_text()
    assert "### Summary" not in report and "### Event study: market model on SPX" in report and "event study (market model" in report
    page = (out / "report.html").read_text()
    assert 'id="summary"' not in page and 'id="event-study"' in page
    assert json.loads((out / "result.json").read_text())["event_study"]["model"] == "market"
    assert pl.read_csv(out / "cars.csv").height == 5
    # --show tests shows its tests (it printed the verdict's count of them and no table), in text and Markdown
    for fmt in ("table", "markdown"):
        assert main(["run", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), "--show", "tests", "--format", fmt]) == 0
        assert "Event-study tests" in capsys.readouterr().out, fmt


def test_a_cars_symbol_that_looks_like_a_formula_is_guarded(tmp_path: Path) -> None:
    from eventstudy.report.files import write_outputs

    write_universe(tmp_path)
    panel = pl.read_csv(tmp_path / "panel.csv").with_columns(pl.col("symbol").str.replace("AAA", "=AAA"))
    panel.write_csv(tmp_path / "panel.csv")
    pl.read_csv(tmp_path / "spikes.csv").with_columns(pl.col("symbol").str.replace("AAA", "=AAA")).write_csv(tmp_path / "spikes.csv")
    (tmp_path / "s.yaml").write_text(STUDY.format(model="market_adjusted", extra="  market: SPX\n"), encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    write_outputs(result, tmp_path / "out")
    assert "'=AAA" in (tmp_path / "out" / "cars.csv").read_text()


def test_the_worked_example_runs_on_the_real_panel(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from eventstudy.cli import main

    if not (shared_data / "panel_sp500_stocks.csv").is_file():
        pytest.skip("the 505-stock panel is not in the shared data")
    configs = Path(__file__).resolve().parents[1] / "configs"
    for name in ("sp500_volume_spikes.yaml", "sp500_volume_spikes.csv"):
        shutil.copy(configs / name, tmp_path / name)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "sp500_volume_spikes.yaml"), "--data-dir", str(shared_data), "-o", str(out), "--quiet"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # lines wrap at the terminal's width
    assert "Event study: market model on SPX, event window [-10, +20], estimation [-250, -30]" in printed
    tests = pl.read_csv(out / "event_tests.csv")
    assert tests.height == 8 * 5 and tests["n"].min() > 900
    caar = pl.read_csv(out / "caar.csv")
    assert caar.height == 31 and caar["n"].max() > 900
    assert pl.read_csv(out / "cars.csv").height > 900


def test_calibrate_event_tests_prints_the_compact_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from eventstudy.cli import main

    assert main(["calibrate", "--event-tests", "--scenario", "clustered", "--replications", "5", "--firms", "20", "-o", str(tmp_path / "c.csv")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "Event-study tests: rejection rate at 5% (size; 5 replications, Wilson 95% interval" in printed
    assert "Kolari-Pynnönen" in printed and "power" not in printed
    assert "calendar-time portfolio no statistic" in printed  # every event on one day: one portfolio day on [0, 0]
    table = pl.read_csv(tmp_path / "c.csv")
    assert set(table["scenario"].to_list()) == {"clustered"} and table.height == 8 * 2
    calendar = table.filter(pl.col("test") == "calendar_time").sort("start")
    assert calendar["tested"].to_list() == [5, 0]


@pytest.mark.parametrize(("model", "factors", "fewest"), [("market", 0, 5), ("market_adjusted", 0, 4), ("mean", 0, 4), ("factor", 3, 7)])
def test_the_heading_gives_the_fewest_estimation_days_the_fit_needed(model: str, factors: int, fewest: int) -> None:
    """``min_estimation_days: 1`` is below what any model can be fitted on: the run needs
    the model's own minimum, and the heading said 'at least 1 days'."""
    rng = np.random.default_rng(3)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.02, (400, 2))
    dates = pl.Series("date", business_days(400))
    spec = EventStudySpec(model=model, market=None if model in ("mean", "factor") else "M", window=(-2, 2), estimation=(-200, -10), min_estimation_days=1)
    out = event_study(
        returns, dates, ["A", "B"], [0, 1], [300, 350], spec, market=market,
        factors=rng.normal(0, 0.01, (400, factors)) if model == "factor" else None,
    )
    assert out.min_days == fewest
    assert f"(at least {fewest} days)" in event_study_heading(out)
    configured = event_study(returns, dates, ["A", "B"], [0, 1], [300, 350], spec.model_copy(update={"min_estimation_days": 150}), market=market,
                             factors=rng.normal(0, 0.01, (400, factors)) if model == "factor" else None)
    assert configured.min_days == 150


@pytest.mark.parametrize(("window", "estimation", "shown"), [((-10, 0), (-250, -30), "[-10, 0]"), ((3, 5), (-100, 1), "[+3, +5], estimation [-100, +1]")])
def test_the_heading_writes_the_days_as_the_tables_do(window: tuple[int, int], estimation: tuple[int, int], shown: str) -> None:
    """The heading wrote 'event window [-10, +0]' and '[3, +5]' beside tables and a verdict
    that write [-10,0] and [+3,+5] (window_label's days: -1, 0, +1)."""
    rng = np.random.default_rng(3)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.02, (400, 1))
    spec = EventStudySpec(market="M", window=window, estimation=estimation, cars=[window])
    out = event_study(returns, pl.Series("date", business_days(400)), ["A"], [0], [300], spec, market=market)
    assert f"event window {shown}" in event_study_heading(out)


def _ff3_study(tmp_path: Path) -> None:
    """The synthetic universe, a decimal ff3 factors file and a factor-model study s.yaml."""
    facts = write_universe(tmp_path)
    rng = np.random.default_rng(5)
    pl.DataFrame({
        "date": facts["days"], **{c: rng.normal(0, 0.01, N_DAYS) for c in ("mkt_rf", "smb", "hml")}, "rf": 0.0001,
    }).write_csv(tmp_path / "factors.csv")
    (tmp_path / "s.yaml").write_text(STUDY.format(model="factor", extra="  factors: ff3\n"), encoding="utf-8")


def test_the_manifest_hashes_the_events_and_factors_files_the_run_read(tmp_path: Path) -> None:
    """Regression: manifest.json hashed the price files only, so a run whose own events
    file (``events: {spikes: spikes.csv}``) or factors file had changed wrote the same
    manifest inputs as before: the change did not show."""
    import hashlib
    import json

    from eventstudy.cli import main

    _ff3_study(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), "-o", str(out), "--quiet"]) == 0
    data = json.loads((out / "manifest.json").read_text())["data"]

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    [events] = data["events_files"]
    assert events["name"] == "spikes" and Path(events["path"]) == tmp_path / "spikes.csv"
    assert events["sha256"] == sha(tmp_path / "spikes.csv") and events["bytes"] == (tmp_path / "spikes.csv").stat().st_size
    assert Path(data["factors_file"]["path"]) == tmp_path / "factors.csv"
    assert data["factors_file"]["sha256"] == sha(tmp_path / "factors.csv")


def test_the_manifest_hashes_the_events_and_factors_files_as_the_run_read_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An events file and a factors file rewritten while the run computed (a new spike
    date, a refreshed French download) were hashed when the manifest was written, so the
    manifest gave the SHA-256 of files the run never read. They are stamped when read, and
    a file changed since has no hash, and says so."""
    import hashlib
    import json

    import eventstudy.report.files as report_files
    from eventstudy.cli import main

    _ff3_study(tmp_path)

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    read = {name: sha(tmp_path / name) for name in ("spikes.csv", "factors.csv")}
    real = report_files.write_chart_files

    def rewritten_meanwhile(charts: object, folder: Path) -> None:
        for name in read:
            (tmp_path / name).write_text((tmp_path / name).read_text() + "\n")
        real(charts, folder)

    monkeypatch.setattr(report_files, "write_chart_files", rewritten_meanwhile)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), "-o", str(out), "--quiet"]) == 0
    data = json.loads((out / "manifest.json").read_text())["data"]
    [events] = data["events_files"]
    assert (events["sha256"], events["changed"]) == (None, True) and read["spikes.csv"] != sha(tmp_path / "spikes.csv")
    assert (data["factors_file"]["sha256"], data["factors_file"]["changed"]) == (None, True)
    assert Path(data["factors_file"]["path"]) == tmp_path / "factors.csv"


def test_the_caar_chart_counts_the_events_each_day_draws(tmp_path: Path) -> None:
    """The CAAR chart's legend read 'CAAR (n=967)', every included event, beside a table
    whose each day counts 935 to 966 (a day's CAAR is of the events with every return so
    far): it gives that range now, as the path chart does ('n=3-5 by day' here, BBB's
    gap and the last event's end of data leaving one out each)."""
    from eventstudy.report.charts import caar_chart

    write_universe(tmp_path)
    (tmp_path / "s.yaml").write_text(STUDY.format(model="market", extra="  market: SPX\n"), encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    found = result.event_study
    assert found is not None
    (ax,) = caar_chart(result).get_axes()
    n = found.caar["n"]
    assert int(n.min()) < int(n.max()) == found.n_events
    (line,) = [line for line in ax.get_lines() if line.get_label().startswith("CAAR")]
    assert line.get_label() == f"CAAR (n={n.min()}-{n.max()} by day)"
    np.testing.assert_allclose(line.get_ydata(), found.caar["caar"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("scale", [(100, 100), (1, 100)], ids=["all in percent", "rf in percent"])
def test_a_factors_file_in_percent_is_refused_not_read_as_decimals(tmp_path: Path, scale: tuple[int, int]) -> None:
    """Regression: a factors file written in percent (French's unit, without 'data import
    --french') ran silently: the betas absorb the factors' scale, but the risk-free rate is
    subtracted from each return as written, so a rate that moves between the estimation and
    the event window moved every abnormal return by 100 times its change (RUT's
    CAR[-5,+5] around 2020-03-16 read -7.41% against -3.54% from the same file in decimals)."""
    facts = write_universe(tmp_path)
    rng = np.random.default_rng(5)
    factors, riskfree = scale
    rf = 0.0001 + 0.0001 * np.sin(np.arange(N_DAYS) / 100)  # a rate that moves, as real ones do
    pl.DataFrame({
        "date": facts["days"], **{c: factors * rng.normal(0, 0.01, N_DAYS) for c in ("mkt_rf", "smb", "hml")}, "rf": riskfree * rf,
    }).write_csv(tmp_path / "factors.csv")
    (tmp_path / "s.yaml").write_text(STUDY.format(model="factor", extra="  factors: ff3\n"), encoding="utf-8")
    with pytest.raises(eventstudy.DataError, match="percent") as caught:
        eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    assert str(tmp_path / "factors.csv") in caught.value.message
    assert caught.value.hint is not None and "divide" in caught.value.hint
    pl.DataFrame({
        "date": facts["days"], **{c: rng.normal(0, 0.01, N_DAYS) for c in ("mkt_rf", "smb", "hml")}, "rf": rf,
    }).write_csv(tmp_path / "factors.csv")
    assert eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path).event_study.n_events > 0  # the same in decimals runs


@pytest.mark.parametrize("factors_file", ["missing", "in percent", "decimals"])
def test_validate_reads_the_factors_file_the_run_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str], factors_file: str) -> None:
    """'model: factor, factors: ff3' with no factors.csv in the data directory (or one in
    percent): 'validate --data-dir' printed 'ok', then run stopped with "factors: ff3 needs
    the factors file '.../factors.csv', which does not exist" (or "... holds percent").
    validate now refuses it with the run's message, and names the file it read."""
    from eventstudy.cli import main

    facts = write_universe(tmp_path)
    rng = np.random.default_rng(5)
    scale = 100 if factors_file == "in percent" else 1
    if factors_file != "missing":
        pl.DataFrame({
            "date": facts["days"], **{c: scale * rng.normal(0, 0.01, N_DAYS) for c in ("mkt_rf", "smb", "hml")}, "rf": 0.0001,
        }).write_csv(tmp_path / "factors.csv")
    (tmp_path / "s.yaml").write_text(STUDY.format(model="factor", extra="  factors: ff3\n"), encoding="utf-8")
    for command in ("validate", "run"):
        code = main([command, str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path), *(["--quiet"] if command == "run" else [])])
        _, err = capsys.readouterr()
        if factors_file == "decimals":
            assert code == 0, err
        else:
            assert code == 2 and err.startswith("error: ") and "Traceback" not in err
            assert ("which does not exist" if factors_file == "missing" else "holds percent") in err
    if factors_file == "decimals":
        main(["validate", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path)])
        assert "; factors.csv read" in capsys.readouterr().out


def test_a_test_without_a_statistic_says_so_in_the_table_and_the_verdict() -> None:
    """Regression: with every event on one day the calendar-time portfolio has one
    observation on [0,0] and no statistic; its cells were blank, with nothing saying why,
    and the verdict counted '1 of 15 tests' beside a table of 16."""
    from eventstudy.report.event_study import event_study_verdict, event_tests_table

    rng = np.random.default_rng(4)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.02, (400, 4))
    spec = EventStudySpec(market="M", window=(-2, 2), cars=[(0, 0), (-1, 1)])
    out = event_study(returns, pl.Series("date", business_days(400)), ["A", "B", "C", "D"], range(4), [300] * 4, spec, market=market)
    table = event_tests_table(out)
    assert table is not None
    [row] = [r for r in table.rows if r[0] == "calendar-time portfolio"]
    assert row[1:3] == ["no statistic", ""] and row[3] != ""  # [-1,+1] spans three days: it has one
    tested = out.tests["pvalue"].drop_nulls().len()
    assert tested == out.tests.height - 1
    assert f"of {tested} tests below 0.05 (1 more without a statistic)" in event_study_verdict(out)


def test_the_earlier_events_note_counts_only_events_that_have_a_fit() -> None:
    """Regression: the note on earlier events inside an estimation window counted excluded
    events too: RUT's events of 1979-01-10, 1979-06-01 and 1980-03-27 (SPX market model,
    [-250, -30]) read '2 event(s) have an earlier event ... its returns enter their
    normal-return fit' while 1979-06-01 was excluded (too few estimation days) and had no
    fit; now 1. An excluded event still counts as the earlier one."""
    rng = np.random.default_rng(6)
    market = rng.normal(0, 0.01, 400)
    returns = market[:, None] + rng.normal(0, 0.02, (400, 1))
    spec = EventStudySpec(market="M", window=(-2, 2), cars=[(0, 0)], min_estimation_days=200)
    out = event_study(returns, pl.Series("date", business_days(400)), ["A"], [0, 0, 0], [100, 200, 300], spec, market=market)
    assert out.excluded["reason"].to_list() == ["too few estimation days"] * 2 and out.n_events == 1
    [note] = [n for n in out.notes if "earlier event" in n]
    assert note.startswith("1 event(s) have an earlier event of the same stock")


def test_the_earlier_events_note_does_not_count_the_event_itself() -> None:
    """Regression: with an event window after day 0 and an estimation window ending on it
    (window [1, 20], estimation [-100, 0], which validate accepts), each event's own day 0
    lay inside its estimation window and counted as 'an earlier event of the same stock':
    three RUT events of 2020, one of them with no other event within 100 days before it,
    read '3 event(s) have an earlier event'; now 2. An earlier event is one before day 0."""
    rng = np.random.default_rng(6)
    market = rng.normal(0, 0.01, 600)
    returns = market[:, None] + rng.normal(0, 0.02, (600, 1))
    spec = EventStudySpec(market="M", window=(1, 5), estimation=(-100, 0), cars=[(1, 1)])
    out = event_study(returns, pl.Series("date", business_days(600)), ["A"], [0, 0, 0], [200, 250, 400], spec, market=market)
    assert out.n_events == 3
    [note] = [n for n in out.notes if "earlier event" in n]
    assert note.startswith("1 event(s) have an earlier event of the same stock")


def test_the_caar_band_names_the_level_it_was_computed_at() -> None:
    """An event study at 'ci: 0.975' drew a 97.5% band and called it '98% band' (the
    table's header and title, the verdict's words): the level was rounded to a whole
    percent, and 0.999 read '100%'."""
    from eventstudy.report.event_study import caar_table

    rng = np.random.default_rng(5)
    market = rng.normal(0, 0.01, 500)
    returns = market[:, None] + rng.normal(0, 0.02, (500, 40))
    spec = EventStudySpec(market="M", window=(-3, 3), estimation=(-200, -10))
    dates = pl.Series("date", business_days(500))
    days = rng.integers(250, 490, 40)
    out = event_study(returns, dates, [f"S{i}" for i in range(40)], np.arange(40), days, spec, market=market, level=0.975)
    table = caar_table(out)
    assert table is not None and "97.5% band" in table.headers and "band: 97.5%," in (table.title or "")
    assert "(97.5% band " in event_study_verdict(out)


def test_an_event_study_verdict_with_no_figure_says_so() -> None:
    """Events studied, but none with every return of the window and no test with a
    statistic: the verdict's clause read 'event study (market model on SPX): ', and the
    line ended in ': .'."""
    from eventstudy.event_study import EventStudyResult
    from eventstudy.report.event_study import event_study_verdict

    caar = pl.DataFrame({"offset": [0, 1], "caar": [-0.02, None], "band_low": [None, None], "band_high": [None, None]},
                        schema_overrides={"caar": pl.Float64, "band_low": pl.Float64, "band_high": pl.Float64})
    tests = pl.DataFrame({"pvalue": [None, None]}, schema={"pvalue": pl.Float64})
    found = EventStudyResult(caar, tests, pl.DataFrame({"x": [1, 2]}), pl.DataFrame(), "market", (0, 1), (-250, -30), 110, "SPX")
    assert event_study_verdict(found) == (
        "event study (market model on SPX): no CAAR over the whole window and no test with a statistic (see its tables)"
    )


def test_the_verdict_counts_one_event_studied_in_the_singular() -> None:
    """Regression: one event studied beside one excluded read 'event study (market model
    on SPX; 1 events studied, 1 excluded)'."""
    from eventstudy.event_study import EventStudyResult

    caar = pl.DataFrame({"offset": [0], "caar": [0.01], "band_low": [None], "band_high": [None]},
                        schema_overrides={"band_low": pl.Float64, "band_high": pl.Float64})
    tests = pl.DataFrame({"pvalue": [0.5]})
    found = EventStudyResult(caar, tests, pl.DataFrame({"x": [1]}), pl.DataFrame({"x": [2]}), "market", (0, 0), (-250, -30), 110, "SPX")
    assert event_study_verdict(found).startswith("event study (market model on SPX; 1 event studied, 1 excluded): ")


def test_an_asset_with_no_event_studied_keeps_its_columns_in_the_instance_table(tmp_path: Path) -> None:
    """Regression: in a study of named series, an asset none of whose events could be
    studied (each too early for its estimation window) lost its CAR columns from the
    instance table and events.csv, where the docs promise an excluded event 'keeps null
    CARs, shown as n/a' (and a universe's do): the columns came from the CARs found."""
    from synthetic import write_random_walks

    write_random_walks(tmp_path, ("SPX", "RUT"), seed=4)
    (tmp_path / "s.yaml").write_text(SERIES.format(extra="").replace(", NDX: NDX", ""), encoding="utf-8")
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, start="1985-01-01", end="1985-03-31")  # the data start in 1985
    found = result.event_study
    assert found is not None and found.n_events == 0 and found.excluded.height == result.events.height > 0
    assert result.events["RUT.CAR[-1,+1]"].null_count() == result.events.height

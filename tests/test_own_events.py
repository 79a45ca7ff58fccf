"""Your own events (issue 14): files of dates or of symbol,date pairs declared under
``events:`` and used as ``on NAME``; a day that does not trade moves the event to the
next one that does; bad files are located messages at ``validate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import eventstudy
from eventstudy.cli import main
from eventstudy.config import load_study
from eventstudy.errors import ConfigError, DataError, UnknownNameError
from eventstudy.own_events import load_event_set

TIMELINE = """\
name: own events
series: {{SPX: SPX}}
events: {{fomc: {file}}}
when: {when}
evaluate:
  - forward_returns: {{horizons: [1w, 1m], assets: [SPX]}}
statistics: {{placebos: {placebos}, seed: 1}}
"""

UNIVERSE = """\
name: own events in a universe
series: {{SPX: SPX}}
universe: {{data_file: panel_sp500_stocks.csv}}
events: {{earnings: earnings.csv, fomc: fomc.csv}}
when: {when}
evaluate:
  - forward_returns: {{horizons: [1w]}}
statistics: {{placebos: 100, seed: 1}}
"""


def write_fomc(folder: Path) -> list[dt.date]:
    """Eight dates a year, 1990-2017, on the 15th: some fall on weekends."""
    dates = [dt.date(y, m, 15) for y in range(1990, 2018) for m in (1, 3, 5, 6, 7, 9, 11, 12)]
    pl.DataFrame({"Date": dates}).write_csv(folder / "fomc.csv")
    return dates


def next_trading_day(calendar: pl.Series, dates: list[dt.date]) -> list[dt.date]:
    """The reference roll: the first calendar day on or after each date."""
    frame = pl.DataFrame({"event": dates}).sort("event")
    rolled = frame.join_asof(pl.DataFrame({"day": calendar}).sort("day"), left_on="event", right_on="day", strategy="forward")
    return sorted(set(rolled["day"].drop_nulls().to_list()))


def study_file(folder: Path, when: str, placebos: int = 0, file: str = "fomc.csv") -> Path:
    path = folder / "s.yaml"
    path.write_text(TIMELINE.format(when=when, placebos=placebos, file=file), encoding="utf-8")
    return path


def test_event_days_move_to_the_next_trading_day(shared_data: Path, tmp_path: Path) -> None:
    dates = write_fomc(tmp_path)
    result = eventstudy.run(study_file(tmp_path, "on fomc"), data_dir=shared_data)
    calendar = result.timeline["date"]
    assert result.events["date"].to_list() == next_trading_day(calendar, dates)
    weekend = [d for d in dates if d.weekday() >= 5]
    assert weekend and not set(weekend) & set(result.events["date"].to_list())
    assert any("not on the study calendar count on its next trading day" in n for n in result.notes)


def test_events_combine_with_prices_and_modifiers(shared_data: Path, tmp_path: Path) -> None:
    write_fomc(tmp_path)
    both = eventstudy.run(study_file(tmp_path, "on fomc and SPX drawdown >= 10%"), data_dir=shared_data)
    assert both.events.height > 20 and (both.events["SPX.drawdown"] >= 0.10).all()
    near = eventstudy.run(study_file(tmp_path, "(on fomc) within 3 days"), data_dir=shared_data)
    alone = eventstudy.run(study_file(tmp_path, "on fomc"), data_dir=shared_data)
    assert near.events.height > 3 * alone.events.height - 10  # the day and the three after


def test_the_histories_null_keeps_the_event_days(shared_data: Path, tmp_path: Path) -> None:
    write_fomc(tmp_path)
    result = eventstudy.run(study_file(tmp_path, "on fomc and SPX drawdown >= 10%", placebos=100), data_dir=shared_data, histories=50)
    tests = result.tests.filter(pl.col("statistic") == "mean")
    assert set(tests["null"].to_list()) == {"histories"} and tests["p_placebo"].null_count() == 0


def test_a_universe_reads_each_stocks_own_dates(shared_data: Path, tmp_path: Path) -> None:
    write_fomc(tmp_path)
    panel = pl.read_csv(shared_data / "panel_sp500_stocks.csv", try_parse_dates=True, columns=["date", "symbol"])
    symbols = panel["symbol"].unique().sort().to_list()[:40]
    pairs = pl.DataFrame(
        [(s, dt.date(y, m, 25)) for s in symbols for y in range(2013, 2019) for m in (1, 4, 7, 10)], schema=["symbol", "date"], orient="row"
    )
    pairs.write_csv(tmp_path / "earnings.csv")
    config = tmp_path / "u.yaml"
    config.write_text(UNIVERSE.format(when="on earnings"), encoding="utf-8")
    result = eventstudy.run(config, data_dir=shared_data)
    # the reference: each pair's first trading day of that stock on or after the date
    rows = panel.filter(pl.col("symbol").is_in(symbols)).sort("symbol", "date")
    first = rows.group_by("symbol").agg(pl.col("date").min().alias("first"))
    expected = (
        pairs.sort("date").join_asof(
            rows.sort("date").rename({"date": "day"}), left_on="date", right_on="day", by="symbol", strategy="forward", check_sortedness=False
        )
        .join(first, on="symbol").filter(pl.col("day").is_not_null() & ((pl.col("date") >= pl.col("first")) | (pl.col("day") == pl.col("date"))))
        .select("symbol", "day").unique().sort("symbol", "day")
    )
    got = result.events.select("symbol", pl.col("date").alias("day")).sort("symbol", "day")
    assert got.height > 500 and got.equals(expected)
    # the note counts the pairs that move, as a study of dates counts its dates
    calendar = rows["date"].unique().filter(rows["date"].unique().is_in(pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True)["date"].implode()))
    moved = pairs.filter(pl.col("date").is_between(calendar.min(), calendar.max()) & ~pl.col("date").is_in(calendar.implode())).height
    assert moved > 100 and any(f"; {moved:,} not on the study calendar count on the stock's next trading day" in n for n in result.notes)
    config.write_text(UNIVERSE.format(when="on fomc and close at 52-week high"), encoding="utf-8")
    market_wide = eventstudy.run(config, data_dir=shared_data)
    assert market_wide.events["symbol"].n_unique() > 100  # a file of dates: every stock's


def test_bad_event_files_are_located(shared_data: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(DataError, match="no file"):
        load_study(study_file(tmp_path, "on fomc"))
    (tmp_path / "fomc.csv").write_text("date\n2020-01-15\n2020-02-31\n", encoding="utf-8")
    assert main(["validate", str(study_file(tmp_path, "on fomc"))]) == 2
    err = capsys.readouterr().err
    assert "fomc.csv:3" in err and "'2020-02-31' is not a date" in err
    write_fomc(tmp_path)
    with pytest.raises(UnknownNameError, match="unknown events 'fomcc' \\(did you mean 'fomc'\\?\\)"):
        load_study(study_file(tmp_path, "on fomcc"))
    (tmp_path / "pairs.csv").write_text("symbol,date\nAAPL,2020-01-15\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="symbol,date pairs, which name the stocks of a universe"):
        load_study(study_file(tmp_path, "on fomc", file="pairs.csv"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"date\n2020-01-15\n2020-02-14,x\n", "fomc.csv:3:1: error: events 'fomc': 2 fields where the header has 1"),
        (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml\x00", "'fomc.csv' is not a CSV file: it is a zip archive (an Excel .xlsx"),
        ("date\n2020-01-15\n".encode("utf-16"), "'fomc.csv' is not a CSV file: it is UTF-16 text\n  hint: save it as UTF-8 text\n"),
    ],
)
def test_an_events_file_that_is_not_plain_csv_is_named_as_such(tmp_path: Path, capsys, content: bytes, expected: str) -> None:
    """A row with a stray comma read "cannot read 'fomc.csv': found more fields than defined in
    'Schema' ... Consider setting 'truncate_ragged_lines=True'" (polars' words, no line), an
    Excel workbook or a UTF-16 export named .csv "has no date column (columns: PK ...)": the
    events file is refused as a data file is, at the row, or as what it is."""
    (tmp_path / "fomc.csv").write_bytes(content)
    assert main(["validate", str(study_file(tmp_path, "on fomc"))]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Schema" not in err and "no date column" not in err


def test_pairs_that_name_a_stock_outside_the_universe_are_counted_in_the_note(tmp_path: Path) -> None:
    from eventstudy.own_events import EventSet, describe

    days = np.array(["2015-08-24", "2015-08-24", "2016-02-11", "2016-03-01"], dtype="datetime64[D]").astype(np.int64)
    pairs = EventSet.of("e", tmp_path / "pairs.csv", days, np.array(["AAPL", "ZZZZ", "MSFT", "YYYY"], dtype=object))
    calendar = np.arange(np.datetime64("2015-01-02"), np.datetime64("2017-01-01"))
    [note] = describe({"e": pairs}, calendar, ["AAPL", "MSFT"])
    assert note.endswith("; 2 name a stock not in the universe (ZZZZ, YYYY) and are not seen")
    [alone] = describe({"e": pairs}, calendar)  # a study of named series: no universe to check against
    assert "not in the universe" not in alone


def test_a_pair_outside_the_data_naming_a_stranger_is_counted_once(tmp_path: Path) -> None:
    """Regression: a pair naming a stock outside the universe on a date outside the data
    was counted twice among those not seen: AAPL's pair of 2016, ZZZZ's and MSFT's of 2030
    read '2 outside the data's dates ... are not seen; 1 name a stock not in the universe
    (ZZZZ) and are not seen', three of three pairs unseen while AAPL's is an event. Each
    pair not seen is now counted once, a stranger as a stranger."""
    from eventstudy.own_events import EventSet, describe

    days = np.array(["2016-01-04", "2030-01-04", "2030-01-04"], dtype="datetime64[D]").astype(np.int64)
    pairs = EventSet.of("e", tmp_path / "pairs.csv", days, np.array(["AAPL", "ZZZZ", "MSFT"], dtype=object))
    calendar = np.arange(np.datetime64("2015-01-02"), np.datetime64("2017-01-01"))
    [note] = describe({"e": pairs}, calendar, ["AAPL", "MSFT"])
    assert "; 1 outside the data's dates (2015-01-02 .. 2016-12-31) are not seen; 1 name a stock not in the universe (ZZZZ)" in note, note


def test_the_note_of_a_universe_counts_its_moved_pairs_as_a_timeline_counts_its_dates(tmp_path: Path) -> None:
    """A file of dates said how many of them moved to the next trading day; a file of
    pairs only that a date 'counts on its next trading day', with no count."""
    from eventstudy.own_events import EventSet, describe

    calendar = np.arange(np.datetime64("2016-01-04"), np.datetime64("2016-03-01"))
    calendar = calendar[np.is_busday(calendar)]  # no weekends
    given = np.array(["2016-01-09", "2016-01-12", "2016-02-14", "2016-06-01"], dtype="datetime64[D]").astype(np.int64)  # Sat, Tue, Sun, after
    [dates] = describe({"fomc": EventSet.of("fomc", tmp_path / "fomc.csv", given)}, calendar)
    assert dates == "events 'fomc': 4 dates from fomc.csv; 2 not on the study calendar count on its next trading day; 1 outside the data's dates (2016-01-04 .. 2016-02-29) are not seen"
    symbols = np.array(["AAPL", "MSFT", "AAPL", "MSFT", "ZZZZ"], dtype=object)
    days = np.concatenate([given[:2], given[:2], given[:1]])
    [pairs] = describe({"e": EventSet.of("e", tmp_path / "e.csv", days, symbols)}, calendar, ["AAPL", "MSFT"])
    assert pairs.startswith(
        "events 'e': 5 symbol,date pairs from e.csv; 2 not on the study calendar count on the stock's next trading day "
        "(so does a day its stock alone does not trade); 1 name a stock not in the universe (ZZZZ)"
    ), pairs  # ZZZZ's Saturday is not seen, so not moved
    [none] = describe({"e": EventSet.of("e", tmp_path / "e.csv", given[1:2], symbols[:1])}, calendar, ["AAPL"])
    assert none == "events 'e': 1 symbol,date pair from e.csv; a date a stock does not trade counts on its next trading day"


def test_dates_that_make_one_event_are_counted_in_the_note(tmp_path: Path) -> None:
    """A date given twice (or at two times of one day) and a Saturday moved onto a Monday
    the file names too are one event each: five rows read '4 dates', and the Saturday's
    move was counted with no word that it made no event of its own."""
    from eventstudy.own_events import describe, load_event_set

    (tmp_path / "ev.csv").write_text("date\n2024-01-05\n2024-01-06\n2024-01-08\n2024-01-08 14:00\n2024-01-10\n")
    events = load_event_set("my", "ev.csv", tmp_path / "study.yaml")
    calendar = np.arange(np.datetime64("2024-01-02"), np.datetime64("2024-02-01"))
    [note] = describe({"my": events}, calendar[np.is_busday(calendar)])
    assert note == (
        "events 'my': 4 dates from ev.csv (5 rows: a date given twice, or at two times of one day, counts once); "
        "1 not on the study calendar count on its next trading day, 1 of them on a trading day another date counts on too "
        "(one event there)"
    )


def test_pairs_before_their_stocks_first_day_or_after_its_last_are_counted_in_the_note(tmp_path: Path) -> None:
    """An earnings date of a stock listed later, or of one whose data stop (delisted),
    has no day of that stock to count on: it was not seen, and the note said nothing of
    it ('5 symbol,date pairs ...; 1 not on the study calendar count on the stock's next
    trading day', 2 events): the events a file names vanished without a word."""
    days = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 6, 30), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(80)
    rng = np.random.default_rng(2)
    rows = {"AAA": (0, 80), "BBB": (10, 80), "CCC": (0, 60)}  # BBB listed on its 11th day, CCC ends on its 60th
    pl.concat([
        pl.DataFrame({"date": days[a:b], "symbol": symbol, "close": 50 * np.exp(np.cumsum(rng.normal(0, 0.01, b - a)))})
        for symbol, (a, b) in rows.items()
    ]).write_csv(tmp_path / "panel.csv")
    pairs = [("AAA", days[20]), ("BBB", days[2]), ("BBB", days[10]), ("CCC", days[70]), ("CCC", days[30])]
    pl.DataFrame({"symbol": [s for s, _ in pairs], "date": [d for _, d in pairs]}).write_csv(tmp_path / "pairs.csv")
    (tmp_path / "study.yaml").write_text(
        "name: pairs\nuniverse: {data_file: panel.csv}\nevents: {mine: pairs.csv}\nwhen: on mine\n"
        "evaluate:\n  - forward_returns: {horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert sorted(result.events.select("symbol", "date").rows()) == [("AAA", days[20]), ("BBB", days[10]), ("CCC", days[30])]
    note = next(n for n in result.notes if n.startswith("events 'mine'"))
    assert note.endswith("; 2 fall before their stock's first day or after its last (BBB, CCC) and are not seen"), note


@pytest.mark.parametrize("null", ["dates", "histories"])
def test_a_universe_cell_of_one_or_two_events_is_shown_not_tested(tmp_path: Path, null: str) -> None:
    """As a study of named series does: a universe's cell of two events got p-values and a
    place among the significant from the 'dates' null's moments or the resampled
    universes, from two returns."""
    rng = np.random.default_rng(4)
    days = pl.date_range(dt.date(2018, 1, 1), dt.date(2021, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(700)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (3, days.len())), axis=1))
    pl.concat([
        pl.DataFrame({"date": days, "symbol": symbol, "close": closes[k]}) for k, symbol in enumerate(["AAA", "BBB", "CCC"])
    ]).write_csv(tmp_path / "panel.csv")
    pl.DataFrame({"symbol": ["AAA", "BBB"], "date": [days[300], days[400]]}).write_csv(tmp_path / "pairs.csv")
    (tmp_path / "study.yaml").write_text(
        "name: two events\nuniverse: {data_file: panel.csv}\nevents: {mine: pairs.csv}\nwhen: on mine\n"
        f"evaluate:\n  - forward_returns: {{horizons: [1w, 1m]}}\nstatistics: {{seed: 7, null: {null}, histories: 60, placebos: 200}}\n"
    )
    result = eventstudy.run(load_study(tmp_path / "study.yaml"), data_dir=tmp_path)
    assert result.events.height == 2 and set(result.tests["n"]) == {2}
    for column in ("p_placebo", "p_holm", "p_maxstat", "survives", "ci_low", "ci_high", "t_cluster", "p_cluster", "t_calendar", "p_calendar"):
        assert result.tests[column].null_count() == result.tests.height, column  # report.md showed 'NW p' of two events
    assert set(result.tests["warning"]) == {"only 2 event(s) with a complete outcome in this cell: too few to test (at least 3)"}
    assert any(n.startswith("warning: fewer than 3 events with a complete outcome at fwd stocks 1w (2), fwd stocks 1m (2)") for n in result.notes)


@pytest.mark.parametrize(
    ("kind", "when", "null"),
    [("timeline", "on mine", "runs"), ("timeline", "on mine", "matched"), ("timeline", "on mine", "circular"),
     ("timeline", "on mine and SPX close > 0", "histories"), ("universe", "on mine", "dates"), ("universe", "on mine", "histories")],
)
def test_a_cell_shown_not_tested_is_not_in_the_multiple_testing_family(tmp_path: Path, kind: str, when: str, null: str) -> None:
    """Twelve events, ten too late for a 6-month outcome: the 1w cell is the only one
    tested, so its Holm, BH and max-statistic adjustments are over a family of one and
    equal its own p. A universe's Holm and BH counted the untested 6m cell (0.10 -> 0.20
    under the 'dates' null), and every null's max-statistic adjustment counted its draws."""
    rng = np.random.default_rng(4)
    days = pl.date_range(dt.date(2018, 1, 1), dt.date(2021, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(700)
    at = [100, 250, *range(600, 690, 9)]  # two with a 6-month outcome, ten in the last 100 days
    symbols = [f"S{k:02d}" for k in range(12)]
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (len(symbols), days.len())), axis=1))
    if kind == "timeline":
        pl.DataFrame({"date": days, "close": closes[0]}).write_csv(tmp_path / "SPX.csv")
        pl.DataFrame({"date": [days[i] for i in at]}).write_csv(tmp_path / "mine.csv")
        where = "series: {SPX: SPX}\n"
        assets = ", assets: [SPX]"
    else:
        pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes[k]}) for k, s in enumerate(symbols)]).write_csv(tmp_path / "panel.csv")
        pl.DataFrame({"symbol": [symbols[i % 12] for i in range(len(at))], "date": [days[i] for i in at]}).write_csv(tmp_path / "mine.csv")
        where, assets = "universe: {data_file: panel.csv}\n", ""
    (tmp_path / "study.yaml").write_text(
        f"name: late events\n{where}events: {{mine: mine.csv}}\nwhen: {when}\n"
        f"evaluate:\n  - forward_returns: {{horizons: [1w, 6m]{assets}}}\n"
        f"statistics: {{seed: 7, null: {null}, histories: 200, placebos: 500}}\n"
    )
    tests = eventstudy.run(load_study(tmp_path / "study.yaml"), data_dir=tmp_path).tests
    assert tests.filter(horizon="6m")["n"].to_list() == [2] * 3 and tests.filter(horizon="6m")["p_placebo"].null_count() == 3
    tested = tests.filter(horizon="1w")
    assert tested["n"].to_list() == [12] * 3 and tested["null"].to_list() == [null] * 3
    for column in ("p_holm", "p_bh", "p_maxstat"):
        assert tested[column].to_list() == pytest.approx(tested["p_placebo"].to_list(), rel=1e-12), column


def test_pairs_find_their_stock_in_any_letter_case(tmp_path: Path) -> None:
    """A universe listed as 'aapl, msft' holds AAPL.csv's prices (a symbol's data are found
    in any letter case), yet an earnings file's 'AAPL' pairs were 'not in the universe'
    and not seen: 0 events, and a note that contradicted the universe. A pair now names
    its stock in any letter case, and 'AAA' and 'aaa' on one day are one pair."""
    days = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 6, 30), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(80)
    rng = np.random.default_rng(5)
    for symbol in ("AAA", "BBB"):
        pl.DataFrame({"date": days, "close": 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days.len())))}).write_csv(tmp_path / f"{symbol}.csv")
    pairs = [("AAA", days[20]), ("aaa", days[20]), ("bbb", days[30]), ("Bbb", days[40])]
    pl.DataFrame({"symbol": [s for s, _ in pairs], "date": [d for _, d in pairs]}).write_csv(tmp_path / "pairs.csv")
    (tmp_path / "study.yaml").write_text(
        "name: pairs\nuniverse: {symbols: [aaa, BBB]}\nevents: {mine: pairs.csv}\nwhen: on mine\n"
        "evaluate:\n  - forward_returns: {horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    assert sorted(result.events.select("symbol", "date").rows()) == [("BBB", days[30]), ("BBB", days[40]), ("aaa", days[20])]
    note = next(n for n in result.notes if n.startswith("events 'mine'"))
    assert note.startswith("events 'mine': 3 symbol,date pairs from pairs.csv (4 rows: a pair given twice") and "not in the universe" not in note, note


def test_a_blank_line_in_an_events_file_is_no_event(tmp_path: Path, capsys) -> None:
    """A blank line between two dates (a hand-edited file) stopped the study with
    "fomc.csv:3: error: events 'fomc': None is not a date", where a price file skips it.
    It is skipped; a row with a symbol and no date is named as such, at its own line."""
    (tmp_path / "fomc.csv").write_text("date\n2020-01-15\n\n   \n2020-03-16\n", encoding="utf-8")
    study = load_study(study_file(tmp_path, "on fomc"))
    assert study.event_sets["fomc"].days.tolist() == [18276, 18337] and study.event_sets["fomc"].rows == 2
    (tmp_path / "fomc.csv").write_text("date\n\n2020-01-15\n2020-02-31\n", encoding="utf-8")
    assert main(["validate", str(study_file(tmp_path, "on fomc"))]) == 2
    assert "fomc.csv:4: error: events 'fomc': '2020-02-31' is not a date" in capsys.readouterr().err
    (tmp_path / "pairs.csv").write_text("symbol,date\nAAPL,2020-01-15\n\nMSFT,\n", encoding="utf-8")
    with pytest.raises(DataError, match="a row without a date") as found:
        load_event_set("e", "pairs.csv", tmp_path / "s.yaml")
    assert found.value.location is not None and found.value.location.line == 4


def test_a_column_read_as_the_symbols_is_named(tmp_path: Path) -> None:
    """'name' (and 'code') is a symbol column, as in a price file: FOMC dates with the
    meetings' names were refused with "'fomc.csv' has symbol,date pairs ... (drop the
    symbol column)", a column the file has not, and in a universe were pairs of stocks
    named 'March meeting'. The message and the note name the column taken."""
    from eventstudy.own_events import describe

    (tmp_path / "fomc.csv").write_text("date,name\n2020-01-15,January meeting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="its column 'name' read as the symbols") as found:
        load_study(study_file(tmp_path, "on fomc"))
    assert found.value.hint is not None and "the column 'name'" in found.value.hint
    calendar = np.arange(np.datetime64("2020-01-02"), np.datetime64("2020-02-01"))
    [note] = describe({"fomc": load_event_set("fomc", "fomc.csv", tmp_path / "s.yaml")}, calendar, ["AAPL"])
    assert note.startswith("events 'fomc': 1 symbol,date pair from fomc.csv (the symbols from its column 'name'); "), note
    (tmp_path / "pairs.csv").write_text("Ticker,date\nAAPL,2020-01-15\n", encoding="utf-8")
    [plain] = describe({"e": load_event_set("e", "pairs.csv", tmp_path / "s.yaml")}, calendar, ["AAPL"])
    assert "its column" not in plain


@pytest.mark.parametrize("value", ["2020-01-151", "2020-01-15x", "2020-01-15 see note"])
def test_a_date_with_more_after_it_is_not_read_as_its_first_ten_characters(tmp_path: Path, capsys, value: str) -> None:
    """'2020-01-151' (a digit too many) was read as 2020-01-15: an event on a day the file
    may not mean, without a word, where a price file refuses it. A value is a date (or a
    date and a time) as a whole, or it is named at its line."""
    (tmp_path / "fomc.csv").write_text(f"date\n2020-01-14 16:05\n{value}\n2020-1-16T14:00:00-05:00\n", encoding="utf-8")
    assert main(["validate", str(study_file(tmp_path, "on fomc"))]) == 2
    assert f"fomc.csv:3: error: events 'fomc': {value!r} is not a date" in capsys.readouterr().err
    (tmp_path / "fomc.csv").write_text("date\n2020-01-14 16:05\n2020-1-16T14:00:00-05:00\n2020-01-17 9:30 EST\n", encoding="utf-8")
    assert load_event_set("fomc", "fomc.csv", tmp_path / "s.yaml").days.tolist() == [18275, 18277, 18278]


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_an_events_file_separated_otherwise_is_named_as_such(tmp_path: Path, separator: str, name: str) -> None:
    """A spreadsheet's semicolon export read "'fomc.csv' has no date column (columns:
    date;symbol)" with "hint: name it one of 'date', ...": the column was named so."""
    (tmp_path / "e.csv").write_text(f"date{separator}symbol\n2020-01-15{separator}AAPL\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"'e.csv' is {name}-separated .*: an events file's fields are separated by commas") as found:
        load_event_set("e", "e.csv", tmp_path / "s.yaml")
    assert "no date column" not in found.value.render() and found.value.location is not None and found.value.location.line == 1


def test_a_datetime_counts_on_its_date_as_written(tmp_path: Path) -> None:
    """What docs/conditions.md says of times of day: not read, no zone converted; one
    moment written in New York and in UTC is two days, text or a Parquet zone alike."""
    (tmp_path / "t.csv").write_text("timestamp\n2024-05-01T21:30:00-04:00\n2024-05-02T01:30:00Z\n", encoding="utf-8")
    assert load_event_set("t", "t.csv", tmp_path / "s.yaml").days.tolist() == [19844, 19845]
    moment = pl.Series("date", [dt.datetime(2024, 5, 2, 1, 30)]).dt.replace_time_zone("UTC")
    pl.DataFrame([moment]).write_parquet(tmp_path / "utc.parquet")
    pl.DataFrame([moment.dt.convert_time_zone("America/New_York")]).write_parquet(tmp_path / "ny.parquet")
    assert load_event_set("t", "utc.parquet", tmp_path / "s.yaml").days.tolist() == [19845]
    assert load_event_set("t", "ny.parquet", tmp_path / "s.yaml").days.tolist() == [19844]


def test_two_date_columns_of_one_name_are_refused(tmp_path: Path) -> None:
    """'Date' beside 'date' (a merged export): the first was read and the second's dates
    were not seen, without a word, where a price file refuses such twins."""
    (tmp_path / "e.csv").write_text("Date,date\n2020-01-15,2020-03-16\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'e\.csv' has two date columns, 'Date' and 'date': which one holds the dates is not guessed"):
        load_event_set("e", "e.csv", tmp_path / "s.yaml")
    (tmp_path / "e.csv").write_text("date,symbol,Symbol\n2020-01-15,AAPL,MSFT\n", encoding="utf-8")
    with pytest.raises(DataError, match="two symbol columns, 'symbol' and 'Symbol'"):
        load_event_set("e", "e.csv", tmp_path / "s.yaml")


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ("{fomc-2: fomc.csv}", "events name 'fomc-2' cannot be written after 'on' in a condition"),
        ("{my events: fomc.csv}", "events name 'my events' cannot be written after 'on' in a condition"),
        ("{at: fomc.csv}", "events name 'at' cannot be written after 'on' in a condition"),
        ("{on: fomc.csv}", "events name true is no name: YAML reads an unquoted yes, no, on, off, true or false"),
        ("{fomc: }", "events 'fomc' names no file"),
        ('{fomc: ""}', "events 'fomc' names no file"),  # read "no file '<the study's folder>'"
        ("{fomc: {file: ' '}}", "events 'fomc' names no file"),
    ],
)
def test_an_events_name_a_condition_cannot_read_is_refused_where_it_is_declared(tmp_path: Path, events: str, expected: str) -> None:
    """'events: {fomc-2: fomc.csv}' was accepted, and 'on fomc-2' then read "unexpected '-'
    after a complete condition" ('on my events': "unexpected 'events'"): a name no
    condition could use; 'on:' (YAML's true) read "bad value True for 'events.1.[key]'",
    and 'fomc:' with no file "input should be a valid dictionary or instance of EventsSpec";
    'fomc: ""' read "no file '/path/of/the/study'" (the empty path is the study's folder)."""
    write_fomc(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nseries: {{SPX: SPX}}\nevents: {events}\nwhen: SPX at ATH\n", encoding="utf-8")
    with pytest.raises(ConfigError) as found:
        load_study(path)
    assert expected in found.value.message and found.value.location is not None and found.value.location.line == 3
    assert "EventsSpec" not in found.value.render()


def test_a_parquet_events_file_without_dates_is_told_what_would_be_valid(tmp_path: Path) -> None:
    """Regression: a Parquet events file whose date column holds numbers (20200103) read
    "the column 'date' of 'e.parquet' holds Int64, not dates" with no word of what it
    should hold, and one with no date column was located at 'e.parquet:1', a line of a
    file that has none (its other messages name the row, not a line)."""
    pl.DataFrame({"date": [20200103]}).write_parquet(tmp_path / "numbers.parquet")
    with pytest.raises(DataError) as found:
        load_event_set("e", "numbers.parquet", tmp_path / "s.yaml")
    assert "holds Int64, not dates" in found.value.message and "YYYY-MM-DD" in (found.value.hint or "")
    pl.DataFrame({"when": [dt.date(2020, 1, 3)]}).write_parquet(tmp_path / "nodate.parquet")
    with pytest.raises(DataError, match="has no date column") as found:
        load_event_set("e", "nodate.parquet", tmp_path / "s.yaml")
    assert found.value.location is not None and found.value.location.line is None

"""Calendar alignment: inner join vs forward fill with a staleness limit."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from eventstudy.align import align_series, describe_alignment
from eventstudy.conditions import compile_condition, parse, required_features, resolve
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError
from eventstudy.timeline import build_timeline

D = dt.date

# Mon 2024-01-01 .. Sun 2024-01-14
DAYS = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(14)]
WEEKDAYS = [d for d in DAYS if d.weekday() < 5]


def part(name: str, dates: list[dt.date], values: list[float] | None = None) -> pl.DataFrame:
    values = values if values is not None else [float(i + 1) for i in range(len(dates))]
    return pl.DataFrame({"date": dates, f"{name}.close": values}, schema={"date": pl.Date, f"{name}.close": pl.Float64})


def test_inner_keeps_the_dates_every_series_has() -> None:
    spx = part("SPX", WEEKDAYS)
    btc = part("BTC", DAYS)
    out = align_series({"SPX": spx, "BTC": btc})
    assert out.columns == ["date", "SPX.close", "BTC.close"]
    assert out["date"].to_list() == WEEKDAYS
    assert out["BTC.close"].to_list() == [float(DAYS.index(d) + 1) for d in WEEKDAYS]


def test_ffill_uses_the_first_series_calendar() -> None:
    btc = part("BTC", DAYS)
    spx = part("SPX", WEEKDAYS)
    out = align_series({"BTC": btc, "SPX": spx}, "ffill", max_stale=3)
    assert out["date"].to_list() == DAYS  # the crypto calendar, weekends included
    # Saturday and Sunday carry Friday's close (1 and 2 reference days stale)
    assert out.filter(pl.col("date") == D(2024, 1, 6))["SPX.close"].item() == 5.0
    assert out.filter(pl.col("date") == D(2024, 1, 7))["SPX.close"].item() == 5.0
    assert out["SPX.close"].null_count() == 0


def test_ffill_staleness_limit_counts_reference_days() -> None:
    spx = part("SPX", WEEKDAYS)
    sparse = [D(2024, 1, 1), D(2024, 1, 8)]  # trades Monday, then not again until the next Monday
    other = part("X", sparse, [10.0, 20.0])
    out = align_series({"SPX": spx, "X": other}, "ffill", max_stale=2)
    got = dict(zip(out["date"].to_list(), out["X.close"].to_list()))
    assert got[D(2024, 1, 1)] == 10.0  # same day
    assert got[D(2024, 1, 2)] == 10.0 and got[D(2024, 1, 3)] == 10.0  # 1 and 2 SPX days stale
    assert got[D(2024, 1, 4)] is None and got[D(2024, 1, 5)] is None  # 3 and 4: beyond the limit
    assert got[D(2024, 1, 8)] == 20.0


def test_a_weekend_observation_counts_from_the_fridays_position() -> None:
    spx = part("SPX", WEEKDAYS)
    other = part("X", [D(2024, 1, 1), D(2024, 1, 6)], [1.0, 2.0])  # Monday, then a Saturday
    out = align_series({"SPX": spx, "X": other}, "ffill", max_stale=1)
    got = dict(zip(out["date"].to_list(), out["X.close"].to_list()))
    assert got[D(2024, 1, 8)] == 2.0  # Monday: Saturday's value, one SPX day after Friday
    assert got[D(2024, 1, 9)] is None


def test_a_close_from_before_the_reference_calendar_is_stale_by_the_weekdays_between() -> None:
    """A series whose data ended before the first series' calendar begins (OLD, to 1931,
    beside RUT, from 1978) had its last close carried onto the calendar's first max_stale
    days: the count of reference days after an observation was 0 for any date before the
    calendar, so 'RUT at ATH and OLD drawdown > 1%' found two events in 1978-79 on a close
    of 1931. The weekdays between such a close and the calendar's first day now count."""
    spx = part("SPX", WEEKDAYS)  # from Monday 2024-01-01
    ended = part("X", [D(2019, 12, 30), D(2019, 12, 31)])
    out = align_series({"SPX": spx, "X": ended}, "ffill", max_stale=3)
    assert out["date"].to_list() == WEEKDAYS and out["X.close"].null_count() == len(WEEKDAYS)
    saturday = part("X", [D(2023, 12, 22), D(2023, 12, 30)], [1.0, 2.0])  # a Friday a week before, then the Saturday before
    got = align_series({"SPX": spx, "X": saturday}, "ffill", max_stale=1)["X.close"].to_list()
    assert got[:2] == [2.0, None]  # Monday: the Saturday's close, one SPX day stale, as one within the calendar would be
    friday = part("X", [D(2023, 12, 22), D(2024, 1, 3)], [1.0, 2.0])  # five weekdays before the calendar
    assert align_series({"SPX": spx, "X": friday}, "ffill", max_stale=3)["X.close"].to_list()[:3] == [None, None, 2.0]
    import eventstudy

    text = (
        "name: ended\nseries: {SPX: SPX, X: X}\ndata: {align: ffill, max_stale: 3}\nwhen: SPX close > 0 and X close > 0\n"
        "evaluate:\n  - forward_returns: {assets: [SPX], horizons: [1d]}\nstatistics: {placebos: 0}\n"
    )
    data = {"SPX": pl.DataFrame({"date": WEEKDAYS, "close": 1.0}), "X": pl.DataFrame({"date": [D(2019, 12, 31)], "close": 1.0})}
    result = eventstudy.run(parse_study(text), data=data)
    assert result.events.is_empty()
    assert any("so from 2024-01-01 its values are null" in n for n in result.notes), result.notes  # not 'from 2024-01-04'


def test_max_stale_zero_keeps_the_reference_dates_but_only_same_day_values() -> None:
    spx = part("SPX", WEEKDAYS)
    other = part("X", WEEKDAYS[::2])
    out = align_series({"SPX": spx, "X": other}, "ffill", max_stale=0)
    assert out["date"].to_list() == WEEKDAYS
    inner = align_series({"SPX": spx, "X": other})
    assert out.drop_nulls().equals(inner)


def test_ffill_starts_when_every_series_has_begun() -> None:
    spx = part("SPX", WEEKDAYS)
    late = part("X", WEEKDAYS[3:])
    out = align_series({"SPX": spx, "X": late}, "ffill")
    assert out["date"][0] == WEEKDAYS[3]


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="unknown alignment 'outer'"):
        align_series({"A": part("A", DAYS)}, "outer")
    with pytest.raises(ConfigError, match="max_stale must be a whole number"):
        align_series({"A": part("A", DAYS)}, "ffill", -1)


def test_describe_alignment_for_the_manifest() -> None:
    assert "inner" in describe_alignment("inner", 3, "SPX")
    text = describe_alignment("ffill", 3, "SPX")
    assert "ffill on SPX's calendar" in text and "at most 3 of SPX's trading days" in text


# --------------------------------------------------------------------------- through the timeline


def long_prices(series: dict[str, tuple[list[dt.date], list[float]]]) -> pl.DataFrame:
    rows = [(d, s, c) for s, (dates, closes) in series.items() for d, c in zip(dates, closes)]
    return pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row").sort("symbol", "date")


def test_timeline_ffill_features_on_own_history_and_null_beyond_the_limit() -> None:
    spx_days = WEEKDAYS
    btc_days = DAYS
    spx = [100.0 + i for i in range(len(spx_days))]
    btc = [10.0 * (1 + i) for i in range(len(btc_days))]
    # X trades Mon-Tue of week one only, then Monday of week two
    x_days = [D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 8)]
    prices = long_prices({"SPX": (spx_days, spx), "BTC": (btc_days, btc), "X": (x_days, [1.0, 2.0, 4.0])})
    series = {"SPX": "SPX", "BTC": "BTC", "X": "X"}
    node = resolve(parse("X return(1) > 0 and BTC return(1) > 0"), list(series))
    timeline = build_timeline(prices, series, required_features(node), align="ffill", max_stale=2)
    assert timeline["date"].to_list() == WEEKDAYS
    # BTC's return(1) is over its own calendar days: Monday vs Sunday, not vs Friday
    monday = timeline.filter(pl.col("date") == D(2024, 1, 8))
    assert monday["BTC.return(1)"].item() == pytest.approx(80.0 / 70.0 - 1)
    # X's return(1) on its own days: 2024-01-08 vs 2024-01-02
    assert monday["X.return(1)"].item() == pytest.approx(4.0 / 2.0 - 1)
    # carried two SPX days after Tuesday, null from the third: the condition is null, not an event
    x = dict(zip(timeline["date"].to_list(), timeline["X.close"].to_list()))
    assert x[D(2024, 1, 4)] == 2.0 and x[D(2024, 1, 5)] is None
    # X's last return is carried with its close (01-03, 01-04 and 01-09, 01-10 are 1-2 days
    # stale); on 01-05 and 01-11/12 it is null, so the condition is null: not an event.
    events = timeline.filter(compile_condition(node))["date"].to_list()
    assert events == [D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 4), D(2024, 1, 8), D(2024, 1, 9), D(2024, 1, 10)]


def test_timeline_default_is_still_inner() -> None:
    prices = long_prices({"A": (WEEKDAYS, [1.0] * len(WEEKDAYS)), "B": (DAYS, [2.0] * len(DAYS))})
    assert build_timeline(prices, {"B": "B", "A": "A"}, [])["date"].to_list() == WEEKDAYS


# --------------------------------------------------------------------------- the study file


BASE = "name: x\nseries: {BTC: BTC, SPX: SPX}\nwhen: BTC at ATH\nevaluate:\n  - forward_returns: {assets: [BTC], horizons: [5d]}\n"


def test_study_data_align_and_max_stale() -> None:
    study = parse_study(BASE)
    assert (study.data.align, study.data.max_stale) == ("inner", 3)
    study = parse_study(BASE + "data: {align: ffill, max_stale: 1}\n")
    assert (study.data.align, study.data.max_stale) == ("ffill", 1)
    with pytest.raises(ConfigError) as info:
        parse_study(BASE + "data: {max_stale: 2}\n", path="s.yaml")
    assert "max_stale applies only to align: ffill" in info.value.render()
    with pytest.raises(ConfigError, match=r"bad value 'outer' for 'data.align'"):
        parse_study(BASE + "data: {align: outer}\n")


@pytest.mark.parametrize("flag", ["true", "false"])
def test_max_stale_yes_or_no_is_refused_not_read_as_one_or_zero_days(flag: str) -> None:
    """'max_stale: true' ran as 1 day and 'false' as 0 (pydantic reads a bool as an
    integer), where 'placebos: true' is refused: a count of days is a number."""
    with pytest.raises(ConfigError) as info:
        parse_study(BASE + f"data: {{align: ffill, max_stale: {flag}}}\n", path="s.yaml")
    assert f"'data.max_stale': {flag} is yes or no, not a number of days" in info.value.render()


@pytest.mark.parametrize("days", ["100001", "100000000000000000000"])
def test_max_stale_beyond_any_history_is_refused_where_written_not_a_traceback(days: str) -> None:
    """'max_stale: 100000000000000000000' passed the study file's check and ended
    'validate' and 'run' in polars' OverflowError ('Python int too large to convert to C
    long'): it is refused at its place, as a horizon of more than 100,000 trading days is."""
    text = BASE + f"data: {{align: ffill, max_stale: {days}}}\n"
    with pytest.raises(ConfigError) as info:
        parse_study(text, path="s.yaml")
    rendered = info.value.render()
    assert rendered.startswith("s.yaml:6:") and "'data.max_stale'" in rendered and "100000" in rendered
    assert parse_study(BASE + "data: {align: ffill, max_stale: 100000}\n").data.max_stale == 100_000


def test_a_study_whose_ffill_leaves_a_series_unknown_is_not_run_into_the_histories_null(tmp_path) -> None:
    """'align: ffill' leaves a series unknown past max_stale days without a close. The
    default null (the histories, for a condition on prices) rebuilds every series on
    every day, so a valid study ended in 'the histories null needs positive closes on
    every day' with exit 2: it now falls back to the runs null with a warning saying
    why, and the histories null asked for is one message with what to do."""
    import numpy as np

    import eventstudy
    from eventstudy.errors import DataError

    rng = np.random.default_rng(4)
    days = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(1500)]
    for symbol, skip in (("AAA", set()), ("BBB", set(range(700, 712)))):  # BBB: 12 days without a close
        close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(days))))
        rows = "".join(f"{d},{c:.4f}\n" for i, (d, c) in enumerate(zip(days, close)) if i not in skip)
        (tmp_path / f"{symbol}.csv").write_text("date,close\n" + rows)
    text = (
        "name: ffill\nseries: {A: AAA, B: BBB}\ndata: {align: ffill, max_stale: 3}\nwhen: A drawdown >= 5% and B at 20-day high\n"
        "decluster: {gap: 5}\nevaluate:\n  - forward_returns: {assets: [A, B], horizons: [5d]}\nstatistics: {placebos: 200, histories: 19, seed: 1}\n"
    )
    study = parse_study(text, path=tmp_path / "study.yaml")
    result = eventstudy.run(study, data_dir=tmp_path)
    assert result.events.height and set(result.tests["null"].drop_nulls()) == {"runs"}
    warning = next(n for n in result.notes if "the histories null could not be used" in n)
    # BBB lacks 12 closes, 3 of them carried forward (max_stale): 9 days unknown, not 'no close on 9 days' beside
    # the data warning's 'BBB has no close on 12 of the 1,500 dates'
    assert any("BBB has no close on 12 of the 1,500 dates" in n for n in result.notes)
    assert "B (unknown on 9 days of the study calendar)" in warning and "the runs null was used instead" in warning
    with pytest.raises(DataError, match=r"B \(unknown on 9 days of the study calendar\) cannot be rebuilt there") as info:
        eventstudy.run(study, data_dir=tmp_path, null="histories")
    assert "align: inner" in (info.value.hint or "")
    inner = eventstudy.run(parse_study(text.replace("align: ffill, max_stale: 3", "align: inner"), path=tmp_path / "study.yaml"), data_dir=tmp_path)
    assert set(inner.tests["null"].drop_nulls()) == {"histories"}  # every day has both closes: the histories null as usual


def test_a_window_beyond_the_study_calendar_of_one_series_is_a_warning() -> None:
    """A series that starts later (or ends earlier) than the others cuts the study
    calendar: the window's days before (after) it are no study days. That was silent,
    but for the 'Data:' range: 'Window: 2019-06-01 ..' beside a calendar that starts
    2020-03-02. Under 'align: ffill' a series whose data end early leaves its values
    null max_stale days on, so a condition on it held on no day from then, silently."""
    import eventstudy

    every = (D(2019, 1, 1) + dt.timedelta(days=i) for i in range(1096))  # 2019-01-01 .. 2021-12-31
    days = [d for d in every if d.weekday() < 5]
    closes = [100.0 + i % 7 for i in range(len(days))]
    a = pl.DataFrame({"date": days, "close": closes})
    late = a.filter(pl.col("date") >= D(2020, 3, 2))
    early = a.filter(pl.col("date") <= D(2021, 6, 30))
    text = (
        "name: bounds\nseries: {A: A, B: B}\nwhen: A close > 0 and B close > 0\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )

    def warnings(data: dict, extra: str = "", **window: str) -> list[str]:
        result = eventstudy.run(parse_study(text + extra), data=data, **window)
        # the window's and calendar's warnings (the rule holds on every day it is known: that warning is another test's)
        return [n for n in result.notes if n.startswith("warning:") and "held on every day" not in n]

    found = warnings({"A": a, "B": late}, start="2019-06-01")
    assert any(
        "the window starts 2019-06-01, but the study calendar (the dates on which every series has a close) starts 2020-03-02, "
        "as the data of B start 2020-03-02" in w for w in found
    )
    assert not warnings({"A": a, "B": late}, start="2020-03-02") and not warnings({"A": a, "B": late})
    found = warnings({"A": a, "B": early}, end="2023-01-01")
    assert any("the window ends 2023-01-01, but the study calendar (the dates on which every series has a close) ends 2021-06-30" in w for w in found)
    assert not warnings({"A": a, "B": early})  # an open end: the end of the data, as the 'Data:' line says
    ffill = "data: {align: ffill, max_stale: 3}\n"
    found = warnings({"A": a, "B": early}, ffill)
    assert any(
        "the data of B end 2021-06-30, before the study calendar's last day 2021-12-31: with align: ffill its last close "
        "stands in for at most 3 day(s), so from 2021-07-06 its values are null" in w for w in found
    )
    assert not warnings({"A": a, "B": early}, ffill, end="2021-07-05")
    result = eventstudy.run(parse_study(text + ffill), data={"A": a, "B": early})
    assert result.events["date"].max() == D(2021, 7, 5)  # the warning's day: the last event is the day before


@pytest.mark.parametrize("align", ["inner", "ffill"])
def test_a_monthly_series_beside_daily_prices_is_not_run_into_the_histories_null(tmp_path, align: str) -> None:
    """The histories null rebuilds every series on the study calendar and counts features
    and horizons in its days. With a monthly series M beside daily A, 'align: inner' made
    that calendar the months' first days, so A's 5-day horizon was 5 months in the null
    (and 5 days in the data), and 'align: ffill' made it A's days, so 'M return(1)' was a
    day's change in the null (a month's in the data); both ran on the histories null,
    silently (on SPX and a noise series of monthly values, SPX 1m % > 0 came out
    'significant', adjusted p 0.004, where the runs null gives 0.198). The default now
    falls back to the runs null with a warning naming the series, and the histories null
    asked for is one message."""
    import numpy as np

    import eventstudy
    from eventstudy.errors import DataError

    rng = np.random.default_rng(5)
    days = [d for d in (dt.date(2010, 1, 1) + dt.timedelta(days=i) for i in range(2200)) if d.weekday() < 5]
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(days))))
    (tmp_path / "AAA.csv").write_text("date,close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, close)))
    months = [d for d in days if d.day <= 3 and (d.day == 1 or d.weekday() == 0)]  # the month's first weekday
    level = 5 + np.cumsum(rng.normal(0, 0.2, len(months))).clip(-4, None)
    (tmp_path / "MMM.csv").write_text("date,close\n" + "".join(f"{d},{v:.2f}\n" for d, v in zip(months, level)))
    data = "{align: ffill, max_stale: 23}" if align == "ffill" else "{align: inner}"
    text = (
        f"name: monthly\nseries: {{A: AAA, M: MMM}}\ndata: {data}\nwhen: M return(1) > 1%\n"
        "decluster: {gap: 21cd}\nevaluate:\n  - forward_returns: {assets: [A], horizons: [5d]}\n"
        "statistics: {placebos: 100, seed: 1}\n"
    )
    study = parse_study(text, path=tmp_path / "study.yaml")
    result = eventstudy.run(study, data_dir=tmp_path)
    assert result.events.height and set(result.tests["null"].drop_nulls()) == {"runs"}
    warning = next(n for n in result.notes if "the histories null could not be used" in n)
    if align == "inner":  # the calendar: M's dates; A's own days over their span
        skewed = f"A ({sum(months[0] <= d <= months[-1] for d in days):,} trading days of its own where the study calendar has {len(months)})"
    else:  # the calendar: A's days from M's first
        skewed = f"M ({len(months)} trading days of its own where the study calendar has {sum(d >= months[0] for d in days):,})"
    assert skewed in warning, warning
    with pytest.raises(DataError, match="would there be measured over another length of time than in the data"):
        eventstudy.run(study, data_dir=tmp_path, null="histories")


def test_a_weekly_series_dated_on_saturdays_is_shown_the_way_to_align_it(tmp_path) -> None:
    """A weekly series dated on Saturdays (FRED's ICSA) beside daily prices shares no date
    with them: 'error: the series A, W have no date in common' with a hint that only
    restated the inner join, no file or line, and no word of 'align: ffill', which runs
    it. The error now points at the study's series and names the way."""
    import eventstudy
    from eventstudy.errors import DataError

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(200)]
    (tmp_path / "AAA.csv").write_text("date,close\n" + "".join(f"{d},{100 + i % 9}\n" for i, d in enumerate(days) if d.weekday() < 5))
    (tmp_path / "WWW.csv").write_text("date,close\n" + "".join(f"{d},{200 + i % 5}\n" for i, d in enumerate(days) if d.weekday() == 5))
    text = "name: weekly\nseries: {A: AAA, W: WWW}\nwhen: W return(1) > 1%\nevaluate:\n  - forward_returns: {assets: [A], horizons: [5d]}\nstatistics: {placebos: 0}\n"
    with pytest.raises(DataError) as info:
        eventstudy.run(parse_study(text, path=tmp_path / "study.yaml"), data_dir=tmp_path)
    rendered = info.value.render()
    assert "study.yaml:2:9: error: the series A, W have no date in common" in rendered
    assert "'data: {align: ffill, max_stale: N}'" in rendered and "5 for a weekly series" in rendered
    ffill = text.replace("when:", "data: {align: ffill, max_stale: 5}\nwhen:")
    assert eventstudy.run(parse_study(ffill, path=tmp_path / "study.yaml"), data_dir=tmp_path).events.height > 0


def test_an_empty_ffill_calendar_or_window_is_described_as_the_first_series_dates_not_common_ones() -> None:
    """Under 'align: ffill' the study calendar is the first series' dates once every series
    has begun, not the dates the series have in common. A first series whose data end
    before another's begin was refused as 'the series A, B have no date in common' with
    the hint 'a condition over several series is evaluated on the dates where all of them
    have a close' (what ffill does not do), and a window past the calendar as 'the
    study's series have common dates 2021-01-04 .. 2021-12-31' where B's data end in June."""
    import eventstudy
    from eventstudy.errors import DataError
    from eventstudy.timeline import study_calendar

    days = [d for d in (D(2021, 1, 4) + dt.timedelta(days=i) for i in range(362)) if d.weekday() < 5]
    a = pl.DataFrame({"date": days, "close": [100.0 + i % 7 for i in range(len(days))]})
    b = a.filter(pl.col("date") >= D(2021, 7, 1))
    text = (
        "name: ffill\nseries: {A: A, B: B}\ndata: {align: ffill}\nwhen: A close > 0 and B close > 0\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )
    study = parse_study(text, path="s.yaml")
    early = {"A": a.filter(pl.col("date") < D(2021, 6, 1)), "B": b}
    expected = (
        "s.yaml:2:9: error: the study calendar is empty: with align: ffill it is A's dates once every series has begun, "
        "and the data of A end 2021-05-31, before those of B begin 2021-07-01"
    )
    with pytest.raises(DataError) as info:
        eventstudy.run(study, data=early)
    assert info.value.render().startswith(expected)
    assert "the data of A and B do not overlap in time" in (info.value.hint or "")
    prices = pl.concat([f.with_columns(pl.lit(n).alias("symbol")) for n, f in early.items()]).select("date", "symbol", "close")
    with pytest.raises(DataError) as info:  # validate's calendar, as the run's
        study_calendar(prices, study)
    assert info.value.render().startswith(expected)
    with pytest.raises(DataError) as info:
        eventstudy.run(study, data={"A": a, "B": b.filter(pl.col("date") <= D(2021, 9, 30))}, start="2022-03-01")
    assert (
        "the window 2022-03-01 .. open has no data: the study calendar (align: ffill: A's dates once every series has begun) "
        "runs 2021-07-01 .. 2021-12-31" in info.value.message
    )


@pytest.mark.parametrize(("behind", "ended"), [(2, False), (3, False), (4, True)])
def test_a_series_behind_by_at_most_max_stale_days_is_pending_not_ended(behind: int, ended: bool) -> None:
    """Under 'align: ffill' a series whose file stops a few days before the first series'
    (RUT's 2026-08-26 beside SPX's 2026-08-31: a source that publishes later) is carried
    to the calendar's last day, yet its horizons read 'data ended' and the notes 'never
    complete: the data of RUT end within the horizon', as for a delisted stock. One behind
    by at most max_stale of the calendar's days is pending, with the days it still needs."""
    import eventstudy
    from eventstudy.report.text import instance_cells

    days = [d for d in (D(2021, 1, 4) + dt.timedelta(days=i) for i in range(120)) if d.weekday() < 5]
    a = pl.DataFrame({"date": days, "close": [100.0 + i % 7 for i in range(len(days))]})
    b = a.head(len(days) - behind)
    text = (
        "name: behind\nseries: {A: A, B: B}\ndata: {align: ffill, max_stale: 3}\nwhen: A close > 0\n"
        "window: {start: 2021-04-01}\nevaluate:\n  - forward_returns: {assets: [B], horizons: [5d]}\nstatistics: {placebos: 0}\n"
    )
    result = eventstudy.run(parse_study(text), data={"A": a, "B": b})
    last_b = b["date"][-1]
    waiting = result.pending.filter(pl.col("date") <= last_b)  # events on B's own days whose 5 days run past its data
    assert waiting.height == 5
    assert waiting["ended"].to_list() == [ended] * 5
    assert waiting["days_remaining"].to_list() == [1, 2, 3, 4, 5]
    cells = [row[-1] for row, date in zip(instance_cells(result), result.events["date"]) if date == last_b]
    assert cells == ["data ended" if ended else "pending (5d)"]
    assert any(("never complete" in n) == ended and "B fwd 5d" in n for n in result.notes)


@pytest.mark.parametrize(
    ("entry", "column"),
    [
        ("excess_returns: {assets: [A], benchmark: B, horizons: [5d]}", "A-B.excess.5d"),
        ("excess_returns: {assets: [B], benchmark: A, horizons: [5d]}", "B-A.excess.5d"),
        ("excess_returns: {assets: [A], benchmark: B, horizons: [5d], model: market, estimation: 20, gap: 0}", "A~B.car.5d"),
        ("hit_rate: {assets: [A], benchmark: B, horizons: [5d]}", "A>B.hit.5d"),
    ],
)
def test_an_outcome_against_a_benchmark_whose_data_end_never_completes(entry: str, column: str, tmp_path) -> None:
    """Under 'align: ffill' with B's data ending 10 days before A's, the excess return
    A-B, its market-model CAR and the hit rate A>B at a horizon past B's last close were
    'pending (5d)', with notes of 'pending (up to 5 more trading days of data needed)',
    while B-A said 'data ended': ``ended`` followed the cell's own asset only, though the
    benchmark has no more closes and the value can never come. A cell reads its asset and
    its benchmark; it never completes when either has ended, in result.pending and
    result.outcomes, the instance table, outcomes.csv and the notes, which name B."""
    import eventstudy
    from eventstudy.report import write_outputs
    from eventstudy.report.text import instance_cells

    days = [d for d in (D(2021, 1, 4) + dt.timedelta(days=i) for i in range(120)) if d.weekday() < 5]
    a = pl.DataFrame({"date": days, "close": [100.0 + i % 7 for i in range(len(days))]})
    b = pl.DataFrame({"date": days, "close": [50.0 + i % 5 for i in range(len(days))]}).head(len(days) - 10)
    text = (
        "name: benchmark ended\nseries: {A: A, B: B}\ndata: {align: ffill}\nwhen: A close > 0\n"
        f"window: {{start: 2021-04-01}}\nevaluate:\n  - {entry}\nstatistics: {{placebos: 0}}\n"
    )
    result = eventstudy.run(parse_study(text), data={"A": a, "B": b})
    last_b = b["date"][-1]
    waiting = result.pending.filter(column=column)
    assert waiting["date"].to_list() == days[len(days) - 15 : len(days) - 10]  # B's last 5 days, whose 5 days run past its data
    assert waiting["days_remaining"].to_list() == [1, 2, 3, 4, 5]
    assert waiting["ended"].to_list() == [True] * 5
    assert result.outcomes.filter(pl.col("days_remaining") > 0)["ended"].to_list() == [True] * 5
    cells = [row[-1] for row, date in zip(instance_cells(result), result.events["date"]) if date == last_b]
    assert cells == ["data ended"]
    what = column.rsplit(".", 2)[0] + " " + column.split(".")[-2] + " 5d"
    assert any(n.startswith(f"{what}: 5 event(s) never complete: the data of B end within the horizon") for n in result.notes), result.notes
    assert not any("pending" in n and n.startswith(what) for n in result.notes)
    write_outputs(result, tmp_path / "out")
    written = pl.read_csv(tmp_path / "out" / "outcomes.csv", try_parse_dates=True)
    assert written.filter(pl.col("days_remaining") > 0)["ended"].to_list() == [True] * 5

"""The event study's tables as every renderer draws them (terminal, Markdown, HTML).

Formatting only (:class:`~eventstudy.report.text.TextTable`): the numbers are
:class:`~eventstudy.event_study.EventStudyResult`'s. Two tables, kept compact: each test
on each CAR window (the statistic and its two-sided p-value), and the CAAR path at a few
key days of the event window with its band; the full path is in caar.csv, every event's
CARs in cars.csv.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from eventstudy.report.text import (
    TextTable,
    format_cell,
    format_interval,
    format_level,
    format_p,
    tone_of,
)

if TYPE_CHECKING:
    from eventstudy.event_study import EventStudyResult
    from eventstudy.result import StudyResult

__all__ = [
    "EVENT_STUDY_FILES",
    "SIZE_BAND",
    "caar_table",
    "event_calibration_table",
    "event_study_heading",
    "event_study_tables",
    "event_study_verdict",
    "event_tests_table",
    "key_offsets",
]

TEST_TITLES = {
    "t": "cross-sectional t",
    "patell": "Patell",
    "bmp": "BMP",
    "kolari_pynnonen": "Kolari-Pynnönen",
    "corrado": "Corrado rank",
    "corrado_zivney": "Corrado-Zivney",
    "generalized_sign": "generalized sign",
    "calendar_time": "calendar-time portfolio",
}

MODEL_TITLES = {"mean": "mean-adjusted", "market_adjusted": "market-adjusted", "market": "market model", "factor": "factor model"}


def event_study_heading(found: EventStudyResult) -> str:
    """One line: model, windows, how many events are in.

    >>> from eventstudy.event_study import EventStudyResult
    >>> empty = pl.DataFrame()
    >>> event_study_heading(EventStudyResult(empty, empty, pl.DataFrame({"x": [1]}), empty, "market", (-10, 20), (-250, -30), 110, "SPX"))
    'Event study: market model on SPX, event window [-10, +20], estimation [-250, -30] (at least 110 days); 1 event'
    """
    model = MODEL_TITLES.get(found.model, found.model)
    if found.market is not None:
        model += f" on {found.market}"
    if found.factors is not None:
        model += f" ({found.factors})"
    (a, b), (ea, eb) = found.window, found.estimation
    excluded = f", {found.excluded.height:,} excluded" if found.excluded.height else ""
    n = found.n_events

    def day(d: int) -> str:  # as window_label writes a day: -1, 0, +1
        return f"{d:+d}" if d else "0"

    return (
        f"Event study: {model}, event window [{day(a)}, {day(b)}], estimation [{day(ea)}, {day(eb)}] (at least {found.min_days} days); "
        f"{n:,} event{'s' if n != 1 else ''}{excluded}"
    )


def event_study_verdict(found: EventStudyResult, alpha: float = 0.05) -> str:
    """What the event study found, for the verdict line: the CAAR over the whole window with
    its band, and how many of its tests are below ``alpha``.

    >>> from eventstudy.event_study import EventStudyResult
    >>> caar = pl.DataFrame({"offset": [0, 1], "caar": [-0.02, -0.025], "band_low": [-0.03, -0.035], "band_high": [-0.01, -0.015]})
    >>> tests = pl.DataFrame({"pvalue": [0.001, 0.2, None]})
    >>> found = EventStudyResult(caar, tests, pl.DataFrame({"x": [1, 2]}), pl.DataFrame(), "market", (0, 1), (-250, -30), 110, "SPX")
    >>> event_study_verdict(found)
    'event study (market model on SPX): CAAR[0,+1] -2.50% (95% band -3.50% to -1.50%); 1 of 2 tests below 0.05 (1 more without a statistic)'
    """
    # imported here: eventstudy.event_study loads the classical tests (scipy.special), which a timeline report need not pay for
    from eventstudy.event_study import window_label

    model = MODEL_TITLES.get(found.model, found.model) + (f" on {found.market}" if found.market else "")
    if found.excluded.height:
        model += f"; {found.n_events:,} event{'s' if found.n_events != 1 else ''} studied, {found.excluded.height:,} excluded"
    if found.n_events == 0:
        return f"event study ({model}): no event could be studied (see the excluded events)"
    a, b = found.window
    last = found.caar.filter(pl.col("offset") == b)
    parts = []
    if last.height and last["caar"][0] is not None:
        caar, low, high = last["caar"][0], last["band_low"][0], last["band_high"][0]
        band = f" ({format_level(found.level)} band {format_cell(low, 'fraction')} to {format_cell(high, 'fraction')})" if low is not None else ""
        parts.append(f"CAAR{window_label(a, b)} {format_cell(caar, 'fraction')}{band}")
    every = found.tests["pvalue"] if "pvalue" in found.tests.columns else pl.Series([], dtype=pl.Float64)
    p = every.drop_nulls()
    if p.len():
        untested = every.len() - p.len()
        without = f" ({untested} more without a statistic)" if untested else ""
        parts.append(f"{int((p < alpha).sum())} of {p.len()} tests below {alpha:g}{without}")
    # no event with every return of the window, no test with a statistic: said, not 'event study (...): .'
    return f"event study ({model}): " + ("; ".join(parts) or "no CAAR over the whole window and no test with a statistic (see its tables)")


def event_tests_table(found: EventStudyResult, alpha: float = 0.05) -> TextTable | None:
    """Rows: the tests; per CAR window the statistic and its p-value (bold below ``alpha``)."""
    tests = found.tests
    if tests.is_empty():
        return None
    windows = tests.select("window", "start", "end").unique(maintain_order=True)["window"].to_list()
    headers, short, parts, groups = ["Test"], ["Test"], [], []
    for k, window in enumerate(windows):
        headers += [f"{window} stat", f"{window} p"]
        short += ["stat", "p"]
        parts += [f"CAR{window}"] * 2
        groups += [k, k]
    rows, tones = [], []
    for test in tests["test"].unique(maintain_order=True).to_list():
        mine = {r["window"]: r for r in tests.filter(pl.col("test") == test).iter_rows(named=True)}
        row, tone = [TEST_TITLES.get(test, test)], [""]
        for window in windows:
            r = mine.get(window)
            stat, p = (r["statistic"], r["pvalue"]) if r else (None, None)
            if r is not None and stat is None:  # e.g. the calendar-time portfolio with every event on one day
                row += ["no statistic", ""]
            else:
                row += ["" if stat is None else f"{stat:+.2f}", format_p(p, alpha=alpha)]
            tone += ["", "sig" if p is not None and p < alpha else ""]
        rows.append(row)
        tones.append(tone)
    n = tests.group_by("window", maintain_order=True).agg(pl.col("n").max())
    counts = ", ".join(f"{w} n={c:,}" for w, c in n.rows())
    return TextTable(
        title=f"Event-study tests (two-sided p; {counts})", headers=headers, rows=rows, tones=tones, keys=1, groups=groups,
        short_headers=short, parts=parts, noun="tests",
    )


def key_offsets(found: EventStudyResult) -> list[int]:
    """The days the CAAR table shows: the window's ends, -1, 0, +1 and each CAR window's end."""
    a, b = found.window
    ends = found.tests["end"].to_list() if not found.tests.is_empty() else []
    return sorted({d for d in (a, -1, 0, 1, *ends, b) if a <= d <= b})


def caar_table(found: EventStudyResult) -> TextTable | None:
    """The CAAR at :func:`key_offsets`, with the day's AAR, the band and the events counted."""
    if found.caar.is_empty() or found.n_events == 0:
        return None
    level = format_level(found.level)
    rows, tones = [], []
    for r in found.caar.filter(pl.col("offset").is_in(key_offsets(found))).iter_rows(named=True):
        aar, caar = format_cell(r["aar"], "fraction"), format_cell(r["caar"], "fraction")
        rows.append([f"{r['offset']:+d}" if r["offset"] else "0", aar, caar, format_interval(r["band_low"], r["band_high"], "fraction"), f"{r['n']:,}"])
        tones.append(["", tone_of(aar), tone_of(caar), "", ""])
    return TextTable(
        title=f"CAAR by day of the event window (band: {level}, cross-section; every day in caar.csv)",
        headers=["Day", "AAR", "CAAR", f"{level} band", "n"], rows=rows, tones=tones, keys=1, noun="days",
    )


def event_study_tables(result: StudyResult) -> list[TextTable]:
    """The event study's tables of ``result`` in report order (none without one)."""
    found = result.event_study
    if found is None:
        return []
    alpha = result.statistics.alpha if result.statistics is not None else 0.05
    return [t for t in (event_tests_table(found, alpha), caar_table(found)) if t is not None]


EVENT_STUDY_FILES: dict[str, Callable[[EventStudyResult], pl.DataFrame]] = {
    "caar.csv": lambda found: found.caar,
    "event_tests.csv": lambda found: found.tests,
    "cars.csv": lambda found: found.cars,
    "excluded_events.csv": lambda found: found.excluded,
}
"""The files ``--output`` writes for an event study, each from its table."""


SIZE_BAND = (0.035, 0.065)
"""Rejection rates at 5% a test that holds its size must stay within (issue 17)."""


def event_calibration_table(table: pl.DataFrame, *, size: bool = True) -> TextTable:
    """:func:`~eventstudy.inference.event_calibration.calibrate_event_tests` rows as one
    compact table: per test, each scenario x window's rejection rate with its Wilson 95%
    interval; with ``size``, '!' marks an interval entirely outside :data:`SIZE_BAND`; a test
    that had no statistic in any replication reads 'no statistic'."""
    from eventstudy.event_study import window_label  # as in event_study_verdict

    columns = table.select("scenario", "start", "end").unique(maintain_order=True).rows()
    headers, short, parts = ["Test"], ["Test"], []
    for scenario, a, b in columns:
        headers.append(f"{scenario} {window_label(a, b)}")
        short.append(window_label(a, b))
        parts.append(scenario)
    rows, tones = [], []
    for test in table["test"].unique(maintain_order=True).to_list():
        row, tone = [TEST_TITLES.get(test, test)], [""]
        for scenario, a, b in columns:
            r = table.filter((pl.col("test") == test) & (pl.col("scenario") == scenario) & (pl.col("start") == a) & (pl.col("end") == b))
            if r.is_empty():
                row.append("")
                tone.append("")
                continue
            found = r.row(0, named=True)
            rate, low, high = found["rate"], found["low"], found["high"]
            if found.get("tested") == 0:  # e.g. the calendar-time test with every event on one day
                row.append("no statistic")
                tone.append("")
                continue
            off = size and (low > SIZE_BAND[1] or high < SIZE_BAND[0])
            row.append(f"{100 * rate:.1f}% [{100 * low:.1f}, {100 * high:.1f}]{' !' if off else ''}")
            tone.append("neg" if off else "")
        rows.append(row)
        tones.append(tone)
    n = int(table["replications"].max() or 0)  # type: ignore[arg-type]  # polars types max() as any literal
    what = "size" if size else "power"
    return TextTable(
        title=f"Event-study tests: rejection rate at 5% ({what}; {n:,} replications, Wilson 95% interval"
        + ("; ! = interval outside [3.5%, 6.5%])" if size else ")"),
        headers=headers, rows=rows, tones=tones, keys=1, short_headers=short, parts=parts, noun="tests",
    )

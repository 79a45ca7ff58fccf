"""What a study produces: :class:`StudyResult` (and the measure catalog it carries, from
:mod:`eventstudy.measures`).

These types sit below every stage that fills them (the engine, the inference, the sweep)
and every stage that reads them (the reports), so none of those needs another's module
to name a result.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from eventstudy.measures import Measure, Measures

if TYPE_CHECKING:  # annotations only: the result sits below every stage that fills it
    from eventstudy.config import StatisticsSpec, Study
    from eventstudy.event_study import EventStudyResult
    from eventstudy.inference.sampler_names import NoTest

__all__ = ["Measure", "Measures", "StudyResult", "require_study_result"]


@dataclass(frozen=True)
class StudyResult:
    """Everything a study produced; every table is a polars DataFrame.

    Attributes
    ----------
    study
        The validated study, as given: a window override (``run(..., start=, end=)``,
        ``--start``/``--end``) is in ``start`` and ``end``, not in ``study.window``.
    condition
        The condition in canonical form, as it was evaluated.
    data_dir, start, end
        Where the data came from, and the window the run used (None: the data's first or
        last day).
    events
        The instance table: one row per kept event, ``date`` (and ``symbol`` in a universe
        study), the closes of the study's series and the condition's other features that
        day, and one column per evaluator x asset x horizon (``SPX.fwd.1m``: simple
        forward return, null when the horizon has not elapsed).
    raw_events
        Every day the condition held in the window, with ``kept`` (survived declustering).
    outcomes
        Long outcomes of the kept events: ``date, asset, horizon, horizon_days, value,
        measure, days_remaining, ended, symbol``; ``days_remaining``: the trading days of
        data an incomplete value lacks, ``ended`` whether they will come, as ``pending``
        says it (False: pending; True: its symbol's data end first; null: complete). Only the
        study's own measures, as ``outcomes.csv``: the event-time path computed for charts
        is in ``chart_outcomes``.
    baseline_outcomes
        The same for every day of the study window (the unconditional baseline); empty for
        a universe study, whose baseline is summarized without a long frame.
    summary
        Per asset x horizon (x measure): the events' n, n_incomplete, mean, median,
        pct_positive, min, max, the baseline's n, mean, median, pct_positive, and a normal
        band of the events' mean (``band_low``, ``band_high``: for charts). Only the
        study's own measures: the event-time path computed for charts is in
        ``chart_summary``.
    chart_summary
        The same figures for measures computed only for charts (the implicit event-time
        path); empty when none was computed.
    chart_outcomes
        The kept events' long outcomes of those measures (the path's per-event values the
        chart draws); empty when none was computed.
    timeline
        The aligned daily frame the condition was evaluated on (full history; for a
        universe study, the market series).
    tests
        Significance per cell x statistic (mean, median, pct_positive): the headline test
        named in ``null``, its p-value, adjusted p-values, interval, classical companions,
        n_eff and minimum detectable effect (see :mod:`eventstudy.inference`). Empty when
        ``statistics.placebos`` is 0.
    statistics
        The statistics settings used (after command-line overrides).
    pending
        ``date, [symbol,] column, measure, asset, horizon, days_remaining, ended``: the
        incomplete outcomes (value null, the horizon past the data), their instance-table
        column and summary cell, and how many trading days of data they lack.
        ``ended`` False: pending, the horizon runs past the data's last day and more
        data will come; True: it runs past the end of its symbol's data, which stop
        before the data's last day (a delisted stock, a series of ``align: ffill`` that
        stops first), so it never completes. Both are counted in ``n_incomplete``.
    measures
        The measure catalog (units, titles, which are tested, in the table, hidden).
    sources
        The file each symbol's prices came from (a data directory or the download cache).
    source_ranges
        Per symbol, the data as loaded: ``first`` and ``last`` date and ``rows``.
    input_hashes
        Each input file read (prices, a universe's panel and symbols file) -> its stamp
        when it was read (size and modification time; the cache's hash of what it read),
        which the manifest checks the file against before hashing it.
    placebo
        The null distributions behind the tests: ``measure, asset, horizon,
        horizon_days, statistic, value``, one row per draw (for charts).
    breakdowns
        Universe studies: the events' figures ``by_year`` and ``by_symbol`` (``n``,
        ``n_incomplete`` as in the summary, ``mean``, ``median``, ``pct_positive``).
    timings
        Seconds spent per stage (``prepare_s``, ``evaluate_s``, ``significance_s``, ...).
    column_units
        How each instance-table column is shown: 'date', 'text', or a feature unit
        ('price', 'fraction' = signed, e.g. a return, 'share' = unsigned, e.g. a drawdown,
        'number', 'count').
    notes
        Plain statements of the choices made and anything a careful analyst should know.
    no_test
        The headline null's warnings that its p-values are no test here (little room, too
        few draws; :class:`~eventstudy.inference.sampler_names.NoTest`), as data: their
        words are among the notes. Empty when the tests test.
    event_study
        The classical event study of the kept events when the study has an
        ``event_study:`` block (:class:`~eventstudy.event_study.EventStudyResult`: CAAR
        path, tests, CARs, excluded events); None otherwise.
    """

    study: Study
    condition: str
    data_dir: Path | None
    start: dt.date | None
    end: dt.date | None
    events: pl.DataFrame
    raw_events: pl.DataFrame
    outcomes: pl.DataFrame
    baseline_outcomes: pl.DataFrame
    summary: pl.DataFrame
    timeline: pl.DataFrame
    chart_summary: pl.DataFrame = field(default_factory=pl.DataFrame)
    chart_outcomes: pl.DataFrame = field(default_factory=pl.DataFrame)
    tests: pl.DataFrame = field(default_factory=pl.DataFrame)
    statistics: StatisticsSpec | None = None
    column_units: dict[str, str] = field(default_factory=dict)
    pending: pl.DataFrame = field(default_factory=pl.DataFrame)
    measures: Measures = field(default_factory=Measures)
    sources: dict[str, Path] = field(default_factory=dict)
    source_ranges: dict[str, dict[str, object]] = field(default_factory=dict)
    input_hashes: dict[Path, dict[str, object]] = field(default_factory=dict)
    placebo: pl.DataFrame = field(default_factory=pl.DataFrame)
    breakdowns: dict[str, pl.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    no_test: tuple[NoTest, ...] = ()
    event_study: EventStudyResult | None = None

    def _description(self) -> list[str]:
        """The lines of :meth:`__repr__`: name, counts, the verdict, where the tables are."""
        # the verdict's wording is the report's, imported only when a result is shown
        from eventstudy.report.text import held_days
        from eventstudy.report.verdict import counted_tests, verdict_line

        kind = "universe study" if self.universe else "study"
        window = f"{self.start or 'start of data'} .. {self.end or 'end of data'}"
        cells = self.summary.height
        counted = len(counted_tests(self.tests.to_dicts()))  # as the verdict counts them
        other = self.tests.height - counted
        tests = f", {counted_noun(counted, 'test')}" if self.tests.height else ""
        if other and counted:  # a statistic the null does not test, a description (mae, mfe): rows, not tests
            tests += f" (result.tests has {counted_noun(other, 'more row')}, with no test)"
        elif other:  # no events, too few complete ones
            tests = f", no tests (result.tests has {counted_noun(other, 'row')}, with no test)"
        tables = {"summary": self.summary, "events": self.events, "tests": self.tests, "outcomes": self.outcomes,
                  "raw_events": self.raw_events, "timeline": self.timeline}
        return [
            f"{kind} {self.study.name!r}",
            f"condition: {self.condition}; window {window}",
            f"counts: {counted_noun(self.events.height, 'event')} (kept of {held_days(self)}), "
            f"{counted_noun(cells, 'summary cell')}{tests}",
            verdict_line(self),
            tables_line(tables),
        ]

    def __repr__(self) -> str:
        """A few lines: the study, its counts, the verdict and where the tables are (not the tables)."""
        head, *rest = self._description()
        return f"<StudyResult {head}>\n" + "\n".join(f"  {line}" for line in rest)

    def _repr_html_(self) -> str:
        """A notebook's view: the same few lines as :meth:`__repr__` (the tables are one
        attribute away: ``result.summary``, ``result.events``, ...)."""
        head, *rest = (html.escape(line) for line in self._description())
        items = "".join(f"<li>{line}</li>" for line in rest)
        return f"<div><p><b>StudyResult</b> {head}</p><ul style='margin-top: 0'>{items}</ul></div>"

    @property
    def measure_units(self) -> dict[str, str]:
        """Display unit of each measure ('fraction' for returns, 'count', 'share')."""
        return self.measures.units

    @property
    def measure_titles(self) -> dict[str, str]:
        """What each measure is, in words."""
        return self.measures.titles

    @property
    def tested_measures(self) -> list[str]:
        """Measures that get significance tests."""
        return self.measures.tested

    @property
    def hidden_measures(self) -> list[str]:
        """Measures computed for charts only, left out of text reports."""
        return self.measures.hidden

    @property
    def universe(self) -> bool:
        """Whether this is a universe study (events are ``(symbol, date)`` pairs)."""
        return self.study.universe is not None


def require_study_result(result: object, function: str) -> None:
    """Refuse anything but a :class:`StudyResult` where a report renders one (a sweep's
    result ended in "'SweepResult' object has no attribute 'study'")."""
    if isinstance(result, StudyResult):
        return
    kind = type(result).__name__
    if kind == "SweepResult":
        raise TypeError(
            f"{function} renders a study's result (what eventstudy.run returns), and this is a SweepResult: its tables "
            "are result.ledger and result.confirmation (polars DataFrames: .write_csv(path) writes one), and "
            "'eventstudy sweep STUDY --output DIR' writes the sweep's report"
        )
    raise TypeError(f"result is of type {kind}: {function} renders what eventstudy.run returns (a StudyResult)")


def tables_line(tables: Mapping[str, pl.DataFrame]) -> str:
    """Where a result's tables are, for its repr: 'tables (polars DataFrames): result.events (19 rows), ...'."""
    return "tables (polars DataFrames): " + ", ".join(f"result.{name} ({counted_noun(frame.height, 'row')})" for name, frame in tables.items())


def counted_noun(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless one: '1 event', '2,500 events'.

    >>> counted_noun(1, "summary cell"), counted_noun(12012, "row")
    ('1 summary cell', '12,012 rows')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"

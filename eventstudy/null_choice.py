"""Which null tests a study: decided from the study itself and, where the data matters
(a calendar the resampled histories cannot rebuild), from its prepared panel.

The engine asks here before it runs a test, and ``eventstudy explain`` asks here too, to say
which test a run will make: so this module reads the study and the condition only, and
imports none of the tests' numerics (scipy, the nulls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from eventstudy.conditions import SELF, Breadth, OnEvents, parse, required_features, resolve, walk
from eventstudy.conditions.compiler import reads_each_symbol
from eventstudy.config import StatisticsSpec, Study
from eventstudy.errors import ConfigError, DataError, option
from eventstudy.evaluators import build_evaluators
from eventstudy.features import FEATURES
from eventstudy.histories import MIN_DAYS, calendar_gaps, calendar_mismatch, unsupported_measures
from eventstudy.inference.sampler_names import NO_TEST, NoTest
from eventstudy.measures import measures_named

if TYPE_CHECKING:
    from eventstudy.panel import Panel

__all__ = [
    "choose_null",
    "dates_little_room",
    "day_columns_read",
    "histories_refusal",
    "histories_unusable",
    "no_histories_why",
    "picks_by_own_prices",
    "picks_days_not_stocks",
    "placebos_misjudge",
    "universe_null",
]


def choose_null(
    study: Study, statistics: StatisticsSpec, notes: list[str], gaps: Mapping[str, int] | None = None,
    mismatched: Mapping[str, int] | None = None, days: int = 0,
) -> str:
    """The headline null of a study of named series: as asked, or by default the
    histories null wherever it can be built, else ``runs``. That is every condition: one
    on prices (the rule's selection), and one that picks no prices, a calendar's or your
    own dates, whose events recur evenly (the runs null chains them into one run that
    fills the window: on simulated histories its test of the mean rejected 0-22% of true
    nulls at 5% by horizon, the histories null's 3.5-8%, ``eventstudy calibrate --simulate
    garch --condition 'month == 3'``; :data:`~eventstudy.inference.structural.LITTLE_ROOM`).
    ``gaps``: per series, the days of the study calendar without a
    close (:func:`~eventstudy.histories.calendar_gaps`), which the histories cannot rebuild;
    ``mismatched``: per series, its own trading days where they are far more or fewer
    than the calendar's ``days`` (:func:`~eventstudy.histories.calendar_mismatch`), on
    which the histories would count its features and horizons in other days than its own;
    ``days``: the study calendar's days (0: not known yet), of which the histories resample
    at least :data:`~eventstudy.histories.MIN_DAYS`."""
    asked = statistics.null
    if asked == "dates":
        raise ConfigError(
            "the 'dates' null is a universe study's (the events' dates kept, their stocks redrawn); a study of named "
            "series has one row to draw from",
            hint=f"{option('null', 'histories')}, runs, matched or circular (or statistics.null)",
        )
    unsupported, missing, skewed = _histories_obstacles(study, gaps, mismatched, days)
    if asked == "histories":
        if skewed:
            raise DataError(
                f"the histories null rebuilds every series on the study calendar and counts features and horizons in its "
                f"days, and {', '.join(skewed)} would there be measured over another length of time than in the data "
                "(a monthly series beside daily prices)",
                hint=f"another null with {option('null', 'runs')} (or statistics.null)",
            )
        if missing:
            raise DataError(
                f"the histories null rebuilds every series on every day of the study calendar from its returns, and "
                f"{', '.join(missing)} cannot be rebuilt there: 'align: ffill' leaves a series unknown before its first "
                "close and past max_stale days without one",
                hint=f"align: inner (the days on which every series has a close), or another null with {option('null', 'runs')} (or statistics.null)",
            )
        if unsupported:
            raise ConfigError(
                f"the histories null re-runs the study on resampled closes, and {', '.join(unsupported)} cannot be computed "
                "there (an entry at the next open, or a plug-in without a panel path)",
                hint=f"choose another null with {option('null', 'runs')} (or statistics.null), or an evaluator that works on closes",
            )
        if statistics.baseline is not None:
            raise ConfigError(
                "a nested baseline (statistics.baseline) is not supported by the histories null yet",
                location=study.source.location(("statistics", "baseline"), key=True), hint=f"use {option('null', 'runs')}",
            )
        return asked
    if asked is not None:
        misjudged = placebos_misjudge(study)
        if misjudged:
            notes.append(
                f"warning: the {asked} null holds the real days fixed, so under a condition on prices it is no test of "
                f"{measures_named(misjudged)} (on simulated histories where nothing predicts returns the runs null rejected "
                "8-39% of their true nulls at the 5% level): read their p-values as a description; the histories null "
                "(the default) tests them"
            )
        return asked
    if not (unsupported or missing or skewed or statistics.baseline is not None or _too_short(days)):
        return "histories"
    if picks_by_own_prices(study):  # else no selection by the prices for the histories to see: the runs null, quietly
        why = no_histories_why(study, statistics, gaps, mismatched, days)
        misjudged = placebos_misjudge(study)
        notes.append(
            f"warning: the condition uses prices, so its events are chosen by the returns they are tested on, but the "
            f"histories null could not be used ({why}): the runs null was used instead, which holds the real days fixed "
            "and does not see the rule's selection bias"
            + (
                f"; it is no test of {measures_named(misjudged)} (on simulated histories where nothing predicts returns it "
                "rejected 8-39% of their true nulls at the 5% level): read their p-values as a description"
                if misjudged else ""
            )
        )
    return "runs"


def universe_null(study: Study, statistics: StatisticsSpec, panel: Panel | None = None) -> str:
    """The headline null of a universe study: 'dates' (the default), 'histories' when
    asked for, or by default when the 'dates' null cannot test the study and the histories
    can be built: a measure it misjudges (:func:`placebos_misjudge`), or a condition that
    picks days, not stocks (:func:`picks_days_not_stocks`: the 'dates' null keeps the days
    and asks only whether the event stocks differ from the others); the nulls of a study
    of named series are refused, not ignored. Without the prepared ``panel`` (before any
    data is read) a calendar the histories cannot use is not yet known
    (:func:`histories_refusal`)."""
    asked = statistics.null
    if asked == "dates":
        return "dates"
    refusal = histories_refusal(study, panel)
    if asked is None:
        return "histories" if (placebos_misjudge(study) or picks_days_not_stocks(study)) and refusal is None else "dates"
    if asked == "histories":
        if refusal is not None:
            message, hint = refusal
            raise ConfigError(message, hint=hint)
        return asked
    raise ConfigError(
        f"the {asked!r} null is for studies of named series; a universe study's headline null is 'dates' (the events' "
        "dates kept, their stocks redrawn) or 'histories' (the rule re-run on resampled universes)",
        hint=f"{option('null', 'dates')} or {option('null', 'histories')} (or statistics.null)",
    )


def dates_little_room(days_not_stocks: bool, share: str | None, refusal: tuple[str, str] | None = None) -> NoTest:
    """The warning of a 'dates' null with no room (:func:`~eventstudy.engine.every_stock_an_event`
    decides when): a condition that picks days, not stocks (``days_not_stocks``), or events
    that are nearly every stock trading on their days; ``share``: of the stocks trading on
    the events' days, the events (None before the data is read, as ``explain`` words it:
    a condition that picks days makes every stock trading an event, but those set apart by
    declustering or listing). ``refusal``: why the histories null cannot be built here."""
    why = "the condition picks days, not stocks (it reads no stock's own prices or events), and " if days_not_stocks else ""
    on_days = (
        f"on the events' days {share} of the stocks trading are events" if share is not None
        else "on the events' days every stock trading is an event but those declustering or listings set apart"
    )
    found = NoTest("dates", "little room", (
        f"warning: the 'dates' null had little room: {why}{on_days}, "
        "so moving each stock's events to another stock on the same days asks whether the event stocks differ from the "
        f"others that day, not whether the days differ: {NO_TEST}"
    ), remedy=f"the histories null ({option('null', 'histories')}) re-runs the rule on resampled universes and asks whether these days differ from others")
    return found.without_remedy(refusal[0]) if refusal else found


def placebos_misjudge(study: Study) -> list[str]:
    """The tested measures of a study that its placebo nulls (a universe's 'dates', a
    timeline's runs, matched or circular) cannot test: none unless the condition picks its
    days by the prices (:func:`picks_by_own_prices`); then those of
    :meth:`~eventstudy.evaluators.Evaluator.misjudged_by_placebos` (the market model's
    abnormal return, the worst and best close ahead)."""
    if not picks_by_own_prices(study):
        return []
    return list(dict.fromkeys(m for ev in build_evaluators(study.evaluators) if ev.tested for m in ev.misjudged_by_placebos()))


def picks_by_own_prices(study: Study) -> bool:
    """Whether the condition picks its days by the path its outcomes are measured on: a
    universe study's by each stock's own prices (a market condition picks every stock's
    day alike, and so does a ``breadth(...)``: the share of all stocks, the same for each),
    a timeline's by any series' prices (a calendar condition picks none)."""
    universe = study.universe is not None
    requests = required_features(resolve(parse(study.when), list(study.series), universe=universe), skip=(Breadth,))
    return any(r.series == SELF for r in requests) if universe else bool(requests)


def picks_days_not_stocks(study: Study) -> bool:
    """Whether a universe study's condition reads no stock's own prices or events (the
    market series, a breadth, the calendar, a file of dates): it picks days, and every
    stock trading on them, declustering and listings aside."""
    node = resolve(parse(study.when), list(study.series), universe=True)
    pairs = {name for name, found in study.event_sets.items() if found.pairs}
    return not reads_each_symbol(node) and not any(isinstance(m, OnEvents) and m.name in pairs for m in walk(node))


def day_columns_read(study: Study) -> list[str]:
    """The columns besides the close (open, high, low, volume) the study's condition reads:
    resampled histories have closes only."""
    node = resolve(parse(study.when), list(study.series), universe=study.universe is not None)
    needed: dict[str, None] = {}
    for request in required_features(node):
        if request.name in FEATURES:
            needed.update(dict.fromkeys(FEATURES.get(request.name).needs))
    return list(needed)


def _histories_obstacles(
    study: Study, gaps: Mapping[str, int] | None, mismatched: Mapping[str, int] | None, days: int
) -> tuple[list[str], list[str], list[str]]:
    """What keeps the histories null from a study of named series (:func:`choose_null`):
    measures or condition columns resampled closes cannot give, series unknown on days of
    the calendar, series whose own days are far from the calendar's."""
    unsupported = unsupported_measures(study)
    day_columns = day_columns_read(study)
    if day_columns:
        unsupported = [*unsupported, f"the condition's {', '.join(day_columns)} (histories rebuild closes only)"]
    missing = [f"{name} (unknown on {n:,} days of the study calendar)" for name, n in (gaps or {}).items()]
    skewed = [f"{name} ({n:,} trading days of its own where the study calendar has {days:,})" for name, n in (mismatched or {}).items()]
    return unsupported, missing, skewed


def no_histories_why(
    study: Study, statistics: StatisticsSpec, gaps: Mapping[str, int] | None = None,
    mismatched: Mapping[str, int] | None = None, days: int = 0,
) -> str | None:
    """Why the histories null cannot be used for this study, in words; None when it can."""
    unsupported, missing, skewed = _histories_obstacles(study, gaps, mismatched, days)
    why = "; ".join(
        [*([f"{', '.join(unsupported)} cannot be computed on resampled closes"] if unsupported else []),
         *([f"{', '.join(missing)}: 'align: ffill' leaves those days unknown"] if missing else []),
         *([f"{', '.join(skewed)}: the histories would count its features and horizons in the calendar's days"] if skewed else []),
         *(["a nested baseline"] if statistics.baseline is not None else []),
         *([f"the study calendar has {days} day{'s' if days != 1 else ''}, and the histories resample at least {MIN_DAYS}"] if _too_short(days) else [])]
    )
    return why or None


def _too_short(days: int) -> bool:
    """Whether a study calendar of ``days`` (0: not yet known) is too short to resample:
    a study with no events on two common days ran into the histories' own error."""
    return 0 < days < MIN_DAYS


def histories_unusable(study: Study, statistics: StatisticsSpec, panel: Panel | None = None) -> str | None:
    """Why a run of ``study`` cannot use the histories null, in words (None: it can): a
    universe's :func:`histories_refusal`, or a timeline's :func:`no_histories_why` with the
    calendar gaps and mismatched series of its prepared ``panel`` (none without one)."""
    if study.universe is not None:
        refusal = histories_refusal(study, panel)
        return refusal[0] if refusal else None
    if panel is None:
        return no_histories_why(study, statistics)
    gaps = calendar_gaps(panel.frame, list(study.series)) if panel.frame is not None else None
    return no_histories_why(study, statistics, gaps, calendar_mismatch(panel.days.size, panel.own_days), panel.days.size)


def histories_refusal(study: Study, panel: Panel | None = None) -> tuple[str, str] | None:
    """Why a universe cannot be resampled for this study (message, hint), or None; with
    its prepared ``panel``, also a calendar far sparser than the stocks' own days (a
    monthly market series: :func:`~eventstudy.histories.calendar_mismatch`), on which the
    histories would count the stocks' features and horizons in other days than the data's."""
    day_columns = day_columns_read(study)
    if day_columns:
        return (
            f"the histories null rebuilds the universe from its closes, and the condition reads the day's {', '.join(day_columns)}",
            "keep the 'dates' null for this condition",
        )
    opens = [spec.name for spec in study.evaluators if getattr(spec.params, "entry", None) == "next_open"]
    if opens:
        return (
            f"the histories null rebuilds the universe from its closes, and {', '.join(opens)} enters at the next open",
            "enter at the close (entry: close or next_close), or keep the 'dates' null",
        )
    skewed = calendar_mismatch(panel.days.size, panel.own_days) if panel is not None else {}
    if panel is not None and skewed:
        return (
            f"the histories null rebuilds the universe on the study calendar and counts the stocks' features and horizons in "
            f"its days, and the calendar (the dates on which the market series {', '.join(study.series)} "
            f"{'has' if len(study.series) == 1 else 'have'} a close) has "
            f"{panel.days.size:,} where the stocks have {next(iter(skewed.values())):,} over its span: they would be measured "
            "over another length of time than in the data (a monthly market series beside daily stocks)",
            "keep the 'dates' null (statistics.null), or name a daily market series",
        )
    return None

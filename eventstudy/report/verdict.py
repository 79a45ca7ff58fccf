"""The verdict line: what a run found, in one sentence, from the figures it computed.

Above both the tables' formatting (:mod:`eventstudy.report.text`) and the event study's
wording (:mod:`eventstudy.report.event_study`), which it reads: every renderer and a
result's ``repr`` start with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy.inference.sampler_names import DESCRIBED, NO_TEST
from eventstudy.measures import STATISTIC_WORDS
from eventstudy.report.event_study import event_study_verdict
from eventstudy.report.text import format_difference, format_p

if TYPE_CHECKING:
    from eventstudy.result import StudyResult

__all__ = ["verdict_line"]

def _cell_name(test: dict[str, object], with_measure: bool) -> str:
    """'RUT 6m % > 0', or with the measure 'excess stocks-SPX 1m average'."""
    words = [str(test["asset"]), str(test["horizon"]), STATISTIC_WORDS.get(str(test["statistic"]), str(test["statistic"]))]
    return " ".join([str(test["measure"]), *words] if with_measure else words)


def _null_named(null: str) -> str:
    """A null as the notes name it: 'dates' in quotes ("the dates null" reads as any null of dates)."""
    return f"'{null}'" if null == "dates" else null


def counted_tests(tests: list[dict]) -> list[dict]:
    """The rows of ``result.tests`` the verdict counts as tests: those with a p-value that
    is not a description (a statistic the null does not test has none)."""
    return [t for t in tests if t["p_placebo"] is not None and DESCRIBED not in (t.get("warning") or "")]


def verdict_line(result: StudyResult) -> str:
    """One line that says what the run found, from the figures it computed: how many
    events, and whether any test survives the max-statistic adjustment across all cells
    (the ``survives`` column of ``result.tests``); with none, the smallest adjusted p-value
    and how many were below alpha before the adjustment. A classical event study beside
    tested evaluators adds what it found (its CAAR and its tests).

    Nothing is computed here that the run did not: counts of its rows and its flags.
    """
    line = _placebo_verdict(result)
    tested = result.statistics is not None and result.statistics.placebos > 0 and not result.tests.is_empty()
    if tested and result.event_study is not None and result.events.height:
        alpha = result.statistics.alpha if result.statistics else 0.05
        line = f"{line.removesuffix('.')}; {event_study_verdict(result.event_study, alpha)}."
    return line


def _placebo_verdict(result: StudyResult) -> str:
    events = result.events.height
    if not events:
        return "Verdict: no events: the condition never held in the window."
    count = f"{events:,} event{'s' if events != 1 else ''}"
    if result.universe and "symbol" in result.events.columns:
        symbols = result.events["symbol"].n_unique()
        count += f" in {symbols:,} symbol{'s' if symbols != 1 else ''}"
    tested = result.statistics is not None and result.statistics.placebos > 0 and not result.tests.is_empty()
    # why nothing is tested: the tests were turned off, or no evaluator of the study is tested (the path only describes)
    off = result.statistics is None or result.statistics.placebos == 0
    why = "(placebos: 0)" if off else "(none of its evaluators is tested: the path in event time only describes)"
    if not tested and result.event_study is not None:  # the event study's own tests are the verdict
        alpha = result.statistics.alpha if result.statistics else 0.05
        rest = f"; the summary's figures are not tested against chance {why}" if result.study.evaluate else ""
        return f"Verdict: {count}; {event_study_verdict(result.event_study, alpha)}{rest}."
    if not tested and off:
        return f"Verdict: {count}; no significance tests were run (placebos: 0), so nothing here is tested against chance."
    if not tested:
        return f"Verdict: {count}; nothing here is tested against chance {why}."
    alpha = result.statistics.alpha if result.statistics else 0.05
    shown = [t for t in result.tests.to_dicts() if t["p_placebo"] is not None]
    rows = counted_tests(shown)
    described = list(dict.fromkeys(str(t["measure"]) for t in shown if t not in rows))
    aside = f"; the p-values of {', '.join(described)} are descriptions, not tests (see the warning)" if described else ""
    if not rows and described:
        return f"Verdict: {count}; nothing is tested: the {_null_named(str(shown[0]['null']))} null does not test {', '.join(described)} (see its warning)."
    if result.no_test:  # the null's own warning: its p-values claim nothing (or there are none: no history had an event)
        first = result.no_test[0]
        why = "had little room here" if first.cause == "little room" else f"drew too few {first.drawn} for this alpha"
        return f"Verdict: {count}; nothing is tested: the {_null_named(first.null)} null {why}, so {NO_TEST} (see its warning)."
    if not rows:
        return f"Verdict: {count}; no cell had enough complete events for a test."
    with_measure = len({t["measure"] for t in rows}) > 1
    adjusted = [t for t in rows if t.get("p_maxstat") is not None]
    survivors = [t for t in adjusted if t.get("survives")]
    nominal = sum(1 for t in rows if t["p_placebo"] < alpha)
    family = f"after the max-statistic adjustment (alpha {alpha:g})"
    if not adjusted:
        return f"Verdict: {count}; {nominal} of {len(rows)} tests below {alpha:g}, with no multiple-testing adjustment possible{aside}."
    best = min(adjusted, key=lambda t: (t["p_maxstat"], t["p_placebo"]))
    cell = _cell_name(best, with_measure)
    if survivors:
        unit = "share" if best["statistic"] == "pct_positive" else result.measure_units.get(str(best["measure"]), "fraction")
        size = best.get("effect") if best.get("effect") is not None else best.get("difference")
        effect = f", effect {format_difference(size, unit)}" if size is not None else ""
        return (f"Verdict: {count}; {len(survivors)} of {len(rows)} tests significant {family}; "
                f"strongest: {cell}{effect} (adjusted p {format_p(best['p_maxstat'], alpha=alpha)}){aside}.")
    before = f"{nominal} below {alpha:g} unadjusted" if nominal else f"none below {alpha:g} even unadjusted"
    return (f"Verdict: {count}; none of {len(rows)} tests significant {family}; {before}; "
            f"smallest adjusted p {format_p(best['p_maxstat'], alpha=alpha)} ({cell}){aside}.")

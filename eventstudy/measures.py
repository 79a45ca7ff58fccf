"""The measure catalog: what each measure an evaluator produces is, and how it is shown.

A leaf module (no polars, no other eventstudy module): the evaluators name their measures
with it, and the engine, the result and the reports read it, so none of them imports
another's module for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

__all__ = ["STATISTICS", "STATISTIC_WORDS", "Measure", "Measures", "measures_named"]

STATISTICS = ("mean", "median", "pct_positive")
"""The statistics a measure's events are summarized and tested on, in order."""

STATISTIC_WORDS = {"mean": "average", "median": "median", "pct_positive": "% > 0"}
"""Each of :data:`STATISTICS` as the reports and notes name it."""


@dataclass(frozen=True)
class Measure:
    """One measure an evaluator produces (``fwd``, ``excess``, ``mae``, ``path``, ...).

    Attributes
    ----------
    name
        The measure as it appears in the ``measure`` column of outcomes and tests.
    evaluator
        The registered name of the evaluator that produces it.
    unit
        How values are shown: ``'fraction'`` (a return), ``'share'``, ``'count'``, ...
    title
        What it is, in words (report headings).
    table
        A column of the instance table.
    tested
        Part of the significance tests and their multiple-testing family.
    statistics
        The statistics it is tested on (all of :data:`STATISTICS` by default). A score of 0
        or 1 (the hit rate) is tested on its mean alone: its share above 0 is its mean, the
        same test twice, and its median is 0 or 1, a coarsening of the mean; neither gets a
        row of the tests or a place in a multiple-testing family (the summary shows them).
    fewer_why
        Why it is tested on fewer than all of them, in words ('a score of 0 or 1 has a
        % > 0 equal to its average and a median of 0 or 1'), for the run's note and a sweep.
    hidden
        Computed for charts only (the implicit event-time path): left out of text reports.
    missing
        Why an event's value is missing when more data would not bring it, as the run's
        notes say it ('without a value (not enough history or data), left out'; the days to
        recover: no recovery within ``max_days``).
    """

    name: str
    evaluator: str
    unit: str = "fraction"
    title: str = ""
    table: bool = True
    tested: bool = True
    statistics: tuple[str, ...] = STATISTICS
    fewer_why: str = ""
    hidden: bool = False
    missing: str = "without a value (not enough history or data), left out"


@dataclass(frozen=True)
class Measures:
    """The measures of a study, in the order the evaluators gave them.

    >>> m = Measures((Measure("fwd", "forward_returns"), Measure("path", "path", table=False, tested=False)))
    >>> m.order, m.tested, m.units["path"]
    (['fwd', 'path'], ['fwd'], 'fraction')
    """

    items: tuple[Measure, ...] = ()

    def __iter__(self) -> Iterator[Measure]:
        return iter(self.items)

    def __contains__(self, name: object) -> bool:
        return any(m.name == name for m in self.items)

    def add(self, measure: Measure) -> Measures:
        """This catalog with ``measure`` appended. A name already present keeps its entry,
        and another title for it (two ``hit_rate`` entries, a threshold's and a
        benchmark's, share the measure) is joined to the first with '; '.

        >>> one = Measures((Measure("hit", "hit_rate", title="share above 5%"),))
        >>> one.add(Measure("hit", "hit_rate", title="share beating SPX")).titles["hit"]
        'share above 5%; share beating SPX'
        >>> car = Measure("car", "excess_returns", title="CAR; alpha from 250 days")
        >>> Measures((car,)).add(car).titles["car"]
        'CAR; alpha from 250 days'
        """
        for i, known in enumerate(self.items):
            if known.name != measure.name:
                continue
            if not measure.title or f"; {measure.title}; " in f"; {known.title}; ":  # a title may hold '; ' itself
                return self
            title = f"{known.title}; {measure.title}" if known.title else measure.title
            return Measures((*self.items[:i], replace(known, title=title), *self.items[i + 1 :]))
        return Measures((*self.items, measure))

    def extend(self, measures: Iterable[Measure]) -> Measures:
        out = self
        for measure in measures:
            out = out.add(measure)
        return out

    @property
    def order(self) -> list[str]:
        return [m.name for m in self.items]

    @property
    def table(self) -> list[str]:
        return [m.name for m in self.items if m.table and not m.hidden]

    @property
    def tested(self) -> list[str]:
        return [m.name for m in self.items if m.tested and not m.hidden]

    @property
    def statistics(self) -> dict[str, tuple[str, ...]]:
        """The statistics each measure is tested on (:attr:`Measure.statistics`).

        >>> Measures((Measure("fwd", "forward_returns"), Measure("hit", "hit_rate", statistics=("mean",)))).statistics["hit"]
        ('mean',)
        """
        return {m.name: m.statistics for m in self.items}

    @property
    def fewer_why(self) -> dict[str, str]:
        return {m.name: m.fewer_why for m in self.items}

    @property
    def hidden(self) -> list[str]:
        return [m.name for m in self.items if m.hidden]

    @property
    def shown(self) -> list[str]:
        """The study's own measures, in order: all but those computed for charts only."""
        return [m.name for m in self.items if not m.hidden]

    @property
    def missing(self) -> dict[str, str]:
        return {m.name: m.missing for m in self.items}

    @property
    def units(self) -> dict[str, str]:
        return {m.name: m.unit for m in self.items}

    @property
    def titles(self) -> dict[str, str]:
        return {m.name: m.title for m in self.items}


def measures_named(measures: list[str]) -> str:
    """Measures named in a sentence.

    >>> measures_named(["mae", "mfe"])
    "the measures 'mae', 'mfe'"
    """
    return ("the measure " if len(measures) == 1 else "the measures ") + ", ".join(repr(m) for m in measures)

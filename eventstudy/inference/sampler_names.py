"""The null samplers' registry, apart from the samplers (:mod:`.samplers`).

Validating a study checks ``statistics.null`` against these names; the samplers
themselves (numpy code, and :mod:`eventstudy.events` with them) load when one is looked
up, which only a run does. Plug-ins add samplers through the ``eventstudy.samplers``
entry-point group.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from eventstudy.errors import option
from eventstudy.registry import Registry

if TYPE_CHECKING:
    from eventstudy.inference.samplers import PlaceboSampler

__all__ = ["NO_TEST", "SAMPLERS", "NoTest", "histories_instead"]

SAMPLERS: Registry[type[PlaceboSampler]] = Registry("null sampler", entry_point_group="eventstudy.samplers")
"""Null samplers by name; ``InferenceSettings.null`` picks one."""

DESCRIBED = "a description, no test"
"""The words of a test row's warning when its null is no test of its measure (a placebo
null of the market model's abnormal return or the excursions, under a condition on
prices): its p-value is shown, outside the multiple-testing family, and the verdict
(:mod:`eventstudy.report.verdict`) does not count it."""

NO_TEST = "its p-values are no test"
"""The words every :class:`NoTest` warning says it with."""


@dataclass(frozen=True)
class NoTest:
    """A null's own finding that its p-values are no test of this study, as data beside
    its words: a runs, matched or circular null with little room (its placebo sets are
    nearly the events themselves), a 'dates' null among a few stocks, or too few draws
    for any p-value to reach alpha. A run's tests then mark nothing as surviving, and the
    verdict (:mod:`eventstudy.report.verdict`) claims no significance: both read
    ``null`` and ``cause``, never the words.

    Attributes
    ----------
    null
        The null the warning is about ('runs', 'matched', 'circular', 'dates', 'histories').
    cause
        'little room' or 'few draws'.
    finding
        The warning's finding, in words.
    drawn
        What there were too few of ('placebo sets', 'resampled histories'); '' for little room.
    """

    null: str
    cause: Literal["little room", "few draws"]
    finding: str
    drawn: str = ""
    remedy: str = ""
    """What would test the study instead (:func:`histories_instead`), '' for nothing to say;
    the run words it otherwise where that null cannot be built (:meth:`without_remedy`)."""

    @property
    def words(self) -> str:
        """The warning as the notes give it: the finding, then the remedy."""
        return f"{self.finding}; {self.remedy}" if self.remedy else self.finding

    def without_remedy(self, why: str) -> NoTest:
        """The same warning where its remedy cannot be used (the histories null cannot be
        built, ``why``): a warning that sent the user to an option the run refuses misled."""
        return replace(self, remedy=f"the histories null, which would keep the events' dates and resample the prices, cannot be used here ({why})")

    def __str__(self) -> str:
        return self.words


def histories_instead() -> str:
    """The remedy of a placebo null with little room: a null that does not hold the days
    fixed, named as the run was asked for it (``null='histories'``, ``--null histories``)."""
    return f"the histories null ({option('null', 'histories')}) keeps the events' dates and resamples the prices"

for _name in ("matched", "circular", "runs"):  # registered by their classes in .samplers
    SAMPLERS.add_lazy(_name, "eventstudy.inference.samplers")

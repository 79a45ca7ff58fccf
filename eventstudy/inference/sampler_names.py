"""The null samplers' registry, apart from the samplers (:mod:`.samplers`).

Validating a study checks ``statistics.null`` against these names; the samplers
themselves (numpy code, and :mod:`eventstudy.events` with them) load when one is looked
up, which only a run does. Plug-ins add samplers through the ``eventstudy.samplers``
entry-point group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy.registry import Registry

if TYPE_CHECKING:
    from eventstudy.inference.samplers import PlaceboSampler

__all__ = ["NO_TEST", "SAMPLERS"]

SAMPLERS: Registry[type[PlaceboSampler]] = Registry("null sampler", entry_point_group="eventstudy.samplers")
"""Null samplers by name; ``InferenceSettings.null`` picks one."""

DESCRIBED = "a description, no test"
"""The words of a test row's warning when its null is no test of its measure (a placebo
null of the market model's abnormal return or the excursions, under a condition on
prices): its p-value is shown, outside the multiple-testing family, and the verdict
(:mod:`eventstudy.report.verdict`) does not count it."""

NO_TEST = "its p-values are no test"
"""The words of every warning that a placebo null's draws cannot test a study (a runs or
circular null with little room): the verdict (:mod:`eventstudy.report.verdict`) reads
them and claims no significance."""

for _name in ("matched", "circular", "runs"):  # registered by their classes in .samplers
    SAMPLERS.add_lazy(_name, "eventstudy.inference.samplers")

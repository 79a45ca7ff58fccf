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

__all__ = ["SAMPLERS"]

SAMPLERS: Registry[type[PlaceboSampler]] = Registry("null sampler", entry_point_group="eventstudy.samplers")
"""Null samplers by name; ``InferenceSettings.null`` picks one."""

for _name in ("matched", "circular", "runs"):  # registered by their classes in .samplers
    SAMPLERS.add_lazy(_name, "eventstudy.inference.samplers")

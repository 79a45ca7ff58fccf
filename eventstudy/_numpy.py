"""numpy, imported on first use.

The modules a study file's validation needs (config, conditions, features, evaluators,
events, the samplers' registry) compute with numpy only when a study runs; importing it
lazily keeps ``eventstudy validate`` and ``explain`` at the cost of polars and pydantic.
Use ``from eventstudy._numpy import np`` and write annotations as usual (they are not
evaluated: every module has ``from __future__ import annotations``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import LazyModule

__all__ = ["np"]


if TYPE_CHECKING:  # the type checker sees numpy itself, with its stubs
    import numpy as np
else:
    np = LazyModule("numpy")

"""numpy, imported on first use.

The modules a study file's validation needs (config, conditions, features, evaluators,
events, the samplers' registry) compute with numpy only when a study runs; importing it
lazily keeps ``eventstudy validate`` and ``explain`` at the cost of polars and pydantic.
Use ``from eventstudy._numpy import np`` and write annotations as usual (they are not
evaluated: every module has ``from __future__ import annotations``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["np"]


class _LazyNumpy(ModuleType):
    """Stands in for numpy until an attribute is first read, then is numpy."""

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module("numpy")
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


if TYPE_CHECKING:  # the type checker sees numpy itself, with its stubs
    import numpy as np
else:
    np = _LazyNumpy("numpy")

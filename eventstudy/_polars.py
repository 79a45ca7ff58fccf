"""polars, imported on first use.

Validating a study (config, conditions, features, the evaluators' parameters, the
providers' names) reads no prices, and importing polars is most of what ``eventstudy
validate`` would otherwise cost (issue 12). The modules on that path use
``from eventstudy._polars import pl`` and touch ``pl`` only inside functions (or through
a module ``__getattr__`` for a constant such as ``OUTCOME_SCHEMA``); everything else
keeps ``import polars as pl``. Annotations are written as usual (they are not evaluated:
every module has ``from __future__ import annotations``). Same pattern as
:mod:`eventstudy._numpy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import LazyModule

__all__ = ["pl"]


if TYPE_CHECKING:  # the type checker sees polars itself
    import polars as pl
else:
    pl = LazyModule("polars")

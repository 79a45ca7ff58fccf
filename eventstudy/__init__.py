"""eventstudy: declarative event studies on market data.

The names below load on first use, so ``import eventstudy`` (and the command line's
``--help``) does not pay for the whole pipeline.

>>> import eventstudy
>>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
>>> result.events, result.summary  # polars DataFrames  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {
    "EventStudyError": "eventstudy.errors",
    "Study": "eventstudy.config",
    "load_study": "eventstudy.config",
    "parse_study": "eventstudy.config",
    "StudyResult": "eventstudy.result",
    "run": "eventstudy.study",
    "run_study": "eventstudy.study",
}

__all__ = ["EventStudyError", "Study", "StudyResult", "__version__", "load_study", "parse_study", "run", "run_study"]

if TYPE_CHECKING:  # pragma: no cover
    from eventstudy.config import Study, load_study, parse_study
    from eventstudy.errors import EventStudyError
    from eventstudy.result import StudyResult
    from eventstudy.study import run, run_study


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

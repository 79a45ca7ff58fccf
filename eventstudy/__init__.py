"""eventstudy: declarative event studies on market data.

The names below load on first use, so ``import eventstudy`` (and the command line's
``--help``) does not pay for the whole pipeline.

>>> import eventstudy
>>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
>>> result.events, result.summary  # polars DataFrames  # doctest: +SKIP

Everything a notebook or script needs is here: running a study (:func:`run`,
:func:`load_study`), sweeps (:func:`run_sweep`, :func:`parse_axis`), checking and
importing data (:func:`check_data`, :func:`import_file`), executors
(:func:`get_executor`; :func:`keep_freed_memory` for large universes), report writing
(:func:`write_report`, :func:`html_report`) and the error types. Submodules are
internals and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {
    # running a study
    "run": "eventstudy.study",
    "run_study": "eventstudy.study",
    "load_study": "eventstudy.config",
    "parse_study": "eventstudy.config",
    "Study": "eventstudy.config",
    "StudyResult": "eventstudy.result",
    # sweeps
    "run_sweep": "eventstudy.sweep",
    "parse_axis": "eventstudy.sweep",
    "Axis": "eventstudy.sweep",
    "SweepResult": "eventstudy.sweep",
    # data: checking and importing
    "check_data": "eventstudy.data.quality",
    "QualityReport": "eventstudy.data.quality",
    "import_file": "eventstudy.data.importer",
    "import_files": "eventstudy.data.importer",
    "ImportReport": "eventstudy.data.importer",
    # where the work runs
    "get_executor": "eventstudy.executor",
    "Executor": "eventstudy.executor",
    "SerialExecutor": "eventstudy.executor",
    "ThreadExecutor": "eventstudy.executor",
    "ProcessExecutor": "eventstudy.executor",
    "DaskExecutor": "eventstudy.executor",
    "keep_freed_memory": "eventstudy.memory",
    # reports
    "write_report": "eventstudy.report",
    "html_report": "eventstudy.report",
    "render_markdown": "eventstudy.report",
    "render_terminal": "eventstudy.report",
    # errors: every user mistake is one of these
    "EventStudyError": "eventstudy.errors",
    "ConfigError": "eventstudy.errors",
    "DataError": "eventstudy.errors",
    "ConditionSyntaxError": "eventstudy.errors",
    "UnknownNameError": "eventstudy.errors",
}

__all__ = [
    "Axis",
    "ConditionSyntaxError",
    "ConfigError",
    "DaskExecutor",
    "DataError",
    "EventStudyError",
    "Executor",
    "ImportReport",
    "ProcessExecutor",
    "QualityReport",
    "SerialExecutor",
    "Study",
    "StudyResult",
    "SweepResult",
    "ThreadExecutor",
    "UnknownNameError",
    "__version__",
    "check_data",
    "get_executor",
    "html_report",
    "import_file",
    "import_files",
    "keep_freed_memory",
    "load_study",
    "parse_axis",
    "parse_study",
    "render_markdown",
    "render_terminal",
    "run",
    "run_study",
    "run_sweep",
    "write_report",
]

if TYPE_CHECKING:  # pragma: no cover
    from eventstudy.config import Study, load_study, parse_study
    from eventstudy.data.importer import ImportReport, import_file, import_files
    from eventstudy.data.quality import QualityReport, check_data
    from eventstudy.errors import (
        ConditionSyntaxError,
        ConfigError,
        DataError,
        EventStudyError,
        UnknownNameError,
    )
    from eventstudy.executor import (
        DaskExecutor,
        Executor,
        ProcessExecutor,
        SerialExecutor,
        ThreadExecutor,
        get_executor,
    )
    from eventstudy.memory import keep_freed_memory
    from eventstudy.report import html_report, render_markdown, render_terminal, write_report
    from eventstudy.result import StudyResult
    from eventstudy.study import run, run_study
    from eventstudy.sweep import Axis, SweepResult, parse_axis, run_sweep


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

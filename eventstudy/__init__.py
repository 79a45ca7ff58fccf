"""eventstudy: declarative event studies on market data.

>>> import eventstudy
>>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
>>> result.events, result.summary  # polars DataFrames  # doctest: +SKIP
"""

__version__ = "0.1.0"

from eventstudy.config import Study, load_study, parse_study  # noqa: E402
from eventstudy.errors import EventStudyError  # noqa: E402
from eventstudy.study import StudyResult, run, run_study  # noqa: E402

__all__ = ["EventStudyError", "Study", "StudyResult", "__version__", "load_study", "parse_study", "run", "run_study"]

"""The report stage: renders a :class:`~eventstudy.study.StudyResult`; never computes.

* :mod:`.text`: cell formatting, column titles and table layouts shared by every renderer;
* :mod:`.terminal`: rich tables that fit the terminal (colour on a terminal, plain when piped);
* :mod:`.markdown`: tables to paste into a research note;
* :mod:`.charts`: matplotlib figures (price history, event-time path, distributions, heat map);
* :mod:`.html`: one self-contained HTML page with the charts inline;
* :mod:`.manifest`: manifest.json (inputs with hashes, settings, command line, timings);
* :mod:`.files`: CSV, JSON and everything else, written atomically;
* :mod:`.sweep`: a sweep's verdict and tables.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from eventstudy.report.files import result_to_json, write_outputs
from eventstudy.report.markdown import render_markdown
from eventstudy.report.terminal import render_terminal
from eventstudy.result import StudyResult, require_study_result

__all__ = ["html_report", "render_markdown", "render_terminal", "result_to_json", "write_outputs", "write_report"]


def html_report(result: StudyResult, *, charts: bool = True, events_file: str | None = None) -> str:
    """The self-contained HTML report of a result (with its charts unless ``charts=False``);
    ``events_file`` names where the full instance table was written, if it was.

    Examples
    --------
    >>> import eventstudy
    >>> from eventstudy.report import html_report
    >>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
    >>> Path("report.html").write_text(html_report(result))  # doctest: +SKIP
    """
    require_study_result(result, "html_report")
    from eventstudy.report.charts import study_charts
    from eventstudy.report.html import render_html as page

    return page(result, study_charts(result) if charts else [], events_file=events_file)


def write_report(result: StudyResult, out_dir: str | Path, *, command: Sequence[str] | None = None) -> list[Path]:
    """Everything ``eventstudy run --output DIR`` writes: CSV, JSON, report.md, report.html,
    the charts as SVG and PNG, and manifest.json (atomically); returns the paths written.

    The CSV files hold every row; report.md, report.html and result.json shorten what is
    long and point at them (see :mod:`.text` and :mod:`.files` for the limits).
    """
    require_study_result(result, "write_report")
    from eventstudy.report.charts import study_charts
    from eventstudy.report.html import render_html as page

    started = time.perf_counter()
    charts = study_charts(result)
    extra = {
        "report.md": render_markdown(result, [(chart.title, f"{chart.name}.png") for chart in charts], events_file="events.csv"),
        "report.html": page(result, charts, events_file="events.csv"),
    }
    return write_outputs(
        result, out_dir, extra=extra, charts=charts, manifest=True, command=command,
        render_seconds=time.perf_counter() - started,
    )

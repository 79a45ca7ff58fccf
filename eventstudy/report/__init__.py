"""The report stage: renders a :class:`~eventstudy.study.StudyResult`; never computes.

* :mod:`.text`: cell formatting and column titles shared by every renderer;
* :mod:`.terminal`: rich tables for a terminal (plain when piped);
* :mod:`.markdown`: tables to paste into a research note;
* :mod:`.files`: CSV and JSON outputs, written atomically.
"""

from eventstudy.report.files import result_to_json, write_outputs
from eventstudy.report.markdown import render_markdown
from eventstudy.report.terminal import render_terminal

__all__ = ["render_markdown", "render_terminal", "result_to_json", "write_outputs"]

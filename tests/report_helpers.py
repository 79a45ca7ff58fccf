"""Small fixed studies for the report tests: two synthetic series and a result to render."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import eventstudy
from eventstudy.study import StudyResult

STUDY = """\
name: tiny report study
description: A trends up with a weekly wobble; B falls 20% and drifts.
series: {A: AAA, B: BBB}
when: A at ATH and B drawdown >= 10%
window: {start: 2020-01-10}
decluster: {gap: 5, mode: after_kept}
evaluate:
  - forward_returns: {assets: [A, B], horizons: [1d, 5d]}
statistics: {placebos: 200, seed: 3, null: matched}
"""

MANY = """\
name: many events
series: {A: AAA}
when: A > 0
evaluate:
  - forward_returns: {assets: [A], horizons: [1d, 5d]}
statistics: {placebos: 0}
"""


def write_series(path: Path, closes: list[float], start: dt.date = dt.date(2020, 1, 1)) -> None:
    days = [start + dt.timedelta(days=i) for i in range(len(closes))]
    path.write_text("date,close\n" + "".join(f"{d.isoformat()},{c}\n" for d, c in zip(days, closes)))


def make_study(folder: Path, text: str = STUDY, days: int = 80) -> Path:
    """A study file and its data folder in ``folder``; returns the study file."""
    data = folder / "data"
    data.mkdir(exist_ok=True)
    write_series(data / "AAA.csv", [100 + i + 3 * math.sin(i) for i in range(days)])
    write_series(data / "BBB.csv", [100 - min(i, 20) + 0.1 * (i % 3) for i in range(days)])
    study = folder / "study.yaml"
    study.write_text(text)
    return study


def tiny_result(folder: Path, text: str = STUDY, days: int = 80, **overrides: object) -> StudyResult:
    """Run the tiny study in ``folder``."""
    study = make_study(folder, text, days)
    return eventstudy.run(study, data_dir=folder / "data", **overrides)

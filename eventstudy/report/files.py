"""Machine-readable outputs: CSV and JSON, written atomically.

Every file of a run is first written into a temporary folder beside the output folder;
only when all of them are complete are they moved into place (``os.replace``, atomic per
file on one filesystem). A run that fails, at any stage, leaves no partial file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from eventstudy.study import StudyResult

if TYPE_CHECKING:
    from eventstudy.report.charts import Chart

__all__ = ["OUTPUT_FILES", "result_to_dict", "result_to_json", "write_chart_files", "write_files", "write_outputs"]

OUTCOME_COLUMNS = ["date", "asset", "horizon", "horizon_days", "value", "measure", "days_remaining"]


def _rows(frame: pl.DataFrame) -> list[dict[str, object]]:
    return frame.to_dicts()


def result_to_dict(result: StudyResult) -> dict[str, object]:
    """The result as plain data (dates as ISO strings, incomplete values as null)."""
    study = result.study
    return {
        "study": {
            "name": study.name,
            "file": str(study.path) if study.path else None,
            "condition": result.condition,
            "series": dict(study.series),
            "window": {"start": result.start, "end": result.end},
            "decluster": (
                {"gap": study.decluster.gap.label, "unit": study.decluster.gap.unit,
                 "amount": study.decluster.gap.amount, "mode": study.decluster.mode}
                if study.decluster else None
            ),
            "return_kind": "simple",
            "horizon_unit": "trading days",
        },
        "data": {
            "dir": str(result.data_dir) if result.data_dir is not None else None,
            "provider": study.data.provider,
            "align": study.data.align,
            "max_stale": study.data.max_stale,
            "sources": {symbol: str(path) for symbol, path in result.sources.items()},
        },
        "statistics": result.statistics.model_dump() if result.statistics else None,
        "notes": list(result.notes),
        "events": _rows(result.events),
        "outcomes": _rows(visible_outcomes(result)),
        "summary": _rows(result.summary),
        "tests": _rows(tests_table(result)),
    }


def visible_outcomes(result: StudyResult) -> pl.DataFrame:
    """The events' outcomes without chart-only measures (an implicit path)."""
    return result.outcomes.filter(~pl.col("measure").is_in(result.hidden_measures)).select(OUTCOME_COLUMNS)


def tests_table(result: StudyResult) -> pl.DataFrame:
    """The significance table with a readable ``cell`` column first (e.g. 'SPX 1m')."""
    tests = result.tests
    if "asset" not in tests.columns:
        return tests
    return tests.select((pl.col("asset") + " " + pl.col("horizon")).alias("cell"), pl.all())


def _default(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def result_to_json(result: StudyResult) -> str:
    """The same content as the CSV files, as one JSON document."""
    return json.dumps(result_to_dict(result), default=_default, indent=2, allow_nan=False) + "\n"


OUTPUT_FILES: dict[str, Callable[[StudyResult, Path], None]] = {
    "events.csv": lambda r, p: r.events.write_csv(p, date_format="%Y-%m-%d"),
    "outcomes.csv": lambda r, p: visible_outcomes(r).write_csv(p, date_format="%Y-%m-%d"),
    "summary.csv": lambda r, p: r.summary.write_csv(p),
    "tests.csv": lambda r, p: tests_table(r).write_csv(p),
    "result.json": lambda r, p: p.write_text(result_to_json(r), encoding="utf-8"),
}


def write_outputs(
    result: StudyResult,
    out_dir: str | Path,
    extra: dict[str, str] | None = None,
    *,
    charts: Sequence[Chart] = (),
    manifest: bool = False,
    command: Sequence[str] | None = None,
    render_seconds: float = 0.0,
) -> list[Path]:
    """Write every output file into ``out_dir`` atomically; return the paths written.

    ``extra`` maps more file names to ready text (e.g. ``report.md``, ``report.html``);
    ``charts`` are written as ``NAME.svg`` and ``NAME.png``; with ``manifest``, a
    ``manifest.json`` records the inputs, settings, ``command``, timings (``render_seconds``
    plus writing) and the SHA-256 of every other file written.
    """

    def fill(staging: Path) -> None:
        started = time.perf_counter()
        for name, write in OUTPUT_FILES.items():
            write(result, staging / name)
        for name, frame in result.breakdowns.items():  # universe studies: by_year.csv, by_symbol.csv
            frame.write_csv(staging / f"{name}.csv")
        for name, text in (extra or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        write_chart_files(charts, staging)
        if manifest:
            from eventstudy.report.manifest import build_manifest, manifest_json

            outputs = {p.name: p for p in staging.iterdir()}
            seconds = render_seconds + time.perf_counter() - started
            document = build_manifest(result, outputs=outputs, command=command, render_seconds=seconds)
            (staging / "manifest.json").write_text(manifest_json(document), encoding="utf-8")

    return _publish(out_dir, fill)


def write_chart_files(charts: Sequence[Chart], folder: Path) -> None:
    """Each chart as ``NAME.svg`` and ``NAME.png`` in ``folder`` (for slides)."""
    from eventstudy.report.charts import figure_png

    for chart in charts:
        (folder / f"{chart.name}.svg").write_text(chart.svg(), encoding="utf-8")
        (folder / f"{chart.name}.png").write_bytes(figure_png(chart.figure))


def write_files(out_dir: str | Path, files: dict[str, str], also: Callable[[Path], None] | None = None) -> list[Path]:
    """Write ready texts (name -> content) into ``out_dir`` atomically; ``also`` may
    write more files into the staging folder (e.g. :func:`write_chart_files`)."""

    def fill(staging: Path) -> None:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        if also is not None:
            also(staging)

    return _publish(out_dir, fill)


def _publish(out_dir: str | Path, fill: Callable[[Path], None]) -> list[Path]:
    """Write everything into a staging folder beside ``out_dir``, then move it into place."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        fill(staging)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for item in sorted(staging.iterdir()):
            target = out_dir / item.name
            os.replace(item, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)

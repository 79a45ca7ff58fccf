"""manifest.json: what a run read, with which settings, and what it wrote, with hashes.

With the manifest beside the outputs, a result can be audited and reproduced: the
eventstudy version and environment, the command line and the folder it ran in (which
relative paths are relative to), the study file and every data file
with their SHA-256 (a changed byte shows; own events files, a factor model's factors
file and a universe's file of symbols among them; each taken when the run read the
file, :attr:`StudyResult.input_hashes`), the dates each series covered, the alignment,
window, declustering and statistics settings (the seed among them), the time each stage
took, and the SHA-256 of every file written with it.

Each input file is hashed once however many symbols it holds; the symbols of a
universe's panel (one file, many symbols) share one entry with the list of its symbols
(``"symbols"``), while a file of one symbol has its own (``"symbol"``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from eventstudy.config import loaded_plugins
from eventstudy.files import facts_as_read, file_facts, sha256_file
from eventstudy.registry import plugin_distributions
from eventstudy.result import StudyResult

__all__ = ["MANIFEST_VERSION", "build_manifest", "command_line", "manifest_json", "panel_members"]

MANIFEST_VERSION = 1
PACKAGES = ("polars", "numpy", "scipy", "pydantic", "pyyaml", "rich", "matplotlib")


def _read_facts(result: StudyResult, path: Path) -> dict[str, Any]:
    """SHA-256 and size of an input file as the run read it (taken by its loader); a
    result made without them (built by hand) has the file hashed now."""
    return facts_as_read(path, result.input_hashes.get(path))


def panel_members(result: StudyResult) -> dict[Path, list[str]]:
    """The input files that hold several symbols other than the study's series (a
    universe's panel), each with those symbols in the result's order."""
    series = set(result.study.series.values())
    by_path: dict[Path, list[str]] = {}
    for symbol, path in result.sources.items():
        if symbol not in series:
            by_path.setdefault(Path(path), []).append(symbol)
    return {path: symbols for path, symbols in by_path.items() if len(symbols) > 1}


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _series_ranges(result: StudyResult) -> dict[str, dict[str, Any]]:
    """First and last date, and rows, of each series' closes on the study's timeline."""
    ranges = {}
    for name in result.study.series:
        column = f"{name}.close"
        if column not in result.timeline.columns:
            continue
        dates = result.timeline.filter(pl.col(column).is_not_null())["date"]
        ranges[name] = {"first": _iso(dates.min()), "last": _iso(dates.max()), "rows": dates.len()}
    return ranges


def _other_inputs(result: StudyResult) -> dict[str, Any]:
    """The input files other than prices, hashed as theirs are: the study's own events
    files (``events_files``, one entry per name under ``events:``), a factor model's
    factors file (``factors_file``) and a universe's file of symbols (``universe_file``);
    each key only where the study reads such a file."""
    study = result.study
    out: dict[str, Any] = {}
    if study.events:
        out["events_files"] = [
            {"name": name, "path": str(found.path), **facts_as_read(found.path, found.file)}
            for name, found in study.event_sets.items()
        ]
    spec = study.event_study
    if result.event_study is not None and result.event_study.factors_file is not None:
        read = dict(result.event_study.factors_file)
        out["factors_file"] = {"path": read["path"], **facts_as_read(Path(str(read.pop("path"))), read)}
    elif spec is not None and spec.model == "factor" and isinstance(spec.factors, str) and result.data_dir is not None:
        path = Path(result.data_dir) / spec.factors_file
        out["factors_file"] = {"path": str(path), **file_facts(path)}
    from eventstudy.universe import universe_file  # the run has imported it already

    listed = universe_file(study) if study.universe is not None else None
    if listed is not None:
        out["universe_file"] = {"path": str(listed), **_read_facts(result, listed)}
    return out


def build_manifest(
    result: StudyResult,
    *,
    outputs: Mapping[str, Path] = {},
    command: Sequence[str] | None = None,
    render_seconds: float | None = None,
) -> dict[str, Any]:
    """The manifest of a run as plain data (see the module docstring).

    ``outputs`` maps each written file's name to its path (hashed here); ``command`` is
    the command line; ``render_seconds`` the time spent rendering reports and charts.
    """
    from eventstudy import __version__

    study = result.study
    names_of: dict[str, list[str]] = {}
    for name, symbol in study.series.items():
        names_of.setdefault(symbol, []).append(name)
    ranges = _series_ranges(result)
    facts = {path: _read_facts(result, path) for path in {Path(p) for p in result.sources.values()}}  # each file once, as read
    panels = panel_members(result)  # a panel's symbols share one entry
    files = []
    for symbol, path in result.sources.items():
        path = Path(path)
        members = panels.get(path)
        if members is not None and not names_of.get(symbol):
            if symbol == members[0]:
                files.append({"symbols": members, "series": [], "path": str(path), **facts[path]})
            continue
        entry: dict[str, Any] = {"symbol": symbol, "series": names_of.get(symbol, []), "path": str(path)}
        entry.update(facts[path])
        series = names_of.get(symbol, [])
        if symbol in result.source_ranges:
            loaded = result.source_ranges[symbol]
            entry["loaded"] = {"first": str(loaded["first"]), "last": str(loaded["last"]), "rows": loaded["rows"]}
        if series and series[0] in ranges:
            entry["dates_used"] = ranges[series[0]]
        files.append(entry)
    study_file = None
    if study.path is not None:
        read = study.file_sha256 or (sha256_file(study.path) if Path(study.path).is_file() else None)  # as the run read it
        study_file = {"path": str(study.path), "sha256": read}
    decluster = (
        {"gap": study.decluster.gap.label, "meaning": study.decluster.gap.describe(), "mode": study.decluster.mode}
        if study.decluster
        else None
    )
    inputs = _other_inputs(result)
    timings = dict(result.timings)
    if render_seconds is not None:
        timings["render_s"] = round(render_seconds, 4)
    return {
        "manifest_version": MANIFEST_VERSION,
        "eventstudy_version": __version__,
        "created_utc": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "command": list(command) if command is not None else None,
        "working_dir": os.getcwd(),  # what the command's and the files' relative paths are relative to
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": {p: _version(p) for p in PACKAGES},
            "plugins": plugin_distributions(loaded_plugins()),  # features, evaluators, nulls of other packages
        },
        "study": {
            "name": study.name,
            "file": study_file,
            "condition": result.condition,
            "series": dict(study.series),
            "trigger": study.trigger,
            "window": {"start": _iso(result.start), "end": _iso(result.end)},
            "decluster": decluster,
            "evaluators": [spec.name for spec in study.evaluators],
        },
        "data": {
            "dir": str(result.data_dir) if result.data_dir is not None else None,
            "provider": study.data.provider,
            "align": study.data.align,
            "max_stale": study.data.max_stale if study.data.align == "ffill" else None,
            "timeline": {
                "first": _iso(result.timeline["date"].min()) if not result.timeline.is_empty() else None,
                "last": _iso(result.timeline["date"].max()) if not result.timeline.is_empty() else None,
                "rows": result.timeline.height,
            },
            "files": files,
            **inputs,
        },
        "statistics": result.statistics.model_dump() if result.statistics else None,
        "seed": result.statistics.seed if result.statistics else None,
        "events": {"kept": int(result.raw_events["kept"].sum()), "raw": result.raw_events.height},
        "timings_s": timings,
        "outputs": {name: sha256_file(path) for name, path in sorted(outputs.items())},
    }


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """The manifest as indented JSON."""
    return json.dumps(manifest, indent=2, default=str) + "\n"


def command_line(argv: Sequence[str] | None = None) -> list[str]:
    """The command as typed: ``eventstudy`` and its arguments (``sys.argv`` by default)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return ["eventstudy", *args]

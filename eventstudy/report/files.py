"""Machine-readable outputs: CSV and JSON, written atomically.

Every file of a run is first written into a temporary folder beside the output folder;
only when all of them are complete is that folder renamed into place as a whole
(:func:`_publish`): a reader sees the earlier run's files or this run's, never a mix, and
a run that fails, at any stage, leaves the output as it was. A folder that holds anything
an eventstudy run did not write is not replaced.

The CSV files always hold every row: ``events.csv`` (one row per event; a universe's
with its symbol), ``outcomes.csv`` (one per event, asset and horizon), ``summary.csv``,
``tests.csv`` and a universe's ``by_year.csv`` and ``by_symbol.csv``.

``result.json`` holds the study, data, settings, notes, summary and tests, and the
other tables' rows only when they are short (a universe's panel file is named once in
``data.panels`` with its number of symbols, not once per symbol in ``data.sources``): a table of more than :data:`JSON_ROWS`
rows (the events and outcomes of a universe study, say) is left out of it rather than
repeated from its CSV file. Its ``"tables"`` entry says, for every table, how many rows
it has, which CSV file holds them all, and whether its rows are in the document::

    "tables": {"events": {"rows": 30329, "file": "events.csv", "included": false}, ...}

A table left out has no key of its own (no ``"events"``, no ``"outcomes"``): a reader
that expects rows fails loudly instead of reading a partial list. The breakdowns that
are included sit under ``"breakdowns"``. :func:`result_to_json` without ``max_rows``
(``eventstudy run --format json``) includes every row; without ``--output``, which
writes the CSV files, its ``"file"`` entries are null.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from eventstudy.errors import DataError
from eventstudy.files import atomic_write, hidden_stem, umask
from eventstudy.report.manifest import panel_members
from eventstudy.result import StudyResult

if TYPE_CHECKING:
    from eventstudy.config import Study
    from eventstudy.report.charts import Chart

__all__ = [
    "JSON_ROWS",
    "OUTPUT_FILES",
    "result_to_dict",
    "result_to_json",
    "write_chart_files",
    "write_files",
    "write_outputs",
]

OUTCOME_COLUMNS = ["date", "asset", "horizon", "horizon_days", "value", "measure", "days_remaining", "ended"]

JSON_ROWS = 1_000
"""result.json embeds the rows of a table only up to this many (all are in its CSV file):
a few hundred kilobytes at most, so the file opens in any viewer."""


def _tables(result: StudyResult) -> dict[str, pl.DataFrame]:
    """Every row table of a result by name (its CSV file is ``NAME.csv``), in document order."""
    return {
        "events": result.events,
        "outcomes": visible_outcomes(result),
        "summary": result.summary,
        "tests": tests_table(result),
        **result.breakdowns,
        **{name.removesuffix(".csv"): frame for name, frame in _event_study_files(result).items()},
    }


def _event_study_files(result: StudyResult) -> dict[str, pl.DataFrame]:
    """An event study's tables by file name (none without one)."""
    if result.event_study is None:
        return {}
    from eventstudy.report.event_study import EVENT_STUDY_FILES

    return {name: table(result.event_study) for name, table in EVENT_STUDY_FILES.items()}


def _document(result: StudyResult, max_rows: int | None, rows: Callable[[str, pl.DataFrame], object], files: bool = True) -> dict[str, object]:
    """The document with each included table's rows made by ``rows(name, frame)``;
    ``files``: the CSV files are written beside it (else each table's ``"file"`` is None)."""
    tables = _tables(result)
    always = {"summary", "tests", "caar", "event_tests"}
    included = {name: name in always or max_rows is None or frame.height <= max_rows for name, frame in tables.items()}
    document = _header(result)
    for name in ("events", "outcomes", "summary", "tests"):
        if included[name]:
            document[name] = rows(name, tables[name])
    breakdowns = {name: rows(name, frame) for name, frame in result.breakdowns.items() if included[name]}
    if breakdowns:
        document["breakdowns"] = breakdowns
    if result.event_study is not None:
        found = result.event_study
        document["event_study"] = {
            "model": found.model, "window": list(found.window), "estimation": list(found.estimation), "min_days": found.min_days,
            "market": found.market, "factors": found.factors, "level": found.level,
            **{name: rows(name, tables[name]) for name in ("caar", "event_tests", "cars", "excluded_events") if included[name]},
        }
    document["tables"] = {
        name: {"rows": frame.height, "file": f"{name}.csv" if files else None, "included": included[name]} for name, frame in tables.items()
    }
    return document


def result_to_dict(result: StudyResult, *, max_rows: int | None = None) -> dict[str, object]:
    """The result as plain data (dates as ISO strings, incomplete values as null).

    ``max_rows``: leave out the rows of every table longer than this but the summary and
    the tests (see the module docstring); None keeps every row.
    """
    return _document(result, max_rows, lambda _, frame: frame.to_dicts())


def _header(result: StudyResult) -> dict[str, object]:
    """The study, its data and settings, and the notes."""
    study = result.study
    return {
        "study": {
            "name": study.name,
            "file": str(study.path) if study.path else None,
            "condition": result.condition,
            "series": dict(study.series),
            "trigger": study.trigger,
            "window": {"start": result.start, "end": result.end},
            "decluster": (
                {"gap": study.decluster.gap.label, "unit": study.decluster.gap.unit,
                 "amount": study.decluster.gap.amount, "mode": study.decluster.mode}
                if study.decluster else None
            ),
            "return_kind": _return_kind(study),
            "horizon_unit": "trading days",
        },
        "data": {
            "dir": str(result.data_dir) if result.data_dir is not None else None,
            "provider": study.data.provider,
            "align": study.data.align,
            "max_stale": study.data.max_stale if study.data.align == "ffill" else None,  # as manifest.json: only ffill carries values
            **_sources(result),
        },
        "statistics": result.statistics.model_dump() if result.statistics else None,
        "notes": list(result.notes),
    }


RETURN_EVALUATORS = ("forward_returns", "excess_returns")
"""The evaluators whose ``kind`` (simple or log) is the kind of the returns they measure."""


def _return_kind(study: Study) -> str:
    """The kind of the study's returns: 'simple' or 'log' (as its forward and excess
    returns ask, simple without any), 'mixed' when they differ (a measure named ``*_log``
    is then a log one)."""
    kinds = {str(getattr(spec.params, "kind", "simple")) for spec in study.evaluators if spec.name in RETURN_EVALUATORS}
    return "mixed" if len(kinds) > 1 else kinds.pop() if kinds else "simple"


def _sources(result: StudyResult) -> dict[str, object]:
    """``sources``: each symbol's file; a universe's panel (one file, many symbols) is
    one entry of ``panels`` with its number of symbols instead (listed in manifest.json)."""
    panels = panel_members(result)
    pooled = {symbol for symbols in panels.values() for symbol in symbols}
    out: dict[str, object] = {"sources": {s: str(p) for s, p in result.sources.items() if s not in pooled}}
    if panels:
        out["panels"] = [{"path": str(path), "symbols": len(symbols)} for path, symbols in panels.items()]
    return out


def visible_outcomes(result: StudyResult) -> pl.DataFrame:
    """The events' outcomes without chart-only measures (an implicit path); a universe's
    with each event's symbol after its date."""
    universe = result.events.columns[1:2] == ["symbol"] and "symbol" in result.outcomes.columns
    columns = ["date", "symbol", *OUTCOME_COLUMNS[1:]] if universe else OUTCOME_COLUMNS
    return result.outcomes.filter(~pl.col("measure").is_in(result.hidden_measures)).select(columns)


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


def _json_rows(frame: pl.DataFrame, depth: int) -> str:
    """A table's rows as a JSON array at nesting ``depth``, one row per line (serialized
    by polars: fast for a million rows; dates as ISO strings, missing and NaN as null)."""
    if frame.is_empty():
        return "[]"
    inner, outer = "\n" + "  " * (depth + 1), "\n" + "  " * depth
    return "[" + inner + ("," + inner).join(frame.write_ndjson().splitlines()) + outer + "]"


def result_to_json(result: StudyResult, *, max_rows: int | None = None, files: bool = True) -> str:
    """The same content as the CSV files, as one JSON document (each table row on a line).

    ``max_rows``: leave out the rows of long tables, as result.json does beside the CSV
    files (see the module docstring); None (the default) keeps every row. ``files``:
    whether the CSV files are written (else no table names one: ``"file": null``).
    """
    arrays: dict[str, str] = {}

    def placeholder(name: str, frame: pl.DataFrame) -> str:
        key = f"\x00rows:{name}\x00"
        nested = name in result.breakdowns or (result.event_study is not None and name in ("caar", "event_tests", "cars", "excluded_events"))
        arrays[json.dumps(key)] = _json_rows(frame, 2 if nested else 1)
        return key

    text = json.dumps(_document(result, max_rows, placeholder, files), default=_default, indent=2, allow_nan=False)
    for key, array in arrays.items():
        text = text.replace(key, array, 1)
    return text + "\n"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (a symbol
    or label such as ``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM``) prefixed by ``'``, so it
    opens as text; numbers are untouched."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts:
        return frame
    risky = pl.col(texts).str.slice(0, 1).is_in(list(FORMULA_START))
    return frame.with_columns(pl.when(risky).then(pl.lit("'") + pl.col(texts)).otherwise(pl.col(texts)).name.keep())


OUTPUT_FILES: dict[str, Callable[[StudyResult, Path], object]] = {  # each writes its file (what it returns is unused)
    "events.csv": lambda r, p: csv_safe(r.events).write_csv(p, date_format="%Y-%m-%d"),
    "outcomes.csv": lambda r, p: csv_safe(visible_outcomes(r)).write_csv(p, date_format="%Y-%m-%d"),
    "summary.csv": lambda r, p: csv_safe(r.summary).write_csv(p),
    "tests.csv": lambda r, p: csv_safe(tests_table(r)).write_csv(p),
    "result.json": lambda r, p: p.write_text(result_to_json(r, max_rows=JSON_ROWS), encoding="utf-8"),
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
            csv_safe(frame).write_csv(staging / f"{name}.csv")
        for name, frame in _event_study_files(result).items():  # caar.csv, event_tests.csv, cars.csv, excluded_events.csv
            csv_safe(frame).write_csv(staging / name, date_format="%Y-%m-%d")
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


SWEEP_OUTPUTS = frozenset({"sweep.json", "sweep_ledger.csv", "sweep_confirmation.csv", "sweep.md", "sweep.html", "heatmap.svg", "heatmap.png"})
"""What ``eventstudy sweep --output`` writes."""


def _written_by_us(out_dir: Path) -> set[str] | None:
    """The names a run of eventstudy wrote into ``out_dir``: those its manifest lists (a
    study's run), or a sweep's files beside its sweep.json; None when neither is there."""
    try:
        listed = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        listed = None
    if isinstance(listed, dict) and all(isinstance(name, str) for name in listed):
        return {*listed, "manifest.json"}
    if (out_dir / "sweep.json").is_file():
        return set(SWEEP_OUTPUTS)
    return None


def _check_replaceable(out_dir: Path, shown: str) -> None:
    """``out_dir`` may be replaced as a whole: it is empty, or it holds only what a run of
    eventstudy wrote there (the files its manifest lists, or a sweep's). Anything else (a file of the
    user's, a sub-folder, a folder named like an output, input data) is refused before
    any work is written: the folder is replaced whole, and what it held is gone. ``shown``:
    the output as the messages name it."""
    if not out_dir.is_dir():
        raise DataError(f"the output {shown} is a file, not a folder", hint="--output names a folder for the run's files")
    entries = list(out_dir.iterdir())
    if not entries:
        return
    listed = _written_by_us(out_dir)
    foreign = [e.name for e in entries if not (e.is_file() and not e.is_symlink() and listed is not None and e.name in listed)]
    if foreign:
        names = ", ".join(sorted(foreign)[:5])
        raise DataError(
            f"the output folder {shown} holds what an eventstudy run did not write ({names}): it is not replaced",
            hint="give a new or empty folder, or one a previous run wrote",
        )


def _output_folder(given: Path) -> tuple[Path, str]:
    """The folder an output path names, and how messages name it: ``given`` itself, or,
    when ``given`` is a symbolic link, the folder it leads to (the link stays; that folder
    is written, by the rule of any output folder). A link on the way that leads nowhere
    is refused: writing where it points would create a folder the user did not name."""
    for path in (given, *given.parents):
        if path.is_symlink() and not path.exists():
            where = "is" if path == given else f"leads through {str(path)!r},"
            raise DataError(
                f"the output {str(given)!r} {where} a symbolic link to {os.readlink(path)!r}, which does not exist",
                hint="create the folder the link leads to, or give another --output",
            )
    if not given.is_symlink():
        return given, repr(str(given))
    target = Path(os.path.realpath(given))
    return target, f"{str(given)!r} (a link to {str(target)!r})"


def _publish(out_dir: str | Path, fill: Callable[[Path], None]) -> list[Path]:
    """Write everything into a staging folder beside ``out_dir``, then put the whole folder
    in place. A new folder is one rename. An earlier run's folder is exchanged with the new
    one in one atomic step where the system can (Linux ``renameat2``, RENAME_EXCHANGE):
    ``out_dir`` is always the old complete output or the new one. Elsewhere it is renamed
    aside first (kept as ``.NAME.*.old``, which the next run puts back if this one dies
    between the two renames). Writers take a lock beside ``out_dir``; staging folders a
    killed run left are removed. An ``out_dir`` that is a symbolic link stays one: the
    folder it leads to is the one replaced (the link had been exchanged for the new folder,
    and its copy under the staging name left behind); the paths returned are under ``out_dir``."""
    given = Path(out_dir)
    out_dir, shown = _output_folder(given)
    _refuse_the_working_folder(out_dir, shown)
    parent = out_dir.parent
    _make_parent(out_dir, shown)
    stem = _hidden_stem(out_dir)
    with _writer_lock(parent / f".{stem}.lock", shown):
        _recover(out_dir)
        if out_dir.exists() or out_dir.is_symlink():
            _check_replaceable(out_dir, shown)
        for stale in parent.glob(f".{glob.escape(stem)}.*.partial"):
            if stale.is_symlink():  # an output link exchanged for the folder by an earlier version
                stale.unlink()
            else:
                shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=".partial", dir=parent))
        try:
            try:
                fill(staging)
            except OSError as exc:
                raise _named_in_output(exc, staging, given) from None
            os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it private (0700)
            if not out_dir.exists():
                os.rename(staging, out_dir)
            elif not _exchange(staging, out_dir):
                aside = staging.with_name(staging.name[: -len(".partial")] + ".old")
                os.rename(out_dir, aside)
                os.rename(staging, out_dir)
                shutil.rmtree(aside, ignore_errors=True)
            return sorted(given / path.name for path in out_dir.iterdir())
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after an exchange: the earlier output


def _make_parent(path: Path, shown: str) -> None:
    """Create the folders ``path`` goes in; a file where one of them should be is refused
    by name (mkdir's own words were 'File exists' or 'Not a directory' of another path).
    ``shown``: the output as the messages name it."""
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise DataError(f"the output {shown} is inside {str(ancestor)!r}, which is a file, not a folder",
                                hint="give an output whose folders are folders, or move that file aside")
            break
    path.parent.mkdir(parents=True, exist_ok=True)


def _refuse_the_working_folder(out_dir: Path, shown: str) -> None:
    """``out_dir`` is not the current folder nor one it is in (``-o .``, ``-o ..``): the
    output is replaced whole, and the shell would be left in a folder that is gone."""
    try:
        here = Path.cwd().resolve()
    except OSError:  # the current folder was removed: nothing to protect
        return
    target = out_dir.resolve()
    if target == here or target in here.parents:
        what = "the current folder" if target == here else "a folder the current folder is in"
        raise DataError(f"the output {shown} is {what}, and an output folder is replaced whole",
                        hint="name a folder of its own, e.g. -o out")


def _named_in_output(exc: OSError, staging: Path, out_dir: Path) -> OSError:
    """``exc``, raised writing into the staging folder, as the OS would say it of the output
    ``out_dir`` (a full disk's error names no file; another names the staging folder, which
    is gone when the message is read)."""
    where = out_dir
    if exc.filename is not None:
        try:
            where = out_dir / Path(exc.filename).relative_to(staging)
        except ValueError:  # a file outside the output (an input read while writing): as it was
            return exc
    code, reason = exc.errno, exc.strerror or str(exc)
    found = re.search(r"\(os error (\d+)\)", reason) if code is None else None  # polars' writers: no errno, only its text
    if found:
        code = int(found.group(1))
        reason = os.strerror(code)
    return exc if code is None else type(exc)(code, reason, str(where))


def _hidden_stem(out_dir: Path) -> str:
    """What names the lock, staging folders (``.STEM.XXXXXXXX.partial``) and kept folders
    beside ``out_dir``: its name, shortened with a hash where those would pass 255 bytes."""
    return hidden_stem(out_dir.name, 8 + len(".partial"))


def _recover(out_dir: Path) -> None:
    """Put back an earlier output a run renamed aside and died before replacing."""
    if out_dir.exists():
        return
    kept = sorted(out_dir.parent.glob(f".{glob.escape(_hidden_stem(out_dir))}.*.old"))
    if kept:
        os.rename(kept[-1], out_dir)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2`` with RENAME_EXCHANGE); False where
    the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _writer_lock(path: Path, shown: str) -> Iterator[None]:
    """One writer at a time per output folder (an advisory lock; none where fcntl is
    missing); ``shown``: the output as the message names it (the lock's name may be a
    hashed stem of it)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        yield
        return
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(
                f"another run is writing to {shown} right now",
                hint="wait for it to finish, or write to another folder",
            ) from None
        try:
            yield
        finally:
            path.unlink(missing_ok=True)  # nothing left beside the output (a writer that races this opens a fresh lock)
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_file(path: str | Path, text: str, *, example: str = "out.csv") -> Path:
    """Write one file atomically (a temporary file beside it, then a rename): for outputs
    that are a single file (``calibrate --output table.csv``, ``schema --output
    schema.json``; ``example``: the name the hint offers when ``path`` is a folder)."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"the output {str(path)!r} is a folder", hint=f"name a file, e.g. {str(path / example)!r}")
    _make_parent(path, repr(str(path)))
    return atomic_write(path, text, suffix=".partial")

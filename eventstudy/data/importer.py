"""Importing CSV exports: any common daily-price export into ``DATA_DIR/SYMBOL.csv``.

``eventstudy data import FILE...`` reads Yahoo (``Date,Open,High,Low,Close,Adj
Close,Volume``), Stooq (``Date,Open,...`` or ``<TICKER>,<PER>,<DATE>,...``), FRED
(``DATE,SERIES`` / ``observation_date,SERIES``, ``.`` for missing), Investing-style
(``"Date","Price","Open","High","Low","Vol.","Change %"``, ``Jan 02, 2024`` or
``01/02/2024``, ``1,234.56``) and similar files, separated by commas, semicolons, tabs or
bars, with day-first or month-first dates and either decimal mark, and writes the
project's canonical format: ``date,close[,open,high,low,volume]``, ISO dates, ascending.

It says what it detected (delimiter, date format, number format, the columns used,
rows, range, rows dropped and why) and refuses to guess: two candidate close columns
(``Close`` and ``Adj Close``) or dates that read both day-first and month-first end in a
:class:`ImportQuestion` that names the option answering it (``--column``,
``--date-format``). Rows without a close (``.``, empty, ``null``) are dropped and counted;
anything else malformed stops the import at ``file:line``. Writes are atomic, and an
existing different file is replaced only with ``force``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

import polars as pl

from eventstudy.data.columns import (
    EXPORT_MISSING_VALUES,
    EXTRAS,
    export_names,
    header_key,
    pick_index,
    yfinance_header,
)
from eventstudy.data.finder import HEAD_BYTES, DataDirectory, not_text
from eventstudy.data.validate import Origin, check_prices
from eventstudy.errors import DataError, Location
from eventstudy.files import atomic_write

__all__ = [
    "DATE_FORMATS",
    "DateFormat",
    "ImportQuestion",
    "ImportReport",
    "import_file",
    "import_files",
    "read_export",
]

Order = Literal["ymd", "dmy", "mdy"]


@dataclass(frozen=True)
class DateFormat:
    """A date layout: its strftime ``pattern``, how it is shown, and its field order."""

    pattern: str
    label: str
    order: Order


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("%Y-%m-%d", "YYYY-MM-DD", "ymd"),
    DateFormat("%Y%m%d", "YYYYMMDD", "ymd"),
    DateFormat("%Y/%m/%d", "YYYY/MM/DD", "ymd"),
    DateFormat("%Y.%m.%d", "YYYY.MM.DD", "ymd"),
    DateFormat("%d.%m.%Y", "DD.MM.YYYY", "dmy"),
    DateFormat("%d/%m/%Y", "DD/MM/YYYY", "dmy"),
    DateFormat("%d-%m-%Y", "DD-MM-YYYY", "dmy"),
    DateFormat("%m/%d/%Y", "MM/DD/YYYY", "mdy"),
    DateFormat("%m-%d-%Y", "MM-DD-YYYY", "mdy"),
    DateFormat("%m.%d.%Y", "MM.DD.YYYY", "mdy"),
    DateFormat("%b %d, %Y", "Mon DD, YYYY", "mdy"),
    DateFormat("%B %d, %Y", "Month DD, YYYY", "mdy"),
    DateFormat("%d %b %Y", "DD Mon YYYY", "dmy"),
    DateFormat("%d-%b-%Y", "DD-Mon-YYYY", "dmy"),
    DateFormat("%d %B %Y", "DD Month YYYY", "dmy"),
)
"""Date layouts tried, in this order; a time part after an ISO date is ignored."""

DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}

# Header keys per role (:func:`header_key`): a data file's names, then the export spellings.
_DATE_KEYS = export_names("date")
_CLOSE_KEYS = export_names("close")
_ADJUSTED_KEYS = export_names("adjusted close")
_ROLE_KEYS = {role: export_names(role) for role in EXTRAS}
_TICKER_KEYS = export_names("symbol")
_PERIOD_KEYS = export_names("period")
_OTHER_KEYS = export_names("ignored")
_MISSING = EXPORT_MISSING_VALUES
_SAFE_SYMBOL = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9^_.=\-]*$")
_OUTPUT_ORDER = ("date", "close", *EXTRAS)
_EXAMPLES = 5
_NOISE = r"[\s\u00a0\u202f'’$€£¥]"  # spaces, currency signs, Swiss apostrophes: not part of a number


class ImportQuestion(DataError):
    """The file can be read more than one way; the hint names the option that decides."""


@dataclass(frozen=True)
class ImportReport:
    """What an import detected and did.

    Attributes
    ----------
    columns
        Role (``date``, ``close``, ``open``, ...) -> the header it was read from.
    dropped
        Reason -> line numbers of the rows dropped for it.
    action
        ``read`` (not written), ``written``, ``replaced``, ``unchanged`` or ``dry run``.
    frame
        The canonical rows: ``date, close[, open, high, low, volume]``, ascending.
    """

    path: Path
    symbol: str
    symbol_from: str
    encoding: str
    delimiter: str
    date_format: str
    decimal: str
    decimal_evidence: bool
    columns: dict[str, str]
    ignored: tuple[str, ...]
    rows_read: int
    first: dt.date
    last: dt.date
    dropped: dict[str, list[int]]
    notes: tuple[str, ...]
    frame: pl.DataFrame = field(repr=False)
    target: Path | None = None
    action: str = "read"

    @property
    def rows(self) -> int:
        """Rows in the canonical output."""
        return self.frame.height

    def describe(self) -> str:
        """A few lines for the terminal: what was detected, used, dropped and written."""
        target = f" -> {str(self.target)!r}" if self.target is not None else ""
        lines = [f"{str(self.path)!r}{target} ({self.action})"]
        thousands = "," if self.decimal == "." else "."
        number = f"decimal {'point' if self.decimal == '.' else 'comma'} (thousands {thousands!r} ignored)"
        if not self.decimal_evidence:
            number += ", assumed: no value shows it"
        lines.append(
            f"  detected: {DELIMITERS[self.delimiter]}-separated, {self.encoding}, dates {self.date_format}, {number}"
        )
        used = ", ".join(f"{role} <- {name!r}" for role, name in self.columns.items())
        ignored = f"; ignored {', '.join(repr(c) for c in self.ignored)}" if self.ignored else ""
        lines.append(f"  columns: {used}{ignored}")
        lines.append(f"  symbol: {self.symbol!r} (from {self.symbol_from})")
        lines.append(f"  rows: {self.rows_read:,} read, {self.rows:,} kept, {self.first} .. {self.last}")
        for reason, where in self.dropped.items():
            shown = ", ".join(str(n) for n in where[:_EXAMPLES]) + (", ..." if len(where) > _EXAMPLES else "")
            lines.append(f"  dropped {len(where):,} row{'s' if len(where) != 1 else ''}: {reason} (line{'s' if len(where) != 1 else ''} {shown})")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------- public API


def read_export(
    path: str | Path,
    *,
    symbol: str | None = None,
    column: str | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
) -> ImportReport:
    """Read and normalize one export; nothing is written.

    Parameters
    ----------
    symbol
        The series' name (default: a single ticker in the file, FRED's series column,
        else the file name).
    column
        The header of the close column, when the file has several candidates.
    date_format
        ``dmy``, ``mdy`` or ``ymd`` (field order), or a strftime pattern (``%d/%m/%Y``).
    decimal
        ``point`` (``1,234.5``) or ``comma`` (``1.234,5``): the prices' decimal mark, when
        no value in the file shows it and some could be read either way (``4.700``).

    Raises
    ------
    ImportQuestion
        The file is ambiguous; the message asks, the hint names the option.
    DataError
        The file cannot be read as a daily price table (with the line where it fails).

    Examples
    --------
    >>> report = read_export("SPX.csv")  # doctest: +SKIP
    >>> report.frame.columns  # doctest: +SKIP
    ['date', 'close', 'open', 'high', 'low', 'volume']
    """
    path = Path(path)
    where = Location(path=str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"file {str(path)!r} does not exist", location=where) from None
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc.strerror or exc}", location=where) from None
    found = None if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else not_text(data[:HEAD_BYTES])
    if found is not None:  # its bytes are no header: say what the file is
        kind, advice = found
        raise DataError(
            f"{path.name!r} is not a CSV file: it is {kind}", location=where,
            hint=advice or "export the prices as CSV text: a header line, then one row per day",
        )
    text, encoding = _decode(data)
    try:
        delimiter = _sniff_delimiter(text, path)
        header, records = _records(text, delimiter, path)
    except csv.Error as exc:  # e.g. a field over the csv module's 131,072 characters: not a price export
        raise DataError(f"{path.name!r} is not a table of prices the importer can read ({exc})", location=where) from None
    header, records = _one_yfinance_header(header, records, path)
    keys = [header_key(h) for h in header]
    roles = _roles(header, keys, column, path)
    ticker = pick_index(keys, _TICKER_KEYS)
    period = pick_index(keys, _PERIOD_KEYS)

    traded = _traded_close(keys, roles)
    raw = pl.DataFrame(
        {
            "line": [line for line, _ in records],
            **{role: [fields[index] for _, fields in records] for role, index in roles.items()},
            **({"traded": [fields[traded].strip() for _, fields in records]} if traded is not None else {}),
        },
        schema={"line": pl.Int64, **{role: pl.String for role in roles}, **({"traded": pl.String} if traded is not None else {})},
    )
    if period is not None:
        _check_daily(records, period, header[period], path)
    symbol, symbol_from = _symbol(symbol, records, ticker, header, roles, keys, path)

    raw = raw.with_columns(pl.col(r).str.strip_chars() for r in roles)
    blank = pl.all_horizontal(pl.col(r).is_null() | (pl.col(r) == "") for r in roles)
    raw = raw.filter(~blank)
    rows_read = raw.height
    if rows_read == 0:
        raise DataError(f"{path.name!r} has a header but no rows", location=where)

    dropped: dict[str, list[int]] = {}
    close_text = pl.col("close").fill_null("")
    missing = close_text.str.to_lowercase().is_in(list(_MISSING))
    for marker, lines in (
        raw.filter(missing).group_by(close_text.alias("marker")).agg(pl.col("line").sort()).sort("marker").iter_rows()
    ):
        shown = f"{marker!r}" if marker else "empty"
        dropped[f"close missing ({shown})"] = lines
    raw = raw.filter(~missing)
    if raw.is_empty():
        raise DataError(f"{path.name!r} has no row with a close in column {header[roles['close']]!r}", location=where)

    fmt, date_notes = _date_format(raw, date_format, path)
    decimal_mark, evidence = _decimal(raw, [r for r in roles if r in ("close", "open", "high", "low")], delimiter, path, decimal)
    value_notes: list[str] = []
    frame = _parse_rows(raw, roles, fmt, decimal_mark, path, header, value_notes)
    if traded is not None:
        frame = _adjusted_prices(frame, raw["traded"], decimal_mark, header, roles, traded, value_notes)
    frame, notes = _order(frame, path, dropped)
    frame = _checked(frame, path, header, roles)
    empty = [role for role in EXTRAS if role in roles and role not in frame.columns]  # no value on any row: not written
    if empty:
        names = " and ".join(", ".join(repr(header[roles[r]]) for r in empty).rsplit(", ", 1))
        value_notes.append(f"{names} {'has' if len(empty) == 1 else 'have'} no value on any row: not written")
        roles = {role: index for role, index in roles.items() if role not in empty}
    columns = {role: header[index] for role, index in sorted(roles.items(), key=lambda kv: _OUTPUT_ORDER.index(kv[0]))}
    used = set(roles.values())
    ignored = tuple(h for i, h in enumerate(header) if i not in used)
    frame = frame.select([c for c in _OUTPUT_ORDER if c in frame.columns])
    return ImportReport(
        path=path,
        symbol=symbol,
        symbol_from=symbol_from,
        encoding=encoding,
        delimiter=delimiter,
        date_format=fmt.label,
        decimal=decimal_mark,
        decimal_evidence=evidence,
        columns=columns,
        ignored=ignored,
        rows_read=rows_read,
        first=cast(dt.date, frame["date"].min()),
        last=cast(dt.date, frame["date"].max()),
        dropped=dropped,
        notes=tuple(date_notes + notes + value_notes),
        frame=frame,
    )


def import_file(
    path: str | Path,
    data_dir: str | Path,
    *,
    symbol: str | None = None,
    column: str | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Read one export and write ``data_dir/SYMBOL.csv`` (see :func:`read_export`).

    An existing file with the same content is left alone (``unchanged``); a different
    one is replaced only with ``force``. ``data_dir`` is created if needed.

    Examples
    --------
    >>> print(import_file("Downloads/^GSPC.csv", "data", symbol="SPX").describe())  # doctest: +SKIP
    """
    return import_files([path], data_dir, symbol=symbol, column=column, date_format=date_format, decimal=decimal,
                        force=force, dry_run=dry_run)[0]


def import_files(
    paths: Sequence[str | Path],
    data_dir: str | Path,
    *,
    symbol: str | None = None,
    column: str | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> list[ImportReport]:
    """Import several exports; every file is read and checked before anything is written.

    Raises
    ------
    DataError
        ``symbol`` given with several files, two files naming the same symbol, a target
        that exists with different content (without ``force``), or any read error.
    """
    if isinstance(paths, (str, Path)):  # a text is a sequence of its letters: 'exports/spx.csv' was read as '/', 'e', ...
        raise TypeError(f"paths is the text {str(paths)!r}: give a list of files, e.g. import_files([{str(paths)!r}]), or import_file({str(paths)!r})")
    if symbol is not None and len(paths) > 1:
        raise DataError("--symbol names one series, but several files were given", hint="import the files one at a time to name each")
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise DataError(f"data directory {str(data_dir)!r} is not a directory")
    reports = [read_export(p, symbol=symbol, column=column, date_format=date_format, decimal=decimal) for p in paths]
    seen: dict[str, Path] = {}
    for report in reports:
        other = seen.get(report.symbol.lower())
        if other is not None:
            raise DataError(
                f"{str(other)!r} and {str(report.path)!r} would both become {report.symbol + '.csv'!r}",
                hint="import them one at a time with --symbol NAME",
            )
        seen[report.symbol.lower()] = report.path
    planned = [(report, _target(report, data_dir, force)) for report in reports]
    done = []
    for report, (target, content, action) in planned:
        if not dry_run and action != "unchanged":
            data_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(target, content)
        done.append(replace(report, target=target, action="dry run" if dry_run else action))
    return done


# --------------------------------------------------------------------------- reading


def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-16 with its BOM (Excel's 'Unicode text'), UTF-8 (with
    or without BOM), else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter that splits the header into 2+ fields and most sampled rows alike.

    A row that disagrees is reported later, at its line, by :func:`_records`.
    """
    sample = "\n".join(line for line in text.splitlines()[:200] if line.strip())
    if not text.strip():  # nothing to separate: say so, not that the separator is unknown
        raise DataError(f"{path.name!r} is empty", location=Location(path=str(path)))
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(f.strip() for f in r)]
        if not rows or len(_trim(rows[0])) < 2:
            continue
        width = len(_trim(rows[0]))
        body = rows[1:]
        share = sum(len(_trim(r)) == width or len(r) == width for r in body) / len(body) if body else 1.0
        if share >= 0.5 and (best is None or (share, width) > best[:2]):
            best = (share, width, delimiter)
    if best is None:
        first = next((line for line in text.splitlines() if line.strip()), "")
        raise DataError(
            f"cannot tell how the fields of {path.name!r} are separated (tried comma, semicolon, tab, bar)",
            location=Location(path=str(path), line=1, source_line=first[:200] or None, column=1 if first else None),
            hint="a header line and one row per day, every row with the same number of fields",
        )
    return best[2]


def _trim(fields: list[str]) -> list[str]:
    """Fields without trailing empty ones (a trailing delimiter)."""
    out = list(fields)
    while out and not out[-1].strip():
        out.pop()
    return out


def _records(text: str, delimiter: str, path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and ``(line, fields)`` per non-blank row, every row as wide as the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # its own line endings: \r alone too (old Mac)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    start = 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = _trim(fields)
            continue
        if len(fields) != len(header):
            trimmed = _trim(fields)
            if len(trimmed) > len(header):
                raise DataError(
                    f"line {line} of {path.name!r} has {len(trimmed)} fields, the header has {len(header)}",
                    location=Location(path=str(path), line=line),
                    hint="a value with the delimiter in it must be quoted",
                )
            fields = trimmed + [""] * (len(header) - len(trimmed))
        records.append((line, fields))
    if header is None:
        raise DataError(f"{path.name!r} is empty", location=Location(path=str(path)))
    return header, records


def _one_yfinance_header(header: list[str], records: list[tuple[int, list[str]]], path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """yfinance's ``download(...).to_csv()`` writes its header on three lines,
    ``Price,Close,High,...``, ``Ticker,SPY,SPY,...`` and ``Date,,,...``: read as one header,
    ``Date,Close,High,...``, and the ticker as a ``Ticker`` column of every row (the series'
    name). Any other file is returned as it is."""
    if not yfinance_header([header, *(fields for _, fields in records[:2])]):
        return header, records
    (line, tickers), (_, dates) = records[0], records[1]
    names = list(dict.fromkeys(t.strip() for t in tickers[1:] if t.strip()))
    if len(names) > 1:
        raise DataError(
            f"{path.name!r} holds several tickers ({', '.join(repr(n) for n in names[:5])}{', ...' if len(names) > 5 else ''}) "
            f"in its {tickers[0].strip()!r} line",
            location=Location(path=str(path), line=line),
            hint="download one ticker per file (yf.download('SPY')) and import each",
        )
    return [dates[0], *header[1:], tickers[0]], [(n, [*fields, names[0] if names else ""]) for n, fields in records[2:]]


def _roles(header: list[str], keys: list[str], column: str | None, path: Path) -> dict[str, int]:
    """Role -> column index; the close is asked about when more than one column could be it."""
    where = Location(path=str(path), line=1)
    shown = ", ".join(repr(h) for h in header)
    roles: dict[str, int] = {}
    date = pick_index(keys, _DATE_KEYS)
    if date is None:
        raise DataError(
            f"no date column in {path.name!r}; the columns are {shown}",
            location=where,
            hint=f"name it one of {', '.join(repr(k) for k in _DATE_KEYS)}",
        )
    roles["date"] = date
    for role, accepted in _ROLE_KEYS.items():
        index = pick_index(keys, accepted)
        if index is not None:
            roles[role] = index
    if column is not None:
        hits = [i for i, h in enumerate(header) if h.strip() == column.strip()] or [
            i for i, k in enumerate(keys) if k == header_key(column)
        ]
        if not hits:
            raise DataError(f"--column {column!r} is not a column of {path.name!r}; the columns are {shown}", location=where)
        if len(hits) > 1:
            raise _same_names(header, hits, path)
        close = hits[0]
        for role in [r for r, i in roles.items() if i == close and r != "date"]:
            del roles[role]
    else:
        candidates = [i for i, k in enumerate(keys) if k in _CLOSE_KEYS + _ADJUSTED_KEYS]
        if len(candidates) > 1:
            for name in dict.fromkeys(header[i].strip() for i in candidates):
                same = [i for i in candidates if header[i].strip() == name]
                if len(same) > 1:  # --column cannot tell them apart
                    raise _same_names(header, same, path)
            names = " and ".join(repr(header[i]) for i in candidates)
            adjusted = any(keys[i] in _ADJUSTED_KEYS for i in candidates)
            why = (
                " (the traded close, as an index publishes it, or the close adjusted for dividends and splits?)"
                if adjusted else ""
            )
            raise ImportQuestion(
                f"{path.name!r} has {names}: which one is the close?{why}",
                location=where,
                hint=" or ".join(f"--column {header[i]!r}" for i in candidates),
            )
        if candidates:
            close = candidates[0]
        else:
            taken = set(roles.values()) | {
                i for i, k in enumerate(keys) if k in _TICKER_KEYS + _PERIOD_KEYS + _OTHER_KEYS
            }
            rest = [i for i in range(len(header)) if i not in taken]
            if len(rest) != 1:
                raise ImportQuestion(
                    f"which column of {path.name!r} is the close? the columns are {shown}",
                    location=where,
                    hint="name it with --column NAME",
                )
            close = rest[0]
    if close == date:
        raise DataError(f"--column {column!r} is the date column", location=where)
    roles["close"] = close
    return roles


def _same_names(header: list[str], columns: list[int], path: Path) -> DataError:
    """The error of a close that two or more columns of the same name could be."""
    which = " and ".join(", ".join(str(i + 1) for i in columns).rsplit(", ", 1))
    return DataError(
        f"columns {which} of {path.name!r} are {'both' if len(columns) == 2 else 'all'} named {header[columns[0]].strip()!r}: which one is the close?",
        location=Location(path=str(path), line=1),
        hint="rename them in the header line (e.g. 'Close' and 'Adj Close'), then import, with --column if asked",
    )


def _check_daily(records: list[tuple[int, list[str]]], period: int, name: str, path: Path) -> None:
    """Stooq's ``<PER>`` column must say daily (``D``)."""
    for line, fields in records:
        value = fields[period].strip().upper()
        if value and value != "D":
            raise DataError(
                f"{path.name!r} is not daily data: {name!r} is {fields[period].strip()!r} on line {line}",
                location=Location(path=str(path), line=line),
                hint="download the daily ('d') series",
            )


def _symbol(
    given: str | None,
    records: list[tuple[int, list[str]]],
    ticker: int | None,
    header: list[str],
    roles: dict[str, int],
    keys: list[str],
    path: Path,
) -> tuple[str, str]:
    """The series' name and where it came from."""
    if given is not None:
        name, source = given.strip(), "--symbol"
    elif ticker is not None:
        values = sorted({fields[ticker].strip() for _, fields in records if fields[ticker].strip()})
        if len(values) > 1:
            shown = ", ".join(repr(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
            raise DataError(
                f"{path.name!r} holds several tickers ({shown}) in column {header[ticker]!r}",
                location=Location(path=str(path)),
                hint="a long file with a symbol column can go into the data directory as it is; import files of one series",
            )
        name, source = (values[0], f"the {header[ticker]!r} column") if values else (path.stem, "the file name")
    elif len(header) == 2 and keys[roles["close"]] not in _CLOSE_KEYS + _ADJUSTED_KEYS and _SAFE_SYMBOL.match(header[roles["close"]].strip()):
        name, source = header[roles["close"]].strip(), "FRED's series column"
    else:
        name, source = path.stem, "the file name"
    if not _SAFE_SYMBOL.match(name):
        raise ImportQuestion(
            f"what is the symbol of {path.name!r}? {name!r} (from {source}) is not a usable file name",
            location=Location(path=str(path)),
            hint="name it with --symbol NAME (letters, digits and ^ _ . = -), e.g. --symbol SPX",
        )
    return name, source


def _date_format(raw: pl.DataFrame, wanted: str | None, path: Path) -> tuple[DateFormat, list[str]]:
    """The one date layout that reads every date, or a question when two do."""
    text = _date_text(pl.col("date"))
    values = raw.select(text.alias("d"))["d"]
    empty = (values.is_null() | (values.str.strip_chars() == "")).arg_true()
    if empty.len():  # a row with a close and no date: missing, not a date in some other layout
        raise DataError(
            f"missing date in {path.name!r}: the date field is empty",
            location=Location(path=str(path), line=int(raw["line"][int(empty[0])])),
            hint="every row needs its date: fill it in or delete the row",
        )
    notes: list[str] = []
    if wanted is not None and "%" in wanted:
        candidates = [DateFormat(wanted, wanted, "ymd")]
    else:
        orders = {"dmy", "mdy", "ymd"}
        if wanted is not None:
            if wanted.lower() not in orders:
                raise DataError(
                    f"--date-format {wanted!r} is not understood",
                    hint="use dmy (day first), mdy (month first), ymd, or a pattern such as '%d/%m/%Y'",
                )
            orders = {wanted.lower()}
        candidates = [f for f in DATE_FORMATS if f.order in orders]
    fitting: list[DateFormat] = []
    best: tuple[int, DateFormat] | None = None
    for fmt in candidates:
        parsed = _parse_dates(values, fmt.pattern)
        ok = int(parsed.is_not_null().sum())
        if ok == len(values):
            fitting.append(fmt)
        if best is None or ok > best[0]:
            best = (ok, fmt)
    if not fitting:
        assert best is not None
        parsed = _parse_dates(values, best[1].pattern)
        index = int(parsed.is_null().arg_true()[0])
        line = int(raw["line"][index])
        bad = raw["date"][index]
        guess = f" (most dates read as {best[1].label})" if best[0] else ""
        raise DataError(
            f"unparseable date {bad!r} in {path.name!r}{guess}",
            location=Location(path=str(path), line=line),
            hint="dates like 2024-01-02, 20240102, 02.01.2024, 01/02/2024, Jan 02, 2024, years 1800-2200; or give --date-format '%d/%m/%Y'",
        )
    orders_fitting = {f.order for f in fitting}
    if {"dmy", "mdy"} <= orders_fitting:
        example = values[0]
        day_first = next(f for f in fitting if f.order == "dmy")
        month_first = next(f for f in fitting if f.order == "mdy")
        a = _parse_dates(pl.Series([example]), day_first.pattern)[0]
        b = _parse_dates(pl.Series([example]), month_first.pattern)[0]
        raise ImportQuestion(
            f"are the dates of {path.name!r} day first or month first? {example!r} reads as "
            f"{a:%d %B %Y} ({day_first.label}) or {b:%d %B %Y} ({month_first.label}), and no date in the file settles it",
            location=Location(path=str(path)),
            hint="--date-format dmy (day first) or --date-format mdy (month first)",
        )
    chosen = fitting[0]
    numeric = "%b" not in chosen.pattern and "%B" not in chosen.pattern
    if wanted is not None:
        notes.append(f"dates read as {chosen.label}, as --date-format {wanted!r} says")
    elif numeric and chosen.order in ("dmy", "mdy"):
        first, other = ("day", "month") if chosen.order == "dmy" else ("month", "day")
        notes.append(f"dates read {first} first ({chosen.label}): a day above 12 in the file rules out {other} first")
    return chosen, notes


def _date_text(col: pl.Expr) -> pl.Expr:
    """Date text with an ISO time part (``2024-01-02 00:00:00-05:00``) cut off."""
    iso_time = col.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]")
    return pl.when(iso_time).then(col.str.slice(0, 10)).otherwise(col)


def _parse_dates(values: pl.Series, pattern: str) -> pl.Series:
    """Parsed dates (null where a value does not fit, or the year is outside 1800..2200)."""
    parsed = values.str.to_date(pattern, strict=False)
    years = parsed.dt.year()
    return parsed.zip_with((years >= 1800) & (years <= 2200), pl.Series([None] * len(parsed), dtype=pl.Date))


def _decimal(raw: pl.DataFrame, price_roles: list[str], delimiter: str, path: Path, wanted: str | None = None) -> tuple[str, bool]:
    """The decimal mark of the price columns and whether any value showed it (``wanted``:
    ``point`` or ``comma``, the user's answer). When none shows it and a value reads both
    ways (``4.700``: 4.7 or 4700), the import asks instead of guessing."""
    if wanted is not None:
        if wanted not in ("point", "comma"):
            raise DataError(f"--decimal is 'point' or 'comma', not {wanted!r}", hint="--decimal point (1,234.5) or --decimal comma (1.234,5)")
        return ("." if wanted == "point" else ","), True
    texts = pl.concat([raw[r].alias("v") for r in price_roles]).drop_nulls().str.replace_all(_NOISE, "")
    # a mark written twice in one number groups thousands ('1,234,567'), so the other one is the decimal mark
    point = texts.str.contains(r",\d*\.\d*$") | texts.str.contains(r"^-?\d{1,3}(,\d{3}){2,}$") | (
        texts.str.contains(r"^-?\d*\.\d+$") & ~texts.str.contains(r"^-?\d{1,3}(\.\d{3})+$")
    )
    comma = texts.str.contains(r"\.\d*,\d*$") | texts.str.contains(r"^-?\d{1,3}(\.\d{3}){2,}$") | (
        texts.str.contains(r"^-?\d*,\d+$") & ~texts.str.contains(r"^-?\d{1,3}(,\d{3})+$")
    )
    n_point, n_comma = int(point.sum()), int(comma.sum())
    if n_point and n_comma:
        a = texts.filter(point)[0]
        b = texts.filter(comma)[0]
        raise DataError(
            f"{path.name!r} mixes decimal marks: {a!r} has a decimal point, {b!r} a decimal comma",
            location=Location(path=str(path)),
        )
    if n_comma:
        return ",", True
    if n_point:
        return ".", True
    either = texts.filter(texts.str.contains(r"^-?\d{1,3}[.,]\d{3}$"))  # a group of three digits, or three decimals
    if either.len():
        example = either[0]
        as_point, as_comma = (float(pl.select(_number(pl.lit(example), mark)).item()) for mark in (".", ","))
        raise ImportQuestion(
            f"is {example!r} in {path.name!r} {as_point:g} or {as_comma:g}? No value in the file shows its decimal mark",
            location=Location(path=str(path)),
            hint="--decimal point (1,234.5: the comma groups thousands) or --decimal comma (1.234,5: the point groups thousands)",
        )
    return ".", False


def _number(col: pl.Expr, decimal: str) -> pl.Expr:
    """Text to Float64 with the given decimal mark (the other mark is a thousands separator)."""
    text = col.str.replace_all(_NOISE, "")
    if decimal == ",":
        text = text.str.replace_all(".", "", literal=True).str.replace_all(",", ".", literal=True)
    else:
        text = text.str.replace_all(",", "", literal=True)
    return text.cast(pl.Float64, strict=False)


def _volume(col: pl.Expr, decimal: str) -> pl.Expr:
    """Volume text to Float64; ``1.5M`` style suffixes (K, M, B) multiply."""
    text = col.str.replace_all(r"\s", "").str.to_uppercase()
    suffix = text.str.extract(r"([KMB])$", 1)
    factor = suffix.replace_strict({"K": 1e3, "M": 1e6, "B": 1e9}, default=1.0, return_dtype=pl.Float64)
    base = _number(text.str.replace(r"[KMB]$", ""), decimal)
    missing = text.fill_null("").str.to_lowercase().is_in(list(_MISSING))
    return pl.when(missing).then(None).otherwise(base * factor)


def _parse_rows(
    raw: pl.DataFrame, roles: dict[str, int], fmt: DateFormat, decimal: str, path: Path, header: list[str],
    notes: list[str],
) -> pl.DataFrame:
    """Typed rows with each value's text beside it (``close_text``, ...); a value that does
    not read as a number stops the import at its line (the price rules come after the
    rows are ordered: :func:`_checked`)."""
    exprs = [pl.col("line"), _date_text(pl.col("date")).str.to_date(fmt.pattern, strict=False).alias("date")]
    for role in ("close", "open", "high", "low"):
        if role in roles:
            missing = pl.col(role).fill_null("").str.to_lowercase().is_in(list(_MISSING))
            exprs.append(pl.when(missing).then(None).otherwise(_number(pl.col(role), decimal)).alias(role))
            exprs.append(pl.col(role).alias(f"{role}_text"))
    if "volume" in roles:
        exprs.append(_volume(pl.col("volume"), decimal).alias("volume"))
        exprs.append(pl.col("volume").alias("volume_text"))
    frame = raw.select(exprs)
    for role in [r for r in ("close", "open", "high", "low", "volume") if r in roles]:
        text = pl.col(f"{role}_text")
        unreadable = pl.col(role).is_null() & ~text.fill_null("").str.to_lowercase().is_in(list(_MISSING))
        bad = frame.filter(unreadable)
        if not bad.is_empty():
            raise DataError(
                f"non-numeric {role} {bad[f'{role}_text'][0]!r} in column {header[roles[role]]!r} of {path.name!r}",
                location=Location(path=str(path), line=int(bad["line"][0])),
                hint="prices must be numbers above 0; write a missing value as an empty field or '.'",
            )
    for role in [r for r in ("open", "high", "low") if r in roles]:
        zero = frame.filter(pl.col(role) == 0)["line"].to_list()
        if zero:
            notes.append(f"{role} is 0 on {len(zero):,} row(s) (from line {zero[0]}): written empty, the close is kept")
    return frame


def _traded_close(keys: list[str], roles: dict[str, int]) -> int | None:
    """The traded close's column when the close read is an adjusted close (``Adj Close``
    chosen with ``--column``) and the file has an open, high or low beside it: those are
    the traded prices, to be put in the adjusted close's units; else None."""
    if keys[roles["close"]] not in _ADJUSTED_KEYS or not any(r in roles for r in ("open", "high", "low")):
        return None
    return next((i for i, k in enumerate(keys) if k in _CLOSE_KEYS and i != roles["close"]), None)


def _adjusted_prices(
    frame: pl.DataFrame, traded: pl.Series, decimal: str, header: list[str], roles: dict[str, int], index: int,
    notes: list[str],
) -> pl.DataFrame:
    """The open, high and low times the row's adjusted close / traded close (``traded``:
    its text, row for row with ``frame``): in the adjusted close's units, as the close they
    sit beside (a next-open entry, a gap, the day's range would otherwise read the
    dividends as price moves); empty on a row whose traded close is missing or no price."""
    value = _number(pl.col("traded"), decimal)
    factor = pl.when(value > 0).then(pl.col("close") / value)
    prices = [r for r in ("open", "high", "low") if r in roles]
    frame = frame.with_columns(traded).with_columns(*(pl.col(r) * factor for r in prices)).drop("traded")
    scaled = " and ".join(", ".join(repr(header[roles[r]]) for r in prices).rsplit(", ", 1))
    notes.append(f"{scaled} scaled by {header[roles['close']]!r} / {header[index]!r} on each row, to the adjusted close's units")
    return frame


def _checked(frame: pl.DataFrame, path: Path, header: list[str], roles: dict[str, int]) -> pl.DataFrame:
    """The parsed rows checked by the rule every door applies
    (:func:`~eventstudy.data.validate.check_prices`: 1e400 read as inf is refused at its
    line, not written), as ``date, close`` and the optional columns that hold a value
    (a 0 price written empty; volumes as integers when they all are)."""
    extras = [r for r in EXTRAS if r in roles]
    checked = check_prices(
        frame.select("line", "date", "close", *extras, *(f"{role}_text" for role in ("close", *extras))),
        Origin(repr(path.name), path, "lines"),
        labels={role: header[index] for role, index in roles.items()},
        shown={role: f"{role}_text" for role in ("close", *extras)},
    )
    if "volume" in checked.columns:
        volume = checked["volume"].drop_nulls()
        if volume.len() and bool((volume == volume.round(0)).all()):
            checked = checked.with_columns(pl.col("volume").cast(pl.Int64))
    keep = [c for c in extras if checked[c].null_count() < checked.height]
    return checked.select("date", "close", *keep)


def _order(frame: pl.DataFrame, path: Path, dropped: dict[str, list[int]]) -> tuple[pl.DataFrame, list[str]]:
    """Ascending and one row per date: exact repeats dropped, conflicting ones refused
    (an export is repaired where it can be; a data file out of order is refused)."""
    notes: list[str] = []
    dates = frame["date"]
    if frame.height > 1 and not dates.is_sorted():
        if dates.is_sorted(descending=True):
            notes.append("rows were newest first: written oldest first")
        else:
            notes.append("rows were out of date order: sorted")
    values = [c for c in frame.columns if c != "line" and not c.endswith("_text")]
    frame = frame.sort("date", "line")
    repeat = frame.select(pl.struct(values).is_first_distinct()).to_series()
    if not bool(repeat.all()):
        dropped["repeated row (same date and values)"] = frame.filter(~repeat)["line"].to_list()
        frame = frame.filter(repeat)
    clash = frame.filter(pl.col("date").is_duplicated())
    if not clash.is_empty():
        first = clash.filter(pl.col("date") == clash["date"][0])
        lines = first["line"].to_list()
        raise DataError(
            f"date {first['date'][0].isoformat()!r} appears with different values on lines "
            + ", ".join(str(n) for n in lines) + f" of {path.name!r}",
            location=Location(path=str(path), line=int(lines[1])),
            hint="keep one row per date",
        )
    return frame, notes


# --------------------------------------------------------------------------- writing


def _target(report: ImportReport, data_dir: Path, force: bool) -> tuple[Path, bytes, str]:
    """The file to write, its content, and what writing it means (refusing a silent overwrite)."""
    target = data_dir / f"{report.symbol}.csv"
    content = report.frame.write_csv(date_format="%Y-%m-%d").encode("utf-8")
    if data_dir.is_dir():  # the files the loader would take for this symbol, other than the one written
        clashes = [p for p in DataDirectory(data_dir).own_files(report.symbol) if p.name != target.name]
        if clashes:
            same_kind = clashes[0].suffix.lower() == ".csv"  # the same symbol in another letter case: replaceable as itself
            raise DataError(
                f"{str(clashes[0])!r} already holds {report.symbol!r}: the data directory would have two files for it",
                location=Location(path=str(clashes[0])),
                hint=(f"to replace it, import as --symbol {clashes[0].stem} --force; else " if same_kind else "")
                + "remove or rename that file, or import under another name with --symbol",
            )
    if target.exists():
        if target.read_bytes() == content:
            return target, content, "unchanged"
        if not force:
            raise DataError(
                f"{str(target)!r} already exists with different content",
                location=Location(path=str(target)),
                hint="pass --force to replace it, or --symbol NAME to import under another name",
            )
        return target, content, "replaced"
    return target, content, "written"

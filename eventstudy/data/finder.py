"""Finding a symbol's data in a data directory: the one rule every reader follows.

``run``, ``validate``, ``data check``, universes and ``data import`` all ask this module
where a symbol's rows are. A data directory holds, in any mix:

1. **per-symbol files**, ``SYMBOL.csv`` or ``SYMBOL.parquet``: a symbol's own file, its
   stem matched exactly first, then ignoring letter case (two files at one level are
   ambiguous). The whole file is the symbol's; any symbol column in it is ignored: the
   file name says whose prices these are.
2. **long files**, any other ``*.csv`` / ``*.parquet`` whose header has a symbol column
   (``date, symbol, close``), holding many series. They serve the symbols that have no
   file of their own: the symbol column's value matched exactly first, then ignoring
   case; found in two long files, a symbol is ambiguous. A file with a symbol column and
   no close column (a file of symbol,date events) is read only for a symbol that no
   other file has, and then says what it lacks.

A file that is a requested symbol's own file is not also read as a long file, so
``SPX.csv`` wins over the ``SPX`` rows of a panel. Hidden files (``.name``) and other
suffixes are not data files; a file whose header cannot be read is skipped when long
files are looked through, and named if a symbol is then not found.

:meth:`DataDirectory.locate` applies the rule; how a reader then reads the rows (the
loader validates them, ``data check`` reads them leniently) is its own business.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

import polars as pl

from eventstudy.data.columns import (
    CLOSE_COLUMNS,
    DATE_COLUMNS,
    SYMBOL_COLUMNS,
    pick_column,
    twin_columns,
    yfinance_header,
)
from eventstudy.data.directory import check_dir
from eventstudy.errors import DataError, Location, did_you_mean

__all__ = [
    "HEAD_BYTES",
    "SUFFIXES",
    "DataDirectory",
    "DataFile",
    "Found",
    "Located",
    "csv_text",
    "first_row_line",
    "inspect",
    "long_file_symbols",
    "not_a_csv",
    "not_text",
    "sorted_by_symbol",
    "symbol_values",
    "whole_lines",
]

Format = Literal["csv", "parquet"]

SUFFIXES: dict[str, Format] = {".csv": "csv", ".parquet": "parquet"}
"""The suffixes (any letter case) of data files, and how each is read."""

ValuesReader = Callable[["DataFile", Sequence[str]], Collection[str]]
"""Reads a long file's symbol values that match ``wanted`` (upper case) ignoring case."""


@dataclass(frozen=True)
class DataFile:
    """A data file with its format and the roles its header fills (actual column names)."""

    path: Path
    fmt: Format
    columns: tuple[str, ...]
    date: str | None
    symbol: str | None
    close: str | None


@dataclass(frozen=True)
class Found:
    """Where a requested symbol's rows are: its own file (``value`` None), or the rows of a
    long file whose symbol column (stripped) reads ``value``."""

    symbol: str
    file: DataFile
    value: str | None = None


def inspect(path: Path) -> DataFile:
    """Read the header of ``path`` (not its rows) and map columns to roles.

    A ``.parquet`` file (any case) is read as Parquet, anything else as CSV.

    Raises
    ------
    DataError
        The file is empty or cannot be read.
    """
    fmt: Format = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    empty = DataError(f"empty file {path.name!r}: no header and no rows", location=Location(path=str(path)))
    try:
        if path.stat().st_size == 0:
            raise empty
        head = _head(path) if fmt == "csv" else b""  # read once for both checks below
        binary = not_a_csv(path, head) if fmt == "csv" else None
        if binary is not None:  # its bytes are no header: say what the file is, for every reader of it
            raise binary
        if fmt == "csv" and _carriage_returns_only(head):  # polars would read the whole file as its header line
            raise _for_import(
                path, f"{path.name!r} ends its lines with a carriage return alone (old Mac line endings): a data file's lines end with a newline",
                "it reads such lines", "save it as 'CSV UTF-8' (Excel's 'CSV (Macintosh)' writes these line endings)",
            )
        if fmt == "csv" and _yfinance_header(head):  # read as 'Price,Close,...': "no date column"
            raise _for_import(
                path, f"{path.name!r} has the three header lines of yfinance's to_csv (Price, Ticker, Date): a data file has one header line",
                "it reads them, the ticker naming the series", "write it with one: yf.download(..., multi_level_index=False)",
            )
        columns = scan(path, fmt).collect_schema().names()
    except pl.exceptions.NoDataError as exc:
        raise empty from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, fmt, exc) from exc
    separated = _other_separator(columns) if fmt == "csv" else None
    if separated is not None:  # 'date;close' read as one column: its names are there, its separator is not a comma
        raise _for_import(
            path, f"{path.name!r} is {separated}-separated ({columns[0].lstrip(chr(0xFEFF))!r}): a data file's fields are separated by commas",
            "it reads semicolon-, tab- and bar-separated exports and decimal commas", "save it as comma-separated CSV",
        )
    twins = twin_columns(columns)
    if twins is not None:  # 'Close' beside 'close': the first had been taken without a word
        role, first, second = twins
        raise DataError(
            f"{path.name!r} has two {role} columns, {first!r} and {second!r}: which one holds the {role} is not guessed",
            location=Location(path=str(path), line=1 if fmt == "csv" else None),
            hint="remove or rename one of them (column names are read in any letter case)",
        )
    return DataFile(
        path=path,
        fmt=fmt,
        columns=tuple(columns),
        date=pick_column(columns, DATE_COLUMNS),
        symbol=pick_column(columns, SYMBOL_COLUMNS),
        close=pick_column(columns, CLOSE_COLUMNS),
    )


_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "bar"}


def _other_separator(columns: Sequence[str]) -> str | None:
    """The separator's name when a CSV header read with commas is one field that another
    separator splits into columns, a date among them (``date;close``: an export saved with
    semicolons, as a spreadsheet in a decimal-comma locale writes it), else None."""
    if len(columns) != 1:
        return None
    for separator, name in _SEPARATORS.items():
        names = columns[0].split(separator)
        if len(names) > 1 and pick_column(names, DATE_COLUMNS) is not None:
            return name
    return None


def scan(path: Path, fmt: Format, row_index: str | None = None) -> pl.LazyFrame:
    """A lazy scan of a data file; CSV fields stay text, so nothing is lost or guessed,
    and every line is read whole (:func:`whole_lines`)."""
    if fmt == "csv":
        return whole_lines(pl.scan_csv(path, infer_schema=False, row_index_name=row_index))
    return pl.scan_parquet(path, row_index_name=row_index)


def whole_lines(csv: pl.LazyFrame) -> pl.LazyFrame:
    """A CSV scan whose every column is read, whichever a query selects: polars checks a
    line's number of fields only when it reads every column, so a line with a field too
    many (a stray comma) passed unseen when a query read some of them (``date, close``
    of a file with a volume column: its values taken as they fell). A filter that keeps
    every row and names every column makes such a line polars' error, which
    :func:`unreadable` locates. A line with fewer fields than the header stays valid: its
    missing trailing fields are empty, as spreadsheets export them."""
    every = pl.all()
    return csv.filter(pl.all_horizontal(every.is_null() | every.is_not_null()))


def unreadable(path: Path, fmt: Format, exc: BaseException) -> DataError:
    """A DataError for a file polars or the OS could not read: at its first row with more
    fields than its header, when that is why (polars does not say where)."""
    binary = not_a_csv(path) if fmt == "csv" else None
    if binary is not None:
        return binary
    ragged = _ragged_row(path) if fmt == "csv" and "fields" in str(exc) else None  # the row is sought only for that reason
    if ragged is not None:
        line, fields, expected, text = ragged
        return DataError(
            f"{fields} fields where the header has {expected}",
            location=Location(path=str(path), line=line, column=1, length=len(text), source_line=text),
            hint="one value per column on every row (a stray comma? quote a value that holds one)",
        )
    undecodable = _undecodable_line(path) if fmt == "csv" and "utf-8" in str(exc).lower() else None
    if undecodable is not None:
        line, column, byte, text = undecodable
        return DataError(
            f"{path.name!r} is not UTF-8 text: line {line} has the byte {byte:#04x}"
            f" ({bytes([byte]).decode('cp1252', errors='replace')!r} in Windows-1252)",
            location=Location(path=str(path), line=line, column=column, source_line=text),
            hint=(
                "save it as UTF-8 text (Excel: 'CSV UTF-8'), or convert it with "
                f"'eventstudy data import {path.name} --symbol {path.stem} --data-dir DIR' (it reads Windows-1252)"
            ),
        )
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DataError(
        f"cannot read {path.name!r} as {fmt.upper()}: {detail}",
        location=Location(path=str(path)),
    )


_SIGNATURES: tuple[tuple[bytes, str, str | None], ...] = (
    (b"\x1f\x8b", "gzip-compressed", "decompress it first (gunzip)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first (unzstd)"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)", "save the sheet as CSV (comma-separated text) and use that"),
    (b"\xd0\xcf\x11\xe0", "an Office document (an Excel .xls workbook?)", "save the sheet as CSV (comma-separated text) and use that"),
    (b"PAR1", "a Parquet file", "name it SYMBOL.parquet in the data directory: it is read as it is"),
    (b"\x89PNG", "a PNG image", None),
    (b"%PDF", "a PDF document", None),
    (b"\xff\xfe", "UTF-16 text", "save it as UTF-8 text, or import it with 'eventstudy data import FILE' (which writes UTF-8)"),
    (b"\xfe\xff", "UTF-16 text", "save it as UTF-8 text, or import it with 'eventstudy data import FILE' (which writes UTF-8)"),
)
_COMPRESSED = ("gzip-compressed", "zstd-compressed")
HEAD_BYTES = 4096
"""How much of a file :func:`not_text` looks at."""
_CONTROL = bytes(byte for byte in range(32) if byte not in (9, 10, 12, 13))
"""The control bytes that are not text (tab, newlines and form feed are)."""


def not_text(head: bytes, *, compressed: bool = True) -> tuple[str, str | None] | None:
    r"""What a ``.csv`` file that is not CSV text is, from its first bytes (a few KB), and
    what to do about it; None for text. An error about such a file names this instead of
    showing its bytes as if they were a header. ``compressed=False`` passes gzip and zstd,
    which polars decompresses when it reads a data directory's CSV file.

    Examples
    --------
    >>> not_text(b"date,close\n2024-01-02,4742.83\n") is None
    True
    >>> not_text(b"PK\x03\x04\x14\x00")[0], not_text(b"\x00\x01\x02 raw")[0]
    ('a zip archive (an Excel .xlsx workbook is one)', 'binary, not text')
    """
    for magic, kind, advice in _SIGNATURES:
        if head.startswith(magic):
            return None if kind in _COMPRESSED and not compressed else (kind, advice)
    control = len(head) - len(head.translate(None, _CONTROL))  # the bytes deleted are the control bytes
    if b"\x00" in head or control > len(head) / 20:
        return "binary, not text", None
    return None


def _for_import(path: Path, message: str, reads: str, or_else: str) -> DataError:
    """The error of a CSV file whose layout ``data import`` converts (``reads``: what it
    reads of such files), at its first line; ``or_else``: how to save it readable."""
    return DataError(
        message, location=Location(path=str(path), line=1),
        hint=f"convert it with 'eventstudy data import {path.name} --symbol {path.stem} --data-dir DIR' ({reads}), or {or_else}",
    )


def _head(path: Path) -> bytes:
    """A file's first :data:`HEAD_BYTES` (none where it cannot be read: its reader says why)."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def _yfinance_header(head: bytes) -> bool:
    """Whether a CSV file starting with ``head`` has yfinance's three header lines
    (:func:`~eventstudy.data.columns.yfinance_header`)."""
    lines = head.decode("utf-8", errors="replace").splitlines()[:3]
    return yfinance_header(list(csv.reader(lines)))


def _carriage_returns_only(head: bytes) -> bool:
    """Whether a CSV file whose first bytes are ``head`` ends its lines with a carriage
    return alone (a ``\\r`` and no ``\\n``; a compressed file's bytes say nothing)."""
    return b"\r" in head and b"\n" not in head and not_text(head) is None


def not_a_csv(path: Path, head: bytes | None = None) -> DataError | None:
    """The error of a data directory's ``.csv`` file that is not CSV text (:func:`not_text`;
    compressed CSV is read), or None: for a reader whose file has no header it can use.
    ``head``: its first bytes, when the caller has read them."""
    found = not_text(_head(path) if head is None else head, compressed=False)
    if found is None:
        return None
    kind, advice = found
    return DataError(
        f"{path.name!r} is not a CSV file: it is {kind}",
        location=Location(path=str(path)),
        hint=advice or "a data file is text, a header line (date, close, ...) and one row per day; 'eventstudy data import FILE' converts an export",
    )


def _undecodable_line(path: Path) -> tuple[int, int, int, str] | None:
    """(line, column, byte, the line as Windows-1252 text) of a CSV file's first byte that
    is not UTF-8, or None (a compressed file, whose lines are not its bytes, included)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not_text(data[:HEAD_BYTES], compressed=True) is not None:
        return None
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.rstrip(b"\r").decode("cp1252", errors="replace")
            column = len(raw[: exc.start].decode("utf-8")) + 1
            return number, column, raw[exc.start], text[:200]
    return None


def _ragged_row(path: Path) -> tuple[int, int, int, str] | None:
    """(line, fields, the header's fields, the line's text) of a CSV file's first row with
    more fields than its header (quotes as CSV reads them), or None: the rows polars
    refuses (a shorter row is read, its missing fields empty)."""
    import csv

    try:
        with csv_text(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            while header == []:  # polars skips the empty lines above the header
                header = next(reader, None)
            if header is None:
                return None
            for row in reader:
                if len(row) > len(header):
                    return reader.line_num, len(row), len(header), ",".join(row)
    except (OSError, EOFError, zlib.error, csv.Error):  # a truncated or damaged gzip stream too
        return None
    return None


def csv_text(path: Path) -> TextIO:
    """A CSV file's text as the csv module reads it (``newline=""``, a BOM dropped, bytes
    that are not UTF-8 replaced), decompressed when the file is gzip-compressed, as
    polars reads it: the error paths count its lines and fields in that text."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return gzip.open(path, "rt", newline="", encoding="utf-8-sig", errors="replace")
    return path.open(newline="", encoding="utf-8-sig", errors="replace")


def first_row_line(path: Path, fmt: Format) -> int:
    """The number a reader gives a file's first row, as polars counts rows after it: a
    CSV's first data row is line 2, after the empty lines above its header that polars
    skips; a Parquet file's rows count from 0."""
    if fmt != "csv":
        return 0
    skipped = 0
    try:
        with csv_text(path) as handle:
            for line in handle:
                if line.strip("\r\n"):
                    break
                skipped += 1
    except (OSError, EOFError, zlib.error):
        pass
    return 2 + skipped


def require_symbol_column(file: DataFile) -> str:
    """The symbol column of a file that must be long (a universe's data file)."""
    if file.symbol is None:
        raise DataError(
            f"{file.path.name}: no symbol column ({', '.join(SYMBOL_COLUMNS)})",
            location=Location(path=str(file.path)),
            hint="universe data files are long: date, symbol, close",
        )
    return file.symbol


def _symbol_text(file: DataFile) -> pl.Expr:
    assert file.symbol is not None
    return pl.col(file.symbol).cast(pl.String).str.strip_chars()


def symbol_values(file: DataFile, wanted_upper: Sequence[str] | None = None) -> set[str]:
    """The distinct values (stripped, not empty) of a long file's symbol column; with
    ``wanted_upper``, only those that match one of them ignoring case."""
    value = pl.col("s")
    keep = value.str.len_chars() > 0
    if wanted_upper is not None:
        keep = keep & value.str.to_uppercase().is_in(list(wanted_upper))
    try:
        values = scan(file.path, file.fmt).select(_symbol_text(file).alias("s")).filter(keep).unique().collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc
    return set(values["s"].to_list())


def _names_any(file: DataFile, wanted_upper: Sequence[str]) -> bool:
    """Whether a long file's symbol column names one of ``wanted_upper`` (ignoring case);
    a file that cannot be read names none."""
    with contextlib.suppress(DataError):
        return bool(symbol_values(file, wanted_upper))
    return False


def _first_row(lf: pl.LazyFrame, holds: pl.Expr) -> int:
    """The index of the first row of ``lf`` where ``holds``. By a row index, not
    ``arg_max``: polars' streaming engine gave a Parquet file's ``arg_max`` of a
    comparison as 300 for the row 0 (polars 2.1)."""
    return int(lf.with_row_index("_row").filter(holds).select(pl.col("_row").min()).collect().item())


def long_file_symbols(path: Path, grouped: bool = False) -> list[str]:
    """Every symbol of a universe's long file, sorted; a row without a symbol, or a symbol
    holding a control character, is refused (it would rewrite the terminal it is shown in).
    ``grouped``: the file's rows come grouped by symbol (:func:`sorted_by_symbol`), so
    its runs of one symbol are few and each is read as one value (any order gives the
    same symbols; ungrouped rows would make a run of each row)."""
    file = inspect(path)
    column = require_symbol_column(file)
    lf = scan(file.path, file.fmt)
    raw = pl.col(column).cast(pl.String)
    try:
        # the distinct raw values first (each run, or each row, once), then stripped; by runs each
        # row is compared with the one before instead of hashed (benchmarks/read_block.py --calendar)
        distinct = raw.rle().struct.field("value").unique() if grouped else raw.unique()
        values = lf.select(distinct).collect().to_series()
        padded = values.filter(values != values.str.strip_chars()).sort()
        if padded.len():  # the blocks select rows by the stripped name: its rows would be dropped without a word
            shown = padded[0]
            line = _first_row(lf, raw == shown) + (first_row_line(path, file.fmt) if file.fmt == "csv" else 1)
            raise DataError(
                f"the symbol {shown!r} has spaces around it ({'line' if file.fmt == 'csv' else 'row'} {line:,} of column {column!r})",
                location=Location(path=str(path), line=line),
                hint=f"write it {shown.strip()!r}, as the study and the other files name it (a padded name is a different symbol)",
            )
        symbols = values.str.strip_chars().unique()
        if symbols.null_count() or (symbols == "").any():
            empty = _symbol_text(file).fill_null("").eq("")
            blank = int(lf.select(empty.sum()).collect().item())
            line = _first_row(lf, empty) + (first_row_line(path, file.fmt) if file.fmt == "csv" else 1)  # a Parquet file's rows count from 1 here
            raise DataError(
                f"{blank:,} row(s) have no symbol in column {column!r}, the first on {'line' if file.fmt == 'csv' else 'row'} {line:,}",
                location=Location(path=str(path), line=line),
                hint="every row of a universe's long file names its symbol",
            )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc
    hostile = symbols.filter(symbols.str.contains(r"[\x00-\x1f\x7f-\x9f]"))
    if hostile.len():
        raise DataError(
            f"{path.name}: a symbol holds a control character ({hostile[0]!r}): it would rewrite the terminal it is shown in",
            location=Location(path=str(path)),
            hint="symbols are printable text",
        )
    return symbols.sort().to_list()


SORT_CHECK_ROWS = 200_000
"""Rows at the start of a long Parquet file that :func:`sorted_by_symbol` reads (a row
group or two)."""


def sorted_by_symbol(path: Path) -> bool:
    """Whether a long Parquet file comes sorted by symbol, as far as its first
    :data:`SORT_CHECK_ROWS` rows tell (a few ms). A block of symbols streamed from a
    sorted file reads only its own row groups; from a file sorted by date, every row
    group holds every symbol, and each block would decode the whole file."""
    file = inspect(path)
    column = require_symbol_column(file)
    try:
        head = scan(file.path, file.fmt).head(SORT_CHECK_ROWS).select(pl.col(column).cast(pl.String)).collect().to_series()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc
    return head.drop_nulls().is_sorted()


@dataclass(frozen=True)
class Located:
    """The outcome of :meth:`DataDirectory.locate`: where each found symbol is, which are
    missing, and what was looked through (for the not-found message)."""

    directory: DataDirectory
    found: dict[str, Found]
    missing: list[str]
    long_files: list[DataFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def not_found(self) -> DataError:
        """A DataError naming the missing symbols, every file looked for, and the closest names."""
        return self.directory.not_found(self.missing, self.long_files, self.skipped)


class DataDirectory:
    """The data files of one directory, and the rule that finds a symbol's rows in them.

    Examples
    --------
    >>> located = DataDirectory(Path("data")).locate(["SPX", "AAPL"])  # doctest: +SKIP
    >>> located.found["AAPL"].file.path, located.found["AAPL"].value  # doctest: +SKIP
    (PosixPath('data/panel.csv'), 'AAPL')
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_dir(self.path, None)
        self.files = sorted(
            p
            for p in self.path.iterdir()
            if p.suffix.lower() in SUFFIXES and not p.name.startswith(".") and p.is_file()
        )

    def own_files(self, symbol: str) -> list[Path]:
        """Every file named for ``symbol`` in any letter case (``SPX.csv``, ``spx.parquet``)."""
        return [p for p in self.files if p.stem.lower() == symbol.lower()]

    def own_file(self, symbol: str) -> Path | None:
        """The symbol's own file: exact stem first, then any letter case; two at one level is ambiguous."""
        named = self.own_files(symbol)
        for exact in (True, False):
            hits = [p for p in named if p.stem == symbol] if exact else named
            if len(hits) > 1:
                names = ", ".join(repr(p.name) for p in hits)
                raise DataError(
                    f"symbol {symbol!r} is ambiguous: several files match in {str(self.path)!r}: {names}",
                    location=Location(path=str(self.path)),
                    hint="keep one file per symbol (either .csv or .parquet)",
                )
            if hits:
                return hits[0]
        return None

    def locate(self, symbols: Sequence[str], values: ValuesReader = symbol_values) -> Located:
        """Where each of ``symbols`` is: own files first, then the long files not claimed
        as a requested symbol's own file. ``values`` reads the matching symbol values of a
        long file (the loader passes one that validates the rows as it reads them, so a
        long file is read once).

        Raises
        ------
        DataError
            A symbol matches several files, or an own file cannot be read.
        """
        wanted = list(dict.fromkeys(symbols))
        found: dict[str, Found] = {}
        for symbol in wanted:
            path = self.own_file(symbol)
            if path is not None:
                found[symbol] = Found(symbol, inspect(path))
        unresolved = [s for s in wanted if s not in found]
        long_files: list[DataFile] = []
        skipped: list[tuple[Path, str]] = []
        if unresolved:
            claimed = {f.file.path for f in found.values()}
            long_files, skipped = self._long_files(claimed)
            # a file with a symbol column and no close (own events: symbol,date pairs) holds no prices: it is
            # read as a long file only for a symbol no other file has, which it then says it cannot serve
            found.update(self._in_long_files(unresolved, [f for f in long_files if f.close is not None], values))
            rest = sorted({s.upper() for s in unresolved if s not in found})
            unpriced = [f for f in long_files if f.close is None and rest and _names_any(f, rest)]
            found.update(self._in_long_files([s for s in unresolved if s not in found], unpriced, values))
        missing = [s for s in unresolved if s not in found]
        return Located(self, found, missing, long_files, skipped)

    def catalog(self) -> list[str]:
        """Every name a series can be found by: the stem of each file without a symbol
        column (or whose header is unreadable: reading it says why), the symbol values of
        each long file; files in name order, first spelling kept. A file without a close
        column holds no prices (a factors file, a file of events): it names no series
        (:meth:`priceless`)."""
        return self._catalogued[0]

    def priceless(self) -> list[Path]:
        """The files whose header (readable) has no close column: ``factors.csv`` that
        ``data import --french`` writes here, a file of events; not in :meth:`catalog`."""
        return self._catalogued[1]

    def unreadable(self) -> list[tuple[Path, DataError]]:
        """The files whose header cannot be read (binary, empty, no header), each with the
        error a run reading it would stop at; their names are in :meth:`catalog`."""
        return self._catalogued[2]

    @functools.cached_property
    def _catalogued(self) -> tuple[list[str], list[Path], list[tuple[Path, DataError]]]:
        """:meth:`catalog`, :meth:`priceless` and :meth:`unreadable` from one reading of each file's header."""
        names: dict[str, None] = {}
        priceless: list[Path] = []
        unreadable: list[tuple[Path, DataError]] = []
        for path in self.files:
            try:
                file = inspect(path)
            except DataError as exc:
                names.setdefault(path.stem)
                unreadable.append((path, exc))
                continue
            if file.close is None:
                priceless.append(path)
            elif file.symbol is None:
                names.setdefault(path.stem)
            else:
                names.update(dict.fromkeys(sorted(symbol_values(file))))
        return list(names), priceless, unreadable

    def _long_files(self, claimed: Collection[Path]) -> tuple[list[DataFile], list[tuple[Path, str]]]:
        """The files whose header has a symbol column; unreadable ones are skipped with the reason."""
        long_files: list[DataFile] = []
        skipped: list[tuple[Path, str]] = []
        for path in self.files:
            if path in claimed:
                continue
            try:
                file = inspect(path)
            except DataError as exc:
                skipped.append((path, exc.message))
                continue
            if file.symbol is not None:
                long_files.append(file)
        return long_files, skipped

    def _in_long_files(self, symbols: Sequence[str], long_files: Sequence[DataFile], values: ValuesReader) -> dict[str, Found]:
        """Find ``symbols`` in the long files, reading each file once; exact symbol match first."""
        upper = sorted({s.upper() for s in symbols})
        read = [(file, set(values(file, upper))) for file in long_files]
        chosen: dict[str, Found] = {}
        for symbol in symbols:
            hits = [(f, symbol) for f, present in read if symbol in present]
            if not hits:
                hits = [(f, v) for f, present in read for v in sorted(present) if v.upper() == symbol.upper()]
            if len(hits) > 1:
                where = ", ".join(f"{v!r} in {f.path.name!r}" for f, v in hits)
                raise DataError(
                    f"symbol {symbol!r} is ambiguous: found {where}",
                    location=Location(path=str(self.path)),
                    hint="keep each symbol in one file, spelled one way",
                )
            if hits:
                chosen[symbol] = Found(symbol, hits[0][0], hits[0][1])
        return chosen

    def not_found(
        self, missing: Sequence[str], long_files: Sequence[DataFile], skipped: Sequence[tuple[Path, str]]
    ) -> DataError:
        """A DataError naming the missing symbols, every file looked for, and the closest names."""
        long_paths = {f.path for f in long_files}
        available = {p.stem for p in self.files if p not in long_paths}
        for file in long_files:  # error path only: a second, symbol-only read of each long file
            with contextlib.suppress(DataError):
                available.update(symbol_values(file))
        listed = ", ".join(f"{s!r}{did_you_mean(s, available)}" for s in missing)
        noun = "symbol" if len(missing) == 1 else "symbols"
        looked = "; ".join(f"{s + '.csv'!r}, {s + '.parquet'!r}" for s in missing)
        if long_files:
            longs = "long files " + ", ".join(repr(f.path.name) for f in long_files)
        else:
            longs = "no long files (no other .csv/.parquet file has a symbol column)"
        message = (
            f"{noun} {listed} not found in data directory {str(self.path)!r}: "
            f"looked for {looked} (any letter case), then in {longs}"
        )
        if skipped:
            message += "; skipped unreadable " + ", ".join(f"{p.name!r} ({why})" for p, why in skipped)
        accepted = ", ".join(repr(n) for n in SYMBOL_COLUMNS)
        return DataError(
            message,
            location=Location(path=str(self.path)),
            hint=(
                "add SYMBOL.csv or SYMBOL.parquet with columns date, close, or a long file with "
                f"a symbol column ({accepted}); check the series map of the study"
            ),
        )

"""The data stage: load daily closes from a directory of CSV or Parquet files.

A data directory holds, in any mix:

* **per-symbol files**, ``SYMBOL.csv`` or ``SYMBOL.parquet``, one series each. The file
  stem is matched exactly first, then ignoring letter case. Any symbol column in such a
  file is ignored: the file name says whose prices these are.
* **long files**, any other ``*.csv`` / ``*.parquet`` whose header has a symbol column
  (``date, symbol, close``), holding many series. They serve the symbols that have no
  file of their own; each is scanned once per call, filtered to the symbols wanted.

Column names are matched ignoring case and surrounding whitespace against
:data:`ACCEPTED_COLUMNS`; when several candidates for one role are present, the first in
that table's order wins (so ``Close`` is taken before ``Adj Close``). The columns open,
high, low and volume are carried when present (:data:`EXTRAS`; null where a value is
missing or unusable); other columns are ignored and may hold empty fields.

Every row is checked, vectorized, and the first bad row is reported as a
:class:`~eventstudy.errors.DataError` at ``file:line`` (CSV: the line as an editor shows
it, header = line 1; Parquet: the 0-based row index, said so in the message).

:func:`load_prices_any` adds the download cache (:mod:`eventstudy.cache`): a symbol not
in the data directory (or every symbol, when no directory is named) is taken from the
cache, pulled into it first when asked to; what is still missing is one
:class:`MissingDataError` naming the two ways to provide it.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from eventstudy.cache import Cache
from eventstudy.errors import DataError, Location, did_you_mean
from eventstudy.providers import DEFAULT_PROVIDER, OfflineError

__all__ = [
    "ACCEPTED_COLUMNS",
    "CLOSE_COLUMNS",
    "DATA_DIR_ENV",
    "DATE_COLUMNS",
    "MISSING_VALUES",
    "SYMBOL_COLUMNS",
    "MissingDataError",
    "PriceData",
    "as_dates",
    "find_data_dir",
    "load_prices",
    "load_prices_any",
    "pick_column",
    "read_long_block",
    "read_long_dates",
    "resolve_data_dir",
    "source_ranges",
    "usable_extra",
]

DATE_COLUMNS: tuple[str, ...] = ("date", "datetime", "timestamp", "time", "day")
"""Accepted names of the date column, in order of preference."""

SYMBOL_COLUMNS: tuple[str, ...] = ("symbol", "ticker", "name", "code")
"""Accepted names of the symbol column of a long file, in order of preference."""

CLOSE_COLUMNS: tuple[str, ...] = (
    "close",
    "adj close",
    "adj_close",
    "adjclose",
    "adjusted_close",
    "price",
    "value",
    "last",
)
"""Accepted names of the close column, in order of preference (``close`` first)."""

ACCEPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": DATE_COLUMNS,
    "symbol": SYMBOL_COLUMNS,
    "close": CLOSE_COLUMNS,
}
"""Header names accepted per role, matched ignoring case and surrounding whitespace;
the first name present in this order is used."""

MISSING_VALUES: tuple[str, ...] = (".", "nan", "na", "n/a", "null", "none", "#n/a")
"""Texts (any case) read as a *missing* close, not a malformed one; ``.`` is FRED's holiday marker."""

DATA_DIR_ENV = "EVENTSTUDY_DATA"
"""Environment variable naming the data directory when neither the CLI nor the study does."""

Format = Literal["csv", "parquet"]

_SUFFIXES: dict[str, Format] = {".csv": "csv", ".parquet": "parquet"}
_ISO_DATE = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))?)?$"
)

# Internal column names, chosen not to collide with a user's header.
_ROW = "__es_row"
_SYM = "__es_symbol"
_DRAW = "__es_date_raw"
_CRAW = "__es_close_raw"
_DATE = "__es_date"
_CLOSE = "__es_close"
_PREV_DATE = "__es_prev_date"
_PREV_ROW = "__es_prev_row"
_PROBLEM = "__es_problem"

# Problem codes, in the order a row is checked.
(
    _DATE_EMPTY,
    _DATE_BAD,
    _CLOSE_EMPTY,
    _CLOSE_MISSING,
    _CLOSE_NON_NUMERIC,
    _CLOSE_NON_FINITE,
    _CLOSE_NON_POSITIVE,
    _DATE_DUPLICATE,
    _DATE_UNSORTED,
) = range(1, 10)


@dataclass(frozen=True)
class PriceData:
    """Daily closes of the requested symbols, long format, and where each came from.

    Attributes
    ----------
    frame
        Columns ``date`` (``pl.Date``), ``symbol`` (``pl.String``, as requested),
        ``close`` (``pl.Float64``) and ``open``, ``high``, ``low``, ``volume``
        (``pl.Float64``, null where the file has none); sorted by symbol, then date.
    sources
        Requested symbol -> the file its rows were read from.
    notes
        Where data came from when it was not a data directory (the cache, a pull).
    """

    frame: pl.DataFrame
    sources: dict[str, Path]
    notes: tuple[str, ...] = ()


class MissingDataError(DataError):
    """Symbols found neither in the data directory nor in the cache.

    ``symbols`` are the missing ones and ``provider`` the one a pull would use, so a
    front end can offer to pull them and try again.
    """

    def __init__(self, message: str, *, symbols: Sequence[str], provider: str, hint: str | None = None,
                 location: Location | None = None) -> None:
        super().__init__(message, hint=hint, location=location)
        self.symbols = tuple(symbols)
        self.provider = provider


@dataclass(frozen=True)
class _File:
    """A data file with its format and the roles its header fills (actual column names)."""

    path: Path
    fmt: Format
    columns: tuple[str, ...]
    date: str | None
    symbol: str | None
    close: str | None


def load_prices(data_dir: Path | str, symbols: Sequence[str]) -> PriceData:
    """Load and validate the daily closes of ``symbols`` from ``data_dir``.

    Each symbol is read from its own file (``SYMBOL.csv`` / ``SYMBOL.parquet``, exact
    stem first, then any letter case) or, failing that, from the long files of the
    directory. Requested names are kept as given, duplicates dropped.

    Raises
    ------
    DataError
        The directory is missing, a symbol cannot be found (with the files looked for
        and a did-you-mean), a file is ambiguous or unreadable, or a row is malformed.

    Examples
    --------
    >>> prices = load_prices(Path("data"), ["SPX", "RUT"])  # doctest: +SKIP
    >>> prices.frame.columns  # doctest: +SKIP
    ['date', 'symbol', 'close']
    """
    if isinstance(symbols, str):
        raise TypeError(f"symbols must be a sequence of names, not the string {symbols!r}")
    data_dir = Path(data_dir)
    wanted = list(dict.fromkeys(symbols))
    frames, sources, missing, not_found = _load_available(data_dir, wanted)
    if missing:
        raise not_found()
    return _price_data(frames, sources, wanted)


def _price_data(frames: list[pl.DataFrame], sources: dict[str, Path], wanted: Sequence[str], notes: Sequence[str] = ()) -> PriceData:
    schema = PRICE_SCHEMA
    frames = [f.select([pl.col(c).cast(t) if c in f.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()]) for f in frames]
    frame = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)
    return PriceData(frame=frame.sort("symbol", "date"), sources={s: sources[s] for s in wanted}, notes=tuple(notes))


def _load_available(
    data_dir: Path, wanted: Sequence[str]
) -> tuple[list[pl.DataFrame], dict[str, Path], list[str], Callable[[], DataError]]:
    """Load what the directory has of ``wanted``: frames, sources, the missing symbols,
    and a factory for the detailed not-found error about them."""
    _check_dir(data_dir, None)
    candidates = sorted(
        p
        for p in data_dir.iterdir()
        if p.suffix.lower() in _SUFFIXES and not p.name.startswith(".") and p.is_file()
    )

    frames: list[pl.DataFrame] = []
    sources: dict[str, Path] = {}
    unresolved: list[str] = []
    for symbol in wanted:
        path = _own_file(symbol, candidates, data_dir)
        if path is None:
            unresolved.append(symbol)
            continue
        file = _inspect(path)
        frames.append(_load_single(file, symbol))
        sources[symbol] = path

    missing: list[str] = []
    long_files: list[_File] = []
    skipped: list[tuple[Path, str]] = []
    if unresolved:
        claimed = set(sources.values())
        long_files, skipped = _long_files([p for p in candidates if p not in claimed])
        long_frames, found = _load_from_long_files(long_files, unresolved, data_dir)
        missing = [s for s in unresolved if s not in found]
        frames.extend(long_frames)
        sources.update(found)
    return frames, sources, missing, lambda: _not_found(missing, data_dir, candidates, long_files, skipped)


def find_data_dir(cli_value: str | None, study_value: str | None, study_path: Path | None) -> Path | None:
    """Like :func:`resolve_data_dir`, but ``None`` when no directory is named anywhere.

    A named directory that does not exist is still an error; with none named, the
    cache serves (see :func:`load_prices_any`).
    """
    given = [v for v in (cli_value, study_value, os.environ.get(DATA_DIR_ENV)) if v and v.strip()]
    return resolve_data_dir(cli_value, study_value, study_path) if given else None


def load_prices_any(
    symbols: Sequence[str],
    *,
    data_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    provider: str | None = None,
    pull: bool = False,
) -> PriceData:
    """Load ``symbols`` from ``data_dir`` and, for what it lacks, from the download cache.

    Parameters
    ----------
    data_dir
        A data directory, or ``None`` to take everything from the cache.
    cache_dir
        The cache folder (default: ``$EVENTSTUDY_CACHE``, else the user cache directory).
    provider
        Only this provider's cache (and pull from it); ``None``: any provider's cache,
        pulling from the default provider (yahoo).
    pull
        Download what is missing (and refresh what is cached) before loading.

    Raises
    ------
    MissingDataError
        Symbols neither in the directory nor in the cache (or a pull that could not reach
        the network): the message names them, the hint the two ways to provide them.
    CorruptCacheError
        A cached file fails verification (without ``pull``, which replaces it).

    Examples
    --------
    >>> prices = load_prices_any(["SPX", "RUT"])  # doctest: +SKIP
    >>> prices.notes  # doctest: +SKIP
    ("SPX: from the cache, yahoo '^GSPC' 1927-12-30 .. 2026-08-31, ...",)
    """

    if isinstance(symbols, str):
        raise TypeError(f"symbols must be a sequence of names, not the string {symbols!r}")
    wanted = list(dict.fromkeys(symbols))
    frames: list[pl.DataFrame] = []
    sources: dict[str, Path] = {}
    missing = wanted
    not_found: Callable[[], DataError] | None = None
    if data_dir is not None:
        frames, sources, missing, not_found = _load_available(Path(data_dir), wanted)
    if not missing:
        return _price_data(frames, sources, wanted)

    cache = Cache(cache_dir)
    source = provider or DEFAULT_PROVIDER
    notes: list[str] = []
    still: list[str] = []
    offline: str | None = None
    for symbol in missing:
        if pull and offline is None:
            try:
                result = cache.pull(symbol, source)
            except OfflineError as exc:
                offline = exc.message  # no network: use what is cached, report what is not
            else:
                notes.append(f"{symbol}: pulled ({result.mode}), {result.meta.describe()}")
                if result.reason:
                    notes.append(f"{symbol}: {result.reason}")
        cached = cache.read(symbol, source if pull else provider)
        if cached is None:
            still.append(symbol)
            continue
        extras = [
            usable_extra(pl.col(name).cast(pl.Float64), name) if name in cached.frame.columns else pl.lit(None, dtype=pl.Float64).alias(name)
            for name in EXTRAS
        ]
        frames.append(cached.frame.select("date", pl.lit(symbol, pl.String).alias("symbol"), pl.col("close").cast(pl.Float64), *extras))
        sources[symbol] = cached.path
        if offline is not None:
            notes.append(f"warning: {symbol}: not updated ({offline}); using the cache, {cached.meta.describe()}")
        elif not pull:
            notes.append(f"{symbol}: from the cache, {cached.meta.describe()}")
    if still:
        raise _missing_error(still, data_dir, not_found, cache.root, source, f"{offline}; " if offline else "")
    return _price_data(frames, sources, wanted, notes)


def _missing_error(
    missing: Sequence[str],
    data_dir: Path | str | None,
    not_found: Callable[[], DataError] | None,
    cache_root: Path,
    provider: str,
    prefix: str,
) -> MissingDataError:
    """What is missing, where it was looked for, and the two ways to provide it."""
    names = ", ".join(repr(s) for s in missing)
    if data_dir is not None and not_found is not None:
        where = not_found().message + f", nor in the download cache {str(cache_root)!r}"
    else:
        noun = "symbol" if len(missing) == 1 else "symbols"
        where = f"no data for {noun} {names}: no data directory given, and not in the download cache {str(cache_root)!r}"
    files = ", ".join(f"{s}.csv" for s in missing)
    pull = " ".join(missing)
    flag = f" --provider {provider}" if provider != "yahoo" else ""
    return MissingDataError(
        prefix + where,
        symbols=missing,
        provider=provider,
        location=Location(path=str(data_dir)) if data_dir is not None else None,
        hint=(
            f"with network: 'eventstudy data pull {pull}{flag}' (or run with --pull); "
            f"without: pass --data-dir DIR (or set data: {{dir: DIR}} in the study, or ${DATA_DIR_ENV}) "
            f"with {files} in it ('eventstudy data import FILE' converts a downloaded CSV)"
        ),
    )


def resolve_data_dir(cli_value: str | None, study_value: str | None, study_path: Path | None) -> Path:
    """Pick the data directory: ``--data-dir`` > the study's ``data.dir`` > ``$EVENTSTUDY_DATA``.

    ``--data-dir`` and the environment variable are taken relative to the current
    directory, ``data.dir`` relative to the study file's folder (so a study and its data
    can move together). Empty values count as not given.

    Raises
    ------
    DataError
        None of the three is given, or the chosen directory does not exist (the message
        says which source named it).

    Examples
    --------
    >>> resolve_data_dir("data", None, None)  # doctest: +SKIP
    PosixPath('data')
    """
    env_value = os.environ.get(DATA_DIR_ENV)
    if cli_value and cli_value.strip():
        path = Path(cli_value).expanduser()
        source = f"--data-dir {cli_value!r} (relative to the current directory {str(Path.cwd())!r})"
        location = None
    elif study_value and study_value.strip():
        base = study_path.parent if study_path is not None else Path.cwd()
        path = base / Path(study_value).expanduser()
        where = f"the study file {str(study_path)!r}" if study_path is not None else "the study"
        source = f"data.dir {study_value!r} in {where} (relative to the study file's folder)"
        location = Location(path=str(study_path)) if study_path is not None else None
    elif env_value and env_value.strip():
        path = Path(env_value).expanduser()
        source = f"the {DATA_DIR_ENV} environment variable ({env_value!r})"
        location = None
    else:
        raise DataError(
            "no data directory given",
            hint=(
                "pass --data-dir DIR on the command line, set 'data: {dir: DIR}' in the study "
                f"file (relative to the study file's folder), or set the {DATA_DIR_ENV} "
                "environment variable"
            ),
        )
    _check_dir(path, source, location)
    return path


# --------------------------------------------------------------------------- files


def _check_dir(path: Path, source: str | None, location: Location | None = None) -> None:
    """Raise a DataError unless ``path`` is an existing directory."""
    named = f", named by {source}" if source else ""
    if not path.exists():
        raise DataError(
            f"data directory {str(path)!r} does not exist{named}",
            location=location,
            hint="create it or point to the folder that holds the SYMBOL.csv / SYMBOL.parquet files",
        )
    if not path.is_dir():
        raise DataError(f"data directory {str(path)!r} is not a directory{named}", location=location)


def _own_file(symbol: str, candidates: Sequence[Path], data_dir: Path) -> Path | None:
    """The symbol's own file: exact stem first, then any letter case; two at one level is ambiguous."""
    for exact in (True, False):
        hits = [
            p for p in candidates if (p.stem == symbol if exact else p.stem.lower() == symbol.lower())
        ]
        if len(hits) > 1:
            names = ", ".join(repr(p.name) for p in hits)
            raise DataError(
                f"symbol {symbol!r} is ambiguous: several files match in {str(data_dir)!r}: {names}",
                location=Location(path=str(data_dir)),
                hint="keep one file per symbol (either .csv or .parquet)",
            )
        if hits:
            return hits[0]
    return None


def pick_column(columns: Sequence[str], accepted: Sequence[str]) -> str | None:
    """The first column, in ``accepted`` order, whose normalized name is accepted."""
    normalized: dict[str, str] = {}
    for name in columns:
        normalized.setdefault(name.lstrip("\ufeff").strip().lower(), name)
    for name in accepted:
        if name in normalized:
            return normalized[name]
    return None


def _unreadable(path: Path, fmt: Format, exc: BaseException) -> DataError:
    """A DataError for a file polars or the OS could not read."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DataError(
        f"cannot read {path.name!r} as {fmt.upper()}: {detail}",
        location=Location(path=str(path)),
    )


def _inspect(path: Path) -> _File:
    """Read the header of ``path`` (not its rows) and map columns to roles."""
    fmt = _SUFFIXES[path.suffix.lower()]
    empty = DataError(f"empty file {path.name!r}: no header and no rows", location=Location(path=str(path)))
    try:
        if path.stat().st_size == 0:
            raise empty
        if fmt == "csv":
            columns = pl.scan_csv(path, infer_schema=False).collect_schema().names()
        else:
            columns = pl.scan_parquet(path).collect_schema().names()
    except pl.exceptions.NoDataError as exc:
        raise empty from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _unreadable(path, fmt, exc) from exc
    return _File(
        path=path,
        fmt=fmt,
        columns=tuple(columns),
        date=pick_column(columns, DATE_COLUMNS),
        symbol=pick_column(columns, SYMBOL_COLUMNS),
        close=pick_column(columns, CLOSE_COLUMNS),
    )


_HEADER_NAME = re.compile(r"^[\w .%()/&+-]{1,40}$")


def shown_columns(columns: Sequence[str], most: int = 12) -> str:
    """A file's header as an error shows it: names that look like column names, and no
    more. A file that is not a data file (a symlink to /etc/passwd, a binary) is not
    echoed into a message or a log."""
    names = list(columns)
    if not names or not all(_HEADER_NAME.match(n) for n in names):
        return f"({len(names)} fields that do not look like column names: not a data file?)"
    shown = ", ".join(repr(n) for n in names[:most])
    return f"[{shown}{', ...' if len(names) > most else ''}]"


def _require_columns(file: _File) -> tuple[str, str]:
    """The date and close column names, or a DataError listing what was found and accepted."""
    for role, name in (("date", file.date), ("close", file.close)):
        if name is None:
            accepted = ", ".join(repr(n) for n in ACCEPTED_COLUMNS[role])
            raise DataError(
                f"no {role} column in {file.path.name!r}; found columns {shown_columns(file.columns)}",
                location=Location(path=str(file.path), line=1 if file.fmt == "csv" else None),
                hint=f"name the {role} column one of {accepted} (any letter case)",
            )
    assert file.date is not None and file.close is not None
    return file.date, file.close


def _long_files(paths: Iterable[Path]) -> tuple[list[_File], list[tuple[Path, str]]]:
    """The files whose header has a symbol column; unreadable ones are skipped with the reason."""
    long_files: list[_File] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        try:
            file = _inspect(path)
        except DataError as exc:
            skipped.append((path, exc.message))
            continue
        if file.symbol is not None:
            long_files.append(file)
    return long_files, skipped


# --------------------------------------------------------------------------- validation


def _scan(file: _File) -> pl.LazyFrame:
    """A lazy scan of ``file`` with a row index; CSV fields stay text so nothing is lost."""
    if file.fmt == "csv":
        return pl.scan_csv(file.path, infer_schema=False, row_index_name=_ROW)
    return pl.scan_parquet(file.path, row_index_name=_ROW)


FIRST_DATE, LAST_DATE = dt.date(1800, 1, 1), dt.date(2200, 12, 31)
"""Dates a price file may hold: 0000-01-01 parses, and then breaks everything downstream."""


def _plausible(date: pl.Expr) -> pl.Expr:
    """``date``, or null (an unparseable date) outside :data:`FIRST_DATE` .. :data:`LAST_DATE`."""
    return pl.when(date.is_between(FIRST_DATE, LAST_DATE)).then(date)


def as_dates(column: pl.Series) -> pl.Series | None:
    """A column of dates as the loaders read them (Date; a Datetime's day; ``YYYY-MM-DD``
    text), null where a value is unparseable or outside 1800-2200; None for a column of
    another type. For inputs that are not data files: frames in memory, events files."""
    if column.dtype == pl.Date:
        dates = column
    elif isinstance(column.dtype, pl.Datetime):
        dates = column.dt.date()
    elif column.dtype == pl.String:
        dates = column.str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    else:
        return None
    return pl.select(_plausible(pl.lit(dates)).alias(column.name)).to_series()


def usable_extra(value: pl.Expr, name: str) -> pl.Expr:
    """An optional column's value (:data:`EXTRAS`) where it is usable, else null, under
    its own name: the one rule for files, the cache and frames in memory."""
    return _usable(value, name).alias(name)


def _date_exprs(file: _File, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """``(is_empty, parsed)`` for the raw date column; parsed is null where unparseable
    or outside the years 1800-2200."""
    raw = pl.col(_DRAW)
    if dtype == pl.String:
        text = raw.str.strip_chars()
        parsed = (
            pl.when(text.str.contains(_ISO_DATE))
            .then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
            .otherwise(None)
        )
        return raw.is_null() | (text == ""), _plausible(parsed)
    if dtype == pl.Date:
        return raw.is_null(), _plausible(raw)
    if isinstance(dtype, pl.Datetime):
        return raw.is_null(), _plausible(raw.dt.date())
    raise DataError(
        f"date column {file.date!r} has type {dtype} in {file.path.name!r}",
        location=Location(path=str(file.path)),
        hint="store dates as a date or datetime column, or as 'YYYY-MM-DD' text",
    )


def _close_exprs(file: _File, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(is_empty, is_missing_marker, value)`` for the raw close column."""
    raw = pl.col(_CRAW)
    if dtype == pl.String:
        text = raw.str.strip_chars()
        missing = text.str.to_lowercase().is_in(list(MISSING_VALUES))
        return raw.is_null() | (text == ""), missing, text.cast(pl.Float64, strict=False)
    if dtype.is_numeric():
        value = raw.cast(pl.Float64)
        return raw.is_null(), value.is_nan(), value
    raise DataError(
        f"close column {file.close!r} has type {dtype} in {file.path.name!r}",
        location=Location(path=str(file.path)),
        hint="store closes as numbers",
    )


EXTRAS: tuple[str, ...] = ("open", "high", "low", "volume")
"""Optional columns carried beside the close when a file has them: the open (entries at
the next day's open, gaps) and the day's high, low and volume (the features ``day_high``,
``day_low``, ``volume``). They are not validated like closes (data sets often lack some):
a missing, unparseable, non-finite or impossible value is null that day."""

_EXTRA = {name: f"__es_{name}" for name in EXTRAS}

PRICE_SCHEMA: dict[str, pl.DataType] = {"date": pl.Date(), "symbol": pl.String(), "close": pl.Float64(), **{n: pl.Float64() for n in EXTRAS}}
"""The long price frame every loader returns."""


def _extra_exprs(file: _File, schema: pl.Schema) -> list[pl.Expr]:
    """The optional columns (:data:`EXTRAS`) as numbers or null, one expression each."""
    exprs = []
    for name in EXTRAS:
        column = _extra_column(file, name)
        if column is None:  # absent columns stay absent: a 50M-row panel of closes reads no null columns
            continue
        raw = pl.col(column)
        value = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False) if schema[column] == pl.String else raw.cast(pl.Float64)
        exprs.append(_usable(value, name))
    return exprs


def _extra_column(file: _File, name: str) -> str | None:
    return next((c for c in file.columns if c.strip().lower() == name), None)


def _usable(value: pl.Expr, name: str) -> pl.Expr:
    """A price is used when it is a finite number above zero, a volume when finite and not
    negative; anything else is null."""
    ok = value.is_finite() & ((value >= 0) if name == "volume" else (value > 0))
    return pl.when(ok).then(value).otherwise(None).alias(_EXTRA[name])


def _validated(
    file: _File,
    wanted_upper: Sequence[str] | None,
    exact: Sequence[str] | None = None,
    *,
    every: bool = False,
    fast: bool = True,
) -> pl.DataFrame:
    """Read ``file`` once and flag each row's first problem (vectorized).

    Returns the columns ``_ROW, _SYM, _DRAW, _CRAW, _DATE, _CLOSE, _PREV_ROW,
    _PREV_DATE, _PROBLEM``. For a long file only the rows whose symbol matches
    ``wanted_upper`` (ignoring case) are read and checks run per symbol; ``exact``
    instead matches the symbol column's values as they are (no case or space folding),
    which a Parquet scan can push down to skip row groups: the fast path for reading a
    universe block by block. ``every`` reads every symbol's rows of a long file.

    A CSV is first read the fast way (:func:`_typed_csv`); only a file with some
    unusual or bad field is read again as text, which finds and locates the problem.
    ``fast=False`` skips the first try (the tests compare the two).
    """
    date_col, close_col = _require_columns(file)
    keep, symbol, long = _selection(file, wanted_upper, exact, every)
    if fast and file.fmt == "csv":
        typed = _typed_csv(file, date_col, close_col, keep, symbol)
        if typed is not None:
            return typed
    lf = _scan(file)
    try:
        schema = lf.collect_schema()
        if keep is not None:
            lf = lf.filter(keep)
        lf = lf.select(_ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW), *_extra_exprs(file, schema))
        if file.fmt == "csv":
            lf = lf.filter(_not_blank(long))
        date_empty, date = _date_exprs(file, schema[date_col])
        close_empty, close_missing, close = _close_exprs(file, schema[close_col])
        contiguous = False
        if (long and keep is None) or exact is not None:
            lf = lf.collect().lazy()
            contiguous = lf.select(pl.col(_SYM).is_sorted()).collect().item()
        previous = _previous_in_symbol(contiguous)
        lf = lf.with_columns(date.alias(_DATE), close.alias(_CLOSE)).with_columns(
            previous(_DATE).alias(_PREV_DATE),
            previous(_ROW).alias(_PREV_ROW),
        )
        problem = (
            pl.when(date_empty).then(_DATE_EMPTY)
            .when(pl.col(_DATE).is_null()).then(_DATE_BAD)
            .when(close_empty).then(_CLOSE_EMPTY)
            .when(close_missing).then(_CLOSE_MISSING)
            .when(pl.col(_CLOSE).is_null()).then(_CLOSE_NON_NUMERIC)
            .when(pl.col(_CLOSE).is_infinite()).then(_CLOSE_NON_FINITE)
            .when(pl.col(_CLOSE) <= 0).then(_CLOSE_NON_POSITIVE)
            .when(pl.col(_DATE) == pl.col(_PREV_DATE)).then(_DATE_DUPLICATE)
            .when(pl.col(_DATE) < pl.col(_PREV_DATE)).then(_DATE_UNSORTED)
            .otherwise(None)
            .cast(pl.Int8)
        )
        return lf.with_columns(problem.alias(_PROBLEM)).collect()
    except pl.exceptions.NoDataError as exc:
        raise DataError(f"empty file {file.path.name!r}", location=Location(path=str(file.path))) from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _unreadable(file.path, file.fmt, exc) from exc


def _selection(
    file: _File, wanted_upper: Sequence[str] | None, exact: Sequence[str] | None, every: bool
) -> tuple[pl.Expr | None, pl.Expr, bool]:
    """For :func:`_validated`: the row filter (None: every row), the symbol expression,
    and whether the file is read as a long file (else it is one symbol's own file, whose
    symbol column, if any, is ignored)."""
    if exact is None and wanted_upper is None and not every:
        return None, pl.lit("", pl.String), False
    assert file.symbol is not None
    symbol = pl.col(file.symbol).cast(pl.String)
    if exact is not None:
        block = sorted(exact)
        return symbol.is_between(pl.lit(block[0]), pl.lit(block[-1])) & symbol.is_in(block), symbol, True
    if wanted_upper is not None:
        symbol = symbol.str.strip_chars()
        return symbol.str.to_uppercase().is_in(list(wanted_upper)), symbol, True
    return None, symbol, True


def _not_blank(long: bool) -> pl.Expr:
    """Not a blank line (a CSV's blank lines come through as all-null rows)."""
    filled = pl.col(_DRAW).is_not_null() | pl.col(_CRAW).is_not_null()
    return filled | pl.col(_SYM).is_not_null() if long else filled


_PLAIN_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _typed_csv(file: _File, date_col: str, close_col: str, keep: pl.Expr | None, symbol: pl.Expr) -> pl.DataFrame | None:
    """The common case of :func:`_validated` for a CSV, two to three times faster:
    closes and opens parsed by the CSV reader, dates checked once per distinct text.

    It accepts only what the text path accepts and gives the same values: every distinct
    date is plain ``YYYY-MM-DD`` (the reader's own date parsing is laxer than the text
    path, so dates stay text here), every close a finite positive number the reader
    parsed (it parses numbers as the text path's cast does), every symbol's dates
    strictly ascending. Anything else, including a field the reader cannot parse, gives
    None: the caller reads the file as text, which reports the first bad row.
    """
    overrides = {date_col: pl.String, close_col: pl.Float64}
    extras = []
    for name in EXTRAS:
        column = _extra_column(file, name)
        if column is None or column in overrides:
            continue
        else:
            overrides[column] = pl.Float64
            extras.append(_usable(pl.col(column), name))
    lf = pl.scan_csv(file.path, infer_schema=False, schema_overrides=overrides, row_index_name=_ROW)
    if keep is not None:
        lf = lf.filter(keep)
    lf = lf.select(_ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW), *extras)
    try:
        rows = lf.collect()
    except (pl.exceptions.PolarsError, OSError):
        return None  # a field the reader cannot parse (or no rows at all): the text path says which
    close = rows[_CRAW]
    if close.null_count() or not close.is_finite().all() or not (close > 0).all():
        return None
    distinct = rows[_DRAW].unique()  # a null is a blank line or an empty date: the text path tells which
    if distinct.null_count() or not distinct.str.contains(_PLAIN_DATE).all():
        return None
    rows = rows.with_columns(_plausible(pl.col(_DRAW).str.to_date("%Y-%m-%d", strict=False, cache=False)).alias(_DATE), close.alias(_CLOSE))
    if rows[_DATE].null_count():
        return None
    previous = _previous_in_symbol(rows[_SYM].is_sorted())
    rows = rows.with_columns(previous(_DATE).alias(_PREV_DATE), previous(_ROW).alias(_PREV_ROW))
    if (rows[_DATE] <= rows[_PREV_DATE]).any():
        return None
    return rows.with_columns(pl.lit(None, dtype=pl.Int8).alias(_PROBLEM))


def _previous_in_symbol(contiguous: bool) -> Callable[[str], pl.Expr]:
    """A column's value on the previous row of the same symbol (null on its first row).

    When each symbol's rows are contiguous (the symbol column sorted), one shift of the
    whole column is that wherever the symbol did not change; else a shift per symbol.
    """
    if contiguous:
        same = pl.col(_SYM) == pl.col(_SYM).shift(1)
        return lambda c: pl.when(same).then(pl.col(c).shift(1))
    return lambda c: pl.col(c).shift(1).over(_SYM)


def _check(file: _File, rows: pl.DataFrame, symbol: str | None) -> None:
    """Raise a DataError at the first flagged row of ``rows`` (already one file's rows)."""
    bad = rows.filter(pl.col(_PROBLEM).is_not_null())
    if bad.is_empty():
        return
    first = bad.row(bad[_ROW].arg_min() or 0, named=True)
    row, prev_row = int(first[_ROW]), first[_PREV_ROW]
    lines = _csv_lines(file.path, [row] + ([int(prev_row)] if prev_row is not None else []))

    def at(r: int) -> str:
        return f"line {lines[r]}" if file.fmt == "csv" else f"row {r}"

    for_symbol = f" for symbol {symbol!r}" if symbol is not None else ""
    draw, craw = first[_DRAW], first[_CRAW]
    date_text = str(draw).strip() if draw is not None else ""
    close_text = str(craw).strip() if craw is not None else ""
    code, hint = first[_PROBLEM], None
    if code == _DATE_EMPTY:
        message = f"missing date{for_symbol}: the {file.date!r} field is empty"
    elif code == _DATE_BAD:
        message = f"unparseable date {date_text!r}{for_symbol} (expected YYYY-MM-DD, years 1800-2200)"
    elif code == _CLOSE_EMPTY:
        message = f"missing close on {date_text!r}{for_symbol}: the {file.close!r} field is empty"
        hint = "drop the row or fill the close"
    elif code == _CLOSE_MISSING:
        message = f"missing close {close_text!r} on {date_text!r}{for_symbol}"
        if close_text == ".":
            message += " ('.' is how FRED marks holidays)"
        hint = "drop the row or fill the close"
    elif code == _CLOSE_NON_NUMERIC:
        message = f"non-numeric close {close_text!r} on {date_text!r}{for_symbol} (column {file.close!r})"
    elif code == _CLOSE_NON_FINITE:
        message = f"non-finite close {close_text!r} on {date_text!r}{for_symbol}"
    elif code == _CLOSE_NON_POSITIVE:
        message = f"non-positive close {close_text!r} on {date_text!r}{for_symbol} (closes must be > 0)"
    elif code == _DATE_DUPLICATE:
        message = f"duplicate date {str(first[_DATE])!r}{for_symbol}: also on {at(int(prev_row))}"
        hint = "keep one row per date"
    else:
        message = (
            f"dates out of order{for_symbol}: {str(first[_DATE])!r} comes after "
            f"{str(first[_PREV_DATE])!r} on {at(int(prev_row))}"
        )
        hint = "sort the rows by date, oldest first"
    if file.fmt == "csv":
        location = Location(path=str(file.path), line=lines[row])
    else:
        message = f"row {row} (0-based parquet row index): {message}"
        location = Location(path=str(file.path))
    raise DataError(message, location=location, hint=hint)


def _csv_lines(path: Path, rows: Sequence[int]) -> dict[int, int]:
    """Map 0-based data-row indexes (as polars counts them) to 1-based editor line numbers.

    Only called on the error path; a quoted field spanning lines shifts the count, so the
    file is re-read with :mod:`csv` rather than assuming ``row + 2``.
    """
    wanted, found = set(rows), {}
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            start = reader.line_num + 1
            for index, _ in enumerate(reader):
                if index in wanted:
                    found[index] = start
                    if len(found) == len(wanted):
                        break
                start = reader.line_num + 1
    except (OSError, csv.Error, UnicodeError):
        pass
    return {r: found.get(r, r + 2) for r in wanted}


# --------------------------------------------------------------------------- loading


def _output(rows: pl.DataFrame) -> pl.DataFrame:
    """The validated rows as ``date, symbol, close`` and those of the :data:`EXTRAS` the file
    has (symbol still the file's value)."""
    return rows.select(
        pl.col(_DATE).alias("date"), pl.col(_SYM).alias("symbol"), pl.col(_CLOSE).alias("close"),
        *(pl.col(_EXTRA[name]).cast(pl.Float64).alias(name) for name in EXTRAS if _EXTRA[name] in rows.columns),
    )


def _load_single(file: _File, symbol: str) -> pl.DataFrame:
    """One symbol's own file, read whole (any symbol column ignored) and validated."""
    rows = _validated(file, None)
    if rows.is_empty():
        raise DataError(
            f"empty file {file.path.name!r}: a header but no data rows",
            location=Location(path=str(file.path), line=1 if file.fmt == "csv" else None),
        )
    _check(file, rows, None)
    return _output(rows).with_columns(pl.lit(symbol, pl.String).alias("symbol"))


def _load_from_long_files(
    long_files: Sequence[_File], symbols: Sequence[str], data_dir: Path
) -> tuple[list[pl.DataFrame], dict[str, Path]]:
    """Find ``symbols`` in the long files, reading each file once; exact symbol match first.

    Returns one frame per file that served any symbol, and symbol -> file for those found.
    """
    upper = sorted({s.upper() for s in symbols})
    read: list[tuple[_File, pl.DataFrame, set[str]]] = []
    for file in long_files:
        rows = _validated(file, upper)
        read.append((file, rows, set(rows[_SYM].unique().to_list())))

    chosen: dict[str, tuple[_File, pl.DataFrame, str]] = {}
    for symbol in symbols:
        hits = [(f, r, symbol) for f, r, values in read if symbol in values]
        if not hits:
            hits = [(f, r, v) for f, r, values in read for v in sorted(values) if v.upper() == symbol.upper()]
        if len(hits) > 1:
            where = ", ".join(f"{v!r} in {f.path.name!r}" for f, _, v in hits)
            raise DataError(
                f"symbol {symbol!r} is ambiguous: found {where}",
                location=Location(path=str(data_dir)),
                hint="keep each symbol in one file, spelled one way",
            )
        if hits:
            chosen[symbol] = hits[0]

    frames: list[pl.DataFrame] = []
    found: dict[str, Path] = {}
    for file, rows, _ in read:
        mine = {s: v for s, (f, _, v) in chosen.items() if f is file}
        if not mine:
            continue
        rows = rows.filter(pl.col(_SYM).is_in(list(set(mine.values()))))
        bad = rows.filter(pl.col(_PROBLEM).is_not_null())
        if not bad.is_empty():
            value = bad[_SYM][int(bad[_ROW].arg_min() or 0)]
            _check(file, rows.filter(pl.col(_SYM) == value), value)
        out = _output(rows)
        mapping = pl.DataFrame(
            {"symbol": list(mine.values()), "requested": list(mine.keys())},
            schema={"symbol": pl.String, "requested": pl.String},
        )
        joined = out.join(mapping, on="symbol", how="inner").select(
            "date", pl.col("requested").alias("symbol"), "close", *(c for c in EXTRAS if c in out.columns)
        )
        frames.append(joined)
        found.update((symbol, file.path) for symbol in mine)
    return frames, found


def read_long_block(path: Path, symbols: Sequence[str] | None) -> pl.DataFrame:
    """Validated ``date, symbol, close`` rows (and the optional columns the file has) of ``symbols`` (None: every symbol)
    from one long file, sorted by symbol then date.

    ``symbols`` are values of the file's symbol column as written. Only those rows are
    read (a Parquet file sorted by symbol skips the other row groups), and a bad row
    raises the same DataError, naming the file and the line or row, as a whole-file load.
    """
    file = _inspect(path)
    if file.symbol is None:
        raise DataError(
            f"{path.name}: no symbol column (symbol, ticker, name, code)",
            location=Location(path=str(path)),
            hint="universe data files are long: date, symbol, close",
        )
    if symbols is not None and not symbols:
        return pl.DataFrame(schema=PRICE_SCHEMA)
    rows = _validated(file, None, exact=symbols, every=symbols is None)
    bad = rows.filter(pl.col(_PROBLEM).is_not_null())
    if not bad.is_empty():
        value = bad[_SYM][int(bad[_ROW].arg_min() or 0)]
        _check(file, rows.filter(pl.col(_SYM) == value), value)
    out = _output(rows)
    # valid rows have ascending dates per symbol: sorted already if the symbols are
    return out if out["symbol"].is_sorted() else out.sort("symbol", "date", maintain_order=True)


def read_long_dates(path: Path) -> tuple[pl.Series, int]:
    """The distinct dates of a long file (parsed as the loaders parse them; unparseable
    ones are left to the block reads to report) and its number of rows."""
    file = _inspect(path)
    date_col, _ = _require_columns(file)
    lf = _scan(file)
    try:
        schema = lf.collect_schema()
        _, parsed = _date_exprs(file, schema[date_col])
        dates = lf.select(pl.col(date_col).alias(_DRAW)).select(parsed.alias("date")).unique().drop_nulls().collect()
        rows = lf.select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _unreadable(file.path, file.fmt, exc) from exc
    return dates.to_series().cast(pl.Date), int(rows)


def _not_found(
    missing: Sequence[str],
    data_dir: Path,
    candidates: Sequence[Path],
    long_files: Sequence[_File],
    skipped: Sequence[tuple[Path, str]],
) -> DataError:
    """A DataError naming the missing symbols, every file looked for, and the closest names."""
    long_paths = {f.path for f in long_files}
    available = {p.stem for p in candidates if p not in long_paths}
    for file in long_files:  # error path only: a second, symbol-only read of each long file
        try:
            assert file.symbol is not None
            values = _scan(file).select(pl.col(file.symbol).cast(pl.String).str.strip_chars().unique())
            available.update(v for v in values.collect().to_series().to_list() if v)
        except (pl.exceptions.PolarsError, OSError):
            pass
    listed = ", ".join(f"{s!r}{did_you_mean(s, available)}" for s in missing)
    noun = "symbol" if len(missing) == 1 else "symbols"
    looked = "; ".join(f"{s + '.csv'!r}, {s + '.parquet'!r}" for s in missing)
    if long_files:
        longs = "long files " + ", ".join(repr(f.path.name) for f in long_files)
    else:
        longs = "no long files (no other .csv/.parquet file has a symbol column)"
    message = (
        f"{noun} {listed} not found in data directory {str(data_dir)!r}: "
        f"looked for {looked} (any letter case), then in {longs}"
    )
    if skipped:
        message += "; skipped unreadable " + ", ".join(f"{p.name!r} ({why})" for p, why in skipped)
    accepted = ", ".join(repr(n) for n in SYMBOL_COLUMNS)
    return DataError(
        message,
        location=Location(path=str(data_dir)),
        hint=(
            "add SYMBOL.csv or SYMBOL.parquet with columns date, close, or a long file with "
            f"a symbol column ({accepted}); check the series map of the study"
        ),
    )


def source_ranges(prices: pl.DataFrame) -> dict[str, dict[str, object]]:
    """Each symbol's loaded data: first and last date, number of rows (for the manifest)."""
    if prices["symbol"].is_sorted():  # as loaded: each symbol's rows together, dates ascending
        runs = prices.select(pl.col("symbol").rle()).unnest("symbol")
        ends = runs["len"].cum_sum()
        ranges = pl.DataFrame(
            {"symbol": runs["value"], "first": prices["date"].gather(ends - runs["len"]), "last": prices["date"].gather(ends - 1), "rows": runs["len"]}
        )
    else:
        ranges = prices.group_by("symbol").agg(
            pl.col("date").min().alias("first"), pl.col("date").max().alias("last"), pl.len().alias("rows")
        )
    return {r["symbol"]: {"first": r["first"], "last": r["last"], "rows": r["rows"]} for r in ranges.iter_rows(named=True)}

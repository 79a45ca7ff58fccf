"""Loading: the validated daily prices of named symbols from a data directory, and a
universe's long file read block by block.

:func:`load_prices` finds each symbol by the one rule of :mod:`eventstudy.data.finder`
(its own file, else a long file), reads each file once (a long file filtered to the
symbols wanted) and validates every row (:mod:`eventstudy.data.validate`).
:func:`read_long_block` reads one block of a universe's symbols from its long file, and
:func:`read_long_dates` that file's calendar, so a universe is never in memory whole;
:func:`check_long_rows` reads the file as a run would, for ``validate``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from eventstudy.data.columns import EXTRAS, PRICE_SCHEMA
from eventstudy.data.finder import (
    DataDirectory,
    DataFile,
    Found,
    inspect,
    require_symbol_column,
    sorted_by_symbol,
    symbol_values,
    unreadable,
)
from eventstudy.data.validate import (
    clean_rows,
    distinct_dates,
    raise_first_problem,
    row_symbols,
    rows_of,
    typed_parquet_block,
    validated,
)
from eventstudy.errors import DataError, Location
from eventstudy.files import file_stamp

__all__ = ["PriceData", "check_long_rows", "load_prices", "read_long_block", "read_long_dates", "source_ranges", "symbols_per_block"]


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
    hashes
        Each file of ``sources`` -> its stamp when it was read (:func:`~eventstudy.files.file_stamp`),
        or the cache's ``sha256`` and ``bytes`` of what it read: the manifest hashes a file
        only if it is still the one read.
    """

    frame: pl.DataFrame
    sources: dict[str, Path]
    notes: tuple[str, ...] = ()
    hashes: dict[Path, dict[str, Any]] = field(default_factory=dict)


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
    frames, sources, missing, not_found = load_found(data_dir, wanted)
    if missing:
        raise not_found()
    return price_data(frames, sources, wanted)


def price_data(
    frames: list[pl.DataFrame], sources: dict[str, Path], wanted: Sequence[str], notes: Sequence[str] = (),
    hashes: dict[Path, dict[str, Any]] | None = None,
) -> PriceData:
    """The loaded frames as one :class:`PriceData` (every column of :data:`PRICE_SCHEMA`);
    each file's stamp is taken now, just read, unless ``hashes`` has its hash (the cache's,
    of the bytes it read and verified)."""
    known = dict(hashes or {})
    for path in dict.fromkeys(sources[s] for s in wanted):
        if path not in known:
            known[path] = file_stamp(path)
    schema = PRICE_SCHEMA
    frames = [f.select([pl.col(c).cast(t) if c in f.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()]) for f in frames]
    # in order of their symbols before the sort below: one symbol's file read by date each, rows that come in order
    # are sorted in a sixth of the time (0.6 ms for SPX and RUT, 3.8 ms as SPX then RUT), into the same frame
    frames.sort(key=lambda f: f["symbol"].min() or "")
    frame = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)
    return PriceData(frame=frame.sort("symbol", "date"), sources={s: sources[s] for s in wanted}, notes=tuple(notes), hashes=known)


def load_found(
    data_dir: Path, wanted: Sequence[str]
) -> tuple[list[pl.DataFrame], dict[str, Path], list[str], Callable[[], DataError]]:
    """Load what the directory has of ``wanted``: frames, sources, the missing symbols,
    and a factory for the detailed not-found error about them."""
    read: dict[Path, pl.DataFrame] = {}

    def values(file: DataFile, wanted_upper: Sequence[str]) -> set[str]:
        """A long file's matching rows, validated as they are read (each long file once)."""
        read[file.path] = validated(file, wanted_upper)
        return row_symbols(read[file.path])

    located = DataDirectory(data_dir).locate(wanted, values)
    own = [f for f in located.found.values() if f.value is None]
    frames = [_load_single(f.file, f.symbol) for f in own]
    frames.extend(_from_long_files([f for f in located.found.values() if f.value is not None], read))
    sources = {s: f.file.path for s, f in located.found.items()}
    return frames, sources, located.missing, located.not_found


def _load_single(file: DataFile, symbol: str) -> pl.DataFrame:
    """One symbol's own file, read whole (any symbol column ignored) and validated."""
    rows = validated(file, None)
    if rows.is_empty():
        raise DataError(
            f"empty file {file.path.name!r}: a header but no data rows",
            location=Location(path=str(file.path), line=1 if file.fmt == "csv" else None),
        )
    try:
        raise_first_problem(file, rows, long=False)
    except DataError as exc:
        raise _holding_others(exc, file, symbol) from None
    return clean_rows(rows, symbol)


def _holding_others(error: DataError, file: DataFile, symbol: str) -> DataError:
    """``error`` (a symbol's own file refused), with a hint that says what the file holds
    when its dates repeat or fall because it holds other symbols' rows too: a symbol's own
    file is read whole, its symbol column ignored (:mod:`~eventstudy.data.finder`)."""
    if file.symbol is None or not error.message.startswith(("duplicate date", "dates out of order")):
        return error
    values = sorted(symbol_values(file))
    if len(values) < 2:
        return error
    shown = ", ".join(repr(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
    error.hint = (
        f"{file.path.name!r} is {symbol}'s own file, read whole (its {file.symbol!r} column is not read), and it holds "
        f"{len(values):,} symbols ({shown}): keep {symbol}'s rows alone in it, or give the file a name none of its "
        "symbols has (a long file serves each of them)"
    )
    return error


def _from_long_files(found: Sequence[Found], read: dict[Path, pl.DataFrame]) -> list[pl.DataFrame]:
    """The found symbols' rows of the long files (already read and flagged), one frame per
    file, each under the name it was requested by."""
    frames: list[pl.DataFrame] = []
    for path in sorted({f.file.path for f in found}):  # the directory's order, as the files were read
        mine = {f.symbol: f.value for f in found if f.file.path == path}
        file = next(f.file for f in found if f.file.path == path)
        rows = rows_of(read[path], list({v for v in mine.values() if v is not None}))
        raise_first_problem(file, rows, long=True)
        out = clean_rows(rows)
        mapping = pl.DataFrame(
            {"symbol": list(mine.values()), "requested": list(mine.keys())},
            schema={"symbol": pl.String, "requested": pl.String},
        )
        joined = out.join(mapping, on="symbol", how="inner").select(
            "date", pl.col("requested").alias("symbol"), "close", *(c for c in EXTRAS if c in out.columns)
        )
        frames.append(joined)
    return frames


def read_long_block(path: Path | DataFile, symbols: Sequence[str] | None, *, fast: bool = True) -> pl.DataFrame:
    """Validated ``date, symbol, close`` rows (and the optional columns the file has) of ``symbols`` (None: every symbol)
    from one long file, sorted by symbol then date.

    ``symbols`` are values of the file's symbol column as written. Only those rows are
    read (a Parquet file sorted by symbol skips the other row groups), and a bad row
    raises the same DataError, naming the file and the line or row, as a whole-file load.

    A typed Parquet file is first read the fast way (:func:`typed_parquet_block`: a
    streamed universe reads one block after another); only a block with some unusual or
    bad value is read again by :func:`validated`, which finds and locates the problem.
    ``fast=False`` skips the first try (the tests compare the two). ``path`` may be the file
    already inspected (:func:`~eventstudy.data.finder.inspect`): a streamed universe reads a
    hundred blocks of one file, and reading its header for each took 1.4 ms of a block's 60.
    """
    file = path if isinstance(path, DataFile) else inspect(path)
    require_symbol_column(file)
    if symbols is not None and not symbols:
        return pl.DataFrame(schema=PRICE_SCHEMA)
    if fast and (typed := typed_parquet_block(file, symbols)) is not None:
        return typed
    rows = validated(file, None, exact=symbols, every=symbols is None)
    raise_first_problem(file, rows, long=True)
    out = clean_rows(rows)
    # valid rows have ascending dates per symbol: sorted already if the symbols are
    return out if out["symbol"].is_sorted() else out.sort("symbol", "date", maintain_order=True)


def check_long_rows(path: Path, symbols: Sequence[str], *, block_rows: int) -> tuple[int, pl.Series]:
    """Read a universe's long file as a run reads it, for ``validate``: every row a run
    reads is checked by the one rule, and a bad row raises the DataError the run would
    give (file, line or row, value); returns the number of rows read and the file's
    distinct dates (:func:`read_long_dates`'s: a CSV's from the rows just read, every row
    of it and each date parsed, which a second pass over the text took longer to give
    than this read itself, 0.14 s against 0.12 s on the S&P panel).

    A CSV is read whole, every symbol's rows (as a run reads it); a Parquet file not
    sorted by symbol, its ``symbols``' rows at once (as a run does); a Parquet file
    sorted by symbol, ``symbols`` in blocks of about ``block_rows`` rows (a run's
    blocks), so memory stays that of one block and each block reads only its row groups.
    A typed Parquet block is checked by whole-column aggregates
    (:func:`~eventstudy.data.validate.typed_parquet_block`); only a block with something
    wrong is read row by row, to say where.
    """
    file = inspect(path)
    require_symbol_column(file)
    if file.fmt == "csv":
        rows = read_long_block(path, None)
        return rows.height, rows["date"].unique().sort()
    wanted = sorted(symbols)
    if not sorted_by_symbol(path):  # each block would decode the whole file: read once, as the run does
        return read_long_block(path, wanted).height, read_long_dates(path)[0]
    try:
        total = pl.scan_parquet(path).select(pl.len()).collect().item()  # from the file's metadata
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, file.fmt, exc) from exc
    per_block = symbols_per_block(total, len(wanted), block_rows)
    read = sum(read_long_block(path, wanted[i : i + per_block]).height for i in range(0, len(wanted), per_block))
    return read, read_long_dates(path)[0]


def symbols_per_block(rows: int, symbols: int, block_rows: int) -> int:
    """How many symbols make a block of about ``block_rows`` rows, at ``rows`` over
    ``symbols`` rows per symbol (at least one): a run's blocks, and ``validate``'s."""
    return max(1, block_rows // max(1, rows // max(1, symbols)))


def read_long_dates(path: Path) -> tuple[pl.Series, int]:
    """The distinct dates of a long file (parsed as the loaders parse them; unparseable
    ones are left to the block reads to report) and its number of rows."""
    return distinct_dates(inspect(path))


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

"""Kenneth French's data-library factor files, read into the project's factors file.

French publishes daily factors as CSV text: a few lines describing the file, a header row
that starts with a comma (``,Mkt-RF,SMB,HML,RF``), one row per day with a ``YYYYMMDD``
date and the factors **in percent**, then a blank line and a copyright line (monthly
files also carry an "Annual Factors" section). Missing values are written ``-99.99`` or
``-999``. :func:`read_french` returns the daily rows as ``date`` and decimal returns with
the project's column names (``mkt_rf, smb, hml, rmw, cma, mom, rf``);
:func:`write_factors` merges them into ``factors.csv`` in a data directory (ISO dates,
decimal returns), so the 5-factor file and the momentum file imported one after the other
make one table that ``event_study: {model: factor, factors: carhart}`` reads.

Source: https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from eventstudy.data.columns import shown_columns
from eventstudy.data.finder import scan, unreadable
from eventstudy.data.validate import Origin, check_returns
from eventstudy.errors import DataError, Location

__all__ = ["FACTORS_FILE", "FACTOR_COLUMNS", "FRENCH_NAMES", "FactorImport", "read_factors", "read_french", "write_factors"]

FACTORS_FILE = "factors.csv"
"""The factors file's name in a data directory (``event_study.factors_file`` by default)."""

FACTOR_COLUMNS = ("mkt_rf", "smb", "hml", "rmw", "cma", "mom", "rf")
"""The columns of a factors file, in the order it is written (decimal daily returns after ``date``)."""

FRENCH_NAMES = {"mkt-rf": "mkt_rf", "smb": "smb", "hml": "hml", "rmw": "rmw", "cma": "cma", "rf": "rf", "mom": "mom", "wml": "mom", "umd": "mom"}
"""French's column headers (lower case) -> the project's factor names."""

_DAILY = re.compile(r"^\s*(\d{8})\s*,")
_MISSING = (-99.99, -999.0)


@dataclass(frozen=True)
class FactorImport:
    """What an import read and wrote: the factors, their dates and the file."""

    source: Path
    target: Path
    columns: tuple[str, ...]
    rows: int
    first: str
    last: str

    def describe(self) -> str:
        return (
            f"{self.source.name}: {self.rows:,} days {self.first} .. {self.last} of {', '.join(self.columns)} "
            f"(percent -> decimal) -> {self.target}"
        )


def _name(header: str) -> str:
    key = header.strip().lower()
    return FRENCH_NAMES.get(key, re.sub(r"[^a-z0-9]+", "_", key).strip("_"))


def read_french(path: str | Path) -> pl.DataFrame:
    """The daily section of a French factor file: ``date`` (Date) and decimal returns.

    Examples
    --------
    >>> read_french("tests/fixtures/french/F-F_Research_Data_Factors_daily.CSV").columns  # doctest: +SKIP
    ['date', 'mkt_rf', 'smb', 'hml', 'rf']
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc}") from None
    header: list[str] | None = None
    rows: list[list[str]] = []
    for number, line in enumerate(lines, 1):
        if _DAILY.match(line):
            if header is None:
                raise DataError(f"{path.name}:{number}: a dated row before any header row (',Mkt-RF,SMB,...')", hint="is this a Kenneth French factor file?")
            cells = [c.strip() for c in line.split(",")]
            if len(cells) != len(header) + 1:
                raise DataError(f"{path.name}:{number}: {len(cells) - 1} values for {len(header)} columns ({', '.join(header)})")
            rows.append([str(number), *cells])
        elif rows:  # the daily section ended (a blank line, the copyright), unless dated rows go on after this line
            later = next((n for n, rest in enumerate(lines[number:], number + 1) if _DAILY.match(rest)), None)
            if later is not None:
                raise DataError(
                    f"{path.name}:{number}: the daily rows stop at {repr(line.strip()[:40]) if line.strip() else 'a blank line'} "
                    f"and go on at line {later}",
                    hint="a malformed or blank line inside the daily rows: fix it, or the rows after it would be lost",
                )
            break
        elif line.startswith(",") and line.strip(", "):
            header = [_name(h) for h in line.split(",")[1:]]
    if header is None or not rows:
        if any(re.match(r"^\s*\d{6}\s*,", line) for line in lines):
            raise DataError(f"{path.name} holds monthly factors (YYYYMM): the event study needs the daily file", hint="download the *_daily.CSV version")
        raise DataError(f"{path.name} has no daily rows (YYYYMMDD, values...) under a header row", hint="is this a Kenneth French factor file?")
    if len(set(header)) != len(header):
        raise DataError(f"{path.name}: a column appears twice in its header ({', '.join(header)})")
    frame = pl.DataFrame(rows, schema=["line", "date", *header], orient="row")
    try:
        out = frame.select(
            pl.col("line").cast(pl.Int64),
            pl.col("date").str.to_date("%Y%m%d"),
            *(pl.col(c).cast(pl.Float64) for c in header),
        )
    except pl.exceptions.PolarsError:
        # the first row with a value polars could not convert, and its first such column
        failed = [pl.col("date").str.to_date("%Y%m%d", strict=False).is_null().alias("date"),
                  *((pl.col(c).cast(pl.Float64, strict=False).is_null() & (pl.col(c) != "")).alias(c) for c in header)]
        first = frame.select(pl.col("line"), *failed).filter(pl.any_horizontal(pl.exclude("line"))).head(1)
        if not first.height:
            raise
        column = next(c for c in ("date", *header) if first[c][0])
        what = "the date is not YYYYMMDD" if column == "date" else f"{column} is not a number"
        raise DataError(f"{path.name}:{first['line'][0]}: {what}") from None
    # returns, not prices: the date rules and finiteness of every door (check_returns), not "above 0"
    out = check_returns(out, Origin(repr(path.name), path, "lines"), header)
    return out.with_columns(pl.when(pl.col(c).is_in(list(_MISSING))).then(None).otherwise((pl.col(c) / 100).round(10)).alias(c) for c in header)


def read_factors(path: Path) -> pl.DataFrame:
    """A factors file (``date`` ISO, then decimal daily returns ``mkt_rf, smb, hml, ...,
    rf``) as ``date`` (Date) and Float64 columns, sorted by date; a bad row is a
    DataError at its line (``factors.csv:5``) with the value, as a prices file's is."""
    try:
        frame = scan(path, "csv").collect()  # every field as text: check_returns reads and locates them
    except pl.exceptions.NoDataError:
        raise DataError(f"the factors file {path.name!r} is empty", location=Location(path=str(path))) from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise unreadable(path, "csv", exc) from None  # a ragged row at its line
    if "date" not in frame.columns:
        raise DataError(
            f"the factors file {path.name!r} has no 'date' column; found columns {shown_columns(frame.columns)}",
            location=Location(path=str(path), line=1),
            hint="import it with 'eventstudy data import FILE --french'",
        )
    values = [c for c in frame.columns if c != "date"]
    return check_returns(frame, Origin(repr(path.name), path, "csv"), values)  # the rules every door applies


def write_factors(path: str | Path, data_dir: str | Path, *, dry_run: bool = False) -> FactorImport:
    """Read a French daily factor file and merge it into ``DATA_DIR/factors.csv``.

    Columns already in the file are replaced by the new file's (on all dates), others are
    kept; dates are the union (a factor is empty where its file has no row).
    """
    source = Path(path)
    factors = read_french(source)
    columns = tuple(c for c in factors.columns if c != "date")
    rows, first, last = factors.height, str(factors["date"].min()), str(factors["date"].max())
    target = Path(data_dir) / FACTORS_FILE
    if target.is_file():
        old = read_factors(target)
        kept = [c for c in old.columns if c not in factors.columns]
        if kept:
            factors = old.select("date", *kept).join(factors, on="date", how="full", coalesce=True).sort("date")
        order = ["date", *[c for c in FACTOR_COLUMNS if c in factors.columns]]
        factors = factors.select(order + [c for c in factors.columns if c not in order])
    report = FactorImport(source=source, target=target, columns=columns, rows=rows, first=first, last=last)
    if not dry_run:
        from eventstudy.files import atomic_write

        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, factors.write_csv(date_format="%Y-%m-%d"), suffix=".partial")
    return report

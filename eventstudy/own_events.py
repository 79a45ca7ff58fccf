"""Your own events: files of dates (FOMC days, CPI releases) or of symbol,date pairs
(earnings), declared in a study and used in conditions as ``on NAME``.

::

    events:
      fomc: fomc.csv                   # a date column: the same days for every series or stock
      earnings: {file: earnings.csv}   # symbol and date columns: each stock's own days (a universe)
    when: on fomc and SPX drawdown >= 10%

A file is found as written (absolute) or next to the study file; its date column takes
the data files' names (``date``, ``Date``, ``timestamp``, ...), ISO dates or datetimes;
a symbol column (``symbol``, ``ticker``, ...) makes it pairs, whose symbols name the
universe's stocks in any letter case. Each file is read and
checked when the study is loaded, so ``validate`` finds a bad one, with its line.

**Days that do not trade.** An event on a day the series (or the stock) does not trade,
a weekend announcement or a holiday, counts on its next trading day: ``on NAME`` holds on
a row when an event date falls after the previous row's date and on or before this
row's. On a history's (or a stock's) first row only an event of that very date counts.
Events after the last row are not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from eventstudy._numpy import np
from eventstudy.data import ACCEPTED_COLUMNS, SYMBOL_COLUMNS, as_dates, pick_column, twin_columns
from eventstudy.errors import DataError, Location
from eventstudy.files import file_stamp

__all__ = ["EventSet", "column", "describe", "load_event_set", "with_event_columns"]


@dataclass(frozen=True, eq=False)
class EventSet:
    """One declared set: ``table`` holds its sorted unique dates (``day``, days since 1970,
    Int64), and for a file of pairs the symbols beside them (``symbol``); ``days`` and
    ``symbols`` are their numpy arrays, made on first use (validating a study reads and
    checks its files without loading numpy). Two sets are equal only when they are one."""

    name: str
    path: Path
    table: pl.DataFrame
    rows: int = 0
    """The file's rows: more than the dates (or pairs) where a date is given twice, or as
    two times of one day."""
    symbol_column: str = "symbol"
    """The file's column of symbols, for pairs (``symbol``, ``ticker``, ``name``, ``code``)."""
    file: dict[str, object] | None = None
    """The file's stamp when it was read (:func:`~eventstudy.files.file_stamp`), which the manifest hashes it by."""

    @classmethod
    def of(cls, name: str, path: Path, days: np.ndarray, symbols: np.ndarray | None = None, rows: int = 0) -> EventSet:
        """A set from arrays of days (since 1970) and, for pairs, symbols, as given."""
        columns = {"day": pl.Series(days, dtype=pl.Int64)}
        if symbols is not None:
            columns["symbol"] = pl.Series([str(s) for s in symbols], dtype=pl.String)
        return cls(name, path, pl.DataFrame(columns), rows)

    @cached_property
    def days(self) -> np.ndarray:
        return self.table["day"].to_numpy()

    @cached_property
    def symbols(self) -> np.ndarray | None:
        return self.table["symbol"].to_numpy() if self.pairs else None

    @property
    def pairs(self) -> bool:
        return "symbol" in self.table.columns


def column(name: str) -> str:
    """The frame column of ``on NAME``."""
    return f"on:{name}"


def load_event_set(name: str, file: str, study_path: Path | None) -> EventSet:
    """Read and check one events file (see the module docstring)."""
    path = Path(file).expanduser()
    if not path.is_absolute():
        path = (study_path.parent if study_path is not None else Path.cwd()) / path
    if not path.is_file():
        relative = "the study file" if study_path is not None else "the current directory (a study given as text has no file)"
        raise DataError(f"events {name!r}: no file {str(path)!r}", hint=f"give the file's path, absolute or relative to {relative}")
    parquet = path.suffix.lower() == ".parquet"
    try:
        frame = pl.read_parquet(path) if parquet else pl.read_csv(path, infer_schema=False)  # every field as text: checked below
    except (pl.exceptions.PolarsError, OSError) as exc:
        # imported here: validating a good events file does not load the data finder
        from eventstudy.data.finder import unreadable

        found = unreadable(path, "parquet" if parquet else "csv", exc)  # a row with a field too many: at its line
        raise DataError(f"events {name!r}: {found.message}", location=found.location, hint=found.hint) from None
    date_col = pick_column(frame.columns, ACCEPTED_COLUMNS["date"])
    if date_col is None and not parquet:  # an Excel workbook or UTF-16 text named .csv: its bytes are no header
        from eventstudy.data.finder import not_a_csv

        binary = not_a_csv(path)
        if binary is not None:
            hint = binary.hint if "data import" not in (binary.hint or "") else "save it as UTF-8 text"  # data import reads prices
            raise DataError(f"events {name!r}: {binary.message}", location=binary.location, hint=hint)
    if date_col is None and not parquet:  # 'date;symbol' read as one column: a date column is there, a comma is not
        from eventstudy.data.finder import _other_separator

        separated = _other_separator(frame.columns)
        if separated is not None:
            raise DataError(
                f"events {name!r}: {path.name!r} is {separated}-separated ({frame.columns[0].lstrip(chr(0xFEFF))!r}): "
                "an events file's fields are separated by commas",
                location=Location(path=str(path), line=1), hint="save it as comma-separated CSV",
            )
    if date_col is None:
        accepted = ", ".join(repr(c) for c in ACCEPTED_COLUMNS["date"])
        raise DataError(
            f"events {name!r}: {path.name!r} has no date column (columns: {', '.join(frame.columns) or 'none'})",
            location=Location(path=str(path), line=None if parquet else 1), hint=f"name it one of {accepted}",
        )
    lines = pl.int_range(2, frame.height + 2, eager=True)  # each row's line in the file
    if not parquet:  # a blank line holds no event (as in a price file): skipped, the lines of the rest kept
        blank = frame.select(pl.all_horizontal(pl.col(c).str.strip_chars().fill_null("") == "" for c in frame.columns)).to_series()
        if blank.any():
            frame, lines = frame.filter(~blank), lines.filter(~blank)
    twins = twin_columns(frame.columns)
    if twins is not None and twins[0] in ("date", "symbol"):  # 'Date' beside 'date': the second's events would not be seen
        role, first, second = twins
        raise DataError(
            f"events {name!r}: {path.name!r} has two {role} columns, {first!r} and {second!r}: which one holds the {role}s is not guessed",
            location=Location(path=str(path), line=None if parquet else 1),
            hint="remove or rename one of them (column names are read in any letter case)",
        )
    raw = frame[date_col]
    dates = as_dates(raw)
    if dates is None:
        raise DataError(
            f"events {name!r}: the column {date_col!r} of {path.name!r} holds {raw.dtype}, not dates", location=Location(path=str(path)),
            hint="store dates (a Date or Datetime column), or text written YYYY-MM-DD",
        )
    if dates.null_count():
        row = int(dates.is_null().arg_max())  # type: ignore[arg-type]
        line = None if parquet else int(lines[row])
        given = raw[row] if raw.dtype == pl.String else None
        if given is None or not given.strip():  # a symbol and no date
            where = f" (row {row + 1:,} of {path.name!r})" if parquet else ""
            raise DataError(f"events {name!r}: a row without a date{where}", location=Location(path=str(path), line=line), hint="give it its date, or delete the row")
        raise DataError(
            f"events {name!r}: {given!r} is not a date", location=Location(path=str(path), line=line), hint="write dates as YYYY-MM-DD (years 1800-2200)"
        )
    symbol_col = pick_column(frame.columns, SYMBOL_COLUMNS)
    days = dates.cast(pl.Int32).cast(pl.Int64).rename("day")  # a Series: a frame of numpy arrays would load numpy.ma
    if symbol_col is None:
        return EventSet(name, path, days.unique().sort().to_frame(), rows=frame.height, file=file_stamp(path))
    symbols = frame[symbol_col].cast(pl.String).str.strip_chars()
    if symbols.null_count() or (symbols == "").any():
        row = int((symbols.is_null() | (symbols == "")).arg_max())
        raise DataError(f"events {name!r}: row without a symbol", location=Location(path=str(path), line=None if parquet else int(lines[row])))
    pairs = pl.DataFrame([symbols.rename("symbol"), days])  # AAPL and aapl on one day: one pair (one stock, see _stock_rows)
    pairs = pairs.unique(subset=[pl.col("symbol").str.to_uppercase(), "day"], keep="first", maintain_order=True).sort("symbol", "day")
    return EventSet(name, path, pairs.select("day", "symbol"), rows=frame.height, symbol_column=symbol_col, file=file_stamp(path))


def with_event_columns(frame: pl.DataFrame, sets: dict[str, EventSet], group: str | None = None) -> pl.DataFrame:
    """``frame`` (a ``date`` column, sorted by date within each ``group``, groups
    contiguous) with a Boolean ``on:NAME`` column per set (module docstring). Sets of
    pairs need ``group`` to be the frame's stock symbol."""
    if not sets:
        return frame
    day = frame["date"].cast(pl.Int32).cast(pl.Int64).to_numpy()
    n = day.size
    if group is None:
        starts = np.array([0] if n else [], dtype=np.int64)
        group_id = np.zeros(n, dtype=np.int64)
    else:
        keys = frame[group]
        change = (keys != keys.shift(1)).fill_null(True).to_numpy() if n else np.zeros(0, dtype=bool)
        starts = np.flatnonzero(change)
        group_id = np.cumsum(change) - 1
    first = np.zeros(n, dtype=bool)
    first[starts] = True
    previous = np.concatenate([[np.iinfo(np.int64).min], day[:-1]]) if n else day
    columns = []
    for name, events in sets.items():
        if events.pairs:
            if group is None:
                raise DataError(f"events {name!r} are symbol,date pairs: they need a universe study, whose stocks they name")
            names = frame[group].cast(pl.String).gather(starts).to_list() if n else []
            hit = _pair_hits(names, group_id, day, first, events)
        else:
            # events up to today, minus events up to the previous row: any in (previous, today]
            upto = np.searchsorted(events.days, day, side="right")
            before = np.searchsorted(events.days, np.where(first, day - 1, previous), side="right")
            hit = upto > before
        columns.append(pl.Series(column(name), hit))
    return frame.with_columns(columns)


def _pair_hits(names: list[str], group_id: np.ndarray, day: np.ndarray, first: np.ndarray, events: EventSet) -> np.ndarray:
    """Rows (contiguous per symbol ``names[group_id]``, by date) on which one of a symbol's
    own event dates falls: its first row on or after the date, if the previous is before."""
    assert events.symbols is not None
    hit = np.zeros(day.size, dtype=bool)
    if not day.size or not events.days.size:
        return hit
    ev_group = _stock_rows(names, events.symbols.tolist())
    known = ev_group >= 0
    ev_group, ev_day = ev_group[known], events.days[known]
    if not ev_day.size:
        return hit
    base = int(min(day.min(), ev_day.min()))
    span = int(max(day.max(), ev_day.max())) - base + 2
    row_key = group_id * span + (day - base)  # sorted: groups contiguous, dates ascending within
    at = np.searchsorted(row_key, ev_group * span + (ev_day - base), side="left")
    inside = at < day.size
    at, ev_group, ev_day = at[inside], ev_group[inside], ev_day[inside]
    same_symbol = group_id[at] == ev_group
    on_first = first[at] & (day[at] != ev_day)  # a stock's first row: only that very date
    hit[at[same_symbol & ~on_first]] = True
    return hit


def _stock_rows(stocks: list[str], symbols: list[str]) -> np.ndarray:
    """Each pair's stock among ``stocks`` (its index; -1 for none): the stock so spelled,
    else one in another letter case, as a symbol's data are found in any letter case (a
    universe listed as ``aapl`` holds the prices of AAPL.csv, and an earnings file's
    ``AAPL`` is that stock)."""
    exact = {s: i for i, s in enumerate(stocks)}
    folded: dict[str, int] = {}
    for i, s in enumerate(stocks):
        folded.setdefault(s.upper(), i)
    return np.array([exact.get(s, folded.get(s.upper(), -1)) for s in symbols], dtype=np.int64)


def describe(sets: dict[str, EventSet], calendar: np.ndarray, symbols: list[str] | None = None, present: np.ndarray | None = None) -> list[str]:
    """A note per set: how many of its dates (or pairs of a stock of the universe) are not
    on the study calendar (they count on the next trading day), how many fall outside it
    (``calendar``: datetime64[D]), and for pairs, how many name a stock outside the
    universe (``symbols``: its stocks) and how many fall before the first or after the
    last of their stock's days on the calendar (``present``: ``(symbols, days)``, whether
    the stock has that day)."""
    notes: list[str] = []
    days = calendar.astype("datetime64[D]").astype(np.int64)
    if not days.size:
        return notes
    for name, events in sets.items():
        inside = (events.days >= days[0]) & (events.days <= days[-1])
        strangers = np.zeros(events.days.size, dtype=bool)  # pairs naming a stock outside the universe: not seen
        beyond = np.zeros(events.days.size, dtype=bool)  # pairs outside their stock's own days (listed later, delisted): not seen
        if events.symbols is not None and symbols is not None:
            at = _stock_rows(list(symbols), events.symbols.tolist())
            strangers = at < 0
            if present is not None and present.shape == (len(symbols), days.size):
                traded = present.any(axis=1)
                first = np.where(traded, days[np.argmax(present, axis=1)], np.iinfo(np.int64).max)
                last = np.where(traded, days[days.size - 1 - np.argmax(present[:, ::-1], axis=1)], np.iinfo(np.int64).min)
                known = inside & (at >= 0)
                beyond[known] = (events.days[known] < first[at[known]]) | (events.days[known] > last[at[known]])
        moved = int(np.count_nonzero(inside & ~strangers & ~beyond & ~np.isin(events.days, days)))
        outside = int(np.count_nonzero(~inside & ~strangers))  # a stranger's pair is counted once, as a stranger's
        kind = ("symbol,date pair" if events.pairs else "date") + ("" if events.days.size == 1 else "s")
        text = f"events {name!r}: {events.days.size:,} {kind} from {events.path.name}"
        if events.pairs and events.symbol_column.strip().lower() not in ("symbol", "ticker"):  # 'name': a stock's? say so
            text += f" (the symbols from its column {events.symbol_column!r})"
        if events.rows > events.days.size:  # the same day twice in the file: one event
            text += f" ({events.rows:,} rows: a {'pair' if events.pairs else 'date'} given twice, or at two times of one day, counts once)"
        if moved and not events.pairs:
            text += f"; {moved:,} not on the study calendar count on its next trading day"
            seen = events.days[inside]
            shared = seen.size - np.unique(np.searchsorted(days, seen)).size  # moved onto a day another date names
            if shared:
                text += f", {shared:,} of them on a trading day another date counts on too (one event there)"
        elif moved:  # counted as for dates; a day the calendar has and one stock does not moves that stock's event too
            text += f"; {moved:,} not on the study calendar count on the stock's next trading day (so does a day its stock alone does not trade)"
        elif events.pairs:
            text += "; a date a stock does not trade counts on its next trading day"
        if outside:
            text += f"; {outside:,} outside the data's dates ({calendar[0]} .. {calendar[-1]}) are not seen"
        if events.symbols is not None and strangers.any():
            names = list(dict.fromkeys(events.symbols[strangers].tolist()))
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
            text += f"; {int(strangers.sum()):,} name a stock not in the universe ({shown}) and are not seen"
        if beyond.any():
            names = list(dict.fromkeys(events.symbols[beyond].tolist())) if events.symbols is not None else []
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
            text += f"; {int(beyond.sum()):,} fall before their stock's first day or after its last ({shown}) and are not seen"
        notes.append(text)
    return notes

"""The events stage: the days a condition holds, restricted to the window, then declustered.

Declustering (DESIGN.md, "exclude one-month clusters") walks raw events in date order:

* ``after_kept`` (default): an event is kept iff it lies at least ``gap`` after the
  previous *kept* event. This is a chain (each kept event determines the next), computed
  here without a Python loop over events: ``next[j]`` is the first event at least ``gap``
  after event ``j`` (one ``searchsorted``, or for many groups of dense events a table of
  (group, key) cells swept once), and the kept events are the nodes on the ``next``-path
  from each group's first event, walked for all groups in step (a step per kept event of
  the longest chain) or, for long chains, found at once by binary lifting (pointer
  doubling: O(n log n) numpy work, O(log n) Python steps).
* ``after_any``: a new cluster starts where the distance to the previous *raw* event is
  at least ``gap``; each cluster's first day is kept.

Trading-day gaps are measured in positions on the study calendar (``i - i_kept >= gap``);
calendar gaps in dates (``date >= date_kept + gap``, months by calendar arithmetic).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

import polars as pl

from eventstudy._numpy import np
from eventstudy.errors import DataError, Location, option
from eventstudy.periods import Gap

if TYPE_CHECKING:  # annotations only: a panel is built above this stage
    from eventstudy.config import DeclusterSpec, Study
    from eventstudy.panel import ConditionHits, Panel

__all__ = ["DeclusterMode", "calendar_words", "decluster", "empty_window", "find_events", "gap_thresholds", "in_window", "kept_events", "panel_events", "window_mask"]

DeclusterMode = Literal["after_kept", "after_any"]


def find_events(
    timeline: pl.DataFrame,
    condition: pl.Expr,
    start: date | None = None,
    end: date | None = None,
    trigger: Literal["level", "edge"] = "level",
) -> pl.DataFrame:
    """Rows of ``timeline`` where ``condition`` is true (null counts as false), within [start, end].

    The condition is evaluated on the *whole* timeline, so look-back windows use history
    before ``start``; only then are the days restricted to the window. With
    ``trigger='edge'`` only the days where it turns true are kept: true today, and false
    or unknown the day before (on the study calendar). The result keeps every timeline
    column plus ``position``, the row's index on the study calendar.
    """
    hit = condition.fill_null(False)
    if trigger == "edge":
        hit = hit & ~hit.shift(1).fill_null(False)
    elif trigger != "level":
        raise ValueError(f"unknown trigger {trigger!r}")
    frame = timeline.with_row_index("position").with_columns(hit.alias("_hit"))
    frame = frame.filter(pl.col("_hit") & in_window(pl.col("date"), start, end)).drop("_hit")
    return frame.with_columns(pl.col("position").cast(pl.Int64))


def in_window(col: pl.Expr, start: date | None, end: date | None) -> pl.Expr:
    """``col`` within [start, end]; an open end (None) does not restrict."""
    expr = pl.lit(True)
    if start is not None:
        expr = expr & (col >= start)
    if end is not None:
        expr = expr & (col <= end)
    return expr


def empty_window(study: Study, start: date | None, end: date | None, first: date, last: date, *, universe: bool = False) -> DataError:
    """The error of a window in which the study calendar, ``first .. last``, has no day
    (``eventstudy run`` raises it once its data are prepared, ``validate`` once read)."""
    shown = f"{start.isoformat() if start else 'open'} .. {end.isoformat() if end else 'open'}"
    return DataError(
        f"the window {shown} has no data: {calendar_words(study, universe=universe)} {first} .. {last}",
        hint=f"change 'window:' in the study or {option('start')}/{option('end')}", location=_window_location(study, start, end, first, last),
    )


def calendar_words(study: Study, *, universe: bool = False) -> str:
    """What the study calendar is, for a message that gives its first and last day: a
    universe's days, the dates the series have in common, or under ``align: ffill`` the
    first series' dates once every series has begun.

    Examples
    --------
    >>> from eventstudy.config import parse_study
    >>> text = "name: x\\nseries: [A, B]\\ndata: {align: ffill}\\nwhen: A close > 0\\nevaluate: [forward_returns: {assets: [A], horizons: [5]}]"
    >>> calendar_words(parse_study(text))
    "the study calendar (align: ffill: A's dates once every series has begun) runs"
    """
    if universe:
        return "the universe has days"
    if study.data.align == "ffill" and len(study.series) > 1:
        return f"the study calendar (align: ffill: {next(iter(study.series))}'s dates once every series has begun) runs"
    return "the study's series have common dates"


def _window_location(study: Study, start: date | None, end: date | None, first: date, last: date) -> Location | None:
    """Where the study file sets the bound of a window without data: its start after the
    data's last day, its end before the first, else the whole window; None where
    --start/--end (start=, end=) set that bound rather than the file."""
    if start is not None and start > last and start == study.window.start:
        loc: tuple[str, ...] = ("window", "start")
    elif end is not None and end < first and end == study.window.end:
        loc = ("window", "end")
    elif (start, end) == (study.window.start, study.window.end):
        loc = ("window",)
    else:
        return None
    return study.source.location(loc) if study.source.node(("window",)) is not None else None


def window_mask(days: np.ndarray, start: date | None, end: date | None) -> np.ndarray:
    """Which calendar days (``datetime64[D]``) fall in the window: :func:`in_window` on numpy days."""
    if days.dtype == np.dtype("datetime64[D]") and not any(isinstance(bound, datetime) for bound in (start, end)):
        inside = np.ones(days.size, dtype=bool)  # the same comparisons in numpy: a polars frame and query cost 0.25 ms
        if start is not None:
            inside &= days >= np.datetime64(start, "D")
        if end is not None:
            inside &= days <= np.datetime64(end, "D")
        return inside
    frame = pl.DataFrame({"date": pl.Series(days).cast(pl.Date)})
    return frame.with_columns(in_window(pl.col("date"), start, end).alias("inside"))["inside"].to_numpy()


def panel_events(panel: Panel, hits: ConditionHits, window: np.ndarray, spec: DeclusterSpec | None, *, labels: bool = True) -> pl.DataFrame:
    """A panel's raw events ``symbol, date, position, kept, _s, _d``: the condition's days in
    the window (a mask of ``panel.days``), declustered within each row on its days of the
    study calendar (trading-day gaps count ``position``) or calendar days, in row then date order;
    ``_s`` and ``_d`` are the row and day indices. ``labels=False`` leaves out the
    ``symbol`` and ``date`` columns (:func:`kept_events`: the kept ones' indices alone)."""
    s_idx, d_idx, positions, dates, kept = _declustered(panel, hits, window, spec, labels, frame=True)
    columns: dict[str, object] = {}
    if labels:
        names = pl.Series(panel.symbols, dtype=pl.String)
        columns["symbol"] = names.gather(s_idx) if s_idx.size else pl.Series([], dtype=pl.String)
        columns["date"] = dates
    kept = np.ones(s_idx.size, dtype=bool) if kept is None else kept
    columns |= {"position": positions, "kept": kept, "_s": s_idx, "_d": d_idx}  # as computed (int32 but past 2^31 stock-days): a cast is a pass over every raw event
    return pl.DataFrame(columns)


def kept_events(panel: Panel, hits: ConditionHits, window: np.ndarray, spec: DeclusterSpec | None) -> tuple[np.ndarray, np.ndarray]:
    """The row and day indices (int64, in row then date order) of :func:`panel_events`'
    kept events, without its frame: a batch of histories has a million events, and the
    frame, its filter and the indices back in numpy cost more than the indices."""
    s_idx, d_idx, _, _, kept = _declustered(panel, hits, window, spec, labels=False, frame=False)
    s_idx, d_idx = (s_idx, d_idx) if kept is None else (s_idx[kept], d_idx[kept])
    return s_idx.astype(np.int64, copy=False), d_idx.astype(np.int64, copy=False)


def _declustered(
    panel: Panel, hits: ConditionHits, window: np.ndarray, spec: DeclusterSpec | None, labels: bool, frame: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, pl.Series | None, np.ndarray | None]:
    """The hits in the window: row and day indices (int32 where every flat index fits,
    else int64), positions (for a ``frame``, or a trading-day gap), dates (where
    ``labels`` asks for them) and which declustering keeps (None: every one)."""
    n_days = len(panel.days)
    if hits.flat.size and hits.flat[-1] < 2**31:  # (ascending) int32's division: a third of int64's time, half its bytes
        s_idx, d_idx = np.divmod(hits.flat.astype(np.int32), np.int32(n_days))
    else:
        s_idx, d_idx = np.divmod(hits.flat, n_days)
    inside = window[d_idx]
    every_inside = bool(inside.all())  # no window, or hits only within it: no copies (30M hits of a 50M-row universe: 1.5 s)
    if not every_inside:
        s_idx, d_idx = s_idx[inside], d_idx[inside]
    every = spec is None or s_idx.size == 0 or (spec.gap.unit == "td" and spec.gap.amount <= 1)  # a one-trading-day gap keeps every distinct day
    counted = spec is not None and not every and spec.gap.unit == "td"
    positions = (hits.position if every_inside else hits.position[inside]).astype(np.int64, copy=False) if frame or counted else None
    dates = panel.dates.gather(d_idx) if labels else None
    if spec is None or every:
        return s_idx, d_idx, positions, dates, None
    if counted:
        assert positions is not None
        keys, thresholds = gap_thresholds(pl.Series("date", [], dtype=pl.Date), positions, spec.gap)
    else:  # a calendar gap, counted on the calendar: each day's threshold is the first day of the calendar on or after its date + gap
        day_keys, day_thresholds = gap_thresholds(panel.dates, np.arange(n_days), spec.gap)
        keys, thresholds = d_idx, np.searchsorted(day_keys, day_thresholds, side="left")[d_idx]
    kept = decluster(keys, thresholds, spec.mode, groups=s_idx if len(panel.symbols) > 1 else None)
    return s_idx, d_idx, positions, dates, kept


def gap_thresholds(dates: pl.Series, positions: np.ndarray, gap: Gap) -> tuple[np.ndarray, np.ndarray]:
    """(keys, thresholds) as int64: event j may be followed by k iff keys[k] >= thresholds[j]."""
    if gap.unit == "td":
        keys = np.asarray(positions, dtype=np.int64)
        return keys, keys + gap.amount
    keys = dates.cast(pl.Date).cast(pl.Int64).to_numpy()
    if gap.unit == "cd":
        return keys, keys + gap.amount
    shifted = dates.cast(pl.Date).dt.offset_by(f"{gap.amount}mo").cast(pl.Int64).to_numpy()
    return keys, shifted


def decluster(
    keys: np.ndarray,
    thresholds: np.ndarray,
    mode: DeclusterMode = "after_kept",
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean mask of the events kept by declustering.

    Parameters
    ----------
    keys
        Strictly increasing (within each group) int64 event keys: positions on the study
        calendar for trading-day gaps, day numbers for calendar gaps.
    thresholds
        ``thresholds[j]``: the smallest key that counts as "at least gap after event j".
    mode
        ``'after_kept'`` or ``'after_any'`` (see the module docstring).
    groups
        Optional group id per event (e.g. symbol), sorted so each group is contiguous;
        declustering restarts in every group.

    Examples
    --------
    >>> import numpy as np
    >>> keys = np.array([0, 5, 10, 30, 34])
    >>> decluster(keys, keys + 21).tolist()
    [True, False, False, True, False]
    >>> decluster(keys, keys + 21, mode="after_any").tolist()
    [True, False, False, False, False]
    """
    keys = np.asarray(keys, dtype=np.int64)
    thresholds = np.asarray(thresholds, dtype=np.int64)
    n = keys.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    first = np.zeros(n, dtype=bool)  # each group's first event
    first[0] = True
    if groups is not None:
        groups = np.asarray(groups)
        np.not_equal(groups[1:], groups[:-1], out=first[1:])

    if mode == "after_any":
        kept = first.copy()
        kept[1:] |= keys[1:] >= thresholds[:-1]
        return kept
    if mode != "after_kept":
        raise ValueError(f"unknown decluster mode {mode!r}")

    # next[j]: first event of j's group with key >= thresholds[j], else the sentinel n (which follows itself).
    starts = np.flatnonzero(first)
    nxt = np.empty(n + 1, dtype=np.int64)
    nxt[n] = n
    if groups is None:
        np.minimum(np.searchsorted(keys, thresholds, side="left"), n, out=nxt[:n])
    else:
        _next_in_group(keys, thresholds, starts, out=nxt[:n])
    return _chains(nxt, starts, keys, thresholds)


TABLE_CELLS_PER_EVENT = 8
"""Grouped events find each one's next event in a table of (group, key) cells, filled
with the events and swept once from the right, when it has at most this many cells an
event (a batch of resampled histories where a condition holds on most days: about one),
else by a binary search of every threshold among all the keys (each group's offset past
the last's). One chunk of ``benchmarks/dense.py``'s histories under a 5-day gap (83
histories, a million hits, about one cell an event): 24 ms against 43 ms."""

TABLE_CELLS = 1 << 22
"""Cells of a table filled at a time (16 MB of int32): groups are taken a block at a time."""


def _next_in_group(keys: np.ndarray, thresholds: np.ndarray, starts: np.ndarray, out: np.ndarray) -> None:
    """``next[j]`` of grouped events (``starts``: each group's first event) into ``out``:
    the first event of j's group with key >= thresholds[j], else the sentinel n."""
    n = keys.size
    sizes = np.diff(np.append(starts, n))
    base = int(keys.min())
    width = int(keys.max()) - base + 1  # a threshold past every key reads the table's last column, the sentinel
    if starts.size * (width + 1) > TABLE_CELLS_PER_EVENT * n:
        span = int(max(keys.max(), thresholds.max()) - base) + 1
        gid = np.repeat(np.arange(starts.size, dtype=np.int64), sizes)
        nxt = np.searchsorted((keys - base) + gid * span, (thresholds - base) + gid * span, side="left")
        group_end = np.repeat(starts + sizes, sizes)  # one past the group's last event
        np.copyto(out, np.where(nxt >= group_end, n, nxt))
        return
    cols = width + 1
    index = np.int32 if n < 2**31 - 1 else np.int64
    per_block = max(1, TABLE_CELLS // cols)
    for g0 in range(0, starts.size, per_block):
        g1 = min(g0 + per_block, starts.size)
        lo, hi = int(starts[g0]), int(starts[g1]) if g1 < starts.size else n
        # a row per group, its keys from the largest down to `base` (its last cell), past them the sentinel's
        last = np.repeat(np.arange(1, g1 - g0 + 1, dtype=np.int64) * cols - 1, sizes[g0:g1])  # each event's row's last cell
        table = np.full((g1 - g0, cols), n, dtype=index)
        table.ravel()[last - (keys[lo:hi] - base)] = np.arange(lo, hi, dtype=index)
        np.minimum.accumulate(table, axis=1, out=table)  # each cell: the first event at or after its key
        at = np.clip(thresholds[lo:hi] - base, 0, width)
        out[lo:hi] = table.ravel().take(np.subtract(last, at, out=at))


CHAIN_STEPS = 4096
"""Declustering walks every group's chain one kept event at a time (all groups at once)
when no chain can be longer than this, or than one step per :data:`EVENTS_PER_STEP`
events; longer ones use binary lifting."""

EVENTS_PER_STEP = 64
"""Events per step of the walk past which walking beats binary lifting: lifting's tables
hold log2(longest) copies of the events' next steps (a batch of 166 resampled histories
with 2M hits under a 3-calendar-day gap: 13 tables of 2M entries a thread; the histories
null's peak in ``benchmarks/dense.py``), while a step costs a few microseconds whatever
the groups."""


def _chains(nxt: np.ndarray, starts: np.ndarray, keys: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The events on the ``nxt``-path from each group's first event (``starts``);
    ``nxt[n]`` is the sentinel n.

    A chain has at most ``longest`` events: its group's key span over the smallest step
    between an event's key and its threshold, plus one (a universe's 52-week highs with a
    21-day gap: under 500). Short chains, or chains short for the events' number, are
    walked, all groups in step (O(kept events)); long ones (a single series with a
    one-day calendar gap) use binary lifting (pointer doubling: O(n log longest))."""
    n = nxt.size - 1
    ends = np.r_[starts[1:], n] - 1  # each group's last event
    longest = int((ends - starts).max()) + 1
    if longest > max(CHAIN_STEPS, n // EVENTS_PER_STEP):  # no chain is longer than its key span over the smallest step either
        step = int(max(1, int((thresholds - keys).min())))
        longest = min(longest, int((keys[ends] - keys[starts]).max()) // step + 1)
    if longest <= max(CHAIN_STEPS, n // EVENTS_PER_STEP):
        found = []
        current = starts
        while current.size:
            found.append(current)
            following = nxt[current]
            current = following[following > current]  # the sentinel is marked (and dropped) next step; a threshold at or before its key ends the chain
        kept = np.zeros(n + 1, dtype=bool)
        kept[np.concatenate(found)] = True
        return kept[:n]
    # Binary lifting: jumps[k][j] = next^(2^k)(j); the sentinel n maps to itself.
    index = np.int32 if n < 2**31 - 1 else np.int64
    jump = nxt.astype(index)
    tables = [jump]
    while (1 << len(tables)) <= longest:
        jump = jump[jump]
        tables.append(jump)
    # From each event's group start, take the largest jumps that do not pass j: j is kept
    # iff the chain from the group start lands exactly on j.
    target = np.arange(n, dtype=index)
    cur = np.repeat(starts, np.diff(np.append(starts, n))).astype(index)
    for table in reversed(tables):
        cand = table[cur]
        cur = np.where(cand <= target, cand, cur)
    return cur == target

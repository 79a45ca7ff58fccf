"""Calendar alignment: put per-series feature frames, each on its own calendar, on one.

Features are computed on each series' own full history before this step; alignment
only decides on which dates the study looks at them together:

* ``inner`` (the default): the dates on which every series has a close.
* ``ffill``: the calendar of the *first* series (the reference, e.g. SPX in a study
  that mixes it with a crypto series trading every day). Each other series contributes
  its latest values on or before each reference date, for at most ``max_stale`` of the
  reference's trading days after its last close; beyond that its values are null, so a
  condition on them is null and the day is not an event. The calendar starts on the
  first reference date on which every series has begun.

Horizons stay in each asset's own trading days: evaluators read the prices, not this frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl

from eventstudy.errors import ConfigError, DataError

__all__ = ["ALIGN_MODES", "MAX_STALE", "Align", "align_series", "describe_alignment"]

Align = Literal["inner", "ffill"]
ALIGN_MODES: tuple[str, ...] = ("inner", "ffill")
"""Accepted values of ``data.align``."""

MAX_STALE = 3
"""Default ``data.max_stale``: reference trading days a forward-filled value may lag."""

_OBS = "__es_observed"
_POS = "__es_position"


def align_series(parts: Mapping[str, pl.DataFrame], how: str = "inner", max_stale: int = MAX_STALE) -> pl.DataFrame:
    """One frame on the study calendar from per-series frames (``date`` + their own columns).

    Parameters
    ----------
    parts
        Series name -> frame with a unique ``date`` column and value columns whose names
        differ between series. The first entry is the reference for ``ffill``.
    how
        ``inner`` or ``ffill``.
    max_stale
        For ``ffill``: how many of the reference's trading days a value may be carried
        forward (0: only same-day values, like ``inner`` but keeping the reference's dates).

    Returns
    -------
    ``date`` then every part's columns in order, sorted by date.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, i) for i in (5, 6, 7, 8)]   # Fri, Sat, Sun, Mon
    >>> spx = pl.DataFrame({"date": [d[0], d[3]], "SPX.close": [1.0, 2.0]})
    >>> btc = pl.DataFrame({"date": d, "BTC.close": [10.0, 11.0, 12.0, 13.0]})
    >>> align_series({"BTC": btc, "SPX": spx}, "ffill", 1)["SPX.close"].to_list()
    [1.0, 1.0, None, 2.0]
    """
    if how not in ALIGN_MODES:
        raise ConfigError(f"unknown alignment {how!r}", hint=f"valid: {', '.join(ALIGN_MODES)}")
    if isinstance(max_stale, bool) or not isinstance(max_stale, int) or max_stale < 0:
        raise ConfigError(f"max_stale must be a whole number of days >= 0, not {max_stale!r}")
    if not parts:
        raise DataError("alignment needs at least one series")
    frames = {name: frame.sort("date") for name, frame in parts.items()}
    if how == "inner":
        out: pl.DataFrame | None = None
        for frame in frames.values():
            out = frame if out is None else out.join(frame, on="date", how="inner")
        assert out is not None
        return out.sort("date")

    names = list(frames)
    reference = frames[names[0]]
    ref_dates = reference["date"]
    start = max(frame["date"].min() for frame in frames.values())  # type: ignore[type-var]
    out = reference.with_row_index(_POS).filter(pl.col("date") >= start)
    for name in names[1:]:
        frame = frames[name]
        values = [c for c in frame.columns if c != "date"]
        # Position of each observation on the reference calendar: how many reference
        # dates fall on or before it (a weekend observation counts as the Friday's).
        observed = frame.select("date", *values).with_columns(pl.col("date").alias(_OBS))
        joined = out.join_asof(observed, on="date", strategy="backward")
        reached = pl.Series(ref_dates.search_sorted(joined[_OBS].fill_null(ref_dates.min()), side="right"))
        # An observation from before the reference's first date has no position on its
        # calendar: the weekdays between count as the reference days it missed (a close of
        # years before is not one day stale; the Saturday before a Monday start is).
        before = joined.select(pl.business_day_count(pl.col(_OBS).dt.offset_by("1d"), pl.lit(ref_dates.min())).clip(lower_bound=0))
        stale = (joined[_POS] + 1 - reached + before.to_series().fill_null(0)).cast(pl.Int64)
        keep = joined[_OBS].is_not_null() & (stale <= max_stale)
        out = joined.with_columns(
            pl.when(keep).then(pl.col(c)).otherwise(None).alias(c) for c in values
        ).drop(_OBS)
    return out.drop(_POS).sort("date")


def describe_alignment(how: str, max_stale: int, reference: str) -> str:
    """The alignment in words, for a study's notes and manifest.

    Examples
    --------
    >>> describe_alignment("inner", 3, "SPX")
    'alignment: inner (the dates on which every series has a close)'
    """
    if how == "inner":
        return "alignment: inner (the dates on which every series has a close)"
    return (
        f"alignment: ffill on {reference}'s calendar: other series carry their last values forward for at most "
        f"{max_stale} of {reference}'s trading days (null beyond, so no event); horizons stay in each asset's own trading days"
    )

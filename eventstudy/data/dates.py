"""What a date is to eventstudy: the years a price or an event may carry, and how a
column of dates is read.

The loaders (:mod:`~eventstudy.data.validate`) and the events files
(:mod:`~eventstudy.own_events`) both read dates by these rules; the events files need
nothing else of the validation, so validating a study with an events file loads this
module alone.
"""

from __future__ import annotations

import datetime as dt

from eventstudy._polars import pl

__all__ = ["FIRST_DATE", "LAST_DATE", "as_dates", "plausible"]

FIRST_DATE, LAST_DATE = dt.date(1800, 1, 1), dt.date(2200, 12, 31)
"""Dates prices may carry: 0000-01-01 parses, and then breaks everything downstream."""


def plausible(date: pl.Expr) -> pl.Expr:
    """``date``, or null (an unparseable date) outside :data:`FIRST_DATE` .. :data:`LAST_DATE`."""
    return pl.when(date.is_between(FIRST_DATE, LAST_DATE)).then(date)


def as_dates(column: pl.Series) -> pl.Series | None:
    """A column of dates as the loaders read them (Date; a Datetime's day; ``YYYY-MM-DD``
    text), null where a value is unparseable or outside 1800-2200; None for a column of
    another type. For inputs that are not price data: events files."""
    if column.dtype == pl.Date:
        dates = column
    elif isinstance(column.dtype, pl.Datetime):
        dates = column.dt.date()
    elif column.dtype == pl.String:
        dates = column.str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    else:
        return None
    return pl.select(plausible(pl.lit(dates)).alias(column.name)).to_series()

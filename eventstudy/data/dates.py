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

_DATE_TEXT = r"^(\d{4}-\d{1,2}-\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z_/]*))?)?$"
"""A date as text: ``YYYY-MM-DD`` (or ``YYYY-M-D``), alone or with a time of day and a zone
(``2024-03-20T14:00:00-04:00``, ``2024-03-20 16:05 EST``); the date is group 1."""


def plausible(date: pl.Expr) -> pl.Expr:
    """``date``, or null (an unparseable date) outside :data:`FIRST_DATE` .. :data:`LAST_DATE`."""
    return pl.when(date.is_between(FIRST_DATE, LAST_DATE)).then(date)


def as_dates(column: pl.Series) -> pl.Series | None:
    """A column of dates as the loaders read them (Date; a Datetime's day; ``YYYY-MM-DD``
    text, alone or with a time of day), null where a value is unparseable or outside 1800-2200; None for a column of
    another type. For inputs that are not price data: events files."""
    if column.dtype == pl.Date:
        dates = column
    elif isinstance(column.dtype, pl.Datetime):
        dates = column.dt.date()
    elif column.dtype == pl.String:  # the whole value a date or a datetime: '2024-03-201' is no 2024-03-20
        dates = column.str.strip_chars().str.extract(_DATE_TEXT, 1).str.to_date("%Y-%m-%d", strict=False)
    else:
        return None
    return pl.select(plausible(pl.lit(dates)).alias(column.name)).to_series()

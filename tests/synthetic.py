"""Synthetic data shared by tests: weekday calendars and random-walk series on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl


def business_days(n: int, start: dt.date = dt.date(2024, 1, 1)) -> list[dt.date]:
    """The first ``n`` weekdays from ``start`` (holidays ignored)."""
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def write_random_walks(root: Path, symbols: tuple[str, ...], seed: int) -> None:
    """``SYMBOL.csv`` for each symbol: a random walk on the weekdays of 1985-2020."""
    dates = pl.date_range(dt.date(1985, 1, 1), dt.date(2020, 12, 31), eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)
    rng = np.random.default_rng(seed)
    for symbol in symbols:
        close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.011, dates.len())))
        pl.DataFrame({"date": dates, "close": close}).write_csv(root / f"{symbol}.csv")

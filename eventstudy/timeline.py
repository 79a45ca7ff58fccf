"""Alignment: one row per study date, one column per series feature.

Each series' features are computed on that series' own full history (so an ATH reflects
every close before the study's other series even start), then the series are
inner-joined on date: the study calendar is the dates on which every declared series has
a close (DESIGN.md, "Alignment").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from eventstudy.errors import DataError, UnknownNameError, did_you_mean
from eventstudy.features import FeatureRequest, column_name, compute_features, feature_key

__all__ = ["build_timeline"]


def build_timeline(
    prices: pl.DataFrame,
    series: Mapping[str, str],
    requests: Iterable[FeatureRequest],
) -> pl.DataFrame:
    """The aligned frame a compiled condition is evaluated on.

    Parameters
    ----------
    prices
        Long frame ``date, symbol, close``.
    series
        Name used in conditions -> symbol in the data, e.g. ``{"SPX": "SPX"}``. Several
        names may map to the same symbol.
    requests
        Features needed, e.g. from :func:`eventstudy.conditions.required_features`.

    Returns
    -------
    ``date`` plus one column per request named ``column_name(series, name, args)`` and
    ``{series}.close`` for every series, on the dates where all series have a close,
    sorted by date.

    Examples
    --------
    >>> import datetime as dt
    >>> prices = pl.DataFrame({"date": [dt.date(2024, 1, 2)] * 2, "symbol": ["A", "B"],
    ...                        "close": [1.0, 2.0]})
    >>> build_timeline(prices, {"A": "A", "B": "B"}, []).columns
    ['date', 'A.close', 'B.close']
    """
    if not series:
        raise DataError("a timeline needs at least one series")
    wanted: dict[str, list[tuple[str, tuple[int, ...]]]] = {name: [("close", ())] for name in series}
    for request in requests:
        name, feat, args = request.series, request.name, tuple(request.args)
        if name not in series:
            raise UnknownNameError(
                f"unknown series {name!r}{did_you_mean(name, series)}",
                hint=f"valid series: {', '.join(series)}",
            )
        if (feat.lower(), args) not in [(f, a) for f, a in wanted[name]]:
            wanted[name].append((feat.lower(), args))

    by_symbol: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for name, symbol in series.items():
        needed = by_symbol.setdefault(symbol, [])
        needed.extend(r for r in wanted[name] if r not in needed)

    computed: dict[str, pl.DataFrame] = {}
    for symbol, needed in by_symbol.items():
        block = prices.filter(pl.col("symbol") == symbol)
        if block.is_empty():
            raise DataError(f"no prices for symbol {symbol!r}")
        computed[symbol] = compute_features(block, needed)

    timeline: pl.DataFrame | None = None
    for name, symbol in series.items():
        part = computed[symbol].select(
            "date",
            *(pl.col(feature_key(f, a)).alias(column_name(name, f, a)) for f, a in wanted[name]),
        )
        timeline = part if timeline is None else timeline.join(part, on="date", how="inner")
    assert timeline is not None
    return timeline.sort("date")

"""Alignment: one row per study date, one column per series feature.

Each series' features are computed on that series' own full history (so an ATH reflects
every close before the study's other series even start), then the series are put on one
calendar by :func:`eventstudy.align.align_series`: by default inner-joined on date, so
the study calendar is the dates on which every declared series has a close (DESIGN.md,
"Alignment"); with ``align="ffill"`` the first series' calendar, the others carried
forward for at most ``max_stale`` of its trading days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

import polars as pl

from eventstudy.align import MAX_STALE, align_series
from eventstudy.conditions import Node, day_price_reads
from eventstudy.data.columns import missing_extra_hint
from eventstudy.derived import add_derived, is_derived
from eventstudy.errors import DataError, UnknownNameError, did_you_mean
from eventstudy.features import FEATURES, FeatureRequest, column_name, compute_features, feature_key

if TYPE_CHECKING:
    from eventstudy.config import Study

__all__ = ["build_timeline", "no_common_dates", "require_day_prices", "require_study_day_prices", "require_window_days", "study_calendar"]


def build_timeline(
    prices: pl.DataFrame,
    series: Mapping[str, str],
    requests: Iterable[FeatureRequest],
    *,
    align: str = "inner",
    max_stale: int = MAX_STALE,
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
    align
        ``inner`` (the dates where all series have a close) or ``ffill`` (the first
        series' dates, the others carried forward; see :mod:`eventstudy.align`).
    max_stale
        For ``ffill``: at most this many of the first series' trading days.

    Returns
    -------
    ``date`` plus one column per request named ``column_name(series, name, args)`` and
    ``{series}.close`` for every series, on the study calendar, sorted by date. Features
    of expressions (``(SPX / RUT) sma(50)``) are computed on that calendar
    (:mod:`eventstudy.derived`).

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
    requests = list(requests)
    wanted: dict[str, list[tuple[str, tuple[int, ...]]]] = {name: [("close", ())] for name in series}
    for request in requests:
        if is_derived(request):  # computed on the aligned rows, below
            continue
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
        _require_columns(block, symbol, needed)
        computed[symbol] = compute_features(block, needed)

    parts = {
        name: computed[symbol].select(
            "date",
            *(pl.col(feature_key(f, a)).alias(column_name(name, f, a)) for f, a in wanted[name]),
        )
        for name, symbol in series.items()
    }
    timeline = align_series(parts, align, max_stale)
    if any(is_derived(r) for r in requests):
        timeline = add_derived(timeline, requests, dates=timeline["date"])
    return timeline


def study_calendar(prices: pl.DataFrame, study: Study) -> pl.Series:
    """The dates of a study's calendar of named series on ``prices`` (long: ``date,
    symbol, close``), as :func:`build_timeline` aligns its series; the error of a calendar
    without a day as a run gives it (``validate`` reads no feature)."""
    parts = {name: prices.filter(pl.col("symbol") == symbol).select("date", pl.col("close").alias(name)) for name, symbol in study.series.items()}
    dates = align_series(parts, study.data.align, study.data.max_stale)["date"]
    if dates.is_empty():
        raise no_common_dates(study, prices)
    return dates


def require_window_days(dates: pl.Series, study: Study, *, universe: bool = False) -> None:
    """The error of a study window in which the calendar ``dates`` has no day, as a run
    gives it (``validate`` reads no feature)."""
    from eventstudy.events import empty_window

    first, last, start, end = dates.min(), dates.max(), study.window.start, study.window.end
    if not dates.is_between(start or first, end or last).any():
        raise empty_window(study, start, end, first, last, universe=universe)  # type: ignore[arg-type]


def no_common_dates(study: Study, prices: pl.DataFrame) -> DataError:
    """The error of a study whose calendar has no day: series without a date in common,
    or under ``align: ffill`` a first series whose data (``prices``, long) end before
    another series' begin."""
    location = study.source.location(("series",))
    if study.data.align == "ffill" and len(study.series) > 1:
        reference, *others = study.series
        spans = {name: prices.filter(pl.col("symbol") == symbol)["date"] for name, symbol in study.series.items()}
        begins = {name: cast(dt.date, spans[name].min()) for name in others}
        late = max(others, key=begins.__getitem__)
        begun, ended = begins[late], cast(dt.date, spans[reference].max())
        return DataError(
            f"the study calendar is empty: with align: ffill it is {reference}'s dates once every series has begun, "
            f"and the data of {reference} end {ended}, before those of {late} begin {begun}",
            location=location,
            hint=f"the data of {reference} and {late} do not overlap in time: a study needs data of every series over a common period",
        )
    hint = "a condition over several series is evaluated on the dates where all of them have a close"
    if study.data.align == "inner":
        hint += (
            "; a series dated on other days (a weekly one dated on Saturdays, a monthly one) is carried forward onto "
            "the first series' days with 'data: {align: ffill, max_stale: N}', N its spacing in trading days "
            "(5 for a weekly series, 23 for a monthly one)"
        )
    return DataError(f"the series {', '.join(study.series)} have no date in common", location=location, hint=hint)


def require_day_prices(prices: pl.DataFrame, series: Mapping[str, str], node: Node, text: str) -> None:
    """Refuse a condition that reads the day's open, high, low or volume of a series whose
    data has none (a file without the column is read as nulls, and the condition would
    hold on no day), with a caret under the first place in the condition ``text`` that
    reads it. ``run`` checks before it computes a feature, and ``validate`` as ``run``."""
    blocks: dict[str, pl.DataFrame] = {}
    for request, _, span in day_price_reads(node):
        if request.series not in series:  # a universe's stock, or an expression: not a series' own feature
            continue
        symbol = series[request.series]
        if symbol not in blocks:
            blocks[symbol] = prices.filter(pl.col("symbol") == symbol)
        try:
            _require_columns(blocks[symbol], symbol, [(request.name, tuple(request.args))])
        except DataError as exc:
            exc.span, exc.source = span, text
            raise


def no_universe_dates(study: Study, first: dt.date, last: dt.date) -> DataError:
    """The error of a universe whose stocks have no row on a day its market series have a
    close (the study calendar): ``first .. last`` are the stocks' dates."""
    market = ", ".join(study.series)
    return DataError(
        f"the universe's stocks have no date on which {market} {'has' if len(study.series) == 1 else 'have'} a close: "
        f"their rows run {first} .. {last}",
        location=study.source.location(("series",)),
        hint=f"a universe study reads each stock on the market series' days: give {market} data over the stocks' dates",
    )


def require_study_day_prices(study: Study, prices: pl.DataFrame, conditions: Sequence[tuple[str, Node]]) -> None:
    """:func:`require_day_prices` of each ``(text, node)`` condition of ``study`` over its
    series, the refusal placed where the study file writes the condition."""
    for text, node in conditions:
        try:
            require_day_prices(prices, study.series, node, text)
        except DataError as exc:
            raise study.anchor_in_condition(exc, text) from None


def _require_columns(block: pl.DataFrame, symbol: str, needed: Sequence[tuple[str, tuple[int, ...]]]) -> None:
    for feat, _ in needed:  # the day's open, high, low or volume: only where the data has them
        for column in FEATURES.get(feat).needs if feat in FEATURES else ():
            if column not in block.columns or block[column].null_count() == block.height:
                raise DataError(
                    f"the feature {feat!r} needs the day's {column}, and the data of {symbol!r} has none",
                    hint=missing_extra_hint(column),
                )

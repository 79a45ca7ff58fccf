"""Features of expressions: ``(SPX / RUT) sma(50)``, ``(NDX / SPX) at 52-week high``.

An expression of the study's series (a ratio, a spread, a feature of a feature) exists
only on the dates where its inputs do, so it is computed on the study's calendar, the
aligned timeline, and its features over that calendar's rows: ``(SPX / RUT) sma(50)`` is
the mean of the ratio over the last 50 study dates, and ``(NDX / SPX) at ATH`` a high of
the ratio since the study calendar starts (not since either index's first close). A
division by zero is unknown (null), as everywhere in the language, and a feature's window
that holds an unknown day is unknown: a recursive one (``ema``, ``rsi``) restarts after it,
from the next known value (:attr:`~eventstudy.features.Feature.recursive`).

Expressions nested in expressions (``((SPX / RUT) sma(5) / RUT) sma(3)``) are computed
inner first.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from eventstudy.conditions.ast import AtLevel, FeatureRef, Value, walk
from eventstudy.conditions.compiler import compile_value
from eventstudy.features import FeatureRequest, column_name, compute_features, feature_key

__all__ = ["add_derived", "is_derived"]


def is_derived(request: FeatureRequest) -> bool:
    """Whether ``request`` is a feature of an expression (not of a named series)."""
    return request.of is not None


def _depth(of: Value) -> int:
    """How many expressions are nested in ``of`` (0: it reads named series only)."""
    inner = [n.of for n in walk(of) if isinstance(n, (FeatureRef, AtLevel)) and n.of is not None and n.of is not of]
    return 1 + max(map(_depth, inner)) if inner else 0


def add_derived(
    frame: pl.DataFrame,
    requests: Iterable[FeatureRequest],
    *,
    dates: pl.Series,
    groups: pl.Series | None = None,
    position: np.ndarray | None = None,
) -> pl.DataFrame:
    """``frame`` with a column for every feature of an expression in ``requests``.

    ``frame`` holds the columns the expressions read (``SPX.close``, ``RUT.rsi(14)``, as
    :func:`~eventstudy.features.column_name` names them), one row per ``dates`` entry,
    in date order within each of ``groups`` (one timeline when None; a batch of resampled
    histories, contiguous, with each row's ``position`` in its history).
    """
    wanted: dict[str, tuple[Value, list[tuple[str, tuple[int, ...]]]]] = {}
    for request in requests:
        if request.of is None:
            continue
        of, features = wanted.setdefault(request.series, (request.of, []))
        if (request.name, tuple(request.args)) not in features:
            features.append((request.name, tuple(request.args)))
    for series in sorted(wanted, key=lambda name: _depth(wanted[name][0])):
        of, features = wanted[series]
        if groups is None:
            close = frame.select(compile_value(of).fill_nan(None).alias("close"))["close"]
        else:  # a lag in the expression stays within each history
            grouped = frame.with_columns(groups.alias("__group"))
            close = grouped.select(compile_value(of, over="__group").fill_nan(None).alias("close"))["close"]
        if close.len() != frame.height:  # a constant: one value for every row
            close = pl.repeat(close[0], frame.height, eager=True, dtype=pl.Float64).alias("close")
        symbol = groups.alias("symbol") if groups is not None else pl.repeat(series, frame.height, eager=True, dtype=pl.String).alias("symbol")
        prices = pl.DataFrame([dates.alias("date"), symbol, close])
        found = compute_features(prices, features, position=position)
        frame = frame.with_columns(found[feature_key(name, args)].alias(column_name(series, name, args)) for name, args in features)
    return frame

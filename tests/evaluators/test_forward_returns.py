"""Forward returns (DESIGN.md "Horizon h") against a plain computation on random data."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy import evaluators
from eventstudy.evaluators import EvaluationContext, PanelBlock
from eventstudy.evaluators.forward_returns import ForwardReturns, ForwardReturnsParams
from eventstudy.statistics import summarize

DAY0 = dt.date(2000, 1, 3)


@st.composite
def market(draw: st.DrawFn) -> tuple[dict[str, list[tuple[dt.date, float]]], list[dt.date], list[int]]:
    """Two assets on different calendars (each a random subset of 80 days), anchors, horizons."""
    series = {}
    for symbol in ("X", "Y"):
        days = draw(st.lists(st.integers(0, 79), min_size=1, max_size=80, unique=True).map(sorted))
        closes = draw(st.lists(st.floats(1, 1000, allow_nan=False), min_size=len(days), max_size=len(days)))
        series[symbol] = [(DAY0 + dt.timedelta(days=d), c) for d, c in zip(days, closes)]
    common = sorted({d for d, _ in series["X"]} & {d for d, _ in series["Y"]})
    anchors = draw(st.lists(st.sampled_from(common), unique=True).map(sorted)) if common else []
    horizons = draw(st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True))
    return series, anchors, horizons


def plain_forward_return(rows: list[tuple[dt.date, float]], day: dt.date, h: int) -> float | None:
    dates = [d for d, _ in rows]
    i = dates.index(day)
    return rows[i + h][1] / rows[i][1] - 1 if i + h < len(rows) else None


@settings(max_examples=150, deadline=None)
@given(market())
def test_forward_returns_equal_a_plain_computation(case) -> None:
    series, anchors, horizons = case
    prices = pl.DataFrame(
        [(d, s, c) for s, rows in series.items() for d, c in rows],
        schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64},
        orient="row",
    ).sort("symbol", "date")
    params = ForwardReturnsParams(assets=["x", "y"], horizons=[f"{h}d" for h in horizons])
    context = EvaluationContext(prices=prices, series={"x": "X", "y": "Y"})
    out = ForwardReturns(params).evaluate(context, pl.DataFrame({"date": anchors}, schema={"date": pl.Date}))
    assert out.height == len(anchors) * 2 * len(horizons)
    got = {(r["date"], r["asset"], r["horizon_days"]): r["value"] for r in out.iter_rows(named=True)}
    for day in anchors:
        for asset, symbol in (("x", "X"), ("y", "Y")):
            for h in horizons:
                expected = plain_forward_return(series[symbol], day, h)
                value = got[(day, asset, h)]
                if expected is None:
                    assert value is None  # incomplete: null, never 0
                else:
                    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_summary_counts_incomplete_separately_and_keeps_fractions() -> None:
    outcomes = pl.DataFrame(
        {
            "measure": ["m"] * 4,
            "asset": ["A"] * 4,
            "horizon": ["1d"] * 4,
            "horizon_days": [1] * 4,
            "value": [0.02, -0.01, 0.04, None],
        }
    )
    row = summarize(outcomes).row(0, named=True)
    assert (row["n"], row["n_incomplete"]) == (3, 1)
    assert row["mean"] == pytest.approx(0.05 / 3)
    assert row["median"] == pytest.approx(0.02)
    assert row["pct_positive"] == pytest.approx(2 / 3)
    assert (row["min"], row["max"]) == (-0.01, 0.04)


@settings(max_examples=60, deadline=None)
@given(cells=st.integers(1, 5), rows=st.integers(1, 400), seed=st.integers(0, 2**16))
def test_summary_by_runs_of_cells_is_the_summary_by_their_keys(cells: int, rows: int, seed: int) -> None:
    """A universe's outcomes, cell after cell, grouped by run number: every figure bit for
    bit the one grouped by the cell's keys (values over many magnitudes, so that a
    different order of the sums would show in their last bits), in the same order."""
    rng = np.random.default_rng(seed)
    value = rng.normal(0, 1, cells * rows) * np.exp(rng.uniform(-12, 2, cells * rows))
    value[rng.random(value.size) < 0.1] = np.nan
    outcomes = pl.DataFrame({
        "measure": "fwd", "asset": np.repeat([f"A{c % 2}" for c in range(cells)], rows), "horizon": np.repeat([f"{c}d" for c in range(cells)], rows),
        "horizon_days": np.repeat(np.arange(cells), rows), "value": pl.Series(value).fill_nan(None),
        "days_remaining": pl.Series(np.where(rng.random(value.size) < 0.05, 3, 0)).replace(0, None),
    })
    want = summarize(outcomes)
    got = summarize(outcomes, rows)
    assert got.schema == want.schema and got.equals(want)


@settings(max_examples=120, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=6), k=st.integers(1, 35), kind=st.sampled_from(["simple", "log"]),
    piece=st.sampled_from([1, 3, 8, 1 << 15]), seed=st.integers(0, 2**16),
)
def test_change_ahead_in_a_universe_block_is_the_change_per_symbol(lengths, k, kind, piece, seed) -> None:
    """A block's forward change (the universe path: symbols of any length one after the
    other, cut into pieces) against a loop over each symbol's own rows, rounded once."""
    rng = np.random.default_rng(seed)
    close = np.exp(rng.normal(0, 0.1, sum(lengths))) * 20
    close[rng.random(close.size) < 0.1] = np.nan  # a missing close: NaN on both sides of it
    rows_after = np.concatenate([np.arange(n - 1, -1, -1) for n in lengths])
    block = PanelBlock(close, np.full(close.size, np.nan), rows_after, "u", run=np.repeat(np.arange(len(lengths)), lengths))
    ratio = np.full(close.size, np.nan)
    start = 0
    for n in lengths:
        for i in range(start, start + n - k):
            ratio[i] = close[i + k] / close[i]
        start += n
    with np.errstate(invalid="ignore"):
        expected = (np.log(ratio) if kind == "log" else ratio - 1).astype(np.float32)
    with patch.object(evaluators, "_PIECE", piece):
        found = block.change_ahead(close, k, kind)
    assert found.dtype == np.float32
    np.testing.assert_array_equal(found, expected)

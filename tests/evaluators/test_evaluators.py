"""Every built-in evaluator against a plain computation on random prices."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.evaluators import EVALUATORS, EvaluationContext

DAY0 = dt.date(2001, 1, 1)


def context_for(closes: dict[str, list[float]], opens: dict[str, list[float]] | None = None) -> EvaluationContext:
    rows = []
    for symbol, values in closes.items():
        for i, c in enumerate(values):
            rows.append((DAY0 + dt.timedelta(days=i), symbol, c, (opens or {}).get(symbol, values)[i]))
    prices = pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64, "open": pl.Float64}, orient="row")
    return EvaluationContext(prices=prices.sort("symbol", "date"), series={s: s for s in closes})


def run(name: str, params: dict, ctx: EvaluationContext, n: int) -> dict[tuple, float | None]:
    cls = EVALUATORS.get(name)
    ev = cls(cls.Params.model_validate(params))
    anchors = pl.DataFrame({"date": [DAY0 + dt.timedelta(days=i) for i in range(n)]})
    out = ev.evaluate(ctx, anchors)
    assert out.columns == ["date", "asset", "horizon", "horizon_days", "value", "measure", "days_remaining", "symbol"]
    return {((r["date"] - DAY0).days, r["asset"], r["measure"], r["horizon_days"]): r["value"] for r in out.iter_rows(named=True)}


prices = st.lists(st.floats(1.0, 100.0, allow_nan=False), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(a=prices, data=st.data())
def test_forward_returns_kinds_and_entries(a: list[float], data) -> None:
    b = data.draw(st.lists(st.floats(1.0, 100.0), min_size=len(a), max_size=len(a)))
    h = data.draw(st.integers(1, 10))
    ctx = context_for({"A": a}, {"A": b})
    n = len(a)
    for entry, kind in (("close", "log"), ("next_close", "simple"), ("next_open", "simple")):
        got = run("forward_returns", {"assets": ["A"], "horizons": [h], "entry": entry, "kind": kind}, ctx, n)
        for t in range(n):
            if entry == "close":
                ok = t + h < n
                expected = math.log(a[t + h] / a[t]) if ok else None
            elif entry == "next_close":
                ok = t + 1 + h < n
                expected = a[t + 1 + h] / a[t + 1] - 1 if ok else None
            else:
                ok = t + h < n and t + 1 < n
                expected = a[t + h] / b[t + 1] - 1 if ok else None
            value = next(v for k, v in got.items() if k[0] == t)
            assert (value is None) == (expected is None)
            if expected is not None:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(a=prices, data=st.data())
def test_excess_path_excursions_hit(a: list[float], data) -> None:
    n = len(a)
    b = data.draw(st.lists(st.floats(1.0, 100.0), min_size=n, max_size=n))
    h = data.draw(st.integers(1, 8))
    ctx = context_for({"A": a, "B": b})
    excess = run("excess_returns", {"assets": ["A"], "benchmark": "B", "horizons": [h]}, ctx, n)
    path = run("path", {"assets": ["A"], "before": 3, "after": h}, ctx, n)
    exc = run("excursions", {"assets": ["A"], "horizons": [h], "max_days": 50}, ctx, n)
    hit = run("hit_rate", {"assets": ["A"], "horizons": [h], "benchmark": "B"}, ctx, n)
    hit0 = run("hit_rate", {"assets": ["A"], "horizons": [h], "threshold": "1%"}, ctx, n)
    for t in range(n):
        done = t + h < n
        ra = a[t + h] / a[t] - 1 if done else None
        rb = b[t + h] / b[t] - 1 if done else None
        assert excess[(t, "A-B", "excess", h)] == (pytest.approx(ra - rb, abs=1e-12) if done else None)
        for j in range(-3, h + 1):
            ok = 0 <= t + j < n
            assert path[(t, "A", "path", j)] == (pytest.approx(a[t + j] / a[t] - 1, abs=1e-12) if ok else None)
        window = a[t + 1 : t + h + 1]
        assert exc[(t, "A", "mae", h)] == (pytest.approx(min(window) / a[t] - 1, abs=1e-12) if done else None)
        assert exc[(t, "A", "mfe", h)] == (pytest.approx(max(window) / a[t] - 1, abs=1e-12) if done else None)
        assert hit[(t, "A>B", "hit", h)] == ((1.0 if ra > rb else 0.0) if done else None)
        assert hit0[(t, "A>0.01", "hit", h)] == ((1.0 if ra > 0.01 else 0.0) if done else None)
        # recovery: first close below, then first close back at or above the event close
        below = next((j for j in range(t + 1, n) if a[j] < a[t]), None)
        expected = None
        if below is None or below - t > 50:
            expected = 0.0 if t + 50 < n else None
        else:
            back = next((j for j in range(below + 1, n) if a[j] >= a[t]), None)
            if back is not None and back - t <= 50:
                expected = float(back - t)
        assert exc[(t, "A", "recovery", 50)] == expected, t


def test_market_model_car_matches_least_squares() -> None:
    rng = np.random.default_rng(1)
    rb = rng.normal(0.0005, 0.01, 400)
    ra = 0.0002 + 1.3 * rb + rng.normal(0, 0.005, 400)
    a = list(100 * np.cumprod(1 + np.r_[0, ra[1:]]))
    b = list(100 * np.cumprod(1 + np.r_[0, rb[1:]]))
    ctx = context_for({"A": a, "B": b})
    got = run("excess_returns", {"assets": ["A"], "benchmark": "B", "horizons": [5], "model": "market", "estimation": 60, "gap": 3}, ctx, 400)
    ret_a = np.diff(a) / np.array(a[:-1])  # ret_a[i] is the return of day i + 1
    ret_b = np.diff(b) / np.array(b[:-1])
    t = 200
    window = slice(t - 3 - 60, t - 3)  # the 60 returns of days t-3-59 .. t-3
    beta, alpha = np.polyfit(ret_b[window], ret_a[window], 1)
    car = sum(ret_a[t + k - 1] - alpha - beta * ret_b[t + k - 1] for k in range(1, 6))
    assert got[(t, "A~B", "car", 5)] == pytest.approx(car, rel=1e-6)
    assert got[(10, "A~B", "car", 5)] is None  # estimation window not full yet


def test_pending_days_remaining() -> None:
    ctx = context_for({"A": [1.0 + i for i in range(10)]})
    cls = EVALUATORS.get("forward_returns")
    out = cls(cls.Params.model_validate({"assets": ["A"], "horizons": [5]})).evaluate(
        ctx, pl.DataFrame({"date": [DAY0 + dt.timedelta(days=i) for i in range(10)]})
    )
    remaining = dict(zip([(d - DAY0).days for d in out["date"]], out["days_remaining"]))
    assert remaining[4] is None and remaining[5] == 1 and remaining[9] == 5


def test_next_open_without_opens_is_a_clear_error() -> None:
    from eventstudy.errors import DataError

    prices = pl.DataFrame({"date": [DAY0], "symbol": ["A"], "close": [1.0]})
    ctx = EvaluationContext(prices=prices, series={"A": "A"})
    cls = EVALUATORS.get("forward_returns")
    ev = cls(cls.Params.model_validate({"assets": ["A"], "horizons": [1], "entry": "next_open"}))
    with pytest.raises(DataError, match="'open'"):
        ev.evaluate(ctx, pl.DataFrame({"date": [DAY0]}))


@pytest.mark.parametrize(("threshold", "said"), [("0.125%", "0.125%"), ("0.001%", "0.001%"), ("-5%", "-5%"), (0.02, "2%")])
def test_a_hit_rates_heading_names_its_threshold_as_written(threshold: object, said: str) -> None:
    """The heading rounded the threshold to two decimals of a percent: 'threshold: 0.125%'
    read 'share of forward returns above 0.12%', and 0.001% 'above 0.00%' (a hit rate
    above nothing), beside the asset 'A>1e-05'."""
    cls = EVALUATORS.get("hit_rate")
    hit = cls(cls.Params.model_validate({"assets": ["A"], "horizons": [5], "threshold": threshold}))
    assert hit.describe("hit") == f"hit rate: share of forward returns above {said}"


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ("forward_returns: {assets: [A], horizons: [1m]}", "forward_returns: {assets: [A], horizons: [21]}", "two 'forward_returns' entries both produce A fwd 21d"),
        ("hit_rate: {assets: [A], horizons: [1w], threshold: 1%}", "hit_rate: {assets: [A], horizons: [5d], threshold: 0.01}", "both produce A>0.01 hit 5d"),
    ],
)
def test_two_entries_of_one_horizon_in_other_units_are_refused(first: str, second: str, said: str) -> None:
    """'forward_returns: [1m]' and another 'forward_returns: [21]' are one cell (21 trading
    days), which one entry's horizons refuse ('two horizons have the same length'): across
    two entries it was compared by its label, so the run showed and tested it twice, as
    'A 1m (21d)' and 'A 21d' (the same numbers; two tests of one cell in the family)."""
    from eventstudy.config import parse_study
    from eventstudy.errors import ConfigError
    from eventstudy.evaluators import build_evaluators, evaluate_outcomes

    study = parse_study(f"name: twice\nseries: {{A: A}}\nwhen: A close > 0\nevaluate:\n  - {first}\n  - {second}\n")
    ctx = context_for({"A": [10.0 + i % 7 for i in range(40)]})
    anchors = pl.DataFrame({"date": [DAY0 + dt.timedelta(days=i) for i in range(40)]})
    with pytest.raises(ConfigError, match=re.escape(said)):
        evaluate_outcomes(build_evaluators(study.evaluators), ctx, anchors)

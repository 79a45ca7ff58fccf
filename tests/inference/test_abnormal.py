"""Abnormal returns of classical event studies against a plain implementation from the formulas.

The reference fits each event in a Python loop, with the textbook formulas: the market
model's slope as ``sum (Rm - mean Rm)(R - mean R) / sum (Rm - mean Rm)^2`` and Patell's
prediction-error factor ``1 + 1/L + (Rm_t - mean Rm)^2 / sum (Rm - mean Rm)^2``; the factor
model by ``numpy.linalg.lstsq``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.errors import ConfigError
from eventstudy.inference.abnormal import (
    NO_EVENT_RETURNS,
    NO_VARIANCE,
    SINGULAR,
    TOO_FEW_DAYS,
    AbnormalReturns,
    EstimationWindow,
    EventWindow,
    abnormal_returns,
    check_windows,
)


def reference_event(returns, market, factors, riskfree, firm, day, window, estimation, min_days, model):
    """One event the slow way: ``None`` if excluded, else a dict of what the engine returns."""
    n_days = returns.shape[0]
    est_days = [day + o for o in range(estimation[0], estimation[1] + 1)]
    evt_days = [day + o for o in range(window[0], window[1] + 1)]
    assert not set(est_days) & set(evt_days)

    def row(t):
        r = returns[t, firm]
        if model == "mean":
            return r, []
        if model == "market_adjusted":
            return r - market[t], []
        if model == "market":
            return r, [market[t]]
        return r - (riskfree[t] if riskfree is not None else 0.0), list(factors[t])

    ys, xs = [], []
    for t in est_days:
        if 0 <= t < n_days:
            y, x = row(t)
            if math.isfinite(y) and all(math.isfinite(v) for v in x):
                ys.append(y)
                xs.append(x)
    big_l = len(ys)
    p = {"mean": 1, "market_adjusted": 0, "market": 2}.get(model, 1 + (factors.shape[1] if factors is not None else 0))
    if big_l < max(min_days, max(p, 1) + 3):
        return {"excluded": TOO_FEW_DAYS, "L": big_l}
    y = np.array(ys)
    out = {"L": big_l}
    if model == "mean":
        mean = y.mean()
        out["resid"] = y - mean
        out["s2"] = ((y - mean) ** 2).sum() / (big_l - 1)
        predict = lambda t, x: mean  # noqa: E731
        corr = lambda t, x: 1 + 1 / big_l  # noqa: E731
    elif model == "market_adjusted":
        out["resid"] = y
        out["s2"] = y.var(ddof=1)
        predict = lambda t, x: 0.0  # noqa: E731
        corr = lambda t, x: 1.0  # noqa: E731
    elif model == "market":
        m = np.array([x[0] for x in xs])
        mbar, ybar = m.mean(), y.mean()
        sxx = ((m - mbar) ** 2).sum()
        if sxx <= 1e-14:
            return {"excluded": SINGULAR, "L": big_l}
        beta = ((m - mbar) * (y - ybar)).sum() / sxx
        alpha = ybar - beta * mbar
        e = y - alpha - beta * m
        out["resid"] = e
        out["s2"] = (e**2).sum() / (big_l - 2)
        out["params"] = [alpha, beta]
        predict = lambda t, x: alpha + beta * x[0]  # noqa: E731
        corr = lambda t, x: 1 + 1 / big_l + (x[0] - mbar) ** 2 / sxx  # noqa: E731
    else:
        design = np.column_stack([np.ones(big_l), np.array(xs)])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            return {"excluded": SINGULAR, "L": big_l}
        b = np.linalg.lstsq(design, y, rcond=None)[0]
        e = y - design @ b
        inv = np.linalg.inv(design.T @ design)
        out["resid"] = e
        out["s2"] = (e**2).sum() / (big_l - design.shape[1])
        out["params"] = list(b)
        predict = lambda t, x: float(np.r_[1.0, x] @ b)  # noqa: E731
        corr = lambda t, x: 1 + float(np.r_[1.0, x] @ inv @ np.r_[1.0, x])  # noqa: E731
    if out["s2"] <= 1e-20 * float((y**2).mean()):  # the model fits every estimation day: no spread to standardize by
        return {"excluded": NO_VARIANCE, "L": big_l}
    ars, rets, corrs = [], [], []
    for t in evt_days:
        if not 0 <= t < n_days:
            ars.append(math.nan)
            rets.append(math.nan)
            corrs.append(math.nan)
            continue
        y_t, x_t = row(t)
        rets.append(returns[t, firm])
        ok = math.isfinite(y_t) and all(math.isfinite(v) for v in x_t)
        ars.append(y_t - predict(t, x_t) if ok else math.nan)
        corrs.append(corr(t, x_t) if all(math.isfinite(v) for v in x_t) else math.nan)
    if all(math.isnan(a) for a in ars):
        return {"excluded": NO_EVENT_RETURNS, "L": big_l}
    out.update(ar=np.array(ars), ret=np.array(rets), corr=np.array(corrs))
    return out


@st.composite
def panels(draw, model=None):
    n_days = draw(st.integers(40, 90))
    n_firms = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, n_days)
    returns = 0.0005 + rng.uniform(0.5, 1.5, n_firms) * market[:, None] + rng.normal(0, 0.02, (n_days, n_firms))
    returns[rng.random((n_days, n_firms)) < draw(st.sampled_from([0.0, 0.05, 0.3]))] = np.nan
    if draw(st.booleans()):  # firm 0's price never moves (a halted or illiquid stock)
        returns[:, 0] = np.where(np.isnan(returns[:, 0]), np.nan, 0.0)
    if draw(st.booleans()):
        market[rng.random(n_days) < 0.05] = np.nan
    k = draw(st.integers(0, 4))
    m = draw(st.integers(0, 4))
    gap = draw(st.integers(0, 5))
    length = draw(st.integers(5, 30))
    window = (-k, m)
    estimation = (-k - gap - length, -k - gap - 1)
    min_days = draw(st.integers(1, length))
    n_events = draw(st.integers(1, 8))
    firms = rng.integers(0, n_firms, n_events)
    days = rng.integers(0, n_days, n_events)
    model = model or draw(st.sampled_from(["mean", "market_adjusted", "market", "factor"]))
    factors = np.column_stack([market, rng.normal(0, 0.005, (n_days, draw(st.integers(1, 3))))])
    riskfree = rng.uniform(0, 1e-4, n_days) if draw(st.booleans()) else None
    return dict(
        returns=returns, market=market, factors=factors, riskfree=riskfree, firms=firms, days=days,
        window=window, estimation=estimation, min_days=min_days, model=model,
    )


def run(case) -> AbnormalReturns:
    return abnormal_returns(
        case["returns"], case["firms"], case["days"], window=case["window"], estimation=case["estimation"],
        min_days=case["min_days"], model=case["model"], market=case["market"],
        factors=case["factors"] if case["model"] == "factor" else None,
        riskfree=case["riskfree"] if case["model"] == "factor" else None,
    )


def check_against_reference(case, ar: AbnormalReturns) -> None:
    included = dict(zip(ar.event.tolist(), range(len(ar))))
    excluded = dict(zip(ar.excluded.event.tolist(), ar.excluded.reason.tolist()))
    assert set(included) | set(excluded) == set(range(len(case["firms"])))
    assert not set(included) & set(excluded)
    for e, (f, d) in enumerate(zip(case["firms"], case["days"])):
        ref = reference_event(
            case["returns"], case["market"], case["factors"], case["riskfree"], int(f), int(d),
            case["window"], case["estimation"], case["min_days"], case["model"],
        )
        if "excluded" in ref:
            assert excluded.get(e) == ref["excluded"], (e, ref, excluded)
            continue
        i = included[e]
        assert ar.nobs[i] == ref["L"]
        np.testing.assert_allclose(ar.abnormal[i], ref["ar"], rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(ar.returns[i], ref["ret"], rtol=1e-12)
        present = ~np.isnan(ref["ar"])  # the factor only matters where there is an AR
        np.testing.assert_allclose(ar.correction[i][present], ref["corr"][present], rtol=1e-7)
        np.testing.assert_allclose(ar.variance[i], ref["s2"], rtol=1e-7)
        resid = ar.estimation_abnormal[i]
        np.testing.assert_allclose(np.sort(resid[~np.isnan(resid)]), np.sort(ref["resid"]), rtol=1e-6, atol=1e-10)
        if "params" in ref:
            np.testing.assert_allclose(ar.params[i], ref["params"], rtol=1e-6, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(panels())
def test_every_model_matches_the_reference(case):
    check_against_reference(case, run(case))


@pytest.mark.parametrize("model", ["mean", "market_adjusted", "market", "factor"])
def test_each_model_on_a_fixed_panel(model):
    rng = np.random.default_rng(11)
    n_days, n_firms = 400, 6
    market = rng.normal(0, 0.01, n_days)
    returns = market[:, None] * 1.3 + rng.normal(0, 0.02, (n_days, n_firms))
    returns[rng.random((n_days, n_firms)) < 0.02] = np.nan
    case = dict(
        returns=returns, market=market, factors=np.column_stack([market, rng.normal(0, 0.004, (n_days, 2))]),
        riskfree=np.full(n_days, 1e-4), firms=np.arange(n_firms), days=rng.integers(260, 390, n_firms),
        window=(-10, 10), estimation=(-250, -30), min_days=150, model=model,
    )
    ar = run(case)
    assert len(ar) == n_firms
    check_against_reference(case, ar)


def test_market_model_correction_is_patells_formula():
    """``C_it = 1 + 1/L + (Rm_t - mean Rm)^2 / sum (Rm - mean Rm)^2`` term by term."""
    rng = np.random.default_rng(3)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.02, (300, 1))
    ar = abnormal_returns(returns, [0], [280], window=(-5, 5), estimation=(-250, -20), model="market", market=market)
    est = market[30:261]
    expected = 1 + 1 / est.size + (market[275:286] - est.mean()) ** 2 / ((est - est.mean()) ** 2).sum()
    np.testing.assert_allclose(ar.correction[0], expected, rtol=1e-10)


def test_car_variance_of_the_market_model_is_the_textbook_formula():
    """``Var(CAR) = s^2 (W + W^2/L + (sum_t (Rm_t - mean Rm))^2 / Sxx)`` (Campbell, Lo and MacKinlay 1997)."""
    rng = np.random.default_rng(4)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.02, (300, 1))
    ar = abnormal_returns(returns, [0], [280], window=(-5, 5), estimation=(-250, -20), model="market", market=market)
    est = market[30:261]
    sxx = ((est - est.mean()) ** 2).sum()
    window = market[278:283]  # [-2, +2]
    expected = ar.variance[0] * (5 + 25 / est.size + (window - est.mean()).sum() ** 2 / sxx)
    np.testing.assert_allclose(ar.car_variance(-2, 2), [expected], rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(panels(), st.data())
def test_car_bhar_and_caar_match_loops(case, data):
    ar = run(case)
    start = data.draw(st.integers(ar.window.start, ar.window.end))
    end = data.draw(st.integers(start, ar.window.end))
    for i in range(len(ar)):
        cols = range(start - ar.window.start, end - ar.window.start + 1)
        ars = [ar.abnormal[i, c] for c in cols]
        car = sum(ars) if not any(math.isnan(a) for a in ars) else math.nan
        held, normal = 1.0, 1.0
        for c in cols:
            held *= 1 + ar.returns[i, c]
            normal *= 1 + (ar.returns[i, c] - ar.abnormal[i, c])
        bhar = held - normal if not math.isnan(car) else math.nan
        np.testing.assert_allclose(ar.car(start, end)[i], car, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ar.bhar(start, end)[i], bhar, rtol=1e-9, atol=1e-12)
    aar = [np.nanmean(col) if (~np.isnan(col)).any() else math.nan for col in ar.abnormal.T]
    np.testing.assert_allclose(ar.aar(), aar, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ar.caar(), np.cumsum(aar), rtol=1e-9, atol=1e-12)


@given(st.integers(-300, 50), st.integers(0, 300), st.integers(-60, 60), st.integers(0, 60), st.integers(0, 400))
def test_estimation_and_event_windows_never_overlap(est_start, est_len, evt_start, evt_len, day):
    """Either the windows are refused, or an event's estimation days and event days are disjoint."""
    window = EventWindow(evt_start, evt_start + evt_len)
    estimation = EstimationWindow(est_start, est_start + est_len)
    est_days = set((day + estimation.offsets).tolist())
    evt_days = set((day + window.offsets).tolist())
    try:
        check_windows(window, estimation)
    except ConfigError:
        assert est_days & evt_days or estimation.end >= window.start
        return
    assert not est_days & evt_days
    assert max(est_days) < min(evt_days)


def test_overlapping_windows_are_refused_with_a_located_message():
    with pytest.raises(ConfigError, match=r"overlaps the event window \[-10, 20\]"):
        abnormal_returns(np.zeros((10, 1)), [0], [5], window=(-10, 20), estimation=(-30, -5), model="mean")


def test_exclusions_carry_their_reasons():
    rng = np.random.default_rng(5)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.02, (300, 3))
    returns[270:, 2] = np.nan  # firm 2 has no return in the event window of day 280
    flat = market.copy()
    flat[:] = 0.001  # constant market: the slope is not identified
    ar = abnormal_returns(returns, [0, 1, 2], [280, 50, 280], window=(-5, 5), market=market)
    assert ar.event.tolist() == [0]
    assert ar.excluded.event.tolist() == [1, 2]
    assert ar.excluded.reason.tolist() == [TOO_FEW_DAYS, NO_EVENT_RETURNS]
    frame = ar.excluded.to_frame()
    assert frame.columns == ["event", "firm", "day", "reason", "estimation_days"]
    singular = abnormal_returns(returns, [0], [280], window=(-5, 5), market=flat)
    assert singular.excluded.reason.tolist() == [SINGULAR]


@pytest.mark.parametrize("model", ["mean", "market", "factor"])
def test_a_stock_whose_price_did_not_move_before_its_event_is_excluded_not_divided_by_zero(model):
    """A stock flat through its estimation window has no residual variance: its
    standardized abnormal returns were x / 0, so Patell read +inf (p = 0, 'significant')
    and BMP and Kolari-Pynnonen NaN for the whole study, with no note."""
    from eventstudy.inference.event_tests import event_tests

    rng = np.random.default_rng(0)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.015, (300, 4))
    returns[:275, 3] = 0.0  # firm 3: a constant price before its event
    returns[280, 3] = 0.02  # and a 2% move on its event day
    factors = np.column_stack([market, rng.normal(0, 0.004, 300)])
    ar = abnormal_returns(returns, [0, 1, 2, 3], [280] * 4, window=(-2, 2), estimation=(-250, -10), market=market,
                          model=model, factors=factors if model == "factor" else None)
    assert ar.excluded.event.tolist() == [3] and ar.excluded.reason.tolist() == [NO_VARIANCE]
    assert (ar.variance > 0).all()
    found = event_tests(ar, [(0, 0)], ["patell", "bmp", "kolari_pynnonen"])
    assert all(np.isfinite(t.statistic).all() and (t.nobs == 3).all() for t in found), found


def test_event_window_past_the_panel_end_is_missing_not_dropped():
    rng = np.random.default_rng(6)
    market = rng.normal(0, 0.01, 300)
    returns = market[:, None] + rng.normal(0, 0.02, (300, 1))
    ar = abnormal_returns(returns, [0], [297], window=(-2, 5), market=market)
    assert len(ar) == 1
    assert np.isnan(ar.abnormal[0, 5:]).all() and not np.isnan(ar.abnormal[0, :5]).any()
    assert math.isnan(ar.car(0, 5)[0]) and not math.isnan(ar.car(-2, 2)[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(model="capm"), r"unknown abnormal-return model 'capm'"),
        (dict(model="markt"), r"did you mean 'market'"),
        (dict(window=(5, 1)), r"the event window \[5, 1\] is empty"),
        (dict(estimation=(-30, -50)), r"the estimation window \[-30, -50\] is empty"),
        (dict(min_days=500), r"`min_days` must be between 1 and its 221 days"),
        (dict(window=(0, "x")), r"`end` must be an integer"),
    ],
)
def test_user_mistakes_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        abnormal_returns(np.zeros((300, 1)), [0], [280], market=np.zeros(300), **kwargs)


def test_programming_mistakes_are_value_errors():
    with pytest.raises(ValueError, match="`days` must be indices in"):
        abnormal_returns(np.zeros((30, 1)), [0], [30], model="mean")
    with pytest.raises(ValueError, match="needs `market`"):
        abnormal_returns(np.zeros((30, 1)), [0], [20], model="market")
    with pytest.raises(ValueError, match="needs `factors`"):
        abnormal_returns(np.zeros((30, 1)), [0], [20], model="factor")


def test_to_frame_is_long_with_nulls_for_missing():
    rng = np.random.default_rng(7)
    returns = rng.normal(0, 0.02, (300, 2))
    ar = abnormal_returns(returns, [0, 1], [280, 298], window=(-1, 2), model="mean")
    frame = ar.to_frame()
    assert frame.height == 8
    assert frame.filter(frame["event"] == 1)["ar"].null_count() == 1

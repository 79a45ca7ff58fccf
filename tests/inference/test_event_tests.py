"""Every event-study test against a plain implementation written from its paper.

The references loop over events and days and take from the engine only the abnormal
returns, estimation residuals, residual variances and estimation lengths (checked against
their own reference in test_abnormal.py); a CAR's forecast-error variance is recomputed from
the raw market returns with the textbook formulas.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from eventstudy.errors import ConfigError, UnknownNameError
from eventstudy.inference.abnormal import AbnormalReturns, abnormal_returns
from eventstudy.inference.event_test_names import EVENT_TEST_NAMES
from eventstudy.inference.event_tests import (
    EVENT_TESTS,
    MIN_COMMON_DAYS,
    bmp_test,
    calendar_time_test,
    corrado_test,
    corrado_zivney_test,
    event_tests,
    event_tests_frame,
    kolari_pynnonen_test,
)

# --- references, straight from the papers -------------------------------------------------


def window_cars(ar: AbnormalReturns, a: int, b: int) -> list[float]:
    out = []
    for i in range(len(ar)):
        values = [ar.abnormal[i, t - ar.window.start] for t in range(a, b + 1)]
        out.append(math.nan if any(math.isnan(v) for v in values) else sum(values))
    return out


def car_variance(case, ar: AbnormalReturns, i: int, a: int, b: int) -> float:
    """``s^2 (W + W^2/L + (sum_t (Rm_t - mean Rm))^2 / Sxx)`` for the market model; its special cases."""
    width = b - a + 1
    big_l = ar.nobs[i]
    if case["model"] == "market_adjusted":
        return ar.variance[i] * width
    if case["model"] == "mean":
        return ar.variance[i] * (width + width**2 / big_l)
    returns, market = case["returns"], case["market"]
    firm, day = ar.firm[i], ar.day[i]
    est = [
        market[day + o]
        for o in range(ar.estimation.start, ar.estimation.end + 1)
        if 0 <= day + o < len(market) and math.isfinite(returns[day + o, firm]) and math.isfinite(market[day + o])
    ]
    assert len(est) == big_l
    mbar = sum(est) / big_l
    sxx = sum((m - mbar) ** 2 for m in est)
    shift = sum(market[day + t] - mbar for t in range(a, b + 1))
    return ar.variance[i] * (width + width**2 / big_l + shift**2 / sxx)


def reference_t(values: list[float]) -> tuple[float, float, int]:
    xs = [v for v in values if not math.isnan(v)]
    n = len(xs)
    if n < 2 or statistics.stdev(xs) == 0:
        return math.nan, math.nan, n
    t = statistics.fmean(xs) / (statistics.stdev(xs) / math.sqrt(n))
    return t, 2 * stats.t.sf(abs(t), n - 1), n


def reference(name: str, case, ar: AbnormalReturns, a: int, b: int) -> tuple[float, float, int]:
    width = b - a + 1
    cars = window_cars(ar, a, b)
    scars = [c / math.sqrt(car_variance(case, ar, i, a, b)) if not math.isnan(c) else math.nan for i, c in enumerate(cars)]
    keep = [i for i, c in enumerate(cars) if not math.isnan(c)]
    n = len(keep)
    if name == "t":
        return reference_t(cars)
    if name == "bmp":
        return reference_t(scars)
    if name == "patell":
        if n == 0:
            return math.nan, math.nan, 0
        d = {i: int(ar.dof[i]) for i in keep}
        z = sum(scars[i] for i in keep) / math.sqrt(sum(d[i] / (d[i] - 2) for i in keep))
        return z, 2 * stats.norm.sf(abs(z)), n
    if name == "kolari_pynnonen":
        t, _, n = reference_t(scars)
        if n < 2:
            return math.nan, math.nan, n
        total = 0.0
        for x in range(n):
            for y in range(x + 1, n):
                i, j = keep[x], keep[y]
                lag = abs(int(ar.day[i]) - int(ar.day[j]))
                if lag >= width:
                    continue
                on_i = {int(ar.day[i]) + o: v for o, v in zip(ar.estimation_offsets, ar.estimation_abnormal[i]) if not math.isnan(v)}
                on_j = {int(ar.day[j]) + o: v for o, v in zip(ar.estimation_offsets, ar.estimation_abnormal[j]) if not math.isnan(v)}
                common = sorted(set(on_i) & set(on_j))
                rho = 0.0
                if len(common) >= MIN_COMMON_DAYS:
                    r = np.corrcoef([on_i[c] for c in common], [on_j[c] for c in common])[0, 1]
                    rho = float(r) if math.isfinite(r) else 0.0
                total += 2 * rho * (width - lag) / width
        rbar = total / (n * (n - 1))
        factor = (1 - rbar) / (1 + (n - 1) * rbar)
        if factor <= 0:
            return math.nan, math.nan, n
        t_kp = t * math.sqrt(factor)
        return t_kp, 2 * stats.t.sf(abs(t_kp), n - 1), n
    if name in ("corrado", "corrado_zivney"):
        uniform = name == "corrado_zivney"
        days = list(ar.estimation_offsets) + list(ar.offsets)
        dev = []  # dev[i][day] for present days
        for i in range(len(ar)):
            values = list(ar.estimation_abnormal[i]) + list(ar.abnormal[i])
            present = [k for k, v in enumerate(values) if not math.isnan(v)]
            ranks = stats.rankdata([values[k] for k in present])
            big_m = len(present)
            row = {}
            for k, r in zip(present, ranks):
                row[days[k]] = r / (big_m + 1) - 0.5 if uniform else r - (big_m + 1) / 2
            dev.append(row)
        daily = []
        for day in days:
            vals = [row[day] for row in dev if day in row]
            if vals:
                daily.append(sum(vals) / (math.sqrt(len(vals)) if uniform else len(vals)))
        s = math.sqrt(sum(v * v for v in daily) / len(daily))
        if n == 0:
            return math.nan, math.nan, 0
        sums = [sum(dev[i][t] for t in range(a, b + 1)) for i in keep]
        average = sum(sums) / (math.sqrt(n) if uniform else n)
        z = average / (math.sqrt(width) * s)
        return z, 2 * stats.norm.sf(abs(z)), n
    if name == "generalized_sign":
        if n == 0:
            return math.nan, math.nan, 0
        fractions = []
        for i in keep:
            resid = [v for v in ar.estimation_abnormal[i] if not math.isnan(v)]
            fractions.append(sum(v > 0 for v in resid) / len(resid))
        p = sum(fractions) / n
        w = sum(cars[i] > 0 for i in keep)
        if p in (0.0, 1.0):
            return math.nan, math.nan, n
        z = (w - n * p) / math.sqrt(n * p * (1 - p))
        return z, 2 * stats.norm.sf(abs(z)), n
    if name == "calendar_time":
        portfolio: dict[int, list[float]] = {}  # calendar day -> the held events' ARs that day
        for i in keep:
            for t in range(a, b + 1):
                portfolio.setdefault(int(ar.day[i]) + t, []).append(ar.abnormal[i, t - ar.window.start])
        series = [statistics.fmean(v) for _, v in sorted(portfolio.items())]
        t, p, _ = reference_t(series)
        return t, p, n
    raise AssertionError(name)


# --- panels --------------------------------------------------------------------------------


@st.composite
def studies(draw):
    n_days = draw(st.integers(80, 160))
    n_firms = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    market = rng.normal(0, 0.01, n_days)
    common = rng.normal(0, 0.01, n_days)  # a factor the model leaves in the residuals: cross-correlation
    returns = market[:, None] + rng.uniform(0, 1, n_firms) * common[:, None] + rng.normal(0, 0.02, (n_days, n_firms))
    returns[rng.random((n_days, n_firms)) < draw(st.sampled_from([0.0, 0.03, 0.15]))] = np.nan
    k, m = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    length = draw(st.integers(10, 60))
    gap = draw(st.integers(0, 3))
    n_events = draw(st.integers(2, 12))
    spread = draw(st.sampled_from([1, 3, n_days]))  # all on one day, clustered within a few days, anywhere
    first = int(rng.integers(length + k + gap, n_days))
    days = np.minimum(first + rng.integers(0, spread, n_events), n_days - 1)
    return dict(
        returns=returns, market=market, firms=rng.integers(0, n_firms, n_events), days=days,
        window=(-k, m), estimation=(-k - gap - length, -k - gap - 1),
        model=draw(st.sampled_from(["mean", "market_adjusted", "market"])),
    )


def run(case) -> AbnormalReturns:
    return abnormal_returns(
        case["returns"], case["firms"], case["days"], window=case["window"], estimation=case["estimation"],
        min_days=8, model=case["model"], market=case["market"],
    )


def assert_close(result, name, case, ar, a, b, index):
    z, p, n = reference(name, case, ar, a, b)
    assert result.nobs[index] == n, (name, a, b)
    if math.isnan(z):
        assert math.isnan(result.statistic[index]), (name, a, b, result.statistic[index])
        return
    np.testing.assert_allclose(result.statistic[index], z, rtol=1e-7, atol=1e-9, err_msg=f"{name} [{a}, {b}]")
    np.testing.assert_allclose(result.pvalue[index], p, rtol=1e-6, atol=1e-12, err_msg=f"{name} [{a}, {b}]")


@pytest.mark.parametrize("name", list(EVENT_TESTS))
@settings(max_examples=40, deadline=None)
@given(case=studies(), data=st.data())
def test_every_test_matches_its_reference(name, case, data):
    ar = run(case)
    if len(ar) == 0:
        return
    a = data.draw(st.integers(ar.window.start, ar.window.end))
    b = data.draw(st.integers(a, ar.window.end))
    windows = [(a, b), (ar.window.start, ar.window.start)]
    result = EVENT_TESTS[name](ar, windows)
    assert result.test == name
    for index, (start, end) in enumerate(windows):
        assert_close(result, name, case, ar, start, end, index)


def clustered(n_firms=40, seed=8, rho=0.3):
    """Every firm's event on the same day, residuals sharing a common factor."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, 300)
    common = rng.normal(0, 0.01, 300)
    returns = market[:, None] + math.sqrt(rho) * common[:, None] * 2 + math.sqrt(1 - rho) * rng.normal(0, 0.02, (300, n_firms))
    return abnormal_returns(returns, np.arange(n_firms), np.full(n_firms, 280), window=(-5, 5), market=market)


def test_kolari_pynnonen_on_one_event_day_is_the_papers_formula():
    """All events on one day: ``r`` is the mean off-diagonal correlation of the residuals."""
    ar = clustered()
    corr = np.corrcoef(ar.estimation_abnormal)
    n = len(ar)
    rbar = (corr.sum() - n) / (n * (n - 1))
    assert rbar > 0.1
    bmp = bmp_test(ar)
    kp = kolari_pynnonen_test(ar)
    np.testing.assert_allclose(kp.detail["rbar"], rbar, rtol=1e-10)
    np.testing.assert_allclose(kp.statistic, bmp.statistic * math.sqrt((1 - rbar) / (1 + (n - 1) * rbar)), rtol=1e-10)


def test_kolari_pynnonen_is_bmp_when_no_window_shares_a_day():
    rng = np.random.default_rng(9)
    market = rng.normal(0, 0.01, 1200)
    returns = market[:, None] + rng.normal(0, 0.02, (1200, 10))
    ar = abnormal_returns(returns, np.arange(10), 300 + 80 * np.arange(10), window=(-5, 5), market=market)
    kp, bmp = kolari_pynnonen_test(ar, [(0, 0), (-5, 5)]), bmp_test(ar, [(0, 0), (-5, 5)])
    np.testing.assert_array_equal(kp.detail["rbar"], [0.0, 0.0])
    np.testing.assert_allclose(kp.statistic, bmp.statistic)


def test_corrado_and_corrado_zivney_agree_without_missing_returns():
    ar = clustered(seed=10)
    np.testing.assert_allclose(corrado_test(ar).statistic, corrado_zivney_test(ar).statistic, rtol=1e-10)


def test_default_windows_are_every_day_and_frames_are_long():
    ar = clustered(n_firms=12)
    results = event_tests(ar)
    assert [r.test for r in results] == list(EVENT_TESTS)
    assert all(r.start.tolist() == list(range(-5, 6)) and r.end.tolist() == r.start.tolist() for r in results)
    frame = event_tests_frame(results)
    assert frame.columns == ["test", "start", "end", "statistic", "pvalue", "n"]
    assert frame.height == 11 * len(EVENT_TESTS)
    assert event_tests_frame([]).height == 0


def test_a_window_outside_the_event_window_is_a_config_error():
    ar = clustered(n_firms=5)
    with pytest.raises(ConfigError, match=r"the test window \[-6, 0\] is not inside the event window \[-5, 5\]"):
        bmp_test(ar, [(-6, 0)])
    with pytest.raises(ConfigError, match=r"\[3, 1\]"):
        bmp_test(ar, [(3, 1)])
    with pytest.raises(UnknownNameError, match="did you mean 'patell'"):
        event_tests(ar, tests=["patel"])


def test_calendar_time_counts_each_day_once():
    """Every event on one day: the one-day window has one observation and no statistic; a
    three-day window has three portfolio days, each the cross-sectional mean of that day."""
    ar = clustered(n_firms=10)
    result = calendar_time_test(ar, [(0, 0), (-1, 1)])
    assert result.detail["days"].tolist() == [1.0, 3.0] and result.nobs.tolist() == [10, 10]
    assert math.isnan(result.statistic[0]) and math.isnan(result.pvalue[0])
    portfolio = ar.abnormal[:, 4:7].mean(axis=0)
    t = portfolio.mean() / (portfolio.std(ddof=1) / math.sqrt(3))
    np.testing.assert_allclose(result.statistic[1], t, rtol=1e-12)
    np.testing.assert_allclose(result.pvalue[1], 2 * stats.t.sf(abs(t), 2), rtol=1e-10)


def test_an_effect_is_found():
    """A 2% abnormal return on day 0 of 50 events (2% daily noise): every test rejects at day 0."""
    rng = np.random.default_rng(12)
    market = rng.normal(0, 0.01, 800)
    returns = market[:, None] + rng.normal(0, 0.02, (800, 50))
    days = rng.integers(300, 790, 50)
    returns[days, np.arange(50)] += 0.02
    ar = abnormal_returns(returns, np.arange(50), days, window=(-2, 2), market=market)
    for result in event_tests(ar, [(0, 0), (-2, -1)]):
        assert result.pvalue[0] < 0.001, result.test
        assert result.pvalue[1] > 0.001, result.test


def test_the_names_a_study_is_validated_against_are_the_tests() -> None:
    assert tuple(EVENT_TESTS) == EVENT_TEST_NAMES

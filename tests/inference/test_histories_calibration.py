"""A small calibration of the histories null in the suite (the full one: benchmarks/calibrate.py).

Simulated GARCH-t histories where nothing predicts a forward return, events chosen by the
prices (all-time highs), the real pipeline. Everything is seeded, so the numbers are
fixed; the bounds hold for every seed tried (20 seeds: rejection rates 1.9-7.1%, mean
p-values 0.46-0.56, the rule's null mean at 3m -0.56% to -0.92%, the bias-corrected
effect within 2.6 standard errors of zero) and fail a null centred on the wrong value or
too narrow.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from eventstudy.calibrate import calibrate_rules

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results() -> pl.DataFrame:
    frame, _ = calibrate_rules(
        "garch", conditions=["A at ATH"], horizons=["1w", "3m"], replications=40, histories=49, placebos=199, n_days=3000, seed=11
    )
    return frame


def test_the_histories_null_holds_its_level_on_price_chosen_events(results: pl.DataFrame) -> None:
    means = results.filter(pl.col("statistic") == "mean")
    p = means["p"].to_numpy()
    assert p.size == 40 * 2 * 2  # replications x assets x horizons
    p = p[np.isfinite(p)]  # a history of 3,000 days may give fewer than two events
    assert p.size >= 150
    assert (p <= 0.05).mean() <= 0.10  # 5% expected; a null centred wrong rejects far more
    assert 0.40 <= p.mean() <= 0.60  # roughly uniform, not piled at 0


def test_the_rule_shows_a_bias_on_noise_that_the_effect_removes(results: pl.DataFrame) -> None:
    """After all-time highs the equal-weight average of overlapping windows is biased down
    on pure noise; the histories see the same bias (null_mean), so the effect is centred."""
    at_3m = results.filter((pl.col("statistic") == "mean") & (pl.col("horizon") == "3m") & pl.col("null_mean").is_not_null())
    difference, null_mean = at_3m["difference"].to_numpy(), at_3m["null_mean"].to_numpy()
    assert null_mean.mean() < -0.003  # the rule picks weakness on noise: about -0.7 points at 3m
    effect = difference - null_mean
    se = effect.std(ddof=1) / np.sqrt(effect.size)
    assert abs(effect.mean()) < 3 * se  # bias-corrected: no effect where there is none


def test_a_cell_the_run_does_not_test_counts_in_no_rate() -> None:
    """A cell of fewer than three events is shown, not tested, by a run: its headline p is
    null, but its plain, studentized and runs p-values were kept and counted in their rates
    (120 of 450 rows of a small calibration with an RSI condition), and a studentized p of
    NaN (no spread) counted as a test that did not reject; the per-condition rates counted
    the untested cells in their denominators too."""
    from eventstudy.calibrate import summarize_rules

    frame, _ = calibrate_rules(
        "garch", conditions=["A at ATH", "A rsi(14) < 20"], horizons=["1w", "1y"], replications=4, histories=19, placebos=19, n_days=3000, seed=3
    )
    untested = frame.filter(pl.col("p").is_null())
    assert untested.height and (untested["n"] < 3).all()
    for column in ("p_plain", "p_studentized", "p_runs"):
        assert untested[column].null_count() == untested.height
        assert not frame[column].cast(pl.Float64).is_nan().any()
    tables = summarize_rules(frame)
    counts = tables["size"].filter(pl.col("statistic") == "mean").group_by("test").agg(pl.col("tests").sum())
    tested = frame.filter((pl.col("statistic") == "mean") & pl.col("p").is_not_null()).height
    assert dict(counts.rows())["runs placebo"] == dict(counts.rows())["histories (headline)"] == tested
    assert tables["by_condition"]["tests"].sum() == tested


def test_the_bootstrap_truth_is_the_expected_return_of_the_closes_reshuffled() -> None:
    """Under the bootstrap null the interval's coverage was measured against each simulated
    path's own reshuffling world (bootstrap_forward_mean of the path, not of the real closes
    given to bootstrap_paths): a truth that moved with the history, by 2.5-3.2 points sd at 1y
    on SPX and RUT, and followed the event mean it was to be compared with."""
    from eventstudy.inference.simulate import bootstrap_forward_mean

    rng = np.random.default_rng(4)
    closes = 100 * np.cumprod(1 + rng.standard_t(4, (1500, 2)) * 0.01 + 0.0004, axis=0)
    frame, _ = calibrate_rules(
        "bootstrap", conditions=["A at ATH"], horizons=["1m"], replications=3, histories=19, placebos=19, n_days=1500, seed=2,
        real_closes=closes,
    )
    truth = frame.filter(pl.col("statistic") == "mean").group_by("asset").agg(pl.col("truth").unique())
    expected = bootstrap_forward_mean(closes, 21, 20.0)
    assert dict(truth.rows()) == {"A": [pytest.approx(expected[0], abs=1e-15)], "B": [pytest.approx(expected[1], abs=1e-15)]}


def test_the_power_with_no_effect_is_the_headline_test() -> None:
    """The power for planted effects (--verbose) measured each history's p around the
    studentized null's mean, where the headline has taken it around the median since the
    histories null moved to it: with no effect added its p was not the headline's (0.521
    beside 0.354 for one cell of six garch histories, 15 of 20 cells apart), so the power
    and the size-adjusted power were those of another test."""
    from eventstudy.calibrate import _p_shifted, summarize_rules

    frame, _ = calibrate_rules("garch", conditions=["A at ATH"], horizons=["1m", "3m"], replications=6, histories=49, placebos=19, n_days=3000, seed=7)
    means = frame.filter((pl.col("statistic") == "mean") & pl.col("p").is_not_null())
    assert means.height >= 10
    shifted = [_p_shifted(t, se, 0.0, null) for t, se, null in means.select("t_observed", "se", "t_null").rows()]
    assert shifted == pytest.approx(means["p"].to_list(), abs=1e-12)
    power = summarize_rules(frame, effects=(0.0,), power_horizon="3m")["power"].row(0, named=True)
    at = means.filter(pl.col("horizon") == "3m")
    assert power["tests"] == at.height and power["power"] == pytest.approx((at["p"] <= 0.05).mean())

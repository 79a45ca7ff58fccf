"""A small calibration of the histories null in the suite (the full one: benchmarks/calibrate.py).

Simulated GARCH-t histories where nothing predicts a forward return, events chosen by the
prices (all-time highs), the real pipeline. Everything is seeded, so the numbers are
fixed; the bounds hold for every seed tried (20 seeds: rejection rates 1.9-7.1%, mean
p-values 0.46-0.56, the rule's null mean at 3m -0.56% to -0.92%, the bias-corrected
effect within 2.6 standard errors of zero) and fail a null centred on the wrong value or
too narrow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from eventstudy.calibrate import calibrate_rules

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).resolve().parents[2] / "configs" / "spx_rut.yaml"


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


def test_a_lead_makes_a_older_than_b_through_the_run_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated series all started on one day, so the histories null's reading of an
    older series' closes before the calendar (SPX's before RUT's first day in the
    flagship) was never calibrated. With ``lead`` A's history starts that many days before
    B's, the study calendar is B's days, and the run (prepare) finds A's earlier closes."""
    import eventstudy.calibrate as module

    seen: list[tuple[pl.DataFrame, object]] = []
    real_prepare = module.prepare

    def spy(study, **kwargs):  # type: ignore[no-untyped-def]
        panel = real_prepare(study, **kwargs)
        seen.append((kwargs["prices"], panel))
        return panel

    monkeypatch.setattr(module, "prepare", spy)
    frame, info = calibrate_rules(
        "garch", conditions=["A at ATH", "A close > A sma(200)"], horizons=["1w"], replications=1, histories=19, placebos=19,
        n_days=800, lead=300, seed=5,
    )
    (prices, panel), = seen
    first = {s: d for s, d in prices.group_by("symbol").agg(pl.col("date").min()).rows()}
    counts = dict(prices.group_by("symbol").len().rows())
    assert counts == {"A": 1100, "B": 800} and info.lead == 300 and info.n_days == 800
    a_days = prices.filter(pl.col("symbol") == "A")["date"].sort()
    assert a_days[300] == first["B"] > first["A"]  # A's first 300 days lie before B's first
    assert panel.days.size == 800 and panel.days[0] == np.datetime64(first["B"])  # the calendar: B's days
    earlier = prices.filter((pl.col("symbol") == "A") & (pl.col("date") < first["B"])).sort("date")["close"].to_numpy()
    assert set(panel.closes_before) == {"A"} and np.array_equal(panel.closes_before["A"], earlier)
    assert frame.height  # the study ran on them
    from eventstudy.calibrate import summarize_rules
    from eventstudy.report.calibration import render_rule_calibration

    assert "1 replications of 800 days (A starts 300 days before B: 1,100 days)" in render_rule_calibration(summarize_rules(frame), info)


def test_a_lead_of_the_bootstrap_null_reshuffles_its_days_too() -> None:
    rng = np.random.default_rng(4)
    closes = 100 * np.cumprod(1 + rng.standard_t(4, (900, 2)) * 0.01 + 0.0004, axis=0)
    _, info = calibrate_rules("bootstrap", conditions=["A at ATH"], horizons=["1w"], replications=1, histories=19, placebos=19,
                              n_days=800, lead=300, seed=2, real_closes=closes)
    assert (info.n_days, info.lead) == (600, 300)  # 900 days reshuffled: A all of them, B the last 600
    with pytest.raises(ValueError, match="`lead` 899 leaves B under two of the 900 days"):
        calibrate_rules("bootstrap", conditions=["A at ATH"], horizons=["1w"], replications=1, histories=19, real_closes=closes, lead=899)
    with pytest.raises(ValueError, match="`lead` must be an integer >= 0"):
        calibrate_rules("garch", lead=-1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--simulate", "universe", "--lead", "100"], "--lead is not used by calibrate --simulate universe"),
        (["--event-tests", "--lead", "100"], "--lead is not used by calibrate --event-tests"),
        ([str(CONFIG), "--lead", "0"], "--lead is not used by calibrate STUDY"),
    ],
)
def test_a_lead_is_refused_where_no_series_is_simulated(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    from eventstudy.cli import main

    assert main(["calibrate", *args]) != 0
    err = capsys.readouterr().err
    assert message in err and "only calibrate --simulate garch and calibrate --simulate bootstrap read it" in err


def test_a_negative_lead_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from eventstudy.cli import main

    with pytest.raises(SystemExit):
        main(["calibrate", "--simulate", "garch", "--lead", "-5"])
    assert "argument --lead: '-5' must be 0 or more" in capsys.readouterr().err


def test_a_lead_longer_than_the_reshuffled_days_is_refused(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from eventstudy.cli import main

    assert main(["calibrate", "--simulate", "bootstrap", "--data-dir", str(shared_data), "--lead", "100000", "--replications", "1"]) != 0
    err = capsys.readouterr().err
    assert "--lead 100,000 leaves B no history: SPX and RUT have" in err and "common days to reshuffle" in err

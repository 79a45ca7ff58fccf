"""`eventstudy calibrate --simulate universe`: the universe tests on simulated panels."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from eventstudy.universe_calibration import (
    TESTS,
    calibrate_universe,
    simulated_panel,
    summarize_universe,
    true_mean,
)


def test_a_simulated_panel_has_every_stock_on_every_day(tmp_path) -> None:
    simulated_panel(tmp_path, 7, 30, np.random.default_rng(1), factor=0.25)
    panel = pl.read_parquet(tmp_path / "panel.parquet")
    assert panel.shape == (7 * 30, 3)
    assert panel.group_by("symbol").len()["len"].to_list() == [30] * 7
    assert (panel["close"] > 0).all()
    assert pl.read_csv(tmp_path / "MKT.csv").height == 30


def test_the_truth_is_the_drift_compounded() -> None:
    assert true_mean(21, 0.25) == pytest.approx(1.0003**21 - 1)
    assert true_mean(21, 0.0) == pytest.approx(np.exp(21 * (0.0003 + 0.015**2 / 2)) - 1)


@pytest.mark.slow
def test_a_small_calibration_runs_the_universe_tests_and_is_reproducible() -> None:
    kwargs = {"replications": 2, "symbols": 40, "days": 400, "factor": 0.25, "placebos": 100, "horizons": ("1w", "1m"), "seed": 5}
    results, info = calibrate_universe(**kwargs)
    assert results.height == 4 and info.replications == 2 and info.mean_events > 0
    for column in TESTS:
        p = results[column].drop_nulls().to_numpy()
        assert p.size and ((p > 0) & (p <= 1)).all(), column
    assert results["truth"].to_list() == pytest.approx([true_mean(5, 0.25), true_mean(21, 0.25)] * 2)
    again, _ = calibrate_universe(**kwargs)
    assert again.equals(results)


def test_the_summary_counts_rejections_with_wilson_intervals() -> None:
    results = pl.DataFrame({
        "replication": [0, 1, 2, 3], "horizon": ["1w"] * 4, "horizon_days": [5] * 4, "n": [10] * 4,
        "dates": [0.01, 0.5, 0.04, 0.9], "calendar": [0.5] * 4, "driscoll_kraay": [0.5, 0.5, 0.5, None], "symbols": [0.01] * 4,
        "percentile": [99.0, 40.0, 2.0, 60.0], "ci_low": [0.0] * 4, "ci_high": [0.1] * 4, "truth": [0.05] * 4,
        "covers": [True, True, False, True],
    })
    tables = summarize_universe(results)
    size = {r["test"]: r for r in tables["size"].iter_rows(named=True)}
    assert size[TESTS["dates"]]["rate"] == 0.5 and size[TESTS["dates"]]["low"] < 0.5 < size[TESTS["dates"]]["high"]
    assert size[TESTS["calendar"]]["rate"] == 0.0 and size[TESTS["symbols"]]["rate"] == 1.0
    assert size[TESTS["driscoll_kraay"]]["tests"] == 3  # a missing p-value is not counted
    assert tables["coverage"]["rate"].to_list() == [0.75]
    assert tables["spread"]["z_sd"][0] > 1


@pytest.mark.slow
def test_the_command_line_prints_the_universe_tests_and_writes_every_row(tmp_path, capsys) -> None:
    from eventstudy.cli import main

    out = tmp_path / "universe.csv"
    args = ["calibrate", "--simulate", "universe", "--replications", "2", "--symbols", "30", "--days", "400", "--horizon", "1w", "-q", "-o", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2 simulated universes of 30 GARCH-t stocks with a common factor (25% of the variance)" in text
    for name in TESTS.values():
        assert name in text
    assert "Coverage of the 95% interval" in text and "sd of the 'dates' null's z-score" in text
    assert pl.read_csv(out).height == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--factor", "1.5"], "--factor 1.5 is not a share"), (["--horizon", "1x"], "bad horizon '1x'"), (["--days", "100"], "no 52-week high"),
     (["--symbols", "1"], "--symbols 1 leaves the 'dates' null no other stock")],
)
def test_the_command_line_refuses_what_it_cannot_simulate(extra: list[str], message: str, capsys) -> None:
    from eventstudy.cli import main

    assert main(["calibrate", "--simulate", "universe", "--replications", "1", "--symbols", "5", "-q", *extra]) == 2
    assert message in capsys.readouterr().err


def test_highs_too_few_to_test_are_not_called_no_high(capsys) -> None:
    """Universes whose 52-week highs are too few to test (a 6-month horizon that runs past
    300 days, or two events on five stocks) read "no 52-week high in 1 simulated
    universes", which sent the user to look for a bug in the simulation: the message now
    counts the highs and says what a test lacks."""
    from eventstudy.cli import main

    args = ["calibrate", "--simulate", "universe", "--replications", "1", "--symbols", "20", "--days", "300", "--horizon", "6m", "-q"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "no 52-week high" not in err
    assert "52-week highs per simulated universe on average" in err and "a complete 6m return" in err

"""A measure is tested on the statistics it declares: the hit rate (a score of 0 or 1) on its mean.

Its share above 0 is its mean (the same test twice, with the same p-value) and its median
is 0 or 1 (a coarsening of the mean, p 0.997 for 'median 0.0% vs baseline 0.0%'); both sat
in the median and % positive families that Holm, BH and the max-statistic adjustment
count, and the verdict counted them as tests. Every path now leaves them out: no row in
the tests, no place in a family, so the other measures' rows are those of the same study
without the hit rate.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import eventstudy
from eventstudy.cli import main
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError
from eventstudy.inference.calibration import calibrate
from eventstudy.inference.multiple import benjamini_hochberg, holm
from eventstudy.inference.timeseries import InferenceSettings, significance
from eventstudy.report.verdict import verdict_line
from eventstudy.sweep import parse_axis, run_sweep
from tests.test_sweep import STUDY as SWEEP_STUDY
from tests.test_universe import STUDY as UNIVERSE_STUDY
from tests.test_universe import make_panel

TIMELINE = SWEEP_STUDY.replace("name: sweep study", "name: hit families").replace(
    "statistics: {placebos: 300, seed: 5}", "HIT\nstatistics: {placebos: 299, histories: 99, seed: 5, null: NULL}"
)  # the sweep tests' study, with a hit rate (HIT) and a null (NULL) to fill in
HIT = "  - hit_rate: {assets: [A], benchmark: B, horizons: [5d, 10d]}"
CELL = ["measure", "asset", "horizon", "statistic"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    days = [dt.date(2019, 6, 3) + dt.timedelta(days=i) for i in range(500)]
    for symbol in ("AAA", "BBB"):
        close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(days))))
        (tmp_path / f"{symbol}.csv").write_text("date,close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, close)))
    return tmp_path


def _run(folder: Path, null: str, hit: bool) -> eventstudy.StudyResult:
    text = TIMELINE.replace("HIT\n", HIT + "\n" if hit else "").replace("NULL", null)
    return eventstudy.run(parse_study(text, path=folder / "study.yaml"), data_dir=folder)


def _others(tests: pl.DataFrame) -> pl.DataFrame:
    """The other measures' rows; the mean's without its adjustments (its family holds the
    hit rate's mean)."""
    adjusted = [c for c in ("p_holm", "p_bh", "p_maxstat", "survives") if c in tests.columns]
    means = pl.col("statistic") == "mean"
    return tests.filter(pl.col("measure") != "hit").with_columns(pl.when(means).then(None).otherwise(pl.col(c)).alias(c) for c in adjusted).sort(CELL)


@pytest.mark.parametrize("null", ["matched", "runs", "histories"])
def test_the_hit_rate_is_tested_on_its_mean_only_in_a_study_of_named_series(folder: Path, null: str) -> None:
    with_hit, without = _run(folder, null, hit=True), _run(folder, null, hit=False)
    hit = with_hit.tests.filter(pl.col("measure") == "hit")
    assert hit["statistic"].to_list() == ["mean", "mean"] and hit["p_placebo"].null_count() == 0
    # the other measures' rows are those of the study without the hit rate, the median's and % > 0's adjustments included
    assert _others(with_hit.tests).equals(_others(without.tests))
    # the mean's family holds the hit rate's means beside the forward returns'
    means = with_hit.tests.filter(pl.col("statistic") == "mean")
    np.testing.assert_allclose(means["p_holm"].to_numpy(), holm(means["p_placebo"].to_numpy()))
    np.testing.assert_allclose(means["p_bh"].to_numpy(), benjamini_hochberg(means["p_placebo"].to_numpy()))
    assert set(with_hit.placebo.filter(pl.col("measure") == "hit")["statistic"]) <= {"mean"}
    assert any("'hit' is tested on its average only" in note for note in with_hit.notes)
    line = verdict_line(with_hit)  # the verdict counts the tests there are (a runs null without room here tests nothing)
    assert f"of {with_hit.tests.height} tests" in line or (null == "runs" and "had little room" in line)
    # the summary still describes the hit rate's median and share above 0
    summary = with_hit.summary.filter(pl.col("measure") == "hit")
    assert summary["median"].null_count() == 0 and summary["pct_positive"].to_list() == summary["mean"].to_list()


def test_significance_and_calibrate_of_a_result_test_the_hit_rate_on_its_mean_only(folder: Path) -> None:
    result = _run(folder, "runs", hit=True)
    tests = significance(result, InferenceSettings(placebos=199, seed=3))
    assert tests.filter(pl.col("measure") == "hit")["statistic"].unique().to_list() == ["mean"]
    alone = significance(_run(folder, "runs", hit=False), InferenceSettings(placebos=199, seed=3))
    assert _others(tests).equals(_others(alone))
    hit_tests = set(calibrate(result, InferenceSettings(seed=3), studies=20, placebos=99, horizon="5d", asset="A>B")["test"])
    assert "placebo_mean" in hit_tests and not hit_tests & {"placebo_median", "placebo_pct_positive", "mann_whitney", "binomial"}
    fwd_tests = set(calibrate(result, InferenceSettings(seed=3), studies=20, placebos=99, horizon="5d", asset="A")["test"])
    assert {"placebo_median", "mann_whitney", "binomial"} <= fwd_tests


@pytest.mark.parametrize("null", ["dates", "histories"])
def test_the_hit_rate_is_tested_on_its_mean_only_in_a_universe(tmp_path: Path, null: str) -> None:
    make_panel(tmp_path, seed=3)
    base = UNIVERSE_STUDY.replace("seed: 1}", f"seed: 1, null: {null}, histories: 49}}")
    with_hit = eventstudy.run(parse_study(base.replace("statistics:", "  - hit_rate: {horizons: [5d]}\nstatistics:"), path=tmp_path / "s.yaml"), data_dir=tmp_path)
    without = eventstudy.run(parse_study(base, path=tmp_path / "s.yaml"), data_dir=tmp_path)
    assert with_hit.tests.filter(pl.col("measure") == "hit")["statistic"].to_list() == ["mean"]
    assert _others(with_hit.tests).equals(_others(without.tests))
    assert any("'hit' is tested on its average only" in note for note in with_hit.notes)


SWEEP = TIMELINE.replace("null: NULL", "null: runs")


def test_a_sweep_of_the_median_leaves_the_hit_rate_out_and_refuses_a_grid_of_hit_rates_alone(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    axes = [parse_axis("gap=3,5")]
    with_hit = run_sweep(parse_study(SWEEP.replace("HIT", HIT), path=folder / "s.yaml"), axes, data_dir=folder, statistic="median")
    without = run_sweep(parse_study(SWEEP.replace("HIT\n", ""), path=folder / "s.yaml"), axes, data_dir=folder, statistic="median")
    assert set(with_hit.ledger["measure"]) == {"fwd"}
    assert with_hit.ledger.sort([*CELL, "gap"]).equals(without.ledger.sort([*CELL, "gap"]))
    assert "'hit' is not tested on the median" in with_hit.verdict["not_tested"]
    assert with_hit.verdict["not_tested"].endswith("statistic='mean' tests it")  # a Python call's keyword; the command line's flag:
    (folder / "s.yaml").write_text(SWEEP.replace("HIT", HIT))
    command = ["sweep", str(folder / "s.yaml"), "--grid", "gap=3,5", "--statistic", "median", "--data-dir", str(folder), "--format", "json"]
    assert main([*command, "--executor", "processes", "--workers", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"]["not_tested"].endswith("--statistic mean tests it")
    means = run_sweep(parse_study(SWEEP.replace("HIT", HIT), path=folder / "s.yaml"), axes, data_dir=folder, statistic="mean")
    assert "hit" in set(means.ledger["measure"]) and "not_tested" not in means.verdict
    alone = SWEEP.replace("HIT", HIT).replace("  - forward_returns: {assets: [A, B], horizons: [5d, 10d]}\n", "")
    with pytest.raises(ConfigError, match="'hit' is tested on its mean only"):
        run_sweep(parse_study(alone, path=folder / "s.yaml"), axes, data_dir=folder, statistic="pct_positive")


def test_a_hit_rates_mde_beyond_what_a_rate_can_move_is_none_detectable(shared_data: Path) -> None:
    """A hit rate is a share of 0s and 1s: its mean can move no further than to 0 or to 1.
    The flagship's 19 events, RUT against SPX: at 1y (n_eff 4.6) the normal formula gave
    65.1 pp from an all-days rate of 46.9%, beyond both; now inf, as the share positive's
    (power.within_reach). At 1m (n_eff 15.6) it is the formula's figure."""
    import math

    text = (
        "name: hit few\nseries: {SPX: SPX, RUT: RUT}\nwhen: SPX at ATH and RUT drawdown >= 10%\nwindow: {start: 1980-01-01}\n"
        "decluster: {gap: 21cd}\nevaluate:\n  - hit_rate: {assets: [RUT], benchmark: SPX, horizons: [1m, 1y]}\n"
        "statistics: {null: runs, placebos: 199, seed: 1}\n"
    )
    found = eventstudy.run(parse_study(text), data_dir=shared_data)
    month, year = found.tests.sort("horizon_days").rows(named=True)
    assert year["n_eff"] < 5 and year["mde"] == math.inf
    assert month["n_eff"] > 15 and month["mde"] < max(month["baseline"], 1 - month["baseline"])
    hits = found.outcomes.filter((pl.col("measure") == "hit") & (pl.col("horizon") == "1m"))["value"]
    assert set(hits.drop_nulls().to_list()) <= {0.0, 1.0}


def test_a_universes_hit_rate_mde_beyond_what_a_rate_can_move_is_none_detectable(tmp_path: Path) -> None:
    """The same in a universe: 15 events on a few days of March 2020 (n_eff 1.3) gave a
    20-day hit rate's MDE of 124 pp from 50.7%; a week of April, 85 pp from 88.4%, can be
    reached downward and stays a figure."""
    import math

    make_panel(tmp_path, seed=3)
    hit = UNIVERSE_STUDY.replace("statistics:", "  - hit_rate: {horizons: [20d]}\nstatistics:")
    march, april = (
        eventstudy.run(parse_study(hit.replace("decluster:", f"window: {{start: {start}, end: {end}}}\ndecluster:"), path=tmp_path / "s.yaml"),
                       data_dir=tmp_path).tests.filter(pl.col("measure") == "hit").row(0, named=True)
        for start, end in (("2020-03-01", "2020-03-12"), ("2020-04-01", "2020-04-08"))
    )
    assert march["n_eff"] < 2 and march["mde"] == math.inf
    assert 1 - april["baseline"] < april["mde"] < april["baseline"]

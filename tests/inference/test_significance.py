"""The significance table: shape, sanity, reproducibility, edge cases, calibration."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from synthetic import write_random_walks

import eventstudy
from eventstudy.inference import (
    SIGNIFICANCE_SCHEMA,
    InferenceSettings,
    calibrate,
    event_design,
    significance,
)

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "spx_rut.yaml"

STUDY = """\
name: random-walk study
series: {SPX: SPX, RUT: RUT}
when: SPX at 52-week high
window: {start: 1990-01-01, end: 2019-12-31}
decluster: {gap: 21cd, mode: after_kept}
evaluate:
  - forward_returns: {assets: [SPX, RUT], horizons: [1w, 1m, 3m]}
"""


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> eventstudy.StudyResult:
    """A study on two simulated random walks (no real data needed)."""
    root = tmp_path_factory.mktemp("walk")
    write_random_walks(root, ("SPX", "RUT"), seed=0)
    (root / "study.yaml").write_text(STUDY)
    return eventstudy.run(root / "study.yaml", data_dir=root)


FAST = InferenceSettings(placebos=999, seed=3, null="matched")


def check_sane(table: pl.DataFrame, cells: int) -> None:
    assert table.columns == list(SIGNIFICANCE_SCHEMA)
    assert table.height == 3 * cells
    assert table.get_column("statistic").to_list()[:3] == ["mean", "median", "pct_positive"]
    tested = table.filter(pl.col("n") > 0)
    for col in ("p_placebo", "p_greater", "p_less", "p_holm", "p_bh", "p_maxstat"):
        p = tested.get_column(col)
        assert p.null_count() == 0 and p.min() > 0 and p.max() <= 1
    assert (tested["p_holm"] >= tested["p_placebo"] - 1e-12).all()
    assert (tested["p_maxstat"] >= tested["p_placebo"] - 1e-12).all()
    assert (tested["p_bh"] >= tested["p_placebo"] - 1e-12).all()
    assert (tested["percentile"].is_between(0, 100)).all()
    assert (tested["difference"] - (tested["observed"] - tested["baseline"])).abs().max() < 1e-12
    assert (tested["survives"] == (tested["p_maxstat"] <= FAST.alpha)).all()
    means = tested.filter(statistic="mean")
    assert means["p_welch"].null_count() == 0 and means["t_hac"].null_count() == 0
    assert means["p_binomial"].null_count() == means.height  # binomial only on % positive
    assert tested.filter(statistic="pct_positive")["p_binomial"].null_count() == 0
    assert tested.filter(statistic="median")["p_mannwhitney"].null_count() == 0
    assert (means["ci_low"] <= means["observed"]).all() and (means["observed"] <= means["ci_high"]).all()
    assert (tested["n_eff"] <= tested["n"] + 1e-9).all() and (tested["mde"] > 0).all()


def test_walk_study_table_is_sane_and_reproducible(walk: eventstudy.StudyResult) -> None:
    table = significance(walk, FAST)
    check_sane(table, 6)
    assert table.equals(significance(walk, FAST))
    assert not table.equals(significance(walk, FAST.model_copy(update={"seed": 4})))
    circular = significance(walk, FAST.model_copy(update={"null": "circular"}))
    check_sane(circular, 6)


def test_nested_baseline_uses_only_base_days(walk: eventstudy.StudyResult) -> None:
    design = event_design(walk)
    base = np.zeros(len(design.calendar), dtype=bool)
    base[::2] = True
    base[design.events] = True
    table = significance(walk, FAST, base_mask=base)
    cell = design.values[0]
    expected = np.nanmean(cell[base])
    assert table.row(0, named=True)["baseline"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="`base_mask` must be a boolean mask over the window's"):
        significance(walk, FAST, base_mask=base[:-1])


def test_a_nested_baseline_in_the_settings_is_applied_not_ignored(walk: eventstudy.StudyResult) -> None:
    """``InferenceSettings(baseline=...)``, the nested baseline the settings' type holds
    (a study file's ``statistics.baseline``), was dropped by significance() unless a mask
    came with it: the table was the plain one, bit for bit. It now draws on the days where
    the baseline holds, as a run does, or says why it cannot."""
    from eventstudy.config import BaselineSpec
    from eventstudy.inference.timeseries import result_baseline_mask

    nested = FAST.model_copy(update={"baseline": BaselineSpec(when="SPX close > 150")})
    mask = result_baseline_mask(dataclasses.replace(walk, statistics=nested))
    assert mask is not None and 0 < mask.sum() < mask.size
    table = significance(walk, nested)
    assert table.equals(significance(walk, FAST, base_mask=mask))
    assert not table.equals(significance(walk, FAST))
    elsewhere = FAST.model_copy(update={"baseline": BaselineSpec(when="SPX drawdown >= 2%")})  # not in the result's timeline
    with pytest.raises(ValueError, match="'SPX drawdown >= 2%' uses a feature this result did not compute"):
        significance(walk, elsewhere)


def test_zero_and_one_event(walk: eventstudy.StudyResult) -> None:
    none = dataclasses.replace(walk, raw_events=walk.raw_events.with_columns(kept=pl.lit(False)))
    table = significance(none, FAST)
    assert table.height == 18 and (table["n"] == 0).all()
    assert table["p_placebo"].null_count() == 18 and table["observed"].null_count() == 18
    assert table["baseline"].null_count() == 0 and table["warning"].null_count() == 0
    first = walk.raw_events.filter("kept").get_column("date")[0]
    one = dataclasses.replace(walk, raw_events=walk.raw_events.with_columns(kept=pl.col("date") == first))
    table = significance(one, FAST)
    assert (table["n"] == 1).all()
    assert table.filter(statistic="mean")["ci_low"].null_count() == 6  # no interval from one event
    assert table.filter(statistic="mean")["p_welch"].null_count() == 6


@pytest.mark.parametrize("events", [1, 2, 3])
def test_fewer_than_three_events_are_shown_not_tested(walk: eventstudy.StudyResult, events: int) -> None:
    """The placebo nulls rank one event's return among all days': a study of one event
    was '2 of 3 tests significant' (adjusted p 0.008)."""
    firsts = walk.raw_events.filter("kept").get_column("date")[:events]
    few = dataclasses.replace(walk, raw_events=walk.raw_events.with_columns(kept=pl.col("date").is_in(firsts.implode())))
    for null in ("runs", "circular", "matched"):
        table = significance(few, FAST.model_copy(update={"null": null}))
        tested = table.filter(pl.col("n") >= 3)
        untested = table.filter(pl.col("n") < 3)
        assert untested.height == (18 if events < 3 else 0)
        assert tested.select("p_placebo", "p_maxstat", "p_holm", "survives").null_count().row(0) == (0, 0, 0, 0)
        for col in ("p_placebo", "p_greater", "p_less", "percentile", "p_holm", "p_bh", "p_maxstat", "survives", "ci_low", "ci_high", "ci_approximate"):
            assert untested[col].null_count() == untested.height, col  # two returns' bootstrap interval was their range
        assert all("too few to test" in w for w in untested["warning"])
        assert tested.filter(pl.col("statistic") == "mean").select("ci_low").null_count().item() == 0


@pytest.mark.parametrize("events", [1, 2, 3])
def test_fewer_than_three_events_have_no_companion_tests_either(walk: eventstudy.StudyResult, events: int) -> None:
    """report.md showed a one-event cell's Newey-West t (-156.58) and 'NW p <0.001', and
    its 'i.i.d. p', beside the blank headline p-value of a cell 'shown, not tested'."""
    firsts = walk.raw_events.filter("kept").get_column("date")[:events]
    few = dataclasses.replace(walk, raw_events=walk.raw_events.with_columns(kept=pl.col("date").is_in(firsts.implode())))
    table = significance(few, FAST)
    companions = ("p_welch", "p_mannwhitney", "p_binomial", "t_hac", "p_hac")
    if events < 3:
        assert table.select(companions).null_count().row(0) == (table.height,) * len(companions)
    else:
        assert table.filter(statistic="mean").select("p_welch", "t_hac", "p_hac").null_count().row(0) == (0, 0, 0)
        assert table.filter(statistic="pct_positive")["p_binomial"].null_count() == 0


def test_settings_are_validated(walk: eventstudy.StudyResult) -> None:
    with pytest.raises(ValueError, match="`placebos` must be a positive integer"):
        significance(walk, InferenceSettings(placebos=0))
    with pytest.raises(eventstudy.EventStudyError, match="unknown null sampler 'circulr'"):
        significance(walk, InferenceSettings(null="circulr"))  # type: ignore[arg-type]


def test_calibrate_takes_the_study_s_first_asset_by_default(walk: eventstudy.StudyResult) -> None:
    """The study's assets are [SPX, RUT]: calibrate ran RUT, the first of its cells, which
    are ordered by horizon and then by name, though its default is the study's first asset
    (so did 'eventstudy calibrate configs/spx_rut.yaml', titled '... with no effect (RUT)')."""
    table = calibrate(walk, FAST, studies=5, placebos=19, horizon="1w", effects=(0.0,), circular=False, runs=False)
    assert set(table["asset"]) == {"SPX"}
    assert set(calibrate(walk, FAST, studies=5, placebos=19, horizon="1w", effects=(0.0,), circular=False, runs=False, asset="RUT")["asset"]) == {"RUT"}


@pytest.mark.slow
def test_calibration_reduced(walk: eventstudy.StudyResult) -> None:
    """200 pseudo-studies x B = 500: the placebo test rejects 2%-10% of the time at 5%."""
    table = calibrate(walk, FAST, studies=200, placebos=500, horizon="1m", effects=(0.0, 0.05))
    size = table.filter(pl.col("effect") == 0.0)
    placebo = size.filter(test="placebo_mean").row(0, named=True)
    assert 0.02 <= placebo["reject_5pct"] <= 0.10
    assert placebo["reject_1pct"] <= placebo["reject_5pct"] <= placebo["reject_10pct"]
    assert set(size["test"]) >= {"placebo_mean", "circular_mean", "welch", "mann_whitney", "binomial", "hac", "naive_t"}
    power = table.filter(pl.col("effect") == 0.05, test="placebo_mean")["reject_5pct"][0]
    assert power > 0.5
    assert table.equals(calibrate(walk, FAST, studies=200, placebos=500, horizon="1m", effects=(0.0, 0.05)))


@pytest.mark.slow
@pytest.mark.shared_data
def test_spx_rut_significance(shared_data: Path) -> None:
    result = eventstudy.run(CONFIG, data_dir=shared_data, end="2024-12-31")
    table = significance(result, FAST)
    check_sane(table, 10)
    assert (table["n"] == 18).all()
    spx_1y = table.filter(asset="SPX", horizon="1y", statistic="pct_positive").row(0, named=True)
    assert spx_1y["observed"] == 1.0 and spx_1y["warning"] is not None  # n_eff ~4: warned
    assert spx_1y["n_eff"] == pytest.approx(4.1996, abs=1e-3)
    open_window = eventstudy.run(CONFIG, data_dir=shared_data)
    check_sane(significance(open_window, FAST), 10)


@pytest.mark.slow
@pytest.mark.shared_data
def test_spx_calibration_reduced(shared_data: Path) -> None:
    result = eventstudy.run(CONFIG, data_dir=shared_data, end="2024-12-31")
    table = calibrate(result, FAST, studies=200, placebos=500, horizon="3m", effects=(0.0,), circular=False)
    assert 0.02 <= table.filter(test="placebo_mean")["reject_5pct"][0] <= 0.10


@pytest.mark.parametrize(("null", "blank"), [("histories", "p-value or interval"), ("runs", "interval")])
def test_a_cell_whose_events_all_agree_says_why_its_figures_are_blank(tmp_path: Path, null: str, blank: str) -> None:
    """A stepwise series (it moves every 12th day, flat between): after each jump the next
    days' forward returns are all 0. The 55 events' cells at 1d and 5d showed the
    average's and the median's interval blank, and under the histories null their p-value
    too (the difference is divided by the events' spread, 0), with no warning or note,
    beside a Welch p of 0.0002: a tested cell that looked skipped by mistake. Each such
    row's warning, and a note, now say why."""
    from synthetic import business_days

    rng = np.random.default_rng(4)
    moves = np.zeros(2000)
    moves[::12] = rng.normal(0.002, 0.02, moves[::12].size)
    closes = np.round(100 * np.cumprod(1 + moves), 2)
    days = business_days(2000, dt.date(2010, 1, 4))
    (tmp_path / "S.csv").write_text("date,close\n" + "".join(f"{d},{c}\n" for d, c in zip(days, closes)))
    (tmp_path / "s.yaml").write_text(
        "name: steps\nseries: {S: S}\nwhen: S return(1) > 1%\n"
        "evaluate:\n  - forward_returns: {assets: [S], horizons: [1d, 21d]}\n"
        "statistics: {seed: 1, histories: 40, placebos: 40}\n"
    )
    found = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path, null=null)
    tests = found.tests.filter(pl.col("statistic").is_in(["mean", "median"]))
    flat = tests.filter(pl.col("horizon") == "1d")
    assert flat["n"].min() >= 3 and flat["ci_low"].null_count() == flat.height
    assert (flat["p_placebo"].null_count() == flat.height) == (null == "histories")
    for warning in flat["warning"]:
        assert warning.startswith(f"all {flat['n'][0]} events have the same value here: with no spread among them there is no {blank}")
    assert tests.filter(pl.col("horizon") == "21d")["warning"].null_count() == 2  # events that differ: no such warning
    (note,) = [n for n in found.notes if "same value" in n]
    assert note.startswith(f"warning: every event has the same value at fwd S 1d ({flat['n'][0]} events): ")


def test_calibrate_checks_the_newey_west_p_a_run_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's p_hac is the Newey-West t's fixed-b p-value (Kiefer-Vogelsang), but calibrate's
    'hac' row rejected on the normal p of the same t: on a three-year window at 3m (lag 124,
    a bandwidth of a sixth of the sample) a more liberal test than the one the study shows
    (on SPX/RUT from 1980, 10.0% against 8.3% at 1y with 300 pseudo-studies)."""
    import eventstudy.inference.calibration as calibration

    write_random_walks(tmp_path, ("SPX", "RUT"), seed=0)
    (tmp_path / "study.yaml").write_text(STUDY.replace("start: 1990-01-01", "start: 2017-01-01").replace("1w, 1m, 3m", "3m"))
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, placebos=0)
    seen = []

    def recording(*args: object, **kwargs: object) -> object:
        seen.append(calibration_hac(*args, **kwargs))
        return seen[-1]

    calibration_hac = calibration.hac_event_test
    monkeypatch.setattr(calibration, "hac_event_test", recording)
    table = calibrate(result, FAST, studies=200, placebos=19, horizon="3m", effects=(0.0,), circular=False, runs=False, asset="SPX")
    (hac,) = seen
    row = table.filter(test="hac").row(0, named=True)
    for level in (1, 5, 10):
        assert row[f"reject_{level}pct"] == pytest.approx(np.mean(hac.p_fixed_b <= level / 100), abs=1e-12)
    assert any(np.mean(hac.p <= a) != np.mean(hac.p_fixed_b <= a) for a in (0.01, 0.05, 0.10))  # the normal p would read otherwise


def test_nan_placebo_test_is_each_cells_test_on_its_known_draws() -> None:
    # cells whose draws all have a value are tested together: each must get the bits of
    # placebo_test on its row alone, as the cells with a missing draw (and none) do
    from eventstudy.inference.placebo import placebo_test
    from eventstudy.inference.timeseries import nan_placebo_test

    rng = np.random.default_rng(3)
    fields = ("observed", "null_mean", "null_std", "p_two_sided", "p_greater", "p_less", "percentile", "z")
    for trial in range(60):
        k, reps = int(rng.integers(1, 9)), int(rng.choice([1, 7, 1000]))
        null = np.round(rng.normal(size=(k, reps)) * 10 ** rng.uniform(-3, 3), int(rng.integers(1, 6)))
        for c in range(k):
            roll = rng.random()
            if roll < 0.3:
                null[c, rng.random(reps) < 0.2] = np.nan
            elif roll < 0.4:
                null[c] = np.nan
        observed = np.where(rng.random(k) < 0.2, np.nan, rng.normal(size=k))
        found = nan_placebo_test(observed, null)
        for c in range(k):
            known = null[c, ~np.isnan(null[c])]
            alone = placebo_test(observed[c : c + 1], known[None, :] if known.size else np.full((1, 1), np.nan))
            for field in fields:
                assert np.array_equal(getattr(found, field)[c : c + 1], getattr(alone, field), equal_nan=True), (trial, c, field)
        assert found.reps == reps


def test_the_note_on_the_medians_placebos_names_the_budget_they_were_cut_to(tmp_path: Path) -> None:
    """A placebo null's median is computed on the sets themselves, at most so many values
    per cell: the note said 5 million values while the sets were cut to 2 million (1,115
    of 2,000 placebo sets of 1,793 events, not 2,788)."""
    import re

    write_random_walks(tmp_path, ("SPX",), seed=1)
    (tmp_path / "study.yaml").write_text(
        "name: many events\nseries: {SPX: SPX}\nwhen: SPX return(1) > 1%\n"
        "evaluate:\n  - forward_returns: {assets: [SPX], horizons: [1w]}\n"
        "statistics: {placebos: 2000, seed: 1, null: runs}\n"
    )
    result = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path)
    [note] = [note for note in result.notes if note.startswith("the median's null uses")]
    used, drawn, budget = re.search(r"uses ([\d,]+) of the ([\d,]+) placebo sets .* bounded to ([\d.]+) million values", note).groups()  # type: ignore[union-attr]
    n = int(result.tests.filter(statistic="median")["n"][0])
    assert int(drawn.replace(",", "")) == 2000
    assert int(used.replace(",", "")) == int(float(budget) * 1_000_000) // n < 2000

"""Sweeps: grid axes, one preparation for the whole grid, and data-snooping control."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import eventstudy.executor as executor_module
import eventstudy.sweep as sweep_module
from eventstudy.cli import main
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError, DataError
from eventstudy.grid import _apply, grid_cells
from eventstudy.inference.snooping import reality_check, spa_test
from eventstudy.result import StudyResult
from eventstudy.study import run as evaluate_study
from eventstudy.sweep import Axis, SweepResult, parse_axis, run_sweep

STUDY = """\
name: sweep study
series: {A: AAA, B: BBB}
when: A at 5-day high and B drawdown >= 2%
window: {start: 2020-01-01}
decluster: {gap: 5}
evaluate:
  - forward_returns: {assets: [A, B], horizons: [5d, 10d]}
statistics: {placebos: 300, seed: 5}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    data.mkdir()
    days = [dt.date(2019, 6, 3) + dt.timedelta(days=i) for i in range(500)]
    for symbol in ("AAA", "BBB"):
        returns = rng.normal(0.0003, 0.01, len(days))
        if symbol == "BBB":  # a calm climb of 120 days, B near its high: the events' runs leave the runs null room
            returns[250:370] = rng.normal(0.01, 0.001, 120)
        close = 100 * np.exp(np.cumsum(returns))
        (data / f"{symbol}.csv").write_text("date,close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, close)))
    (tmp_path / "study.yaml").write_text(STUDY)
    return tmp_path


def test_parse_axis() -> None:
    assert parse_axis("RUT drawdown threshold=5%, 10%") == Axis("RUT drawdown threshold", ("5%", "10%"))
    with pytest.raises(ConfigError, match="bad grid axis"):
        parse_axis("gap")


def test_a_threshold_axis_sets_a_number_not_a_negated_value() -> None:
    """'SPX return(21) > -RUT return(21)' swept over 'SPX return(21) threshold=5%' became
    'SPX return(21) > 5%': the negated RUT return was taken for the threshold, and every
    cell studied another condition than the study's. A negated number is one."""
    raw = {"when": "SPX return(21) > -RUT return(21)"}
    with pytest.raises(ConfigError, match="compares no number with 'SPX return\\(21\\)'"):
        _apply(raw, Axis("SPX return(21) threshold", ()), "5%")
    raw = {"when": "SPX return(21) > -RUT return(21) and SPX return(21) < -5%"}
    _apply(raw, Axis("SPX return(21) threshold", ()), "-3%")
    assert raw["when"] == "SPX return(21) > -RUT return(21) and SPX return(21) < -3%"


@pytest.mark.parametrize(("value", "condition"), [("-3%", "SPX return(21) < -3%"), ("3%", "SPX return(21) < 3%"), ("-2", "SPX return(21) < -2")])
def test_a_when_n_axis_sets_a_negative_number_with_its_sign(value: str, condition: str) -> None:
    """'when#1=-3%,-5%' on 'SPX return(21) < -5%' ran 'SPX return(21) < --3%', which reads
    +3% (537 events of SPX since 1980, not 112), and 'when#1=3%' ran '< -3%': each cell's
    label named another number than its condition compared with. The N-th number is the
    number as written, its minus included, as a threshold axis sets it."""
    raw = {"when": "SPX return(21) < -5% and SPX close > SPX sma(200)"}
    _apply(raw, Axis("when#2", ()), value)
    assert raw["when"] == f"{condition} and SPX close > SPX sma(200)"
    raw = {"when": "SPX return(21) < - (5%) and SPX close - 5 > 0"}  # a minus before brackets; a minus that subtracts is no sign
    _apply(raw, Axis("when#2", ()), value)
    _apply(raw, Axis("when#3", ()), "7")
    assert raw["when"] == f"{condition} and SPX close - 7 > 0"


def test_axes_rewrite_the_condition_and_the_study() -> None:
    raw = {"when": "SPX at ATH and RUT drawdown >= 10% and SPX > SPX sma(200)", "decluster": {"gap": "21cd"}}
    _apply(raw, Axis("RUT drawdown threshold", ()), "15%")
    assert raw["when"] == "SPX at ATH and RUT drawdown >= 15% and SPX > SPX sma(200)"
    _apply(raw, Axis("when#2", ()), "150")
    assert raw["when"].endswith("sma(150)")
    _apply(raw, Axis("gap", ()), "42")
    _apply(raw, Axis("trigger", ()), "edge")
    _apply(raw, Axis("window.start", ()), "2000-01-01")
    assert raw["decluster"]["gap"] == "42" and raw["trigger"] == "edge" and raw["window"]["start"] == dt.date(2000, 1, 1)
    with pytest.raises(ConfigError, match="compares no number with 'NDX drawdown'"):
        _apply(raw, Axis("NDX drawdown threshold", ()), "5%")
    with pytest.raises(ConfigError, match="did you mean 'RUT drawdown'") as info:
        _apply(raw, Axis("RUT drawdwn threshold", ()), "5%")
    assert "threshold axes here: 'RUT drawdown threshold'" in (info.value.hint or "")
    with pytest.raises(ConfigError, match="has 2 number"):
        _apply(raw, Axis("when#9", ()), "5")


def test_an_axis_given_in_code_takes_numbers_and_dates(folder: Path) -> None:
    """Axis('B drawdown threshold', (0.01, 0.03)), numbers as a study's sweep: list writes
    them, ended in a traceback, "TypeError: can only concatenate str (not 'float') to str";
    a date of window.start in another. They are taken as their text."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    axes = [Axis("B drawdown threshold", (0.01, 0.03)), Axis("window.start", (dt.date(2020, 1, 1), dt.date(2020, 3, 2))), Axis("gap", [3, 5])]
    ledger = run_sweep(study, axes, data_dir=folder / "data").ledger
    assert set(ledger["condition"]) == {"A at 5-day high and B drawdown >= 0.01", "A at 5-day high and B drawdown >= 0.03"}
    assert set(ledger["window.start"]) == {"2020-01-01", "2020-03-02"} and set(ledger["decluster"]) == {"3td after_kept", "5td after_kept"}
    with pytest.raises(TypeError, match="give a sequence"):
        Axis("gap", "21cd")


def test_a_condition_without_a_number_is_not_answered_with_when_n() -> None:
    """'SPX threshold=1,2' on 'SPX at ATH' was answered 'threshold axes here: none: name a
    number by position, e.g. 'when#1'', and 'when#1' was then refused ('the condition has
    0 number(s)'): the hint sent the user to an axis the condition cannot have."""
    with pytest.raises(ConfigError) as caught:
        _apply({"when": "SPX at ATH"}, Axis("SPX threshold", ()), "1")
    assert "when#1" not in (caught.value.hint or "") and "sweep whole conditions with 'when=...'" in (caught.value.hint or "")
    with pytest.raises(ConfigError, match="has 0 number") as caught:
        _apply({"when": "SPX at ATH"}, Axis("when#1", ()), "1")
    assert "which writes no number (sweep whole conditions with 'when=...'" in (caught.value.hint or "")
    with pytest.raises(ConfigError) as caught:  # a number that is not compared (the 20 of '20-day'): when#1 names it
        _apply({"when": "SPX at 20-day high"}, Axis("SPX threshold", ()), "1")
    assert "name a number by position, e.g. 'when#1'" in (caught.value.hint or "")


def test_sweep_prepares_once_and_controls_snooping(folder: Path, monkeypatch) -> None:
    calls = []
    original = sweep_module.prepare
    monkeypatch.setattr(sweep_module, "prepare", lambda *a, **k: calls.append(1) or original(*a, **k))
    study = parse_study(STUDY, path=folder / "study.yaml")
    axes = [parse_axis("B drawdown threshold=1%,2%,3%"), parse_axis("gap=3,5cd")]
    result = run_sweep(study, axes, data_dir=folder / "data")
    assert calls == [1]  # features and outcomes computed once for all 6 cells
    ledger = result.ledger
    assert ledger.height == 6 * 2 * 2  # cells x assets x horizons
    assert set(ledger["B drawdown threshold"]) == {"1%", "2%", "3%"}
    assert ledger.filter(ledger["B drawdown threshold"] == "3%")["condition"][0].endswith(">= 3%")
    raw_p = ledger["p_placebo"].to_numpy()
    rw = ledger["p_romano_wolf"].to_numpy()
    ok = ~np.isnan(raw_p.astype(float))
    assert np.all(rw[ok] >= raw_p[ok] - 1e-12)
    verdict = result.verdict
    assert 0 < verdict["spa_p"] <= verdict["reality_check_p"] <= 1
    assert verdict["best"]["z"] == ledger["z"].max()


def test_confirmation_uses_only_the_held_out_period(folder: Path) -> None:
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=2)
    assert result.verdict["period"].endswith("2020-05-31")
    assert result.confirmation.height == 2
    assert (result.confirmation["n"] >= 0).all()


def test_confirmation_runs_each_chosen_cell_once(folder: Path, monkeypatch) -> None:
    """Rows of one grid cell (its assets and horizons) share one held-out evaluation."""
    evaluated = []
    original = sweep_module.evaluate
    monkeypatch.setattr(sweep_module, "evaluate", lambda panel, cell, **k: evaluated.append(cell.decluster.gap.amount) or original(panel, cell, **k))
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=6)
    assert result.confirmation.height == 6  # the best 6 of 2 cells x 2 assets x 2 horizons
    assert sorted(evaluated) == [3, 8]  # each cell once, not once per chosen row


def test_cli_sweep_runs_on_threads_unless_told(folder: Path, monkeypatch, capsys) -> None:
    """Its cells share one panel in this process (a local pool costs more than it saves);
    an executor named on the command line or in the environment wins."""
    monkeypatch.delenv("EVENTSTUDY_EXECUTOR", raising=False)
    monkeypatch.delenv("EVENTSTUDY_DASK_ADDRESS", raising=False)
    chosen = []
    real = executor_module.get_executor
    monkeypatch.setattr(executor_module, "get_executor", lambda *a, **k: chosen.append(real(*a, **k)) or chosen[-1])
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=3,5", "-q"]
    assert main(args) == 0
    assert main([*args, "--executor", "serial"]) == 0
    monkeypatch.setenv("EVENTSTUDY_EXECUTOR", "serial")
    assert main(args) == 0
    capsys.readouterr()
    assert [e.name for e in chosen] == ["threads", "serial", "serial"]


def test_cli_sweep_writes_ledger_atomically(folder: Path, capsys) -> None:
    out = folder / "out"
    code = main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=3,5", "-o", str(out), "-f", "json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"]["cells"] == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "heatmap.png", "heatmap.svg", "sweep.html", "sweep.json", "sweep.md", "sweep_ledger.csv"
    ]
    # a later sweep replaces the folder: every file a sweep writes is one files.SWEEP_OUTPUTS names as its own
    from eventstudy.report.files import SWEEP_OUTPUTS

    again = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=3,5", "-o", str(out), "-q"]
    assert main([*again, "--confirm-from", "2020-06-01", "--top", "1", "--histories", "19"]) == 0
    assert "sweep_confirmation.csv" in {p.name for p in out.iterdir()} and {p.name for p in out.iterdir()} <= SWEEP_OUTPUTS
    assert main(again) == 0


def test_cli_sweep_error_is_one_message(folder: Path, capsys) -> None:
    code = main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "NDX drawdown threshold=1%"])
    err = capsys.readouterr().err
    assert code == 2 and "compares no number" in err and "Traceback" not in err


def test_reality_check_is_calibrated_under_the_null() -> None:
    """With every cell null (iid standard normal), the Reality Check rejects about alpha."""
    rng = np.random.default_rng(3)
    rejections = 0
    trials = 400
    for _ in range(trials):
        draws = rng.standard_normal((8, 200))
        observed = rng.standard_normal(8)
        rejections += reality_check(observed, draws) <= 0.05
    assert 0.02 <= rejections / trials <= 0.09


def test_spa_is_less_conservative_with_poor_cells() -> None:
    rng = np.random.default_rng(4)
    draws = rng.standard_normal((20, 999))
    observed = np.r_[2.2, np.full(19, -8.0)]  # one good cell, nineteen hopeless ones
    assert spa_test(observed, draws, n=100) < reality_check(observed, draws)


def test_spa_finds_nothing_when_no_cell_beats_its_null() -> None:
    """A grid whose every cell is far below its null (the issue's universe sweep, z from
    -2.5 to -5.3) has nothing to find: SPA agrees with the Reality Check (p = 1), instead
    of comparing 0 with recentred draws that almost never reach it."""
    rng = np.random.default_rng(5)
    draws = rng.standard_normal((3, 1999))
    observed = np.array([-2.5, -3.9, -5.3])
    assert reality_check(observed, draws) > 0.99
    assert spa_test(observed, draws, n=100) == 1.0
    for _ in range(200):  # and it never exceeds the Reality Check when some cell is above its null
        observed, n = rng.normal(0.5, 2.0, 3), rng.integers(3, 10_000, 3)
        if observed.max() > 0:
            assert spa_test(observed, draws, n) <= reality_check(observed, draws)


def test_spa_calls_a_cell_poor_by_its_sample_size_not_the_number_of_draws() -> None:
    """Hansen's consistent threshold is -sqrt(2 log log n), n the observations the cell's
    statistic averages (its events), not the B placebo draws: with B = 5 it was -0.98 for
    every cell, so a cell of 4 events at z = -0.9 (below its -0.81) was left centred at 0
    and its draws reached the best cell's z = 1.0 in 4 of 5 draws (p = 5/6, the Reality
    Check's). Shifted down by 0.9, its draws are 0.6, -1.1, -0.5, 0.2, -0.9, and the
    column maxima with the first cell's 0.6, 0.5, 2.0, 0.2, 1.2 reach 1.0 twice: 3/6."""
    null = np.array([[0.1, 0.5, 2.0, -0.3, 1.2], [1.5, -0.2, 0.4, 1.1, 0.0]])
    observed = np.array([1.0, -0.9])
    assert reality_check(observed, null) == pytest.approx(5 / 6)
    assert spa_test(observed, null, n=np.array([50, 4])) == pytest.approx(3 / 6)
    assert spa_test(observed, null, n=np.array([50, 40])) == pytest.approx(5 / 6)  # -0.9 is above 40 events' -1.60
    assert spa_test(observed, null, n=50) == pytest.approx(5 / 6)  # one n for every cell
    for bad, message in ((np.array([50, 2]), "3 or more"), (np.array([50, 4, 4]), "one per cell")):
        with pytest.raises(ValueError, match=message):
            spa_test(observed, null, n=bad)
    # a cell left out (NaN) needs no n: its 2 events are not checked
    assert spa_test(np.r_[observed, np.nan], np.vstack([null, null[:1]]), n=np.array([50, 4, 2])) == pytest.approx(3 / 6)


def test_snooping_leaves_out_a_statistic_a_null_without_spread_cannot_judge() -> None:
    """An infinite z (a null without spread: d / 0) says nothing, as maxstat_stepdown
    already treats it; the Reality Check and the SPA made it the best cell, compared every
    draw with inf - inf (NaN), counted none and gave it p = 1 / (B + 1)."""
    null = np.array([[0.0, 0.0, 0.0, 0.0, 0.0], [1.5, -0.2, 0.4, 1.1, 0.0]])
    alone = reality_check(np.array([0.5]), null[1:])
    assert alone == pytest.approx(3 / 6)  # 1.5 and 1.1 reach 0.5
    for z in (np.inf, -np.inf):
        assert reality_check(np.array([z, 0.5]), null) == alone
        assert spa_test(np.array([z, 0.5]), null, n=np.array([1, 10])) == spa_test(np.array([0.5]), null[1:], n=10) == alone
    assert math.isnan(reality_check(np.array([np.inf]), null[:1]))


def test_sweep_gives_spa_each_cells_events(folder: Path, monkeypatch) -> None:
    seen = {}
    original = sweep_module.spa_test
    monkeypatch.setattr(sweep_module, "spa_test", lambda z, null, n: seen.update(n=n) or original(z, null, n))
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("gap=3,5cd")], data_dir=folder / "data")
    np.testing.assert_array_equal(seen["n"], result.ledger["n"].to_numpy())  # row for row with the z it judges


def test_a_grid_beyond_the_cell_limit_is_refused_before_any_work() -> None:
    """Issue 15: a 10^6-cell sweep ran silently for hours."""
    from eventstudy.config import parse_study
    from eventstudy.errors import ConfigError
    from eventstudy.grid import MAX_CELLS
    from eventstudy.sweep import parse_axis, run_sweep

    study = parse_study(
        "name: x\nseries: {SPX: SPX}\nwhen: SPX drawdown >= 10%\nevaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n",
        path="x.yaml",
    )
    axes = [parse_axis("gap=" + ",".join(str(i) for i in range(1, 101))), parse_axis("SPX drawdown threshold=" + ",".join(f"{i}%" for i in range(1, 31)))]
    assert MAX_CELLS < 100 * 30
    with pytest.raises(ConfigError, match=f"the grid has 3,000 cells; a sweep runs at most {MAX_CELLS:,}"):
        run_sweep(study, axes, data_dir="/nonexistent")


def test_a_grid_key_through_a_value_is_a_message() -> None:
    from eventstudy.config import parse_study
    from eventstudy.errors import ConfigError
    from eventstudy.sweep import parse_axis, run_sweep

    study = parse_study(
        "name: x\nseries: {SPX: SPX}\nwhen: SPX drawdown >= 10%\ndecluster: {gap: 5}\nevaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n",
        path="x.yaml",
    )
    with pytest.raises(ConfigError, match=r"'decluster.gap' is a value, not a mapping"):
        run_sweep(study, [parse_axis("decluster.gap.0=1,2")], data_dir="/nonexistent")


def test_a_sweep_of_a_study_that_tests_nothing_is_refused_before_any_work() -> None:
    """A sweep judges its cells by their tests: with the path in event time alone (not
    tested) it ended in a numpy error once every cell had been evaluated."""
    from eventstudy.config import parse_study
    from eventstudy.errors import ConfigError
    from eventstudy.sweep import parse_axis, run_sweep

    study = parse_study(
        "name: x\nseries: {SPX: SPX}\nwhen: SPX drawdown >= 10%\nevaluate:\n  - path: {assets: [SPX], before: 5, after: 20}\n",
        path="x.yaml",
    )
    with pytest.raises(ConfigError, match="none of the study's evaluators is tested") as info:
        run_sweep(study, [parse_axis("gap=5,10")], data_dir="/nonexistent")
    assert "forward_returns" in (info.value.hint or "")


def test_a_sweep_of_several_measures_names_each_row_and_shows_it_in_its_unit(folder: Path) -> None:
    """With forward returns and excursions the grid's rows of one asset and horizon are
    several measures: each row names its measure, and the days to recover read as days
    (they read as percents, 2126.32% for 21 days, and the rows of one horizon could not
    be told apart)."""
    from eventstudy.report.sweep import render_sweep

    text = STUDY.replace(
        "  - forward_returns: {assets: [A, B], horizons: [5d, 10d]}\n",
        "  - forward_returns: {assets: [A], horizons: [5d]}\n  - excursions: {assets: [A], horizons: [5d], max_days: 30}\n",
    )
    study = parse_study(text, path=folder / "study.yaml")
    result = run_sweep(
        study, [parse_axis("B drawdown threshold=1%,2%"), parse_axis("gap=3,5")], data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=20
    )
    assert set(result.ledger["measure"]) == {"fwd", "mae", "mfe", "recovery"} and result.units["recovery"] == "count"
    out = render_sweep(result, top=20)
    best = out.split("Best cells")[1].split("\n\n")[1].splitlines()
    assert best[0].split()[:4] == ["B", "drawdown", "threshold", "gap"] and "Measure" in best[0]
    rows = [line.split() for line in best[2:]]
    assert {row[2] for row in rows} == {"fwd", "mae", "mfe", "recovery"}
    recovery = next(row for row in rows if row[2] == "recovery")
    assert recovery[3:5] == ["A", "recovery"] and not any(cell.endswith("%") for cell in recovery[6:9])  # events, all days, placebos: days
    assert all(row[6].endswith("%") for row in rows if row[2] != "recovery")
    held_out = out.split("Held-out confirmation")[1]
    assert "Measure" in held_out and " recovery " in held_out
    # the heat map of a best cell that is the days to recover: days in its cells and title
    from eventstudy.report.charts import heatmap_chart

    recovery_best = result.ledger.filter(pl.col("measure") == "recovery").row(0, named=True)
    figure = heatmap_chart(replace(result, verdict={**result.verdict, "best": recovery_best}))
    assert figure is not None
    axes = figure.axes[0]
    assert axes.get_title(loc="left") == "recovery A mean by B drawdown threshold and gap"
    cells = [t.get_text() for t in axes.texts if t.get_text() != "no events"]
    assert cells and not any("%" in c for c in cells) and all(c.split("\n")[0].replace(".", "").isdigit() for c in cells)


def test_the_text_heat_map_counts_pending_events_as_the_chart_and_tables_do() -> None:
    """The printed heat map left a square blank where a cell had no events and where every
    event's horizon ran past the data (the SVG heat map reads 'no events' and 'pending
    n=0 (+1 incomplete)'), and gave n without the pending events the best cells' table
    counts ('33 (+2 incomplete)')."""
    from eventstudy.report.sweep import render_sweep

    rows = [
        {"gap": gap, "mode": mode, "measure": "fwd", "asset": "A", "horizon": "1m", "observed": observed, "baseline": 0.015,
         "n": n, "n_incomplete": pending, "z": 1.0 if n >= 3 else None, "p_placebo": 0.5, "p_romano_wolf": 0.9}
        for gap, mode, observed, n, pending in (
            ("5", "after_kept", 0.02, 10, 0), ("5", "after_any", 0.03, 10, 2), ("10", "after_kept", None, 0, 0), ("10", "after_any", None, 0, 1),
        )
    ]
    result = SweepResult(
        ledger=pl.DataFrame(rows), axes=(Axis("gap", ("5", "10")), Axis("mode", ("after_kept", "after_any"))),
        verdict={"cells": 4, "tests": 4, "statistic": "mean", "null": "runs", "placebos": 200, "seed": 1, "period": "start .. end",
                 "best": rows[1], "reality_check_p": 0.5, "spa_p": 0.5},
    )
    heat = render_sweep(result).split("A 1m mean by gap (rows) and mode (columns)")[1]
    assert "5    +2.00% (n=10)  +3.00% (n=10, +2 incomplete)" in heat
    assert "10       no events  pending (n=0, +1 incomplete)" in heat


def test_the_heat_map_of_three_axes_is_the_best_cells_plane(folder: Path) -> None:
    """With a third axis each square showed the cell of its last value, not the best cell's
    (the lookup was keyed by the first two axes), and the title did not say which."""
    from eventstudy.report.charts import heatmap_chart
    from eventstudy.report.sweep import sweep_blocks

    study = parse_study(STUDY, path=folder / "study.yaml")
    axes = [parse_axis("B drawdown threshold=1%,3%"), parse_axis("gap=3,5"), parse_axis("window.end=2020-07-31,2020-10-15")]
    result = run_sweep(study, axes, data_dir=folder / "data", placebos=200)
    best = result.verdict["best"]
    title, _, rows, _ = next(b for b in sweep_blocks(result) if "(rows) and" in b[0])
    assert title.endswith(f", at window.end {best['window.end']}")
    square = rows[axes[0].values.index(best["B drawdown threshold"])][1 + axes[1].values.index(best["gap"])]
    assert square.endswith(f"(n={best['n']}" + (f", +{best['n_incomplete']} incomplete)" if best["n_incomplete"] else ")"))
    figure = heatmap_chart(result)
    assert figure is not None and figure.axes[0].get_title(loc="left").endswith(f", at window.end {best['window.end']}")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert f"n={best['n']}" in texts[axes[0].values.index(best["B drawdown threshold"]) * 2 + axes[1].values.index(best["gap"])]


@pytest.mark.parametrize(
    ("when", "evaluator", "warned"),
    [
        ("A at 5-day high and B drawdown >= 2%", "excess_returns: {assets: [A], benchmark: B, horizons: [5d], model: market, estimation: 40}", True),
        ("A at 5-day high and B drawdown >= 2%", "excursions: {assets: [A], horizons: [5d], max_days: 10}", True),
        ("A at 5-day high and B drawdown >= 2%", "forward_returns: {assets: [A], horizons: [5d]}", False),
        ("month == 3", "excess_returns: {assets: [A], benchmark: B, horizons: [5d], model: market, estimation: 40}", False),
    ],
)
def test_a_grid_whose_placebo_null_cannot_test_its_measures_says_so(folder: Path, when: str, evaluator: str, warned: bool) -> None:
    """A timeline sweep's joint null is the runs null: under a condition on prices it
    cannot test the market model's abnormal return or the excursions (8-39% of true nulls
    rejected on simulated histories), so the verdict says its p-values rank; a calendar
    condition picks nothing from the prices."""
    from eventstudy.report.sweep import render_sweep

    text = STUDY.replace("A at 5-day high and B drawdown >= 2%", when).replace(
        "  - forward_returns: {assets: [A, B], horizons: [5d, 10d]}", f"  - {evaluator}"
    )
    study = parse_study(text, path=folder / "grid.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data")
    assert ("cannot test" in result.verdict.get("warning", "")) == warned
    assert ("warning: the runs null cannot test the measure" in render_sweep(result)) == warned


def test_a_grid_cell_of_one_or_two_events_is_shown_not_tested(tmp_path: Path) -> None:
    """A threshold that one day's 5-day return clears: such a cell of one event could be a
    grid's best ('n=1, raw placebo p=0.010, Romano-Wolf p=0.013': 'the best cell beats what
    the grid would produce by chance at 5%'). It stays in the ledger, without z or p, as a
    study's cell does."""
    days = [dt.date(2019, 6, 3) + dt.timedelta(days=i) for i in range(600)]
    close = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0.0, 0.01, len(days))))
    close[300:] *= 1.2  # one 20% jump: the only 5-day return above 15%, with the week after at the new level
    (tmp_path / "A.csv").write_text("date,close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, close)))
    study = parse_study(
        "name: one jump\nseries: {A: A}\nwhen: A return(5) > 1%\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [1w]}\nstatistics: {placebos: 300, seed: 7}\n",
        path=tmp_path / "grid.yaml",
    )
    result = run_sweep(study, [parse_axis("A return(5) threshold=1%,15%")], data_dir=tmp_path)
    few = result.ledger.filter(pl.col("n") < 3)
    assert few.height == 1 and few["z"].null_count() == 1 and few["p_placebo"].null_count() == 1
    assert few["p_romano_wolf"].null_count() == 1
    assert result.verdict["best"]["n"] >= 3


@pytest.mark.parametrize(
    ("when", "warned"),
    [("weekday == 1", True), ("A at 5-day high and B drawdown >= 0%", True), ("A at 5-day high and B drawdown >= 2%", False), ("month == 3", False)],
)
def test_a_grid_whose_runs_null_had_little_room_says_so(folder: Path, when: str, warned: bool) -> None:
    """Mondays a gap apart chain into one run that fills the window (so do A's 5-day
    highs): the runs null's placebo sets are then the events shifted by a few days, and the
    verdict says so; B's calm climb, and one March's run, leave plenty."""
    study = parse_study(STUDY.replace("A at 5-day high and B drawdown >= 2%", when), path=folder / "grid.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data")
    assert ("the runs null had little room in 2 of 2 cells" in result.verdict.get("warning", "")) == warned
    if warned:  # no cell is tested, so nothing is judged
        assert result.verdict["best"] is None and result.verdict["reality_check_p"] is None
        assert result.ledger["p_placebo"].null_count() == result.ledger.height
        from eventstudy.report.sweep import render_sweep

        assert "nothing is tested: no grid cell had three or more events with a complete outcome and room for its placebo null" in render_sweep(result)


def test_a_grid_with_little_room_does_not_send_the_user_to_a_null_its_runs_refuse(folder: Path) -> None:
    """With a nested baseline the histories null cannot be used, yet the sweep's warning on
    Mondays whose runs null had little room ended 'run the cells of interest as studies,
    with the histories null', which a run of a cell refuses; it says why not, as a run does."""
    text = STUDY.replace("A at 5-day high and B drawdown >= 2%", "weekday == 1").replace("seed: 5}", "seed: 5, baseline: {when: 'A close > 0'}}")
    study = parse_study(text, path=folder / "grid.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data")
    warning = result.verdict["warning"]
    assert "the runs null had little room in 2 of 2 cells" in warning
    assert "the histories null, which would test them, cannot be used here (a nested baseline)" in warning
    assert "with the histories null" not in warning


def test_two_warnings_of_a_grid_do_not_run_into_one(folder: Path) -> None:
    """The verdict's warnings were joined by a space, most ending in no full stop: '... run
    the cells of interest as studies (with the histories null) 'B drawdown >= 0%' holds on
    every day ...', one sentence of two findings."""
    text = STUDY.replace("A at 5-day high and B drawdown >= 2%", "A at 5-day high and B drawdown >= 0%").replace(
        "forward_returns: {assets: [A, B], horizons: [5d, 10d]}", "excursions: {assets: [A], horizons: [5d], recovery: false}"
    )
    result = run_sweep(parse_study(text, path=folder / "grid.yaml"), [parse_axis("gap=3,8")], data_dir=folder / "data")
    warning = result.verdict["warning"]
    assert "cannot test the measures 'mae', 'mfe' here" in warning
    assert "(with the histories null); 'B drawdown >= 0%' holds on every day" in warning  # was '(...) 'B drawdown'
    assert "(in every cell). the runs null had little room in 2 of 2 cells" in warning  # a text with its own full stop


def test_a_grid_whose_circular_null_cannot_reach_alpha_tests_nothing(folder: Path) -> None:
    """Under a 5-day gap only the events' own calendar (shift 0) obeys the rule on this
    short window, so a run of either cell warns that its p-values are no test, and prints
    p = 1.000; the sweep had drawn 300 'placebos' from that one shift and ranked the
    cells. It now tests neither, and says why."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("B drawdown threshold=1%,3%")], data_dir=folder / "data", null="circular")
    assert "the circular null had little room in 2 of 2 cells" in result.verdict["warning"]
    assert result.verdict["best"] is None and result.ledger["p_placebo"].null_count() == result.ledger.height


def test_a_grid_cell_whose_runs_null_had_little_room_is_shown_not_tested(folder: Path) -> None:
    """At a 0% threshold A's 5-day highs chain into one run over the whole window, so
    that cell's placebo sets are its own events shifted a little and its p-values are no
    test (a study with such a null claims nothing). It had still been ranked, and could be
    the grid's best cell; it is now shown without z or p, outside the best cells and the
    snooping control, and the 2% cell (room to spare: B's calm climb) is judged alone."""
    from eventstudy.report.sweep import render_sweep

    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("B drawdown threshold=0%,2%")], data_dir=folder / "data")
    assert "the runs null had little room in 1 of 2 cells" in result.verdict["warning"]
    cramped = result.ledger.filter(pl.col("B drawdown threshold") == "0%")
    assert cramped.height == 4 and (cramped["n"] >= 3).all()
    for column in ("z", "p_placebo", "p_romano_wolf"):
        assert cramped[column].null_count() == cramped.height, column
    assert result.verdict["best"]["B drawdown threshold"] == "2%"
    assert result.verdict["reality_check_p"] is not None
    best_rows = render_sweep(result, top=20).split("Best cells")[1].split("\n\n")[1].splitlines()[2:]
    assert best_rows and all(row.split()[0] == "2%" for row in best_rows)


def test_a_grid_that_tests_no_cell_claims_nothing_and_writes_valid_json(folder: Path, capsys) -> None:
    """Thresholds no day clears: no cell has three events, so there is no best cell and no
    Reality Check. The verdict had read 'White's Reality Check p=nan, Hansen's SPA p=nan: the
    best cell beats what the grid would produce by chance at 5%', and sweep.json held NaN."""
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "B drawdown threshold=90%,95%"]
    assert main([*args, "-f", "json"]) == 0
    verdict = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in sweep.json"))["verdict"]
    assert verdict["reality_check_p"] is None and verdict["spa_p"] is None and verdict["best"] is None
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "data snooping: nothing is tested: no grid cell had three or more events" in out and "beats" not in out
    assert "Best cells" not in out  # its header had been printed over no rows


def test_the_period_is_each_cells_own_under_a_window_axis(folder: Path) -> None:
    """A window.start axis: the verdict's period had read the study's own window
    ('2020-01-01 .. end') whatever window the cells ranked on."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("window.start=2020-01-01,2020-03-02")], data_dir=folder / "data")
    assert result.verdict["period"] == "each cell's start (2020-01-01 to 2020-03-02) .. end"
    assert run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data").verdict["period"] == "2020-01-01 .. end"


def test_the_verdict_judges_the_best_cell_at_the_studys_alpha(folder: Path) -> None:
    """A study's alpha of 1%: a Reality Check p of 0.03 is no better than chance (the verdict
    had read 'beats what the grid would produce by chance at 5%' whatever alpha said)."""
    from eventstudy.report.sweep import verdict_lines

    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", alpha=0.01)
    assert result.verdict["alpha"] == 0.01
    result = replace(result, verdict={**result.verdict, "reality_check_p": 0.03, "spa_p": 0.03})
    assert verdict_lines(result)[2].endswith("p=0.030: the best cell is no better than the best of a grid of chance")
    result = replace(result, verdict={**result.verdict, "reality_check_p": 0.005, "spa_p": 0.005})
    assert verdict_lines(result)[2].endswith("the best cell beats what the grid would produce by chance at 1%")


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        (["gap=3,5", "gap=8"], "grid axis 'gap' is given twice"),
        (["gap=3,5", "decluster.gap=8,13"], "grid axes 'gap' and 'decluster.gap' set the same thing"),
        (["gap=3,5", "decluster={gap: 8}"], "grid axes 'gap' and 'decluster' set the same thing"),
        (["B drawdown threshold=1%,3%", "when#2=5%"], "grid axes 'B drawdown threshold' and 'when#2' set the same thing"),
        (["B drawdown threshold=1%,3%", "when=A at 5-day high and B drawdown >= 4%"], "'when' would override 'B drawdown threshold'"),
        (["gap=3,3cd,3"], "grid axis 'gap' lists '3' twice"),
        (["B drawdown threshold=3%,0.03"], "grid axis 'B drawdown threshold' lists '3%' and '0.03', the same number"),
        (["when#1=5,5.0"], "grid axis 'when#1' lists '5' and '5.0', the same number"),
        # spliced into the condition, a word changed it ('B drawdown >= A'), run and ranked as a number
        (["B drawdown threshold=1%,A sma(5) or B"], r"grid axis 'B drawdown threshold': 'A sma\(5\) or B' is not a number"),
        (["when#1=5,B close"], "grid axis 'when#1': 'B close' is not a number"),
        (["gap=10,10td"], "grid axis 'gap' lists '10' and '10td', the same gap"),  # trading days unless told
        (["decluster.gap=3w,21cd"], "grid axis 'decluster.gap' lists '3w' and '21cd', the same gap"),
        (["name=a,b"], "grid axis 'name' varies only the study's name: every cell would be the same study"),
        (["description=a,b"], "grid axis 'description' varies only the study's description"),
        # a misspelt axis was told the sweep 'cannot vary' it, as if it were the series, data or statistics
        (["gapp=5,10"], r"grid axis 'gapp' names no setting of the study \(did you mean 'gap'\?\)"),
        (["windw.start=2020-01-01,2020-06-01"], r"grid axis 'windw.start' names no setting of the study \(did you mean 'window.start'\?\)"),
    ],
)
def test_a_grid_whose_cells_would_not_be_what_they_say_is_refused_before_any_work(folder: Path, axes: list[str], message: str) -> None:
    """Two axes that set the same thing: the later overrode the earlier in every cell, so
    cells labelled 'gap=3' and 'gap=5' both ran gap 8 (and 'B drawdown threshold=1%' ran the
    when#2 value); a value listed twice ran its cells twice and counted them in the snooping
    control. Refused before the data is read."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=message):
        run_sweep(study, [parse_axis(a) for a in axes], data_dir=folder / "no-data-read")


@pytest.mark.parametrize("command", ["validate", "sweep"])
def test_a_study_with_an_event_study_is_refused_where_the_block_is_written(folder: Path, capsys, command: str) -> None:
    """A sweep ran the cells' forward returns and left the event_study: block out without a
    word (no cell's CARs or tests); with the block alone it said 'none of the study's
    evaluators is tested'. Both refused at the block, by validate too."""
    block = "event_study: {model: market_adjusted, market: A, window: [-1, 5], estimation: [-60, -10]}\n"
    (folder / "study.yaml").write_text(STUDY + block + "sweep:\n  - {name: gap, values: [3, 5]}\n")
    assert main([command, str(folder / "study.yaml"), "--data-dir", str(folder / "data")]) == 2
    err = capsys.readouterr().err
    line = STUDY.count("\n") + 1
    assert err.startswith(f"{folder / 'study.yaml'}:{line}:1: error: a sweep compares its cells' evaluator tests and does not run "
                          "the study's event_study: block"), err
    alone = STUDY.split("evaluate:")[0] + "statistics: {placebos: 300, seed: 5}\n" + block
    with pytest.raises(ConfigError, match="does not run the study's event_study: block"):
        run_sweep(parse_study(alone, path=folder / "alone.yaml"), ["gap=3,5"], data_dir=folder / "data")


@pytest.mark.parametrize("axis", ["mode", "decluster.mode"])
def test_a_mode_axis_on_a_study_without_declustering_is_refused_with_what_to_add(folder: Path, axis: str) -> None:
    """Every cell was refused 'missing required key 'gap' in decluster', with no hint that the
    study keeps every day; with a gap axis beside it the grid runs."""
    study = parse_study(STUDY.replace("decluster: {gap: 5}\n", ""), path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=f"grid axis '{axis}' picks how events are declustered, but the study keeps every day") as caught:
        run_sweep(study, [parse_axis(f"{axis}=after_kept,after_any")], data_dir=folder / "no-data-read")
    assert "add 'decluster: {gap: 21}'" in (caught.value.hint or "")
    swept = run_sweep(study, [parse_axis(f"{axis}=after_kept,after_any"), parse_axis("gap=3,5")], data_dir=folder / "data")
    assert swept.ledger.height > 0


def test_a_when_n_cell_that_does_not_parse_says_which_number_each_when_n_is(folder: Path) -> None:
    """'when#1=-3%' meant for the threshold set the 5 of '5-day high' (when#1 counts every
    number), and the cell's error said only 'grid cell when#1=-3%: ... got '-'' with no
    word of which number when#1 is."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(ConfigError, match="grid cell when#1=-3%") as caught:
        run_sweep(study, [parse_axis("when#1=-3%")], data_dir=folder / "no-data-read")
    assert "in 'A at 5-day high and B drawdown >= 2%', when#1 is 5, when#2 is 2%" in (caught.value.hint or "")


@pytest.mark.parametrize("other", ["A at 5-day high and B drawdown >= 0.02", "A at 5-DAY HIGH  AND (B drawdown >= 2%)"])
def test_a_condition_listed_twice_in_another_spelling_is_refused(folder: Path, other: str) -> None:
    """'when=A at 5-day high and B drawdown >= 2%,A at 5-day high and B drawdown >= 0.02'
    ran one condition twice, as two cells counted in the snooping control (a Reality Check
    paid twice), where '2%' and '0.02' in a threshold axis are refused as the same number."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=r"grid axis 'when' lists .* the same condition"):
        run_sweep(study, [Axis("when", ("A at 5-day high and B drawdown >= 2%", other))], data_dir=folder / "no-data-read")
    # a condition that differs is run: another operator, another number
    _, cells = grid_cells(study, [Axis("when", ("A at 5-day high and B drawdown >= 2%", "A at 5-day high and B drawdown > 2%", "A at 5-day high and B drawdown >= 3%"))])
    assert len(cells) == 3


@pytest.mark.parametrize(("written", "said"), [
    ("A at 5-day high and\tB drawdwn >= 2%", "unknown feature 'drawdwn'"),  # was a traceback: found character '\t' that cannot start any token
    ("!A at 5-day high", "unexpected character '!'"),  # was a traceback: could not determine a constructor for the tag '!A'
    ("*A at 5-day high", "expected a value"),  # was a traceback: found undefined alias 'A'
    ("A at 5-day high #2", "unexpected character '#'"),  # ran 'A at 5-day high', its ' #2' read as a YAML comment
    ("A > 1: 2", "unexpected character ':'"),  # was "bad value for 'when': input should be a valid string", of a mapping
])
def test_a_condition_of_a_grid_is_read_as_written_not_as_yaml(folder: Path, written: str, said: str) -> None:
    """A 'when' axis's value was loaded as YAML before it was read as a condition: a tab, a
    '!', '*', '@' or '|' ended the sweep (and validate) in a PyYAML traceback, and a ' #'
    dropped the rest of the condition as a comment."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(ConfigError) as info:
        grid_cells(study, [Axis("when", ("A at 5-day high", written))])
    assert info.value.message.startswith(f"grid cell when={written}: {said}"), info.value.message
    _, cells = grid_cells(study, [Axis("when", ("A at 5-day high", "A at 5-day high and\tB drawdown >= 2%"))])
    assert cells[1].when == "A at 5-day high and\tB drawdown >= 2%"


def test_a_quoted_condition_of_a_grid_is_the_condition_inside_its_quotes(folder: Path) -> None:
    """Since the 'when' values are read as written (e133814), a quoted one ('--grid
    'when="SPX at ATH","RUT at ATH"'', which YAML had read as the condition inside) was
    refused: 'grid cell when="SPX at ATH": unexpected character '"''. A value quoted as a
    whole is the condition inside its quotes again (the language has no quotes), and the
    same condition quoted and not is listed twice."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    _, cells = grid_cells(study, [parse_axis("""when="A at 5-day high",'A at 10-day high and B drawdown >= 2%'""")])
    assert [c.when for c in cells] == ["A at 5-day high", "A at 10-day high and B drawdown >= 2%"]
    with pytest.raises(ConfigError, match="the same condition"):
        grid_cells(study, [parse_axis('when="A at 5-day high",A at 5-day high')])
    with pytest.raises(ConfigError, match="""unexpected character '"'"""):  # not one quoted text: refused as written
        grid_cells(study, [parse_axis('when="A at 5-day high" and "B drawdown >= 2%"')])


def test_a_condition_axis_then_its_threshold_sets_each_conditions_number(folder: Path) -> None:
    study = parse_study(STUDY, path=folder / "study.yaml")
    axes = [Axis("when", ("A at 5-day high and B drawdown >= 2%", "A at 10-day high and B drawdown >= 2%")), parse_axis("B drawdown threshold=1%,3%")]
    ledger = run_sweep(study, axes, data_dir=folder / "data").ledger
    assert sorted(set(ledger["condition"])) == sorted(
        f"A at {n}-day high and B drawdown >= {t}" for n in (5, 10) for t in ("1%", "3%")
    )


SWEPT = STUDY + """\
sweep:
  - {name: B drawdown threshold, values: [1%, 3%]}
  - name: window.start
    values: [2020-01-01, 2020-06-01]
"""


def test_a_studys_sweep_block_takes_dates(folder: Path, capsys) -> None:
    """A date in the study's sweep: list (window.start) is a date, as anywhere else in the
    file; it was refused ("bad value datetime.date(2020, 1, 1) for 'sweep.1.values.0.str':
    input should be a valid string")."""
    (folder / "study.yaml").write_text(SWEPT)
    assert main(["validate", str(folder / "study.yaml")]) == 0
    assert "sweep: 2 axes, 4 cells (B drawdown threshold, window.start)" in capsys.readouterr().out
    assert main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "-f", "json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)["ledger"]
    assert {r["window.start"] for r in rows} == {"2020-01-01", "2020-06-01"}


@pytest.mark.parametrize(
    ("axis", "where", "message"),
    [
        ("{name: gapp, values: [1, 2]}", "gapp", "grid axis 'gapp' names no setting of the study (did you mean 'gap'?)"),
        ("{name: B drawdown threshold, values: [1%, abc]}", "abc", "'abc' is not a number"),
        ("{name: gap, values: [10, 10td]}", "10td", "lists '10' and '10td', the same gap"),
        ("{name: B drawdwn threshold, values: [1%]}", "B drawdwn threshold", "compares no number with 'B drawdwn'"),
        ("{name: window.end, values: [2019-01-01]}", "2019-01-01", "window start '2020-01-01' is after its end '2019-01-01'"),
        # YAML's yes was pydantic's 1: a threshold of 1 ran unsaid; null was 'input should be a valid string'
        ("{name: B drawdown threshold, values: [1%, yes]}", "yes", "true is yes or no, not a value to try"),
        ("{name: window.end, values: [2021-06-30, null]}", "null", "null is not a value to try"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "sweep"])
def test_an_error_in_a_studys_sweep_block_is_shown_where_it_is_written(folder: Path, capsys, axis: str, where: str, message: str, command: str) -> None:
    """validate refuses what sweep would, before any data is read (it said ok), and both
    point at the axis's name or value in the file (the message had no line)."""
    (folder / "study.yaml").write_text(STUDY + f"sweep:\n  - {axis}\n")
    assert main([command, str(folder / "study.yaml"), "--data-dir", str(folder / "no-data-read")]) == 2
    err = capsys.readouterr().err
    line, column = STUDY.count("\n") + 2, len("  - ") + axis.index(where) + 1
    assert err.startswith(f"{folder / 'study.yaml'}:{line}:{column}: error: ") and message in err.splitlines()[0]
    assert f"  - {axis}\n    {' ' * (column - 1)}{'^' * len(where)}\n" in err and "Traceback" not in err


@pytest.mark.parametrize("grid", [[], ["mode=after_kept,after_any"]])
def test_a_bad_value_of_a_sweep_list_axis_is_shown_where_it_is_written_beside_other_axes(folder: Path, capsys, grid: list[str]) -> None:
    """A cell that fails on the first axis's value was shown at the last axis's value:
    'bad value 'abc' for 'decluster.gap'' pointed at window.end's 2020-12-31 on the next
    line (with a --grid axis beside them too)."""
    axes = ["{name: gap, values: [5, abc]}", "{name: window.end, values: [2020-12-31, 2021-03-31]}"]
    (folder / "study.yaml").write_text(STUDY + "sweep:\n" + "".join(f"  - {axis}\n" for axis in axes))
    given = [arg for axis in grid for arg in ("--grid", axis)]
    assert main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "no-data-read"), *given]) == 2
    err = capsys.readouterr().err
    line, column = STUDY.count("\n") + 2, len("  - ") + axes[0].index("abc") + 1
    assert err.startswith(f"{folder / 'study.yaml'}:{line}:{column}: error: grid cell gap=abc, window.end=2020-12-31")
    assert f"  - {axes[0]}\n    {' ' * (column - 1)}^^^\n" in err


def test_a_bad_value_of_a_grid_axis_is_not_shown_at_a_sweep_list_value(folder: Path, capsys) -> None:
    """--grid 'mode=after_kept,bogus' beside a sweep: list was shown at the list's 2020-12-31
    (its last axis's value), which is not where the mistake is: the message names the cell
    and points at no line of the file."""
    (folder / "study.yaml").write_text(STUDY + "sweep:\n  - {name: window.end, values: [2020-12-31, 2021-03-31]}\n")
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "no-data-read"), "--grid", "mode=after_kept,bogus"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: grid cell window.end=2020-12-31, mode=bogus: bad value 'bogus' for 'decluster.mode'"), err


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("window.start=2020-02-30,2020-06-01", "grid cell window.start=2020-02-30: bad value '2020-02-30' for 'window.start'"),
        ("window.end=2020-13-01,2021-06-01", "grid cell window.end=2020-13-01: bad value '2020-13-01' for 'window.end'"),
        ("mode=@after_kept,after_any", "grid cell mode=@after_kept: bad value '@after_kept' for 'decluster.mode'"),
        ("trigger=[edge,level", "grid cell trigger=[edge: bad value '[edge' for 'trigger'"),
    ],
)
def test_a_grid_value_yaml_cannot_read_is_a_message_not_a_traceback(folder: Path, capsys, grid: str, message: str) -> None:
    """--grid 'window.start=2020-02-30,...' (a day the month lacks) ended in a traceback, 'ValueError: day is out of
    range for month' from YAML's date reader, and '@...' or '[...' in YAML's ScannerError or ParserError: the value
    is now the text written, which the study's check refuses as it would in the file, naming the cell."""
    assert main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "no-data-read"), "--grid", grid]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}"), err


def test_a_quoted_sweep_list_date_the_calendar_lacks_is_shown_where_it_is_written(folder: Path, capsys) -> None:
    """A quoted value of a sweep: list ('"2020-02-30"', read as text by the file's YAML) was read again as a date by the
    cell, and validate (and sweep) ended in 'ValueError: day is out of range for month'."""
    axis = '{name: window.start, values: ["2020-02-30", 2020-06-01]}'
    (folder / "study.yaml").write_text(STUDY + f"sweep:\n  - {axis}\n")
    assert main(["validate", str(folder / "study.yaml")]) == 2
    err = capsys.readouterr().err
    line, column = STUDY.count("\n") + 2, len("  - ") + axis.index('"2020') + 1
    assert err.startswith(f"{folder / 'study.yaml'}:{line}:{column}: error: grid cell window.start=2020-02-30: bad value"), err


def test_an_axis_without_values_is_a_message(folder: Path) -> None:
    """Axis('gap', ()) from Python had ended in numpy's 'need at least one array to concatenate'."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(ConfigError, match="grid axis 'gap' has no values"):
        run_sweep(study, [Axis("gap", ())], data_dir=folder / "data")


def test_an_axis_given_twice_on_the_command_line_is_refused(folder: Path, capsys) -> None:
    """'--grid gap=5,10 --grid gap=20' ran one cell, gap 20: the later replaced the first."""
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=5,10", "--grid", "gap=20"]
    assert main(args) == 2
    assert "grid axis 'gap' is given twice (--grid)" in capsys.readouterr().err


@pytest.mark.parametrize("options", [["--histories", "50"], ["--null", "histories"]])
def test_histories_options_without_a_confirmation_are_refused_not_ignored(folder: Path, capsys, options: list[str]) -> None:
    """The grid is tested on the runs null; only the held-out confirmation re-runs histories.
    Without --confirm-from, '--histories 50' was accepted and used nowhere."""
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=3,5", *options]
    assert main(args) == 2
    assert "would be ignored: a sweep tests its grid on a placebo null" in capsys.readouterr().err
    assert main([*args, "--histories", "19", "--confirm-from", "2020-06-01", "--top", "1"]) == 0


@pytest.mark.parametrize("null", ["runs", "matched", "circular"])
@pytest.mark.parametrize("options", [{"histories": 50}, {"block_length": 10.0}])
def test_histories_options_beside_a_placebo_null_are_refused_though_a_confirmation_is_asked(
    folder: Path, monkeypatch, null: str, options: dict[str, float]
) -> None:
    """'--confirm-from 2015-01-01 --null runs --histories 50' ran: the grid and the held-out
    confirmation were both tested on the runs null, and the 50 histories were drawn nowhere
    (a run of a chosen cell refuses them: '--histories would be ignored')."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    monkeypatch.setattr(sweep_module, "_prepare", lambda *a: pytest.fail("the data was read"))
    key, value = next(iter(options.items()))
    with pytest.raises(ConfigError, match=rf"{key}={value!r} would be ignored: the held-out confirmation tests the chosen cells on the {null} null \(asked for\)"):
        run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", confirm_from="2020-06-01", null=null, **options)  # type: ignore[arg-type]
    in_the_file = parse_study(STUDY.replace("{placebos: 300, seed: 5}", f"{{placebos: 300, seed: 5, null: {null}}}"), path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=rf"on the {null} null \(statistics\.null\)"):
        run_sweep(in_the_file, [parse_axis("gap=3,5")], data_dir=folder / "data", confirm_from="2020-06-01", **options)  # type: ignore[arg-type]


def test_histories_options_are_refused_where_the_confirmation_cannot_use_the_histories_null(folder: Path) -> None:
    """A nested baseline turns a run's default null to the runs null: '--confirm-from ...
    --histories 19' on such a study confirmed the chosen cells on the runs null and drew
    no history, without a word, where a run of a chosen cell refuses '--histories'."""
    nested = STUDY.replace("{placebos: 300, seed: 5}", "{placebos: 300, seed: 5, baseline: {when: 'A close > A sma(20)'}}")
    study = parse_study(nested, path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=r"histories= would be ignored: the run's headline null is the runs null \(this study's default\).*a nested baseline"):
        run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", confirm_from="2020-06-01", histories=19)
    with pytest.raises(ConfigError, match=r"histories= would be ignored"):
        evaluate_study(study, data_dir=folder / "data", start="2020-06-01", histories=19)
    assert run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", confirm_from="2020-06-01", top=1).confirmation["null"].to_list() == ["runs"]


def test_a_window_end_axis_with_a_confirmation_is_refused_not_ranked_twice(folder: Path, monkeypatch) -> None:
    """'--grid window.end=2020-12-31,2024-12-31 --confirm-from 2015-01-01' ranked the two
    ends' cells on the same search (it ends the day before confirm_from in every cell), so
    each was one cell ranked twice, with the same figures, tied, and counted twice by the
    Reality Check, SPA and Romano-Wolf; the axis set only the held-out period's end."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    monkeypatch.setattr(sweep_module, "_prepare", lambda *a: pytest.fail("the data was read"))
    axes = [parse_axis("gap=3,5"), parse_axis("window.end=2020-09-01,2020-10-01")]
    with pytest.raises(ConfigError, match=(
        r"grid axis 'window.end' sets only the window's end, and the search before confirm_from 2020-06-01 ends the day before "
        r"it in every cell: the cells gap=3, window.end=2020-09-01 and gap=3, window.end=2020-10-01 are one cell there"
    )):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from="2020-06-01")
    in_the_file = parse_study(STUDY + "sweep:\n  - {name: window.end, values: [2020-09-01, 2020-10-01]}\n", path=folder / "study.yaml")
    with pytest.raises(ConfigError, match=r"window.end=2020-09-01 and window.end=2020-10-01 are one cell there") as refused:
        run_sweep(in_the_file, data_dir=folder / "data", confirm_from="2020-06-01")
    assert refused.value.location is not None and refused.value.location.line == 10
    # an end before the date is the window's own error; ends without a confirmation rank different periods
    with pytest.raises(ConfigError, match=r"confirm_from 2020-09-15 is not inside the window"):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from="2020-09-15")
    monkeypatch.undo()
    assert run_sweep(study, axes, data_dir=folder / "data").ledger.height > 0


def test_an_interval_level_is_refused_not_ignored(folder: Path, monkeypatch) -> None:
    """run_sweep(ci=0.5) was accepted and changed nothing: a sweep shows no interval."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    monkeypatch.setattr(sweep_module, "cell_tests", lambda *a: pytest.fail("the grid ran"))
    with pytest.raises(ConfigError, match=r"ci=0\.5 would be ignored: a sweep shows no intervals"):
        run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", ci=0.5)


def test_an_executor_given_by_name_is_refused_before_the_data_is_read(folder: Path, monkeypatch) -> None:
    """run_sweep(..., executor='processes') read and prepared the data, then ended in
    "AttributeError: 'str' object has no attribute 'imap'"; eventstudy.run refuses it
    with a TypeError that says where an executor comes from."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    monkeypatch.setattr(sweep_module, "_prepare", lambda *a: pytest.fail("the data was read"))
    with pytest.raises(TypeError, match=r"executor is of type str: give one from eventstudy\.executor\.get_executor\(\)"):
        run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data", executor="processes")  # type: ignore[arg-type]


def test_the_held_out_date_is_checked_before_the_grid_runs(folder: Path, monkeypatch) -> None:
    """A date before the window had ranked an empty period ('1980-01-01 .. 1969-12-31'); one
    after the data failed only after the whole grid ran, with 'change window: ... or
    --start/--end'; a text date ended in a TypeError; a negative top took all rows but one,
    and a top of 0 confirmed nothing."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    monkeypatch.setattr(sweep_module, "cell_tests", lambda *a: pytest.fail("the grid ran"))
    axes = [parse_axis("gap=3,5")]
    with pytest.raises(ConfigError, match=r"confirm_from 2019-01-01 is not inside the window 2020-01-01 \.\. end of data"):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from=dt.date(2019, 1, 1))
    open_start = parse_study(STUDY.replace("window: {start: 2020-01-01}", "window: {start: null}"), path=folder / "study.yaml")
    with pytest.raises(DataError, match=r"confirm_from 2019-06-03 is on or before the data's first day \(2019-06-03\): the grid's search"):
        run_sweep(open_start, axes, data_dir=folder / "data", confirm_from="2019-06-03")  # was: "no prices for symbol 'AAA'"
    with pytest.raises(DataError, match=r"confirm_from 2030-01-01 is after the data's last day \(2020-10-14\)"):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from="2030-01-01")
    with pytest.raises(ConfigError, match="top is -1"):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from="2020-06-01", top=-1)
    # top 0 had cut the grid at the date and shown no confirmation, without a word
    with pytest.raises(ConfigError, match=r"top is 0: no cell would be re-tested on the held-out period from 2020-06-01"):
        run_sweep(study, axes, data_dir=folder / "data", confirm_from="2020-06-01", top=0)
    monkeypatch.undo()
    given_as_text = run_sweep(study, axes, data_dir=folder / "data", confirm_from="2020-06-01", top=2)
    assert given_as_text.confirmation.equals(run_sweep(study, axes, data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=2).confirmation)


def test_run_sweep_takes_a_path_and_axes_written_as_on_the_command_line(folder: Path) -> None:
    """As eventstudy.run does: a study file's path had ended in "'str' object has no attribute
    'evaluators'", an axis 'gap=3,5' in "'str' object has no attribute 'name'"."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    expected = run_sweep(study, [parse_axis("gap=3,5")], data_dir=folder / "data").ledger
    assert run_sweep(folder / "study.yaml", ["gap=3,5"], data_dir=folder / "data").ledger.equals(expected)
    assert run_sweep(str(folder / "study.yaml"), "gap=3,5", data_dir=folder / "data").ledger.equals(expected)
    with pytest.raises(TypeError, match="a grid axis is of type dict"):
        run_sweep(study, [{"gap": [3, 5]}], data_dir=folder / "data")  # type: ignore[list-item]


@pytest.mark.parametrize("null", ["runs", "matched", "circular"])
def test_a_cells_raw_p_value_is_its_own_runs(folder: Path, null: str) -> None:
    """The ledger's n, statistic, baseline and raw p of a cell are what `eventstudy run`
    of that cell prints with the same null and seed: the sweep had drawn its placebo sets
    from the seed itself, a run from the seed's placebo stream, so a cell's raw p of 0.169
    in the sweep was 0.162 in its run (SPX 1w, 15% and 21cd, 2,000 runs placebos). A
    circular null's run takes every shift, and the sweep its B shifts drawn with
    replacement for the joint null: the raw p is now the run's, from every shift."""
    text = STUDY.replace("gap: 5", "gap: 1") if null == "circular" else STUDY  # a 5-day gap leaves this calendar one shift
    study = parse_study(text, path=folder / "study.yaml")
    ledger = run_sweep(study, [parse_axis("B drawdown threshold=1%,3%")], data_dir=folder / "data", null=null).ledger
    cell = parse_study(text.replace(">= 2%", ">= 3%"), path=folder / "study.yaml")
    tests = evaluate_study(cell, data_dir=folder / "data", null=null).tests.filter(pl.col("statistic") == "mean")
    row = ledger.filter(pl.col("B drawdown threshold") == "3%").join(tests, on=["asset", "horizon"], suffix="_run")
    assert row.height == 4 and (row["n"] == row["n_run"]).all() and row["p_placebo"].null_count() == 0
    for ours, theirs in [("observed", "observed_run"), ("baseline", "baseline_run"), ("p_placebo", "p_placebo_run")]:
        assert np.allclose(row[ours].to_numpy(), row[theirs].to_numpy()), ours


def test_a_grid_value_that_decides_the_condition_is_named_as_a_run_names_it(folder: Path, capsys) -> None:
    """A threshold written without its percent sign ('B drawdown threshold=5,3%': 5 is
    500%) made cells that can never hold; the sweep said only that no cell was tested, or
    nothing at all beside a tested one, where a run of that cell warns 'can never hold ...
    (did you mean 5%?)'. The verdict now says so, naming the cells."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, ["B drawdown threshold=5,3%"], data_dir=folder / "data")
    assert "'B drawdown >= 5' can never hold" in result.verdict["warning"]
    assert "did you mean 5%?) (in the cell B drawdown threshold=5)" in result.verdict["warning"]
    assert "'B drawdown >= 0.03'" not in result.verdict["warning"]
    assert main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "B drawdown threshold=5,7", "-q"]) == 0
    out = capsys.readouterr().out
    assert "nothing is tested" in out and "did you mean 7%?) (in the cell B drawdown threshold=7)" in out
    # validate, which checks a study's sweep: list as the sweep would, says so too
    (folder / "study.yaml").write_text(STUDY + "sweep:\n  - {name: B drawdown threshold, values: [5, 3%]}\n")
    assert main(["validate", str(folder / "study.yaml")]) == 0
    out = capsys.readouterr().out
    assert "  warning: 'B drawdown >= 5' can never hold" in out and "(in the cell B drawdown threshold=5)" in out


def test_the_verdict_counts_the_tests_the_snooping_control_is_over(folder: Path) -> None:
    """A grid whose cells had no events said '2 grid cells x their assets and horizons = 8
    tests of the mean', while its Reality Check, SPA and Romano-Wolf p-values were over the
    4 tests of the cell with events: the line says how many are tested."""
    from eventstudy.report.sweep import verdict_lines

    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, ["B drawdown threshold=2%,90%"], data_dir=folder / "data")
    assert result.verdict["tests"] == 8 and result.verdict["tested"] == result.ledger["p_romano_wolf"].is_not_null().sum() == 4
    assert "= 8 tests of the mean, 4 of them tested (the family of the snooping control;" in verdict_lines(result)[0]
    full = run_sweep(study, ["B drawdown threshold=1%,2%"], data_dir=folder / "data")
    assert full.verdict["tested"] == full.verdict["tests"] and "= 8 tests of the mean (" in verdict_lines(full)[0]
    one = run_sweep(study, ["B drawdown threshold=1%"], data_dir=folder / "data")
    assert verdict_lines(one)[0].startswith("1 grid cell x their assets and horizons = 4 tests")  # not '1 grid cells'

    # cells of equal z (two thresholds picking the same days) are ranked in the grid's order: the first is the best
    tie = run_sweep(study, ["B drawdown threshold=1.5%,1%"], data_dir=folder / "data")
    top = tie.ledger.filter(pl.col("z").is_not_null()).sort("z", descending=True, maintain_order=True)
    assert top["z"][0] == top["z"][1] and tie.verdict["best"]["B drawdown threshold"] == top["B drawdown threshold"][0] == "1.5%"
    # printed in a notebook: a few lines, as a study's result (the dataclass repr dumped the ledger and the verdict)
    text = repr(full)
    lines = text.splitlines()
    assert lines[0] == "<SweepResult>" and len(lines) == 5 and len(text) < 800, text
    assert "grid: 2 cells (B drawdown threshold: 1%, 2%)" in lines[1]
    assert f"tests: 8 of the mean (8 tested), runs null, {full.verdict['placebos']:,} placebos per cell; Reality Check p " in lines[2]
    assert lines[3].startswith("  best: fwd ") and "at B drawdown threshold=" in lines[3]
    assert lines[4] == f"  tables (polars DataFrames): result.ledger ({full.ledger.height:,} rows), result.confirmation (0 rows)"


def test_tests_that_survive_below_their_placebos_are_named_in_the_verdict(folder: Path) -> None:
    """The best cells and the Reality Check look upward, the Romano-Wolf p is two-sided: on
    the 52-week-high universe (thresholds 3%, 5%, 10% x gaps 21, 63) 16 of 30 tests survived
    it at 5% with the events below their placebos (excess 1m, z = -5.96), and the report,
    its top 10 ranked by z from +1.51 down, said only 'no better than the best of a grid of
    chance'. The verdict names them (here one row made such a test)."""
    from eventstudy.report.sweep import verdict_lines

    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, ["B drawdown threshold=1%,2%"], data_dir=folder / "data")
    assert not any(line.startswith("below the placebos") for line in verdict_lines(result))
    low = result.ledger.filter(pl.col("z").is_not_null()).row(0, named=True)
    ledger = result.ledger.with_columns(
        pl.when((pl.col("B drawdown threshold") == low["B drawdown threshold"]) & (pl.col("asset") == low["asset"]) & (pl.col("horizon") == low["horizon"]))
        .then(pl.lit(v)).otherwise(pl.col(k)).alias(k) for k, v in (("z", -4.5), ("p_romano_wolf", 0.004), ("n_incomplete", 3))
    )
    lines = verdict_lines(replace(result, ledger=ledger))
    below = [line for line in lines if line.startswith("below the placebos")]
    assert len(below) == 1 and below[0].startswith("below the placebos: 1 of the tests survive the Romano-Wolf adjustment at 5%")
    assert f"B drawdown threshold={low['B drawdown threshold']}: {low['asset']} {low['horizon']} mean" in below[0] and "z=-4.50" in below[0]
    assert f"(n={low['n']} (+3 incomplete), z=" in below[0]  # as the best cell's line and the tables count them


@pytest.mark.parametrize(("when", "axis", "places"), [
    ("A at 5-day high and B drawdown >= 2% and B drawdown < 30%", "B drawdown threshold", "'when#2' or 'when#3'"),
    ("A return(5) > -2% and B drawdown >= 2% and A return(5) < 4%", "A return(5) threshold", "'when#2' or 'when#5'"),
])
def test_a_threshold_compared_with_two_numbers_is_refused_where_it_is_written(folder: Path, capsys, when: str, axis: str, places: str) -> None:
    """'B drawdown threshold=1%,3%' on 'B drawdown >= 2% and B drawdown < 30%' set the
    first number and kept the second without a word (a grid of '>= 1%' and '>= 3%'); which
    one was meant is not said, so the axis is refused, naming each number's when#N."""
    text = STUDY.replace("when: A at 5-day high and B drawdown >= 2%", f"when: {when}")
    with pytest.raises(ConfigError, match=r"compares 2 numbers with .*, and the axis would set the first only") as caught:
        run_sweep(parse_study(text, path=folder / "study.yaml"), [f"{axis}=1%,3%"], data_dir=folder / "data")
    assert places in (caught.value.hint or "")
    (folder / "study.yaml").write_text(text + f"sweep:\n  - {{name: {axis}, values: [1%, 3%]}}\n")
    assert main(["validate", str(folder / "study.yaml"), "--data-dir", str(folder / "data")]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:10:12: error: grid axis" in err and places in err


def assert_rows_are_runs(mine: pl.DataFrame, own: StudyResult, rows: int) -> None:
    """The ledger rows ``mine`` of one grid cell (the mean) equal the run ``own`` of that
    cell: n and its incomplete events, the average, its baseline and the raw p."""
    summary = own.summary.join(own.tests.filter(pl.col("statistic") == "mean"), on=["measure", "asset", "horizon"], suffix="_test")
    joined = mine.join(summary, on=["measure", "asset", "horizon"], how="inner", suffix="_run")
    assert joined.height == rows
    assert joined["n"].to_list() == joined["n_run"].to_list()
    assert np.allclose(joined["observed"].to_numpy(), joined["mean"].to_numpy(), equal_nan=True)
    assert np.allclose(joined["baseline"].to_numpy(), joined["baseline_mean"].to_numpy())
    assert np.allclose(joined["p_placebo"].to_numpy(), joined["p_placebo_run"].to_numpy(), equal_nan=True)
    assert joined["n_incomplete"].to_list() == joined["n_incomplete_run"].to_list()


def test_the_search_before_confirm_from_reads_no_held_out_close(folder: Path, tmp_path: Path) -> None:
    """A sweep's search ranked its cells on the period before --confirm-from with returns
    read from held-out closes: an event days before the date got its 10-day return from
    after it, and so did the all-days baseline and the placebo days (in the docs' sweep,
    2 of 35 events of the 5% cells at 1y). The search is now a plain run of each cell on
    the data cut the day before: the same n, incomplete events, figures and p-values."""
    cut = dt.date(2020, 7, 30)  # events on 25 and 29 July: their 5- and 10-day returns reach past it
    short = tmp_path / "short"
    short.mkdir()
    for symbol in ("AAA", "BBB"):
        frame = pl.read_csv(folder / "data" / f"{symbol}.csv", try_parse_dates=True)
        frame.filter(pl.col("date") < cut).write_csv(short / f"{symbol}.csv")
    study = parse_study(STUDY, path=folder / "study.yaml")
    axes = [parse_axis("B drawdown threshold=1%,2%"), parse_axis("gap=3,8")]
    result = run_sweep(study, axes, data_dir=folder / "data", confirm_from=cut, top=2)
    ledger = result.ledger
    for threshold, gap in (("1%", "3"), ("2%", "8")):
        cell = parse_study(STUDY.replace("drawdown >= 2%", f"drawdown >= {threshold}").replace("gap: 5", f"gap: {gap}"), path=folder / "study.yaml")
        own = evaluate_study(cell, data_dir=short, null="runs")
        assert_rows_are_runs(ledger.filter((pl.col("B drawdown threshold") == threshold) & (pl.col("gap") == gap)), own, 4)
    assert ledger["n_incomplete"].sum() > 0  # events whose horizon reaches the held-out period: left out, counted
    assert result.verdict["confirm_from"] == "2020-07-30"
    # the held-out confirmation still reads every close from the date on
    assert result.confirmation.height == 2 and result.confirmation["n"].sum() > 0


def test_the_sweep_says_what_its_search_read(folder: Path, capsys) -> None:
    args = ["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "--grid", "gap=3,8", "--confirm-from", "2020-06-01"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "search: data before 2020-06-01; returns that would reach 2020-06-01 or later are left out as incomplete "
        "(n counts the complete ones, '+k incomplete' the others), at the events, on all days and on the placebo days alike"
    ) in out


def test_a_nested_baseline_is_each_cells_baseline_and_placebo_days(folder: Path) -> None:
    """A study's nested baseline (statistics.baseline) was ignored by its sweep without a
    word: every cell was tested against all days, with placebos drawn from all days, where
    a run of the cell draws them from the days the baseline holds (on SPX/RUT with 'SPX
    close > SPX sma(200)', RUT 1m at 10%: raw p 0.989 in the ledger, 0.712 in the run); and
    with --confirm-from it ended in a traceback, "ColumnNotFoundError: unable to find column
    'SPX.sma(200)'". Each ledger row is now the cell's run, its null too (the circular null
    where the runs null cannot place the runs, as a run falls back, and the verdict's
    little-room warning names it), and the tables say 'Baseline days'."""
    text = STUDY.replace("statistics: {placebos: 300, seed: 5}", "statistics: {placebos: 300, seed: 5, null: runs, baseline: {when: A drawdown < 10%}}")
    study = parse_study(text, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("B drawdown threshold=1%,2%"), parse_axis("gap=3,8")], data_dir=folder / "data")
    for threshold, gap in (("1%", "3"), ("2%", "8")):
        cell = parse_study(text.replace("drawdown >= 2%", f"drawdown >= {threshold}").replace("gap: 5", f"gap: {gap}"), path=folder / "study.yaml")
        tests = evaluate_study(cell, data_dir=folder / "data").tests.filter(pl.col("statistic") == "mean")
        mine = result.ledger.filter((pl.col("B drawdown threshold") == threshold) & (pl.col("gap") == gap))
        joined = mine.join(tests, on=["measure", "asset", "horizon"], how="inner", suffix="_run")
        assert joined.height == 4
        assert np.allclose(joined["baseline"].to_numpy(), joined["baseline_run"].to_numpy())
        assert np.allclose((joined["placebo_mean"] - joined["baseline"]).to_numpy(), joined["null_mean"].to_numpy(), equal_nan=True)
        assert joined["null"].to_list() == joined["null_run"].to_list() == ["circular"] * 4  # the runs null cannot place its runs here
        tested = joined.filter(pl.col("p_placebo").is_not_null())  # a circular null with little room: shown untested, as the verdict says
        assert np.allclose(tested["p_placebo"].to_numpy(), tested["p_placebo_run"].to_numpy())
    assert result.ledger["p_placebo"].is_not_null().sum() == 8  # the two gap-3 cells
    assert "the circular null had little room in 2 of 4 cells" in result.verdict["warning"]
    assert "the runs null could not place the events' runs in 4 of 4 cells" in result.verdict["warning"]
    assert result.verdict["baseline"] == "A drawdown < 10%"
    from eventstudy.report.sweep import render_sweep

    text_out = render_sweep(result)
    assert "baseline days: where 'A drawdown < 10%'" in text_out and "vs baseline days" in text_out and "All days" not in text_out
    confirmed = run_sweep(study, [parse_axis("B drawdown threshold=1%,2%")], data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=1)
    assert confirmed.confirmation.height == 1


def test_a_cell_whose_window_has_no_data_is_refused_as_its_run_is(folder: Path, capsys) -> None:
    """'window.start=2030-01-01,1990-01-01' ran the 2030 cell with no events, its tests
    counted in the grid's ('20 tests of the mean, 10 of them tested') and shown untested,
    where a run of that cell is refused: 'the window 2030-01-01 .. open has no data'. The
    sweep now refuses it too, naming the cell, and where the study's sweep: list writes
    the value, pointing at it."""
    study = parse_study(STUDY, path=folder / "study.yaml")
    with pytest.raises(DataError, match=r"grid cell window.start=2030-01-01, gap=3: the window 2030-01-01 .. open has no data"):
        run_sweep(study, [Axis("window.start", ("2020-01-01", "2030-01-01")), parse_axis("gap=3,8")], data_dir=folder / "data")
    (folder / "study.yaml").write_text(STUDY + "sweep:\n  - {name: window.start, values: [2020-01-01, 2030-01-01]}\n")
    assert main(["sweep", str(folder / "study.yaml"), "--data-dir", str(folder / "data"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "study.yaml:10:47: error: grid cell window.start=2030-01-01: the window 2030-01-01 .. open has no data" in err


def test_run_sweep_runs_the_studys_own_grid_as_the_command_does(folder: Path) -> None:
    """run_sweep left out the study's sweep: list: on a study sweeping 'B drawdown threshold'
    and window.start, run_sweep(study, 'gap=3,5') ran 2 cells where 'eventstudy sweep STUDY
    --grid gap=3,5' runs 8, and run_sweep(study, []) read 'a sweep needs at least one grid
    axis'. The list is the grid, and the axes given add to it or replace one of its name."""
    (folder / "study.yaml").write_text(SWEPT)
    result = run_sweep(folder / "study.yaml", "gap=3,5", data_dir=folder / "data")
    assert [a.name for a in result.axes] == ["B drawdown threshold", "window.start", "gap"] and result.verdict["cells"] == 8
    own = run_sweep(folder / "study.yaml", data_dir=folder / "data")
    assert [a.name for a in own.axes] == ["B drawdown threshold", "window.start"] and own.verdict["cells"] == 4
    replaced = run_sweep(folder / "study.yaml", ["window.start=2020-03-02"], data_dir=folder / "data")
    assert [(a.name, a.values) for a in replaced.axes] == [("B drawdown threshold", ("1%", "3%")), ("window.start", ("2020-03-02",))]


def test_a_grid_axis_beside_the_sweep_list_axis_it_would_override_names_the_list(folder: Path) -> None:
    """'--grid "b drawdown threshold=..."' (or 'decluster.gap' for the list's 'gap') on a study
    whose sweep: list has 'B drawdown threshold' read "grid axes 'B drawdown threshold' and 'b
    drawdown threshold' set the same thing", no file, line or word of the list, where the
    user had given one axis; it now points at the list's axis and says to give its name."""
    (folder / "study.yaml").write_text(SWEPT)
    with pytest.raises(ConfigError) as caught:
        run_sweep(folder / "study.yaml", "b drawdown threshold=2%,4%", data_dir=folder / "data")
    assert caught.value.message.startswith("grid axis 'b drawdown threshold' sets what the study's sweep: axis 'B drawdown threshold' sets")
    assert caught.value.location is not None and caught.value.location.line == 10
    assert caught.value.hint is not None and "--grid 'B drawdown threshold=...'" in caught.value.hint


def test_the_confirmation_counts_the_held_out_events_still_pending_as_a_run_does(folder: Path) -> None:
    """The held-out confirmation showed n alone, where a run of the cell from confirm_from
    shows '9 (+1 pending)': an event whose horizon runs past the data was left out without
    a word, and a cell whose every held-out event was pending read '0  no events' (SPX/RUT
    cut at 2025-12-31, --confirm-from 2025-01-01: RUT 1y after a 10% threshold, whose run
    reads '0 (+1 pending)'). The confirmation carries n_incomplete, and its table says it."""
    from eventstudy.report.sweep import sweep_blocks

    study = parse_study(STUDY, path=folder / "study.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder / "data", confirm_from=dt.date(2020, 6, 1), top=8)
    confirmation = result.confirmation
    for gap in ("3", "8"):
        cell = parse_study(STUDY.replace("gap: 5", f"gap: {gap}"), path=folder / "study.yaml")
        summary = evaluate_study(cell, data_dir=folder / "data", start="2020-06-01").summary.filter(pl.col("measure") == "fwd")
        ours = confirmation.filter(pl.col("gap") == gap).join(summary, on=["asset", "horizon"], suffix="_run")
        assert ours.height == 4 and (ours["n"] == ours["n_run"]).all() and (ours["n_incomplete"] == ours["n_incomplete_run"]).all()
    assert (confirmation["n_incomplete"] > 0).any()  # the 10d returns of the last events
    title, headers, rows, _ = sweep_blocks(result, top=8)[-1]
    assert title.startswith("Held-out confirmation")
    shown = {(r[0], r[1], r[2]): r[headers.index("n")] for r in rows}
    for r in confirmation.iter_rows(named=True):
        words = f"{r['n']} (+{r['n_incomplete']} incomplete)" if r["n_incomplete"] else str(r["n"])
        assert shown[(r["gap"], r["asset"], r["horizon"])] == words
    nothing = replace(result, confirmation=confirmation.with_columns(pl.lit(0).alias("n"), pl.lit(None, pl.Float64).alias("observed")))
    _, headers, rows, _ = sweep_blocks(nothing, top=8)[-1]
    events = {r[headers.index("n")]: r[headers.index("Events")] for r in rows}
    assert events.get("0") in (None, "no events") and all(v == "" for n, v in events.items() if n != "0")  # pending: not 'no events'

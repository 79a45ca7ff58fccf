"""Sweeps over universe studies: each cell as its own run would find it, and every cell's
placebo values on one joint null (keyed random numbers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from test_sweep import assert_rows_are_runs
from test_universe_scale import study_for, write_panel

import eventstudy
from eventstudy.errors import ConfigError
from eventstudy.inference.panel import keyed_uniform, symbol_keys
from eventstudy.sweep import parse_axis, run_sweep


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("universe_sweep")
    write_panel(root, seed=11, n_symbols=40, n_days=260)
    return root


def test_keyed_uniforms_are_uniform_independent_and_a_function_of_their_keys() -> None:
    days = np.arange(3000) + 18_000
    names = symbol_keys([f"S{k}" for k in range(3000)])
    u = keyed_uniform(5, 400, days, names)
    assert u.shape == (400, 3000) and u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1].ravel(), u[1:].ravel())[0, 1]) < 0.01  # placebo to placebo
    assert abs(np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1]) < 0.01  # event to event
    # the same event gets the same draw whatever else is drawn, and chunks continue the sequence
    assert np.array_equal(keyed_uniform(5, 400, days[[7, 3]], names[[7, 3]]), u[:, [7, 3]])
    assert np.array_equal(keyed_uniform(5, 100, days, names, first=250), u[250:350])
    assert not np.array_equal(keyed_uniform(6, 400, days, names), u)


def test_each_cell_matches_its_own_run_and_the_snooping_tests_hold(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eventstudy.sweep as module

    study = study_for(folder)
    axes = [parse_axis("MKT drawdown threshold=0.5%,1%,2%"), parse_axis("gap=3,8")]
    passes = []
    original = module.prepare_universe
    monkeypatch.setattr(module, "prepare_universe", lambda *a, **k: passes.append(k["conditions"]) or original(*a, **k))
    result = run_sweep(study, axes, data_dir=folder, placebos=300, seed=3)
    assert len(passes) == 1 and len(passes[0]) == 3  # one pass over the data for the three conditions
    ledger = result.ledger
    assert ledger.height == 6 * 3  # cells x tested (measure, asset, horizon): fwd 1d, 4d and excess 2d
    for threshold, gap in (("1%", "3"), ("2%", "8")):
        text = (folder / "study.yaml").read_text().replace("drawdown >= 1%", f"drawdown >= {threshold}").replace("gap: 3", f"gap: {gap}")
        (folder / "cell.yaml").write_text(text)
        own = eventstudy.run(eventstudy.load_study(folder / "cell.yaml"), data_dir=folder, placebos=0).summary
        mine = ledger.filter((pl.col("MKT drawdown threshold") == threshold) & (pl.col("gap") == gap))
        joined = mine.join(own, on=["measure", "asset", "horizon"], how="inner")
        assert joined.height == 3
        assert (joined["n"] == joined["n_right"]).all()
        assert np.allclose(joined["observed"].to_numpy(), joined["mean"].to_numpy(), equal_nan=True)
        assert np.allclose(joined["baseline"].to_numpy(), joined["baseline_mean"].to_numpy())
    raw_p, rw = ledger["p_placebo"].to_numpy(), ledger["p_romano_wolf"].to_numpy()
    ok = ~np.isnan(raw_p.astype(float))
    assert ok.sum() >= 12 and np.all((raw_p[ok] > 0) & (raw_p[ok] <= 1)) and np.all(rw[ok] >= raw_p[ok] - 1e-12)
    assert 0 < result.verdict["spa_p"] <= result.verdict["reality_check_p"] <= 1
    assert result.verdict["null"].startswith("'dates'")


def test_cells_sharing_events_share_placebo_values(folder: Path) -> None:
    """Two grid values that select the same events get the same null, draw for draw (a
    stream per cell would make them independent and the max-statistic too severe)."""
    from eventstudy.grid import _cell_study
    from eventstudy.sweep import Grid, _prepare, cell_tests

    study = study_for(folder)
    settings = study.statistics.model_copy(update={"placebos": 200})
    axis = parse_axis("gap=3,3cd,8")
    cells = [_cell_study(study, [axis], (v,)) for v in axis.values]
    grid = Grid(_prepare(study, cells, folder)[0], settings, "mean", None)
    assert len(grid.panel.hits) == 1  # one condition: one set of hits for the three cells
    (rows_a, _z_a, null_a, _), (rows_b, _, _null_b, _), (rows_c, _, null_c, _) = (cell_tests(grid, cell) for cell in cells)
    assert [r["n"] for r in rows_a] != [r["n"] for r in rows_c]  # a longer gap keeps fewer events
    for a, c in zip(null_a, null_c):  # ... which overlap, so their nulls correlate strongly
        assert np.corrcoef(a, c)[0, 1] > 0.5
    repeat = cell_tests(grid, cells[0])
    assert all(np.array_equal(a, b) for a, b in zip(null_a, repeat[2]))  # reproducible
    assert rows_b[0]["condition"] == rows_a[0]["condition"]


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_an_executor_gives_the_same_ledger(folder: Path, executor: str) -> None:
    from eventstudy.executor import get_executor

    study = study_for(folder)
    axes = [parse_axis("MKT drawdown threshold=0.5%,1%")]
    serial = run_sweep(study, axes, data_dir=folder, placebos=120)
    with get_executor(executor, workers=2) as pool:  # the prepared grid pickles to workers
        threaded = run_sweep(study, axes, data_dir=folder, placebos=120, executor=pool)
    assert serial.ledger.equals(threaded.ledger)
    assert serial.verdict["reality_check_p"] == threaded.verdict["reality_check_p"]


def test_confirmation_on_the_held_out_period(folder: Path) -> None:
    study = study_for(folder)
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder, placebos=120, confirm_from=dt.date(2021, 6, 1), top=2)
    assert result.verdict["period"].endswith("2021-05-31")
    assert result.confirmation.height == 2 and (result.confirmation["n"] >= 0).all()


def test_axes_that_change_the_universe_or_its_data_are_refused(folder: Path) -> None:
    with pytest.raises(ConfigError, match="cannot vary 'universe'"):
        run_sweep(study_for(folder), [parse_axis("universe.label=a,b")], data_dir=folder, placebos=120)


@pytest.mark.parametrize("options", [{"null": "histories"}, {"histories": 50}])
def test_a_universe_sweep_refuses_the_histories_null_it_would_ignore(folder: Path, options: dict) -> None:
    """Its grid and its held-out confirmation keep the 'dates' null (the grid's panel keeps
    no closes): asking for the histories null, or for a number of histories, is refused."""
    with pytest.raises(ConfigError, match="a universe sweep tests its grid and its held-out confirmation with the 'dates' null"):
        run_sweep(study_for(folder), [parse_axis("gap=3,8")], data_dir=folder, placebos=120, **options)


def test_a_held_out_period_of_one_pending_event_says_so(folder: Path) -> None:
    """The held-out period is the data's last day, with one event whose 1d return is still
    to come: a run from that day reads '0 (+1 pending)', and the confirmation read '0' and
    'no events'."""
    from eventstudy.report.sweep import render_sweep

    result = run_sweep(study_for(folder), [parse_axis("gap=3,8")], data_dir=folder, placebos=120, confirm_from=dt.date(2021, 9, 17), top=1)
    assert result.confirmation["n"].to_list() == [0] and result.confirmation["n_incomplete"].to_list() == [1]
    own = eventstudy.run(study_for(folder), data_dir=folder, start="2021-09-17", placebos=0).summary
    assert own.filter(pl.col("horizon") == "1d").select("n", "n_incomplete").row(0) == (0, 1)
    held_out = render_sweep(result).split("Held-out confirmation")[1]
    assert "0 (+1 incomplete)" in held_out and "no events" not in held_out


def test_a_universe_sweep_names_its_baseline_the_symbol_days_it_pools(folder: Path) -> None:
    """A universe sweep's tables headed its baseline 'All days' and its verdict compared the
    best cell 'vs all days', where its run's summary says 'All symbol-days': the baseline
    pools every symbol-day of the window (report.text.baseline_label)."""
    from eventstudy.report.sweep import render_sweep, sweep_blocks

    result = run_sweep(study_for(folder), [parse_axis("gap=3,8")], data_dir=folder, placebos=120, confirm_from=dt.date(2021, 6, 1), top=1)
    assert result.universe
    blocks = {title: headers for title, headers, _, _ in sweep_blocks(result)}
    [confirmation] = [headers for title, headers in blocks.items() if title.startswith("Held-out confirmation")]
    assert "All symbol-days" in blocks["Best cells (by studentized z)"] and "All symbol-days" in confirmation
    words = " ".join(render_sweep(result).split())
    assert " vs all symbol-days " in words and "on all symbol-days and on the placebo days alike" in words
    assert "all days" not in words.lower()


def test_a_trigger_axis_finds_each_cells_own_events(folder: Path) -> None:
    """Cells that differ only in their trigger share the pass but not their hits."""
    study = study_for(folder)
    ledger = run_sweep(study, [parse_axis("trigger=level,edge")], data_dir=folder, placebos=120).ledger
    for trigger in ("level", "edge"):
        own = eventstudy.run(study_for(folder, trigger=trigger), data_dir=folder, placebos=0).summary
        mine = ledger.filter(pl.col("trigger") == trigger).join(own, on=["measure", "asset", "horizon"], how="inner")
        assert mine.height == 3 and (mine["n"] == mine["n_right"]).all()
        assert np.allclose(mine["observed"].to_numpy(), mine["mean"].to_numpy(), equal_nan=True)
    level, edge = (ledger.filter(pl.col("trigger") == t)["n"].sum() for t in ("level", "edge"))
    assert edge < level


def test_a_sweep_cell_relabels_whole_stocks_as_a_single_run_does() -> None:
    """Issue 13: the 'dates' null of a universe sweep is the single run's: placebo b moves
    all of a stock's events to one other stock (its overlapping windows stay together).
    Each stock's value is its index on every day, so a placebo's mean over one stock's
    three events is a whole number (one stock drawn), never a mix of three stocks."""
    from types import SimpleNamespace

    from eventstudy.config import StatisticsSpec
    from eventstudy.sweep import _dates_nulls

    n_symbols, n_days = 40, 30
    values = np.repeat(np.arange(n_symbols, dtype=np.float64)[:, None], n_days, axis=1)
    cells = pl.DataFrame({"measure": ["fwd"], "asset": ["close"], "horizon_days": [5]})
    panel = SimpleNamespace(days=np.arange(18_000, 18_000 + n_days), symbols=[f"S{i}" for i in range(n_symbols)], values=[values], cells=cells, frame=None, daily=None)
    s_idx, d_idx = np.array([7, 7, 7]), np.array([3, 9, 15])
    settings = StatisticsSpec(placebos=500, seed=11)
    (null,), own = _dates_nulls(panel, s_idx, d_idx, np.ones(n_days, dtype=bool), settings, "mean")  # type: ignore[arg-type]
    assert np.array_equal(null, np.round(null))
    assert len(np.unique(null)) > 20  # the permutations differ between placebos
    assert own is not None and np.array_equal(own[0], np.round(own[0]))  # the run's own draws too (its raw p)
    again = _dates_nulls(panel, s_idx, d_idx, np.ones(n_days, dtype=bool), settings, "mean")[0][0]  # type: ignore[arg-type]
    assert np.array_equal(null, again)  # keyed: the same seed gives the same draws


@pytest.mark.parametrize(("evaluator", "warned"), [("excess_returns: {benchmark: MKT, horizons: [2d], model: market, estimation: 20}", True), ("forward_returns: {horizons: [2d]}", False)])
def test_a_grid_of_measures_the_dates_null_cannot_test_says_so_and_confirms_on_it(folder: Path, evaluator: str, warned: bool) -> None:
    """A universe sweep's joint null is the 'dates' null: on the market model's abnormal
    return under a condition on the stock's own prices (whose single run defaults to the
    histories null) the verdict says its p-values rank, not test, and the held-out
    confirmation stays on the 'dates' null (the grid's panel keeps no closes to resample)."""
    from eventstudy.report.sweep import render_sweep

    study_for(folder)  # writes the panel's study.yaml
    text = (folder / "study.yaml").read_text()
    own = text.split("evaluate:")[0] + f"evaluate:\n  - {evaluator}\nstatistics: {{placebos: 120, seed: 3}}\n"
    (folder / "grid.yaml").write_text(own)
    study = eventstudy.load_study(folder / "grid.yaml")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder, placebos=120, confirm_from=dt.date(2021, 6, 1), top=1)
    assert ("warning" in result.verdict) == warned
    assert ("warning: the 'dates' null cannot test the measure 'car' here" in render_sweep(result)) == warned
    assert result.confirmation.height == 1
    by_median = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder, placebos=120, statistic="median")
    said = "the measure 'car' or the median" if warned else "the median"
    assert f"warning: the 'dates' null cannot test {said} here" in render_sweep(by_median)


def test_a_universe_of_three_stocks_is_shown_not_tested_as_its_run_says(tmp_path: Path) -> None:
    """A single run of three stocks says its 'dates' null is no test (6 orderings), but its
    sweep picked a best cell and gave Reality Check and SPA p-values with no warning."""
    write_panel(tmp_path, seed=5, n_symbols=3, n_days=260)
    study = study_for(tmp_path)
    run = eventstudy.run(study, data_dir=tmp_path, placebos=200, null="dates")
    assert any("the 'dates' null had little room" in n for n in run.notes)
    result = run_sweep(study, [parse_axis("MKT drawdown threshold=0.5%,1%")], data_dir=tmp_path, placebos=200, seed=3)
    assert result.verdict["little_room"] == 2 and result.verdict["best"] is None
    assert result.ledger.select("p_placebo", "z", "p_romano_wolf").null_count().row(0) == (6, 6, 6)
    assert "the 'dates' null had little room in 2 of 2 cells: it moves each stock's events to another of only 3 stocks, too few" in result.verdict["warning"]


def test_a_grid_of_market_days_is_shown_not_tested_as_its_run_says(folder: Path) -> None:
    """A condition on the market series alone picks every stock on its days, and the
    'dates' null then draws the events themselves: a run says its p-values are no test,
    and its sweep picked a best cell with Reality Check and SPA p-values beside it."""
    study_for(folder)  # writes study.yaml
    text = (folder / "study.yaml").read_text()
    (folder / "market.yaml").write_text(text.replace("when: close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "when: MKT drawdown >= 1%"))
    study = eventstudy.load_study(folder / "market.yaml")
    run = eventstudy.run(study, data_dir=folder, placebos=200, null="dates")
    assert any("the 'dates' null had little room: the condition picks days, not stocks" in n for n in run.notes)
    result = run_sweep(study, [parse_axis("MKT drawdown threshold=1%,2%")], data_dir=folder, placebos=200, seed=3)
    assert result.verdict["little_room"] == 2 and result.verdict["best"] is None
    assert "the 'dates' null had little room in 2 of 2 cells: nearly every stock trading on the events' days is an event there" in result.verdict["warning"]


def test_a_grid_of_market_days_does_not_send_the_user_to_a_null_its_runs_refuse(folder: Path) -> None:
    """Entering at the next open, the histories null cannot be built (closes only), yet the
    sweep's little-room warning ended 'run the cells of interest as studies, with the
    histories null', which a run of a cell then refuses; it says why that null cannot be
    used, as a run's warning does."""
    study_for(folder, entry="next_open")  # writes study.yaml
    text = (folder / "study.yaml").read_text()
    (folder / "market.yaml").write_text(text.replace("when: close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "when: MKT drawdown >= 1%"))
    study = eventstudy.load_study(folder / "market.yaml")
    with pytest.raises(ConfigError):
        eventstudy.run(study, data_dir=folder, null="histories")
    result = run_sweep(study, [parse_axis("MKT drawdown threshold=1%,2%")], data_dir=folder, placebos=200, seed=3)
    warning = result.verdict["warning"]
    assert "the 'dates' null had little room in 2 of 2 cells" in warning
    assert "the histories null, which would test them, cannot be used here (" in warning and "next open" in warning
    assert "with the histories null" not in warning


@pytest.mark.parametrize("statistic", ["mean", "pct_positive"])  # its run leaves the median untested here
def test_a_cells_raw_p_value_and_null_centre_are_its_own_runs(folder: Path, statistic: str) -> None:
    """The ledger's raw p and placebo mean of a universe cell are what `eventstudy run` of
    that cell prints: the sweep drew them from its keyed joint null, a run from its seed's
    stream, so the 52-week-high study's cell (fwd 1w, gap 21) read raw p 0.062 in the sweep
    and 0.054 in its run. The joint null (and so the snooping control) stays keyed."""
    study = study_for(folder)
    ledger = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder, placebos=300, seed=5, statistic=statistic).ledger
    for gap in ("3", "8"):
        (folder / "cell.yaml").write_text((folder / "study.yaml").read_text().replace("gap: 3", f"gap: {gap}"))
        tests = eventstudy.run(eventstudy.load_study(folder / "cell.yaml"), data_dir=folder, placebos=300, seed=5, null="dates").tests
        own = tests.filter(pl.col("statistic") == statistic).select("measure", "asset", "horizon", "n", "p_placebo", "baseline", "null_mean")
        row = ledger.filter(pl.col("gap") == gap).join(own, on=["measure", "asset", "horizon"], suffix="_run")
        assert row.height == 3 and (row["n"] == row["n_run"]).all()
        tested = row.filter(pl.col("p_placebo_run").is_not_null())
        assert tested.height >= 2 and tested["p_placebo"].to_list() == tested["p_placebo_run"].to_list()
        centre = (tested["null_mean"] + tested["baseline_run"]).to_numpy()
        assert np.allclose(tested["placebo_mean"].to_numpy(), centre, rtol=0, atol=1e-12)


def test_a_cells_romano_wolf_p_is_never_below_its_raw_p(folder: Path) -> None:
    """The raw p is the cell's own run's, the step-down p comes from the grid's keyed joint
    null: on their own, the two sets of draws put an adjusted p below the raw one (fwd 4d,
    gap 8: raw 0.995, Romano-Wolf 0.980 with seed 6). An adjusted p is never below its raw p."""
    study = study_for(folder)
    for seed in (6, 11):
        ledger = run_sweep(study, [parse_axis("gap=3,8")], data_dir=folder, placebos=200, seed=seed).ledger
        tested = ledger.filter(pl.col("p_placebo").is_not_null())
        assert tested.height >= 4 and (tested["p_romano_wolf"] >= tested["p_placebo"]).all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_search_before_confirm_from_is_a_run_on_the_data_cut_there(tmp_path: Path, fmt: str) -> None:
    """A universe sweep's search read held-out closes as a timeline's did: a stock's
    4-day return from an event days before --confirm-from, the all-days baseline and the
    placebo days' values. Each cell's search figures are now those of a plain run on the
    data cut the day before, a stock listed only after it included (it is not in that
    data: a streamed Parquet file's rows of it were counted in the 'dates' null's
    permutations)."""
    cut = dt.date(2021, 6, 1)
    frame = write_panel(tmp_path, seed=11, n_symbols=30, n_days=260)
    late = [dt.date(2021, 7, 1) + dt.timedelta(days=i) for i in range(60)]
    frame = pl.concat([frame, pl.DataFrame({"date": late, "symbol": "LATE", "close": np.linspace(20, 30, 60), "open": None},
                                           schema=frame.schema)]).sort("symbol", "date")
    short = tmp_path / "short"
    short.mkdir()
    for folder, rows in ((tmp_path, frame), (short, frame.filter(pl.col("date") < cut))):
        rows.write_csv(folder / "panel.csv") if fmt == "csv" else rows.write_parquet(folder / "panel.parquet", row_group_size=50)
    (short / "MKT.csv").write_text((tmp_path / "MKT.csv").read_text())
    pl.read_csv(short / "MKT.csv", try_parse_dates=True).filter(pl.col("date") < cut).write_csv(short / "MKT.csv")
    study = study_for(tmp_path, panel_file=f"panel.{fmt}")
    result = run_sweep(study, [parse_axis("gap=3,8")], data_dir=tmp_path, placebos=120, confirm_from=cut, top=1)
    for gap in ("3", "8"):
        (short / "cell.yaml").write_text((tmp_path / "study.yaml").read_text().replace("gap: 3", f"gap: {gap}"))
        own = eventstudy.run(eventstudy.load_study(short / "cell.yaml"), data_dir=short, placebos=120)
        assert_rows_are_runs(result.ledger.filter(pl.col("gap") == gap), own, 3)
    assert result.ledger["n_incomplete"].sum() > 0
    assert result.confirmation["n"].sum() > 0


def test_a_universe_of_one_stock_is_said_to_have_no_other_stock(tmp_path: Path) -> None:
    """A sweep of a one-stock universe warned 'it moves each stock's events among only 1
    stocks, too few orderings to reach alpha', of a null with no other stock."""
    write_panel(tmp_path, seed=5, n_symbols=1, n_days=260)
    study = study_for(tmp_path)
    result = run_sweep(study, [parse_axis("MKT drawdown threshold=0.5%,1%")], data_dir=tmp_path, placebos=200, seed=3)
    assert result.verdict["little_room"] == 2 and result.verdict["best"] is None
    warning = result.verdict["warning"]
    assert "little room in 2 of 2 cells: a universe of one stock has no other stock to move its events to" in warning
    assert "1 stocks" not in warning


def test_a_cell_whose_window_has_few_stocks_trading_is_shown_not_tested_as_its_run_says(tmp_path: Path) -> None:
    """The 'dates' null moves each stock's events among the stocks trading on their days:
    a cell whose window starts after three of five stocks' data end had two, and was
    ranked and tested with no warning, where its run now says its p-values are no test."""
    frame = write_panel(tmp_path, seed=5, n_symbols=5, n_days=260)
    ended = pl.col("symbol").is_in(["S2", "S3", "S4"]) & (pl.col("date") >= dt.date(2021, 4, 1))
    frame.filter(~ended).write_csv(tmp_path / "panel.csv")
    study = study_for(tmp_path)
    run = eventstudy.run(study, data_dir=tmp_path, placebos=200, null="dates", start=dt.date(2021, 6, 1))
    (said,) = [n for n in run.notes if n.startswith("warning: the 'dates' null had little room")]
    assert "to another of only 2 stocks (only 2 of the universe's 5 trade on the events' days)" in said
    result = run_sweep(study, [parse_axis("window.start=2021-01-01,2021-06-01")], data_dir=tmp_path, placebos=200, seed=3)
    assert result.verdict["little_room"] == 1
    assert result.ledger.filter(pl.col("window.start") == "2021-06-01")["p_placebo"].null_count() == 3
    assert result.ledger.filter(pl.col("window.start") == "2021-01-01")["p_placebo"].null_count() < 3
    assert (
        "the 'dates' null had little room in 1 of 2 cells: it moves each stock's events to another of only 2 stocks (only 2 "
        "of the universe's 5 trade on the events' days), too few orderings to reach alpha"
    ) in result.verdict["warning"]

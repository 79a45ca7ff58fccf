"""The histories null of a universe study: whole days of every stock and market series
resampled together, each history prepared as a universe of its own, events pooled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from test_universe_scale import study_for, write_panel

import eventstudy
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError
from eventstudy.histories import UniverseHistorySource
from eventstudy.inference import histories as null_module
from eventstudy.inference.resample import stationary_indices
from eventstudy.universe import load_universe, prepare_universe

STUDY = """\
name: universe histories
series: {{MKT: MKT}}
universe: {{data_file: panel.parquet, label: stocks}}
when: close at 10-day high and MKT drawdown >= 1%
decluster: {{gap: 3}}
evaluate:
  - forward_returns: {{horizons: [1d, 5d]}}
  - excess_returns: {{benchmark: MKT, horizons: [5d]}}
statistics: {{placebos: 200, seed: 5{extra}}}
"""


def full_calendar_panel(folder: Path, seed: int, n_symbols: int = 6, n_days: int = 160) -> None:
    """Stocks with late listings, early ends and gaps, and a market that trades every day
    (so no stock has a day off the study calendar: a history can reproduce the study)."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    pl.DataFrame({"date": days, "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n_days)))}).write_csv(folder / "MKT.csv")
    rows = []
    for k in range(n_symbols):
        start, stop = int(rng.integers(0, 20)), n_days - int(rng.integers(0, 20))
        own = [d for d in days[start:stop] if rng.random() > 0.08]
        close = 20 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, len(own))))
        rows += [(d, f"S{k}", float(c)) for d, c in zip(own, close)]
    pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row").write_parquet(folder / "panel.parquet")


def study_in(folder: Path, extra: str = "") -> eventstudy.Study:
    return parse_study(STUDY.format(extra=extra), path=folder / "study.yaml")


def prepared(study: eventstudy.Study, folder: Path):
    given = load_universe(study, data_dir=folder)
    return prepare_universe(study, given.prices, given.symbols, stocks=given.stocks, panel_file=given.panel_file, keep_closes=True)


def test_a_history_prepared_on_the_known_calendar_is_the_same_universe(tmp_path: Path) -> None:
    """A resampled universe keeps the real calendar and symbols, so the null passes them
    (``known_dates``) rather than finding them from every row: the same panel either way."""
    full_calendar_panel(tmp_path, 4)
    study = study_in(tmp_path)
    panel = prepared(study, tmp_path)
    source = UniverseHistorySource.of(panel, study)
    indices = stationary_indices(panel.days.size - 1, 1, source.block_length, np.random.default_rng(2))[0]
    prices, stocks, _ = source.history(indices)
    found = prepare_universe(study, prices, source.symbols, stocks=stocks)
    known = prepare_universe(study, prices, source.symbols, stocks=stocks, known_dates=(pl.Series(panel.days).cast(pl.Date), stocks.height))
    assert known.symbols == found.symbols == source.symbols
    np.testing.assert_array_equal(known.days, found.days)
    np.testing.assert_array_equal(known.present, found.present)
    np.testing.assert_array_equal(known.daily, found.daily)
    for mine, theirs in zip(known.values, found.values, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    key = (study.when, study.trigger)
    np.testing.assert_array_equal(known.hits[key].flat, found.hits[key].flat)
    assert known.hits[key].flat.size > 0


def test_the_identity_history_is_the_study_itself(tmp_path: Path) -> None:
    """Drawing every real day in order rebuilds every stock's closes on its own days (gaps,
    listings and delistings kept), and the rebuilt universe finds the same events and
    outcomes as the study."""
    full_calendar_panel(tmp_path, 1)
    study = study_in(tmp_path)
    panel = prepared(study, tmp_path)
    source = UniverseHistorySource.of(panel, study)
    prices, stocks, flat = source.history(np.arange(panel.days.size - 1))
    assert flat == 0.0
    real = pl.read_parquet(tmp_path / "panel.parquet").sort("symbol", "date")
    assert stocks.select("date", "symbol").equals(real.select("date", "symbol"))
    np.testing.assert_allclose(stocks["close"].to_numpy(), real["close"].to_numpy(), rtol=1e-12)
    market = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True).filter(pl.col("date").is_in(pl.Series(panel.days).cast(pl.Date).implode()))
    np.testing.assert_allclose(prices["close"].to_numpy(), market["close"].to_numpy(), rtol=1e-12)  # from the calendar's first day
    again = prepare_universe(study, prices, source.symbols, stocks=stocks)
    key = (study.when, study.trigger)
    np.testing.assert_array_equal(again.hits[key].flat, panel.hits[key].flat)
    for mine, theirs in zip(again.values, panel.values):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_series_draws_the_same_day(tmp_path: Path, seed: int) -> None:
    """Day t of a history is real day idx[t - 1] for every stock and the market at once
    (the cross-section of a day stays together); a stock keeps its own trading days."""
    write_panel(tmp_path, seed, n_symbols=6, n_days=120, fmt="parquet")
    study = study_for(tmp_path, panel_file="panel.parquet")
    panel = prepared(study, tmp_path)
    source = UniverseHistorySource.of(panel, study)
    indices = stationary_indices(panel.days.size - 1, 1, 4.0, seed)[0]
    prices, stocks, flat = source.history(indices)
    assert 0.0 <= flat < 1.0
    grid = np.full(panel.present.shape, np.nan)
    grid.ravel()[source.rows] = stocks["close"].to_numpy()
    assert np.array_equal(~np.isnan(grid), panel.present)  # the same trading days as the real stocks
    with np.errstate(invalid="ignore", divide="ignore"):
        drawn = np.log(grid[:, 1:] / grid[:, :-1])  # where the stock trades on both days
    both = ~np.isnan(drawn)
    real = source.log_returns[:, indices]
    np.testing.assert_allclose(drawn[both & ~np.isnan(real)], real[both & ~np.isnan(real)], rtol=1e-9, atol=1e-12)
    assert np.all(np.abs(drawn[both & np.isnan(real)]) < 1e-12)  # a day the stock did not trade: flat
    market = np.log(prices["close"].to_numpy())
    np.testing.assert_allclose(np.diff(market), source.market.log_returns[indices, 0], rtol=1e-9, atol=1e-12)


def test_the_batch_equals_each_history_run_as_its_own_study(tmp_path: Path) -> None:
    """A history's pooled figures in the null are what `eventstudy.run` reports on that
    history's closes written to files (the same universe, read and prepared from scratch)."""
    full_calendar_panel(tmp_path, 2)
    study = study_in(tmp_path, ", histories: 19")
    statistics = study.statistics
    panel = prepared(study, tmp_path)
    result = eventstudy.run(study, data_dir=tmp_path, placebos=0)
    kept = result.raw_events.filter("kept").with_columns(
        pl.col("symbol").replace_strict({s: i for i, s in enumerate(panel.symbols)}, return_dtype=pl.Int64).alias("_s"),
        pl.col("date").cast(pl.Int32).replace_strict(
            {int(d): i for i, d in enumerate(panel.days.astype(np.int64))}, return_dtype=pl.Int64
        ).alias("_d"),
    )
    from eventstudy.events import window_mask

    window = window_mask(panel.days, study.window.start, study.window.end)
    tested = panel.only(panel.measures.tested)
    null = null_module.universe_history_null(
        panel, study, tested, kept["_s"].to_numpy(), kept["_d"].to_numpy(), window, statistics
    )
    assert null.count == 19 and null.histories.mean.shape == (19, tested.cells.height)
    source = UniverseHistorySource.of(panel, study, longest_horizon=int(tested.cells["horizon_days"].max()))
    assert source.block_length == null.block_length >= tested.cells["horizon_days"].max()  # blocks span the longest horizon
    seeds = np.random.SeedSequence([statistics.seed, 0x5EED]).spawn(19)
    keys = tested.cells.select("measure", "asset", "horizon", "horizon_days").rows()
    for b in (0, 7):
        indices = stationary_indices(panel.days.size - 1, 1, source.block_length, np.random.default_rng(seeds[b]))[0]
        prices, stocks, _ = source.history(indices)
        folder = tmp_path / f"history{b}"
        folder.mkdir()
        stocks.drop("open", "high", "low", "volume").write_parquet(folder / "panel.parquet")
        prices.select("date", "close").write_csv(folder / "MKT.csv", float_precision=17)
        alone = eventstudy.run(study_in(folder), data_dir=folder, placebos=0)
        summary = {(r["measure"], r["asset"], r["horizon"], r["horizon_days"]): r for r in alone.summary.iter_rows(named=True)}
        for c, key in enumerate(keys):
            row = summary[key]
            assert null.histories.n[b, c] == row["n"]
            if row["n"]:
                assert null.histories.mean[b, c] == pytest.approx(row["mean"], rel=1e-6, abs=1e-9)
                assert null.histories.median[b, c] == pytest.approx(row["median"], rel=1e-6, abs=1e-9)
            assert null.histories.all_mean[b, c] == pytest.approx(row["baseline_mean"], rel=1e-6, abs=1e-9)
    # and the real data's figures are the study's own
    for c, key in enumerate(keys):
        row = result.summary.filter(pl.struct("measure", "asset", "horizon", "horizon_days") == dict(zip(("measure", "asset", "horizon", "horizon_days"), key)))
        assert null.observed.mean[0, c] == pytest.approx(row["mean"][0], rel=1e-6)


def test_a_run_with_the_histories_null(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The headline columns come from the resampled universes, the companions stay, the
    run is reproducible from its seed, and an unset count is the universe default."""
    full_calendar_panel(tmp_path, 3, n_symbols=8)
    study = study_in(tmp_path, ", histories: 39, null: histories")
    first = eventstudy.run(study, data_dir=tmp_path)
    again = eventstudy.run(study, data_dir=tmp_path)
    assert first.tests.equals(again.tests)
    tests = first.tests
    assert set(tests["null"].to_list()) == {"histories"}
    tested = tests.filter(pl.col("n") > 1)
    assert tested.height and tested["p_placebo"].is_between(1 / 40, 1).all()
    diff = (tested["difference"] - tested["null_mean"] - tested["effect"]).abs()
    assert diff.max() < 1e-12
    assert tested.filter(pl.col("statistic") == "mean")["p_cluster"].is_not_null().all()
    assert tested["ci_low"].is_not_null().all() and (tested["ci_low"] <= tested["ci_high"]).all()
    assert any("39 resampled universes" in n for n in first.notes)

    monkeypatch.setattr(null_module, "UNIVERSE_HISTORIES", 21)
    unset = eventstudy.run(study_in(tmp_path, ", null: histories"), data_dir=tmp_path)
    assert any("21 resampled universes" in n for n in unset.notes)
    asked = eventstudy.run(study_in(tmp_path), data_dir=tmp_path, null="histories", histories=25)
    assert any("25 resampled universes" in n for n in asked.notes)


def test_nulls_that_do_not_apply_are_refused(tmp_path: Path) -> None:
    full_calendar_panel(tmp_path, 4)
    with pytest.raises(ConfigError, match="for studies of named series"):
        eventstudy.run(study_in(tmp_path), data_dir=tmp_path, null="runs")
    timeline = parse_study(
        "name: t\nseries: {MKT: MKT}\nwhen: MKT drawdown >= 1%\nevaluate:\n  - forward_returns: {assets: [MKT], horizons: [1d]}\n",
        path=tmp_path / "t.yaml",
    )
    with pytest.raises(ConfigError, match="'dates' null is a universe study's"):
        eventstudy.run(timeline, data_dir=tmp_path, null="dates")
    with pytest.raises(ConfigError, match="unknown null 'runs' for a universe study") as found:
        parse_study(STUDY.format(extra=", null: runs"), path=tmp_path / "study.yaml")
    assert found.value.hint == "valid nulls: dates, histories" and found.value.location is not None

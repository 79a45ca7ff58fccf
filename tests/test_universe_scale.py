"""The universe's fast paths hold to the plain ones: evaluators' numpy panels against their
long frames, Parquet streaming against the in-memory load, moment nulls against Monte
Carlo, and any executor against the serial run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eventstudy
from eventstudy.cli import main
from eventstudy.config import parse_study
from eventstudy.errors import ConfigError
from eventstudy.evaluators.excess_returns import ExcessReturns
from eventstudy.evaluators.excursions import Excursions
from eventstudy.evaluators.forward_returns import ForwardReturns
from eventstudy.evaluators.hit_rate import HitRate
from eventstudy.evaluators.path import Path as PathEvaluator
from eventstudy.inference import panel
from eventstudy.universe import prepare_universe

STUDY = """\
name: scale test
series: {{MKT: MKT}}
universe: {{data_file: {panel}, label: stocks}}
when: close at 5-day high and close > sma(3) and MKT drawdown >= 1%
trigger: {trigger}
decluster: {{gap: 3}}
evaluate:
  - forward_returns: {{horizons: [1d, 4d], kind: {kind}, entry: {entry}}}
  - excess_returns: {{benchmark: MKT, horizons: [2d], kind: {kind}}}
statistics: {{placebos: 200, seed: 3}}
"""


def write_panel(folder: Path, seed: int, n_symbols: int = 5, n_days: int = 90, fmt: str = "csv") -> pl.DataFrame:
    """A ragged panel (``panel.csv`` or ``panel.parquet``): each symbol has its own
    calendar (gaps, late listing, early end), and the market skips some of its days."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    market_days = [d for d in days if rng.random() > 0.05]
    market = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(market_days))))
    pl.DataFrame({"date": market_days, "close": market}).write_csv(folder / "MKT.csv")
    rows = []
    for k in range(n_symbols):
        start, stop = rng.integers(0, 15), n_days - rng.integers(0, 15)
        own = [d for d in days[start:stop] if rng.random() > 0.1]
        close = 20 * np.exp(np.cumsum(rng.normal(0.001, 0.02, len(own))))
        opens = close * np.exp(rng.normal(0, 0.005, len(own)))
        rows += [(d, f"S{k}", float(c), float(o) if rng.random() > 0.05 else None) for d, c, o in zip(own, close, opens)]
    frame = pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64, "open": pl.Float64}, orient="row")
    if fmt == "csv":
        frame.write_csv(folder / "panel.csv")
    else:  # small row groups: a block read skips the others
        frame.write_parquet(folder / "panel.parquet", row_group_size=50)
    return frame


def study_for(folder: Path, panel_file: str = "panel.csv", **choices: str) -> eventstudy.Study:
    options = {"trigger": "level", "kind": "simple", "entry": "close"} | choices
    text = STUDY.format(panel=panel_file, **options)
    (folder / "study.yaml").write_text(text)
    return eventstudy.load_study(folder / "study.yaml")


def hits(panel):
    """The study's own condition's hits (the panel holds one set per condition prepared)."""
    (only,) = panel.hits.values()
    return only


def arrays(study: eventstudy.Study, folder: Path, block_rows: int = 250) -> object:
    from eventstudy.data import load_prices_any
    from eventstudy.universe import universe_symbols

    symbols = universe_symbols(study, folder)
    loaded = load_prices_any(["MKT", *symbols], data_dir=folder)
    return prepare_universe(study, loaded.frame, symbols, block_rows=block_rows)  # by default two blocks of several symbols


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["simple", "log"]),
    entry=st.sampled_from(["close", "next_close", "next_open"]),
)
def test_evaluator_panel_paths_equal_the_long_frame_path(tmp_path: Path, seed: int, kind: str, entry: str) -> None:
    write_panel(tmp_path, seed)
    study = study_for(tmp_path, kind=kind, entry=entry)
    fast = arrays(study, tmp_path)
    originals = ForwardReturns.panel, ExcessReturns.panel
    ForwardReturns.panel = ExcessReturns.panel = lambda self, block: None  # type: ignore[method-assign]
    try:
        slow = arrays(study, tmp_path)
    finally:
        ForwardReturns.panel, ExcessReturns.panel = originals  # type: ignore[method-assign]
    assert ("excess" if kind == "simple" else "excess_log") in set(fast.cells["measure"])
    assert fast.cells.equals(slow.cells)
    for a, b in zip(fast.values, slow.values):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-6)
    for (fa, ra), (fb, rb) in zip(fast.pending, slow.pending):
        np.testing.assert_array_equal(fa, fb)
        np.testing.assert_array_equal(ra, rb)
    np.testing.assert_array_equal(hits(fast).flat, hits(slow).flat)


@pytest.mark.parametrize("evaluator", [Excursions, HitRate, PathEvaluator, ExcessReturns])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), max_days=st.integers(1, 12), threshold=st.sampled_from(["0%", "1%", "-2%"]))
def test_excursions_hit_rates_paths_and_market_models_on_a_block_equal_the_long_frame_path(
    tmp_path: Path, evaluator: type, seed: int, max_days: int, threshold: str
) -> None:
    """The worst and best closes ahead, the days to recover, the hit rates (against a
    threshold, and against the market over the days it also trades), the path in event
    time (days before the event too) and the market model's abnormal returns (its windows
    over the days the market also trades), over the whole column of blocks of several
    symbols, against each symbol's own long frame: the same bits (the market model's
    rolling sums, started at another row, to float32's last digit), the same pending
    cells."""
    write_panel(tmp_path, seed)
    evaluate = {
        Excursions: [f"excursions: {{horizons: [1d, 4d], max_days: {max_days}}}"],
        HitRate: ["hit_rate: {horizons: [1d, 4d], benchmark: MKT}", f"hit_rate: {{horizons: [2d], threshold: '{threshold}'}}"],
        PathEvaluator: [f"path: {{before: {max_days}, after: 6, step: 2}}", "forward_returns: {horizons: [1d]}"],
        ExcessReturns: [f"excess_returns: {{benchmark: MKT, horizons: [1d, 4d], model: market, estimation: {19 + max_days}, gap: {max_days % 4}}}"],
    }[evaluator]
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0]
    text += "evaluate:\n" + "".join(f"  - {line}\n" for line in evaluate) + "statistics: {placebos: 200, seed: 3}\n"
    (tmp_path / "study.yaml").write_text(text)
    study = eventstudy.load_study(tmp_path / "study.yaml")
    fast = arrays(study, tmp_path)
    original = evaluator.panel
    evaluator.panel = lambda self, block: None
    try:
        slow = arrays(study, tmp_path)
    finally:
        evaluator.panel = original
    measures = {Excursions: {"mae", "mfe", "recovery"}, HitRate: {"hit"}, PathEvaluator: {"path", "fwd"}, ExcessReturns: {"car"}}[evaluator]
    assert fast.cells.equals(slow.cells) and set(fast.cells["measure"]) == measures
    for a, b in zip(fast.values, slow.values):
        if evaluator is ExcessReturns:
            assert np.isfinite(a).sum() > 50  # the estimation windows fill on most symbols
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
            np.testing.assert_allclose(a, b, rtol=2e-7, atol=1e-9)
        else:
            np.testing.assert_array_equal(a, b)
    for (fa, ra), (fb, rb) in zip(fast.pending, slow.pending):
        np.testing.assert_array_equal(fa, fb)
        np.testing.assert_array_equal(ra, rb)


def reference_edges(frame: pl.DataFrame, market_days: set[dt.date], mkt_dd: dict[dt.date, float]) -> set[tuple[str, dt.date]]:
    """Edge-triggered hits by a plain loop over each symbol's calendar rows."""
    out = set()
    for (symbol,), rows in frame.sort("symbol", "date").group_by(["symbol"], maintain_order=True):
        dates, closes = rows["date"].to_list(), rows["close"].to_list()
        previous_hit = False
        for i, (d, c) in enumerate(zip(dates, closes)):
            if d not in market_days:
                continue
            high = i >= 5 and c >= max(closes[i - 5 : i])
            sma = i >= 2 and c > sum(closes[i - 2 : i + 1]) / 3
            hit = high and sma and mkt_dd[d] >= 0.01
            if hit and not previous_hit:
                out.add((symbol, d))
            previous_hit = hit
    return out


def test_edge_trigger_is_per_symbol(tmp_path: Path) -> None:
    frame = write_panel(tmp_path, seed=11, n_days=200)
    market = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True)
    peak = market["close"].cum_max()
    mkt_dd = dict(zip(market["date"].to_list(), (1 - market["close"] / peak).to_list()))
    study = study_for(tmp_path, trigger="edge")
    data = arrays(study, tmp_path)
    n_days = len(data.days)
    got = {(data.symbols[f // n_days], data.days[f % n_days].astype(dt.date)) for f in hits(data).flat}
    assert got == reference_edges(frame, set(mkt_dd), mkt_dd) and got


def test_parquet_streaming_equals_the_in_memory_run(tmp_path: Path) -> None:
    (tmp_path / "csv").mkdir()
    (tmp_path / "parquet").mkdir()
    write_panel(tmp_path / "csv", seed=5, n_symbols=12, n_days=160)
    write_panel(tmp_path / "parquet", seed=5, n_symbols=12, n_days=160, fmt="parquet")
    in_memory = eventstudy.run(study_for(tmp_path / "csv", "panel.csv"), data_dir=tmp_path / "csv")
    streamed = eventstudy.run(study_for(tmp_path / "parquet", "panel.parquet"), data_dir=tmp_path / "parquet")
    assert streamed.events.equals(in_memory.events)
    assert streamed.summary.equals(in_memory.summary)
    assert streamed.tests.equals(in_memory.tests)


def test_a_parquet_file_sorted_by_date_is_read_once_with_the_same_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed, each block of a file sorted by date would decode all of it (cost growing
    with rows x blocks): such a file is read once and sorted by symbol in memory, with a
    note, and the run equals the one on the same rows sorted by symbol, which streams."""
    from eventstudy import blocks, universe

    (tmp_path / "by_symbol").mkdir()
    (tmp_path / "by_date").mkdir()
    frame = write_panel(tmp_path / "by_symbol", seed=5, n_symbols=12, n_days=160, fmt="parquet")
    frame.sort("symbol", "date").write_parquet(tmp_path / "by_symbol" / "panel.parquet", row_group_size=50)  # S10 before S2
    frame.sort("date", "symbol").write_parquet(tmp_path / "by_date" / "panel.parquet", row_group_size=50)
    (tmp_path / "by_date" / "MKT.csv").write_bytes((tmp_path / "by_symbol" / "MKT.csv").read_bytes())
    studies = {name: study_for(tmp_path / name, "panel.parquet") for name in ("by_symbol", "by_date")}
    reads: list[object] = []
    original = universe.read_long_block
    for module in (universe, blocks):  # the whole file where the study is loaded, a block's symbols where a block runs
        monkeypatch.setattr(module, "read_long_block", lambda *args, **kwargs: reads.append(args) or original(*args, **kwargs))
    notes, read_calls = {}, {}
    for name, study in studies.items():
        reads.clear()
        notes[name] = universe.prepare_study_universe(study, data_dir=tmp_path / name, block_rows=200).notes  # several blocks
        read_calls[name] = len(reads)
    assert read_calls["by_date"] == 1 and read_calls["by_symbol"] > 1  # the whole file once; block by block
    reads.clear()
    found = universe.load_universe(studies["by_date"], data_dir=tmp_path / "by_date", rows=False)  # what `validate` asks
    assert not reads and found.stocks is None and found.symbols == sorted(frame["symbol"].unique().to_list())
    assert any("panel.parquet is not sorted by symbol" in note for note in notes["by_date"])
    assert not any("not sorted by symbol" in note for note in notes["by_symbol"])
    by_date, by_symbol = (eventstudy.run(studies[name], data_dir=tmp_path / name) for name in ("by_date", "by_symbol"))
    assert by_date.events.equals(by_symbol.events)
    assert by_date.summary.equals(by_symbol.summary)
    assert by_date.tests.equals(by_symbol.tests)


def test_a_bad_row_in_a_streamed_block_names_the_file_and_row(tmp_path: Path) -> None:
    frame = write_panel(tmp_path, seed=6, fmt="parquet")
    bad = frame.with_columns(pl.when(pl.int_range(pl.len()) == 40).then(-1.0).otherwise(pl.col("close")).alias("close"))
    bad.write_parquet(tmp_path / "panel.parquet")
    with pytest.raises(eventstudy.EventStudyError, match=r"row 40 .*non-positive close"):
        eventstudy.run(study_for(tmp_path, "panel.parquet"), data_dir=tmp_path, placebos=0)


def test_moment_nulls_agree_with_monte_carlo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the draw budget the mean and % positive are tested from the nulls' exact
    moments; with thousands of events, both ways must give nearly the same answer."""
    write_panel(tmp_path, seed=8, n_symbols=40, n_days=300, fmt="parquet")
    text = STUDY.format(panel="panel.parquet", trigger="level", kind="simple", entry="close")
    text = text.replace("when: close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "when: close > sma(3)")
    text = text.replace("decluster: {gap: 3}\n", "").replace("placebos: 200", "placebos: 3000")
    study = parse_study(text, path=tmp_path / "study.yaml")
    monkeypatch.setattr(panel, "MAX_DRAWS", 10**9)
    drawn = eventstudy.run(study, data_dir=tmp_path)
    assert drawn.events.height > 3000
    monkeypatch.setattr(panel, "MAX_DRAWS", 0)
    moments = eventstudy.run(study, data_dir=tmp_path)
    assert any("exact moments" in note for note in moments.notes)
    for statistic in ("mean", "pct_positive"):
        a = drawn.tests.filter(pl.col("statistic") == statistic).sort("horizon_days")
        b = moments.tests.filter(pl.col("statistic") == statistic).sort("horizon_days")
        for column in ("p_placebo", "p_symbols_null", "p_maxstat"):  # 3000 draws: about 0.01 of noise
            assert np.allclose(a[column].to_numpy(), b[column].to_numpy(), atol=0.04), (statistic, column, a[column], b[column])
        assert np.allclose(a["percentile"].to_numpy(), b["percentile"].to_numpy(), atol=4.0)
    assert moments.tests.filter(pl.col("statistic") == "median")["p_placebo"].is_null().all()


def test_a_process_pool_gives_the_serial_result(tmp_path: Path) -> None:
    """A pool asked for runs the blocks, however small the universe: under 5M rows it was
    dropped for this process's threads without a word, so '--executor processes' (for a
    plug-in evaluator in pure Python, which holds the GIL) ran on threads all the same."""
    from eventstudy.data import load_prices_any
    from eventstudy.executor import get_executor

    write_panel(tmp_path, seed=9, n_symbols=8, n_days=120, fmt="parquet")
    study = study_for(tmp_path, "panel.parquet")
    market = load_prices_any(["MKT"], data_dir=tmp_path).frame
    symbols = [f"S{k}" for k in range(8)]
    serial = prepare_universe(study, market, symbols, panel_file=tmp_path / "panel.parquet", block_rows=150)
    with get_executor("processes", workers=2) as executor:
        pooled = prepare_universe(study, market, symbols, panel_file=tmp_path / "panel.parquet", block_rows=150, executor=executor)
        assert executor.submitted > 1  # the blocks did go to the workers
    np.testing.assert_array_equal(hits(pooled).flat, hits(serial).flat)
    np.testing.assert_array_equal(pooled.present, serial.present)
    for a, b in zip(pooled.values, serial.values):
        np.testing.assert_array_equal(a, b)
    assert hits(pooled).values.equals(hits(serial).values)


@settings(max_examples=150, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 30), st.integers(1, 40)),
    scale=st.sampled_from([1e-4, 1.0, 1e4]),
    missing=st.floats(0, 0.9),
    ties=st.booleans(),
    chunk=st.one_of(st.none(), st.integers(1, 8)),  # None: CHUNK_VALUES' rows (the whole array here)
    sample_every=st.sampled_from([None, 1, 3, 50, 10_000]),
    budget=st.sampled_from([None, 0, 5]),
    seed=st.integers(0, 2**32 - 1),
)
def test_baseline_moments_and_median_equal_numpy(
    shape: tuple[int, int], scale: float, missing: float, ties: bool, chunk: int | None, sample_every: int | None, budget: int | None, seed: int
) -> None:
    """The baseline's moments come from chunked passes and its median from the values
    inside a sampled bracket (only counted when it is one tied value: rounded small values
    are all zeros), or a histogram of order keys where the bracket misses (a sparse
    sample: 50 or 10,000) or would gather more than the budget: nothing pooled, and they
    must equal numpy on the pooled values, per day and per symbol too."""
    rng = np.random.default_rng(seed)
    values = (rng.standard_t(3, size=shape) * scale).astype(np.float32)
    if ties:
        values = np.round(values)
    values[rng.random(shape) < missing] = np.nan
    window = rng.random(shape[1]) < 0.8 if rng.random() < 0.7 else np.ones(shape[1], dtype=bool)
    with pytest.MonkeyPatch.context() as patch:
        if budget is not None:
            patch.setattr(panel, "MEDIAN_BUDGET", budget)
        found = panel.CellMoments.of(values, window, rows_per_chunk=chunk, sample_every=sample_every)
    known = values[:, window][~np.isnan(values[:, window])].astype(np.float64)
    inside = np.where(window[None, :] & ~np.isnan(values), values, np.nan).astype(np.float64)
    for moments, axis in ((found.by_day, 0), (found.by_symbol, 1)):
        np.testing.assert_array_equal(moments.n, (~np.isnan(inside)).sum(axis=axis))
        np.testing.assert_array_equal(moments.positive, (inside > 0).sum(axis=axis))
        np.testing.assert_allclose(moments.total, np.nansum(inside, axis=axis), rtol=1e-9, atol=1e-12 * scale)
    assert found.base.n == known.size
    if known.size:
        assert found.median == np.median(known)
        assert found.base.mean("mean") == pytest.approx(known.mean(), rel=1e-9, abs=1e-12)
        assert found.base.mean("pct_positive") == pytest.approx((known > 0).mean())
    else:
        assert np.isnan(found.median)


@settings(max_examples=40, deadline=None)
@given(
    across=st.integers(1, 3), along=st.sampled_from([1, 7, 52, 255, 256, 257, 65_535, 65_536, 70_001]), axis=st.sampled_from([0, 1]),
    every=st.booleans(), seed=st.integers(0, 2**32 - 1),
)
def test_counts_of_true_values_are_exact_on_either_side_of_16_bits(across: int, along: int, axis: int, every: bool, seed: int) -> None:
    """The baseline counts a mask's True values in 8-bit lanes along an axis shorter than
    256, in 16-bit lanes along one shorter than 65,536 and in 64 bits beyond: a full axis of
    255 or 65,535 fits, one of 256 or 65,536 must not wrap."""
    shape = (along, across) if axis == 0 else (across, along)
    mask = np.ones(shape, dtype=bool) if every else np.random.default_rng(seed).random(shape) < 0.5
    found = panel.count_true(mask, axis)
    np.testing.assert_array_equal(found, mask.sum(axis=axis))


def test_pending_outcomes_say_how_long_to_wait_per_symbol(tmp_path: Path) -> None:
    """A stock with a row on the panel's last day waits for its data ('pending (Nd)'); one
    whose rows stop before it (an early end) never completes ('data ended')."""
    from eventstudy.report import render_markdown

    frame = write_panel(tmp_path, seed=2, n_symbols=30, n_days=120)
    market = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True)["date"]
    last_day = frame.filter(pl.col("date").is_in(market.implode()))["date"].max()
    running = set(frame.filter(pl.col("date") == last_day)["symbol"])
    result = eventstudy.run(study_for(tmp_path), data_dir=tmp_path, placebos=0)
    pending = result.outcomes.filter(pl.col("days_remaining") > 0)
    assert pending.height and result.pending.height == pending.height
    assert result.pending["ended"].to_list() == [s not in running for s in result.pending["symbol"]]
    text = render_markdown(result)
    lines = {tuple(x.split(" | ")[:2]): x for x in text.splitlines() if x.startswith("| 20")}
    said = {True: 0, False: 0}
    for row in pending.iter_rows(named=True):
        line = lines.get((f"| {row['date']}", row["symbol"]))
        if line is not None:  # a row of the instance table's shown part
            ended = row["symbol"] not in running
            assert ("data ended" if ended else f"pending ({row['days_remaining']}d)") in line
            said[ended] += 1
    assert said[True] and said[False]


def test_the_run_warns_where_calibration_showed_the_panel_tests_fail(tmp_path: Path) -> None:
    write_panel(tmp_path, seed=1)
    notes = eventstudy.run(study_for(tmp_path), data_dir=tmp_path, placebos=100).notes
    assert any("'symbols' null (p_symbols_null) is not a valid test" in n for n in notes)  # bare features
    assert not any("overlap their forward windows" in n for n in notes)  # 4d is not over 3 x 3 days
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").replace("decluster: {gap: 3}\n", "decluster: {gap: 1}\n")
    notes = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, placebos=100).notes
    assert not any("over three times" in n for n in notes)  # the 'dates' null moves a stock's overlapping events together


@pytest.mark.parametrize(
    ("when", "evaluator", "null", "headline", "warned"),
    [
        ("close at 5-day high", "excess_returns: {benchmark: MKT, horizons: [2d], model: market, estimation: 20}", None, "histories", False),
        ("close at 5-day high", "excess_returns: {benchmark: MKT, horizons: [2d], model: market, estimation: 20}", "dates", "dates", True),
        ("close at 5-day high", "excursions: {horizons: [2d], max_days: 5}", "dates", "dates", True),
        # a market condition picks days, not stocks: the histories null by default for that reason (null_choice.picks_days_not_stocks)
        ("MKT drawdown >= 1%", "excess_returns: {benchmark: MKT, horizons: [2d], model: market, estimation: 20}", None, "histories", False),
        ("close at 5-day high", "excess_returns: {benchmark: MKT, horizons: [2d]}", None, "dates", False),
        ("close at 5-day high", "excursions: {horizons: [2d], max_days: 5}", "histories", "histories", False),
        ("close at 5-day high and close > open", "excursions: {horizons: [2d], max_days: 5}", None, "dates", True),  # no histories of opens
    ],
)
def test_the_dates_null_gives_way_where_the_condition_picks_what_a_measure_depends_on(
    tmp_path: Path, when: str, evaluator: str, null: str | None, headline: str, warned: bool
) -> None:
    """The 'dates' null compares an event stock's value with other stocks' on the same
    day, whose alpha and beta (the market model) or volatility (the worst and best close
    ahead) the condition did not pick. Where the condition reads the stock's own prices
    (a market condition picks every stock's day alike, and gets the histories null for
    another reason: it picks days, not stocks), such a study's headline is the
    histories null by default, and 'dates' asked for (or left as the only null: a
    condition on the day's open cannot be resampled) is run with a warning; the plain
    excess return keeps the 'dates' null."""
    write_panel(tmp_path, seed=1)
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0].replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", when
    )
    text += f"evaluate:\n  - {evaluator}\n"
    text += "statistics: {placebos: 100, histories: 19, seed: 3" + (f", null: {null}" if null else "") + "}\n"
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    notes = result.notes
    assert result.statistics is not None and result.statistics.null == headline  # result.json and the manifest say what ran
    assert any(n.startswith("p-values: the rule re-run on 19 resampled universes") for n in notes) == (headline == "histories")
    assert any("histories null is this study's headline by default" in n for n in notes) == (headline == "histories" and null is None)
    assert any("the 'dates' null is not a valid test of" in n for n in notes) == warned


@pytest.mark.parametrize(("when", "null", "placebos", "warned"), [
    ("close at 5-day high", None, 100, True),
    ("MKT drawdown >= 1%", None, 100, False),
    ("breadth(close at 5-day high) >= 20%", None, 100, False),  # the share of all stocks: the same for each
    ("breadth(close > sma(3)) >= 20% and close at 5-day high", None, 100, True),
    ("close at 5-day high", "histories", 100, False),
    ("close at 5-day high", None, 0, False),
])
def test_the_dates_nulls_median_and_share_positive_are_flagged_under_a_condition_on_own_prices(
    tmp_path: Path, when: str, null: str | None, placebos: int, warned: bool
) -> None:
    """A condition on a stock's own prices picks volatile stocks, whose median return and
    share of gains are lower than the same days' other stocks': the 'dates' null then
    leaves the median untested (shown, without a p-value or a place in the max-statistic
    family) and says that its shares (the share positive, the hit rate) over-reject; the
    average keeps its test."""
    write_panel(tmp_path, seed=1)
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0].replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", when
    )
    text += "evaluate:\n  - forward_returns: {horizons: [2d, 4d]}\n  - hit_rate: {horizons: [2d]}\n"
    text += f"statistics: {{placebos: {placebos}, histories: 19, seed: 3" + (f", null: {null}" if null else "") + "}\n"
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    assert any("does not test the median here" in n for n in result.notes) == warned
    assert any("tests of the share positive and the average of 'hit' over-reject" in n for n in result.notes) == warned
    if placebos:
        by_statistic = {s: rows for (s,), rows in result.tests.group_by(["statistic"])}
        assert by_statistic["mean"]["p_placebo"].null_count() == 0 and by_statistic["mean"]["p_maxstat"].null_count() == 0
        median = by_statistic["median"]
        assert median["observed"].null_count() == 0
        assert (median["p_placebo"].null_count() == median.height and median["p_maxstat"].null_count() == median.height) == warned


def test_warnings_do_not_point_to_a_histories_null_that_cannot_run(tmp_path: Path) -> None:
    """A condition on the day's open: the histories (closes only) cannot be built, so the
    default stays 'dates', and its warnings say the histories null cannot run rather than
    suggest --null histories, which is refused."""
    write_panel(tmp_path, seed=1)
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0].replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "close at 5-day high and open < close"
    )
    text += "evaluate:\n  - excursions: {horizons: [4d], max_days: 10}\nstatistics: {placebos: 100, seed: 3}\n"
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    assert set(result.tests["null"]) == {"dates"}
    assert any("the histories null, which would test them, cannot run here (" in n and "day's open" in n for n in result.notes)
    assert any("the histories null, which tests it, cannot run here" in n for n in result.notes)
    assert not any("null='histories'" in n or "--null histories" in n for n in result.notes)


def test_histories_given_to_a_universe_that_cannot_be_resampled_say_why_not_add_it(tmp_path: Path) -> None:
    """'--histories 100' on a universe study entering at the next open (the histories null
    cannot be built: closes only) was refused with the hint 'add --null histories
    (statistics.null) ...', which the run then refuses too; a study of named series names
    why (e468824), and so does a universe now."""
    write_panel(tmp_path, seed=1)
    study = study_for(tmp_path, entry="next_open")
    with pytest.raises(ConfigError) as caught:
        eventstudy.run(study, data_dir=tmp_path, paths=False, histories=100)
    assert "the histories null cannot be used here (" in caught.value.message and "next open" in caught.value.message
    assert caught.value.hint == "drop histories="  # the keyword a Python call gave, not the command line's flag
    with pytest.raises(ConfigError):  # the null the old hint sent the user to
        eventstudy.run(study, data_dir=tmp_path, paths=False, null="histories")


def test_a_monthly_market_series_keeps_a_universe_off_the_histories_null(tmp_path: Path) -> None:
    """A market series with a close every 21st day makes the study calendar monthly, and
    the histories null rebuilt the universe on it: each stock's 4-day horizon was 4 months
    there and 4 trading days in the data. A condition on it (which picks days, so the
    histories null by default) now keeps the 'dates' null, says why the histories cannot
    be used, and refuses them when asked, as a study of named series does (bb94f2f)."""
    write_panel(tmp_path, seed=1, n_symbols=6, n_days=900)
    market = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True)
    market.gather_every(21).write_csv(tmp_path / "MKT.csv")
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "MKT drawdown >= 1%"
    )
    study = parse_study(text, path=tmp_path / "s.yaml")
    result = eventstudy.run(study, data_dir=tmp_path, paths=False)
    assert result.statistics is not None and result.statistics.null == "dates"
    assert set(result.tests["null"]) == {"dates"}
    assert any("the histories null, which would keep the events' dates and resample the prices, cannot be used here "
               "(the histories null rebuilds the universe on the study calendar" in n for n in result.notes)
    with pytest.raises(ConfigError, match="a monthly market series beside daily stocks"):
        eventstudy.run(study, data_dir=tmp_path, paths=False, null="histories")
    with pytest.raises(ConfigError) as caught:
        eventstudy.run(study, data_dir=tmp_path, paths=False, histories=50)
    assert "the histories null cannot be used here" in caught.value.message and caught.value.hint == "drop histories="
    daily = tmp_path / "daily"
    daily.mkdir()
    write_panel(daily, seed=1, n_symbols=6, n_days=900)  # the same universe beside a daily market: the histories null
    assert eventstudy.run(parse_study(text, path=daily / "s.yaml"), data_dir=daily, paths=False).statistics.null == "histories"


def test_a_rule_no_resampled_universe_meets_leaves_nothing_tested(tmp_path: Path) -> None:
    """'MKT sma(200) > 0' fills on the market's own 400 days, but the resampled universes
    are rebuilt on the stocks' 150-day calendar and never fill it: no universe gave the
    rule an event, no p-value, and the verdict read 'no cell had enough complete events for
    a test' beside cells of dozens of events. As for a study of named series (3109f47), the
    null's finding is that nothing is tested, and the verdict says so."""
    from eventstudy.report.verdict import verdict_line

    rng = np.random.default_rng(4)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(400)]
    pl.DataFrame({"date": days, "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400)))}).write_csv(tmp_path / "MKT.csv")
    stocks = [(d, f"S{k}", float(c)) for k in range(6) for d, c in zip(days[250:], 20 * np.exp(np.cumsum(rng.normal(0, 0.02, 150))))]
    pl.DataFrame(stocks, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row").write_csv(tmp_path / "panel.csv")
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "close at 5-day high and MKT sma(200) > 0"
    ).replace("statistics: {placebos: 200, seed: 3}", "statistics: {placebos: 200, histories: 30, seed: 3, null: histories}")
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    assert (result.summary["n"] >= 3).all()
    assert [(w.null, w.cause, w.drawn) for w in result.no_test] == [("histories", "few draws", "resampled universes with an event")]
    assert "nothing is tested: the histories null drew too few resampled universes with an event" in verdict_line(result)


def test_a_default_universe_histories_null_records_the_universes_it_drew(tmp_path: Path) -> None:
    write_panel(tmp_path, seed=1)
    text = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0].replace(
        "close at 5-day high and close > sma(3) and MKT drawdown >= 1%", "close at 5-day high"
    )
    text += "evaluate:\n  - excursions: {horizons: [2d], recovery: false}\nstatistics: {placebos: 100, seed: 3}\n"
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    assert result.statistics is not None and (result.statistics.null, result.statistics.histories) == ("histories", 200)
    assert any(n.startswith("p-values: the rule re-run on 200 resampled universes") for n in result.notes)


@pytest.mark.parametrize("placebos", [100, 0])
def test_a_universe_dates_run_records_the_universes_histories_default(tmp_path: Path, placebos: int) -> None:
    """A universe run on the 'dates' null recorded 'histories: 1000' in result.json and
    the manifest, the named series' default: a universe's is 200, and a run from the
    recorded settings with the histories null drew 1,000 resampled universes, not the
    200 the same study draws."""
    write_panel(tmp_path, seed=1)
    result = eventstudy.run(study_for(tmp_path), data_dir=tmp_path, placebos=placebos, paths=False)
    assert result.statistics is not None and result.statistics.histories == 200
    assert set(result.tests["null"]) == ({"dates"} if placebos else set())
    again = eventstudy.run(study_for(tmp_path), data_dir=tmp_path, placebos=100, null="histories", histories=result.statistics.histories, paths=False)
    assert any(n.startswith("p-values: the rule re-run on 200 resampled universes") for n in again.notes)


def test_a_universe_lets_two_entries_share_a_measure_but_not_a_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As a study of named series: a hit rate above a threshold and one beating the market
    keep their cells under one title naming both; one horizon given twice is refused (it
    was merged without a word)."""
    from eventstudy.errors import ConfigError

    write_panel(tmp_path, seed=1)
    head = STUDY.format(panel="panel.csv", trigger="level", kind="simple", entry="close").split("evaluate:")[0]
    two = head + "evaluate:\n  - hit_rate: {horizons: [2d], threshold: 1%}\n  - hit_rate: {horizons: [2d], benchmark: MKT}\nstatistics: {placebos: 0}\n"
    result = eventstudy.run(parse_study(two, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    assert sorted(result.summary["asset"].to_list()) == ["stocks>0.01", "stocks>MKT"]
    assert result.measure_titles["hit"].count("hit rate") == 2
    twice = head + "evaluate:\n  - forward_returns: {horizons: [2d]}\n  - forward_returns: {horizons: [2d, 4d]}\nstatistics: {placebos: 0}\n"
    with pytest.raises(ConfigError, match="two 'forward_returns' entries both produce stocks fwd 2d"):
        eventstudy.run(parse_study(twice, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    # one horizon in two units (1w is 5 trading days), or a recovery looked for over two spans: one cell, shown and tested twice
    units = head + "evaluate:\n  - forward_returns: {horizons: [1w]}\n  - forward_returns: {horizons: [5d]}\nstatistics: {placebos: 0}\n"
    with pytest.raises(ConfigError, match="two 'forward_returns' entries both produce stocks fwd 5d"):
        eventstudy.run(parse_study(units, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    spans = head + "evaluate:\n  - excursions: {horizons: [2d], max_days: 10}\n  - excursions: {horizons: [4d], max_days: 30}\nstatistics: {placebos: 0}\n"
    with pytest.raises(ConfigError, match="two 'excursions' entries both produce stocks recovery"):
        eventstudy.run(parse_study(spans, path=tmp_path / "s.yaml"), data_dir=tmp_path, paths=False)
    # validate says so as the run does, before a row is read: it said 'ok' of each (and of the hit rates, which are two cells)
    for text, message in [(twice, "stocks fwd 2d"), (units, "stocks fwd 5d"), (spans, "stocks recovery"), (two, None)]:
        (tmp_path / "s.yaml").write_text(text)
        code = main(["validate", str(tmp_path / "s.yaml"), "--data-dir", str(tmp_path)])
        err = capsys.readouterr().err
        assert (code, message is None or f"entries both produce {message}" in err) == ((0, True) if message is None else (2, True)), err


def test_a_stocks_daily_return_runs_to_its_next_calendar_day_across_a_market_holiday(tmp_path: Path) -> None:
    """The calendar-time test's daily returns: a stock trading on a day the market series
    has no close (a market holiday) had, on the calendar day before, its return to that
    holiday only, and the move from the holiday to the next calendar day was lost (its row
    is off the calendar): a calendar-time t of 0.89 against 0.60 from the stocks' returns
    between calendar days. Each is now the return to the stock's next calendar row."""
    frame = write_panel(tmp_path, seed=4, n_symbols=6, n_days=120)
    panel = arrays(study_for(tmp_path), tmp_path)
    calendar = pl.read_csv(tmp_path / "MKT.csv", try_parse_dates=True)["date"]
    on_calendar = frame.filter(pl.col("date").is_in(calendar.implode())).sort("symbol", "date")
    expected = np.full(panel.daily.shape, np.nan)
    days = list(panel.days.astype("datetime64[D]").astype(object))
    crossed = 0
    for (symbol,), rows in on_calendar.group_by("symbol", maintain_order=True):
        s = panel.symbols.index(symbol)
        dates, closes = rows["date"].to_list(), rows["close"].to_numpy()
        for i in range(len(dates) - 1):
            expected[s, days.index(dates[i])] = closes[i + 1] / closes[i] - 1
        own = frame.filter(pl.col("symbol") == symbol)["date"]
        crossed += sum(1 for d in own.to_list() if d not in set(calendar.to_list()) and dates[0] < d < dates[-1])
    assert crossed > 0  # the panel has stock days on market holidays, inside a stock's calendar rows
    np.testing.assert_allclose(panel.daily, expected.astype(np.float32), rtol=1e-6, equal_nan=True)


def test_a_universe_of_one_stock_is_counted_in_the_singular(tmp_path: Path) -> None:
    """The declustering note of a one-stock universe read 'universe of 1 symbols'."""
    write_panel(tmp_path, seed=2, n_symbols=1, n_days=120)
    result = eventstudy.run(study_for(tmp_path), data_dir=tmp_path, placebos=0, paths=False)
    (note,) = [n for n in result.notes if n.startswith("universe of ")]
    assert note.startswith("universe of 1 symbol: ") and " 1 symbols" not in note

"""The one engine: a timeline, a universe and a batch of histories are the same computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import business_days, write_random_walks

import eventstudy
import eventstudy.inference.histories as histories_module
from eventstudy.config import Study, parse_study
from eventstudy.engine import _by_day_then_row, evaluate
from eventstudy.events import kept_events, panel_events, window_mask
from eventstudy.histories import HistorySource, history_panel
from eventstudy.inference.histories import SharedHistories, cell_statistics
from eventstudy.inference.resample import stationary_indices
from eventstudy.panel import Panel
from eventstudy.report.verdict import verdict_line
from eventstudy.study import prepare

TIMELINE = """
name: one series
series: {{X: X}}
when: X at 20-day high and X drawdown <= 5%
window: {{start: 2024-03-01}}
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{assets: [X], horizons: [1w, 1m, 3m]}}
statistics: {{placebos: 0}}
"""

UNIVERSE = """
name: one stock
universe: [X]
when: close at 20-day high and drawdown <= 5%
window: {{start: 2024-03-01}}
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{horizons: [1w, 1m, 3m]}}
statistics: {{placebos: 0}}
"""


def _walk(n: int = 700, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0004, 0.012, n)))
    return pl.DataFrame({"date": business_days(n), "symbol": "X", "close": close})


@pytest.mark.parametrize("gap", ["5", "10cd"])
def test_a_one_symbol_universe_and_the_same_series_as_a_timeline_agree(tmp_path, gap: str) -> None:
    prices = _walk()
    prices.select("date", "close").write_csv(tmp_path / "X.csv")
    (tmp_path / "t.yaml").write_text(TIMELINE.format(gap=gap))
    (tmp_path / "u.yaml").write_text(UNIVERSE.format(gap=gap))
    timeline = eventstudy.run(tmp_path / "t.yaml", data_dir=tmp_path)
    universe = eventstudy.run(tmp_path / "u.yaml", data_dir=tmp_path)
    assert timeline.events.height > 5
    assert timeline.events["date"].to_list() == universe.events["date"].to_list()
    assert (universe.events["symbol"] == "X").all()
    for label in ("1w", "1m", "3m"):  # a universe keeps outcomes as float32
        np.testing.assert_allclose(
            universe.events[f"stocks.fwd.{label}"].to_numpy(), timeline.events[f"X.fwd.{label}"].to_numpy(), rtol=2e-6
        )
    np.testing.assert_allclose(universe.events["close"].to_numpy(), timeline.events["X.close"].to_numpy(), rtol=1e-12)
    columns = ["n", "n_incomplete", "mean", "median", "pct_positive", "baseline_n", "baseline_mean", "baseline_median", "baseline_pct_positive"]
    a, b = timeline.summary.filter(pl.col("measure") == "fwd").select(columns), universe.summary.select(columns)
    assert a["n"].to_list() == b["n"].to_list() and a["baseline_n"].to_list() == b["baseline_n"].to_list()
    for column in columns[2:]:
        np.testing.assert_allclose(a[column].to_numpy(), b[column].to_numpy(), rtol=2e-6, atol=1e-9)
    assert timeline.raw_events["kept"].to_list() == universe.raw_events["kept"].to_list()


HISTORY = """
name: histories
series: {{A: A, B: B}}
when: {when}
window: {{start: 2024-06-03}}
decluster: {{gap: {gap}}}
trigger: {trigger}
evaluate:
  - forward_returns: {{assets: [A, B], horizons: [5, 21]}}
  - excess_returns: {{assets: [A], benchmark: B, horizons: [10]}}
  - hit_rate: {{assets: [B], horizons: [5], threshold: 1%}}
  - excess_returns: {{assets: [B], benchmark: A, horizons: [5, 21], model: market, estimation: 40, gap: 3}}
statistics: {{placebos: 0}}
"""


def _older_a(when: str, first: float, last: float) -> tuple[Study, Panel, HistorySource, np.ndarray]:
    """A study of A and B whose A has 150 closes (from ``first`` to ``last``) before B's
    first: the study, its prepared panel, the histories' source and A's closes."""
    days = business_days(400)
    rng = np.random.default_rng(3)
    a = np.concatenate([np.linspace(first, last, 150), 100 * np.exp(np.cumsum(rng.normal(0, 0.005, 250)))])
    b = 50 * np.exp(np.cumsum(rng.normal(0, 0.005, 250)))
    prices = pl.concat([pl.DataFrame({"date": days, "symbol": "A", "close": a}), pl.DataFrame({"date": days[150:], "symbol": "B", "close": b})])
    study = parse_study(HISTORY.format(when=when, gap="1", trigger="level").replace("window: {start: 2024-06-03}\n", ""))
    real = prepare(study, prices=prices, paths=False)
    return study, real, HistorySource.of(real.frame, real.days, ["A", "B"], block_length=15.0, closes_before=real.closes_before), a


@pytest.mark.parametrize(("when", "events"), [("A at ATH", 0), ("A drawdown <= 10%", 0), ("A at ATL", None)])
def test_an_older_series_histories_remember_its_high_and_low_before_the_calendar(when: str, events: int | None) -> None:
    """A's closes go back a year before B's begin, and its high then (200) is far above the
    calendar's closes (about 100): the real A makes no all-time high on the calendar. Its
    histories started their running high afresh at the first common day, and made all-time
    highs on most of them (SPX's 1973 high forgotten in the flagship's histories of 1979-80).
    They now start from A's high and low before the calendar, as the real A does."""
    study, real, source, a = _older_a(when, 150.0, 200.0)
    assert real.closes_before.keys() == {"A"} and real.closes_before["A"].tolist() == a[:150].tolist()  # B's data start with the calendar
    assert evaluate(real, study).events.height == (events if events is not None else evaluate(real, study).events.height)
    batch = history_panel(source, study, stationary_indices(249, 50, 15.0, np.random.default_rng(5)))
    hits = batch.hits_for(study.when, study.trigger).flat.size
    if events is not None:
        assert hits == 0
    else:  # a low: the histories wander below 150 as the real A does; and on their first day too, as its data know
        assert hits > 0 and batch.hits_for(study.when, study.trigger).position.min() == 0


@pytest.mark.parametrize(
    "when", ["A close < A sma(50)", "A ema(20) > A sma(5)", "A return(30) < 0", "A rsi(14) < 50", "A volatility(20) >= 0", "A at 20-day low", "A days_since_ath > 100"]
)
def test_an_older_series_histories_read_its_closes_before_the_calendar(when: str) -> None:
    """A's closes go back 150 days before B's begin. Its histories computed their windowed
    features (moving averages, returns, RSI, N-day lows) afresh from the first common day,
    unknown for the window's first days, so a rule on them found no event there that the
    real A could find; and ``days_since_ath`` counted from that day, not from A's high
    149 days before it. They now read A's earlier closes, as the real A does: the first
    day is as known as in the data: every history starts from A's first close on the
    calendar, so the condition holds there in each, as it does in the data."""
    study, real, source, _ = _older_a(when, 200.0, 150.0)
    assert real.finder is not None and real.finder.find(study.when, study.trigger).position.min() == 0  # the data know day 0
    hits = history_panel(source, study, stationary_indices(249, 50, 15.0, np.random.default_rng(5))).hits_for(study.when, study.trigger)
    assert (hits.position == 0).sum() == 50


def _history_source(days: list[dt.date], seed: int, when: str, gap: str, trigger: str) -> tuple[Study, HistorySource]:
    """The HISTORY study of ``when`` on two random-walk series A and B over ``days``, and the
    source its histories are resampled from (blocks of 15 days on average)."""
    rng = np.random.default_rng(seed)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (len(days), 2)), axis=0))
    prices = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes[:, k]}) for k, s in enumerate("AB")])
    study = parse_study(HISTORY.format(when=when, gap=gap, trigger=trigger))
    real = prepare(study, prices=prices, paths=False)
    return study, HistorySource.of(real.frame, real.days, ["A", "B"], block_length=15.0)


@pytest.mark.parametrize(
    ("when", "gap", "trigger"),
    [("A at 20-day high and B drawdown >= 2%", "5", "level"), ("A rsi(14) < 40", "7cd", "edge"), ("A crosses above A sma(10)", "3", "level")],
)
def test_a_batch_of_histories_equals_each_history_run_as_a_study(when: str, gap: str, trigger: str) -> None:
    """The batch (one panel of B rows) and B separate studies on the rebuilt prices give the
    same events, outcomes and all-days figures."""
    days = business_days(600)
    study, source = _history_source(days, 11, when, gap, trigger)
    indices = stationary_indices(599, 4, 15.0, np.random.default_rng(5))
    batch = history_panel(source, study, indices)
    window = window_mask(batch.days, study.window.start, study.window.end)
    kept = panel_events(batch, batch.hits_for(study.when, study.trigger), window, study.decluster).filter("kept")
    stats = cell_statistics(batch.values, kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64), window)
    keys = batch.cells.select("measure", "asset", "horizon").rows()
    closes_b = source.first * np.exp(np.concatenate([np.zeros((4, 1, 2)), np.cumsum(source.log_returns[indices], axis=1)], axis=1))
    for b in range(4):
        frame = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes_b[b, :, k]}) for k, s in enumerate("AB")])
        own = evaluate(prepare(study, prices=frame, paths=False), study)
        mine = kept.filter(pl.col("_s") == b)
        assert own.events["date"].to_list() == mine["date"].to_list()
        summary = {r[:3]: r[3:] for r in own.summary.select("measure", "asset", "horizon", "n", "mean", "median", "baseline_mean", "baseline_median").rows()}
        for c, key in enumerate(keys):
            n, mean, median, base_mean, base_median = summary[key]
            assert stats.n[b, c] == n
            if n:
                assert stats.mean[b, c] == pytest.approx(mean, rel=1e-5, abs=1e-7)
                assert stats.median[b, c] == pytest.approx(median, rel=1e-5, abs=1e-7)
            assert stats.all_mean[b, c] == pytest.approx(base_mean, rel=1e-5, abs=1e-7)
            assert stats.all_median[b, c] == pytest.approx(base_median, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize(
    ("when", "gap", "trigger"),
    [("A drawdown >= 0.5%", "1", "level"), ("A drawdown >= 0.5%", "5", "level"), ("A drawdown >= 0.5%", "5, mode: after_any", "level"),
     ("A rsi(14) < 50", "7cd", "edge"), ("A rsi(14) < 50", "2w, mode: after_any", "level")],
)
def test_a_batchs_kept_events_are_the_event_frames_kept_rows(when: str, gap: str, trigger: str) -> None:
    """The histories' chunks take the kept events' indices without the frame
    (:func:`~eventstudy.events.kept_events`): the same rows and days, in the same order, as
    :func:`~eventstudy.events.panel_events`' kept rows, dense events and every declustering
    (a gap of one trading day keeps all; trading and calendar gaps; after a kept or any one)."""
    study, source = _history_source(business_days(600), 3, when, gap, trigger)
    batch = history_panel(source, study, stationary_indices(599, 6, 15.0, np.random.default_rng(8)))
    window = window_mask(batch.days, study.window.start, study.window.end)
    hits = batch.hits_for(study.when, study.trigger)
    frame = panel_events(batch, hits, window, study.decluster, labels=False)
    kept = frame.filter("kept")
    s_idx, d_idx = kept_events(batch, hits, window, study.decluster)
    assert s_idx.dtype == d_idx.dtype == np.int64
    np.testing.assert_array_equal(s_idx, kept["_s"].to_numpy())
    np.testing.assert_array_equal(d_idx, kept["_d"].to_numpy())
    assert frame.height > 100 and (gap == "1") == (kept.height == frame.height)  # dense events, declustered but at a gap of one day


def test_histories_reproduce_from_the_seed_and_report_the_bias_corrected_effect() -> None:
    days = business_days(900)
    rng = np.random.default_rng(2)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (900, 2)), axis=0))
    prices = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes[:, k]}) for k, s in enumerate("AB")])
    text = HISTORY.format(when="A at 20-day high", gap="10", trigger="level").replace("placebos: 0", "histories: 99, seed: 4")
    study = parse_study(text)
    panel = prepare(study, prices=prices, paths=False)
    first, again = evaluate(panel, study), evaluate(panel, study)
    assert first.tests.equals(again.tests)
    tests = first.tests.filter(pl.col("statistic") == "mean")
    assert set(tests["null"]) == {"histories"}
    np.testing.assert_allclose(tests["effect"], tests["difference"] - tests["null_mean"], rtol=1e-12)
    assert (tests["ci_low"] <= tests["observed"]).all() or (tests["ci_high"] >= tests["observed"]).all()
    other = evaluate(panel, study, statistics=study.statistics.model_copy(update={"seed": 5}))
    assert not first.tests.equals(other.tests)
    assert any("resampled histories" in note for note in first.notes)
    _ = dt


def test_histories_draw_their_blocks_a_group_at_a_time_and_the_seed_alone_decides_them(monkeypatch) -> None:
    """The histories' blocks are drawn a group of histories at a time, not all at once
    (10,000 histories of SPX since 1927 took 2.9 GB for their blocks alone, 100,000 would
    take 29 GB); the first group from the seed's stream as one draw of all did, so up to
    a group's histories draw as before; and the chunks the histories are run in decide
    nothing."""
    days = business_days(160)
    rng = np.random.default_rng(8)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (160, 2)), axis=0))
    prices = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes[:, k]}) for k, s in enumerate("AB")])
    study = parse_study(HISTORY.format(when="A at 20-day high", gap="5", trigger="level").replace("placebos: 0", "histories: 100, seed: 4").replace("2024-06-03", "2024-01-02"))
    panel = prepare(study, prices=prices, paths=False)
    drawn: list[int] = []
    original = histories_module.matched_blocks
    monkeypatch.setattr(histories_module, "matched_blocks", lambda states, reps, *a: drawn.append(reps) or original(states, reps, *a))
    monkeypatch.setattr(histories_module, "BLOCKS_PER_DRAW", 1)
    monkeypatch.setattr(histories_module, "HISTORIES_PER_DRAW", 40)
    grouped = evaluate(panel, study).tests
    assert drawn == [40, 40, 20] and set(grouped["null"]) == {"histories"}
    monkeypatch.setattr(histories_module, "ROWS_PER_CHUNK", 7 * 160)  # chunks of 7 histories, across the groups
    assert evaluate(panel, study).tests.equals(grouped)
    monkeypatch.setattr(histories_module, "HISTORIES_PER_DRAW", 100)  # one group: the seed's stream, as before
    alone = evaluate(panel, study).tests
    assert drawn[-1] == 100 and not alone.equals(grouped)


def test_histories_shared_by_several_studies_give_each_the_null_it_gets_alone() -> None:
    """A sweep's cells (other conditions, triggers, gaps) on one pass over the same
    histories: each study's tests equal those of its own pass; a study not listed, or one
    whose outcomes differ, gets its own."""
    days = business_days(700)
    rng = np.random.default_rng(8)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (700, 2)), axis=0))
    prices = pl.concat([pl.DataFrame({"date": days, "symbol": s, "close": closes[:, k]}) for k, s in enumerate("AB")])
    texts = [("A at 20-day high", "10", "level"), ("B drawdown >= 3%", "5", "edge"), ("A rsi(14) < 45 and B drawdown >= 1%", "7cd", "level")]
    studies = [parse_study(HISTORY.format(when=w, gap=g, trigger=t).replace("placebos: 0", "histories: 60, seed: 3")) for w, g, t in texts]
    other_outcomes = parse_study(
        HISTORY.format(when="A at 20-day high", gap="10", trigger="level").replace("placebos: 0", "histories: 60, seed: 3").replace("horizons: [5, 21]", "horizons: [5]")
    )
    panel = prepare(studies[0], prices=prices, paths=False, conditions=[s.when for s in studies])
    shared = SharedHistories([*studies, other_outcomes])
    calls = []
    original = histories_module._resampled_figures
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(histories_module, "_resampled_figures", lambda panel, group, *a: calls.append(len(group)) or original(panel, group, *a))
        together = [evaluate(panel, study, shared_histories=shared).tests for study in studies]
        alone = [evaluate(panel, study).tests for study in studies]
        outsider = parse_study(HISTORY.format(when="A at 20-day high", gap="3", trigger="level").replace("placebos: 0", "histories: 60, seed: 3"))
        evaluate(panel, outsider, shared_histories=shared)
    assert calls == [3, 1, 1, 1, 1]  # the three listed studies in one pass; each alone; the unlisted one alone
    for mine, own in zip(together, alone):
        assert mine.filter(pl.col("null") == "histories").height == own.height > 0
        assert mine.equals(own)


@pytest.mark.parametrize(
    ("when", "warned"),
    [("A at ATH and B drawdown >= 10%", {"A", "B"}), ("B drawdown >= 10%", {"B"}), ("A > A sma(5) and B < 95", set())],
)
def test_the_short_history_warning_is_for_all_time_highs_only(tmp_path, when: str, warned: set[str]) -> None:
    """Data that starts within a year of the window makes early all-time highs (and the
    drawdowns from them) mean little; a condition without them is not warned about
    (issue 14, bug 7)."""
    from report_helpers import STUDY, tiny_result

    result = tiny_result(tmp_path, STUDY.replace("A at ATH and B drawdown >= 10%", when), placebos=0)
    found = {n.split()[1] for n in result.notes if "'all-time highs' are only highs since" in n}
    assert found == warned


@pytest.mark.parametrize(
    ("template", "when", "said"),
    [
        (TIMELINE, "X > 0", "'X > 0' held on every day of the window ({n} of {n} days)"),
        (TIMELINE, "X > 0 or X at ATH", "'X > 0 or X at ATH' held on every day of the window ({n} of {n} days)"),
        (UNIVERSE, "close > 0", "'close > 0' held on every symbol-day of the window ({n} of {n} symbol-days)"),
        (TIMELINE, "X at 20-day high", None),
        (TIMELINE, "X rsi(14) >= 0", "'X rsi(14) >= 0' holds on every day where X rsi(14) is known"),  # said once, by its range
    ],
)
def test_a_condition_that_holds_on_every_day_of_the_window_is_warned_by_its_hits(tmp_path, template: str, when: str, said: str | None) -> None:
    """'SPX > 0' picks every day, a mistake the ranges of features do not see (a close has
    no upper bound): the run counts the days it held, whatever its text."""
    prices = _walk()
    prices.select("date", "close").write_csv(tmp_path / "X.csv")
    said = said and said.format(n=prices.filter(pl.col("date") >= dt.date(2024, 3, 1)).height)  # the window's days, by hand
    first = "X at 20-day high and X drawdown <= 5%" if template is TIMELINE else "close at 20-day high and drawdown <= 5%"
    (tmp_path / "s.yaml").write_text(template.replace(first, when).format(gap="5"))
    result = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    every = [n for n in result.notes if n.startswith("warning: ") and ("on every day" in n or "on every symbol-day" in n)]
    assert len(every) == (1 if said else 0)
    assert not said or every[0].startswith(f"warning: {said}")


def test_every_result_frame_converts_to_pandas(tmp_path) -> None:
    """`result.events.to_pandas()` is what a notebook in pandas does next (issue 14, bug 8:
    it raised for want of pyarrow, now in the `pandas` extra and the test extra)."""
    pytest.importorskip("pyarrow", reason="pip install 'eventstudy[pandas]'")
    from report_helpers import tiny_result

    result = tiny_result(tmp_path)
    for name in ("events", "outcomes", "summary", "raw_events", "tests"):
        frame = getattr(result, name)
        converted = frame.to_pandas()
        assert list(converted.columns) == frame.columns and len(converted) == frame.height


def test_a_series_close_at_ath_reads_its_whole_history_on_a_later_study_calendar(shared_data, tmp_path) -> None:
    """With RUT in the study its calendar starts in 1978-12, and 'SPX close at ATH' was a
    high since then: 63 'all-time highs' in 1979-80, while SPX stayed under its 1973 high
    until 1980-07-17 (DESIGN: ath is over all the history available for the series)."""
    text = """
name: ath
series: {SPX: SPX, RUT: RUT}
when: SPX close at ATH
window: {start: 1979-01-01, end: 1980-12-31}
evaluate:
  - forward_returns: {assets: [SPX], horizons: [1w]}
"""
    found = eventstudy.run(parse_study(text, path=tmp_path / "ath.yaml"), data_dir=shared_data, placebos=0).events["date"]
    plain = eventstudy.run(parse_study(text.replace("SPX close at", "SPX at"), path=tmp_path / "ath.yaml"), data_dir=shared_data, placebos=0)
    assert found.to_list() == plain.events["date"].to_list() and found[0] == dt.date(1980, 7, 17) and found.len() == 24


def test_a_result_prints_in_a_few_lines_and_its_summary_holds_the_studys_measures(shared_data) -> None:
    """Issue 14: a notebook shows a concise repr (and HTML), not every frame; the event-time
    path computed for charts is in chart_summary, not mixed into summary."""
    from pathlib import Path

    result = eventstudy.run(Path(__file__).resolve().parents[1] / "configs" / "spx_rut.yaml", data_dir=shared_data, histories=100)
    text = repr(result)
    assert len(text.splitlines()) == 5 and len(text) < 800  # name, condition, counts, verdict, where the tables are
    assert "19 events" in text and "SPX at ATH and RUT drawdown >= 10%" in text and "Verdict:" in text
    assert "result.summary (10 rows)" in text and "result.events (19 rows)" in text
    assert set(result.summary["measure"].to_list()) == {"fwd"}
    assert set(result.chart_summary["measure"].to_list()) == {"path"}
    page = result._repr_html_()
    assert page.startswith("<div>") and "<b>StudyResult</b>" in page and "Verdict" in page and len(page) < 1500


def test_outcomes_hold_the_studys_measures_and_the_chart_path_is_apart(tmp_path) -> None:
    """result.outcomes is what outcomes.csv holds: the event-time path computed for the
    charts (paths=True, as a run writing a report) had its rows in it too (2,356 rows for
    the flagship's 190, so an average of result.outcomes' SPX values mixed path values in),
    and in baseline_outcomes, which nothing read (1.29M rows)."""
    from report_helpers import tiny_result

    from eventstudy.report.files import visible_outcomes

    result = tiny_result(tmp_path, placebos=0, paths=True)
    assert set(result.outcomes["measure"].to_list()) == {"fwd"}
    written = visible_outcomes(result)  # outcomes.csv's rows
    assert result.outcomes.height == written.height and result.outcomes.select(written.columns).equals(written)
    assert set(result.chart_outcomes["measure"].to_list()) == {"path"}
    assert result.chart_outcomes["date"].unique().sort().equals(result.outcomes["date"].unique().sort())
    assert set(result.baseline_outcomes["measure"].to_list()) == {"fwd"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 70_000)), unique=True, max_size=60), st.booleans(), st.sampled_from([50, 1 << 16, 70_001]))
def test_events_by_day_then_row_are_lexsorted(events: list[tuple[int, int]], by_row: bool, n_days: int) -> None:
    """The instance table's order (by day, then row): a radix sort of the days where the
    events come by row and the days fit 16 bits, a lexsort otherwise; the same order."""
    events = [(s, d % n_days) for s, d in events]
    events = list(dict.fromkeys(sorted(events) if by_row else events))
    s_idx = np.array([e[0] for e in events], dtype=np.int32)
    d_idx = np.array([e[1] for e in events], dtype=np.int32)
    assert np.array_equal(_by_day_then_row(s_idx, d_idx, n_days), np.lexsort((s_idx, d_idx)))


LAGGED_UNIVERSE = """
name: lags per stock
series: {{M: M}}
universe: [X, Y, Z]
when: {when} and M > 0
decluster: {{gap: 1}}
evaluate:
  - forward_returns: {{horizons: [1w]}}
statistics: {{placebos: 0}}
"""

LAGGED_TIMELINE = """
name: lags of one stock
series: {{S: {symbol}, M: M}}
when: {when} and M > 0
decluster: {{gap: 1}}
evaluate:
  - forward_returns: {{assets: [S], horizons: [1w]}}
statistics: {{placebos: 0}}
"""


@pytest.mark.parametrize(
    ("stock", "timeline"),
    [
        ("close crosses above sma(10) and (close < sma(10) for 3 days) 1 day ago", "S crosses above S sma(10) and (S < S sma(10) for 3 days) 1 day ago"),
        ("close 1 day ago > 0", "S close 1 day ago > 0"),  # unknown on a stock's first calendar day, whatever came before it
    ],
)
def test_a_universes_lags_count_each_stocks_own_days_on_the_calendar(tmp_path, stock: str, timeline: str) -> None:
    """A universe's condition lags (``crosses``, ``for``, ``ago``: shifts over the whole
    block, each stock's first rows nulled) run over each stock's rows on the study
    calendar, as the same stock's timeline study does: stocks that trade on days the
    market series does not (off the calendar, their first day among them) and miss days
    of their own."""
    days = business_days(400)
    rng = np.random.default_rng(23)
    market = [d for i, d in enumerate(days) if i % 17 != 5]  # holidays of the market alone
    pl.DataFrame({"date": market, "close": 100.0 + np.arange(len(market))}).write_csv(tmp_path / "M.csv")
    for symbol in "XYZ":
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        traded = (rng.random(len(days)) > 0.05) & (np.arange(len(days)) >= 5)  # from a market holiday on
        pl.DataFrame({"date": days, "close": close}).filter(pl.Series(traded)).write_csv(tmp_path / f"{symbol}.csv")
    universe = eventstudy.run(parse_study(LAGGED_UNIVERSE.format(when=stock)), data_dir=tmp_path)
    for symbol in "XYZ":
        alone = eventstudy.run(parse_study(LAGGED_TIMELINE.format(symbol=symbol, when=timeline)), data_dir=tmp_path)
        mine = universe.events.filter(pl.col("symbol") == symbol)
        assert alone.events.height >= 3
        assert mine["date"].to_list() == alone.events["date"].to_list(), symbol


GAPPED_UNIVERSE = """
name: gaps per stock
series: {{M: M}}
universe: [X]
when: return(1) > 0
decluster: {{gap: {gap}, mode: {mode}}}
evaluate:
  - forward_returns: {{horizons: [1]}}
statistics: {{placebos: 0}}
"""

GAPPED_TIMELINE = """
name: gaps of one series
series: {{X: X, M: M}}
when: X return(1) > 0
decluster: {{gap: {gap}, mode: {mode}}}
evaluate:
  - forward_returns: {{assets: [X], horizons: [1]}}
statistics: {{placebos: 0}}
"""


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    stock_off=st.floats(0.0, 0.3),
    market_off=st.floats(0.0, 0.3),
    gap=st.integers(2, 6),
    mode=st.sampled_from(["after_kept", "after_any"]),
)
def test_a_universes_trading_day_gap_counts_the_stocks_days_on_the_study_calendar(
    seed: int, stock_off: float, market_off: float, gap: int, mode: str
) -> None:
    """DESIGN: a trading-day gap is i - i_kept >= gap on the study's calendar. A stock that
    trades on days its market series does not (off the calendar: neither events nor
    baseline days) counts them in no gap, as its timeline study with that market series
    does; a plain walk over the stock's days on the calendar is the reference."""
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng(seed)
    days = business_days(120)
    stock = [d for d in days if rng.random() >= stock_off]
    market = [d for d in days if rng.random() >= market_off]
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(stock))))
    on_calendar = set(market)
    rows = [i for i, d in enumerate(stock) if d in on_calendar]  # the stock's days on the study calendar
    hits = [k for k, i in enumerate(rows) if i >= 1 and close[i] > close[i - 1]]  # return(1) on its own days
    want, last = [], None
    for k in hits:
        before = (want[-1] if want else None) if mode == "after_kept" else last
        if before is None or k - before >= gap:
            want.append(k)
        last = k
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pl.DataFrame({"date": stock, "close": close}).write_csv(root / "X.csv")
        pl.DataFrame({"date": market, "close": 100.0 + np.arange(len(market))}).write_csv(root / "M.csv")
        universe = eventstudy.run(parse_study(GAPPED_UNIVERSE.format(gap=gap, mode=mode)), data_dir=root)
        timeline = eventstudy.run(parse_study(GAPPED_TIMELINE.format(gap=gap, mode=mode)), data_dir=root)
    assert universe.events["date"].to_list() == [stock[rows[k]] for k in want]
    assert timeline.events["date"].to_list() == [stock[rows[k]] for k in want]


DESCRIPTIVE = """
name: the path alone
series: {{A: A}}
{universe}when: {when}
decluster: {{gap: 10}}
evaluate:
  - path: {{{assets}before: 5, after: 20}}
statistics: {{placebos: 500}}
"""


@pytest.mark.parametrize(
    ("universe", "null"), [(False, None), (False, "runs"), (True, None), (True, "histories")]
)
def test_a_study_with_descriptive_evaluators_alone_tests_nothing_and_says_so(tmp_path, universe: bool, null: str | None) -> None:
    """A study whose only evaluator is the path in event time (not tested) runs under
    every null, timeline or universe: an empty significance table and a note saying
    why, not an error from a null with no cell to test (the histories null's headline
    indexed its first history's figures, and a universe printed p-value notes for
    tests that do not exist)."""
    write_random_walks(tmp_path, ("A", "X", "Y"), seed=5)
    text = DESCRIPTIVE.format(
        universe="universe: [X, Y]\n" if universe else "",
        when="close at 20-day high and A drawdown <= 5%" if universe else "A at 20-day high",
        assets="" if universe else "assets: [A], ",
    )
    result = eventstudy.run(parse_study(text), data_dir=tmp_path, **({"null": null} if null else {}))
    assert result.events.height > 10
    assert result.tests.is_empty()
    assert any(note.startswith("no significance tests: none of the study's evaluators is tested") for note in result.notes)
    assert not any(note.startswith("p-values") for note in result.notes)


@pytest.mark.parametrize("with_market_model", [True, False])
def test_the_runs_fallback_names_the_measures_it_cannot_test(with_market_model: bool) -> None:
    """When the histories null cannot be used (a nested baseline here) a study of prices
    falls back to the runs null with a warning; for the market model's abnormal return,
    which that null misjudges outright (39% of true nulls rejected at 5% on simulated
    histories), the warning says its p-values only describe."""
    days = business_days(500)
    rng = np.random.default_rng(3)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (500, 2)), axis=0))
    frames = {s: pl.DataFrame({"date": days, "close": closes[:, k]}) for k, s in enumerate("AB")}
    text = HISTORY.format(when="A at 20-day high", gap="5", trigger="level").replace("placebos: 0", "placebos: 100, seed: 1, baseline: {when: B drawdown >= 1%}")
    if not with_market_model:
        text = "\n".join(line for line in text.splitlines() if "model: market" not in line) + "\n"
    notes = eventstudy.run(parse_study(text), data=frames, paths=False).notes
    fallback = [n for n in notes if "the runs null was used instead" in n]
    assert len(fallback) == 1
    assert ("it is no test of the measure 'car'" in fallback[0]) == with_market_model


@pytest.mark.parametrize("null", ["runs", "matched", "circular"])
def test_a_measure_a_placebo_null_does_not_test_is_out_of_the_family_and_the_verdict(null: str) -> None:
    """Under a placebo null a condition on prices makes the market model's abnormal
    return (and the excursions) no test: their p-values are shown as descriptions, but
    they were in the max-statistic, Holm and BH families and in the verdict's counts,
    whose smallest adjusted p could name one of them (spx_rut_catchup's verdict named
    'mae RUT 6m average', and its '1 below 0.05 unadjusted' was that mae)."""
    days = business_days(500)
    rng = np.random.default_rng(3)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, (500, 2)), axis=0))
    frames = {s: pl.DataFrame({"date": days, "close": closes[:, k]}) for k, s in enumerate("AB")}
    text = HISTORY.format(when="A at 20-day high", gap="5", trigger="level").replace("placebos: 0", f"placebos: 400, seed: 1, null: {null}")
    result = eventstudy.run(parse_study(text), data=frames, paths=False)
    tests = result.tests.filter(pl.col("p_placebo").is_not_null())
    described = tests.filter(pl.col("measure") == "car")
    assert described.height and described["warning"].str.contains("does not test car: a description, no test").all()
    assert described.select("p_holm", "p_bh", "p_maxstat", "survives").null_count().row(0) == (described.height,) * 4
    tested = tests.filter(pl.col("measure") != "car")
    assert tested["p_maxstat"].null_count() == 0 and not tested["warning"].fill_null("").str.contains("a description").any()
    for statistic in ("mean", "median", "pct_positive"):  # Holm over the tested cells alone
        mine = tested.filter(pl.col("statistic") == statistic)
        p = np.sort(mine["p_placebo"].to_numpy())
        holm = np.minimum(1, np.maximum.accumulate(p * (p.size - np.arange(p.size))))
        np.testing.assert_allclose(np.sort(mine["p_holm"].to_numpy()), holm)
    line = verdict_line(result)
    if null == "runs":  # its runs fill this window: the null's own warning, no claim either way
        assert "nothing is tested: the runs null had little room" in line
        return
    assert f"of {tested.height} tests" in line and "car" not in line.split(";")[-2]
    assert line.endswith("; the p-values of car are descriptions, not tests (see the warning).")


NULL_CHOICE = """
name: null choice
series: {{A: A, B: B}}
{events}when: {when}
window: {{start: 2022-01-03}}
decluster: {{gap: {gap}}}
evaluate:
  - {evaluator}
statistics: {{placebos: 200, histories: 19, seed: 3{null}}}
"""


def _null_choice(tmp_path, when: str, *, gap: int = 5, null: str | None = None, events: bool = False,
                 evaluator: str = "forward_returns: {assets: [A], horizons: [5, 21]}") -> eventstudy.StudyResult:
    if events:
        pl.DataFrame({"date": business_days(900)[::10]}).write_csv(tmp_path / "dates.csv")  # every other week, like a schedule
    text = NULL_CHOICE.format(
        when=when, gap=gap, evaluator=evaluator, null=f", null: {null}" if null else "",
        events="events: {dates: dates.csv}\n" if events else "",
    )
    return _null_choice_run(tmp_path, text)


@pytest.mark.parametrize(("when", "events"), [("weekday == 1", False), ("on dates", True), ("A at 20-day high", False)])
def test_every_condition_the_histories_can_rebuild_gets_the_histories_null_by_default(tmp_path, when: str, events: bool) -> None:
    """Prices, a calendar and your own dates alike: events that recur evenly chain into one
    run that leaves the runs null no room (on simulated histories it rejected 0-22% of
    true nulls), while the histories null keeps their dates and resamples the prices."""
    result = _null_choice(tmp_path, when, events=events)
    assert set(result.tests["null"]) == {"histories"}
    assert result.statistics is not None and result.statistics.null == "histories"  # as result.json and the manifest record it


@pytest.mark.parametrize(("when", "events", "warned"), [("weekday == 1", False, True), ("on dates", True, True), ("A at 20-day high", False, False)])
def test_a_runs_null_with_little_room_says_its_p_values_are_no_test(tmp_path, when: str, events: bool, warned: bool) -> None:
    result = _null_choice(tmp_path, when, events=events, null="runs")
    assert set(result.tests["null"]) == {"runs"}
    assert any(n.startswith("warning: the runs null had little room") for n in result.notes) == warned
    assert [(w.null, w.cause) for w in result.no_test] == ([("runs", "little room")] if warned else [])
    # and the verdict claims nothing from them (it had read "1 of 18 tests significant" beside the warning)
    assert verdict_line(result).endswith("nothing is tested: the runs null had little room here, so its p-values are no test (see its warning).") == warned


def test_a_null_with_little_room_does_not_send_the_user_to_a_null_the_run_refuses(tmp_path) -> None:
    """A calendar condition under a nested baseline: the runs null had little room, and its
    warning ended 'the histories null (--null histories) keeps the events' dates and
    resamples the prices', which this run refuses ('a nested baseline ... is not supported
    by the histories null'). It now says why that null cannot be used here."""
    result = _null_choice(tmp_path, "weekday == 1", null="runs, baseline: {when: 'A close > 0'}")
    warned = [n for n in result.notes if n.startswith("warning: the runs null had little room")]
    assert warned and "null='histories'" not in warned[0]
    assert warned[0].endswith("the histories null, which would keep the events' dates and resample the prices, cannot be used here (a nested baseline)")
    assert [(w.null, w.cause) for w in result.no_test] == [("runs", "little room")]
    plain = _null_choice(tmp_path, "weekday == 1", null="runs")  # where it can be used, the warning sends the user there
    assert any(n.startswith("warning: the runs null had little room") and n.endswith("(null='histories') keeps the events' dates and resamples the prices") for n in plain.notes)


def test_histories_given_where_that_null_cannot_be_used_say_why_not_add_it(tmp_path) -> None:
    """'--histories 50' on a study whose default is the runs null for want of the histories
    null (a nested baseline) was refused with the hint 'add --null histories', which the run
    then refuses too."""
    text = NULL_CHOICE.format(when="weekday == 1", gap=5, evaluator="forward_returns: {assets: [A], horizons: [5]}",
                              null=", baseline: {when: 'A close > 0'}", events="")
    days = business_days(900)
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(8).normal(0.0003, 0.012, (900, 2)), axis=0))
    frames = {s: pl.DataFrame({"date": days, "close": closes[:, k]}) for k, s in enumerate("AB")}
    from eventstudy.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data=frames, paths=False, histories=50)
    assert "the histories null cannot be used here (a nested baseline)" in caught.value.message
    assert caught.value.hint == "drop histories="  # the keyword a Python call gave, not the command line's flag


def test_a_note_in_the_words_of_a_null_s_warning_is_no_warning(tmp_path) -> None:
    """Whether a null's p-values are no test is the null's finding, not words found in the
    notes: an events file named 'its p-values are no test.csv' is named in a note, and the
    run marked no test as surviving and read 'nothing is tested: the histories null drew
    too few placebo sets' of 19 histories that reach alpha 0.05."""
    pl.DataFrame({"date": business_days(900)[::10]}).write_csv(tmp_path / "its p-values are no test.csv")
    text = NULL_CHOICE.format(when="on dates", gap=5, null="", events="events: {dates: 'its p-values are no test.csv'}\n",
                              evaluator="forward_returns: {assets: [A], horizons: [5, 21]}")
    result = _null_choice_run(tmp_path, text)
    assert any("its p-values are no test.csv" in n for n in result.notes)
    assert result.no_test == ()
    assert "nothing is tested" not in verdict_line(result)
    assert result.tests["survives"].null_count() < result.tests.height


@pytest.mark.parametrize("null", ["runs", "circular", "matched", "histories"])
def test_one_event_is_shown_not_tested(tmp_path, null: str) -> None:
    """The day with the best month ahead, alone: the placebo nulls ranked its return
    among all days' and the verdict read '2 of 3 tests significant' (adjusted p 0.008)."""
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(8).normal(0.0003, 0.012, (900, 2)), axis=0))[:, 0]
    best = int(np.argmax(closes[21:] / closes[:-21]))
    pl.DataFrame({"date": [business_days(900)[best]]}).write_csv(tmp_path / "dates.csv")
    text = NULL_CHOICE.format(when="on dates", gap=5, null=f", null: {null}", events="events: {dates: dates.csv}\n",
                              evaluator="forward_returns: {assets: [A], horizons: [21]}").replace("window: {start: 2022-01-03}\n", "")
    result = _null_choice_run(tmp_path, text)
    assert result.events.height == 1
    assert result.tests["p_placebo"].null_count() == result.tests.height
    assert verdict_line(result) == "Verdict: 1 event; no cell had enough complete events for a test."
    assert any(n.startswith("warning: fewer than 3 events with a complete outcome at fwd A 21d (1)") for n in result.notes)
    from eventstudy.report.text import study_lines

    assert ("Events", "1 kept of 1 day the condition held") in study_lines(result)  # not '1 days'
    assert "(kept of 1 day the condition held)" in repr(result)  # the same words in a notebook
    assert "counts: 1 event (kept of" in repr(result) and "1 summary cell," in repr(result)  # not '1 events', '1 summary cells'
    assert "result.events (1 row)" in repr(result)  # not '(1 rows)'
    assert any(n.startswith("events 'dates': 1 date from dates.csv") for n in result.notes)  # not '1 dates'



@pytest.mark.parametrize(("when", "gap", "floor"), [("A close > 0", 5, "0.201"), ("A close > 0", 10, "0.333"), ("A at 20-day high", 5, None)])
def test_a_circular_null_that_cannot_reach_alpha_says_its_p_values_are_no_test(tmp_path, when: str, gap: int, floor: str | None) -> None:
    """Events on every 5th day come back under every 5th shift (179 of 895), events on
    every 10th day allow 5 shifts in all: no p-value could fall below 0.201 or 0.333,
    and nothing said so."""
    result = _null_choice(tmp_path, when, gap=gap, null="circular")
    warned = [n for n in result.notes if n.startswith("warning: the circular null had little room")]
    assert bool(warned) == (floor is not None)
    if floor is not None:
        assert f"no p-value can fall below {floor}" in warned[0]
        assert result.tests["p_placebo"].min() >= float(floor) - 1e-3


@pytest.mark.parametrize(("when", "gap", "moves"), [("A close > 0", 5, "4"), ("A close > 0", 4, "2"), ("A at 20-day high", 5, None)])
def test_a_matched_null_with_little_room_says_its_p_values_are_no_test(tmp_path, when: str, gap: int, moves: str | None) -> None:
    """Events on every 4th day nearly fill the window: every set of as many days 4 apart
    is the events' shifted by at most 2 days, and the verdict read '1 of 6 tests
    significant after the max-statistic adjustment' (every 5th day: '1 below 0.05
    unadjusted'), with no word that the null had nothing else to draw from (the runs and
    circular nulls warn there). Where the events
    fill the window exactly (SPX close > 0, gap 21, 2020-2021) the one set is the events'
    own: every p-value 1.000, and the verdict 'none below 0.05 even unadjusted'."""
    result = _null_choice(tmp_path, when, gap=gap, null="matched")
    warned = [n for n in result.notes if n.startswith("warning: the matched null had little room")]
    assert bool(warned) == (moves is not None)
    if moves is not None:
        assert f"at most {moves} trading day(s) to move" in warned[0]
        assert verdict_line(result).endswith("nothing is tested: the matched null had little room here, so its p-values are no test (see its warning).")
        assert result.tests["survives"].null_count() == result.tests.height


@pytest.mark.parametrize(("null", "count", "alpha", "warned"), [
    ("runs", 10, 0.05, True), ("matched", 18, 0.05, True), ("runs", 19, 0.05, False),
    ("histories", 19, 0.01, True), ("histories", 19, 0.05, False), ("histories", 99, 0.01, False),
])
def test_too_few_draws_for_alpha_say_their_p_values_are_no_test(tmp_path, null: str, count: int, alpha: float, warned: bool) -> None:
    """With B placebo sets (or resampled histories) no p-value falls below 1 / (B + 1):
    10 sets (0.091) at alpha 0.05, or 19 histories (0.05) at alpha 0.01, gave a verdict
    'none below ... even unadjusted', as if the data had said so."""
    setting = "histories" if null == "histories" else "placebos"
    text = NULL_CHOICE.format(when="A at 20-day high", gap=10, evaluator="forward_returns: {assets: [A], horizons: [5, 21]}",
                              null=f", null: {null}, alpha: {alpha}", events="")
    written = {"placebos": "placebos: 200", "histories": "histories: 19"}[setting]
    result = _null_choice_run(tmp_path, text.replace(written, f"{setting}: {count}"))
    found = [n for n in result.notes if "leave no p-value below" in n]
    assert bool(found) == warned
    if warned:
        drawn = "resampled histories" if null == "histories" else "placebo sets"
        assert found[0].startswith(f"warning: {count} {drawn} leave no p-value below 1/{count + 1} = {1 / (count + 1):.3f}")
        assert f"ask for {round(1 / alpha) - 1} or more (statistics.{setting}, {setting}=)" in found[0]
        assert verdict_line(result).endswith(f"nothing is tested: the {null} null drew too few {drawn} for this alpha, so its p-values are no test (see its warning).")
        assert result.tests["survives"].null_count() == result.tests.height
    assert [(w.null, w.cause, w.drawn) for w in result.no_test] == ([(null, "few draws", drawn)] if warned else [])


@pytest.mark.parametrize(("written", "said"), [(", block_length: 2.5", "blocks of 2.5 trading days"), (", block_length: 12", "blocks of 12 trading days")])
def test_the_histories_note_gives_the_block_length_the_study_set(tmp_path, written: str, said: str) -> None:
    """'block_length: 2.5' was run as 2.5 and reported as 'blocks of 2 trading days on average'."""
    text = NULL_CHOICE.format(when="A at 20-day high", gap=10, evaluator="forward_returns: {assets: [A], horizons: [5]}", null="", events="")
    result = _null_choice_run(tmp_path, text.replace("histories: 19", f"histories: 19{written}"))
    assert any(n.startswith("p-values: the rule re-run on 19 resampled histories") and said in n for n in result.notes)


@pytest.mark.parametrize(
    ("days", "said"),
    [(900, "each after the first starting after a month in the same tenth of 21-day volatility"),
     (100, "each after the first starting after a month in the same quarter of 21-day volatility"),
     (42, "not matched on volatility: a calendar of 42 days has one volatility state")],
)
def test_the_histories_note_says_how_finely_a_short_calendar_matches_the_blocks(days: int, said: str) -> None:
    """The note said every history's blocks start after a month in 'the same tenth' of
    volatility, though a calendar of 210 days or fewer has fewer states (99 returns: four)
    and one of 42 days or fewer one, where the blocks are not matched at all."""
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(8).normal(0.0003, 0.012, days)))
    text = "name: short\nseries: {A: A}\nwhen: A return(1) > 0\nevaluate:\n  - forward_returns: {assets: [A], horizons: [1d]}\nstatistics: {histories: 19}\n"
    result = eventstudy.run(parse_study(text), data={"A": pl.DataFrame({"date": business_days(days), "close": closes})}, paths=False)
    note = next(n for n in result.notes if n.startswith("p-values: the rule re-run on 19 resampled histories"))
    assert said in note and ("tenth" in note) == (days == 900)


def test_too_few_histories_with_events_for_alpha_say_their_p_values_are_no_test(tmp_path) -> None:
    """A history with no event (or one, for the average and the median) does not enter the
    null: 30 histories are enough for alpha 0.05, but a rule that the resampled histories
    rarely meet (a 45% drawdown made of one crash, whose days the resampling scatters) left
    11 of them in its null, no p-value below 1/12, and the verdict read '1 below 0.05
    unadjusted' or 'none below 0.05 even unadjusted' as if the data had said so."""
    days = business_days(900)
    returns = np.random.default_rng(8).normal(0.0003, 0.006, 900)
    returns[300:320] = -0.035  # a crash of about 50%
    frames = {"A": pl.DataFrame({"date": days, "close": 100 * np.exp(np.cumsum(returns))})}
    text = (
        "name: rare\nseries: {A: A}\nwhen: A drawdown >= 45% and A at 20-day high\ndecluster: {gap: 10}\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [5, 21]}\nstatistics: {histories: 30, seed: 3}\n"
    )
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data=frames, paths=False)
    entered = next(n for n in result.notes if n.startswith("warning: only ") and "resampled histories" in n)
    assert "no p-value of the average or the median can fall below" in entered and "above alpha 0.05" in entered
    assert any("resampled histories that gave the rule an event leave no p-value below" in n for n in result.notes)
    assert verdict_line(result).endswith(
        "nothing is tested: the histories null drew too few resampled histories with an event for this alpha, so its p-values are no test (see its warning)."
    )
    assert result.tests["survives"].null_count() == result.tests.height


def test_histories_that_never_meet_the_rule_leave_nothing_tested_and_the_verdict_says_why(tmp_path) -> None:
    """A rule no resampled history meets: A's quote stands still for 40 days (a stale
    price), so its 20-day volatility is 0 on 21 of them, but the histories scatter those
    zero returns, and none of them has 20 in a row. Every cell had events and no p-value,
    and the verdict read 'no cell had enough complete events for a test'. (A rule on A's
    closes before B's start no longer serves: the histories read them too.)"""
    days = business_days(900)
    returns = np.random.default_rng(8).normal(0.0003, 0.012, (900, 2))
    returns[600:640, 0] = 0.0
    closes = 100 * np.exp(np.cumsum(returns, axis=0))
    frames = {"A": pl.DataFrame({"date": days, "close": closes[:, 0]}), "B": pl.DataFrame({"date": days[400:], "close": closes[400:, 1]})}
    text = (
        "name: never\nseries: {A: A, B: B}\nwhen: A volatility(20) == 0\ndecluster: {gap: 5}\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [5]}\nstatistics: {histories: 30, seed: 3}\n"
    )
    result = eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data=frames, paths=False)
    assert result.summary["n"].min() >= 3 and result.tests["p_placebo"].null_count() == result.tests.height
    assert [(w.null, w.cause, w.drawn) for w in result.no_test] == [("histories", "few draws", "resampled histories with an event")]
    assert verdict_line(result).endswith(
        "nothing is tested: the histories null drew too few resampled histories with an event for this alpha, so its p-values are no test (see its warning)."
    )


@pytest.mark.parametrize(("null", "evaluator", "warned"), [
    ("matched", "excess_returns: {assets: [A], benchmark: B, horizons: [5], model: market, estimation: 40}", True),
    ("runs", "excursions: {assets: [A], horizons: [5], max_days: 10}", True),
    ("runs", "forward_returns: {assets: [A], horizons: [5]}", False),
])
def test_a_placebo_null_asked_for_under_a_price_condition_says_what_it_cannot_test(tmp_path, null: str, evaluator: str, warned: bool) -> None:
    result = _null_choice(tmp_path, "A at 20-day high", gap=10, null=null, evaluator=evaluator)
    assert any(f"warning: the {null} null holds the real days fixed" in n for n in result.notes) == warned


def test_the_histories_null_refuses_a_nested_baseline_at_its_key(tmp_path) -> None:
    from eventstudy.errors import ConfigError

    text = NULL_CHOICE.format(when="A at 20-day high", gap=10, evaluator="forward_returns: {assets: [A], horizons: [5]}",
                              null=", null: histories, baseline: {when: B > B sma(20)}", events="")
    with pytest.raises(ConfigError) as error:
        _null_choice_run(tmp_path, text)
    shown = error.value.render()
    assert "s.yaml:9:70:" in shown and "not supported by the histories null yet" in shown and "^^^^^^^^" in shown


def test_an_untested_cell_raises_no_warning_about_its_histories(tmp_path) -> None:
    """Events in the last days, every outcome still to come: no cell is tested, and the
    histories null warned 'only 0 of 19 resampled histories gave two or more events in
    some cell', about a null nothing reads."""
    pl.DataFrame({"date": business_days(900)[-3:]}).write_csv(tmp_path / "dates.csv")
    text = NULL_CHOICE.format(when="on dates", gap=1, null="", events="events: {dates: dates.csv}\n",
                              evaluator="forward_returns: {assets: [A], horizons: [5, 21]}")
    result = _null_choice_run(tmp_path, text)
    assert set(result.tests["null"]) == {"histories"} and set(result.tests["n"]) == {0}
    assert not any("resampled histories gave two or more events" in n for n in result.notes)


def _null_choice_run(tmp_path, text: str) -> eventstudy.StudyResult:
    days = business_days(900)
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(8).normal(0.0003, 0.012, (900, 2)), axis=0))
    frames = {s: pl.DataFrame({"date": days, "close": closes[:, k]}) for k, s in enumerate("AB")}
    return eventstudy.run(parse_study(text, path=tmp_path / "s.yaml"), data=frames, paths=False)


def test_a_value_missing_for_want_of_history_is_not_pending(tmp_path) -> None:
    """The market model's first year has no estimate: those events have no value and
    never will; the summary counts as incomplete (and the instance table shows as
    pending) only the values still to come."""
    from eventstudy.report.text import instance_cells

    text = NULL_CHOICE.format(when="A at 20-day high", gap=10, null=", null: runs", events="",
                              evaluator="excess_returns: {assets: [A], benchmark: B, horizons: [5], model: market}").replace(
        "window: {start: 2022-01-03}\n", "")
    result = _null_choice_run(tmp_path, text)
    outcomes = result.outcomes.filter(pl.col("measure") == "car")
    to_come = outcomes.filter(pl.col("value").is_null() & (pl.col("days_remaining") > 0).fill_null(False)).height
    no_history = outcomes.filter(pl.col("value").is_null()).height - to_come
    assert no_history > 0
    assert result.summary.filter(pl.col("measure") == "car")["n_incomplete"].to_list() == [to_come]
    cells = [c for row in instance_cells(result) for c in row]
    assert cells.count("n/a") == no_history and sum(c.startswith("pending") for c in cells) == to_come
    assert any(f"{no_history} event(s) without a value" in n for n in result.notes)


def test_a_hit_or_a_recovery_without_a_value_reads_n_a_as_a_return_does() -> None:
    """An event whose benchmark has no close on its day has no excess return ('n/a' in
    the instance table) and no hit against it, which read as an empty cell; nor did a
    recovery that never came within max_days (the run's notes count such events). Every
    outcome without a value, and none to come, reads 'n/a', whatever its unit."""
    from eventstudy.report.text import instance_cells

    days = business_days(300)
    a = pl.DataFrame({"date": days, "close": [100.0 + (i % 9) for i in range(150)] + [50.0] * 150})  # never back after day 150
    b = a.with_columns(pl.lit(1.0).alias("close")).filter(pl.int_range(pl.len()) % 7 != 3)  # a benchmark without every 7th day
    text = (
        "name: n_a\nseries: {A: A, B: B}\ndata: {align: ffill, max_stale: 3}\nwhen: A close > 0\n"
        "evaluate:\n  - excess_returns: {assets: [A], benchmark: B, horizons: [5]}\n"
        "  - hit_rate: {assets: [A], benchmark: B, horizons: [5]}\n"
        "  - excursions: {assets: [A], horizons: [5], max_days: 20}\nstatistics: {placebos: 0}\n"
    )
    result = eventstudy.run(parse_study(text), data={"A": a, "B": b}, paths=False)
    columns = result.events.columns
    rows = {row[0]: dict(zip(columns, row)) for row in instance_cells(result)}
    without_bench = days[3].isoformat()  # B has no close that day
    assert rows[without_bench]["A-B.excess.5d"] == "n/a" and rows[without_bench]["A>B.hit.5d"] == "n/a"
    fell = days[143].isoformat()  # the top of the cycle (108), below it the next day and never back
    assert result.events.filter(pl.col("date") == days[143])["A.recovery"].to_list() == [None]
    assert rows[fell]["A.recovery"] == "n/a"
    assert "" not in [cell for row in rows.values() for cell in row.values()]


def test_the_histories_headline_of_a_cell_no_history_can_value_is_empty_without_numpy_warnings() -> None:
    """Events on the data's last days: no resampled history has an all-days value in their
    cell. The cell gets no p-value and no interval, and numpy's 'Mean of empty slice'
    no longer leaks to stderr."""
    import warnings

    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import CellStatistics, HistoryNull, histories_headline

    def figures(rows: int, known: bool) -> CellStatistics:
        value = np.full((rows, 1), 0.01 if known else np.nan)
        return CellStatistics(n=np.full((rows, 1), 2.0), mean=value, median=value, pct_positive=value, sd=value,
                              n_all=np.zeros((rows, 1)), all_mean=np.full((rows, 1), np.nan), all_median=np.full((rows, 1), np.nan),
                              all_pct_positive=np.full((rows, 1), np.nan))
    null = HistoryNull(figures(1, True), figures(19, False), block_length=8.0, count=19)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        headline = histories_headline(null, StatisticsSpec(histories=19))
    assert np.isnan(headline.p["mean"]).all() and np.isnan(headline.ci_low["mean"]).all()


def test_the_histories_interval_of_a_share_positive_stays_a_share() -> None:
    """The histories null's interval is the basic bootstrap interval around the observed
    figure: for the share positive of events all positive (SPX 1y on configs/spx_rut.yaml,
    19 of 19) it read [72.9%, 143.5%] in tests.csv. A share is cut to [0, 1]; the mean's
    interval is not."""
    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import CellStatistics, HistoryNull, histories_headline

    rng = np.random.default_rng(3)

    def figures(share: np.ndarray) -> CellStatistics:
        rows = share.shape[0]
        col = share[:, None]
        return CellStatistics(n=np.full((rows, 1), 19.0), mean=col, median=col, pct_positive=col, sd=np.full((rows, 1), 0.1),
                              n_all=np.full((rows, 1), 5000.0), all_mean=np.full((rows, 1), 0.7), all_median=np.full((rows, 1), 0.7),
                              all_pct_positive=np.full((rows, 1), 0.7))
    observed = figures(np.array([1.0]))
    histories = figures(rng.integers(5, 20, size=199) / 19)  # shares from 26% to 100%: the pivot spreads far below zero
    headline = histories_headline(HistoryNull(observed, histories, block_length=8.0, count=199), StatisticsSpec(histories=199))
    low, high = headline.ci_low["pct_positive"][0], headline.ci_high["pct_positive"][0]
    assert 0.0 < low < 1.0 and high == 1.0
    assert headline.ci_high["mean"][0] > 1.0  # a mean is no share: its interval is left as it is


def test_a_histories_p_value_is_not_pulled_to_one_by_a_few_far_studentized_draws() -> None:
    """A history whose two events nearly agree divides by a near-zero sd: its studentized
    difference is in the hundreds. Two such draws pulled the null's mean (the centre of the
    two-sided p) onto the observed value, and 'RUT drawdown >= 15%', gap 10, from 2015 read
    SPX 1w +1.03% vs all days +0.25% (6 of 6 positive), p 0.998, beside a one-sided p of
    0.056 (the docs' held-out confirmation showed it). The centre is the histories' median."""
    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import CellStatistics, HistoryNull, histories_headline

    def figures(mean: np.ndarray, sd: np.ndarray) -> CellStatistics:
        rows = mean.shape[0]
        return CellStatistics(n=np.full((rows, 1), 6.0), mean=mean[:, None], median=mean[:, None], pct_positive=np.full((rows, 1), 0.5),
                              sd=sd[:, None], n_all=np.full((rows, 1), 5000.0), all_mean=np.zeros((rows, 1)),
                              all_median=np.zeros((rows, 1)), all_pct_positive=np.full((rows, 1), 0.5))
    t = np.concatenate([np.random.default_rng(5).standard_normal(197), [230.0, 230.0]])  # studentized differences
    sd = np.where(t > 100, 1e-5, 0.01)
    histories = figures(t * sd / np.sqrt(6), sd)
    observed = figures(np.array([t.mean() * 0.01 / np.sqrt(6)]), np.array([0.01]))  # right at the pulled mean, far in the bulk's tail
    headline = histories_headline(HistoryNull(observed, histories, block_length=8.0, count=199), StatisticsSpec(histories=199))
    for statistic in ("mean", "median"):
        p, above = headline.p[statistic][0], headline.p_greater[statistic][0]
        assert above < 0.05 and above <= p < 0.1, (statistic, p, above)


def _studentized_cells(t: np.ndarray, n: np.ndarray | None = None):
    """:class:`CellStatistics` of ``(rows, cells)`` studentized differences ``t`` (sd 0.01,
    all days 0, 6 events unless ``n`` says otherwise: a history of one has no sd)."""
    from eventstudy.inference.histories import CellStatistics

    n = np.full(t.shape, 6.0) if n is None else n
    sd = np.where(n >= 2, 0.01, np.nan)
    mean = t * 0.01 / np.sqrt(6.0)
    zero, half = np.zeros(t.shape), np.full(t.shape, 0.5)
    return CellStatistics(n=n, mean=mean, median=mean / np.sqrt(np.pi / 2), pct_positive=half, sd=sd,
                          n_all=np.full(t.shape, 5000.0), all_mean=zero, all_median=zero, all_pct_positive=half)


def test_a_heavy_tailed_cell_keeps_its_evidence_in_the_max_statistic_adjustment() -> None:
    """The max-statistic step-down divided each cell's studentized draws by their sd: a
    few histories whose events nearly agree (ratios in the hundreds) made that sd ~100, so
    the cell's own observed ratio became ~0.03 beside the other cells' draws, and its
    adjusted p neared 1 whatever its own p ('SPX at ATH and RUT drawdown >= 15%', gap 10,
    from 2015: SPX 1w average p 0.094, max-statistic p 0.993, above Holm's 0.944). The
    scale is the draws' median absolute deviation: with two cells the adjusted p stays
    near the raw one (at most Bonferroni's bound, here)."""
    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import HistoryNull, histories_headline

    rng = np.random.default_rng(11)
    t = rng.standard_normal((199, 2))
    t[:3, 0] = [900.0, -700.0, 1200.0]  # three histories of nearly equal events in cell 0
    observed = _studentized_cells(np.array([[3.2, 0.1]]))
    headline = histories_headline(HistoryNull(observed, _studentized_cells(t), block_length=8.0, count=199), StatisticsSpec(histories=199))
    for statistic in ("mean", "median"):
        p, adjusted = headline.p[statistic][0], headline.p_maxstat[statistic][0]
        assert p < 0.025 and p <= adjusted <= 2 * p, (statistic, p, adjusted)


def test_the_histories_null_studentizes_by_the_effective_sample_size() -> None:
    """Conditions that pick volatile days put the real events in runs whose long windows
    overlap far more than the resampled histories' do; studentized by the naive sd/sqrt(n)
    the real difference looked too large, and 'A volatility(21) > 30%' rejected 11.8% of
    true nulls at 1y (GARCH-t, 5% level). The difference is divided by sd/sqrt(n_eff): the
    same observed figures whose six events count as two (n_eff 2) are no longer
    significant, and their interval widens by sqrt(3)."""
    import dataclasses

    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import HistoryNull, histories_headline

    t = np.random.default_rng(4).standard_normal((199, 1))
    histories = dataclasses.replace(_studentized_cells(t), n_eff=np.full((199, 1), 6.0))
    spread = dataclasses.replace(_studentized_cells(np.array([[3.0]])), n_eff=np.full((1, 1), 6.0))
    run = dataclasses.replace(spread, n_eff=np.full((1, 1), 2.0))
    apart, together = (histories_headline(HistoryNull(obs, histories, block_length=8.0, count=199), StatisticsSpec(histories=199))
                       for obs in (spread, run))
    for statistic in ("mean", "median"):
        assert apart.p[statistic][0] < 0.02 and together.p[statistic][0] > 0.05, statistic
        width = together.ci_high[statistic][0] - together.ci_low[statistic][0]
        np.testing.assert_allclose(width, np.sqrt(3) * (apart.ci_high[statistic][0] - apart.ci_low[statistic][0]))
    assert together.p["pct_positive"][0] == apart.p["pct_positive"][0]  # the share positive is compared as it is


def test_the_histories_null_studentizes_a_recovery_by_its_naive_se(monkeypatch) -> None:
    """A recovery has no window in days: its horizon is itself, its horizon_days the
    max_days it looks within (504 by default). The histories null took that for a horizon
    and divided the recovery's differences by sd / sqrt(n_eff) at 504 days (n_eff 8.7 of
    667 events for 'SPX drawdown >= 10%' from 1990, p 0.164 -> 0.169, the interval of the
    mean [22.71, 40.94] -> [22.96, 42.66] days), where docs/statistics.md says the naive
    n; the excursions at 1m keep their n_eff."""
    import eventstudy.engine as engine_module

    found = []

    def spy(*args, **kwargs):
        null = histories_module.history_null(*args, **kwargs)
        found.append((args[2].cells["measure"].to_list(), null))
        return null

    monkeypatch.setattr(engine_module, "history_null", spy)
    text = (
        "name: recovery\nseries: {A: A}\nwhen: A drawdown >= 3%\ndecluster: {gap: 5}\n"
        "evaluate:\n  - excursions: {assets: [A], horizons: [21], max_days: 100}\n"
        "statistics: {null: histories, histories: 19, seed: 1}\n"
    )
    eventstudy.run(parse_study(text), data={"A": _walk(1200).drop("symbol")}, paths=False)
    (measures, null), = found
    recovery, mae = measures.index("recovery"), measures.index("mae")
    for figures in (null.observed, null.histories):
        assert figures.n_eff is not None
        assert np.isnan(figures.n_eff[:, recovery]).all()
        assert (figures.n_eff[:, mae][figures.n[:, mae] > 0] < figures.n[:, mae][figures.n[:, mae] > 0]).any()
    naive = null.observed.sd[0, recovery] / np.sqrt(null.observed.n[0, recovery])
    assert null.observed.se("mean")[0, recovery] == naive


def test_histories_without_events_do_not_enter_the_max_statistic_adjustment() -> None:
    """A history with too few events has no value in a cell and is left out of its p-value;
    the max-statistic step-down counted it as beating every cell instead, so where half the
    histories gave the rule fewer than two events (497 of 1,000 for 'SPX at ATH and RUT
    drawdown >= 15%', gap 10, from 2015) no adjusted p could fall below 0.5, whatever the
    evidence. A family of one cell now reads its own p, as it should."""
    from eventstudy.config import StatisticsSpec
    from eventstudy.inference.histories import HistoryNull, histories_headline

    t = np.random.default_rng(12).standard_normal((199, 1))
    n = np.where(np.arange(199) % 2 == 0, 6.0, 1.0)[:, None]  # every other history: one event, no sd
    observed = _studentized_cells(np.array([[4.0]]))
    null = HistoryNull(observed, _studentized_cells(t, n), block_length=8.0, count=199)
    headline = histories_headline(null, StatisticsSpec(histories=199))
    for statistic in ("mean", "median"):
        assert headline.p[statistic][0] < 0.05
        assert headline.p_maxstat[statistic][0] == headline.p[statistic][0], statistic


def test_two_entries_may_share_a_measure_but_not_a_cell(tmp_path) -> None:
    """A hit rate above a threshold and one beating a benchmark are both 'hit': each keeps
    its cells and the table's title names both; one asset and horizon given twice is refused."""
    from eventstudy.errors import ConfigError

    two = "hit_rate: {assets: [A], horizons: [5], threshold: 1%}\n  - hit_rate: {assets: [A], horizons: [5], benchmark: B}"
    result = _null_choice(tmp_path, "A at 20-day high", gap=10, null="runs", evaluator=two)
    assert result.summary.filter(pl.col("measure") == "hit")["asset"].to_list() == ["A>0.01", "A>B"]
    assert result.measure_titles["hit"].count("hit rate") == 2
    twice = "forward_returns: {assets: [A], horizons: [5]}\n  - forward_returns: {assets: [A, B], horizons: [5]}"
    with pytest.raises(ConfigError, match="two 'forward_returns' entries both produce A fwd 5d"):
        _null_choice(tmp_path, "A at 20-day high", gap=10, null="runs", evaluator=twice)


@pytest.mark.parametrize(
    ("late", "evaluate", "said"),
    [
        (False, "  - excursions: {assets: [A], horizons: [5], max_days: 10}\n  - excursions: {assets: [A], horizons: [21], max_days: 30}\n",
         "error: two 'excursions' entries both produce A recovery\n"),
        (True, "  - forward_returns: {assets: [B], horizons: [5]}\n  - forward_returns: {assets: [A, B], horizons: [5]}\n",
         "error: two 'forward_returns' entries both produce B fwd 5d\n"),
    ],
)
def test_validate_refuses_two_entries_of_one_cell_as_run_does(tmp_path, capsys, late: bool, evaluate: str, said: str) -> None:
    """Two excursions entries (different horizons) both produce the recovery: validate said
    ok, and run refused with "evaluators 'excursions' and 'excursions' both produce A
    recovery recovery". And validate ran the evaluators on the first three dates of any
    file, before a late series B's first day: B's cells were empty there, and 'ok' was said
    of a study the run refused."""
    from eventstudy.cli import main

    days = business_days(300)
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(8).normal(0.0003, 0.012, 300)))
    pl.DataFrame({"date": days, "close": closes}).write_csv(tmp_path / "A.csv")
    pl.DataFrame({"date": days[100:], "close": closes[100:] * 2}).write_csv(tmp_path / "B.csv")
    study = tmp_path / "s.yaml"
    study.write_text(f"name: twice\nseries: {{A: A{', B: B' if late else ''}}}\nwhen: A return(1) < -1%\nevaluate:\n{evaluate}")
    assert main(["validate", str(study), "--data-dir", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err
    assert main(["run", str(study), "--data-dir", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(("start", "said"), [("2019-06-01", "after the window starts (2019-06-01)"), ("2020-01-10", "less than a year before the window (2020-01-10)")])
def test_the_short_history_warning_says_whether_the_data_starts_before_or_after_the_window(tmp_path, start: str, said: str) -> None:
    from report_helpers import STUDY, tiny_result

    result = tiny_result(tmp_path, STUDY.replace("window: {start: 2020-01-10}", f"window: {{start: {start}}}"), placebos=0)
    warnings = [n for n in result.notes if "'all-time highs' are only highs since" in n]
    assert warnings and all(said in n for n in warnings)


def test_a_p_value_floor_above_alpha_never_reads_as_alpha(tmp_path) -> None:
    """96 placebo sets at alpha 0.01 leave no p-value below 1/97 = 0.0103: the warning read
    'leave no p-value below 1/97 = 0.010, above alpha 0.01', a floor equal to alpha called
    above it (and 1/851 at alpha 0.001 read '0.001, above alpha 0.001'). The floor now
    shows the decimals that set it apart."""
    from report_helpers import STUDY, tiny_result

    found = tiny_result(tmp_path, STUDY.replace("placebos: 200", "placebos: 96, alpha: 0.01"))
    (floor,) = [n for n in found.notes if "leave no p-value below" in n]
    assert "leave no p-value below 1/97 = 0.0103, above alpha 0.01:" in floor


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.booleans())
def test_order_cells_sorts_as_polars_sorts_the_cells(seed: int, rows: int, by_date: bool) -> None:
    """order_cells' numpy lexsort gives the rows in the order of the polars sort it stands for
    (measure by its catalog's order, unknown last; asset by series order; horizon; then date)."""
    from eventstudy.engine import order_cells

    rng = np.random.default_rng(seed)
    frame = pl.DataFrame({
        "measure": rng.choice(["fwd", "mae", "other"], rows).tolist(),
        "asset": rng.choice(["SPX", "RUT", "RUT-SPX", "zz", "(SPX + 1)"], rows).tolist(),
        "horizon_days": rng.integers(1, 4, rows),
        "date": pl.Series(rng.integers(0, 5, rows).astype("datetime64[D]")).cast(pl.Date),
        "row": np.arange(rows),
    })
    then = ("date",) if by_date else ()
    rank = {"SPX": 0, "RUT": 1}
    assets = sorted(frame["asset"].unique().to_list(), key=lambda a: (rank.get(a.split("-")[0], 2) if a[0].isalpha() else 2, a))
    expected = frame.sort(
        pl.col("measure").replace_strict({"fwd": 0, "mae": 1}, default=2, return_dtype=pl.Int32),
        pl.col("asset").replace_strict({a: i for i, a in enumerate(assets)}, return_dtype=pl.Int32),
        "horizon_days", *then, maintain_order=True,
    )
    assert order_cells(frame, ["SPX", "RUT"], ["fwd", "mae"], *then).equals(expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.one_of(st.none(), st.dates(dt.date(1999, 12, 1), dt.date(2000, 3, 1))), st.one_of(st.none(), st.dates(dt.date(1999, 12, 1), dt.date(2000, 3, 1))))
def test_window_mask_is_in_window_on_the_days(seed: int, start: dt.date | None, end: dt.date | None) -> None:
    """window_mask's numpy comparisons give in_window's polars mask on the same days."""
    from eventstudy.events import in_window

    days = np.sort(np.random.default_rng(seed).choice(np.arange(np.datetime64("1999-12-01"), np.datetime64("2000-03-01")), 40, replace=False))
    frame = pl.DataFrame({"date": pl.Series(days).cast(pl.Date)})
    expected = frame.with_columns(in_window(pl.col("date"), start, end).alias("inside"))["inside"].to_numpy()
    assert np.array_equal(window_mask(days, start, end), expected)


def test_a_path_says_what_its_days_miss_once_per_run_of_days_alike(shared_data) -> None:
    """A path of 21 days before a year after its events, every 5th day, read a note per point
    of the path (52 on SPX's data): '1 event(s) without a value' for each day before an
    event near the start of the data, and 'k event(s) pending' for each day after recent
    ones. Points that say the same are one note now; the forward returns keep theirs."""
    text = (
        "name: p\nseries: {SPX: SPX}\nwhen: SPX at ATH\ndecluster: {gap: 21}\nevaluate:\n"
        "  - path: {assets: [SPX], before: 21, after: 252, step: 5}\n  - forward_returns: {assets: [SPX], horizons: [1m, 1y]}\n"
        "statistics: {placebos: 0}\n"
    )
    result = eventstudy.run(parse_study(text), data_dir=shared_data, paths=False)
    said = [n for n in result.notes if n.startswith("SPX path ")]
    outcomes = result.outcomes.filter(pl.col("measure") == "path", pl.col("value").is_null())
    assert outcomes.height and 1 <= len(said) < outcomes["horizon"].n_unique()
    for note in said:  # each joined note names the first and last point it covers and how many
        points = outcomes.filter(pl.col("days_remaining") > 0) if "pending" in note else outcomes.filter(pl.col("days_remaining").fill_null(0) == 0)
        first, _, rest = note.removeprefix("SPX path ").partition(" to ")
        assert first in points["horizon"].to_list()
        if rest:
            last, count = rest.split(" (")[0], int(rest.split(" (")[1].split()[0])
            assert last in points["horizon"].to_list() and count >= 2
    assert any(n.startswith("SPX fwd 1y: ") for n in result.notes)  # the forward returns, one note a horizon
    pending = outcomes.filter(pl.col("days_remaining") > 0)
    most = pending["days_remaining"].max()
    assert any(f"(up to {most} more trading days of data needed)" in n for n in said)


def test_a_calendar_too_short_to_resample_takes_the_runs_null_by_default(tmp_path) -> None:
    """Two series with two common days and no event stopped the run with the histories'
    own error ('the resampled histories need at least three days'), though zero events is
    no error and the runs null runs: the default is the runs null there, and says why; the
    histories null asked for still says what it needs."""
    from eventstudy.errors import DataError

    (tmp_path / "A.csv").write_text("date,close\n2024-01-02,100\n2024-01-03,101\n2024-01-04,102\n2024-01-05,103\n")
    (tmp_path / "B.csv").write_text("date,close\n2024-01-04,50\n2024-01-05,51\n2024-01-08,52\n")
    text = "name: few\nseries: {A: A, B: B}\nwhen: A drawdown >= 50%\nevaluate:\n  - forward_returns: {assets: [A], horizons: [1d]}\n"
    result = eventstudy.run(parse_study(text), data_dir=tmp_path, paths=False)
    assert result.events.height == 0 and result.statistics.null == "runs"
    assert any("the histories null could not be used (the study calendar has 2 days, and the histories resample at least 3)" in n for n in result.notes)
    with pytest.raises(DataError, match="the resampled histories need at least three days"):
        eventstudy.run(parse_study(text), data_dir=tmp_path, paths=False, null="histories")


def test_a_run_without_a_complete_outcome_does_not_describe_p_values_it_has_not(shared_data) -> None:
    """With no event ('SPX drawdown >= 99%'), every tests row said 'nothing to test', yet the
    notes (terminal, report.md, result.json) said 'p-values: the rule re-run on 50 resampled
    histories ...', as if a test had run. Found by the outputs helper."""
    text = "name: z\nseries: {SPX: SPX}\nwhen: SPX drawdown >= 99%\nevaluate:\n  - forward_returns: {assets: [SPX], horizons: [1m]}\nstatistics: {histories: 50}\n"
    result = eventstudy.run(parse_study(text), data_dir=shared_data, paths=False)
    assert result.events.height == 0 and result.tests.height
    assert not any(n.startswith("p-values: ") for n in result.notes)
    [said] = [n for n in result.notes if n.startswith("no p-values: no cell has an event with a complete outcome, so nothing is tested")]
    assert "(the test: the rule re-run on 50 resampled histories of SPX" in said  # what the test would be, not that it ran
    tested = eventstudy.run(parse_study(text.replace("99%", "50%")), data_dir=shared_data, paths=False)
    assert any(n.startswith("p-values: the rule re-run on 50 resampled histories") for n in tested.notes)


def test_an_expressions_high_near_the_calendars_start_is_a_warning_as_a_series_is() -> None:
    """'NDX / SPX at ATH' on the real data found 291 days with no word, while 'NDX at ATH'
    warned that NDX's early 'all-time highs' are only highs since 1985-10-01: a ratio's high
    is its highest since the study calendar starts (conditions.md), the same day here, so
    its first months were as full of trivial highs and nothing said so."""
    import eventstudy
    from eventstudy.config import parse_study

    days = [d for d in (dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(1100)) if d.weekday() < 5]
    a = pl.DataFrame({"date": days, "close": [100.0 + i % 9 + i / 50 for i in range(len(days))]})
    b = a.filter(pl.col("date") >= dt.date(2020, 3, 2)).with_columns(pl.col("close") * 0 + 50.0)
    text = "name: ratio\nseries: {A: A, B: B}\nwhen: {when}\nevaluate:\n  - forward_returns: {assets: [A], horizons: [5d]}\nstatistics: {placebos: 0}\n"

    def warnings(when: str, **window: str) -> list[str]:
        result = eventstudy.run(parse_study(text.replace("{when}", when)), data={"A": a, "B": b}, **window)
        return [n for n in result.notes if "'all-time highs' are only highs since" in n]

    (said,) = warnings("A / B at ATH")
    assert said.startswith("warning: (A / B) (an expression of series, computed on the study calendar) starts 2020-03-02, less than a year before the window (2020-03-02)")
    assert "after the window starts (2019-06-03)" in warnings("(A / B) drawdown > 5%", start="2019-06-03")[0]
    assert not warnings("A / B at ATH", start="2021-06-01") and not warnings("A / B at 20-day high")

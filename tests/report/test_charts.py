"""Charts on small fixed data: the figure has the expected axes, lines, markers and labels.

No pixel comparison: each test inspects the matplotlib artists, which is what a change in
the data or the chart code would alter.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from report_helpers import STUDY, tiny_result

from eventstudy.report.charts import (
    distribution_chart,
    figure_png,
    figure_svg,
    heatmap_chart,
    path_chart,
    price_chart,
    study_charts,
)
from eventstudy.sweep import Axis, SweepResult


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    return tiny_result(tmp_path_factory.mktemp("charts"))


def by_label(ax, label: str):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_price_chart_marks_kept_and_dropped_events_on_a_log_scale(result) -> None:
    fig = price_chart(result)
    axes = fig.get_axes()
    assert len(axes) == 2  # one per series
    kept = int(result.raw_events["kept"].sum())
    dropped = result.raw_events.height - kept
    for ax, name in zip(axes, ["A", "B"]):
        assert ax.get_yscale() == "log"
        assert ax.get_title(loc="left") == f"{name} close (log scale)"
        close = by_label(ax, f"{name} close")
        assert len(close.get_xdata()) == result.timeline.height
        scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert sorted(len(c.get_offsets()) for c in scatters) == sorted([kept, dropped])
        labels = legend_labels(ax)
        assert f"event ({kept})" in labels and f"dropped by declustering ({dropped})" in labels
        assert "outside the window" in labels  # the window starts after the data


def test_path_chart_draws_the_average_its_band_and_the_baseline(result) -> None:
    fig = path_chart(result)
    axes = fig.get_axes()
    assert len(axes) == 2
    path = result.chart_summary.filter(pl.col("measure") == "path")
    for ax, asset in zip(axes, ["A", "B"]):
        rows = path.filter(pl.col("asset") == asset).sort("horizon_days")
        fewest, n = int(rows["n"].min()), int(rows["n"].max())
        mean = by_label(ax, f"after the events (n={n})" if fewest == n else f"after the events (n={fewest}-{n} by day)")
        assert list(mean.get_xdata()) == rows["horizon_days"].to_list()
        assert list(mean.get_ydata()) == pytest.approx(rows["mean"].to_list(), nan_ok=True)
        baseline = by_label(ax, "all days")
        assert list(baseline.get_ydata()) == pytest.approx(rows["baseline_mean"].to_list(), nan_ok=True)
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1  # the band
        each = [line for line in ax.get_lines() if line.get_alpha() == pytest.approx(0.12)]
        assert len(each) == result.events.height  # every event's own path, faint
        assert ax.get_xlabel() == "trading days from the event"


def test_distribution_chart_shows_each_event_against_the_placebo_means(result) -> None:
    fig = distribution_chart(result, "fwd")
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax, asset in zip(axes, ["A", "B"]):
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1d", "5d"]
        violins = [c for c in ax.collections if isinstance(c, PolyCollection) and len(c.get_paths())]
        assert len(violins) >= 2  # one placebo distribution per horizon (plus the legend proxy)
        dots = [c for c in ax.collections if isinstance(c, PathCollection)]
        counts = [len(c.get_offsets()) for c in dots]
        expected = [
            result.outcomes.filter((pl.col("measure") == "fwd") & (pl.col("asset") == asset) & (pl.col("horizon") == h))[
                "value"
            ].drop_nulls().len()
            for h in ("1d", "5d")
        ]
        assert counts == expected  # each event a dot; a pending one is not drawn
        bars = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(bars) == 4  # the events' mean and the all-days mean at each horizon
        notes = [t.get_text() for t in ax.texts]
        assert len(notes) == 2 and all(t.startswith("p=") or t == "p<0.001" for t in notes)


def test_the_charts_p_reads_on_the_same_side_of_alpha_as_the_tables(result) -> None:
    """A p of 50/1001 (below 0.05) was annotated 'p=0.050', as the tables printed it."""
    from dataclasses import replace

    near = replace(result, tests=result.tests.with_columns(pl.lit(50 / 1001).alias("p_placebo")))
    for ax in distribution_chart(near, "fwd").get_axes():
        assert [t.get_text() for t in ax.texts] == ["p=0.04995", "p=0.04995"]


def test_a_path_whose_later_days_have_fewer_than_two_events_draws_without_a_crash(result) -> None:
    """--output and --format html died in matplotlib (TypeError from isfinite on None) when
    the path's later days had one event or none (their band is null), as near the end of
    the data; the legend gave the largest n only."""
    import dataclasses

    path = pl.col("measure") == "path"
    late = pl.col("horizon_days") >= 3

    def thinned(summary: pl.DataFrame) -> pl.DataFrame:
        return summary.with_columns(
            *(pl.when(path & late).then(None).otherwise(pl.col(c)).alias(c) for c in ("band_low", "band_high")),
            pl.when(path & late).then(1).otherwise(pl.col("n")).alias("n"),
        )

    fig = path_chart(dataclasses.replace(result, summary=thinned(result.summary), chart_summary=thinned(result.chart_summary)))
    n = int(pl.concat([result.summary, result.chart_summary], how="diagonal_relaxed").filter(path & ~late)["n"].max())
    for ax in fig.get_axes():
        assert f"after the events (n=1-{n} by day)" in legend_labels(ax)
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1  # the band where it exists
    figure_png(fig)


def test_distribution_chart_without_placebos_has_no_violins(tmp_path: Path) -> None:
    untested = tiny_result(tmp_path, placebos=0)
    fig = distribution_chart(untested, "fwd")
    for ax in fig.get_axes():
        assert not [c for c in ax.collections if isinstance(c, PolyCollection) and len(c.get_paths())]
        assert not ax.texts


def test_a_distribution_chart_names_a_null_only_where_it_draws_one(tmp_path: Path) -> None:
    """A universe's report (whose result keeps no null draws) and a study without
    placebos titled each distribution 'each event's fwd vs the null distribution of the
    mean' and captioned it 'shaded: the placebo distribution of the mean (random event sets
    ...)', with nothing shaded."""
    untested = tiny_result(tmp_path, placebos=0)
    (chart,) = [c for c in study_charts(untested) if c.name == "distribution"]
    for ax, asset in zip(chart.figure.get_axes(), ["A", "B"]):
        assert ax.get_title(loc="left") == f"{asset}: each event's fwd"
    assert "shaded" not in chart.caption and "null" not in chart.caption


def test_a_distribution_chart_with_its_null_says_so(result) -> None:
    (chart,) = [c for c in study_charts(result) if c.name == "distribution"]
    for ax, asset in zip(chart.figure.get_axes(), ["A", "B"]):
        assert ax.get_title(loc="left") == f"{asset}: each event's fwd vs the null distribution of the mean"
    assert "shaded: the" in chart.caption


def sweep_result() -> SweepResult:
    rows = []
    for gap, n_base in (("5", 10), ("10", 6)):
        for mode, shift in (("after_kept", 0.0), ("after_any", 0.01)):
            rows.append({"gap": gap, "mode": mode, "measure": "fwd", "asset": "A", "horizon": "1m",
                         "observed": 0.02 + shift + (0.01 if gap == "10" else 0), "baseline": 0.015, "n": n_base})
    ledger = pl.DataFrame(rows)
    best = {**rows[-1], "baseline": 0.015}
    return SweepResult(ledger=ledger, verdict={"best": best, "statistic": "mean"},
                       axes=(Axis("gap", ("5", "10")), Axis("mode", ("after_kept", "after_any"))))


def test_heatmap_chart_has_one_cell_per_combination() -> None:
    fig = heatmap_chart(sweep_result())
    ax = fig.get_axes()[0]
    (image,) = ax.get_images()
    assert image.get_array().shape == (2, 2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "10"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["after_kept", "after_any"]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["+2.00%\nn=10", "+3.00%\nn=10", "+3.00%\nn=6", "+4.00%\nn=6"]
    assert ax.get_ylabel() == "gap" and ax.get_xlabel() == "mode"
    assert ax.get_title(loc="left") == "A 1m mean by gap and mode"


def test_a_universe_s_heatmap_centres_on_the_symbol_days_its_baseline_pools() -> None:
    """The colour bar's centre read 'all days' for a universe's grid, whose baseline pools
    every symbol-day of the window (its run's summary says 'All symbol-days')."""
    found = sweep_result()
    found = replace(found, verdict={**found.verdict, "best": {**found.verdict["best"], "baseline": 0.025}})  # inside the cells': a centre
    label = {universe: heatmap_chart(replace(found, universe=universe)).get_axes()[1].get_ylabel() for universe in (False, True)}
    assert label[False] == "mean (centre: all days +2.50%)" and label[True] == "mean (centre: all symbol-days +2.50%)"
    nested = heatmap_chart(replace(found, verdict={**found.verdict, "baseline": "A close > 0"}))
    assert nested.get_axes()[1].get_ylabel() == "mean (centre: baseline days +2.50%)"


def test_a_universe_s_charts_name_its_baseline_the_symbol_days_it_pools(tmp_path: Path) -> None:
    """The path chart's dashed line and the distribution chart's baseline mean said 'all
    days' in their legends and captions for a universe, whose baseline pools every
    symbol-day of the window, as its summary says ('All symbol-days', report.text.baseline_words)."""
    from test_files import tiny_universe

    import eventstudy

    study, data = tiny_universe(tmp_path, ["AA", "BB", "CC", "DD", "EE", "FF"], "name: u\n", "", placebos=100)
    study.write_text(study.read_text().replace("horizons: [1w]}\n", "horizons: [1w]}\n  - path: {before: 3, after: 5}\n"))
    result = eventstudy.run(study, data_dir=data)
    path = path_chart(result)
    assert path is not None and "all symbol-days" in path.get_axes()[0].get_legend_handles_labels()[1]
    distribution = distribution_chart(result, "fwd")
    assert distribution is not None
    assert "all symbol-days' mean" in [t.get_text() for legend in distribution.legends for t in legend.get_texts()]
    captions = {chart.name: chart.caption for chart in study_charts(result)}
    assert captions["path"].endswith("dashed: all symbol-days, the same statistic pooled over every symbol-day of the window, "
                                     "each stock's return from each of its days counted once, equally weighted.")
    assert captions["distribution"].endswith("dashed: all symbol-days.")
    assert not any("all days" in caption or "every day of the window" in caption for caption in captions.values())


def test_a_heatmap_cell_of_pending_events_is_not_called_empty() -> None:
    """A cell whose every event's horizon runs past the data read 'no events' on the SVG
    heat map, where the sweep's tables read '0 (+1 incomplete)'; a cell with some complete
    events gave n without the pending ones."""
    found = sweep_result()
    ledger = found.ledger.with_columns(pl.Series("n_incomplete", [0, 2, 0, 1]))
    ledger = ledger.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("observed")).alias("observed"),
        pl.when(pl.int_range(pl.len()) == 3).then(0).otherwise(pl.col("n")).alias("n"),
    )
    fig = heatmap_chart(SweepResult(ledger=ledger, verdict=found.verdict, axes=found.axes))
    texts = [t.get_text() for t in fig.get_axes()[0].texts]
    assert texts == ["+2.00%\nn=10", "+3.00%\nn=10 (+2 incomplete)", "+3.00%\nn=6", "pending\nn=0 (+1 incomplete)"]


def test_percent_ticks_over_a_narrow_span_tell_their_values_apart() -> None:
    """A sweep's heat map whose cells span 2% to 4% labelled its colour bar
    '+2%, +2%, +3%, +3%, +4%' (whole percents): the labels now carry the decimals that
    tell the ticks apart, and whole percents keep none."""
    fig = heatmap_chart(sweep_result())
    fig.draw_without_rendering()
    colorbar = fig.get_axes()[1]
    labels = [t.get_text() for t in colorbar.get_yticklabels()]
    ticks = list(colorbar.get_yticks())
    assert len(labels) >= 3 and len(set(labels)) == len(labels)
    assert labels == [f"{v * 100:+.1f}%" for v in ticks]
    wide = sweep_result()
    wide = SweepResult(ledger=wide.ledger.with_columns(pl.col("observed") * 10), verdict=wide.verdict, axes=wide.axes)
    fig = heatmap_chart(wide)
    fig.draw_without_rendering()
    colorbar = fig.get_axes()[1]
    assert [t.get_text() for t in colorbar.get_yticklabels()] == [f"{v * 100:+.0f}%" for v in colorbar.get_yticks()]


def test_study_charts_and_their_files_are_deterministic(result) -> None:
    charts = study_charts(result)
    assert [c.name for c in charts] == ["prices", "path", "distribution"]
    svg = figure_svg(charts[1].figure, "path")
    assert svg.startswith("<svg") and "<dc:date>" not in svg
    assert figure_svg(study_charts(result)[1].figure, "path") == svg
    assert figure_png(charts[1].figure).startswith(b"\x89PNG\r\n\x1a\n")
    other = figure_svg(charts[1].figure, "another")
    assert other != svg  # ids are salted per chart, so several SVGs can share one page


def test_the_price_charts_caption_names_grey_dots_only_where_a_day_was_dropped(result) -> None:
    """The caption ended 'grey dots: days dropped by declustering' under a chart without
    any (no declustering dropped a day, or no events)."""
    (prices,) = [c for c in study_charts(result) if c.name == "prices"]
    dropped = result.raw_events.height - int(result.raw_events["kept"].sum())
    assert ("grey dots: days dropped by declustering" in prices.caption) == (dropped > 0)
    every = replace(result, raw_events=result.raw_events.with_columns(pl.lit(True).alias("kept")))
    (prices,) = [c for c in study_charts(every) if c.name == "prices"]
    assert "grey dots" not in prices.caption and prices.caption.endswith(".")


HIT_RATE = STUDY.replace(
    "  - forward_returns: {assets: [A, B], horizons: [1d, 5d]}",
    "  - forward_returns: {assets: [A, B], horizons: [1d, 5d]}\n  - hit_rate: {assets: [A], horizons: [1d, 5d]}",
)


def test_a_hit_rate_chart_reads_in_percent_as_its_table_does(tmp_path: Path) -> None:
    """A hit rate's distribution chart had a y axis of bare fractions ('0.0, 0.2, ... 1.0')
    beside the tables' '65.7%': its ticks are unsigned percents now ('60%', a share, not
    '+60%', a return), as are those of a sweep's heat map of a share."""
    hits = tiny_result(tmp_path, HIT_RATE)
    fig = distribution_chart(hits, "hit")
    fig.draw_without_rendering()
    (ax,) = fig.get_axes()
    shown = [(tick, t.get_text()) for tick, t in zip(ax.get_yticks(), ax.get_yticklabels()) if 0 <= tick <= 1]
    assert len(shown) >= 3
    assert all(text == (f"{tick * 100:.0f}%" if tick else "0%") for tick, text in shown)
    share = sweep_result()
    share = SweepResult(ledger=share.ledger, verdict={**share.verdict, "statistic": "pct_positive"}, axes=share.axes)
    fig = heatmap_chart(share)
    fig.draw_without_rendering()
    labels = [t.get_text() for t in fig.get_axes()[1].get_yticklabels()]
    assert labels and not any(label.startswith("+") for label in labels)


def test_the_path_band_names_the_level_it_is_drawn_at(tmp_path: Path) -> None:
    """With 'statistics: {ci: 0.8}' the path chart's band was the 80% interval of the mean
    (the summary's band_low and band_high) under the legend 'band (normal, of the mean)'
    and the caption 'band: normal interval of the average', as at 95%: both name the
    level now."""
    narrow = tiny_result(tmp_path, STUDY.replace("seed: 3,", "seed: 3, ci: 0.8,"))
    assert narrow.statistics.ci == 0.8
    path = narrow.chart_summary.filter(pl.col("measure") == "path")
    (chart,) = [c for c in study_charts(narrow) if c.name == "path"]
    assert "band: 80% normal interval of the average" in chart.caption
    for ax, asset in zip(chart.figure.get_axes(), ["A", "B"]):
        assert "80% band (normal, of the mean)" in legend_labels(ax)
        (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
        rows = path.filter(pl.col("asset") == asset).drop_nulls("band_low")
        top = band.get_paths()[0].vertices[:, 1].max()
        assert top == pytest.approx(rows["band_high"].max())  # the band drawn is that 80% interval


def test_charts_with_no_event_to_draw_are_left_out(tmp_path: Path) -> None:
    """A study without events drew a path chart of the all-days line alone under 'after
    the events (n=0)', and a distribution chart of the all-days ticks alone; one whose
    every event's horizons run past the data drew an empty distribution chart. Neither is
    drawn now (the prices are, and an event's path before it is)."""
    (tmp_path / "none").mkdir()
    (tmp_path / "pending").mkdir()
    none = tiny_result(tmp_path / "none", STUDY.replace("A at ATH and B drawdown >= 10%", "A > 1000000"))
    assert none.events.height == 0
    assert path_chart(none) is None and distribution_chart(none, "fwd") is None
    assert [c.name for c in study_charts(none)] == ["prices"]
    pending = tiny_result(tmp_path / "pending", STUDY.replace("A at ATH and B drawdown >= 10%", "A > 0")
                          .replace("start: 2020-01-10", "start: 2020-03-20"))
    assert pending.events.height == 1 and pending.summary["n"].sum() == 0
    assert distribution_chart(pending, "fwd") is None
    assert [c.name for c in study_charts(pending)] == ["prices", "path"]  # the 21 days before the event


def test_a_universe_path_draws_each_stock_event_as_its_own_line(tmp_path: Path) -> None:
    """In a universe, stocks whose events fall on one day had their paths drawn as one
    faint line per day, zigzagging from one stock's value to the next at every offset
    (24 events on 4 days: 4 lines). Each event (a stock and a day) is its own line now."""
    import datetime as dt
    import math

    import eventstudy

    data = tmp_path / "data"
    data.mkdir()
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    rows = [(d, s, 100 * (1 + 0.3 * math.sin(i / 9 + k))) for k, s in enumerate(["AAA", "BBB", "CCC"]) for i, d in enumerate(days)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(data / "panel.csv")
    pl.DataFrame({"date": days, "close": [100.0 + 5 * math.sin(i / 4) for i in range(120)]}).write_csv(data / "MKT.csv")
    study = tmp_path / "u.yaml"
    study.write_text("name: u\nseries: {MKT: MKT}\nuniverse: {data_file: panel.csv, label: stocks}\n"
                     "when: MKT crosses above 100\nwindow: {start: 2020-02-01}\nevaluate:\n"
                     "  - forward_returns: {horizons: [1w]}\n  - path: {before: 3, after: 5}\nstatistics: {placebos: 0}\n")
    result = eventstudy.run(study, data_dir=data)
    events = result.events.select("symbol", "date")
    assert events.height > events["date"].n_unique() > 1  # stocks share their event days
    (ax,) = path_chart(result).get_axes()
    each = [line for line in ax.get_lines() if line.get_alpha() == pytest.approx(0.12)]
    assert len(each) == events.height
    for line in each:  # one value per offset, in order
        assert list(line.get_xdata()) == list(range(-3, 6))

"""Terminal tables: they fit 80 columns, fold long and wide tables, colour only when asked;
a run reads top down: the verdict, the study, the summary, the instances, the notes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest
from report_helpers import MANY, STUDY, tiny_result

from eventstudy.report.terminal import (
    FOLD_ROWS,
    SHOWN_ROWS,
    fold_table,
    render_terminal,
    table_width,
)
from eventstudy.report.text import (
    SHOW,
    TextTable,
    format_cell,
    format_p,
    instance_table,
    screen_layout,
    split_notes,
    summary_tables,
)
from eventstudy.report.verdict import verdict_line

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    return tiny_result(tmp_path_factory.mktemp("terminal"))


def render(result, **kwargs) -> str:
    buffer = io.StringIO()
    render_terminal(result, buffer, **kwargs)
    return buffer.getvalue()


def test_every_line_fits_80_columns_and_nothing_is_squeezed(result) -> None:
    out = render(result, width=80)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out  # rich squeezes cells to '…' only when a table is too wide
    assert "Instances (11): A" in out and "Instances (11): B" in out  # the instance table, one per asset
    assert "from the event day's close: all days" in out  # the baseline in a table of its own


@pytest.mark.parametrize("width", [30, 40, 50])
def test_a_narrow_terminal_loses_no_figure(result, width: int) -> None:
    # at 50 columns the summary's (average, interval, p) group was squeezed: p '0.5…', 'Avera…'
    out = render(result, width=width, layout=screen_layout("all"))
    assert "…" not in out
    words = set(out.split())
    for table in summary_tables(result):
        assert {cell for row in table.rows for cell in row if cell and " " not in cell} <= words
        assert {h for h in table.short_headers if " " not in h} <= words
    for line in out.splitlines():  # a p-value is never drawn beside another figure's header
        assert not re.search(r"\bp\s+Median\b|95% CI\s+Median", line)


def test_a_width_of_zero_is_read_as_unknown(result, monkeypatch: pytest.MonkeyPatch) -> None:
    # COLUMNS=0 (as some CI runners set it) printed nothing at all, exit 0: the whole report lost
    monkeypatch.setenv("COLUMNS", "0")
    out = render(result)
    assert out.startswith("Verdict: ") and out == render(result, width=80)


def test_a_wide_terminal_shows_the_tables_whole(result) -> None:
    out = render(result, width=200)
    assert "Instances (11)\n" in out  # not split per asset
    assert "All days avg" in out  # the summary with its baseline columns in one table


def test_returns_are_percents_with_two_decimals_and_pending_is_not_zero(result) -> None:
    out = render(result, width=80)
    assert re.search(r"[+-]\d+\.\d\d%", out)
    assert "pending (2d)" in out  # the last event's 5d return has not elapsed
    assert format_cell(0.0123, "fraction") == "+1.23%" and format_cell(-0.5, "fraction") == "-50.00%"
    assert format_cell(None, "fraction") == "pending"


def test_a_small_level_is_not_rounded_to_nothing() -> None:
    # a bill yield of 0.004 read '0.00' in the instance table of 'IRX < 0.005', and 4.237 read '4.24'
    assert format_cell(0.004, "price") == "0.004" and format_cell(0.0042137, "price") == "0.004214"
    assert format_cell(4.237, "price") == "4.237" and format_cell(-0.25, "price") == "-0.25"
    assert format_cell(6173.07, "price") == "6,173.07" and format_cell(109.3046, "price") == "109.30"  # as before
    assert format_cell(17.6, "price") == "17.60" and format_cell(0.0, "price") == "0.00"




def test_the_intervals_level_is_named_to_the_digit_it_was_given(tmp_path: Path) -> None:
    # 'ci: 97.5%' headed its column '98% CI' (and 99.9% '100% CI') while the path chart's legend read 97.5%
    result = tiny_result(tmp_path, STUDY.replace("seed: 3,", "seed: 3, ci: 97.5%,"))
    (summary,) = summary_tables(result)
    assert "97.5% CI" in summary.headers
    assert "97.5% CI" in render(result, width=200)


def test_a_share_short_of_all_never_reads_as_all() -> None:
    # 2,999 positive of 3,000 read '% > 0 100.0%' (and 1 of 3,000 '0.0%'), as if every event (none) were
    assert format_cell(2999 / 3000, "share") == "99.97%" and format_cell(1 / 3000, "share") == "0.03%"
    assert format_cell(0.9999999, "share") == ">99.999%" and format_cell(1e-9, "share") == "<0.001%"
    assert format_cell(1.0, "share") == "100.0%" and format_cell(0.0, "share") == "0.0%" and format_cell(0.474, "share") == "47.4%"


def test_plain_when_piped_colour_when_asked(result) -> None:
    plain = render(result, width=80)
    assert not ANSI.search(plain)
    coloured = render(result, width=80, color=True)
    assert "\x1b[32m+" in coloured  # positive returns green
    assert "\x1b[31m-" in coloured  # negative returns red
    assert "\x1b[33m" in coloured  # warnings yellow
    assert ANSI.sub("", coloured) == plain  # the same text either way


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_in_the_environment_turns_the_colour_off_on_a_terminal(result, monkeypatch: pytest.MonkeyPatch) -> None:
    # NO_COLOR=1 printed green and red on a terminal all the same: the console was told no_color=False, which overrides rich's reading of it
    def on_terminal() -> str:
        terminal = _Terminal()
        render_terminal(result, terminal, width=80)
        return terminal.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[32m+" in on_terminal()  # a terminal: colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert not re.search(r"\x1b\[3\dm", on_terminal())  # no colour (bold is no colour: https://no-color.org)
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set, as no-color.org says
    assert "\x1b[32m+" in on_terminal()
    assert "\x1b[32m+" in render(result, width=80, color=True)  # asked for on the command line's side: colour


def test_warnings_come_first_and_notes_last(result) -> None:
    out = render(result, width=120)
    warnings, notes = split_notes(result.notes)
    assert warnings and notes
    first_warning = out.index("warning: " + warnings[0][:30])
    assert first_warning < out.index("Summary, ") < out.index("Instances (")
    assert out.index("note: ") > out.index("Instances (")


def test_the_verdict_comes_first_then_the_summary_then_the_instances(result) -> None:
    out = render(result, width=200)
    lines = out.splitlines()
    assert lines[0] == verdict_line(result)
    assert lines[0].startswith(f"Verdict: {result.events.height} events; ")
    assert lines[2] == result.study.name  # then the study
    assert out.index("Summary, fwd") < out.index("Instances (11)") < out.index("note: ")
    # the significance details are one option away, not printed by default
    assert "Significance (all columns" not in out and "--show tests" in out


def test_the_verdict_says_what_survives_from_the_tests_table(result) -> None:
    tests = result.tests.filter(result.tests["p_placebo"].is_not_null())
    survivors = int(tests["survives"].sum())
    assert survivors > 0  # the tiny study has some (the other branch: the test below)
    verdict = verdict_line(result)
    alpha = result.statistics.alpha
    assert f"{survivors} of {tests.height} tests significant after the max-statistic adjustment (alpha {alpha:g})" in verdict
    best = tests.sort("p_maxstat", "p_placebo").row(0, named=True)
    assert f"strongest: {best['asset']} {best['horizon']} " in verdict


def test_the_verdict_without_tests_and_without_events(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    untested = tiny_result(tmp_path / "a", placebos=0)
    assert verdict_line(untested) == (
        f"Verdict: {untested.events.height} events; no significance tests were run (placebos: 0), "
        "so nothing here is tested against chance."
    )
    (tmp_path / "c").mkdir()  # the path alone: the tests run, and none of its evaluators is tested (not 'placebos: 0')
    described = tiny_result(tmp_path / "c", STUDY.replace("forward_returns: {assets: [A, B], horizons: [1d, 5d]}", "path: {assets: [A], before: 2, after: 5}"))
    assert verdict_line(described) == (
        f"Verdict: {described.events.height} events; nothing here is tested against chance "
        "(none of its evaluators is tested: the path in event time only describes)."
    )
    none = tiny_result(tmp_path / "b", STUDY.replace("B drawdown >= 10%", "B drawdown >= 90%"))
    assert verdict_line(none) == "Verdict: no events: the condition never held in the window."
    out = render(none, width=80)
    assert out.splitlines()[0] == verdict_line(none) and "No events: the condition never held" in out


def test_a_result_with_no_test_surviving_says_so_and_names_the_smallest(result) -> None:
    from dataclasses import replace

    import polars as pl

    alpha = result.statistics.alpha
    quiet = replace(result, tests=result.tests.with_columns(pl.lit(False).alias("survives"), pl.lit(0.5).alias("p_maxstat")))
    verdict = verdict_line(quiet)
    nominal = int((quiet.tests["p_placebo"] < alpha).sum())
    assert f"none of {quiet.tests.height} tests significant after the max-statistic adjustment" in verdict
    assert f"{nominal} below {alpha:g} unadjusted" in verdict and "smallest adjusted p 0.500 (" in verdict


def test_a_p_counted_below_alpha_never_reads_as_alpha(result) -> None:
    """p = 50/1001 = 0.04995 is counted below 0.05 but read '0.050' in every table and the
    verdict; an adjusted p of 0.0501 (not below) read '0.050' too. Where 3 decimals would
    round onto or across alpha, more are shown, at the study's alpha."""
    from dataclasses import replace

    import polars as pl

    from eventstudy.report.text import (
        tests_table as significance_table,  # imported as it is, pytest collects it
    )

    below, above = 50 / 1001, 0.0501
    assert [format_p(below), format_p(above), format_p(0.05), format_p(0.012), format_p(0.0004)] == [
        "0.04995", "0.0501", "0.050", "0.012", "<0.001"]
    assert format_p(0.0104, alpha=0.01) == "0.0104" and format_p(0.0104) == "0.010"
    assert format_p(0.0003, alpha=0.0005) == "<0.0005" and format_p(0.0007, alpha=0.0005) == "0.001"
    near = replace(result, tests=result.tests.with_columns(
        pl.lit(below).alias("p_placebo"), pl.lit(above).alias("p_maxstat"), pl.lit(False).alias("survives")))
    verdict = verdict_line(near)
    assert f"{near.tests.height} below 0.05 unadjusted" in verdict and "smallest adjusted p 0.0501 (" in verdict
    summary = summary_tables(near)[0]
    shown = {row[i] for row in summary.rows for i, h in enumerate(summary.headers) if h == "p"}
    assert shown == {"0.04995"}
    table = significance_table(near)
    assert table is not None
    for row in table.rows:
        assert row[table.headers.index("p")] == "0.04995" and row[table.headers.index("p max-stat")] == "0.0501"
    assert not re.search(r"(?<![\d.])0\.050(?!\d)", render(near, width=200, layout=screen_layout("all")))


def test_show_picks_the_parts(result) -> None:
    summary = render(result, width=200, layout=screen_layout("summary"))
    assert "Summary, fwd" in summary and "Instances (" not in summary and "Significance (" not in summary
    instances = render(result, width=200, layout=screen_layout("instances"))
    assert "Instances (11)" in instances and "Summary, " not in instances
    tests = render(result, width=200, layout=screen_layout("tests"))
    assert "Significance (all columns" in tests and "Instances (" not in tests and "Summary, " not in tests
    assert re.search(r"\d\.\d{3}\*", tests)  # a p-value that survives the max-statistic adjustment
    every = render(result, width=200, layout=screen_layout("all"))
    assert every.index("Summary, ") < every.index("Instances (") < every.index("Significance (") < every.index("note: ")
    for out in (summary, instances, tests, every):  # the verdict, warnings and notes stay in every choice
        assert out.startswith("Verdict: ") and "warning: " in out and "note: " in out
    assert SHOW == ("summary", "instances", "tests", "all")
    with pytest.raises(ValueError, match="`show` must be one of"):
        screen_layout("everything")


def test_significance_marks(result) -> None:
    out = render(result, width=80, layout=screen_layout("all"))
    assert "Significance (all columns" in out
    assert re.search(r"\d\.\d{3}\*", out)  # a p-value that survives the max-statistic adjustment


def test_long_instance_tables_are_folded_with_a_count(tmp_path: Path) -> None:
    many = tiny_result(tmp_path, MANY, days=120)
    assert many.events.height > FOLD_ROWS
    out = render(many, width=80, events_file="out/events.csv")
    left_out = many.events.height - 2 * SHOWN_ROWS
    assert f"… {left_out} more events (--show instances lists them all; see out/events.csv)" in out
    first, last = str(many.events["date"][0]), str(many.events["date"][-1])
    middle = str(many.events["date"][SHOWN_ROWS + 1])
    assert first in out and last in out and middle not in out
    # the rows on both sides of the fold stay aligned: the same column widths
    rows = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert len(rows) == 2 * SHOWN_ROWS and len({len(line) for line in rows}) == 1
    # without an output folder the line says how to get them all
    assert f"… {left_out} more events (--show instances lists them all; --output DIR writes them all to events.csv)" in render(many, width=120)
    # --show instances (and all) list every row
    every = render(many, width=80, layout=screen_layout("instances"))
    assert "more events" not in every and middle in every
    assert len([line for line in every.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]) == many.events.height


def test_fold_table_keeps_keys_and_groups_together() -> None:
    rows = [["SPX", "1m", "19", "+1.00%", "~[-1.00%, +2.00%]", "0.100", "+0.50%", "0.200", "+1.10%", "+0.90%", "63.0%"]]
    headers = ["Asset", "Horizon", "n", "Average", "95% CI", "p", "Median", "p", "All days avg", "All days median", "All days % > 0"]
    table = TextTable("T", headers, rows, [[""] * len(headers)], keys=2, groups=[0, 1, 1, 1, 2, 2, 3, 3, 3], left=2,
                      parts=["events"] * 6 + ["all days"] * 3)
    parts = fold_table(table, 64)
    assert len(parts) == 3 and all(table_width(part) <= 64 for _, part in parts)
    for _, part in parts:
        assert part.headers[:2] == ["Asset", "Horizon"]
        if "p" in part.headers:  # a p-value never leaves the figure it belongs to
            assert part.headers.index("p") > 2
    titles = [title for title, _ in parts]
    assert titles[-1] == "T: all days"
    assert fold_table(table, 500) == [("T", table)]


def test_instance_table_parts_are_assets(result) -> None:
    table = instance_table(result)
    assert table.parts == ["A", "B", "B", "A", "A", "B", "B"]
    assert table.short_headers == ["Date", "close", "close", "drawdown", "1d", "5d", "1d", "5d"]
    (summary,) = summary_tables(result)
    assert set(summary.parts) == {"events", "all days"}


def test_a_hit_rates_threshold_stays_in_its_instance_columns_title(tmp_path: Path) -> None:
    """A hit rate above 2% is the asset 'A>0.02': its instance column 'A>0.02.hit.5d' was
    split at its first dot, shown under 'Instances: A>0' (a threshold of 0) as '02 hit
    5d', and as 'A>0 02 hit 5d' in Markdown."""
    text = MANY.replace("horizons: [1d, 5d]}", "horizons: [1d, 5d]}\n  - hit_rate: {assets: [A], threshold: 2%, horizons: [5d]}\n  - excursions: {assets: [A], horizons: [5d]}")
    table = instance_table(tiny_result(tmp_path, text, days=30))
    titles = dict(zip(table.headers[1:], zip(table.parts, table.short_headers[1:], strict=True), strict=True))
    assert titles["A>0.02 hit 5d"] == ("A>0.02", "hit 5d")
    assert titles["A recovery"] == ("A", "recovery") and titles["A 5d"] == ("A", "5d") and titles["A"] == ("A", "close")


def test_a_result_prints_as_a_short_description(result) -> None:
    """print(result) and a notebook show the name, the counts, the verdict and where the
    tables are, never the tables themselves."""
    text = repr(result)
    lines = text.splitlines()
    assert lines[0] == f"<StudyResult study {result.study.name!r}>"
    assert f"{result.events.height:,} events (kept of {result.raw_events.height:,} days the condition held)" in text
    assert f"{result.summary.height:,} summary cells, {result.tests.height:,} tests" in text
    assert f"  {verdict_line(result)}" in lines
    for name in ("summary", "events", "tests", "outcomes", "raw_events", "timeline"):
        assert f"result.{name} ({getattr(result, name).height:,} rows)" in text
    assert len(lines) == 5 and len(text) < 1000 and str(result) == text
    page = result._repr_html_()
    assert len(page) < 1500 and "<table" not in page and "result.summary" in page
    assert page.count("<li>") == 4 and "Verdict: " in page


def test_a_results_description_counts_the_tests_its_verdict_counts(tmp_path: Path) -> None:
    """Rows of result.tests that are no test (an excursion's mae and mfe, described; a
    statistic the null leaves untested) were counted as tests: configs/spx_rut_catchup.yaml
    printed 'counts: ..., 31 tests' above 'Verdict: ...; none of 19 tests significant', and
    the S&P 500 universe '15 tests' above '6 of 10 tests'."""
    text = STUDY.replace("horizons: [1d, 5d]}", "horizons: [1d, 5d]}\n  - excursions: {assets: [A], horizons: [5d]}")
    result = tiny_result(tmp_path, text.replace("null: matched", "null: circular"))  # the matched null has little room here
    verdict = verdict_line(result)
    counted = int(verdict.split(" tests significant")[0].split(" of ")[-1])
    other = result.tests.height - counted
    assert other > 0 and "descriptions, not tests" in verdict
    assert f"summary cells, {counted:,} tests (result.tests has {other:,} more rows, with no test)" in repr(result)
    (tmp_path / "none").mkdir()
    none = tiny_result(tmp_path / "none", STUDY.replace("B drawdown >= 10%", "B drawdown >= 90%"))
    assert verdict_line(none) == "Verdict: no events: the condition never held in the window."
    assert f"summary cells, no tests (result.tests has {none.tests.height:,} rows, with no test)" in repr(none)  # was: '12 tests' above 'no events'


def test_an_edge_triggered_study_counts_the_days_the_condition_turned_true(tmp_path) -> None:
    """With 'trigger: edge' the report read 'Events: 44 kept of 44 days the condition
    held' for SPX at ATH and RUT 10%+ off its high, which held on 80 days since 1980 and
    turned true on 44; nothing said the events were the turns ('no declustering: every day
    the condition holds is an event', in the notes and in explain, too)."""
    from eventstudy.config import load_study
    from eventstudy.explain import explain
    from eventstudy.report.text import study_lines

    edge = STUDY.replace("decluster: {gap: 5, mode: after_kept}\n", "trigger: edge\n")
    (tmp_path / "level").mkdir()
    (tmp_path / "edge").mkdir()
    level = tiny_result(tmp_path / "level", edge.replace("trigger: edge\n", ""))
    result = tiny_result(tmp_path / "edge", edge)
    turns = result.raw_events.height
    assert 0 < turns < level.raw_events.height  # the condition held on more days than it turned true
    assert ("Events", f"{turns} kept of {turns} days the condition turned true") in study_lines(result)
    assert f"(kept of {turns} days the condition turned true)" in repr(result)
    assert "no declustering: every day the condition turns true is an event" in result.notes
    assert ("Events", f"{level.raw_events.height} kept of {level.raw_events.height} days the condition held") in study_lines(level)
    selection = dict(explain(load_study(tmp_path / "edge" / "study.yaml")).selection)
    assert selection["declustering"] == "none: every day the condition turns true is an event"


def test_a_nested_baseline_is_not_called_all_days(tmp_path) -> None:
    """With 'baseline: {when: SPX at ATH}' the significance table's 'All days' column held
    the figure over the ATH days (SPX 1m average +0.31%) while the summary's 'All days'
    beside it held every day's (+0.87%), for the same cell: the column is now 'Baseline
    days', and the tables say which days those are."""
    import polars as pl

    from eventstudy import render_markdown
    from eventstudy.report.text import format_cell
    from eventstudy.report.text import (
        tests_table as significance_table,  # not at the top: pytest would collect it
    )

    text = STUDY.replace("null: matched}", "null: matched, baseline: {when: B drawdown >= 15%}}")
    result = tiny_result(tmp_path, text)
    table = significance_table(result)
    assert "All days" not in table.headers
    column = table.headers.index("Baseline days")
    first = result.tests.row(0, named=True)
    summary = result.summary.filter((pl.col("asset") == first["asset"]) & (pl.col("horizon") == first["horizon"])).row(0, named=True)
    assert first["baseline"] != pytest.approx(summary["baseline_mean"])  # the days where B is 15% off differ from all days
    assert table.rows[0][column] == format_cell(first["baseline"], "fraction")
    assert table.title.endswith("; baseline days: where 'B drawdown >= 15%'")
    assert significance_table(result, compact=True).title.endswith("; baseline days: where 'B drawdown >= 15%'")
    assert "Baseline days: the days where `B drawdown >= 15%`" in render_markdown(result)


@pytest.mark.parametrize(("level", "label"), [(0.975, "97.5% CI"), (0.999, "99.9% CI")])
def test_the_summary_names_the_interval_level_it_was_computed_at(tmp_path: Path, level: float, label: str) -> None:
    """'statistics: {ci: 0.975}' computed 97.5% intervals under the header '98% CI', and
    'ci: 99.5%' (or 0.999) under '100% CI', an interval no finite sample gives: the header
    rounded the level to a whole percent. Every format reads the level as it was set."""
    from eventstudy import render_markdown

    found = tiny_result(tmp_path, STUDY.replace("seed: 3,", f"seed: 3, ci: {level},"))
    assert found.statistics.ci == level
    (table, *_) = summary_tables(found)
    assert label in table.headers
    assert f"| {label} |" in render_markdown(found)
    assert label in ANSI.sub("", render(found, width=200))


def test_the_legend_says_when_the_interval_is_normal_theory(tmp_path: Path) -> None:
    """Under a placebo null a cell of 500 events or more gets the normal-theory interval of
    its average, not the bootstrap: the legend under the summary still read 'CI: bootstrap
    (BCa) interval of the average' there (on SPX's Mondays, 499 events gave a BCa interval
    and 500 a normal one under the same words). It says so now, and only where it applies."""
    from eventstudy import render_markdown

    text = MANY.replace("placebos: 0", "placebos: 99, seed: 1, null: circular")
    (tmp_path / "many").mkdir()
    (tmp_path / "few").mkdir()
    many = tiny_result(tmp_path / "many", text, days=600)
    few = tiny_result(tmp_path / "few", text, days=300)
    assert many.tests.filter(pl.col("statistic") == "mean")["n"].max() >= 500
    assert few.tests["n"].max() < 500
    assert "(the normal-theory interval where a cell has 500 events or more)" in render_markdown(many)
    assert "normal-theory" not in render_markdown(few)


@pytest.mark.parametrize("placebos", [200, 0])
def test_the_all_days_n_is_shown_whether_the_run_is_tested_or_not(tmp_path: Path, placebos: int) -> None:
    """'--placebos 0' showed the all-days table with its n (11756 SPX days at 1w), the
    default, tested run the same table without it: how many days the baseline averages
    was in summary.csv only. Every format now shows it beside the all-days figures."""
    from eventstudy import render_markdown
    from eventstudy.report.html import render_html

    found = tiny_result(tmp_path, STUDY.replace("placebos: 200", f"placebos: {placebos}"))
    (table, *_) = summary_tables(found)
    assert "All days n" in table.headers
    column = table.headers.index("All days n")
    assert [row[column] for row in table.rows] == [str(n) for n in found.summary["baseline_n"]]
    terminal = ANSI.sub("", render(found, width=80))
    baseline = terminal[terminal.index("close: all days\n"):]
    assert re.search(r"Horizon\s+n\s+Average", baseline)
    for n in found.summary["baseline_n"]:
        assert re.search(rf"\s{n}\s+[+-]\d", baseline)
    assert "| All days n |" in render_markdown(found)
    page = render_html(found)  # the all-days part's columns under one heading: n, average, median, % > 0
    assert 'colspan="4">All days (the baseline)</th>' in page
    assert all(f"<td>{n}</td>" in page for n in found.summary["baseline_n"])


def test_a_share_mde_no_share_can_reach_reads_none_detectable(tmp_path: Path) -> None:
    """Five events of A a day apart: the share positive's MDE at 1d was 62.2 pp against a
    baseline of 56.3%, more than a share can move either way (tests.csv 0.62, the tables
    '62.2 pp'). It is inf in the tests and 'none detectable' in the tables; B's 48.9 pp
    from 18.8% (reachable upward) stays a figure."""
    import math

    from eventstudy import render_markdown
    from eventstudy.report.text import (
        tests_table as significance_table,  # not at the top: pytest would collect it
    )

    text = (STUDY.replace("window: {start: 2020-01-10}", "window: {start: 2020-01-10, end: 2020-01-25}")
            .replace("gap: 5", "gap: 1").replace("5d]", "20d]"))
    found = tiny_result(tmp_path, text)
    shares = found.tests.filter(statistic="pct_positive", horizon="1d").sort("asset")
    a, b = shares.rows(named=True)
    assert a["mde"] == math.inf and 1.0 - a["baseline"] < a["baseline"] < 0.6
    assert b["mde"] == pytest.approx(2.801585 * math.sqrt(b["baseline"] * (1 - b["baseline"]) / b["n_eff"]), rel=1e-5)
    table = significance_table(found)
    mde = table.headers.index("MDE")
    by_cell = {(row[1], row[2], row[3]): row[mde] for row in table.rows}
    assert by_cell[("A", "1d", "% > 0")] == "none detectable"
    assert by_cell[("B", "1d", "% > 0")] == f"{b['mde'] * 100:.1f} pp"
    assert "| none detectable |" in render_markdown(found)

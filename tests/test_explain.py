"""`eventstudy explain STUDY`: the condition as parsed, a tree with each test's columns, its
features, a readable plan of its polars operations, and the raw expression with --raw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eventstudy.cli import FLAGS, main
from eventstudy.conditions import compile_condition, parse, resolve
from eventstudy.config import load_study, parse_study
from eventstudy.errors import options_named
from eventstudy.explain import explain, render_explanation

REPO = Path(__file__).resolve().parents[1]

NESTED = """\
name: nested
series: {SPX: SPX, RUT: RUT}
when: "(SPX RSI(14) < 30 OR RUT rsi(14) < 30) and not SPX at 20-day low for 3 days"
evaluate:
  - forward_returns: {assets: [SPX], horizons: [1m]}
"""


def test_flagship_condition() -> None:
    study = load_study(REPO / "configs" / "spx_rut.yaml")
    found = explain(study)
    assert found.canonical == "SPX at ATH and RUT drawdown >= 10%"
    assert found.tree == ["all of (and)", "├─ SPX at ATH", "└─ RUT drawdown >= 10%"]
    assert found.tree_columns == [[], ["SPX.at_ath"], ["RUT.drawdown"]]
    assert found.plan == [
        "all of: &  (false & null = false)",
        '  col("SPX.at_ath") as boolean',
        '  col("RUT.drawdown") >= 0.1',
    ]
    features = dict(found.features)
    (at_ath,) = features["SPX (symbol SPX)"]
    assert at_ath[0] == "at_ath" and at_ath[3] == "SPX.at_ath" and "closing high" in at_ath[2]
    (drawdown,) = features["RUT (symbol RUT)"]
    assert drawdown[0] == "drawdown" and "all-time high" in drawdown[2]
    assert 'col("SPX.at_ath")' in found.expression and 'col("RUT.drawdown")' in found.expression
    assert ("declustering", "gap 21cd, after_kept: keep an event at least 21 calendar days after the previous kept event") in found.selection


def test_precedence_is_explicit_in_the_tree() -> None:
    study = parse_study(NESTED)
    found = explain(study)
    assert found.canonical == "(SPX rsi(14) < 30 or RUT rsi(14) < 30) and not SPX at 20-day low for 3 days"
    assert found.tree == [
        "all of (and)",
        "├─ any of (or)",
        "│  ├─ SPX rsi(14) < 30",
        "│  └─ RUT rsi(14) < 30",
        "└─ not",
        "   └─ on each of the last 3 days (for 3 days)",
        "      └─ SPX at 20-day low",
    ]
    assert [row[0] for row in dict(found.features)["SPX (symbol SPX)"]] == ["rsi(14)", "at_low(20)"]
    assert found.tree_columns == [[], [], ["SPX.rsi(14)"], ["RUT.rsi(14)"], [], [], ["SPX.at_low(20)"]]
    assert found.plan == [
        "all of: &  (false & null = false)",
        "  any of: |  (true | null = true)",
        '    col("SPX.rsi(14)") < 30',
        '    col("RUT.rsi(14)") < 30',
        "  not: ~  (~null = null)",
        "    for 3 days: rolling_sum over 3 rows: true if all 3 are true, false if one is false, else null",
        '      col("SPX.at_low(20)") as boolean',
    ]
    text = render_explanation(study, found)
    assert "condition as written:  (SPX RSI(14) < 30 OR RUT rsi(14) < 30)" in text
    assert "forward_returns: {assets: [SPX], horizons: [1m]" in text
    assert re.search(r"\n  │  ├─ SPX rsi\(14\) < 30 +SPX\.rsi\(14\)\n", text)  # each test beside its column


TEMPORAL = [
    "first SPX crosses above SPX sma(200) in 252 days and (RUT drawdown >= 10% for 5 days or SPX return(21) 3 days ago < -5%)",
    "not month == 12 and (SPX / RUT) at 52-week high within 3 days",
    "SPX crosses below -(SPX sma(50) 2 days ago) / 2 or (RUT at ATL) 4 days ago",
]


@pytest.mark.parametrize("when", TEMPORAL)
def test_the_plan_names_exactly_the_columns_the_expression_reads(when: str) -> None:
    """The plan is written from the tree, not from the expression: it must read the same
    columns, and be far shorter than the expression polars prints."""
    study = parse_study(NESTED.replace(NESTED.splitlines()[2], f'when: "{when}"'))
    found = explain(study)
    expression = compile_condition(resolve(parse(study.when), list(study.series)))
    planned = set(re.findall(r'col\("([^"]+)"\)', "\n".join(found.plan)))
    assert planned == set(expression.meta.root_names())
    assert planned == {c for columns in found.tree_columns for c in columns}
    assert found.expression == str(expression)
    assert len("\n".join(found.plan)) < len(found.expression) / 2
    assert all(len(line) <= 140 for line in found.plan)


def test_the_plan_of_temporal_operators() -> None:
    study = parse_study(NESTED.replace(NESTED.splitlines()[2], f'when: "{TEMPORAL[0]}"'))
    plan = explain(study).plan
    assert plan[0] == "all of: &  (false & null = false)"  # a chain of 'and' is one node, as in the tree
    assert plan[1].startswith("  first in 252 days: today's verdict & ~(within 252 days).shift(1)")
    assert plan[2:5] == [
        "    crosses above: a.shift(1) <= b.shift(1) & a > b",
        '      a = col("SPX.close")',
        '      b = col("SPX.sma(200)")',
    ]
    assert '    col("SPX.return(21)").shift(3) < -0.05' in plan
    (_, crossing, _left, right, *_) = explain(parse_study(NESTED.replace(NESTED.splitlines()[2], f'when: "{TEMPORAL[2]}"'))).plan
    assert crossing == "  crosses below: a.shift(1) >= b.shift(1) & a < b"
    assert right == '    b = (-col("SPX.sma(50)").shift(2) / 2)'  # a division by a non-zero number cannot be null


def test_the_tree_reads_a_test_days_ago_as_its_verdict_that_many_days_earlier() -> None:
    """The tree said 'on at least one of the last 5 days' of '(SPX > 4000) 5 days ago',
    which is 'within 5 days' (the plan's .shift(5) was right)."""
    study = parse_study(NESTED.replace(NESTED.splitlines()[2], 'when: "(SPX > 4000) 5 days ago and RUT at ATH"'))
    assert explain(study).tree == ["all of (and)", "├─ as it was 5 trading days earlier (5 days ago)", "│  └─ SPX > 4000", "└─ RUT at ATH"]


def test_cli_explain(capsys, tmp_path: Path) -> None:
    assert main(["explain", str(REPO / "configs" / "ndx_rsi.yaml")]) == 0
    out = capsys.readouterr().out
    for part in ("canonical form:", "condition tree", "features", "plan (polars", "events:", "evaluators:"):
        assert part in out
    assert "simple moving average" in out and 'col("SPX.sma(200)")' in out
    # the raw expression is one flag away, not printed by default
    assert ".strict_cast(" not in out and "(--raw shows it)" in out
    assert main(["explain", str(REPO / "configs" / "ndx_rsi.yaml"), "--raw"]) == 0
    raw = capsys.readouterr().out
    assert raw.startswith(out.rsplit("polars expression:", 1)[0])
    assert "polars expression (one boolean per day, as polars prints it):" in raw and ".strict_cast(Float64)" in raw
    (tmp_path / "bad.yaml").write_text(NESTED.replace("RSI(14) < 30 OR", "rsl(14) < 30 OR"))
    assert main(["explain", str(tmp_path / "bad.yaml")]) == 2
    assert "unknown feature 'rsl'" in capsys.readouterr().err


def test_explain_and_validate_name_the_event_study_with_its_settings(capsys: pytest.CaptureFixture[str]) -> None:
    """A study of the event study alone showed an empty 'evaluators:' in both."""
    path = Path(__file__).resolve().parents[1] / "configs" / "sp500_volume_spikes.yaml"
    study = load_study(path)
    explained = render_explanation(study, explain(study))
    [line] = [x for x in explained.splitlines() if x.strip().startswith("event_study: {")]
    assert "model: market, market: SPX" in line and "cars: [[-10, -2], [-1, 1], [0, 0], [1, 5], [1, 20]]" in line
    assert "tests: [t, patell, bmp" in line  # every test, the default, spelled out
    assert main(["validate", str(path)]) == 0
    assert "  evaluators: event_study" in capsys.readouterr().out


def test_explain_writes_an_evaluators_flags_as_the_study_file_does() -> None:
    """'recovery: True' (Python's spelling) under a study that wrote 'recovery: true'."""
    study = parse_study(
        "name: t\nseries: {SPX: SPX}\nwhen: SPX at ATH\nevaluate:\n  - excursions: {assets: [SPX], horizons: [1m], recovery: true}\n"
    )
    text = render_explanation(study, explain(study))
    assert "recovery: true" in text and "True" not in text


def test_explain_of_a_universe_says_its_calendar_and_that_gaps_are_per_stock() -> None:
    """A universe's stocks are not aligned with one another: its calendar is its dates on
    which the market series have a close, and each stock is declustered on its own
    trading days. explain said 'alignment: inner (dates on which every series has a
    close)', as if every stock needed a close that day, and a gap 'after the previous
    kept event' without a word of the stock."""
    text = (
        "name: u\nseries: {SPX: SPX}\nuniverse: [AAA, BBB]\nwhen: close at 20-day high and SPX drawdown >= 5%\n"
        "decluster: {gap: 21}\nevaluate:\n  - forward_returns: {horizons: [1m]}\n"
    )
    selection = dict(explain(parse_study(text)).selection)
    assert selection["alignment"] == "the universe's dates on which SPX has a close; each stock's features and horizons on its own trading days"
    assert selection["declustering"].endswith("after the previous kept event of the same stock, on the stock's own trading days of the study calendar")
    two = dict(explain(parse_study(text.replace("{SPX: SPX}", "{SPX: SPX, RUT: RUT}"))).selection)
    assert two["alignment"].startswith("the universe's dates on which every market series (SPX, RUT) has a close")
    calendar = dict(explain(parse_study(text.replace("{gap: 21}", "{gap: 30cd}"))).selection)
    assert calendar["declustering"].endswith("after the previous kept event of the same stock")
    assert dict(explain(parse_study(NESTED)).selection)["alignment"] == "inner (dates on which every series has a close)"


def test_explain_of_a_universe_says_a_stocks_expression_is_computed_on_its_own_days() -> None:
    """'(close / SPX) sma(50)' in a universe is each stock's expression, over its own days
    of the study calendar (blocks.py); explain said it was 'computed on the study's dates',
    as a market expression ('(SPX / SPX sma(20)) sma(5)') is."""
    text = (
        "name: u\nseries: {SPX: SPX}\nuniverse: [AAA, BBB]\nwhen: (close / SPX) sma(50) > 1 and (SPX / SPX sma(20)) sma(5) > 1\n"
        "evaluate:\n  - forward_returns: {horizons: [1m]}\n"
    )
    labels = [label for label, _ in explain(parse_study(text)).features]
    assert "(close / SPX) (an expression of each stock: computed on its own days of the study calendar, not its full history)" in labels
    assert "(SPX / SPX sma(20)) (an expression: computed on the study's dates, not each series' full history)" in labels


def test_explain_names_the_factors_file_only_where_a_factor_set_reads_it(tmp_path: Path) -> None:
    """The market model's event study (configs/sp500_volume_spikes.yaml) was explained with
    'factors_file: factors.csv' among its settings, a file only 'factors: ff3' (ff5,
    carhart) reads, as if the study needed it."""
    path = Path(__file__).resolve().parents[1] / "configs" / "sp500_volume_spikes.yaml"
    study = load_study(path)
    [line] = [x for x in render_explanation(study, explain(study)).splitlines() if x.strip().startswith("event_study: {")]
    assert "model: market" in line and "factors" not in line
    text = path.read_text(encoding="utf-8").replace("  model: market\n  market: SPX\n", "  model: factor\n  factors: ff3\n")
    (tmp_path / "ff3.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "sp500_volume_spikes.csv").write_text((path.parent / "sp500_volume_spikes.csv").read_text(encoding="utf-8"), encoding="utf-8")
    factor = load_study(tmp_path / "ff3.yaml")
    [line] = [x for x in render_explanation(factor, explain(factor)).splitlines() if x.strip().startswith("event_study: {")]
    assert "model: factor" in line and "factors: ff3, factors_file: factors.csv" in line


UNIVERSE = "name: u\nseries: {SPX: SPX}\nuniverse: [AAA, BBB]\nwhen: WHEN\nevaluate:\n  - forward_returns: {horizons: [1m]}\n"


@pytest.mark.shared_data
@pytest.mark.parametrize(("config", "options"), [
    ("spx_rut.yaml", {"histories": 19}),
    ("spx_rut_catchup.yaml", {"placebos": 200}),
    ("sp500_52w_high.yaml", {"placebos": 200}),
])
def test_explain_names_the_null_the_run_uses(config: str, options: dict, shared_data: Path) -> None:
    """explain showed the condition, the events and the evaluators, and not one word of the
    tests a run makes: which null (the histories, a placebo null, a universe's 'dates'),
    why that one, how many draws, the adjustment, the seed. It says them now, as the run
    decides them (eventstudy.null_choice), and the run's own warnings of its null."""
    import eventstudy

    study = load_study(REPO / "configs" / config)
    explained = explain(study)
    result = eventstudy.run(study, data_dir=shared_data, paths=False, **options)
    tests = dict(explained.tests)
    assert tests["null"].split(":")[0] == result.statistics.null
    assert tests["seed"].startswith(f"{study.statistics.seed} ")
    assert f"alpha {study.statistics.alpha:g}" in tests["adjusted"]
    for warning in explained.test_warnings:  # the run gives the same warnings of its null
        assert warning in result.notes


def test_explain_says_why_a_null_is_chosen_and_what_it_draws() -> None:
    flagship = dict(explain(load_study(REPO / "configs" / "spx_rut.yaml")).tests)
    assert flagship["null"] == "histories: the rule re-run on 1,000 resampled histories of SPX, RUT"
    assert "Politis and White" in flagship["drawn"] and flagship["chosen"].startswith("the default; a run whose data")
    fixed = dict(explain(parse_study(NESTED + "statistics: {block_length: 5, histories: 500}\n")).tests)
    assert fixed["null"].endswith("500 resampled histories of SPX, RUT") and "blocks of 5 trading days on average" in fixed["drawn"]
    # an entry at the next open cannot be rebuilt from closes: the runs null, and the run's warning of it
    opens = parse_study(NESTED.replace("horizons: [1m]}", "horizons: [1m], entry: next_open}"))
    explained = explain(opens)
    assert dict(explained.tests)["null"] == "runs"
    assert dict(explained.tests)["chosen"] == "the histories null cannot be built for this study (the run says why)"
    [warning] = explained.test_warnings
    assert warning.startswith("warning: the condition uses prices") and "the runs null was used instead" in warning
    asked = dict(explain(parse_study(NESTED + "statistics: {null: circular}\n")).tests)
    assert asked["null"] == "circular" and asked["chosen"] == "asked for (statistics.null)"
    skipped = dict(explain(parse_study(NESTED + "statistics: {placebos: 0}\n")).tests)
    assert skipped == {"null": "none: statistics.placebos is 0, the run skips every test"}


@pytest.mark.parametrize("null", ["runs", "matched", "circular"])
def test_explain_says_the_tests_read_a_nested_baseline_s_days(null: str) -> None:
    """Under 'statistics: {baseline: {when: ...}}' explain said the tests compared the
    events 'against all days' and drew placebos as if from every day, while the run's
    tests compare them with the days where the baseline holds and draw only from those
    ('baseline days: where 'SPX at ATH'' above its significance table)."""
    tests = dict(explain(parse_study(NESTED + f"statistics: {{null: {null}, baseline: {{when: SPX at ATH}}}}\n")).tests)
    assert "against all days" not in tests["tested"]
    assert "against the days where 'SPX at ATH' holds (statistics.baseline" in tests["tested"]
    assert tests["drawn"].endswith(", drawn only from days where 'SPX at ATH'")


def test_explain_of_a_universe_s_histories_says_how_long_their_blocks_are() -> None:
    """A universe's resampled blocks are at least as long as the longest tested horizon
    (histories.UniverseHistorySource.of: 63 days for a 3m study, where Politis and White
    give 1-3), and the market series are resampled with the stocks; explain said only 'a
    mean length estimated from the data (Politis and White)' of every stock's returns."""
    drawn = dict(explain(parse_study(UNIVERSE.replace("WHEN", "SPX drawdown >= 5%"))).tests)["drawn"]
    assert "at least as long as the longest tested horizon" in drawn
    assert drawn.startswith("every stock's and the market series' daily returns resampled together")
    fixed = dict(explain(parse_study(UNIVERSE.replace("WHEN", "SPX drawdown >= 5%") + "statistics: {block_length: 5}\n")).tests)["drawn"]
    assert "blocks of 5 trading days on average" in fixed and "longest" not in fixed  # as set, whatever the horizons


def test_explain_of_a_universe_names_its_null_and_why() -> None:
    own = dict(explain(parse_study(UNIVERSE.replace("WHEN", "close at 20-day high"))).tests)
    assert own["null"].startswith("dates: ") and own["chosen"] == "the default"
    assert "its median shown but not tested" in own["tested"]
    market = dict(explain(parse_study(UNIVERSE.replace("WHEN", "SPX drawdown >= 5%"))).tests)
    assert market["null"] == "histories: the rule re-run on 200 resampled universes, the 'symbols' null beside it"
    assert "the condition picks days, not stocks" in market["chosen"]
    assert market["tested"].startswith("the average, the median and the % > 0")
    # against the baseline the run's summary shows: a universe's pools every symbol-day (report.text.baseline_label)
    assert market["tested"].endswith("against all symbol-days; a hit rate on its average alone") and "all days" not in own["tested"]
    assert dict(explain(parse_study(NESTED)).tests)["tested"].endswith("against all days; a hit rate on its average alone")
    counted = dict(explain(parse_study(UNIVERSE.replace("WHEN", "SPX drawdown >= 5%") + "statistics: {histories: 50}\n")).tests)
    assert counted["null"].startswith("histories: the rule re-run on 50 resampled universes")


def test_explain_of_a_null_that_cannot_test_the_rule_says_what_the_run_will_warn(tmp_path: Path) -> None:
    """'eventstudy run --null dates' of a universe whose condition picks days warns that the
    'dates' null has no room (its p-values are no test); explain of the same study and null
    said nothing. It says the run's warning where the study alone decides it, and where the
    data decide (how many stocks trade, a placebo null's room) that the run checks."""
    import numpy as np
    import polars as pl
    from synthetic import business_days

    import eventstudy

    rng = np.random.default_rng(5)
    for symbol in ["SPX", "AAA", "BBB", "CCC"]:
        walk = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, 500)))
        pl.DataFrame({"date": business_days(500), "close": walk}).write_csv(tmp_path / f"{symbol}.csv")
    text = UNIVERSE.replace("[AAA, BBB]", "[AAA, BBB, CCC]").replace("WHEN", "SPX at 20-day low")
    study = parse_study(text + "decluster: {gap: 5}\nstatistics: {null: dates, placebos: 200, seed: 1}\n")
    explained = explain(study)
    [warning] = explained.test_warnings
    assert warning.startswith("warning: the 'dates' null had little room: the condition picks days, not stocks")
    assert "its p-values are no test" in warning and "(null='histories')" in warning  # a Python call's keyword
    assert "the run checks" in dict(explained.tests)["room"]
    result = eventstudy.run(study, data_dir=tmp_path, paths=False)
    [ran] = [n for n in result.notes if n.startswith("warning: the 'dates' null had little room: the condition picks days")]
    said = warning.split(": the condition picks days, not stocks")[1].split(", so moving")[0]
    assert ran.startswith(warning.split(said)[0]) and ran.endswith(warning.split(said)[1])  # one builder: the run adds the share it counted
    own = explain(parse_study(UNIVERSE.replace("WHEN", "close at 20-day high") + "statistics: {null: dates}\n"))
    assert own.test_warnings == [] and "the run checks" in dict(own.tests)["room"]  # the stocks' own days: the data decide
    runs = explain(parse_study(NESTED + "statistics: {null: runs}\n"))
    assert "the run checks" in dict(runs.tests)["room"]
    histories = dict(explain(parse_study(NESTED)).tests)
    assert "room" not in histories  # the histories null holds no days fixed


def test_explain_of_a_sweep_study_names_its_grid_its_null_and_its_held_out_test() -> None:
    """explain said nothing of a study's sweep: list: its tests named the histories null on 1,000 resampled histories,
    while 'eventstudy sweep' of the study tests every cell on the runs null (a sweep re-runs no histories) and re-tests
    the best cells after --confirm-from on the run's headline null."""
    swept = explain(parse_study(NESTED + "sweep:\n  - {name: when#1, values: [25, 30]}\n  - {name: gap, values: [5, 10, 21cd]}\n"))
    sweep = dict(swept.sweep)
    assert sweep["grid"] == "2 axes, 6 cells (when#1: 25, 30; gap: 5, 10, 21cd)"
    assert sweep["null"].startswith("runs: 10,000 placebo sets per cell, one joint null")
    assert sweep["held out"].startswith("with confirm_from=DATE, the grid is ranked on the days before DATE and its best cells (top=)")
    assert "a sweep re-runs no histories; null= names another placebo null" in sweep["null"]
    with options_named(FLAGS):  # the command line's explain: its flags
        on_the_command_line = dict(explain(parse_study(NESTED + "sweep:\n  - {name: gap, values: [5, 10]}\n")).sweep)
    assert on_the_command_line["held out"].startswith("with --confirm-from DATE, the grid is ranked on the days before DATE and its best cells (--top)")
    assert "--null names another placebo null" in on_the_command_line["null"]
    assert "the histories null (the tests above)" in sweep["held out"]
    assert dict(swept.tests)["null"].startswith("histories: ")  # what a run does, as before
    assert "sweep (eventstudy sweep; a run leaves the sweep: list out):\n  grid: 2 axes" in render_explanation(parse_study(NESTED), swept)
    matched = dict(explain(parse_study(NESTED + "statistics: {null: matched, placebos: 500}\nsweep:\n  - {name: gap, values: [5, 10]}\n")).sweep)
    assert matched["null"].startswith("matched: 500 placebo sets per cell") and "the matched null (the tests above)" in matched["held out"]
    universe = dict(explain(parse_study(UNIVERSE.replace("WHEN", "SPX drawdown >= 5%") + "sweep:\n  - {name: gap, values: [5, 10]}\n")).sweep)
    assert universe["null"].startswith("'dates' (same days, other stocks)") and "on the 'dates' null" in universe["held out"]
    assert explain(parse_study(NESTED)).sweep == []

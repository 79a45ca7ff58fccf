"""Study files: the schema, and one clear, located message for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy.config import load_study, parse_study
from eventstudy.errors import ConfigError, EventStudyError, UnknownNameError

GOOD = """\
name: test study
series: {SPX: SPX, RUT: RUT}
when: SPX at ATH and RUT drawdown >= 10%
window: {start: 1980-01-01}
decluster: {gap: 21cd, mode: after_kept}
evaluate:
  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}
"""


def render(text: str) -> str:
    with pytest.raises(EventStudyError) as info:
        parse_study(text, path="study.yaml")
    return info.value.render()


def test_a_good_study_validates_into_typed_objects() -> None:
    study = parse_study(GOOD, path="study.yaml")
    assert study.series == {"SPX": "SPX", "RUT": "RUT"}
    assert study.decluster is not None and study.decluster.gap.unit == "cd"
    assert study.window.start is not None and study.window.start.year == 1980
    assert study.window.end is None
    [spec] = study.evaluators
    assert spec.name == "forward_returns"
    assert [h.days for h in spec.params.horizons] == [21, 63]


def test_series_may_be_a_list() -> None:
    study = parse_study(GOOD.replace("{SPX: SPX, RUT: RUT}", "[SPX, RUT]"))
    assert study.series == {"SPX": "SPX", "RUT": "RUT"}


@pytest.mark.parametrize("name", ["at", "AND", "first", "In", "'on'"])
def test_a_series_named_by_a_word_of_the_condition_language_is_refused_where_it_is_declared(name: str) -> None:
    """'series: {at: SPX}' was accepted and its condition 'at > 100' then read "expected a
    condition, got 'at'" ('first > 100': "expected a value ..., got '>'"): no condition
    can use such a name."""
    text = render(GOOD.replace("{SPX: SPX, RUT: RUT}", f"{{{name}: SPX, RUT: RUT}}"))
    bare = name.strip("'")
    assert text.startswith(f"study.yaml:2:9: error: bad value for 'series': series name {bare!r} is a word of the condition language")
    assert f"name the series otherwise, e.g. {bare}_: ..." in text


def test_a_series_named_on_unquoted_is_a_boolean_to_yaml_and_is_said_so() -> None:
    """'series: {ON: ON}' (a ticker) read "series name True is not a valid name"."""
    text = render(GOOD.replace("{SPX: SPX, RUT: RUT}", "{ON: SPX, RUT: RUT}"))
    assert "series name true is no name: YAML reads an unquoted yes, no, on, off, true or false as true or false" in text
    assert "hint: quote the name" in text


def test_condition_typo_points_at_the_token_in_the_file() -> None:
    text = render(GOOD.replace("RUT drawdown", "RUT drawdwn"))
    assert text.splitlines() == ["study.yaml:3:26: error: unknown feature 'drawdwn' (did you mean 'drawdown'?)", "    when: SPX at ATH and RUT drawdwn >= 10%", "                             ^^^^^^^", *text.splitlines()[3:]]


def test_condition_error_in_a_quoted_string_is_placed_inside_the_quotes() -> None:
    text = render(GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%", 'when: "SPX at ATH and RTU drawdown >= 10%"'))
    first, line, caret = text.splitlines()[:3]
    assert first.startswith("study.yaml:3:23: error: unknown series 'RTU'")
    assert "did you mean 'RUT'" in first
    assert caret.index("^") == line.index("RTU")


@pytest.mark.parametrize(
    ("when", "bad"),
    [
        (r'"SPX at ATH and \"RUT\" drawdown >= 10%"', r'\"'),  # the bad character is the escape
        (r'"SPX at ATH and\tRUT drawdwn >= 10%"', "drawdwn"),  # after an escape
        (r'"SPX at\u0020ATH and \\ RUT >= 10%"', "\\\\"),
        ("'SPX at ATH and ''RUT'' drawdown >= 10%'", "''"),
    ],
)
def test_condition_error_after_an_escape_in_a_quoted_string_is_under_the_token(when: str, bad: str) -> None:
    """An escape (\\" \\t \\u0020, '' in single quotes) is written in more columns than the
    character it stands for: the caret was drawn as if each took one, so it sat under the
    backslash of \\", and one column early after \\t (five after \\u0020)."""
    text = render(GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%", f"when: {when}"))
    first, line, caret = text.splitlines()[:3]
    column = line.index(bad) + 1 - 4  # the source line is indented by 4
    assert first.startswith(f"study.yaml:3:{column}: error: "), text
    assert caret.index("^") == line.index(bad) and caret.count("^") == len(bad), text


def test_invalid_yaml_names_line_and_column() -> None:
    text = render(GOOD.replace("window: {start: 1980-01-01}", "window: {start: 1980-01-01"))
    assert text.startswith("study.yaml:5:")
    assert "invalid YAML" in text


@pytest.mark.parametrize("when", ["when: SPX at ATH and\tRUT drawdown >= 10%", "when: >\n\tSPX at ATH and RUT drawdown >= 10%"])
def test_a_tab_yaml_does_not_read_is_answered_with_spaces(when: str) -> None:
    """A tab between the words of a plain condition (or indenting a block one) read
    "invalid YAML: found character '\\t' that cannot start any token" and nothing more: the
    caret stood under white space that looks like any other."""
    text = render(GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%", when))
    assert "invalid YAML: found character '\\t' that cannot start any token" in text
    assert text.endswith("\n  hint: YAML reads no tab here: write spaces"), text
    assert "hint" not in render(GOOD.replace("window: {start: 1980-01-01}", "window: {start: 1980-01-01"))


def test_unknown_key_lists_the_valid_keys() -> None:
    text = render(GOOD.replace("window:", "windw:"))
    assert text.startswith("study.yaml:4:1: error: unknown key 'windw' in the study (did you mean 'window'?)")
    assert "valid keys: name, description, series, universe, data, when, window, trigger, decluster, evaluate, statistics, plugins, sweep" in text


def test_unknown_nested_key() -> None:
    text = render(GOOD.replace("mode: after_kept", "mdoe: after_kept"))
    assert text.startswith("study.yaml:5:24: error: unknown key 'mdoe' in decluster (did you mean 'mode'?)")
    assert "valid keys: gap, mode" in text


def test_bad_literal_says_what_is_allowed() -> None:
    text = render(GOOD.replace("mode: after_kept", "mode: after_all"))
    assert text.startswith("study.yaml:5:30: error: bad value 'after_all' for 'decluster.mode'")
    assert "'after_kept'" in text and "'after_any'" in text


def test_bad_gap_and_bad_horizon() -> None:
    gap = render(GOOD.replace("gap: 21cd", "gap: 21days"))
    assert gap.startswith("study.yaml:5:18: error: bad value '21days' for 'decluster.gap': bad gap '21days'")
    assert "'21cd' (calendar days)" in gap
    horizon = render(GOOD.replace("horizons: [1m, 3m]", "horizons: [1m, 3q]"))
    assert horizon.startswith("study.yaml:7:")
    assert "bad horizon '3q'" in horizon and "'1y' (252)" in horizon


def test_missing_required_key() -> None:
    text = render(GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%\n", ""))
    assert "missing required key 'when'" in text


def test_unknown_evaluator_and_unknown_asset() -> None:
    text = render(GOOD.replace("forward_returns:", "forward_return:"))
    assert text.startswith("study.yaml:7:5: error: unknown evaluator 'forward_return' (did you mean 'forward_returns'?)")
    asset = render(GOOD.replace("assets: [SPX, RUT]", "assets: [SPX, NDX]"))
    assert asset.startswith("study.yaml:7:37: error: unknown series 'NDX' in 'assets'")
    assert "SPX, RUT" in asset


def test_a_market_series_among_a_universe_studys_assets_is_refused_where_it_is_written() -> None:
    """A universe's panel has a row per stock: the outcomes of a market series named in
    'assets' had no place there and were dropped without a word (an empty summary for
    'assets: [SPX]', only the stocks for 'assets: ['@', SPX]'). Named as a benchmark it
    is what the study compares the stocks with."""
    universe = (
        "name: u\nseries: {SPX: SPX}\nuniverse: {data_file: panel.csv}\nwhen: close at 20-day high\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\n  - hit_rate: {assets: ['@', SPX], horizons: [1w]}\n"
    )
    text = render(universe)
    assert text.startswith("study.yaml:7:30: error: 'SPX' in 'assets' is a market series: a universe study measures each of its stocks")
    assert "^^^" in text and "benchmark: SPX" in text and "study SPX itself in a study of named series" in text
    for entry in ("forward_returns: {assets: [SPX], horizons: [1w]}", "excursions: {assets: [SPX], horizons: [1w]}", "path: {assets: [SPX]}"):
        refused = render(universe.replace("hit_rate: {assets: ['@', SPX], horizons: [1w]}", entry))
        assert "'SPX' in 'assets' is a market series" in refused, entry
    fine = universe.replace("hit_rate: {assets: ['@', SPX], horizons: [1w]}", "hit_rate: {horizons: [1w], benchmark: SPX}")
    assert parse_study(fine, path=Path("study.yaml")).evaluators[1].params.benchmark == "SPX"  # type: ignore[attr-defined]


def test_a_universe_label_that_names_a_market_series_is_refused_where_it_is_written() -> None:
    """'label: SPX' beside 'series: {SPX: SPX}' labelled the stocks' own returns 'SPX' in
    every table and their excess return over the S&P 500 'SPX-SPX': figures that read as
    the index's, and as the index against itself."""
    universe = (
        "name: u\nseries: {SPX: SPX, R: ^RUT}\nuniverse: {data_file: panel.csv, label: LABEL}\nwhen: close at 20-day high\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\n  - excess_returns: {benchmark: SPX, horizons: [1w]}\n"
    )
    text = render(universe.replace("LABEL", "SPX"))
    assert text.startswith("study.yaml:3:41: error: the universe's label 'SPX' names the market series 'SPX': the stocks' figures")
    assert "'SPX-SPX'" in text and "^^^" in text and "hint: give the universe a label of its own" in text
    assert "the market series 'R' ('^RUT')" in render(universe.replace("LABEL", "^rut"))  # its symbol, in any letter case
    assert "names the market series 'SPX'" in render(universe.replace("LABEL", "spx"))
    assert parse_study(universe.replace("LABEL", "stocks"), path="study.yaml").universe.label == "stocks"  # type: ignore[union-attr]


def test_a_universe_studys_own_label_in_assets_is_answered_with_leaving_assets_out() -> None:
    """'assets: [stocks]' (the universe's label) answered "unknown series 'stocks'" with
    the hint that assets must be series under 'series:': SPX, which the next run then
    refused as a market series. A universe's assets are its stocks, with 'assets' out."""
    universe = "name: u\nseries: {SPX: SPX}\nuniverse: {data_file: panel.csv}\nwhen: close at 20-day high\nevaluate:\n  - forward_returns: {assets: [ASSET], horizons: [1w]}\n"
    text = render(universe.replace("ASSET", "stocks"))
    assert text.startswith("study.yaml:6:32: error: the universe's label 'stocks' in 'assets': a universe study measures each of its stocks")
    assert "hint: leave 'assets' out" in text and "series:" not in text
    other = render(universe.replace("ASSET", "AAPL"))
    assert other.startswith("study.yaml:6:32: error: 'AAPL' in 'assets': a universe study measures each of its stocks")
    assert "list them under 'universe:'" in other


def test_a_benchmark_in_a_study_without_series_is_answered_with_declaring_it() -> None:
    """A universe study with no 'series:' and 'benchmark: SPX' read "unknown series 'SPX' in
    'benchmark'" with the hint "assets must be series declared under 'series:': ", a list
    with nothing after its colon; the hint now says what to add."""
    text = render("name: u\nuniverse: {data_file: panel.csv}\nwhen: close at 20-day high\nevaluate:\n  - excess_returns: {horizons: [1m], benchmark: SPX}\n")
    assert text.startswith("study.yaml:5:49: error: unknown series 'SPX' in 'benchmark'")
    assert "hint: this study declares no series: add 'series: {SPX: SPX}' (the name used here -> the symbol in the data)" in text
    assert "'series:': \n" not in text + "\n"


def test_window_start_after_end() -> None:
    text = render(GOOD.replace("window: {start: 1980-01-01}", "window: {start: 1990-01-01, end: 1980-01-01}"))
    assert "window start '1990-01-01' is after its end '1980-01-01'" in text


def test_not_a_mapping() -> None:
    assert "must be a mapping" in render("- just a list\n")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_study(tmp_path / "nope.yaml")


def test_a_study_file_and_a_study_text_mistaken_for_each_other_say_which_call_reads_which() -> None:
    """load_study(text) read 'name: x<newline>...: error: study file 'name: x\\n...' does not
    exist', the whole text as a file name; parse_study(Path(...)) ended in PyYAML's
    "'PosixPath' object has no attribute 'read'", and parse_study("configs/x.yaml") gave the
    valid keys of a study for a hint."""
    with pytest.raises(ConfigError) as error:
        load_study(GOOD)
    assert error.value.render() == (
        "error: a study file's path was expected, and this is a study's text\n"
        "  hint: give the text to eventstudy.parse_study(text), and its Study to run()"
    )
    with pytest.raises(TypeError, match=r"text is of type \w*Path: parse_study takes a study's YAML as text; a study file's path is eventstudy.load_study\(path\)'s"):
        parse_study(Path("configs/spx_rut.yaml"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="must be a mapping") as error:
        parse_study("configs/spx_rut.yaml")
    assert error.value.hint == "'configs/spx_rut.yaml' reads as a file's name: eventstudy.load_study('configs/spx_rut.yaml') reads the file"


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse_study("name: !!python/object/apply:os.system ['true']\n")


def test_unknown_name_errors_are_their_own_kind() -> None:
    with pytest.raises(UnknownNameError):
        parse_study(GOOD.replace("RUT drawdown", "RUT drawdwn"))


def test_every_shipped_config_validates() -> None:
    configs = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))
    assert configs
    for path in configs:
        study = load_study(path)
        assert study.evaluators or study.event_study is not None, path  # each measures something


def test_a_key_written_twice_is_an_error_at_the_second() -> None:
    """Issue 15: YAML keeps the last of duplicate keys silently; a study refuses them."""
    text = "name: x\nseries: {SPX: SPX, RUT: RUT}\nwhen: SPX at ATH\nevaluate: []\nwhen: RUT at ATH\n"
    with pytest.raises(ConfigError) as error:
        parse_study(text, path="dup.yaml")
    rendered = error.value.render()
    assert "dup.yaml:5:1: error: duplicate key 'when' (first written on line 3)" in rendered
    with pytest.raises(ConfigError, match="duplicate key 'SPX'"):
        parse_study("name: x\nseries: {SPX: SPX, SPX: RUT}\nwhen: SPX at ATH\n", path="dup.yaml")


def test_a_file_nested_thousands_deep_is_a_message_not_a_traceback() -> None:
    with pytest.raises(ConfigError, match="nests too deeply"):
        parse_study("a: " + "[" * 3000 + "]" * 3000 + "\n", path="deep.yaml")


def test_an_alias_bomb_is_checked_once_per_node() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    with pytest.raises(ConfigError, match="missing required key 'name'"):  # reached quickly: 10^9 leaves unexpanded
        parse_study("\n".join(lines) + "\n", path="bomb.yaml")


BASE = "name: x\nseries: {SPX: SPX}\nwhen: SPX at ATH\nevaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("statistics: {seed: -1}", "'statistics.seed': input should be greater than or equal to 0"),
        ("statistics: {placebos: 1000000000}", "'statistics.placebos': input should be less than or equal to 10000000"),
        ("statistics: {histories: 100000000}", "'statistics.histories': input should be less than or equal to 100000"),
        ("decluster: {gap: 18446744073709551616}", "gap 18446744073709551616 is too long"),
        ("decluster: {gap: 1000000000000mo}", "gap '1000000000000mo' is too long"),
        ("window: {start: 1980-02-30}", "'1980-02-30' is not a date"),
        ("window: {start: 1980-13-01}", "'1980-13-01' is not a date"),
        ("statistics: {placebos: true}", "'statistics.placebos': true is yes or no, not a number"),  # had run 1 placebo set
        ("statistics: {histories: false}", "'statistics.histories': false is yes or no, not a number"),
        ("statistics: {block_length: true}", "'statistics.block_length': true is yes or no, not a number"),  # had run blocks of 1 day
    ],
)
def test_numbers_and_dates_out_of_range_are_located_messages(extra: str, message: str) -> None:
    """Issue 15: each of these was a traceback (exit 1) or ran for hours."""
    with pytest.raises(ConfigError) as error:
        parse_study(BASE + extra + "\n", path="r.yaml")
    rendered = error.value.render()
    assert message in rendered and "r.yaml:6:" in rendered


@pytest.mark.parametrize(("written", "alpha", "ci"), [("{alpha: 5%, ci: 90%}", 0.05, 0.90), ("{alpha: 0.1, ci: 99.5%}", 0.1, 0.995)])
def test_a_level_is_written_as_a_percent_or_a_share(written: str, alpha: float, ci: float) -> None:
    """'alpha: 5%' was 'unable to parse string as a number', though a threshold takes 5%."""
    study = parse_study(BASE + f"statistics: {written}\n", path="r.yaml")
    assert study.statistics.alpha == pytest.approx(alpha) and study.statistics.ci == pytest.approx(ci)


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        ("alpha: 5", "'statistics.alpha': 5 is a percent written without its sign", "write 5% or 0.05"),  # was 'less than 1'
        ("ci: 95", "'statistics.ci': 95 is a percent written without its sign", "write 95% or 0.95"),
        ("alpha: true", "'statistics.alpha': true is yes or no, not a level", "write 5% or 0.05"),  # was 1.0: 'less than 1'
    ],
)
def test_a_level_written_as_a_bare_percent_says_how_to_write_it(written: str, message: str, hint: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_study(BASE + f"statistics: {{{written}}}\n", path="r.yaml")
    rendered = error.value.render()
    assert message in rendered and f"hint: {hint}" in rendered and "r.yaml:6:" in rendered


def test_a_horizon_beyond_400_years_is_refused() -> None:
    text = BASE.replace("horizons: [1m]", "horizons: [18446744073709551616d]")
    with pytest.raises(ConfigError, match="is too long"):
        parse_study(text, path="r.yaml")


@pytest.mark.parametrize("raw", ["name: x\x1b[31m\n", "name: x\x00\n", "name: x\x07\n"])
def test_a_control_byte_in_the_file_is_located(raw: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_study(raw + "series: {SPX: SPX}\nwhen: SPX at ATH\n", path="c.yaml")
    rendered = error.value.render()
    assert rendered.startswith("c.yaml:1:8: error: invalid YAML: the character U+00") and "not allowed" in rendered


def test_an_escape_sequence_in_text_shown_in_reports_is_refused() -> None:
    """Issue 15: '\\u001b[31m' in a study name reached the terminal raw."""
    for key in ("name", "description"):
        text = BASE.replace("name: x\n", f'name: x\n{key}: "a \\u001b[2J b"\n') if key == "description" else BASE.replace("name: x", 'name: "a \\u001b[2J b"')
        with pytest.raises(ConfigError, match="control character U\\+001B is not allowed"):
            parse_study(text, path="c.yaml")


def test_more_horizons_than_an_evaluator_takes_are_refused_before_any_work() -> None:
    """Issue 15: 5,000 horizons ended in an allocation failure (SIGABRT)."""
    horizons = ", ".join(f"{i}d" for i in range(1, 150))
    with pytest.raises(ConfigError, match="at most 100 items"):
        parse_study(BASE.replace("horizons: [1m]", f"horizons: [{horizons}]"), path="r.yaml")


def test_a_nested_baseline_in_a_universe_is_refused_at_its_key() -> None:
    """A universe's baseline is every symbol-day of the window: the key was ignored."""
    text = """\
name: universe with a baseline
series: {SPX: SPX}
universe: [AAA, BBB]
when: close at 20-day high
evaluate:
  - forward_returns: {horizons: [1m]}
statistics: {placebos: 100, baseline: {when: SPX > SPX sma(200)}}
"""
    shown = render(text)
    assert "study.yaml:7:29: error: a nested baseline (statistics.baseline) is for studies of named series" in shown
    assert shown.splitlines()[2].index("^") == shown.splitlines()[1].index("baseline")


@pytest.mark.parametrize(("entry", "said"), [
    ("excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m], model: market, kind: log}", "'kind: log' is for the difference model"),
    ("excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m], estimation: 30}", "'estimation' set the market model's estimation window"),
    ("excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m], gap: 3}", "'gap' set the market model's estimation window"),
    ("hit_rate: {assets: [RUT], horizons: [1m], threshold: 5%, benchmark: SPX}", "'threshold' and 'benchmark' are two kinds of hit"),
    ("excursions: {assets: [RUT], horizons: [1m], recovery: false, max_days: 63}", "'max_days' is how long the recovery is looked for"),
])
def test_an_evaluator_option_that_would_be_ignored_is_refused_at_its_entry(entry: str, said: str) -> None:
    shown = render(GOOD.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry}"))
    assert "study.yaml:7:" in shown and said in shown and "value error" not in shown


@pytest.mark.parametrize("entry", [
    "forward_returns: {assets: [SPX, RUT, SPX], horizons: [1m]}",
    "path: {assets: [SPX, RUT, SPX]}",
    "excursions: {assets: [SPX, RUT, SPX], horizons: [5]}",
])
def test_a_series_listed_twice_in_assets_is_refused_where_it_is_listed_again(entry: str) -> None:
    """'assets: [SPX, SPX]' ran: the series' rows were taken twice, so a shift of 21 rows
    was 10 or 11 days (SPX 1m after its highs since 2020: -0.02% on 227 events, none
    pending, for -0.09% on 224 with 3 pending; the path at -21d equal to -20d). A
    universe's ['@', '@'] said 'two 'forward_returns' entries both produce stocks fwd 1m'
    when run, of one entry."""
    shown = render(GOOD.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry}"))
    lines = shown.splitlines()
    assert lines[0].startswith("study.yaml:7:") and "error: 'SPX' is listed twice in 'assets'" in lines[0], shown
    assert lines[2].index("^") == lines[1].rindex("SPX") and "hint: give each series once" in shown
    universe = GOOD.replace("series: {SPX: SPX, RUT: RUT}", "series: {SPX: SPX}\nuniverse: [AAA, BBB]").replace("when: SPX at ATH and RUT drawdown >= 10%", "when: close at ATH")
    shown = render(universe.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", "  - forward_returns: {assets: ['@', '@'], horizons: [1m]}"))
    assert "error: '@' is listed twice in 'assets'" in shown


def test_the_options_each_model_uses_are_accepted() -> None:
    for entry in ("excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m], model: market, estimation: 60, gap: 3, kind: simple}",
                  "excess_returns: {assets: [RUT], benchmark: SPX, horizons: [1m], kind: log}",
                  "hit_rate: {assets: [RUT], horizons: [1m], benchmark: SPX}", "hit_rate: {assets: [RUT], horizons: [1m], threshold: 5%}",
                  "excursions: {assets: [RUT], horizons: [1m], max_days: 63}", "excursions: {assets: [RUT], horizons: [1m], recovery: false}"):
        parse_study(GOOD.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry}"), path="study.yaml")


@pytest.mark.parametrize(("threshold", "said", "hint"), [
    ("5", "bad value 5 for 'evaluate.0.hit_rate.threshold': a threshold is a fraction of the price: 5 is a 500% return",
     "hint: write 5% or 0.05 for 5 percent (500% if that is meant)"),
    ("-2", "-2 is a -200% return", "hint: write -2% or -0.02 for -2 percent"),
    ("'1'", "1 is a 100% return", "hint: write 1% or 0.01 for 1 percent (100% if that is meant)"),
    ("-100%", "every return is above -100%: every day would be a hit", "hint: write a return above -100%"),
    ("true", "true is yes or no, not a return", "hint: write a return, e.g. 5% or 0.05"),
])
def test_a_hit_rate_threshold_written_as_a_bare_percent_is_refused_at_its_value(threshold: str, said: str, hint: str) -> None:
    """'threshold: 5' was a 500% return without a word (every event a miss; '-5' made every
    one a hit): thresholds are fractions, so a bare number of 1 or more is refused as the
    percent it surely meant, and '500%' stays the way to ask for 500%."""
    entry = f"hit_rate: {{assets: [RUT], horizons: [1m], threshold: {threshold}}}"
    shown = render(GOOD.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry}"))
    lines = shown.splitlines()
    assert lines[0].startswith("study.yaml:7:58: error: ") and said in lines[0], shown
    assert lines[2].index("^") == lines[1].index(threshold) and hint in shown
    for fine, value in (("5%", 0.05), ("0.05", 0.05), ("500%", 5.0), ("-0.99", -0.99), ("-5%", -0.05)):
        study = parse_study(GOOD.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry.replace(threshold, fine)}"), path="study.yaml")
        assert study.evaluators[0].params.threshold == pytest.approx(value)  # type: ignore[attr-defined]


@pytest.mark.parametrize("entry", [
    "excess_returns: {assets: [RUT, SPX], benchmark: SPX, horizons: [1m]}",
    "excess_returns: {assets: [RUT, SPX], benchmark: SPX, horizons: [1m], model: market}",
    "hit_rate: {assets: [RUT, SPX], benchmark: SPX, horizons: [1m]}",
    "excess_returns: {assets: [RUT, SP], benchmark: SPX, horizons: [1m]}",
])
def test_an_asset_measured_against_itself_as_benchmark_is_refused_where_it_is_listed(entry: str) -> None:
    """'excess_returns: {assets: [RUT, SPX], benchmark: SPX}' ran, and SPX-SPX was +0.00%
    on every day (a hit rate of 0%), tested and reported as a result; another series name
    for the benchmark's own symbol did the same."""
    text = GOOD.replace("{SPX: SPX, RUT: RUT}", "{SPX: SPX, RUT: RUT, SP: SPX}")
    shown = render(text.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry}"))
    asset = "SP" if "SP]" in entry else "SPX"
    lines = shown.splitlines()
    assert lines[0].startswith(f"study.yaml:7:{f'  - {entry}'.index(asset + ']') + 1}: error: {asset!r} in 'assets' "), shown
    assert ("is the benchmark" if asset == "SPX" else "and the benchmark 'SPX' are the same symbol 'SPX'") in lines[0]
    assert "its return less the benchmark's is 0 on every day" in lines[0] and lines[2].strip() == "^" * len(asset)
    assert f"hint: list the other series in 'assets', or compare {asset} with another benchmark" in shown
    parse_study(text.replace("  - forward_returns: {assets: [SPX, RUT], horizons: [1m, 3m]}", f"  - {entry.replace(f', {asset}]', ']')}"), path="study.yaml")


@pytest.mark.parametrize(("universe", "said"), [
    (False, "unknown null 'histores' for a study of named series (did you mean 'histories'?)"),
    (True, "unknown null 'histores' for a universe study (did you mean 'histories'?)"),
])
def test_an_unknown_null_from_the_command_line_names_every_valid_one(universe: bool, said: str) -> None:
    from eventstudy.study import statistics_with

    text = GOOD if not universe else GOOD.replace("series: {SPX: SPX, RUT: RUT}", "series: {SPX: SPX}\nuniverse: [AAA, BBB]").replace(
        "when: SPX at ATH and RUT drawdown >= 10%", "when: close at ATH").replace("assets: [SPX, RUT], ", "")
    with pytest.raises(ConfigError) as error:
        statistics_with(parse_study(text, path="study.yaml"), {"null": "histores"})
    assert error.value.message == said
    assert "histories" in (error.value.hint or "")


@pytest.mark.parametrize("style", ["|", ">", ""])
def test_a_mistake_in_a_multi_line_condition_is_shown_on_its_own_line(style: str) -> None:
    """A block (|, >) or plain multi-line `when:` names the line the bad token is on and
    draws the caret under it (it named the scalar's first line, without a caret)."""
    text = GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%", f"when: {style}\n  SPX at ATH and\n  RUT drawdown >= 10% and RUT rsl(14) < 30".replace(": \n", ":\n"))
    shown = render(text)
    lines = shown.splitlines()
    assert lines[0].startswith("study.yaml:5:") and "unknown feature 'rsl'" in lines[0], shown
    assert lines[1].strip() == "RUT drawdown >= 10% and RUT rsl(14) < 30"
    assert lines[2].index("^") == lines[1].index("rsl") and lines[2].count("^") == 3


@pytest.mark.parametrize("style", ["|", ">", "", '"', "'"])
def test_a_multi_line_condition_that_ends_too_soon_is_shown_where_it_ends(style: str) -> None:
    """A multi-line `when:` ending in 'and' read 'study.yaml:3: error: unexpected end of
    condition, ...' with no column: a block scalar (|, >) with no line at all, a plain one
    with its folded text shown as if it were a line of the file. The caret now stands one
    column past its last character, on the line it is written on."""
    quote = style if style in ("'", '"') else ""
    head = f"when: {style}\n  " if not quote else f"when: {quote}"
    text = GOOD.replace("when: SPX at ATH and RUT drawdown >= 10%", f"{head}SPX at ATH and\n  RUT drawdown >= 10% and{quote}   # why".replace(": \n", ":\n"))
    if not quote and style:
        text = text.replace("and   # why", "and")
    shown = render(text)
    lines = shown.splitlines()
    row = 4 if quote else 5
    assert lines[0].startswith(f"study.yaml:{row}:26: error: unexpected end of condition"), shown
    assert lines[1].strip().startswith("RUT drawdown >= 10% and")
    assert lines[2] == " " * lines[1].index("and") + "   ^"


@pytest.mark.parametrize(("written", "message", "hint"), [
    ("start: 2020", "'window.start': 2020 is a number, not a date", "2020-01-01 for the year 2020"),
    ("end: 2024", "'window.end': 2024 is a number, not a date", "2024-12-31 for the year 2024"),
    ("start: 0", "'window.start': 0 is a number, not a date", "e.g. 2020-01-01"),
    ("start: true", "'window.start': true is yes or no, not a date", "e.g. 2020-01-01"),
    # in quotes, a number was read the same way: '0' ran from 1970-01-01, '2020' had the message about a time of day
    ("start: '0'", "'window.start': '0' is a number, not a date", "e.g. 2020-01-01"),
    ('start: "2020"', "'window.start': '2020' is a number, not a date", "2020-01-01 for the year 2020"),
    ("end: '2024'", "'window.end': '2024' is a number, not a date", "2024-12-31 for the year 2024"),
])
def test_a_window_bound_written_as_a_number_is_refused_as_no_date(written: str, message: str, hint: str) -> None:
    """pydantic reads a number as seconds since 1970: 'start: 0' ran from 1970-01-01 without a word, and
    'start: 2020' (a year) was refused as 'datetimes provided to dates should have zero time - e.g. be exact dates'."""
    text = "name: w\nseries: {A: A}\nwhen: A close > 0\nwindow: {" + written + "}\nevaluate:\n  - forward_returns: {assets: [A], horizons: [1w]}\n"
    with pytest.raises(ConfigError) as info:
        parse_study(text, path="s.yaml")
    rendered = info.value.render()
    assert message in rendered and hint in rendered and "s.yaml:4:" in rendered

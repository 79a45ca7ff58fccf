"""The condition language: tokens, grammar, printing, resolution and golden error files.

Golden error files live in tests/fixtures/condition_errors/: the input on the first line,
the exact rendered error after it. After an intended message change, regenerate them with
``EVENTSTUDY_UPDATE_GOLDEN=1 pytest tests/conditions/test_parser.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest

from eventstudy.conditions import (
    And,
    AtLevel,
    BinOp,
    Compare,
    Crosses,
    FeatureRef,
    Modified,
    Neg,
    Not,
    Number,
    Or,
    compile_condition,
    compile_text,
    parse,
    required_features,
    resolve,
    to_text,
)
from eventstudy.conditions.tokens import TokenType, tokenize
from eventstudy.errors import ConditionSyntaxError, EventStudyError, UnknownNameError
from eventstudy.features import FeatureRequest

FIXTURES = Path(__file__).parents[1] / "fixtures"
SERIES = ["SPX", "RUT"]

spx, rut = FeatureRef("SPX"), FeatureRef("RUT")


def ref(series: str, name: str, *args: int) -> FeatureRef:
    return FeatureRef(series, name, tuple(args))


# --- tokens -------------------------------------------------------------------------

def test_tokens_with_spans_and_unicode_operators() -> None:
    tokens = tokenize("RUT drawdown ≥ 10% × −2")
    assert [(t.type, t.text) for t in tokens] == [
        (TokenType.WORD, "RUT"),
        (TokenType.WORD, "drawdown"),
        (TokenType.COMPARE, ">="),
        (TokenType.NUMBER, "10"),
        (TokenType.PERCENT, "%"),
        (TokenType.STAR, "*"),
        (TokenType.MINUS, "-"),
        (TokenType.NUMBER, "2"),
        (TokenType.END, ""),
    ]
    assert tokens[1].span == (4, 12)
    assert [t.text for t in tokenize("a>=b<=c==d!=e>f<g÷h")][1:-1:2] == [">=", "<=", "==", "!=", ">", "<", "/"]


def test_numbers_and_words() -> None:
    assert [t.text for t in tokenize("52-week 0.25 .5 sma(200)")] == [
        "52", "-", "week", "0.25", ".5", "sma", "(", "200", ")", "",
    ]


def test_scientific_notation_is_a_number() -> None:
    """`SPX volume > 1e6` was refused ("unexpected 'e6' after a complete condition")."""
    volume = ref("SPX", "volume")
    assert parse("SPX volume > 1e6") == Compare(volume, ">", Number(1e6))
    assert parse("SPX volume > 2.5E+6") == Compare(volume, ">", Number(2.5e6))
    assert parse("SPX return(1) < -1.5e-2") == Compare(ref("SPX", "return", 1), "<", Neg(Number(0.015)))
    assert parse("SPX return(1) < .5e1%") == Compare(ref("SPX", "return", 1), "<", Number(5, percent=True))
    assert to_text(parse("SPX volume > 1e6")) == "SPX volume > 1000000"
    # an exponent needs its digits: `2e` and `2e-day` stay a number and a word, and words
    # holding digits stay words
    assert [t.text for t in tokenize("2e 2e-day x1e6 e1")] == ["2", "e", "2", "e", "-", "day", "x1e6", "e1", ""]
    assert parse("SPX > 2 * e") == Compare(spx, ">", BinOp(Number(2), "*", FeatureRef("e")))


# --- grammar ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("SPX at ATH", AtLevel("SPX", "ath")),
        ("SPX at ATL", AtLevel("SPX", "atl")),
        ("SPX at 52-week high", AtLevel("SPX", "high", 252)),
        ("SPX at 4-week high", AtLevel("SPX", "high", 20)),
        ("SPX at 3-month low", AtLevel("SPX", "low", 63)),
        ("SPX at 2-year low", AtLevel("SPX", "low", 504)),
        ("RUT at 20-day low", AtLevel("RUT", "low", 20)),
        ("RUT drawdown >= 10%", Compare(ref("RUT", "drawdown"), ">=", Number(10, percent=True))),
        ("SPX return(21) < -5%", Compare(ref("SPX", "return", 21), "<", Neg(Number(5, percent=True)))),
        ("SPX crosses above SPX sma(200)", Crosses(spx, "above", ref("SPX", "sma", 200))),
        ("SPX crosses below SPX ema(50)", Crosses(spx, "below", ref("SPX", "ema", 50))),
        ("SPX at ATH for 3 days", Modified(AtLevel("SPX", "ath"), "for", 3)),
        ("RUT drawdown >= 10% within 5 days",
         Modified(Compare(ref("RUT", "drawdown"), ">=", Number(10, percent=True)), "within", 5)),
        ("RUT drawdown ≥ 10%", Compare(ref("RUT", "drawdown"), ">=", Number(10, percent=True))),
        ("RUT drawdown ≤ 0.1", Compare(ref("RUT", "drawdown"), "<=", Number(0.1))),
        ("SPX close > 4000", Compare(ref("SPX", "close"), ">", Number(4000))),
        ("SPX SMA(200) < SPX", Compare(ref("SPX", "sma", 200), "<", spx)),
        ("SPX high(20) == SPX", Compare(ref("SPX", "high", 20), "==", spx)),
        ("SPX ath != SPX", Compare(ref("SPX", "ath"), "!=", spx)),
    ],
)
def test_every_construct(text: str, tree: object) -> None:
    assert parse(text) == tree


def test_the_flagship_condition() -> None:
    assert parse("SPX at ATH and RUT drawdown >= 10%") == And(
        AtLevel("SPX", "ath"), Compare(ref("RUT", "drawdown"), ">=", Number(10, percent=True))
    )


@pytest.mark.parametrize("level", ["ATH", "ATL", "52-week high", "20-day low"])
def test_a_series_close_at_a_level_is_the_series_at_it(level: str) -> None:
    """'SPX close at ATH' was the level of an expression, '(SPX close)', computed on the
    study's calendar (a high since the calendar's first day, not SPX's first close)."""
    assert parse(f"SPX close at {level}") == parse(f"SPX at {level}") == parse(f"SPX CLOSE at {level}")


def test_keywords_are_case_insensitive_series_are_not() -> None:
    assert parse("SPX AT ath AND NOT RUT at atl") == parse("SPX at ATH and not RUT at ATL")
    assert parse("spx at ATH") == AtLevel("spx", "ath")


def test_precedence_not_and_or() -> None:
    a, b, c = AtLevel("A", "ath"), AtLevel("B", "ath"), AtLevel("C", "ath")
    assert parse("A at ATH or B at ATH and C at ATH") == Or(a, And(b, c))
    assert parse("A at ATH and B at ATH or C at ATH") == Or(And(a, b), c)
    assert parse("not A at ATH and B at ATH") == And(Not(a), b)
    assert parse("not (A at ATH and B at ATH)") == Not(And(a, b))
    assert parse("A at ATH or B at ATH or C at ATH") == Or(Or(a, b), c)
    assert parse("not A at ATH for 2 days") == Not(Modified(a, "for", 2))


def test_arithmetic_precedence_and_unicode() -> None:
    tree = parse("SPX × 2 − RUT ÷ 4 > −1")
    assert tree == Compare(
        BinOp(BinOp(spx, "*", Number(2)), "-", BinOp(rut, "/", Number(4))), ">", Neg(Number(1))
    )
    assert parse("SPX - RUT - 1 > 0").left == BinOp(BinOp(spx, "-", rut), "-", Number(1))
    assert parse("SPX - (RUT - 1) > 0").left == BinOp(spx, "-", BinOp(rut, "-", Number(1)))
    assert parse("-(SPX + RUT) < 0").left == Neg(BinOp(spx, "+", rut))


def test_parenthesized_value_versus_grouped_condition() -> None:
    assert parse("(SPX + 1) * 2 > 3") == Compare(BinOp(BinOp(spx, "+", Number(1)), "*", Number(2)), ">", Number(3))
    assert parse("(SPX > 3)") == Compare(spx, ">", Number(3))
    assert parse("((SPX) > 3) and (RUT < 2)") == And(Compare(spx, ">", Number(3)), Compare(rut, "<", Number(2)))


def test_modifiers_on_groups_and_repeated() -> None:
    a, b = AtLevel("A", "ath"), AtLevel("B", "ath")
    assert parse("(A at ATH or B at ATH) within 10 days") == Modified(Or(a, b), "within", 10)
    assert parse("A at ATH for 3 days within 10 days") == Modified(Modified(a, "for", 3), "within", 10)
    assert parse("A at ATH for 1 day") == Modified(a, "for", 1)


def test_spans_point_into_the_text() -> None:
    text = "SPX at ATH and RUT drawdown >= 10%"
    tree = parse(text)
    assert tree.span == (0, len(text))
    assert text[slice(*tree.left.span)] == "SPX at ATH"
    assert text[slice(*tree.right.left.span)] == "RUT drawdown"
    assert text[slice(*tree.right.left.feature_span)] == "drawdown"
    assert text[slice(*tree.right.right.span)] == "10%"


def test_spans_do_not_take_part_in_equality() -> None:
    assert parse("SPX  at   ATH") == parse("SPX at ATH")


def test_52_week_is_252_days_and_prints_back_as_written() -> None:
    assert parse("SPX at 52-week high") == parse("SPX at 252-day high")
    assert to_text(parse("SPX at 52-week high")) == "SPX at 52-week high"
    assert to_text(AtLevel("SPX", "high", 252)) == "SPX at 252-day high"


# --- printing -----------------------------------------------------------------------

def fixture_conditions() -> list[str]:
    lines = (FIXTURES / "conditions.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("text", fixture_conditions())
def test_fixture_conditions_round_trip(text: str) -> None:
    tree = parse(text)
    printed = to_text(tree)
    assert parse(printed) == tree
    assert to_text(parse(printed)) == printed


def test_fixture_has_many_conditions() -> None:
    assert len(fixture_conditions()) >= 50


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("spx AT ath", "spx at ATH"),
        ("RUT drawdown ≥ 10%", "RUT drawdown >= 10%"),
        ("SPX CROSSES ABOVE SPX SMA(200)", "SPX crosses above SPX sma(200)"),
        ("((SPX > 1))", "SPX > 1"),
        ("SPX - (RUT - 1) > .50", "SPX - (RUT - 1) > 0.5"),
        ("(SPX - RUT) - 1 > 0", "SPX - RUT - 1 > 0"),
        ("(not SPX at ATH) for 3 days", "(not SPX at ATH) for 3 days"),
        ("SPX at ATH or (RUT at ATH or SPX at ATL)", "SPX at ATH or (RUT at ATH or SPX at ATL)"),
        ("(SPX at ATH or RUT at ATH) or SPX at ATL", "SPX at ATH or RUT at ATH or SPX at ATL"),
        ("SPX at 20 days low", "SPX at 20-day low"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert to_text(parse(text)) == canonical


def test_numbers_print_without_exponent() -> None:
    assert to_text(Compare(spx, ">", Number(1e-5))) == "SPX > 0.00001"
    assert to_text(Compare(spx, ">", Number(1e20))) == "SPX > 100000000000000000000"
    assert parse(to_text(Compare(spx, ">", Number(0.1 + 0.2)))) == Compare(spx, ">", Number(0.1 + 0.2))


# --- resolution and required features ----------------------------------------------

def test_resolve_canonicalizes_feature_names_and_keeps_trees() -> None:
    assert resolve(parse("SPX Sma(200) < SPX"), SERIES) == parse("SPX sma(200) < SPX")


def test_resolve_rejects_unknown_series_with_suggestion() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown series 'Spx' \(did you mean 'SPX'\?\)") as info:
        resolve(parse("Spx at ATH"), SERIES, source="Spx at ATH")
    assert info.value.span == (0, 3)


@pytest.mark.parametrize(
    ("text", "level", "span"),
    [("SPX at_ath", "SPX at ATH", (4, 10)), ("SPX at_high(20) and RUT > 1", "SPX at 20-day high", (4, 15)), ("at_low(5)", "close at 5-day low", (0, 9))],
)
def test_a_test_named_as_in_the_list_of_features_is_written_as_its_level(text: str, level: str, span: tuple[int, int]) -> None:
    """'SPX at_ath' (the name 'eventstudy list features' gives the test) is refused with
    the way to write it, not with 'expected a comparison operator after SPX at_ath'."""
    with pytest.raises(ConditionSyntaxError, match=f"is the test behind '{level}'") as info:
        parse(text)
    assert info.value.hint == f"write it as '{level}'" and info.value.span == span


def test_required_features_in_order_of_appearance() -> None:
    tree = parse("SPX at ATH and RUT drawdown >= 10% or SPX crosses above SPX sma(200) "
                 "and RUT drawdown < 50% and SPX at 52-week high and not RUT at 20-day low")
    assert required_features(tree) == [
        FeatureRequest("SPX", "at_ath", ()),
        FeatureRequest("RUT", "drawdown", ()),
        FeatureRequest("SPX", "close", ()),
        FeatureRequest("SPX", "sma", (200,)),
        FeatureRequest("SPX", "at_high", (252,)),
        FeatureRequest("RUT", "at_low", (20,)),
    ]
    assert required_features(parse("SPX close > SPX")) == [FeatureRequest("SPX", "close", ())]
    assert required_features(parse("SPX at ATL")) == [FeatureRequest("SPX", "at_atl", ())]


# --- compilation (small hand-checked cases; the property tests cover the rest) --------

def timeline(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({"date": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)], **columns})


def evaluate(text: str, frame: pl.DataFrame, over: str | None = None) -> list:
    return frame.select(compile_condition(parse(text), over=over)).to_series().to_list()


def test_compare_and_three_valued_logic() -> None:
    frame = timeline(**{"A.close": [1.0, None, 3.0, None], "B.close": [5.0, 5.0, None, None]})
    assert evaluate("A > 2", frame) == [False, None, True, None]
    assert evaluate("A > 2 and B > 4", frame) == [False, None, None, None]
    assert evaluate("A > 2 or B > 4", frame) == [True, True, True, None]
    assert evaluate("not A > 2", frame) == [True, None, False, None]


def test_percent_and_arithmetic() -> None:
    frame = timeline(**{"A.drawdown": [0.05, 0.10, 0.2], "A.close": [1.0, 2.0, 4.0]})
    assert evaluate("A drawdown >= 10%", frame) == [False, True, True]
    assert evaluate("A close * 2 - 1 >= 3", frame) == [False, True, True]
    assert evaluate("-A close < -1.5", frame) == [False, True, True]


def test_division_by_zero_is_null() -> None:
    frame = timeline(**{"A.close": [1.0, 0.0, 2.0]})
    assert evaluate("1 / A > 0", frame) == [True, None, True]


def test_crosses() -> None:
    frame = timeline(**{"A.close": [1.0, 3.0, 3.0, 1.0, 2.0], "B.close": [2.0, 2.0, 3.0, 3.0, 2.0]})
    # Row 0 has no previous row: null and (1 > 2 is false) is false.
    assert evaluate("A crosses above B", frame) == [False, True, False, False, False]
    assert evaluate("A crosses below B", frame) == [None, False, False, True, False]


def test_for_and_within_days() -> None:
    frame = timeline(**{"A.close": [1.0, 1.0, 0.0, 1.0, None, 1.0, 1.0, 1.0]})
    assert evaluate("A > 0 for 2 days", frame) == [None, True, False, False, None, None, True, True]
    assert evaluate("A > 0 within 2 days", frame) == [True, True, True, True, True, True, True, True]
    assert evaluate("A == 0 within 2 days", frame) == [None, False, True, True, None, None, False, False]


def test_over_partitions_every_shift_and_window() -> None:
    frame = pl.DataFrame({
        "symbol": ["x", "x", "x", "y", "y", "y"],
        "A.close": [1.0, 2.0, 3.0, 2.0, 3.0, 1.0],
    })
    # Without `over`, row 3 would look back at symbol x's last row.
    assert evaluate("A > 1 for 2 days", frame, over="symbol") == [False, False, True, None, True, False]
    assert evaluate("A > 1 for 2 days", frame) == [False, False, True, True, True, False]
    assert evaluate("A crosses above 1.5", frame, over="symbol") == [False, True, False, None, False, False]


def test_compile_text_returns_node_requests_and_expr() -> None:
    node, requests, expr = compile_text("SPX at ATH and RUT drawdown >= 10%", SERIES)
    assert node == parse("SPX at ATH and RUT drawdown >= 10%")
    assert requests == [FeatureRequest("SPX", "at_ath", ()), FeatureRequest("RUT", "drawdown", ())]
    assert isinstance(expr, pl.Expr)


# --- errors -------------------------------------------------------------------------

def error_files() -> list[Path]:
    return sorted((FIXTURES / "condition_errors").glob("*.txt"))


def render_error(text: str) -> str:
    try:
        compile_text(text, SERIES)
    except EventStudyError as error:
        return error.render()
    raise AssertionError(f"no error for {text!r}")


@pytest.mark.parametrize("path", error_files(), ids=lambda p: p.stem)
def test_golden_errors(path: Path) -> None:
    text, expected = path.read_text(encoding="utf-8").split("\n", 1)
    rendered = render_error(text)
    if os.environ.get("EVENTSTUDY_UPDATE_GOLDEN"):
        path.write_text(f"{text}\n{rendered}\n", encoding="utf-8")
        return
    assert rendered + "\n" == expected


def test_golden_errors_cover_the_required_cases() -> None:
    names = {p.stem for p in error_files()}
    assert {
        "unknown_feature", "unknown_series", "missing_operator", "unclosed_parenthesis",
        "extra_closing_parenthesis", "missing_argument", "too_many_arguments", "empty_condition",
        "trailing_garbage", "for_without_days", "for_without_unit",
    } <= names


def test_a_look_alike_letter_is_named_in_a_study_file_too() -> None:
    """'RUТ' with a Cyrillic 'Т' read "unknown series 'RUТ' (did you mean 'RUT'?)" and
    nothing more: the two names look the same (the golden look_alike_* files, and here
    through a study file, whose condition is resolved apart from its text)."""
    from eventstudy.config import parse_study

    study = "name: s\nseries: {SPX: SPX, RUT: RUT}\nwhen: SPX at ATH and RU\u0422 drawdown >= 10%\nevaluate:\n  - forward_returns: {assets: [SPX], horizons: [1m]}\n"
    with pytest.raises(UnknownNameError) as info:
        parse_study(study, path="study.yaml")
    assert info.value.render().startswith("study.yaml:3:22: error: unknown series 'RU\u0422'")
    assert "'RU\u0422' holds '\u0422' (U+0422 CYRILLIC CAPITAL LETTER TE), not an ASCII letter; valid series: RUT, SPX" in info.value.render()


def test_the_caret_is_under_the_token_after_a_tab_or_a_wide_character() -> None:
    """A tab in the condition before the error put the caret 6 columns short in a terminal
    (the line showed the tab, the caret line a single space for it: under 'RUT', not under
    'drawdwn'), and each CJK character of a series name before the error put it one column
    short; the caret line now keeps the tab and gives a wide character two columns."""
    from eventstudy.config import parse_study

    def rendered(series: str, when: str) -> list[str]:
        study = f"name: s\nseries: {series}\nwhen: {when}\nevaluate:\n  - forward_returns: {{assets: [RUT], horizons: [1m]}}\n"
        with pytest.raises(UnknownNameError) as info:
            parse_study(study, path="study.yaml")
        return info.value.render().splitlines()

    head, line, caret = rendered("{SPX: SPX, RUT: RUT}", '"SPX at ATH and\tRUT drawdwn >= 10%"')[:3]
    assert head.startswith("study.yaml:3:27: error: unknown feature 'drawdwn'")
    assert caret.expandtabs().index("^") == line.expandtabs().index("drawdwn")
    assert caret.expandtabs().strip() == "^" * len("drawdwn")
    line, caret = rendered("{\u65e5\u7d4c: SPX, RUT: RUT}", '"\u65e5\u7d4c at ATH and RUT drawdwn >= 10%"')[1:3]
    assert caret == " " * (len('    when: "') + 4 + len(" at ATH and RUT ")) + "^^^^^^^"
    # a byte-order mark, which the column does not count, is not shown either
    study = "\ufeffwhen: SPX at ATH and RUT drawdwn >= 10%\nname: s\nseries: {SPX: SPX, RUT: RUT}\nevaluate:\n  - forward_returns: {assets: [RUT], horizons: [1m]}\n"
    with pytest.raises(UnknownNameError) as info:
        parse_study(study, path="study.yaml")
    head, line, caret = info.value.render().splitlines()[:3]
    assert head.startswith("study.yaml:1:26: ") and line == "    when: SPX at ATH and RUT drawdwn >= 10%"
    assert caret.index("^") == line.index("drawdwn")


@pytest.mark.parametrize(
    ("text", "line", "caret"),
    [
        ("SPX at ATH\n    and RUT drawdwn >= 10%", "    and RUT drawdwn >= 10%", "            ^^^^^^^"),
        ("SPX at ATH and\n  RUT drawdown >= 10% and\n", "  RUT drawdown >= 10% and", "                         ^"),
        ("SPX at ATH and\r\n(RUT drawdown >= 10% or\r\n SPX at ATH", "(RUT drawdown >= 10% or", "^"),
    ],
)
def test_a_condition_of_several_lines_shows_the_line_of_its_mistake(text: str, line: str, caret: str) -> None:
    """A condition given in Python over several lines (eventstudy.run(..., when=\"\"\"...\"\"\"))
    was shown with no line and no caret at all: 'error: unknown feature 'drawdwn' (did you
    mean 'drawdown'?)' and the hint, nothing to say which of its lines was meant."""
    rendered = render_error(text).splitlines()
    assert rendered[1:3] == [f"    {line}", f"    {caret}"], rendered


@pytest.mark.parametrize(
    ("text", "operator", "hint"),
    [
        ("1 < SPX < 2", "<", "write '1 < SPX and SPX < 2'"),
        ("SPX > 1 > 0", "> 0", "write 'SPX > 1 and 1 > 0'"),
        ("RUT at ATH and (0 <= RUT drawdown ≤ 10%)", "≤", "write '0 <= RUT drawdown and RUT drawdown ≤ 10%'"),
        ("SPX crosses above SPX sma(200) > 3", "> 3", "write 'SPX crosses above SPX sma(200) and SPX sma(200) > 3'"),
        ("1 < SPX < and RUT at ATH", "< and", "write '1 < SPX and SPX < ...'"),
    ],
)
def test_a_chained_comparison_is_refused_at_its_second_operator(text: str, operator: str, hint: str) -> None:
    """`1 < SPX < 2` had the generic "unexpected '<' after a complete condition"."""
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    start = text.rindex(operator)
    assert info.value.message.startswith(f"comparisons do not chain: {operator[0]!r} after ")
    assert info.value.span == (start, start + 1)
    assert info.value.hint == hint


@pytest.mark.parametrize(("text", "word", "meant"), [("clsoe > 1", "clsoe", "close"), ("volum > 2 * volume_sma(50)", "volum", "volume"), ("drawdwn >= 10%", "drawdwn", "drawdown")])
def test_a_misspelt_bare_feature_of_a_universe_is_answered_with_the_feature(text: str, word: str, meant: str) -> None:
    """In a universe a bare word is a stock's feature, yet 'clsoe > 1' read "unknown series
    'clsoe'" with 'hint: valid series: SPX' and no suggestion, where 'smaa(50)' read
    "unknown feature 'smaa' (did you mean 'sma'?)"."""
    with pytest.raises(UnknownNameError) as info:
        resolve(parse(text), ["SPX"], source=text, universe=True)
    assert info.value.message == f"unknown series or feature {word!r} (did you mean {meant!r}?)"
    assert info.value.hint is not None and info.value.hint.startswith("valid series: SPX; each stock's features, written bare: ath, close,")
    with pytest.raises(UnknownNameError) as named:  # a study of named series: as before
        resolve(parse(text), ["SPX"], source=text)
    assert named.value.message == f"unknown series {word!r}"


def test_error_kinds() -> None:
    with pytest.raises(ConditionSyntaxError):
        parse("SPX at")
    with pytest.raises(UnknownNameError):
        compile_text("SPX drawdwn > 1", SERIES)


def test_never_evaluates_python() -> None:
    with pytest.raises(ConditionSyntaxError):
        parse("__import__('os').system('true') > 1")


@pytest.mark.parametrize(
    ("text", "shown", "hint"),
    [
        ("RUT drawdown is 10%", "10%", "write 'RUT drawdown == 10%'"),
        ("SPX rsi(14) is 50.5", "50.5", "write 'SPX rsi(14) == 50.5'"),
        ("month is 1.5", "1.5", "write 'month == 1.5'"),
    ],
)
def test_a_percent_or_a_decimal_after_is_says_what_is_takes(text: str, shown: str, hint: str) -> None:
    """'RUT drawdown is 10%' read 'unexpected '%' after a complete condition' with the hint
    to combine conditions with 'and' or 'or', and 'SPX rsi(14) is 50.5' 'a calendar value
    must be a whole number': 'is' takes a whole number or a month or weekday name, and
    '==' any value."""
    with pytest.raises(ConditionSyntaxError) as found:
        parse(text)
    error = found.value
    assert error.message == f"'is' compares with a whole number or a month or weekday name, got {shown!r}"
    assert error.hint is not None and hint in error.hint and error.span is not None and text[error.span[0] : error.span[1]] == shown
    with pytest.raises(ConditionSyntaxError, match=r"the number after 'is' must be a whole number, got '2\.0'"):
        parse("SPX drawdown is 2.0")  # was 'a calendar value must ...', of a drawdown

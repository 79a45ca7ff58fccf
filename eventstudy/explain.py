"""``eventstudy explain STUDY``: what a study's condition means, for audit.

Prints the condition as written and in canonical form, its structure as a tree (so the
precedence of ``and`` / ``or`` / ``not`` is explicit) with the timeline columns each test
reads, the features per series with their descriptions, an indented plan of the polars
operations the condition compiles to (one step per node, in polars' words: ``col``,
``shift``, rolling windows), and how events are then selected (trigger, window,
declustering), measured (evaluators) and tested (the null a run chooses and why, from
:mod:`eventstudy.null_choice`, as the run decides it). The compiled expression itself, as polars prints
it (thousands of characters once ``for``, ``crosses`` or ``first`` repeat their operands),
is shown with ``--raw``. Nothing is loaded or run: this reads the study file only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass

from eventstudy.conditions import (
    CALENDAR,
    SELF,
    Ago,
    And,
    AtLevel,
    BinOp,
    Breadth,
    Compare,
    Crosses,
    FeatureRef,
    First,
    Modified,
    Neg,
    Node,
    Not,
    Number,
    OnEvents,
    Or,
    Value,
    compile_condition,
    parse,
    required_features,
    resolve,
    to_text,
)
from eventstudy.conditions.compiler import reads_each_symbol
from eventstudy.conditions.printer import breadth_name
from eventstudy.config import UNIVERSE_HISTORIES, StatisticsSpec, Study
from eventstudy.errors import option
from eventstudy.features import FEATURES, FeatureRequest, column_name
from eventstudy.grid import grid_cells, study_axes
from eventstudy.measures import measures_named
from eventstudy.null_choice import (
    choose_null,
    dates_little_room,
    histories_refusal,
    picks_by_own_prices,
    picks_days_not_stocks,
    placebos_misjudge,
    universe_null,
)
from eventstudy.report.text import baseline_label

__all__ = ["Explanation", "explain", "render_explanation"]

@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found: texts ready to print."""

    written: str
    canonical: str
    tree: list[str]
    features: list[tuple[str, list[tuple[str, str, str, str]]]]  # series label -> (feature, unit, description, column)
    expression: str
    tree_columns: list[list[str]]  # per line of ``tree``: the timeline columns that node reads itself
    plan: list[str]
    selection: list[tuple[str, str]]
    evaluators: list[str]
    tests: list[tuple[str, str]]  # label -> what the run's tests will be
    test_warnings: list[str]  # what the run will warn of its null, decided by the study alone
    sweep: list[tuple[str, str]] = field(default_factory=list)  # label -> what 'eventstudy sweep' does with the study's sweep: list


def _flatten(n: Node, kind: type[And] | type[Or]) -> list[Node]:
    """The operands of a chain of ``and`` (or of ``or``): ``a and b and c`` -> [a, b, c]."""
    if isinstance(n, kind):
        return _flatten(n.left, kind) + _flatten(n.right, kind)
    return [n]


def _tree(node: Node) -> tuple[list[str], list[list[str]]]:
    """The boolean structure as an indented tree (tests are leaves in canonical text), and
    per line the columns that node reads (a test's; none for and / or / not / modifiers)."""

    def label_and_children(n: Node) -> tuple[str, list[Node]]:
        if isinstance(n, Or):
            return "any of (or)", _flatten(n, Or)
        if isinstance(n, And):
            return "all of (and)", _flatten(n, And)
        if isinstance(n, Not):
            return "not", [n.operand]
        if isinstance(n, Modified):
            if n.kind == "ago":
                return f"as it was {n.n} trading days earlier ({n.n} days ago)", [n.test]
            words = "on each of the last" if n.kind == "for" else "on at least one of the last"
            return f"{words} {n.n} days ({n.kind} {n.n} days)", [n.test]
        return to_text(n), []

    lines: list[str] = []
    columns: list[list[str]] = []

    def visit(n: Node, prefix: str, last: bool, root: bool) -> None:
        label, children = label_and_children(n)
        lines.append(label if root else f"{prefix}{'└─ ' if last else '├─ '}{label}")
        columns.append([] if children else _columns(n))
        inner = "" if root else prefix + ("   " if last else "│  ")
        for i, child in enumerate(children):
            visit(child, inner, i == len(children) - 1, False)

    visit(node, "", True, True)
    return lines, columns


def _column(n: FeatureRef | AtLevel) -> str:
    """The timeline column the compiler reads for a feature or a level test."""
    if isinstance(n, FeatureRef) and n.series == CALENDAR:
        return "date"  # calendar values come from each row's date
    own = required_features(n)[0]  # a feature of an expression comes before what the expression reads
    return column_name(own.series, own.name, tuple(own.args))


def _columns(node: Node | Value) -> list[str]:
    """The timeline columns a test or value reads, in order, as the compiler names them
    (a breadth is one market column: its inner test runs over the universe first)."""
    found: dict[str, None] = {}

    def visit(n: object) -> None:
        if isinstance(n, Breadth):
            found.setdefault(breadth_name(n))
        elif isinstance(n, (FeatureRef, AtLevel)):
            found.setdefault(_column(n))
        elif isinstance(n, OnEvents):
            found.setdefault(f"on:{n.name}")
        elif is_dataclass(n):
            for f in fields(n):
                visit(getattr(n, f.name))

    visit(node)
    return list(found)


_CALENDAR_EXPR = {
    "month": 'col("date").dt.month()',
    "weekday": 'col("date").dt.weekday()',
    "day_of_month": 'col("date").dt.day()',
    "quarter": 'col("date").dt.quarter()',
    "year": 'col("date").dt.year()',
    "trading_day_of_month": 'row number within its month of col("date"), from 1',
    "trading_days_left_in_month": 'rows left in its month of col("date") (null in the data\'s last month)',
}


def _value_plan(n: Value | AtLevel) -> str:
    """A value in polars' words: ``col("SPX.sma(200)")``, ``col("SPX.return(21)").shift(3)``."""
    if isinstance(n, Number):
        return f"{n.amount:.12g}"
    if isinstance(n, FeatureRef) and n.series == CALENDAR:
        return _CALENDAR_EXPR.get(str(n.feature), 'col("date")')
    if isinstance(n, (FeatureRef, AtLevel, Breadth)):
        return f'col("{breadth_name(n) if isinstance(n, Breadth) else _column(n)}")'
    if isinstance(n, Neg):
        return f"-{_value_plan(n.operand)}"
    if isinstance(n, Ago):
        return f"{_value_plan(n.operand)}.shift({n.n})"
    if isinstance(n, BinOp):
        left, right = _value_plan(n.left), _value_plan(n.right)
        if n.op == "/" and not (isinstance(n.right, Number) and n.right.amount != 0):
            return f"({left} / {right}, null where {right} == 0)"
        return f"({left} {n.op} {right})"
    raise TypeError(f"not a value node: {n!r}")


def _plan(node: Node) -> list[str]:
    """The polars operations a condition compiles to, one line per node, children indented
    under their parent (mirrors :mod:`eventstudy.conditions.compiler`)."""
    lines: list[str] = []

    def visit(n: Node, depth: int) -> None:
        pad = "  " * depth
        children: list[Node] = []
        if isinstance(n, And):
            line, children = "all of: &  (false & null = false)", _flatten(n, And)
        elif isinstance(n, Or):
            line, children = "any of: |  (true | null = true)", _flatten(n, Or)
        elif isinstance(n, Not):
            line, children = "not: ~  (~null = null)", [n.operand]
        elif isinstance(n, AtLevel):
            line = f"{_value_plan(n)} as boolean"
        elif isinstance(n, OnEvents):
            line = f'col("on:{n.name}")'
        elif isinstance(n, Compare):
            line = f"{_value_plan(n.left)} {n.op} {_value_plan(n.right)}"
        elif isinstance(n, Crosses):
            before, now = ("<=", ">") if n.direction == "above" else (">=", "<")
            line = f"crosses {n.direction}: a.shift(1) {before} b.shift(1) & a {now} b"
            lines.append(pad + line)
            lines.append(f"{pad}  a = {_value_plan(n.left)}")
            lines.append(f"{pad}  b = {_value_plan(n.right)}")
            return
        elif isinstance(n, Modified) and n.kind == "ago":
            line, children = f"{n.n} days ago: the verdict below, .shift({n.n})", [n.test]
        elif isinstance(n, Modified) and n.kind == "for":
            line = f"for {n.n} days: rolling_sum over {n.n} rows: true if all {n.n} are true, false if one is false, else null"
            children = [n.test]
        elif isinstance(n, Modified):
            line = f"within {n.n} days: rolling_sum over {n.n} rows: true if one is true, false if all {n.n} are false, else null"
            children = [n.test]
        elif isinstance(n, First):
            line = f"first in {n.n} days: today's verdict & ~(within {n.n} days).shift(1): true on none of the {n.n} rows before"
            children = [n.test]
        else:
            raise TypeError(f"not a condition node: {n!r}")
        lines.append(pad + line)
        for child in children:
            visit(child, depth + 1)

    visit(node, 0)
    return lines


def _feature_rows(requests: list[FeatureRequest], study: Study) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    by_series: dict[str, list[tuple[str, str, str, str]]] = {}
    for req in requests:
        feature = FEATURES.get(req.name)
        written = f"{feature.name}({', '.join(str(a) for a in req.args)})" if req.args else feature.name
        if req.series == SELF:
            label = "each symbol of the universe"
        elif req.of is not None and reads_each_symbol(req.of):  # '(close / SPX) sma(50)': in each stock's block
            label = f"{req.series} (an expression of each stock: computed on its own days of the study calendar, not its full history)"
        elif req.of is not None:
            label = f"{req.series} (an expression: computed on the study's dates, not each series' full history)"
        else:
            label = f"{req.series} (symbol {study.series.get(req.series, req.series)})"
        by_series.setdefault(label, []).append((written, feature.unit, feature.description, column_name(req.series, req.name, tuple(req.args))))
    return list(by_series.items())


def explain(study: Study) -> Explanation:
    """Explain a validated study's condition and event selection.

    Examples
    --------
    >>> from eventstudy.config import load_study
    >>> explain(load_study("configs/spx_rut.yaml")).canonical  # doctest: +SKIP
    'SPX at ATH and RUT drawdown >= 10%'
    """
    universe = getattr(study, "universe", None) is not None
    node = resolve(parse(study.when), list(study.series), universe=universe)
    requests = required_features(node)
    expression = compile_condition(node, over="symbol") if universe else compile_condition(node)
    window = f"{study.window.start or 'start of data'} .. {study.window.end or 'end of data'}"
    selection = [
        ("trigger", "every day the condition holds" if study.trigger == "level" else "only days it turns true (edge)"),
        ("window", window + " (event dates only; features use all earlier history)"),
    ]
    if study.decluster is not None:
        gap = study.decluster.gap
        rule = (
            f"keep an event at least {gap.describe()} after the previous kept event"
            if study.decluster.mode == "after_kept"
            else f"keep the first day of each cluster (a new one starts {gap.describe()} or more after the previous raw event)"
        )
        if universe:  # as the run's note says: each stock's events on their own, a trading-day gap on its own days of the calendar
            rule += " of the same stock" + (", on the stock's own trading days of the study calendar" if gap.unit == "td" else "")
        selection.append(("declustering", f"gap {gap.label}, {study.decluster.mode}: {rule}"))
    else:
        selection.append(("declustering", f"none: every day {study.condition_days()} is an event"))
    alignment = "inner (dates on which every series has a close)" if study.data.align == "inner" else (
        f"ffill (the first series' dates; others carried forward up to {study.data.max_stale} days)"
    )
    if universe:  # the stocks are not aligned with one another: the calendar is theirs, cut to the market series' dates
        names = list(study.series)
        if not names:
            market = "the universe's dates"
        elif len(names) == 1:
            market = f"the universe's dates on which {names[0]} has a close"
        elif study.data.align == "inner":
            market = f"the universe's dates on which every market series ({', '.join(names)}) has a close"
        else:
            market = f"the universe's dates on {names[0]}'s calendar (ffill: the other market series carried forward up to {study.data.max_stale} days)"
        alignment = f"{market}; each stock's features and horizons on its own trading days"
    selection.append(("alignment", alignment))
    evaluators = []
    for spec in study.evaluators:
        params = spec.params.model_dump(mode="json", exclude_defaults=False)
        shown = ", ".join(f"{k}: {_short(v)}" for k, v in params.items())
        evaluators.append(f"{spec.name}: {{{shown}}}")
    if study.event_study is not None:  # the classical event study: its model, windows and tests, defaults included
        params = study.event_study.model_dump(mode="json", exclude_defaults=False) | {"tests": list(study.event_study.test_names)}
        if not study.event_study.factor_columns:  # only a named factor set (factors: ff3) reads the factors file
            params.pop("factors_file")
        shown = ", ".join(f"{k}: {_short(v)}" for k, v in params.items() if v is not None)
        evaluators.append(f"event_study: {{{shown}}}")
    tests, test_warnings = _tests(study)
    tree, tree_columns = _tree(node)
    return Explanation(
        written=" ".join(study.when.split()),
        canonical=to_text(node),
        tree=tree,
        features=_feature_rows(requests, study),
        expression=str(expression),
        tree_columns=tree_columns,
        plan=_plan(node),
        selection=selection,
        evaluators=evaluators,
        tests=tests,
        test_warnings=test_warnings,
        sweep=_sweep(study),
    )


def _sweep(study: Study) -> list[tuple[str, str]]:
    """What ``eventstudy sweep`` does with the study's ``sweep:`` list (a run leaves it out):
    its grid, the placebo null that tests every cell (a sweep re-runs no histories:
    ``sweep.placebo_null``), and the held-out test of its best cells with ``--confirm-from``
    (the run's headline null; a universe's 'dates' null)."""
    if not study.sweep:
        return []
    axes = study_axes(study)
    combos, _ = grid_cells(study, axes)  # refused here as the sweep (and validate) refuse it
    values = "; ".join(f"{a.name}: {', '.join(a.values)}" for a in axes)
    grid = f"{len(axes)} {'axis' if len(axes) == 1 else 'axes'}, {len(combos):,} cells ({values})"
    statistics = study.statistics
    if statistics.placebos < 99:
        return [("grid", grid), ("null", f"none: statistics.placebos is {statistics.placebos:,}, and a sweep needs 99 or more for its snooping control")]
    if study.universe is not None:
        null, confirming = "'dates' (same days, other stocks)", "'dates'"
    else:
        null = statistics.null if statistics.null not in (None, "histories") else "runs"
        confirming = choose_null(study, statistics, [])
    return [
        ("grid", grid),
        ("null", f"{null}: {statistics.placebos:,} placebo sets per cell, one joint null for White's Reality Check, Hansen's SPA "
                 f"and Romano-Wolf's step-down p-values (a sweep re-runs no histories; {option('null')} names another placebo null)"),
        ("held out", f"with {option('confirm_from', 'DATE', placeholder=True)}, the grid is ranked on the days before DATE and its best cells "
                     f"({option('top')}) are re-tested "
                     f"from DATE on the {confirming} null" + ("" if study.universe is not None else " (the tests above)")),
    ]


def _tests(study: Study) -> tuple[list[tuple[str, str]], list[str]]:
    """The tests a run of ``study`` makes: its headline null (the one the run chooses,
    :mod:`eventstudy.null_choice`, and what the data alone can still change), the
    statistics tested and how they are adjusted, the intervals and the seed; and the
    warnings the run will give of that null, which the study alone decides."""
    statistics, warnings = study.statistics, list[str]()
    if not study.evaluate:
        return [("null", "none besides the event study's own tests (its 'tests' under evaluators)")], warnings
    if statistics.placebos == 0:
        return [("null", "none: statistics.placebos is 0, the run skips every test")], warnings
    if study.universe is not None:
        null = universe_null(study, statistics)
        described = _universe_null_words(study, statistics, null)
        untested = null == "dates" and picks_by_own_prices(study)
        if null == "dates" and picks_days_not_stocks(study):  # the run's warning, but for the share it counts on the data
            warnings.append(dates_little_room(True, None, histories_refusal(study)).words)
    else:
        null = choose_null(study, statistics, warnings)
        described, untested = _timeline_null_words(study, statistics, null), False
    if null != "histories":  # a placebo null holds the real days fixed: whether they leave it room is the data's
        described.append(("room", _room_words(study, null)))
    against = baseline_label(study.universe is not None).lower()  # as the run's summary names it: a universe's pools symbol-days
    if statistics.baseline is not None:  # a study of named series' (a universe refuses it): the tests' days, and the placebos'
        against = f"the days where {statistics.baseline.when!r} holds (statistics.baseline; the summary's all-days columns are every day)"
        described = [(label, f"{text}, drawn only from days where {statistics.baseline.when!r}" if label == "drawn" else text) for label, text in described]
    return [
        *described,
        ("tested", (
            f"the average and the % > 0 of each tested measure against {against}, its median shown but not tested (the 'dates' null "
            "under a condition on the stock's own prices); a hit rate on its average alone"
        ) if untested else f"the average, the median and the % > 0 of each tested measure against {against}; a hit rate on its average alone"),
        ("adjusted", f"max-statistic step-down, Holm and Benjamini-Hochberg across the tested cells; '*': survives the max-statistic adjustment at alpha {statistics.alpha:g}"),
        ("intervals", f"{statistics.ci:.0%}"),
        ("seed", f"{statistics.seed} (the same seed, the same draws)"),
    ], warnings


def _room_words(study: Study, null: str) -> str:
    """What the run checks on the data of a placebo null's room before it trusts its
    p-values (the engine's no-test warnings: few stocks or every stock an event under the
    'dates' null; a runs, matched or circular null whose placebo sets are nearly the events;
    too few draws for a p-value to reach alpha)."""
    if null == "dates":
        what = "how many stocks trade on the events' days and how many of them are events"
    else:
        what = f"whether the {null} null's placebo sets can differ from the events (recurring events, a short window, a long gap leave it little room)"
    return f"the run checks {what}, and whether its draws can reach alpha {study.statistics.alpha:g}; where not, it warns that the p-values are no test"


def _blocks(statistics: StatisticsSpec, universe: bool = False) -> str:
    """The histories' blocks, as the study sets them (a timeline's matched on volatility; a
    universe's not, and by default at least as long as its longest tested horizon:
    :meth:`~eventstudy.histories.UniverseHistorySource.of`)."""
    matched = "" if universe else ", each after the first starting after a month in the same tenth of 21-day volatility as the month the block before ended on"
    if statistics.block_length is not None:
        return f"blocks of {statistics.block_length:g} trading days on average{matched}"
    if universe:
        return (
            "blocks of a mean length estimated from the data (the longest of Politis and White's for the market series, the stocks' "
            "average return and its square) and at least as long as the longest tested horizon"
        )
    return f"blocks of a mean length estimated from the data (Politis and White){matched}"


def _timeline_null_words(study: Study, statistics: StatisticsSpec, null: str) -> list[tuple[str, str]]:
    """A study of named series' headline null, how it is drawn, and why it is the one."""
    chosen = "asked for (statistics.null)" if statistics.null is not None else "the default"
    if null == "histories":
        if statistics.null is None:  # the data can still rule it out
            chosen += (
                "; a run whose data leave a series unknown on days of the study calendar (align: ffill), or count it on "
                "another calendar (a monthly series), uses the runs null instead and says why"
            )
        return [
            ("null", f"histories: the rule re-run on {statistics.histories:,} resampled histories of {', '.join(study.series)}"),
            ("drawn", f"their daily returns resampled together in {_blocks(statistics)}, prices rebuilt, then condition, declustering and outcomes as here"),
            ("chosen", chosen),
        ]
    if statistics.null is None:
        chosen = "the histories null cannot be built for this study (the run says why)"
    drawn = {
        "runs": f"the events' runs placed at random dates, {statistics.placebos:,} placebo sets",
        "matched": f"random days under the declustering rule, up to {statistics.placebos:,} placebo sets",
        "circular": "the event calendar shifted, every shift",
    }[null]
    return [("null", null), ("drawn", drawn), ("chosen", chosen)]


def _universe_null_words(study: Study, statistics: StatisticsSpec, null: str) -> list[tuple[str, str]]:
    """A universe study's headline null, how it is drawn, and why it is the one."""
    chosen = "asked for (statistics.null)" if statistics.null is not None else "the default"
    if null == "histories":
        count = statistics.histories if "histories" in statistics.model_fields_set else UNIVERSE_HISTORIES
        if statistics.null is None:
            misjudged = placebos_misjudge(study)
            why = (
                f"the 'dates' null cannot test {measures_named(misjudged)} under a condition on the stock's own prices"
                if misjudged else "the condition picks days, not stocks, and the 'dates' null keeps the days"
            )
            chosen += f" here: {why}; a market series on a far sparser calendar than the stocks' keeps the 'dates' null"
        return [
            ("null", f"histories: the rule re-run on {count:,} resampled universes, the 'symbols' null beside it"),
            ("drawn", f"every stock's and the market series' daily returns resampled together, whole days in {_blocks(statistics, universe=True)}, prices rebuilt, then condition, declustering and outcomes as here"),
            ("chosen", chosen),
        ]
    return [
        ("null", "dates: the events' dates kept, their stocks redrawn; the 'symbols' null beside it"),
        ("drawn", f"{statistics.placebos:,} placebo sets (the 'symbols' null: each stock's events at random days of its own)"),
        ("chosen", chosen),
    ]


def _short(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict) and set(value) >= {"label"}:
        return str(value["label"])
    if isinstance(value, bool):  # as the study file writes it: true, not Python's True
        return str(value).lower()
    return "each symbol" if value == SELF else str(value)


def render_explanation(study: Study, explanation: Explanation, *, raw: bool = False) -> str:
    """The explanation as plain text; ``raw``: with the polars expression as polars prints it."""
    where = f"{study.path}: " if study.path else ""
    out = [f"{where}{study.name}", ""]
    out.append(f"condition as written:  {explanation.written}")
    out.append(f"canonical form:        {explanation.canonical}")
    out += ["", "condition tree (each test with the timeline columns it reads):"]
    width = max(len(line) for line in explanation.tree)
    for line, columns in zip(explanation.tree, explanation.tree_columns):
        out.append(f"  {line:<{width}}  {', '.join(columns)}".rstrip())
    out += ["", "features (computed per series on its full history, null until their window is full):"]
    name_w = max((len(r[0]) for _, rows in explanation.features for r in rows), default=0)
    for label, rows in explanation.features:
        out.append(f"  {label}")
        for written, unit, description, column in rows:
            out.append(f"    {written:<{name_w}}  {description} [{unit}; column {column}]")
    universe = getattr(study, "universe", None) is not None
    out += ["", "plan (polars, rows in date order; NaN compares as null; a null verdict is not an event):"]
    if universe:
        out.append('  (every shift and rolling window runs within each symbol: .over("symbol"))')
    out += [f"  {line}" for line in explanation.plan]
    out += ["", "events:"]
    out += [f"  {label}: {text}" for label, text in explanation.selection]
    out += ["", "evaluators:"]
    out += [f"  {line}" for line in explanation.evaluators]
    out += ["", "tests:"]
    out += [f"  {label}: {text}" for label, text in explanation.tests]
    out += [f"  {line}" for line in explanation.test_warnings]
    if explanation.sweep:
        out += ["", "sweep (eventstudy sweep; a run leaves the sweep: list out):"]
        out += [f"  {label}: {text}" for label, text in explanation.sweep]
    if raw:
        out += ["", "polars expression (one boolean per day, as polars prints it):", f"  {explanation.expression}"]
    else:
        out += ["", f"polars expression: {len(explanation.expression):,} characters as polars prints it (--raw shows it)"]
    return "\n".join(out) + "\n"

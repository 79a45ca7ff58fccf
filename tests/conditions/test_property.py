"""Property tests: the vectorized engine against a plain-Python reference of DESIGN.md.

Random price series (different date sets, small integer closes so ties happen) and random
condition trees are printed to text, parsed back, resolved, compiled and evaluated on
``build_timeline``; every date's result (null -> False) must equal a reference written
here from the DESIGN semantics with loops over lists and its own feature code.

Floating-point: features such as ema, rsi and volatility are computed in a different
order than polars does, so a comparison whose two sides are within 1e-9 (relative) of each
other, or a division by a value within 1e-9 of zero, makes the example ambiguous and it
is discarded with ``assume``.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from eventstudy.conditions import (
    CALENDAR,
    Ago,
    And,
    AtLevel,
    BinOp,
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
    derived_name,
    parse,
    required_features,
    resolve,
    to_text,
    walk,
)
from eventstudy.own_events import EventSet, with_event_columns
from eventstudy.timeline import build_timeline

Opt = float | None
NAMES = ["A", "B", "C"]
EPOCH = dt.date(2020, 1, 1)

# --- random trees -------------------------------------------------------------------

NO_ARGS = ["close", "ath", "drawdown", "days_since_ath"]
ONE_ARG = ["high", "low", "return", "sma", "ema", "rsi"]


def feature_refs(names: Sequence[str]) -> st.SearchStrategy[FeatureRef]:
    series = st.sampled_from(names)
    return st.one_of(
        st.builds(FeatureRef, series),
        st.builds(FeatureRef, series, st.sampled_from(NO_ARGS)),
        st.builds(FeatureRef, series, st.sampled_from(ONE_ARG), st.tuples(st.integers(1, 6))),
        st.builds(FeatureRef, series, st.just("volatility"), st.tuples(st.integers(2, 6))),
    )


def derived_refs(names: Sequence[str]) -> st.SearchStrategy[FeatureRef]:
    """A feature of an expression of two series: ``(A / B) sma(3)``. Closes are positive,
    so the expression is known on every study date (a window with an unknown day is
    unknown, which each feature's own null rules decide; see test_derived.py)."""
    series = st.sampled_from(names)
    expression = st.builds(BinOp, st.builds(FeatureRef, series), st.sampled_from(["/", "*", "+"]), st.builds(FeatureRef, series))

    def ref(of: BinOp, feature: str, args: tuple[int, ...]) -> FeatureRef:
        return FeatureRef(derived_name(of), feature, args, of=of)

    return st.one_of(
        st.builds(ref, expression, st.sampled_from(NO_ARGS), st.just(())),
        st.builds(ref, expression, st.sampled_from(ONE_ARG), st.tuples(st.integers(1, 6))),
    )


def derived_levels(names: Sequence[str]) -> st.SearchStrategy[AtLevel]:
    series = st.sampled_from(names)
    expression = st.builds(BinOp, st.builds(FeatureRef, series), st.sampled_from(["/", "*"]), st.builds(FeatureRef, series))

    def level(of: BinOp, kind: str, n: int | None) -> AtLevel:
        return AtLevel(derived_name(of), kind, n, of=of)  # type: ignore[arg-type]

    return st.one_of(
        st.builds(level, expression, st.sampled_from(["ath", "atl"]), st.none()),
        st.builds(level, expression, st.sampled_from(["high", "low"]), st.integers(1, 6)),
    )


calendar_refs = st.builds(
    lambda name: FeatureRef(CALENDAR, name),
    st.sampled_from(["month", "weekday", "day_of_month", "quarter", "trading_day_of_month", "trading_days_left_in_month"]),
)


numbers = st.one_of(
    st.builds(Number, st.integers(0, 8).map(float)),
    st.builds(Number, st.sampled_from([0.5, 1.5, 2.5, 0.25])),
    st.builds(Number, st.sampled_from([0.0, 5.0, 10.0, 25.0, 50.0, 100.0]), st.just(True)),
)


def values(names: Sequence[str], calendar: bool = False) -> st.SearchStrategy[Value]:
    """Random values; ``calendar``: with calendar terms, which ``resolve`` makes (the
    parser reads ``month`` as a name), so only resolved trees hold them."""
    leaves = [feature_refs(names), feature_refs(names), derived_refs(names), numbers]
    return st.recursive(
        st.one_of(*leaves, *([calendar_refs] * 3 if calendar else [])),
        lambda v: st.one_of(
            st.builds(BinOp, v, st.sampled_from(["+", "-", "*", "/"]), v),
            st.builds(Neg, v),
            st.builds(Ago, v.filter(lambda x: not isinstance(x, Number)), st.integers(1, 4)),
        ),
        max_leaves=4,
    )


EVENT_SETS = ["ev"]


def leaf_tests(names: Sequence[str], calendar: bool = False) -> st.SearchStrategy[Node]:
    series = st.sampled_from(names)
    v = values(names, calendar)
    return st.one_of(
        st.builds(OnEvents, st.sampled_from(EVENT_SETS)),
        st.builds(AtLevel, series, st.sampled_from(["ath", "atl"])),
        st.builds(AtLevel, series, st.sampled_from(["high", "low"]), st.integers(1, 6)),
        derived_levels(names),
        st.builds(Compare, v, st.sampled_from([">", ">=", "<", "<=", "==", "!="]), v),
        st.builds(Crosses, v, st.sampled_from(["above", "below"]), v),
    )


def conditions(names: Sequence[str], calendar: bool = False) -> st.SearchStrategy[Node]:
    return st.recursive(
        leaf_tests(names, calendar),
        lambda c: st.one_of(
            st.builds(Not, c),
            st.builds(And, c, c),
            st.builds(Or, c, c),
            st.builds(Modified, c, st.sampled_from(["for", "within", "ago"]), st.integers(1, 4)),
            st.builds(First, c, st.integers(1, 4)),
        ),
        max_leaves=5,
    )


@st.composite
def studies(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, dict[dt.date, float]], Node]:
    """Series map (a name may alias another's symbol), closes per symbol, a condition."""
    names = NAMES[: draw(st.integers(2, 3))]
    series = {name: name for name in names}
    if len(names) == 3 and draw(st.booleans()):
        series["C"] = "A"
    data: dict[str, dict[dt.date, float]] = {}
    for symbol in sorted(set(series.values())):
        start = draw(st.integers(0, 20))
        length = draw(st.integers(5, 80))
        days = [i for i in range(start, start + length)]
        dropped = draw(st.sets(st.sampled_from(days), max_size=length // 5))
        kept = [d for d in days if d not in dropped] or days[:1]
        closes = draw(st.lists(st.integers(1, 6), min_size=len(kept), max_size=len(kept)))
        data[symbol] = {EPOCH + dt.timedelta(days=d): float(c) for d, c in zip(kept, closes)}
    return series, data, draw(conditions(names, calendar=True))


def event_days(draw: st.DrawFn) -> list[dt.date]:
    """Own event dates: any days of the test period, traded or not."""
    return [EPOCH + dt.timedelta(days=d) for d in draw(st.sets(st.integers(-3, 105), max_size=12))]


# --- the reference ------------------------------------------------------------------

class Ambiguous(Exception):
    """A float comparison too close to call: the example is discarded."""


def _rolling(c: list[float], n: int, fn: Callable[[list[float]], float]) -> list[Opt]:
    return [fn(c[t - n + 1 : t + 1]) if t >= n - 1 else None for t in range(len(c))]


def _ema(c: list[float], n: int) -> list[Opt]:
    alpha, out, e = 2 / (n + 1), [], c[0]
    for t, x in enumerate(c):
        e = x if t == 0 else alpha * x + (1 - alpha) * e
        out.append(e if t >= n - 1 else None)
    return out


def _rsi(c: list[float], n: int) -> list[Opt]:
    out: list[Opt] = [None] * len(c)
    if len(c) <= n:
        return out
    changes = [c[t] - c[t - 1] for t in range(1, len(c))]  # changes[t-1] is day t's change
    gain = sum(max(d, 0.0) for d in changes[:n]) / n
    loss = sum(max(-d, 0.0) for d in changes[:n]) / n
    for t in range(n, len(c)):
        if t > n:
            d = changes[t - 1]
            gain = (gain * (n - 1) + max(d, 0.0)) / n
            loss = (loss * (n - 1) + max(-d, 0.0)) / n
        out[t] = 100.0 if loss == 0 else 100 - 100 / (1 + gain / loss)
    return out


def _volatility(c: list[float], n: int) -> list[Opt]:
    logs = [None] + [math.log(c[t] / c[t - 1]) for t in range(1, len(c))]
    return [
        statistics.stdev(logs[t - n + 1 : t + 1]) * math.sqrt(252) if t >= n else None  # type: ignore[arg-type]
        for t in range(len(c))
    ]


def _days_since_ath(c: list[float]) -> list[Opt]:
    out, last = [], 0
    for t in range(len(c)):
        if c[t] >= max(c[: t + 1]):
            last = t
        out.append(float(t - last))
    return out


def reference_feature(c: list[float], name: str, args: tuple[int, ...]) -> list:
    """DESIGN's definitions, one day at a time over one series' full history."""
    n = args[0] if args else 0
    T = range(len(c))
    if name == "close":
        return list(c)
    if name == "ath":
        return [max(c[: t + 1]) for t in T]
    if name == "drawdown":
        return [1 - c[t] / max(c[: t + 1]) for t in T]
    if name == "high":
        return _rolling(c, n, max)
    if name == "low":
        return _rolling(c, n, min)
    if name == "return":
        return [c[t] / c[t - n] - 1 if t >= n else None for t in T]
    if name == "sma":
        return _rolling(c, n, lambda w: sum(w) / len(w))
    if name == "ema":
        return _ema(c, n)
    if name == "rsi":
        return _rsi(c, n)
    if name == "volatility":
        return _volatility(c, n)
    if name == "days_since_ath":
        return _days_since_ath(c)
    if name == "at_ath":
        return [c[t] >= max(c[:t]) if t >= 1 else None for t in T]
    if name == "at_atl":
        return [c[t] <= min(c[:t]) if t >= 1 else None for t in T]
    if name == "at_high":
        return [c[t] >= max(c[t - n : t]) if t >= n else None for t in T]
    if name == "at_low":
        return [c[t] <= min(c[t - n : t]) if t >= n else None for t in T]
    raise AssertionError(name)


def k_not(a: bool | None) -> bool | None:
    return None if a is None else not a


def k_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def k_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def close_call(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


COMPARE = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class Reference:
    """Evaluates a tree row by row on the aligned calendar."""

    def __init__(self, series: dict[str, str], data: dict[str, dict[dt.date, float]], events: Sequence[dt.date] = ()) -> None:
        self.series, self.data, self.events = series, data, sorted(events)
        self.calendar = sorted(set.intersection(*(set(data[s]) for s in series.values())))
        self.cache: dict[tuple[str, str, tuple[int, ...]], list] = {}

    def feature(self, name: str, feature: str, args: tuple[int, ...], row: int) -> object:
        key = (name, feature, args)
        if key not in self.cache:
            history = self.data[self.series[name]]
            dates = sorted(history)
            full = reference_feature([history[d] for d in dates], feature, args)
            by_date = dict(zip(dates, full))
            self.cache[key] = [by_date[d] for d in self.calendar]
        return self.cache[key][row]

    def derived(self, of: Value, feature: str, args: tuple[int, ...], row: int) -> object:
        """A feature of an expression: the expression on every study date, then the feature
        over those rows (DESIGN: expressions live on the study calendar)."""
        key = (derived_name(of), feature, args)
        if key not in self.cache:
            closes = [self.value(of, r) for r in range(len(self.calendar))]
            assert all(c is not None for c in closes)
            self.cache[key] = reference_feature(closes, feature, args)  # type: ignore[arg-type]
        return self.cache[key][row]

    def calendar_value(self, name: str, row: int) -> Opt:
        """DESIGN's calendar values of the row's date, counted over the study calendar."""
        day = self.calendar[row]
        same_month = [d for d in self.calendar if (d.year, d.month) == (day.year, day.month)]
        if name == "trading_day_of_month":
            return float(same_month.index(day) + 1)
        if name == "trading_days_left_in_month":
            last = self.calendar[-1]
            if (day.year, day.month) == (last.year, last.month):
                return None  # the data's last month may not be complete
            return float(len(same_month) - same_month.index(day) - 1)
        return float({"month": day.month, "weekday": day.isoweekday(), "day_of_month": day.day,
                      "quarter": (day.month - 1) // 3 + 1, "year": day.year}[name])

    def value(self, node: Value, row: int) -> Opt:
        if isinstance(node, Number):
            return node.value / 100 if node.percent else node.value
        if isinstance(node, FeatureRef) and node.series == CALENDAR:
            return self.calendar_value(str(node.feature), row)
        if isinstance(node, FeatureRef) and node.of is not None:
            return self.derived(node.of, node.feature or "close", node.args, row)  # type: ignore[return-value]
        if isinstance(node, FeatureRef):
            return self.feature(node.series, node.feature or "close", node.args, row)  # type: ignore[return-value]
        if isinstance(node, Neg):
            v = self.value(node.operand, row)
            return None if v is None else -v
        if isinstance(node, Ago):
            return self.value(node.operand, row - node.n) if row >= node.n else None
        assert isinstance(node, BinOp)
        a, b = self.value(node.left, row), self.value(node.right, row)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if b != 0 and abs(b) < 1e-9:
            raise Ambiguous
        return None if b == 0 else a / b

    def compare(self, a: Opt, op: str, b: Opt) -> bool | None:
        if a is None or b is None:
            return None
        if close_call(a, b):
            raise Ambiguous
        return COMPARE[op](a, b)

    def test(self, node: Node, row: int) -> bool | None:
        if row < 0:
            return None  # before the start of the frame
        if isinstance(node, Or):
            return k_or(self.test(node.left, row), self.test(node.right, row))
        if isinstance(node, And):
            return k_and(self.test(node.left, row), self.test(node.right, row))
        if isinstance(node, Not):
            return k_not(self.test(node.operand, row))
        if isinstance(node, OnEvents):  # an event in (previous row's date, this row's]; the first row: that date only
            today = self.calendar[row]
            since = self.calendar[row - 1] if row > 0 else today - dt.timedelta(days=1)
            return any(since < e <= today for e in self.events)
        if isinstance(node, AtLevel):
            args = () if node.n is None else (node.n,)
            if node.of is not None:
                return self.derived(node.of, f"at_{node.level}", args, row)  # type: ignore[return-value]
            return self.feature(node.series, f"at_{node.level}", args, row)  # type: ignore[return-value]
        if isinstance(node, Compare):
            return self.compare(self.value(node.left, row), node.op, self.value(node.right, row))
        if isinstance(node, Crosses):
            a, b = self.value(node.left, row), self.value(node.right, row)
            pa = self.value(node.left, row - 1) if row > 0 else None
            pb = self.value(node.right, row - 1) if row > 0 else None
            if node.direction == "above":
                return k_and(self.compare(pa, "<=", pb), self.compare(a, ">", b))
            return k_and(self.compare(pa, ">=", pb), self.compare(a, "<", b))
        if isinstance(node, First):  # today, and on none of the n rows before
            before = self.test(Modified(node.test, "within", node.n), row - 1)
            return k_and(self.test(node.test, row), k_not(before))
        assert isinstance(node, Modified)
        if node.kind == "ago":
            return self.test(node.test, row - node.n)
        window = [self.test(node.test, r) for r in range(row - node.n + 1, row + 1)]
        if node.kind == "for":
            return False if False in window else (True if all(w is True for w in window) else None)
        return True if True in window else (False if all(w is False for w in window) else None)


# --- the properties -----------------------------------------------------------------

def price_frame(data: dict[str, dict[dt.date, float]]) -> pl.DataFrame:
    rows = [(d, symbol, c) for symbol in sorted(data) for d, c in sorted(data[symbol].items())]
    return pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row")


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(studies())
def test_engine_matches_reference(study: tuple[dict[str, str], dict[str, dict[dt.date, float]], Node]) -> None:
    check_against_reference(study, [EPOCH + dt.timedelta(days=d) for d in (2, 9, 10, 31, 47)])


def check_against_reference(study: tuple[dict[str, str], dict[str, dict[dt.date, float]], Node], events: list[dt.date]) -> None:
    """The engine's verdict on every date equals the reference's (own events: ``events``)."""
    series, data, tree = study
    reference = Reference(series, data, events)
    try:
        expected = [reference.test(tree, row) is True for row in range(len(reference.calendar))]
    except Ambiguous:
        assume(False)

    text = to_text(tree)
    node = resolve(parse(text), list(series), source=text)
    assert node == tree
    timeline = build_timeline(price_frame(data), series, required_features(node))
    days = np.array(sorted({(e - dt.date(1970, 1, 1)).days for e in events}), dtype=np.int64)
    timeline = with_event_columns(timeline, {"ev": EventSet.of("ev", Path("ev.csv"), days)})
    assert timeline["date"].to_list() == reference.calendar
    got = timeline.select(compile_condition(node).fill_null(False)).to_series().to_list()
    assert got == expected, text


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.sampled_from([2, 3]).flatmap(lambda k: conditions(NAMES[:k])))
def test_print_parse_round_trip(tree: Node) -> None:
    text = to_text(tree)
    assert parse(text) == tree
    assert to_text(parse(text)) == text


@settings(max_examples=200, deadline=None)
@given(values(NAMES))
def test_value_round_trip(value: Value) -> None:
    tree = Compare(value, ">=", Number(0))
    assert parse(to_text(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(values(NAMES), st.data())
def test_numbers_written_with_an_exponent_read_as_written_out(value: Value, data: st.DataObject) -> None:
    """Each number of a value rewritten with an exponent (``250`` as ``2.5e2``, ``0.5`` as
    ``5000E-4``) gives the same tree."""
    tree = Compare(value, ">=", Number(0))
    text = to_text(tree)
    spans = {node.span for node in walk(parse(text)) if isinstance(node, Number)}
    for start, end in sorted(spans, reverse=True):
        digits = text[start:end].rstrip("%")
        k = data.draw(st.integers(-6, 6))
        mantissa = format(Decimal(digits).scaleb(-k), "f")
        written = f"{mantissa}{data.draw(st.sampled_from(['e', 'E', 'e+']))}{k}".replace("+-", "-")
        text = text[:start] + written + text[start + len(digits) :]
    assert parse(text) == tree, text


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-6, 1e20), st.integers(0, 16), st.booleans())
def test_a_number_with_an_exponent_reads_as_python_reads_it(value: float, digits: int, percent: bool) -> None:
    """The reference is Python's own float(): '1.234e+05' is 123400.0, '1.234e+05%' its percent."""
    written = f"{value:.{digits}e}"
    assert parse(f"A > {written}{'%' if percent else ''}") == Compare(FeatureRef("A"), ">", Number(float(written), percent))


@st.composite
def calendar_studies(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, dict[dt.date, float]], Node]:
    """A study whose condition is a calendar test, alone or with another test."""
    series, data, other = draw(studies())
    test = Compare(draw(calendar_refs), draw(st.sampled_from(["==", "!=", "<=", ">="])), Number(float(draw(st.integers(0, 22)))))
    tree = draw(st.sampled_from([test, And(test, other), Or(other, test), Modified(test, "ago", 1)]))
    return series, data, tree


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendar_studies())
def test_calendar_terms_match_the_reference(study: tuple[dict[str, str], dict[str, dict[dt.date, float]], Node]) -> None:
    check_against_reference(study, [])


@st.composite
def event_studies(draw: st.DrawFn) -> tuple[tuple[dict[str, str], dict[str, dict[dt.date, float]], Node], list[dt.date]]:
    """A study whose condition reads its own events, with random event dates."""
    series, data, other = draw(studies())
    on = OnEvents("ev")
    tree = draw(st.sampled_from([on, And(on, other), Or(other, on), Modified(on, "within", 3), First(on, 4), Modified(on, "ago", 2)]))
    return (series, data, tree), event_days(draw)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_studies())
def test_own_events_match_the_reference(case) -> None:
    study, events = case
    check_against_reference(study, events)


def _grouped_frame(tree: Node, lengths: list[int], holes: float, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.Expr, pl.Expr]:
    """Groups of rows (sorted, each by date; dates that skip days, months and years, a
    group's first month perhaps the one the group before ends in), random values for the
    columns ``tree`` reads, and its two compilations: ``.over`` the group, and with each
    row's position in its group."""
    from eventstudy.conditions.compiler import GROUP_ROW

    rows = sum(lengths)
    per_group = compile_condition(tree, over="g")
    whole = compile_condition(tree, over="g", position=GROUP_ROW)
    columns: dict[str, pl.Series] = {}
    for name in sorted(set(per_group.meta.root_names()) - {"g", "date"}):
        if name.startswith("on:"):  # own events: a Boolean column
            columns[name] = pl.Series(name, rng.random(rows) < 0.3)
        else:  # small integers, so comparisons tie; a flag column casts 0 / 1 to Boolean
            values = rng.integers(0, 4, rows).astype(float)
            columns[name] = pl.Series(name, values).scatter(np.flatnonzero(rng.random(rows) < holes), None)
    days = [int(rng.integers(0, 60)) + np.cumsum(rng.choice([0, 1, 3, 12, 40, 370], length)) for length in lengths]
    frame = pl.DataFrame({
        "g": np.repeat(np.arange(len(lengths)), lengths),
        "date": pl.Series([EPOCH + dt.timedelta(days=int(d)) for group in days for d in group], dtype=pl.Date),
        GROUP_ROW: np.concatenate([np.arange(length) for length in lengths]).astype(np.int64),
        **columns,
    })
    return frame, per_group, whole


@settings(max_examples=200, deadline=None)
@given(
    tree=conditions(NAMES[:2], calendar=True),
    lengths=st.lists(st.integers(0, 12), min_size=1, max_size=5),
    holes=st.floats(0.0, 0.4),
    seed=st.integers(0, 2**32 - 1),
)
def test_lags_over_the_whole_column_equal_lags_within_each_group(tree: Node, lengths: list[int], holes: float, seed: int) -> None:
    """With ``position`` (each row's index in its group), shifts run over the whole column
    and null each group's first rows, and trading-day counts come from where each group's
    months start and end: every verdict (null included) must be the one ``.over`` gives
    group by group, whatever the condition, with unknown values and groups shorter than
    the lag."""
    frame, per_group, whole = _grouped_frame(tree, lengths, holes, np.random.default_rng(seed))
    expected = frame.select(per_group.alias("x"))["x"]
    assert frame.select(whole.alias("x"))["x"].equals(expected, check_names=False, null_equal=True), to_text(tree)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["trading_day_of_month", "trading_days_left_in_month"]),
    op=st.sampled_from(["==", "<=", ">="]),
    k=st.integers(0, 3),
    lagged=st.booleans(),
    lengths=st.lists(st.integers(0, 15), min_size=1, max_size=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_trading_day_counts_from_positions_equal_counts_per_group_and_month(
    name: str, op: str, k: int, lagged: bool, lengths: list[int], seed: int
) -> None:
    """The trading-day counts with ``position`` equal ``.over`` the group and the month:
    a month's run starts at a group's first row even when the group before ended in the
    same month, and the group's last month (perhaps incomplete) has no days left."""
    test: Node = Compare(FeatureRef(CALENDAR, name), op, Number(float(k)))
    tree = Modified(test, "ago", 1) if lagged else test
    frame, per_group, whole = _grouped_frame(tree, lengths, 0.0, np.random.default_rng(seed))
    expected = frame.select(per_group.alias("x"))["x"]
    assert frame.select(whole.alias("x"))["x"].equals(expected, check_names=False, null_equal=True), to_text(tree)

"""Cell formatting, column titles and table layouts shared by every renderer.

The renderers (terminal, Markdown, HTML) draw the same tables: :func:`instance_table`,
:func:`summary_tables` and :func:`tests_table` turn a result into :class:`TextTable`
objects (formatted cells plus a *tone* per cell: positive, negative, pending,
significant), so the three outputs agree to the character and none of them formats or
computes on its own.

Long tables are shortened here, by one rule for every renderer (:class:`RowLimit`): a
table of more than ``limit`` rows keeps its first and last ``shown`` rows, and says how
many it leaves out and which CSV file holds them all (:func:`omission_line`). The terminal
uses :data:`TERMINAL_ROWS` (20, showing 5 + 5), report.md and report.html
:data:`DOCUMENT_ROWS` (200, showing 50 + 50). Only the rows shown are formatted, so a
table of a million events costs no more to draw than one of a hundred.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from eventstudy.measures import STATISTIC_WORDS

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    import polars as pl

    from eventstudy.result import StudyResult

__all__ = [
    "COMPACT_TEST_HEADERS",
    "DOCUMENT_LAYOUT",
    "DOCUMENT_ROWS",
    "ENDED",
    "PENDING",
    "SHOW",
    "TERMINAL_ROWS",
    "TEST_HEADERS",
    "Layout",
    "RowLimit",
    "TextTable",
    "baseline_words",
    "breakdown_table",
    "column_title",
    "folded",
    "format_cell",
    "format_difference",
    "format_interval",
    "format_level",
    "format_p",
    "format_statistic",
    "instance_cells",
    "instance_table",
    "n_with_incomplete",
    "omission_line",
    "screen_layout",
    "shown_line",
    "split_notes",
    "study_lines",
    "summary_blocks",
    "summary_headers",
    "summary_rows",
    "summary_tables",
    "test_rows",
    "tests_table",
    "tone_of",
]

PENDING = "pending"
"""What an incomplete horizon shows instead of a number (never 0): more data will come."""

ENDED = "data ended"
"""What an incomplete horizon shows when it runs past the end of its symbol's data, which
stop before the last day of the data (a stock delisted or acquired): it never completes."""

WARNING = "warning:"
"""Notes starting with this are warnings: shown first and prominently."""


@dataclass(frozen=True)
class RowLimit:
    """A table of more than ``limit`` rows shows only its first and last ``shown`` rows."""

    limit: int
    shown: int

    def fold(self, height: int) -> tuple[int, int]:
        """(rows shown before the gap, rows left out) for a table of ``height`` rows."""
        if height <= self.limit:
            return height, 0
        return self.shown, height - 2 * self.shown


TERMINAL_ROWS = RowLimit(limit=20, shown=5)
"""Instance tables in the terminal and in a printed Markdown run: the first and last rows at
a glance (a table split per asset repeats them per part); ``--show instances`` lists all."""

DOCUMENT_ROWS = RowLimit(limit=200, shown=50)
"""Instance tables (and other long tables) in report.md and report.html: a page stays
small and opens at once; the full table is always in its CSV file."""

SHOW = ("summary", "instances", "tests", "all")
"""What ``eventstudy run --show`` can pick (default: the summary and the folded instances)."""


@dataclass(frozen=True)
class Layout:
    """Which parts of a run a text report shows, in this order after the verdict and the
    study: the summary, the instance table (shortened by ``rows``; None: every row), the
    significance details. Warnings and notes are always shown."""

    summary: bool = True
    instances: bool = True
    tests: bool = False
    rows: RowLimit | None = TERMINAL_ROWS


DOCUMENT_LAYOUT = Layout(summary=True, instances=True, tests=True, rows=DOCUMENT_ROWS)
"""report.md and report.html: every part, long tables shortened by :data:`DOCUMENT_ROWS`."""


def screen_layout(show: str | None, rows: RowLimit = TERMINAL_ROWS) -> Layout:
    """The layout of ``--show``: None = the summary and the instances shortened by ``rows``;
    'summary', 'instances' (every row), 'tests' (the significance details) or 'all' (all
    three, every instance row).

    >>> screen_layout("instances")
    Layout(summary=False, instances=True, tests=False, rows=None)
    """
    if show is None:
        return Layout(rows=rows)
    if show not in SHOW:
        raise ValueError(f"`show` must be one of {set(SHOW)}, got {show!r}")
    every = show == "all"
    return Layout(summary=every or show == "summary", instances=every or show == "instances", tests=every or show == "tests", rows=None)


@dataclass
class TextTable:
    """A table ready to draw: formatted cells and how to show them.

    Attributes
    ----------
    title
        The table's title.
    headers
        Column titles.
    rows
        Formatted cells, one list per row.
    tones
        Per cell: ``'pos'`` / ``'neg'`` (a signed figure), ``'pending'``, ``'sig'`` (a
        p-value below alpha), ``'survives'`` (one that survives the adjustment) or ``''``.
    keys
        How many leading columns identify a row; repeated in every part when a renderer
        folds a wide table into narrower ones.
    groups
        For each column after the keys, the group it belongs to: a renderer that folds
        keeps a group's columns together (a figure and its p-value).
    left
        How many leading columns are left-aligned (the rest are numbers, right-aligned).
    short_headers
        Column titles to use when the table is shown in parts by ``part`` (e.g. '1m'
        instead of 'SPX 1m' in a part titled SPX); defaults to ``headers``.
    parts
        For each column after the keys, the part it belongs to (e.g. its asset), or empty.
    omitted
        Rows left out of a long table (see :class:`RowLimit`): they belong between
        ``rows[:fold_at]`` and ``rows[fold_at:]``; 0 when the table is whole.
    fold_at
        Where the left-out rows belong (the number of rows shown before the gap).
    noun
        What a row is, for the omission line ('events').
    """

    title: str
    headers: list[str]
    rows: list[list[str]]
    tones: list[list[str]]
    keys: int = 1
    groups: list[int] = field(default_factory=list)
    left: int = 1
    short_headers: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    omitted: int = 0
    fold_at: int = 0
    noun: str = "rows"

    def __post_init__(self) -> None:
        n = len(self.headers) - self.keys
        if not self.groups:
            self.groups = list(range(n))
        if not self.short_headers:
            self.short_headers = list(self.headers)
        if not self.parts:
            self.parts = [""] * n

    def select(self, headers: list[str], keys: int) -> TextTable:
        """A table of the named columns (the first ``keys`` of them identify a row)."""
        chosen = [self.headers.index(h) for h in headers]
        group_of = {i: (self.groups[i - self.keys] if i >= self.keys else -1) for i in range(len(self.headers))}
        return TextTable(
            title=self.title,
            headers=list(headers),
            rows=[[row[i] for i in chosen] for row in self.rows],
            tones=[[tone[i] for i in chosen] for tone in self.tones],
            keys=keys,
            groups=[group_of[i] for i in chosen[keys:]],
            left=keys,
            omitted=self.omitted,
            fold_at=self.fold_at,
            noun=self.noun,
        )

    def by_part(self) -> tuple[TextTable, list[tuple[str, int]]]:
        """The table with each part's columns together (parts in order of first
        appearance), and the (part, number of columns) spans after the keys."""
        order: dict[str, list[int]] = {}
        for offset, part in enumerate(self.parts):
            order.setdefault(part, []).append(self.keys + offset)
        indices = [i for members in order.values() for i in members]
        return self.columns(indices), [(part, len(members)) for part, members in order.items()]

    def columns(self, indices: list[int], *, short: bool = False) -> TextTable:
        """A table of the key columns and the given other columns (indices into headers)."""
        chosen = list(range(self.keys)) + [i for i in indices if i >= self.keys]
        names = self.short_headers if short else self.headers
        return TextTable(
            title=self.title,
            headers=[names[i] if i >= self.keys else self.headers[i] for i in chosen],
            rows=[[row[i] for i in chosen] for row in self.rows],
            tones=[[tone[i] for i in chosen] for tone in self.tones],
            keys=self.keys,
            groups=[self.groups[i - self.keys] for i in chosen[self.keys :]],
            left=self.left,
            short_headers=[self.short_headers[i] for i in chosen],
            parts=[self.parts[i - self.keys] for i in chosen[self.keys :]],
            omitted=self.omitted,
            fold_at=self.fold_at,
            noun=self.noun,
        )

    @property
    def total(self) -> int:
        """Rows of the whole table (shown and left out)."""
        return len(self.rows) + self.omitted

    def halves(self) -> tuple[list[list[str]], list[list[str]]]:
        """The rows before and after the gap (all rows and none when the table is whole)."""
        if not self.omitted:
            return self.rows, []
        return self.rows[: self.fold_at], self.rows[self.fold_at :]


def format_cell(value: Any, unit: str) -> str:
    """One value as text: fractions as signed percents, prices with 2 decimals (4 significant digits below 10)."""
    if value is None:
        return PENDING if unit == "fraction" else ("n/a" if unit == "car" else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    if unit in ("fraction", "car"):  # 'car': an event study's CAR or BHAR, n/a when a return is missing
        return f"{value * 100:+.2f}%"
    if unit == "share":  # an unsigned fraction (drawdown, % positive) shown without sign
        text = f"{value * 100:.1f}%"
        if 0 < value < 1 and text in ("0.0%", "100.0%"):  # short of all (or above none) never reads as all (or none)
            text = next((t for d in (2, 3) for t in [f"{value * 100:.{d}f}%"] if t not in (f"{0:.{d}f}%", f"{100:.{d}f}%")),
                        "<0.001%" if value < 0.5 else ">99.999%")
        return text
    if unit == "count":
        return f"{int(value):d}"
    if unit == "number":
        return f"{value:.2f}"
    if unit == "volume":
        return f"{value:,.0f}"
    if unit == "price":
        return _level(float(value))
    return str(value)


def _level(value: float) -> str:
    """A level (a close, an average of closes, a spread) with 2 decimals, more below 10
    so that it keeps 4 significant digits: a yield of 0.003 is not '0.00', nor 4.237
    '4.24' (a condition 'TNX > 4.24' would seem to hold on it).

    >>> _level(6173.07), _level(4.237), _level(0.003), _level(-0.0042), _level(17.66)
    ('6,173.07', '4.237', '0.003', '-0.0042', '17.66')
    """
    if not math.isfinite(value) or value == 0:
        return f"{value:,.2f}"
    decimals = max(2, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    if decimals > 2:  # '0.00300' -> '0.003', never fewer than 2 decimals
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
    return text


def tone_of(text: str) -> str:
    """The tone of a formatted signed figure: 'pos', 'neg', 'pending' or ''."""
    if text.startswith("+"):
        return "pos"
    if text.startswith("-"):
        return "neg"
    if text.startswith((PENDING, ENDED)):  # incomplete: no figure
        return PENDING
    return ""


def _column_parts(column: str, measures: Collection[str] = ()) -> list[str]:
    """An instance-table column's parts: ``series.feature``, or an outcome's
    ``asset.measure[.horizon]`` split off at its measure (one of ``measures``), whose asset
    may hold a dot itself (a hit rate's 'SPX>0.02', a universe's label)."""
    pieces = column.rsplit(".", 2)
    for n in (2, 1):  # asset.measure.horizon, then asset.measure (a recovery)
        if len(pieces) > n and pieces[-n] in measures:
            return [".".join(pieces[:-n]), *pieces[-n:]]
    if column.startswith("("):  # a feature of an expression, whose text may hold a dot: '(SPX - 0.5 * RUT).return(5)'
        return column.rsplit(".", 1)
    return column.split(".")


def column_title(column: str, measures: Collection[str] = ()) -> str:
    """'SPX.close' -> 'SPX', 'RUT.drawdown' -> 'RUT drawdown', 'SPX.fwd.1m' -> 'SPX 1m';
    an outcome's asset is split off at its measure, one of ``measures``:

    >>> column_title("SPX>0.02.hit.1m", {"hit"}), column_title("SPX.recovery", {"recovery"})
    ('SPX>0.02 hit 1m', 'SPX recovery')
    """
    if column == "date":
        return "Date"
    parts = _column_parts(column, measures)
    if len(parts) == 2:
        series, feature = parts
        return series if feature == "close" else f"{series} {feature}"
    if len(parts) == 3 and parts[1] == "fwd":
        return f"{parts[0]} {parts[2]}"
    return " ".join(p for p in parts)


def _short_title(column: str, measures: Collection[str] = ()) -> tuple[str, str]:
    """(part, title within the part): 'SPX.fwd.1m' -> ('SPX', '1m'), 'SPX.close' -> ('SPX', 'close')."""
    head, *pieces = _column_parts(column, measures)
    if not pieces:
        return "", column_title(column, measures)
    if len(pieces) == 2 and pieces[0] == "fwd":
        return head, pieces[1]
    return head, " ".join(pieces)


def format_p(p: Any, survives: object = None, alpha: float = 0.05) -> str:
    """A p-value with 3 decimals ('<0.001' below), '*' when it survives adjustment.

    The text sits on the same side of ``alpha`` as ``p``: where 3 decimals would round
    across it (or onto it), more are shown, so a p counted below alpha never reads as
    alpha or above, nor the reverse; only a p equal to alpha reads as alpha. Below 0.001
    (or below an ``alpha`` under 0.001, then named) it reads as '<0.001'.

    >>> format_p(0.0123), format_p(0.0123, True), format_p(0.0002), format_p(None)
    ('0.012', '0.012*', '<0.001', '')
    >>> format_p(50 / 1001), format_p(0.0501), format_p(0.05), format_p(0.0104, alpha=0.01)
    ('0.04995', '0.0501', '0.050', '0.0104')
    """
    if p is None:
        return ""
    p = float(p)
    floor = min(0.001, alpha)
    if p < floor:
        return f"<{floor:g}" + ("*" if survives else "")

    def side(x: float) -> int:
        return (x > alpha) - (x < alpha)

    for decimals in range(3, 21):  # 20 decimals of a p >= 0.001 give it back exactly
        text = f"{p:.{decimals}f}"
        if side(float(text)) == side(p):
            break
    return text + ("*" if survives else "")


def _p_tone(p: Any, survives: object, alpha: float) -> str:
    if p is None:
        return ""
    if survives:
        return "survives"
    return "sig" if p < alpha else ""


def format_level(level: float) -> str:
    """A confidence level as the percent it is: '95%', '97.5%', '99.9%' (not rounded to a
    whole percent, which read 0.975 as '98%' and 0.999 as '100%').

    >>> format_level(0.95), format_level(0.975), format_level(0.999)
    ('95%', '97.5%', '99.9%')
    """
    return f"{level * 100:g}%"


def format_interval(low: object, high: object, unit: str, approximate: object = None) -> str:
    """'[+1.23%, +4.56%]', with '~' in front when the interval is approximate (few events)."""
    if low is None or high is None:
        return ""
    return f"{'~' if approximate else ''}[{format_cell(low, unit)}, {format_cell(high, unit)}]"


def _tests_by_cell(tests: list[dict[str, object]]) -> dict[tuple[object, ...], dict[str, dict[str, object]]]:
    cells: dict[tuple[object, ...], dict[str, dict[str, object]]] = {}
    for row in tests:
        key = (row["measure"], row["asset"], row["horizon"])
        cells.setdefault(key, {})[str(row["statistic"])] = row
    return cells


BASELINE_PREFIX = "All days"
_BASELINE_SHORT = {"n": "n", "avg": "Average", "median": "Median", "% > 0": "% > 0"}
UNIVERSE_BASELINE = "All symbol-days"
"""A universe's baseline: every symbol-day of the window pooled, not the days."""


def baseline_label(universe: bool) -> str:
    """The label of a study's baseline (every day of the window, not a nested baseline's
    days): 'All days', or a universe's 'All symbol-days' (:func:`baseline_words`)."""
    return UNIVERSE_BASELINE if universe else BASELINE_PREFIX


def baseline_words(result: StudyResult) -> tuple[str, str]:
    """The summary's baseline, as every format names it: its label ('All days'; a
    universe's 'All symbol-days') and what it averages."""
    if result.universe:
        return baseline_label(True), ("the same statistic pooled over every symbol-day of the window, each stock's return "
                                   "from each of its days counted once, equally weighted")
    return baseline_label(False), "the same statistic over every day of the window"


def summary_headers(with_tests: bool, ci: float = 0.95, baseline: str = BASELINE_PREFIX) -> list[str]:
    """Column titles of the summary table (with p-values and the interval when tested);
    ``baseline``: the all-days columns' label (:func:`baseline_words`)."""
    base = [f"{baseline} {name}" for name in _BASELINE_SHORT]
    if not with_tests:
        return ["Asset", "Horizon", "n", "Average", "Median", "% > 0", "High", "Low", *base]
    return ["Asset", "Horizon", "n", "Average", f"{format_level(ci)} CI", "p", "Median", "p", "% > 0", "p", "High", "Low", *base]


def _summary_groups(headers: list[str], baseline: str = BASELINE_PREFIX) -> list[int]:
    """Column groups after (Asset, Horizon): a figure with its interval and p-value, High
    with Low, the all-days columns together."""
    groups: list[int] = []
    current = -1
    for header in headers[2:]:
        joins = header == "p" or header.endswith("CI") or header == "Low" or (
            header.startswith(baseline) and groups and headers[2 + len(groups) - 1].startswith(baseline)
        )
        if not joins:
            current += 1
        groups.append(current)
    return groups


def format_statistic(value: object, unit: str) -> str:
    """A statistic of a measure in the measure's unit (a count's average keeps a decimal)."""
    if value is None:
        return ""
    return format_cell(value, "number" if unit == "count" else unit)


def summary_rows(
    summary: list[dict[str, object]], tests: list[dict[str, object]] | None = None, unit: str = "fraction"
) -> list[list[str]]:
    """The summary table's cells, one list per asset x horizon, in the measure's ``unit``.

    With ``tests``, each figure is followed by its placebo p-value ('*': survives the
    max-statistic adjustment) and the average by its interval.
    """
    return [cells for cells, _ in _summary_cells(summary, tests, unit)]


def _summary_cells(
    summary: list[dict[str, object]], tests: list[dict[str, object]] | None, unit: str, alpha: float = 0.05,
    ended: Mapping[tuple[object, object, object], int] | None = None,
) -> list[tuple[list[str], list[str]]]:
    """(cells, tones) per summary row; see :func:`summary_rows`. ``ended``: per cell
    (``measure, asset, horizon``), how many of its incomplete events never complete."""
    by_cell = _tests_by_cell(tests or [])
    signed = unit == "fraction"
    rows = []
    for r in summary:
        has = bool(r["n"])
        stopped = (ended or {}).get((r["measure"], r["asset"], r["horizon"]), 0)
        waiting = cast(int, r["n_incomplete"] or 0) - stopped
        incomplete = [f"+{waiting} {PENDING}"] * bool(waiting) + [f"+{stopped} {ENDED}"] * bool(stopped)
        n_text = str(r["n"]) + (f" ({', '.join(incomplete)})" if incomplete else "")
        figures = {
            "mean": format_statistic(r["mean"], unit) if has else "",
            "median": format_statistic(r["median"], unit) if has else "",
            "pct_positive": format_cell(r["pct_positive"], "share") if has else "",
        }
        plain = r["horizon"] == r["measure"] or r["horizon"] in (f"{r['horizon_days']}d", f"{r['horizon_days']:+d}d")
        horizon = str(r["horizon"]) if plain else f"{r['horizon']} ({r['horizon_days']}d)"

        def tone(text: str) -> str:
            return tone_of(text) if signed else ""

        head = [str(r["asset"]), horizon, n_text]
        head_tones = ["", "", ""]
        tail = [format_statistic(r["max"], unit) if has else "", format_statistic(r["min"], unit) if has else ""]
        base = [
            format_statistic(r["baseline_mean"], unit),
            format_statistic(r["baseline_median"], unit),
            format_cell(r["baseline_pct_positive"], "share"),
        ]
        if tests is None:
            cells = head + list(figures.values()) + tail + [str(r["baseline_n"])] + base
            tones = head_tones + [tone(figures["mean"]), tone(figures["median"]), ""] + [tone(t) for t in tail] + [""] + [
                tone(base[0]), tone(base[1]), ""
            ]
            rows.append((cells, tones))
            continue
        cell = by_cell.get((r["measure"], r["asset"], r["horizon"]), {})
        mean = cell.get("mean", {})
        middle = [
            figures["mean"],
            format_interval(mean.get("ci_low"), mean.get("ci_high"), "number" if unit == "count" else unit, mean.get("ci_approximate")),
        ]
        middle_tones = [tone(figures["mean"]), ""]
        for stat in ("mean", "median", "pct_positive"):
            t = cell.get(stat, {})
            if stat != "mean":
                middle.append(figures[stat])
                middle_tones.append(tone(figures[stat]) if stat == "median" else "")
            middle.append(format_p(t.get("p_placebo"), t.get("survives"), alpha))
            middle_tones.append(_p_tone(t.get("p_placebo"), t.get("survives"), alpha))
        cells = head + middle + tail + [str(r["baseline_n"])] + base
        tones = head_tones + middle_tones + [tone(t) for t in tail] + ["", tone(base[0]), tone(base[1]), ""]
        rows.append((cells, tones))
    return rows


def summary_tables(result: StudyResult) -> list[TextTable]:
    """One summary table per measure (events beside all days), in the evaluators' order."""
    tested = result.statistics is not None and result.statistics.placebos > 0
    tests = result.tests.to_dicts() if tested else []
    ci = result.statistics.ci if result.statistics else 0.95
    alpha = result.statistics.alpha if result.statistics else 0.05
    ended = _ended_counts(result)
    label, _ = baseline_words(result)
    tables = []
    for measure in result.summary["measure"].unique(maintain_order=True).to_list():
        if measure in result.hidden_measures:
            continue
        rows = result.summary.filter(measure=measure).to_dicts()
        has_tests = tested and measure in result.tested_measures
        title = f"{measure}: {result.measure_titles.get(measure, measure)}"
        unit = result.measure_units.get(measure, "fraction")
        headers = summary_headers(has_tests, ci, label)
        cells = _summary_cells(rows, tests if has_tests else None, unit, alpha, ended)
        base = [h.startswith(label) for h in headers]
        tables.append(
            TextTable(
                title=title,
                headers=headers,
                rows=[c for c, _ in cells],
                tones=[t for _, t in cells],
                keys=2,
                groups=_summary_groups(headers, label),
                left=2,
                short_headers=[_BASELINE_SHORT[h[len(label) + 1 :]] if b else h for h, b in zip(headers, base)],
                parts=[label.lower() if b else "events" for b in base[2:]],
            )
        )
    return tables


def summary_blocks(result: StudyResult) -> list[tuple[str, list[str], list[list[str]]]]:
    """One (title, headers, rows) block per measure, in the order the evaluators gave them."""
    return [(t.title, t.headers, t.rows) for t in summary_tables(result)]


def format_difference(value: Any, unit: str, *, signed: bool = True) -> str:
    """A difference in the measure's unit; of shares (% > 0) in percentage points."""
    if value is None:
        return ""
    if unit == "share":
        return f"{value * 100:{'+' if signed else ''}.1f} pp"
    if unit == "count":
        return f"{value:{'+' if signed else ''}.1f}"
    return format_cell(value, "fraction") if signed else f"{value * 100:.2f}%"


NO_MDE = "none detectable"
"""The MDE column where no effect is (a share's MDE past what a share can move from its
baseline, inf in the tests: :func:`~eventstudy.inference.power.share_minimum_detectable_effect`)."""

COMPACT_TEST_HEADERS = ["Measure", "Asset", "Horizon", "Statistic", "Difference", "Null mean", "Effect", "n_eff", "p", "p max-stat", "MDE"]
"""The significance columns a terminal shows; the others are in Markdown, HTML and tests.csv."""

TEST_HEADERS = ["Measure", "Asset", "Horizon", "Statistic", "Events", "All days", "Difference", "Null mean", "Effect", "n_eff", "p",
                "p >", "p <", "Pctile", "p max-stat", "p Holm", "p BH", "i.i.d. p", "NW t", "NW p", "MDE"]
_TEST_GROUPS = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6]  # columns after the four keys

NULL_TITLES = {
    "histories": "the rule re-run on resampled histories",
    "runs": "runs placebo dates",
    "circular": "circular placebo dates",
    "matched": "matched placebo dates",
    "dates": "'dates' placebo (same days, other stocks)",
}
"""How each headline test is named in a table's title."""


def test_rows(tests: list[dict[str, object]], units: dict[str, str] | None = None) -> list[list[str]]:
    """The significance details, one row per cell x statistic."""
    return [cells for cells, _ in _test_cells(tests, units)]


def _test_cells(
    tests: list[dict[str, object]], units: dict[str, str] | None = None, alpha: float = 0.05
) -> list[tuple[list[str], list[str]]]:
    rows = []
    for t in tests:
        stat = str(t["statistic"])
        measure_unit = (units or {}).get(str(t["measure"]), "fraction")
        unit = "share" if stat == "pct_positive" else measure_unit
        classical = t.get("p_welch") if stat == "mean" else t.get("p_mannwhitney") if stat == "median" else t.get("p_binomial")
        hac_t, hac_p = t.get("t_hac"), t.get("p_hac")
        if hac_t is None and stat == "mean" and t.get("t_calendar") is not None:  # a universe: the calendar-time portfolio test
            hac_t, hac_p = t.get("t_calendar"), t.get("p_calendar")
        cells = [
            str(t["measure"]), str(t["asset"]), str(t["horizon"]), STATISTIC_WORDS.get(stat, stat),
            format_statistic(t["observed"], unit),
            format_statistic(t["baseline"], unit),
            format_difference(t["difference"], unit),
            format_difference(t.get("null_mean"), unit),
            format_difference(t.get("effect"), unit),
            f"{t['n_eff']:.1f}" if t["n_eff"] is not None else "",
            format_p(t["p_placebo"], t["survives"], alpha),
            format_p(t["p_greater"], alpha=alpha), format_p(t["p_less"], alpha=alpha),
            f"{t['percentile']:.0f}" if t["percentile"] is not None else "",
            format_p(t["p_maxstat"], alpha=alpha), format_p(t["p_holm"], alpha=alpha), format_p(t["p_bh"], alpha=alpha),
            format_p(classical, alpha=alpha),
            f"{hac_t:+.2f}" if hac_t is not None else "",
            format_p(hac_p, alpha=alpha),
            NO_MDE if t["mde"] == math.inf else format_difference(t["mde"], unit, signed=False),
        ]
        signed = unit == "fraction"
        tones = [""] * len(cells)
        if signed:
            tones[4], tones[5] = tone_of(cells[4]), tone_of(cells[5])
        for i in (6, 7, 8):
            tones[i] = tone_of(cells[i])
        tones[10] = _p_tone(t["p_placebo"], t["survives"], alpha)
        for i, key in ((14, "p_maxstat"), (15, "p_holm"), (16, "p_bh")):
            tones[i] = _p_tone(t[key], False, alpha)
        rows.append((cells, tones))
    return rows


def headline_null(result: StudyResult) -> str | None:
    """The null the run's headline p-values come from (None without tests)."""
    if result.tests.is_empty() or "null" not in result.tests.columns:
        return None
    nulls = [n for n in result.tests["null"].unique(maintain_order=True).to_list() if n]
    return nulls[0] if nulls else None


def headline_legend(result: StudyResult) -> str:
    """What the summary's p and CI are, in words, for the null this run used."""
    null = headline_null(result)
    star = "('*': survives the max-statistic adjustment across all cells)"
    if null == "histories":
        return (
            f"p: two-sided p-value of the figure before it against the rule re-run on resampled histories {star}: is it "
            "more than what this rule picks on noise? CI: interval of the average from the same histories (it allows for "
            "overlapping windows and the rule's own bias); '~' with fewer than 20 events."
        )
    if null == "dates":
        return (
            f"p: two-sided 'dates' placebo p-value of the figure before it (the same days, other stocks, each stock's events "
            f"moved together; for the average and the median, returns scaled to its forecast volatility) {star}; CI: interval of the average from the daily returns inside the events' windows (it allows "
            "for a common market move and overlapping windows); '~': approximate (events on fewer than 20 days, or a bootstrap "
            "over event dates for other measures)."
        )
    # the run has loaded it: no import cost here
    from eventstudy.inference.intervals import LARGE_SAMPLE

    counts = result.tests.select("statistic", "n").iter_rows() if "n" in result.tests.columns else iter(())
    large = any(statistic == "mean" and n is not None and n >= LARGE_SAMPLE for statistic, n in counts)
    normal = f" (the normal-theory interval where a cell has {LARGE_SAMPLE} events or more)" if large else ""
    return (
        f"p: two-sided {null or 'placebo'} placebo p-value of the figure before it {star}: is it these dates? (it holds "
        f"the real days fixed and does not see what the rule picks on noise); CI: bootstrap (BCa) interval of the "
        f"average, events resampled as if independent{normal}, '~' when approximate (fewer than 20 events)."
    )


def tests_table(result: StudyResult, *, compact: bool = False) -> TextTable | None:
    """The significance details, or None when the study ran no tests.

    ``compact``: only :data:`COMPACT_TEST_HEADERS`, and no Measure column when one
    measure is tested.
    """
    tested = result.statistics is not None and result.statistics.placebos > 0 and not result.tests.is_empty()
    if not tested:
        return None
    alpha = result.statistics.alpha if result.statistics else 0.05
    cells = _test_cells(result.tests.to_dicts(), result.measure_units, alpha)
    nulls = [n for n in result.tests["null"].unique(maintain_order=True).to_list() if n] if "null" in result.tests.columns else []
    headline = ", ".join(NULL_TITLES.get(n, n) for n in nulls) or "placebo test"
    headers = list(TEST_HEADERS)
    nested = result.statistics.baseline if result.statistics is not None else None
    where = ""
    if nested is not None:  # the tests' baseline is the days where it holds, not the summary's all days
        headers[headers.index("All days")] = "Baseline days"
        where = f"; baseline days: where {nested.when!r}"
    else:
        headers[headers.index("All days")] = baseline_label(result.universe)
    table = TextTable(
        title=f"Significance: {headline} (p), adjustments, classical companions{where}",
        headers=headers,
        rows=[c for c, _ in cells],
        tones=[t for _, t in cells],
        keys=4,
        groups=list(_TEST_GROUPS),
        left=4,
    )
    if not compact:
        return table
    single = result.tests["measure"].n_unique() == 1
    headers = COMPACT_TEST_HEADERS[1:] if single else COMPACT_TEST_HEADERS
    compact_table = table.select(headers, keys=3 if single else 4)
    compact_table.title = f"Significance (all columns: report.md, report.html, tests.csv){where}"
    return compact_table


def pending_lookup(result: StudyResult) -> dict[tuple[object, object, str], str]:
    """(date, symbol, outcome column) -> what an incomplete cell reads (symbol None for a
    study of named series): 'pending (N d)' with the trading days still to come, or
    'data ended' where the symbol's data end within the horizon (never complete)."""
    pending = result.pending
    if pending.is_empty():
        return {}
    by_symbol = "symbol" in pending.columns
    ended = "ended" in pending.columns
    return {
        (r["date"], r["symbol"] if by_symbol else None, r["column"]): ENDED if ended and r["ended"] else f"{PENDING} ({r['days_remaining']}d)"
        for r in pending.iter_rows(named=True)
    }


def _ended_counts(result: StudyResult) -> dict[tuple[object, object, object], int]:
    """Per cell (``measure, asset, horizon``), the incomplete events that never complete
    (as ``result.pending`` flags them)."""
    pending = result.pending
    if pending.is_empty() or "ended" not in pending.columns:
        return {}
    return {(m, a, h): int(n) for m, a, h, n in pending.filter("ended").group_by("measure", "asset", "horizon").len().iter_rows()}


def instance_cells(result: StudyResult) -> list[list[str]]:
    """The instance table's cells (every event); a pending outcome reads 'pending (N d)',
    one whose symbol's data ended within its horizon 'data ended', one without a value for
    want of history or data 'n/a'."""
    return _instance_rows(result.events, result.column_units, pending_lookup(result), result.measures.order)


def _instance_rows(
    events: pl.DataFrame, units: dict[str, str], waiting: dict[tuple[object, object, str], str], measures: Collection[str] = ()
) -> list[list[str]]:
    # every outcome's column, whatever its unit (a hit's share, a recovery's count of days), not only the returns'
    outcome = {c for c in events.columns if units.get(c) in ("fraction", "car") or any(p in measures for p in _column_parts(c, measures)[1:2])}
    rows = []
    for row in events.iter_rows(named=True):
        cells = []
        for column in events.columns:
            value = row[column]
            key = (row["date"], row.get("symbol"), column)
            if value is None and key in waiting:
                cells.append(waiting[key])
            elif value is None and column in outcome:
                cells.append("n/a")  # nothing to come: not enough history or data, or no recovery within max_days
            else:
                cells.append(format_cell(value, units.get(column, "")))
        rows.append(cells)
    return rows


def instance_table(result: StudyResult, limit: RowLimit | None = None) -> TextTable:
    """The instance table: date, the values that day and every outcome; parts by asset.

    With ``limit``, a table longer than ``limit.limit`` keeps only its first and last
    ``limit.shown`` rows (the others are counted in ``omitted``, not formatted).
    """
    events = result.events
    units = result.column_units
    head, omitted = limit.fold(events.height) if limit else (events.height, 0)
    shown = events if not omitted else events.head(head).vstack(events.tail(head))
    rows = _instance_rows(shown, units, pending_lookup(result), result.measures.order)
    signed = [units.get(c) in ("fraction", "car") for c in events.columns]
    tones = [[tone_of(cell) if s else "" for cell, s in zip(row, signed)] for row in rows]
    keys = 2 if events.columns[1:2] == ["symbol"] else 1  # a universe's events are (date, symbol)
    measures = result.measures.order
    headers = [column_title(c, measures) if c != "symbol" else "Symbol" for c in events.columns]
    parts, short = [], headers[:keys]
    for column in events.columns[keys:]:
        part, title = _short_title(column, measures)
        parts.append(part)
        short.append(title)
    return TextTable(
        title=f"Instances ({events.height:,})",
        headers=headers,
        rows=rows,
        tones=tones,
        keys=keys,
        groups=list(range(len(events.columns) - keys)),
        left=keys,
        short_headers=short,
        parts=parts,
        omitted=omitted,
        fold_at=head if omitted else 0,
        noun="events",
    )


def folded(table: TextTable, limit: RowLimit) -> TextTable:
    """``table`` shortened by ``limit`` (its first and last rows); unchanged when short enough."""
    head, omitted = limit.fold(len(table.rows))
    if not omitted:
        return table
    rows = table.rows[:head] + table.rows[-head:]
    tones = table.tones[:head] + table.tones[-head:]
    return TextTable(table.title, table.headers, rows, tones, table.keys, table.groups, table.left,
                     table.short_headers, table.parts, omitted=omitted, fold_at=head, noun=table.noun)


def omission_line(table: TextTable, where: str) -> str:
    """The line drawn in the gap of a shortened table: '… 30,229 more events (see events.csv)'."""
    return f"… {table.omitted:,} more {table.noun}{where}"


def shown_line(table: TextTable, file: str, *, written: bool = True) -> str:
    """What a shortened table shows and where the rest is: 'Showing the first 50 and last
    50 of 30,329 events; all are in events.csv.' (``written`` False: the CSV file is not
    written yet, and the line says how to get it)."""
    first, last = table.halves()
    where = f"all are in {file}" if written else f"`eventstudy run --output DIR` writes them all to {file}"
    return f"Showing the first {len(first):,} and last {len(last):,} of {table.total:,} {table.noun}; {where}."


BREAKDOWN_TOP = 20
"""A universe's by-symbol breakdown shows its largest groups (all are in by_symbol.csv)."""


def breakdown_table(
    name: str, frame: pl.DataFrame, units: Mapping[str, str] | None = None, top: int = BREAKDOWN_TOP, *, written: bool = True
) -> TextTable | None:
    """A universe study's figures by year (every year) or by symbol (the ``top`` largest
    groups), each measure's in its unit (``units``: the result's ``measure_units``; a
    return by default); None when there is nothing to show. ``written`` False: the CSV
    file is not written (a report printed without ``--output``), and the title says how
    to get it."""
    if frame.is_empty():
        return None
    key = "year" if name == "by_year" else "symbol"
    height = frame.height
    shown = frame if key == "year" else frame.sort("n", descending=True).head(top)
    rows = [
        [str(r["measure"]), str(r["asset"]), str(r["horizon"]), str(r[key]), n_with_incomplete(r),
         format_statistic(r["mean"], unit), format_statistic(r["median"], unit), format_cell(r["pct_positive"], "share")]
        for r in shown.iter_rows(named=True)
        for unit in [(units or {}).get(str(r["measure"]), "fraction")]
    ]
    where = f"all in {name}.csv" if written else f"`eventstudy run --output DIR` writes them all to {name}.csv"
    title = "By year" if key == "year" else f"By symbol (the {min(top, height)} largest of {height} groups; {where})"
    headers = ["Measure", "Asset", "Horizon", key.capitalize(), "n", "Average", "Median", "% > 0"]
    tones = [["", "", "", "", "", tone_of(r[5]), tone_of(r[6]), ""] for r in rows]
    return TextTable(title=title, headers=headers, rows=rows, tones=tones, keys=4, left=4)


def n_with_incomplete(row: Mapping[str, Any]) -> str:
    """A row's ``n`` with its ``n_incomplete``, the events whose horizon runs past the data
    (or into a sweep's held-out period): '33 (+2 incomplete)', or '33' without any."""
    incomplete = row.get("n_incomplete") or 0
    return f"{row['n']}" + (f" (+{incomplete} incomplete)" if incomplete else "")


def split_notes(notes: list[str]) -> tuple[list[str], list[str]]:
    """(warnings without their 'warning:' prefix, the other notes)."""
    warnings = [n[len(WARNING):].strip() for n in notes if n.startswith(WARNING)]
    return warnings, [n for n in notes if not n.startswith(WARNING)]


def held_days(result: StudyResult) -> str:
    """The raw events of ``result`` counted, in words: '759 symbol-days the condition held'
    (a universe's are symbol-days), '1 day the condition held'; with ``trigger: edge``,
    '44 days the condition turned true' (it held on more)."""
    n = result.raw_events.height
    return f"{n:,} {'symbol-day' if result.universe else 'day'}{'' if n == 1 else 's'} {result.study.condition_days(past=True)}"


def study_lines(result: StudyResult) -> list[tuple[str, str]]:
    """(label, text) pairs describing the study as run: condition, window, clusters."""
    study = result.study
    window = f"{result.start or 'start of data'} .. {result.end or 'end of data'}"
    lines = [("Condition", result.condition), ("Window", window)]
    if study.decluster is not None:
        lines.append(("Declustering", f"gap {study.decluster.gap.label} ({study.decluster.gap.describe()}), {study.decluster.mode}"))
    raw = result.raw_events
    lines.append(("Events", f"{int(raw['kept'].sum()):,} kept of {held_days(result)}"))
    if not result.timeline.is_empty():
        # no directory: the download cache, whose files are the sources, or frames given as data=, which have none
        where = result.data_dir if result.data_dir is not None else "download cache" if result.sources else "frames in memory (data=)"
        first, last = cast("dt.date", result.timeline["date"].min()), cast("dt.date", result.timeline["date"].max())
        lines.append(("Data", f"{where} ({first} .. {last})"))
    return lines

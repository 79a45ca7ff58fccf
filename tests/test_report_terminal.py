"""Terminal tables: they fit 80 columns, fold long and wide tables, colour only when asked."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from report_helpers import MANY, tiny_result

from eventstudy.report.terminal import (
    FOLD_ROWS,
    SHOWN_ROWS,
    fold_table,
    render_terminal,
    table_width,
)
from eventstudy.report.text import (
    TextTable,
    format_cell,
    instance_table,
    split_notes,
    summary_tables,
)

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


def test_plain_when_piped_colour_when_asked(result) -> None:
    plain = render(result, width=80)
    assert not ANSI.search(plain)
    coloured = render(result, width=80, color=True)
    assert "\x1b[32m+" in coloured  # positive returns green
    assert "\x1b[31m-" in coloured  # negative returns red
    assert "\x1b[33m" in coloured  # warnings yellow
    assert ANSI.sub("", coloured) == plain  # the same text either way


def test_warnings_come_first_and_notes_last(result) -> None:
    out = render(result, width=120)
    warnings, notes = split_notes(result.notes)
    assert warnings and notes
    first_warning = out.index("warning: " + warnings[0][:30])
    assert first_warning < out.index("Instances (")
    assert out.index("note: ") > out.index("Summary")


def test_significance_marks(result) -> None:
    out = render(result, width=80)
    assert "Significance (all columns" in out
    assert re.search(r"\d\.\d{3}\*", out)  # a p-value that survives the max-statistic adjustment


def test_long_instance_tables_are_folded_with_a_count(tmp_path: Path) -> None:
    many = tiny_result(tmp_path, MANY, days=120)
    assert many.events.height > FOLD_ROWS
    out = render(many, width=80, events_file="out/events.csv")
    left_out = many.events.height - 2 * SHOWN_ROWS
    assert f"… {left_out} more events (see out/events.csv)" in out
    first, last = str(many.events["date"][0]), str(many.events["date"][-1])
    middle = str(many.events["date"][SHOWN_ROWS + 1])
    assert first in out and last in out and middle not in out
    # the rows on both sides of the fold stay aligned: the same column widths
    rows = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert len({len(line) for line in rows}) == 1


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

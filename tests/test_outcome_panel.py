"""Long outcomes -> a timeline's cell grids (``study.outcome_panel``) and the calendar
lookup (``panel.calendar_index``), against plain loops on random data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.panel import calendar_index
from eventstudy.study import outcome_panel

EPOCH = dt.date(1970, 1, 1)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_calendar_index_is_a_search_of_the_calendar(data: st.DataObject) -> None:
    days = np.array(sorted(data.draw(st.sets(st.integers(0, 400), max_size=60))), dtype=np.int32)
    asked = data.draw(st.lists(st.integers(-20, 420), max_size=80))
    found = calendar_index(pl.Series(asked, dtype=pl.Int32).cast(pl.Date), days)
    expected = [int(np.flatnonzero(days == a)[0]) if a in set(days.tolist()) else -1 for a in asked]
    assert found.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_outcome_panel_against_a_loop(data: st.DataObject) -> None:
    n_days = data.draw(st.integers(1, 30))
    calendar = np.array(sorted(data.draw(st.sets(st.integers(0, 60), min_size=n_days, max_size=n_days))), dtype=np.int32)
    keys = [("fwd", "SPX", "1w", 5), ("fwd", "RUT", "1w", 5), ("path", "SPX", "+1d", 1), ("fwd", "SPX", "1m", 21)]
    chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))
    rows = []
    for measure, asset, horizon, days in chosen:  # each cell's rows together, as evaluators give them
        for day in data.draw(st.lists(st.integers(-5, 65), min_size=1, max_size=12, unique=True)):  # some off the calendar
            value = data.draw(st.one_of(st.none(), st.floats(-1, 1)))
            rows.append({
                "date": EPOCH + dt.timedelta(days=day), "asset": asset, "horizon": horizon, "horizon_days": days,
                "value": value, "measure": measure, "days_remaining": data.draw(st.sampled_from([None, 2])) if value is None else None,
                "symbol": data.draw(st.sampled_from([asset, f"{asset}.alt"])),  # a cell's symbol is its first row's
            })
    if data.draw(st.booleans()):  # cells not contiguous: numbered by a join
        rows = data.draw(st.permutations(rows))
    outcomes = pl.DataFrame(rows, schema={
        "date": pl.Date, "asset": pl.String, "horizon": pl.String, "horizon_days": pl.Int64, "value": pl.Float64,
        "measure": pl.String, "days_remaining": pl.Int64, "symbol": pl.String,
    })
    dates = pl.Series("date", calendar).cast(pl.Date)
    cells, values, pending = outcome_panel(outcomes, dates)

    order = list(dict.fromkeys((r["measure"], r["asset"], r["horizon"], r["horizon_days"]) for r in rows))
    assert cells.select("measure", "asset", "horizon", "horizon_days").rows() == order
    first_symbol = {}
    for r in rows:
        first_symbol.setdefault((r["measure"], r["asset"], r["horizon"], r["horizon_days"]), r["symbol"])
    assert cells["symbol"].to_list() == [first_symbol[key] for key in order]
    position = {int(d): i for i, d in enumerate(calendar)}
    for c, key in enumerate(order):
        grid = np.full(calendar.size, np.nan)
        waiting: dict[int, int] = {}
        for r in rows:
            day = position.get((r["date"] - EPOCH).days)
            if (r["measure"], r["asset"], r["horizon"], r["horizon_days"]) != key or day is None:
                continue
            grid[day] = np.nan if r["value"] is None else r["value"]
            if r["days_remaining"]:
                waiting[day] = r["days_remaining"]
        np.testing.assert_array_equal(values[c][0], grid)
        assert pending[c][0].tolist() == sorted(waiting) and pending[c][1].tolist() == [waiting[d] for d in sorted(waiting)]

"""Golden test: the flagship SPX/RUT study on the real data, against an independent computation.

The reference below reads the CSVs with the csv module and walks the days in plain Python,
straight from DESIGN.md: SPX at ATH = close >= max of all earlier closes; RUT drawdown =
1 - close / running max; events on the common dates; declustering by walking the events;
forward returns on each asset's own trading days.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import eventstudy
from eventstudy.config import load_study, parse_study

pytestmark = pytest.mark.shared_data

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "spx_rut.yaml"
HORIZONS = {"1w": 5, "1m": 21, "3m": 63, "6m": 126, "1y": 252}

# The note's 18 instances (1980-2024) as this data and `gap: 21cd, mode: after_kept` give them.
GOLDEN_DATES_1980_2024 = [
    "1985-01-21", "1991-02-13", "1998-11-23", "1998-12-21", "1999-01-29", "1999-03-08",
    "1999-04-05", "1999-04-26", "2019-06-20", "2019-07-11", "2020-08-21", "2024-01-19",
    "2024-02-09", "2024-03-01", "2024-03-27", "2024-05-15", "2024-06-05", "2024-07-02",
]


def _read(path: Path) -> tuple[list[dt.date], list[float]]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [dt.date.fromisoformat(r["date"]) for r in rows], [float(r["close"]) for r in rows]


def reference_events(data: Path, start: dt.date, end: dt.date, gap: str, mode: str) -> list[dt.date]:
    spx_dates, spx = _read(data / "SPX.csv")
    rut_dates, rut = _read(data / "RUT.csv")
    spx_at_ath, rut_drawdown = {}, {}
    best = None
    for d, c in zip(spx_dates, spx):
        spx_at_ath[d] = best is not None and c >= best
        best = c if best is None else max(best, c)
    best = None
    for d, c in zip(rut_dates, rut):
        best = c if best is None else max(best, c)
        rut_drawdown[d] = 1 - c / best
    common = sorted(set(spx_dates) & set(rut_dates))
    raw = [(i, d) for i, d in enumerate(common) if start <= d <= end and spx_at_ath[d] and rut_drawdown[d] >= 0.10]
    kept: list[tuple[int, dt.date]] = []
    previous: tuple[int, dt.date] | None = None
    for i, d in raw:
        anchor = (kept[-1] if kept else None) if mode == "after_kept" else previous
        if anchor is None:
            ok = True
        elif gap.endswith("cd"):
            ok = d >= anchor[1] + dt.timedelta(days=int(gap[:-2]))
        else:
            ok = i - anchor[0] >= int(gap)
        if ok:
            kept.append((i, d))
        previous = (i, d)
    return [d for _, d in kept]


def reference_forward_return(dates: list[dt.date], closes: list[float], day: dt.date, h: int) -> float | None:
    i = dates.index(day)
    return closes[i + h] / closes[i] - 1 if i + h < len(closes) else None


@pytest.fixture(scope="module")
def note_result(shared_data: Path) -> eventstudy.StudyResult:
    return eventstudy.run(CONFIG, data_dir=shared_data, end=dt.date(2024, 12, 31))


def test_the_note_has_18_instances_matching_the_reference(note_result, shared_data: Path) -> None:
    expected = reference_events(shared_data, dt.date(1980, 1, 1), dt.date(2024, 12, 31), "21cd", "after_kept")
    assert len(expected) == 18
    assert note_result.events["date"].to_list() == expected
    assert [d.isoformat() for d in expected] == GOLDEN_DATES_1980_2024


def test_forward_returns_match_the_reference(note_result, shared_data: Path) -> None:
    series = {name: _read(shared_data / f"{name}.csv") for name in ("SPX", "RUT")}
    checked = 0
    for row in note_result.events.iter_rows(named=True):
        for asset, (dates, closes) in series.items():
            for label, h in HORIZONS.items():
                expected = reference_forward_return(dates, closes, row["date"], h)
                got = row[f"{asset}.fwd.{label}"]
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (row["date"], asset, label)
                checked += 1
    assert checked == 18 * 2 * len(HORIZONS)


def test_instance_table_shows_closes_and_rut_drawdown(note_result, shared_data: Path) -> None:
    dates, closes = _read(shared_data / "RUT.csv")
    first = note_result.events.row(0, named=True)
    i = dates.index(first["date"])
    assert first["RUT.close"] == closes[i]
    assert first["RUT.drawdown"] == pytest.approx(1 - closes[i] / max(closes[: i + 1]), rel=1e-12)
    assert first["RUT.drawdown"] >= 0.10
    assert list(note_result.events.columns[:4]) == ["date", "SPX.close", "RUT.close", "RUT.drawdown"]


@pytest.mark.parametrize(
    ("gap", "mode", "count"),
    [("21", "after_kept", 14), ("21", "after_any", 8), ("21cd", "after_any", 10), ("63", "after_kept", 8)],
)
def test_other_cluster_rules_give_the_stated_counts(shared_data: Path, gap: str, mode: str, count: int) -> None:
    text = CONFIG.read_text().replace("decluster: {gap: 21cd, mode: after_kept}", f"decluster: {{gap: '{gap}', mode: {mode}}}")
    study = parse_study(text, path=CONFIG)
    result = eventstudy.run(study, data_dir=shared_data, end=dt.date(2024, 12, 31))
    expected = reference_events(shared_data, dt.date(1980, 1, 1), dt.date(2024, 12, 31), gap, mode)
    assert len(expected) == count
    assert result.events["date"].to_list() == expected


def test_open_window_shows_the_june_2025_instance(shared_data: Path) -> None:
    result = eventstudy.run(load_study(CONFIG), data_dir=shared_data)
    dates = result.events["date"].to_list()
    assert len(dates) == 19
    assert dates[-1] == dt.date(2025, 6, 27)  # "one new instance in late June 2025"
    # Its 1y return ends in June 2026, inside the data: complete, and equal to the reference.
    spx_dates, spx = _read(shared_data / "SPX.csv")
    expected = reference_forward_return(spx_dates, spx, dates[-1], 252)
    assert result.events.row(-1, named=True)["SPX.fwd.1y"] == pytest.approx(expected, rel=1e-12)


def test_events_near_the_end_of_the_data_are_pending_not_zero(shared_data: Path) -> None:
    # SPX at a 20-day high happens often; the last ones have not lived a year yet.
    text = CONFIG.read_text().replace("when: SPX at ATH and RUT drawdown >= 10%", "when: SPX at 20-day high")
    result = eventstudy.run(parse_study(text, path=CONFIG), data_dir=shared_data, start=dt.date(2025, 1, 1))
    last = result.events.row(-1, named=True)
    assert last["SPX.fwd.1y"] is None
    summary = result.summary.filter(asset="SPX", horizon="1y").row(0, named=True)
    assert summary["n_incomplete"] >= 1
    assert summary["n"] + summary["n_incomplete"] == result.events.height
    assert result.outcomes.filter(pl.col("value").is_null()).height >= summary["n_incomplete"]


def test_baseline_covers_every_day_of_the_window(note_result, shared_data: Path) -> None:
    dates, closes = _read(shared_data / "SPX.csv")
    in_window = [i for i, d in enumerate(dates) if dt.date(1980, 1, 1) <= d <= dt.date(2024, 12, 31)]
    values = [closes[i + 21] / closes[i] - 1 for i in in_window if i + 21 < len(closes)]
    row = note_result.summary.filter(asset="SPX", horizon="1m").row(0, named=True)
    assert row["baseline_n"] == len(values)
    assert row["baseline_mean"] == pytest.approx(sum(values) / len(values), rel=1e-9)
    assert row["baseline_pct_positive"] == pytest.approx(sum(v > 0 for v in values) / len(values), rel=1e-12)


def test_yahoo_length_rut_history_loses_the_1985_instance(shared_data: Path, tmp_path: Path) -> None:
    """README claim: with RUT from 1987-09-10 (Yahoo's ^RUT start) 17 of the 18 remain."""
    import shutil

    shutil.copy(shared_data / "SPX.csv", tmp_path / "SPX.csv")
    lines = (shared_data / "RUT.csv").read_text().splitlines()
    kept = [lines[0]] + [ln for ln in lines[1:] if ln[:10] >= "1987-09-10"]
    (tmp_path / "RUT.csv").write_text("\n".join(kept) + "\n")
    result = eventstudy.run(CONFIG, data_dir=tmp_path, end=dt.date(2024, 12, 31), placebos=0)
    dates = [d.isoformat() for d in result.events["date"].to_list()]
    assert dates == GOLDEN_DATES_1980_2024[1:]

"""The event-study stage: from a prepared panel and its kept events to the tables of a
classical event study (``event_study:`` in a study file).

One job: build the inputs :func:`~eventstudy.inference.abnormal.abnormal_returns` takes,
on one calendar, and turn its output and the tests' into polars frames.

* **returns** ``(T, N)``: daily simple returns ``close[t] / close[t-1] - 1`` on the
  panel's calendar; for a universe each stock's closes (NaN where it has no row, so the
  day after a gap has no return rather than a multi-day one), for a study of named series
  the ``assets`` series' closes on the timeline;
* **market** ``(T,)``: the market series' returns on the same calendar; **factors**
  ``(T, K)`` and **riskfree** ``(T,)``: a factors file of the data directory joined on
  date (a calendar day without a factor row has no factor returns, so it is not an
  estimation day), or the returns of listed series;
* **events** ``(firm, day)``: a universe's kept ``(symbol, date)`` pairs, or each kept date
  for each asset. An event on a day its stock has no price is listed as excluded with
  that reason; nothing is dropped silently.

The tables (:class:`EventStudyResult`): the CAAR path with a t band, each test on
each CAR window, one row of CARs and the BHAR per event, and the excluded events.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from eventstudy.config import EventStudySpec, StatisticsSpec, Study
from eventstudy.data.french import read_factors
from eventstudy.errors import DataError
from eventstudy.estimation import fewest_estimation_days, model_parameters
from eventstudy.files import file_stamp
from eventstudy.inference.abnormal import (
    AbnormalReturns,
    EstimationWindow,
    FloatArray,
    IntArray,
    abnormal_returns,
)
from eventstudy.inference.distributions import t_ppf
from eventstudy.inference.event_tests import MIN_COMMON_DAYS, EventTest, event_tests

if TYPE_CHECKING:
    from eventstudy.panel import Panel
    from eventstudy.result import StudyResult

__all__ = [
    "CAAR_SCHEMA",
    "EXCLUDED_SCHEMA",
    "NOT_TRADED",
    "TESTS_SCHEMA",
    "EventStudyResult",
    "event_study",
    "study_event_study",
    "window_label",
    "with_event_study",
]


NOT_TRADED = "no price on the event day"
"""Why an event whose day 0 is not a trading day of its stock is excluded."""

CAAR_SCHEMA = {"offset": pl.Int64, "aar": pl.Float64, "caar": pl.Float64, "band_low": pl.Float64, "band_high": pl.Float64, "n": pl.Int64}
TESTS_SCHEMA = {
    "test": pl.String, "window": pl.String, "start": pl.Int64, "end": pl.Int64,
    "statistic": pl.Float64, "pvalue": pl.Float64, "n": pl.Int64, "detail": pl.String,
}
EXCLUDED_SCHEMA = {"symbol": pl.String, "date": pl.Date, "reason": pl.String, "estimation_days": pl.Int64}

def window_label(start: int, end: int) -> str:
    """``[-1,+1]``, ``[0,0]``, ``[-10,-2]``: a window as tables and CSV columns name it.

    >>> window_label(-1, 1), window_label(0, 0), window_label(0, 20)
    ('[-1,+1]', '[0,0]', '[0,+20]')
    """
    def day(d: int) -> str:
        return f"{d:+d}" if d else "0"

    return f"[{day(start)},{day(end)}]"


@dataclass(frozen=True)
class EventStudyResult:
    """The tables of a classical event study (every one a polars DataFrame).

    Attributes
    ----------
    caar
        Per day of the event window: ``offset, aar, caar, band_low, band_high, n``;
        ``caar`` is the mean of the events' CARs from the window's first day through
        ``offset`` over the ``n`` events with every return so far (the sum of the AARs
        when no return is missing; ``aar`` averages each day's present returns), and the
        band is ``caar`` plus or minus the Student t quantile (``n - 1`` degrees of
        freedom, as the cross-sectional t-test) times their cross-sectional standard error.
    tests
        Per test and CAR window: ``test, window, start, end, statistic, pvalue, n,
        detail`` (two-sided p-values; ``detail``: Kolari-Pynnönen's average residual
        correlation, the sign test's positive count and expected share).
    cars
        One row per included event: ``symbol, date``, one ``CAR[a,b]`` column per CAR
        window and ``BHAR[start,end]`` over the whole event window (null when a day's
        return is missing).
    excluded
        Events left out: ``symbol, date, reason, estimation_days``.
    model, window, estimation, min_days, market, factors
        What was run; ``min_days`` the fewest valid estimation days an event needed (the
        window's own minimum, or the model's when that is more:
        :func:`~eventstudy.estimation.fewest_estimation_days`).
    notes
        Plain statements for the report.
    """

    caar: pl.DataFrame
    tests: pl.DataFrame
    cars: pl.DataFrame
    excluded: pl.DataFrame
    model: str
    window: tuple[int, int]
    estimation: tuple[int, int]
    min_days: int
    market: str | None = None
    factors: str | None = None
    level: float = 0.95
    notes: list[str] = field(default_factory=list)
    factors_file: dict[str, object] | None = None
    """A named factor set's file: its ``path`` and its stamp when it was read (:func:`~eventstudy.files.file_stamp`)."""

    @property
    def n_events(self) -> int:
        """Events included (with CARs)."""
        return self.cars.height


def simple_returns(closes: FloatArray) -> FloatArray:
    """``(T, N)`` returns ``close[t] / close[t-1] - 1`` of ``(T, N)`` closes (NaN on the first
    day and where either close is missing or not positive)."""
    out = np.full(closes.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = closes[1:] / closes[:-1] - 1.0
    ok = (closes[1:] > 0) & (closes[:-1] > 0)
    out[1:] = np.where(ok, ratio, np.nan)
    return out


def event_study(
    returns: npt.ArrayLike,
    dates: pl.Series,
    names: list[str],
    firms: npt.ArrayLike,
    days: npt.ArrayLike,
    spec: EventStudySpec,
    *,
    market: npt.ArrayLike | None = None,
    factors: npt.ArrayLike | None = None,
    riskfree: npt.ArrayLike | None = None,
    traded: npt.ArrayLike | None = None,
    level: float = 0.95,
    factors_name: str | None = None,
) -> EventStudyResult:
    """Abnormal returns, CAAR path, tests and CARs of events ``(firms, days)`` on ``returns``.

    ``returns`` is ``(T, N)`` on the calendar ``dates`` (``T`` dates) with firm names
    ``names``; ``traded`` ``(T, N)`` bool says which firm has a price which day (default:
    every day); an event on a day its firm has none is excluded with :data:`NOT_TRADED`.
    ``market``, ``factors``, ``riskfree`` as :func:`~eventstudy.inference.abnormal.abnormal_returns`
    takes them; ``level`` is the CAAR band's coverage.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> m = rng.normal(0, 0.01, 400)
    >>> r = m[:, None] + rng.normal(0, 0.02, (400, 2))
    >>> dates = pl.date_range(pl.date(2020, 1, 1), pl.date(2021, 2, 3), eager=True)[:400]
    >>> spec = EventStudySpec(market="M", window=(-2, 2), cars=[(0, 0), (-2, 2)])
    >>> out = event_study(r, dates, ["A", "B"], [0, 1], [300, 20], spec, market=m)
    >>> out.cars.columns, out.excluded["reason"].to_list()
    (['symbol', 'date', 'CAR[0,0]', 'CAR[-2,+2]', 'BHAR[-2,+2]'], ['too few estimation days'])
    """
    panel = np.asarray(returns, dtype=np.float64)
    firm = np.asarray(firms, dtype=np.int64).ravel()
    day = np.asarray(days, dtype=np.int64).ravel()
    estimation = EstimationWindow(*spec.estimation, -1 if spec.min_estimation_days is None else spec.min_estimation_days)
    notes: list[str] = []
    names_s = pl.Series("symbol", names, dtype=pl.String)

    ok = np.ones(firm.size, dtype=bool) if traded is None else np.asarray(traded, dtype=bool)[day, firm]
    not_traded = pl.DataFrame(
        {"symbol": names_s.gather(firm[~ok]), "date": dates.gather(day[~ok]), "reason": [NOT_TRADED] * int((~ok).sum()),
         "estimation_days": np.zeros(int((~ok).sum()), dtype=np.int64)},
        schema=EXCLUDED_SCHEMA,
    )
    if not_traded.height:
        notes.append(f"{not_traded.height} event(s) fall on a day their stock has no price: excluded (listed with the reason)")
    firm, day = firm[ok], day[ok]

    ar = abnormal_returns(
        panel, firm, day, window=spec.window, estimation=estimation, model=spec.model,
        market=market, factors=factors, riskfree=riskfree,
    )
    notes += _earlier_events_note(firm, day, spec.estimation, ar.event, fitted=spec.model != "market_adjusted")
    dropped = ar.excluded
    excluded = pl.concat([
        not_traded,
        pl.DataFrame(
            {"symbol": names_s.gather(dropped.firm), "date": dates.gather(dropped.day), "reason": dropped.reason.astype(str).tolist(),
             "estimation_days": dropped.estimation_days},
            schema=EXCLUDED_SCHEMA,
        ),
    ])
    if len(dropped):
        counts = excluded.group_by("reason", maintain_order=True).len().rows()
        notes.append(
            f"event study: {len(ar)} of {firm.size + not_traded.height} events included; excluded: "
            + ", ".join(f"{n} {reason}" for reason, n in counts)
        )
    length = spec.estimation[1] - spec.estimation[0] + 1
    if "kolari_pynnonen" in spec.test_names and length < MIN_COMMON_DAYS and len(ar) > 1:
        notes.append(
            f"event study: Kolari-Pynnonen's test is BMP's here: a residual correlation needs {MIN_COMMON_DAYS} estimation days two "
            f"events share, and the estimation window {list(spec.estimation)} holds {length}, so every pair counts as uncorrelated "
            "(rbar = 0); widen 'estimation' for the adjustment"
        )
    windows = spec.car_windows
    factor_count = np.asarray(factors).shape[1] if spec.model == "factor" and factors is not None else 0
    return EventStudyResult(
        caar=_caar_frame(ar, level),
        tests=_tests_frame(event_tests(ar, windows, spec.test_names) if len(ar) else []),
        cars=_cars_frame(ar, windows, names_s, dates),
        excluded=excluded,
        model=spec.model,
        window=spec.window,
        estimation=spec.estimation,
        min_days=max(estimation.min_days, fewest_estimation_days(model_parameters(spec.model, factor_count))),
        market=spec.market,
        factors=factors_name,
        level=level,
        notes=notes,
    )


def _earlier_events_note(
    firm: IntArray, day: IntArray, estimation: tuple[int, int], included: IntArray, fitted: bool = True
) -> list[str]:
    """A note counting the ``included`` events (rows of ``firm``, ``day``) whose estimation
    window holds an earlier event of the same firm, included or not (that event's returns
    then enter the normal-return fit, or with nothing ``fitted``, the market-adjusted model,
    the variance the tests standardize by); an excluded event has no fit to speak of."""
    if firm.size < 2 or included.size == 0:
        return []
    span = int(day.max()) + 1 - int(estimation[0]) + 1
    key = firm * span + day  # one number line, firms far apart
    order = np.sort(key)
    mine = key[included]
    lo = np.searchsorted(order, mine + estimation[0], side="left")
    hi = np.searchsorted(order, mine + min(estimation[1], -1), side="right")  # before day 0: an estimation window may end on it
    flagged = int(((hi - lo) > 0).sum())
    if not flagged:
        return []
    return [
        f"{flagged} event(s) have an earlier event of the same stock inside their estimation window "
        f"[{estimation[0]}, {estimation[1]}]: its returns enter their "
        + ("normal-return fit" if fitted else "abnormal returns' variance, which the standardized tests divide by")
        + " (thin the events, or shorten the window)"
    ]


def _caar_frame(ar: AbnormalReturns, level: float) -> pl.DataFrame:
    offsets = ar.offsets
    if not len(ar):
        return pl.DataFrame({"offset": offsets}, schema={"offset": pl.Int64}).with_columns(
            *(pl.lit(None, dtype=t).alias(c) for c, t in CAAR_SCHEMA.items() if c != "offset")
        ).select(list(CAAR_SCHEMA))
    cumulative = np.cumsum(ar.abnormal, axis=1)  # NaN from a missing day on
    present = ~np.isnan(cumulative)
    n = present.sum(axis=0)
    values = np.where(present, cumulative, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=0) / n
        var = np.where(present, (cumulative - mean) ** 2, 0.0).sum(axis=0) / (n - 1)
        se = np.sqrt(var / n)
        # Student's t with n - 1 degrees of freedom, as the cross-sectional t-test beside it: with 3 events the normal
        # quantile (1.96 against 4.30) drew a band that left out zero where that test did not reject
        quantile = t_ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    caar = mean  # the events the band and the tests of [first day, offset] count, not a sum of AARs over other sets of events
    half = np.where(n > 1, quantile * se, np.nan)
    return pl.DataFrame(
        {"offset": offsets, "aar": ar.aar(), "caar": caar, "band_low": caar - half, "band_high": caar + half, "n": n.astype(np.int64)},
        schema=CAAR_SCHEMA,
    ).with_columns(pl.col("aar", "caar", "band_low", "band_high").fill_nan(None))


def _detail(test: EventTest, k: int) -> str:
    parts = []
    for key, values in test.detail.items():
        value = float(values[k])
        if np.isnan(value):
            continue
        parts.append(f"{key}={int(value)}" if value.is_integer() and key == "positive" else f"{key}={value:.4g}")
    return ", ".join(parts)


def _tests_frame(results: list[EventTest]) -> pl.DataFrame:
    rows = [
        (r.test, window_label(int(a), int(b)), int(a), int(b), float(s), float(p), int(n), _detail(r, k))
        for r in results
        for k, (a, b, s, p, n) in enumerate(zip(r.start, r.end, r.statistic, r.pvalue, r.nobs))
    ]
    return pl.DataFrame(rows, schema=TESTS_SCHEMA, orient="row").with_columns(pl.col("statistic", "pvalue").fill_nan(None))


def _cars_frame(ar: AbnormalReturns, windows: list[tuple[int, int]], names: pl.Series, dates: pl.Series) -> pl.DataFrame:
    a, b = ar.window.start, ar.window.end
    columns: dict[str, object] = {"symbol": names.gather(ar.firm), "date": dates.gather(ar.day)}
    for start, end in windows:
        columns[f"CAR{window_label(start, end)}"] = ar.car(start, end)
    columns[f"BHAR{window_label(a, b)}"] = ar.bhar(a, b)
    frame = pl.DataFrame(columns)
    values = [c for c in frame.columns if c not in ("symbol", "date")]
    return frame.with_columns(pl.col(values).cast(pl.Float64).fill_nan(None)).sort("date", "symbol", maintain_order=True)


# --- from a prepared study ----------------------------------------------------------

def read_factors_file(spec: EventStudySpec, directory: Path | None) -> tuple[pl.DataFrame, list[str], Path, dict[str, object]]:
    """The factors file a factor model with named factors (``factors: ff3``) reads from the
    data ``directory``, its factor columns, its path and its path and stamp as read (for the
    manifest); refused as the run refuses it (missing, a column short, in percent).
    ``eventstudy validate --data-dir`` asks it too."""
    if directory is None:
        raise DataError(f"factors: {spec.factors} reads {spec.factors_file!r} from the data directory, and this study has none")
    path = directory / spec.factors_file
    if not path.is_file():
        raise DataError(
            f"factors: {spec.factors} needs the factors file {str(path)!r}, which does not exist",
            hint="import Kenneth French's daily factors: eventstudy data import F-F_Research_Data_Factors_daily.CSV --french",
        )
    table = read_factors(path)
    read = {"path": str(path), **file_stamp(path)}  # the file as read: the manifest hashes it if it is still that
    wanted = list(spec.factor_columns)
    missing = [c for c in [*wanted, "rf"] if c not in table.columns]
    if missing:
        raise DataError(
            f"the factors file {str(path)!r} has no {', '.join(missing)} column(s) for factors: {spec.factors}",
            hint="import the French files that hold them (momentum: F-F_Momentum_Factor_daily.CSV) with --french",
        )
    _refuse_percent(table, wanted, path)
    return table, wanted, path, read


def _factor_inputs(
    spec: EventStudySpec, dates: pl.Series, directory: Path | None, series_returns: dict[str, FloatArray], notes: list[str]
) -> tuple[FloatArray | None, FloatArray | None, str | None, dict[str, object] | None]:
    """(factors, riskfree, name, the factors file's path and stamp as read) of a factor
    model on the calendar ``dates``."""
    if spec.model != "factor":
        return None, None, None, None
    if isinstance(spec.factors, list):
        return np.column_stack([series_returns[name] for name in spec.factors]), None, ", ".join(spec.factors), None
    table, wanted, path, read = read_factors_file(spec, directory)
    on = pl.DataFrame({"date": dates}).join(table.select("date", *wanted, "rf"), on="date", how="left", maintain_order="left")
    lacking = on.filter(pl.any_horizontal(pl.col(*wanted, "rf").is_null()))
    first, last = cast(dt.date, table["date"].min()), cast(dt.date, table["date"].max())  # polars types min() as any literal
    inside = lacking.filter(pl.col("date").is_between(first, last))
    if lacking.height:
        notes.append(
            f"the factors file has no row for {lacking.height:,} of the {dates.len():,} calendar days "
            f"({inside.height:,} of them inside its range {first.isoformat()} .. {last.isoformat()}): "
            "those days are not estimation days, and event-window days among them have no abnormal return"
        )
    return (
        on.select(wanted).to_numpy().astype(np.float64),
        on["rf"].to_numpy().astype(np.float64),
        f"{spec.factors} ({', '.join(wanted)}; rf) from {path.name}",
        read,
    )


_PERCENT_FACTOR = 0.05
"""A factor whose median absolute daily value is at least this (5% a day) is in percent."""
_PERCENT_RISKFREE = 0.005
"""A risk-free rate of 0.5% a day or more (over 200% a year) is in percent."""


def _refuse_percent(table: pl.DataFrame, factors: list[str], path: Path) -> None:
    """Refuse a factors file written in percent (French's own unit) instead of decimal returns.

    The factors' scale alone would not show (the fit's betas absorb it), but the risk-free
    rate is subtracted from each return as it is: in percent, a rate that moves between the
    estimation and the event window moves every abnormal return by 100 times its change.
    """
    medians = table.select(pl.col(*factors).abs().median())
    for column in factors:
        median = medians[column][0]
        if median is not None and median >= _PERCENT_FACTOR:
            raise DataError(
                f"the factors file {str(path)!r} holds percent, not decimal returns: the median absolute daily "
                f"{column} is {median:.3g} (a {median:.0%} move on a typical day, read as a decimal)",
                hint="write decimal returns (0.0062 for 0.62%: divide its values by 100), or import Kenneth French's "
                "files with 'eventstudy data import FILE --french', which converts them",
            )
    largest = table["rf"].abs().max()
    if isinstance(largest, float) and largest >= _PERCENT_RISKFREE:
        raise DataError(
            f"the factors file {str(path)!r} holds its risk-free rate in percent, not as a decimal return: rf reaches "
            f"{largest:.3g} a day (a {largest:.1%} daily rate, read as a decimal)",
            hint="write rf as a decimal daily return (0.0001 for 0.01%: divide it by 100), as the factors",
        )


def study_event_study(panel: Panel, study: Study, kept: pl.DataFrame, statistics: StatisticsSpec | None = None) -> EventStudyResult:
    """The event study of ``study``'s kept events (``date``, and ``symbol`` in a universe) on its prepared ``panel``."""
    spec = study.event_study
    if spec is None:
        raise ValueError("this study has no event_study block")
    level = (statistics or study.statistics).ci
    dates = panel.dates
    calendar = dates.cast(pl.Int32).to_numpy()
    frame = next((f for f in (panel.observed_closes, panel.frame) if f is not None), pl.DataFrame({"date": dates}))
    on_calendar = pl.DataFrame({"date": dates}).join(frame, on="date", how="left", maintain_order="left")

    def series_returns(name: str) -> FloatArray:
        closes = on_calendar[f"{name}.close"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return simple_returns(closes[:, None])[:, 0]

    used = {spec.market} if spec.market else set()
    if isinstance(spec.factors, list):
        used |= set(spec.factors)
    by_series = {name: series_returns(name) for name in used}
    notes: list[str] = []
    day = np.searchsorted(calendar, kept["date"].cast(pl.Int32).to_numpy()).astype(np.int64)
    if panel.kind == "universe":
        if panel.closes is None:
            raise ValueError("a universe event study needs the panel's closes (prepare it with keep_closes=True)")
        closes = panel.closes.T
        returns, traded = simple_returns(closes), ~np.isnan(closes)
        names = list(panel.symbols)
        firm = np.searchsorted(np.asarray(names), kept["symbol"].to_numpy()).astype(np.int64)  # a universe's symbols are sorted
    else:
        assets = spec.studied_series(study.series)  # neither the market nor a factor against itself, each symbol once
        returns = np.column_stack([series_returns(a) for a in assets])
        traded = ~np.column_stack([on_calendar[f"{a}.close"].is_null().to_numpy() for a in assets])  # align: ffill leaves days
        names = assets
        firm = np.tile(np.arange(len(assets), dtype=np.int64), day.size)
        day = np.repeat(day, len(assets))
    factors, riskfree, factors_name, factors_file = _factor_inputs(spec, dates, panel.directory, by_series, notes)
    market = by_series[spec.market] if spec.market else None
    out = event_study(
        returns, dates, names, firm, day, spec, market=market, factors=factors, riskfree=riskfree, traded=traded, level=level,
        factors_name=factors_name,
    )
    return replace(out, notes=notes + out.notes, factors_file=factors_file)


def with_event_study(result: StudyResult, panel: Panel, statistics: StatisticsSpec | None = None) -> StudyResult:
    """``result`` with its study's event study (if it has an ``event_study:`` block)."""
    study = result.study
    if study.event_study is None:
        return result
    started = time.perf_counter()
    kept = result.raw_events.filter("kept")
    found = study_event_study(panel, study, kept, statistics)
    assets = None if panel.kind == "universe" else study.event_study.studied_series(study.series)
    events, units = _events_with_cars(result.events, found.cars, result.column_units, assets)
    timings = {**result.timings, "event_study_s": round(time.perf_counter() - started, 4)}
    return replace(
        result, events=events, column_units=units, event_study=found, notes=[*result.notes, *found.notes], timings=timings
    )


def _events_with_cars(
    events: pl.DataFrame, cars: pl.DataFrame, units: dict[str, str], assets: list[str] | None = None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The instance table with each event's CARs and BHAR (issue 17: "the instance table of
    events with their CARs"): joined on ``(date, symbol)`` in a universe, one column per
    studied asset (``RUT.CAR[-1,+1]``; ``assets``, by default those with CARs) for named
    series. An event left out of the event study (too few estimation days, no price that
    day) keeps null CARs, shown as n/a, an asset with no event studied too."""
    values = [c for c in cars.columns if c not in ("symbol", "date")]
    if "symbol" in events.columns:
        wide = cars
        added = values
    else:
        assets = list(dict.fromkeys(cars["symbol"].to_list())) if assets is None else assets
        wide = events.select("date").unique()
        added = []
        for asset in assets:
            part = cars.filter(pl.col("symbol") == asset).select("date", *[pl.col(c).alias(f"{asset}.{c}") for c in values])
            wide = wide.join(part, on="date", how="left")
            added += [f"{asset}.{c}" for c in values]
    keys = ["date", "symbol"] if "symbol" in events.columns else ["date"]
    joined = events.join(wide.select(*keys, *added), on=keys, how="left", maintain_order="left")
    return joined, {**units, **dict.fromkeys(added, "car")}

"""Charts of a result (matplotlib): each function draws what the result carries.

* :func:`price_chart`: each series' closes (log scale) with the events marked, kept and
  dropped by declustering told apart; above :data:`MARKER_LIMIT` event days, a strip
  under the prices counts them per day, week or month instead (stacked bars);
* :func:`path_chart`: the average path in event time per asset with its normal band,
  beside the all-days (baseline) path;
* :func:`distribution_chart`: per horizon, every event's outcome (a dot) against the
  null distribution of the mean (histories or placebo), with the observed mean marked; above
  :data:`DOT_LIMIT` outcomes in a cell, their histogram instead of the dots;
* :func:`heatmap_chart`: a sweep's statistic over two grid axes.

Nothing here computes a statistic: the lines, bands, placebo draws and means come from
the result (``timeline``, ``raw_events``, ``summary``, ``outcomes``, ``placebo``,
``tests``); the only arithmetic is placement (where a dot or a label goes) and, for
many events, counting them into the bins that are drawn. A chart draws a bounded number
of elements whatever the event count (its SVG stays well under a megabyte); its axis
labels, legend and caption say what is drawn ("events per month", "histogram of the
middle 99%"). Figures are
built with the object-oriented API (no pyplot, no global state) and written as SVG
(inline in the HTML report) and PNG (for slides). Output is deterministic: the SVG ids are
salted with the chart's name and carry no date.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from eventstudy.report.text import (
    baseline_label,
    baseline_words,
    format_level,
    format_p,
    n_with_incomplete,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from eventstudy.result import StudyResult
    from eventstudy.sweep import SweepResult

__all__ = [
    "DOT_LIMIT",
    "MARKER_LIMIT",
    "Chart",
    "caar_chart",
    "distribution_chart",
    "figure_png",
    "figure_svg",
    "heatmap_chart",
    "path_chart",
    "price_chart",
    "study_charts",
    "sweep_charts",
]

KEPT = "#1f4e9c"
DROPPED = "#9aa3ad"
EVENTS = "#c0392b"
BASELINE = "#555555"
BAND = "#e8a19a"
PLACEBO = "#b8c4d6"
WIDTH = 10.0  # inches; PNGs are written at 150 dpi (1500 px wide)

MARKER_LIMIT = 500
"""The price chart marks each event day up to this many (kept and dropped together);
above, it counts them per period in a strip of bars under the prices."""

DOT_LIMIT = 500
"""The distribution chart draws each outcome of a cell as a dot up to this many; above,
the histogram of the middle 99% of them (the 0.5% at each end are beyond its bins)."""

HISTOGRAM_SHARE = 0.99
HISTOGRAM_BINS = 40

STYLE: dict[RcKeyType, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "text.parse_math": False,  # a '$' in a study's name or a symbol is a dollar, not TeX (it failed after the whole run)
}


@dataclass
class Chart:
    """A named figure: ``name`` is its file stem (``prices`` -> prices.svg, prices.png)."""

    name: str
    title: str
    figure: Figure
    caption: str = ""
    _svg: str | None = field(default=None, repr=False)

    def svg(self) -> str:
        """The figure as SVG (made once, then reused by the HTML page and the .svg file).

        The constrained layout solved for it stays: a PNG drawn after it reuses the axes'
        places instead of solving the layout again (the same picture to the eye, its pixels
        shifted by fractions of one; ``benchmarks/cli.py`` times ``run -o``)."""
        if self._svg is None:
            self._svg = figure_svg(self.figure, self.name)
            self.figure.set_layout_engine("none")
        return self._svg


def _figure(height: float, rows: int = 1, cols: int = 1, **kwargs: Any) -> tuple[Figure, list[Any]]:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, [ax for row in axes for ax in row]


def _percent(value: float, decimals: int, signed: bool = True) -> str:
    """A fraction as a signed percent ('+1.5%'), or unsigned ('65.7%': a share, as the
    tables write one); zero (or a rounding speck of it) as '0%'."""
    return f"{value * 100:{'+' if signed else ''}.{decimals}f}%" if abs(value) > 1e-12 else "0%"


def _percent_axis(ax: Any, axis: str = "y", *, signed: bool = True) -> None:
    """Ticks as signed percents with the fewest decimals (up to 4) that tell them apart:
    a span of less than 1% reads '+0.2%, +0.4%', not '+0%, +0%, +1%, +1%'. ``signed``
    False: a share's ticks, '60%' rather than '+60%' (a hit rate is not a return)."""
    from matplotlib.ticker import Formatter

    class Percent(Formatter):
        decimals = 0

        def __call__(self, x: float, pos: int | None = None) -> str:
            return _percent(x, self.decimals, signed)

        def format_ticks(self, values: Any) -> list[str]:
            distinct = set(values)
            self.decimals = next((d for d in range(5) if len({_percent(v, d, signed) for v in distinct}) == len(distinct)), 4)
            return [self(v) for v in values]

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(Percent())


def _price_axis(ax: Any) -> None:
    """Log-scale ticks as plain prices (1,000 rather than 10^3)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _styled(draw: Callable[..., Figure | None]) -> Callable[..., Figure | None]:
    """Run a chart function under the house style (rcParams apply when artists are made)."""

    def wrapper(*args: Any, **kwargs: Any) -> Figure | None:
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    wrapper.__name__ = draw.__name__
    wrapper.__doc__ = draw.__doc__
    return wrapper


def _period(first: dt.date, last: dt.date) -> tuple[str, str]:
    """(polars truncation, name) of the bins counting events over a span of dates: months
    over more than three years, weeks over more than half a year, else days."""
    days = (last - first).days
    if days > 3 * 365:
        return "1mo", "month"
    if days > 182:
        return "1w", "week"
    return "1d", "day"


def _count_strip(ax: Any, raw: pl.DataFrame, first: dt.date, last: dt.date, universe: bool, held: str) -> None:
    """Events per period as stacked bars: kept at the bottom, dropped by declustering above."""
    every, unit = _period(first, last)
    start = pl.col("date").dt.truncate(every)
    counts = (
        raw.group_by(start.alias("start"))
        .agg(pl.col("kept").sum().alias("kept"), (~pl.col("kept")).sum().alias("dropped"))
        .sort("start")
        .with_columns((pl.col("start").dt.offset_by(every) - pl.col("start")).alias("width"))
    )
    x, width = counts["start"].to_list(), counts["width"].to_list()
    kept, dropped = counts["kept"].to_list(), counts["dropped"].to_list()
    n_kept, n_dropped = int(sum(kept)), int(sum(dropped))
    what = "symbol-days" if universe else "days"
    ax.bar(x, kept, width=width, align="edge", color=KEPT, linewidth=0, label=f"kept events ({n_kept:,})")
    if n_dropped:
        ax.bar(x, dropped, width=width, bottom=kept, align="edge", color=DROPPED, linewidth=0,
               label=f"dropped by declustering ({n_dropped:,} {what})")
    ax.set_ylabel(f"events per {unit}")
    ax.set_title(f"Events per {unit} ({n_kept + n_dropped:,} {what} {held}: too many to mark one by one)")


@_styled
def price_chart(result: StudyResult) -> Figure | None:
    """Each series' closes on a log scale, kept events as triangles and events dropped
    by declustering as grey dots; the study window is the unshaded part. Above
    :data:`MARKER_LIMIT` event days, the events are counted per period in a strip of
    stacked bars under the prices (kept, and dropped by declustering) instead."""
    series = [s for s in result.study.series if f"{s}.close" in result.timeline.columns]
    if not series or result.timeline.is_empty():
        return None
    many = result.raw_events.height > MARKER_LIMIT
    ratios = [2.6] * len(series) + ([1.5] if many else [])
    fig, axes = _figure(sum(ratios), rows=len(ratios), sharex=True, height_ratios=ratios)
    events = result.raw_events.join(result.timeline, on="date", how="left")
    kept, dropped = events.filter(pl.col("kept")), events.filter(~pl.col("kept"))
    universe = "symbol" in result.raw_events.columns  # events of many symbols, marked on the market's line

    def on_days(frame: pl.DataFrame) -> str:
        return f" on {frame['date'].n_unique()} days" if universe else ""

    dates = result.timeline["date"]
    first, last = cast(dt.date, dates.min()), cast(dt.date, dates.max())  # polars types min() and max() as any literal
    for ax, name in zip(axes, series):
        column = f"{name}.close"
        line = result.timeline.select("date", column).drop_nulls()
        ax.plot(line["date"].to_list(), line[column].to_list(), color="#333333", linewidth=0.7, label=f"{name} close")
        ax.set_yscale("log")
        _price_axis(ax)
        if dropped.height and not many:
            ax.scatter(dropped["date"].to_list(), dropped[column].to_list(), s=10, color=DROPPED, zorder=3,
                       label=f"dropped by declustering ({dropped.height}{on_days(dropped)})")
        if kept.height and not many:
            ax.scatter(kept["date"].to_list(), kept[column].to_list(), s=34, marker="^", color=KEPT, edgecolor="white",
                       linewidth=0.5, zorder=4, label=f"event ({kept.height}{on_days(kept)})")
        ax.set_title(f"{name} close (log scale)")
    if many:
        _count_strip(axes[-1], result.raw_events, first, last, universe, result.study.condition_days(past=True))
    for k, ax in enumerate(axes):
        if result.start is not None and result.start > first:
            ax.axvspan(first, result.start, color="#f2f2f2", zorder=0, label="outside the window")
        if result.end is not None and result.end < last:
            ax.axvspan(result.end, last, color="#f2f2f2", zorder=0)
        strip = many and k == len(axes) - 1  # its legend sits on the bars: on a white ground
        ax.legend(loc="upper left", **({"frameon": True, "framealpha": 0.9, "edgecolor": "none"} if strip else {}))
    return fig


@_styled
def path_chart(result: StudyResult) -> Figure | None:
    """The average event-time path per asset with its normal band, the all-days path
    dashed, and each event's own path faint behind (up to 60 events)."""
    path = pl.concat([result.summary, result.chart_summary], how="diagonal_relaxed").filter(pl.col("measure") == "path")
    if not (path["n"] > 0).any():  # no event (or none with a day of its path): the all-days line alone is no event's path
        return None
    assets = path["asset"].unique(maintain_order=True).to_list()
    fig, axes = _figure(3.4, cols=len(assets), sharey=True)
    per_event = pl.concat([result.outcomes, result.chart_outcomes], how="diagonal_relaxed").filter(pl.col("measure") == "path")
    band = f"{_band_level(result)}band (normal, of the mean)"
    for ax, asset in zip(axes, assets):
        rows = path.filter(pl.col("asset") == asset).sort("horizon_days")
        x = rows["horizon_days"].to_list()
        mine = per_event.filter(pl.col("asset") == asset)
        event = [c for c in ("symbol", "date") if c in mine.columns]  # in a universe, stocks share event days
        if mine.select(event).n_unique() <= 60:
            for k, (_, one) in enumerate(mine.drop_nulls("value").sort("horizon_days").group_by(event, maintain_order=True)):
                ax.plot(one["horizon_days"].to_list(), one["value"].to_list(), color=EVENTS, alpha=0.12, linewidth=0.7,
                        label=None if k else "each event")
        rows = rows.with_columns(pl.col(c).fill_null(float("nan")) for c in ("mean", "baseline_mean", "band_low", "band_high") if c in rows.columns)
        if "band_low" in rows.columns and rows["band_low"].is_not_nan().any():  # none where a day has fewer than 2 events
            ax.fill_between(x, rows["band_low"].to_list(), rows["band_high"].to_list(), color=BAND, alpha=0.45,
                            linewidth=0, label=band)
        counts = rows["n"].fill_null(0)
        fewest, most = int(counts.min() or 0), int(counts.max() or 0)  # type: ignore[arg-type]  # an integer column's are ints
        shown = f"n={most}" if fewest == most else f"n={fewest}-{most} by day"
        ax.plot(x, rows["mean"].to_list(), color=EVENTS, linewidth=2, label=f"after the events ({shown})")
        ax.plot(x, rows["baseline_mean"].to_list(), color=BASELINE, linewidth=1.4, linestyle="--", label=baseline_label(result.universe).lower())
        ax.axhline(0, color="#999999", linewidth=0.8)
        ax.axvline(0, color="#999999", linewidth=0.8, linestyle=":")
        ax.set_title(f"{asset}: average path around the events")
        ax.set_xlabel("trading days from the event")
        _percent_axis(ax)
        ax.legend(loc="upper left")
    return fig


def _band_level(result: StudyResult) -> str:
    """The level of the path's band as its legend and caption name it ('80% '): the
    study's ``ci``, which the summary's band was computed at."""
    return f"{result.statistics.ci * 100:g}% " if result.statistics is not None else ""


@_styled
def caar_chart(result: StudyResult) -> Figure | None:
    """An event study's CAAR path over the event window with its band, the AAR as bars."""
    found = result.event_study
    if found is None or found.n_events == 0:
        return None
    rows = found.caar.drop_nulls("caar")
    fig, (ax,) = _figure(3.4)
    x = rows["offset"].to_list()
    ax.bar(x, rows["aar"].fill_null(0).to_list(), color=PLACEBO, width=0.7, label="AAR (each day)")
    if rows["band_low"].null_count() < rows.height:
        ax.fill_between(x, rows["band_low"].fill_null(float("nan")).to_list(), rows["band_high"].fill_null(float("nan")).to_list(),
                        color=BAND, alpha=0.45, linewidth=0, label=f"{format_level(found.level)} band (cross-section of the CARs)")
    fewest, most = int(rows["n"].min() or 0), int(rows["n"].max() or 0)  # type: ignore[arg-type]  # an integer column's are ints
    shown = f"n={most:,}" if fewest == most else f"n={fewest:,}-{most:,} by day"  # each day's CAAR: the events with every return so far
    ax.plot(x, rows["caar"].to_list(), color=EVENTS, linewidth=2, marker="o", markersize=2.5, label=f"CAAR ({shown})")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.axvline(0, color="#999999", linewidth=0.8, linestyle=":")
    ax.set_title(f"Cumulative average abnormal return ({found.model.replace('_', '-')} model)")
    ax.set_xlabel("trading days from the event")
    _percent_axis(ax)
    ax.legend(loc="upper left")
    return fig


def _histogram(ax: Any, position: float, values: list[float], label: str | None) -> None:
    """The middle :data:`HISTOGRAM_SHARE` of ``values`` as a histogram mirrored about
    ``position`` (a violin made of bars: width proportional to the count in each bin)."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    tail = (1 - HISTOGRAM_SHARE) / 2
    low, high = np.quantile(array, [tail, 1 - tail])
    if not high > low:
        low, high = low - 1e-9, high + 1e-9
    counts, edges = np.histogram(array, bins=HISTOGRAM_BINS, range=(low, high))  # values beyond are left out
    half = 0.4 * counts / max(int(counts.max()), 1)
    y = np.repeat(edges, 2)[1:-1]
    width = np.repeat(half, 2)
    ax.fill_betweenx(y, position - width, position + width, color=KEPT, alpha=0.35, linewidth=0, zorder=2, label=label)


def _largest_cell(result: StudyResult, measure: str) -> int:
    """The most outcomes with a value in one asset x horizon cell of ``measure``."""
    values = result.outcomes.filter((pl.col("measure") == measure) & pl.col("value").is_not_null())
    if values.is_empty():
        return 0
    return int(values.group_by("asset", "horizon").len()["len"].max())  # type: ignore[arg-type]  # polars types max() as any literal; a count's is an int


@_styled
def distribution_chart(result: StudyResult, measure: str) -> Figure | None:
    """Per asset, per horizon: each event's outcome as a dot, the null distribution of
    the mean as a violin, the observed mean as a bar (with its headline p-value) and the
    all-days mean as a dashed tick. A cell of more than :data:`DOT_LIMIT` outcomes shows
    the histogram of their middle 99% instead of the dots."""
    cells = result.summary.filter(pl.col("measure") == measure)
    values = result.outcomes.filter(pl.col("measure") == measure).drop_nulls("value")
    if cells.is_empty() or values.is_empty():  # no event, or every one pending: no dot, mean or null to draw
        return None
    assets = cells["asset"].unique(maintain_order=True).to_list()
    fig, axes = _figure(3.0 * len(assets), rows=len(assets))
    placebo = result.placebo.filter((pl.col("measure") == measure) & (pl.col("statistic") == "mean")) if not result.placebo.is_empty() else None
    tests = result.tests.filter((pl.col("measure") == measure) & (pl.col("statistic") == "mean")) if not result.tests.is_empty() else None
    unit = result.measure_units.get(measure, "fraction")
    alpha = result.statistics.alpha if result.statistics else 0.05
    histograms = _largest_cell(result, measure) > DOT_LIMIT
    for ax, asset in zip(axes, assets):
        rows = cells.filter(pl.col("asset") == asset).sort("horizon_days")
        labels = rows["horizon"].to_list()
        drew_violin = False
        for i, row in enumerate(rows.iter_rows(named=True)):
            horizon = row["horizon"]
            if placebo is not None:
                null = placebo.filter((pl.col("asset") == asset) & (pl.col("horizon") == horizon))["value"].drop_nulls()
                if null.len() > 1 and null.n_unique() > 1:
                    parts = ax.violinplot([null.to_list()], positions=[i], widths=0.8, showextrema=False)
                    for body in parts["bodies"]:
                        body.set_facecolor(PLACEBO)
                        body.set_edgecolor("none")
                        body.set_alpha(0.9)
                        if histograms:  # over the events' histogram
                            body.set_zorder(2.5)
                    drew_violin = True
            dots = values.filter((pl.col("asset") == asset) & (pl.col("horizon") == horizon)).sort("date")["value"].to_list()
            if dots and len(dots) > DOT_LIMIT:
                _histogram(ax, i, dots, f"events' {measure}: histogram of the middle 99%")
            elif dots:
                spread = [i - 0.2 + 0.4 * k / max(len(dots) - 1, 1) for k in range(len(dots))] if len(dots) > 1 else [i]
                ax.scatter(spread, dots, s=12, color=KEPT, alpha=0.75, zorder=3, linewidth=0, label="each event")
            if row["mean"] is not None:
                ax.hlines(row["mean"], i - 0.32, i + 0.32, color=EVENTS, linewidth=2.4, zorder=4,
                          label="events' mean" if i == 0 else None)
            if row["baseline_mean"] is not None:
                ax.hlines(row["baseline_mean"], i - 0.32, i + 0.32, color=BASELINE, linewidth=1.2, linestyle="--",
                          zorder=4, label=f"{baseline_label(result.universe).lower()}' mean" if i == 0 else None)
            if tests is not None:
                p = tests.filter((pl.col("asset") == asset) & (pl.col("horizon") == horizon))["p_placebo"].to_list()
                if p and p[0] is not None:
                    shown = format_p(p[0], alpha=alpha)
                    ax.annotate(f"p{shown}" if shown.startswith("<") else f"p={shown}", (i, 1.0), xycoords=("data", "axes fraction"),
                                ha="center", va="bottom", fontsize=8, color="#333333")
        if drew_violin:
            ax.fill_between([], [], [], color=PLACEBO, label="null distribution of the mean")
        ax.set_xticks(range(len(labels)), labels)
        pad = 0.6 if len(labels) > 1 else 1.2
        ax.set_xlim(-pad, len(labels) - 1 + pad)
        if unit == "fraction":
            ax.axhline(0, color="#999999", linewidth=0.8)
            _percent_axis(ax)
        elif unit == "share":  # a hit rate: 65.7% in the tables, not 0.657 on the axis
            _percent_axis(ax, signed=False)
        what = f"the events' {measure} (histogram)" if histograms else f"each event's {measure}"
        versus = " vs the null distribution of the mean" if drew_violin else ""  # none kept (a universe's null) or none run
        ax.set_title(f"{asset}: {what}{versus}", pad=14)
    legend: dict[str, Any] = {}
    for ax in axes:  # each kind of mark once, in the order first drawn
        for handle, name in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(name, handle)
    if legend:  # one legend for all rows, below them: it never covers a dot
        fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=len(legend))
    return fig


@_styled
def heatmap_chart(sweep: SweepResult) -> Figure | None:
    """The sweep's statistic for the best cell's asset and horizon over its first two grid
    axes (one row for a single axis); each cell says its value and n."""
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    from eventstudy.report.sweep import (  # here: a study's charts need no sweep
        cell_words,
        heat_slice,
        shown_value,
        unit_of,
    )

    best = sweep.verdict.get("best")
    if not best or not sweep.axes:
        return None
    first = sweep.axes[0]
    second = sweep.axes[1] if len(sweep.axes) > 1 else None
    cut, at = heat_slice(sweep, best)
    lookup = {(r[first.name], r[second.name] if second else ""): r for r in cut.iter_rows(named=True)}
    columns = list(second.values) if second else [""]
    grid = np.full((len(first.values), len(columns)), np.nan)
    for i, a in enumerate(first.values):
        for j, b in enumerate(columns):
            r = lookup.get((a, b))
            if r is not None and r["observed"] is not None:
                grid[i, j] = r["observed"]
    fig, (ax,) = _figure(max(2.2, 0.55 * len(first.values) + 1.6))
    finite = grid[np.isfinite(grid)]
    baseline = best.get("baseline")
    norm = None
    if finite.size and baseline is not None and finite.min() < baseline < finite.max():
        norm = TwoSlopeNorm(vcenter=baseline, vmin=float(finite.min()), vmax=float(finite.max()))
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu_r" if norm else "Blues", norm=norm, aspect="auto")
    for i, a in enumerate(first.values):
        for j, b in enumerate(columns):
            r = lookup.get((a, b))
            if r is None or (r["observed"] is None and not r.get("n_incomplete")):
                text = "no events"
            else:  # events whose horizon runs past the data are counted, as the sweep's tables count them
                text = f"{shown_value(sweep, r) if r['observed'] is not None else 'pending'}\nn={n_with_incomplete(r)}"
            red, green, blue, _ = image.cmap(image.norm(grid[i, j])) if np.isfinite(grid[i, j]) else (1, 1, 1, 1)
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # legible text on the cell's colour
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "#111111")
    ax.set_yticks(range(len(first.values)), first.values)
    ax.set_xticks(range(len(columns)), columns)
    ax.set_ylabel(first.name)
    if second:
        ax.set_xlabel(second.name)
    ax.grid(False)
    statistic = sweep.verdict.get("statistic", "mean")
    ax.set_title(f"{cell_words(sweep, best)} {statistic} by {first.name}" + (f" and {second.name}" if second else "") + at)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    centre = "baseline days" if sweep.verdict.get("baseline") else baseline_label(sweep.universe).lower()
    bar.set_label(f"{statistic} (centre: {centre} {shown_value(sweep, best, 'baseline')})" if norm else statistic)
    unit = unit_of(sweep, best)
    if unit in ("fraction", "share"):  # a count (days to recover) keeps plain ticks
        _percent_axis(bar.ax, signed=unit == "fraction")
    return fig


def study_charts(result: StudyResult) -> list[Chart]:
    """Every chart of a study, in report order (a chart with nothing to draw is left out)."""
    from eventstudy.report.text import held_days

    charts = []
    prices = price_chart(result)
    if prices is not None:
        kept = int(result.raw_events["kept"].sum())
        if result.raw_events.height > MARKER_LIMIT:
            shown = "; bars below the prices: events per period, kept (blue) and dropped by declustering (grey)."
        else:  # the grey dots only where declustering dropped a day
            shown = "; grey dots: days dropped by declustering." if kept < result.raw_events.height else "."
        charts.append(Chart("prices", "Price history and events", prices,
                            f"{kept:,} events kept of {held_days(result)}{shown}"))
    path = path_chart(result)
    if path is not None:
        charts.append(Chart("path", "Average path in event time", path,
                            f"Cumulative return from the event day's close; band: {_band_level(result)}normal interval of the average; "
                            f"dashed: {_dashed(result)}."))
    caar = caar_chart(result)
    if caar is not None:
        charts.append(Chart("caar", "Event study: CAAR over the event window", caar,
                            "Abnormal returns summed from the window's first day, averaged over the events; band: normal "
                            "interval from the cross-section of the events' CARs; bars: the average abnormal return each day."))
    for measure in result.tested_measures:
        figure = distribution_chart(result, measure)
        if figure is not None:
            name = "distribution" if measure == "fwd" else f"distribution_{measure}"
            each = ("Blue bars: histogram of the events' outcomes (the middle 99%; the 0.5% at each end are off the "
                    f"chart), in cells of more than {DOT_LIMIT:,} events; dots: each event elsewhere"
                    if _largest_cell(result, measure) > DOT_LIMIT else "Dots: each event")
            shaded = f"; shaded: {_null_words(result)}" if _draws_null(figure) else ""
            charts.append(Chart(name, f"Distribution per horizon: {result.measure_titles.get(measure, measure)}", figure,
                                f"{each}{shaded}; bar: the events' mean; dashed: {baseline_label(result.universe).lower()}."))
    return charts


def _dashed(result: StudyResult) -> str:
    """The path chart's dashed line in its caption: the baseline, as the summary names it."""
    if not result.universe:
        return "the same average over every day of the window"
    label, averages = baseline_words(result)
    return f"{label.lower()}, {averages}"


def _draws_null(figure: Figure) -> bool:
    """Whether a distribution chart shades a null distribution (its legend names one)."""
    return any(text.get_text() == "null distribution of the mean" for legend in figure.legends for text in legend.get_texts())


def _null_words(result: StudyResult) -> str:
    """What the shaded null distribution of a distribution chart is."""
    nulls = result.tests["null"].unique().to_list() if "null" in result.tests.columns and result.tests.height else []
    if "histories" in nulls:
        return "the events' mean on resampled histories (the rule re-run on noise, set against this baseline)"
    return "the placebo distribution of the mean (random event sets of the same size under the same declustering)"


def sweep_charts(sweep: SweepResult) -> list[Chart]:
    """The sweep's heat map (when there is a best cell)."""
    heat = heatmap_chart(sweep)
    if heat is None:
        return []
    return [Chart("heatmap", "Heat map over the grid", heat, "Each cell: the statistic of the best cell's asset and horizon, and its n.")]


def figure_svg(figure: Figure, salt: str) -> str:
    """The figure as SVG text, without the XML prolog (ready to inline); deterministic."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def figure_png(figure: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (no timestamp in the metadata)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()

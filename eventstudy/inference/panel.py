"""Significance for universe studies, where events on the same date are not independent.

Events of a universe study are ``(symbol, date)`` pairs; many stocks make a 52-week high
on the same good day, so pooling them as if independent overstates the evidence. The
nulls here keep the study's cross-sectional structure:

``dates`` (the headline placebo): every event keeps its date; its symbol is redrawn at
    random among the symbols with a value that day. The events' dates, and so their market
    backdrop, are held fixed: the test asks whether *these stocks* did better than the
    other stocks on the same days.
``symbols`` (reported beside it): every event keeps its symbol; its date is redrawn among
    that symbol's days in the window. Asks whether the *timing* mattered for these stocks.
    (The declustering rule is not re-applied to these draws.)

All cells use the same uniform draws, so placebo ``b`` is the same event set in every cell
and the max-statistic adjustment across cells is valid. The classical companion is a
t-test of the mean against the baseline with standard errors clustered by date, and the
interval a cluster (by date) bootstrap of the mean.

References
----------
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
Kothari, S. P. and Warner, J. B. (2007). Econometrics of event studies. In *Handbook of
Corporate Finance*, vol. 1, 3-36 (event clustering in calendar time).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from eventstudy import progress
from eventstudy.inference.multiple import benjamini_hochberg, holm, maxstat_stepdown
from eventstudy.inference.placebo import placebo_test
from eventstudy.inference.power import NEFF_WARNING, effective_sample_size, minimum_detectable_effect
from eventstudy.inference.significance import SIGNIFICANCE_SCHEMA

__all__ = ["MAX_DRAWS", "PANEL_SCHEMA", "clustered_t", "panel_significance", "placebo_count"]

PANEL_SCHEMA = {**SIGNIFICANCE_SCHEMA, "p_symbols_null": pl.Float64(), "t_cluster": pl.Float64(), "p_cluster": pl.Float64()}
"""The significance table's columns, plus the 'symbols' null and the date-clustered t-test."""

_STATS = {
    "mean": lambda v: np.mean(v, axis=-1, dtype=np.float64),
    "median": lambda v: np.median(v, axis=-1),
    "pct_positive": lambda v: np.mean(v > 0, axis=-1),
}
"""Statistics over the last axis; the arrays they get hold no NaN (complete events only)."""


def _grouped(keys: np.ndarray, members: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flattened member lists per key: (concatenated members, offsets, counts)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return members[order], offsets, counts


def _draw(rng: np.random.Generator, reps: int, key: np.ndarray, flat: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For each event (column) and placebo (row): a uniform member of its key's list."""
    pick = rng.integers(0, counts[key].astype(np.int64)[None, :], size=(reps, key.size), dtype=np.int64)
    pick += offsets[key][None, :]
    return flat[pick]


MAX_DRAWS = 50_000_000
"""Placebo values drawn per cell and null at most (placebos x events); beyond it the number
of placebos is reduced (never below 999), and the run says so."""


def placebo_count(placebos: int, n_events: int) -> int:
    """The placebos a universe study draws: as asked, unless that exceeds :data:`MAX_DRAWS`."""
    if n_events == 0:
        return placebos
    return min(placebos, max(999, MAX_DRAWS // n_events))


def clustered_t(x: np.ndarray, clusters: np.ndarray, mu0: float) -> tuple[float, float]:
    """t and two-sided p of ``mean(x) = mu0`` with standard errors clustered by ``clusters``.

    Examples
    --------
    >>> t, p = clustered_t(np.array([0.1, 0.2, -0.1, 0.3]), np.array([0, 0, 1, 2]), 0.0)
    >>> round(t, 3), round(p, 3)
    (1.395, 0.297)
    """
    n = x.size
    _, inverse = np.unique(clusters, return_inverse=True)
    groups = inverse.max() + 1 if n else 0
    if n < 2 or groups < 2:
        return math.nan, math.nan
    resid = x - x.mean()
    sums = np.bincount(inverse, weights=resid)
    var = (sums @ sums) / n**2 * groups / (groups - 1)
    if var <= 0:
        return math.nan, math.nan
    t = (x.mean() - mu0) / math.sqrt(var)
    return float(t), float(2 * stats.t.sf(abs(t), df=groups - 1))


def _cluster_interval(x: np.ndarray, clusters: np.ndarray, level: float, reps: int, rng: np.random.Generator) -> tuple[float, float]:
    _, inverse = np.unique(clusters, return_inverse=True)
    groups = inverse.max() + 1 if x.size else 0
    if groups < 2:
        return math.nan, math.nan
    sums = np.bincount(inverse, weights=x)
    sizes = np.bincount(inverse).astype(np.float64)
    draws = rng.integers(0, groups, size=(reps, groups))
    means = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def panel_significance(data: Any, kept: pl.DataFrame, window: np.ndarray, settings: Any) -> pl.DataFrame:
    """The significance table of a universe study (see the module docstring).

    ``data`` is a :class:`~eventstudy.universe.UniverseData`, ``kept`` the kept events
    (``_s``, ``_d``: symbol and day indices), ``window`` the mask of the window's days.
    """
    rng = np.random.default_rng(settings.seed)
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    n_events = s_idx.size
    reps = placebo_count(int(settings.placebos), n_events)
    # every cell replays the same two random streams, so placebo b is the same draw everywhere
    seed_dates, seed_symbols = np.random.SeedSequence(settings.seed).spawn(2)
    cells = data.cells.with_row_index("_c").filter(pl.col("measure").is_in(data.measures["tested"]))
    rows: list[dict[str, Any]] = []
    nulls: dict[str, list[np.ndarray]] = {name: [] for name in _STATS}
    observed: dict[str, list[float]] = {name: [] for name in _STATS}
    days_in_window = np.flatnonzero(window)
    for cell in progress.track(cells.rows(named=True), "placebo draws"):
        values = data.values[cell["_c"]]
        ok_values = ~np.isnan(values)
        ok_values[:, ~window] = False
        x = values[s_idx, d_idx].astype(np.float64)
        complete = ~np.isnan(x)
        base = values[:, window][ok_values[:, window]].astype(np.float64)
        # 'dates' null: eligible symbols per event day
        sym_of, day_of = np.nonzero(ok_values)
        flat_d, off_d, cnt_d = _grouped(day_of, sym_of, values.shape[1])
        flat_s, off_s, cnt_s = _grouped(sym_of, day_of, values.shape[0])
        ev = np.flatnonzero(complete & (cnt_d[d_idx] > 0) & (cnt_s[s_idx] > 0))
        # placebo values of the complete events only: (reps, len(ev)), never NaN
        null_dates = np.empty((reps, ev.size), dtype=np.float32)
        null_symbols = np.empty((reps, ev.size), dtype=np.float32)
        if ev.size:
            chunk = max(1, 20_000_000 // ev.size)
            rng_dates, rng_symbols = np.random.default_rng(seed_dates), np.random.default_rng(seed_symbols)
            for b in range(0, reps, chunk):
                size = min(chunk, reps - b)
                drawn = _draw(rng_dates, size, d_idx[ev], flat_d, off_d, cnt_d)
                null_dates[b : b + size] = values[drawn, d_idx[ev][None, :]]
                drawn_day = _draw(rng_symbols, size, s_idx[ev], flat_s, off_s, cnt_s)
                null_symbols[b : b + size] = values[s_idx[ev][None, :], drawn_day]
        xs = x[ev]
        clusters = d_idx[ev]
        positions = np.searchsorted(days_in_window, np.unique(clusters))
        n_eff = effective_sample_size(positions, max(int(cell["horizon_days"]), 1)) if xs.size else math.nan
        t_cl, p_cl = clustered_t(xs, clusters, float(base.mean()) if base.size else math.nan)
        ci_low, ci_high = _cluster_interval(xs, clusters, settings.ci, min(reps, 5000), rng)
        for name, stat in _STATS.items():
            obs = float(stat(xs)) if xs.size else math.nan
            null_d = stat(null_dates) if ev.size else np.full(reps, np.nan)
            # the 'symbols' null is reported for the mean and % positive (a median per draw costs most)
            null_s = stat(null_symbols) if ev.size and name != "median" else np.full(reps, np.nan)
            test_d = placebo_test(np.array([obs]), null_d[None, :].astype(np.float64))
            test_s = placebo_test(np.array([obs]), null_s[None, :].astype(np.float64))
            observed[name].append(obs)
            nulls[name].append(null_d.astype(np.float64))
            baseline = float(_STATS[name](base)) if base.size else math.nan
            sd = float(base.std(ddof=1)) if base.size > 1 else math.nan
            scale = math.sqrt(baseline * (1 - baseline)) if name == "pct_positive" else sd
            rows.append(
                {
                    **{k: cell[k] for k in ("measure", "asset", "horizon", "horizon_days")},
                    "statistic": name,
                    "observed": obs,
                    "baseline": baseline,
                    "difference": obs - baseline,
                    "n": int(xs.size),
                    "n_eff": n_eff,
                    "p_placebo": float(test_d.p_two_sided[0]),
                    "p_greater": float(test_d.p_greater[0]),
                    "p_less": float(test_d.p_less[0]),
                    "percentile": float(test_d.percentile[0]),
                    "ci_low": ci_low if name == "mean" else math.nan,
                    "ci_high": ci_high if name == "mean" else math.nan,
                    "ci_approximate": bool(np.unique(clusters).size < 20) if name == "mean" and xs.size else None,
                    "mde": minimum_detectable_effect(scale, n_eff, settings.alpha) if xs.size else math.nan,
                    "warning": _warning(xs.size, n_eff),
                    "p_symbols_null": float(test_s.p_two_sided[0]),
                    "t_cluster": t_cl if name == "mean" else math.nan,
                    "p_cluster": p_cl if name == "mean" else math.nan,
                }
            )
    # multiple testing per statistic across cells, from the shared draws
    for name in _STATS:
        if not observed[name]:
            continue
        obs = np.array(observed[name])
        null = np.vstack(nulls[name])
        test = placebo_test(obs, null)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_null = np.where(test.null_std[:, None] > 0, (null - test.null_mean[:, None]) / test.null_std[:, None], 0.0)
        adjusted = {
            "p_holm": holm(test.p_two_sided),
            "p_bh": benjamini_hochberg(test.p_two_sided),
            "p_maxstat": maxstat_stepdown(np.abs(test.z), np.abs(z_null)),
        }
        mine = [r for r in rows if r["statistic"] == name]
        for i, row in enumerate(mine):
            for key, arr in adjusted.items():
                row[key] = float(arr[i])
            row["survives"] = None if math.isnan(row["p_maxstat"]) else row["p_maxstat"] <= settings.alpha
    for row in rows:
        for key in PANEL_SCHEMA:
            row.setdefault(key, None)
    frame = pl.DataFrame(rows, schema=PANEL_SCHEMA) if rows else pl.DataFrame(schema=PANEL_SCHEMA)
    floats = [k for k, t in PANEL_SCHEMA.items() if t == pl.Float64()]
    return frame.with_columns(pl.col(floats).fill_nan(None))


def _warning(n: int, n_eff: float) -> str | None:
    if n == 0:
        return "no event with a complete outcome in this cell: nothing to test"
    if not math.isnan(n_eff) and n_eff < NEFF_WARNING:
        return f"effective sample size {n_eff:.1f} < {NEFF_WARNING:.0f}: the events bunch on few dates with overlapping windows"
    return None

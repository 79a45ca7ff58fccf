"""Calibration of the classical event-study tests: size under three nulls, and power.

Simulated panels (:mod:`eventstudy.inference.event_calibration`): ``firms`` stocks under
the market model with a GARCH(1,1)-t market and GARCH(1,1)-t idiosyncratic noise, one
event per firm, the market model fitted on ``[-250, -30]``, every test on the event day
``[0, 0]`` and on ``[-1, +1]``. Scenarios:

* ``null``: no effect, event days spread over two years;
* ``event_variance``: the idiosyncratic variance doubled on days -1, 0, +1 of each event;
* ``clustered``: every event on the same day, residuals sharing a common factor
  (pairwise correlation ``--cross-correlation``);

then the power of each test for an abnormal return of ``--effect`` on day 0 (null design).
Prints each test's rejection rate at 5% with its Wilson 95% interval, marks a rate whose
interval lies outside [3.5%, 6.5%] ("no statistic": a test that could not be computed in any
replication, the calendar-time test on [0, 0] with every event on one day), and the run time.

    python benchmarks/calibrate_event_tests.py [--replications 400] [--firms 100] [--effect 0.005]
                                               [--cross-correlation 0.03] [--seed 0] [--csv FILE]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import polars as pl

from eventstudy.inference.event_calibration import SCENARIOS, calibrate_event_tests

BAND = (0.035, 0.065)


def _cell(row: dict[str, Any], size: bool) -> str:
    if row["tested"] == 0:  # the calendar-time test with every event on one day: one portfolio day
        return "no statistic  "
    rate, low, high = float(row["rate"]), float(row["low"]), float(row["high"])
    flag = " !" if size and (low > BAND[1] or high < BAND[0]) else "  "
    return f"{100 * rate:5.1f}% [{100 * low:4.1f}, {100 * high:4.1f}]{flag}"


def _print(table: pl.DataFrame, title: str, size: bool = True) -> None:
    columns = table.select("scenario", "start", "end").unique(maintain_order=True).rows()
    print(f"\n{title}")
    header = f"{'test':<18}" + "".join(f"{f'{s} [{a},{b}]':>28}" for s, a, b in columns)
    print(header)
    print("-" * len(header))
    for test in table.get_column("test").unique(maintain_order=True):
        cells = []
        for scenario, start, end in columns:
            row = table.filter((pl.col("test") == test) & (pl.col("scenario") == scenario) & (pl.col("start") == start) & (pl.col("end") == end)).row(0, named=True)
            cells.append(f"{_cell(row, size):>28}")
        print(f"{test:<18}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=400)
    parser.add_argument("--firms", type=int, default=100)
    parser.add_argument("--effect", type=float, default=0.005, help="abnormal return on day 0 for the power table")
    parser.add_argument("--cross-correlation", type=float, default=0.03)
    parser.add_argument("--df", type=float, default=5.0, help="degrees of freedom of the t shocks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", help="write every row to this CSV file")
    args = parser.parse_args()

    started = time.perf_counter()
    common = dict(replications=args.replications, firms=args.firms, cross_correlation=args.cross_correlation, df=args.df)
    size = pl.concat(
        [calibrate_event_tests(scenario, seed=args.seed + k, **common) for k, scenario in enumerate(SCENARIOS)]
    )
    power = calibrate_event_tests("null", effect=args.effect, seed=args.seed + len(SCENARIOS), **common)
    elapsed = time.perf_counter() - started

    print(
        f"{args.replications} replications per scenario, {args.firms} firms, market model on [-250, -30], "
        f"GARCH(1,1)-t({args.df:g}) market and noise, cross-correlation {args.cross_correlation:g} when clustered"
    )
    _print(size, "Rejection rate at 5% under the null (Wilson 95% interval; ! = interval outside [3.5%, 6.5%])")
    _print(power.with_columns(pl.lit(f"effect {args.effect:g}").alias("scenario")), f"Power at 5% for an abnormal return of {args.effect:.2%} on day 0", size=False)
    print(f"\n{elapsed:.1f} s")
    if args.csv:
        pl.concat([size, power]).write_csv(args.csv)


if __name__ == "__main__":
    main()

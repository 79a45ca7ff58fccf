"""Benchmark: how long the command line takes, against `python -c "import polars"`.

Times whole commands in fresh processes (median of ``--repeat`` runs, wall and CPU):
``eventstudy --help``, ``eventstudy validate configs/spx_rut.yaml`` and the flagship's
default ``eventstudy run`` (histories null, 1,000 histories), beside importing polars.

    python benchmarks/cli.py [--data-dir ../shared/data] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(command: list[str], repeat: int) -> tuple[float, float]:
    """Median wall and CPU (children's user + system) seconds of ``command``."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "eventstudy.cli"]
    polars_wall, polars_cpu = measure([sys.executable, "-c", "import polars"], args.repeat)
    rows = [
        ('python -c "import polars"', polars_wall, polars_cpu),
        ("eventstudy --help", *measure([*cli, "--help"], args.repeat)),
        ("eventstudy validate configs/spx_rut.yaml", *measure([*cli, "validate", "configs/spx_rut.yaml"], args.repeat)),
        ("eventstudy run configs/spx_rut.yaml", *measure([*cli, "run", "configs/spx_rut.yaml", "--data-dir", args.data_dir], max(3, args.repeat // 2))),
    ]
    print(f"median of {args.repeat} fresh processes (run: {max(3, args.repeat // 2)}):")
    for name, wall, cpu in rows:
        print(f"  {name:<44} {wall:6.2f} s wall {cpu:6.2f} s CPU   {wall / polars_wall:5.1f}x the polars import (wall)")


if __name__ == "__main__":
    main()

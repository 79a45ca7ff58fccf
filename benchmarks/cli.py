"""Benchmark: how long the command line takes, against `python -c "import polars"`.

Times whole commands in fresh processes (median of ``--repeat`` runs, wall and CPU; on a
shared machine the CPU ratio is the steadier one):
``eventstudy --help``, ``eventstudy validate`` of the flagship, an event study and a universe, and the flagship's
default ``eventstudy run`` (histories null, 1,000 histories), alone and with ``-o`` (every
output file: three charts as SVG and PNG, the HTML page), beside importing polars.
Each command runs once unmeasured first (warm file cache, and bytecode written where it
may be).

With ``PYTHONDONTWRITEBYTECODE`` set (as on some shared machines) every eventstudy module
is compiled from source in every process, while polars loads its installed ``.pyc``
files: ``--pycache-prefix DIR`` measures what an installed package costs instead, with
the bytecode kept under DIR (outside the checkout).

    python benchmarks/cli.py [--data-dir ../shared/data] [--repeat 7] [--pycache-prefix /tmp/es-pyc]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OTHER_CONFIGS = ("configs/sp500_volume_spikes.yaml", "configs/sp500_52w_high.yaml")
"""Validated beside the flagship: an event study (the classical tests' names) and a universe."""


def measure(command: list[str], repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU (children's user + system) seconds of ``command``, after one unmeasured run."""
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pycache-prefix", metavar="DIR", help="keep the bytecode under DIR (PYTHONPYCACHEPREFIX), even if PYTHONDONTWRITEBYTECODE is set")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.pycache_prefix:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(args.pycache_prefix).resolve())
    cli = [sys.executable, "-m", "eventstudy.cli"]
    run = [*cli, "run", "configs/spx_rut.yaml", "--data-dir", args.data_dir]
    polars_wall, polars_cpu = measure([sys.executable, "-c", "import polars"], args.repeat, env)
    with tempfile.TemporaryDirectory(prefix="es-cli-") as scratch:
        outputs = Path(scratch) / "out"  # each run replaces the one before
        rows = [
            ('python -c "import polars"', polars_wall, polars_cpu),
            ("eventstudy --help", *measure([*cli, "--help"], args.repeat, env)),
            ("eventstudy validate configs/spx_rut.yaml", *measure([*cli, "validate", "configs/spx_rut.yaml"], args.repeat, env)),
            *((f"eventstudy validate {config}", *measure([*cli, "validate", config], args.repeat, env)) for config in OTHER_CONFIGS),
            ("eventstudy run configs/spx_rut.yaml", *measure(run, max(3, args.repeat // 2), env)),
            ("eventstudy run configs/spx_rut.yaml -o DIR", *measure([*run, "-q", "-o", str(outputs)], max(3, args.repeat // 2), env)),
        ]
    if env.get("PYTHONDONTWRITEBYTECODE"):
        print("eventstudy's modules compiled from source in every process (PYTHONDONTWRITEBYTECODE; see --pycache-prefix)")
    print(f"median of {args.repeat} fresh processes (run: {max(3, args.repeat // 2)}):")
    for name, wall, cpu in rows:
        print(f"  {name:<52} {wall:6.2f} s wall {cpu:6.2f} s CPU   {wall / polars_wall:5.1f}x the polars import (wall), {cpu / polars_cpu:4.1f}x (CPU)")


if __name__ == "__main__":
    main()

"""What a ``run`` imports: not ``scipy.stats``, ``scipy.signal`` nor ``scipy.fft`` (issue 12).

``import scipy.stats`` alone costs 0.45-0.75 s, more than half of the flagship's work after
import; the timeline path evaluates its distributions with scipy.special
(``eventstudy.inference.distributions``), and the HAC test's Bartlett filter numpy's FFT (the
same pocketfft; importing scipy.fft cost a run 40 ms). A module that starts importing
scipy.stats at the top level anywhere on this path (or scipy.signal, which imports it, or
scipy.fft) fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.shared_data

REPO_ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "api": "import eventstudy; eventstudy.run('configs/spx_rut.yaml', data_dir={data!r})",
    "cli": "from eventstudy.cli import main; assert main(['run', 'configs/spx_rut.yaml', '--data-dir', {data!r}]) == 0",
}


def _printed(code: str) -> str:
    """The last line ``code`` prints, run in a fresh interpreter at the repository's root."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("how", sorted(RUNS))
def test_a_timeline_run_does_not_import_scipy_stats(how: str, shared_data: Path) -> None:
    code = RUNS[how].format(data=str(shared_data)) + "\nimport sys; print(sorted(m for m in ('scipy.stats', 'scipy.signal', 'scipy.fft', 'scipy.special') if m in sys.modules))"
    assert _printed(code) == "['scipy.special']"  # the run did use scipy, through special only


def test_a_universe_run_with_its_tests_does_not_import_scipy_signal(shared_data: Path) -> None:
    """The universe null's volatility forecasts use an exponentially weighted mean
    (``inference.volatility._weighted_mean``), not ``scipy.signal.lfilter``: importing
    scipy.signal cost the 5M-row benchmark's tests about 0.5 s."""
    code = (
        f"import eventstudy; eventstudy.run('configs/sp500_52w_high.yaml', data_dir={str(shared_data)!r}, placebos=200)"
        "\nimport sys; print('scipy.signal' in sys.modules)"
    )
    assert _printed(code) == "False"


def test_an_event_study_runs_without_scipy_stats_and_validates_without_scipy(shared_data: Path) -> None:
    """The classical tests' p-values and ranks come from scipy.special and numpy
    (``inference.distributions``), and validating a study checks the tests' names only
    (``inference.event_test_names``): ``scipy.stats`` cost an event study's ``run`` and
    ``validate`` about 0.5 s each."""
    study = "configs/sp500_volume_spikes.yaml"
    probe = "\nimport sys; print(sorted(m for m in ('scipy.stats', 'scipy.special') if m in sys.modules))"
    runs = f"from eventstudy.cli import main; assert main(['run', {study!r}, '--data-dir', {str(shared_data)!r}, '-q']) == 0"
    validates = f"from eventstudy.cli import main; assert main(['validate', {study!r}]) == 0"
    assert [_printed(code + probe) for code in (runs, validates)] == ["['scipy.special']", "[]"]


def test_validating_an_events_file_loads_the_date_rules_only() -> None:
    """An events file's dates are read by :mod:`eventstudy.data.dates` alone, and its pairs
    framed from polars Series: neither the price validation (with the data finder) nor
    numpy.ma, which polars loads to frame a numpy array, nor numpy itself (the set's arrays
    are made when a run first reads them: numpy cost the command 0.04-0.07 s, 2.0x the
    polars import in all) is imported by ``validate`` (``benchmarks/cli.py`` times it)."""
    study = "configs/sp500_volume_spikes.yaml"
    code = (
        f"from eventstudy.cli import main; assert main(['validate', {study!r}]) == 0"
        "\nimport sys; print(sorted(m for m in ('eventstudy.data.dates', 'eventstudy.data.validate', 'eventstudy.data.finder', 'numpy.ma', 'numpy') if m in sys.modules))"
    )
    assert _printed(code) == "['eventstudy.data.dates']"

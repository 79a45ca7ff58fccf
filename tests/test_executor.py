"""Executors: the same results in the same order wherever the calls run (this process, a
local process pool, a Dask cluster), errors that come back as themselves, and sweeps and
universe studies that give the serial run's numbers exactly."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import eventstudy
from eventstudy.cli import main
from eventstudy.config import load_study
from eventstudy.data import MissingDataError
from eventstudy.errors import ConfigError, DataError, WorkerError, option, options_named
from eventstudy.executor import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    ThreadExecutor,
    get_executor,
)
from eventstudy.sweep import SweepResult, parse_axis, run_sweep

REPO_ROOT = Path(__file__).resolve().parents[1]


# Module-level, so worker processes can import them.
def _late_square(x: int) -> int:
    time.sleep(0.02 * (5 - x) if x < 5 else 0)  # the first items finish last
    return x * x


def _plus(shared: dict[str, int], x: int) -> int:
    return shared["offset"] + x


def _refuse(x: int) -> int:
    if x == 3:
        raise MissingDataError(f"no prices for {x!r}", symbols=["XYZ"], provider="yahoo", hint="pull it")
    return x


def _crash(x: int) -> int:
    if x == 2:
        raise ValueError("a bug in a worker")
    return x


def _die(x: int) -> int:
    if x == 2:
        os._exit(9)  # the worker process ends here, as when the kernel kills it for memory
    return x


def _too_dense(x: int) -> int:
    if x == 3:
        raise DataError(f"the events are too dense for random dates: use {option('null', 'runs')}")
    return x


def _sleepy(folder: str, x: int) -> int:
    (Path(folder) / f"{os.getpid()}.pid").touch()
    time.sleep(8)
    return x


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessExecutor]:
    with ProcessExecutor(workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[DaskExecutor]:
    """A LocalCluster of 2 worker processes, one thread each (dask is in the test extra)."""
    pytest.importorskip("distributed", reason="dask is not installed: pip install -e '.[test]' (or '.[dask]')")
    with get_executor("dask", workers=2) as executor:
        yield executor


@pytest.fixture(params=["serial", "threads", "processes", "dask"])
def executor(request: pytest.FixtureRequest) -> Executor:
    if request.param == "serial":
        return SerialExecutor()
    if request.param == "threads":
        return ThreadExecutor(workers=2)
    return request.getfixturevalue("processes" if request.param == "processes" else "dask_cluster")


def test_map_returns_results_in_input_order(executor: Executor) -> None:
    before = executor.submitted
    assert executor.map(_late_square, range(8)) == [x * x for x in range(8)]
    assert executor.submitted - before == (0 if executor.name == "serial" else 8)  # really sent to workers


@pytest.mark.slow
def test_shared_goes_with_every_call(executor: Executor) -> None:
    assert executor.map(_plus, [1, 2, 3], shared={"offset": 10}) == [11, 12, 13]
    assert executor.map(_plus, [1, 2, 3], shared={"offset": 20}) == [21, 22, 23]  # a new shared object is sent again


def test_a_user_error_in_a_worker_comes_back_as_itself(executor: Executor) -> None:
    with pytest.raises(MissingDataError) as caught:
        executor.map(_refuse, range(6))
    error = caught.value
    assert error.symbols == ("XYZ",) and error.provider == "yahoo"
    assert error.render() == "error: no prices for 3\n  hint: pull it"
    with pytest.raises(ValueError, match="a bug in a worker"):
        executor.map(_crash, range(4))
    assert executor.map(abs, [-1, -2]) == [1, 2]  # still usable after a failure


def test_a_worker_names_run_options_as_its_caller_does(executor: Executor) -> None:
    """A message built in a worker names a run option as the process that asked for the
    work does: the command line's flag (errors.options_named, around every command) or a
    Python call's keyword. A thread started without the caller's context, and a fresh
    worker process, wrote null='runs' under the command line too."""
    with options_named({"null": "--null"}), pytest.raises(DataError) as caught:
        assert executor.map(option, ["runs", "dates"], shared="null") == ["--null runs", "--null dates"]
        executor.map(_too_dense, range(6))
    assert caught.value.message.endswith("use --null runs")
    assert executor.map(option, ["runs", "dates"], shared="null") == ["null='runs'", "null='dates'"]  # a Python call's: outside it
    with pytest.raises(DataError, match=r"use null='runs'$"):
        executor.map(_too_dense, range(6))


def test_a_user_error_on_a_dask_local_cluster_prints_nothing_else(dask_cluster: DaskExecutor, capfd: pytest.CaptureFixture[str]) -> None:
    """The local cluster's workers logged the call that raised on the command's stderr
    ('distributed.worker - ERROR - Compute Failed', the task, the exception and its
    traceback, 7 lines) before the error's one message."""
    capfd.readouterr()
    with pytest.raises(MissingDataError):
        dask_cluster.map(_refuse, range(6))
    time.sleep(0.5)  # a worker's log line would be written by now
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("name", ["processes", "dask"])
def test_a_worker_that_dies_is_one_message(name: str, request: pytest.FixtureRequest) -> None:
    """A worker process killed mid-map (out of memory, a signal) ended the command with a
    traceback (BrokenProcessPool, KilledWorker), and left a process pool that refused
    every later map."""
    executor = request.getfixturevalue("processes" if name == "processes" else "dask_cluster")
    with pytest.raises(WorkerError) as caught:
        executor.map(_die, range(5))
    assert caught.value.render() == (
        f"error: a worker process of the {name!r} executor ended without returning its result (killed: out of memory, "
        "or by a signal?)\n  hint: run again with fewer --workers, or with --executor threads (one process: its memory "
        "is shared, not copied)"
    )
    assert executor.map(abs, [-1, -2, -3]) == [1, 2, 3]  # the next map runs on new workers


def test_ctrl_c_stops_the_process_pool_at_once(tmp_path: Path) -> None:
    """Ctrl-C during a map on a process pool took as long as the calls the workers held:
    the main thread, waiting on a result, did not see an interrupt that one of the pool's
    threads received until that call was done, and leaving the pool then ran each worker's
    running and queued calls to the end (minutes for a large sweep's cells)."""
    import _thread
    import threading

    interrupted: list[float] = []

    def interrupt_once_a_call_runs() -> None:  # as when the signal lands on another thread
        deadline = time.perf_counter() + 60  # a loaded machine may take seconds to start the workers
        while not any(tmp_path.glob("*.pid")) and time.perf_counter() < deadline:
            time.sleep(0.05)
        interrupted.append(time.perf_counter())
        _thread.interrupt_main()

    timer = threading.Thread(target=interrupt_once_a_call_runs)
    with pytest.raises(KeyboardInterrupt), ProcessExecutor(workers=2) as executor:
        timer.start()
        executor.map(_sleepy, range(5), shared=str(tmp_path))
    timer.join()
    assert time.perf_counter() - interrupted[0] < 4.0  # not the rest of an 8 s call, twice
    pids = [int(path.stem) for path in tmp_path.glob("*.pid")]
    assert pids and executor._pool is None
    for pid in pids:  # the workers are gone, not left running their calls
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


ORPHAN_SCRIPT = """
import os, sys, time
from pathlib import Path
from eventstudy.executor import ProcessExecutor

def sleepy(folder, x):
    (Path(folder) / f"{os.getpid()}.pid").touch()
    time.sleep(60)
    return x

if __name__ == "__main__":
    with ProcessExecutor(workers=2) as executor:
        executor.map(sleepy, range(4), shared=sys.argv[1])
"""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")  # an orphan that ended may wait as a zombie for a reaper
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_pool_workers_end_with_their_parent(tmp_path: Path) -> None:
    """A command killed while its process pool worked (SIGTERM from a job scheduler or
    `timeout`, SIGKILL, out of memory) left its workers running: each ran its call to
    the end, holding its copy of the shared data, then waited for the next call forever."""
    import signal
    import subprocess

    script = tmp_path / "pool.py"
    script.write_text(ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = [int(path.stem) for path in tmp_path.glob("*.pid")]
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if _running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left


CTRL_C_SCRIPT = """
import os, sys, time
from pathlib import Path
from eventstudy.executor import ProcessExecutor

def call(folder, x):
    (Path(folder) / f"{os.getpid()}-{x}.pid").touch()
    time.sleep(60 if x == 0 else 0)  # one worker holds a call, the other waits for the next
    return x

if __name__ == "__main__":
    try:
        with ProcessExecutor(workers=2) as executor:
            executor.map(call, range(3), shared=sys.argv[1])
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
"""


@pytest.mark.parametrize("name", ["processes", "dask"])
def test_ctrl_c_on_a_terminal_is_the_command_s_alone(name: str, tmp_path: Path) -> None:
    """Ctrl-C on a terminal goes to every process of the foreground group, the pool's
    workers too: each printed its own traceback ('Process SpawnProcess-2:', 'Traceback
    (most recent call last):', ..., 'KeyboardInterrupt'; 'Fatal Python error:
    init_import_site' while starting) above the command's 'interrupted'; a Dask local
    cluster's the same ('Process Dask Worker process (from Nanny):', ...), or while it
    started 'RuntimeError: Nanny failed to start.' and exit code 1. The workers now start deaf to it, and the command, which
    hears it, ends them."""
    import signal
    import subprocess

    if name == "dask":
        pytest.importorskip("distributed", reason="dask is not installed")
    script = tmp_path / "pool.py"
    script.write_text(CTRL_C_SCRIPT.replace("ProcessExecutor", "DaskExecutor" if name == "dask" else "ProcessExecutor"))
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len({path.stem.split("-")[0] for path in tmp_path.glob("*.pid")}) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # the idle worker is back waiting for a call
    os.killpg(parent.pid, signal.SIGINT)  # as the terminal sends it
    _, stderr = parent.communicate(timeout=60)
    assert (parent.returncode, stderr) == (130, "interrupted\n")
    for pid in {int(path.stem.split("-")[0]) for path in tmp_path.glob("*.pid")}:
        assert not _running(pid)


def test_small_jobs_run_in_process() -> None:
    with ProcessExecutor(workers=2) as executor:
        assert executor.map(_late_square, [3]) == [9]
        assert executor.map(_late_square, []) == []
        assert executor.submitted == 0 and executor._pool is None  # no pool started for one item
    with ProcessExecutor(workers=1) as executor:
        assert executor.map(_late_square, [1, 2, 3]) == [1, 4, 9]
        assert executor.submitted == 0 and executor._pool is None


def test_unknown_executor_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get_executor("proceses")
    assert caught.value.render() == (
        "error: unknown executor 'proceses' (did you mean 'processes'?)\n  hint: valid: serial, threads, processes, dask"
    )
    with pytest.raises(ConfigError, match="`workers` must be a whole number of at least 1, got 0"):
        get_executor("processes", workers=0)
    with pytest.raises(ConfigError, match="address was given, but the executor is 'serial'"):
        get_executor("serial", address="tcp://scheduler:8786")
    # 'sweep --executor serial --workers 8' ran one call after another without a word
    with pytest.raises(ConfigError, match="8 workers were asked, but the executor is 'serial'"):
        get_executor("serial", workers=8)
    assert isinstance(get_executor("serial", workers=1), SerialExecutor)


def test_the_environment_chooses_when_arguments_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTSTUDY_EXECUTOR", raising=False)
    monkeypatch.delenv("EVENTSTUDY_DASK_ADDRESS", raising=False)
    assert isinstance(get_executor(), ThreadExecutor)  # the default
    monkeypatch.setenv("EVENTSTUDY_EXECUTOR", "serial")
    assert isinstance(get_executor(), SerialExecutor)
    assert isinstance(get_executor("processes", workers=3), ProcessExecutor)  # an argument wins
    pytest.importorskip("distributed", reason="dask is not installed")
    monkeypatch.delenv("EVENTSTUDY_EXECUTOR")
    monkeypatch.setenv("EVENTSTUDY_DASK_ADDRESS", "tcp://scheduler:8786")
    remote = get_executor()  # an address means dask; nothing connects until the first map
    assert isinstance(remote, DaskExecutor) and remote.address == "tcp://scheduler:8786"
    assert isinstance(get_executor("processes"), ProcessExecutor)  # the address only applies to dask


def test_a_mistake_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """'EVENTSTUDY_EXECUTOR=proceses eventstudy sweep ...' read "unknown executor 'proceses'",
    and a malformed $EVENTSTUDY_DASK_ADDRESS "'notaurl' is not a Dask scheduler address",
    where no --executor or --dask-address had been given: nothing said where they came from."""
    monkeypatch.delenv("EVENTSTUDY_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("EVENTSTUDY_EXECUTOR", "proceses")
    with pytest.raises(ConfigError) as caught:
        get_executor()
    assert caught.value.message == "unknown executor 'proceses' in $EVENTSTUDY_EXECUTOR (did you mean 'processes'?)"
    with pytest.raises(ConfigError) as caught:
        get_executor("proc")  # an argument is the caller's own
    assert caught.value.message == "unknown executor 'proc' (did you mean 'processes'?)"
    pytest.importorskip("distributed", reason="dask is not installed")
    monkeypatch.delenv("EVENTSTUDY_EXECUTOR")
    monkeypatch.setenv("EVENTSTUDY_DASK_ADDRESS", "notaurl")
    with pytest.raises(ConfigError) as caught:
        get_executor()
    assert caught.value.message.startswith("'notaurl' (from $EVENTSTUDY_DASK_ADDRESS) is not a Dask scheduler address: ")
    with pytest.raises(ConfigError) as caught:
        get_executor("dask", address="notaurl")
    assert caught.value.message.startswith("'notaurl' is not a Dask scheduler address: ")


def test_an_executor_from_the_environment_that_refuses_an_argument_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """'EVENTSTUDY_EXECUTOR=processes eventstudy run STUDY --dask-address tcp://...' read "a
    Dask scheduler address was given, but the executor is 'processes'" (and '--workers 4'
    with the variable set to serial "the executor is 'serial'"), on a command line that
    named no executor: nothing said where 'processes' came from."""
    monkeypatch.delenv("EVENTSTUDY_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("EVENTSTUDY_EXECUTOR", "processes")
    with pytest.raises(ConfigError) as caught:
        get_executor(address="tcp://scheduler:8786")
    assert caught.value.message == "a Dask scheduler address was given, but the executor is 'processes' (from $EVENTSTUDY_EXECUTOR)"
    monkeypatch.setenv("EVENTSTUDY_EXECUTOR", "serial")
    with pytest.raises(ConfigError) as caught:
        get_executor(workers=4)
    assert caught.value.message.startswith("4 workers were asked, but the executor is 'serial' (from $EVENTSTUDY_EXECUTOR) (one call")
    with pytest.raises(ConfigError) as caught:
        get_executor("processes", address="tcp://scheduler:8786")  # an argument is the caller's own
    assert caught.value.message == "a Dask scheduler address was given, but the executor is 'processes'"


def test_dask_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ConfigError) as caught:
        get_executor("dask")
    assert "pip install 'eventstudy[dask]'" in caught.value.render()


# -- sweeps and universe studies on the executors ------------------------------------------

AXES = ("RUT drawdown threshold=5%,10%,15%", "gap=21cd,42")


def _sweep(shared_data: Path, executor: Executor | None) -> SweepResult:
    study = load_study(REPO_ROOT / "configs" / "spx_rut.yaml")
    return run_sweep(study, [parse_axis(a) for a in AXES], data_dir=shared_data, placebos=200, executor=executor)


@pytest.fixture(scope="module")
def serial_sweep(shared_data: Path) -> SweepResult:
    return _sweep(shared_data, None)


def _assert_same_sweep(result: SweepResult, expected: SweepResult) -> None:
    assert_frame_equal(result.ledger, expected.ledger)  # same seeds, same p-values, bit for bit
    assert result.verdict == expected.verdict


@pytest.mark.slow
@pytest.mark.shared_data
def test_sweep_on_a_process_pool_equals_the_serial_run(shared_data: Path, serial_sweep: SweepResult) -> None:
    with ProcessExecutor(workers=2) as executor:
        result = _sweep(shared_data, executor)
        assert executor.submitted == 6
    _assert_same_sweep(result, serial_sweep)


@pytest.mark.shared_data
def test_sweep_on_a_dask_local_cluster_equals_the_serial_run(
    shared_data: Path, serial_sweep: SweepResult, dask_cluster: DaskExecutor
) -> None:
    before = dask_cluster.submitted
    result = _sweep(shared_data, dask_cluster)
    assert dask_cluster.submitted - before == 6  # every cell ran on the cluster's workers
    _assert_same_sweep(result, serial_sweep)


@pytest.mark.shared_data
def test_universe_study_on_dask_equals_local(shared_data: Path, dask_cluster: DaskExecutor) -> None:
    pytest.importorskip("distributed", reason="dask is not installed")
    study = REPO_ROOT / "configs" / "sp500_52w_high.yaml"
    if not (shared_data / "panel_sp500_stocks.csv").is_file():
        pytest.skip(f"the S&P 500 panel is not in {shared_data}")
    year = dict(data_dir=shared_data, start="2016-01-01", end="2016-12-31", placebos=200)
    expected = eventstudy.run(study, **year)
    before = dask_cluster.submitted
    result = eventstudy.run(study, executor=dask_cluster, **year)
    assert dask_cluster.submitted > before  # the symbol blocks ran on the cluster
    assert_frame_equal(result.events, expected.events)
    assert_frame_equal(result.summary, expected.summary)


PLUGIN = """
import polars as pl
from eventstudy.features import feature


@feature("es_worker_twice", description="twice the close (a test plug-in)")
def _twice(close: pl.Expr) -> pl.Expr:
    return close * 2
"""


@pytest.fixture
def worker_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A study plug-in importable here and in the workers started after it (their sys.path
    is this process's); the registry and the record of loaded plug-ins as shipped after."""
    from eventstudy import config
    from eventstudy.features import FEATURES

    site = tmp_path / "site"
    site.mkdir()
    (site / "es_worker_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])]))
    yield "es_worker_plugin"
    FEATURES._entries.pop("es_worker_twice", None)
    config._LOADED_PLUGINS.pop("es_worker_plugin", None)
    sys.modules.pop("es_worker_plugin", None)


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["processes", "dask"])
def test_workers_import_the_study_plugins(name: str, shared_data: Path, worker_plugin: str, tmp_path: Path) -> None:
    """A study's plugins: were imported in this process only: a universe's blocks on a Dask
    cluster or a process pool ended in "unknown series 'es_worker_twice'", and a sweep's
    cells on a pool in "unknown feature 'es_worker_twice'", the workers' registries holding
    the built-ins only."""
    if name == "dask":
        pytest.importorskip("distributed", reason="dask is not installed")
    if not (shared_data / "panel_sp500_stocks.csv").is_file():
        pytest.skip(f"the S&P 500 panel is not in {shared_data}")
    universe = tmp_path / "universe.yaml"
    universe.write_text(
        f"name: u\nseries: {{SPX: SPX}}\nplugins: [{worker_plugin}]\nuniverse: {{data_file: panel_sp500_stocks.csv}}\n"
        "when: es_worker_twice >= 2 * high(252) and SPX drawdown >= 5%\ndecluster: {gap: 21}\n"
        "evaluate:\n  - forward_returns: {horizons: [1m]}\n", encoding="utf-8")
    timeline = tmp_path / "timeline.yaml"
    timeline.write_text(
        f"name: t\nseries: {{SPX: SPX, RUT: RUT}}\nplugins: [{worker_plugin}]\n"
        "when: SPX es_worker_twice >= 2 * SPX high(252) and RUT drawdown >= 10%\ndecluster: {gap: 21}\n"
        "evaluate:\n  - forward_returns: {assets: [SPX], horizons: [1m]}\n", encoding="utf-8")
    year = dict(data_dir=shared_data, start="2016-01-01", end="2016-12-31", placebos=50)
    expected = eventstudy.run(load_study(universe), **year)
    expected_sweep = run_sweep(load_study(timeline), [parse_axis("gap=21,42")], data_dir=shared_data, placebos=100)
    with get_executor(name, workers=2) as executor:
        result = eventstudy.run(load_study(universe), executor=executor, **year)
        sweep = run_sweep(load_study(timeline), [parse_axis("gap=21,42")], data_dir=shared_data, placebos=100, executor=executor)
        assert executor.submitted > 2  # the blocks and the cells ran on the workers
    assert expected.events.height > 0
    assert_frame_equal(result.events, expected.events)
    assert_frame_equal(result.summary, expected.summary)
    _assert_same_sweep(sweep, expected_sweep)


# -- the command line ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.shared_data
def test_cli_sweep_gives_the_same_ledger_on_each_executor(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sweep", str(REPO_ROOT / "configs" / "spx_rut.yaml"), "--data-dir", str(shared_data), "--placebos", "200", "-f", "json"]
    args += [x for axis in AXES for x in ("--grid", axis)]
    outputs = []
    for executor in (["--executor", "serial"], ["--executor", "processes", "--workers", "2"]):
        assert main(args + executor) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_cli_executor_mistakes_are_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = str(REPO_ROOT / "configs" / "spx_rut.yaml")
    code = main(["sweep", study, "--grid", "gap=5,10", "--executor", "processes", "--dask-address", "tcp://x:8786"])
    err = capsys.readouterr().err
    assert code == 2 and "address was given, but the executor is 'processes'" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["run", study, "--workers", "0"])
    assert "'0' must be 1 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", study, "--executor", "ray"])
    assert "invalid choice: 'ray'" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["notaurl", "127.0.0.1", "http://127.0.0.1:8786"])
def test_a_malformed_dask_address_is_one_message(address: str) -> None:
    """A --dask-address without a port or with a scheme Dask does not speak ended the run
    with a traceback (ValueError: missing port number in address 'notaurl')."""
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError) as caught:
        get_executor("dask", address=address)  # refused when made, before any data is read
    message = caught.value.render()
    assert message.startswith(f"error: {address!r} is not a Dask scheduler address: ")
    assert message.endswith("hint: write it as tcp://HOST:PORT, e.g. tcp://scheduler:8786 (the port 'dask scheduler' prints)")


@pytest.mark.slow
def test_a_server_that_never_answers_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: a --dask-address that accepts the connection but never answers hung
    until the other side closed."""
    import socket
    import threading

    pytest.importorskip("distributed")
    from eventstudy import executor as executor_module
    from eventstudy.errors import ConfigError
    from eventstudy.executor import get_executor

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accepted, never answered
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setattr(executor_module, "CONNECT_SECONDS", 2.0)
    try:
        with pytest.raises(ConfigError, match="no answer in 2 s"):
            _ = get_executor("dask", address=f"tcp://127.0.0.1:{port}").client
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.parametrize("name", ["processes", "dask"])
def test_a_script_read_from_standard_input_is_refused_the_process_pool_not_hung(name: str) -> None:
    """'python - < script.py' with the 'processes' executor hung for good: each spawned
    worker re-runs the script that started its parent from its file, '<stdin>' here, died
    at start, and the run waited for it (a Dask local cluster: a page of tracebacks ending
    in 'Nanny failed to start'). It is one message now, before any worker starts."""
    import subprocess

    if name == "dask":
        pytest.importorskip("distributed", reason="dask is not installed")
    script = f"from eventstudy import get_executor\nget_executor({name!r}, workers=2).map(abs, [-1, -2, -3])\n"
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 1
    assert f"the {name!r} executor starts fresh Python processes" in done.stderr and "'<stdin>'" in done.stderr
    assert "save the script to a file and run that" in done.stderr
    assert "Nanny failed" not in done.stderr

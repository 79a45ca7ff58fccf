"""Where independent tasks run: in this process, a local process pool, or a Dask cluster.

A sweep splits by grid cell, a universe study by symbol block; each piece is a call of a
module-level function on one item. An :class:`Executor` runs those calls somewhere and
hands the results back in input order::

    with get_executor("threads", workers=4) as executor:
        results = executor.map(work, items)                 # [work(item) for item in items]
        results = executor.map(work, items, shared=data)    # [work(data, item) for ...]

``shared`` is what every call needs and is too big to send with each item (a sweep's
prepared timeline and outcomes): each worker receives it once, not once per item.

Four executors, chosen by name (``--executor`` on the command line, ``$EVENTSTUDY_EXECUTOR``):

* ``serial``: in this process, one item after the other (tests, tiny jobs, debugging).
* ``threads`` (the default): a few threads in this process; nothing is pickled. For work
  that runs in polars and numpy kernels, as a universe's symbol blocks and a sweep's cells
  do (on two cores a local pool, whose workers pickle each block's arrays back, was slower
  and larger: docs/cluster.md).
* ``processes``: a pool of local worker processes
  (:class:`concurrent.futures.ProcessPoolExecutor`) started with ``spawn``, for work that
  holds the GIL (a plug-in evaluator in pure Python, say).
* ``dask``: a Dask cluster, the one at ``address`` (``$EVENTSTUDY_DASK_ADDRESS``) or, without
  one, a ``LocalCluster`` of worker processes on this machine. Needs the optional extra:
  ``pip install 'eventstudy[dask]'``.

Small jobs stay in-process: a pool costs about a second to start (fresh interpreters that
import polars), so ``map`` over a single item, or with one worker, calls ``fn`` right here
whatever the executor.

Results are the same wherever the calls run: the functions are deterministic (every
random draw comes from the study's seed), and an :class:`~eventstudy.errors.EventStudyError`
raised in a worker comes back as the same exception, so the command line still prints one
clean message, worded as a call here would word it (a thread runs each call in a copy of
the caller's context, a worker process is given its naming of run options:
:func:`~eventstudy.errors.options_named`); a worker process that dies (killed for memory, or by a signal) raises a
:class:`~eventstudy.errors.WorkerError`, and the next map starts new workers. A script that uses ``processes`` or ``dask`` must guard its entry point
with ``if __name__ == "__main__":`` (the workers are fresh interpreters that import it).
"""

from __future__ import annotations

import contextvars
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventstudy.errors import ConfigError, WorkerError, did_you_mean, options_named, options_naming

__all__ = [
    "EXECUTORS", "DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "ThreadExecutor", "default_workers", "get_executor",
]

EXECUTORS = ("serial", "threads", "processes", "dask")
"""The executor names ``get_executor`` accepts."""

_DASK_HINT = "install the optional extra: pip install 'eventstudy[dask]'"


def _worker_died(executor: str) -> WorkerError:
    """The one-line error for a worker process that ended without returning its result."""
    return WorkerError(
        f"a worker process of the {executor!r} executor ended without returning its result (killed: out of memory, "
        "or by a signal?)",
        hint="run again with fewer --workers, or with --executor threads (one process: its memory is shared, not copied)",
    )


def default_workers() -> int:
    """The CPUs this process may use (its affinity set where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class Executor(ABC):
    """Runs independent calls of one function and returns the results in input order.

    Attributes
    ----------
    name
        The executor's name (``serial``, ``processes``, ``dask``).
    submitted
        Calls sent to workers so far (0 while everything ran in this process).
    """

    name: ClassVar[str]

    def __init__(self) -> None:
        self.submitted = 0

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many calls can run at the same time."""

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None) -> list[Any]:
        """``[fn(item) for item in items]`` (``fn(shared, item)`` with ``shared``), run by the executor.

        ``fn`` must be a module-level function (it is pickled by reference). The first
        exception a call raises is raised here, with its own type. A single item, or an
        executor with one worker, runs in this process: no pool is worth starting for it.

        Examples
        --------
        >>> SerialExecutor().map(abs, [-2, 3, -5])
        [2, 3, 5]
        """
        return list(self.imap(fn, items, shared=shared))

    def imap(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None) -> Iterator[Any]:
        """As :meth:`map`, but yields each result (in input order) as soon as it is there,
        so a progress bar can follow."""
        items = list(items)
        if len(items) <= 1 or self.workers <= 1:
            return _in_process(fn, items, shared)
        return self._distribute(fn, items, shared)

    @abstractmethod
    def _distribute(self, fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:
        """Send the calls to the workers; yield their results in input order."""

    def close(self) -> None:
        """Release the workers (a no-op for executors that hold none)."""
        return None

    def abandon(self) -> None:
        """Release the workers without waiting for the calls they run: their results are no
        longer wanted (Ctrl-C, or an error that ends the run). By default :meth:`close`."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


def _in_process(fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:
    for item in items:
        yield fn(item) if shared is None else fn(shared, item)


class SerialExecutor(Executor):
    """Every call in this process, one after the other.

    Examples
    --------
    >>> with SerialExecutor() as executor:
    ...     executor.map(pow, [2, 3], shared=10)
    [100, 1000]
    """

    name = "serial"

    @property
    def workers(self) -> int:
        return 1

    def _distribute(self, fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:  # pragma: no cover
        return _in_process(fn, items, shared)  # workers is 1: imap never gets here


class ThreadExecutor(Executor):
    """A few threads in this process: nothing is pickled or copied.

    Worth it where the work is in polars and numpy kernels, which release the GIL (a
    universe study's symbol blocks; the default for those in Python); pure-Python work
    does not overlap. At most ``workers + 1`` calls are in flight, so results that are
    large (a block's arrays) do not pile up.

    Examples
    --------
    >>> with ThreadExecutor(workers=2) as executor:
    ...     executor.map(abs, [-1, -2, -3])
    [1, 2, 3]
    """

    name = "threads"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        self.chosen = workers is not None
        """Whether the caller chose the number of threads (else: one per CPU)."""
        self._workers = _check_workers(workers) or default_workers()

    @property
    def workers(self) -> int:
        return self._workers

    def _distribute(self, fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:
        from concurrent.futures import ThreadPoolExecutor

        call = fn if shared is None else (lambda item: fn(shared, item))
        self.submitted += len(items)
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            pending: list[Any] = []
            try:
                for item in items:
                    # in a copy of this thread's context: its context variables (how a message names
                    # a run option, errors.options_named) hold there too, as in a serial call
                    pending.append(pool.submit(contextvars.copy_context().run, call, item))
                    if len(pending) > self._workers:
                        yield pending.pop(0).result()
                while pending:
                    yield pending.pop(0).result()
            finally:
                for future in pending:
                    future.cancel()


# -- the local process pool -------------------------------------------------------------

_worker_shared: Any = None  # in a pool worker: the ``shared`` object its pool was started with


def _install_shared(shared: Any, keep_memory: bool = False) -> None:
    """Pool initializer: keep ``shared`` for every call this worker process runs, and
    freed memory for reuse when the parent does (:mod:`eventstudy.memory`)."""
    global _worker_shared
    _worker_shared = shared
    _exit_with_parent()
    if keep_memory:
        from eventstudy.memory import keep_freed_memory

        keep_freed_memory()


def _exit_with_parent() -> None:
    """In a pool worker: end this process as soon as the parent ends, however it ends
    (SIGTERM, SIGKILL, out of memory). Without a parent its pool's queues never close, and
    a worker would run its call to the end and then wait for the next one forever."""
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:  # pragma: no cover - not a multiprocessing child
        return

    def watch() -> None:
        wait([parent.sentinel])  # ready when the parent's end of the pipe closes: it has exited
        os._exit(1)

    threading.Thread(target=watch, name="eventstudy-parent-watch", daemon=True).start()


def _pool_call(fn: Callable[..., Any], item: Any, plugins: tuple[str, ...] = (), flags: Mapping[str, str] | None = None) -> Any:
    _import_plugins(plugins)
    with options_named(flags or {}):  # the messages worded as the calling process words them (its command line's flags)
        return fn(item) if _worker_shared is None else fn(_worker_shared, item)


def _plugins_here() -> tuple[str, ...]:
    """The study plug-ins this process imported, which a worker must import too."""
    from eventstudy.config import loaded_plugins

    return loaded_plugins()


def _import_plugins(plugins: tuple[str, ...]) -> None:
    """In a worker: import the plug-ins the calling process had imported (a study's
    ``plugins:``), so that the features and evaluators they register are known here too: a
    fresh interpreter's registries hold the built-ins only, and a universe's block that
    used one ended in "unknown evaluator 'mine'" or "unknown series 'my_feature'"."""
    import sys

    missing = [name for name in plugins if name not in sys.modules]
    if not missing:
        return
    from eventstudy.config import load_plugins

    try:
        load_plugins(missing)
    except ConfigError as exc:
        raise ConfigError(
            f"a worker could not import the study's plug-ins: {exc.message}",
            hint="install them on every worker host, beside the same eventstudy version",
        ) from None


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """SIGINT blocked in this thread meanwhile, and so in the processes it starts (a child
    inherits the signal mask). Ctrl-C on a terminal goes to every process of the
    foreground group: the pool's workers printed a traceback each ('Process
    SpawnProcess-1: ... KeyboardInterrupt', or 'Fatal Python error: init_import_site' while
    starting) before the command's 'interrupted'; with SIGINT blocked they never see it, and
    the command, which does, ends them (:meth:`ProcessExecutor.abandon`). This process still
    sees it at once: its other threads take it, or this one when the block ends."""
    import signal
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # before the block, not in it: starting the tracker ends with SIGINT unblocked
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _awaited(future: Any) -> Any:
    """``future.result()``, waited for in short spells: a Ctrl-C that one of the pool's own
    threads happens to receive is only seen by the main thread when its wait ends, and a
    single wait would last until the call is done."""
    from concurrent.futures import wait

    while not wait([future], timeout=0.1).done:
        pass
    return future.result()


def _main_importable(executor: str = "processes") -> None:
    """Refuse to start ``spawn`` workers that could not start: each re-runs the script that
    started this process (``__main__``) from its file, and a script read from standard
    input (``python - < script.py``) has none ('<stdin>'). Its workers died at start and the
    run hung for good, waiting for them (a Dask local cluster's: a page of tracebacks). An
    interactive session or a notebook has no file to re-run either, and its workers start
    without it."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or getattr(main, "__spec__", None) is not None or os.path.exists(path):
        return
    raise ConfigError(
        f"the {executor!r} executor starts fresh Python processes that first re-run the script that started this one, "
        f"and this script was read from {path!r}, which they cannot read",
        hint="save the script to a file and run that, or use the 'threads' executor (get_executor('threads'))",
    )


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine.

    The workers are started with ``spawn``: each is a fresh interpreter. ``fork`` would be
    faster to start but copies a process whose polars (and BLAS) thread pools may be
    running; a lock held by one of those threads at the fork stays locked forever in the
    child, and the worker hangs. ``spawn`` is safe, and the same on Linux, macOS and
    Windows. The pool starts on the first :meth:`map` that needs it and is kept for later
    calls with the same ``shared`` object (which each worker receives once, when it
    starts); :meth:`close` ends it.

    Parameters
    ----------
    workers
        Worker processes (default: the CPUs this process may use).

    Examples
    --------
    >>> with ProcessExecutor(workers=2) as executor:  # doctest: +SKIP
    ...     executor.map(abs, [-1, -2, -3])
    [1, 2, 3]
    """

    name = "processes"
    start_method = "spawn"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        self._workers = _check_workers(workers) or default_workers()
        self._pool: Any = None
        self._pool_shared: Any = None  # a reference, not an id: an id can be reused by a new object

    @property
    def workers(self) -> int:
        return self._workers

    def _pool_for(self, shared: Any) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from eventstudy import memory

        if self._pool is not None and shared is not self._pool_shared:
            self.close()
        if self._pool is None:
            _main_importable()
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_install_shared,
                initargs=(shared, memory.kept()),
            )
            self._pool_shared = shared
        return self._pool

    def _distribute(self, fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:
        from concurrent.futures.process import BrokenProcessPool

        plugins = _plugins_here()
        with _ctrl_c_held():  # the workers start (in submit) deaf to Ctrl-C: this process stops them
            pool = self._pool_for(shared)
            flags = dict(options_naming())
            futures = [pool.submit(_pool_call, fn, item, plugins, flags) for item in items]
        self.submitted += len(futures)
        try:
            for future in futures:
                try:
                    result = _awaited(future)
                except BrokenProcessPool:  # a worker died: this pool takes no more work, the next map starts a new one
                    self.close()
                    raise _worker_died(self.name) from None
                except KeyboardInterrupt:  # Ctrl-C: the workers stop now, not after the calls they hold
                    self.abandon()
                    raise
                yield result
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self._pool_shared = None, None

    def abandon(self) -> None:
        """End the pool now: its workers are terminated, and the calls they were running and
        had queued are dropped (a worker whose call outlives an interrupt would otherwise
        run it, and the next queued one, to the end before the command could exit)."""
        pool, self._pool, self._pool_shared = self._pool, None, None
        if pool is None:
            return
        # Python 3.14's pool.terminate_workers(), by hand: the pool's own thread sees its
        # workers gone, fails what they held, and ends; shutdown waits for it
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


# -- Dask --------------------------------------------------------------------------------


def _dask_call(item: Any, *, fn: Callable[..., Any], shared: Any = None, plugins: tuple[str, ...] = (), flags: Mapping[str, str] | None = None) -> Any:
    _import_plugins(plugins)
    with options_named(flags or {}):  # as _pool_call
        return fn(item) if shared is None else fn(shared, item)


def _not_an_address(address: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{address!r} is not a Dask scheduler address: {exc}",
        hint="write it as tcp://HOST:PORT, e.g. tcp://scheduler:8786 (the port 'dask scheduler' prints)",
    )


def _check_address(address: str) -> None:
    """Refuse an address that is none (no port, a scheme Dask does not speak: 'notaurl',
    'http://host:8786') when the executor is made, before any data is read: the first
    connection found it only after the data had been read and prepared."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise _not_an_address(address, exc) from None


class DaskExecutor(Executor):
    """A Dask cluster: the scheduler at ``address``, or a local cluster of processes.

    Without ``address`` a ``distributed.LocalCluster`` is started on the first :meth:`map`
    that needs it: ``workers`` processes of one thread each (polars runs its own threads
    inside every call), its HTTP server on a free port, quiet logs. With ``address``
    (``tcp://host:8786``) the client connects to a running scheduler; its workers must have
    the same eventstudy installed. ``shared`` is scattered to every worker once per :meth:`map`.

    Parameters
    ----------
    address
        A running scheduler's address, or None for a local cluster.
    workers
        Local cluster: its worker processes (default: the CPUs this process may use).
        Remote cluster: taken as given; by default the cluster's threads are counted.

    Raises
    ------
    ConfigError
        Dask (``distributed``) is not installed; the hint says how to install it;
        ``address`` is not an address (no port, an unknown scheme). On first use of
        :attr:`client`: no scheduler answers there.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, workers: int | None = None) -> None:
        super().__init__()
        _import_distributed()
        if address:
            _check_address(address)
        self.address = address
        self._workers = _check_workers(workers)
        self._client: Any = None
        self._cluster: Any = None

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (connecting, or starting the local cluster, on first use)."""
        if self._client is None:
            distributed = _import_distributed()
            if self.address:
                try:
                    self._client = _connect(distributed, self.address, CONNECT_SECONDS)
                except ValueError as exc:  # what the check in __init__ let through
                    raise _not_an_address(self.address, exc) from None
                except (OSError, TimeoutError) as exc:
                    raise ConfigError(
                        f"cannot reach the Dask scheduler at {self.address!r}: {exc}",
                        hint="start one with 'dask scheduler' (port 8786) and workers with 'dask worker tcp://HOST:8786', "
                        "or leave out --dask-address for a local cluster",
                    ) from None
            else:
                import logging
                _main_importable("dask")  # its workers are spawned processes too
                with _ctrl_c_held():  # its processes start deaf to Ctrl-C, as a process pool's: this one ends them
                    self._cluster = distributed.LocalCluster(
                        n_workers=self._workers or default_workers(),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",  # a free port: None would still take 8787, and clash with another cluster
                        silence_logs=logging.CRITICAL,  # a call that raised is the run's one message, not the worker's logged traceback too
                    )
                self._client = distributed.Client(self._cluster)
        return self._client

    @property
    def workers(self) -> int:
        if self._workers is not None:
            return self._workers
        if not self.address:
            return default_workers()
        return max(1, sum(self.client.nthreads().values()))

    def _distribute(self, fn: Callable[..., Any], items: list[Any], shared: Any) -> Iterator[Any]:
        client = self.client
        # in a list: scatter would split a dict (or list) into one future per element
        scattered = client.scatter([shared], broadcast=True, hash=False)[0] if shared is not None else None
        futures = client.map(_dask_call, items, fn=fn, shared=scattered, plugins=_plugins_here(), flags=dict(options_naming()), pure=False)
        self.submitted += len(futures)
        try:
            for future in futures:
                try:
                    result = future.result()
                except _import_distributed().KilledWorker:  # the workers that ran it died (the scheduler gave up)
                    raise _worker_died(self.name) from None
                yield result
        finally:
            client.cancel(futures)
            if scattered is not None:
                scattered.release()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client, self._cluster = None, None

    def __repr__(self) -> str:
        where = self.address or "local cluster"
        return f"DaskExecutor({where!r}, workers={self._workers})"


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError("the dask executor needs Dask, which is not installed", hint=_DASK_HINT) from None
    return distributed


def _check_workers(workers: int | None) -> int | None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"`workers` must be a whole number of at least 1, got {workers!r}")
    return workers


CONNECT_SECONDS = 15.0
"""How long a Dask scheduler may take to answer before the run gives up (a server that
accepts the connection but never speaks Dask's protocol held distributed.Client forever)."""


def _connect(distributed: Any, address: str, seconds: float) -> Any:
    """``distributed.Client(address)``, given up after ``seconds`` whatever the other side does."""
    import threading

    found: dict[str, Any] = {}

    def connect() -> None:
        try:
            found["client"] = distributed.Client(address, timeout=f"{int(seconds)}s")
        except BaseException as exc:  # handed to the caller's thread
            found["error"] = exc

    thread = threading.Thread(target=connect, name="eventstudy-dask-connect", daemon=True)
    thread.start()
    thread.join(seconds + 1.0)
    if thread.is_alive():
        raise TimeoutError(f"no answer in {seconds:.0f} s (something listens there, but not a Dask scheduler?)")
    if "error" in found:
        raise found["error"]
    return found["client"]


def get_executor(name: str | None = None, *, address: str | None = None, workers: int | None = None) -> Executor:
    """The executor called ``name``.

    Arguments left as None are read from the environment: ``$EVENTSTUDY_EXECUTOR`` for the
    name, ``$EVENTSTUDY_DASK_ADDRESS`` for the scheduler. With neither, the name is
    ``threads``, or ``dask`` when a scheduler address is known.

    Raises
    ------
    ConfigError
        An unknown name (the valid ones are listed), ``address`` with a name other than
        ``dask``, fewer than one worker (more than one for ``serial``), or ``dask`` without
        Dask installed.

    Examples
    --------
    >>> get_executor("serial")
    SerialExecutor(workers=1)
    >>> get_executor("processes", workers=2)
    ProcessExecutor(workers=2)
    """
    named_by = ""  # where a name or an address the caller did not give came from, for a message
    if name is None:
        name = os.environ.get("EVENTSTUDY_EXECUTOR") or None
        named_by = " in $EVENTSTUDY_EXECUTOR" if name is not None else ""
    from_env = " (from $EVENTSTUDY_EXECUTOR)" if named_by else ""  # a name the command line did not give: say where it came from
    if address is not None and name is not None and name != "dask":
        raise ConfigError(f"a Dask scheduler address was given, but the executor is {name!r}{from_env}", hint="use --executor dask with --dask-address")
    address_by = ""
    if address is None and name in (None, "dask"):
        address = os.environ.get("EVENTSTUDY_DASK_ADDRESS") or None
        address_by = " (from $EVENTSTUDY_DASK_ADDRESS)" if address is not None else ""
    if name is None:
        name = "dask" if address else "threads"
    _check_workers(workers)
    if name == "serial":
        if workers is not None and workers != 1:  # one call after another in this process: a count would be ignored
            raise ConfigError(
                f"{workers} workers were asked, but the executor is 'serial'{from_env} (one call after another, in this process)",
                hint="drop --workers, or use --executor threads or processes with it",
            )
        return SerialExecutor()
    if name == "threads":
        return ThreadExecutor(workers)
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        try:
            return DaskExecutor(address, workers=workers)
        except ConfigError as exc:
            if address_by and address and exc.message.startswith(repr(address)):  # 'X is not a Dask scheduler address': say where X came from
                raise ConfigError(repr(address) + address_by + exc.message[len(repr(address)):], hint=exc.hint) from None
            raise
    raise ConfigError(f"unknown executor {name!r}{named_by}{did_you_mean(name, EXECUTORS)}", hint=f"valid: {', '.join(EXECUTORS)}")

"""Progress bars on stderr, for the long loops (placebo draws, sweep cells, calibration).

Library code reports progress through one cheap call that does nothing unless progress is
shown::

    from eventstudy import progress

    with progress.task("placebo draws", total=len(cells)) as advance:
        for cell in cells:
            ...
            advance()

    for cell in progress.track(cells, "sweep cells"):   # the same, for a plain loop
        ...

Bars are shown only when stderr is a terminal (never in a pipe, a log file or CI) and not
turned off (``eventstudy --quiet``, :func:`configure`). Tasks opened inside another task
share one live display (rich allows only one at a time), each on its own line; bars are
transient: they vanish when their task ends, so nothing is left in the scrollback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # rich is imported only when a bar is shown
    from rich.progress import Progress, ProgressColumn, Task
    from rich.text import Text

__all__ = ["configure", "enabled", "task", "track"]

T = TypeVar("T")

Advance = Callable[..., None]

_setting: bool | None = None  # None: automatic (only on a terminal)
_live: Progress | None = None  # the shared rich Progress while any task is open


def configure(*, enabled: bool | None) -> None:
    """Turn progress bars on (``True``), off (``False``) or back to automatic (``None``)."""
    global _setting
    _setting = enabled


def enabled() -> bool:
    """Whether a task opened now would draw a bar."""
    if _setting is not None:
        return _setting
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _count_column() -> ProgressColumn:  # a class made on first use: rich is imported only when a bar is shown
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Count(ProgressColumn):
        """'12/40' for a task with a total, nothing for one without."""

        def render(self, task: Task) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")

    return Count()


def _noop(amount: float = 1) -> None:
    return None


@contextmanager
def task(description: str, total: float | None = None) -> Iterator[Advance]:
    """A progress bar for one loop; yields ``advance(amount=1)``.

    ``total`` is the number of steps (``None``: unknown, a spinner without a bar). When
    progress is off this costs one call and ``advance`` does nothing.
    """
    if not enabled():
        yield _noop
        return
    global _live
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    owner = _live is None
    if _live is None:
        _live = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _count_column(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        _live.start()
    live = _live
    task_id = live.add_task(description, total=total)

    def advance(amount: float = 1) -> None:
        live.advance(task_id, amount)

    try:
        yield advance
    finally:
        live.remove_task(task_id)
        if owner:
            live.stop()
            _live = None


def track(items: Iterable[T], description: str, total: float | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar (``total`` defaults to ``len(items)``)."""
    if not enabled():
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(description, total) as advance:
        for item in items:
            yield item
            advance()

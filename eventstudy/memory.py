"""How the process reuses freed memory: keep it, rather than hand it back to the system.

A universe study allocates and frees the same large numpy temporaries over and over
(a few MB per column of a block of symbols, tens of MB per chunk of a test). glibc's
allocator serves such blocks with fresh pages from the system and returns them on
``free``, so every new array page-faults its memory in again: a third of a block's time
at 50M rows (``benchmarks/universe.py``). Three ``mallopt`` settings make freed blocks
stay for the next allocation: serve blocks up to 32 MB from the heap, trim a heap's free
top only past 256 MB, and keep as many heaps (arenas) as cores, so that memory one
thread frees is there for the others (with glibc's default of 8 per core, the 50M-row
study's peak RSS was 1.95-2.25 GB in fresh processes, and 1.86-1.89 GB with two). Memory
freed after a run stays with the process until it exits (or until ``malloc_trim``).

The command line sets them for its own process. A notebook or script running large
universes can call :func:`keep_freed_memory` once, before it starts threads; it changes
nothing elsewhere than with glibc (Linux), and nothing when the user has set the
allocator's own environment variables (``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_ARENA_MAX``).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "arenas", "keep_freed_memory", "kept"]

MMAP_THRESHOLD = 32 << 20
"""Blocks up to this size come from the heap, not from ``mmap`` (glibc's largest allowed
value; by default it moves between 128 kB and this as blocks are freed)."""

TRIM_THRESHOLD = 1 << 28
"""Free memory at a heap's top is handed back only past this size (default: twice the
mmap threshold)."""


def arenas() -> int:
    """Heaps the allocator keeps: one per core (at least 2)."""
    return max(2, os.cpu_count() or 2)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's malloc.h
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")
_applied = False


def kept() -> bool:
    """Whether this process keeps freed memory (so its worker processes should too)."""
    return _applied


def keep_freed_memory() -> bool:
    """Make this process keep freed memory for reuse (see the module docstring).

    Returns whether the settings were applied: False off glibc, or when the user set the
    allocator's environment variables (theirs win)."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in _USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, for one, has no such tuning)
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    global _applied
    settings = ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD), (_M_ARENA_MAX, arenas()))
    _applied = all([bool(mallopt(option, value)) for option, value in settings])
    return _applied

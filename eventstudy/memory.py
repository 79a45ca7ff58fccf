"""How the process reuses freed memory: keep it, rather than hand it back to the system.

A universe study allocates and frees the same large numpy temporaries over and over
(a few MB per column of a block of symbols, tens of MB per chunk of a test). glibc's
allocator serves such blocks with fresh pages from the system and returns them on
``free``, so every new array page-faults its memory in again: a third of a block's time
at 50M rows (``benchmarks/universe.py``). Two ``mallopt`` settings make freed blocks
stay in the heap for the next allocation: serve blocks up to 32 MB from the heap, and
trim its free top only past 1 GB. Peak memory is about the same; memory freed after a
run stays with the process until it exits (or until ``malloc_trim``).

The command line sets them for its own process. A notebook or script running large
universes can call :func:`keep_freed_memory` once; it changes nothing elsewhere than
with glibc (Linux), and nothing when the user has set the allocator's own environment
variables (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory", "kept"]

MMAP_THRESHOLD = 32 << 20
"""Blocks up to this size come from the heap, not from ``mmap`` (glibc's largest allowed
value; by default it moves between 128 kB and this as blocks are freed)."""

TRIM_THRESHOLD = 1 << 30
"""Free memory at the heap's top is handed back only past this size (default: twice
the mmap threshold)."""

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
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
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied

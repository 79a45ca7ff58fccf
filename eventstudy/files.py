"""Small file helpers every writer shares: atomic replacement and file hashes.

A file is written atomically by writing a temporary file in the same folder (so the
rename stays on one file system) and renaming it over the target with ``os.replace``:
a reader sees the old content or the new, never half of it, and a crash leaves at most a
hidden ``.NAME.*.tmp`` file that nothing reads. Standard library only, so any module
(the cache, the importer, the report writers) can use it without cost.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["atomic_path", "atomic_write", "facts_as_read", "file_facts", "file_stamp", "hidden_stem", "sha256_file", "umask"]

NAME_MAX = 255
"""The longest file name, in bytes, of the usual file systems (ext4, APFS, NTFS)."""


@contextmanager
def atomic_path(target: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A fresh temporary path beside ``target``; when the block ends normally the file
    written there replaces ``target`` in one step. It is removed in every case.

    Nested blocks replace their targets innermost first, which is how a writer orders
    the replacement of two files (the cache: its data file, then the metadata naming the
    data file's hash).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("new")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('new', ['a.txt'])
    """
    target = Path(target)
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{hidden_stem(target.name, 8 + len(suffix))}.", suffix=suffix)
    except OSError as exc:  # named by the file asked for, not the temporary name beside it
        raise _named(exc, target) from None
    os.close(handle)
    temp = Path(name)
    try:
        try:
            yield temp
        except OSError as exc:  # writing the temporary file (a full disk): named by the file asked for
            if exc.filename not in (None, str(temp)):
                raise
            raise _named(exc, target) from None
        os.chmod(temp, 0o666 & ~umask())  # mkstemp makes the file private; give it the usual permissions
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise _named(exc, target) from None
    finally:
        temp.unlink(missing_ok=True)


def hidden_stem(name: str, room: int) -> str:
    """What names a hidden file beside ``name`` (``.STEM.`` then ``room`` bytes: a random
    part and a suffix): ``name`` itself, or where that would pass :data:`NAME_MAX` bytes,
    its start and a hash of the whole, so that a target named near the limit (valid in
    itself) is still written through a file beside it. The same name gives the same stem.

    Examples
    --------
    >>> hidden_stem("out", 16)
    'out'
    >>> stem = hidden_stem("r" * 250, 16)
    >>> len(f".{stem}.") + 16, stem[-13:-12], stem == hidden_stem("r" * 250, 16)
    (255, '~', True)
    """
    encoded = os.fsencode(name)
    if len(encoded) + 2 + room <= NAME_MAX:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:12]
    return f"{os.fsdecode(encoded[: NAME_MAX - room - 3 - len(digest)])}~{digest}"  # '.', '~' and '.' around it


def _named(exc: OSError, target: Path) -> OSError:
    """``exc`` as the OS would say it of ``target`` (one without an errno, as it was)."""
    return exc if exc.errno is None else type(exc)(exc.errno, exc.strerror, str(target))


def atomic_write(target: str | Path, content: str | bytes, suffix: str = ".tmp") -> Path:
    """Write ``content`` (text is written as UTF-8) to ``target`` atomically; returns the path.

    Examples
    --------
    >>> import tempfile
    >>> path = atomic_write(Path(tempfile.mkdtemp()) / "b.csv", "date,close\\n")
    >>> path.read_bytes()
    b'date,close\\n'
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(target, suffix) as temp:
        temp.write_bytes(data)
    return Path(target)


def file_facts(path: str | Path) -> dict[str, Any]:
    """``{"sha256": ..., "bytes": ...}`` of an input file as it is now: a loader takes them
    when it reads the file, so the manifest records the bytes the run read, not the file
    as it is when the run ends (both None when it is not a file).

    Examples
    --------
    >>> import tempfile
    >>> facts = file_facts(atomic_write(Path(tempfile.mkdtemp()) / "d", b"abc"))
    >>> facts["sha256"][:16], facts["bytes"]
    ('ba7816bf8f01cfea', 3)
    """
    path = Path(path)
    if not path.is_file():
        return {"sha256": None, "bytes": None}
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def file_stamp(path: str | Path) -> dict[str, Any]:
    """``{"bytes": ..., "mtime_ns": ...}`` of an input file as a loader reads it (both None
    when it is not a file): what the manifest checks the file against before it hashes it
    (:func:`facts_as_read`). A stamp costs a ``stat``; a hash on every run, with or without
    a manifest to write, cost 0.035 s for a 38 MB panel and about 0.4 s for a 50M-row one."""
    path = Path(path)
    if not path.is_file():
        return {"bytes": None, "mtime_ns": None}
    found = path.stat()
    return {"bytes": found.st_size, "mtime_ns": found.st_mtime_ns}


def facts_as_read(path: str | Path, stamp: dict[str, Any] | None) -> dict[str, Any]:
    """``{"sha256": ..., "bytes": ...}`` of an input file as the run read it: hashed now
    where it still has the ``stamp`` its loader took (:func:`file_stamp`), as it was read;
    a file rewritten since (a nightly download appending a day) has no hash of the bytes
    the run read, and says so (``"changed": true``) rather than giving the new file's.
    A stamp that holds a hash already (the cache's, of the bytes it read and verified) is
    that; without a stamp (a result built by hand) the file is hashed as it is now."""
    if stamp is None:
        return file_facts(path)
    if "sha256" in stamp:
        return {"sha256": stamp["sha256"], "bytes": stamp.get("bytes")}
    if stamp.get("bytes") is None:
        return {"sha256": None, "bytes": None}
    if file_stamp(path) != stamp:
        return {"sha256": None, "bytes": stamp["bytes"], "changed": True}
    return {"sha256": sha256_file(path), "bytes": stamp["bytes"]}


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex, read in 1 MiB blocks.

    Examples
    --------
    >>> import tempfile
    >>> sha256_file(atomic_write(Path(tempfile.mkdtemp()) / "c", b"abc"))[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def umask() -> int:
    """The process's umask (read once: reading it means setting it for a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask

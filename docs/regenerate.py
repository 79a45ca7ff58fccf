"""Regenerate every example output shown in README.md and docs/*.md from real runs.

A shown output sits between two markers; the first names the command that printed it::

    <!-- output: eventstudy run configs/spx_rut.yaml --data-dir ../shared/data | head 30 -->
    ```text
    $ eventstudy run configs/spx_rut.yaml --data-dir ../shared/data
    ...
    ```
    <!-- /output -->

This script runs each command (the ``eventstudy`` command in this process, anything else
as a subprocess) from the repository root and rewrites what lies between the markers, so
no shown output is typed by hand: after a change to what a command prints, run

    python docs/regenerate.py                 # rewrite every block
    python docs/regenerate.py --check         # exit 1 and show a diff where a block drifted

``tests/test_docs.py`` runs the same generation and fails when a block differs.

The data directory is written ``../shared/data`` in the documents (where it lies beside a
checkout); the runs read ``--data-dir DIR``, else ``$EVENTSTUDY_DATA``, else that folder,
and the folder's real path is written back as ``../shared/data`` in the output.

After ``|`` a marker may name filters, applied in order:

- ``head N``: the first N lines of the output, then a ``...`` line if any were left out;
- ``section TITLE``: of Markdown output, the part under the heading starting with TITLE,
  up to the next heading of the same or a higher level;
- ``from TEXT`` / ``until TEXT``: from the first line starting with TEXT; up to (without)
  the first line starting with TEXT;
- ``edit OLD NEW``: run against a scratch copy of the study named in the command, with the
  text OLD replaced by NEW (for showing a mistake's message; OLD must occur once);
- ``exit N``: the exit code the command must end with (default 0; a user error is 2);
- ``raw``: insert the output as Markdown (its headings become bold lines, so a shown
  report does not add to the page's table of contents) instead of a ``text`` block.

The terminal width is 80 columns (what a pipe gets), colour is off and sweeps or universe
blocks run serially (``$EVENTSTUDY_EXECUTOR=serial``: results do not depend on where the
pieces run); trailing spaces are stripped from every line.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOWN_DATA_DIR = "../shared/data"
"""How the documents write the data directory (relative to the repository root)."""

BLOCK = re.compile(r"<!-- output: (?P<spec>.+?) -->\n(?P<body>.*?)<!-- /output -->", re.S)
HEADING = re.compile(r"^(#+) (.*)$")


class RegenerateError(Exception):
    """A marker that cannot be honoured: a bad filter, an unexpected exit code."""


@dataclass(frozen=True)
class Block:
    """One shown output: its file, the marker's spec and the text now between the markers."""

    path: Path
    spec: str
    body: str
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}: {self.spec}"

    @property
    def needs_data(self) -> bool:
        """Whether the command reads the real data (named in it, or in the script it runs)."""
        words = shlex.split(parse_spec(self.spec).command)
        scripts = [ROOT / w for w in words[1:2] if words[0] == "python" and w.endswith(".py")]
        return SHOWN_DATA_DIR in self.spec or any(SHOWN_DATA_DIR in s.read_text(encoding="utf-8") for s in scripts)

    @property
    def quick(self) -> bool:
        """Whether the command takes about a second: no real data, no simulation, no grid."""
        return not self.needs_data and not any(w in self.spec for w in ("calibrate", "sweep"))


@dataclass(frozen=True)
class Spec:
    command: str
    filters: tuple[tuple[str, ...], ...]


def documents() -> list[Path]:
    """README.md and every page of the documentation site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


def blocks(path: Path) -> list[Block]:
    """The output blocks of one document, in order."""
    text = path.read_text(encoding="utf-8")
    return [Block(path, m["spec"], m["body"], m.start("body"), m.end("body")) for m in BLOCK.finditer(text)]


def parse_spec(spec: str) -> Spec:
    """Split a marker into its command and its filters (``cmd | head 30 | raw``)."""
    command, *rest = (part.strip() for part in spec.split(" | "))
    filters = []
    for part in rest:
        words = tuple(shlex.split(part))
        known = {"head": 1, "section": 1, "from": 1, "until": 1, "edit": 2, "exit": 1, "raw": 0}
        if not words or words[0] not in known or len(words) - 1 != known[words[0]]:
            raise RegenerateError(f"unknown filter {part!r} in {spec!r} (known: head N, section TITLE, from TEXT, until TEXT, edit OLD NEW, exit N, raw)")
        filters.append(words)
    return Spec(command, tuple(filters))


def data_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """The real data directory: the argument, else ``$EVENTSTUDY_DATA``, else ../shared/data."""
    chosen = given or os.environ.get("EVENTSTUDY_DATA") or ROOT / SHOWN_DATA_DIR
    return Path(chosen).resolve()


@contextlib.contextmanager
def _environment(cwd: Path, cache: Path):
    """The fixed conditions of every run: cwd, 80 columns, no colour, serial, a fresh cache."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    for name in ("EVENTSTUDY_DATA", "EVENTSTUDY_DASK_ADDRESS", "FORCE_COLOR", "COLUMNS", "LINES"):
        os.environ.pop(name, None)
    os.environ.update({"COLUMNS": "80", "NO_COLOR": "1", "EVENTSTUDY_EXECUTOR": "serial", "EVENTSTUDY_CACHE": str(cache)})
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run(command: str, *, data: Path, edit: tuple[str, str] | None = None) -> tuple[int, str]:
    """Run one shown command as a user would from the repository root: (exit code, output).

    stdout and stderr are captured together, in the order they were written.
    """
    argv = shlex.split(command)
    argv = [str(data) if arg == SHOWN_DATA_DIR else arg for arg in argv]
    with tempfile.TemporaryDirectory(prefix="eventstudy-docs-") as scratch:
        cwd = ROOT
        if edit is not None:
            cwd = _edited_copy(argv, Path(scratch) / "study", *edit)
        with _environment(cwd, Path(scratch) / "cache"):
            if argv[0] == "eventstudy":
                code, out = _in_process(argv[1:])
            else:
                argv[0] = sys.executable if argv[0] == "python" else argv[0]
                done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
                code, out = done.returncode, done.stdout
    for real in {str(data), os.path.relpath(data, ROOT)}:
        out = out.replace(real, SHOWN_DATA_DIR)
    return code, out


def _in_process(args: list[str]) -> tuple[int, str]:
    from eventstudy.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: --help, a bad option
            code = exc.code if isinstance(exc.code, int) else 1
    return code, buffer.getvalue()


def _edited_copy(argv: list[str], scratch: Path, old: str, new: str) -> Path:
    """A scratch folder holding the command's study (same relative path) with OLD -> NEW."""
    studies = [arg for arg in argv if arg.endswith((".yaml", ".yml")) and (ROOT / arg).is_file()]
    if len(studies) != 1:
        raise RegenerateError(f"'edit' needs exactly one study file in the command, found {studies}")
    text = (ROOT / studies[0]).read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise RegenerateError(f"'edit': {old!r} occurs {text.count(old)} times in {studies[0]}, not once")
    target = scratch / studies[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(old, new), encoding="utf-8")
    return scratch


def _section(text: str, title: str) -> str:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = HEADING.match(line)
        if m and (line if title.startswith("#") else m[2]).startswith(title):
            level = len(m[1])
            end = next((j for j in range(i + 1, len(lines)) if (h := HEADING.match(lines[j])) and len(h[1]) <= level), len(lines))
            return "\n".join(lines[i:end])
    raise RegenerateError(f"no heading starting with {title!r} in the output")


def _cut(text: str, start: str, *, keep_after: bool) -> str:
    lines = text.splitlines()
    i = next((i for i, line in enumerate(lines) if line.startswith(start)), None)
    if i is None:
        raise RegenerateError(f"no line starting with {start!r} in the output")
    return "\n".join(lines[i:] if keep_after else lines[:i])


def _demote_headings(text: str) -> str:
    return "\n".join(f"**{m[2]}**" if (m := HEADING.match(line)) else line for line in text.splitlines())


_cache: dict[tuple[str, tuple[str, str] | None, Path], tuple[int, str]] = {}


def render(spec_text: str, *, data: Path) -> str:
    """The text that belongs between the markers of ``spec_text``."""
    spec = parse_spec(spec_text)
    edit = next((f[1:] for f in spec.filters if f[0] == "edit"), None)
    key = (spec.command, edit, data)
    if key not in _cache:  # several blocks may show parts of one run
        _cache[key] = run(spec.command, data=data, edit=edit)
    code, out = _cache[key]
    expected = int(next((f[1] for f in spec.filters if f[0] == "exit"), 0))
    if code != expected:
        raise RegenerateError(f"{spec.command!r} exited with {code}, not {expected}:\n{out[-2000:]}")
    out = "\n".join(line.rstrip() for line in out.splitlines()).strip("\n")
    raw = False
    for name, *args in spec.filters:
        if name == "head":
            lines = out.splitlines()
            n = int(args[0])
            out = "\n".join(lines[:n] + (["..."] if len(lines) > n else []))
        elif name == "section":
            out = _section(out, args[0])
        elif name in ("from", "until"):
            out = _cut(out, args[0], keep_after=name == "from")
        elif name == "raw":
            raw = True
    if raw:
        return _demote_headings(out).strip("\n") + "\n"
    return f"```text\n$ {spec.command}\n{out}\n```\n"


def regenerate(path: Path, *, data: Path) -> str:
    """The document with every output block rendered afresh."""
    text = path.read_text(encoding="utf-8")
    parts, last = [], 0
    for block in blocks(path):
        parts += [text[last : block.start], render(block.spec, data=data)]
        last = block.end
    return "".join(parts) + text[last:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the real data (default: $EVENTSTUDY_DATA, else ../shared/data)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 and show a diff if a block drifted")
    parser.add_argument("files", nargs="*", type=Path, help="documents to regenerate (default: README.md and docs/*.md)")
    args = parser.parse_args(argv)
    data = data_dir(args.data_dir)
    if not data.is_dir():
        parser.error(f"no data directory at {data} (pass --data-dir or set $EVENTSTUDY_DATA)")
    drifted = 0
    for path in [p.resolve() for p in args.files] or documents():
        try:
            new = regenerate(path, data=data)
        except RegenerateError as exc:
            print(f"{path.relative_to(ROOT)}: {exc}", file=sys.stderr)
            return 2
        old = path.read_text(encoding="utf-8")
        if new == old:
            continue
        drifted += 1
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(path.relative_to(ROOT)), "regenerated"))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    sys.exit(main())

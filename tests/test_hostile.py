"""The attack on the command line as a regression table (issue 15): each hostile input,
the exit code the command must give, and words its message must hold, with no traceback
and no echo of what the input tried to smuggle in."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy.cli import main

GOOD = """\
name: hostile
series: {SPX: SPX}
when: SPX at ATH
evaluate:
  - forward_returns: {horizons: [1m], assets: [SPX]}
statistics: {placebos: 0}
"""

# (case, study text or None for GOOD, extra files, argv after the study, exit code, words)
CASES = [
    ("duplicate key", GOOD + "when: SPX at ATL\n", {}, ["validate"], 2, "duplicate key 'when'"),
    ("python tag", GOOD.replace("name: hostile", "name: !!python/object/apply:os.system ['echo owned']"), {}, ["validate"], 2, "error"),
    ("escape in name", GOOD.replace("name: hostile", 'name: "a \\u001b[2J b"'), {}, ["validate"], 2, "control character U+001B"),
    ("NUL byte", GOOD.replace("hostile", "host\x00ile"), {}, ["validate"], 2, "U+0000 is not allowed"),
    ("deep YAML", "a: " + "[" * 3000 + "]" * 3000 + "\n", {}, ["validate"], 2, "nests too deeply"),
    ("deep condition", GOOD.replace("SPX at ATH", "(" * 300 + "SPX > 1" + ")" * 300), {}, ["validate"], 2, "nests more than 64"),
    ("long and-chain", GOOD.replace("SPX at ATH", " and ".join(["SPX > 1"] * 800)), {}, ["validate"], 2, "levels deep"),
    ("huge window", GOOD.replace("SPX at ATH", "SPX sma(18446744073709551616) > 1"), {}, ["validate"], 2, "at most 100,000"),
    ("huge literal", GOOD.replace("SPX at ATH", "SPX > " + "9" * 5000), {}, ["validate"], 2, "too long"),
    ("huge gap", GOOD + "decluster: {gap: 18446744073709551616}\n", {}, ["validate"], 2, "is too long"),
    ("negative seed", GOOD.replace("placebos: 0", "seed: -1"), {}, ["validate"], 2, "greater than or equal to 0"),
    ("impossible date", GOOD + "window: {start: 1980-02-30}\n", {}, ["validate"], 2, "'1980-02-30' is not a date"),
    ("too many horizons", GOOD.replace("[1m]", "[" + ", ".join(f"{i}d" for i in range(1, 200)) + "]"), {}, ["validate"], 2, "at most 100 items"),
    ("path traversal", GOOD.replace("series: {SPX: SPX}", "series: {SPX: SPX}\nuniverse: {data_file: ../../../../etc/passwd}").replace(", assets: [SPX]", ""),
     {}, ["run", "--data-dir", "{data}"], 2, "leaves the data directory"),
    ("universe file not symbols", GOOD.replace("series: {SPX: SPX}", "series: {SPX: SPX}\nuniverse: {file: secret.txt}").replace(", assets: [SPX]", ""),
     {"secret.txt": "root:x:0:0:root:/root:/bin/bash\n"}, ["run", "--data-dir", "{data}"], 2, "line 1 of the universe file"),
    ("cwd plug-in", GOOD + "plugins: [es_hostile_helper]\n", {"es_hostile_helper.py": "open('ran', 'w')\n"}, ["validate"], 2, "not installed"),
    ("unknown events", GOOD.replace("SPX at ATH", "on fomc"), {}, ["validate"], 2, "unknown events 'fomc'"),
    ("bad events date", GOOD.replace("SPX at ATH", "on fomc") + "events: {fomc: fomc.csv}\n", {"fomc.csv": "date\n2020-02-31\n"}, ["validate"], 2, "is not a date"),
    ("placebos beyond reach", None, {}, ["run", "--data-dir", "{data}", "--placebos", "1000000000"], 2, "is more than"),
    ("output is a file", None, {"out.txt": "mine\n"}, ["run", "--data-dir", "{data}", "--output", "out.txt"], 2, "is a file, not a folder"),
    ("output folder not ours", None, {"mine/notes.txt": "mine\n"}, ["run", "--data-dir", "{data}", "--output", "mine"], 2, "did not write"),
]


@pytest.mark.parametrize(("case", "text", "files", "argv", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_input_is_a_message(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, case: str, text: str | None,
    files: dict[str, str], argv: list[str], code: int, words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    study = tmp_path / "s.yaml"
    study.write_text(GOOD if text is None else text, encoding="utf-8", errors="surrogateescape")
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    command, *rest = argv
    args = [command, str(study), *(a.replace("{data}", str(shared_data)) for a in rest)]
    try:
        got = main(args)
    except SystemExit as exit_info:  # argparse refuses an option itself
        got = exit_info.code
    out, err = capsys.readouterr()
    assert got == code, (case, err[-500:])
    assert words in err, (case, err[-500:])
    assert "Traceback" not in err and "root:x" not in err and "\x1b" not in err and "owned" not in out
    assert not (tmp_path / "ran").exists()
    if "mine" in rest:
        assert (tmp_path / "mine" / "notes.txt").read_text() == "mine\n"

"""The catalogue of bad input, run through the real command (issue 6, item 1).

Every file in ``tests/scenarios/invalid/`` is given to ``python -m csmodel
project FILE`` in a subprocess, so what is asserted is what a person sees:
exit code 2, the located diagnostic on stderr's first line, no traceback,
nothing on stdout and nothing written or executed. Each file's first line is

    # expect: LINE:COL: error: key.path: message     (a prefix of the diagnostic)
    # expect:  error: message                         (no position: two spaces)

read as in ``test_loader.py``: the diagnostic starts with ``FILE:`` followed by
the expectation. Inputs that cannot be committed as files (missing, a
directory, unreadable, not UTF-8, over 2 MB, standard input) are generated
here.

No test asserts speed; the subprocess timeout only guards against a hang (an
alias bomb being expanded, a parser looping). The catalogue runs a few
subprocesses at once, so the whole module takes seconds, not a minute.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS

CATALOGUE = sorted((TEST_SCENARIOS / "invalid").glob("*.yaml"))
TIMEOUT = 10  # seconds; a guard against hangs, not a speed requirement
MB = 1024 * 1024


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    left_behind: list[str]  # files found afterwards in the (empty) working directory


def csmodel(*args: object, stdin: bytes | None = None) -> Run:
    """Run ``python -m csmodel ARGS`` in an empty working directory."""
    env = {k: v for k, v in os.environ.items() if k != "CSMODEL_DEBUG"}
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run(
            [sys.executable, "-m", "csmodel", *map(str, args)],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=TIMEOUT,
            cwd=cwd,
            env=env,
        )
        left = sorted(os.listdir(cwd))
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        left,
    )


# The catalogue's subprocesses run a few at a time; each test waits for its own.
_POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
_RUNS: dict[Path, Future[Run]] = {}


def catalogue_run(path: Path) -> Run:
    if not _RUNS:
        for p in CATALOGUE:
            _RUNS[p] = _POOL.submit(csmodel, "project", p)
    return _RUNS[path].result()


def expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be `# expect: ...`"
    return first.removeprefix("# expect: ")


def assert_only_diagnostics(run: Run, name: str) -> list[str]:
    """Exit 2, nothing on stdout, and every stderr line a ``NAME[:L:C]: error: `` line."""
    assert run.code == 2, (run.code, run.stderr)
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert lines, "no diagnostic on stderr"
    diagnostic = re.compile(re.escape(name) + r"(:\d+:\d+)?: error: \S")
    for line in lines:
        assert diagnostic.match(line), line
    return lines


# --- the catalogue --------------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.stem)
def test_catalogue_file_gives_its_located_error(path):
    expected = expectation(path)
    positioned = re.match(r"\d+:\d+: error: \S", expected)
    assert positioned or expected.startswith(" error: "), expected
    run = catalogue_run(path)
    lines = assert_only_diagnostics(run, str(path))
    assert lines[0].startswith(f"{path}:{expected}"), lines[0]
    assert run.left_behind == []  # nothing written, nothing executed


# Each bullet of the issue, and the files that answer it.
COVERAGE = {
    "only comments": ["only-comments"],
    "YAML syntax errors": [
        "tab-indent",
        "yaml-bad-indentation",
        "yaml-colon-in-plain-value",
        "yaml-unclosed-flow-mapping",
        "yaml-unclosed-quote",
        "control-character",
    ],
    "several documents": ["several-documents"],
    "duplicate keys": ["duplicate-key-top", "duplicate-key-segment", "duplicate-segment"],
    "billion laughs": ["billion-laughs"],
    "tags outside plain YAML": [
        "python-tag-os-system",
        "python-name-tag",
        "custom-tag",
        "binary-tag",
        "set-tag",
    ],
    "top level not a mapping": ["top-level-list", "top-level-scalar"],
    "deeply nested junk": ["deeply-nested", "complex-key", "merge-not-a-mapping"],
    "wrong types": [
        "name-not-text",
        "acv-text",
        "segments-as-list",
        "segments-null",
        "segment-not-a-mapping",
        "movement-not-a-mapping",
        "checks-not-a-list",
        "date-for-number",
        "number-with-separators",
    ],
    "yes/no where a number belongs": ["yes-for-accounts", "no-for-rate"],
    ".nan, .inf": ["nan-acv", "inf-rate", "overflow-number"],
    "negative or fractional accounts": ["negative-accounts", "fractional-accounts"],
    "rates outside [0, 1]": [
        "negative-rate",
        "rate-above-100",
        "rate-fraction-above-1",
        "share-above-100",
    ],
    "churn plus contraction above 100%": ["churn-plus-contraction"],
    "productivity 0 or above 100%": ["productivity-zero", "productivity-above-100"],
    "zero hours per year": ["zero-hours-per-year"],
    "horizon 0 or over 600": ["horizon-zero", "horizon-too-long"],
    "acv 0": ["acv-zero"],
    "malformed percents": ["percent-doubled", "percent-word", "percent-alone"],
    "empty segments": ["empty-segments"],
    "unknown keys at every level": [
        "unknown-key-top",
        "unknown-key-team",
        "unknown-key-economics",
        "unknown-key-understaffing",
        "unknown-key",  # segment
        "unknown-key-movement",
        "unknown-key-new-logos",
        "unknown-key-meeting",
        "unknown-key-variant",
        "unknown-key-check",
        "unknown-key-lint",
    ],
    "variant overriding a missing path": [
        "unknown-variant-path",
        "variant-missing-segment",
        "variant-missing-field",
    ],
    "check naming an unknown metric": ["check-unknown-metric"],
    # issue 11: schedules and the calendar, each error at its key
    "schedule: first key not the first month": ["schedule-first-key"],
    "schedule: key out of the horizon": ["schedule-out-of-horizon"],
    "schedule: keys out of order": ["schedule-out-of-order"],
    "schedule: YYYY-MM key without start": ["schedule-date-without-start"],
    "schedule: a value invalid for its field": ["schedule-invalid-value"],
    "schedule: on a key that cannot change over time": ["schedule-not-schedulable"],
    "schedule: a key that names no month": ["schedule-bad-key"],
    "start: not a month": ["start-not-a-month"],
}


def test_catalogue_covers_every_bullet_of_the_issue():
    names = {p.stem for p in CATALOGUE}
    missing = {bullet: [f for f in files if f not in names] for bullet, files in COVERAGE.items()}
    assert {b: f for b, f in missing.items() if f} == {}
    assert len(CATALOGUE) >= 40


def test_unknown_keys_suggest_the_closest_valid_key():
    for stem in COVERAGE["unknown keys at every level"]:
        expected = expectation(TEST_SCENARIOS / "invalid" / f"{stem}.yaml")
        assert re.search(r"unknown key `[^`]+`; did you mean `[^`]+`\?$", expected), stem


def test_duplicate_keys_name_both_lines():
    for stem in COVERAGE["duplicate keys"]:
        expected = expectation(TEST_SCENARIOS / "invalid" / f"{stem}.yaml")
        assert re.search(r"\(first at line \d+, again at line \d+\)", expected), stem


# --- files that cannot be committed as catalogue entries ----------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    run = csmodel("project", path)
    assert assert_only_diagnostics(run, str(path)) == [f"{path}: error: no such file"]


def test_a_directory(tmp_path):
    run = csmodel("project", tmp_path)
    lines = assert_only_diagnostics(run, str(tmp_path))
    assert lines == [f"{tmp_path}: error: is a directory, not a scenario file"]


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("name: t\nsegments:\n  s: {accounts: 1, acv: 1}\n", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read any file (root)")
        run = csmodel("project", path)
    finally:
        path.chmod(0o600)
    lines = assert_only_diagnostics(run, str(path))
    assert lines == [f"{path}: error: permission denied: cannot read the file"]


@pytest.mark.parametrize("content", [b"", b"\n\n   \n", b"\xef\xbb\xbf", b"# just a comment"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)
    lines = assert_only_diagnostics(csmodel("project", path), str(path))
    assert lines == [
        f"{path}: error: file is empty: a scenario needs at least `name` and `segments`"
    ]


@pytest.mark.parametrize(
    ("content", "where", "byte"),
    [
        (b"name: caf\xe9\nsegments:\n  s: {accounts: 1, acv: 1}\n", "1:10", "0xe9"),  # Latin-1
        (b"name: t\nsegments:\n  s: {accounts: 1, acv: 1}\n  \x80: {}\n", "4:3", "0x80"),
        ("name: t\n".encode("utf-16"), "1:1", "0xff"),  # UTF-16 with its BOM
    ],
    ids=["latin-1", "stray-byte", "utf-16"],
)
def test_not_utf8(tmp_path, content, where, byte):
    path = tmp_path / "latin.yaml"
    path.write_bytes(content)
    lines = assert_only_diagnostics(csmodel("project", path), str(path))
    assert lines == [
        f"{path}:{where}: error: file is not UTF-8 text (byte {byte}); save it as UTF-8"
    ]


BOOK = "name: t\nsegments:\n  s: {accounts: 10, acv: 1200}\n"


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BOOK.encode("utf-8"))
    run = csmodel("project", path, "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["total_revenue"] == pytest.approx(36 * 1000)


def test_utf8_bom_does_not_shift_columns(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: [x]\n" + BOOK.split("\n", 1)[1].encode("utf-8"))
    lines = assert_only_diagnostics(csmodel("project", path), str(path))
    assert lines == [f"{path}:1:7: error: name: expected text (got a list)"]


def big_scenario(size: int) -> bytes:
    """A valid scenario padded with comments to ``size`` bytes or more."""
    comment = b"# " + b"x" * 77 + b"\n"
    return BOOK.encode() + comment * (size // len(comment) + 1)


def test_over_2_mb_is_refused_and_says_so(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(big_scenario(2 * MB + 1))
    (line,) = assert_only_diagnostics(csmodel("project", path), str(path))
    assert line.startswith(f"{path}: error: file is ")
    assert "over the 2 MB limit" in line


def test_exactly_2_mb_is_read(tmp_path):
    # read_text is where the cap lives; parsing 2 MB of comments would only be slow
    from csmodel.yamlsrc import read_text

    path = tmp_path / "big.yaml"
    path.write_bytes(big_scenario(2 * MB)[: 2 * MB])
    name, text = read_text(path)
    assert name == str(path)
    assert len(text) == 2 * MB


def test_stdin_valid():
    run = csmodel("project", "-", "--format", "json", stdin=BOOK.encode())
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["total_revenue"] == pytest.approx(36 * 1000)


def test_stdin_invalid_is_located():
    text = BOOK + "    chrun: {rate: 2%}\n"
    text = text.replace("  s: {accounts: 10, acv: 1200}\n", "  s:\n    accounts: 10\n")
    lines = assert_only_diagnostics(csmodel("project", "-", stdin=text.encode()), "<stdin>")
    assert lines[0].startswith("<stdin>:3:3: error: segments.s: required key `acv` is missing")
    assert lines[1] == "<stdin>:5:5: error: segments.s: unknown key `chrun`; did you mean `churn`?"


def test_stdin_empty():
    lines = assert_only_diagnostics(csmodel("project", "-"), "<stdin>")
    assert lines == [
        "<stdin>: error: file is empty: a scenario needs at least `name` and `segments`"
    ]


def test_stdin_not_utf8():
    (line,) = assert_only_diagnostics(csmodel("project", "-", stdin=b"name: \xff\n"), "<stdin>")
    assert line == "<stdin>:1:7: error: file is not UTF-8 text (byte 0xff); save it as UTF-8"


def test_stdin_over_2_mb():
    run = csmodel("project", "-", stdin=big_scenario(2 * MB + 1))
    (line,) = assert_only_diagnostics(run, "<stdin>")
    assert line == "<stdin>: error: input is over the 2 MB limit for scenarios"


# --- schema-valid values the engine cannot represent ----------------------------------------
#
# Every number below is finite and within the schema's ranges, but accounts x acv (or
# the hours a meeting cadence asks for) overflow a float. csmodel must refuse such a
# file with a located error; today it crashes (exit 3) or prints null metrics (exit 0).

HUGE = {
    "book-overflows": "name: t\nsegments:\n  s:\n    accounts: 1000000\n    acv: 1e308\n",
    "hours-overflow": (
        "name: t\nsegments:\n  s:\n    accounts: 10\n    acv: 1200\n"
        "    meetings:\n      review: {per_year: 1e300, hours: 1e300}\n"
    ),
}


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("case", sorted(HUGE))
def test_values_that_overflow_are_refused_with_a_located_error(tmp_path, run_cli, case, fmt):
    path = tmp_path / f"{case}.yaml"
    path.write_text(HUGE[case], encoding="utf-8")
    code, out, err = run_cli(["project", path, "--format", fmt])
    run = Run(code, out, err, [])
    lines = assert_only_diagnostics(run, str(path))
    assert re.match(re.escape(str(path)) + r":\d+:\d+: error: segments\.s", lines[0]), lines[0]

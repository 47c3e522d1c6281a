"""The format follows the file name (issue 19, item 4) and binary output (issue 15, item 4).

- ``-o`` ending in ``.json``, ``.csv``, ``.md``, ``.xml`` (JUnit, ``check``), ``.html``
  (``report``) or ``.xlsx`` picks the format when ``--format`` is absent; ``.txt`` or no
  extension writes the default (the table);
- an explicit ``--format`` contradicting the extension, or an extension the command
  cannot write, is exit 2 with one line naming both;
- a workbook is written atomically, never over a file without ``--force``, to a pipe as
  it is, and never to a terminal (exit 2, naming ``--output``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT, SCENARIOS, invoke_cli

PLAN = SCENARIOS / "midmarket.yaml"


@pytest.mark.parametrize(
    ("command", "name", "looks_like"),
    [
        ("project", "out.json", lambda b: json.loads(b)["schema_version"] == 1),
        ("project", "out.csv", lambda b: b.startswith(b"segment,period,")),
        ("project", "out.md", lambda b: b.startswith(b"# ")),
        ("project", "out.xlsx", lambda b: b[:2] == b"PK"),
        ("project", "OUT.XLSX", lambda b: b[:2] == b"PK"),
        ("project", "out.txt", lambda b: b"Metric" in b and not b.startswith(b"{")),
        ("project", "out", lambda b: b"Metric" in b and not b.startswith(b"{")),
        ("headcount", "out.xlsx", lambda b: b[:2] == b"PK"),
        ("sensitivity", "out.csv", lambda b: b.startswith(b"rank,")),
        ("check", "out.xml", lambda b: ET.fromstring(b).tag == "testsuites"),
        ("check", "out.json", lambda b: "summary" in json.loads(b)),
        ("report", "out.html", lambda b: b.startswith(b"<!DOCTYPE html>")),
    ],
)
def test_the_extension_picks_the_format(tmp_path, command, name, looks_like):
    target = tmp_path / name
    code, out, err = invoke_cli([command, PLAN, "-o", target])
    assert code == 0, err
    assert out == ""
    assert looks_like(target.read_bytes())


def test_compare_writes_a_workbook_by_name(tmp_path):
    code, _, err = invoke_cli(["compare", PLAN, PLAN, "-o", tmp_path / "c.xlsx"])
    assert code == 0, err
    assert (tmp_path / "c.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["project", PLAN, "--format", "json", "-o", "x.csv"], ["--format json", "x.csv"]),
        (["project", PLAN, "-f", "table", "-o", "x.xlsx"], ["--format table", "x.xlsx"]),
        (["check", PLAN, "--format", "text", "-o", "x.xml"], ["--format text", "x.xml"]),
        (["check", PLAN, "-o", "x.xlsx"], ["csmodel check", "x.xlsx", ".xlsx"]),
        (["check", PLAN, "-o", "x.md"], ["csmodel check", "x.md"]),
        (["project", PLAN, "-o", "x.xml"], ["csmodel project", "x.xml"]),
        (["report", PLAN, "-o", "x.csv"], ["csmodel report", "x.csv"]),
    ],
)
def test_contradictions_and_unwritable_extensions_are_usage_errors(tmp_path, args, words):
    args = [tmp_path / a if str(a).startswith("x.") else a for a in args]
    code, out, err = invoke_cli(args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    "args",
    [
        ["project", PLAN, "--format", "csv", "-o", "x.csv"],
        ["project", PLAN, "--format", "json", "-o", "x.txt"],
        ["project", PLAN, "--format", "json", "-o", "x"],
        ["check", PLAN, "--format", "junit", "-o", "x.xml"],
        ["check", PLAN, "--format", "github", "-o", "x.log"],
    ],
)
def test_an_agreeing_or_neutral_name_keeps_the_format(tmp_path, args):
    args = [tmp_path / a if str(a).startswith("x") else a for a in args]
    code, _, err = invoke_cli(args)
    assert code == 0, err


def test_no_format_no_output_is_the_table():
    code, out, _ = invoke_cli(["project", PLAN])
    assert code == 0 and "Metric" in out


# --- binary output ------------------------------------------------------------------------


def test_a_workbook_never_replaces_a_file_without_force(tmp_path):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"keep me")
    code, _, err = invoke_cli(["project", PLAN, "-o", target])
    assert code == 2 and "--force" in err
    assert target.read_bytes() == b"keep me"
    code, _, err = invoke_cli(["project", PLAN, "-o", target, "--force"])
    assert code == 0, err
    assert target.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temporary left


def test_a_workbook_goes_to_a_pipe_as_it_is():
    out = subprocess.run(
        [sys.executable, "-m", "csmodel", "project", str(PLAN), "--format", "xlsx"],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout[:2] == b"PK"


def on_a_terminal(args: list[str]) -> subprocess.CompletedProcess:
    """``python -m csmodel ARGS`` with stdout a pseudo-terminal (stderr captured)."""
    main, child = os.openpty()
    try:
        return subprocess.run(
            [sys.executable, "-m", "csmodel", *args],
            stdout=child,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            check=False,
        )
    finally:
        os.close(child)
        os.close(main)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_workbook_is_never_written_to_a_terminal():
    out = on_a_terminal(["project", str(PLAN), "--format", "xlsx"])
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "--output" in err and len(err.strip().splitlines()) == 1


def test_emit_refuses_bytes_to_a_terminal(monkeypatch):
    import io

    from csmodel.cli.common import emit
    from csmodel.errors import UsageError

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    fake = Terminal(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", fake)
    with pytest.raises(UsageError, match="--output"):
        emit(b"PK\x03\x04", None, force=False)
    assert fake.buffer.getvalue() == b""


# --- review fixes -------------------------------------------------------------------------


def test_htm_writes_the_report(tmp_path):
    code, _, err = invoke_cli(["report", PLAN, "-o", tmp_path / "r.htm"])
    assert code == 0, err
    assert (tmp_path / "r.htm").read_bytes().startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["report", PLAN, "-o", "x.pdf"], ["csmodel report", ".pdf", "html"]),
        (["project", PLAN, "-o", "x.pdf"], ["csmodel project", ".pdf", "xlsx"]),
        (["project", PLAN, "-o", "x.xls"], ["csmodel project", ".xls", ".xlsx"]),
        (["headcount", PLAN, "-o", "x.XLS"], ["csmodel headcount", ".xls"]),
        (["report", PLAN, "-o", "x.docx"], ["csmodel report", ".docx"]),
    ],
)
def test_known_formats_csmodel_cannot_write_are_refused(tmp_path, args, words):
    args = [tmp_path / a if str(a).startswith("x.") else a for a in args]
    code, out, err = invoke_cli(args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not list(tmp_path.iterdir())


def test_a_subcommand_is_named_in_full(tmp_path):
    data = ROOT / "tests" / "data" / "fader-hardie-2007-regular.csv"
    code, _, err = invoke_cli(["fit", "retention", data, "-o", tmp_path / "f.csv"])
    assert code == 2
    assert "`csmodel fit retention` cannot write .csv files" in err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_report_is_never_written_to_a_terminal_but_goes_down_a_pipe():
    out = on_a_terminal(["report", str(PLAN)])
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "--output" in err and "report.html" in err and len(err.strip().splitlines()) == 1
    piped = subprocess.run(
        [sys.executable, "-m", "csmodel", "report", str(PLAN)],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"<!DOCTYPE html>")

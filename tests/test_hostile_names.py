"""User text is data in every output (issue 20, item 1).

Each hostile name (markup, HTML, pipes, formulas, quotes, backslashes, wide
characters) is fed as a scenario, segment, variant and check name, and a
description carries raw control characters. Every command runs in every
format, and each output is parsed by the format's real parser: JSON by
``json``, CSV by ``csv`` (every row as wide as the header, formula cells
neutralised), markdown by markdown-it-py and Python-Markdown (every table row
as wide as its header, no raw HTML from the file), JUnit by ``xml.etree``,
GitHub commands line by line. No output holds a raw control byte, and the
terminal table shows each name literally (never read as rich markup).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import invoke_cli

NAMES = [
    "mid [/bold] market",
    "mid [bold]market",
    "[red]x[/red]",
    "a|b || c",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "quote \" and ' here",
    "back\\slash \\n not a newline",
    "*bold* _em_ `code` # hash",
    "Zürich — 東京 ✓",
]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # LF (\n) aside; CR is checked apart

COMMANDS = {
    "project": ["table", "json", "csv", "markdown"],
    "headcount": ["table", "json", "csv", "markdown"],
    "compare": ["table", "json", "csv", "markdown"],
    "sensitivity": ["table", "json", "csv", "markdown"],
    "check": ["text", "json", "junit", "github"],
}


def yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def scenario(name: str) -> str:
    n = yaml_str(name)
    return f"""name: {n}
description: "line one\\nline two \\e[2J \\x07 bell \\r cr"
horizon_months: 24
segments:
  {n}:
    accounts: 40
    acv: 30000
    csms: 1
    churn: {{rate: 8%}}
    expansion: {{rate: 5%}}
    meetings:
      {n}: {{per_year: 12, hours: 1, prep_hours: 1}}
  plain:
    accounts: 10
    acv: 50000
variants:
  {n}:
    description: {n}
    set:
      segments.plain.acv: 60000
checks:
  - name: {n}
    metric: grr
    min: 99%
"""


def assert_no_raw_control(out: str) -> None:
    assert not CONTROL.search(out), repr(CONTROL.search(out).group())


def md_tables_keep_their_width(out: str) -> None:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    widths: list[int] = []
    row = 0
    for tok in tokens:
        if tok.type == "table_open":
            widths = []
        elif tok.type == "tr_open":
            row = 0
        elif tok.type in ("th_open", "td_open"):
            row += 1
        elif tok.type == "tr_close":
            widths.append(row)
        elif tok.type == "table_close":
            assert len(set(widths)) == 1, widths
    import markdown

    html = markdown.markdown(out, extensions=["tables"])
    assert "<script>" not in html
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        counts = {
            len(re.findall(r"<t[hd][ >]", tr))
            for tr in re.findall(r"<tr>.*?</tr>", table, flags=re.S)
        }
        assert len(counts) == 1, counts


def parse(fmt: str, out: str, name: str) -> None:
    assert_no_raw_control(out)
    if fmt == "json":
        text = json.dumps(json.loads(out), ensure_ascii=False)
        assert json.dumps(name, ensure_ascii=False)[1:-1] in text
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out, newline="")))
        assert len({len(r) for r in rows}) == 1
        cells = {c for r in rows for c in r}
        assert not any(c[:1] in ("=", "+", "-", "@") and not c[1:2].isdigit() for c in cells if c)
        assert not any(c.startswith(("=", "@", "+")) for c in cells)
    elif fmt == "markdown":
        md_tables_keep_their_width(out)
    elif fmt == "junit":
        ET.fromstring(out)
    elif fmt == "github":
        for line in out.splitlines()[:-1]:
            assert line.startswith("::"), line
    else:  # table, text: each name shown literally
        assert "\r" not in out


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("command", "fmt"), [(c, f) for c, fmts in COMMANDS.items() for f in fmts])
def test_hostile_name_in_every_command_and_format(tmp_path, name, command, fmt):
    path = tmp_path / "plan.yaml"
    path.write_text(scenario(name), encoding="utf-8")
    args = [command, path]
    if command == "compare":
        args = [command, path, path]
    code, out, err = invoke_cli([*args, "--format", fmt], env={"COLUMNS": "200"})
    assert code in (0, 1), err
    assert "Traceback" not in err
    parse(fmt, out, name)
    if fmt in ("table", "text") and command != "sensitivity":
        flat = " ".join(out.split())
        assert " ".join(name.split()) in flat or command == "check"


def test_control_characters_in_a_file_name_are_shown_escaped(tmp_path):
    path = tmp_path / "evil\x1b]0;owned\x07.yaml"
    path.write_text(scenario("plain-name"), encoding="utf-8")
    for fmt in COMMANDS["check"]:
        code, out, err = invoke_cli(["check", path, "--format", fmt])
        assert code in (0, 1), err
        parse(fmt, out, "plain-name")
        assert_no_raw_control(err)
    missing = tmp_path / "gone\x1b[2J.yaml"
    code, out, err = invoke_cli(["project", missing])
    assert code == 2
    assert_no_raw_control(err)
    assert "\\x1b" in err

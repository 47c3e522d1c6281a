"""Markdown output (issue 9 item 3, issue 20 item 1) and user text in rich (issue 20 item 1).

Markdown: every command's report holds every table the terminal shows, has a blank line
before and after each table, and parses the same in CommonMark+GFM tables (markdown-it-py)
and Python-Markdown: each table keeps its header's column count in every row, whatever
the names hold (``|``, newlines, ``<script>``, ``[/bold]``).

Rich: names are text, never markup: ``mid [/bold] market`` renders literally (it used to
crash with MarkupError), ``mid [bold]market`` keeps its brackets, and an ESC shows as
``\\x1b``.
"""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import markdown as pymarkdown
import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from tests.conftest import SCENARIOS, TEST_SCENARIOS

HOSTILE = textwrap.dedent(
    """\
    name: "Plan [/bold] <script>alert(1)</script> | pipe"
    description: "line one\\nline two | [bold]x \\e[2J <script>y</script>"
    segments:
      "mid [/bold] market":
        accounts: 10
        acv: 1000
        csms: 1
        churn: {rate: 5%}
        meetings:
          "check|in <b>x</b> *y*": {per_year: 4, hours: 1}
      "mid [bold]market | a <script>x</script>":
        accounts: 20
        acv: 2000
        churn: {rate: 5%}
        accounts_per_csm: 10
      "third | seg _x_":
        accounts: 20
        acv: 2000
        churn: {rate: 5%}
    variants:
      "v [/red] <i>":
        set:
          economics.cost_to_serve: 10%
    checks:
      - metric: grr
        segment: "mid [/bold] market"
        min: 99%
    """
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "plan [bold] <x>.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def _scenario(path: Path):
    from csmodel.loader import load_document
    from csmodel.overrides import resolve

    return resolve(load_document(path), None, [])


def outputs(path: Path, fmt: str) -> dict[str, object]:
    """Every command's ``fmt`` output (markdown text or a rich renderable) for ``path``."""
    from csmodel.capacity import headcount
    from csmodel.compare import columns, parse_metrics
    from csmodel.engine import project
    from csmodel.render import COMPARE, HEADCOUNT, PROJECT, SENSITIVITY
    from csmodel.sensitivity import sensitivity

    sc = _scenario(path)
    pr = project(sc)
    out: dict[str, object] = {
        f"project-{by}": PROJECT.renderer(fmt)(pr, by) for by in ("month", "quarter", "year")
    }
    out["headcount"] = HEADCOUNT.renderer(fmt)(headcount(sc, {}))
    out["sensitivity"] = SENSITIVITY.renderer(fmt)(sensitivity(sc))
    out["compare"] = COMPARE.renderer(fmt)(columns([path]), parse_metrics(None))
    return out


def md_tables(text: str) -> list[list[str]]:
    """Blocks of ``|`` lines in the markdown source."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def assert_markdown_sound(text: str) -> None:
    lines = text.split("\n")
    for i, line in enumerate(lines):  # a blank line before and after every table
        if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            assert i > 0 and lines[i - 1] == "", lines[i - 1 : i + 1]
        if line.startswith("|") and (i + 1 == len(lines) or not lines[i + 1].startswith("|")):
            assert i + 1 < len(lines) and lines[i + 1] == "", lines[i : i + 2]
    n_tables = len(md_tables(text))
    assert n_tables

    # CommonMark + GFM tables (markdown-it-py): every row has the header's column count.
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    found = 0
    row: int | None = None
    header: int | None = None
    for tok in tokens:
        if tok.type == "table_open":
            found += 1
            header = None
        elif tok.type == "tr_open":
            row = 0
        elif tok.type in ("th_open", "td_open"):
            row = (row or 0) + 1
        elif tok.type == "tr_close":
            if header is None:
                header = row
            assert row == header
    assert found == n_tables

    # Python-Markdown: the same tables, the same column counts, no raw HTML from names.
    html = pymarkdown.markdown(text, extensions=["tables"])
    assert html.count("<table>") == n_tables
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        counts = {len(re.findall(r"<t[hd][ >]", r)) for r in rows}
        assert len(counts) == 1, counts
    for tag in ("<script", "<b>", "<i>"):
        assert tag not in text and tag not in html
    assert "\x1b" not in text


@pytest.mark.parametrize(
    "path",
    [
        SCENARIOS / "saas-company.yaml",
        SCENARIOS / "paper" / "01-single-account.yaml",
        TEST_SCENARIOS / "valid" / "twelve-long-segments.yaml",
    ],
    ids=lambda p: p.name,
)
def test_markdown_parses_everywhere(path: Path) -> None:
    for name, text in outputs(path, "markdown").items():
        assert isinstance(text, str)
        try:
            assert_markdown_sound(text)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_hostile_names_in_markdown(hostile: Path) -> None:
    for name, text in outputs(hostile, "markdown").items():
        try:
            assert_markdown_sound(text)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
        assert "&lt;script&gt;" in text or name == "compare", name


def test_project_markdown_has_every_table() -> None:
    from csmodel.engine import project
    from csmodel.render.project import markdown

    pr = project(_scenario(SCENARIOS / "saas-company.yaml"))
    text = markdown(pr, "year")
    for heading in ("Revenue and ARR bridge by year", "By year", "By segment"):
        assert f"## {heading}" in text
    assert "| Segment | Accounts | Revenue |" in text
    assert "| Period | Accounts | Revenue | Opening ARR |" in text


def test_headcount_markdown_has_plans_per_segment_and_no_empty_header() -> None:
    from csmodel.capacity import headcount
    from csmodel.render.headcount import markdown

    report = headcount(_scenario(SCENARIOS / "saas-company.yaml"), {})
    text = markdown(report)
    for s in report.segments:
        assert f"## Hiring plan: {s.name}" in text
        assert f"## {s.name}: what staffing earns and costs" in text
    for block in md_tables(text):
        assert "|  |" not in block[0] and "| |" not in block[0]
    assert "Accounts at start" in text and "Gap" in text  # every workload column


def _rich(renderable: object, width: int = 120) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(renderable)
    return buf.getvalue()


def test_hostile_names_are_text_in_the_terminal(hostile: Path) -> None:
    for name, renderable in outputs(hostile, "table").items():
        text = _rich(renderable)
        assert "\x1b" not in text, name
        flat = " ".join(text.split())
        assert "\\x1b" in flat or name.startswith(("headcount", "sensitivity", "compare"))
        if name.startswith(("project", "headcount")):
            assert "mid [/bold] market" in flat, name
            assert "mid [bold]market" in flat, name


def test_check_text_with_markup_in_names_and_file_name(hostile: Path) -> None:
    from csmodel.checks import check_paths
    from csmodel.render.check import text

    out = _rich(text(check_paths([hostile])), 200)
    assert "plan [bold] <x>.yaml" in out
    assert "mid [/bold] market" in out
    assert "\x1b" not in out


def test_fit_tables_never_parses_markup() -> None:
    from rich.table import Table

    from csmodel.render.fmt import fit_tables

    t = Table()
    t.add_column("Name")
    t.add_row("mid [/bold] market")
    fit_tables(t)  # used to call Text.from_markup: MarkupError
    assert t.columns[0].min_width == len("mid [/bold] market")

"""No table ever crops (issue 9, item 1): every table-format output of every command, at
60, 80, 100, 120 and 200 columns, on every shipped scenario and on a twelve-segment one
with long names, keeps every line within the width, shows every column header (in full or
as its documented abbreviation, with the $k/$M unit when money is scaled), never prints
``…``, and shows the same numbers as JSON (after the rounding it states).

Renders in-process (``Console(width=W, file=StringIO())``, as ``emit`` does for a pipe
with ``COLUMNS=W``); one subprocess run checks that ``COLUMNS`` reaches the layout.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from csmodel.render.layout import ABBREVIATIONS
from tests.conftest import ROOT, SCENARIOS, TEST_SCENARIOS

WIDTHS = (60, 80, 100, 120, 200)
TWELVE = TEST_SCENARIOS / "valid" / "twelve-long-segments.yaml"
SHIPPED = [SCENARIOS, SCENARIOS / "paper", SCENARIOS / "examples"]
FILES = sorted([*(p for d in SHIPPED for p in d.glob("*.yaml")), TWELVE])
IDS = [str(p.relative_to(ROOT)) for p in FILES]


def year_columns(ys: list) -> dict:
    """What each column of the by-year table must show, from the JSON years."""
    return {
        "Revenue": [y["revenue"] for y in ys],
        "NRR": [y["nrr"] for y in ys],
        "GRR": [y["grr"] for y in ys],
        "Logos kept": [y["logo_retention"] for y in ys],
        "Exit ARR": [y["ending_arr"] for y in ys],
    }


def bridge_columns(totals: list) -> dict:
    """What each column of a project bridge table must show, from the JSON totals."""
    return {
        "Accounts": [r["accounts"] for r in totals],
        "Revenue": [r["revenue"] for r in totals],
        "Opening ARR": [12 * r["opening_mrr"] for r in totals],
        "New": [12 * r["new"] for r in totals],
        "Expansion": [12 * r["expansion"] for r in totals],
        "Price incr.": [12 * r["price_increase"] for r in totals],
        "Contraction": [-12 * r["contraction"] for r in totals],
        "Churn": [-12 * r["churn"] for r in totals],
        "Closing ARR": [r["closing_arr"] for r in totals],
    }


def render(renderable, width: int) -> str:
    from csmodel.render.fmt import fit_tables

    fit_tables(renderable)
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(renderable)
    return buf.getvalue()


@cache
def scenario(path: Path):
    from csmodel.loader import load_document
    from csmodel.overrides import resolve

    return resolve(load_document(path), None, [])


@cache
def projection(path: Path):
    from csmodel.engine import project

    return project(scenario(path))


@cache
def headcount_report(path: Path):
    from csmodel.capacity import headcount

    return headcount(scenario(path), {})


def assert_fits(text: str, width: int) -> None:
    assert text.strip()
    for line in text.splitlines():
        assert cell_len(line) <= width, f"{cell_len(line)} > {width}: {line!r}"
    assert "…" not in text


# --- parsing the rendered tables ------------------------------------------------------


def tables(text: str) -> list[dict]:
    """The tables of a rendered output, split parts joined: ``{"headers": [...],
    "columns": {header: [cell, ...]}}`` in output order."""
    lines = text.splitlines()
    out: list[dict] = []
    i = 0
    last_end = -10
    while i < len(lines):
        if i > 0 and lines[i].strip() and set(lines[i].strip()) == {"─"}:
            headers = re.split(r"\s{2,}", lines[i - 1].strip())
            rows = []
            j = i + 1
            while j < len(lines) and lines[j].strip():
                fields = re.split(r"\s{2,}", lines[j].strip())
                if len(fields) >= len(headers) - 1 and len(fields) <= len(headers):
                    rows.append(fields + [""] * (len(headers) - len(fields)))
                j += 1
            cols = {h: [r[k] for r in rows] for k, h in enumerate(headers)}
            gap = lines[last_end + 1 : i - 1]
            if out and all(not g.strip() for g in gap) and headers[0] in out[-1]["columns"]:
                out[-1]["headers"] += headers[1:]  # a split part: the key column repeats
                out[-1]["columns"].update(cols)
            else:
                out.append({"headers": headers, "columns": cols})
            last_end = j - 1
            i = j
        i += 1
    return out


def base_header(header: str) -> tuple[str, float]:
    """(full header, unit multiplier) of a rendered header."""
    mult = 1.0
    m = re.match(r"^(.*) \$(k|M)$", header)
    if m:
        header, mult = m.group(1), {"k": 1e3, "M": 1e6}[m.group(2)]
    full = {v: k for k, v in ABBREVIATIONS.items()}.get(header, header)
    return full, mult


def number(cell: str) -> tuple[float, float]:
    """(value, half a unit of its last digit) of a rendered number."""
    s = cell.strip()
    pct = s.endswith("%")
    body = s.rstrip("%").replace("$", "").replace(",", "")
    value = float(body)
    decimals = len(body.split(".")[1]) if "." in body else 0
    half = 0.5 * 10**-decimals
    if pct:
        return value / 100, half / 100
    return value, half


def check_columns(table: dict, expected: dict[str, list[float]]) -> None:
    """Every expected header is present and each of its cells equals the JSON value."""
    seen = {}
    for h in table["headers"]:
        full, mult = base_header(h)
        seen[full] = (h, mult)
    assert set(expected) <= set(seen), (sorted(expected), table["headers"])
    for full, values in expected.items():
        h, mult = seen[full]
        cells = table["columns"][h]
        assert len(cells) == len(values), (full, cells, values)
        for cell, want in zip(cells, values, strict=True):
            if want is None:
                assert cell == "n/a", (full, cell)
                continue
            got, half = number(cell)
            assert abs(got * mult - want) <= half * mult + 1e-6 * abs(want), (full, cell, want)


def find(ts: list[dict], first: str) -> list[dict]:
    return [t for t in ts if t["headers"][0] == first]


# --- project ----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_project_fits_and_matches_json(path: Path, by: str) -> None:
    from csmodel.records import project_record
    from csmodel.render.project import table

    pr = projection(path)
    rec = project_record(pr, by)
    renderable = table(pr, by)
    for width in WIDTHS:
        text = render(renderable, width)
        assert_fits(text, width)
        ts = tables(text)
        (bridge,) = find(ts, "Period")
        totals = rec["totals"]
        check_columns(
            bridge,
            bridge_columns(totals),
        )
        assert len(bridge["columns"]["Period"]) == len(totals)
        (years,) = find(ts, "Year")
        ys = rec["years"]
        check_columns(
            years,
            year_columns(ys),
        )
        segs = find(ts, "Segment")
        if len(pr.segments) > 1:
            (seg,) = segs
            ms = [rec["segments"][n]["metrics"] for n in pr.segments]
            check_columns(
                seg,
                {
                    "Accounts": [pr.scenario.segments[n].accounts for n in pr.segments],
                    "Revenue": [m["total_revenue"] for m in ms],
                    "Starting ARR": [m["starting_arr"] for m in ms],
                    "Exit ARR": [m["ending_arr"] for m in ms],
                    "NRR": [m["nrr"] for m in ms],
                    "GRR": [m["grr"] for m in ms],
                    "Contribution": [m["contribution"] for m in ms],
                    "CSMs req.": [m["csms_required"] for m in ms],
                    "Coverage": [m["coverage"] for m in ms],
                },
            )
        else:
            assert not segs


# --- headcount --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_headcount_fits_and_sweep_matches_json(path: Path) -> None:
    from csmodel.records import headcount_record
    from csmodel.render.headcount import PLAN_HEADERS, WORKLOAD_HEADERS, table

    report = headcount_report(path)
    rec = headcount_record(report)
    renderable = table(report)
    for width in WIDTHS:
        text = render(renderable, width)
        assert_fits(text, width)
        ts = tables(text)
        (workload,) = find(ts, "Segment")
        assert {base_header(h)[0] for h in workload["headers"]} == set(WORKLOAD_HEADERS)
        sweeps = find(ts, "CSMs")
        names = [s.name for s in report.segments if s.sweep]
        assert len(sweeps) == len(names)
        for t, name in zip(sweeps, names, strict=True):
            rows = rec["sweep"][name]
            check_columns(
                t,
                {
                    "CSMs": [r["csms"] for r in rows],
                    "Accounts/CSM": [r["accounts_per_csm"] for r in rows],
                    "Coverage": [r["coverage"] for r in rows],
                    "Revenue": [r["total_revenue"] for r in rows],
                    "CSM cost": [r["csm_cost"] for r in rows],
                    "Contribution": [r["gross_profit"] for r in rows],
                    "Δ contribution": [r["delta_gross_profit"] for r in rows],
                },
            )
            assert "Note" in t["headers"]
        for plan in find(ts, "Quarter"):
            assert {base_header(h)[0] for h in plan["headers"]} == set(PLAN_HEADERS)
        if rec["hiring_plan"]:
            assert len(find(ts, "Quarter")) == 1 + (
                len(report.hiring_plan.segments) if len(report.hiring_plan.segments) > 1 else 0
            )


# --- sensitivity, compare, check --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [SCENARIOS / "saas-company.yaml", SCENARIOS / "paper" / "01-single-account.yaml", TWELVE],
)
def test_sensitivity_fits(path: Path) -> None:
    from csmodel.render.compare import SENSITIVITY_HEADERS, sensitivity_table
    from csmodel.sensitivity import sensitivity

    result = sensitivity(scenario(path))
    renderable = sensitivity_table(result)
    for width in WIDTHS:
        text = render(renderable, width)
        assert_fits(text, width)
        (t,) = find(tables(text), "#")
        headers = {base_header(h)[0] for h in t["headers"]}
        assert headers == {*SENSITIVITY_HEADERS, "Tornado (− │ +)"}
        assert len(t["columns"]["#"]) == len(result.rows)


def _compare_cases() -> list[tuple[str, list[Path]]]:
    return [
        ("two-files", [SCENARIOS / "midmarket.yaml", SCENARIOS / "enterprise.yaml"]),
        ("variants", [SCENARIOS / "saas-company.yaml"]),
        ("long-names", [TWELVE, SCENARIOS / "saas-company.yaml"]),
    ]


@pytest.mark.parametrize("case", _compare_cases(), ids=lambda c: c[0])
def test_compare_fits(case: tuple[str, list[Path]]) -> None:
    from csmodel.compare import columns, parse_metrics
    from csmodel.ids import metric_label
    from csmodel.render.compare import table

    cols = columns(case[1])
    metrics = parse_metrics(None)
    renderable = table(cols, metrics)
    for width in WIDTHS:
        text = render(renderable, width)
        assert_fits(text, width)
        shown = " ".join(
            " ".join(m for t in tables(text) for m in t["columns"].get("Metric", [])).split()
        )
        for m in metrics:  # each metric's human label (it may wrap in a narrow column)
            assert metric_label(m) in shown, m


def test_check_fits() -> None:
    from csmodel.checks import check_paths
    from csmodel.render.check import CHECK_HEADERS, text

    report = check_paths([*FILES])
    renderable = text(report)
    for width in WIDTHS:
        out = render(renderable, width)
        assert_fits(out, width)
        found = [t for t in tables(out) if t["headers"][0] == "Line"]
        assert found
        for t in found:
            assert set(t["headers"]) == set(CHECK_HEADERS)


# --- layout choices ---------------------------------------------------------------------


def test_layout_prefers_full_figures_then_thousands_then_split() -> None:
    from csmodel.render.layout import Fit
    from csmodel.render.project import period_grid

    pr = projection(SCENARIOS / "saas-company.yaml")
    fit = Fit(period_grid(pr, "year"))
    render(fit, 200)
    assert fit.chosen == ("full", False, 1)
    render(fit, 120)
    assert fit.chosen == ("full", False, 1)
    render(fit, 110)
    assert fit.chosen == ("k", True, 1)  # one table in $k before splitting
    render(fit, 100)
    assert fit.chosen == ("full", False, 2)  # two stacked tables in whole dollars before $M
    text = render(fit, 60)
    assert "Money in $k (thousands of USD, rounded to 1 decimal)" in " ".join(text.split())


def test_money_scaled_cells() -> None:
    from csmodel.render.layout import Money

    assert Money(336_695.0, "USD", True).text() == "+$336,695"
    assert Money(336_695.0, "USD", True).text("k") == "+336.7"
    assert Money(-2_017_400.0, "USD", True).text("M") == "-2.02"
    assert Money(22_520_876.0, "USD").text("k") == "22,520.9"
    assert Money(10.0, "USD", True).text("k") == "0.0"


def test_columns_env_reaches_the_layout() -> None:
    """A real run with ``COLUMNS=80`` and a pipe: nothing wider, nothing cut."""
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-m", "csmodel", "project", str(SCENARIOS / "saas-company.yaml")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert_fits(out, 80)
    assert "Closing ARR" in out


def test_abbreviations_are_unambiguous() -> None:
    """Each short header stands for one full header (docs/explanation/outputs.md lists the map)."""
    assert len(set(ABBREVIATIONS.values())) == len(ABBREVIATIONS)
    assert not set(ABBREVIATIONS.values()) & set(ABBREVIATIONS)


@pytest.mark.parametrize("command", ["project", "headcount", "sensitivity", "check"])
def test_no_line_ends_in_spaces_and_the_headline_does_not_wrap(run_cli, command):
    """Rich leaves spaces where a paragraph wraps or a table pads its last column; the
    output boundary trims them, so no line reads as cut short. The project headline's
    labels stay one line each at 80 columns (what they mean is said beneath)."""
    code, out, err = run_cli([command, SCENARIOS / "saas-company.yaml"], env={"COLUMNS": "80"})
    assert code in (0, 1), err
    assert not [line for line in out.splitlines() if line != line.rstrip()]
    if command == "project":
        from csmodel.engine import project
        from csmodel.loader import load_scenario
        from csmodel.render.project import headline_rows

        n = len(headline_rows(project(load_scenario(SCENARIOS / "saas-company.yaml"))))
        lines = out.splitlines()
        rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
        assert lines[rule + n + 1].startswith("Uplift in years of starting ACV is")

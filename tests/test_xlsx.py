"""``--format xlsx`` (issue 15, items 2 and 3): workbooks read back with openpyxl.

- each command's sheets, headers frozen, number formats on money and percent cells;
- the live formulas promised (closing ARR, totals, NRR, GRR of the ARR bridge and the
  by-year sheet; the tornado's swing) are formulas, and a small evaluator here
  (``+ - * /``, cell references, ``SUM`` over a range, ``ABS``, ``IF``) recomputes each
  from the cells it names and gets its cached value, which is csmodel's JSON number;
- the Assumptions sheet gives every input its line in the file (or the override that
  set it, or ``default``);
- hostile user text (``=cmd|...``, ``<script>``) is a string cell, never a formula.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import SCENARIOS, invoke_cli

REL = 1e-12
"""Cells hold 15-16 significant digits (XlsxWriter writes ``%.16g``)."""


def write(tmp_path: Path, args: list, name: str = "out.xlsx") -> tuple[object, object]:
    """(formulas workbook, cached values workbook) of ``csmodel ARGS -o NAME``."""
    target = tmp_path / name
    code, _, err = invoke_cli([*args, "--output", target, "--force"])
    assert code == 0, err
    data = target.read_bytes()
    assert data[:2] == b"PK"
    return (
        openpyxl.load_workbook(io.BytesIO(data)),
        openpyxl.load_workbook(io.BytesIO(data), data_only=True),
    )


def cli_json(args: list) -> dict:
    code, out, err = invoke_cli([*args, "--format", "json"])
    assert code == 0, err
    return json.loads(out)


# --- a small formula evaluator ---------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)"
    r'|(?P<ref>\$?[A-Z]+\$?\d+)|(?P<func>[A-Z]+)\(|(?P<str>"[^"]*")|(?P<op>[-+*/(),=<>]))'
)


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read {text[pos:]!r}"
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class Evaluator:
    """Evaluates a formula on a sheet, following references into other formulas."""

    def __init__(self, ws):
        self.ws = ws

    def value(self, ref: str) -> float | str:
        v = self.ws[ref.replace("$", "")].value
        if isinstance(v, str) and v.startswith("="):
            return self.formula(v)
        return 0.0 if v is None else v

    def cells(self, rng: str) -> list:
        return [c.coordinate for row in self.ws[rng.replace("$", "")] for c in row]

    def formula(self, text: str):
        saved = getattr(self, "toks", None), getattr(self, "i", 0)  # a reference's formula
        self.toks, self.i = tokens(text.lstrip("=")), 0
        v = self.compare()
        assert self.i == len(self.toks), text
        self.toks, self.i = saved
        return v

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def compare(self):
        left = self.expr()
        if self.peek() == ("op", "="):
            self.take()
            return left == self.expr()
        return left

    def expr(self):
        v = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            w = self.term()
            v = v + w if op == "+" else v - w
        return v

    def term(self):
        v = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            w = self.unary()
            v = v * w if op == "*" else v / w
        return v

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return -self.unary()
        return self.atom()

    def args(self) -> list:
        out = []
        while True:
            kind, text = self.peek()
            if kind == "range":
                self.take()
                out.append([self.value(c) for c in self.cells(text)])
            else:
                out.append(self.compare())
            if self.take()[1] == ")":
                return out

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            return self.value(text)
        if kind == "op" and text == "(":
            v = self.compare()
            assert self.take()[1] == ")"
            return v
        if kind == "func":
            args = self.args()
            if text == "SUM":
                return float(sum(sum(a) if isinstance(a, list) else a for a in args))
            if text == "ABS":
                return abs(args[0])
            if text == "IF":
                return args[1] if args[0] else args[2]
        raise AssertionError(f"unknown token {kind} {text}")


def test_the_evaluator():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, "=A1*A2-1"
    ws["B1"] = "=SUM(A1:A3)/2"
    ws["B2"] = '=IF(A1=0,"",ABS(-A3)/(A1+2))'
    ev = Evaluator(ws)
    assert ev.formula(ws["B1"].value) == 5.0
    assert ev.formula(ws["B2"].value) == 1.25


def formulas_reproduce_cached(ws, cached_ws) -> int:
    """Evaluate every formula of ``ws``; each equals its cached value. Returns how many."""
    ev = Evaluator(ws)
    n = 0
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                got = ev.formula(c.value)
                want = cached_ws[c.coordinate].value
                assert want is not None, c.coordinate
                assert got == pytest.approx(want, rel=REL, abs=1e-6), (c.coordinate, c.value)
                n += 1
    return n


def header(ws) -> list:
    return [c.value for c in ws[1]]


def column(ws, name: str) -> int:
    return header(ws).index(name) + 1


# --- project ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["saas-company.yaml", "fy27-plan.yaml", "book/plan.yaml"])
def test_project_workbook_formulas_are_live_and_equal_the_json(tmp_path, name):
    path = SCENARIOS / name
    wb, cached = write(tmp_path, ["project", path])
    assert wb.sheetnames[:5] == [
        "Summary",
        "ARR bridge",
        "Bridge by segment",
        "By year",
        "By segment",
    ]
    assert "Assumptions" in wb.sheetnames and "Conventions" in wb.sheetnames
    rec = cli_json(["project", path, "--by", "year"])

    ws, cws = wb["ARR bridge"], cached["ARR bridge"]
    assert ws.freeze_panes == "B2"
    close = column(ws, "Closing ARR")
    n = len(rec["totals"])
    for i, row in enumerate(rec["totals"], 2):
        assert ws.cell(i, close).value.startswith("=")  # closing ARR: a live formula
        assert cws.cell(i, close).value == pytest.approx(row["closing_arr"], rel=REL)
        assert cws.cell(i, column(ws, "New")).value == pytest.approx(row["new_arr"], rel=REL)
        assert ws.cell(i, close).number_format.startswith('"$"')
    total = n + 2
    assert ws.cell(total, 1).value == "Total"
    for name_ in ("Revenue", "New", "Expansion", "Price increase", "Contraction", "Churn"):
        assert ws.cell(total, column(ws, name_)).value.startswith("=SUM(")
    assert cws.cell(total, column(ws, "Revenue")).value == pytest.approx(
        rec["metrics"]["total_revenue"], rel=REL
    )
    assert cws.cell(total, close).value == pytest.approx(rec["metrics"]["ending_arr"], rel=REL)
    assert formulas_reproduce_cached(ws, cws) >= 2 * n + 6

    ws, cws = wb["By year"], cached["By year"]
    nrr, grr = column(ws, "NRR"), column(ws, "GRR")
    for i, y in enumerate(rec["years"], 2):
        if y["nrr"] is None:
            continue
        assert ws.cell(i, nrr).value.startswith("=") and ws.cell(i, grr).value.startswith("=")
        assert cws.cell(i, nrr).value == pytest.approx(y["nrr"], rel=REL)
        assert cws.cell(i, grr).value == pytest.approx(y["grr"], rel=REL)
        assert ws.cell(i, nrr).number_format.endswith("%")
    assert formulas_reproduce_cached(ws, cws) >= 3
    formulas_reproduce_cached(wb["Bridge by segment"], cached["Bridge by segment"])

    summary = {r[2]: r[1] for r in cached["Summary"].iter_rows(min_row=4, values_only=True)}
    for m, v in rec["metrics"].items():
        if m in summary:
            assert summary[m] == (pytest.approx(v, rel=REL) if v is not None else None), m


def test_assumptions_cite_their_lines(tmp_path):
    path = SCENARIOS / "fy27-plan.yaml"
    wb, _ = write(tmp_path, ["project", path, "--set", "horizon_months=24"])
    rows = {
        r[0]: (r[1], r[-1])
        for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True)
        if r[0]
    }
    text = path.read_text(encoding="utf-8").splitlines()
    value, source = rows["team.hours_per_year"]
    assert value == 2080
    line = int(source.rsplit(":", 1)[1])
    assert "hours_per_year" in text[line - 1]
    assert rows["horizon_months"] == (24, "--set horizon_months=24")
    assert any(src == "default" for _, src in rows.values())
    assert not [k for k in rows if k.startswith(("variants", "checks"))]


# --- headcount, sensitivity, compare --------------------------------------------------------


def test_headcount_workbook(tmp_path):
    path = SCENARIOS / "saas-company.yaml"
    wb, cached = write(tmp_path, ["headcount", path])
    assert {"Workload", "Sweep", "Hiring plan", "Assumptions"} <= set(wb.sheetnames)
    rec = cli_json(["headcount", path])
    ws = cached["Sweep"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    want = [(name, r["csms"], r["csm_cost"]) for name, s in rec["sweep"].items() for r in s]
    got = [(r[0], r[header(ws).index("CSMs")], r[header(ws).index("CSM cost")]) for r in rows]
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert [g[2] for g in got] == pytest.approx([w[2] for w in want], rel=REL)
    assert wb["Sweep"].freeze_panes == "B2"


def test_sensitivity_workbook_swing_is_a_formula(tmp_path):
    path = SCENARIOS / "midmarket.yaml"
    wb, cached = write(tmp_path, ["sensitivity", path, "--top", "5"])
    rec = cli_json(["sensitivity", path, "--top", "5"])
    ws, cws = wb["Sensitivity"], cached["Sensitivity"]
    swings = [
        r[8] for r in cws.iter_rows(min_row=5, max_row=4 + len(rec["rows"]), values_only=True)
    ]
    assert swings == pytest.approx([r["swing"] for r in rec["rows"]], rel=REL)
    assert ws.cell(5, 9).value.startswith("=ABS(")
    assert formulas_reproduce_cached(ws, cws) == len(rec["rows"])


def test_compare_workbook(tmp_path):
    paths = [SCENARIOS / "saas-company.yaml", SCENARIOS / "midmarket.yaml"]
    wb, cached = write(tmp_path, ["compare", *paths, "--metrics", "nrr,ending_arr"])
    rows = list(cached["Compare"].iter_rows(min_row=2, values_only=True))
    rec = cli_json(["compare", *paths, "--metrics", "nrr,ending_arr"])
    values = [c["metrics"][m] for m in ("nrr", "ending_arr") for c in rec["columns"]]
    assert [r[5] for r in rows] == pytest.approx(values, rel=REL)
    assert "Assumptions" in wb.sheetnames


# --- hostile text ---------------------------------------------------------------------------

HOSTILE = ["=cmd|' /C calc'!A0", "+1+2", "@SUM(A1:A2)", "<script>x</script>", "-2+3"]


def test_hostile_text_is_data(tmp_path):
    name = HOSTILE[0]
    seg = HOSTILE[1]
    f = tmp_path / "h.yaml"
    f.write_text(
        f"name: {json.dumps(name)}\n"
        f'description: "{HOSTILE[3]} \\x07 bell"\n'
        "horizon_months: 24\nsegments:\n"
        f"  {json.dumps(seg)}:\n    accounts: 40\n    acv: 30000\n    csms: 1\n"
        "    meetings:\n"
        f"      {json.dumps(HOSTILE[2])}: {{per_year: 12, hours: 1, prep_hours: 1}}\n"
        f"  {json.dumps(HOSTILE[4])}:\n    accounts: 10\n    acv: 50000\n",
        encoding="utf-8",
    )
    seen: set[str] = set()
    for command in ("project", "headcount", "sensitivity"):
        wb, _ = write(tmp_path, [command, f], f"{command}.xlsx")
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and any(h in c.value for h in HOSTILE):
                        assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                        seen.add(c.value)
                    if c.data_type == "f":  # csmodel's own formulas only
                        assert not any(h in c.value for h in HOSTILE)
                    if isinstance(c.value, str):
                        assert "\x07" not in c.value
    assert name in seen and seg in seen and HOSTILE[4] in seen
    assert any(v == "segments.+1+2.accounts" for v in seen)


# --- review fixes -------------------------------------------------------------------------


def test_the_same_plan_gives_the_same_bytes(tmp_path):
    path = SCENARIOS / "midmarket.yaml"
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for target in (first, second):
        code, _, err = invoke_cli(["project", path, "-o", target])
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()


def test_number_formats_of_inputs_conventions_and_counts(tmp_path):
    path = SCENARIOS / "saas-company.yaml"
    wb, _ = write(tmp_path, ["headcount", path])
    inputs = {r[0].value: r[1] for r in wb["Assumptions"].iter_rows(min_row=2) if r[0].value}
    assert inputs["horizon_months"].number_format == "#,##0"
    assert inputs["fiscal_year_start"].number_format == "#,##0"
    assert inputs["segments.mid-market.csms"].number_format == "#,##0"
    assert inputs["team.productivity"].number_format == "0.00%"
    assert inputs["segments.mid-market.churn.rate"].number_format == "0.00%"
    assert "$" in inputs["segments.mid-market.acv"].number_format
    conventions = {r[0].value: r[1] for r in wb["Conventions"].iter_rows(min_row=2) if r[0].value}
    assert conventions["horizon_months"].number_format == "#,##0"
    assert conventions["discount_rate"].number_format == "0.00%"
    assert conventions["cost_to_serve"].number_format == "0.00%"
    ws = wb["Workload"]
    j = header(ws).index("Recommended CSMs") + 1
    assert ws.cell(2, j).number_format == "#,##0"


def test_every_workbook_cites_its_sources(tmp_path):
    """Sources travel with the scenario: compare's columns, headcount's sizing view and
    its --csms, an account book's segments."""
    path = SCENARIOS / "saas-company.yaml"
    wb, _ = write(tmp_path, ["compare", path], "c.xlsx")
    src = {r[0]: r[-2] for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert re.fullmatch(r".*saas-company\.yaml:\d+", src["horizon_months"])
    wb, _ = write(tmp_path, ["headcount", path, "--csms", "mid-market=4"], "h.xlsx")
    rows = {r[0]: r for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["segments.mid-market.csms"][1] == 4
    assert rows["segments.mid-market.csms"][-1] == "--csms mid-market=4"
    assert re.fullmatch(r".*saas-company\.yaml:\d+", rows["segments.enterprise.csms"][-1])
    wb, _ = write(tmp_path, ["headcount", SCENARIOS / "book" / "plan.yaml"], "b.xlsx")
    rows = {r[0]: r for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True) if r[0]}
    book = f"book: {SCENARIOS / 'book' / 'accounts.csv'}"
    assert rows["segments.smb.accounts"][-1] == book
    assert rows["segments.smb.acv"][-1] == book


def test_the_origin_travels_with_copies_of_a_scenario():
    from csmodel.book import sizing_view
    from csmodel.edit import edit
    from csmodel.loader import load_document
    from csmodel.overrides import resolve
    from csmodel.render import source_of

    doc = load_document(SCENARIOS / "book" / "plan.yaml")
    sc = resolve(doc)
    assert source_of(sc).document is doc and source_of(sc).variant is None
    assert source_of(sizing_view(sc)) is source_of(sc)
    assert source_of(edit(sc, ("segments", "smb", "csms"), 2)) is source_of(sc)
    assert source_of(doc.scenario) is None  # the document's own scenario is not marked


def test_a_range_and_a_plain_value_share_a_row_in_compare(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "name: p\nhorizon_months: 12\nsegments:\n  mm:\n    accounts: 50\n    acv: 20000\n"
        "    churn: {rate: {low: 5%, high: 15%}, every: year}\n"
        "variants:\n  flat: {set: {segments.mm.churn.rate: 8%}}\n",
        encoding="utf-8",
    )
    wb, _ = write(tmp_path, ["compare", f])
    rows = [r for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True) if r[0]]
    names = [r[0] for r in rows]
    assert "segments.mm.churn.rate" in names
    assert not [n for n in names if n.startswith("segments.mm.churn.rate.")]
    row = rows[names.index("segments.mm.churn.rate")]
    assert 0.05 < row[1] < 0.15 and row[2] == 0.08
    assert "low 0.05, high 0.15" in row[-1]

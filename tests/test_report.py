"""``csmodel report``: one self-contained HTML file (issue 15, items 1, 3, 4).

Every report is parsed by html5lib as a browser would (strictly: any parse error
fails) and checked for

- every section (``render.html.SECTIONS``) and its charts (inline SVG, made by
  matplotlib), nothing fetched when opened (no ``src``, no external ``href``, no
  ``url(...)``, no ``@import``) and no script;
- the numbers: each table the report shares with the JSON (headline, ARR bridge, years,
  segments, simulation, workload, hiring plan, tornado) holds, cell by cell, the JSON's
  value formatted by the same function (``units.money``, ``pct``, ``count``, ``num``);
  and every figure in every table is one of the JSON records' values so formatted;
- a report for every shipped scenario, with and without ``--simulate``;
- hostile names (markup, control characters) staying text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest
from conftest import ROOT, SCENARIOS, invoke_cli

from csmodel.units import count, money, num, pct

SHIPPED = sorted(p.relative_to(ROOT) for p in SCENARIOS.rglob("*.yaml"))
TOP = sorted(p.relative_to(ROOT) for p in SCENARIOS.glob("*.yaml"))
SIM = ["--simulate", "12", "--seed", "7"]

SECTION_IDS = (
    "headline",
    "arr",
    "bridge",
    "years",
    "headcount",
    "tornado",
    "checks",
    "assumptions",
    "appendix",
)


def render(args: list, tmp_path: Path | None = None) -> str:
    code, out, err = invoke_cli(["report", *args])
    assert code == 0, err
    return out


def parse(text: str):
    """The document as html5lib builds it (strict: a parse error raises)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(text)


def cli_json(args: list) -> dict:
    code, out, err = invoke_cli([*args, "--format", "json"])
    assert code in (0, 1), err
    return json.loads(out)


def text_of(el) -> str:
    return "".join(el.itertext())


def table_rows(doc, table_id: str) -> list[list[str]]:
    table = doc.find(f".//table[@id='{table_id}']")
    assert table is not None, table_id
    return [[text_of(c) for c in tr] for tr in table.find("tbody")]


def sections(doc) -> dict[str, object]:
    return {s.get("id"): s for s in doc.iter("section")}


def svgs(section) -> list:
    return [el for el in section.iter() if el.tag.endswith("svg")]


@pytest.fixture(scope="module")
def reports() -> dict:
    """Each shipped scenario's report, with and without a simulation (made once)."""
    return {}


def report_of(reports: dict, path: Path, simulate: bool) -> str:
    key = (str(path), simulate)
    if key not in reports:
        reports[key] = render([path, *(SIM if simulate else [])])
    return reports[key]


# --- structure --------------------------------------------------------------------------


@pytest.mark.parametrize("simulate", [False, True], ids=["plan", "simulated"])
@pytest.mark.parametrize("path", SHIPPED, ids=str)
def test_every_shipped_scenario_has_every_section_and_chart(reports, path, simulate):
    text = report_of(reports, path, simulate)
    assert text.isascii()
    doc = parse(text)
    found = sections(doc)
    assert list(found) == list(SECTION_IDS)
    for sid, section in found.items():
        assert section.find("h2") is not None, sid
    assert svgs(found["arr"]) and svgs(found["bridge"]) and svgs(found["years"])
    if any("Hiring plan" in text_of(h) for h in found["headcount"].iter("h3")):
        assert svgs(found["headcount"])
    assert svgs(found["tornado"]) or found["tornado"].find(".//p[@class='missing']")
    # self-contained and inert: nothing fetched, nothing run
    for el in doc.iter():
        assert not el.tag.endswith("script"), "a script in the report"
        assert el.get("src") is None
        for attr, value in el.attrib.items():
            if attr.endswith("href"):
                assert value.startswith("#"), value
    style = text_of(doc.find(".//style"))
    assert "@import" not in style and "url(" not in style
    assert "@page" in style
    # the appendix is the file, line by line
    pre = found["appendix"].find(".//pre")
    source = (ROOT / path).read_text(encoding="utf-8")
    lines = [re.sub(r"^\s*\d+  ", "", line, count=1) for line in text_of(pre).split("\n")]
    assert "\n".join(lines) == source.rstrip("\n")
    if simulate:
        assert found["headline"].find(".//table[@id='simulation']") is not None


def test_same_plan_same_document():
    path = SCENARIOS / "saas-company.yaml"
    assert render([path]) == render([path])


# --- numbers ----------------------------------------------------------------------------


def headline_expected(m: dict, cur: str) -> dict[str, str]:
    return {
        "NRR (first 12 months)": pct(m["nrr"]),
        "GRR (first 12 months)": pct(m["grr"]),
        "CSM cost": money(m["csm_cost"], cur),
        "Starting ARR → exit ARR": f"{money(m['starting_arr'], cur)} → "
        f"{money(m['ending_arr'], cur)}",
        "Revenue had nothing changed": money(m["flat_revenue"], cur),
    }


def bridge_expected(row: dict, cur: str) -> list[str]:
    return [
        count(row["accounts"]),
        money(row["revenue"], cur),
        money(row["opening_arr"], cur),
        money(row["new_arr"], cur, signed=True),
        money(row["expansion_arr"], cur, signed=True),
        money(row["price_increase_arr"], cur, signed=True),
        money(-row["contraction_arr"], cur, signed=True),
        money(-row["churn_arr"], cur, signed=True),
        money(row["closing_arr"], cur),
    ]


def formatted(value: float, cur: str) -> set[str]:
    """Every way a table shows a JSON number."""
    out = {
        money(value, cur),
        money(value, cur, signed=True),
        money(-value, cur, signed=True),
        pct(value),
        pct(value, 2),
        pct(value, signed=True),
        num(value),
        num(value, 2),
        count(value),
        f"{value:g}",
        f"{value * 100:.2f}",
        f"{value:,.0f}",
        f"{value:.2f}",
        f"{value:+g}",
        f"{value:,.4g}",
    }
    return out


NUMBER = re.compile(r"[-+]?[$€£¥₹]?\d[\d,]*(?:\.\d+)?%?")


def json_numbers(records: list, cur: str) -> set[str]:
    tokens: set[str] = set()

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str):  # text the tables show as it is (a step: "±10%")
            tokens.update(NUMBER.findall(x))
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            for text in formatted(float(x), cur):
                tokens.update(NUMBER.findall(text))

    walk(records)
    return tokens


@pytest.mark.parametrize("path", TOP, ids=str)
def test_every_number_shown_is_the_json_value(reports, path):
    text = report_of(reports, path, False)
    doc = parse(text)
    proj = cli_json(["project", path, "--by", "year"])
    hc = cli_json(["headcount", path])
    sens = cli_json(["sensitivity", path, "--top", "15"])
    chk = cli_json(["check", path])
    cur = proj["conventions"]["currency"]

    # headline
    rows = {r[0]: r[1] for r in table_rows(doc, "headline-metrics")}
    for label, value in headline_expected(proj["metrics"], cur).items():
        assert rows[label] == value, label
    assert any(v == money(proj["metrics"]["total_revenue"], cur) for v in rows.values())
    assert any(v == money(proj["metrics"]["contribution"], cur) for v in rows.values())
    # the ARR bridge by year: every cell
    bridge = table_rows(doc, "bridge-table")
    assert len(bridge) == len(proj["totals"])
    for shown, row in zip(bridge, proj["totals"], strict=True):
        assert shown[1:] == bridge_expected(row, cur)
    # years
    for shown, y in zip(table_rows(doc, "years-table"), proj["years"], strict=True):
        assert shown[1:] == [
            money(y["revenue"], cur),
            pct(y["nrr"]),
            pct(y["grr"]),
            pct(y["logo_retention"]),
            money(y["ending_arr"], cur),
        ]
    # segments
    if len(proj["segments"]) > 1:
        for shown in table_rows(doc, "segments-table"):
            m = proj["segments"][shown[0]]["metrics"]
            assert shown[2:] == [
                money(m["total_revenue"], cur),
                money(m["starting_arr"], cur),
                money(m["ending_arr"], cur),
                pct(m["nrr"]),
                pct(m["grr"]),
                money(m["contribution"], cur),
                num(m["csms_required"], 2),
                pct(m["coverage"]),
            ]
    # tornado: the metric at low and high, largest swing first
    tornado = table_rows(doc, "tornado-table")
    assert len(tornado) == len(sens["rows"])
    for shown, r in zip(tornado, sens["rows"], strict=True):
        assert shown[1] == r["assumption"]
        assert shown[5:7] == [money(r["low"], cur), money(r["high"], cur)]
        assert shown[7] == money(r["swing"], cur)
    # checks: the summary line counts what `check --format json` counts
    summary = text_of(doc.find(".//p[@class='summary']"))
    s = chk["summary"]
    assert f"{s['passed']} passed, {s['failed']} failed" in summary
    # every figure in every table is a JSON value, formatted as tables format it
    known = json_numbers([proj, hc, sens, chk], cur)
    small = {str(i) for i in range(0, 601)}  # ranks, months, counts of CSMs and meetings
    for table in doc.iter("table"):
        if table.get("id") == "inputs-table":  # the inputs as written: the file's numbers
            continue
        if "staffing plan against the requirement, by quarter" in (table.get("aria-label") or ""):
            staffing_by_quarter(table, hc, cur)  # quarters: sums of the JSON's months
            continue
        for tr in table.find("tbody"):
            for c in tr:
                for token in NUMBER.findall(text_of(c)):
                    bare = token.lstrip("+-").replace(",", "")
                    assert token in known or bare in small or bare in known, (
                        table.get("id"),
                        text_of(c),
                    )


def staffing_by_quarter(table, hc: dict, cur: str) -> None:
    """A long staffing plan is shown by quarter: its CSM costs add up to the JSON's
    monthly costs (each shown rounded to whole units)."""
    segment = table.get("aria-label").split(": your staffing plan")[0]
    plan = hc["segments"][segment]["staffing_plan"]
    shown = [text_of(tr[-1]) for tr in table.find("tbody")]
    total = sum(float(x.replace("$", "").replace(",", "")) for x in shown)
    assert abs(total - sum(plan["csm_cost"])) <= len(shown)


def test_simulated_numbers_are_the_json_bands(reports):
    path = TOP[0]
    doc = parse(report_of(reports, path, True))
    proj = cli_json(["project", path, *SIM])
    cur = proj["conventions"]["currency"]
    from csmodel.ids import MONEY_METRICS, RATE_METRICS, metric_label

    rows = {r[0]: r[1:] for r in table_rows(doc, "simulation")}
    for m, b in proj["simulation"]["metrics"].items():
        keys = ("p5", "p10", "p50", "p90", "p95", "mean")
        if m in MONEY_METRICS:
            want = [money(b[k], cur) for k in keys]
        elif m in RATE_METRICS:
            want = [pct(b[k]) for k in keys]
        else:
            want = [num(b[k], 2) for k in keys]
        assert rows[metric_label(m)] == want, m
    caption = text_of(sections(doc)["arr"].find(".//figcaption"))
    assert "12 paths, seed 7" in caption


def test_a_fan_is_drawn_for_a_plan_with_ranges(tmp_path):
    f = tmp_path / "ranged.yaml"
    f.write_text(
        "name: ranged\nhorizon_months: 24\nsegments:\n  mm:\n    accounts: 50\n    acv: 20000\n"
        "    churn: {rate: {low: 5%, high: 15%}, every: year}\n",
        encoding="utf-8",
    )
    doc = parse(render([f, "--simulate", "30", "--seed", "3"]))
    arr = sections(doc)["arr"]
    svg = svgs(arr)[0]
    paths = [el for el in svg.iter() if el.tag.endswith("path")]
    assert paths  # the band and the lines
    assert "P10" in text_of(arr)


# --- options and output -----------------------------------------------------------------


def test_variant_and_set_are_named_and_applied(tmp_path):
    path = SCENARIOS / "saas-company.yaml"
    doc = parse(render([path, "--set", "horizon_months=24"]))
    meta = text_of(doc.find(".//dl"))
    assert "horizon_months=24" in meta
    assert "24 months" in meta
    inputs = {r[0]: r[2] for r in table_rows(doc, "inputs-table")}
    assert inputs["horizon_months"] == "--set horizon_months=24"
    assert re.fullmatch(r".*saas-company\.yaml:\d+", inputs["name"])
    assert any(v == "default" for v in inputs.values())


def test_output_file_rules(tmp_path):
    path = SCENARIOS / "midmarket.yaml"
    target = tmp_path / "report.html"
    code, out, err = invoke_cli(["report", path, "--output", target])
    assert code == 0 and out == ""
    first = target.read_text(encoding="ascii")
    assert first.startswith("<!DOCTYPE html>")
    code, _, err = invoke_cli(["report", path, "--output", target])
    assert code == 2 and "--force" in err
    code, _, err = invoke_cli(["report", path, "--output", target, "--force", "--set", "x=1"])
    assert code == 2
    assert target.read_text(encoding="ascii") == first  # untouched by the failed run
    code, _, err = invoke_cli(["report", path, "-o", tmp_path / "r.xlsx"])
    assert code == 2 and "r.xlsx" in err and "html" in err


# --- hostile text -----------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> =cmd|' /C calc'!A0 $x$"


def hostile_scenario(tmp_path: Path) -> Path:
    n = json.dumps(HOSTILE)
    seg = json.dumps("<b>seg</b> =1+2")
    f = tmp_path / "hostile.yaml"
    f.write_text(
        f"name: {n}\n"
        'description: "</pre><img src=x onerror=alert(1)> \\x07 bell \\e[2J"\n'
        "horizon_months: 24\n"
        "segments:\n"
        f"  {seg}:\n"
        "    accounts: 40\n    acv: 30000\n    csms: 1\n"
        "    churn: {rate: 8%}\n    expansion: {rate: 5%}\n"
        "    meetings:\n"
        f"      {n}: {{per_year: 12, hours: 1, prep_hours: 1}}\n"
        "  plain:\n    accounts: 10\n    acv: 50000\n"
        f"checks:\n  - name: {n}\n    metric: grr\n    min: 99%\n",
        encoding="utf-8",
    )
    return f


def test_hostile_names_stay_text(tmp_path):
    f = hostile_scenario(tmp_path)
    text = render([f])
    assert "\x1b" not in text and "\x07" not in text
    doc = parse(text)
    assert not [el for el in doc.iter() if el.tag in ("script", "img")]
    assert not [el for el in doc.iter() if any(a.startswith("on") for a in el.attrib)]
    assert text_of(doc.find(".//h1")) == HOSTILE
    description = text_of(doc.find(".//p[@class='description']"))
    assert description == "</pre><img src=x onerror=alert(1)> \\x07 bell \\x1b[2J"
    body = text_of(doc.find(".//body"))
    assert "<b>seg</b> =1+2" in body  # the segment name, as written
    pre = text_of(sections(doc)["appendix"].find(".//pre"))
    assert "</pre><img src=x onerror=alert(1)>" in pre


# --- review fixes -------------------------------------------------------------------------


def test_checks_are_run_on_the_variant_shown():
    """`--variant budget-cut` understaffs enterprise: its coverage check fails there, not in
    the base plan, and the summary says which plan was checked."""
    path = SCENARIOS / "saas-company.yaml"
    base = parse(render([path]))
    variant = parse(render([path, "--variant", "budget-cut"]))
    status = {r[1]: r[2] for r in table_rows(base, "checks-table") if r[1] == "fully-staffed"}
    assert status == {"fully-staffed": "pass"} or "fully-staffed" not in status
    rows = {r[1]: r for r in table_rows(variant, "checks-table")}
    assert rows["fully-staffed"][2] == "fail"
    assert rows["fully-staffed"][3] == "73.98%"
    summary = text_of(variant.find(".//p[@class='summary']"))
    assert summary.startswith("Variant budget-cut: ")
    assert "Evaluated on variant budget-cut" in text_of(sections(variant)["checks"])


def test_simulate_and_seed_reach_the_checks(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "name: p\nhorizon_months: 12\nsegments:\n  mm:\n    accounts: 50\n    acv: 20000\n"
        "    churn: {rate: {low: 5%, high: 15%}, every: year}\n"
        "checks:\n  - {name: likely, metric: grr, min: 80%, probability: 50%}\n",
        encoding="utf-8",
    )
    code, out, err = invoke_cli(["report", f, "--simulate", "40", "--seed", "11"])
    assert code == 0, err
    checks = sections(parse(out))["checks"]
    assert checks.find(".//p[@class='missing']") is None
    message = {r[1]: r[5] for r in table_rows(parse(out), "checks-table")}["likely"]
    assert "of 40 paths" in message and "seed 11" in message
    assert "seed" not in err  # the seed given is used, none drawn


def test_every_input_keeps_every_digit_and_a_range_is_one_row(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "name: p\nhorizon_months: 12\nsegments:\n  mm:\n    accounts: 1234567\n"
        "    acv: 1234567.891\n    churn: {rate: {low: 5%, high: 15%}, every: year}\n",
        encoding="utf-8",
    )
    inputs = {r[0]: r for r in table_rows(parse(render([f])), "inputs-table")}
    assert inputs["segments.mm.acv"][1] == "1,234,567.891"
    assert inputs["segments.mm.accounts"][1] == "1,234,567"
    rate = inputs["segments.mm.churn.rate"]
    assert "low 0.05, high 0.15, logitnormal" in rate[1]
    assert rate[2].endswith("p.yaml:7")
    assert not [k for k in inputs if k.startswith("segments.mm.churn.rate.")]


def test_inputs_from_an_account_book_cite_the_book():
    doc = parse(render([SCENARIOS / "book" / "plan.yaml"]))
    inputs = {r[0]: r[2] for r in table_rows(doc, "inputs-table")}
    for seg in ("enterprise", "mid-market", "smb"):
        for key in ("accounts", "acv"):
            assert inputs[f"segments.{seg}.{key}"] == f"book: {SCENARIOS / 'book' / 'accounts.csv'}"


def test_a_crlf_file_with_a_bom_is_shown_line_by_line_and_hashed_as_on_disk(tmp_path):
    import hashlib

    text = (SCENARIOS / "midmarket.yaml").read_text(encoding="utf-8")
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    f = tmp_path / "crlf.yaml"
    f.write_bytes(raw)
    out = render([f])
    doc = parse(out)
    pre = text_of(sections(doc)["appendix"].find(".//pre"))
    assert "\r" not in pre and "\\r" not in pre
    lines = [re.sub(r"^\s*\d+  ", "", line, count=1) for line in pre.split("\n")]
    assert lines == text.rstrip("\n").split("\n")
    meta = {
        text_of(dt): text_of(dd) for dt, dd in zip(doc.iter("dt"), doc.iter("dd"), strict=False)
    }
    assert meta["File SHA-256"] == hashlib.sha256(raw).hexdigest()


def test_help_names_no_internal_sections():
    code, out, _ = invoke_cli(["report", "--help"])
    assert code == 0 and "DOMAIN" not in out
    code, out, _ = invoke_cli(["--help"])
    line = next(x for x in out.splitlines() if " report " in x)
    assert "Write one self-contained HTML report of a plan, to share." in line  # whole

"""``csmodel check`` and ``csmodel validate``: declared checks, values, ids, lines, exit codes
and the text / JSON / JUnit / GitHub formats."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from conftest import PAPER, ROOT, SCENARIOS

from csmodel.checks import (
    Results,
    check_document,
    check_id,
    evaluate_check,
    metric_value,
    show,
)
from csmodel.ids import HEADCOUNT_METRICS, METRICS
from csmodel.lints import LINTS
from csmodel.loader import build_document, load_document
from csmodel.overrides import parse_set, resolve
from csmodel.records import CHECK_RESULT_KEYS
from csmodel.render.machine import github_command, github_data, github_property
from csmodel.yamlsrc import parse_source

SAAS = SCENARIOS / "saas-company.yaml"
FAILING = SCENARIOS / "examples" / "failing-plan.yaml"
PASSING = (
    sorted(SCENARIOS.glob("*.yaml"))
    + sorted(PAPER.glob("*.yaml"))
    + sorted((SCENARIOS / "book").glob("*.yaml"))
)
INVALID = "name: t\nsegments:\n  s:\n    accounts: 10\n    acv: 1200\n    chrun: {rate: 2%}\n"


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch):
    """Tests choose the format themselves, also when they run inside GitHub Actions."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def doc_of(text: str, file: str = "plan.yaml"):
    return build_document(parse_source(textwrap.dedent(text), file))


def results_of(text: str, **kw):
    report = check_document(doc_of(text), **kw)
    return [r for r in report.results if r.kind == "check"]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


ONE = """\
name: One segment
horizon_months: {horizon}
segments:
  book:
    accounts: 100
    acv: 12000
    churn: {{rate: 6%}}
    contraction: {{rate: 2%}}
    expansion: {{rate: 10%, share: 50%}}
checks:
{checks}
"""


def one(checks: str, horizon: int = 36) -> str:
    return ONE.format(horizon=horizon, checks=textwrap.indent(textwrap.dedent(checks), "  "))


# --- metric values ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def saas():
    return Results(load_document(SAAS).scenario)


@pytest.mark.parametrize("metric", list(METRICS))
def test_metric_ids_are_the_projection_metrics(saas, metric):
    pr = saas.projection
    assert metric_value(saas, metric) == pr.metrics[metric]
    for name in pr.segments:
        assert metric_value(saas, metric, name) == pr.segment_metrics[name][metric]


def test_headcount_ids_per_segment_are_those_of_csmodel_headcount(saas):
    from csmodel.capacity import headcount

    report = headcount(saas.scenario)
    for s in report.segments:
        assert metric_value(saas, "hours_per_account", s.name) == pytest.approx(
            s.hours_per_account, rel=1e-12
        )
        assert metric_value(saas, "accounts_per_csm", s.name) == pytest.approx(
            s.accounts_per_csm, rel=1e-12
        )
        assert metric_value(saas, "fte_required", s.name) == pytest.approx(
            s.fte_required, rel=1e-12
        )
        assert metric_value(saas, "recommended_csms", s.name) == s.recommended_csms
        assert metric_value(saas, "staffed_csms", s.name) == s.staffed_csms
        assert metric_value(saas, "coverage", s.name) == pytest.approx(s.coverage, rel=1e-12)


def test_headcount_ids_by_hand(saas):
    # enterprise cadence: 12 x (1 + 1.5) + 4 x (2 + 4) + 2 x (3 + 3) + 4 x (1 + 0.75) = 73 h
    assert metric_value(saas, "hours_per_account", "enterprise") == pytest.approx(73.0)
    # smb is sized top-down: 500 accounts per CSM of 2,080 x 70% = 1,456 h -> 2.912 h
    assert metric_value(saas, "hours_per_account", "smb") == pytest.approx(1456 / 500)
    assert metric_value(saas, "accounts_per_csm", "mid-market") == pytest.approx(1456 / 20.8)


def test_headcount_ids_for_the_book(saas):
    sc = saas.scenario
    names = list(sc.segments)
    # hours per account: weighted by starting accounts
    weighted = (40 * 73 + 280 * 20.8 + 900 * 1456 / 500) / (40 + 280 + 900)
    assert metric_value(saas, "hours_per_account") == pytest.approx(weighted, rel=1e-12)
    assert metric_value(saas, "accounts_per_csm") == pytest.approx(1456 / weighted, rel=1e-12)
    fte = [metric_value(saas, "fte_required", n) for n in names]
    assert metric_value(saas, "fte_required") == pytest.approx(sum(fte), rel=1e-12)
    rec = [metric_value(saas, "recommended_csms", n) for n in names]
    assert rec == [3, 5, 2]
    assert metric_value(saas, "recommended_csms") == 10
    assert metric_value(saas, "staffed_csms") == 3 + 5 + 3


def test_book_coverage_is_the_lowest_segment():
    doc = load_document(SAAS)
    cut = Results(resolve(doc, "budget-cut"))
    per_segment = [metric_value(cut, "coverage", n) for n in cut.scenario.segments]
    assert min(per_segment) < 1
    assert metric_value(cut, "coverage") == min(per_segment)


def test_staffed_csms_undefined_when_nobody_is_staffed():
    r = Results(doc_of(one("- {metric: grr, min: 0}")).scenario)
    assert metric_value(r, "staffed_csms") is None
    assert metric_value(r, "staffed_csms", "book") is None
    assert metric_value(r, "hours_per_account") is None
    assert metric_value(r, "fte_required") == 0


def test_every_metric_id_is_checkable():
    checks = "\n".join(f"- {{metric: {m}, min: -1e18}}" for m in {**METRICS, **HEADCOUNT_METRICS})
    results = results_of(one(checks))
    assert len(results) == len({**METRICS, **HEADCOUNT_METRICS})


# --- evaluating a check ---------------------------------------------------------------------


def test_closed_form_grr_pass_and_fail():
    # GRR of one yearly renewal: 1 - churn - contraction = 1 - 6% - 2% = 92%
    passing, failing, warning = results_of(
        one("""
            - {metric: grr, min: 90%}
            - {metric: grr, min: 93%}
            - {metric: grr, max: 91%, severity: warning}
        """)
    )
    assert passing.value == pytest.approx(0.92, abs=1e-12)
    assert (passing.status, passing.message) == ("pass", "grr = 92.00% (min 90.00%)")
    assert (failing.status, failing.message) == (
        "fail",
        "grr = 92.00%, below the minimum of 93.00%",
    )
    assert (warning.status, warning.message) == (
        "warn",
        "grr = 92.00%, above the maximum of 91.00%",
    )
    assert (failing.min, failing.max, warning.min, warning.max) == (0.93, None, None, 0.91)


def test_closed_form_nrr_and_range_message():
    # NRR: 1 + 10% x 50% - 6% - 2% = 97%
    (r,) = results_of(one("- {metric: nrr, min: 95%, max: 99%}"))
    assert r.value == pytest.approx(0.97, abs=1e-12)
    assert r.message == "nrr = 97.00% (95.00% to 99.00%)"
    assert (r.value_text, r.bound_text) == ("97.00%", "95.00% to 99.00%")


def test_bounds_tolerate_floating_point_noise():
    from csmodel.schema import Check

    # 1 - 6% - 2% in floating point, as sums over renewal cohorts can give it
    grr = 1.0 - 0.06 - 0.02
    assert grr == 0.9199999999999999
    exact = metric_value(Results(load_document(SCENARIOS / "enterprise.yaml").scenario), "grr")
    assert exact == pytest.approx(0.92, abs=1e-15)
    sc = doc_of(one("- {metric: grr, min: 0}")).scenario
    assert evaluate_check(Check(metric="grr", min="92%"), grr, None, sc)[0] == "pass"
    assert evaluate_check(Check(metric="grr", max="91.99999999%"), 0.92, None, sc)[0] == "pass"
    assert evaluate_check(Check(metric="grr", min="92.0001%"), grr, None, sc)[0] == "fail"
    assert evaluate_check(Check(metric="grr", max="91.9999%"), 0.92, None, sc)[0] == "fail"
    # money: relative slack, so a bound of $7,712,208 is not loosened by more than a cent
    assert evaluate_check(Check(metric="uplift", min=7712208), 7712207.99, None, sc)[0] == "fail"


def test_undefined_metric_fails_and_says_why():
    (nrr, nrr_warn) = results_of(
        one("- {metric: nrr, min: 90%}\n- {metric: nrr, min: 90%, severity: warning}", horizon=6)
    )
    assert nrr.value is None
    assert nrr.status == "fail"
    assert nrr.message == (
        "nrr is undefined (it needs a horizon of at least 12 months), so the check cannot pass"
    )
    assert nrr_warn.status == "warn"
    (staffed,) = results_of(one("- {metric: staffed_csms, segment: book, max: 5}"))
    assert staffed.message == (
        "staffed_csms of book is undefined (the segment does not set `csms`), "
        "so the check cannot pass"
    )


def test_money_and_count_messages():
    # starting ARR = 100 x 12,000 = 1,200,000
    (arr, rec) = results_of(
        one("- {metric: starting_arr, max: 1000000}\n- {metric: recommended_csms, max: 1}")
    )
    assert arr.value == 1_200_000
    assert arr.message == "starting_arr = $1,200,000, above the maximum of $1,000,000"
    assert rec.value == 0  # no workload model: nothing required
    assert rec.message == "recommended_csms = 0 (max 1)"


def test_show_units():
    assert show(0.8907, "rate") == "89.07%"
    assert show(7_712_208.0, "money") == "$7,712,208"
    assert show(7_712_207.5, "money", exact=True) == "$7,712,207.50"
    assert show(7_712_207.5, "money") == "$7,712,208"
    assert show(1234.0, "money", "EUR", exact=True) == "€1,234"
    assert show(3.0, "count") == "3"
    assert show(73.0, "hours") == "73.0 h"
    assert show(2.5, "ratio") == "2.50×"
    assert show(19.945, "number") == "19.95"
    assert show(None, "rate") == "n/a"


def test_evaluate_check_reports_segment_and_variant():
    doc = doc_of(one("- {metric: grr, segment: book, min: 95%}"))
    (check,) = doc.scenario.checks
    status, message = evaluate_check(check, 0.9, "cut", doc.scenario)
    assert (status, message) == (
        "fail",
        "grr of book in variant cut = 90.00%, below the minimum of 95.00%",
    )


# --- ids, variants, lines ----------------------------------------------------------------------


def test_ids_and_lines():
    text = """\
        name: Ids
        segments:
          book: {accounts: 10, acv: 1000, churn: {rate: 5%}}
        variants:
          a: {set: {segments.book.churn.rate: 6%}}
          b: {set: {segments.book.churn.rate: 7%}}
        checks:
          - metric: grr
            min: 90%
          - {metric: grr, segment: book, max: 99%}
          - {metric: nrr, min: 80%, max: 120%}
          - {metric: grr, variant: a, min: 90%}
          - {metric: grr, variant: "*", min: 90%, name: floor}
          - {metric: grr, variant: a, min: 90%, name: named}
          - {metric: grr, min: 50%}
    """
    results = results_of(text)
    assert [(r.id, r.line, r.variant) for r in results] == [
        ("grr-min", 8, None),
        ("book.grr-max", 10, None),
        ("nrr-range", 11, None),
        ("grr-min@a", 12, "a"),
        ("floor", 13, None),
        ("floor@a", 13, "a"),
        ("floor@b", 13, "b"),
        ("named", 14, "a"),
        ("grr-min-2", 15, None),  # same metric and bound as the first: made unique
    ]
    # each variant is evaluated on its own results: 1 - churn
    values = {r.id: r.value for r in results}
    assert values["floor"] == pytest.approx(0.95)
    assert values["floor@a"] == pytest.approx(0.94)
    assert values["floor@b"] == pytest.approx(0.93)
    assert [r.status for r in results].count("pass") == len(results)


def test_check_id_function():
    doc = doc_of(one("- {metric: coverage, segment: book, min: 1}"))
    (check,) = doc.scenario.checks
    assert check_id(check, None) == "book.coverage-min"
    assert check_id(check, "v") == "book.coverage-min@v"


def test_set_overrides_apply_to_checks_and_variants():
    text = one("- {metric: grr, min: 90%}")
    (r,) = results_of(text, sets=[parse_set("segments.book.churn.rate=20%")])
    assert r.value == pytest.approx(0.78)  # 1 - 20% - 2%
    assert r.status == "fail"


# --- the CLI: exit codes -------------------------------------------------------------------------


def test_exit_0_for_the_shipped_plans(run_cli):
    code, out, err = run_cli(["check", *PASSING])
    assert code == 0, out + err
    assert err == ""
    assert out.rstrip().splitlines()[-1].startswith(f"ok: {len(PASSING)} files checked, ")


def test_exit_1_for_the_failing_example(run_cli):
    code, out, err = run_cli(["check", FAILING])
    assert code == 1
    assert err == ""
    assert "failed: 1 file checked, 11 passed, 2 failed, 2 warnings" in out


def test_exit_2_for_invalid_input_but_valid_files_are_still_checked(run_cli, tmp_path):
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, err = run_cli(["check", bad, FAILING, "-f", "json"])
    assert code == 2
    assert err == f"{bad}:6:5: error: segments.s: unknown key `chrun`; did you mean `churn`?\n"
    data = json.loads(out)
    assert [f["file"] for f in data["files"]] == [str(FAILING)]


def test_exit_2_for_missing_file_and_empty_directory(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(["check", tmp_path / "nope.yaml", tmp_path / "empty"])
    assert code == 2
    assert f"{tmp_path / 'nope.yaml'}: error: no such file" in err
    assert f"{tmp_path / 'empty'}: error: directory holds no *.yaml or *.yml files" in err


def test_exit_2_for_a_bad_set(run_cli):
    code, _, err = run_cli(["check", SAAS, "--set", "segments.smb.chrun.rate=1%"])
    assert code == 2
    assert "did you mean `churn`?" in err


def test_strict_turns_warnings_into_failure(run_cli, tmp_path):
    plan = write(tmp_path, "warn.yaml", one("- {metric: grr, min: 95%, severity: warning}"))
    code, out, _ = run_cli(["check", plan])
    assert code == 0
    assert "ok: 1 file checked, 11 passed, 0 failed, 1 warning" in out
    code, out, _ = run_cli(["check", plan, "--strict"])
    assert code == 1
    assert "failed: 1 file checked, 11 passed, 0 failed, 1 warning; --strict: warnings fail" in out


def test_directory_expands_to_every_yaml_recursively_sorted(run_cli, tmp_path):
    write(tmp_path, "b.yml", one("- {metric: grr, min: 0}"))
    write(tmp_path, "a.yaml", one("- {metric: grr, min: 0}"))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "c.yaml", one("- {metric: grr, min: 0}"))
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", "x.yaml", INVALID)
    write(tmp_path, "notes.txt", "not a scenario")
    code, out, err = run_cli(["check", tmp_path, "-f", "json"])
    assert code == 0, err
    files = [f["file"] for f in json.loads(out)["files"]]
    assert files == [
        str(tmp_path / "a.yaml"),
        str(tmp_path / "b.yml"),
        str(tmp_path / "sub/c.yaml"),
    ]


def test_check_scenarios_dir_fails_only_on_the_example(run_cli):
    code, out, _ = run_cli(["check", SCENARIOS, "-f", "json"])
    assert code == 1
    data = json.loads(out)
    failing = {f["file"] for f in data["files"] for r in f["results"] if r["status"] == "fail"}
    assert failing == {str(FAILING)}
    assert len(data["files"]) == len(PASSING) + 1


# --- formats ------------------------------------------------------------------------------


def test_json_keys_are_stable(run_cli):
    code, out, _ = run_cli(["check", FAILING, SAAS, "--format", "json"])
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["schema_version", "files", "summary"]
    assert data["schema_version"] == 1
    assert list(data["summary"]) == ["passed", "failed", "warnings"]
    assert CHECK_RESULT_KEYS == (
        "id", "kind", "status", "metric", "segment", "variant",
        "value", "min", "max", "message", "line",
    )  # fmt: skip
    for f in data["files"]:
        assert list(f) == ["file", "results"]
        for r in f["results"]:
            assert tuple(r) == CHECK_RESULT_KEYS
            assert r["kind"] in ("check", "lint")
            assert r["status"] in ("pass", "fail", "warn")
    statuses = [r["status"] for f in data["files"] for r in f["results"]]
    assert data["summary"] == {
        "passed": statuses.count("pass"),
        "failed": statuses.count("fail"),
        "warnings": statuses.count("warn"),
    }


def test_json_of_the_failing_example_by_hand(run_cli):
    code, out, _ = run_cli(["check", FAILING, "-f", "json"])
    assert code == 1
    (f,) = json.loads(out)["files"]
    by_id = {r["id"]: r for r in f["results"]}
    # GRR: one renewal in the year, fully covered: 1 - 9% - 3% = 88%
    assert by_id["grr-min"]["value"] == pytest.approx(0.88, abs=1e-12)
    assert by_id["grr-min"]["line"] == 37
    # the thinned cadence: 6 x (1 + 1) + 2 x (2 + 3) + 2 x (1 + 0.5) = 25 h -> 1,456 / 25
    acc = by_id["enterprise.accounts_per_csm-max"]
    assert acc["value"] == pytest.approx(1456 / 25)
    assert acc["message"] == "accounts_per_csm of enterprise = 58.24, above the maximum of 25.00"
    assert by_id["coverage-min"]["status"] == "pass"
    # NRR: (1 + 8% x 50% - 9% - 3%) x (1 + 3%) = 94.76%
    nrr = by_id["nrr-min"]
    assert nrr["value"] == pytest.approx(0.92 * 1.03, abs=1e-12)
    assert (nrr["status"], nrr["message"]) == ("warn", "nrr = 94.76%, below the minimum of 100.00%")
    lint = by_id["new-logo-acv-mismatch"]
    assert (lint["kind"], lint["status"], lint["line"]) == ("lint", "warn", 30)
    assert lint["value"] == pytest.approx(2.5)
    assert json.loads(out)["summary"] == {"passed": 11, "failed": 2, "warnings": 2}


def test_text_table(run_cli):
    code, out, _ = run_cli(["check", FAILING], env={"COLUMNS": "200"})
    assert code == 1
    lines = out.splitlines()
    assert lines[0].strip() == str(FAILING)
    header = next(line for line in lines if "Status" in line).split()
    assert header == ["Line", "ID", "Status", "Value", "Bound", "Message"]
    row = next(line for line in lines if "grr-min" in line).split()
    assert row[:6] == ["37", "grr-min", "fail", "88.00%", "min", "90.00%"]
    row = next(line for line in lines if "accounts_per_csm-max" in line).split()
    assert row[:6] == ["39", "enterprise.accounts_per_csm-max", "fail", "58.24", "max", "25.00"]
    row = next(line for line in lines if "new-logo-acv-mismatch" in line).split()
    assert row[:7] == ["30", "new-logo-acv-mismatch", "warn", "2.50×", "0.50×", "to", "2.00×"]
    assert "10 lint runs found nothing (counted as passed, not listed)." in out
    assert lines[-1] == "failed: 1 file checked, 11 passed, 2 failed, 2 warnings"


def test_junit_counts(run_cli, tmp_path):
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, _ = run_cli(["check", FAILING, SAAS, bad, "--format", "junit"])
    assert code == 2
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(FAILING), str(SAAS), str(bad)]
    failing, saas, invalid = suites
    n_lints = len(LINTS)
    assert len(failing.findall("testcase")) == 4 + n_lints == int(failing.get("tests"))
    assert len(failing.findall("testcase/failure")) == 2 == int(failing.get("failures"))
    assert len(failing.findall("testcase/skipped")) == 2 == int(failing.get("skipped"))
    assert failing.get("errors") == "0"
    assert len(saas.findall("testcase")) == 11 + n_lints == int(saas.get("tests"))
    assert saas.findall("testcase/failure") == [] and saas.get("failures") == "0"
    assert len(invalid.findall("testcase/error")) == 1 == int(invalid.get("errors"))
    totals = {k: sum(int(s.get(k)) for s in suites) for k in ("tests", "failures", "errors")}
    assert {k: int(root.get(k)) for k in totals} == totals
    assert root.get("skipped") is None  # junit-10.xsd: no `skipped` on <testsuites>
    case = failing.find("testcase[@name='grr-min']")
    assert case.get("classname").endswith(".scenarios.examples.failing-plan.check")
    assert set(case.attrib) == {"name", "classname"}  # the location is in the message instead
    assert case.find("system-out").text.splitlines()[0] == f"{FAILING}:37"
    failure = case.find("failure")
    assert failure.get("message") == f"{FAILING}:37: grr = 88.00%, below the minimum of 90.00%"
    assert failure.text.endswith("value: 88.00%; bound: min 90.00%")
    warn = failing.find("testcase[@name='nrr-min']/skipped")
    assert warn.get("message") == (
        f"{FAILING}:44: warning: nrr = 94.76%, below the minimum of 100.00%"
    )


def test_junit_classname_groups_by_file_then_kind():
    from csmodel.render.machine import _classname

    assert _classname("scenarios/examples/failing-plan.yaml", "check") == (
        "scenarios.examples.failing-plan.check"
    )
    assert _classname("./plan.v2.yml", "lint") == "plan_v2.lint"
    assert _classname("/abs/../x.yaml", "load") == "abs.x.load"


def test_junit_strict_reports_warnings_as_failures(run_cli, tmp_path):
    path = tmp_path / "report.xml"
    code, out, _ = run_cli(["check", FAILING, "-f", "junit", "--strict", "-o", path])
    assert code == 1
    assert out == ""
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite.get("failures") == "4" and suite.get("skipped") == "0"
    types = sorted(f.get("type") for f in suite.iter("failure"))
    assert types == ["check", "check", "warning", "warning"]


def test_github_lines_carry_file_and_line(run_cli):
    code, out, _ = run_cli(["check", FAILING, "-f", "github"])
    assert code == 1
    lines = out.splitlines()
    f = str(FAILING)
    assert lines == [
        f"::error file={f},line=37,title=grr-min::grr = 88.00%25, below the minimum of 90.00%25",
        f"::error file={f},line=39,title=enterprise.accounts_per_csm-max::accounts_per_csm of "
        "enterprise = 58.24, above the maximum of 25.00",
        f"::warning file={f},line=44,title=nrr-min::nrr = 94.76%25, below the minimum of 100.00%25",
        f"::warning file={f},line=30,title=new-logo-acv-mismatch::enterprise: new logos at "
        "$250,000 ACV are 2.50× the segment's $100,000 (outside 0.5× to 2×): another segment, "
        "or a typo?",
        "failed: 1 file checked, 11 passed, 2 failed, 2 warnings",
    ]


def test_github_escaping():
    assert github_data("50% off\r\nnext") == "50%25 off%0D%0Anext"
    assert github_data("a: b, c") == "a: b, c"
    assert github_property("a%: b,\nc") == "a%25%3A b%2C%0Ac"
    assert (
        github_command("error", "x%\ny", file="a,b:c.yaml", line=3, title="t: 1, 2", col=None)
        == "::error file=a%2Cb%3Ac.yaml,line=3,title=t%3A 1%2C 2::x%25%0Ay"
    )
    assert github_command("warning", "m") == "::warning::m"


def test_github_escapes_file_names_and_check_names(run_cli, tmp_path):
    plan = write(
        tmp_path, "q1,draft:v2.yaml", one('- {metric: grr, min: 95%, name: "floor: 95%, book"}')
    )
    code, out, _ = run_cli(["check", plan, "-f", "github"])
    assert code == 1
    escaped = str(plan).replace(",", "%2C").replace(":", "%3A")
    assert out.splitlines()[0] == (
        f"::error file={escaped},line=11,title=floor%3A 95%25%2C book::"
        "grr = 92.00%25, below the minimum of 95.00%25"
    )


def test_github_invalid_input_is_annotated(run_cli, tmp_path):
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, err = run_cli(["check", bad, "-f", "github"])
    assert code == 2
    assert out.splitlines()[0] == (
        f"::error file={bad},line=6,col=5,title=invalid scenario::segments.s: unknown key "
        "`chrun`; did you mean `churn`?"
    )
    assert "invalid scenario" not in err and "unknown key" in err


def test_github_actions_default_format(run_cli):
    code, out, _ = run_cli(["check", FAILING], env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert out.startswith("::error file=")
    code, out, _ = run_cli(["check", FAILING, "-f", "json"], env={"GITHUB_ACTIONS": "true"})
    assert json.loads(out)["schema_version"] == 1
    code, out, _ = run_cli(["check", FAILING], env={"GITHUB_ACTIONS": "false"})
    assert not out.startswith("::")


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok_lines_and_exit_codes(run_cli, tmp_path):
    code, out, err = run_cli(["validate", *PASSING, FAILING])
    assert code == 0
    assert err == ""
    assert out.splitlines() == [f"ok: {p}" for p in [*PASSING, FAILING]]
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, err = run_cli(["validate", SAAS, bad])
    assert code == 2
    assert out == f"ok: {SAAS}\n"
    assert err == f"{bad}:6:5: error: segments.s: unknown key `chrun`; did you mean `churn`?\n"


def test_validate_does_not_project(run_cli, monkeypatch):
    import csmodel.engine

    def boom(*a, **k):
        raise AssertionError("validate must not project")

    monkeypatch.setattr(csmodel.engine, "project", boom)
    code, out, err = run_cli(["validate", SCENARIOS])
    assert code == 0, err
    assert len(out.splitlines()) == len(PASSING) + 1


def test_validate_directory(run_cli):
    code, out, _ = run_cli(["validate", PAPER])
    assert code == 0
    assert out.splitlines() == [f"ok: {p}" for p in sorted(PAPER.glob("*.yaml"))]


# --- schema command and start-up -------------------------------------------------------------


def test_schema_command_prints_the_committed_schema(run_cli):
    code, out, err = run_cli(["schema"])
    assert code == 0, err
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    committed = (ROOT / "schema" / "scenario.schema.json").read_text(encoding="utf-8")
    assert out == committed, "regenerate: csmodel schema > schema/scenario.schema.json"


def test_cli_import_stays_light():
    code = (
        "import sys, csmodel.cli, csmodel.cli.check, csmodel.render; "
        "heavy = [m for m in ('numpy', 'pydantic', 'yaml') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pre_commit_hooks_file():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"csmodel-validate", "csmodel-check"}
    assert by_id["csmodel-validate"]["entry"] == "csmodel validate"
    assert by_id["csmodel-check"]["entry"] == "csmodel check"
    import re

    for hook in hooks:
        assert hook["language"] == "python"
        files = re.compile(hook["files"])
        assert files.search("scenarios/plan.yaml") and files.search("scenarios/paper/x.yml")
        assert not files.search("docs/plan.yaml") and not files.search("scenarios/notes.md")

"""``csmodel.api``: the documented Python API (issue 19, item 6).

Same numbers as the CLI (the same records as ``--format json``), located
errors, pandas optional, ``import csmodel`` still light, and docs/api.md's
notebook run cell by cell with each printed output compared.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, invoke_cli

from csmodel import api
from csmodel.api import ScenarioError, check, headcount, load, project

SAAS = SCENARIOS / "saas-company.yaml"
FAILING = SCENARIOS / "examples" / "failing-plan.yaml"
DOC = ROOT / "docs" / "api.md"


def cli_json(*args: object) -> dict:
    code, out, err = invoke_cli([*args, "--format", "json"])
    assert code in (0, 1), err
    return json.loads(out)


def same(a: object, b: object) -> bool:
    """Equal once through JSON (what the CLI prints: tuples as lists, NaN refused)."""
    return json.loads(json.dumps(a)) == json.loads(json.dumps(b))


# --- the same numbers as the CLI ---------------------------------------------------------


def test_project_to_dict_is_project_json():
    plan = load(SAAS, variant="budget-cut", overrides=["horizon_months=48"])
    got = project(plan).to_dict(by="quarter")
    want = cli_json(
        "project", SAAS, "--variant", "budget-cut", "--set", "horizon_months=48", "--by", "quarter"
    )
    assert same(got, want)


def test_overrides_as_a_mapping_equal_set_strings():
    a = project(load(SAAS, {"segments.smb.churn.rate": "2%", "horizon_months": 24}))
    b = project(load(SAAS, ["segments.smb.churn.rate=2%", "horizon_months=24"]))
    assert a.metrics == b.metrics
    assert a.metrics["nrr"] != project(load(SAAS)).metrics["nrr"]


def test_headcount_to_dict_is_headcount_json():
    midmarket = SCENARIOS / "midmarket.yaml"
    got = headcount(load(midmarket), {"mid-market": 3}).to_dict()
    assert same(got, cli_json("headcount", midmarket, "--csms", "mid-market=3"))


def test_check_to_dict_is_check_json():
    result = check(FAILING)
    assert not result.ok and result.exit_code == 1
    want = cli_json("check", FAILING)
    assert same(result.to_dict(), want)
    assert result.results == want["files"][0]["results"]
    assert check(load(SAAS)).ok


def test_check_takes_overrides_disable_and_strict():
    loose = check(load(FAILING), disable=["new-logo-acv-mismatch"])
    assert "new-logo-acv-mismatch" not in {r["id"] for r in loose.results}
    assert check(SAAS, strict=True).exit_code == 0
    assert check(FAILING, strict=True).report.strict
    short = check(load(SAAS, {"horizon_months": 6}))
    assert same(short.to_dict(), cli_json("check", SAAS, "--set", "horizon_months=6"))


def test_load_takes_yaml_text_and_path_objects():
    text = "name: t\nsegments:\n  a:\n    accounts: 10\n    acv: 1200\n"
    plan = load(text)
    assert (plan.file, plan.name, plan.segments, plan.variants) == ("<string>", "t", ("a",), ())
    assert project(plan).metrics["starting_arr"] == pytest.approx(12_000)
    assert load(str(SAAS)).segments == load(Path(SAAS)).segments
    assert check(plan).ok  # text files check too (lints; no declared checks)


def test_project_accepts_the_validated_model_too():
    plan = load(SAAS)
    assert project(plan.scenario).metrics == project(plan).metrics


# --- errors a person makes -----------------------------------------------------------------


def test_invalid_file_raises_located_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsegments: 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(bad)
    assert [p.format() for p in info.value.problems] == [
        f"{bad}:2:11: error: segments: expected a mapping of keys (got 3)"
    ]


def test_bad_override_names_the_key():
    with pytest.raises(ScenarioError) as info:
        load(SAAS, {"segments.smb.churn.rate": 3})
    (problem,) = info.value.problems
    assert problem.format() == (
        "overrides['segments.smb.churn.rate']: error: segments.smb.churn.rate: "
        "must be between 0% and 100% (got 3)"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: load(SAAS, variant="nope"), "unknown variant `nope`"),
        (lambda: load(SAAS, variant=""), "variant must be a variant's name"),
        (lambda: load(SAAS, "horizon_months=60"), "overrides must be a mapping"),
        (lambda: load(SAAS, [60]), "expected 'path=value' strings"),
        (lambda: load(42), "load() takes a path or YAML text"),
        (lambda: load(SAAS, ["=3"]), "expected PATH=VALUE"),
        (lambda: project("scenarios/saas-company.yaml"), "expected a scenario from"),
        (lambda: headcount(load(SAAS), {"smbb": 2}), "unknown segment `smbb`; did you mean `smb`"),
        (lambda: headcount(load(SAAS), {"smb": -1}), "needs a number of CSMs"),
        (lambda: headcount(load(SAAS), {"smb": "2"}), "needs a number of CSMs"),
        (lambda: check(load(SAAS), disable=["nope"]), "disable: nope"),
        (lambda: check(42), "check() needs a scenario"),
        (lambda: project(load(SAAS)).to_dict(by="week"), "by must be"),
    ],
)
def test_usage_errors_are_csmodel_errors(call, message):
    with pytest.raises(api.CsmodelError, match=re.escape(message)):
        call()


# --- pandas stays optional -----------------------------------------------------------------


def test_to_dataframe_without_pandas_says_how(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    result = project(load(SAAS))
    for call in (result.to_dataframe, check(FAILING).to_dataframe):
        with pytest.raises(ImportError, match=r"needs pandas.*pip install pandas"):
            call()


def test_to_dataframe_with_pandas():
    pd = pytest.importorskip("pandas")
    result = project(load(SAAS))
    frame = result.to_dataframe(by="year")
    assert isinstance(frame, pd.DataFrame)
    _, out, _ = invoke_cli(["project", SAAS, "--format", "csv"])
    header = out.splitlines()[0].split(",")
    assert list(frame.columns) == header
    assert len(frame) == len(out.splitlines()) - 1
    checks = check(FAILING).to_dataframe()
    assert list(checks.columns[:3]) == ["file", "id", "kind"]
    assert len(checks) == len(check(FAILING).results)
    assert "table" in headcount(load(SAAS)).to_dataframe().columns


# --- the package stays light ---------------------------------------------------------------


def test_public_names_and_light_imports():
    """``csmodel.api`` is reachable from ``import csmodel`` and loads nothing heavy."""
    assert set(api.__all__) >= {"load", "project", "headcount", "check", "ScenarioError"}
    code = (
        "import sys, csmodel\n"
        "print(csmodel.api.load.__module__)\n"
        "heavy = {'numpy', 'pydantic', 'yaml', 'typer', 'rich'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.splitlines() == ["csmodel.api", "[]"]


def test_root_names_still_work():
    import csmodel

    assert csmodel.load_scenario(SAAS).name == load(SAAS).name
    assert csmodel.api.load is load


# --- docs/api.md runs, cell by cell ---------------------------------------------------------

FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def cells() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def test_api_doc_notebook_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = cells()
    ran = 0
    namespace: dict = {"__name__": "api_doc"}
    try:
        import pandas  # noqa: F401

        have_pandas = True
    except ImportError:
        have_pandas = False
    for i, (lang, code) in enumerate(blocks):
        if lang != "python":
            continue
        shown = blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "text" else None
        if code.startswith("# needs pandas") and not have_pandas:
            with pytest.raises(ImportError, match="needs pandas"):
                exec(compile(code, f"{DOC}:cell{i}", "exec"), namespace)
            continue
        buf = StringIO()
        with redirect_stdout(buf):
            exec(compile(code, f"{DOC}:cell{i}", "exec"), namespace)
        ran += 1
        if shown is not None:
            assert buf.getvalue() == shown, f"cell {i} of {DOC.name} printed:\n{buf.getvalue()}"
    assert ran >= 6

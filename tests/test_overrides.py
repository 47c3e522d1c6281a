"""Variants, --set overrides, compare and sensitivity (issue 4)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from csmodel.engine import project
from csmodel.errors import ScenarioError
from csmodel.loader import parse_scenario
from csmodel.overrides import parse_set, resolve
from csmodel.sensitivity import sensitivity
from csmodel.yamlsrc import parse_source
from tests.conftest import PAPER, SCENARIOS

BASE = """\
name: v
horizon_months: 24
segments:
  mid.market:
    accounts: 50
    acv: 24000
    churn: {rate: 1%, every: month}
    expansion: {rate: 5%, every: year}
variants:
  monthly:
    set:
      segments.mid.market.expansion.every: month
      segments.mid.market.expansion.rate: 0.5%
  longer:
    set:
      horizon_months: 36
"""


def doc_of(text: str, file: str = "v.yaml"):
    from csmodel.loader import build_document

    return build_document(parse_source(text, file))


def test_variant_equals_file_written_by_hand():
    doc = doc_of(BASE)
    by_hand = parse_scenario(
        BASE.replace("expansion: {rate: 5%, every: year}", "expansion: {rate: 0.5%, every: month}")
    )
    a = project(resolve(doc, "monthly")).metrics
    b = project(by_hand).metrics
    assert a == b


def test_set_applies_after_the_variant():
    doc = doc_of(BASE)
    sc = resolve(doc, "monthly", [parse_set("segments.mid.market.expansion.rate=1%")])
    assert sc.segments["mid.market"].expansion.rate == 0.01
    assert sc.segments["mid.market"].expansion.every == "month"
    sc = resolve(doc, "longer", [parse_set("horizon_months=12")])
    assert sc.horizon_months == 12


def test_set_values_read_as_yaml():
    doc = doc_of(BASE)
    sc = resolve(doc, None, [parse_set("segments.mid.market.churn={rate: 3%, every: quarter}")])
    assert (sc.segments["mid.market"].churn.rate, sc.segments["mid.market"].churn.every) == (
        0.03,
        "quarter",
    )
    sc = resolve(doc, None, [parse_set("timing=start"), parse_set("team.productivity=0.65")])
    assert sc.timing == "start" and sc.team.productivity == 0.65


def test_base_scenario_is_untouched():
    doc = doc_of(BASE)
    resolve(doc, "monthly")
    assert doc.scenario.segments["mid.market"].expansion.every == "year"


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (
            "segments.mid.market.chrn.rate=3%",
            "no key `chrn` at `segments.mid.market`; did you mean `churn`?",
        ),
        (
            "segments.midmarket.churn.rate=3%",
            "no `midmarket` in `segments`; did you mean `mid.market`?",
        ),
        ("segments.mid.market.churn.rate=150%", "must be between 0% and 100% (got '150%')"),
        ("horizon_months=0", "must be between 1 and 600 (got 0)"),
        ("horizon_months", "expected PATH=VALUE"),
        ("horizon_months=[", "invalid YAML"),
        ("tema.productivity=0.5", "did you mean `team`?"),
    ],
)
def test_bad_set_is_a_clear_error(item, fragment):
    doc = doc_of(BASE)
    with pytest.raises(ScenarioError) as info:
        resolve(doc, None, [parse_set(item)])
    text = str(info.value)
    assert text.startswith(f"--set {item}: error: ")
    assert fragment in text


def test_variant_with_missing_path_is_located_at_its_line():
    bad = BASE + "  broken:\n    set:\n      segments.mid.market.chrun.rate: 2%\n"
    with pytest.raises(ScenarioError) as info:
        doc_of(bad)
    assert str(info.value) == (
        "v.yaml:19:7: error: segments.mid.market.chrun.rate: names nothing: no key `chrun` at "
        "`segments.mid.market`; did you mean `churn`?"
    )


def test_variant_with_bad_value_is_located_at_its_line():
    bad = BASE + "  broken:\n    set:\n      segments.mid.market.churn.rate: 300%\n"
    with pytest.raises(ScenarioError) as info:
        doc_of(bad)
    assert str(info.value).startswith("v.yaml:19:7: error: segments.mid.market.churn.rate: must be")


def test_unknown_variant():
    with pytest.raises(ScenarioError) as info:
        resolve(doc_of(BASE), "montly")
    assert "unknown variant `montly`; did you mean `monthly`?" in str(info.value)


# --- CLI ------------------------------------------------------------------


def test_paper_headline_in_one_compare(run_cli):
    code, out, err = run_cli(
        ["compare", PAPER / "04-midmarket-70.yaml", "--variants", "annual,monthly", "-f", "json"]
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["schema_version"] == 1 and d["baseline"] == 0
    annual, monthly = (c["metrics"]["total_revenue"] for c in d["columns"])
    assert [c["variant"] for c in d["columns"]] == ["annual", "monthly"]
    assert round(annual) == 7_712_208 and round(monthly) == 10_918_817
    assert round((monthly / annual - 1) * 100, 1) == 41.6


def test_compare_default_columns_and_table(run_cli):
    code, out, _ = run_cli(["compare", PAPER / "04-midmarket-70.yaml"])
    assert code == 0
    assert "+41.6%" not in out  # against the base (no change), not annual
    assert "Compared with base" in out and "ARR over the horizon" in out
    code, out, _ = run_cli(["compare", PAPER / "04-midmarket-70.yaml", "-f", "json"])
    assert [c["label"] for c in json.loads(out)["columns"]] == ["base", "annual", "monthly"]


def test_compare_two_files_labels_and_csv(run_cli):
    files = [SCENARIOS / "midmarket.yaml", SCENARIOS / "enterprise.yaml"]
    code, out, _ = run_cli(["compare", *files, "--metrics", "total_revenue,nrr", "-f", "csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "segment",
        "metric",
        "label",
        "file",
        "variant",
        "value",
        "delta",
        "delta_pct",
    ]
    assert {r["segment"] for r in rows} == {"total"}  # the book (no --by segment)
    assert [r["label"] for r in rows[:2]] == ["midmarket:base", "enterprise:base"]
    first, second = float(rows[0]["value"]), float(rows[1]["value"])
    assert float(rows[1]["delta"]) == pytest.approx(second - first)
    assert float(rows[1]["delta_pct"]) == pytest.approx((second / first - 1) * 100)


def test_compare_applies_set_to_every_column(run_cli):
    code, out, _ = run_cli(
        ["compare", PAPER / "04-midmarket-70.yaml", "--set", "horizon_months=12", "-f", "json"]
    )
    assert code == 0
    base = json.loads(out)["columns"][0]["metrics"]["total_revenue"]
    assert base == pytest.approx(70 * 36000)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--variants", "montly"], "no file has a variant `montly`; did you mean `monthly`?"),
        (["--metrics", "nr"], "unknown metric `nr`; did you mean `nrr`?"),
        (["--set", "segments.mid-market.churn.rate=2"], "must be between 0% and 100%"),
        (["--set", "segments.x.churn.rate=2%"], "names nothing"),
    ],
)
def test_compare_errors_exit_2(run_cli, args, fragment):
    code, out, err = run_cli(["compare", PAPER / "04-midmarket-70.yaml", *args])
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err


def test_project_variant_and_set(run_cli):
    code, out, _ = run_cli(
        ["project", PAPER / "04-midmarket-70.yaml", "--variant", "monthly", "-f", "json"]
    )
    assert round(json.loads(out)["metrics"]["total_revenue"]) == 10_918_817
    code, out, err = run_cli(["project", PAPER / "04-midmarket-70.yaml", "--variant", "nope"])
    assert code == 2 and "unknown variant `nope`" in err


def test_headcount_set_reaches_the_engine(run_cli):
    args = ["headcount", SCENARIOS / "midmarket.yaml", "-f", "json"]
    _, out, _ = run_cli([*args, "--set", "team.productivity=35%"])
    assert round(json.loads(out)["segments"]["mid-market"]["accounts_per_csm"], 1) == 35.0


# --- sensitivity ------------------------------------------------------------

SENS = """\
name: s
segments:
  a:
    accounts: 100
    acv: 12000
    churn: {rate: 0%, every: year}
    expansion: {rate: 5%, every: year}
"""


def test_sensitivity_rows_ordered_clamped_and_zero_swing():
    res = sensitivity(parse_scenario(SENS), "total_revenue")
    swings = [r.swing for r in res.rows]
    assert swings == sorted(swings, reverse=True)
    churn = next(r for r in res.rows if r.assumption == "segments.a.churn.rate")
    assert churn.low_input == 0.0 and churn.high_input == pytest.approx(0.01)
    assert churn.low == pytest.approx(res.base)
    cts = next(r for r in res.rows if r.assumption == "economics.cost_to_serve")
    assert cts.swing == 0.0  # revenue does not depend on cost to serve
    acv = next(r for r in res.rows if r.assumption == "segments.a.acv")
    assert (acv.low_input, acv.high_input) == pytest.approx((10800, 13200))
    # revenue is linear in ACV: +-10% of the base
    assert acv.low == pytest.approx(res.base * 0.9) and acv.high == pytest.approx(res.base * 1.1)
    accounts = next(r for r in res.rows if r.assumption == "segments.a.accounts")
    assert (accounts.low_input, accounts.high_input) == (90, 110)
    assert "horizon_months" not in {r.assumption for r in res.rows}


def test_sensitivity_cli_json(run_cli):
    code, out, _ = run_cli(
        ["sensitivity", PAPER / "05-midmarket-70-annual.yaml", "--metric", "nrr", "-f", "json"]
    )
    assert code == 0
    d = json.loads(out)
    assert d["schema_version"] == 1 and d["metric"] == "nrr"
    assert d["base"] == pytest.approx(1.02)
    assert set(d["rows"][0]) == {
        "assumption",
        "base_input",
        "low_input",
        "high_input",
        "low",
        "high",
        "swing",
        "period",
        "step",
        "step_kind",
        "step_amount",
        "annual_base",
        "annual_low",
        "annual_high",
    }
    periods = {r["assumption"]: r["period"] for r in d["rows"]}
    assert periods["segments.mid-market.churn.rate"] == "year"
    assert periods["segments.mid-market.acv"] is None
    swings = [r["swing"] for r in d["rows"]]
    assert swings == sorted(swings, reverse=True)
    top = {r["assumption"] for r in d["rows"][:2]}
    # NRR = 1 + e - c: expansion and churn move it by exactly 2 points each
    assert top == {"segments.mid-market.churn.rate", "segments.mid-market.expansion.rate"}
    assert d["rows"][0]["swing"] == pytest.approx(0.02)


def test_sensitivity_cli_table_and_errors(run_cli):
    code, out, _ = run_cli(["sensitivity", SCENARIOS / "midmarket.yaml"])
    assert code == 0 and "Sensitivity of contribution" in out
    code, _, err = run_cli(["sensitivity", SCENARIOS / "midmarket.yaml", "--metric", "profit"])
    assert code == 2 and "unknown metric `profit`" in err


def test_compare_labels_stay_distinct_for_same_named_files(run_cli, tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "plan.yaml").write_text((PAPER / "05-midmarket-70-annual.yaml").read_text())
    code, out, _ = run_cli(
        ["compare", tmp_path / "a" / "plan.yaml", tmp_path / "b" / "plan.yaml", "-f", "json"]
    )
    assert code == 0
    labels = [c["label"] for c in json.loads(out)["columns"]]
    assert len(set(labels)) == 2 and labels[0].endswith("a/plan:base")


def test_sensitivity_unknown_metric_names_its_flag(run_cli):
    code, _, err = run_cli(["sensitivity", SCENARIOS / "midmarket.yaml", "--metric", "nr"])
    assert code == 2 and err.startswith("csmodel: error: --metric: unknown metric `nr`")

"""``csmodel solve``: goal seek against hand-computed answers (issue 10, item 6)."""

from __future__ import annotations

import json

import pytest
from conftest import SCENARIOS

from csmodel.loader import build_document
from csmodel.solve import Unreachable, parse_target, solve
from csmodel.yamlsrc import parse_source

ONE = """
name: one
horizon_months: 24
segments:
  s:
    accounts: 100
    acv: 12000
    churn: {rate: 5%}
    expansion: {rate: 1%}
    accounts_per_csm: 20
"""
STAFFED = ONE + "    csms: 4\n"


def doc(text: str = ONE):
    return build_document(parse_source(text, "one.yaml"))


def test_nrr_is_one_plus_e_minus_c_solved_for_e():
    sol = solve(doc(), [], "segments.s.expansion.rate", parse_target("nrr=110%", ["s"]))
    # NRR over the first twelve months of change = 1 + e - c (annual movements, aligned)
    assert sol.value == pytest.approx(0.15, rel=1e-8)
    assert sol.achieved == pytest.approx(1.10, rel=1e-9)
    assert sol.range == (0.0, 1.0)
    assert sol.period == "year"


def test_grr_solved_for_churn_is_one_minus_c():
    sol = solve(
        doc(), [], "segments.s.churn.rate", parse_target("segments.s.grr=90%", ["s"]), (0, 0.5)
    )
    assert sol.value == pytest.approx(0.10, rel=1e-8)
    assert sol.range == (0, 0.5)


def test_fewest_csms_for_full_coverage():
    # 100 accounts at 20 per CSM need 5 CSMs; 4 leave coverage at 80%
    sol = solve(doc(STAFFED), [], "segments.s.csms", parse_target("coverage>=1", ["s"]))
    assert sol.value == 5
    assert sol.achieved == pytest.approx(1.0)
    assert "smallest" in sol.notes[-1]


def test_most_accounts_a_team_can_carry():
    sol = solve(doc(STAFFED), [], "segments.s.accounts", parse_target("coverage>=100%", ["s"]))
    assert sol.value == 80  # 4 CSMs x 20 accounts
    assert "largest" in sol.notes[-1]


def test_unreachable_target_reports_both_ends():
    with pytest.raises(Unreachable) as info:
        solve(
            doc(),
            [],
            "segments.s.expansion.rate",
            parse_target("nrr=200%", ["s"]),
            (0.0, 0.5),
        )
    sol = info.value.solution
    assert sol.at_low == pytest.approx(0.95)
    assert sol.at_high == pytest.approx(1.45)
    assert "95.00%" in str(info.value) and "145.00%" in str(info.value)


def test_cli_answers_and_json_keys(run_cli):
    path = SCENARIOS / "midmarket.yaml"
    code, out, err = run_cli(
        [
            "solve",
            path,
            "--target",
            "nrr=110%",
            "--vary",
            "segments.mid-market.expansion.rate",
            "-f",
            "json",
        ]
    )
    assert code == 0, err
    data = json.loads(out)
    for key in ("schema_version", "path", "value", "metric", "target", "achieved", "range"):
        assert key in data
    assert data["evaluations"] > 0
    assert data["achieved"] == pytest.approx(1.10, rel=1e-9)
    assert data["value_text"].endswith("a month")


def test_cli_unreachable_exits_1(run_cli, tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(ONE, encoding="utf-8")
    args = ["solve", path, "--target", "nrr=300%", "--vary", "segments.s.expansion.rate"]
    code, _, err = run_cli([*args, "--range", "0..50%"])
    assert code == 1
    assert "cannot reach" in err and "95.00%" in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--target", "nrx=110%", "--vary", "segments.s.expansion.rate"], "did you mean `nrr`"),
        (["--target", "nrr=110%", "--vary", "segments.s.expansoin.rate"], "expansion"),
        (["--target", "segments.t.nrr=1", "--vary", "segments.s.churn.rate"], "unknown segment"),
        (["--target", "nrr~1", "--vary", "segments.s.churn.rate"], "expected METRIC=VALUE"),
        (["--target", "nrr=abc", "--vary", "segments.s.churn.rate"], "expected a number"),
        (["--target", "nrr=1", "--vary", "segments.s.churn.rate", "--range", "5"], "LOW..HIGH"),
        (["--target", "nrr=1", "--vary", "segments.s.churn.rate", "--range", "2..1"], "below"),
        (["--target", "coverage=1", "--vary", "segments.s.csms"], "whole numbers"),
        (["--target", "nrr=1", "--vary", "segments.s.churn"], "not a number"),
    ],
)
def test_cli_bad_flags_exit_2(run_cli, tmp_path, args, fragment):
    path = tmp_path / "one.yaml"
    path.write_text(STAFFED, encoding="utf-8")
    code, out, err = run_cli(["solve", path, *args])
    assert code == 2, (out, err)
    assert fragment in err
    assert "Traceback" not in err

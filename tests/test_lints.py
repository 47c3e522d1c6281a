"""Built-in assumption lints: each fires on a minimal scenario, stays silent on the shipped
ones, sits at its threshold exactly where documented, and can be switched off."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

from csmodel.checks import check_document
from csmodel.lints import LINTS, annualised_loss
from csmodel.loader import build_document
from csmodel.overrides import parse_set
from csmodel.yamlsrc import parse_source

LINT_DIR = TEST_SCENARIOS / "lint"
SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "paper").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): ([a-z-]+): (.*)$")


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def doc_of(text: str, file: str = "t.yaml"):
    return build_document(parse_source(textwrap.dedent(text), file))


def warnings_of(text: str, sets=(), disable=()):
    report = check_document(doc_of(text), [parse_set(s) for s in sets], disable)
    return [r for r in report.results if r.kind == "lint" and r.status == "warn"]


def fired(text: str, **kw) -> list[str]:
    return [r.id for r in warnings_of(text, **kw)]


BOOK = """\
name: t
{top}
segments:
  book:
    accounts: 10
    acv: 12000
{seg}
"""


def book(seg: str = "", top: str = "") -> str:
    return BOOK.format(top=top, seg=textwrap.indent(textwrap.dedent(seg), "    "))


# --- the registry ---------------------------------------------------------------------


def test_ids_are_stable_kebab_case_with_one_line_rationale():
    assert list(LINTS) == [
        "productivity-out-of-range",
        "extreme-churn",
        "extreme-expansion",
        "understaffed",
        "meetings-exceed-capacity",
        "short-horizon",
        "partial-share-monthly",
        "expansion-without-churn",
        "new-logo-acv-mismatch",
        "schedule-jump",
        "deprecated-metric",
    ]
    for lint_id, spec in LINTS.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", lint_id)
        assert spec.rationale and "\n" not in spec.rationale
        assert spec.rationale.endswith("."), lint_id
        assert len(spec.rationale) < 100


# --- each lint fires on its minimal scenario --------------------------------------------


def expectation(path: Path) -> tuple[int, str, str]:
    m = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{path} must start with '# expect: LINE: ID: message'"
    return int(m.group(1)), m.group(2), m.group(3)


def test_every_lint_has_a_minimal_scenario():
    assert sorted(p.stem for p in LINT_DIR.glob("*.yaml")) == sorted(LINTS)


@pytest.mark.parametrize("lint_id", list(LINTS))
def test_lint_fires_on_its_scenario_alone(lint_id):
    from csmodel.loader import load_document

    path = LINT_DIR / f"{lint_id}.yaml"
    line, expected_id, message = expectation(path)
    assert expected_id == lint_id
    report = check_document(load_document(path))
    warns = [r for r in report.results if r.status != "pass"]
    assert [(r.id, r.line, r.message) for r in warns] == [(lint_id, line, message)]
    # every other lint ran and found nothing
    passed = [r.id for r in report.results if r.kind == "lint" and r.status == "pass"]
    assert sorted(passed) == sorted(set(LINTS) - {lint_id})


@pytest.mark.parametrize("lint_id", list(LINTS))
def test_lint_scenario_warns_on_the_cli_and_fails_with_strict(run_cli, lint_id):
    path = LINT_DIR / f"{lint_id}.yaml"
    code, out, err = run_cli(["check", path, "--format", "github"])
    assert code == 0, err
    assert f"::warning file={path},line={expectation(path)[0]},title={lint_id}::" in out
    code, out, _ = run_cli(["check", path, "--format", "github", "--strict"])
    assert code == 1
    assert f"::error file={path},line={expectation(path)[0]},title={lint_id}::" in out


# --- silent on the shipped scenarios ------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_silent_on_shipped_scenarios(path):
    from csmodel.loader import load_document

    doc = load_document(path)
    report = check_document(doc)
    assert [r.message for r in report.results if r.kind == "lint" and r.status != "pass"] == []
    # a lint switched off in a shipped file says why, on the same line
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, lint_id in enumerate(doc.scenario.lint.disable):
        line = doc.source.marks.locate(("lint", "disable", i))[0]
        assert lint_id in lines[line - 1]
        assert "#" in lines[line - 1] and len(lines[line - 1].split("#", 1)[1].strip()) > 10


def test_shipped_scenarios_with_strict_pass(run_cli):
    paths = [str(p) for p in SHIPPED]
    code, out, err = run_cli(["check", *paths, "--strict", "--format", "json"])
    assert code == 0, out + err


# --- thresholds, exactly where documented ---------------------------------------------------


@pytest.mark.parametrize(
    ("productivity", "fires"),
    [("85%", False), ("40%", False), ("85.01%", True), ("39.9%", True), ("70%", False)],
)
def test_productivity_threshold(productivity, fires):
    text = book(top=f"team: {{productivity: {productivity}}}")
    assert ("productivity-out-of-range" in fired(text)) is fires


def test_productivity_below_message():
    (w,) = warnings_of(book(top="team: {productivity: 35%}"))
    assert w.message == (
        "productivity 35.00% is below 40.00%: it inflates the CSMs every account needs"
    )
    assert (w.value, w.min, w.max) == (0.35, 0.40, 0.85)


def test_annualised_loss_formula():
    assert annualised_loss(0.10, 1) == pytest.approx(1 - 0.9**12, abs=1e-15)
    assert annualised_loss(0.16, 3) == pytest.approx(1 - 0.84**4, abs=1e-15)
    assert annualised_loss(0.30, 12) == pytest.approx(0.30, abs=1e-15)


@pytest.mark.parametrize(
    ("churn", "fires"),
    [
        ("{rate: 50%, every: year}", False),  # exactly half: not over
        ("{rate: 51%, every: year}", True),
        ("{rate: 15%, every: quarter}", False),  # 1 - 0.85^4 = 47.8%
        ("{rate: 16%, every: quarter}", True),  # 1 - 0.84^4 = 50.2%
        ("{rate: 5.6%, every: month}", False),  # 1 - 0.944^12 = 49.9%
        ("{rate: 5.7%, every: month}", True),  # 1 - 0.943^12 = 50.6%
    ],
)
def test_extreme_churn_threshold(churn, fires):
    assert ("extreme-churn" in fired(book(f"churn: {churn}"))) is fires


def test_extreme_churn_yearly_message_has_no_hint():
    (w,) = warnings_of(book("churn: {rate: 60%}"))
    assert (
        w.message
        == "book: churn of 60.00% every year loses 60.00% of the accounts a year (over 50.00%)"
    )


def test_understaffed_month_and_coverage():
    # the minimal scenario's numbers, recomputed here from first principles
    productive = 2080 * 0.70
    hours = 12 * (2 + 1)
    first = next(m for m in range(1, 37) if (36 + m) * hours > productive)
    assert first == 5
    lowest = productive / ((36 + 36) * hours)
    assert f"{lowest:.2%}" == "56.17%"
    from csmodel.loader import load_document

    report = check_document(load_document(LINT_DIR / "understaffed.yaml"))
    (w,) = [r for r in report.results if r.status == "warn"]
    assert w.value == pytest.approx(lowest, rel=1e-12)
    assert w.min == 1.0


def test_understaffed_silent_when_fully_covered_and_counts_fractional_csms():
    text = book("""
        csms: 1
        meetings: {review: {per_year: 12, hours: 2, prep_hours: 1}}
    """)
    assert "understaffed" not in fired(text)  # 10 accounts x 36 h < 1,456 h
    text = text.replace("accounts: 10", "accounts: 100").replace("csms: 1", "csms: 1.5")
    (w,) = [r for r in warnings_of(text) if r.id == "understaffed"]
    # 100 x 36 = 3,600 h needed; 1.5 x 1,456 = 2,184 h available: 60.67%; peak 2.47 FTE -> 3
    assert w.message == (
        "book: 1.5 CSMs cover 60.67% of the workload at worst, short from month 1; "
        "`csmodel headcount` recommends 3"
    )


@pytest.mark.parametrize(("hours", "fires"), [(28, False), (30, True)])
def test_meetings_exceed_capacity_threshold(hours, fires):
    # 52 x 28 = 1,456 h = exactly one CSM's productive hours: allowed
    text = book(f"meetings: {{m: {{per_year: 52, hours: {hours}}}}}")
    assert ("meetings-exceed-capacity" in fired(text)) is fires


@pytest.mark.parametrize(("months", "fires"), [(12, False), (11, True), (1, True), (36, False)])
def test_short_horizon_threshold(months, fires):
    assert ("short-horizon" in fired(book(top=f"horizon_months: {months}"))) is fires


@pytest.mark.parametrize(
    ("movement", "fires"),
    [
        ("expansion: {rate: 15%, every: month, share: 50%}", True),
        ("expansion: {rate: 10%, every: month, share: 50%}", False),  # not above 10%
        ("expansion: {rate: 15%, every: month, share: 100%}", False),
        ("expansion: {rate: 15%, every: quarter, share: 50%}", False),
        ("price_increase: {rate: 12%, every: month, share: 25%}", True),
    ],
)
def test_partial_share_monthly_threshold(movement, fires):
    text = book(f"churn: {{rate: 1%, every: month}}\n{movement}")
    assert ("partial-share-monthly" in fired(text)) is fires


@pytest.mark.parametrize(
    ("seg", "fires"),
    [
        ("expansion: {rate: 5%}", True),
        ("expansion: {rate: 5%}\ncontraction: {rate: 2%}", True),  # downsell is not churn
        ("expansion: {rate: 5%}\nchurn: {rate: 1%}", False),
        ("expansion: {rate: 5%, share: 0%}", False),  # no expansion in effect
        ("price_increase: {rate: 5%}", False),
        ("", False),
    ],
)
def test_expansion_without_churn(seg, fires):
    assert ("expansion-without-churn" in fired(book(seg))) is fires


@pytest.mark.parametrize(
    ("new_logos", "fires"),
    [
        ("{per_month: 1, acv: 6000}", False),  # exactly half
        ("{per_month: 1, acv: 24000}", False),  # exactly double
        ("{per_month: 1, acv: 5999}", True),
        ("{per_month: 1, acv: 24001}", True),
        ("{per_month: 0, acv: 100000}", False),  # no new logos: the acv is moot
        ("{per_month: 1}", False),  # defaults to the segment's
    ],
)
def test_new_logo_acv_threshold(new_logos, fires):
    text = book(f"churn: {{rate: 5%}}\nnew_logos: {new_logos}")
    assert ("new-logo-acv-mismatch" in fired(text)) is fires


def test_new_logo_acv_ratio_value():
    (w,) = warnings_of(book("churn: {rate: 5%}\nnew_logos: {per_month: 2, acv: 30000}"))
    assert w.value == pytest.approx(30000 / 12000)
    assert w.message.startswith("book: new logos at $30,000 ACV are 2.50× the segment's $12,000")


# --- what is linted ------------------------------------------------------------------------


def test_variants_are_not_linted_but_set_overrides_are():
    text = book(top="variants:\n  hot: {set: {team.productivity: 95%}}")
    assert fired(text) == []
    assert fired(text, sets=["team.productivity=95%"]) == ["productivity-out-of-range"]


def test_findings_per_segment_each_at_its_line():
    text = """\
        name: t
        segments:
          a:
            accounts: 1
            acv: 1000
            expansion: {rate: 5%}
          b:
            accounts: 1
            acv: 1000
            expansion: {rate: 5%}
    """
    warns = warnings_of(text)
    assert [(w.id, w.segment, w.line) for w in warns] == [
        ("expansion-without-churn", "a", 6),
        ("expansion-without-churn", "b", 10),
    ]


# --- switching lints off -------------------------------------------------------------------


def test_disable_in_file():
    text = book("expansion: {rate: 5%}", top="lint: {disable: [expansion-without-churn]}")
    assert fired(text) == []
    report = check_document(doc_of(text))
    assert "expansion-without-churn" not in [r.id for r in report.results]


def test_disable_per_run(run_cli, tmp_path):
    path = LINT_DIR / "short-horizon.yaml"
    code, out, _ = run_cli(["check", path, "--strict", "--disable", "short-horizon", "-f", "json"])
    assert code == 0
    import json

    (f,) = json.loads(out)["files"]
    assert "short-horizon" not in [r["id"] for r in f["results"]]
    assert len(f["results"]) == len(LINTS) - 1
    code, _, _ = run_cli(
        ["check", path, "--strict", "--disable", "extreme-churn", "--disable", "understaffed"]
    )
    assert code == 1


def test_unknown_id_in_file_is_a_located_error(run_cli, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(book(top="lint:\n  disable:\n    - short-horizon\n    - extreme-chrun"))
    for command in (["check", path], ["validate", path]):
        code, _, err = run_cli(command)
        assert code == 2
        assert err == (
            f"{path}:5:7: error: lint.disable[1]: unknown lint `extreme-chrun`; "
            "did you mean `extreme-churn`?\n"
        )


def test_unknown_id_per_run_is_a_usage_error(run_cli):
    code, out, err = run_cli(["check", SCENARIOS / "midmarket.yaml", "--disable", "nope"])
    assert code == 2
    assert out == ""
    assert err.startswith("csmodel: error: --disable nope: unknown lint `nope` (lints are: ")
    assert all(lint_id in err for lint_id in LINTS)

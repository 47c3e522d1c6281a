"""Loading scenario files: located errors, YAML safety, schema defaults, immutability.

Diagnostics are asserted in full, ``file:line:col: error: key.path: message``,
with line and column counted by hand from the YAML written in each test
(1-based, as editors count).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SCENARIOS, TEST_SCENARIOS, scenario_from

from csmodel.engine import project
from csmodel.errors import ScenarioError
from csmodel.loader import load_scenario

# Lines 1-5; tests append from line 6 on.
BASE = """\
name: t
segments:
  s:
    accounts: 10
    acv: 1200
"""


def errors(tmp_path: Path, text: str) -> tuple[str, list[str]]:
    """Write ``text`` to a file and load it: (the file's name, its diagnostics)."""
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(path), [p.format() for p in info.value.problems]


def only_error(tmp_path: Path, text: str) -> str:
    """The single diagnostic of ``text``, with the file name replaced by ``F``."""
    name, lines = errors(tmp_path, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(name)
    return "F" + lines[0][len(name) :]


# --- located errors ---------------------------------------------------------------


def test_unknown_key_with_did_you_mean(tmp_path):
    got = only_error(tmp_path, BASE + "    chrun: {rate: 2%}\n")
    assert got == "F:6:5: error: segments.s: unknown key `chrun`; did you mean `churn`?"


def test_rate_above_100_percent(tmp_path):
    got = only_error(tmp_path, BASE + "    churn: {rate: 150%}\n")
    assert got.startswith("F:6:19: error: segments.s.churn.rate: must be between 0% and 100%")
    assert "150%" in got


def test_rate_as_fraction_above_1_is_refused(tmp_path):
    # 4 is not 4%: a rate written as a number is a fraction
    got = only_error(tmp_path, BASE + "    churn: {rate: 4}\n")
    assert got.startswith("F:6:19: error: segments.s.churn.rate: must be between 0% and 100%")


@pytest.mark.parametrize("written", ['"4%"', "4%", "0.04", "'4 %'", "4e-2"])
def test_percent_strings_and_fractions_load_the_same(written):
    sc = scenario_from(BASE + f"    churn: {{rate: {written}}}\n")
    assert sc.segments["s"].churn.rate == 0.04


def test_yes_where_a_number_belongs(tmp_path):
    got = only_error(tmp_path, BASE.replace("acv: 1200", "acv: yes"))
    assert got == "F:5:10: error: segments.s.acv: expected a number (got 'yes')"


def test_yes_where_a_rate_belongs(tmp_path):
    got = only_error(tmp_path, BASE + "    churn: {rate: no}\n")
    assert got.startswith("F:6:19: error: segments.s.churn.rate: expected a rate")


def test_fractional_accounts(tmp_path):
    got = only_error(tmp_path, BASE.replace("accounts: 10", "accounts: 10.5"))
    assert got == "F:4:15: error: segments.s.accounts: must be a whole number (got 10.5)"


def test_duplicate_keys_name_both_lines(tmp_path):
    got = only_error(tmp_path, BASE + "    acv: 1300\n")
    assert got.startswith("F:6:5: error: segments.s: duplicate key `acv`")
    assert "line 5" in got
    assert "line 6" in got


def test_python_tags_are_refused_and_never_run(tmp_path, capfd):
    marker = tmp_path / "pwned"
    text = (
        "name: t\n"
        f'description: !!python/object/apply:os.system ["echo hi; touch {marker}"]\n'
        + BASE.split("\n", 1)[1]
    )
    got = only_error(tmp_path, text)
    assert got.startswith("F:2:14: error: description: YAML tag ")
    assert "python/object/apply:os.system" in got
    assert "is not allowed" in got
    assert not marker.exists()
    assert "hi" not in capfd.readouterr().out


def test_custom_tags_are_refused(tmp_path):
    got = only_error(tmp_path, BASE + "    churn: !rate {rate: 2%}\n")
    assert got.startswith("F:6:12: error: segments.s.churn: YAML tag `!rate` is not allowed")


def test_billion_laughs_is_refused(tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    _, got = errors(tmp_path, "\n".join(lines) + "\n")
    assert len(got) == 1
    assert "document has more than 100,000 values" in got[0]
    assert "refused" in got[0]


def test_two_yaml_documents(tmp_path):
    got = only_error(tmp_path, BASE + "---\n" + BASE)
    assert got.startswith("F:6:1: error: invalid YAML: ")


def test_two_yaml_documents_get_the_friendly_message(tmp_path):
    got = only_error(tmp_path, BASE + "---\n" + BASE)
    assert got == (
        "F:6:1: error: invalid YAML: several YAML documents in one file; "
        "a scenario file holds exactly one"
    )


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    got = only_error(tmp_path, "name: t\nsegments:\n  s:\n    accounts: 10\n   acv: 3\n")
    assert got.startswith("F:5:4: error: invalid YAML: ")


def test_unclosed_flow_sequence(tmp_path):
    got = only_error(tmp_path, "name: t\nsegments: [\n  a: b\n")
    assert got.startswith("F:4:1: error: invalid YAML: ")


def test_control_character_is_refused(tmp_path):
    got = only_error(tmp_path, "name: t\nsegments: \x07\n")
    assert "control characters are not allowed" in got


def test_control_character_is_located_on_one_line(tmp_path):
    got = only_error(tmp_path, "name: t\nsegments: \x07\n")
    assert got.startswith("F:2:11: error: invalid YAML: ")
    assert "\n" not in got
    assert "<unicode string>" not in got


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    got = only_error(tmp_path, text)
    assert got == "F: error: file is empty: a scenario needs at least `name` and `segments`"


def test_top_level_list(tmp_path):
    got = only_error(tmp_path, "- name: t\n- segments: {}\n")
    assert got.startswith("F:1:1: error: the top level must be a mapping")
    assert "(got a list)" in got


def test_missing_segments(tmp_path):
    got = only_error(tmp_path, "name: t\n")
    assert got == "F:1:1: error: required key `segments` is missing"


def test_misspelt_segments_gives_only_did_you_mean(tmp_path):
    got = only_error(tmp_path, "name: t\nsegmnets:\n  s: {accounts: 1, acv: 1}\n")
    assert got == "F:2:1: error: unknown key `segmnets`; did you mean `segments`?"


def test_empty_segments(tmp_path):
    got = only_error(tmp_path, "name: t\nsegments: {}\n")
    assert got == "F:2:11: error: segments: needs at least one segment"


def test_churn_plus_contraction_above_100_percent(tmp_path):
    got = only_error(tmp_path, BASE + "    churn: {rate: 60%}\n    contraction: {rate: 50%}\n")
    assert got.startswith(
        "F:7:25: error: segments.s.contraction.rate: churn (60%) plus contraction (50%) exceed 100%"
    )


def test_churn_plus_contraction_of_exactly_100_percent_is_allowed():
    sc = scenario_from(BASE + "    churn: {rate: 60%}\n    contraction: {rate: 40%}\n")
    assert sc.segments["s"].churn.rate + sc.segments["s"].contraction.rate == pytest.approx(1.0)


def test_csms_without_a_workload_model(tmp_path):
    got = only_error(tmp_path, BASE + "    csms: 2\n")
    assert got.startswith("F:6:5: error: segments.s.csms: staffed CSMs need a workload")
    assert "`meetings`" in got
    assert "`accounts_per_csm`" in got


def test_check_with_an_unknown_metric(tmp_path):
    got = only_error(tmp_path, BASE + "checks:\n  - metric: nrrr\n    min: 90%\n")
    assert got == "F:7:13: error: checks[0].metric: unknown metric `nrrr`; did you mean `nrr`?"


def test_check_with_an_unknown_segment(tmp_path):
    text = BASE + "checks:\n  - metric: nrr\n    segment: {name}\n    min: 90%\n"
    got = only_error(tmp_path, text.format(name="enterprise"))
    assert got == "F:8:14: error: checks[0].segment: unknown segment `enterprise`"
    got = only_error(tmp_path, text.format(name="ss"))
    assert got == "F:8:14: error: checks[0].segment: unknown segment `ss`; did you mean `s`?"


def test_every_problem_is_reported_at_once_in_file_order(tmp_path):
    text = BASE + "    expansion: {rate: 2}\n    churn: {rate: 150%}\n"
    name, got = errors(tmp_path, text)
    assert [line[len(name) :].split(": error: ")[0] for line in got] == [":6:23", ":7:19"]


def test_nesting_deeper_than_64_levels_is_refused(tmp_path):
    depth = 80
    _, got = errors(tmp_path, "name: t\nx: " + "[" * depth + "]" * depth + "\n")
    assert len(got) == 1
    assert "nesting deeper than 64 levels" in got[0]


def test_very_deep_nesting_is_refused_without_crashing(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: t\nsegments: " + "[" * 60_000 + "]" * 60_000 + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "csmodel", "project", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.returncode
    assert f"{path}:" in proc.stderr
    assert "nesting deeper than 64 levels" in proc.stderr


def test_missing_file():
    with pytest.raises(ScenarioError) as info:
        load_scenario("/nonexistent/dir/scenario.yaml")
    assert str(info.value) == "/nonexistent/dir/scenario.yaml: error: no such file"


def test_parse_scenario_names_the_string_source():
    with pytest.raises(ScenarioError) as info:
        scenario_from(BASE + "    chrun: {rate: 2%}\n")
    assert str(info.value).startswith("<string>:6:5: error: segments.s: unknown key `chrun`")


# --- example files ------------------------------------------------------------------


VALID = sorted((TEST_SCENARIOS / "valid").glob("*.yaml"))
INVALID = sorted((TEST_SCENARIOS / "invalid").glob("*.yaml"))
SHIPPED = sorted(SCENARIOS.glob("**/*.yaml"))


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.name)
def test_valid_files_load_and_project(path):
    pr = project(load_scenario(path))
    assert pr.metrics["total_revenue"] > 0


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_files_give_their_expected_error(path):
    """Each file's first line is ``# expect: LINE:COL: error: ...`` (a prefix of the message)."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: ")
    expected = first.removeprefix("# expect: ")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    got = [p.format() for p in info.value.problems]
    assert len(got) == 1, got
    assert got[0].startswith(f"{path}:{expected}")


def test_there_are_example_files():
    assert len(VALID) >= 5
    assert len(INVALID) >= 5


# --- defaults (DOMAIN.md 3) ----------------------------------------------------------


def test_defaults():
    sc = scenario_from(BASE)
    assert sc.horizon_months == 36
    assert sc.timing == "end"
    assert sc.renewals == "aligned"
    assert sc.currency == "USD"
    assert sc.discount_rate == 0
    assert sc.team.hours_per_year == 2080
    assert sc.team.productivity == 0.70
    assert sc.team.productive_hours == pytest.approx(1456)
    assert sc.team.cost_per_csm == 120_000
    assert sc.team.ramp_months == 3
    assert sc.team.attrition == 0.15
    assert sc.economics.cost_to_serve == 0.15
    assert sc.economics.cac_per_logo == 0
    assert sc.understaffing.churn_sensitivity == 1.0
    assert sc.understaffing.expansion_sensitivity == 1.0
    seg = sc.segments["s"]
    for name in ("churn", "contraction", "expansion", "price_increase"):
        movement = getattr(seg, name)
        assert movement.rate == 0, name
        assert movement.every == "year", name
    assert seg.expansion.share == 1.0
    assert seg.price_increase.share == 1.0
    assert seg.csms is None
    assert seg.accounts_per_csm is None
    assert seg.onboarding_hours == 0
    assert dict(seg.meetings) == {}
    assert seg.new_logos.per_month == 0
    assert seg.new_logos.onboarding_rate == 1.0
    assert seg.new_logo_acv == 1200  # new logos default to the segment's ACV
    assert dict(sc.variants) == {}
    assert sc.checks == ()


def test_every_defaults_to_year_when_only_rate_is_given():
    sc = scenario_from(BASE + "    expansion: {rate: 5%}\n")
    assert sc.segments["s"].expansion.every == "year"
    assert sc.segments["s"].expansion.share == 1.0


def test_meetings_add_up_to_hours_per_account():
    sc = scenario_from(
        BASE
        + textwrap.indent(
            textwrap.dedent(
                """\
                meetings:
                  check_in: {per_year: 12, hours: 0.5, prep_hours: 0.5}
                  ebr: {per_year: 2, hours: 1, prep_hours: 1.5}
                  workshop: {per_year: 1, hours: 1.5, prep_hours: 1.5}
                  ad_hoc: {per_year: 1, hours: 0.5, prep_hours: 0.3}
                """
            ),
            "    ",
        )
    )
    # DOMAIN.md 5.1: 12 + 5 + 3 + 0.8 = 20.8 h, so 1,456 / 20.8 = 70 accounts per CSM
    assert sc.segments["s"].hours_per_account == pytest.approx(20.8)
    assert sc.team.productive_hours / sc.segments["s"].hours_per_account == pytest.approx(70.0)


# --- immutability --------------------------------------------------------------------


def test_scenario_is_immutable():
    sc = scenario_from(BASE + "    meetings:\n      review: {per_year: 4, hours: 1}\n")
    with pytest.raises((TypeError, ValueError)):
        sc.name = "changed"
    with pytest.raises((TypeError, ValueError)):
        sc.segments["s"].churn.rate = 0.5
    with pytest.raises((TypeError, ValueError)):
        sc.team.productivity = 1.0
    with pytest.raises(TypeError):
        sc.segments["other"] = sc.segments["s"]
    with pytest.raises(TypeError):
        del sc.segments["s"]
    with pytest.raises(TypeError):
        sc.segments["s"].meetings["extra"] = sc.segments["s"].meetings["review"]
    assert sc.name == "t"
    assert list(sc.segments) == ["s"]

"""The JSON Schema of scenario files (``csmodel schema``): a valid draft 2020-12 schema that
accepts every valid scenario and rejects invalid ones, in agreement with csmodel itself."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, TEST_SCENARIOS
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from csmodel.errors import ScenarioError
from csmodel.ids import HEADCOUNT_METRICS, METRICS
from csmodel.jsonschema import SCHEMA_ID, scenario_json_schema
from csmodel.lints import LINTS
from csmodel.loader import build_document
from csmodel.yamlsrc import Source, load_source, parse_source

SCHEMA_FILE = ROOT / "schema" / "scenario.schema.json"
VALID = sorted(
    [
        *SCENARIOS.rglob("*.yaml"),
        *(TEST_SCENARIOS / "valid").glob("*.yaml"),
        *(TEST_SCENARIOS / "lint").glob("*.yaml"),
        ROOT / "csmodel" / "data" / "starter.yaml",
    ]
)
BEYOND_JSON_SCHEMA = {
    # what JSON Schema cannot say; `csmodel validate` does
    "check-min-above-max.yaml": "compares two values",
    "churn-plus-contraction.yaml": "adds two values",
    "meetings-zero-hours.yaml": "sums over meetings",
    "nan-acv.yaml": "YAML's .nan has no JSON form",
    "overflow-number.yaml": "1e400 is numeric text; its size is not a pattern",
    "unknown-variant-path.yaml": "dotted paths into the file itself",
    "variant-invalid-value.yaml": "dotted paths into the file itself",
    "variant-missing-field.yaml": "dotted paths into the file itself",
    "variant-missing-segment.yaml": "dotted paths into the file itself",
    "schedule-first-key.yaml": "the first month depends on `start`",
    "schedule-out-of-horizon.yaml": "compares a key with horizon_months",
    "schedule-out-of-order.yaml": "compares keys with each other",
    "schedule-date-without-start.yaml": "depends on whether `start` is set",
}


def _yaml_data(path: Path):
    try:
        return load_source(path).data
    except ScenarioError:
        return None  # not YAML csmodel reads at all (bad syntax, tags, aliases...)


INVALID = sorted(
    p
    for p in (TEST_SCENARIOS / "invalid").glob("*.yaml")
    if p.name not in BEYOND_JSON_SCHEMA and _yaml_data(p) is not None
)
MINIMAL = {"name": "t", "segments": {"book": {"accounts": 10, "acv": 12000}}}


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(scenario_json_schema())


def valid_for_csmodel(data, file: str = "t.yaml") -> bool:
    """As ``csmodel validate`` judges it (schema, cross-key rules, variants, lint ids); a
    file with an account book reads its CSV beside ``file``."""
    from csmodel.lints import disable_problems

    try:
        doc = build_document(Source(str(file), data, parse_source("x: 1").marks))
    except ScenarioError:
        return False
    return not disable_problems(doc)


def with_(path: str, value, base=None) -> dict:
    data = copy.deepcopy(base or MINIMAL)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return data


# --- the schema itself ---------------------------------------------------------------


def test_is_a_valid_draft_2020_12_schema():
    schema = scenario_json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["required"] == ["name", "segments"]


def test_every_object_refuses_unknown_keys():
    schema = scenario_json_schema()
    nodes = [schema, *schema["$defs"].values()]
    for node in nodes:
        assert node["additionalProperties"] is False, node.get("description")
        for prop in node["properties"].values():
            assert "title" not in prop


def test_ids_are_enumerated():
    defs = scenario_json_schema()["$defs"]
    from csmodel.ids import DEPRECATED_METRICS

    assert defs["Check"]["properties"]["metric"]["enum"] == list(
        {**METRICS, **HEADCOUNT_METRICS, **DEPRECATED_METRICS}
    )
    assert defs["Lint"]["properties"]["disable"]["items"]["enum"] == list(LINTS)


def test_committed_file_is_current():
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(text) == scenario_json_schema(), (
        "regenerate: csmodel schema > schema/scenario.schema.json"
    )


def test_unknown_validator_is_refused():
    from csmodel.jsonschema import _validator_schema

    with pytest.raises(ValueError, match="no JSON Schema for csmodel validator"):
        _validator_schema(lambda v: v)


# --- accepts every valid scenario ------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_accepts_valid_scenarios(validator, path):
    data = load_source(path).data
    assert valid_for_csmodel(data, path)
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        *sorted(SCENARIOS.glob("*.yaml")),
        *sorted(SCENARIOS.glob("*/*.yaml")),
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_shipped_scenarios_point_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    target = (path.parent / first[len(prefix) :]).resolve()
    assert target == SCHEMA_FILE.resolve()


# --- rejects invalid ones ------------------------------------------------------------------


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_rejects_invalid_test_scenarios(validator, path):
    data = load_source(path).data
    assert not valid_for_csmodel(data)
    assert not validator.is_valid(data), (
        f"{path.name}: teach csmodel/jsonschema.py to reject it, or list it in "
        "BEYOND_JSON_SCHEMA with the reason JSON Schema cannot"
    )


def test_beyond_json_schema_cases_exist_and_are_accepted(validator):
    for name in BEYOND_JSON_SCHEMA:
        path = TEST_SCENARIOS / "invalid" / name
        if not path.exists():  # owned by the loader's tests: may be renamed
            continue
        data = load_source(path).data
        assert not valid_for_csmodel(data)
        assert validator.is_valid(data), f"{name} is now rejected: drop it from the list"


REJECTED = {
    "unknown top-level key": with_("segmnets", {}),
    "unknown segment key": with_("segments.book.chrun", {"rate": 0.02}),
    "unknown movement key": with_("segments.book.churn.period", "year"),
    "missing segments": {"name": "t"},
    "missing name": {"segments": MINIMAL["segments"]},
    "no segment": with_("segments", {}),
    "missing acv": with_("segments.book", {"accounts": 10}),
    "rate above 100% (fraction)": with_("segments.book.churn", {"rate": 1.5}),
    "rate above 100% (percent)": with_("segments.book.churn", {"rate": "150%"}),
    "negative rate": with_("segments.book.expansion", {"rate": -0.01}),
    "negative percent": with_("segments.book.expansion", {"rate": "-1%"}),
    "productivity 0": with_("team", {"productivity": 0}),
    "productivity 0%": with_("team", {"productivity": "0%"}),
    "productivity 0.0 as text": with_("team", {"productivity": "0.0"}),
    "hours per year 0": with_("team", {"hours_per_year": "0"}),
    "csms without a workload": with_("segments.book.csms", 2),
    "rate as a word": with_("segments.book.churn", {"rate": "two percent"}),
    "accounts as text": with_("segments.book.accounts", "many"),
    "fractional accounts": with_("segments.book.accounts", 10.5),
    "acv with separators": with_("segments.book.acv", "36,000"),
    "acv zero": with_("segments.book.acv", 0),
    "name as a number": with_("name", 2024),
    "boolean number": with_("horizon_months", True),
    "horizon 0": with_("horizon_months", 0),
    "horizon 601": with_("horizon_months", 601),
    "unknown period": with_("segments.book.churn", {"rate": 0.01, "every": "week"}),
    "unknown timing": with_("timing", "middle"),
    "movement as a bare rate": with_("segments.book.churn", "2%"),
    "checks not a list": with_("checks", {"metric": "grr"}),
    "unknown metric": with_("checks", [{"metric": "gr", "min": 0.9}]),
    "check without bounds": with_("checks", [{"metric": "grr"}]),
    "unknown check key": with_("checks", [{"metric": "grr", "min": 0.9, "level": "error"}]),
    "unknown severity": with_("checks", [{"metric": "grr", "min": 0.9, "severity": "fatal"}]),
    "unknown lint id": with_("lint", {"disable": ["extreme-chrun"]}),
    "meetings and ratio": with_(
        "segments.book",
        {
            "accounts": 1,
            "acv": 1,
            "meetings": {"m": {"per_year": 1, "hours": 1}},
            "accounts_per_csm": 5,
        },
    ),
    # issue 20: names, ranges; issue 9: rate bounds written without %
    "segment name with ESC": with_("segments", {"a\x1bb": {"accounts": 1, "acv": 1}}),
    "segment name with RLO": with_("segments", {"a\u202eb": {"accounts": 1, "acv": 1}}),
    "variant name blank": with_("variants", {" ": {"set": {}}}),
    "scenario name of 81 characters": with_("name", "x" * 81),
    "scenario name with a newline": with_("name", "a\nb"),
    "check name with a zero-width space": with_(
        "checks", [{"metric": "grr", "min": 0.9, "name": "a\u200b"}]
    ),
    "accounts over ten million": with_("segments.book.accounts", 10_000_001),
    "acv over a trillion": with_("segments.book.acv", 1e12 + 1),
    "csms over a million": with_(
        "segments.book", {"accounts": 1, "acv": 1, "csms": 1e6 + 1, "accounts_per_csm": 5}
    ),
    "accounts per csm below 0.1": with_("segments.book.accounts_per_csm", 0.01),
    "hours per year over a leap year": with_("team", {"hours_per_year": 8785}),
    "sensitivity over 100": with_("understaffing", {"churn_sensitivity": 101}),
    "grr bound 90 (9000%)": with_("checks", [{"metric": "grr", "min": 90}]),
    "nrr bound 110 (11000%)": with_("checks", [{"metric": "nrr", "max": 110}]),
    "bound over 1e300": with_("checks", [{"metric": "uplift", "max": 1e301}]),
    "meeting without hours": with_(
        "segments.book", {"accounts": 1, "acv": 1, "meetings": {"m": {"per_year": 1}}}
    ),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejects_invalid_documents(validator, case):
    data = REJECTED[case]
    assert not valid_for_csmodel(data), "the case must be invalid for csmodel too"
    assert not validator.is_valid(data)


ACCEPTED = {
    "percent with space": with_("segments.book.churn", {"rate": "3 %"}),
    "100%": with_("segments.book.churn", {"rate": "100%"}),
    "0%": with_("segments.book.churn", {"rate": "0%"}),
    "decimal percent": with_("segments.book.churn", {"rate": "0.6%"}),
    "fraction": with_("segments.book.churn", {"rate": 0.02}),
    "numeric text": with_("segments.book.acv", "36000"),
    "whole float": with_("segments.book.accounts", 10.0),
    "optional null": with_("segments.book.csms", None),
    "check bound as percent": with_("checks", [{"metric": "grr", "min": "90%"}]),
    "check bound above 100%": with_("checks", [{"metric": "nrr", "max": "120%"}]),
    "check on every variant": with_("checks", [{"metric": "coverage", "min": 1, "variant": "*"}]),
    "headcount metric": with_(
        "checks", [{"metric": "fte_required", "max": 10, "severity": "warning", "name": "x"}]
    ),
    "lint disable": with_("lint", {"disable": list(LINTS)}),
    "meetings with a null ratio": with_(
        "segments.book",
        {
            "accounts": 1,
            "acv": 1,
            "meetings": {"m": {"per_year": 1, "hours": 1}},
            "accounts_per_csm": None,
        },
    ),
    "variant set": with_("variants", {"v": {"set": {"segments.book.churn.rate": "5%"}}}),
    "productivity 0.5%": with_("team", {"productivity": "0.5%"}),
    "productivity 100%": with_("team", {"productivity": "100%"}),
    "hours per year as text": with_("team", {"hours_per_year": "1800"}),
    "staffed with a ratio": with_(
        "segments.book", {"accounts": 1, "acv": 1, "csms": 1, "accounts_per_csm": 50}
    ),
    "null csms without workload": with_("segments.book", {"accounts": 1, "acv": 1, "csms": None}),
    "emoji name with a joiner": with_(
        "segments", {"\U0001f469\u200d\U0001f4bb": {"accounts": 1, "acv": 1}}
    ),
    "name of 80 characters": with_("name", "x" * 80),
    "accounts exactly ten million": with_("segments.book.accounts", 10_000_000),
    "accounts per csm 0.1": with_("segments.book.accounts_per_csm", 0.1),
    "grr bound as a fraction": with_("checks", [{"metric": "grr", "min": 0.9}]),
    "nrr bound 2 (200%)": with_("checks", [{"metric": "nrr", "max": 2}]),
    "no lower bound, written -1e18": with_("checks", [{"metric": "grr", "min": -1e18}]),
    "money bound in the billions": with_("checks", [{"metric": "total_revenue", "min": 5e9}]),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepts_valid_documents(validator, case):
    data = ACCEPTED[case]
    assert valid_for_csmodel(data)
    assert validator.is_valid(data), [e.message for e in validator.iter_errors(data)]


# --- agreement with csmodel, value by value --------------------------------------------------

rates = st.one_of(
    st.floats(min_value=-0.5, max_value=1.5, allow_nan=False),
    st.decimals(min_value=-50, max_value=150, places=3).map(lambda d: f"{d}%"),
    st.decimals(min_value=0, max_value=150, places=1).map(lambda d: f" {d} %"),
    st.integers(min_value=-5, max_value=200).map(lambda i: f"{i}%"),
    st.sampled_from(["4", "0.5", "1.5", "%", "4%%", "four", "1,5%", "", "+5%", "05%", "100.0%"]),
)


@given(rate=rates)
def test_rates_agree_with_csmodel(rate):
    validator = Draft202012Validator(scenario_json_schema())
    data = with_("segments.book.churn", {"rate": rate})
    assert validator.is_valid(data) == valid_for_csmodel(data), rate


@given(accounts=st.one_of(st.integers(-3, 10**6), st.floats(-3, 100, allow_nan=False)))
def test_whole_numbers_agree_with_csmodel(accounts):
    validator = Draft202012Validator(scenario_json_schema())
    data = with_("segments.book.accounts", accounts)
    assert validator.is_valid(data) == valid_for_csmodel(data), accounts


def test_schema_is_pure_json(tmp_path: Path):
    # editors read the file as JSON: no NaN, no tuples, round-trips exactly
    text = json.dumps(scenario_json_schema(), allow_nan=False)
    assert json.loads(text) == scenario_json_schema()

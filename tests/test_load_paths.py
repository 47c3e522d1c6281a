"""libyaml's composer and the Python one give the same documents and marks (issue 10, item 5).

Every text is parsed twice: as the loader does (libyaml whenever the pre-check
allows) and with the Python composer forced; data, the position of every key
and every value, and the problems reported must be identical.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS, TEST_SCENARIOS

from csmodel import yamlsrc
from csmodel.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(SCENARIOS.glob("**/*.yaml")) + sorted((TEST_SCENARIOS / "valid").glob("*.yaml"))
CATALOGUE = sorted((TEST_SCENARIOS / "invalid").glob("*.yaml"))

pytestmark = pytest.mark.skipif(
    "c" not in yamlsrc._loaders(yaml), reason="PyYAML built without libyaml"
)


def parsed(text: str, monkeypatch, *, python: bool):
    monkeypatch.setattr(yamlsrc, "FAST_FROM", 10**9 if python else 0)
    try:
        src = yamlsrc.parse_source(text, "f.yaml")
    except ScenarioError as exc:
        return ("refused", [p.format() for p in exc.problems])
    return ("ok", repr(src.data), src.marks.values, src.marks.keys)


def assert_same(text: str, monkeypatch) -> tuple:
    fast = parsed(text, monkeypatch, python=False)
    slow = parsed(text, monkeypatch, python=True)
    assert fast == slow
    return fast


def generated(n_segments: int, seed: int, *, flow: bool) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import synthetic_data

    data = synthetic_data(n_segments, 60, seed=seed)
    data["name"] = "Généré ✓ 😀"  # non-ASCII text before keys on the same line
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=flow)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_take_the_libyaml_path(path):
    text = path.read_text(encoding="utf-8")
    assert yamlsrc._loader_for(yaml, text) is yamlsrc._loaders(yaml)["c"]


@pytest.mark.parametrize("path", SHIPPED + CATALOGUE, ids=lambda p: p.stem)
def test_both_composers_agree_on_shipped_and_catalogue_files(path, monkeypatch):
    assert_same(path.read_text(encoding="utf-8"), monkeypatch)


@pytest.mark.parametrize("flow", [False, True], ids=["block", "flow"])
@pytest.mark.parametrize("seed", [1, 2])
def test_both_composers_agree_on_generated_scenarios(seed, flow, monkeypatch):
    result = assert_same(generated(40, seed, flow=flow), monkeypatch)
    assert result[0] == "ok"
    keys = result[3]
    assert ("segments", "seg-0000", "accounts") in keys  # marks of every key are compared


def test_marks_are_one_based_line_and_column(monkeypatch):
    text = "name: é😀\nsegments:\n  a: {accounts: 10, acv: 1200}\n"
    for python in (False, True):
        _, _, values, keys = parsed(text, monkeypatch, python=python)
        assert keys[("segments", "a", "acv")] == (3, 21)
        assert values[("segments", "a", "acv")] == (3, 26)
        assert values[("name",)] == (1, 7)


@pytest.mark.parametrize(
    "text",
    [
        "---",  # empty document at the end of a file without a line break
        "a: {b: }\n",  # empty value in a flow mapping
        "? a",  # a key with no value at the end of the file
        "a:\n  b: !!str\n",
        "a: 1\nb:",
        "a:\tb\n",  # a tab: libyaml accepts it, PyYAML does not
        "a: 'x\x85y'\n",
        "a: [1, 2\n",
        "a: 1\na: 2\n",
        'a: "\\ud800"\n',
        "a: <<\n",
        "a: 010\n",
        "x: &a [1]\ny: *b\n",
        "a: !!python/name:os.system x\n",
    ],
)
def test_both_composers_agree_where_libyaml_differs_or_refuses(text, monkeypatch):
    assert_same(text, monkeypatch)


def test_mutated_texts_that_both_accept_have_the_same_marks(monkeypatch):
    """Random edits of the shipped files: whenever both composers accept, all agrees."""
    rng = random.Random(10)
    texts = [p.read_text(encoding="utf-8") for p in SHIPPED]
    pieces = [*":-[]{}&*!|>?,#'\"", "\n", " ", "<<", "---", "~", ""]
    compared = 0
    for _ in range(300):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.6:
                text = text[:at] + rng.choice(pieces) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 5) :]
        fast = parsed(text, monkeypatch, python=False)
        slow = parsed(text, monkeypatch, python=True)
        if fast[0] == slow[0] == "ok":
            assert fast == slow, text
            compared += 1
    assert compared > 50


def test_nan_survives_both_paths(monkeypatch):
    for python in (False, True):
        monkeypatch.setattr(yamlsrc, "FAST_FROM", 10**9 if python else 0)
        assert math.isnan(yamlsrc.parse_source("v: .nan\n").data["v"])


def test_the_garbage_collector_is_restored():
    import gc

    assert gc.isenabled()
    yamlsrc.parse_source("a: 1\n")
    assert gc.isenabled()
    with pytest.raises(ScenarioError):
        yamlsrc.parse_source("a: [\n")
    assert gc.isenabled()
    gc.disable()
    try:
        yamlsrc.parse_source("a: 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Large files (>= 256 KB) take libyaml's fast path only when they cannot nest deeply."""

from __future__ import annotations

import pytest

from csmodel.errors import ScenarioError
from csmodel.loader import parse_scenario
from csmodel.yamlsrc import FAST_FROM

BASE = "name: big\nsegments:\n  a: {accounts: 10, acv: 1200}\n"
PADDING = "# " + "x" * 78 + "\n"


def padded(text: str) -> str:
    return text + PADDING * (FAST_FROM // len(PADDING) + 1)


def test_large_valid_file_loads():
    sc = parse_scenario(padded(BASE), "big.yaml")
    assert sc.segments["a"].accounts == 10


def test_large_file_keeps_duplicate_key_and_location_checks():
    text = padded(BASE + "name: again\n")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "big.yaml")
    assert str(info.value).startswith("big.yaml:4:1: error: duplicate key `name`")


def test_large_deeply_nested_file_is_refused_not_crashed():
    depth = 20_000
    text = padded(BASE + "x: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "big.yaml")
    assert "nesting deeper than 64 levels" in str(info.value)

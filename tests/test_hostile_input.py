"""The hostile-input corpus, round 2 (issue 20, items 2, 3, 4, 7 and 8; issue 9, item 5).

One parameter per case: a scenario (as a file, on standard input, or the shipped
``midmarket.yaml``), the command-line arguments, the expected exit code and a
fragment of the expected output. Each case runs the real command in a subprocess
(``python -m csmodel``, as ``test_invalid_catalogue`` does), so what is asserted
is what a person sees: for a refused input, exit 2, nothing on stdout, no
traceback, and every stderr line a ``FILE[:LINE:COL]: error: ...`` diagnostic
whose first line carries the fragment.

A fragment written ``L:C: error: ...`` must follow the file's name exactly (the
location is part of the contract); any other fragment must appear in stderr
(exit 2) or stdout (exit 0).

The cases cover: YAML 1.2 core-schema scalars (``010``, ``1:30``, ``yes``/``no``/``on``,
hexadecimal and octal), bounded numbers (400-digit integers from a file, standard
input and ``--set``; CSMs, money, hours and ratios out of their ranges), names
(control, invisible and bidirectional characters, length, blanks), lone surrogates,
nesting beyond the limit (located), check bounds on rate metrics written without
``%``, variants out of range under ``validate``, and the corpus's own additions
(NaN and infinity spellings, 1e309, negative zero, huge exponents, booleans where a
number belongs, explicit tags, numbers too long to read, YAML-only line breaks).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from conftest import SCENARIOS

TIMEOUT = 20  # seconds; a guard against hangs, not a speed requirement
MIDMARKET = SCENARIOS / "midmarket.yaml"
BIG = "9" * 400
HEAD = "name: t\nsegments:\n"


def seg(body: str = "", name: str = "s") -> str:
    """A one-segment scenario: ``body`` is extra segment keys (one per line, unindented)."""
    extra = "".join(f"    {line}\n" for line in body.splitlines())
    return f"{HEAD}  {name}:\n    accounts: 10\n    acv: 1200\n{extra}"


MEETING = "meetings:\n  review: {per_year: 12, hours: HOURS}"


@dataclass(frozen=True)
class Case:
    text: str | None  # the scenario; None: the shipped midmarket.yaml
    expect: str
    code: int = 2
    args: tuple[str, ...] = ("project", "{file}")
    stdin: bool = False  # give the scenario on standard input (FILE is "-")
    extra: tuple[str, ...] = field(default=())  # further fragments that must appear


CASES: dict[str, Case] = {
    # --- YAML 1.2 core schema (issue 20, item 4) -----------------------------------------
    "leading-zero-is-not-octal": Case(
        seg().replace("accounts: 10", "accounts: 010"),
        "4:15: error: segments.s.accounts: `010` has a leading zero, which YAML readers "
        "disagree on (YAML 1.1 reads it as an octal number); write `10`",
    ),
    "leading-zero-on-stdin": Case(
        seg().replace("accounts: 10", "accounts: 010"),
        "4:15: error: segments.s.accounts: `010` has a leading zero",
        stdin=True,
    ),
    "leading-zero-in-set": Case(
        None,
        "segments.mid-market.accounts: `010` has a leading zero",
        args=("project", "{file}", "--set", "segments.mid-market.accounts=010"),
    ),
    "sexagesimal-is-text": Case(
        seg(MEETING.replace("HOURS", "1:30")),
        "7:37: error: segments.s.meetings.review.hours: expected a number (got '1:30'); a time "
        "such as 1:30 is text: write a decimal number (1.5 for one and a half)",
    ),
    "sexagesimal-in-set": Case(
        None,
        "horizon_months: expected a number (got '1:30'); a time such as 1:30 is text",
        args=("project", "{file}", "--set", "horizon_months=1:30"),
    ),
    "yes-is-text-not-a-number": Case(
        seg().replace("acv: 1200", "acv: yes"),
        "5:10: error: segments.s.acv: expected a number (got 'yes')",
    ),
    "segment-named-no-keeps-its-name": Case(
        seg(name="no"), '"no"', code=0, args=("project", "{file}", "--format", "json")
    ),
    "scenario-named-on-keeps-its-name": Case(
        seg().replace("name: t", "name: on"),
        '"scenario": "on"',
        code=0,
        args=("project", "{file}", "--format", "json"),
    ),
    "only-true-and-false-are-booleans": Case(
        seg().replace("acv: 1200", "acv: TRUE"),
        "5:10: error: segments.s.acv: expected a number (got true)",
    ),
    "hexadecimal-per-yaml-1-2": Case(  # 0x10 = 16 accounts x $100 MRR x 36 months
        seg().replace("accounts: 10", "accounts: 0x10"),
        '"total_revenue": 57600.0',
        code=0,
        args=("project", "{file}", "--format", "json"),
    ),
    "octal-per-yaml-1-2": Case(  # 0o10 = 8 accounts
        seg().replace("accounts: 10", "accounts: 0o10"),
        '"total_revenue": 28800.0',
        code=0,
        args=("project", "{file}", "--format", "json"),
    ),
    # --- bounded numbers (issue 20, item 3) ------------------------------------------------
    "400-digit-accounts": Case(
        seg().replace("accounts: 10", f"accounts: {BIG}"),
        "4:15: error: segments.s.accounts: must be between 0 and 10,000,000 "
        "(got a 400-digit number)",
    ),
    "400-digit-acv-on-stdin": Case(
        seg().replace("acv: 1200", f"acv: {BIG}"),
        "5:10: error: segments.s.acv: must be above 0 and at most 1,000,000,000,000 "
        "(got a 400-digit number)",
        stdin=True,
    ),
    "400-digit-check-bound": Case(
        seg() + f"checks:\n  - {{metric: total_revenue, min: {BIG}}}\n",
        "7:34: error: checks[0].min: is too large: at most 1e+300 (got a 400-digit number)",
        args=("check", "{file}"),
    ),
    "400-digit-horizon-in-set": Case(
        None,
        "horizon_months: must be between 1 and 600 (got a 400-digit number)",
        args=("project", "{file}", "--set", f"horizon_months={BIG}"),
    ),
    "csms-1e20": Case(
        seg("csms: 1e20\naccounts_per_csm: 50"),
        "6:11: error: segments.s.csms: must be between 0 and 1,000,000 (got 1e+20)",
    ),
    "tiny-accounts-per-csm": Case(
        seg("accounts_per_csm: 0.0000001"),
        "6:23: error: segments.s.accounts_per_csm: must be between 0.1 and 10,000,000 (got 1e-07)",
        args=("headcount", "{file}"),
    ),
    "accounts-over-ten-million": Case(
        seg().replace("accounts: 10", "accounts: 10000001"),
        "4:15: error: segments.s.accounts: must be between 0 and 10,000,000 (got 10000001)",
    ),
    "money-over-a-trillion": Case(
        seg("new_logos: {per_month: 1, acv: 2e12}"),
        "6:36: error: segments.s.new_logos.acv: must be above 0 and at most "
        "1,000,000,000,000 (got 2000000000000.0)",
    ),
    "hours-per-year-over-a-leap-year": Case(
        seg() + "team: {hours_per_year: 8785}\n",
        "6:24: error: team.hours_per_year: must be above 0 and at most 8,784 (got 8785)",
    ),
    "sensitivity-over-100": Case(
        seg() + "understaffing: {churn_sensitivity: 1000}\n",
        "6:36: error: understaffing.churn_sensitivity: must be between 0 and 100 (got 1000)",
    ),
    # --- names (issue 20, item 2) and lone surrogates -------------------------------------
    "segment-name-with-escape": Case(
        seg(name='"mid\\e[2Jmarket"'),
        "3:3: error: segments: a name must be 1 to 80 printable characters, with no control, "
        "invisible or bidirectional-formatting characters and no leading or trailing space "
        "(found \\x1b at character 4)",
    ),
    "variant-name-with-bidi-override": Case(
        seg() + 'variants:\n  "a\\u202eb": {set: {horizon_months: 12}}\n',
        "7:3: error: variants: a name must be 1 to 80",
        extra=("(found \\u202e at character 2)",),
    ),
    "scenario-name-too-long": Case(
        seg().replace("name: t", "name: " + "x" * 81),
        "1:7: error: name: a name must be 1 to 80",
        extra=("(got 81 characters)",),
    ),
    "blank-segment-name": Case(
        seg(name='"  "'), "3:3: error: segments: a name must be 1 to 80", extra=("(got an empty",)
    ),
    "meeting-name-with-zero-width-space": Case(
        seg('meetings:\n  "ebr\\u200b": {per_year: 4, hours: 1}'),
        "7:7: error: segments.s.meetings: a name must be 1 to 80",
        extra=("(found \\u200b at character 4)",),
    ),
    "lone-surrogate-in-description": Case(
        seg() + 'description: "caf\\ud800"\n',
        "6:14: error: description: text holds a lone surrogate (\\ud800)",
    ),
    "lone-surrogate-in-a-key": Case(
        seg(name='"s\\udfff"'), "3:3: error: segments: text holds a lone surrogate (\\udfff)"
    ),
    "lone-surrogate-in-set": Case(
        None,
        "description: text holds a lone surrogate (\\ud800)",
        args=("project", "{file}", "--set", 'description="\\ud800"'),
    ),
    # --- nesting (issue 20, item 7) -------------------------------------------------------
    "2000-nested-flow-lists": Case(
        seg() + "x: " + "[" * 2000 + "]" * 2000 + "\n",
        "6:68: error: nesting deeper than 64 levels",
    ),
    "1000-nested-block-sequences-on-one-line": Case(
        seg() + "x:\n" + "- " * 1000 + "a\n", "7:129: error: nesting deeper than 64 levels"
    ),
    "deep-block-mappings": Case(
        seg() + "x:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(200)),
        "71:66: error: nesting deeper than 64 levels",
    ),
    # --- check bounds and variants (issue 9, item 5) ---------------------------------------
    "grr-bound-without-percent": Case(
        seg() + "checks:\n  - {metric: grr, min: 90}\n",
        "7:24: error: checks[0].min: grr is a rate and a plain number is a fraction, so 90 "
        "means 9,000%; write `90%` for 90 percent",
        args=("validate", "{file}"),
    ),
    "nrr-bound-without-percent": Case(
        seg() + "checks:\n  - {metric: nrr, max: '120'}\n",
        "7:24: error: checks[0].max: nrr is a rate and a plain number is a fraction, so 120 "
        "means 12,000%; write `120%`",
        args=("check", "{file}"),
    ),
    "nrr-bound-as-a-fraction-is-fine": Case(
        seg() + "checks:\n  - {metric: nrr, max: 1.2}\n",
        "ok",
        code=0,
        args=("validate", "{file}"),
    ),
    "variant-out-of-range-under-validate": Case(
        seg() + "variants:\n  worse:\n    set:\n      segments.s.churn.rate: 300%\n",
        "9:7: error: segments.s.churn.rate: must be between 0% and 100% (got '300%')",
        args=("validate", "{file}"),
    ),
    # --- the corpus's own additions --------------------------------------------------------
    "nan-spelled-NaN": Case(
        seg().replace("acv: 1200", "acv: .NaN"),
        "5:10: error: segments.s.acv: must be a finite number (got .nan)",
    ),
    "minus-infinity-spelled-INF": Case(
        seg("churn: {rate: -.INF}"),
        "6:19: error: segments.s.churn.rate: must be a finite number (got -.inf)",
    ),
    "1e309-overflows-a-float": Case(
        seg().replace("acv: 1200", "acv: 1e309"),
        "5:10: error: segments.s.acv: must be above 0 and at most 1,000,000,000,000 (got '1e309')",
    ),
    "huge-exponent-as-text": Case(
        seg().replace("acv: 1200", 'acv: "1e99999999"'),
        "5:10: error: segments.s.acv: must be above 0 and at most",
    ),
    "negative-zero-acv": Case(
        seg().replace("acv: 1200", "acv: -0.0"),
        "5:10: error: segments.s.acv: must be above 0 and at most 1,000,000,000,000 (got -0.0)",
    ),
    "negative-zero-rate-is-zero": Case(
        seg("churn: {rate: -0%}"),
        '"churn": 0.0',
        code=0,
        args=("project", "{file}", "--format", "json"),
    ),
    "boolean-horizon": Case(
        seg() + "horizon_months: false\n",
        "6:17: error: horizon_months: expected a number (got false)",
    ),
    "explicit-int-tag-with-leading-zero": Case(
        seg().replace("accounts: 10", "accounts: !!int 010"),
        "4:15: error: segments.s.accounts: `010` has a leading zero",
    ),
    "explicit-bool-tag-on-yes": Case(
        seg().replace("acv: 1200", "acv: !!bool yes"),
        "5:10: error: segments.s.acv: `!!bool yes` is not a valid bool",
    ),
    "number-too-long-to-read": Case(
        seg().replace("accounts: 10", "accounts: " + "1" * 5000),
        "4:15: error: segments.s.accounts: a number of 5,000 digits is too large to read",
    ),
    "thousands-separator-underscore": Case(
        seg().replace("acv: 1200", "acv: 1_200"),
        "5:10: error: segments.s.acv: expected a number (got '1_200'); write numbers without "
        "separators, e.g. 36000",
    ),
    "yaml-1-1-value-tag-is-text": Case(
        seg().replace("acv: 1200", "acv: ="),
        "5:10: error: segments.s.acv: expected a number (got '=')",
    ),
    "nel-in-quoted-text-keeps-editor-lines": Case(
        seg().replace("name: t", 'name: "a\x85b"').replace("acv: 1200", "acv: -1"),
        "5:10: error: segments.s.acv: must be above 0",
    ),
}


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    shown_as: str  # how the scenario is named in diagnostics


def _run(case: Case) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "CSMODEL_DEBUG"}
    env["COLUMNS"] = "200"
    with tempfile.TemporaryDirectory() as tmp:
        if case.text is None:
            file, stdin = str(MIDMARKET), b""
        elif case.stdin:
            file, stdin = "-", case.text.encode("utf-8", "surrogatepass")
        else:
            file, stdin = os.path.join(tmp, "hostile.yaml"), b""
            with open(file, "wb") as fh:
                fh.write(case.text.encode("utf-8"))
        args = [a.replace("{file}", file) for a in case.args]
        proc = subprocess.run(
            [sys.executable, "-m", "csmodel", *args],
            input=stdin,
            capture_output=True,
            timeout=TIMEOUT,
            cwd=tmp,
            env=env,
        )
    shown = "<stdin>" if file == "-" else file
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        shown,
    )


_POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
_RUNS: dict[str, Future[Run]] = {}


def run_of(name: str) -> Run:
    if not _RUNS:
        for n, c in CASES.items():
            _RUNS[n] = _POOL.submit(_run, c)
    return _RUNS[name].result()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(name):
    case = CASES[name]
    run = run_of(name)
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert run.code == case.code, (run.code, run.stderr)
    if case.code == 0:
        assert case.expect in run.stdout, run.stdout[:2000]
        return
    if case.args[0] != "check":  # check also sums up on stdout ("invalid input: ...")
        assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert lines, "no diagnostic on stderr"
    diagnostic = re.compile(rf"({re.escape(run.shown_as)}|--set .*?)(:\d+:\d+)?: error: \S")
    for line in lines:
        assert diagnostic.match(line), line
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line), line  # no raw control byte
    if re.match(r"\d+:\d+: error: ", case.expect):
        assert lines[0].startswith(f"{run.shown_as}:{case.expect}"), lines[0]
    else:
        assert case.expect in lines[0], lines[0]
    for fragment in case.extra:
        assert fragment in lines[0], lines[0]


def test_the_corpus_covers_each_item():
    """Every item the issues name has at least one case (and the corpus grows, never shrinks)."""
    assert len(CASES) >= 45
    for needle in ("leading-zero", "sexagesimal", "400-digit", "name", "surrogate", "nested"):
        assert any(needle in n for n in CASES), needle


def test_a_segment_named_no_is_the_segment_no():
    run = run_of("segment-named-no-keeps-its-name")
    assert list(json.loads(run.stdout)["segments"]) == ["no"]


def test_hexadecimal_and_octal_read_as_yaml_1_2_says():
    from csmodel.loader import parse_scenario

    for written, value in [("0x10", 16), ("0o10", 8), ("0xff", 255), ("10", 10), ("-0", 0)]:
        sc = parse_scenario(seg().replace("accounts: 10", f"accounts: {written}"))
        assert sc.segments["s"].accounts == value, written


SCALARS = [
    "010", "0o17", "0x1F", "-0", "+12", "1:30", "yes", "No", "on", "OFF", "y", "true", "True",
    "TRUE", "tRUE", "false", "null", "Null", "~", "", "1e3", "1.5e-3", ".5", "5.", "-.inf",
    ".NaN", "1_000", "0b101", "2027-02-01", "=", "<<x", "1e309",
]  # fmt: skip


@pytest.mark.parametrize("fast_from", [0, 10**9], ids=["libyaml", "python"])
def test_both_parsers_resolve_scalars_by_yaml_1_2(monkeypatch, fast_from):
    import math

    from csmodel import yamlsrc
    from csmodel.errors import ScenarioError

    monkeypatch.setattr(yamlsrc, "FAST_FROM", fast_from)
    got = {}
    for text in SCALARS:
        try:
            value = yamlsrc.parse_source(f"v: {text}\n").data["v"]
        except ScenarioError as exc:
            value = ("refused", exc.problems[0].message.split(",")[0])
        got[text] = value
    assert math.isnan(got.pop(".NaN"))  # NaN equals nothing, itself included
    assert got == {
        "010": ("refused", "`010` has a leading zero"),
        "0o17": 15,
        "0x1F": 31,
        "-0": 0,
        "+12": 12,
        "1:30": "1:30",
        "yes": "yes",
        "No": "No",
        "on": "on",
        "OFF": "OFF",
        "y": "y",
        "true": True,
        "True": True,
        "TRUE": True,
        "tRUE": "tRUE",
        "false": False,
        "null": None,
        "Null": None,
        "~": None,
        "": None,
        "1e3": 1000.0,
        "1.5e-3": 0.0015,
        ".5": 0.5,
        "5.": 5.0,
        "-.inf": -math.inf,
        "1_000": "1_000",
        "0b101": "0b101",
        "2027-02-01": "2027-02-01",
        "=": "=",
        "<<x": "<<x",
        "1e309": "1e309",  # too large for a float: kept as text, refused by a field's range
    }
    assert isinstance(got["0o17"], int) and isinstance(got["1e3"], float)


def test_the_libyaml_path_is_really_taken_for_large_files(monkeypatch):
    import yaml

    from csmodel import yamlsrc

    monkeypatch.setattr(yamlsrc, "FAST_FROM", 0)
    loaders = yamlsrc._loaders(yaml)
    if "c" not in loaders:
        pytest.skip("PyYAML built without libyaml")
    assert yamlsrc._loader_for(yaml, "a: 1\n") is loaders["c"]
    assert yamlsrc._loader_for(yaml, "a:\n" + "- " * 300 + "x\n") is loaders["py"]
    assert yamlsrc._loader_for(yaml, "a: 'x\x85y'\n") is loaders["py"]

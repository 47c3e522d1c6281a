"""The JSON Schema (draft 2020-12) of scenario files, for editors and other tools.

Derived from the pydantic models of ``csmodel.schema`` (``model_json_schema()``)
so it cannot drift from what csmodel accepts, then post-processed where
pydantic cannot see through csmodel's own validators:

- rates accept a number between their bounds or a percent string (``"4%"``);
  numbers and whole numbers also accept numeric text, as csmodel does;
- ``checks[].metric`` and ``lint.disable`` list the metric and lint ids;
- a check needs ``min`` or ``max``; ``segments`` needs at least one segment;
  a segment gives ``meetings`` or ``accounts_per_csm``, not both, and
  staffed ``csms`` need one of them;
- every object refuses unknown keys (``additionalProperties: false``); keys
  carry a description for editor hovers; pydantic's generated titles go.

What JSON Schema cannot say (``min`` above ``max``, a check naming an unknown
segment, variant overrides that name nothing) is left to ``csmodel validate``.
The schema is written to ``schema/scenario.schema.json`` by
``csmodel schema > schema/scenario.schema.json``.
"""

from __future__ import annotations

import copy
from typing import Any

SCHEMA_ID = "urn:csmodel:scenario:v1"
"""``$id`` of the schema (a name, not a URL: the schema ships with csmodel)."""
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DECIMAL = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PERCENT_ANY = rf"^\s*[+-]?{_DECIMAL}\s*%\s*$"
_EXPONENT = r"(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+"
_MINUS_ZERO = r"-(?:0+(?:\.0*)?|\.0+)"
# 0% to 100% (and 0 to 1) written plainly; exponent forms ("1e1%") are left to csmodel.
_PERCENT_0_100 = (
    rf"^\s*(?:\+?(?:0*(?:100(?:\.0*)?|\d{{1,2}}(?:\.\d*)?)|\.\d+|{_EXPONENT})|{_MINUS_ZERO})"
    r"\s*%\s*$"
)
_FRACTION_0_1 = rf"^\s*(?:\+?(?:0*1(?:\.0*)?|0*0(?:\.\d*)?|0*\.\d+|{_EXPONENT})|{_MINUS_ZERO})\s*$"
_POSITIVE = r"(?=[^%]*[1-9])"  # a digit other than 0 somewhere: excludes 0, 0.0, "0%"
_NUMBER_TEXT = rf"^\s*[+-]?{_DECIMAL}\s*$"
_NONNEG_TEXT = rf"^\s*\+?{_DECIMAL}\s*$"
_WHOLE_TEXT = r"^\s*\+?\d+(?:\.0*)?\s*$"

DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("Scenario", "name"): "Shown on every report (required); 1 to 80 printable characters.",
    ("Scenario", "description"): "Optional text.",
    ("Scenario", "horizon_months"): "Months projected, 1 to 600 (default 36).",
    ("Scenario", "start"): "Optional first month of the plan, YYYY-MM (e.g. 2027-02): "
    "months are labelled Feb 2027 and years and quarters are fiscal.",
    ("Scenario", "fiscal_year_start"): "Month the fiscal year opens in: 1 to 12 or a name "
    "(default 1, January).",
    ("Scenario", "fiscal_year_label"): "end: FY2028 is the fiscal year ending in 2028 "
    "(default); start: the one starting in 2028.",
    ("Scenario", "timing"): "end: changes land after each full period (default); "
    "start: at the start of each period, the first included.",
    ("Scenario", "renewals"): "aligned: the book renews together (default); "
    "spread: renewals spread evenly over the year.",
    ("Scenario", "currency"): "Display only (default USD).",
    ("Scenario", "discount_rate"): "Annual, to discount CLV (default 0%).",
    ("Scenario", "team"): "CSM capacity and cost.",
    ("Scenario", "economics"): "Cost to serve and acquisition cost.",
    ("Scenario", "understaffing"): "How coverage below 1 raises churn and suppresses expansion.",
    ("Scenario", "valuation"): "Optional: how `headcount` values staffing (discount, terminal "
    "ARR multiple); with it the sweep's star marks the highest value.",
    ("Scenario", "segments"): "One or more segments of the book, keyed by name.",
    ("Scenario", "book"): "Optional: the accounts from a CRM or billing export (CSV); segments "
    "then take accounts and acv from it. Needs start.",
    ("BookSpec", "file"): "The CSV file, relative to this scenario file.",
    ("BookSpec", "columns"): "Which header holds each field: id, segment, one of arr / acv / "
    "mrr, renewal_date, and optionally start_date, owner, term_months.",
    ("BookSpec", "segment_map"): "Optional relabelling: segment as written in the CSV -> "
    "segment name under segments.",
    ("BookSpec", "date_format"): "Optional strftime format of the dates (default ISO, "
    "YYYY-MM-DD), e.g. %m/%d/%Y.",
    ("BookColumns", "id"): "Header of the account id (unique per row).",
    ("BookColumns", "segment"): "Header of the segment.",
    ("BookColumns", "arr"): "Header of annual recurring revenue (give one of arr, acv, mrr).",
    ("BookColumns", "acv"): "Header of annual contract value (give one of arr, acv, mrr).",
    ("BookColumns", "mrr"): "Header of monthly recurring revenue (give one of arr, acv, mrr).",
    ("BookColumns", "renewal_date"): "Header of the next (or last) renewal date.",
    ("BookColumns", "start_date"): "Optional header of the contract start date (tenure).",
    ("BookColumns", "owner"): "Optional header of the CSM who owns the account.",
    ("BookColumns", "term_months"): "Optional header of the contract term in months (default 12).",
    ("Scenario", "variants"): "Named what-ifs, each a set of dotted-path overrides.",
    ("Scenario", "checks"): "Rules `csmodel check` enforces on results (e.g. in CI).",
    ("Scenario", "lint"): "Built-in assumption lints: `disable` switches some off.",
    ("Team", "hours_per_year"): "Paid hours per CSM per year (default 2080).",
    ("Team", "productivity"): "Share of paid hours available for account work (default 70%).",
    ("Team", "cost_per_csm"): "Fully loaded cost per CSM per year (default 120000).",
    ("Team", "ramp_months"): "Months for a new hire to reach full capacity, linearly (default 3).",
    ("Team", "attrition"): "CSMs leaving per year (default 15%).",
    ("Economics", "cost_to_serve"): "Share of revenue, excluding CSM cost (default 15%).",
    ("Economics", "cac_per_logo"): "Acquisition cost of each new logo signed (default 0).",
    ("Understaffing", "churn_sensitivity"): "Churn x (1 + s x coverage gap) (default 1.0).",
    ("Understaffing", "expansion_sensitivity"): "Expansion x (1 - s x coverage gap) (default 1.0).",
    ("Valuation", "discount_rate"): "Annual discount rate of the value (default: the file's "
    "discount_rate).",
    ("Valuation", "terminal_arr_multiple"): "Exit ARR x this multiple is added to the value, "
    "discounted from month H (0 to 1,000; default 0).",
    ("Segment", "accounts"): "Accounts in the book at month 0 (required).",
    ("Segment", "acv"): "Annual contract value of one account (required).",
    ("Segment", "csms"): "Staffed CSMs (a number or a schedule of planned hires and "
    "departures); leave out for fully staffed.",
    ("Segment", "cost_per_csm"): "Fully loaded cost per CSM of this segment, per year "
    "(default: team.cost_per_csm).",
    ("Segment", "churn"): "Revenue lost by accounts leaving: a flat rate per period "
    "{rate, every}, or tenure-based {model: sbg, alpha, beta} (shifted-beta-geometric: "
    "churn alpha / (alpha + beta + t - 1) at a cohort's t-th yearly renewal).",
    ("Segment", "tenure_years"): "Years the starting book has already renewed (default 0): "
    "with sBG churn its first renewal in the plan is t = tenure_years + 1 (with a book, "
    "each account's start_date says instead).",
    ("SbgChurn", "model"): "sbg: tenure-based churn (Fader & Hardie 2007), as "
    "`csmodel fit retention` prints it.",
    ("SbgChurn", "alpha"): "Above 0: with beta, the Beta distribution of churn "
    "probabilities; churn at the first renewal is alpha / (alpha + beta). May be a range.",
    ("SbgChurn", "beta"): "Above 0: the larger beta (against alpha), the lower and flatter "
    "churn. May be a range.",
    ("Segment", "contraction"): "Revenue lost by accounts that stay (downsell), per period.",
    ("Segment", "expansion"): "Upsell / cross-sell growth of retained revenue, per period.",
    ("Segment", "price_increase"): "Uplift on the retained, expanded contract, per period.",
    ("Segment", "new_logos"): "New accounts signed each month.",
    ("Segment", "meetings"): "Meetings per account (bottom-up workload), keyed by name.",
    ("Segment", "onboarding_hours"): "One-off CSM hours per new logo, over its first 3 months.",
    ("Segment", "accounts_per_csm"): "Top-down ratio instead of meetings (0.1 to 10,000,000).",
    ("Movement", "rate"): 'Per period: a fraction (0.04) or a percent ("4%").',
    ("Movement", "every"): "Period: month, quarter or year (default year).",
    ("SharedMovement", "rate"): 'Per period: a fraction (0.04) or a percent ("4%").',
    ("SharedMovement", "every"): "Period: month, quarter or year (default year).",
    ("SharedMovement", "share"): "Share of accounts taking the movement each period "
    "(default 100%); the expected effect is rate x share.",
    ("NewLogos", "per_month"): "Logos signed per month (may be fractional: expected logos).",
    ("NewLogos", "acv"): "ACV of new logos (default: the segment's acv).",
    ("NewLogos", "onboarding_rate"): "Share of signed revenue surviving onboarding (CR5).",
    ("Meeting", "per_year"): "Meetings per account per year.",
    ("Meeting", "hours"): "Hours per meeting.",
    ("Meeting", "prep_hours"): "Preparation hours per meeting (default 0).",
    ("Variant", "description"): "Optional text.",
    ("Variant", "set"): "Overrides: dotted path -> value, e.g. segments.smb.churn.rate: 2%.",
    ("Check", "metric"): "Metric id (as in `csmodel project --format json`) or headcount id.",
    ("Check", "segment"): "Evaluate on this segment only (default: the whole book).",
    ("Check", "variant"): 'Evaluate on this variant (default: the base; "*": base and every one).',
    ("Check", "min"): 'Lowest value that passes; rates accept "90%" (a plain 90 is 9000%).',
    ("Check", "max"): 'Highest value that passes; rates accept "90%" (a plain 90 is 9000%).',
    ("Check", "severity"): "error (default) fails the check; warning only warns.",
    ("Check", "name"): "Stable id shown in reports (default: e.g. grr-min).",
    ("Check", "year"): "Evaluate on one year: a plan year (1, 2, ...) or, with start, a fiscal "
    "year such as FY2028.",
    ("Check", "probability"): "Monte Carlo: pass when at least this share of simulated paths "
    "meets the bound (needs --simulate or simulate: in the file).",
    ("Scenario", "simulate"): "Monte Carlo defaults of --simulate (the command line wins).",
    ("Simulate", "paths"): "Paths to draw (1 to 100,000; default 1000).",
    ("Simulate", "seed"): "Seed of the draws (0 to 4,294,967,295); left out, one is drawn and "
    "printed.",
    ("Simulate", "discrete"): "Also draw whole accounts on each path: binomial churn per "
    "cohort (each account of a book on its own), expansion share as Bernoulli (--discrete).",
    ("Lint", "disable"): "Lint ids to switch off for this file (say why in a comment).",
}


_YEAR_MONTH = r"^\d{4}-(?:0[1-9]|1[0-2])$"


def schedule_schema(plain: list[dict[str, Any]]) -> dict[str, Any]:
    """A schedule (DOMAIN 7): plan months (1-based) or ``YYYY-MM`` to values as the plain
    field takes them, and ``interpolate: linear | step``."""
    value = plain[0] if len(plain) == 1 else {"anyOf": plain}
    return {
        "type": "object",
        "description": "A schedule: month -> value from that month on, e.g. {1: 10, 13: 20} "
        "(plan months) or {2027-02: 10} (with start); interpolate: linear ramps between keys.",
        "minProperties": 1,
        "not": {"required": ["interpolate"], "maxProperties": 1},  # a month at least
        "properties": {"interpolate": {"enum": ["linear", "step"]}},
        "patternProperties": {r"^[1-9]\d{0,2}$": value, _YEAR_MONTH[:-1] + "$": value},
        "additionalProperties": False,
    }


def range_schema(plain: list[dict[str, Any]]) -> dict[str, Any]:
    """An uncertain number (DOMAIN 9): ``{low, high}`` with optional dist, mode, driver."""
    from csmodel.ranges import DISTS

    value = plain[0] if len(plain) == 1 else {"anyOf": plain}
    return {
        "type": "object",
        "description": "A range: low and high (P5 and P95, or min and max for uniform and "
        "triangular), dist, mode (triangular), driver (same name: drawn together; -name: "
        "opposite). Deterministic commands use its median.",
        "required": ["low", "high"],
        "properties": {
            "low": value,
            "high": value,
            "mode": value,
            "dist": {"enum": list(DISTS)},
            "driver": {"type": "string", "pattern": r"^-?\S.*$"},
        },
        "additionalProperties": False,
    }


def _closure(func: Any) -> dict[str, Any]:
    cells = func.__closure__ or ()
    return dict(zip(func.__code__.co_freevars, (c.cell_contents for c in cells), strict=True))


def _positive(pattern: str) -> str:
    """``pattern`` (anchored with ``^``) that also needs a non-zero digit."""
    return "^" + _POSITIVE + pattern[1:]


def name_schema() -> dict[str, Any]:
    """A scenario, segment, variant, meeting or check name (``csmodel.schema.NAME_RULE``)."""
    from csmodel.schema import NAME_MAX, NAME_PATTERN

    return {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN}


def _number(lo: float, lo_open: bool, hi: float | None, integer: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer" if integer else "number"}
    from csmodel.schema import MAX_NUMBER

    out["exclusiveMinimum" if lo_open else "minimum"] = lo
    out["maximum"] = hi if hi is not None else MAX_NUMBER
    return out


def _validator_schema(func: Any) -> dict[str, Any]:
    """The JSON Schema of a value csmodel's validator ``func`` accepts."""
    from csmodel import schema

    name = func.__qualname__
    free = _closure(func)
    if name.startswith("_optional."):
        return {"anyOf": [*_validator_schema(free["fn"])["anyOf"], {"type": "null"}]}
    if name.startswith("_schedulable."):
        plain = _validator_schema(free["fn"])["anyOf"]
        return {"anyOf": [*plain, schedule_schema(plain), range_schema(plain)]}
    if name.startswith("_ranged."):  # a range, not a schedule (sBG alpha and beta)
        plain = _validator_schema(free["fn"])["anyOf"]
        return {"anyOf": [*plain, range_schema(plain)]}
    if func is schema._header:
        return {
            "anyOf": [
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": schema.MAX_BOOK_HEADER,
                    "pattern": r"^[^\r\n\x00]*\S[^\r\n\x00]*$",
                }
            ]
        }
    if func is schema._date_format:
        return {"anyOf": [{"type": "string", "pattern": "%", "maxLength": 40}]}
    if func is schema._year_month:
        return {"anyOf": [{"type": "string", "pattern": _YEAR_MONTH}]}
    if func is schema._fiscal_month:
        from csmodel.dates import MONTH_NAMES

        names = "|".join(
            f"[{m[0].upper()}{m[0]}]{m[1:3]}" + (f"(?:{m[3:]})?" if len(m) > 3 else "")
            for m in MONTH_NAMES
        )
        return {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 12},
                {"type": "string", "pattern": rf"^\s*(?:{names})\s*$"},
            ]
        }
    if func is schema._check_year:
        return {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 50},
                {"type": "string", "pattern": r"^\s*[Ff][Yy]\d{4}\s*$"},
            ]
        }
    if name.startswith("_rate."):
        lo, hi, lo_open = free["lo"], free["hi"], free["lo_open"]
        unit = (lo, hi) == (0.0, 1.0)
        percent = _PERCENT_0_100 if unit else _PERCENT_ANY
        text = _FRACTION_0_1 if unit else (_NONNEG_TEXT if lo >= 0 else _NUMBER_TEXT)
        if lo_open and lo == 0:
            percent, text = _positive(percent), _positive(text)
        return {
            "anyOf": [
                _number(lo, lo_open, hi),
                {"type": "string", "pattern": percent},
                {"type": "string", "pattern": text},
            ]
        }
    if name.startswith("_num."):
        lo, lo_open, hi = free["lo"], free["lo_open"], free["hi"]
        text = _NONNEG_TEXT if lo >= 0 else _NUMBER_TEXT
        if lo_open and lo == 0:
            text = _positive(text)
        return {"anyOf": [_number(lo, lo_open, hi), {"type": "string", "pattern": text}]}
    if name.startswith("_whole."):
        return {
            "anyOf": [
                _number(free["lo"], False, free["hi"], integer=True),
                {"type": "string", "pattern": _WHOLE_TEXT},
            ]
        }
    if func is schema.check_name:
        return {"anyOf": [name_schema()]}
    if func is schema._bound:
        m = schema.MAX_BOUND
        return {
            "anyOf": [
                {"type": "number", "minimum": -m, "maximum": m},
                {"type": "string", "pattern": _PERCENT_ANY},
                {"type": "string", "pattern": _NUMBER_TEXT},
            ]
        }
    if func is schema.to_rate:
        return {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": _PERCENT_ANY},
                {"type": "string", "pattern": _NUMBER_TEXT},
            ]
        }
    if func is schema._metric_id:
        from csmodel.ids import DEPRECATED_METRICS, HEADCOUNT_METRICS, METRICS

        return {
            "anyOf": [
                {
                    "type": "string",
                    "enum": list({**METRICS, **HEADCOUNT_METRICS, **DEPRECATED_METRICS}),
                }
            ]
        }
    raise ValueError(f"no JSON Schema for csmodel validator `{name}`: teach csmodel.jsonschema")


def _models() -> dict[str, Any]:
    """Every pydantic model reachable from :class:`Scenario`, by class name (= ``$defs`` key)."""
    import typing

    from pydantic import BaseModel

    from csmodel.schema import Scenario

    found: dict[str, Any] = {}

    def walk(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp.__name__ in found:
                return
            found[tp.__name__] = tp
            for f in tp.model_fields.values():
                walk(f.annotation)
        for arg in typing.get_args(tp):
            walk(arg)

    walk(Scenario)
    return found


def _fix_model(name: str, model: Any, node: dict[str, Any]) -> None:
    from pydantic import BeforeValidator

    node.pop("title", None)
    node["additionalProperties"] = node.get("additionalProperties", False)
    for field_name, prop in node.get("properties", {}).items():
        field = model.model_fields[field_name]
        before = [m for m in field.metadata if isinstance(m, BeforeValidator)]
        if before:
            default = prop.get("default")
            prop.clear()
            alts = _validator_schema(before[0].func)["anyOf"]
            prop.update(alts[0] if len(alts) == 1 else {"anyOf": alts})
            if default is not None:
                prop["default"] = default
        prop.pop("title", None)
        desc = DESCRIPTIONS.get((name, field_name))
        if desc:
            prop["description"] = desc


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from csmodel.ids import LINT_IDS
    from csmodel.schema import Scenario

    raw = copy.deepcopy(Scenario.model_json_schema())
    defs = raw.pop("$defs", {})
    models = _models()
    for name, node in defs.items():
        _fix_model(name, models[name], node)
    _fix_model("Scenario", Scenario, raw)

    # What pydantic's schema cannot see: cross-key rules the JSON Schema can express.
    raw["properties"]["segments"]["minProperties"] = 1
    for names in (raw["properties"]["segments"], raw["properties"]["variants"]):
        names["propertyNames"] = name_schema()
    defs["Segment"]["properties"]["meetings"]["propertyNames"] = name_schema()
    defs["Check"]["allOf"] = _rate_bounds_in_percent()
    defs["Lint"]["properties"]["disable"]["items"] = {"enum": list(LINT_IDS)}
    defs["Check"]["anyOf"] = [{"required": ["min"]}, {"required": ["max"]}]
    given = {"not": {"type": "null"}}
    defs["Segment"]["not"] = {  # meetings (bottom-up) or a ratio (top-down), not both
        "required": ["meetings", "accounts_per_csm"],
        "properties": {"meetings": {"minProperties": 1}, "accounts_per_csm": given},
    }
    defs["Segment"]["if"] = {"required": ["csms"], "properties": {"csms": given}}
    defs["Segment"]["then"] = {  # staffed CSMs need a workload to cover
        "anyOf": [
            {"required": ["meetings"], "properties": {"meetings": {"minProperties": 1}}},
            {"required": ["accounts_per_csm"], "properties": {"accounts_per_csm": given}},
        ]
    }
    # A book gives each segment its accounts and acv (DOMAIN 8): without one they are
    # required, with one they may not be written; a book needs `start`.
    defs["Segment"]["required"] = [
        k for k in defs["Segment"].get("required", []) if k not in ("accounts", "acv")
    ]
    book_given = {"required": ["book"], "properties": {"book": {"type": "object"}}}
    per_segment = {"additionalProperties": {"properties": {"accounts": False, "acv": False}}}
    raw["if"] = book_given
    raw["then"] = {"required": ["start"], "properties": {"segments": per_segment}}
    raw["else"] = {
        "properties": {"segments": {"additionalProperties": {"required": ["accounts", "acv"]}}}
    }
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "csmodel scenario (schema v1)",
        **{k: v for k, v in raw.items() if k not in ("title",)},
        "$defs": dict(sorted(defs.items())),
    }


def _rate_bounds_in_percent() -> list[dict[str, Any]]:
    """A rate metric's bound given as a plain number above 1 (100%) is refused (``min: 90``
    on ``grr`` means 9000%), above :data:`~csmodel.schema.RATE_BOUND_PLAIN_MAX` where the
    metric may exceed 100%; numeric text ("90") is left to csmodel."""
    from csmodel.ids import RATE_METRICS
    from csmodel.schema import RATE_BOUND_PLAIN_MAX

    limits: dict[float, list[str]] = {}
    for metric in sorted(RATE_METRICS):
        limits.setdefault(RATE_BOUND_PLAIN_MAX.get(metric, 1.0), []).append(metric)
    rules = []
    for limit, metrics in sorted(limits.items()):
        plain = {"not": {"type": "number", "exclusiveMinimum": limit}}
        rules.append(
            {
                "if": {"required": ["metric"], "properties": {"metric": {"enum": metrics}}},
                "then": {"properties": {"min": plain, "max": plain}},
            }
        )
    return rules


def dump_schema() -> str:
    """The schema as JSON text (stable key order), as ``csmodel schema`` prints it."""
    import json

    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SCHEMA_ID", "dump_schema", "scenario_json_schema"]

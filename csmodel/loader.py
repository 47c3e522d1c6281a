"""Loading scenario files: YAML text -> validated, immutable :class:`Scenario`.

One boundary does all the checking: YAML safety (``csmodel.yamlsrc``), the
schema (``csmodel.schema``), the rules that span several keys and the located
problems (``csmodel.document``), and every variant applied once
(``csmodel.overrides``). Every problem comes back as a located
:class:`Problem`, all of them at once, so a person fixes a file in one pass.
"""

from __future__ import annotations

from pathlib import Path

from csmodel.document import (  # noqa: F401  (re-exported: the loader's public names)
    Document,
    cross_check,
    disable_problems,
    keys_at,
    located,
    located_schema_problems,
    model_at,
    schema_problems,
    validate_data,
)
from csmodel.errors import ScenarioError
from csmodel.schema import Scenario, show
from csmodel.yamlsrc import Source, dotted, load_source, parse_source  # noqa: F401


def load_document(path: str | Path) -> Document:
    """Read, parse and validate a scenario file (``-`` reads standard input)."""
    return build_document(load_source(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file into an immutable :class:`Scenario`."""
    return load_document(path).scenario


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text."""
    return build_document(parse_source(text, file)).scenario


def build_document(source: Source) -> Document:
    """Validate parsed YAML; raises :class:`ScenarioError` listing every problem."""
    if not isinstance(source.data, dict):
        raise ScenarioError(
            located(
                source,
                (),
                f"the top level must be a mapping of keys such as `name:` and `segments:` "
                f"(got {show(source.data)})",
            )
        )
    scenario = validate_data(source.data, source)
    doc = Document(scenario, source)
    problems = cross_check(doc)
    if scenario.variants:  # each variant's own problems, at its lines (base ones once)
        from csmodel.overrides import check_variants

        problems += [p for p in check_variants(doc) if p not in problems]
    if problems:
        raise ScenarioError(problems)
    return doc

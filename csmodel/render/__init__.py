"""Renderers: plain data or a :class:`Projection` in, text or rich renderables out.

Each command has a registry mapping a ``--format`` name to the renderer that
produces it, written as ``"module:function"`` so that building the CLI (and
``csmodel --help``) imports none of them. The CLI's ``--format`` choices are
the registry's keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Registry(dict):
    """``{format name: "module:function"}``, resolved on first use."""

    def renderer(self, name: str) -> Callable[..., Any]:
        module, func = self[name].split(":")
        return getattr(importlib.import_module(module), func)


PROJECT = Registry(
    table="csmodel.render.project:table",
    json="csmodel.render.machine:project_json",
    csv="csmodel.render.machine:project_csv",
    markdown="csmodel.render.project:markdown",
)

HEADCOUNT = Registry(
    table="csmodel.render.headcount:table",
    json="csmodel.render.machine:headcount_json",
    csv="csmodel.render.machine:headcount_csv",
    markdown="csmodel.render.headcount:markdown",
)

COMPARE = Registry(
    table="csmodel.render.compare:table",
    json="csmodel.render.machine:compare_json",
    markdown="csmodel.render.compare:markdown",
    csv="csmodel.render.machine:compare_csv",
)

SENSITIVITY = Registry(
    table="csmodel.render.compare:sensitivity_table",
    json="csmodel.render.machine:sensitivity_json",
    csv="csmodel.render.machine:sensitivity_csv",
    markdown="csmodel.render.compare:sensitivity_markdown",
)

SOLVE = Registry(
    table="csmodel.render.solve:table",
    json="csmodel.render.solve:json",
)

CHECK = Registry(
    text="csmodel.render.check:text",
    json="csmodel.render.machine:check_json",
    junit="csmodel.render.machine:check_junit",
    github="csmodel.render.machine:check_github",
)
"""``csmodel check``: each renderer takes the :class:`csmodel.checks.Report`."""

# Workbooks (``--format xlsx``): the renderers return bytes, which ``emit`` writes as they are.
PROJECT["xlsx"] = "csmodel.render.xlsx:project"
HEADCOUNT["xlsx"] = "csmodel.render.xlsx:headcount"
COMPARE["xlsx"] = "csmodel.render.xlsx:compare"
SENSITIVITY["xlsx"] = "csmodel.render.xlsx:sensitivity"

REPORT = Registry(html="csmodel.render.html:report")
"""``csmodel report``: the renderer takes a :class:`csmodel.render.html.ReportData`."""


def source_of(scenario: Any) -> Any:
    """Where ``scenario`` came from (:class:`csmodel.overrides.Provenance`: its document,
    variant and overrides), kept on the scenario by ``overrides.resolve`` and carried by
    its copies; ``None`` for a scenario made otherwise (``loader.load_scenario``, a model
    built in Python).
    The Assumptions of a workbook and of the report read it to cite each input's line."""
    return getattr(scenario, "_source", None)


FIT_RETENTION = Registry(
    table="csmodel.render.fit:retention_table",
    json="csmodel.render.fit:retention_json",
)
"""``csmodel fit retention``: each renderer takes the :class:`csmodel.fit.RetentionFit`."""

FIT_UNDERSTAFFING = Registry(
    table="csmodel.render.fit:understaffing_table",
    json="csmodel.render.fit:understaffing_json",
)
"""``csmodel fit understaffing``: each renderer takes the :class:`csmodel.fit.UnderstaffingFit`."""

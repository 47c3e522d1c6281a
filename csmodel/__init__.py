"""csmodel: a Customer Success scenario modeler.

The supported Python API is :mod:`csmodel.api` (``load``, ``project``,
``headcount``, ``check``; see docs/api.md). It and the older names below are
reached lazily, so that ``import csmodel`` (and ``csmodel --help``) stays
fast: numpy and pydantic are only imported when a function that needs them is
first used.

    >>> from csmodel.api import load, project
    >>> result = project(load("scenarios/saas-company.yaml"))
    >>> result.metrics["total_revenue"]
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "ScenarioError",
    "__version__",
    "api",
    "load_scenario",
    "parse_scenario",
    "project",
]

_LAZY = {
    "load_scenario": ("csmodel.loader", "load_scenario"),
    "parse_scenario": ("csmodel.loader", "parse_scenario"),
    "project": ("csmodel.engine", "project"),
    "ScenarioError": ("csmodel.errors", "ScenarioError"),
}


def __getattr__(name: str):
    import importlib

    if name == "api":
        return importlib.import_module("csmodel.api")
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'csmodel' has no attribute {name!r}")

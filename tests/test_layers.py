"""The package imports downward only, and has no import cycle (issue 10, item 1).

Built on the package's own AST: every ``import csmodel…`` and ``from csmodel…
import …`` in every module, at module level or inside a function (a lazy
import is still a dependency), except under ``if TYPE_CHECKING:`` (annotations
only). Each module belongs to one layer of ``../shared/ARCHITECTURE.md``:

    cli → present → check → analysis → model → scenario → base

(``base`` is the vocabulary, units and errors.) A module may import its own
layer or any below it, never one above; and the module graph has no cycle,
within a layer or across.

The layout keeps flat module names rather than moving them into one
subpackage per layer: the layer of each module is declared here, once, and
this test is what holds them to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "csmodel"

LAYERS = ("base", "scenario", "model", "analysis", "check", "present", "cli", "api")

LAYER_OF = {
    "csmodel.errors": "base",
    "csmodel.ids": "base",
    "csmodel.units": "base",
    "csmodel.suggest": "base",
    "csmodel.dates": "base",
    "csmodel.book": "scenario",
    "csmodel.schedule": "scenario",
    "csmodel.ranges": "scenario",
    "csmodel.yamlsrc": "scenario",
    "csmodel.schema": "scenario",
    "csmodel.document": "scenario",
    "csmodel.overrides": "scenario",
    "csmodel.loader": "scenario",
    "csmodel.edit": "scenario",
    "csmodel.jsonschema": "scenario",
    "csmodel.engine": "model",
    "csmodel.discrete": "model",
    "csmodel.metrics": "model",
    "csmodel.value": "model",
    "csmodel.capacity": "analysis",
    "csmodel.compare": "analysis",
    "csmodel.sensitivity": "analysis",
    "csmodel.solve": "analysis",
    "csmodel.simulate": "analysis",
    "csmodel.bookview": "analysis",
    "csmodel.fit": "analysis",
    "csmodel.results": "check",
    "csmodel.lints": "check",
    "csmodel.checks": "check",
    "csmodel.records": "present",
    "csmodel.render": "present",
    "csmodel.cli": "cli",
    "csmodel.api": "api",  # the Python API: over the core and the records, beside the CLI
    "csmodel.__main__": "cli",
    "csmodel.docgen": "cli",  # the docs generator: walks the CLI, runs its commands
    "csmodel": "base",  # the root: the version, and the API re-exported lazily by name
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def layer(module: str) -> str:
    best = max((k for k in LAYER_OF if module == k or module.startswith(k + ".")), key=len)
    return LAYER_OF[best]


def imports(path: Path, known: set[str]) -> set[str]:
    """The csmodel modules ``path`` imports, TYPE_CHECKING blocks left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in ast.walk(node):
                skip.add(id(child))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "csmodel":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "csmodel")
    return {m for m in out if m in known}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imports(path, known) - {name} for name, path in files.items()}


def test_every_module_has_a_layer():
    missing = [m for m in graph() if not any(m == k or m.startswith(k + ".") for k in LAYER_OF)]
    assert not missing, f"declare a layer for: {missing}"


def test_imports_go_downward_only():
    upward = []
    for module, deps in graph().items():
        mine = LAYERS.index(layer(module))
        for dep in deps:
            if LAYERS.index(layer(dep)) > mine:
                upward.append(f"{module} ({layer(module)}) imports {dep} ({layer(dep)})")
    assert not upward, "\n".join(sorted(upward))


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(g.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    g = graph()
    # a package's __init__ importing its own submodules is how the CLI registers its
    # commands; those edges point into the package and are not cycles of the design
    g = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in g.items()}
    cycle = find_cycle(g)
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("edges", "expected"),
    [({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]), ({"a": {"b"}, "b": set()}, None)],
)
def test_the_cycle_finder_finds_cycles(edges, expected):
    assert find_cycle(edges) == expected


def test_the_core_never_imports_typer_or_rich_at_module_level():
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if layer(name) in ("present", "cli", "api"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert (mod or "").split(".")[0] not in ("typer", "rich"), name

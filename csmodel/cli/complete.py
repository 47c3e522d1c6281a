"""Shell completion of values: scenario and data files, variant names, ``--set`` paths,
segments.

typer calls these while a shell asks what may follow on a command line
(``csmodel --install-completion`` sets that up for bash, zsh, fish and
PowerShell). Names come from the scenario file named earlier on the same line
(``csmodel project plan.yaml --variant <TAB>``; ``compare``: every file named),
else from ``./csmodel.yaml``.

Completion runs on every Tab press, on files being edited: each function
reads the file's YAML only (no validation, no projection), and never raises
nor prints — a missing, broken or huge file completes to nothing. Imports
stay inside the functions, so ``csmodel --help`` pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SCENARIO_SUFFIXES = (".yaml", ".yml")
DATA_SUFFIXES = (".csv", ".tsv", ".txt")
"""Data files ``fit`` reads: CSV, tab-separated, and Excel's "Unicode Text" (``.txt``)."""
DEFAULT_FILE = "csmodel.yaml"
"""``csmodel.cli.common.DEFAULT_FILE`` (a test holds them equal): common wires these
functions into its options, so importing from it here would close an import cycle."""


def _safely(fn: Any) -> Any:
    """``fn``, returning ``[]`` instead of raising: completion must never break a shell."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> list[Any]:
        try:
            return list(fn(*args, **kwargs))
        except Exception:  # a broken file, a file system error: nothing to offer
            return []

    return wrapper


@_safely
def scenario_files(incomplete: str) -> Iterable[str]:
    """Scenario files (``*.yaml``, ``*.yml``) and directories starting with ``incomplete``."""
    return _files(incomplete, SCENARIO_SUFFIXES)


@_safely
def data_files(incomplete: str) -> Iterable[str]:
    """Data files (``*.csv``, ``*.tsv``, ``*.txt``: ``fit``'s) and directories starting with
    ``incomplete``."""
    return _files(incomplete, DATA_SUFFIXES)


def _files(incomplete: str, suffixes: tuple[str, ...]) -> list[str]:
    """Files ending in one of ``suffixes`` (any case) and directories starting with
    ``incomplete``; directories end in ``/`` so the next Tab goes inside. Hidden entries
    only when asked for (``incomplete`` names a dot)."""
    import os

    head, slash, start = incomplete.rpartition("/")
    prefix = f"{head}{slash}"  # what the user typed up to the name, kept as typed
    out = []
    with os.scandir(os.path.expanduser(prefix) if prefix else ".") as entries:
        for entry in entries:
            name = entry.name
            if not name.startswith(start) or (name.startswith(".") and not start.startswith(".")):
                continue
            if entry.is_dir():
                out.append(f"{prefix}{name}/")
            elif name.lower().endswith(suffixes):
                out.append(f"{prefix}{name}")
    return sorted(out)


def _split(line: str) -> list[str]:
    import shlex

    try:
        return shlex.split(line)
    except ValueError:  # an unclosed quote while typing
        return line.split()


def _words() -> list[str]:
    """The command line before the word being completed, as typer's shell scripts pass it:
    bash in ``COMP_WORDS``/``COMP_CWORD``, zsh, fish and PowerShell in
    ``_TYPER_COMPLETE_ARGS``."""
    import os

    if "COMP_WORDS" in os.environ:
        words = _split(os.environ["COMP_WORDS"])
        return words[: int(os.environ.get("COMP_CWORD", len(words)))]
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)
    return words if line.endswith(" ") else words[:-1]


def _arguments_on_line(ctx: Any) -> list[str]:
    """The arguments of the command being completed, read from the command line.

    click fills ``ctx.params`` only when the line parses, and a line ending in
    an option that waits for its value (``--variant <TAB>``) does not: its
    arguments are then read here, skipping options and the values they take.
    """
    words = _words()
    name = getattr(ctx, "info_name", None)
    if name not in words:
        return []
    takes_value = {
        opt
        for p in getattr(ctx.command, "params", ())
        if getattr(p, "param_type_name", "") == "option" and not getattr(p, "is_flag", False)
        for opt in p.opts
    }
    rest = iter(words[words.index(name) + 1 :])
    out = []
    for word in rest:
        if word == "--":
            out.extend(rest)
            break
        if word.startswith("-") and word != "-":
            if word in takes_value:
                next(rest, None)  # the option's value
            continue
        out.append(word)
    return out


def _scenarios_named(ctx: Any) -> list[Any]:
    """The scenario files named on the command line so far (``compare``: all of them), else
    ``./csmodel.yaml``."""
    params = getattr(ctx, "params", None) or {}
    files = [params["file"]] if params.get("file") else list(params.get("files") or ())
    return files or _arguments_on_line(ctx) or [DEFAULT_FILE]


def _yaml_data(file: Any) -> dict[str, Any]:
    """The YAML data of the scenario ``file``; ``{}`` when it is missing, standard input, or
    does not parse."""
    from pathlib import Path

    path = Path(str(file))
    if str(path) == "-" or not path.is_file():  # never read stdin while completing
        return {}
    from csmodel.yamlsrc import load_source

    try:
        data = load_source(path).data
    except Exception:  # a broken file among several: the others still complete
        return {}
    return data if isinstance(data, dict) else {}


def _scenario_data(ctx: Any) -> dict[str, Any]:
    """The YAML data of the (first) scenario named on the command line so far."""
    return _yaml_data(_scenarios_named(ctx)[0])


def _names(mapping: Any) -> list[str]:
    return [str(k) for k in mapping] if isinstance(mapping, dict) else []


@_safely
def variant_names(ctx: Any, incomplete: str) -> Iterable[str]:
    """Names under the scenario's ``variants:``."""
    return [v for v in _names(_scenario_data(ctx).get("variants")) if v.startswith(incomplete)]


@_safely
def variant_lists(ctx: Any, incomplete: str) -> Iterable[str]:
    """Comma-separated variant names (``compare --variants``): ``base`` and the names under
    ``variants:`` of every file named on the line, each offered after the names already
    typed (``base,price-increase-7,bu`` -> ``base,price-increase-7,budget-cut``), none
    twice."""
    typed, comma, start = incomplete.rpartition(",")
    done = {v.strip() for v in typed.split(",")} if comma else set()
    names = dict.fromkeys(["base"])
    for file in _scenarios_named(ctx):
        names.update(dict.fromkeys(_names(_yaml_data(file).get("variants"))))
    return [f"{typed}{comma}{v}" for v in names if v.startswith(start) and v not in done]


@_safely
def segment_assignments(ctx: Any, incomplete: str) -> Iterable[str]:
    """``SEGMENT=`` for each of the scenario's segments (``headcount --csms``)."""
    if "=" in incomplete:
        return []
    names = _names(_scenario_data(ctx).get("segments"))
    return [f"{name}=" for name in names if name.startswith(incomplete)]


@_safely
def set_paths(ctx: Any, incomplete: str) -> Iterable[str]:
    """Dotted paths for ``--set PATH=VALUE``, one level at a time.

    Keys come from the file (segment names, meetings) and from the schema
    (keys the file leaves at their defaults). A key holding a mapping
    completes to ``key.``, any other to ``key=``; a value the file writes as a
    mapping (a range ``{low, high}``, a schedule ``{2027-01: 3%}``) to both, the
    whole value or one field of it. Nothing once ``=`` is typed.
    """
    if "=" in incomplete:
        return []
    data: Any = _scenario_data(ctx)
    parent, _, start = incomplete.rpartition(".")
    path = tuple(parent.split(".")) if parent else ()
    node = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    keys = dict.fromkeys(_names(node))
    keys.update(dict.fromkeys(_schema_keys(path)))
    if not path:
        keys.pop("variants", None)  # variants are picked with --variant, not set
    prefix = f"{parent}." if parent else ""
    out = []
    for key in keys:
        if not key.startswith(start):
            continue
        value = node.get(key) if isinstance(node, dict) else None
        nested = isinstance(value, dict) or (value is None and _schema_keys((*path, key)))
        if not nested or (isinstance(value, dict) and _holds_a_value((*path, key))):
            out.append(f"{prefix}{key}=")
        if nested:
            out.append(f"{prefix}{key}.")
    return out


def _holds_a_value(path: tuple[str, ...]) -> bool:
    """Whether the schema has a value at ``path`` (a number, a rate, a range or a schedule:
    anything but a model or a mapping or list of them)."""
    try:
        import typing

        from pydantic import BaseModel

        from csmodel.document import model_at

        tp = model_at(path)
    except Exception:  # a path the schema does not know
        return False
    if tp is None or tp in (dict, list, tuple):
        return False
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return False
    return typing.get_origin(tp) not in (dict, list, tuple)


def _schema_keys(path: tuple[str, ...]) -> list[str]:
    """Keys the schema allows at ``path`` (``[]`` for free-form mappings and unknown paths)."""
    try:
        from csmodel.document import keys_at

        return keys_at(path)
    except Exception:  # a path the schema does not know
        return []

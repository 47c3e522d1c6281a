"""Documentation that cannot drift from the code (issue 16, items 3 and 4).

Two jobs, for the people who maintain csmodel (the CLI never imports this module):

- **The reference** (``docs/reference/*.md``) is generated, never typed: every command's
  arguments and options from the CLI itself (the typer app, walked as click commands),
  every scenario key from the JSON Schema that ``csmodel schema`` prints, every metric id
  from :mod:`csmodel.ids`, every lint from its docstring, and every JSON key and CSV column
  of every command from running the command on the shipped scenarios, so a key a renderer
  adds appears by itself. :func:`write_reference` writes the pages (``make
  docs-reference``); :func:`reference_drift` says how the committed pages differ.
- **Samples**: a console sample in any markdown file (README.md, docs/**/*.md) is marked
  with the command that prints it and followed by a fenced block::

      <!-- sample: csmodel project scenarios/saas-company.yaml --by year -->
      ```text
      $ csmodel project scenarios/saas-company.yaml --by year
      ...what it prints...
      ```

  :func:`write_samples` re-runs every marked command and rewrites its block (``make
  docs-samples``); :func:`sample_drift` lists the blocks that differ. ``<!-- include:
  docs/ci/gitlab-ci.yml -->`` before a fenced block shows a file whole the same way.

Commands run in-process (typer's ``CliRunner``) the way a reader's terminal would show
them, only fixed: 100 columns (``COLUMNS=80 csmodel ...`` in a marker picks another
width), no colour, ``TERM=dumb``. Each markdown file's samples run in order in a scratch
copy of ``scenarios/`` and ``tests/scenarios/``, so a tutorial may ``csmodel init`` a
file and project it; ``--simulate`` must name its ``--seed``. A marker may end in one
filter (:data:`_FILTER`: ``head``, ``tail``, ``sed -n``). A command that exits non-zero
shows ``$ echo $?`` and its code, so a sample of a failing check says that it fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import difflib
import inspect
import io
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The source checkout this module sits in (the docs are generated there, not when installed)."""

REFERENCE_DIR = Path("docs") / "reference"
GENERATED = (
    "<!-- Generated from the code by `make docs-reference` (csmodel/docgen.py): "
    "do not edit by hand. -->"
)
WIDTH = 100
"""Columns of every sample and run (``$COLUMNS``), unless a marker sets its own."""
SCRATCH_DIRS = ("scenarios", "tests/scenarios")
"""What a sample's scratch directory holds: copies, so a sample can never change them."""

# --- running commands ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What one in-process ``csmodel`` run printed."""

    exit_code: int
    stdout: str
    stderr: str


def run_csmodel(args: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run ``csmodel ARGS`` in-process, in the current directory, at a fixed width."""
    from typer.testing import CliRunner

    from csmodel.cli import app

    fixed = {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
    # no traceback in a sample; no GitHub annotations because the docs were built in CI
    unset: dict[str, str | None] = {"CSMODEL_DEBUG": None, "GITHUB_ACTIONS": None}
    result = CliRunner().invoke(app, list(args), env={**fixed, **unset})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise RuntimeError(f"csmodel {shlex.join(args)} raised {result.exception!r}")
    return Run(result.exit_code, result.stdout, result.stderr)


@contextlib.contextmanager
def scratch(root: Path = ROOT) -> Iterator[Path]:
    """A temporary working directory holding copies of :data:`SCRATCH_DIRS`."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="csmodel-docs-") as tmp:
        for name in SCRATCH_DIRS:
            if (root / name).is_dir():
                shutil.copytree(root / name, Path(tmp) / name)
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(here)


# --- samples ------------------------------------------------------------------------------

MARKER = re.compile(
    r"^<!-- (?P<kind>sample|include): (?P<what>.+?) -->\n"
    r"(?P<fence>```+)(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
"""A marker and the fenced block after it (any language tag; the fence's length kept)."""

INTERNAL_ERROR = 3
"""csmodel's exit code for a bug (``csmodel.cli``): a sample that ends so is refused."""

_FILTER = re.compile(
    r"^(?:(head|tail)(?: -n)? -?(\d+)|sed -n '?(\d+),(\d+)p'?|sed -n '/(.+)/,\+(\d+)p')$"
)
"""What may follow a sample's command: ``head -N``, ``tail -N``, ``sed -n A,Bp`` and
``sed -n '/REGEX/,+Np'`` (the first line matching REGEX and the N after it: a section
found by its title, not by a line number that moves when a line is added above it)."""


def sample_output(command: str) -> str:
    """What the block after ``<!-- sample: COMMAND -->`` shows: the prompt line, stdout,
    stderr, and ``$ echo $?`` with the code when it is not 0. Runs in the current directory."""
    stages = [s.strip() for s in command.split(" | ")]
    words = shlex.split(stages[0])
    env = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    if not words or words[0] != "csmodel":
        raise ValueError(f"a sample runs csmodel (got {command!r})")
    args = words[1:]
    simulate = args[args.index("--simulate") + 1] if "--simulate" in args[:-1] else "0"
    if simulate != "0" and "--seed" not in args:
        raise ValueError(f"a sample with --simulate names its --seed: {command!r}")
    run = run_csmodel(args, env)
    if run.exit_code == INTERNAL_ERROR:  # a bug to fix, never a sample to keep
        raise RuntimeError(f"{command!r} hit an internal error:\n{run.stderr}")
    text = run.stdout + run.stderr
    for stage in stages[1:]:
        m = _FILTER.match(stage)
        if not m:
            raise ValueError(
                f"a sample may end in | head -N, | tail -N, | sed -n A,Bp or "
                f"| sed -n '/REGEX/,+Np' (got {stage!r})"
            )
        lines = text.splitlines(keepends=True)
        if m.group(1) == "head":
            lines = lines[: int(m.group(2))]
        elif m.group(1) == "tail":
            lines = lines[-int(m.group(2)) :]
        elif m.group(3):
            lines = lines[int(m.group(3)) - 1 : int(m.group(4))]
        else:
            found = [i for i, line in enumerate(lines) if re.search(m.group(5), line)]
            if not found:
                raise ValueError(f"no line matches /{m.group(5)}/ in the output of {command!r}")
            lines = lines[found[0] : found[0] + int(m.group(6)) + 1]
        text = "".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    out = f"$ {command}\n{text}"
    if run.exit_code != 0:
        out += f"$ echo $?\n{run.exit_code}\n"
    return out


def update_samples(text: str, root: Path = ROOT, name: str = "<text>") -> str:
    """``text`` with every marked block re-made (run in the current directory); errors
    name ``name`` and the marker's line."""

    def body(m: re.Match[str]) -> str:
        if m.group("kind") == "include":
            new = (root / m.group("what").strip()).read_text(encoding="utf-8")
        else:
            try:
                new = sample_output(m.group("what").strip())
            except (ValueError, RuntimeError) as exc:
                line = text.count("\n", 0, m.start()) + 1
                raise ValueError(f"{name}:{line}: {exc}") from None
        if m.group("fence") in new:
            raise ValueError(f"{m.group('what')}: the output holds the block's fence")
        head = m.group(0)[: m.start("body") - m.start(0)]
        return head + new + m.group("fence")

    return MARKER.sub(body, text)


def marked_files(root: Path = ROOT) -> list[Path]:
    """README.md and every markdown file under docs/ that holds a marker."""
    candidates = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    return [p for p in candidates if p.is_file() and MARKER.search(p.read_text("utf-8"))]


def _updated(paths: Sequence[Path], root: Path) -> dict[Path, tuple[str, str]]:
    out = {}
    for path in paths:
        old = Path(path).read_text(encoding="utf-8")
        with scratch(root):
            out[Path(path)] = (old, update_samples(old, root, str(path)))
    return out


def sample_drift(paths: Sequence[Path] | None = None, root: Path = ROOT) -> dict[Path, str]:
    """``{file: unified diff}`` for every file whose marked blocks differ from what their
    commands print now (empty when every sample is current)."""
    files = marked_files(root) if paths is None else list(paths)
    return {p: _diff(old, new, p) for p, (old, new) in _updated(files, root).items() if old != new}


def write_samples(paths: Sequence[Path] | None = None, root: Path = ROOT) -> list[Path]:
    """Rewrite every marked block of ``paths`` (default :func:`marked_files`); the files
    that changed."""
    files = marked_files(root) if paths is None else list(paths)
    changed = []
    for path, (old, new) in _updated(files, root).items():
        if old != new:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def _diff(old: str, new: str, name: Any) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"{name} (committed)",
        f"{name} (generated now)",
    )
    return "".join(lines)


# --- markdown helpers ---------------------------------------------------------------------


def _cell(text: Any) -> str:
    """Text for a markdown table cell: one line, pipes escaped."""
    s = " ".join(str(text).split())
    return s.replace("|", "\\|") if s else "—"


def _prose(doc: str | None) -> str:
    """A docstring or help text as markdown: rst ``code`` and :role:`x` become `code`."""
    text = inspect.cleandoc(doc or "")
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b")


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _page(title: str, intro: str, sections: Sequence[str]) -> str:
    parts = [GENERATED, f"# {title}", intro.strip(), *(s.strip() for s in sections)]
    return "\n\n".join(p for p in parts if p) + "\n"


# --- the commands and their options -------------------------------------------------------


def _commands() -> list[tuple[list[str], Any, Any]]:
    """Every command of the CLI, depth first: (path, click command, its context)."""
    import typer

    from csmodel.cli import app

    root = typer.main.get_command(app)
    ctx_class = type(root).context_class

    out = []

    def walk(cmd: Any, path: list[str], parent: Any) -> None:
        ctx = ctx_class(cmd, info_name=path[-1], parent=parent)
        out.append((path, cmd, ctx))
        for name, sub in getattr(cmd, "commands", {}).items():
            if not sub.hidden:
                walk(sub, [*path, name], ctx)

    walk(root, ["csmodel"], None)
    return out


def _type_label(param: Any, ctx: Any) -> str:
    """How --help names a parameter's type, without its decoration: choices, int 0–10."""
    ptype = getattr(param, "type", None)
    if ptype is not None:  # a click parameter type (typer before 0.2x)
        choices = getattr(ptype, "choices", None)
        if choices:
            return " | ".join(f"`{c}`" for c in choices)
        label = getattr(ptype, "name", str(ptype))
    else:
        label = param.display_type(ctx).strip("<>")
        if "|" in label:
            return " | ".join(f"`{c}`" for c in label.split("|"))
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if ptype is not None:
        low, high = getattr(ptype, "min", low), getattr(ptype, "max", high)
    if low is not None or high is not None:
        label = label.replace(" range", "").replace("integer", "int")
        label += f", {_number(low) if low is not None else ''}–"
        label += _number(high) if high is not None else ""
    label = {"list[str]": "text", "list[Path]": "path", "str": "text", "bool": "flag"}.get(
        label, label
    )
    return label


def _default(param: Any) -> str:
    value = param.default
    if value is None or value is False or value == () or param.required:
        return "—"
    return f"`{getattr(value, 'value', value)}`"


def _option_rows(cmd: Any, ctx: Any) -> list[list[str]]:
    rows = []
    for p in cmd.params:
        if getattr(p, "hidden", False):
            continue
        if p.param_type_name == "argument":
            name = f"`{p.name.upper()}`" + (" …" if p.nargs == -1 else "")
        else:
            name = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
        notes = []
        if p.required:
            notes.append("required")
        if p.multiple:
            notes.append("repeatable")
        help_text = _escape(getattr(p, "help", None) or "")
        notes = [n for n in notes if n not in help_text]
        if notes:
            help_text += f" ({', '.join(notes)})"
        rows.append([name, _type_label(p, ctx), _default(p), help_text])
    return rows


def _usage(name: str, cmd: Any) -> str:
    """``csmodel project [OPTIONS] [FILE]``, as click writes it, arguments in capitals."""
    pieces = [name, "[OPTIONS]"]
    for p in cmd.params:
        if p.param_type_name != "argument":
            continue
        arg = p.name.upper() + ("..." if p.nargs == -1 else "")
        pieces.append(arg if p.required else f"[{arg}]")
    if getattr(cmd, "commands", None):
        pieces += ["COMMAND", "[ARGS]..."]
    return " ".join(pieces)


def _escape(text: str) -> str:
    """Markdown-safe prose: ``*`` and ``<`` outside code spans shown as typed."""
    parts = re.split(r"(`[^`]*`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("*", "\\*").replace("<", "&lt;")
    return "".join(parts)


def cli_reference() -> str:
    """``docs/reference/cli.md``: every command, its usage, arguments and options."""
    from csmodel.cli import EPILOG

    commands = _commands()
    index = [
        [f"[`{' '.join(path)}`](#{'-'.join(path)})", _escape(_prose(cmd.help).split("\n\n")[0])]
        for path, cmd, _ in commands[1:]
        if not getattr(cmd, "commands", None)
    ]
    sections = []
    for path, cmd, ctx in commands:
        name = " ".join(path)
        heading = "## Every command" if len(path) == 1 else f"## {name}"
        if len(path) == 1:
            body = [heading, "Options that come before the command name:"]
        else:
            body = [heading, f"```text\n{_usage(name, cmd)}\n```", _escape(_prose(cmd.help))]
        if cmd.params:
            body.append(
                _table(
                    ["Argument or option", "Type", "Default", "What it does"],
                    _option_rows(cmd, ctx),
                )
            )
        if getattr(cmd, "commands", None):
            subs = ", ".join(f"[`{name} {s}`](#{'-'.join([*path, s])})" for s in cmd.commands)
            if len(path) > 1:
                body.append(f"Subcommands: {subs}.")
        sections.append("\n\n".join(body))
    intro = (
        "Every command of `csmodel`, read from the command-line interface itself: the same "
        "arguments, options, types and defaults as `csmodel COMMAND --help`. Every command "
        "also takes `-h`/`--help`.\n\n"
        + _table(["Command", "What it answers"], index)
        + "\n\n**Exit codes.** "
        + EPILOG.removeprefix("Exit codes: ")
    )
    return _page("Commands and options", intro, sections)


# --- scenario keys, from the JSON Schema --------------------------------------------------


def _number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _is_rate(p: dict) -> bool:
    return p.get("type") == "number" and p.get("maximum", 2) <= 1


def _bounds(p: dict, rate: bool) -> str:
    show = (lambda v: f"{v * 100:g}%") if rate else _number
    low = p.get("minimum", p.get("exclusiveMinimum"))
    high = p.get("maximum")
    if (low is None and high is None) or (abs(low or 0) >= 1e299 and abs(high or 0) >= 1e299):
        return ""
    above = "above " if "exclusiveMinimum" in p else ""
    return f" {above}{show(low)} to {show(high)}" if high is not None else f" ≥ {show(low)}"


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return name.lower()


def _branches(p: dict) -> list[dict]:
    """The alternatives a value may take (``anyOf`` / ``oneOf``), or the value alone."""
    return p.get("anyOf") or p.get("oneOf") or [p]


def _type_text(p: dict) -> str:
    """One line saying what a schema value accepts: rate 0% to 100%, schedule, range..."""
    from csmodel.ids import LINT_IDS, METRICS

    parts: list[str] = []
    branches = _branches(p)
    numeric = any(b.get("type") in ("number", "integer") for b in branches)
    for b in branches:
        t = b.get("type")
        if "$ref" in b:
            name = _ref_name(b["$ref"])
            parts.append(f"[{name}](#{_anchor(name)})")
        elif "enum" in b:
            values = b["enum"]
            if set(values) <= set(METRICS) | {"gross_profit", *_headcount_ids()}:
                parts.append("a [metric id](metrics.md)")
            else:
                parts.append(" | ".join(f"`{v}`" for v in values))
        elif t == "array":
            items = b.get("items", {})
            if set(items.get("enum", ())) <= set(LINT_IDS) and items.get("enum"):
                parts.append("list of [lint ids](lints.md)")
            else:
                parts.append(f"list of {_type_text(items)}")
        elif t == "object" and "patternProperties" in b:
            parts.append("[schedule](#schedules)")
        elif t == "object" and set(b.get("required", ())) >= {"low", "high"}:
            parts.append("[range](#ranges)")
        elif t == "object":
            extra = b.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                parts.append(f"map: name → {_type_text(extra)}")
            else:
                parts.append("map: `path: value`" if extra is True else "map")
        elif t == "number":
            rate = _is_rate(b)
            word = 'rate (`0.04` or `"4%"`)' if rate else "number"
            parts.append(word + _bounds(b, rate))
        elif t == "integer":
            parts.append("whole number" + _bounds(b, False))
        elif t == "string":
            if numeric:
                continue  # numeric text ("1,000", "4%") is another spelling of the number
            pattern = b.get("pattern", "")
            if pattern.startswith("^\\d{4}-"):
                parts.append("`YYYY-MM`")
            else:
                parts.append("text")
        elif t == "null":
            continue  # optional: said by the default column
        elif t == "boolean":
            parts.append("`true` | `false`")
    return " or ".join(dict.fromkeys(parts)) or "any"


def _headcount_ids() -> set[str]:
    from csmodel.ids import HEADCOUNT_METRICS

    return set(HEADCOUNT_METRICS)


def _default_text(p: dict) -> str:
    if "default" not in p:
        return "—"
    value = p["default"]
    if isinstance(value, dict):
        return "see its keys"
    if value is None:
        return "none"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if any(_is_rate(b) for b in _branches(p)):
            return f"`{value * 100:g}%`"
        return f"`{_number(value)}`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _schema_sections(schema: dict) -> list[tuple[str, dict, list[str]]]:
    """(name, object schema, paths where it appears) for the root and every ``$defs``
    object, in the order a reader meets them (depth first from the root)."""
    defs = schema.get("$defs", {})
    order: list[str] = []
    paths: dict[str, list[str]] = {}

    def refs(p: dict, path: str) -> Iterator[tuple[str, str]]:
        for b in _branches(p):
            if "$ref" in b:
                yield _ref_name(b["$ref"]), path
            extra = b.get("additionalProperties")
            if isinstance(extra, dict):
                yield from refs(extra, f"{path}.NAME")
            if isinstance(b.get("items"), dict):
                yield from refs(b["items"], f"{path}[]")

    def visit(name: str, obj: dict, path: str) -> None:
        for key, p in obj.get("properties", {}).items():
            for ref, where in refs(p, f"{path}.{key}" if path else key):
                paths.setdefault(ref, []).append(where)
                if ref not in order:
                    order.append(ref)
                    visit(ref, defs[ref], where)

    visit("Scenario", schema, "")
    return [("Scenario", schema, [])] + [(n, defs[n], paths[n]) for n in order]


def _conditions(schema: dict) -> str:
    """The schema's ``if``/``then``/``else`` in words (the account-book rule)."""
    if "if" not in schema:
        return ""

    def said(branch: dict) -> str:
        out = []
        if branch.get("required"):
            out.append(", ".join(f"`{k}`" for k in branch["required"]) + " is required")
        seg = branch.get("properties", {}).get("segments", {}).get("additionalProperties", {})
        banned = [k for k, v in seg.get("properties", {}).items() if v is False]
        if banned:
            out.append("segments may not set " + ", ".join(f"`{k}`" for k in banned))
        if seg.get("required"):
            out.append("every segment needs " + ", ".join(f"`{k}`" for k in seg["required"]))
        return "; ".join(out) or f"`{json.dumps(branch)}`"

    cond = schema["if"].get("required", [])
    what = ", ".join(f"`{k}`" for k in cond) or f"`{json.dumps(schema['if'])}`"
    return f"With {what}: {said(schema.get('then', {}))}. Without: {said(schema.get('else', {}))}."


def _special_branch(schema: dict, kind: str) -> dict | None:
    """The first schedule (``kind="schedule"``) or range object in the schema."""
    found: list[dict] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            is_schedule = x.get("type") == "object" and "patternProperties" in x
            is_range = x.get("type") == "object" and set(x.get("required", ())) >= {"low", "high"}
            if (kind == "schedule" and is_schedule) or (kind == "range" and is_range):
                found.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(schema)
    return found[0] if found else None


def scenario_reference() -> str:
    """``docs/reference/scenario.md``: every key of a scenario file, from the JSON Schema."""
    from csmodel.jsonschema import scenario_json_schema

    schema = scenario_json_schema()
    sections = []
    for name, obj, where in _schema_sections(schema):
        required = set(obj.get("required", ()))
        rows = [
            [
                f"`{key}`" + (" (required)" if key in required else ""),
                _type_text(p),
                _default_text(p),
                p.get("description", ""),
            ]
            for key, p in obj.get("properties", {}).items()
        ]
        body = [f"## {name}"]
        if where:
            body.append("At " + ", ".join(f"`{w}`" for w in where) + ".")
        if obj.get("description"):
            body.append(_prose(obj["description"]))
        if name == "Scenario":
            body.append(_conditions(schema))
        body.append(_table(["Key", "Accepts", "Default", "Description"], rows))
        sections.append("\n\n".join(b for b in body if b))
    for kind, title in (("schedule", "Schedules"), ("range", "Ranges")):
        branch = _special_branch(schema, kind)
        if branch is not None:
            text = [f"## {title}", _prose(branch.get("description", ""))]
            if kind == "range":
                same = ("low", "high", "mode")  # each in the unit of the key it ranges
                rows = [
                    [
                        f"`{k}`",
                        "a value the key accepts" if k in same else _type_text(v),
                        _prose(v.get("description", "")),
                    ]
                    for k, v in branch.get("properties", {}).items()
                ]
                text.append(_table(["Key", "Accepts", "Description"], rows))
            sections.append("\n\n".join(text))
    intro = (
        "Every key of a scenario file, read from the JSON Schema that `csmodel schema` "
        "prints (the same models csmodel validates with). Numbers may also be written as "
        'text (`"1,000"`), rates as fractions (`0.04`) or percent strings (`"4%"`); '
        "unknown keys are errors. Rules that span several values (`min` above `max`, churn "
        "plus contraction above 100%, a check naming an unknown segment) are checked by "
        "`csmodel validate`, not by the schema. Schema id: `" + schema.get("$id", "") + "`."
    )
    return _page("Scenario file keys", intro, sections)


# --- metrics ------------------------------------------------------------------------------


def metrics_reference() -> str:
    """``docs/reference/metrics.md``: every metric id with its label, unit and definition."""
    from csmodel.ids import (
        DEPRECATED_METRICS,
        HEADCOUNT_METRICS,
        METRICS,
        metric_label,
        metric_unit,
    )
    from csmodel.results import YEAR_METRICS

    rows = [
        [f"`{m}`", metric_label(m), metric_unit(m), d, "yes" if m in YEAR_METRICS else "no"]
        for m, d in METRICS.items()
    ]
    book = _table(["Id", "Shown as", "Unit", "Definition", "`year:` in checks"], rows)
    headcount = _table(
        ["Id", "Unit", "Definition (per segment)"],
        [[f"`{m}`", metric_unit(m), d] for m, d in HEADCOUNT_METRICS.items()],
    )
    yearly = _table(["Id", "For one year"], [[f"`{m}`", d] for m, d in YEAR_METRICS.items()])
    deprecated = _table(
        ["Deprecated id", "Now"],
        [[f"`{old}`", f"`{new}`"] for old, new in DEPRECATED_METRICS.items()],
    )
    intro = (
        "Metric ids are public: they are the keys of `metrics` in every command's JSON and "
        "the `metric` of a check. Units: money is in the scenario's `currency`; a rate is a "
        "fraction (`0.95` is shown as 95%)."
    )
    from csmodel.results import __doc__ as _  # noqa: F401  (the module YEAR_METRICS lives in)

    sections = [
        "## Metrics of a projection\n\n`csmodel project`, `compare`, `solve` and `check`; "
        "for the book and, under `segments`, for each segment.\n\n" + book,
        "## Headcount ids\n\nWhat `csmodel headcount` reports per segment; `check` accepts "
        "them too.\n\n" + headcount,
        "## One year in a check\n\nA check with `year:` bounds one of these.\n\n" + yearly,
        "## Deprecated ids\n\nStill accepted, with the same value; the `deprecated-metric` "
        "lint asks for the new id.\n\n" + deprecated,
    ]
    return _page("Metrics", intro, sections)


# --- lints --------------------------------------------------------------------------------


def lints_reference() -> str:
    """``docs/reference/lints.md``: every lint, its docstring as its documentation."""
    from csmodel.lints import LINTS

    index = _table(
        ["Id", "Fires when"], [[f"[`{i}`](#{i})", lint.rationale] for i, lint in LINTS.items()]
    )
    sections = [f"## {i}\n\n{_prose(lint.find.__doc__)}" for i, lint in LINTS.items()]
    intro = (
        "Assumption lints are warnings about assumptions that are legal but probably wrong. "
        "`csmodel check` runs them on each file's base scenario (`--set` applied; variants "
        "are not linted) and points at the line of the key each is about; they fail the "
        "check only with `--strict`. Switch one off in the file with `lint: {disable: "
        "[ID]}`, or for a run with `--disable ID`.\n\n" + index
    )
    return _page("Assumption lints", intro, sections)


# --- JSON keys and CSV columns, from running the commands ---------------------------------

_RANGED = (
    "--set",
    "segments.smb.churn.rate={low: 1%, high: 3%}",
    "--set",
    "segments.enterprise.expansion.rate={low: 2%, high: 12%, driver: growth}",
)
_MID_RANGE = "segments.mid-market.churn.rate={low: 1%, high: 4%}"
_SIM = ("--simulate", "20", "--seed", "1")
_PROBABILITY = ("--set", "checks=[{metric: grr, min: 85%, probability: 90%}]")

MACHINE_RUNS: dict[str, list[tuple[str, ...]]] = {
    "project": [
        ("project", "scenarios/saas-company.yaml"),
        ("project", "scenarios/fy27-plan.yaml", "--by", "quarter"),
        ("project", "scenarios/book/plan.yaml"),
        ("project", "scenarios/saas-company.yaml", *_RANGED, *_SIM),
    ],
    "headcount": [
        ("headcount", "scenarios/saas-company.yaml"),
        ("headcount", "scenarios/fy27-plan.yaml"),
        ("headcount", "scenarios/book/plan.yaml"),
        ("headcount", "scenarios/midmarket.yaml", "--set", _MID_RANGE, *_SIM),
    ],
    "compare": [
        ("compare", "scenarios/saas-company.yaml", "--by", "segment"),
        ("compare", "scenarios/midmarket.yaml", "scenarios/enterprise.yaml", *_SIM),
    ],
    "sensitivity": [("sensitivity", "scenarios/saas-company.yaml")],
    "solve": [
        (
            "solve",
            "scenarios/midmarket.yaml",
            "--target",
            "nrr=105%",
            "--vary",
            "segments.mid-market.expansion.rate",
        ),
    ],
    "check": [
        ("check", "scenarios/saas-company.yaml", "scenarios/examples/failing-plan.yaml"),
        ("check", "scenarios/saas-company.yaml", *_PROBABILITY, *_RANGED, *_SIM),
    ],
    "book": [("book", "scenarios/book/plan.yaml")],
    "fit retention": [("fit", "retention", "scenarios/data/retention-regular.csv")],
    "fit understaffing": [("fit", "understaffing", "scenarios/data/understaffing-history.csv")],
}
"""The runs each command's machine-output keys are read from: shipped scenarios chosen so
that every optional part appears (dated plans, account books, staffing plans, ranges with
``--simulate``, a probabilistic check). A command that offers ``json`` or ``csv`` and has
no runs here stops the generator (:func:`machine_formats`)."""

_MONTH_KEY = re.compile(r"^(\d+|\d{4}-\d{2})$")


def _placeholder(keys: set[str], names: dict[str, set[str]]) -> str | None:
    """The name standing for a dictionary's keys when they are data, not fixed keys."""
    from csmodel.ids import DEPRECATED_METRICS, HEADCOUNT_METRICS, METRICS

    if not keys:
        return None
    for kind in ("segment", "owner", "variant"):
        if keys <= names.get(kind, set()):
            return f"<{kind}>"
    if len(keys) > 2 and keys <= set(METRICS) | set(HEADCOUNT_METRICS) | set(DEPRECATED_METRICS):
        return "<metric>"
    if all(_MONTH_KEY.match(k) for k in keys):
        return "<month>"
    if all("." in k for k in keys):
        return "<path>"
    return None


_JSON_TYPES = {
    dict: "object",
    list: "list",
    str: "text",
    bool: "true/false",
    int: "integer",
    float: "number",
    type(None): "null",
}


@dataclass
class _KeyInfo:
    types: dict[str, None]
    seen: int = 0
    children: dict[str, None] | None = None


def key_tree(documents: Sequence[Any], names: dict[str, set[str]]) -> dict[str, _KeyInfo]:
    """Every key path of ``documents`` (``a.b[].c``, data keys as ``<segment>`` ...), with
    the JSON types seen there and in how many of its parent objects it appeared."""
    info: dict[str, _KeyInfo] = {"": _KeyInfo({}, children={})}
    parents: dict[str, int] = {}

    def note(path: str, value: Any, parent: str) -> None:
        entry = info.setdefault(path, _KeyInfo({}, children={}))
        entry.types[_JSON_TYPES.get(type(value), type(value).__name__)] = None
        info[parent].children[path] = None  # type: ignore[index]

    def walk(x: Any, path: str) -> None:
        if isinstance(x, dict):
            parents[path] = parents.get(path, 0) + 1
            stand_in = _placeholder(set(x), names)
            done: set[str] = set()
            for k, v in x.items():
                child = f"{path}.{stand_in or k}" if path else (stand_in or k)
                note(child, v, path)
                if child not in done:
                    info[child].seen += 1
                    done.add(child)
                walk(v, child)
            if stand_in:  # a map: its one key is there whenever the map is
                info[f"{path}.{stand_in}" if path else stand_in].seen = parents[path]
        elif isinstance(x, list):
            for v in x:
                note(path + "[]", v, path)
                info[path + "[]"].seen = 1
                walk(v, path + "[]")

    for doc in documents:
        walk(doc, "")
    ordered: dict[str, _KeyInfo] = {}

    def visit(path: str) -> None:  # parents before children, each in order of appearance
        for child in info[path].children or ():
            entry = ordered[child] = info[child]
            if not child.endswith("[]") and parents.get(path, 0) > entry.seen:
                entry.types["absent"] = None
            visit(child)

    visit("")
    return ordered


def _names(runs: Sequence[tuple[str, ...]]) -> dict[str, set[str]]:
    """Segment, variant and owner names of the scenarios a list of runs reads."""
    from csmodel.book import book_of
    from csmodel.loader import load_scenario

    out: dict[str, set[str]] = {"segment": set(), "variant": set(), "owner": set()}
    for run in runs:
        for arg in run:
            if not arg.endswith(".yaml"):
                continue
            sc = load_scenario(Path(arg))
            out["segment"] |= set(sc.segments)
            out["variant"] |= set(sc.variants)
            book = book_of(sc)
            if book is not None and book.owner is not None:
                out["owner"] |= {o for o in book.owner if o}
    return out


def machine_formats() -> dict[str, tuple[str, ...]]:
    """``{command: its --format choices}`` for every command that has ``--format``."""
    out = {}
    for path, cmd, ctx in _commands():
        for p in cmd.params:
            if "--format" in getattr(p, "opts", ()):
                label = _type_label(p, ctx)
                out[" ".join(path[1:])] = tuple(re.findall(r"`([^`]+)`", label))
    return out


def _record_docs() -> dict[str, list[tuple[str, str]]]:
    """Docstrings of ``csmodel/records.py``'s key tuples and record functions, by the
    command they document (its name starts the function's or constant's name)."""
    tree = ast.parse((Path(__file__).parent / "records.py").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    body = tree.body
    for i, node in enumerate(body):
        name, doc = None, None
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_record"):
            name, doc = node.name, ast.get_docstring(node)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            nxt = body[i + 1] if i + 1 < len(body) else None
            if (
                re.search(r"_(KEYS|COLUMNS)$", target)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                name, doc = target, nxt.value.value
        if name and doc:
            command = name.lower().split("_")[0]
            command = {"period": "project", "arr": "project", "simulation": "project"}.get(
                command, command
            )
            out.setdefault(command, []).append((name, _prose(doc)))
    return out


def _key_rows(tree: dict[str, _KeyInfo]) -> list[list[str]]:
    rows = []
    for path, entry in tree.items():
        types = [t for t in entry.types if t != "absent"]
        shown = " or ".join(types)
        if "absent" in entry.types:
            shown += " (not always present)"
        rows.append([f"`{path}`", shown])
    return rows


def _csv_section(command: str, runs: Sequence[tuple[str, ...]]) -> str:
    parts = []
    for run in runs:
        args = [*run, "--format", "csv"]
        tables: list[str | None] = [None]
        if command == "book":
            tables = ["owners", "segments", "renewals", "moves"]
        for table in tables:
            extra = ["--table", table] if table else []
            out = run_csmodel([*args, *extra])
            if out.exit_code not in (0, 1):
                raise RuntimeError(f"csmodel {shlex.join(args)}: exit {out.exit_code}")
            rows = list(csv.reader(io.StringIO(out.stdout)))
            if not rows:
                continue
            head, data = rows[0], rows[1:]
            label = f"`csmodel {shlex.join([*args, *extra])}`"
            if "table" in head:
                col = head.index("table")
                kinds = list(dict.fromkeys(r[col] for r in data))
                for kind in kinds:
                    used = [
                        h
                        for j, h in enumerate(head)
                        if any(r[j] != "" for r in data if r[col] == kind)
                    ]
                    parts.append(
                        f"{label}, rows with `table` = `{kind}`: "
                        + ", ".join(f"`{h}`" for h in used)
                        + "."
                    )
            else:
                parts.append(f"{label}: " + ", ".join(f"`{h}`" for h in head) + ".")
        if command != "book":
            break  # one run gives the columns; book has one table per --table
    return "\n\n".join(dict.fromkeys(parts))


def output_reference() -> str:
    """``docs/reference/output.md``: every JSON key and CSV column, per command, read from
    the commands' own output on the shipped scenarios."""
    formats = machine_formats()
    missing = [c for c, f in formats.items() if {"json", "csv"} & set(f) and c not in MACHINE_RUNS]
    if missing:
        raise RuntimeError(f"docgen.MACHINE_RUNS has no runs for {missing}: add some")
    docs = _record_docs()
    sections = []
    for command, fmts in formats.items():
        title = f"## csmodel {command}"
        body = [title, "Formats: " + ", ".join(f"`{f}`" for f in fmts) + "."]
        runs = MACHINE_RUNS.get(command, [])
        if "json" in fmts:
            documents = []
            for run in runs:
                out = run_csmodel([*run, "--format", "json"])
                if out.exit_code not in (0, 1):
                    raise RuntimeError(
                        f"csmodel {shlex.join(run)}: exit {out.exit_code}\n{out.stderr}"
                    )
                documents.append(json.loads(out.stdout))
            names = _names(runs)
            shown = "\n".join(f"- `csmodel {shlex.join(r)} --format json`" for r in runs)
            body.append(f"### JSON\n\nKeys of the output of:\n\n{shown}")
            body.append(_table(["Key", "Type"], _key_rows(key_tree(documents, names))))
        if "csv" in fmts:
            body.append("### CSV\n\n" + _csv_section(command, runs))
        for name, doc in docs.get(command.split()[0], []):
            body.append(f"**`{name}`** (csmodel/records.py): {doc}")
        sections.append("\n\n".join(body))
    intro = (
        "Every key of every command's `--format json` and every column of its `--format "
        "csv`, read from the commands' own output on the shipped scenarios (so it cannot "
        "drift from what they print). In key paths, `[]` is a list's items and `<segment>`, "
        "`<metric>` (a [metric id](metrics.md)), `<month>` (a plan month or `YYYY-MM`), "
        "`<owner>`, `<variant>` and `<path>` stand for keys that are data. Every document "
        "carries `schema_version`; numbers are unrounded, rates are fractions, `null` "
        "means undefined. A key marked *not always present* appears only when the scenario "
        "has what it describes (a dated plan, an account book, ranges with `--simulate`...)."
    )
    return _page("JSON keys and CSV columns", intro, sections)


# --- the reference, as files --------------------------------------------------------------

PAGES = {
    "cli.md": cli_reference,
    "scenario.md": scenario_reference,
    "metrics.md": metrics_reference,
    "lints.md": lints_reference,
    "output.md": output_reference,
}
"""The generated reference pages, by file name under ``docs/reference/``."""


def reference_pages(root: Path = ROOT) -> dict[str, str]:
    """``{file name: markdown}`` of every generated page, as the code makes them now."""
    with scratch(root):
        return {name: make() for name, make in PAGES.items()}


def reference_drift(
    directory: Path | None = None, pages: dict[str, str] | None = None, root: Path = ROOT
) -> dict[str, str]:
    """``{file name: unified diff}`` for every page of ``directory`` (default
    ``docs/reference``) that differs from ``pages`` (default: generated now), a missing
    page included; empty when the committed reference is current."""
    directory = directory or root / REFERENCE_DIR
    pages = reference_pages(root) if pages is None else pages
    drift = {}
    for name, new in pages.items():
        path = directory / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != new:
            drift[name] = _diff(old, new, path)
    return drift


def write_reference(root: Path = ROOT) -> list[Path]:
    """Write every reference page; the files that changed."""
    directory = root / REFERENCE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in reference_pages(root).items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m csmodel.docgen reference|samples [--check] [FILE ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m csmodel.docgen",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job", choices=("reference", "samples"))
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="samples: markdown files (default: README.md and docs/**/*.md with a marker)",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on drift")
    opts = parser.parse_args(argv)
    files = [f.resolve() for f in opts.files] or None
    if opts.check:
        drift = reference_drift() if opts.job == "reference" else sample_drift(files)
        for diff in drift.values():
            sys.stdout.write(diff)
        return 1 if drift else 0
    changed = write_reference() if opts.job == "reference" else write_samples(files)
    for path in changed:
        sys.stderr.write(
            f"updated {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n"
        )
    if not changed:
        sys.stderr.write(f"{opts.job}: up to date\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

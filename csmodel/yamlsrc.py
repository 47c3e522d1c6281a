"""Reading YAML safely, keeping where every key and value came from.

PyYAML's ``safe_load`` is not enough for files people type and files that
arrive in pull requests: it silently keeps the last of two duplicate keys,
expands alias bombs, and forgets positions. Here the document is *composed*
into nodes (which keep their marks) and converted by hand:

- plain scalars resolve by YAML 1.2's *core schema*, on both parsers (the
  pure-Python one and libyaml): only ``true``/``false`` (any of their three
  spellings) are booleans, so ``yes``, ``no``, ``on`` and ``off`` stay text;
  ``1:30`` is text, not ninety; integers are decimal, ``0o17`` or ``0x1F``,
  and a decimal integer with a leading zero (``010``: ten in YAML 1.2, eight
  in YAML 1.1) is refused with a hint to write ``10``, so no reader of the
  file can take it for another number;
- only plain YAML tags (str, int, float, bool, null, map, seq) are accepted;
  anything else (``!!python/...``, custom ``!tags``) is refused, never run;
- text holding a lone surrogate (``"\\ud800"``, which no encoding can write)
  is refused where it is written;
- duplicate keys are refused, naming both lines;
- aliases are followed, but the expanded document is capped in size and depth,
  so a "billion laughs" file is refused in milliseconds; nesting is capped
  while the document is composed, so the error names the line and column
  where the limit was crossed, however deep the file goes;
- the result is plain data plus a :class:`Marks` index from key paths to
  1-based ``(line, col)`` positions, so later validation errors point at the
  right place in the file.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from csmodel.errors import Problem, ScenarioError

MAX_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted (2 MB); real scenarios are a few KB."""
MAX_NODES = 100_000
"""Most YAML nodes a document may expand to (aliases count each time used)."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the schema itself is at most 6 levels deep."""

_T = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}

KeyPath = tuple[Hashable, ...]


@dataclass(frozen=True)
class Marks:
    """Positions of keys and values, by key path (1-based line and column)."""

    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, key: bool = False) -> tuple[int, int] | None:
        """Where ``path`` is written; falls back to its nearest written ancestor."""
        path = tuple(path)
        while True:
            table = (self.keys, self.values) if key else (self.values, self.keys)
            for t in table:
                if path in t:
                    return t[path]
            if not path:
                return None
            path = path[:-1]


@dataclass(frozen=True)
class Source:
    """A parsed YAML document: plain data, where it came from, and its marks."""

    file: str
    data: Any
    marks: Marks
    text: str = ""


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a scenario file as text; ``-`` reads standard input.

    Returns ``(display_name, text)``. Raises :class:`ScenarioError` (no
    position) for files that are missing, unreadable, too large or not UTF-8.
    """
    name = str(path)
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        name = "<stdin>"
    else:
        p = Path(path)
        try:
            if p.is_dir():
                raise ScenarioError(Problem(name, "is a directory, not a scenario file"))
            size = p.stat().st_size
            if size > MAX_BYTES:
                raise ScenarioError(
                    Problem(name, f"file is {size / 1e6:.1f} MB, over the 2 MB limit for scenarios")
                )
            with p.open("rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise ScenarioError(Problem(name, "no such file")) from None
        except PermissionError:
            raise ScenarioError(Problem(name, "permission denied: cannot read the file")) from None
        except OSError as exc:
            raise ScenarioError(Problem(name, f"cannot read the file: {exc.strerror}")) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(Problem(name, "input is over the 2 MB limit for scenarios"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ScenarioError(
            Problem(
                name,
                f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                line,
                col,
            )
        ) from None
    return name, text


def load_source(path: str | Path) -> Source:
    """Read and parse a YAML file into a :class:`Source`."""
    name, text = read_text(path)
    return parse_source(text, name)


def parse_source(text: str, file: str = "<string>") -> Source:
    """Parse YAML text into plain data and marks, refusing anything unsafe."""
    import yaml

    try:
        loader = _loader_for(yaml, text)(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooDeep as exc:
        line, col = _where(text, exc.mark)
        raise ScenarioError(
            Problem(file, f"nesting deeper than {MAX_DEPTH} levels", line, col)
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in f"{exc.context} {exc.problem}":
            msg = "several YAML documents in one file; a scenario file holds exactly one"
        elif exc.context and exc.problem:
            msg = f"{exc.context}, {exc.problem}"
        line, col = _where(text, mark) if mark else (None, None)
        raise ScenarioError(Problem(file, f"invalid YAML: {msg}", line, col)) from None
    except yaml.reader.ReaderError as exc:  # control characters and the like
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise ScenarioError(
            Problem(
                file,
                f"invalid YAML: character {ord(char):#06x}: control characters are not allowed",
                line,
                col,
            )
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Problem(file, f"invalid YAML: {str(exc).splitlines()[0]}")) from None
    except RecursionError:
        raise ScenarioError(Problem(file, f"nesting deeper than {MAX_DEPTH} levels")) from None
    if node is None:
        raise ScenarioError(
            Problem(file, "file is empty: a scenario needs at least `name` and `segments`")
        )
    conv = _Converter(file, text)
    data = conv.convert(node, (), 0)
    return Source(file, data, Marks(conv.values, conv.keys), text)


FAST_FROM = 256 * 1024
"""Texts at least this long are parsed with libyaml when they cannot nest deeply."""
_BRACKETS = re.compile(r"[\[\]{}]")
_INDENT = re.compile(r"^[ ?:-]*", re.MULTILINE)
"""Leading spaces and block indicators: ``- - - x`` nests three levels on one line."""


def _loader_for(yaml: Any, text: str) -> Any:
    """The pure-Python loader, or libyaml's for large texts that cannot nest deeply.

    The Python loader is the default: libyaml's composer recurses once per
    nesting level with no limit, so deeply nested input overflows the C stack
    (a crash, not an error), and one loader means one wording of syntax
    errors. Large files (up to the 2 MB cap) would take seconds in Python, so
    they use libyaml when an upper bound on their nesting is safe: flow
    brackets opened (quoted brackets only over-count) and the width of
    indentation and block indicators (``- - - x`` nests on one line). Both
    loaders resolve scalars by the YAML 1.2 core schema (:func:`_loaders`).
    """
    loaders = _loaders(yaml)
    fast = loaders.get("c")
    if fast is None or len(text) < FAST_FROM or any(c in text for c in _YAML_ONLY_BREAKS):
        return loaders["py"]  # (the Python reader's marks carry character indexes)
    depth = deepest = 0
    for bracket in _BRACKETS.findall(text):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return loaders["py"]
    if max((len(i) for i in _INDENT.findall(text)), default=0) > 4 * MAX_DEPTH:
        return loaders["py"]
    return fast


# --- YAML 1.2 core schema -----------------------------------------------------------

_CORE_NULL = re.compile(r"^(?:null|Null|NULL|~|)$")
_CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_MERGE = re.compile(r"^<<$")
MAX_DIGITS = 1000
"""Longest integer literal read (Python refuses to parse integers of over 4,300 digits)."""


class _TooDeep(Exception):
    """Composition went deeper than :data:`MAX_DEPTH`; ``mark`` is where."""

    def __init__(self, mark: Any):
        super().__init__("too deep")
        self.mark = mark


_LOADERS: dict[str, Any] = {}


def _loaders(yaml: Any) -> dict[str, Any]:
    """The pure-Python loader (``"py"``) and, when built, libyaml's (``"c"``).

    Both resolve plain scalars by the YAML 1.2 core schema (plus the ``<<``
    merge key) instead of PyYAML's YAML 1.1 rules; the Python one also counts
    nesting while composing, so a deep document fails at the node that
    crossed :data:`MAX_DEPTH` rather than exhausting the Python stack.
    """
    if _LOADERS:
        return _LOADERS
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.resolver import BaseResolver
    from yaml.scanner import Scanner

    class CoreResolver(BaseResolver):
        yaml_implicit_resolvers: ClassVar[dict] = {}

    t = "tag:yaml.org,2002:"
    CoreResolver.add_implicit_resolver(t + "null", _CORE_NULL, ["n", "N", "~", ""])
    CoreResolver.add_implicit_resolver(t + "bool", _CORE_BOOL, list("tTfF"))
    CoreResolver.add_implicit_resolver(t + "int", _CORE_INT, list("-+0123456789"))
    CoreResolver.add_implicit_resolver(t + "float", _CORE_FLOAT, list("-+0123456789."))
    CoreResolver.add_implicit_resolver(t + "merge", _MERGE, ["<"])

    class PyLoader(Reader, Scanner, Parser, Composer, SafeConstructor, CoreResolver):
        def __init__(self, stream: Any):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            CoreResolver.__init__(self)
            self.depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            # depth as _Converter counts it: the root is 0, a mapping's keys are at the
            # mapping's own depth (composed with no index), its values one deeper
            key = parent is not None and index is None
            self.depth += 0 if key else 1
            try:
                if self.depth - 1 > MAX_DEPTH:
                    raise _TooDeep(self.peek_event().start_mark)
                return Composer.compose_node(self, parent, index)
            finally:
                self.depth -= 0 if key else 1

    _LOADERS["py"] = PyLoader
    cparser = getattr(getattr(yaml, "_yaml", None), "CParser", None)
    if cparser is not None and getattr(yaml, "__with_libyaml__", False):

        class CLoader(cparser, SafeConstructor, CoreResolver):  # type: ignore[misc, valid-type]
            def __init__(self, stream: Any):
                cparser.__init__(self, stream)
                SafeConstructor.__init__(self)
                CoreResolver.__init__(self)

        _LOADERS["c"] = CLoader
    return _LOADERS


def _core_scalar(tag: str, text: str) -> Any:
    """The value of a scalar with (resolved or explicit) ``tag``, by the YAML 1.2 core schema.

    Raises ``ValueError`` with a message for text the tag cannot hold.
    """
    if tag == _T + "str":
        return text
    if tag == _T + "null":
        if not _CORE_NULL.match(text):
            raise ValueError("not a valid null")
        return None
    if tag == _T + "bool":
        if not _CORE_BOOL.match(text):
            raise ValueError("not a valid bool")
        return text.lower() == "true"
    if tag == _T + "int":
        if not _CORE_INT.match(text):
            raise ValueError("not a valid int")
        digits = text.lstrip("+-")
        if len(digits) > MAX_DIGITS:
            raise _Refused(f"a number of {len(digits):,} digits is too large to read")
        if digits.startswith(("0o", "0x")):
            return int(digits[2:], 8 if digits[1] == "o" else 16)
        if len(digits) > 1 and digits[0] == "0":
            plain = digits.lstrip("0") or "0"
            sign = "-" if text.startswith("-") else ""
            raise _Refused(
                f"`{text}` has a leading zero, which YAML readers disagree on (YAML 1.1 "
                f"reads it as an octal number); write `{sign}{plain}`"
            )
        return int(text)
    if tag == _T + "float":
        # an explicit `!!float 1` is fine; `!!float abc` and `!!float 0x1` are not
        decimal = _CORE_INT.match(text) and not text.startswith(("0o", "0x"))
        if not _CORE_FLOAT.match(text) and not decimal:
            raise ValueError("not a valid float")
        low = text.lower()
        if low.endswith(".nan"):
            return math.nan
        if low.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        x = float(text)
        if math.isinf(x):
            return text  # too large for a float: the schema refuses the text with its range
        return x
    raise ValueError("not a scalar tag")  # pragma: no cover - _SCALAR_TAGS is checked first


class _Refused(ValueError):
    """A scalar that is refused with its own message (not "not a valid ...")."""


def dotted(path: KeyPath) -> str:
    """``("checks", 0, "min")`` -> ``"checks[0].min"``."""
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def show_tag(tag: str) -> str:
    """A tag as written: ``tag:yaml.org,2002:python/object`` -> ``!!python/object``."""
    return "!!" + tag[len(_T) :] if tag.startswith(_T) else tag


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_message(text: str) -> str:
    char = _SURROGATE.search(text).group()  # type: ignore[union-attr]
    return (
        f"text holds a lone surrogate (\\u{ord(char):04x}): half of a UTF-16 pair, not a "
        "character, so it cannot be written out; remove it"
    )


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
"""Characters YAML's readers count as line breaks but editors do not."""
_BREAK = re.compile(r"\r\n|\r|\n")


def _where(text: str, mark: Any) -> tuple[int, int]:
    """A mark's 1-based ``(line, col)`` as an editor counts them.

    PyYAML also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR
    (found in quoted text); then the position is counted again from the
    mark's character index, breaking only at CR, LF and CRLF.
    """
    if not any(c in text for c in _YAML_ONLY_BREAKS):
        return mark.line + 1, mark.column + 1
    starts = [0] + [m.end() for m in _BREAK.finditer(text, 0, mark.index)]
    return len(starts), mark.index - starts[-1] + 1


class _Converter:
    """Turns composed YAML nodes into plain Python data, recording marks."""

    def __init__(self, file: str, text: str = ""):
        import yaml

        self.file = file
        self.text = text
        self.yaml = yaml
        self.values: dict[KeyPath, tuple[int, int]] = {}
        self.keys: dict[KeyPath, tuple[int, int]] = {}
        self.count = 0

    def fail(self, node, message: str, path: KeyPath = ()) -> ScenarioError:
        line, col = _where(self.text, node.start_mark)
        key = dotted(path) or None
        return ScenarioError(Problem(self.file, message, line, col, key))

    def convert(self, node, path: KeyPath, depth: int) -> Any:
        y = self.yaml
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"document has more than {MAX_NODES:,} values (counting each use of an "
                "alias); a scenario needs far fewer, so it is refused",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        self.values.setdefault(path, _where(self.text, node.start_mark))
        if isinstance(node, y.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self.fail(
                    node, f"YAML tag `{show_tag(node.tag)}` is not allowed; use plain values", path
                )
            if node.tag == _T + "timestamp":
                return node.value  # dates are not part of the schema: keep the text
            if _SURROGATE.search(node.value):
                raise self.fail(node, _surrogate_message(node.value), path)
            try:
                return _core_scalar(node.tag, node.value)
            except _Refused as exc:
                raise self.fail(node, str(exc), path) from None
            except ValueError:
                # an explicit tag with a value it cannot hold: `!!int 1.5`, `!!bool maybe`
                raise self.fail(
                    node,
                    f"`{show_tag(node.tag)} {node.value}` is not a valid "
                    f"{show_tag(node.tag).lstrip('!')}",
                    path,
                ) from None
        if isinstance(node, y.SequenceNode):
            if node.tag != _T + "seq":
                raise self.fail(node, f"YAML tag `{show_tag(node.tag)}` is not allowed here", path)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, y.MappingNode):
            if node.tag != _T + "map":
                raise self.fail(node, f"YAML tag `{show_tag(node.tag)}` is not allowed here", path)
            return self._mapping(node, path, depth)
        raise self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    def _mapping(self, node, path: KeyPath, depth: int) -> dict:
        y = self.yaml
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _T + "merge":
                # `<<: *defaults` — explicit keys win over merged ones.
                sources = (
                    value_node.value if isinstance(value_node, y.SequenceNode) else [value_node]
                )
                for src in sources:
                    if not isinstance(src, y.MappingNode):
                        raise self.fail(src, "`<<` merges need a mapping", path)
                    for k, v in self._mapping(src, path, depth + 1).items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, y.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise self.fail(key_node, "mapping keys must be plain text", path)
            key = str(key_node.value)
            if _SURROGATE.search(key):
                raise self.fail(key_node, _surrogate_message(key), path)
            line, col = _where(self.text, key_node.start_mark)
            if key in first_line:
                raise self.fail(
                    key_node,
                    f"duplicate key `{key}` (first at line {first_line[key]}, "
                    f"again at line {line}); YAML keeps only one, so say it once",
                    path,
                )
            first_line[key] = line
            self.keys[(*path, key)] = (line, col)
            out[key] = self.convert(value_node, (*path, key), depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out

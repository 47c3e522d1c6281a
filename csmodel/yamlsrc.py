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

import contextlib
import gc
import math
import re
import sys
from collections.abc import Hashable, Iterator
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
    with paused_gc():
        return _parse_source(text, file)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it runs) while building large trees.

    Composing a 1,000-segment file allocates some 100,000 objects, none of
    them in reference cycles that need collecting now; each allocation burst
    would otherwise start a collection that walks the whole growing tree,
    which took more time than parsing itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_source(text: str, file: str) -> Source:
    import yaml

    loaders = _loaders(yaml)
    loader = _loader_for(yaml, text)
    if loader is not loaders["py"]:
        try:
            node = _compose(loader, text)
            if node is not None:
                conv = _Converter(file, text, exact_empty=False)
                data = conv.convert(node, (), 0)
                return Source(file, data, Marks(conv.values, conv.keys), text)
        except (yaml.YAMLError, UnicodeError, _EmptyScalar):
            # libyaml words its errors (and places a few) its own way, and places
            # empty values elsewhere: the Python composer says what is wrong in the
            # words the catalogue documents, at the positions it documents
            pass
    node = _compose_python(loaders["py"], text, file)
    if node is None:
        raise ScenarioError(
            Problem(file, "file is empty: a scenario needs at least `name` and `segments`")
        )
    conv = _Converter(file, text)
    data = conv.convert(node, (), 0)
    return Source(file, data, Marks(conv.values, conv.keys), text)


class _EmptyScalar(Exception):
    """libyaml composed an empty value, whose mark it may place differently."""


def _compose(loader_class: Any, text: str) -> Any:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _compose_python(loader_class: Any, text: str, file: str) -> Any:
    """Compose with the pure-Python loader, turning its errors into located problems."""
    import yaml

    try:
        return _compose(loader_class, text)
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


FAST_FROM = 0
"""Texts at least this long are parsed with libyaml when the pre-check allows (all of them)."""
_BRACKETS = re.compile(r"[\[\]{}]")
_TOO_INDENTED = re.compile(rf"^[ ?:-]{{{4 * MAX_DEPTH + 1}}}", re.MULTILINE)
"""Leading spaces and block indicators: ``- - - x`` nests three levels on one line."""
_NOT_FOR_LIBYAML = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f"  # tab, controls (line feed and return pass)
    "\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
    "|\r(?!\n)"  # a lone carriage return: the two readers place errors after it differently
)
"""Characters that send a text to the Python composer: tabs (libyaml accepts some that
PyYAML refuses), characters PyYAML cannot read (its error names them), byte-order marks
(libyaml counts them differently), the line breaks only YAML knows (NEL, U+2028/9) and a
carriage return that is not part of CRLF."""


def _loader_for(yaml: Any, text: str) -> Any:
    """libyaml's loader, or the pure-Python one when a cheap pre-check demands it.

    libyaml's composer recurses once per nesting level, so nesting is bounded
    before it runs: flow brackets opened (quoted brackets only over-count)
    and the width of indentation and block indicators (``- - - x`` nests on
    one line); deeper texts go to the Python composer, which counts levels as
    it goes and names the line where :data:`MAX_DEPTH` is crossed. (libyaml
    0.2.5 also stops at 1,000 levels itself.) Texts with characters the two
    readers treat differently (:data:`_NOT_FOR_LIBYAML`) go to the Python
    composer too. Both resolve scalars by the YAML 1.2 core schema
    (:func:`_loaders`) and give identical nodes and marks; a text libyaml
    refuses is composed again in Python, so syntax errors have one wording.
    """
    loaders = _loaders(yaml)
    fast = loaders.get("c")
    if fast is None or len(text) < FAST_FROM or _NOT_FOR_LIBYAML.search(text):
        return loaders["py"]
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = deepest = 0
        for bracket in _BRACKETS.findall(text):
            depth += 1 if bracket in "[{" else -1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return loaders["py"]
    if _TOO_INDENTED.search(text):
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


class _Plain:
    """The tag both loaders give plain (unquoted, untagged) scalars: resolved later.

    Not a string, so no tag written in a file can be taken for it.
    """

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<plain>"


PLAIN = _Plain()
_PLAIN_RESOLVERS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}
"""First character of a plain scalar -> the core-schema tags it may have, in order."""
for _tag, _pattern, _firsts in (
    ("null", _CORE_NULL, ["n", "N", "~", ""]),
    ("bool", _CORE_BOOL, list("tTfF")),
    ("int", _CORE_INT, list("-+0123456789")),
    ("float", _CORE_FLOAT, list("-+0123456789.")),
    ("merge", _MERGE, ["<"]),
):
    for _first in _firsts:
        _PLAIN_RESOLVERS[_first] = (*_PLAIN_RESOLVERS.get(_first, ()), (_T + _tag, _pattern))


def resolve_plain(text: str) -> str:
    """The core-schema tag of a plain scalar: ``"10"`` -> ``tag:yaml.org,2002:int``."""
    for tag, pattern in _PLAIN_RESOLVERS.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return _T + "str"


class _TooDeep(Exception):
    """Composition went deeper than :data:`MAX_DEPTH`; ``mark`` is where."""

    def __init__(self, mark: Any):
        super().__init__("too deep")
        self.mark = mark


_LOADERS: dict[str, Any] = {}


def _loaders(yaml: Any) -> dict[str, Any]:
    """The pure-Python loader (``"py"``) and, when built, libyaml's (``"c"``).

    Both leave plain scalars unresolved (tag :data:`PLAIN`; the converter
    resolves them by the YAML 1.2 core schema, plus the ``<<`` merge key, in
    the same step that reads their value) instead of PyYAML's YAML 1.1 rules;
    the Python one also counts nesting while composing, so a deep document
    fails at the node that crossed :data:`MAX_DEPTH` rather than exhausting
    the Python stack.
    """
    if _LOADERS:
        return _LOADERS
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.nodes import ScalarNode, SequenceNode
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.resolver import BaseResolver
    from yaml.scanner import Scanner

    str_tag, seq_tag, map_tag = _T + "str", _T + "seq", _T + "map"

    class CoreResolver(BaseResolver):
        yaml_implicit_resolvers: ClassVar[dict] = {}

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass  # no path resolvers

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode:
                return PLAIN if implicit[0] else str_tag
            return seq_tag if kind is SequenceNode else map_tag

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


_MERGE_TAG = _T + "merge"
_KEY_TAGS = _SCALAR_TAGS | {PLAIN}
"""Tags a mapping key may have; keys are kept as the text written."""
_STARTS_SPECIAL = frozenset(_PLAIN_RESOLVERS)
"""First characters of plain scalars that may be something other than text."""


class _Converter:
    """Turns composed YAML nodes into plain Python data, recording marks.

    One recursive walk, written for speed (a 1,000-segment scenario has some
    45,000 nodes): positions are read straight from the marks unless the
    text holds YAML-only line breaks, and scalars are checked for lone
    surrogates only when the text has a backslash (the only way to write one
    that the reader lets through: a ``"\\ud800"`` escape).
    """

    def __init__(self, file: str, text: str = "", *, exact_empty: bool = True):
        import yaml

        self.file = file
        self.text = text
        self.yaml = yaml
        self.values: dict[KeyPath, tuple[int, int]] = {}
        self.keys: dict[KeyPath, tuple[int, int]] = {}
        self.count = 0
        self.plain_lines = not any(c in text for c in _YAML_ONLY_BREAKS)
        self.escapes = "\\" in text or bool(_SURROGATE.search(text))
        self.exact_empty = exact_empty
        """False for libyaml's nodes: an empty value then raises :class:`_EmptyScalar`.

        libyaml places a few empty values (``{a: }``, ``---`` at the end of a file
        without a final line break) a column or a line away from where the Python
        composer does, so such a text is composed again in Python.
        """

    def where(self, node: Any) -> tuple[int, int]:
        mark = node.start_mark
        if self.plain_lines:
            return mark.line + 1, mark.column + 1
        return _where(self.text, mark)

    def fail(self, node, message: str, path: KeyPath = ()) -> ScenarioError:
        line, col = self.where(node)
        key = dotted(path) or None
        return ScenarioError(Problem(self.file, message, line, col, key))

    def convert(self, node, path: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"document has more than {MAX_NODES:,} values (counting each use of an "
                "alias); a scenario needs far fewer, so it is refused",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        if path not in self.values:
            if self.plain_lines:
                mark = node.start_mark
                self.values[path] = (mark.line + 1, mark.column + 1)
            else:
                self.values[path] = _where(self.text, node.start_mark)
        tag = node.tag
        value = node.value
        if tag is PLAIN:
            if self.escapes and _SURROGATE.search(value):
                raise self.fail(node, _surrogate_message(value), path)
            if value[:1] not in _STARTS_SPECIAL:
                return value  # the common case: plain text
            if not value and not self.exact_empty:
                raise _EmptyScalar
            tag = resolve_plain(value)
            if tag == _MERGE_TAG:
                raise self.fail(node, "YAML tag `!!merge` is not allowed; use plain values", path)
            return self._scalar(node, tag, value, path)
        y = self.yaml
        kind = type(node)
        if kind is y.ScalarNode:
            if not value and not self.exact_empty and node.style not in ("'", '"'):
                raise _EmptyScalar
            if tag not in _SCALAR_TAGS:
                raise self.fail(
                    node, f"YAML tag `{show_tag(tag)}` is not allowed; use plain values", path
                )
            if tag == _T + "timestamp":
                return value  # dates are not part of the schema: keep the text
            if self.escapes and _SURROGATE.search(value):
                raise self.fail(node, _surrogate_message(value), path)
            return self._scalar(node, tag, value, path)
        if kind is y.MappingNode:
            if tag != _T + "map":
                raise self.fail(node, f"YAML tag `{show_tag(tag)}` is not allowed here", path)
            return self._mapping(node, path, depth)
        if kind is y.SequenceNode:
            if tag != _T + "seq":
                raise self.fail(node, f"YAML tag `{show_tag(tag)}` is not allowed here", path)
            convert = self.convert
            depth += 1
            return [convert(item, (*path, i), depth) for i, item in enumerate(value)]
        raise self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    def _scalar(self, node: Any, tag: str, value: str, path: KeyPath) -> Any:
        try:
            return _core_scalar(tag, value)
        except _Refused as exc:
            raise self.fail(node, str(exc), path) from None
        except ValueError:
            # an explicit tag with a value it cannot hold: `!!int 1.5`, `!!bool maybe`
            raise self.fail(
                node,
                f"`{show_tag(tag)} {value}` is not a valid {show_tag(tag).lstrip('!')}",
                path,
            ) from None

    def _mapping(self, node, path: KeyPath, depth: int) -> dict:
        y = self.yaml
        scalar_node = y.ScalarNode
        keys = self.keys
        convert = self.convert
        plain_lines = self.plain_lines
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _MERGE_TAG or (tag is PLAIN and key_node.value == "<<"):
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
            if type(key_node) is not scalar_node or tag not in _KEY_TAGS:
                raise self.fail(key_node, "mapping keys must be plain text", path)
            key = str(key_node.value)
            if not key and not self.exact_empty and key_node.style not in ("'", '"'):
                raise _EmptyScalar
            if self.escapes and _SURROGATE.search(key):
                raise self.fail(key_node, _surrogate_message(key), path)
            if plain_lines:
                mark = key_node.start_mark
                line, col = mark.line + 1, mark.column + 1
            else:
                line, col = _where(self.text, key_node.start_mark)
            if key in first_line:
                raise self.fail(
                    key_node,
                    f"duplicate key `{key}` (first at line {first_line[key]}, "
                    f"again at line {line}); YAML keeps only one, so say it once",
                    path,
                )
            first_line[key] = line
            sub = (*path, key)
            keys[sub] = (line, col)
            out[key] = convert(value_node, sub, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out

"""THE escaping of user text, one function per output kind.

Scenario files arrive in pull requests from anyone, and their names end up in
terminals, spreadsheets, CI dashboards and documentation sites. Every string
that came from a user (scenario, segment, variant and meeting names,
descriptions, file names, ``--set`` text, CSV cells) passes through one of
these functions on its way out:

- :func:`visible` — control characters (C0, DEL, C1), bidirectional overrides
  and lone surrogates become visible escapes such as ``\\x1b``: nothing a user
  wrote can clear, retitle or reorder a terminal.
- :func:`rich_text` — a :class:`rich.text.Text` of the visible text: never
  parsed as markup, so ``[bold]`` stays literal and ``[/bold]`` cannot crash.
- :func:`md` — a markdown inline: visible, newlines as spaces, pipes and
  markdown punctuation backslash-escaped, HTML specials as entities (a table
  keeps its column count and ``<script>`` stays text).
- :func:`xml` — characters XML 1.0 forbids become visible escapes (the
  serializer escapes ``&<>"`` itself).
- :func:`csv_cell` — a text cell a spreadsheet would run as a formula (starting
  with ``= + - @``, tab or CR) gets a leading ``'`` (OWASP's advice); control
  characters other than tab, CR and LF become visible; numbers are untouched. The CSV
  writer quotes any field holding CR or LF (see ``render.machine.dump_csv``).
- :func:`html` — HTML element content or a quoted attribute: visible, ``& < > " '``
  as entities (the report).
- :func:`xlsx_text` — a workbook's text cell: visible, XML-safe, at most a cell's
  length; written with ``write_string``, so it is never a formula.
- JSON is data: strings go out as they are (the encoder escapes them).
"""

from __future__ import annotations

import re
from typing import Any

from csmodel.errors import printable


def visible(text: Any, *, keep: str = "") -> str:
    """``text`` with every control character shown as a visible escape (``\\x1b``, ``\\n``).

    ``keep`` names characters to leave as they are (``"\\n"`` for multi-line text).
    One definition for messages and outputs: :func:`csmodel.errors.printable`.
    """
    return printable(str(text), keep)


def rich_text(text: Any, style: str = "") -> Any:
    """A rich ``Text`` of user text: literal (no markup), control characters visible."""
    from rich.text import Text

    return Text(visible(text), style=style)


def rich_markup(text: Any) -> str:
    """User text made safe to embed in a rich markup string (escaped and visible)."""
    from rich.markup import escape

    return escape(visible(text))


_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#!])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md(text: Any) -> str:
    """User text as a markdown inline: one line, literal, safe inside a table cell."""
    one_line = re.sub(r"\r\n|\r|\n", " ", str(text))
    out = _MD_PUNCT.sub(r"\\\1", visible(one_line))
    return "".join(_HTML.get(ch, ch) for ch in out)


_XML_BAD = re.compile("[\ufffe\uffff]")


def xml(text: Any) -> str:
    """User text that an XML 1.0 document may hold: control characters other than tab and
    line breaks, surrogates and U+FFFE/U+FFFF made visible."""
    return _XML_BAD.sub(lambda m: ascii(m.group())[1:-1], visible(text, keep="\t\r\n"))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV/XLSX cell: text neutralised against formula injection; numbers as they are."""
    if not isinstance(value, str):
        return value
    text = visible(value, keep="\t\r\n")
    if value.startswith(_FORMULA_START):
        return "'" + text
    return text


_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_HTML_SPECIAL = re.compile("[&<>\"']")


def html(text: Any, *, keep: str = "") -> str:
    """User text for an HTML document, in element content or a quoted attribute:
    ``& < > " '`` as entities, control characters visible (``keep``: e.g. ``"\\n"`` for a
    ``<pre>`` block). ``<script>`` stays text, and no attribute can be closed early."""
    return _HTML_SPECIAL.sub(lambda m: _HTML_ESCAPES[m.group()], xml(visible(text, keep=keep)))


XLSX_MAX = 32_767
"""Most characters one Excel cell holds."""


def xlsx_text(text: Any) -> str:
    """A text cell of a workbook: control characters visible (tab and line breaks kept),
    characters XML 1.0 forbids escaped, cut to what a cell holds. The writer stores it as
    a string (``write_string``), so ``=cmd|...`` is data, never a formula."""
    out = xml(visible(text, keep="\t\r\n"))
    return out if len(out) <= XLSX_MAX else out[: XLSX_MAX - 1] + "…"

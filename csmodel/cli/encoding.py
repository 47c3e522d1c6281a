"""Text at the stream boundary: every character encodable, every control character visible.

Two things can go wrong between a finished ``str`` and the bytes a terminal,
pipe or log receives, and both are handled here, once, for every command:

- **The stream cannot encode a character.** Windows gives redirected output
  cp1252; ``PYTHONIOENCODING=ascii``, old terminals and some CI runners give
  ASCII. :func:`protect` installs the ``csmodel-standin`` error handler on
  ``sys.stdout`` / ``sys.stderr``: a character the stream cannot encode
  becomes an ASCII stand-in from :data:`STANDINS` (``→`` as ``->``, ``€`` as
  ``EUR ``, a chart block as ``#``), else a visible escape (``\\u2192``). It
  never raises. Rich picks ASCII table borders by itself when the stream's
  encoding is not UTF (``ConsoleOptions.ascii_only``).
- **Machine documents must stay exact.** A JSON or XML document on a stream
  that is not UTF-8 is made pure ASCII by :func:`ascii_document` with the
  format's own escapes (``\\u00e9`` in JSON strings, ``&#233;`` in XML), so it
  parses to the same text whatever the stream's encoding.

:func:`visible` shows control characters (C0, DEL, C1), bidirectional
overrides and lone surrogates in user text as escapes (``\\x1b``), so a file
or variant name cannot clear or retitle the terminal an error is printed on.
Files csmodel writes (``--output``, ``init``) are always UTF-8.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from typing import Any

HANDLER = "csmodel-standin"
"""Name of the codec error handler :func:`protect` installs."""

_BOX_LINES = {
    "-": "─━═╌╍┄┅┈┉╼╾",
    "|": "│┃║╎╏┆┇┊┋╽╿",
    "+": "┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛├┝┞┟┠┡┢┣┤┥┦┧┨┩┪┫┬┭┮┯┰┱┲┳┴┵┶┷┸┹┺┻┼┽┾┿╀╁╂╃╄╅╆╇╈╉╊╋"
    "╒╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡╢╣╤╥╦╧╨╩╪╫╬╭╮╯╰",
    "#": "▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▐▀░▒▓",
}

STANDINS: dict[str, str] = {
    # arrows and dashes
    "→": "->",
    "←": "<-",
    "↑": "^",
    "↓": "v",
    "⇒": "=>",
    "—": "-",
    "–": "-",
    "−": "-",
    "‐": "-",
    "‑": "-",
    # operators
    "×": "x",
    "÷": "/",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~",
    "±": "+/-",
    "…": "...",
    # bullets and chart markers (one character each: charts keep their columns)
    "·": "*",
    "•": "*",
    "●": "o",
    "◆": "+",
    "■": "=",
    "▲": "^",
    "✚": "x",
    "★": "*",
    "◉": "@",
    "▼": "v",
    "◀": "<",
    "▶": ">",
    # quotes and spaces
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    # currency signs
    "€": "EUR ",
    "£": "GBP ",
    "¥": "JPY ",
    "₹": "INR ",
    # Greek letters used in help and notes
    "κ": "kappa",
    "Δ": "delta",
    **{ch: ascii_ for ascii_, chars in _BOX_LINES.items() for ch in chars},
}
"""ASCII stand-ins for the non-ASCII characters csmodel's own output uses."""


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _standin(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    out = []
    for ch in bad:
        sub = STANDINS.get(ch)
        if sub is None or not _encodes(sub, exc.encoding):
            sub = _escape(ch)
        out.append(sub)
    return "".join(out), exc.end


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


codecs.register_error(HANDLER, _standin)


def for_encoding(text: str, encoding: str) -> str:
    """``text`` as a stream in ``encoding`` will show it: stand-ins and escapes applied.

    For renderers that lay text out by width (rich tables): apply it to cell text
    when ``options.encoding`` is not UTF, before measuring, so a stand-in wider than
    its character (``->`` for ``→``) keeps the columns aligned.
    """
    try:
        return text.encode(encoding, HANDLER).decode(encoding)
    except LookupError:  # an encoding Python does not know: leave it to the stream
        return text


_DEFAULT_HANDLERS = {"strict", "surrogateescape", "backslashreplace"}
"""Handlers Python picks by itself; one a user chose (``PYTHONIOENCODING=ascii:replace``) stays."""


def protect(stream: Any) -> None:
    """Make ``stream`` write stand-ins or escapes for what it cannot encode (never raise)."""
    errors = getattr(stream, "errors", None)
    if errors in _DEFAULT_HANDLERS and hasattr(stream, "reconfigure"):
        # closed, or a pending flush failed: the write that follows will say so
        with contextlib.suppress(ValueError, OSError):
            stream.reconfigure(errors=HANDLER)


def is_utf(stream: Any) -> bool:
    """Whether ``stream`` encodes every character (UTF-8/16/32)."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding.startswith("utf")


_NON_ASCII = re.compile("[^\x00-\x7f]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def ascii_document(text: str, kind: str | None = None) -> str | None:
    """A JSON or XML document as pure ASCII in the format's own escapes; None for other text.

    Non-ASCII characters only occur inside JSON strings (the syntax is ASCII),
    where ``\\uXXXX`` is the same character; in XML text and attribute values
    ``&#N;`` is. Other text (tables, markdown, CSV) is left to the stand-ins.
    ``kind`` names the format of a piece of a streamed document (``json``).
    """
    head = text.lstrip()[:5]
    if kind == "json" or (kind is None and head.startswith(("{", "["))):
        return _NON_ASCII.sub(_json_escape, text)
    if head.startswith("<?xml"):
        return _NON_ASCII.sub(lambda m: f"&#{ord(m.group())};", text)
    return None


def visible(text: str) -> str:
    """``text`` with control characters as escapes (``\\x1b``, ``\\n``): one harmless line.

    The one definition is ``csmodel.render.safe.visible``; messages use it as it is.
    """
    from csmodel.render.safe import visible as _visible

    return _visible(text)

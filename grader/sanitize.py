"""One cleaner for everything a student controls that the grader shows:
serial output, compiler output, file and folder names, notes built from
them. Applied before text reaches a terminal, a CSV, JUnit, Markdown or a
results.json.

Removed (each replaced by U+FFFD, so that something visibly was there):
- C0 controls but newline and tab, DEL, and the C1 controls (U+0080 to
  U+009F: U+009B is a terminal's CSI, as dangerous as ESC);
- carriage returns: CRLF becomes LF, and a CR alone becomes LF too (alone
  it sends the terminal back to the start of the line, to print over what
  a reader should see);
- the bidirectional controls (U+202A-202E embeddings and overrides,
  U+2066-2069 isolates, U+200E/200F marks, U+061C), which reorder what a
  reader sees ("Trojan Source").
Bytes that are not UTF-8 in file names (Python's surrogate escapes) become
the text \\xNN; other lone surrogates, U+FFFD.
"""

import re

BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI + "]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(m):
    c = ord(m.group())
    return f"\\x{c - 0xdc00:02x}" if 0xdc80 <= c <= 0xdcff else "\ufffd"


def text(s):
    """Multi-line text: newlines and tabs stay."""
    s = str(s)
    if _SURROGATE.search(s):
        s = _SURROGATE.sub(_surrogate, s)
    return _BAD.sub("\ufffd", s.replace("\r\n", "\n").replace("\r", "\n"))


def line(s):
    """One line (a name, a table cell): newlines and tabs go too."""
    return text(s).replace("\n", "\ufffd").replace("\t", " ")


def raw(data):
    """Bytes from a program -> clean text (bad UTF-8 becomes U+FFFD)."""
    return text(data.decode("utf-8", errors="replace"))


def tree(obj):
    """text() on every string of a JSON-like structure (keys too)."""
    if isinstance(obj, str):
        return text(obj)
    if isinstance(obj, dict):
        return {tree(k): tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [tree(v) for v in obj]
    return obj


def is_clean(s):
    """True when text() would change nothing (tests use it)."""
    return text(s) == s


def error(e):
    """An exception as the grader words it in a note: its type, and its
    message when it has one (a MemoryError has none)."""
    msg = str(e)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__

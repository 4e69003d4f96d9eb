"""Strict CSV: every field with its line and column, every malformed row refused.

Python's ``csv`` module forgives too much (a stray quote becomes data, a short row is
just short) and loses positions, so this reader tokenizes RFC 4180 itself: fields are
separated by commas, records by LF or CRLF, a quoted field may hold commas, newlines and
doubled quotes. An unterminated quote, text after a closing quote or a quote inside an
unquoted field is an error naming the file, line and column.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kg.errors import ImportFileError, Loc

_QUOTED = re.compile(r'"((?:[^"]|"")*)"')
_PLAIN = re.compile(r'[^,"\r\n]*')
BOMS = ("\ufeff", "\u00ef\u00bb\u00bf")  # a BOM as UTF-8 text, and UTF-8 BOM bytes read as Latin-1


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record: its first line, its fields and the offset where each starts."""

    line: int
    fields: tuple[str, ...]
    offsets: tuple[int, ...]


class Text:
    """Text with a line index, so an offset can be turned into line and column."""

    def __init__(self, name: str, text: str, *, first_line: int = 1) -> None:
        self.name = name
        self.text = text
        self.first_line = first_line
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def loc(self, offset: int) -> Loc:
        index = bisect.bisect_right(self._starts, offset) - 1
        return Loc(self.name, self.first_line + index, offset - self._starts[index] + 1)

    def error(self, offset: int, message: str, value: object = None) -> ImportFileError:
        return ImportFileError(self.loc(offset), message, value)


def strip_bom(text: str) -> str:
    for bom in BOMS:
        if text.startswith(bom):
            return text[len(bom):]
    return text


def _field(src: Text, pos: int) -> tuple[str, int]:
    """The field starting at ``pos`` and the offset just after it."""
    text = src.text
    if text.startswith('"', pos):
        m = _QUOTED.match(text, pos)
        if m is None:
            raise src.error(pos, "unterminated quoted field (no closing quote before the end "
                                 "of the file)")
        return m.group(1).replace('""', '"'), m.end()
    m = _PLAIN.match(text, pos)
    assert m is not None  # the pattern matches the empty string
    if text.startswith('"', m.end()):
        raise src.error(m.end(), "quote inside an unquoted field", m.group())
    return m.group(), m.end()


def rows(src: Text) -> Iterator[Row]:
    """The records of ``src``, each checked for quoting; see :func:`check_width`."""
    text, pos, end = src.text, 0, len(src.text)
    while pos < end:
        fields: list[str] = []
        offsets: list[int] = []
        while True:
            offsets.append(pos)
            value, pos = _field(src, pos)
            fields.append(value)
            if text.startswith(",", pos):
                pos += 1
                continue
            if pos < end and not text.startswith(("\n", "\r\n"), pos):
                raise src.error(pos, "unexpected character after a field", text[pos])
            break
        yield Row(src.loc(offsets[0]).line, tuple(fields), tuple(offsets))
        pos += 2 if text.startswith("\r\n", pos) else 1


def check_width(src: Text, row: Row, width: int) -> None:
    """Refuse a ragged row: point at its first extra comma, or at its end when short."""
    n = len(row.fields)
    if n != width:
        where = row.offsets[width] - 1 if n > width else row.offsets[-1] + len(row.fields[-1])
        raise src.error(where, f"row has {n} field(s) where the header has {width}")

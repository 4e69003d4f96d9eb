"""Strict CSV: every field with its line and column, every malformed row refused.

Python's ``csv`` module forgives too much (a stray quote becomes data, a short row is
just short) and loses positions, so this reader tokenizes RFC 4180 itself: fields are
separated by commas, records by LF or CRLF, a quoted field may hold commas, newlines and
doubled quotes. An unterminated quote, text after a closing quote or a quote inside an
unquoted field is an error naming the file, line and column. A line without quotes (most
of them) is split with ``str.split``; only quoted lines go through the tokenizer.

:func:`joined_rows` repairs what exports really contain: a row cut in two by a raw line
break inside a free-text field (SIPRI's own exports have some, in Comments). A short row
is joined with the lines after it only when they complete it exactly, and the break fell
in a text column; anything else is refused.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from kg.core.errors import ImportFileError, Issue, Loc, Severity

_QUOTED = re.compile(r'"((?:[^"]|"")*)"')
_PLAIN = re.compile(r'[^,"\r\n]*')


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record: its first and last line, its fields and where it starts.

    ``explicit`` holds each field's offset when the tokenizer read the row (quotes shift
    them); for a plain row they follow from the field lengths, computed only when asked.
    """

    line: int
    fields: tuple[str, ...]
    start: int
    last_line: int
    explicit: tuple[int, ...] | None = None

    @property
    def offsets(self) -> tuple[int, ...]:
        """The offset in the text where each field starts."""
        if self.explicit is not None:
            return self.explicit
        out = [self.start]
        for f in self.fields[:-1]:
            out.append(out[-1] + len(f) + 1)
        return tuple(out)

    @property
    def lines(self) -> str:
        """How a citation names the row: ``line 14``, or ``lines 14-15`` when it was split."""
        if self.last_line == self.line:
            return f"line {self.line}"
        return f"lines {self.line}-{self.last_line}"


class Text:
    """Text with a line index, so an offset can be turned into line and column."""

    def __init__(self, name: str, text: str, *, first_line: int = 1) -> None:
        self.name = name
        self.text = text
        self.first_line = first_line
        self._starts: list[int] | None = None

    def loc(self, offset: int) -> Loc:
        if self._starts is None:  # only errors and warnings need it
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        index = bisect.bisect_right(self._starts, offset) - 1
        return Loc(self.name, self.first_line + index, offset - self._starts[index] + 1)

    def error(self, offset: int, message: str, value: object = None) -> ImportFileError:
        return ImportFileError(self.loc(offset), message, value)

    def issue(self, offset: int, message: str, value: object = None, *,
              warning: bool = False) -> Issue:
        return Issue(self.loc(offset), message, value,
                     Severity.WARNING if warning else Severity.ERROR, code="import")


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


def _quoted_row(src: Text, pos: int) -> tuple[list[str], list[int], int]:
    """The tokenizer: fields and offsets of the record at ``pos``, and where it ends."""
    text, end = src.text, len(src.text)
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
        return fields, offsets, pos


def rows(src: Text) -> Iterator[Row]:
    """The records of ``src``, each checked for quoting; see :func:`joined_rows` for width."""
    text, end, first = src.text, len(src.text), src.first_line
    lines = text.split("\n")
    i, pos, count = 0, 0, len(lines)
    while i < count and pos < end:
        line = lines[i]
        if '"' not in line:
            body = line[:-1] if line.endswith("\r") else line
            yield Row(first + i, tuple(body.split(",")), pos, first + i)
            pos += len(line) + 1
            i += 1
            continue
        fields, offsets, stop = _quoted_row(src, pos)
        spanned = text.count("\n", pos, stop)
        yield Row(first + i, tuple(fields), pos, first + i + spanned, tuple(offsets))
        pos = stop + (2 if text.startswith("\r\n", stop) else 1)
        i += spanned + 1


def width_error(src: Text, row: Row, width: int, why: str = "") -> Issue:
    """A ragged row: point at its first extra comma, or at its end when short."""
    n = len(row.fields)
    where = row.offsets[width] - 1 if n > width else row.offsets[-1] + len(row.fields[-1])
    return src.issue(where, f"row has {n} field(s) where the header has {width}{why}")


def _join(parts: Sequence[Row]) -> Row:
    fields: list[str] = list(parts[0].fields)
    offsets: list[int] = list(parts[0].offsets)
    for part in parts[1:]:
        fields[-1] = f"{fields[-1].rstrip()} {part.fields[0].lstrip()}".strip()
        fields += part.fields[1:]
        offsets += part.offsets[1:]
    return Row(parts[0].line, tuple(fields), offsets[0], parts[-1].last_line, tuple(offsets))


NOT_REPAIRED = " (not repaired: the lines after it do not complete it)"


def joined_rows(src: Text, records: Iterator[Row], header: Sequence[str],
                text_columns: Collection[int], issues: list[Issue]) -> Iterator[Row]:
    """Rows of the header's width; split rows repaired (a warning each), the rest reported.

    A row short of the header's width is joined with the lines after it when, together,
    they have exactly the header's width and each break falls in one of ``text_columns``
    (the joined pieces are separated by a space). A row that stays short or grows too
    wide, a row too wide, are errors in ``issues``; blank lines are skipped.
    """
    width = len(header)
    pending: list[Row] = []

    def fields(parts: Sequence[Row]) -> int:
        return sum(len(p.fields) for p in parts) - len(parts) + 1

    def give_up() -> None:
        if pending:
            issues.append(width_error(src, _join(pending), width, NOT_REPAIRED))
            pending.clear()

    for row in records:
        n = len(row.fields)
        if not pending and n == 1 and row.fields[0].strip() == "":
            continue
        if n == width and not pending:
            yield row
            continue
        if pending:
            joined = [*pending, row]
            total = fields(joined)
            if total <= width and fields(pending) - 1 in text_columns:
                if total < width:
                    pending.append(row)
                    continue
                repaired = _join(joined)
                breaks = ", ".join(str(p.last_line) for p in pending)
                columns = sorted({header[fields(joined[:i]) - 1]
                                  for i in range(1, len(joined))})
                issues.append(src.issue(
                    pending[0].offsets[0], f"row split by a line break inside "
                    f"{' and '.join(columns)} (after line {breaks}): joined as one deal, "
                    f"cited as {repaired.lines}", warning=True))
                pending.clear()
                yield repaired
                continue
            give_up()
        if n < width:
            pending.append(row)
        elif n > width:
            issues.append(width_error(src, row, width))
        else:
            yield row
    give_up()

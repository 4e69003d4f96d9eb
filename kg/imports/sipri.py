"""The SIPRI Arms Transfers Database trade register, read strictly.

The layout read here is SIPRI's "trade register" CSV export: Latin-1 text, a preamble
whose last line is ``Data generated: 13 Mar 2025 10:02:49 AM`` (SIPRI writes
three-letter months; full month names are read too), then the header
:data:`HEADER` (three unnamed ``" "`` columns hold ``?`` when the value before them is
uncertain), then one row per deal. Any other layout (SIPRI also exports one row per
delivery year with a deal id) is refused with the header expected and the header found.

What real exports contain is read as meant: a re-saved UTF-8 file (with or without a
byte-order mark) is decoded as UTF-8 (:mod:`kg.imports.textfile`); a row split by a raw
line break inside Comments is joined again, cited by its original lines and reported as a
warning (:func:`kg.imports.csvread.joined_rows`); SIPRI's footnote marks after a party
name (``*`` non-state actor, ``**`` international organization) are kept as a flag, not
in the name. Control characters in a field are refused with their position. Every row is
checked before anything is returned, and every problem of the file is reported at once
(a :class:`kg.core.errors.DataError`), so a file is never half-read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg.core.errors import DataError, ImportFileError, Issue, Loc
from kg.imports.csvread import Row, Text, joined_rows, rows
from kg.imports.textfile import MAX_IMPORT_BYTES, decode_text, read_import_bytes

LAYOUT = "SIPRI trade register (one row per deal)"
HEADER = ("Recipient", "Supplier", "Year of order", " ", "Number ordered", " ",
          "Weapon designation", "Weapon description", "Number delivered", " ",
          "Year(s) of delivery", "status", "Comments", "SIPRI TIV per unit",
          "SIPRI TIV for total order", "SIPRI TIV of delivered weapons")
GENERATED_PREFIX = "Data generated:"
GENERATED_FORMATS = ("%d %b %Y %I:%M:%S %p", "%d %B %Y %I:%M:%S %p")  # "Mar" or "March"
GENERATED_PATTERN = ("'D Mon YYYY H:MM:SS AM' or 'PM', the month as three letters or in full "
                     "(SIPRI writes '13 Mar 2025 10:02:49 AM')")
MAX_PREAMBLE = 40


@dataclass(frozen=True, slots=True)
class Deal:
    """One row of the register. ``None`` means SIPRI left the field empty (not known)."""

    line: int
    recipient: str
    supplier: str
    order_year: int | None
    order_year_uncertain: bool
    number_ordered: int | None
    number_ordered_uncertain: bool
    designation: str
    description: str
    number_delivered: int | None
    number_delivered_uncertain: bool
    delivery_years: tuple[int, ...]
    status: str
    comments: str
    tiv_per_unit: Decimal | None
    tiv_total: Decimal | None
    tiv_delivered: Decimal | None
    last_line: int = 0  # the row's last line when a line break split it, else ``line``
    recipient_mark: str = ""  # SIPRI's footnote mark after the name: "*" or "**"
    supplier_mark: str = ""

    @property
    def lines(self) -> str:
        """How a citation names the row: ``line 14``, or ``lines 14-15`` for a split row."""
        if self.last_line <= self.line:
            return f"line {self.line}"
        return f"lines {self.line}-{self.last_line}"

    def key(self) -> tuple[str, ...]:
        """Every field as text: what identifies the deal when nothing else does."""
        return (self.recipient, self.supplier, str(self.order_year), self.designation,
                self.description, str(self.number_ordered), str(self.number_delivered),
                ";".join(map(str, self.delivery_years)), self.status, self.comments,
                str(self.tiv_per_unit), str(self.tiv_total), str(self.tiv_delivered),
                str(self.order_year_uncertain), str(self.number_ordered_uncertain),
                str(self.number_delivered_uncertain), self.recipient_mark, self.supplier_mark)


@dataclass(frozen=True, slots=True)
class Register:
    """A whole export: where it came from, when SIPRI generated it, and its deals."""

    path: str
    layout: str
    title: str
    generated: datetime
    deals: tuple[Deal, ...]
    encoding: str = "Latin-1"
    sha256: str = ""
    warnings: tuple[Issue, ...] = ()  # each repair of a split row


TEXT_COLUMNS = (6, 7, 12)  # designation, description, Comments: where a line break can fall
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
_MARK = re.compile(r"(.*?)\s*(\*{1,2})")


def read_register(path: Path | str, *, limit: int = MAX_IMPORT_BYTES) -> Register:
    """Read a trade-register export; raise ImportFileError (file:line:col) when the file is
    not one, or DataError listing every bad row (and the warnings) when rows are bad."""
    name = str(path)
    raw = read_import_bytes(path, limit=limit)
    text, encoding = decode_text(name, raw)
    lines = text.split("\n", MAX_PREAMBLE + 1)
    generated_at = next((i for i, line in enumerate(lines[:MAX_PREAMBLE])
                         if line.startswith(GENERATED_PREFIX)), None)
    if generated_at is None:
        first = lines[0].rstrip("\r")  # decoded as the file is (decode_text), BOM gone
        raise ImportFileError(Loc(name, 1, 1), f"not a {LAYOUT} export: expected a preamble "
                              f"ending with a line {GENERATED_PREFIX!r}; found first line",
                              first[:120])
    generated = _generated(name, generated_at + 1, lines[generated_at].rstrip("\r"))
    body_offset = sum(len(line) + 1 for line in lines[:generated_at + 1])
    src = Text(name, text[body_offset:], first_line=generated_at + 2)
    records = rows(src)
    header = next(records, None)
    if header is None or header.fields != HEADER:
        found = "end of file" if header is None else ",".join(header.fields)
        raise ImportFileError(Loc(name, generated_at + 2, 1),
                              f"unknown layout: expected the {LAYOUT} header "
                              f"{','.join(HEADER)!r}; found {found!r}")
    issues: list[Issue] = []
    controls = _CONTROL.search(src.text) is not None
    deals = []
    seen: dict[tuple[int, str], object] = {}
    try:
        for row in joined_rows(src, records, HEADER, TEXT_COLUMNS, issues):
            try:
                if controls:
                    _controls(src, row, encoding)
                deals.append(_deal(src, row, seen))
            except ImportFileError as exc:
                issues.append(exc.issue())
    except ImportFileError as exc:  # broken quoting: the rest of the file cannot be split
        issues.append(exc.issue())
    if any(i.is_error for i in issues):
        raise DataError(issues)
    title = lines[0].strip()
    return Register(name, LAYOUT, title, generated, tuple(deals), encoding,
                    hashlib.sha256(raw).hexdigest(), tuple(issues))


def _controls(src: Text, row: Row, encoding: str) -> None:
    for i, value in enumerate(row.fields):
        m = _CONTROL.search(value)
        if m is None:
            continue
        quoted = src.text.startswith('"', row.offsets[i])
        offset = row.offsets[i] + int(quoted) + value.count('"', 0, m.start()) * int(quoted)
        char = m.group()
        hint = (" (a Windows-1252 byte read as Latin-1? re-save the file as UTF-8)"
                if encoding == "Latin-1" and "\x80" <= char <= "\x9f" else "")
        raise src.error(offset + m.start(), f"control character U+{ord(char):04X} in "
                        f"{_column(i)}{hint}", value)


def _column(i: int) -> str:
    return HEADER[i] if HEADER[i].strip() else f"the uncertainty column after {HEADER[i - 1]}"


def _generated(name: str, line: int, text: str) -> datetime:
    value = " ".join(text[len(GENERATED_PREFIX):].split())
    for fmt in GENERATED_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ImportFileError(Loc(name, line, len(GENERATED_PREFIX) + 2),
                          f"generation date must be {GENERATED_PATTERN}", value)


def _flag(src: Text, row: Row, i: int) -> bool:
    value = row.fields[i]
    if value not in ("", "?"):
        raise src.error(row.offsets[i], "uncertainty column must be empty or '?'", value)
    return value == "?"


def _int(src: Text, row: Row, i: int) -> int | None:
    value = row.fields[i]
    if value == "":
        return None
    if not value.isascii() or not value.isdigit():
        raise src.error(row.offsets[i], f"{HEADER[i]} must be a whole number", value)
    return int(value)


def _decimal(src: Text, row: Row, i: int) -> Decimal | None:
    value = row.fields[i]
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or "e" in value.lower():
        raise src.error(row.offsets[i], f"{HEADER[i]} must be a decimal number", value)
    return number


def _years(src: Text, row: Row, i: int) -> tuple[int, ...]:
    value = row.fields[i]
    if value == "":
        return ()
    years = []
    for part in value.split("; "):
        if len(part) != 4 or not part.isascii() or not part.isdigit():
            raise src.error(row.offsets[i], "delivery years must be '; '-separated years",
                            value)
        years.append(int(part))
    return tuple(years)


def _text(src: Text, row: Row, i: int, *, required: bool = False) -> str:
    value = row.fields[i].strip()
    if required and not value:
        raise src.error(row.offsets[i], f"{HEADER[i]} is empty")
    return value


def _party(src: Text, row: Row, i: int) -> tuple[str, str]:
    """A party name without SIPRI's footnote mark, and the mark."""
    value = _text(src, row, i, required=True)
    m = _MARK.fullmatch(value)
    if m is None:
        return value, ""
    if not m.group(1):
        raise src.error(row.offsets[i], f"{HEADER[i]} is only a footnote mark", value)
    return m.group(1), m.group(2)


def _order_year(src: Text, row: Row, i: int) -> int | None:
    year = _int(src, row, i)
    if year is not None and not 1900 <= year <= 2100:
        raise src.error(row.offsets[i], "Year of order is not a plausible year", row.fields[i])
    return year


def _required(src: Text, row: Row, i: int) -> str:
    return _text(src, row, i, required=True)


_Parser = Callable[[Text, Row, int], object]
# Each column's reader, in HEADER order. Values repeat (years, counts, TIVs, names), so
# each distinct text of a column is read once per file (:func:`_deal`).
_PARSERS: tuple[_Parser, ...] = (
    _party, _party, _order_year, _flag, _int, _flag, _required, _text, _int, _flag, _years,
    _text, _text, _decimal, _decimal, _decimal)
_MISSING = object()


def _deal(src: Text, row: Row, seen: dict[tuple[int, str], object]) -> Deal:
    """The deal of ``row``; ``seen`` holds what each column's texts read as so far."""
    values: list[Any] = []
    add = values.append
    for i, (parse, text) in enumerate(zip(_PARSERS, row.fields, strict=True)):
        if i == 12:  # Comments: nearly all distinct
            add(text.strip())
            continue
        value = seen.get((i, text), _MISSING)
        if value is _MISSING:
            value = seen[i, text] = parse(src, row, i)
        add(value)
    (recipient, recipient_mark), (supplier, supplier_mark) = values[0], values[1]
    (order_year, order_year_uncertain, number_ordered, number_ordered_uncertain, designation,
     description, number_delivered, number_delivered_uncertain, delivery_years, status,
     comments, tiv_per_unit, tiv_total, tiv_delivered) = values[2:]
    return Deal(row.line, recipient, supplier, order_year, order_year_uncertain,
                number_ordered, number_ordered_uncertain, designation, description,
                number_delivered, number_delivered_uncertain, delivery_years, status, comments,
                tiv_per_unit, tiv_total, tiv_delivered, row.last_line, recipient_mark,
                supplier_mark)

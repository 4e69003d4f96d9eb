"""The SIPRI Arms Transfers Database trade register, read strictly.

The layout read here is SIPRI's "trade register" CSV export: Latin-1 text, a preamble
whose last line is ``Data generated: 13 Mar 2025 10:02:49 AM`` (SIPRI writes
three-letter months; full month names are read too), then the header
:data:`HEADER` (three unnamed ``" "`` columns hold ``?`` when the value before them is
uncertain), then one row per deal. Any other layout (SIPRI also exports one row per
delivery year with a deal id) is refused with the header expected and the header found.
Every value is checked before anything is returned, so a file is never half-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.errors import ImportFileError, Loc
from kg.imports.csvread import Row, Text, check_width, rows, strip_bom

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

    def key(self) -> tuple[str, ...]:
        """Every field as text: what identifies the deal when nothing else does."""
        return (self.recipient, self.supplier, str(self.order_year), self.designation,
                self.description, str(self.number_ordered), str(self.number_delivered),
                ";".join(map(str, self.delivery_years)), self.status, self.comments,
                str(self.tiv_per_unit), str(self.tiv_total), str(self.tiv_delivered),
                str(self.order_year_uncertain), str(self.number_ordered_uncertain),
                str(self.number_delivered_uncertain))


@dataclass(frozen=True, slots=True)
class Register:
    """A whole export: where it came from, when SIPRI generated it, and its deals."""

    path: str
    layout: str
    title: str
    generated: datetime
    deals: tuple[Deal, ...]


def read_register(path: Path | str) -> Register:
    """Read a trade-register export; raise ImportFileError (file:line:col) on any flaw."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(Loc(name), f"cannot read: {exc.strerror}") from exc
    text = strip_bom(raw.decode("latin-1"))
    lines = text.split("\n", MAX_PREAMBLE + 1)
    generated_at = next((i for i, line in enumerate(lines[:MAX_PREAMBLE])
                         if line.startswith(GENERATED_PREFIX)), None)
    if generated_at is None:
        first = lines[0].rstrip("\r")
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
    width = len(HEADER)
    deals = []
    for row in records:
        check_width(src, row, width)
        deals.append(_deal(src, row))
    title = lines[0].strip()
    return Register(name, LAYOUT, title, generated, tuple(deals))


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


def _deal(src: Text, row: Row) -> Deal:
    year = _int(src, row, 2)
    if year is not None and not 1900 <= year <= 2100:
        raise src.error(row.offsets[2], "Year of order is not a plausible year", row.fields[2])
    return Deal(
        line=row.line,
        recipient=_text(src, row, 0, required=True),
        supplier=_text(src, row, 1, required=True),
        order_year=year,
        order_year_uncertain=_flag(src, row, 3),
        number_ordered=_int(src, row, 4),
        number_ordered_uncertain=_flag(src, row, 5),
        designation=_text(src, row, 6, required=True),
        description=_text(src, row, 7),
        number_delivered=_int(src, row, 8),
        number_delivered_uncertain=_flag(src, row, 9),
        delivery_years=_years(src, row, 10),
        status=_text(src, row, 11),
        comments=_text(src, row, 12),
        tiv_per_unit=_decimal(src, row, 13),
        tiv_total=_decimal(src, row, 14),
        tiv_delivered=_decimal(src, row, 15),
    )

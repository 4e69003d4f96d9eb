"""Curated dates: ISO year, year-month or day, or a fiscal year written as such (FY2023).

A date keeps its precision: "2018-01" is a month, not the first of January. For
comparisons ("as of" a day) every date also gives the first and last day it may mean.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    FISCAL_YEAR = "fiscal-year"


@dataclass(frozen=True, slots=True)
class KGDate:
    text: str
    precision: Precision
    earliest: date
    latest: date

    def __str__(self) -> str:
        return self.text


class DateError(ValueError):
    """The text is not a date kg accepts; the message says why and what to write."""


# ASCII digits only: \d would take fullwidth or Arabic-Indic digits (ill-typed literals).
_ISO = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_FISCAL = re.compile(r"FY([0-9]{4})")
_SLASHED = re.compile(r"[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}")


def parse_date(text: str) -> KGDate:
    """Parse a curated date, refusing malformed, impossible and ambiguous ones."""
    text = text.strip()
    fiscal = _FISCAL.fullmatch(text)
    if fiscal:
        year = int(fiscal.group(1))
        if not 2 <= year <= 9998:  # its span must stay within 0001-01-01 .. 9999-12-31
            raise DateError("fiscal year out of range: write FY0002 to FY9998")
        # Fiscal years differ by country (Japan: April-March; US: October-September):
        # the widest span any of them may cover.
        return KGDate(text, Precision.FISCAL_YEAR, date(year - 1, 10, 1), date(year + 1, 3, 31))
    if _SLASHED.fullmatch(text):
        raise DateError("ambiguous date: write it as ISO YYYY-MM-DD")
    iso = _ISO.fullmatch(text)
    if not iso:
        raise DateError("not a date: write YYYY, YYYY-MM, YYYY-MM-DD or FY2023")
    year = int(iso.group(1))
    if year < 1:
        raise DateError("year 0000 does not exist")
    if iso.group(2) is None:
        return KGDate(text, Precision.YEAR, date(year, 1, 1), date(year, 12, 31))
    month = int(iso.group(2))
    if not 1 <= month <= 12:
        raise DateError(f"month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if iso.group(3) is None:
        return KGDate(text, Precision.MONTH, date(year, month, 1), date(year, month, last))
    day = int(iso.group(3))
    if not 1 <= day <= last:
        raise DateError(f"day {day} does not exist in {year}-{month:02d}")
    exact = date(year, month, day)
    return KGDate(text, Precision.DAY, exact, exact)

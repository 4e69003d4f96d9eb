"""CSV cells that a spreadsheet will not run as formulas.

Imported values reach query results unchanged, and a CSV opened in a spreadsheet runs a
cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)``,
``=cmd|...``); a leading tab or carriage return hides such a start from some checks.
:func:`protect` prefixes those cells with an apostrophe, which spreadsheets show as
text (the OWASP advice for CSV injection). A plain number (``-5``, ``+1.5e3``) is left
as it is: it cannot run anything. ``kg query --format csv`` protects by default;
``--raw-csv`` writes the values exactly (for programs, which see the apostrophe).
"""

from __future__ import annotations

import re

#: What starts a formula, or hides its start.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def protect(cell: str) -> str:
    """``cell``, with an apostrophe in front when a spreadsheet would read a formula."""
    if cell.startswith(TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell

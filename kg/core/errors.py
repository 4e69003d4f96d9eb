"""Errors and problems. Every user-facing problem carries where it is and what it is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True, order=True)
class Loc:
    """A position in a data file: 1-based line and column, as editors count them."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the data: an error stops the build, a warning does not."""

    loc: Loc
    message: str
    value: object = None
    severity: Severity = Severity.ERROR
    code: str = "invalid"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        text = f"{self.loc}: {self.severity.value}: {self.message}"
        if self.value is not None:
            text += f": {self.value!r}"
        return text


_new = object.__new__
_set_file, _set_line, _set_col = (Loc.__dict__[name].__set__ for name in Loc.__slots__)
_set_issue = tuple(Issue.__dict__[name].__set__ for name in Issue.__slots__)


def make_loc(file: str, line: int, col: int) -> Loc:
    """``Loc(file, line, col)`` in half the time: the slots are set without the frozen
    dataclass's ``__init__`` (which goes through ``object.__setattr__``). For the hot
    paths: the YAML reader's every node, the cache's entries (tests check the results
    equal the constructor's)."""
    loc: Loc = _new(Loc)
    _set_file(loc, file)
    _set_line(loc, line)
    _set_col(loc, col)
    return loc


def make_issue(loc: Loc, message: str, value: object, severity: Severity, code: str) -> Issue:
    """``Issue(loc, message, value, severity, code)``, as :func:`make_loc` makes a Loc."""
    issue: Issue = _new(Issue)
    set_loc, set_message, set_value, set_severity, set_code = _set_issue
    set_loc(issue, loc)
    set_message(issue, message)
    set_value(issue, value)
    set_severity(issue, severity)
    set_code(issue, code)
    return issue


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in file, line and column order, errors before warnings at one place."""
    def key(i: Issue) -> tuple[str, int, int, bool, str]:  # Loc's own order, as plain values
        loc = i.loc
        return (loc.file, loc.line, loc.col, i.severity is not Severity.ERROR, i.message)

    return sorted(issues, key=key)


class KGError(Exception):
    """Base of every error kg raises on purpose; its message is fit to show a user."""


class DataError(KGError):
    """The curated data has errors; ``issues`` lists all of them (warnings too)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        errors = [i for i in self.issues if i.is_error]
        lines = "\n".join(str(i) for i in errors)
        super().__init__(f"{len(errors)} error(s) in the data:\n{lines}")


class QueryError(KGError):
    """A SPARQL query could not be parsed, is not allowed, or failed."""


class OutputError(KGError):
    """An output could not be written; the previous output is left as it was."""


class QueryTimeout(QueryError):
    """A SPARQL query ran past its time limit and was stopped; no partial result is given."""


class QueryTooLarge(QueryError):
    """A SPARQL query's result exceeds the row limit; no truncated result is given."""


class StoreError(KGError):
    """A remote SPARQL store could not be reached or refused an operation."""


class ReadOnlyError(QueryError):
    """An update (INSERT, DELETE, LOAD, CLEAR...) was sent where the graph is read-only."""


class ImportFileError(KGError):
    """A file to import (a CSV export, an RDF file, the project config) cannot be read.

    The message starts with ``file:line:col`` where a position is known.
    """

    def __init__(self, loc: Loc, message: str, value: object = None) -> None:
        self.loc = loc
        self.message = message
        self.value = value
        text = f"{loc}: {message}"
        if value is not None:
            text += f": {value!r}"
        super().__init__(text)

    def issue(self) -> Issue:
        """The error as an Issue, to be reported with others (``kg check``)."""
        return Issue(self.loc, self.message, self.value, code="import")

"""The vetting of a user's query: what is refused before any engine evaluates it.

Nothing a query says may reach the network or the file system: SERVICE, FROM / FROM
NAMED and updates (LOAD among them) are refused here, with the line and column; and so
is a query nested deeper than either engine can parse (:func:`refuse_deep`).

The text as kg vets it is the text every engine runs (:func:`normalize`).
Two engines tokenize the same text, and a vetting is worth only as much as their
agreement. SPARQL ends a comment at a carriage return or a line feed; rdflib's parser
ends it at a line feed only, Oxigraph at either, so ``# x\\rSERVICE <...>`` was a comment
to the vetting and a call to Oxigraph. :func:`normalize` gives both the same line ends,
and :func:`refuse_service` refuses the shape of a SERVICE call anywhere in the text
(comments and strings included, with and without ``\\u`` escapes decoded, in any case),
before any parser sees it: a refusal a user can read beats a vetting that must agree
with every tokenizer. The process that evaluates is denied the network as well
(kg.sparql.netguard).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kg.core.errors import QueryError, ReadOnlyError
from kg.core.prefixes import PREFIXES

if TYPE_CHECKING:  # pragma: no cover  (rdflib's parser is imported by prepare, when used)
    from pyparsing import ParseException
    from rdflib.plugins.sparql.sparql import Query

#: SERVICE, optionally SILENT, then what names an endpoint: an IRI, a variable or a
#: prefixed name.
_SERVICE_CALL = re.compile(r"SERVICE\s*(?:SILENT\s*)?(?:<|[?$]|[^\W\d]?[\w.-]*:)",
                           re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def normalize(sparql: str) -> str:
    """``sparql`` with every line end (CR LF, a bare CR) as one line feed."""
    return sparql.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(text: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(char, text)


def refuse_service(sparql: str) -> None:
    """Raise QueryError, with its line and column, where the text has a SERVICE call's
    shape, even in a comment or a string, or spelt with ``\\u`` escapes."""
    text = normalize(sparql)
    for candidate in (text, _decoded(text)):
        match = _SERVICE_CALL.search(candidate)
        if match is None:
            continue
        line = candidate.count("\n", 0, match.start()) + 1
        column = match.start() - (candidate.rfind("\n", 0, match.start()) + 1) + 1
        where = f"line {line}, column {column}" if candidate is text else "once its \\u " \
            "escapes are decoded"
        raise QueryError(f"SERVICE is not allowed: queries never reach the network "
                         f"(found {match.group(0)!r} at {where}; kg refuses it in comments "
                         "and strings too)")


#: The deepest nesting of brackets a query may have: rdflib's parser runs out of Python's
#: recursion limit at about 200 nested groups, and Oxigraph's overflows the stack of the
#: process at about 3,000 (a crash, not an error); queries people write nest a few deep.
MAX_NESTING = 100
_BRACKET = re.compile(r"[{}()\[\]]")


def refuse_deep(sparql: str) -> None:
    """Raise QueryError, with the line and column, where brackets (``{ ( [``, counted in
    strings too; comment lines aside) nest more than :data:`MAX_NESTING` deep."""
    depth = 0
    for number, line in enumerate(normalize(sparql).split("\n"), start=1):
        if line.lstrip(" \t").startswith("#"):
            continue
        for match in _BRACKET.finditer(line):
            depth += 1 if match.group() in "{([" else -1
            if depth > MAX_NESTING:
                raise QueryError(f"the query is nested too deeply to parse: more than "
                                 f"{MAX_NESTING} levels of brackets (kg's limit) at line "
                                 f"{number}, column {match.start() + 1}")


def _position(text: str, exc: ParseException) -> str:
    return f"line {exc.lineno}, column {exc.col}"


def prepare(sparql: str) -> Query:
    """Parse and vet a query; raise QueryError with line and column when it is refused.

    The text is vetted and parsed with its line ends normalised
    (:func:`kg.sparql.vetting.normalize`), as every engine runs it."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    refuse_service(sparql)
    sparql = normalize(sparql)
    try:
        tree = parseQuery(sparql)
    except ParseException as exc:
        try:
            parseUpdate(sparql)
        except ParseException:
            raise QueryError(f"SPARQL syntax error at {_position(sparql, exc)}: {exc.msg}") \
                from None
        raise ReadOnlyError("updates (INSERT, DELETE, LOAD, CLEAR...) are not allowed: "
                            "the graph is read-only") from None
    # rdflib 7.0 gives every ASK an empty datasetClause; later releases leave it out.
    if "datasetClause" in tree[1] and len(tree[1]["datasetClause"]) > 0:
        raise QueryError("FROM and FROM NAMED are not allowed: queries run over the built graph")
    query = prepareQuery(sparql, initNs=PREFIXES)
    if _has_service(query.algebra):
        raise QueryError("SERVICE is not allowed: queries never reach the network")
    return query


#: Words that, outside a comment line and kg's prefixed names, send a query to the full
#: vetting by :func:`prepare`: anywhere, even inside a longer word ("address").
_VET_WORDS = re.compile(r"\\[uU]|SERVICE|FROM|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|"
                        r"CREATE|DROP|COPY|MOVE|ADD|WITH|USING", re.IGNORECASE)
#: The start of a prefixed name of kg's prefixes (prov:wasDerivedFrom, kg:equipped-with):
#: its characters belong to one name token (or to a string, IRI or comment), never a keyword.
_KNOWN_NAME = re.compile("(?:" + "|".join(map(re.escape, PREFIXES)) + "):[A-Za-z0-9_-]+")
_COMMENT_LINE = re.compile(r"^[ \t]*#.*$", re.MULTILINE)


def vet(sparql: str, engine: str) -> Query | None:
    """The prepared query, or None when Oxigraph may run the text without rdflib's parse.

    Parsing with rdflib (pure Python) costs more than Oxigraph's whole evaluation on
    many queries, so a SELECT or ASK whose text holds none of the words the refusals are
    about (SERVICE, FROM, the update verbs; comment lines and kg's prefixed names aside)
    and no ``\\u`` escape skips it on the Oxigraph engine: without those words it cannot
    hold what :func:`prepare` refuses. Any such word, even in a string or inside another
    word, means the full vetting. (This matters: Oxigraph would call a SERVICE.)
    """
    refuse_deep(sparql)
    if engine != "oxigraph":
        return prepare(sparql)
    refuse_service(sparql)
    sparql = normalize(sparql)
    # A line starting with # is a comment unless a long string spans it (short strings
    # and IRIs cannot hold a line break), so comments are skipped only without """/'''.
    long_string = '"""' in sparql or "'''" in sparql
    text = _KNOWN_NAME.sub(" ", sparql if long_string else _COMMENT_LINE.sub("", sparql))
    if _VET_WORDS.search(text):
        return prepare(sparql)
    return None


def _has_service(node: Any, depth: int = 0) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if getattr(item, "name", None) == "ServiceGraphPattern":
                return True
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False

"""The text of a user's query as kg vets it and every engine runs it.

Two engines tokenize the same text, and a vetting is worth only as much as their
agreement. SPARQL ends a comment at a carriage return or a line feed; rdflib's parser
ends it at a line feed only, Oxigraph at either, so ``# x\\rSERVICE <...>`` was a comment
to the vetting and a call to Oxigraph. :func:`normalize` gives both the same line ends,
and :func:`refuse_service` refuses the shape of a SERVICE call anywhere in the text
(comments and strings included, with and without ``\\u`` escapes decoded, in any case),
before any parser sees it: a refusal a user can read beats a vetting that must agree
with every tokenizer. The process that evaluates is denied the network as well
(kg.netguard).
"""

from __future__ import annotations

import re

from kg.errors import QueryError

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

"""String literals made fast: the imports make hundreds of thousands of them."""

from __future__ import annotations

from rdflib import Literal


def _fast_literal(text: str, lang: str | None = None) -> Literal:
    """A plain (or language-tagged) string literal, equal to ``Literal(text, lang=lang)``.

    rdflib's constructor costs about 10 us per literal, mostly casting and checks that a
    plain string does not need; the register has 180,000 such literals, an RDF dump one or
    more per resource. The result is checked against rdflib's own once (:data:`_FAST`), and
    rdflib's is used if they differ.
    """
    lit = str.__new__(Literal, text)
    lit._language = lang
    lit._datatype = None
    lit._value = text
    lit._ill_typed = None
    return lit


def _fast_ok() -> bool:
    try:
        pairs = [(_fast_literal("a b", "en"), Literal("a b", lang="en")),
                 (_fast_literal("x"), Literal("x"))]
        return all(a == b and hash(a) == hash(b) and a.n3() == b.n3() and a.value == b.value
                   and a.language == b.language and a.datatype == b.datatype
                   and a.ill_typed == b.ill_typed for a, b in pairs)
    except (AttributeError, TypeError):  # another rdflib with other slots
        return False


_FAST = _fast_ok()


def plain_literal(text: str, lang: str | None = None) -> Literal:
    """``Literal(text, lang=lang)``, made without rdflib's casting when that is safe."""
    return _fast_literal(text, lang) if _FAST else Literal(text, lang=lang)

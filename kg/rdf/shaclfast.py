"""A fast conformance test for the SHACL Core subset kg/rdf/shapes.ttl uses, with pyshacl
as referee.

:func:`compile_shapes` reads a shapes graph; it returns None as soon as the graph uses
anything outside the subset below, and the caller then runs pyshacl as always. The
subset: node shapes with ``sh:targetClass`` (instances of the class or of its
subclasses, through ``rdfs:subClassOf`` in the data) and ``sh:property`` shapes whose
``sh:path`` is one IRI, with ``sh:minCount``, ``sh:maxCount``, ``sh:nodeKind``,
``sh:class``, ``sh:datatype``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:in``,
``sh:languageIn`` and ``sh:message``.

:func:`conforms` answers in one pass over the triples whether any focus node violates
any constraint. It only decides *whether* pyshacl needs to run: when it finds a violation,
the caller runs pyshacl on the same graph, so every reported result (message, focus,
value) is pyshacl's own. A test checks both agree on graphs breaking each constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Collection as AbcCollection
from dataclasses import dataclass
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

_NODE_KEYS = {RDF.type, SH.targetClass, SH.property, SH.message, RDFS.comment, RDFS.label}
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.nodeKind, SH["class"], SH.datatype,
                  SH.minInclusive, SH.maxInclusive, SH["in"], SH.languageIn, SH.message,
                  SH.name, SH.description}
_TARGETS = {SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}


@dataclass(frozen=True, slots=True)
class Rule:
    path: URIRef
    min_count: int | None = None
    max_count: int | None = None
    node_kind: URIRef | None = None
    classes: tuple[Node, ...] = ()
    datatype: URIRef | None = None
    min_inclusive: Literal | None = None
    max_inclusive: Literal | None = None
    members: frozenset[Node] | None = None
    languages: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    target_classes: tuple[Node, ...]
    rules: tuple[Rule, ...]


def _one(g: Graph, s: Node, p: URIRef) -> Any:
    values = list(g.objects(s, p))
    if len(values) > 1:
        raise ValueError("more than one value")
    return values[0] if values else None


def _rule(g: Graph, node: Node) -> Rule | None:
    if any(p not in _PROPERTY_KEYS and p != RDF.type for p in g.predicates(node)):
        return None
    path = _one(g, node, SH.path)
    if not isinstance(path, URIRef):
        return None
    members = _one(g, node, SH["in"])
    langs = _one(g, node, SH.languageIn)
    min_count, max_count = _one(g, node, SH.minCount), _one(g, node, SH.maxCount)
    return Rule(
        path=path,
        min_count=int(min_count) if min_count is not None else None,
        max_count=int(max_count) if max_count is not None else None,
        node_kind=_one(g, node, SH.nodeKind),
        classes=tuple(g.objects(node, SH["class"])),
        datatype=_one(g, node, SH.datatype),
        min_inclusive=_one(g, node, SH.minInclusive),
        max_inclusive=_one(g, node, SH.maxInclusive),
        members=frozenset(Collection(g, members)) if members is not None else None,
        languages=tuple(str(x).lower() for x in Collection(g, langs)) if langs else None,
    )


def compile_shapes(g: Graph) -> tuple[Shape, ...] | None:
    """The shapes as rules, or None when the graph uses SHACL beyond the subset."""
    if any(True for p in _TARGETS for _ in g.subject_objects(p)):
        return None
    shapes = []
    try:
        for node in set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(SH.targetClass)):
            if any(p not in _NODE_KEYS for p in g.predicates(node)):
                return None
            rules = []
            for prop in g.objects(node, SH.property):
                rule = _rule(g, prop)
                if rule is None:
                    return None
                rules.append(rule)
            shapes.append(Shape(tuple(g.objects(node, SH.targetClass)), tuple(rules)))
        standalone = set(g.subjects(SH.path)) - set(g.objects(None, SH.property))
    except (ValueError, TypeError):
        return None
    return tuple(shapes) if not standalone else None


Grouped = Mapping[Any, Mapping[Any, AbcCollection[Any]]]  # subject -> predicate -> objects


def _group(triples: Iterable[tuple[Any, Any, Any]], paths: set[Any]) -> Grouped:
    """The triples whose predicate the checks read, grouped by subject and predicate."""
    grouped: dict[Any, dict[Any, set[Any]]] = {}
    for s, p, o in triples:
        if p in paths:
            grouped.setdefault(s, {}).setdefault(p, set()).add(o)
    return grouped


class _Index:
    """The graph as the checks read it: a grouping by subject and predicate, read in
    place (the build passes the writers' own, kg.rdf.export.Text.grouped: no copy of the
    graph is made for SHACL), and the class hierarchy through ``rdfs:subClassOf``."""

    def __init__(self, grouped: Grouped, *, rdf_type: Any = RDF.type,
                 sub_class_of: Any = RDFS.subClassOf) -> None:
        # Terms are rdflib nodes or (conforms_text) their N-Triples text.
        self.grouped = grouped
        self.rdf_type, self.sub_class_of = rdf_type, sub_class_of
        self.supers: dict[Any, frozenset[Any]] = {}

    def typed(self) -> Iterator[tuple[Any, AbcCollection[Any]]]:
        """Each subject that has a type, with its types."""
        rdf_type = self.rdf_type
        for node, preds in self.grouped.items():
            types = preds.get(rdf_type)
            if types:
                yield node, types

    def values(self, node: Any, path: Any) -> AbcCollection[Any]:
        preds = self.grouped.get(node)
        return preds.get(path, ()) if preds is not None else ()

    def ancestors(self, cls: Any) -> frozenset[Any]:
        found = self.supers.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.values(todo.pop(), self.sub_class_of):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self.supers[cls] = frozenset(seen)
        return found

    def is_a(self, node: Any, cls: Any) -> bool:
        return any(cls in self.ancestors(t) for t in self.values(node, self.rdf_type))


_KINDS: dict[Any, tuple[type, ...]] = {
    SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal)}


def _kind_ok(value: Node, kind: URIRef) -> bool:
    return isinstance(value, _KINDS.get(kind, ()))


def _text_kind_ok(value: str, kind: URIRef) -> bool:
    """:func:`_kind_ok` for an N-Triples term's text (``<iri>``, ``_:b``, a literal)."""
    found = URIRef if value.startswith("<") else BNode if value.startswith("_:") else Literal
    return found in _KINDS.get(kind, ())


def _compare(value: Node, bound: Literal, lower: bool) -> bool:
    if not isinstance(value, Literal) or value.ill_typed:
        return False
    try:
        return bool(value.toPython() >= bound.toPython() if lower
                    else value.toPython() <= bound.toPython())
    except TypeError:
        return False


def _value_ok(index: _Index, rule: Rule, value: Node) -> bool:
    if rule.node_kind is not None and not _kind_ok(value, rule.node_kind):
        return False
    if any(not index.is_a(value, cls) for cls in rule.classes):
        return False
    if rule.datatype is not None and not (
            isinstance(value, Literal) and value.datatype == rule.datatype
            and not value.ill_typed):
        return False
    if rule.min_inclusive is not None and not _compare(value, rule.min_inclusive, True):
        return False
    if rule.max_inclusive is not None and not _compare(value, rule.max_inclusive, False):
        return False
    if rule.members is not None and value not in rule.members:
        return False
    if rule.languages is not None:
        lang = value.language.lower() if isinstance(value, Literal) and value.language else ""
        if not any(lang == r or lang.startswith(r + "-") or r == "*" for r in rule.languages) \
                or not lang:
            return False
    return True


def conforms(triples: Iterable[tuple[Node, Node, Node]], shapes: tuple[Shape, ...]) -> bool:
    """Whether the graph of ``triples`` violates none of ``shapes`` (one pass, no rdflib Graph)."""
    paths = {RDF.type, RDFS.subClassOf} | {r.path for shape in shapes for r in shape.rules}
    index = _Index(_group(triples, paths))
    return _holds(index, shapes, lambda rule, value: _value_ok(index, rule, value))


def _holds(index: _Index, shapes: tuple[Shape, ...], ok: Callable[[Rule, Any], bool],
           skip: frozenset[Any] = frozenset()) -> bool:
    """Every focus node (but those in ``skip``) meets every rule of its shapes.

    One pass over the typed nodes: the rules that apply to a set of types are found once
    (:class:`_Rules`), and a value a rule accepted is not asked again (``ok``'s answer
    depends on the rule, the value and the graph alone; most values repeat: types,
    statuses, sources)."""
    rules_of = _Rules(index, shapes)
    accepted: dict[int, set[Any]] = {id(rule): set() for shape in shapes
                                     for rule in shape.rules}
    values_of = index.values
    for node, types in index.typed():
        if node in skip:
            continue
        for rule, checks in rules_of.of(types):
            values = values_of(node, rule.path)
            if rule.min_count is not None and len(values) < rule.min_count:
                return False
            if rule.max_count is not None and len(values) > rule.max_count:
                return False
            if checks:
                good = accepted[id(rule)]
                for value in values:
                    if value not in good:
                        if not ok(rule, value):
                            return False
                        good.add(value)
    return True


class _Rules:
    """The rules that apply to a node with given types (those of every shape one of whose
    target classes is among the types' ancestors), each with whether it looks at the
    values themselves or only counts them; found once per distinct set of types."""

    def __init__(self, index: _Index, shapes: tuple[Shape, ...]) -> None:
        self.index = index
        self.shapes = [(frozenset(shape.target_classes), shape.rules) for shape in shapes]
        self.found: dict[Any, tuple[tuple[Rule, bool], ...]] = {}

    def of(self, types: AbcCollection[Any]) -> tuple[tuple[Rule, bool], ...]:
        key = next(iter(types)) if len(types) == 1 else frozenset(types)
        found = self.found.get(key)
        if found is None:
            ancestors = frozenset().union(*(self.index.ancestors(t) for t in types))
            found = self.found[key] = tuple(
                (rule, _looks_at_values(rule)) for targets, rules in self.shapes
                if targets & ancestors for rule in rules)
        return found


def _looks_at_values(rule: Rule) -> bool:
    return rule.node_kind is not None or bool(rule.classes) or rule.datatype is not None \
        or rule.min_inclusive is not None or rule.max_inclusive is not None \
        or rule.members is not None or rule.languages is not None


# -- the same test over N-Triples text triples (kg.rdf.ntterms), as the build makes them ------


def _as_text(node: Node | None) -> str | None:
    from kg.rdf.ntterms import term_text

    return None if node is None else term_text(node)


def _text_rule(rule: Rule) -> Rule:
    """``rule`` with its terms as N-Triples text; bounds stay rdflib literals."""
    return Rule(
        path=_as_text(rule.path),  # type: ignore[arg-type]
        min_count=rule.min_count, max_count=rule.max_count, node_kind=rule.node_kind,
        classes=tuple(_as_text(c) for c in rule.classes),  # type: ignore[misc]
        datatype=_as_text(rule.datatype),  # type: ignore[arg-type]
        min_inclusive=rule.min_inclusive, max_inclusive=rule.max_inclusive,
        members=frozenset(_as_text(m) for m in rule.members)  # type: ignore[misc]
        if rule.members is not None else None,
        languages=rule.languages,
    )


def _literal_datatype(value: str) -> str | None:
    end = value.rindex('"')
    rest = value[end + 1:]
    return rest[2:] if rest.startswith("^^") else None


class _TextCheck:
    """:func:`_value_ok` for text terms: a literal is read into rdflib only for the rules
    that look at it (:func:`_holds` asks once per rule and distinct value)."""

    def __init__(self, index: _Index) -> None:
        self.index = index
        self.literal_rules: dict[int, Rule | None] = {}

    def _literal_rule(self, rule: Rule) -> Rule | None:
        """The part of ``rule`` that looks at the value itself, with rdflib terms."""
        found = self.literal_rules.get(id(rule), False)
        if found is False:
            needed = rule.min_inclusive is not None or rule.max_inclusive is not None \
                or rule.languages is not None or rule.datatype is not None
            found = self.literal_rules[id(rule)] = Rule(
                path=rule.path,
                datatype=URIRef(rule.datatype[1:-1]) if rule.datatype else None,
                min_inclusive=rule.min_inclusive, max_inclusive=rule.max_inclusive,
                languages=rule.languages) if needed else None
        return found  # type: ignore[return-value]

    def ok(self, rule: Rule, value: str) -> bool:
        from kg.rdf.ntterms import to_rdflib

        if rule.node_kind is not None and not _text_kind_ok(value, rule.node_kind):
            return False
        literal_rule = self._literal_rule(rule)
        if literal_rule is not None and not _value_ok(self.index, literal_rule, to_rdflib(value)):
            return False
        if rule.classes and not all(self.index.is_a(value, cls) for cls in rule.classes):
            return False
        members: frozenset[Any] | None = rule.members
        return members is None or value in members


def conforms_text(triples: Iterable[tuple[str, str, str]], shapes: tuple[Shape, ...], *,
                  skip: frozenset[str] = frozenset()) -> bool:
    """:func:`conforms` for N-Triples text triples (the same answer: a test compares).

    Focus nodes in ``skip`` are not checked (their triples still count for the others):
    kg.rdf.shaclfiles borrows the type of sources defined in other files this way.
    """
    text_shapes = _text_shapes(shapes)
    paths = {_as_text(RDF.type), _as_text(RDFS.subClassOf)} | \
        {r.path for shape in text_shapes for r in shape.rules}
    return _conforms_index(_group(triples, paths), text_shapes, skip)


def conforms_grouped(grouped: Grouped, shapes: tuple[Shape, ...], *,
                     skip: frozenset[str] = frozenset()) -> bool:
    """:func:`conforms_text` for text triples already grouped by subject and predicate
    (kg.rdf.export.Text.grouped), read as they are."""
    return _conforms_index(grouped, _text_shapes(shapes), skip)


def _text_shapes(shapes: tuple[Shape, ...]) -> tuple[Shape, ...]:
    return tuple(Shape(tuple(_as_text(c) for c in s.target_classes),  # type: ignore[misc]
                       tuple(_text_rule(r) for r in s.rules)) for s in shapes)


def _conforms_index(grouped: Grouped, text_shapes: tuple[Shape, ...],
                    skip: frozenset[str]) -> bool:
    index = _Index(grouped, rdf_type=_as_text(RDF.type),
                   sub_class_of=_as_text(RDFS.subClassOf))
    return _holds(index, text_shapes, _TextCheck(index).ok, skip)

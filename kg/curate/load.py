"""Data files -> typed records. Every record and value keeps its file, line and column.

A data file is a YAML mapping with any of three lists: ``sources``, ``entities`` and
``statements`` (see data/README.md). Loading checks shape and field names; meaning
(references, vocabularies, dates) is checked by :mod:`kg.check`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.core.errors import Issue, Loc
from kg.core.model import Amount, Citation, Dataset, Entity, Qualifiers, Quantity, Source, Statement
from kg.curate.files import data_files as data_files
from kg.curate.files import file_problem, yaml_named
from kg.curate.yamlread import MAX_FILE_BYTES, read_yaml
from kg.curate.ynodes import YMap, YNode, YScalar, YSeq, number_problem

SECTIONS = ("sources", "entities", "statements")
SOURCE_FIELDS = ("id", "title", "publisher", "published", "reliability", "url", "file",
                 "author", "language", "note", "sha256", "compilation")
ENTITY_FIELDS = ("id", "type", "label", "aliases", "wikidata", "description", "note",
                 "unnamed", "ambiguous")
STATEMENT_FIELDS = ("id", "subject", "predicate", "object", "value", "qualifiers", "sources",
                    "note", "rests-on")
QUALIFIER_FIELDS = ("date", "start", "end", "amount", "quantity", "status", "certainty",
                    "location", "according-to", "note")
CITATION_FIELDS = ("source", "locator", "credibility", "attribution", "note")
# Optional text qualifiers: (field, Qualifiers attribute).
_QUALIFIER_TEXTS = tuple((k, k.replace("-", "_")) for k in (
    "date", "start", "end", "status", "certainty", "location", "according-to", "note"))


def missing_folder(root: Path) -> Issue:
    """The issue of a data folder that is not there (or not a folder)."""
    return Issue(Loc(str(root)), "data folder not found")


def data_file_issues(root: Path, base: Path) -> list[Issue]:
    """An error for each YAML-named file under ``root`` that is not read: a symbolic link
    leaving the data folder (its target named, nothing of it read), a broken link, a
    FIFO or another file that is not a regular file."""
    issues = []
    for path in sorted(root.rglob("*")):
        if yaml_named(path):
            problem = file_problem(root, path)
            if problem is not None:
                issues.append(Issue(Loc(display_name(path, base, resolve=False)), *problem))
    return issues


def load(
    root: Path | str, *, display_root: Path | str | None = None
) -> tuple[Dataset, list[Issue]]:
    """Read every data file under ``root``; return the records and the problems found.

    File names in positions are shown relative to ``display_root`` (default: the parent
    of ``root``, so that they read ``data/entities/x.yaml``).
    """
    root = Path(root)
    base = Path(display_root) if display_root is not None else root.parent
    sources: list[Source] = []
    entities: list[Entity] = []
    statements: list[Statement] = []
    issues: list[Issue] = []
    names: list[str] = []
    if not root.is_dir():
        return Dataset(), [missing_folder(root)]
    issues += data_file_issues(root, base)
    for path in data_files(root):
        name = display_name(path, base)
        names.append(name)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # refused before it is read into memory
            issues.append(Issue(Loc(name), f"file is larger than {MAX_FILE_BYTES} bytes", size))
            continue
        part, found = load_file(path.read_bytes(), name)
        issues += found
        sources += part.sources
        entities += part.entities
        statements += part.statements
    return Dataset(tuple(sources), tuple(entities), tuple(statements), tuple(names)), issues


def display_name(path: Path, base: Path, *, resolve: bool = True) -> str:
    """How positions name ``path``: relative to ``base`` when under it (``resolve``:
    after following links)."""
    try:
        if not resolve:  # the link's own place, not its target's
            return (path.parent.resolve() / path.name).relative_to(base.resolve()).as_posix()
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(data: bytes, name: str, *, fast: bool = True) -> tuple[Dataset, list[Issue]]:
    """Read one data file's bytes (``name`` is used in positions); ``fast=False`` reads
    it with libyaml even when the fast path could (same result, for benchmarks)."""
    root, issues = read_yaml(data, name, fast=fast)
    if root is None:
        return Dataset(files=(name,)), issues
    reader = _Reader(issues)
    if not isinstance(root, YMap):
        reader.error(root.loc, "a data file is a mapping with keys " + ", ".join(SECTIONS),
                     _kind(root))
        return Dataset(files=(name,)), issues
    reader.unknown_fields(root, SECTIONS, "section")
    return Dataset(
        sources=tuple(reader.each(root, "sources", reader.source)),
        entities=tuple(reader.each(root, "entities", reader.entity)),
        statements=tuple(reader.each(root, "statements", reader.statement)),
        files=(name,),
    ), issues


def _kind(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    return "a value" if node.value is not None else "nothing"


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest allowed word, or ''."""
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Turns YAML nodes into records, appending an issue for every shape problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues

    def error(self, loc: Loc, message: str, value: object = None) -> None:
        self.issues.append(Issue(loc, message, value))

    def unknown_fields(self, node: YMap, allowed: tuple[str, ...], what: str = "field") -> None:
        for key in node.entries:
            if key not in allowed:
                knode = node.entries[key][0]
                self.error(knode.loc, f"unknown {what}{did_you_mean(key, allowed)}; allowed: "
                           + ", ".join(allowed), key)

    def each(self, root: YMap, section: str, make: object) -> list:  # type: ignore[type-arg]
        node = root.get(section)
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.error(node.loc, f"'{section}' must be a list", _kind(node))
            return []
        out = []
        for item in node.items:
            if not isinstance(item, YMap):
                self.error(item.loc, f"each of '{section}' must be a mapping", _kind(item))
                continue
            record = make(item)  # type: ignore[operator]
            if record is not None:
                out.append(record)
        return out

    # -- values -------------------------------------------------------------------------

    def text(self, node: YMap, key: str, locs: dict[str, Loc], *, required: bool = False,
             prefix: str = "") -> str | None:
        entry = node.entries.get(key)  # node.get(key), inlined: the hottest call in loading
        if entry is None:
            if required:
                self.error(node.loc, f"missing required field '{prefix}{key}'")
            return None
        value = entry[1]
        locs[prefix + key] = value.loc
        if not isinstance(value, YScalar):
            self.error(value.loc, f"'{prefix}{key}' must be a single value", _kind(value))
            return None
        if value.value is None:
            if required:
                self.error(value.loc, f"'{prefix}{key}' must not be empty")
            return None
        return value.text

    def texts(self, node: YMap, key: str, locs: dict[str, Loc]) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        locs[key] = value.loc
        if not isinstance(value, YSeq):
            self.error(value.loc, f"'{key}' must be a list", _kind(value))
            return ()
        out = []
        for i, item in enumerate(value.items):
            if not isinstance(item, YScalar) or item.value is None:
                self.error(item.loc, f"each of '{key}' must be a single value", _kind(item))
                continue
            locs[f"{key}.{i}"] = item.loc
            out.append(item.text)
        return tuple(out)

    def number(self, node: YMap, key: str, locs: dict[str, Loc], *, prefix: str = "",
               integer: bool = False) -> Decimal | None:
        value = node.get(key)
        if value is None:
            return None
        locs[prefix + key] = value.loc
        if isinstance(value, YScalar) and not value.quoted and \
                isinstance(value.value, int | float):
            if integer and not isinstance(value.value, int):
                self.error(value.loc, f"'{prefix}{key}' must be a whole number", value.text)
                return None
            try:
                return Decimal(value.text)
            except InvalidOperation:  # pragma: no cover - the resolver only passes numbers
                pass
        if isinstance(value, YScalar) and not value.quoted and number_problem(value.text):
            return None  # a number out of kg's bounds: the reader reported it
        shown = value.text if isinstance(value, YScalar) else _kind(value)
        self.error(value.loc, f"'{prefix}{key}' must be a number (unquoted)", shown)
        return None

    def mapping(self, node: YMap, key: str, allowed: tuple[str, ...], locs: dict[str, Loc],
                prefix: str = "") -> YMap | None:
        value = node.get(key)
        if value is None:
            return None
        locs[prefix + key] = value.loc
        if not isinstance(value, YMap):
            self.error(value.loc, f"'{prefix}{key}' must be a mapping", _kind(value))
            return None
        self.unknown_fields(value, allowed)
        return value

    # -- records ------------------------------------------------------------------------

    def source(self, node: YMap) -> Source | None:
        self.unknown_fields(node, SOURCE_FIELDS)
        locs: dict[str, Loc] = {}
        ident = self.text(node, "id", locs, required=True)
        title = self.text(node, "title", locs, required=True)
        if ident is None or title is None:
            return None
        present = node.entries
        fields = {k: self.text(node, k, locs) if k in present else None
                  for k in SOURCE_FIELDS[2:-1]}
        return Source(id=ident, title=title, loc=node.loc, locs=locs,
                      compilation=self.flag(node, "compilation", locs), **fields)

    def entity(self, node: YMap) -> Entity | None:
        self.unknown_fields(node, ENTITY_FIELDS)
        locs: dict[str, Loc] = {}
        ident = self.text(node, "id", locs, required=True)
        type_ = self.text(node, "type", locs, required=True)
        label = self.text(node, "label", locs, required=True)
        if ident is None or type_ is None or label is None:
            return None
        return Entity(
            id=ident, type=type_, label=label, loc=node.loc, locs=locs,
            aliases=self.texts(node, "aliases", locs),
            wikidata=self.text(node, "wikidata", locs),
            description=self.text(node, "description", locs),
            note=self.text(node, "note", locs),
            unnamed=self.flag(node, "unnamed", locs),
            ambiguous=self.reasons(node, "ambiguous", locs),
        )

    def statement(self, node: YMap) -> Statement | None:
        self.unknown_fields(node, STATEMENT_FIELDS)
        locs: dict[str, Loc] = {}
        subject = self.text(node, "subject", locs, required=True)
        predicate = self.text(node, "predicate", locs, required=True)
        obj = self.text(node, "object", locs)
        value = self.literal(node, locs)
        if obj is None and value is None and "object" not in locs and "value" not in locs:
            self.error(node.loc, "a statement needs an 'object' (an entity id) or a 'value'")
        elif obj is not None and "value" in locs:
            self.error(locs["value"], "a statement has an 'object' or a 'value', not both")
        citations = self.citations(node, locs)
        if subject is None or predicate is None:
            return None
        present = node.entries
        return Statement(
            subject=subject, predicate=predicate, object=obj, value=value, loc=node.loc,
            id=self.text(node, "id", locs) if "id" in present else None,
            qualifiers=self.qualifiers(node, locs),
            citations=citations,
            note=self.text(node, "note", locs) if "note" in present else None, locs=locs,
            rests_on=self.one_or_more(node, "rests-on", locs) if "rests-on" in present else (),
        )

    def flag(self, node: YMap, key: str, locs: dict[str, Loc]) -> bool:
        """A yes/no field written ``true`` or ``false`` (absent: false)."""
        value = node.get(key)
        if value is None:
            return False
        locs[key] = value.loc
        if isinstance(value, YScalar) and not value.quoted and isinstance(value.value, bool):
            return value.value
        shown = value.text if isinstance(value, YScalar) else _kind(value)
        self.error(value.loc, f"'{key}' must be true or false", shown)
        return False

    def one_or_more(self, node: YMap, key: str, locs: dict[str, Loc]) -> tuple[str, ...]:
        """A field holding one text or a list of texts."""
        value = node.get(key)
        if isinstance(value, YScalar) and value.value is not None:
            locs[key] = locs[f"{key}.0"] = value.loc
            return (value.text,)
        return self.texts(node, key, locs)

    def reasons(self, node: YMap, key: str, locs: dict[str, Loc]) -> tuple[tuple[str, str], ...]:
        """A mapping of names to the curator's reasons (each a non-empty text)."""
        value = node.get(key)
        if value is None:
            return ()
        locs[key] = value.loc
        if not isinstance(value, YMap):
            self.error(value.loc, f"'{key}' must be a mapping of alias: reason", _kind(value))
            return ()
        out = []
        for name in value.entries:
            reason = self.text(value, name, locs, prefix=f"{key}.", required=True)
            if reason is not None:
                out.append((name, reason))
        return tuple(out)

    def literal(self, node: YMap, locs: dict[str, Loc]) -> str | int | Decimal | Amount | None:
        value = node.get("value")
        if value is None:
            return None
        if isinstance(value, YMap):
            amount = self.amount(node, "value", locs, "")
            return amount
        if not isinstance(value, YScalar) or value.value is None:
            locs["value"] = value.loc
            self.error(value.loc, "'value' must be a single value or an amount", _kind(value))
            return None
        locs["value"] = value.loc
        if value.quoted or isinstance(value.value, str | bool):
            return value.text
        if isinstance(value.value, int):
            return value.value
        return Decimal(value.text)

    def amount(self, node: YMap, key: str, locs: dict[str, Loc], prefix: str) -> Amount | None:
        sub = self.mapping(node, key, ("value", "currency"), locs, prefix)
        if sub is None:
            return None
        p = f"{prefix}{key}."
        number = self.number(sub, "value", locs, prefix=p)
        currency = self.text(sub, "currency", locs, prefix=p)
        if number is None:
            if "value" not in sub.entries:
                self.error(sub.loc, f"'{prefix}{key}' needs a 'value'")
            return None
        if currency is None:
            shown = sub.entries["value"][1]
            self.error(sub.loc, f"'{prefix}{key}' needs a 'currency' (ISO 4217, e.g. USD)",
                       shown.text if isinstance(shown, YScalar) else str(number))
            return None
        return Amount(number, currency)

    def qualifiers(self, node: YMap, locs: dict[str, Loc]) -> Qualifiers:
        sub = self.mapping(node, "qualifiers", QUALIFIER_FIELDS, locs)
        if sub is None:
            return Qualifiers()
        p = "qualifiers."
        quantity = None
        present = sub.entries  # an absent field is None, with no position and no issue
        qnode = self.mapping(sub, "quantity", ("value", "unit"), locs, p) \
            if "quantity" in present else None
        if qnode is not None:
            number = self.number(qnode, "value", locs, prefix=p + "quantity.")
            if number is not None:
                quantity = Quantity(number, self.text(qnode, "unit", locs, prefix=p + "quantity."))
        return Qualifiers(
            **{name: self.text(sub, k, locs, prefix=p) if k in present else None
               for k, name in _QUALIFIER_TEXTS},
            amount=self.amount(sub, "amount", locs, p) if "amount" in present else None,
            quantity=quantity,
        )

    def citations(self, node: YMap, locs: dict[str, Loc]) -> tuple[Citation, ...]:
        value = node.get("sources")
        if value is None:
            self.error(node.loc, "a statement must cite at least one source ('sources')")
            return ()
        locs["sources"] = value.loc
        if not isinstance(value, YSeq) or not value.items:
            self.error(value.loc, "'sources' must be a non-empty list of citations", _kind(value))
            return ()
        return tuple(c for item in value.items if (c := self.citation(item)) is not None)

    def citation(self, item: YNode) -> Citation | None:
        if isinstance(item, YScalar) and isinstance(item.value, str):
            return Citation(source=item.text, loc=item.loc, locs={"source": item.loc})
        if not isinstance(item, YMap):
            self.error(item.loc, "a citation is a source id or a mapping", _kind(item))
            return None
        self.unknown_fields(item, CITATION_FIELDS)
        locs: dict[str, Loc] = {}
        source = self.text(item, "source", locs, required=True)
        cred = self.number(item, "credibility", locs, integer=True)
        if source is None:
            return None
        present = item.entries
        return Citation(
            source=source, loc=item.loc, locs=locs,
            locator=self.text(item, "locator", locs) if "locator" in present else None,
            credibility=int(cred) if cred is not None else None,
            attribution=self.text(item, "attribution", locs) if "attribution" in present
            else None,
            note=self.text(item, "note", locs) if "note" in present else None,
        )

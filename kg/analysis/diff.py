"""What changed between two builds, or two git revisions of ``data/``: statements by entity.

A statement is known by its IRI (``kgs:<subject>.<predicate>.<object>[.<id>]``), which
kg derives from curated ids only, so it is the same in every build. A statement in NEW
only is *added*, in OLD only *removed*, in both but with a different qualifier or
citation (locator, credibility, attribution, note; a citation is known by its source and
its rank among that source's citations) *changed*. A literal-valued statement's IRI
includes a hash of its value, so a new value shows as a removal plus an addition.
Changes to entities' or sources' own descriptions (labels, titles) are not statements
and are not listed.

Each side is a graph file kg wrote (graph.ttl, graph.nt, graph.jsonld), a data folder,
or a git revision: ``git archive <rev> <data>`` is unpacked into a temporary folder and
built in memory (loader and checks, without SHACL).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.util import guess_format

from kg.core.errors import KGError
from kg.pipeline.build import load_graph
from kg.rdf.facts import CitationInfo, Fact, entities, facts

_CITATION_FIELDS = ("locator", "credibility", "attribution", "note")


class DiffError(KGError):
    """A side of a diff that is neither a readable graph file, a data folder nor a revision."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # "status", "citation us-sm3-japan-2018 credibility", ...
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class StatementChange:
    statement: str
    kind: str  # added | removed | changed
    predicate: str
    predicate_label: str
    object: str  # the object's id, or the literal value
    object_label: str
    qualifiers: dict[str, str]  # of the new version (of the old one when removed)
    sources: list[str]
    changes: list[FieldChange]  # for "changed" only


@dataclass(frozen=True, slots=True)
class EntityChanges:
    id: str
    label: str
    statements: list[StatementChange]


@dataclass(frozen=True, slots=True)
class Diff:
    old: str
    new: str
    added: int
    removed: int
    changed: int
    entities: list[EntityChanges]



_FORMAT_NAMES = {"turtle": "Turtle", "nt": "N-Triples", "json-ld": "JSON-LD", "xml": "RDF/XML",
                 "n3": "N3", "trig": "TriG", "nquads": "N-Quads"}

def _citation_map(cites: tuple[CitationInfo, ...]) -> dict[str, CitationInfo]:
    found: dict[str, CitationInfo] = {}
    for c in cites:
        n = sum(1 for k in found if k == c.source or k.startswith(f"{c.source}#"))
        found[c.source if n == 0 else f"{c.source}#{n + 1}"] = c
    return found


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def field_changes(old: Fact, new: Fact) -> list[FieldChange]:
    """Qualifiers, then citations, that differ between two versions of one statement."""
    out = [FieldChange(k, old.qualifiers.get(k), new.qualifiers.get(k))
           for k in sorted(old.qualifiers.keys() | new.qualifiers.keys())
           if old.qualifiers.get(k) != new.qualifiers.get(k)]
    before, after = _citation_map(old.citations), _citation_map(new.citations)
    for key in sorted(before.keys() | after.keys()):
        if key not in after or key not in before:
            out.append(FieldChange(f"citation {key}", key if key in before else None,
                                   key if key in after else None))
            continue
        for name in _CITATION_FIELDS:
            a, b = _text(getattr(before[key], name)), _text(getattr(after[key], name))
            if a != b:
                out.append(FieldChange(f"citation {key} {name}", a, b))
    return out


def diff_graphs(old: Graph, new: Graph, *, old_name: str = "old",
                new_name: str = "new") -> Diff:
    """The statements added, removed and changed from ``old`` to ``new``, by subject entity."""
    before = {f.statement: f for f in facts(old)}
    after = {f.statement: f for f in facts(new)}
    labels = {i: e.label for i, e in entities(old).items()}
    labels |= {i: e.label for i, e in entities(new).items()}
    by_entity: dict[str, list[StatementChange]] = {}
    counts = {"added": 0, "removed": 0, "changed": 0}
    for iri in sorted(before.keys() | after.keys()):
        a, b = before.get(iri), after.get(iri)
        fact = b or a
        if fact is None:
            continue
        changes = field_changes(a, b) if a and b else []
        if a and b and not changes:
            continue
        kind = "changed" if a and b else "added" if b else "removed"
        counts[kind] += 1
        obj = fact.object if fact.object is not None else str(fact.value)
        by_entity.setdefault(fact.subject, []).append(StatementChange(
            iri, kind, fact.predicate, fact.predicate_label, obj,
            labels.get(obj, obj) if fact.object is not None else obj, dict(fact.qualifiers),
            sorted({c.source for c in fact.citations}), changes))
    groups = [EntityChanges(i, labels.get(i, i), by_entity[i]) for i in sorted(by_entity)]
    return Diff(old_name, new_name, counts["added"], counts["removed"], counts["changed"],
                groups)


def read_graph_file(path: Path) -> Graph:
    fmt = guess_format(str(path)) or ("json-ld" if path.suffix == ".jsonld" else None)
    if fmt is None:
        raise DiffError(f"{path}: unknown graph format; use .ttl, .nt or .jsonld")
    try:
        return Graph().parse(path, format=fmt)
    except Exception as exc:  # rdflib parsers raise many kinds: one line of kg's own
        line = getattr(exc, "lines", None)  # Turtle's BadSyntax: 0-based line
        why = str(getattr(exc, "_why", "") or exc).strip().splitlines() or ["unreadable"]
        where = f":{line + 1}" if isinstance(line, int) else ""
        raise DiffError(f"{path}{where}: not a graph file in {_FORMAT_NAMES.get(fmt, fmt)} "
                        f"(the format its name ends in): {why[0][:200]}") from None


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise DiffError(f"cannot run git: {exc.strerror}") from exc


def revision_graph(rev: str, *, data: Path | str = "data") -> Graph:
    """The graph of ``data`` as it was at git revision ``rev`` of the enclosing repository."""
    data = Path(data).absolute()
    where = data if data.is_dir() else Path.cwd()
    top = _git("rev-parse", "--show-toplevel", cwd=where)
    if top.returncode:
        raise DiffError(f"{rev!r} is neither a graph file nor a data folder, and {where} is "
                        "not in a git repository")
    root = Path(top.stdout.decode().strip())
    try:
        rel = data.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise DiffError(f"{data} is outside the git repository {root}") from exc
    # The revision is resolved to a commit id first, passed after --end-of-options: a
    # "revision" such as --output=/tmp/x is never read by git as an option.
    commit = _git("rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}",
                  cwd=root)
    if commit.returncode:
        raise DiffError(f"{rev!r}: not a graph file, a data folder or a git revision with "
                        f"{rel}/")
    archive = _git("archive", "--format=tar", commit.stdout.decode().strip(), "--", rel,
                   cwd=root)
    if archive.returncode:
        message = archive.stderr.decode(errors="replace").strip()
        raise DiffError(f"{rev!r}: not a graph file, a data folder or a git revision with "
                        f"{rel}/: {message}")
    with tempfile.TemporaryDirectory(prefix="kg-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        return load_graph(Path(tmp) / rel, shacl=False).graph


def side_graph(spec: str, *, data: Path | str = "data") -> Graph:
    """A build folder, a graph file, a data folder, or else a git revision of ``data``."""
    path = Path(spec)
    # a build folder: read its store (kg.pipeline.built)
    if path.is_dir() and (path / "manifest.json").is_file():
        from kg.pipeline.built import read_build

        return read_build(path).graph()
    if path.is_file():
        return read_graph_file(path)
    if path.is_dir():
        return load_graph(path, shacl=False).graph
    return revision_graph(spec, data=data)


def diff(old: str, new: str, *, data: Path | str = "data") -> Diff:
    """Compare two sides, each a graph file, a data folder or a git revision of ``data``."""
    return diff_graphs(side_graph(old, data=data), side_graph(new, data=data),
                       old_name=old, new_name=new)


def format_diff(d: Diff) -> str:
    """The diff for a person: a summary line, then per entity + added, - removed, ~ changed."""
    lines = [f"{d.old} -> {d.new}: {d.added} added, {d.removed} removed, "
             f"{d.changed} changed statement(s)"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for e in d.entities:
        lines += ["", f"{e.label} ({e.id})"]
        for s in e.statements:
            lines.append(f"  {marks[s.kind]} {s.predicate_label} -> {s.object_label}"
                         f"    [{s.statement.rsplit('/', 1)[-1]}]")
            if s.kind != "changed":
                about = [f"{k} {v}" for k, v in s.qualifiers.items() if k != "note"]
                lines.append("      " + "; ".join([*about, "sources " + ", ".join(s.sources)]))
            lines += [f"      {c.field}: {c.old or '(none)'} -> {c.new or '(none)'}"
                      for c in s.changes]
    return "\n".join(lines) + "\n"

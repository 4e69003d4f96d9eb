"""The project config (``kg.toml``) that lists imports, and running them for a build.

``kg.toml`` sits beside the data folder (``kg build --config`` names another). Paths in it
are relative to the file::

    [imports]
    sipri = ["../shared/data/sipri/trade-register.csv"]   # SIPRI trade-register exports
    rdf = ["external/bases.ttl",                           # Turtle, N-Triples, RDF/XML, JSON-LD
           {path = "dumps/geo.txt", format = "turtle"}]    # a format for any file name

    max_import_bytes = 134217728                           # the size limit (64 MiB)

    [align]                      # imported name -> curated id or Wikidata id, by hand
    "MIM-104 PAC-3" = "pac-3"                              # a SIPRI name
    "http://example.org/geo/seoul" = "seoul"               # an RDF resource (or its label)

Without a config, a build is exactly what it was before imports existed. Every problem of
every import (and of ``[align]``, see :mod:`kg.imports.aligncheck`) is found before any
is reported, and all are reported together (:func:`check_project`).

Two exports of the SIPRI register (say 2025 and 2026) are two datasets: each deal's IRI
and its citation's depend on the export (``sipri/2025-03-13/deal/...``), each export is
its own named graph and source, and the later source is ``prov:wasRevisionOf`` the
earlier, so no deal or citation ever has two exports' values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import URIRef
from rdflib.term import Node

from kg.core.errors import DataError, ImportFileError, Issue, Loc, sort_issues
from kg.core.model import Dataset
from kg.imports.aligncheck import check_align
from kg.imports.config import CONFIG_NAME, Project, find_config, read_config
from kg.imports.pages import page_files
from kg.imports.rdf import RdfImport, import_rdf
from kg.imports.sipri import Register, read_register
from kg.imports.sipri_graph import SipriImport, import_register
from kg.imports.textfile import MAX_IMPORT_BYTES
from kg.rdf import export
from kg.rdf.triples import Triple

AnyTriple = tuple[Node, Node, Node]


class Memo(Protocol):
    """Where converted imports are kept by content (kg.pipeline.importcache): ``get`` is
    None when ``path`` (with ``extra``, what else the result depends on) is not there."""

    def get(self, kind: str, path: Path, extra: str) -> object | None: ...

    def put(self, kind: str, path: Path, extra: str, value: object) -> None: ...


@dataclass(frozen=True, slots=True)
class Imported:
    """Every import of a project: named graphs, links and reports."""

    sipri: tuple[SipriImport, ...]
    rdf: tuple[RdfImport, ...]
    sipri_names: tuple[str, ...] = ()  # each export's path as kg.toml writes it

    def graphs(self) -> dict[URIRef, list[AnyTriple]]:
        out: dict[URIRef, list[AnyTriple]] = {}
        for s in self.sipri:
            out.setdefault(s.graph, []).extend(s.triples)
        for r in self.rdf:
            out.setdefault(r.graph, []).extend(r.triples)
        return out

    def default_triples(self) -> list[Triple]:
        """Triples about the imports (file sources, owl:sameAs links) for the default graph."""
        return [t for r in self.rdf for t in r.meta]

    def report_lines(self) -> list[str]:
        names = self.sipri_names or (None,) * len(self.sipri)
        return ([line for s, n in zip(self.sipri, names, strict=True)
                 for line in s.report_lines(n)]
                + [line for r in self.rdf for line in r.report_lines()])


def _registers(project: Project, issues: list[Issue]) -> list[Register]:
    registers = []
    for path in project.sipri:
        try:
            register = read_register(path, limit=project.max_import_bytes)
        except ImportFileError as exc:
            issues.append(exc.issue())
        except DataError as exc:
            issues += exc.issues
        else:
            registers.append(register)
            issues += register.warnings
    first: dict[str, Register] = {}
    for r in registers:
        stamp = r.generated.date().isoformat()
        if stamp in first:
            issues.append(Issue(Loc(r.path), f"a second SIPRI export generated on {stamp} "
                                f"(the first is {first[stamp].path}); an export's date names "
                                "its graph and deals, so list one export per day", stamp,
                                code="import"))
        first.setdefault(stamp, r)
    return registers


def _rdf_imports(project: Project, curated: Dataset, memo: Memo | None,
                 issues: list[Issue]) -> list[RdfImport]:
    rdf = []
    for path in project.rdf:
        fmt = project.rdf_formats.get(path)
        found = memo.get("rdf", path, fmt or "") if memo is not None else None
        if not isinstance(found, RdfImport):
            try:
                found = import_rdf(path, curated, name=project.name(path), format=fmt,
                                   align=project.align, limit=project.max_import_bytes)
            except ImportFileError as exc:
                issues.append(exc.issue())
                continue
            if memo is not None:
                memo.put("rdf", path, fmt or "", found)
        rdf.append(found)
        issues += found.warnings
    return rdf


def check_project(project: Project, curated: Dataset, *, memo: Memo | None = None
                  ) -> tuple[Imported | None, list[Issue]]:
    """Read, check, align and convert every import; every problem of every import is
    returned (with the warnings). The imports are None when there is an error.

    With ``memo``, a conversion found there is not made again, and one made is kept
    there; every check still runs (only an import without error is ever kept)."""
    issues: list[Issue] = []
    registers = _registers(project, issues)
    rdf = _rdf_imports(project, curated, memo, issues)
    issues += check_align(project.align, project.locs, str(project.path), curated, registers,
                          rdf_names=frozenset(k for r in rdf for k in r.align_used),
                          rdf_imports=bool(project.rdf))
    if any(i.is_error for i in issues):
        return None, issues
    sipri: dict[str, SipriImport] = {}
    previous = None
    for r in sorted(registers, key=lambda r: r.generated):
        # the bytes it was read from (if the file changed since, the key names other bytes
        # and is never matched) and the source it revises
        extra = f"{r.sha256} {'' if previous is None else previous}"
        got = memo.get("sipri", Path(r.path), extra) if memo is not None else None
        if not isinstance(got, SipriImport):
            got = import_register(r, curated, digest=r.sha256, manual=project.align,
                                  revises=previous)
            if memo is not None:
                memo.put("sipri", Path(r.path), extra, got)
        sipri[r.path] = got
        previous = got.source
    return Imported(tuple(sipri[r.path] for r in registers), tuple(rdf),
                    tuple(project.name(Path(r.path)) for r in registers)), issues


def run_project(project: Project, curated: Dataset, *, memo: Memo | None = None) -> Imported:
    """Read, align and convert every import of ``project``; nothing is written. DataError
    lists every problem of every import (:func:`check_project`)."""
    imported, issues = check_project(project, curated, memo=memo)
    if imported is None:
        raise DataError(sort_issues(issues))
    return imported


def check_config(data_dir: Path | str, config: Path | str | None,
                 curated: Callable[[], Dataset]) -> list[Issue]:
    """``kg check``'s part: the problems of ``kg.toml`` and of every import it lists
    (``curated`` is called only when there is a config)."""
    try:
        path = find_config(data_dir, config)
        if path is None:
            return []
        return check_project(read_config(path), curated())[1]
    except ImportFileError as exc:
        return [exc.issue()]


def output_files(imported: Imported, curated: Dataset, out: Path, *,
                 html_page: bool = True) -> dict[Path, str]:
    """The import report and the focused pages (graph.trig and graph.nq: the build's,
    kg.imports.quads)."""
    files = {out / "imports-report.txt": "\n".join(imported.report_lines()) + "\n"}
    if html_page:
        files.update(page_files(out, list(imported.sipri), curated))
    return files


def union_triples(imported: Imported) -> list[AnyTriple]:
    """What the imports add to the union outputs (graph.ttl, graph.nt, graph.jsonld)."""
    extra: list[AnyTriple] = list(imported.default_triples())
    for triples in imported.graphs().values():
        extra += triples
    return extra


def import_sipri(path: Path | str, curated: Dataset, out_dir: Path | str, *,
                 project: Project | None = None) -> tuple[SipriImport, dict[str, Path]]:
    """``kg import sipri``: write ``sipri.ttl`` and ``sipri-report.txt`` into ``out_dir``.

    With ``project`` (kg.toml), its ``[align]`` maps names by hand, as in a build; every
    bad target is an error at its place in kg.toml (DataError, nothing written). Names
    this export does not have are left alone: they may be another import's."""
    register = read_register(path, limit=project.max_import_bytes if project else
                             MAX_IMPORT_BYTES)
    align = dict(project.align) if project is not None else {}
    if project is not None:
        errors = [i for i in check_align(align, project.locs, str(project.path), curated,
                                         [register]) if i.is_error]
        if errors:
            raise DataError(sort_issues(errors))
    imp = import_register(register, curated, digest=register.sha256, manual=align)
    out = Path(out_dir)
    files = {out / "sipri.ttl": export.serialize(imp.triples, "ttl"),
             out / "sipri-report.txt": "\n".join(imp.report_lines()) + "\n"}
    export.write_all(files)
    return imp, {p.name: p for p in files}


__all__ = ["CONFIG_NAME", "Imported", "Memo", "Project", "check_config", "check_project",
           "find_config", "import_sipri", "output_files", "read_config", "run_project",
           "union_triples"]

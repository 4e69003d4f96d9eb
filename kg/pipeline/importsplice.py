"""Rebuilds with imports that never touch the imports: only the default graph is made anew.

A build with imports (kg.imports.project) and a cache leaves, besides the state of
kg.pipeline.rebuild, an :class:`ImportState`: a fingerprint of everything the imports
depend on (the config's bytes, each import file's bytes, the curated names they align
to, the importers' code), the triples the imports add to the default graph, the report's
summary lines, and where the named graphs begin in ``graph.trig`` and ``graph.nq`` (and
those files' identity, kg.pipeline.splice.signature). A rebuild whose fingerprint is the
same then

- splices the union outputs (graph.nt, graph.ttl, graph.jsonld) as a curated-only
  rebuild does (kg.pipeline.rebuild): an import's subjects are blocks it copies;
- writes graph.trig and graph.nq as the new default graph followed by the previous
  file's named graphs, copied byte for byte (:func:`tail_writer`);
- keeps imports-report.txt as it is;
- makes the store generation from the previous one (kg.pipeline.artifact.derive_generation):
  the import graphs are never parsed again.

Nothing is trusted that content does not confirm: another fingerprint, or a previous
file that is not exactly the one recorded, makes a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from kg.core.model import Dataset
from kg.imports.project import Imported, Project
from kg.imports.quads import nquads_default, nquads_named, trig_default, trig_named
from kg.pipeline import importcache
from kg.pipeline.manifest import input_name
from kg.pipeline.splice import Signature, signature
from kg.pipeline.splice import write_all as _write_all
from kg.rdf import export
from kg.rdf.triples import Triple

NAMED = ("graph.trig", "graph.nq")
REPORT = "imports-report.txt"


@dataclass(slots=True)
class ImportState:
    """What a build with imports leaves for the next one (see the module's docstring)."""

    fingerprint: str
    default: list[Triple]  # what the imports add to the default graph
    report: list[str]  # the import report's lines
    count: int  # how many imports
    named: dict[str, tuple[int, Signature | None]] = field(default_factory=dict)
    # file name -> (where its named graphs begin, in bytes; the file's identity)


def fingerprint(project: Project, inputs: Mapping[str, str], data_dir: Path,
                curated: Dataset) -> str:
    """A hash of everything the imports' results depend on: the config and each import
    file (by the content hashes of ``inputs``), the curated names and the importers' code."""
    root = data_dir.resolve().parent
    files = [input_name(p, root) for p in (project.path, *project.sipri, *project.rdf)]
    text = json.dumps([[name, inputs.get(name, "")] for name in files], ensure_ascii=False)
    digest = hashlib.sha256(importcache.code().encode() + b"\0" + text.encode() + b"\0")
    digest.update(importcache.curated_names(curated).encode())
    return digest.hexdigest()


def usable(state: ImportState | None, key: str, out: Path) -> bool:
    """Whether ``state`` was left by a build with these very imports, its graph.trig
    and graph.nq are still exactly the files it recorded, and its report is in place."""
    return state is not None and state.fingerprint == key and set(state.named) == set(NAMED) \
        and all(sig is not None and signature(out / name) == sig
                for name, (_, sig) in state.named.items()) and _report_kept(state, out)


def _report_kept(state: ImportState, out: Path) -> bool:
    """imports-report.txt is still the report these imports made (it is kept as it is)."""
    try:
        return (out / REPORT).read_bytes() == ("\n".join(state.report) + "\n").encode()
    except OSError:
        return False


def files(imported: Imported, base: list[Triple]) -> tuple[dict[str, str], dict[str, int]]:
    """graph.trig and graph.nq of a full build, and where their named graphs begin."""
    default = [*base, *imported.default_triples()]
    graphs = imported.graphs()
    parts = {"graph.trig": (trig_default(default), trig_named(graphs)),
             "graph.nq": (nquads_default(default), nquads_named(graphs))}
    return ({name: head + tail for name, (head, tail) in parts.items()},
            {name: len(head.encode()) for name, (head, _) in parts.items()})


def new_state(imported: Imported, key: str, named: Mapping[str, int]) -> ImportState:
    return ImportState(key, imported.default_triples(), imported.report_lines(),
                       len(imported.sipri) + len(imported.rdf),
                       {name: (at, None) for name, at in named.items()})


def default_text(state: ImportState, base: Iterable[Triple]) -> str:
    """The default graph as N-Triples (graph.nq's first part): the curated graph, the
    ontology and what the imports add."""
    return nquads_default([*base, *state.default])


def spliced_files(state: ImportState, base: list[Triple], out: Path
                  ) -> tuple[dict[Path, export.Direct], dict[str, int]]:
    """graph.trig and graph.nq of a rebuild: the new default graph, then the previous
    file's named graphs; and where the named graphs now begin."""
    default = [*base, *state.default]
    heads = {"graph.trig": trig_default(default), "graph.nq": nquads_default(default)}
    written = {out / name: export.Direct(partial(tail_writer, out / name, state.named[name],
                                                 head.encode()))
               for name, head in heads.items()}
    return written, {name: len(head.encode()) for name, head in heads.items()}


def tail_writer(old: Path, named: tuple[int, Signature | None], head: bytes,
                temp: str) -> None:
    """Write ``head`` then ``old`` from byte ``named[0]`` on into ``temp``, if ``old`` is
    still the file recorded (OSError otherwise: the build fails and leaves out/ as it was)."""
    at, sig = named
    if signature(old) != sig:
        raise OSError(f"{old} changed while this build ran; build again")
    with open(old, "rb") as src, open(export.open_staged(temp), "wb", buffering=0) as dest:
        _write_all(dest.fileno(), head)
        size = os.fstat(src.fileno()).st_size
        start = at
        try:
            while start < size:
                n = os.copy_file_range(src.fileno(), dest.fileno(), size - start, start)
                if n == 0:
                    break
                start += n
        except OSError:
            pass  # e.g. another file system: copied below
        if start < size:
            src.seek(start)
            while chunk := src.read(1 << 22):
                _write_all(dest.fileno(), chunk)


def record(state: ImportState, out: Path) -> None:
    """Note graph.trig's and graph.nq's identity once they are in place."""
    state.named = {name: (at, signature(out / name)) for name, (at, _) in state.named.items()}

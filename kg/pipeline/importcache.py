"""Imports cached by content: an unchanged import costs nothing on a rebuild.

Each import of ``kg.toml`` (kg.imports.project) is read, aligned and converted once per
*key*, and the result kept in the build cache (kg.pipeline.cache, kind ``import``). The key hashes
everything the result depends on:

- the export's bytes (an edited file has a new key: it is never served from the cache);
- its kind and its name in the config (the named graph's IRI is made from the name);
- the config's ``[align]`` table;
- the curated names it aligns to: every curated entity's id, class, label, aliases and
  Wikidata id (an edit to a statement or a source leaves the key unchanged; a renamed
  or new entity changes it);
- the source code of the importers (``kg/imports/*.py``) and of kg's vocabulary.

A cache entry that cannot be read is ignored and the import run again.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path

from kg.core.model import Dataset
from kg.imports.project import Imported, Project
from kg.imports.rdf import RdfImport, import_rdf
from kg.imports.sipri import read_register
from kg.imports.sipri_graph import SipriImport, import_register
from kg.pipeline.cache import read_entry, write_entry

KIND = "import"


@cache
def _code() -> str:
    digest = hashlib.sha256()
    for item in sorted(resources.files("kg").joinpath("imports").iterdir(),
                       key=lambda t: t.name):
        if item.name.endswith(".py"):
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    for name in ("core/vocab.py", "core/model.py", "rdf/triples.py", "core/ontology.ttl"):
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    return digest.hexdigest()


def curated_names(curated: Dataset) -> str:
    """A hash of what alignment reads of the curated data: the entities' names."""
    rows = sorted((e.id, e.type, e.label, list(e.aliases), e.wikidata or "")
                  for e in curated.entities)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def import_key(kind: str, name: str, data: bytes, align: dict[str, str], names: str) -> str:
    digest = hashlib.sha256(_code().encode() + b"\0" + kind.encode() + b"\0" +
                            name.encode() + b"\0")
    digest.update(json.dumps(sorted(align.items()), ensure_ascii=False).encode() + b"\0")
    digest.update(names.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def run_project(project: Project, curated: Dataset, *,
                cache_dir: Path | None) -> tuple[Imported, int]:
    """As kg.imports.project.run_project, each import taken from the cache when its key
    is there; also returns how many imports were served from the cache."""
    names = curated_names(curated)
    hits = 0
    sipri: list[SipriImport] = []
    for path in project.sipri:
        data = Path(path).read_bytes() if Path(path).is_file() else b""
        key = import_key("sipri", _name(project, path), data, project.align, names)
        found = read_entry(cache_dir, KIND, key) if cache_dir is not None else None
        if isinstance(found, SipriImport):
            hits += 1
        else:
            register = read_register(path)
            found = import_register(register, curated, digest=hashlib.sha256(data).hexdigest(),
                                    manual=project.align)
            _store(cache_dir, key, path, data, found)
        sipri.append(found)
    rdf: list[RdfImport] = []
    for path in project.rdf:
        data = Path(path).read_bytes() if Path(path).is_file() else b""
        key = import_key("rdf", _name(project, path), data, {}, names)
        got = read_entry(cache_dir, KIND, key) if cache_dir is not None else None
        if isinstance(got, RdfImport):
            hits += 1
        else:
            got = import_rdf(path, curated, name=_name(project, path))
            _store(cache_dir, key, path, data, got)
        rdf.append(got)
    return Imported(tuple(sipri), tuple(rdf)), hits


def _name(project: Project, path: Path) -> str:
    """The import's name: its path relative to the config (as kg.imports.project names it)."""
    folder = project.path.parent
    return (path.relative_to(folder) if path.is_relative_to(folder) else Path(path.name)
            ).as_posix()


def _store(cache_dir: Path | None, key: str, path: Path, data: bytes, value: object) -> None:
    """Cache ``value`` unless the file changed while it was imported (then its key would
    name other bytes)."""
    if cache_dir is not None and Path(path).read_bytes() == data:
        write_entry(cache_dir, KIND, key, value)

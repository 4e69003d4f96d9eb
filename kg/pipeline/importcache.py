"""Imports cached by content: an unchanged import costs nothing on a rebuild.

Each import of ``kg.toml`` (kg.imports.project) is read, aligned and converted once per
*key*, and the result kept in the build cache (kg.pipeline.cache, kind ``import``). The key hashes
everything the result depends on:

- the export's bytes (an edited file has a new key: it is never served from the cache);
- its kind and its name in the config (the named graph's IRI is made from the name);
- for an RDF file its format as the config names it, for a SIPRI export the source of
  the earlier export it revises (``prov:wasRevisionOf``);
- the config's ``[align]`` table (it aligns SIPRI names and RDF resources alike);
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

from kg.core.errors import ImportFileError
from kg.core.model import Dataset
from kg.imports import project as imports
from kg.imports.project import Imported, Project
from kg.imports.rdf import RdfImport
from kg.imports.sipri_graph import SipriImport
from kg.imports.textfile import read_import_bytes
from kg.pipeline.cache import read_entry, write_entry

KIND = "import"


@cache
def code() -> str:
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
    digest = hashlib.sha256(code().encode() + b"\0" + kind.encode() + b"\0" +
                            name.encode() + b"\0")
    digest.update(json.dumps(sorted(align.items()), ensure_ascii=False).encode() + b"\0")
    digest.update(names.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def run_project(project: Project, curated: Dataset, *,
                cache_dir: Path | None) -> tuple[Imported, int]:
    """As kg.imports.project.run_project (every check, every error reported together),
    each conversion taken from the cache when its key is there; also returns how many
    imports were served from the cache."""
    memo = _Memo(project, curated_names(curated), cache_dir)
    return imports.run_project(project, curated, memo=memo), memo.hits


class _Memo:
    """kg.imports.project.Memo over the build cache. A file is read for its key as an
    import reads it (kg.imports.textfile: a device, FIFO or huge file is refused unread);
    one that cannot be read has no key, and its import reports why."""

    def __init__(self, project: Project, names: str, cache_dir: Path | None) -> None:
        self.project, self.names, self.cache_dir = project, names, cache_dir
        self.data: dict[tuple[Path, str], tuple[str, bytes]] = {}
        self.hits = 0

    def _key(self, kind: str, path: Path, extra: str) -> str | None:
        try:
            data = read_import_bytes(path, limit=self.project.max_import_bytes)
        except ImportFileError:
            return None
        key = import_key(kind, self.project.name(path), data, self.project.align,
                         self.names + "\0" + extra)
        self.data[path, kind] = key, data
        return key

    def get(self, kind: str, path: Path, extra: str) -> object | None:
        if self.cache_dir is None or (key := self._key(kind, path, extra)) is None:
            return None
        found = read_entry(self.cache_dir, KIND, key)
        if isinstance(found, SipriImport | RdfImport):
            self.hits += 1
        return found

    def put(self, kind: str, path: Path, extra: str, value: object) -> None:
        if self.cache_dir is None or (path, kind) not in self.data:
            return
        key, data = self.data[path, kind]
        _store(self.cache_dir, key, path, data, value, self.project.max_import_bytes)


def _store(cache_dir: Path | None, key: str, path: Path, data: bytes, value: object,
           limit: int) -> None:
    """Cache ``value`` unless the file changed while it was imported (then its key would
    name other bytes)."""
    try:
        same = read_import_bytes(path, limit=limit) == data
    except ImportFileError:
        same = False
    if cache_dir is not None and same:
        write_entry(cache_dir, KIND, key, value)

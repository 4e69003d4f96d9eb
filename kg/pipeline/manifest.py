"""``out/manifest.json``: what a build read, what it wrote, and the commit point of a build.

A build writes its outputs, then a fresh Oxigraph store generation (kg.pipeline.artifact), and
last of all this manifest, atomically (a temporary file, then ``os.replace``). The
manifest names the generation, so a reader that resolves the store through it sees the
previous build or the new one, never a mix. It records:

- ``kg``: the kg version that wrote it (another version's ``out/`` is rebuilt, not read);
- ``inputs``: every input with the SHA-256 of its bytes: each data file, the project
  config (``kg.toml``) and each import file it lists;
- ``outputs``: every file the build wrote (relative to ``out/``) with its SHA-256;
- ``graphs``: triples per graph (``""`` is the default graph) and ``total``;
- ``summary`` and ``stamps``: the curated graph's counts (for the summary of a build
  that finds nothing to do) and each output's size and modification time (a cheap
  first look before hashing, when a build checks that ``out/`` is intact);
- ``options``: what the build was asked for (page, focus pages, config), so that a
  command that rebuilds first builds the same outputs.

Inputs are compared by content hash, never by timestamps.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg.core.errors import ImportFileError, KGError
from kg.core.version import __version__
from kg.curate.files import data_files
from kg.imports.textfile import read_import_bytes

MANIFEST = "manifest.json"
FORMAT = 1
_GENERATION = re.compile(r"store/g-[0-9a-f]+-[0-9]+")


class ManifestError(KGError):
    """No usable manifest in ``out/``: missing, unreadable, or written by another kg."""


def kg_version() -> str:
    return __version__


@dataclass(frozen=True, slots=True)
class Manifest:
    generation: str  # the store folder, relative to out/
    inputs: dict[str, str]
    outputs: dict[str, str]
    graphs: dict[str, int]
    options: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # the curated graph's kg.stats
    stamps: dict[str, list[int]] = field(default_factory=dict)  # output -> [size, mtime_ns]
    kg: str = field(default_factory=kg_version)
    format: int = FORMAT

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(paths: Mapping[str, Path]) -> dict[str, str]:
    """:func:`file_hash` of each path, by name (sorted), two files at a time: hashlib
    releases the GIL while it hashes, and a build's outputs are hundreds of MB at 100k
    facts (docs/benchmarks.md)."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(paths)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(lambda name: file_hash(paths[name]), names),
                        strict=True))


def input_name(path: Path, root: Path) -> str:
    """How the manifest names an input: relative to the project folder when under it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def input_hashes(data_dir: Path, config: Path | None,
                 imports: list[Path] | None = None) -> dict[str, str]:
    """Every input of a build of ``data_dir`` with its content hash: the data files, the
    config and the import files it lists (read from ``config`` unless given)."""
    root = data_dir.resolve().parent
    found: dict[str, str] = {}
    if data_dir.is_dir():
        for path in data_files(data_dir):
            found[input_name(path, root)] = file_hash(path)
    if config is not None:
        found[input_name(config, root)] = file_hash(config)
        from kg.imports.config import read_config

        project = read_config(config)
        if imports is None:
            imports = [*project.sipri, *project.rdf]
        for path in imports:  # read as an import reads it: a device, FIFO or huge file never
            try:
                data = read_import_bytes(path, limit=project.max_import_bytes)
            except ImportFileError:  # the build reports why (one line, nothing written)
                found[input_name(path, root)] = "unreadable"
            else:
                found[input_name(path, root)] = hashlib.sha256(data).hexdigest()
    return found


def changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """What differs between two input lists, as ``NAME changed|added|removed``."""
    out = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            out.append(f"{name} removed")
        elif name not in old:
            out.append(f"{name} added")
        elif old[name] != new[name]:
            out.append(f"{name} changed")
    return out


def read_manifest(out: Path) -> Manifest:
    """The manifest of ``out``; ManifestError (one line) when missing, corrupt or foreign."""
    path = out / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{out}: no build here ({MANIFEST} is missing)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: unreadable manifest ({exc})") from None
    try:
        manifest = Manifest(
            generation=_str(doc["generation"]), inputs=_strs(doc["inputs"]),
            outputs=_strs(doc["outputs"]),
            graphs={str(k): int(v) for k, v in dict(doc["graphs"]).items()},
            options=dict(doc.get("options", {})), summary=dict(doc.get("summary", {})),
            stamps={str(k): [int(n) for n in v] for k, v in dict(doc.get("stamps", {})).items()},
            kg=_str(doc["kg"]), format=int(doc["format"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ManifestError(f"{path}: corrupt manifest (bad or missing {exc})") from None
    if manifest.format != FORMAT or manifest.kg != kg_version():
        raise ManifestError(f"{out}: written by kg {manifest.kg} (format {manifest.format}), "
                            f"this is kg {kg_version()}")
    if not _GENERATION.fullmatch(manifest.generation):
        raise ManifestError(f"{path}: corrupt manifest (bad generation "
                            f"{manifest.generation!r})")
    return manifest


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(repr(value))
    return value


def _strs(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(repr(value))
    return {_str(k): _str(v) for k, v in value.items()}


def write_manifest(out: Path, manifest: Manifest) -> Path:
    """Write the manifest atomically (temporary file, fsync, ``os.replace``)."""
    path = out / MANIFEST
    text = json.dumps(asdict(manifest), indent=1, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{MANIFEST}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def intact(out: Path, manifest: Manifest) -> bool:
    """Every output the manifest lists is there with its bytes (the size and time first;
    the hash when those differ), and the store generation opens."""
    if not (out / manifest.generation).is_dir():
        return False
    import pyoxigraph

    try:  # a store that cannot be opened is not intact, whatever the files say
        pyoxigraph.Store.read_only(str(out / manifest.generation))
    except (OSError, RuntimeError):
        return False
    for rel, digest in manifest.outputs.items():
        path = out / rel
        try:
            if manifest.stamps.get(rel) == stamp(path):
                continue
            if file_hash(path) != digest:
                return False
        except OSError:
            return False
    return True

"""The project config (``kg.toml``): which imports a build runs, read without the importers.

Reading it is all a reader of the build needs to tell whether ``out/`` is stale
(kg.pipeline.manifest): this module imports no RDF library. Running the imports is
kg.imports.project's.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.errors import ImportFileError, Loc
from kg.imports.textfile import MAX_IMPORT_BYTES

CONFIG_NAME = "kg.toml"
_KEYS = {"imports": {"sipri", "rdf", "max_import_bytes"}, "align": None}

# What kg.toml may name as a file's ``format``: N3 is read as Turtle (the Turtle-compatible
# N3 of public dumps; N3 rules and formulae are refused as Turtle syntax errors).
FORMAT_NAMES = {"turtle": "turtle", "n3": "turtle", "nt": "nt", "n-triples": "nt",
                "ntriples": "nt", "xml": "xml", "rdf/xml": "xml", "rdfxml": "xml",
                "json-ld": "json-ld", "jsonld": "json-ld"}


def import_name(written: str) -> str:
    """The name of an import whose path ``kg.toml`` writes as ``written`` (the name
    everything else about the import is derived from: :mod:`kg.imports.rdfnames`)."""
    return posixpath.normpath(written.replace("\\", "/"))


@dataclass(frozen=True, slots=True)
class Project:
    """What ``kg.toml`` asks for, with paths resolved against its folder."""

    path: Path
    sipri: tuple[Path, ...] = ()
    rdf: tuple[Path, ...] = ()
    align: dict[str, str] = field(default_factory=dict)
    rdf_formats: dict[Path, str] = field(default_factory=dict)  # path -> format, if named
    locs: dict[str, Loc] = field(default_factory=dict)  # [align] name -> its value's place
    names: dict[Path, str] = field(default_factory=dict)  # path -> its name (as written)
    max_import_bytes: int = MAX_IMPORT_BYTES

    def name(self, path: Path) -> str:
        """The import's name: its path as kg.toml writes it (kg.imports.rdfnames)."""
        return self.names.get(path) or import_name(path.name)


def find_config(data_dir: Path | str, config: Path | str | None = None) -> Path | None:
    """``config`` if given (it must exist), else ``kg.toml`` beside ``data_dir`` if any."""
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise ImportFileError(Loc(str(path)), "config file not found")
        return path
    candidate = Path(data_dir).resolve().parent / CONFIG_NAME
    if not candidate.is_file():
        return None
    here = Path.cwd()  # reports name files as the user would: relative to where kg runs
    return candidate.relative_to(here) if candidate.is_relative_to(here) else candidate


def _key_loc(path: Path, text: str, key: str) -> Loc:
    m = re.search(rf"^\s*\"?{re.escape(key)}\"?\s*[=\]]", text, re.MULTILINE)
    if m is None:
        return Loc(str(path))
    line = text.count("\n", 0, m.start()) + 1
    return Loc(str(path), line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)


def _value_loc(path: Path, text: str, key: str) -> Loc:
    """Where the value of ``key = value`` starts (the key's place if not found)."""
    m = re.search(rf"^[ \t]*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})"
                  r"[ \t]*=[ \t]*", text, re.MULTILINE)
    if m is None:
        return _key_loc(path, text, key)
    line = text.count("\n", 0, m.end()) + 1
    return Loc(str(path), line, m.end() - (text.rfind("\n", 0, m.end()) + 1) + 1)


def _written_loc(path: Path, text: str, written: str, nth: int) -> Loc:
    """Where the ``nth`` (0-based) quoted ``written`` of kg.toml starts."""
    found = list(re.finditer(rf"([\"']){re.escape(written)}\1", text))
    if not found:
        return Loc(str(path))
    at = found[min(nth, len(found) - 1)].start()
    return Loc(str(path), text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1)


def _refuse_twice(path: Path, text: str, written: str, first: dict[str, str]) -> None:
    """ImportFileError when ``written`` names an import already listed: one file, one name
    (its graph, source and blank nodes), so it is listed once."""
    name = import_name(written)
    if name not in first:
        first[name] = written
        return
    earlier = _written_loc(path, text, first[name], 0)
    nth = 1 if first[name] == written else 0
    raise ImportFileError(_written_loc(path, text, written, nth), f"the import {name!r} is "
                          f"listed twice (first at line {earlier.line}); list each file once",
                          written)


def _paths(path: Path, text: str, table: dict[str, object], key: str, names: dict[Path, str]
           ) -> tuple[tuple[Path, ...], dict[Path, str]]:
    value = table.get(key, [])
    allowed = "file paths" if key == "sipri" else ('file paths or {path = "...", format = '
                                                    '"..."} tables')
    if not isinstance(value, list):
        raise ImportFileError(_key_loc(path, text, key), f"imports.{key} must be a list of "
                              f"{allowed}", value)
    paths: list[Path] = []
    formats: dict[Path, str] = {}
    first: dict[str, str] = {}  # an import's name -> how kg.toml first writes it
    for item in value:
        written = item if isinstance(item, str) else item.get("path") \
            if isinstance(item, dict) else None
        if isinstance(written, str):
            _refuse_twice(path, text, written, first)
        if isinstance(item, str):
            paths.append(path.parent / item)
            names[paths[-1]] = import_name(item)
            continue
        if key != "rdf" or not isinstance(item, dict) or not isinstance(item.get("path"), str) \
                or set(item) - {"path", "format"}:
            raise ImportFileError(_key_loc(path, text, key), f"imports.{key} must be a list "
                                  f"of {allowed}", item)
        fmt = item.get("format")
        if fmt is not None and fmt not in FORMAT_NAMES:
            m = re.search(rf"format\s*=\s*[\"']{re.escape(str(fmt))}", text)
            raise ImportFileError(_key_loc(path, text, key) if m is None else Loc(
                                  str(path), text.count("\n", 0, m.start()) + 1,
                                  m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1),
                                  "unknown RDF format; expected one of "
                                  + ", ".join(sorted(FORMAT_NAMES)), fmt)
        paths.append(path.parent / item["path"])
        names[paths[-1]] = import_name(item["path"])
        if fmt is not None:
            formats[paths[-1]] = fmt
    return tuple(paths), formats


def read_config(path: Path | str) -> Project:
    """Read ``kg.toml``; ImportFileError (file:line:col) on bad TOML or unknown keys."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except OSError as exc:
        raise ImportFileError(Loc(str(p)), f"cannot read: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        loc = Loc(str(p), int(m.group(1)), int(m.group(2))) if m else Loc(str(p))
        raise ImportFileError(loc, f"bad TOML: {str(exc).split(' (at line')[0]}") from None
    for key, value in doc.items():
        if key not in _KEYS or not isinstance(value, dict):
            raise ImportFileError(_key_loc(p, text, key), "unknown config table; expected "
                                  "[imports] and [align]", key)
        allowed = _KEYS[key]
        for sub, item in value.items():
            if allowed is not None and sub not in allowed:
                raise ImportFileError(_key_loc(p, text, sub), f"unknown key in [{key}]; "
                                      "expected " + ", ".join(sorted(allowed)), sub)
            if allowed is None and not isinstance(item, str):
                raise ImportFileError(_key_loc(p, text, sub), "an [align] value must be a "
                                      "curated id or a Wikidata id", item)
    imports = doc.get("imports", {})
    names: dict[Path, str] = {}
    sipri, _ = _paths(p, text, imports, "sipri", names)
    rdf, formats = _paths(p, text, imports, "rdf", names)
    limit = imports.get("max_import_bytes", MAX_IMPORT_BYTES)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ImportFileError(_value_loc(p, text, "max_import_bytes"), "max_import_bytes "
                              "must be a whole number of bytes, at least 1", limit)
    align = dict(doc.get("align", {}))
    return Project(p, sipri, rdf, align, formats,
                   {name: _value_loc(p, text, name) for name in align}, names, limit)



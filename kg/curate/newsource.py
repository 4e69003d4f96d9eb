"""``kg new source FILE``: start curating an article.

Adds the source to ``<data>/sources.yaml`` (id, title, date where the text gives one,
file name, SHA-256) and writes ``<data>/statements/<id>.yaml`` with the paragraph map
as comments: per paragraph its length and the known entities it names, never its text
(no sentence of an article enters the project).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import KGError
from kg.curate import archive
from kg.pipeline.build import load_graph

_ISO = re.compile(r"\b((?:19|20)[0-9]{2})-([01][0-9])-([0-3][0-9])\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_WRITTEN = re.compile(r"\b([0-3]?[0-9]) (" + "|".join(_MONTHS) + r") ((?:19|20)[0-9]{2})\b",
                      re.IGNORECASE)
_HEAD = 5  # the date is looked for in the first lines only (a dateline, not a story list)


@dataclass(frozen=True, slots=True)
class NewSource:
    source_id: str
    sources_file: Path
    statements_file: Path
    paragraphs: int


def find_date(paragraphs: Sequence[str]) -> str | None:
    """The first date written in the first lines (ISO, or '10 May 2023'), as ISO."""
    for line in paragraphs[:_HEAD]:
        if m := _ISO.search(line):
            return m.group(0)
        if m := _WRITTEN.search(line):
            day, month, year = m.groups()
            return f"{year}-{_MONTHS.index(month.lower()) + 1:02d}-{int(day):02d}"
    return None


def make_id(title: str, date: str | None, taken: set[str]) -> str:
    """A lowercase hyphenated id from the title's first words and the year."""
    words = re.findall(r"[a-z0-9]+", title.lower())[:5] or ["source"]
    base = "-".join([*words, *([date[:4]] if date else [])])
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def new_source(path: Path, data_dir: Path) -> NewSource:
    """Add the archived article at ``path`` as a source of ``data_dir`` and write its
    statements file, ready to curate. Refused (KGError) when the file cannot be read,
    has no text, or is already a source."""
    found = archive.read_archive(path)
    if found is None:
        raise KGError(f"{path}: no such file")
    if not found.paragraphs:
        raise KGError(f"{path}: the file has no text")
    data = load_graph(data_dir, shacl=False).data
    for s in data.sources:
        if s.file == path.name or (s.sha256 or "").lower() == found.sha256:
            raise KGError(f"{path}: already the source '{s.id}' (file {s.file})")
    # The headline: the first line that is not a dateline.
    title = next((p for p in found.paragraphs if find_date([p]) is None), found.paragraphs[0])
    date = find_date(found.paragraphs)
    ident = make_id(title, date, {s.id for s in data.sources} | {e.id for e in data.entities})
    sources_file = data_dir / "sources.yaml"
    statements_file = data_dir / "statements" / f"{ident}.yaml"
    if statements_file.exists():
        raise KGError(f"{statements_file}: already exists")
    entry = [f"  - id: {ident}", f"    title: {_quoted(title)}"]
    if date:
        entry.append(f"    published: {date}  # found in the text: check it")
    entry += [f"    file: {path.name}", f"    sha256: {found.sha256}",
              "    # publisher, reliability (A-F), language and a note: the curator's"]
    text = sources_file.read_text(encoding="utf-8") if sources_file.exists() else "sources:\n"
    sources_file.write_text(text.rstrip("\n") + "\n\n" + "\n".join(entry) + "\n",
                            encoding="utf-8")
    known = archive.names(data.entities)
    lines = [f"# Claims of the source {ident} ({path.name}).",
             "# Locators: \"para N\" is the N-th non-blank line of the archived file.",
             "# Paragraph map (length, and the known entities each paragraph names):"]
    for n, para in enumerate(found.paragraphs, 1):
        names = ", ".join(eid for eid, _ in archive.mentions(para, known)) or "-"
        lines.append(f"# para {n} ({len(para.split())} words): {names}")
    lines.append("statements: []")
    statements_file.parent.mkdir(parents=True, exist_ok=True)
    statements_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return NewSource(ident, sources_file, statements_file, len(found.paragraphs))

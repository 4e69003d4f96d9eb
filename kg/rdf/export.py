"""Serializations: sorted, deterministic Turtle, N-Triples and JSON-LD; atomic writes.

The writers take any iterable of triples and sort them, so the same graph always gives
the same bytes (rdflib's own serializers follow hash order, which changes per process).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring
from pathlib import Path

from rdflib import RDF
from rdflib.term import Node

from kg.core.errors import OutputError
from kg.core.prefixes import PREFIXES
from kg.rdf.ntterms import Memo, TextTriple, from_rdflib, parts
from kg.rdf.termtext import XSD_STRING, Prefixer, literal_text

_FILE_MODE = 0o644  # rw-r--r--, what a plain open() gives under the usual umask

FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}

Triples = Iterable[tuple[Node, Node, Node]]
Grouped = dict[str, dict[str, list[str]]]
_RDF_TYPE = "<" + str(RDF.type) + ">"


def _grouped(triples: Iterable[TextTriple], keys: Memo[tuple[int, str, str, str]],
             repeats: list[TextTriple]) -> Grouped:
    """Subject -> predicate -> distinct objects (sorted), of text triples; each triple
    met again after its first time is appended to ``repeats``."""
    subjects: dict[str, dict[str, set[str]]] = {}
    for triple in triples:
        s, p, o = triple
        preds = subjects.get(s)
        if preds is None:
            preds = subjects[s] = {}
        objs = preds.get(p)
        if objs is None:
            preds[p] = {o}
        elif o in objs:
            repeats.append(triple)
        else:
            objs.add(o)
    get = keys.__getitem__
    for preds in subjects.values():  # in place: each set goes as its list is made
        for p, objs in preds.items():
            preds[p] = [*objs] if len(objs) == 1 else sorted(objs, key=get)  # type: ignore[assignment]
    return subjects  # type: ignore[return-value]


class Text:
    """Text triples (N-Triples terms, see kg.rdf.ntterms) and what the writers share: the
    sort key of each distinct term and the grouping by subject, each made once."""

    def __init__(self, triples: Iterable[TextTriple]) -> None:
        """``triples`` is read once, when first needed (a generator is never held whole:
        the grouping is the only copy of the graph)."""
        self._source: Iterable[TextTriple] | None = triples
        self._released = False
        self.keys: Memo[tuple[int, str, str, str]] = Memo(parts)

    @classmethod
    def of(cls, triples: Triples) -> Text:
        return cls(from_rdflib(triples))

    @cached_property
    def _grouping(self) -> tuple[Grouped, list[TextTriple]]:
        if self._released:
            raise RuntimeError("the text triples were released: every writer had run")
        repeats: list[TextTriple] = []
        source, self._source = self._source or (), None
        return _grouped(source, self.keys, repeats), repeats

    def distinct(self) -> Iterator[TextTriple]:
        """Each distinct triple once, subject by subject."""
        for s, preds in self.grouped.items():
            for p, objs in preds.items():
                for o in objs:
                    yield s, p, o

    @property
    def grouped(self) -> Grouped:
        """Subject -> predicate -> its distinct objects, sorted."""
        return self._grouping[0]

    @property
    def repeats(self) -> list[TextTriple]:
        """Each triple as often as it occurs beyond its first time: what a rebuild needs
        to tell whether a triple is gone (kg.pipeline.rebuild)."""
        return self._grouping[1]

    def release(self) -> None:
        """Free the grouping, the sort keys and the orders once every writer has run:
        the largest part of a build's memory (about 360 MiB at 100k facts), which the
        page after them no longer needs. A later use raises RuntimeError, never an
        empty graph."""
        self._released = True
        self._source = None
        for name in ("_grouping", "subjects", "nt_subjects"):
            self.__dict__.pop(name, None)
        self.keys.clear()

    @cached_property
    def subjects(self) -> list[str]:
        """The subjects in the Turtle and JSON-LD order (sorted once, for both)."""
        return sorted(self.grouped, key=self.keys.__getitem__)

    @cached_property
    def nt_subjects(self) -> list[str]:
        """The subjects in the N-Triples order: by their text, which sorts the lines."""
        return sorted(self.grouped)


def _turtle_term(term: str, short: Prefixer, datatypes: Memo[str],
                 keys: Memo[tuple[int, str, str, str]]) -> str:
    """A term's Turtle text from its N-Triples text, by string operations: the very text
    :func:`kg.rdf.ntterms.term_text` gives for the rdflib term (tests/test_writer_terms.py
    compares them), without making that term."""
    if term.startswith('"') and term.endswith('"'):  # a plain string: the same text
        return term
    kind, value, datatype, lang = keys[term]
    if kind == 0:
        return short.text(value)
    if kind == 1:
        return term
    body = literal_text(value, lang=lang or None, datatype=None)
    if not lang and datatype and datatype != XSD_STRING:
        return body + "^^" + datatypes[datatype]
    return body


@dataclass(frozen=True, slots=True)
class Frame:
    """An output's text around its blocks (one block per subject):
    ``head + sep.join(blocks) + tail``, or ``empty`` when there is no block."""

    head: str
    sep: str
    tail: str
    empty: str

    def pieces(self, blocks: Iterable[str]) -> Iterator[str]:
        """The output's text in pieces: head, blocks and separators, tail."""
        it = iter(blocks)
        first = next(it, None)
        if first is None:
            yield self.empty
            return
        yield self.head
        yield first
        for block in it:
            yield self.sep
            yield block
        yield self.tail


BlockWriter = Callable[[str, Mapping[str, Sequence[str]]], str]


def frame(fmt: str, prefixes: Mapping[str, str] = PREFIXES) -> Frame:
    """What ``fmt``'s text has around its subject blocks."""
    if fmt == "ttl":
        head = "".join(f"@prefix {p}: <{prefixes[p]}> .\n" for p in sorted(prefixes))
        return Frame(head, "", "", head)
    if fmt == "nt":
        return Frame("", "", "", "")
    if fmt == "jsonld":
        start = '{\n "@context": ' + _indented(dict(sorted(prefixes.items())), 1) + \
            ',\n "@graph": '
        return Frame(start + "[\n  ", ",\n  ", "\n ]\n}\n", start + "[]\n}\n")
    raise OutputError(f"unknown format {fmt!r}; allowed: " + ", ".join(FORMATS))


def block_writer(fmt: str, keys: Memo[tuple[int, str, str, str]],
                 prefixes: Mapping[str, str] = PREFIXES) -> BlockWriter:
    """A function giving one subject's block of ``fmt`` text from its grouped triples;
    it renders each distinct term once over all the blocks it writes."""
    if fmt == "ttl":
        return _turtle_writer(keys, prefixes)
    if fmt == "nt":
        return _nt_block
    if fmt == "jsonld":
        return _jsonld_writer(keys, prefixes)
    raise OutputError(f"unknown format {fmt!r}; allowed: " + ", ".join(FORMATS))


def order(text: Text, fmt: str) -> list[str]:
    """The subjects in ``fmt``'s order."""
    return text.nt_subjects if fmt == "nt" else text.subjects


def _turtle_writer(keys: Memo[tuple[int, str, str, str]],
                   prefixes: Mapping[str, str]) -> BlockWriter:
    short = Prefixer(prefixes)
    datatypes = Memo(short.text)
    ttl = Memo(lambda term: _turtle_term(term, short, datatypes, keys))
    ttl[_RDF_TYPE] = "a"

    def write(s: str, preds: Mapping[str, Sequence[str]]) -> str:
        order = sorted(preds, key=lambda p: (p != _RDF_TYPE, keys[p][1]))
        parts = [ttl[p] + " " + ", ".join([ttl[o] for o in preds[p]]) for p in order]
        return "\n" + ttl[s] + "\n    " + " ;\n    ".join(parts) + " .\n"

    return write


def _nt_block(s: str, preds: Mapping[str, Sequence[str]]) -> str:
    head = s + " "
    return "".join(sorted([head + p + " " + o + " .\n" for p, objs in preds.items()
                           for o in objs]))


def turtle_text_lines(text: Text, prefixes: Mapping[str, str] = PREFIXES) -> Iterator[str]:
    """Sorted Turtle: prefixes, then subjects in IRI order, rdf:type first."""
    return _framed(text, "ttl", prefixes)


def _framed(text: Text, fmt: str, prefixes: Mapping[str, str]) -> Iterator[str]:
    write, grouped = block_writer(fmt, text.keys, prefixes), text.grouped
    return frame(fmt, prefixes).pieces(write(s, grouped[s]) for s in order(text, fmt))


def turtle_lines(triples: Triples, prefixes: Mapping[str, str] = PREFIXES) -> Iterator[str]:
    """Sorted Turtle of rdflib triples (see :func:`turtle_text_lines`)."""
    return turtle_text_lines(Text.of(triples), prefixes)


def ntriples_text(triples: Iterable[TextTriple]) -> list[str]:
    """The distinct N-Triples lines of text triples, sorted."""
    return sorted({f"{s} {p} {o} .\n" for s, p, o in triples})


def ntriples_lines(triples: Triples) -> Iterator[str]:
    return iter(ntriples_text(from_rdflib(triples)))


def _jsonld_value(term: str, short: Prefixer,
                  keys: Memo[tuple[int, str, str, str]]) -> str:
    """``_indented(node, 4)`` of the term's JSON-LD node object, written out directly
    (one per distinct term of the graph)."""
    kind, value, datatype, lang = keys[term]
    if kind == 0:
        return '{\n     "@id": ' + encode_basestring(short.short(value) or value) + "\n    }"
    if kind == 1:
        return '{\n     "@id": ' + encode_basestring(f"_:{value}") + "\n    }"
    text = '{\n     "@value": ' + encode_basestring(value)
    if lang:
        text += ',\n     "@language": ' + encode_basestring(lang)
    elif datatype and datatype != XSD_STRING:
        text += ',\n     "@type": ' + encode_basestring(short.short(datatype) or datatype)
    return text + "\n    }"


def _indented(value: object, level: int = 0) -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False)`` for nested str, list and dict.

    The standard encoder falls back to pure Python when indenting; this writes the very
    same text with the C string encoder, several times faster on a large graph.
    """
    if isinstance(value, str):
        return encode_basestring(value)
    pad = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [encode_basestring(k) + ": " + _indented(v, level + 1) for k, v in value.items()]
        return "{" + pad + ("," + pad).join(items) + "\n" + " " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + pad + ("," + pad).join(_indented(v, level + 1) for v in value) + \
            "\n" + " " * level + "]"
    raise TypeError(f"not JSON-LD text: {value!r}")


def _jsonld_writer(keys: Memo[tuple[int, str, str, str]],
                   prefixes: Mapping[str, str]) -> BlockWriter:
    short = Prefixer(prefixes)

    def make_key(term: str) -> str:
        kind, value, _, _ = keys[term]
        return encode_basestring(f"_:{value}" if kind == 1 else short.short(value) or value)

    names = Memo(make_key)
    values = Memo(lambda term: _jsonld_value(term, short, keys))

    def write(s: str, preds: Mapping[str, Sequence[str]]) -> str:
        entries = ['"@id": ' + names[s]]
        for p in sorted(preds, key=lambda p: keys[p][1]):
            objs = preds[p]
            if p == _RDF_TYPE:
                items, name = [names[o] for o in objs], '"@type"'
            else:
                items, name = [values[o] for o in objs], names[p]
            entries.append(name + ": [\n    " + ",\n    ".join(items) + "\n   ]")
        return "{\n   " + ",\n   ".join(entries) + "\n  }"

    return write


def jsonld_chunks(text: Text, prefixes: Mapping[str, str] = PREFIXES) -> Iterator[str]:
    """JSON-LD with the prefixes as its only (inline) context, nodes sorted by @id, in
    pieces that join to exactly ``json.dumps(doc, indent=1, ensure_ascii=False)`` of
    the document; each distinct term is rendered once."""
    return _framed(text, "jsonld", prefixes)


def jsonld_text_of(text: Text, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """:func:`jsonld_chunks` joined."""
    return "".join(jsonld_chunks(text, prefixes))


def jsonld_text(triples: Triples, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """JSON-LD of rdflib triples (see :func:`jsonld_text_of`)."""
    return jsonld_text_of(Text.of(triples), prefixes)


def chunks(text: Text, fmt: str, *, prefixes: Mapping[str, str] = PREFIXES) -> Iterable[str]:
    """Text triples in ``fmt`` (ttl, nt or jsonld), as pieces to write one after another
    (the whole text is never held as one string)."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; allowed: " + ", ".join(FORMATS))
    return _framed(text, fmt, prefixes)


def serialize_text(text: Text, fmt: str, *, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Text triples in ``fmt`` (ttl, nt or jsonld) as text."""
    return "".join(chunks(text, fmt, prefixes=prefixes))


def serialize(triples: Triples, fmt: str, *, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The rdflib triples in ``fmt`` (ttl, nt or jsonld) as text."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; allowed: " + ", ".join(FORMATS))
    return serialize_text(Text.of(triples), fmt, prefixes=prefixes)


@dataclass(frozen=True, slots=True)
class Direct:
    """An output that writes itself, as bytes, to the temporary path it is given (a
    rebuild splicing the previous file, kg.pipeline.splice); it raises OSError when it cannot."""

    write: Callable[[str], None]


Made = str | Callable[[], str | Iterable[str]]  # a text, or a function making it or its pieces
Texts = Mapping[Path, Made | Direct]


def write_text(fd: int, text: Made, *, closefd: bool = True) -> None:
    """Write ``text`` (made now, if a function) to the descriptor ``fd``, as UTF-8."""
    with open(fd, "w", encoding="utf-8", newline="\n", closefd=closefd) as handle:
        made = text() if callable(text) else text
        if isinstance(made, str):
            handle.write(made)
        else:
            handle.writelines(made)


def stage(paths: Iterable[Path]) -> dict[Path, str]:
    """An empty temporary sibling (mode 0644) for each path: ``{path: temporary}``."""
    temps: dict[Path, str] = {}
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = tmp
            os.fchmod(fd, _FILE_MODE)  # mkstemp makes 0600; outputs are ordinary files
            os.close(fd)
    except OSError as exc:
        discard(temps)
        raise OutputError(f"{exc.filename or path}: cannot write: {exc.strerror or exc}") \
            from exc
    return temps


def open_staged(temp: str) -> int:
    """A descriptor writing ``temp`` from its start: a file :func:`stage` made (empty),
    or made here; one with content is emptied.

    Not opened with ``O_TRUNC``: on ext4, truncating a file (even an empty one) marks it
    to be written out when it is closed ("auto_da_alloc", for programs that replace a
    file without ``fsync``), so each ``close`` would wait while hundreds of MB start to
    be written. kg flushes each output itself, beside the next (kg.pipeline.finisher)."""
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), _FILE_MODE)
    try:
        if os.fstat(fd).st_size:
            os.ftruncate(fd, 0)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_staged(files: Texts, temps: Mapping[Path, str], *,
                 written: Callable[[Path, str], None] | None = None) -> None:
    """Write each text into its path's temporary (see :func:`stage`).

    A value may be a function making the text, or pieces of it: it is called just before
    its file is written, so only one large text is held at a time. Each file, once
    closed, is handed to ``written`` with its temporary (kg.pipeline.finisher), which
    then makes it durable; without ``written`` it is flushed to disk here.
    """
    for path, text in files.items():
        try:
            if isinstance(text, Direct):
                text.write(temps[path])
            else:
                write_text(open_staged(temps[path]), text)
            if written is None:
                flush_file(temps[path])
            else:
                written(path, temps[path])
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def flush_file(temp: str) -> None:
    """Wait until ``temp`` is on disk (``fsync``)."""
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(temps: Mapping[Path, str]) -> None:
    """Rename every temporary onto its path (each rename is atomic)."""
    for path, tmp in temps.items():
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def discard(temps: Mapping[Path, str]) -> None:
    for tmp in temps.values():
        Path(tmp).unlink(missing_ok=True)


def write_all(files: Texts) -> None:
    """Write every file to a temporary sibling first, then rename them all into place.

    A value may be a function making the text (see :func:`write_staged`). A failure
    while writing (a full disk, a bad path) leaves every target as it was.
    """
    temps = stage(files)
    try:
        write_staged(files, temps)
        commit(temps)
    finally:
        discard(temps)

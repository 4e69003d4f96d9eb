"""Property-based proof (hypothesis).

1. Random valid data — small sets of sources, entities and sourced statements whose
   labels, aliases, notes and locators are arbitrary Unicode (quotes, backslashes,
   newlines, emoji, HTML) — builds, keeps every text exactly, and every export read back
   by rdflib, pyoxigraph and rapper is isomorphic to kg.rdf.triples.to_graph.
2. Random invalid data — random bytes, and valid files cut, spliced and mutated — never
   escapes as anything but a DataError: no traceback.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from conftest import needs_rapper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_roundtrip_parsers import assert_all_isomorphic

from kg.core.errors import DataError
from kg.curate.load import load_file
from kg.pipeline.build import build, load_graph
from kg.rdf.triples import to_graph

# Characters kg refuses in text (see kg.curate.yamlread): C0/C1 controls but tab, LF and CR;
# bidirectional overrides; noncharacters; invisible characters (zero-width space,
# direction marks, word joiner, BOM, tag characters...). Surrogates are not characters.
FORBIDDEN = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                     *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                                     *range(0x2066, 0x206A), 0xFFFE, 0xFFFF, 0x180E,
                                     0x200B, 0x200E, 0x200F, *range(0x2060, 0x2065), 0xFEFF,
                                     *range(0xE0000, 0xE0080)])
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters=FORBIDDEN),
        st.sampled_from(['"', "\\", "\n", "\r\n", "\t", "<script>", "</script>", "&amp;",
                         "'", "🚀", "\u2028", " ", "#", ": ", "- ", "{", "]"]),
    ),
    min_size=1, max_size=12,
).map(lambda parts: unicodedata.normalize("NFC", "".join(parts))).filter(
    lambda t: t.strip() != "")  # kg reads text as NFC: "e\u0301" is "\u00e9"

ident = st.from_regex(  # ids such as "no" or "y" must be quoted: quote() does it
r"[a-z][a-z0-9]{0,5}(?:-[a-z0-9]{1,4})?", fullmatch=True)
dates = st.one_of(
    st.integers(1900, 2100).map(str),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.dates().map(lambda d: d.isoformat() if d.year >= 1000 else "1999-12-31"),
    st.integers(1990, 2040).map(lambda y: f"FY{y}"),
)
amounts = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False,
                      allow_infinity=False)


def quote(value: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes, astral characters written as they are,
    and the characters YAML would fold or drop (U+2028, U+2029, BOM) escaped."""
    body = json.dumps(value, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\ufeff", "\x85"):
        body = body.replace(char, f"\\u{ord(char):04x}")
    return body


@dataclass
class Sample:
    yaml: str
    labels: dict[str, str]


@st.composite
def datasets(draw: st.DrawFn) -> Sample:
    ids = draw(st.lists(ident, min_size=3, max_size=8, unique=True))
    n_sources = draw(st.integers(1, 2))
    source_ids, entity_ids = ids[:n_sources], ids[n_sources:]
    lines = ["sources:\n"]
    for sid in source_ids:
        reliability = draw(st.sampled_from("ABCDEF"))
        lines.append(f"  - id: {quote(sid)}\n    title: {quote(draw(text))}\n"
                     f"    published: {draw(dates)}\n    reliability: {reliability}\n")
    labels = {eid: draw(text) for eid in entity_ids}
    drawn = {eid: draw(st.lists(text, max_size=2)) for eid in entity_ids}
    owners: dict[str, set[str]] = {}
    for eid in entity_ids:
        for name in (labels[eid], *drawn[eid]):
            owners.setdefault(name.casefold(), set()).add(eid)
    lines.append("entities:\n")
    for eid in entity_ids:
        # An alias that is another entity's name is an error (kg.curate.grading): not drawn.
        aliases = ", ".join(quote(a) for a in drawn[eid] if owners[a.casefold()] == {eid})
        lines.append(f"  - id: {quote(eid)}\n    type: Country\n    label: {quote(labels[eid])}\n"
                     f"    aliases: [{aliases}]\n    note: {quote(draw(text))}\n")
    pairs = draw(st.lists(st.tuples(st.sampled_from(entity_ids), st.sampled_from(entity_ids),
                                    st.sampled_from(["allied-with", "met-with"])),
                          min_size=1, max_size=6, unique=True))
    lines.append("statements:\n")
    for subject, obj, predicate in pairs:
        cites = draw(st.lists(st.sampled_from(source_ids), min_size=1, max_size=2))
        citations = ", ".join(f"{{source: {quote(c)}, locator: {quote(draw(text))}, "
                              f"credibility: {draw(st.integers(2, 6))}}}" for c in cites)
        lines.append(
            f"  - subject: {quote(subject)}\n    predicate: {predicate}\n    object: {quote(obj)}\n"
            f"    qualifiers: {{date: {draw(dates)}, note: {quote(draw(text))}, "
            f"amount: {{value: {draw(amounts)}, currency: USD}}}}\n"
            f"    sources: [{citations}]\n")
    return Sample("".join(lines), labels)


@needs_rapper
@SETTINGS
@given(datasets())
def test_random_valid_data_round_trips_through_every_export(sample: Sample) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        (root / "data" / "random.yaml").write_text(sample.yaml, encoding="utf-8")
        result = build(root / "data", root / "out", html_page=False, shacl=False)
        assert {e.id: e.label for e in result.data.entities} == sample.labels
        assert_all_isomorphic(root / "out", to_graph(result.data))


VALID = """\
sources:
  - {id: src, title: "A \\"source\\"", published: 2023-05-10, reliability: C}
entities:
  - {id: japan, type: Country, label: Japan, aliases: [JPN]}
  - {id: usa, type: Country, label: "United States"}
statements:
  - subject: usa
    predicate: allied-with
    object: japan
    qualifiers: {date: 2018-01, status: agreed, amount: {value: 1.5e6, currency: USD}}
    sources: [{source: src, locator: para 1, credibility: 2}]
"""


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    """The valid file cut, with bytes replaced, inserted or deleted, or lines shuffled."""
    data = bytearray(VALID.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "replace", "insert", "delete", "swap"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "cut":
            data = data[:at]
        elif kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.one_of(
                st.binary(max_size=4),
                st.sampled_from([b"&a ", b"*a", b"!!python/object:os.system ", b"NO", b"010",
                                 b"\x00", b"\xff", b"\\ud800", b"{", b"[", b": ", b"- ",
                                 b"\t", b"---\n", b"2024-02-30", b"-1", b"\"", b"'"])))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@SETTINGS
@given(st.one_of(mutations(), st.binary(max_size=200)))
def test_random_invalid_data_never_crashes(data: bytes) -> None:
    _, issues = load_file(data, "data/random.yaml")  # never raises
    assert all(str(i).startswith("data/random.yaml") for i in issues)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        (root / "random.yaml").write_bytes(data)
        try:
            checked = load_graph(root, shacl=False)
        except DataError as exc:
            assert exc.issues and all(i.message for i in exc.issues)
            assert str(exc).count("\n") >= 1
        else:
            assert not [i for i in checked.issues if i.is_error]

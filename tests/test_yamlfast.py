"""The fast YAML path (kg.curate.yamlfast) gives the libyaml path's very tree, or gives up.

1. Every shipped data file and generated benchmark data: the fast tree equals the strict
   one (values, texts, quoted flags, positions, key order), and the fast path is taken.
2. Random nested documents written in several styles: read_yaml with and without the fast
   path returns the same tree and the same issues; for the common styles, the fast path
   is taken whenever the strict reader finds no issue.
3. Hand-written tricky cases, each with whether the fast path must take it or give up.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.bench.generate import generate
from kg.core.errors import Loc
from kg.curate.load import load_file
from kg.curate.yamlfast import _loc, read_fast
from kg.curate.yamlread import read_yaml
from kg.curate.ynodes import YMap, YNode, YScalar, YSeq, resolve_plain

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def shape(node: YNode | None) -> object:
    """A node as nested tuples: key order, value types and positions all count."""
    if node is None:
        return None
    if isinstance(node, YScalar):
        return ("scalar", type(node.value).__name__, node.value, node.text, node.quoted,
                node.loc)
    if isinstance(node, YSeq):
        return ("seq", node.loc, [shape(item) for item in node.items])
    return ("map", node.loc, [(name, shape(key), shape(value))
                              for name, (key, value) in node.entries.items()])


def fast_tree(text: str) -> object:
    return shape(read_fast(text, "f.yaml"))


def same_as_strict(text: str) -> bool:
    """Assert both paths of read_yaml agree; True when the fast path took the text."""
    data = text.encode("utf-8")
    strict, strict_issues = read_yaml(data, "f.yaml", fast=False)
    both, issues = read_yaml(data, "f.yaml")
    assert issues == strict_issues
    assert shape(both) == shape(strict)
    decoded = data.decode("utf-8").removeprefix("\ufeff")
    fast = read_fast(decoded, "f.yaml")
    if fast is not None:
        assert strict_issues == [], strict_issues
        assert shape(fast) == shape(strict)
    return fast is not None


# -- 1. real files ---------------------------------------------------------------------

def test_loc_shortcut_builds_a_real_loc() -> None:
    made = _loc("a.yaml", 3, 7)
    assert type(made) is Loc
    assert made == Loc("a.yaml", 3, 7) and hash(made) == hash(Loc("a.yaml", 3, 7))
    assert str(made) == "a.yaml:3:7" and made < Loc("a.yaml", 3, 8)


def test_shipped_data_reads_the_same() -> None:
    """Curated files may use what the fast path leaves to libyaml (a flow mapping over
    two lines, say): those read the same through read_yaml, most take the fast path."""
    files = sorted(DATA.rglob("*.yaml"))
    taken = 0
    for path in files:
        strict, issues = read_yaml(path.read_bytes(), "f.yaml", fast=False)
        assert issues == []
        fast = read_fast(path.read_text(encoding="utf-8"), "f.yaml")
        if fast is not None:
            taken += 1
            assert shape(fast) == shape(strict), path
    assert taken > len(files) / 2


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("bench") / "data"
    generate(folder, 1000)
    files = sorted(folder.rglob("*.yaml"))
    assert len(files) > 50
    return files


def test_benchmark_data_reads_the_same(bench_files: list[Path]) -> None:
    for path in bench_files:
        strict, issues = read_yaml(path.read_bytes(), path.name, fast=False)
        assert issues == []
        fast = read_fast(path.read_text(encoding="utf-8"), path.name)
        assert fast is not None, path
        assert shape(fast) == shape(strict), path


def _records(data: bytes, name: str, *, fast: bool) -> object:
    """load_file's result with every record's positions (which equality leaves out)."""
    dataset, issues = load_file(data, name, fast=fast)
    records = [*dataset.sources, *dataset.entities, *dataset.statements]
    cited = [c for s in dataset.statements for c in s.citations]
    return dataset, issues, [r.locs for r in records], [c.locs for c in cited]


def test_records_are_the_same(bench_files: list[Path]) -> None:
    for path in [*bench_files, *sorted(DATA.rglob("*.yaml"))]:
        data = path.read_bytes()
        assert _records(data, path.name, fast=True) == _records(data, path.name, fast=False)


# -- 2. random documents --------------------------------------------------------------

SIMPLE_KEY = st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True).filter(
    lambda k: resolve_plain(k) == (k, None))
ODD_KEY = st.sampled_from(["yes", "no", "on", "y", "1", "010", "null", "true", "a b", "é",
                           "x.y", "-a", "a:b", "~", "", "'q'", "a#b", "1.5", "k" * 30])
COMMON_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .,;'\"#:/()-!?&*%@[]{}|>\\_=+éü中😀")),
    max_size=16)
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
TRICKY = st.sampled_from(["yes", "No", "010", "0x1F", "1:20", "1e3", ".5", "-", "- a",
                          "a: b", "a #b", "a#b", "#", "'", '"', "''", "[x]", "{x}", "x]",
                          "&a", "*a", "!x", "|", ">", "?x", ":x", "x:", "a:b", "%x", "@x",
                          "`x", "?", "? x", "-5",
                          "--x", "---", "...", " lead", "trail ", "", "null", "~", "a\nb",
                          "\u00a0x", "x\u00a0", "tab\there", "é: ü"])


def scalars(text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                     st.floats(allow_nan=False, allow_infinity=False), text)


def documents(key: st.SearchStrategy[str], text: st.SearchStrategy[str],
              ) -> st.SearchStrategy[object]:
    nested = st.recursive(
        scalars(text),
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(key, inner, max_size=4)),
        max_leaves=14)
    return st.one_of(st.dictionaries(key, nested, min_size=1, max_size=5),
                     st.lists(nested, min_size=1, max_size=4))


COMMON_DOCS = documents(SIMPLE_KEY, COMMON_TEXT)
ANY_DOCS = documents(st.one_of(SIMPLE_KEY, ODD_KEY),
                     st.one_of(COMMON_TEXT, ANY_TEXT, TRICKY))
WORD = re.compile(r"[A-Za-z][A-Za-z0-9 ./()_-]*[A-Za-z0-9)]|[A-Za-z]")


class Writer:
    """Hand-written style: flow collections inside block ones, comments, blank lines,
    indentless sequences, ``- key: value`` items. ``common`` quotes every string that is
    not a plain word; otherwise strings are written plain whenever they are one line."""

    def __init__(self, rng: random.Random, *, common: bool) -> None:
        self.rng = rng
        self.common = common
        self.step = rng.choice([2, 4])
        self.lines: list[str] = []

    def text(self, doc: object) -> str:
        if self.rng.random() < 0.2:
            self.lines.append("# generated")
        if self.rng.random() < 0.2:
            self.lines.append("---")
        self.block(doc, 0, "")
        sep = "\r\n" if self.rng.random() < 0.2 else "\n"
        return sep.join(self.lines) + sep

    def scalar(self, value: object) -> str:
        if value is None:
            return self.rng.choice(["null", ""])
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        text = str(value)
        if "\n" not in text and (WORD.fullmatch(text) or not self.common) and \
                self.rng.random() < 0.7:
            return text
        if "'" not in text and self.rng.random() < 0.5:
            return f"'{text}'"
        if self.common:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return json.dumps(text, ensure_ascii=self.rng.random() < 0.3)

    def flow(self, value: object) -> str:
        if isinstance(value, dict):
            sep = self.rng.choice([", ", ",", " , "])
            return "{" + sep.join(f"{k}: {self.flow(v) or 'null'}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v) or "null" for v in value) + "]"
        return self.scalar(value)

    def comment(self) -> str:
        return self.rng.choice(["", "", "", " # note", "  #: x", " #"])

    def blank(self) -> None:
        if self.rng.random() < 0.1:
            self.lines.append(self.rng.choice(["", "  ", "# c", "    # deeper comment"]))

    def inline(self, value: object) -> bool:
        return not isinstance(value, dict | list) or not value or self.rng.random() < 0.4

    def block(self, doc: object, indent: int, lead: str) -> None:
        """Write ``doc`` as a block collection; the first line starts with ``lead``."""
        pad = " " * indent
        first = True
        items = list(doc.items()) if isinstance(doc, dict) else list(doc)  # type: ignore[attr-defined]
        for entry in items:
            start = lead if first else pad
            first = False
            self.blank()
            if isinstance(doc, dict):
                key, value = entry
                head = f"{start}{key}:"
            else:
                value = entry
                head = f"{start}-"
            if self.inline(value):
                text = self.flow(value)
                self.lines.append(f"{head} {text}{self.comment()}" if text else
                                  head + self.comment())
            elif isinstance(doc, list) and self.rng.random() < 0.6:
                self.block(value, indent + 2, f"{head} ")
            elif isinstance(doc, dict) and isinstance(value, list) and self.rng.random() < 0.5:
                self.lines.append(head + self.comment())
                self.block(value, indent, pad)  # an indentless sequence
            else:
                self.lines.append(head + self.comment())
                deeper = indent + self.step
                self.block(value, deeper, " " * deeper)


def styles(doc: object, seed: int, *, common: bool) -> list[str]:
    """The document as PyYAML writes it (block, or flow for the innermost collections;
    lines never folded) and as a curator might (see Writer)."""
    return [
        yaml.safe_dump(doc, default_flow_style=False, allow_unicode=True, width=10**6),
        yaml.safe_dump(doc, default_flow_style=None, allow_unicode=True, width=10**6),
        Writer(random.Random(seed), common=common).text(doc),
    ]


@SETTINGS
@given(COMMON_DOCS, st.integers(0, 2**32))
def test_common_styles_take_the_fast_path(doc: object, seed: int) -> None:
    for text in styles(doc, seed, common=True):
        issues = read_yaml(text.encode(), "f.yaml", fast=False)[1]
        took = same_as_strict(text)
        if not issues:
            assert took, text


@SETTINGS
@given(ANY_DOCS, st.integers(0, 2**32))
def test_any_document_reads_the_same(doc: object, seed: int) -> None:
    folded = yaml.safe_dump(doc, default_flow_style=False, width=20)  # long lines folded
    for text in [*styles(doc, seed, common=False), folded]:
        same_as_strict(text)


@SETTINGS
@given(st.lists(st.sampled_from(["a:", "a: 1", "- x", "-", "  b: 2", "  - y", "    c: {d: e}",
                                 "- - z", "- k: v", "  k: [1, 'x, y']", "# c", "", "---",
                                 "  ", "b: 'q''s' # c", 'e: "\\"x"', "f: x#y", "  g:", "a: |",
                                 "  text", "{a: 1}", "[x]", "- {a: [b, {c: d}]}",
                                 "b: >-", "  # text, not a comment", "    deeper text",
                                 "- |", "  c: >", "      x: y", "...", "- a: [x, y] # c",
                                 "a: 'q'", "  a: \"é\"", "   "]),
                min_size=1, max_size=12))
def test_line_soup_reads_the_same(lines: list[str]) -> None:
    same_as_strict("\n".join(lines) + "\n")


# -- 3. hand-written cases ------------------------------------------------------------

TAKEN = [
    "a: 'it''s'\n",
    'a: "x\\"y"\n',
    'a: "back\\\\slash \\/ \\n \\t"\n',
    "a: x #c\n",
    "a: x#c\n",
    "a: x  \nb: z   # c  \n",
    "- - x\n  - w\n- z\n",
    "-   - x\n    - w\n",
    "a:\n  b:\n    c: 1\n  d: [2, 3]\n",
    "a:\n- x\n- k: v\n  j: w\nb: 2\n",
    "- a:\n  - x\n  b: 1\n",
    "-\n  a: 1\n- \n-\n",
    "a:\nb: # empty\n",
    "key: ['a, b', \"c, d\", e f]\n",
    "key: {x: 'a, b', w: [1, {z: q}]}\n",
    "a: []\nb: {}\nc: [ ]\n",
    "a: 1\r\nb: [x, w]\r\n",
    "---\na: 1\n",
    "# lead\n\n  # indented comment\na: 1 # trailing\n",
    "a: ü\nb: 😀 x\nc: [😀, 中文]\nd: {e: 'é', f: é😀 x}\n",
    "a: -5\nb: -x\nc: x:y\nd: http://x/y#z\ne: 1.5\nf: -2.5e3\ng: null\nh: false\n",
    "a: x]\nb: x}\nc: a, b\nd: x 'y'\n",
    "  a: 1\n  b: 2\n",
    "note: >-\n  folded\n  text\nb: 1\n",
    "- note: |\n    line one\n    line two\n  b: 1\n",
]

GIVEN_UP = [
    "a: b: c\n",
    "a: yes\n",
    "a: 010\n",
    "a: ~\n",
    "{a: 1, a: 2}\n",
    "a: {a: 1, a: 2}\n",
    "a: 1\na: 2\n",
    "a:\n\tb: 1\n",
    "a: \"\\u00e9\"\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "? a\n: b\n",
    "a: x\n  y\n",
    "a: 'x\n  y'\n",
    "a: [x,\n  y]\n",
    "a: [x,]\n",
    "a: {b: }\n",
    "a: \"x\"#c\n",
    "'a': 1\n",
    "a b: 1\n",
    "1: x\n",
    "true: x\n",
    "é: x\n",
    "a: 1\n---\nb: 2\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\n",
    "just a scalar\n",
    "a: 1\n b: 2\n",
    "a: x\u2028y\n",
    "a: \ufeffx\n",
    "a: \u202ex\n",
    "a: x\rb: y\n",
    "note: >-\n  folded\n    more indented\n",
    "note: >-\n  folded\n\n  after a blank\n",
    "note: >2\n  x\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_fast_path_takes(text: str) -> None:
    assert same_as_strict(text), text


@pytest.mark.parametrize("text", GIVEN_UP)
def test_fast_path_gives_up(text: str) -> None:
    assert not same_as_strict(text), text
    assert fast_tree(text) is None


@pytest.mark.parametrize(("text", "where", "kind"), [
    ("a:\n  " + "- " * 5000 + "x\n", "2:201", "a list"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "1:103", "a list"),
    ("a: " + "{a: " * 5000 + "b" + "}" * 5000 + "\n", "1:400", "a mapping"),
    ("a: " + "[" * 200 + "]" * 200 + "\n", "1:103", "a list"),  # below libyaml's own limit
])
def test_deep_nesting_is_kgs_own_error(text: str, where: str, kind: str) -> None:
    """The fast path leaves deep nesting to libyaml; kg stops at its own limit (100 levels)
    with its own message at the same place, whatever PyYAML's release does."""
    assert read_fast(text, "f.yaml") is None
    root, issues = read_yaml(text.encode(), "f.yaml")
    assert root is None
    assert [str(i) for i in issues] == [
        f"f.yaml:{where}: error: YAML nested more than 100 levels deep (kg's limit; curated "
        f"data needs a few): {kind!r}"]


def test_nesting_at_the_limit_is_read() -> None:
    root, issues = read_yaml(("a: " + "[" * 99 + "]" * 99 + "\n").encode(), "f.yaml")
    assert isinstance(root, YMap) and issues == []


def test_nesting_within_the_limit_is_read() -> None:
    assert same_as_strict("a:\n  " + "- " * 40 + "x\n")
    assert same_as_strict("a: " + "[" * 40 + "x" + "]" * 40 + "\n")


def test_positions_count_characters_not_bytes() -> None:
    text = "a: [é😀, 中, 'ü']\n"
    tree = read_fast(text, "f.yaml")
    assert isinstance(tree, YMap)
    value = tree.entries["a"][1]
    assert isinstance(value, YSeq)
    assert [item.loc.col for item in value.items] == [5, 9, 12]
    assert same_as_strict(text)


def test_issue_shortcut_and_cache_entries_give_real_records(tmp_path: Path) -> None:
    """kg.core.errors.make_issue, and the cache's entries, which pickle positions and
    issues as calls of the two makers: the same values, frozen and hashable as ever."""
    import dataclasses

    from kg.core.entries import read_entry, write_entry
    from kg.core.errors import Issue, Severity, make_issue

    made = make_issue(Loc("a.yaml", 2, 5), "claim rests on a single source", "src-1",
                      Severity.WARNING, "single-source")
    assert type(made) is Issue and made == Issue(
        Loc("a.yaml", 2, 5), "claim rests on a single source", "src-1", Severity.WARNING,
        "single-source")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.message = "changed"  # type: ignore[misc]
    issues = [made, Issue(Loc("b.yaml"), "data folder not found"),
              Issue(Loc("c.yaml", 9, 1), "bad", {"x": [1]}, Severity.ERROR, "invalid")]
    write_entry(tmp_path, "checked", "ab" * 32, (issues, _loc("d.yaml", 1, 1)))
    back = read_entry(tmp_path, "checked", "ab" * 32)
    assert back == (issues, Loc("d.yaml", 1, 1))
    assert isinstance(back, tuple) and [type(i) for i in back[0]] == [Issue] * 3
    assert [type(i.loc) for i in back[0]] == [Loc] * 3
    assert {*back[0][:2]} == {*issues[:2]} and back[0][2].is_error

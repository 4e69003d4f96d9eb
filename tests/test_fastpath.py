"""The fast paths (per-file caches, per-file SHACL, graph-free build) change no result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from kg.analysis.stats import stats
from kg.bench.generate import generate
from kg.core.errors import DataError
from kg.curate.load import load
from kg.pipeline.build import build, check
from kg.pipeline.cache import load_cached
from kg.rdf.shaclfiles import validate_files
from kg.rdf.triples import to_graph
from kg.rdf.validate import validate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen") / "data", 400, files=12).root


def test_generated_data_passes_every_check(generated: Path) -> None:
    issues = check(generated)
    assert [i for i in issues if i.is_error] == []
    data, _ = load(generated)
    assert len(data.statements) == 400
    assert len(data.files) == 12
    assert all(s.citations for s in data.statements)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 120, files=6).root
    b = generate(tmp_path / "b", 120, files=6).root
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes()


def test_build_graph_is_isomorphic_to_the_plain_graph(generated: Path, tmp_path: Path) -> None:
    result = build(generated, tmp_path / "out", html_page=False, cache_dir=tmp_path / "cache")
    data, _ = load(generated)
    plain = to_graph(data)
    assert isomorphic(result.graph, plain)
    assert result.stats == stats(plain)


def test_cached_build_writes_the_same_bytes(generated: Path, tmp_path: Path) -> None:
    plain = build(generated, tmp_path / "plain", html_page=False)
    build(generated, tmp_path / "cold", html_page=False, cache_dir=tmp_path / "c")
    warm = build(generated, tmp_path / "warm", html_page=False, cache_dir=tmp_path / "c")
    assert any((tmp_path / "c" / "load").rglob("*"))
    for name in plain.outputs:
        text = (tmp_path / "plain" / name).read_bytes()
        assert (tmp_path / "cold" / name).read_bytes() == text
        assert (tmp_path / "warm" / name).read_bytes() == text
    assert warm.issues == plain.issues


def test_cached_load_equals_strict_load(generated: Path, tmp_path: Path) -> None:
    expected = load(generated)
    assert load_cached(generated, cache_dir=tmp_path / "c") == expected
    assert load_cached(generated, cache_dir=tmp_path / "c") == expected


BAD = """\
sources:
  - {id: src-a, title: A, reliability: Z}
entities:
  - {id: japan, type: Country, label: Japan}
  - {id: usa, type: Country, label: USA}
statements:
  - subject: usa
    predicate: allied-with
    object: japan
    qualifiers: {status: nonsense}
    sources: [{source: src-a, credibility: 9}, {source: src-b}]
"""


def test_per_file_shacl_equals_one_run(write_data: Callable[..., Path], tmp_path: Path) -> None:
    root = write_data(**{"a.yaml": BAD, "b.yaml": "sources:\n  - {id: src-b, title: B}\n",
                         "c.yaml": BAD.replace("src-a", "src-c").replace("japan", "korea")
                         .replace("usa", "china")})
    data, _ = load(root)
    expected = sorted(validate(to_graph(data), data), key=str)
    assert expected, "the fixture must violate some shapes"
    assert sorted(validate_files(data), key=str) == expected
    cache = tmp_path / "shacl-cache"
    assert sorted(validate_files(data, cache_dir=cache), key=str) == expected
    assert sorted(validate_files(data, cache_dir=cache), key=str) == expected


def test_cache_is_never_stale(write_data: Callable[..., Path], tmp_path: Path) -> None:
    root = write_data(**{"s.yaml": "sources:\n  - {id: src, title: T, reliability: B}\n",
                         "e.yaml": "entities:\n  - {id: japan, type: Country, label: Japan}\n"
                                   "  - {id: usa, type: Country, label: USA}\n",
                         "f.yaml": "statements:\n  - {subject: usa, predicate: allied-with, "
                                   "object: japan, sources: [src]}\n"})
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(root, out, html_page=False, cache_dir=cache)
    assert '"Japan"@en' in (out / "graph.ttl").read_text()
    (root / "e.yaml").write_text("entities:\n  - {id: japan, type: Country, label: Nippon}\n"
                                 "  - {id: usa, type: Country, label: USA}\n")
    build(root, out, html_page=False, cache_dir=cache)
    ttl = (out / "graph.ttl").read_text()
    assert '"Nippon"@en' in ttl and '"Japan"@en' not in ttl
    # A cross-file error appears although every other file comes from the cache.
    (root / "f.yaml").write_text("# moved down\nstatements:\n  - {subject: usa, "
                                 "predicate: allied-with, object: korea, sources: [src]}\n")
    with pytest.raises(DataError) as info:
        build(root, out, html_page=False, cache_dir=cache)
    assert any("korea" in str(i) and ":3:" in str(i) for i in info.value.issues)
    assert '"Nippon"@en' in (out / "graph.ttl").read_text()  # nothing written on error


def test_corrupt_cache_entries_are_ignored(generated: Path, tmp_path: Path) -> None:
    cache = tmp_path / "c"
    expected = load_cached(generated, cache_dir=cache)
    for entry in (cache / "load").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a pickle")
    assert load_cached(generated, cache_dir=cache) == expected


def test_jsonld_text_is_exactly_what_json_dumps_writes(generated: Path) -> None:
    import json

    from rdflib import Literal, URIRef

    from kg.rdf.export import jsonld_text
    from kg.rdf.triples import data_triples

    data, _ = load(generated)
    odd = URIRef("https://w3id.org/kg/resource/odd")
    triples = [*data_triples(data),
               (odd, URIRef("https://w3id.org/kg/ontology/note"), Literal('q"u\\o\nte\x01 — 日本')),
               (odd, URIRef("https://w3id.org/kg/ontology/note"), Literal("", lang="en"))]
    text = jsonld_text(triples)
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    assert jsonld_text([]) == json.dumps(json.loads(jsonld_text([])), indent=1) + "\n"


def test_parallel_and_one_process_builds_write_the_same_bytes(generated: Path,
                                                              tmp_path: Path) -> None:
    two = build(generated, tmp_path / "two", parallel=True)
    one = build(generated, tmp_path / "one")
    assert two.outputs.keys() == one.outputs.keys()
    for name in two.outputs:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert two.issues == one.issues and two.stats == one.stats


def test_text_writers_match_the_rdflib_terms_they_stand_for(generated: Path) -> None:
    """The build's N-Triples text terms give the bytes of the rdflib terms' serializations."""
    from kg.rdf.export import Text, serialize_text
    from kg.rdf.ntterms import NTTerms, from_rdflib
    from kg.rdf.triples import data_triples

    data, _ = load(generated)
    triples = list(data_triples(data, NTTerms()))
    text = Text(triples)
    plain = Text(from_rdflib(data_triples(data)))
    assert sorted(text.distinct()) == sorted(plain.distinct()) == sorted(set(triples))
    for fmt in ("ttl", "nt", "jsonld"):
        assert serialize_text(text, fmt) == serialize_text(plain, fmt)


def test_one_file_revalidated_alone_skips_pyshacl_unless_it_breaks_a_shape(
        generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild validates the edited file alone, borrowing the types of the sources it
    cites from other files; the fast test must not send it to pyshacl for those."""
    import dataclasses

    import kg.rdf.shaclfiles as shaclfiles

    data, _ = load(generated)
    cache = tmp_path / "cache"
    assert validate_files(data, cache_dir=cache) == []
    target = data.statements[0]
    cited = {c.source for c in target.citations}
    assert not cited & {s.id for s in data.sources if s.loc.file == target.loc.file}
    edited = dataclasses.replace(target, note="edited")
    changed = dataclasses.replace(data, statements=(edited, *data.statements[1:]))
    runs: list[int] = []
    real = shaclfiles.shacl_results
    monkeypatch.setattr(shaclfiles, "shacl_results",
                        lambda *a: runs.append(1) or real(*a))  # type: ignore[func-returns-value]
    assert validate_files(changed, cache_dir=cache) == []
    assert runs == []
    broken_citation = dataclasses.replace(target.citations[0], credibility=9)
    broken = dataclasses.replace(target, citations=(broken_citation, *target.citations[1:]))
    bad = dataclasses.replace(data, statements=(broken, *data.statements[1:]))
    found = validate_files(bad, cache_dir=cache)
    assert runs == [1]
    assert [(i.loc.file, i.code) for i in found] == [(target.loc.file, "shacl")]


def test_parallel_build_reports_a_failed_write_in_its_worker_and_keeps_out(
        generated: Path, tmp_path: Path) -> None:
    """The worker writes Turtle and N-Triples (the only outputs asked for): a file-size
    limit fails it there; the error
    reaches the caller as kg's OutputError and nothing is renamed into out/."""
    import resource
    import subprocess
    import sys

    from conftest import ROOT, tree_snapshot

    def snapshot() -> dict[str, bytes]:  # every file of out/, the store's folder included
        return {name: data for name, data in tree_snapshot(out).items()
                if not name.rsplit("/", 1)[-1].startswith(".")}

    out = tmp_path / "out"
    build(generated, out)
    before = snapshot()
    assert "manifest.json" in before and any(name.startswith("store/") for name in before)
    script = ("import sys; from kg.pipeline.build import build\n"
              "from kg.core.errors import OutputError\n"
              "try:\n    build(sys.argv[1], sys.argv[2], parallel=True, html_page=False,\n"
              "          formats=('ttl', 'nt'))\n"
              "except OutputError as exc:\n    print(exc); sys.exit(9)\n")
    limit = 64 * 1024  # smaller than the Turtle and N-Triples of the generated data
    assert min(len(before["graph.ttl"]), len(before["graph.nt"])) > limit
    done = subprocess.run(
        [sys.executable, "-c", script, str(generated), str(out)], cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert done.returncode == 9, done.stderr
    assert "cannot write: File too large" in done.stdout
    assert snapshot() == before
    assert not list(out.glob(".graph.*.tmp"))

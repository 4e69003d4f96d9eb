"""kg.pipeline.datafiles: checks from per-file summaries give exactly the issues of checking all
records, and a warm run reads no unchanged file's records unless a check needs them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.bench.generate import generate
from kg.core.errors import sort_issues
from kg.curate.check import check
from kg.curate.load import load
from kg.pipeline import datafiles

ROOT = Path(__file__).resolve().parent.parent


def _plain(data: Path) -> list[str]:
    records, issues = load(data)
    return [str(i) for i in sort_issues([*issues, *check(records)])]


def _by_files(data: Path, cache: Path | None) -> tuple[list[str], list[datafiles.DataFile]]:
    files, issues = datafiles.scan(data, cache_dir=cache)
    issues += datafiles.check_files(files)
    return [str(i) for i in sort_issues(issues)], files


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return generate(tmp_path / "data", 300, files=8).root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("cached", [False, True])
def test_the_shipped_data_gives_the_same_issues(tmp_path: Path, cached: bool) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    cache = tmp_path / "cache" if cached else None
    assert _by_files(data, cache)[0] == _plain(data)
    assert _by_files(data, cache)[0] == _plain(data)  # warm


def test_a_warm_run_reads_no_records(data: Path, tmp_path: Path) -> None:
    cold, _ = _by_files(data, tmp_path / "cache")
    warm, files = _by_files(data, tmp_path / "cache")
    assert warm == cold == _plain(data)
    assert any("single source" in i for i in warm)  # cached record checks are there
    assert not any(f.loaded for f in files)


def test_a_duplicate_across_files_is_found_from_summaries(data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _by_files(data, cache)
    first = sorted(data.glob("article-*.yaml"))[0].read_text(encoding="utf-8")
    start = first.index("  - subject:")
    block = first[start:first.index("  - subject:", start + 1)]
    last = sorted(data.glob("article-*.yaml"))[-1]
    last.write_text(last.read_text(encoding="utf-8") + block, encoding="utf-8")
    issues, files = _by_files(data, cache)
    assert issues == _plain(data)
    duplicate = [i for i in issues if "same subject, predicate and object" in i]
    assert len(duplicate) == 1 and "article-000.yaml:3:" in duplicate[0]
    assert duplicate[0].startswith(f"data/{last.name}:")
    # only the two files sharing a statement print were read
    assert sorted(f.name for f in files if f.loaded) == \
        ["data/article-000.yaml", f"data/{last.name}"]


def test_an_entity_class_change_rechecks_statements_elsewhere(data: Path,
                                                              tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _by_files(data, cache)
    entities = next(p for p in sorted(data.glob("*.yaml"))
                    if "type: Country" in p.read_text(encoding="utf-8"))
    _edit(entities, "type: Country", "type: Person")
    issues, _ = _by_files(data, cache)
    assert issues == _plain(data)
    assert any("not Person" in i for i in issues)  # a statement elsewhere now breaks a range


def test_a_new_source_id_clears_an_unknown_source(write_data: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    root = write_data(**{
        "a.yaml": """
            statements:
              - subject: x
                predicate: operates
                object: y
                sources: [{source: s1, locator: p. 1}]
            entities:
              - {id: x, type: Country, label: X}
              - {id: y, type: WeaponSystem, label: Y}
        """,
        "b.yaml": "sources:\n  - {id: s0, title: T, reliability: A}\n"})
    cache = tmp_path / "cache"
    before, _ = _by_files(root, cache)
    assert any("unknown source" in i for i in before)
    (root / "b.yaml").write_text("sources:\n  - {id: s1, title: T, reliability: A}\n",
                                 encoding="utf-8")
    after, _ = _by_files(root, cache)
    assert after == _plain(root)
    assert not any("unknown source" in i for i in after)

"""Sources checked against their archived copies (kg.curate.archive), the coverage report and
`kg new source` (kg.curate.newsource), all through the real CLI where a user would use them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import kg
from kg.curate import archive
from tests.conftest import DATA, ROOT, run_kg
from tests.test_data import SEEDS, needs_seeds

ARTICLE = "Alphaland signs a deal\n\nAlphaland and Betaland signed the deal today.\n" \
    "Weather news follows.\n"


def _fixture(write_data: Callable[..., Path], tmp_path: Path, *, sha: str | None) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    sha_line = f", sha256: {sha}" if sha else ""
    return write_data(**{
        "sources.yaml": f"""
            sources:
              - {{id: a, title: Alphaland signs a deal, reliability: B, file: a.txt{sha_line}}}
            """,
        "entities.yaml": """
            entities:
              - {id: alpha, type: Country, label: Alphaland}
              - {id: beta, type: Country, label: Betaland, aliases: [BTL]}
              - {id: deal, type: Agreement, label: The Alpha-Beta deal}
            """,
        "statements.yaml": """
            statements:
              - subject: deal
                predicate: party
                object: beta
                sources:
                  - {source: a, locator: para 2, credibility: 2, attribution: first-hand}
                  - {source: a, locator: para 3, credibility: 2, attribution: first-hand}
                  - {source: a, locator: para 9, credibility: 2, attribution: first-hand}
            """})


def test_locators_mentions_and_hash_against_the_archive(write_data: Callable[..., Path],
                                                        tmp_path: Path) -> None:
    root = _fixture(write_data, tmp_path, sha=None)
    sha = archive.read_archive(tmp_path / "archive" / "a.txt")
    assert sha is not None and len(sha.paragraphs) == 3
    found = {(i.code, i.severity.value, str(i.loc), i.value)
             for i in kg.check(root, sources_dir=tmp_path / "archive")
             if i.code not in ("single-source", "orphan-entity")}
    assert found == {
        ("archive-no-sha256", "warning", "data/sources.yaml:2:66", "a.txt"),
        ("locator-no-mention", "warning", "data/statements.yaml:7:30", "para 3"),
        ("locator-missing", "error", "data/statements.yaml:8:30", "para 9"),
    }
    # Recorded hash, then the archive changes: reported at the hash.
    root = write_data(**{"sources.yaml": (root / "sources.yaml").read_text().replace(
        "file: a.txt", f"file: a.txt, sha256: {sha.sha256}")})
    (tmp_path / "archive" / "a.txt").write_text(ARTICLE + "A line added later.\n",
                                                encoding="utf-8")
    done = run_kg("check", "--sources", "archive", cwd=tmp_path)
    assert done.returncode == 1
    changed = [line for line in done.stderr.splitlines() if "has changed" in line]
    assert len(changed) == 1 and changed[0].startswith("data/sources.yaml:2:81: error: the "
                                                        "archived copy a.txt has changed")
    assert "Traceback" not in done.stderr


def test_coverage_lists_uncited_paragraphs(write_data: Callable[..., Path],
                                           tmp_path: Path) -> None:
    _fixture(write_data, tmp_path, sha=None)
    done = run_kg("check", "--sources", "archive", "--coverage", cwd=tmp_path)
    assert done.stdout == "a (a.txt): 3 paragraphs, 2 cited; not cited: 1\n"
    done = run_kg("check", "--coverage", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == \
        "kg: error: --coverage needs --sources DIR (the archived copies)"


@needs_seeds
def test_shipped_data_matches_its_archive(tmp_path: Path) -> None:
    assert SEEDS is not None
    issues = kg.check(DATA, sources_dir=SEEDS)
    assert not [str(i) for i in issues if i.is_error]
    codes = {i.code for i in issues}
    assert "archive-missing" not in codes and "archive-no-sha256" not in codes
    rows = {s.id: (total, uncited) for s, total, uncited in
            archive.coverage(kg.load(DATA)[0], SEEDS)}
    # Only site furniture (and the datelines of the 2023 page) is left uncited.
    assert rows["us-sm3-japan-2018"] == (15, [15])
    assert rows["jp-kr-radar-2023"][1] == [1, 2, 4, 5, *range(12, 53)]
    # A changed archive is reported: a copy with one word altered, outside the project.
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    text = (copy / "000_f26e498e76b3e6c6.txt").read_text(encoding="utf-8")
    (copy / "000_f26e498e76b3e6c6.txt").write_text(text.replace("four", "five", 1),
                                                    encoding="utf-8")
    changed = [i for i in kg.check(DATA, sources_dir=copy) if i.code == "archive-changed"]
    assert [str(i.loc) for i in changed] == ["data/sources.yaml:12:13"]


def test_new_source_adds_the_entry_and_a_paragraph_map(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    article = tmp_path / "wire.txt"
    article.write_text("Wednesday 10 May 2023 - 01:24\nJapan and Russia resume treaty talks\n\n"
                       "Officials of Japan met Russian Foreign Ministry staff in Tokyo.\n"
                       "Nothing more.\n", encoding="utf-8")
    done = run_kg("new", "source", "wire.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "added source japan-and-russia-resume-treaty-2023 to data/sources.yaml",
        "wrote data/statements/japan-and-russia-resume-treaty-2023.yaml (4 paragraphs mapped)"]
    data, issues = kg.load(tmp_path / "data")
    assert not [i for i in issues if i.is_error]
    new = next(s for s in data.sources if s.id == "japan-and-russia-resume-treaty-2023")
    assert (new.title, new.published, new.file) == (
        "Japan and Russia resume treaty talks", "2023-05-10", "wire.txt")
    assert new.sha256 == archive.read_archive(article).sha256  # type: ignore[union-attr]
    mapped = (tmp_path / "data" / "statements" / f"{new.id}.yaml").read_text(encoding="utf-8")
    assert "# para 3 (10 words): japan, russia, russian-foreign-ministry, tokyo\n" in mapped
    assert "Officials" not in mapped and "resume treaty talks" not in mapped  # no article text
    assert not [str(i) for i in kg.check(tmp_path / "data", sources_dir=tmp_path)
                if i.is_error]
    again = run_kg("new", "source", "wire.txt", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip() == "kg: error: wire.txt: already the source " \
        "'japan-and-russia-resume-treaty-2023' (file wire.txt)"
    missing = run_kg("new", "source", "nope.txt", cwd=tmp_path)
    assert missing.stderr.strip() == "kg: error: nope.txt: no such file"


@pytest.mark.parametrize(("numbers", "text"), [([], ""), ([1, 2, 3, 5], "1-3, 5"),
                                               ([4], "4"), ([1, 3, 4], "1, 3-4")])
def test_ranges(numbers: list[int], text: str) -> None:
    assert archive.ranges(numbers) == text


def test_repository_holds_no_article_copy() -> None:
    assert not list(ROOT.glob("**/000_f26e498e76b3e6c6.txt"))
    assert not list(ROOT.glob("**/004_96aaae79b1960cf6.txt"))

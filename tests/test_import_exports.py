"""Real SIPRI exports import cleanly: any month, split rows, re-saved encodings, vintages.

Every case runs the real CLI (``python -m kg``) on a small hand-made export in SIPRI's
layout (see tests/fixtures/sipri-register.csv) and pins the message and its position.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kg.imports.sipri import read_register
from tests.conftest import FIXTURES, ROOT, run_kg

FIXTURE = FIXTURES / "sipri-register.csv"
PREAMBLE = FIXTURE.read_bytes().decode("latin-1").split("\n")[:11]  # up to "Data generated"
HEADER_LINE = FIXTURE.read_bytes().decode("latin-1").split("\n")[11]
ROW = "Japan,United States,2019,,90,?,SM-3 Block-2,missile,19,?,2022,New,For destroyers,10,900,190"


def export(generated: str = "13 Mar 2025 10:02:49 AM", rows: tuple[str, ...] = (ROW,)) -> str:
    """An export as SIPRI writes it: the preamble, the header, the rows, LF line ends."""
    head = [*PREAMBLE[:-1], f"Data generated: {generated}", HEADER_LINE]
    return "\n".join([*head, *rows]) + "\n"


def write(tmp_path: Path, text: str, *, encoding: str = "latin-1", bom: bool = False,
          name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def kg_import(tmp_path: Path, path: Path, *more: str) -> tuple[int, str, str]:
    result = run_kg("import", "sipri", str(path), "--out", str(tmp_path / "out"),
                    "--data", str(ROOT / "data"), *more, cwd=tmp_path)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(("generated", "iso"), [
    ("13 Mar 2025 10:02:49 AM", "2025-03-13T10:02:49"),
    ("13 March 2025 10:02:49 AM", "2025-03-13T10:02:49"),
    ("3 Sep 2024 2:29:20 PM", "2024-09-03T14:29:20"),
    ("03 December 2024 12:00:01 AM", "2024-12-03T00:00:01"),
])
def test_generation_date_three_letter_or_full_month(tmp_path: Path, generated: str,
                                                    iso: str) -> None:
    code, out, err = kg_import(tmp_path, write(tmp_path, export(generated)))
    assert code == 0, err
    assert f"generated {iso})" in out
    assert f'"{iso}"^^xsd:dateTime' in (tmp_path / "out" / "sipri.ttl").read_text("utf-8")


@pytest.mark.parametrize("n", range(1, 13))
def test_every_month_of_the_year_reads(tmp_path: Path, n: int) -> None:
    month = datetime(2025, n, 1).strftime("%b")
    register = read_register(write(tmp_path, export(f"2 {month} 2025 1:02:03 PM")))
    assert register.generated.isoformat() == f"2025-{n:02d}-02T13:02:03"


def test_bad_generation_date_shows_the_pattern(tmp_path: Path) -> None:
    path = write(tmp_path, export("13 Mrz 2025 10:02:49"))
    code, out, err = kg_import(tmp_path, path)
    assert code == 1 and out == ""
    assert err == (f"kg: error: {path}:11:17: generation date must be 'D Mon YYYY H:MM:SS AM' "
                   "or 'PM', the month as three letters or in full (SIPRI writes "
                   "'13 Mar 2025 10:02:49 AM'): '13 Mrz 2025 10:02:49'\n")
    assert not (tmp_path / "out").exists()

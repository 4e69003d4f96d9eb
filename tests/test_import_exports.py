"""Real SIPRI exports import cleanly: any month, split rows, re-saved encodings, vintages.

Every case runs the real CLI (``python -m kg``) on a small hand-made export in SIPRI's
layout (see tests/fixtures/sipri-register.csv) and pins the message and its position.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

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


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def test_every_month_of_the_year_reads(tmp_path: Path) -> None:
    """Twelve exports, one generated in each month as SIPRI writes it, in one real build."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    names = [f"m{n:02d}.csv" for n in range(1, 13)]
    for name, month in zip(names, MONTHS, strict=True):
        write(tmp_path, export(f"2 {month} 2025 1:02:03 PM"), name=name)
    (tmp_path / "kg.toml").write_text(f"[imports]\nsipri = {names}\n", encoding="utf-8")
    result = run_kg("build", "--no-html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line.split(" (", 1)[1] for line in result.stdout.splitlines() if " deals read " in line
            ] == [f"SIPRI trade register (one row per deal), ASCII, generated "
                  f"2025-{n:02d}-02T13:02:03) into graph <https://w3id.org/kg/graph/sipri-trade-"
                  f"register-2025-{n:02d}-02>" for n in range(1, 13)]
    assert [datetime(2025, n, 1).strftime("%b") for n in range(1, 13)] == list(MONTHS)


def test_bad_generation_date_shows_the_pattern(tmp_path: Path) -> None:
    path = write(tmp_path, export("13 Mrz 2025 10:02:49"))
    code, out, err = kg_import(tmp_path, path)
    assert code == 1 and out == ""
    assert err == (f"kg: error: {path}:11:17: generation date must be 'D Mon YYYY H:MM:SS AM' "
                   "or 'PM', the month as three letters or in full (SIPRI writes "
                   "'13 Mar 2025 10:02:49 AM'): '13 Mrz 2025 10:02:49'\n")
    assert not (tmp_path / "out").exists()


# --- rows split by a raw line break inside Comments -------------------------------------

SPLIT = FIXTURES / "sipri-split-rows.csv"


def test_split_rows_are_joined_cited_by_their_lines_and_warned(tmp_path: Path) -> None:
    code, out, err = kg_import(tmp_path, SPLIT)
    assert code == 0, err
    assert f"{SPLIT}: 4 deals read (SIPRI trade register (one row per deal), Latin-1," in out
    assert (f"{SPLIT}:13:1: warning: row split by a line break inside Comments (after line "
            "13): joined as one deal, cited as lines 13-14") in out
    assert (f"{SPLIT}:16:1: warning: row split by a line break inside Comments (after line "
            "16, 17): joined as one deal, cited as lines 16-18") in out
    ttl = (tmp_path / "out" / "sipri.ttl").read_text("utf-8")
    assert 'kg:sipri-comments "Block-2A version; for destroyers; incl components"' in ttl
    assert ('kg:sipri-comments "For peacekeeping forces in South Sudan; delivered via Kenya"'
            in ttl)
    assert 'kg:locator "lines 13-14"' in ttl and 'kg:locator "lines 16-18"' in ttl
    assert 'kg:locator "line 15"' in ttl and 'kg:locator "line 19"' in ttl
    report = (tmp_path / "out" / "sipri-report.txt").read_text("utf-8")
    assert report.count(": warning: row split by a line break") == 2


def test_unrepairable_rows_all_refused_in_one_run(tmp_path: Path) -> None:
    rows = (ROW, "Japan,United States,2019,,90,?,SM-3 Block-2,missile", ROW,
            "Japan,United States,2020,,4,,E-2D,AEW&C aircraft,4,,2023,New,For",
            "the JMSDF,extra,10,900,190,7", ROW + ",8")
    path = write(tmp_path, export(rows=rows))
    code, out, err = kg_import(tmp_path, path)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{path}:14:52: error: row has 8 field(s) where the header has 16 (not repaired: "
        "the lines after it do not complete it)",
        f"{path}:16:65: error: row has 13 field(s) where the header has 16 (not repaired: "
        "the lines after it do not complete it)",
        f"{path}:17:29: error: row has 6 field(s) where the header has 16 (not repaired: "
        "the lines after it do not complete it)",
        f"{path}:18:92: error: row has 17 field(s) where the header has 16",
        "4 error(s); nothing written"]
    assert not (tmp_path / "out").exists()


# --- encodings, control characters, footnote marks ---------------------------------------

def test_resaved_utf8_with_bom_reads_as_utf8(tmp_path: Path) -> None:
    path = FIXTURES / "sipri-resaved-utf8.csv"
    code, out, err = kg_import(tmp_path, path)
    assert code == 0, err
    assert "6 deals read (SIPRI trade register (one row per deal), UTF-8 (byte-order mark)," in out
    ttl = (tmp_path / "out" / "sipri.ttl").read_text("utf-8")
    assert '"Bü-181 Bestmann"' in ttl and '"Côte Fictive"@en' in ttl
    assert "Ã" not in ttl
    assert 'kg:encoding "UTF-8 (byte-order mark)"' in ttl


@pytest.mark.parametrize(("encoding", "bom", "named"), [
    ("utf-8", False, "UTF-8"), ("latin-1", False, "Latin-1"), ("utf-8", True,
                                                                 "UTF-8 (byte-order mark)")])
def test_encoding_detected_and_named(tmp_path: Path, encoding: str, bom: bool,
                                     named: str) -> None:
    row = ROW.replace("Japan", "Côte d'Ivoire").replace("SM-3 Block-2", "Bü-181")
    code, out, err = kg_import(tmp_path, write(tmp_path, export(rows=(row,)),
                                               encoding=encoding, bom=bom))
    assert code == 0, err
    assert f"(SIPRI trade register (one row per deal), {named}, generated" in out
    assert "created  'Côte d'Ivoire'" not in out  # nothing garbled to compare
    ttl = (tmp_path / "out" / "sipri.ttl").read_text("utf-8")
    assert '"Bü-181"' in ttl and "Côte d'Ivoire" in ttl and "Ã" not in ttl


def test_bom_then_bad_utf8_refused_with_position(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + export(rows=(ROW.replace("Japan", "J\xe4pan"),))
                     .encode("latin-1"))
    code, _, err = kg_import(tmp_path, path)
    assert code == 1
    assert err == (f"kg: error: {path}:13:2: the file starts with a UTF-8 byte-order mark but "
                   "is not UTF-8 here: b'\\xe4pan'\n")


@pytest.mark.parametrize(("row", "col", "char", "column"), [
    (ROW.replace("For destroyers", "For\x07destroyers"), 70, "U+0007", "Comments"),
    (ROW.replace("SM-3 Block-2", "SM-3\x00Block-2"), 36, "U+0000", "Weapon designation"),
    (ROW.replace("missile", '"mis\tsile"'), 49, "U+0009", "Weapon description"),
])
def test_control_characters_refused_with_position(tmp_path: Path, row: str, col: int,
                                                  char: str, column: str) -> None:
    path = write(tmp_path, export(rows=(ROW, row)))
    code, out, err = kg_import(tmp_path, path)
    assert code == 1 and out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:14:{col}: error: control character {char} in {column}: ")
    assert err.splitlines()[-1] == "1 error(s); nothing written"


def test_windows_1252_byte_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(export(rows=(ROW.replace("For destroyers", "For \x92destroyers"),))
                     .encode("latin-1"))
    code, _, err = kg_import(tmp_path, path)
    assert code == 1
    assert (f"{path}:13:71: error: control character U+0092 in Comments (a Windows-1252 byte "
            "read as Latin-1? re-save the file as UTF-8)") in err


def test_footnote_marks_kept_as_flags_not_in_labels(tmp_path: Path) -> None:
    code, out, err = kg_import(tmp_path, SPLIT)
    assert code == 0, err
    ttl = (tmp_path / "out" / "sipri.ttl").read_text("utf-8")
    assert "**" not in out and '"United Nations"@en' in ttl and '"Hezbollah (Lebanon)"@en' in ttl
    assert 'kg:recipient-footnote "**"' in ttl and 'kg:recipient-footnote "*"' in ttl
    assert 'Nations**' not in ttl and 'Lebanon)*' not in ttl


# --- the README's import examples are real output -----------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console(command: str) -> list[str]:
    """The output the README shows under ``$ command`` in a console block."""
    start = README.index(f"```console\n$ {command}\n") + len(f"```console\n$ {command}\n")
    return README[start:README.index("```", start)].rstrip("\n").split("\n")


def test_readme_alignment_report_is_real_output(tmp_path: Path) -> None:
    shown = _console("kg import sipri tests/fixtures/sipri-register-2026.csv --out /tmp/imp")
    result = run_kg("import", "sipri", "tests/fixtures/sipri-register-2026.csv", "--out",
                    str(tmp_path / "imp"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace(str(tmp_path / "imp"), "/tmp/imp").splitlines() == shown


def test_readme_align_errors_are_real_output() -> None:
    shown = _console("kg check --config tests/fixtures/bad-align.toml 2>&1 | grep bad-align.toml")
    result = run_kg("check", "--config", "tests/fixtures/bad-align.toml", cwd=ROOT)
    assert result.returncode == 1
    assert [line for line in (result.stdout + result.stderr).splitlines()
            if "bad-align.toml" in line] == shown

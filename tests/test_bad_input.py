"""Bad curated data: every case fails the real `kg build` with a precise error.

Each case adds one bad file to a small valid dataset whose out/ was already built, plus
a second, unrelated error in another file, and asserts: exit status 1, no traceback,
the error line with file:line:col, message and offending value, the unrelated error in
the same run (all errors are reported together), and out/ byte-for-byte unchanged.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import run_kg, tree_snapshot

from kg.curate.yamlread import MAX_FILE_BYTES

SOURCES = """\
sources:
  - id: src-a
    title: A source
    published: 2023-05-10
    reliability: C
  - id: src-b
    title: Another source
    reliability: B
"""
ENTITIES = """\
entities:
  - {id: japan, type: Country, label: Japan}
  - {id: usa, type: Country, label: United States}
  - {id: deal, type: Agreement, label: A deal}
"""
STATEMENTS = """\
statements:
  - subject: usa
    predicate: allied-with
    object: japan
    qualifiers: {date: 2018-01, status: agreed}
    sources: [{source: src-a, locator: para 1}, {source: src-b, locator: p 2}]
"""
# An unrelated error in another file: every failing run must report it too.
OTHER = "sources:\n  - {id: other, title: Other, reliability: G}\n"
OTHER_ERROR = ("data/zz-other.yaml:2:44: error: reliability must be one of A, B, C, D, E, F: "
               "'G'")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid project with its out/ built once for the whole module."""
    root = tmp_path_factory.mktemp("pristine")
    for name, text in (("sources", SOURCES), ("entities", ENTITIES),
                       ("statements", STATEMENTS)):
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / f"{name}.yaml").write_text(text, encoding="utf-8")
    done = run_kg("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert (root / "out" / "graph.ttl").is_file()
    return root


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(pristine, target)
    (target / "data" / "zz-other.yaml").write_text(OTHER, encoding="utf-8")
    return target


class Run:
    """The error lines of a failed build, checked against the files they point into."""

    def __init__(self, project: Path, errors: list[str]) -> None:
        self.project = project
        self.errors = errors

    def expect(self, where: str, message: str, value: object = None, *,
               at: str | None = None) -> None:
        """An error at ``where`` whose message starts with ``message`` and names ``value``.

        When ``value`` is text written literally in the file, ``where`` must point at it
        (or at ``at``).
        """
        found = [ln for ln in self.errors if ln.startswith(f"{where}: error: {message}")
                 and (value is None or ln.endswith(f": {value!r}"))]
        assert found, f"no {where}: {message} ({value!r}) in:\n" + "\n".join(self.errors)
        name, _, pos = where.partition(":")
        if pos and isinstance(value, str) and value.isprintable():
            line, col = (int(x) for x in pos.split(":"))
            text = (self.project / name).read_bytes().decode("utf-8", "replace")
            lines = text.splitlines()
            whole = lines[line - 1] if line <= len(lines) else ""  # past the end: EOF
            here, expected = whole[col - 1:], value if at is None else at
            assert value not in whole or here.startswith(expected) or \
                here.lstrip("\"'&*").startswith(expected), f"{where} points at {here!r}"


def failing_build(project: Path, files: dict[str, str | bytes]) -> Run:
    """Write ``files`` under data/, run `kg build`, check it failed cleanly and changed
    nothing; return its errors."""
    for name, content in files.items():
        path = project / "data" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    before = tree_snapshot(project / "out")
    done = run_kg("build", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert tree_snapshot(project / "out") == before
    errors = [ln for ln in done.stderr.splitlines() if ": error: " in ln]
    assert OTHER_ERROR in errors, "errors of other files are reported in the same run"
    assert done.stderr.rstrip().endswith(f"{len(errors)} error(s); nothing written")
    return Run(project, errors)


# -- identity and references -------------------------------------------------------------


def test_duplicate_ids_across_files_name_both_places(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - {id: usa, type: Country, label: USA again}
        """})
    run.expect("data/more.yaml:2:10",
                 "duplicate id (first defined at data/entities.yaml:3:10)", "usa")


def test_duplicate_id_between_a_source_and_an_entity(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - {id: src-a, type: Country, label: Not a source}
        """})
    run.expect("data/more.yaml:2:10",
                 "duplicate id (first defined at data/sources.yaml:2:9)", "src-a")


def test_duplicate_keys_are_refused_never_last_wins(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - id: korea
            type: Country
            label: Korea
            label: South Korea
        """})
    run.expect("data/more.yaml:5:5", "duplicate key (first at line 4, column 5)",
                 "label")


def test_dangling_references(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: allied-with, object: usaa, sources: [src-z]}
        """})
    run.expect("data/more.yaml:2:54", "unknown entity (did you mean 'usa'?)", "usaa")
    run.expect("data/more.yaml:2:70", "unknown source", "src-z")


# -- vocabularies: allowed names and a "did you mean" ------------------------------------


def test_unknown_class(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - {id: korea, type: Contry, label: Korea}
        """})
    run.expect("data/more.yaml:2:23",
                 "unknown class (did you mean 'Country'?); allowed: Agent, Agreement,", "Contry")


def test_unknown_predicate(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: alied-with, object: usa, sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:33",
                 "unknown predicate (did you mean 'allied-with'?); allowed: accused,",
                 "alied-with")


def test_unknown_qualifier(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: allied-with, object: usa, qualifiers: {dte: 2018},
             sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:72",
                 "unknown field (did you mean 'date'?); allowed: date, start, end,", "dte")


def test_unknown_field(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - {id: korea, type: Country, lable: Korea}
        """})
    run.expect("data/more.yaml:2:32",
                 "unknown field (did you mean 'label'?); allowed: id, type, label,", "lable")


def test_unknown_status_value(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: allied-with, object: usa,
             qualifiers: {status: agred}, sources: [src-a]}
        """})
    run.expect("data/more.yaml:3:27", "unknown status (did you mean 'agreed'?); "
                 "allowed:", "agred")


# -- dates ---------------------------------------------------------------------------------


BAD_DATES = [
    ("May 2018", "not a date: write YYYY, YYYY-MM, YYYY-MM-DD or FY2023"),
    ("2018-13", "month 13 does not exist"),
    ("2024-02-30", "day 30 does not exist in 2024-02"),
    ("2023-02-29", "day 29 does not exist in 2023-02"),
    ("01/02/2018", "ambiguous date: write it as ISO YYYY-MM-DD"),
    ("2018/1/2", "ambiguous date: write it as ISO YYYY-MM-DD"),
    ("2018-01-05 10:00:00", "not a date"),
    ("FY18", "not a date"),
]


def test_bad_dates_malformed_impossible_ambiguous(project: Path) -> None:
    lines = [f"  - {{id: s{i}, subject: japan, predicate: allied-with, object: usa, "
             f"sources: [src-a],\n     qualifiers: {{date: {date}}}}}\n"
             for i, (date, _) in enumerate(BAD_DATES)]
    run = failing_build(project, {"more.yaml": "statements:\n" + "".join(lines)})
    for i, (date, message) in enumerate(BAD_DATES):
        run.expect(f"data/more.yaml:{2 * i + 3}:25", message, date)
    assert len(run.errors) == len(BAD_DATES) + 1


def test_bad_published_date_of_a_source(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        sources:
          - {id: src-c, title: C, published: 2024-02-30}
        """})
    run.expect("data/more.yaml:2:38", "day 30 does not exist in 2024-02",
                 "2024-02-30")


# -- YAML's implicit conversions -----------------------------------------------------------


IMPLICIT = ["NO", "yes", "off", "y", "~", "Null", "010", "0x1F", "0b11", "1:20", "1_000",
            "+5", ".5", "1.", ".inf", "-.NaN"]


def test_implicit_conversions_are_refused(project: Path) -> None:
    lines = [f"  - {{id: k{i}, type: Country, label: {text}}}\n"
             for i, text in enumerate(IMPLICIT)]
    run = failing_build(project, {"more.yaml": "entities:\n" + "".join(lines)})
    for i, text in enumerate(IMPLICIT):
        col = 35 + len(str(i))
        run.expect(f"data/more.yaml:{i + 2}:{col}",
                   "ambiguous unquoted value (YAML may read it as another type); quote it", text)
    assert len(run.errors) == len(IMPLICIT) + 1


def test_octal_looking_number_value_is_refused(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: deal, predicate: number, value: 010, sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:47", "ambiguous unquoted value", "010")


def test_unquoted_number_where_text_is_expected(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: usa, predicate: stated, value: 12.50, sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:46", "'stated' takes text, but YAML reads this "
                 "unquoted value as a number; quote it", "12.50")


def test_quoted_number_where_a_number_is_expected(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: deal, predicate: number, value: "12", sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:47", "'number' takes a number (unquoted)", "12")


def test_quoted_credibility_is_refused(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: allied-with, object: usa,
             sources: [{source: src-a, credibility: "2"}]}
        """})
    run.expect("data/more.yaml:3:45", "'credibility' must be a number (unquoted)",
                 "2")


# -- amounts and quantities ----------------------------------------------------------------


def test_amount_without_currency(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: deal, predicate: value, value: {value: 133.3e6}, sources: [src-a]}
          - {subject: japan, predicate: allied-with, object: usa,
             qualifiers: {amount: {value: 5}}, sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:46",
                 "'value' needs a 'currency' (ISO 4217, e.g. USD)", "133.3e6", at="{value")
    run.expect("data/more.yaml:4:27",
                 "'qualifiers.amount' needs a 'currency' (ISO 4217, e.g. USD)", "5",
               at="{value")


def test_bad_currency_code(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: deal, predicate: value, value: {value: 5, currency: usd},
             sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:67", "currency must be an ISO 4217 code such as USD",
                 "usd")


def test_negative_quantities(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        statements:
          - {subject: japan, predicate: allied-with, object: usa,
             qualifiers: {quantity: {value: -3, unit: ships}}, sources: [src-a]}
          - {subject: deal, predicate: value, value: {value: -5, currency: USD},
             sources: [src-a]}
          - {subject: deal, predicate: number, value: -2, sources: [src-a]}
        """})
    run.expect("data/more.yaml:3:37", "quantity must not be negative", "-3")
    run.expect("data/more.yaml:4:54", "amount must not be negative", "-5")
    run.expect("data/more.yaml:6:47", "'number' must not be negative", "-2")


# -- IRIs and language tags ----------------------------------------------------------------


BAD_IDS = ["bad id", "a<b>", "Japan", "a_b", "x#y", "jäpan", "-x", "a/b", "a.b", "a-", "%20"]


def test_ids_that_would_make_invalid_or_clashing_iris(project: Path) -> None:
    lines = [f'  - {{id: "{ident}", type: Country, label: X}}\n' for ident in BAD_IDS]
    run = failing_build(project, {"more.yaml": "entities:\n" + "".join(lines)})
    for i, ident in enumerate(BAD_IDS):
        run.expect(f"data/more.yaml:{i + 2}:10",
                   "invalid id: use lowercase letters, digits and inner hyphens", ident)
    assert len(run.errors) == len(BAD_IDS) + 1


def test_invalid_statement_id_and_url(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        sources:
          - {id: src-c, title: C, url: "http://example.org/a b"}
        statements:
          - {id: "x y", subject: japan, predicate: allied-with, object: usa, sources: [src-a]}
        """})
    run.expect("data/more.yaml:2:32", "url must be an http(s) URL without spaces",
                 "http://example.org/a b")
    run.expect("data/more.yaml:4:10", "invalid id", "x y")


def test_bad_language_tags(project: Path) -> None:
    tags = ["en_US", "e", "english-is-long", "12", "en-"]
    lines = [f'  - {{id: l{i}, title: C, language: "{tag}"}}\n' for i, tag in enumerate(tags)]
    run = failing_build(project, {"more.yaml": "sources:\n" + "".join(lines)})
    for i, tag in enumerate(tags):
        run.expect(f"data/more.yaml:{i + 2}:34",
                   "language must be a BCP 47 tag such as en or ja", tag)
    assert len(run.errors) == len(tags) + 1


# -- text: control characters and lone surrogates ------------------------------------------


CONTROLS = [("\\x07", "\x07"), ("\\x1b", "\x1b"), ("\\x7f", "\x7f"), ("\\x85", "\x85"),
            ("\\u202e", "\u202e"), ("\\u2066", "\u2066"), ("\\uFFFE", "\ufffe"),
            ("\\0", "\x00"), ("\\b", "\b")]


def test_control_characters_in_text(project: Path) -> None:
    lines = [f'  - {{id: k{i}, type: Country, label: "Ko{escape}rea"}}\n'
             for i, (escape, _) in enumerate(CONTROLS)]
    run = failing_build(project, {"more.yaml": "entities:\n" + "".join(lines)})
    for i, (_, char) in enumerate(CONTROLS):
        run.expect(f"data/more.yaml:{i + 2}:{35 + len(str(i))}",
                   f"control character U+{ord(char):04X} in text", f"Ko{char}rea")
    assert len(run.errors) == len(CONTROLS) + 1


def test_raw_control_character_in_the_file(project: Path) -> None:
    run = failing_build(project, {
        "more.yaml": b"entities:\n  - {id: korea, type: Country, label: Ko\x00rea}\n"})
    run.expect("data/more.yaml:2:41", "control character U+0000 in the file", "\x00")


def test_lone_surrogate_escape(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - {id: korea, type: Country, label: "Ko\\ud800rea"}
        """})
    run.expect("data/more.yaml:2:42", "YAML syntax error: while parsing a quoted "
                 "scalar found invalid Unicode character escape code (a lone surrogate")


def test_encoded_surrogate_is_not_utf8(project: Path) -> None:
    run = failing_build(project, {
        "more.yaml": b"entities:\n  - {id: korea, type: Country, label: Ko\xed\xa0\x80rea}\n"})
    run.expect("data/more.yaml:2:41", "not UTF-8 at byte offset 50", b"\xed")


# -- files ---------------------------------------------------------------------------------


def test_empty_files(project: Path) -> None:
    run = failing_build(project, {"e1.yaml": "", "e2.yaml": "\n  \n",
                                  "e3.yaml": "# only a comment\n"})
    for name in ("e1", "e2", "e3"):
        run.expect(f"data/{name}.yaml:1:1", "file is empty")


def test_not_utf8_names_the_byte_offset(project: Path) -> None:
    run = failing_build(project, {
        "more.yaml": "entities:\n  - {id: korea, type: Country, label: Corée}\n".encode("latin-1")})
    run.expect("data/more.yaml:2:42", "not UTF-8 at byte offset 51", b"\xe9")


def test_utf16_file_is_not_utf8(project: Path) -> None:
    run = failing_build(project, {"more.yaml": "entities: []\n".encode("utf-16")})
    run.expect("data/more.yaml:1:1", "not UTF-8 at byte offset 0", b"\xff")


def test_truncated_mid_structure(project: Path) -> None:
    run = failing_build(project, {
        "t1.yaml": ENTITIES[:52],
        "t2.yaml": STATEMENTS[:120],
        "t3.yaml": 'entities:\n  - {id: korea, label: "Kor',
        "t4.yaml": "entities:\n  - id: korea\n    aliases: [a, b",
    })
    hint = "(the file ends in the middle of a structure: is it truncated?)"
    run.expect("data/t1.yaml:3:1", "YAML syntax error: while parsing a flow mapping did not "
               f"find expected ',' or '}}' {hint}", ENTITIES[:52].splitlines()[-1][-30:])
    run.expect("data/t2.yaml:6:1", "YAML syntax error: while parsing a flow mapping",
               STATEMENTS[:120].splitlines()[-1][-30:])
    run.expect("data/t3.yaml:2:28", "YAML syntax error: while scanning a quoted scalar found "
               f"unexpected end of stream {hint}", '  - {id: korea, label: "Kor', at="")
    run.expect("data/t4.yaml:4:1", "YAML syntax error: while parsing a flow sequence",
               "    aliases: [a, b")
    assert all(hint in line for line in run.errors if "YAML" in line)


def test_over_the_size_limit(project: Path) -> None:
    big = b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    run = failing_build(project, {"more.yaml": big})
    run.expect("data/more.yaml", f"file is larger than {MAX_FILE_BYTES} bytes",
                 len(big))


def test_not_a_mapping_and_not_a_list(project: Path) -> None:
    run = failing_build(project, {"more.yaml": "- one\n- two\n",
                                     "list.yaml": "entities: {id: x}\n"})
    run.expect("data/more.yaml:1:1", "a data file is a mapping with keys sources, "
                 "entities, statements", "a list")
    run.expect("data/list.yaml:1:11", "'entities' must be a list", "a mapping")


# -- YAML features that lie or run code ----------------------------------------------------


def test_aliases_and_anchors_are_refused(project: Path) -> None:
    run = failing_build(project, {"more.yaml": """\
        entities:
          - &k {id: korea, type: Country, label: Korea}
          - *k
        """})
    run.expect("data/more.yaml:2:5", "YAML anchors are not allowed", "k")
    run.expect("data/more.yaml:3:5", "YAML aliases are not allowed", "k")


def test_python_tags_are_refused_and_never_run(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    run = failing_build(project, {"more.yaml": f"""\
        entities:
          - !!python/object/apply:os.system ["touch {marker}"]
          - {{id: korea, type: !!str Country, label: !custom Korea}}
        """})
    run.expect("data/more.yaml:2:5", "YAML tags are not allowed",
                 "tag:yaml.org,2002:python/object/apply:os.system")
    run.expect("data/more.yaml:3:23", "YAML tags are not allowed",
                 "tag:yaml.org,2002:str")
    run.expect("data/more.yaml:3:45", "YAML tags are not allowed", "!custom")
    assert not marker.exists()


def test_more_than_one_document(project: Path) -> None:
    run = failing_build(project, {"more.yaml": "entities: []\n---\nentities: []\n"})
    run.expect("data/more.yaml:2:1", "more than one YAML document in a file")


# -- all together --------------------------------------------------------------------------


def test_every_error_of_a_run_is_reported_together(project: Path) -> None:
    run = failing_build(project, {
        "a.yaml": "entities:\n  - {id: usa, type: Contry, label: NO}\n",
        "b.yaml": b"entities:\n  - {id: x, type: Country, label: \xff}\n",
        "c.yaml": "statements:\n  - {subject: usa, predicate: allied-with, object: japn,\n"
                  "     qualifiers: {date: 01/02/2018}, sources: [src-a]}\n",
        "d.yaml": "",
    })
    run.expect("data/entities.yaml:3:10", "duplicate id (first defined at data/a.yaml:2:10)",
               "usa")
    run.expect("data/a.yaml:2:21", "unknown class", "Contry")
    run.expect("data/a.yaml:2:36", "ambiguous unquoted value", "NO")
    run.expect("data/b.yaml:2:35", "not UTF-8 at byte offset 44", b"\xff")
    run.expect("data/c.yaml:2:52", "unknown entity", "japn")
    run.expect("data/c.yaml:3:25", "ambiguous date", "01/02/2018")
    run.expect("data/d.yaml:1:1", "file is empty")
    assert len(run.errors) == 8


def test_check_reports_the_same_errors_and_writes_nothing(project: Path) -> None:
    (project / "data" / "more.yaml").write_text(
        "entities:\n  - {id: korea, type: Contry, label: Korea}\n", encoding="utf-8")
    shutil.rmtree(project / "out")
    done = run_kg("check", cwd=project)
    assert done.returncode == 1
    assert "data/more.yaml:2:23: error: unknown class (did you mean 'Country'?)" in done.stderr
    assert OTHER_ERROR in done.stderr
    assert not (project / "out").exists()


def test_failed_build_without_previous_out_creates_nothing(project: Path) -> None:
    shutil.rmtree(project / "out")
    done = run_kg("build", cwd=project)
    assert done.returncode == 1
    assert OTHER_ERROR in done.stderr
    assert not (project / "out").exists()


# -- SHACL: violations are placed at the data file and line they came from ---------------


def test_shacl_violations_are_mapped_back_to_file_and_line(pristine: Path) -> None:
    from rdflib import RDFS, XSD, Literal
    from rdflib.namespace import PROV

    from kg.curate.load import load
    from kg.rdf.triples import KG, entity_iri, statement_iri, to_graph
    from kg.rdf.validate import validate

    data, issues = load(pristine / "data")
    assert not [i for i in issues if i.is_error]
    graph = to_graph(data)
    japan = entity_iri("japan")
    graph.remove((japan, RDFS.label, None))  # no label: the Python checks never allow it
    statement = statement_iri(data.statements[0])
    graph.remove((statement, PROV.wasDerivedFrom, None))
    cite = graph.value(statement, PROV.qualifiedDerivation)
    graph.add((cite, KG.credibility, Literal("9", datatype=XSD.integer)))

    found = {(str(i.loc), i.message, i.value) for i in validate(graph, data)}
    assert ("data/entities.yaml:2:5", "SHACL: an entity has exactly one English label",
            str(japan)) in found
    assert ("data/statements.yaml:2:5", "SHACL: a statement cites at least one source",
            str(statement)) in found
    assert ("data/statements.yaml:6:15", "SHACL: credibility is an integer from 1 to 6",
            "9") in found
    assert all(i.code == "shacl" for i in validate(graph, data))

"""Realistic curated data at any size, valid for kg's vocabulary (``kg check`` passes).

A *fact* is one curated statement. Entities (countries, organisations, people, systems,
agreements, events, places, plans) number about a fifth of the facts, sources a
twentieth; subjects and objects are drawn with power-law weights (a few hubs, a long
tail), every statement cites one or two sources, and the records are split over many
files the way curators split them (sources, entities by kind, statements by article).
The same ``seed`` always gives the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core.vocab import Vocabulary, vocabulary

# Entity classes and their share of the entities.
CLASS_MIX: tuple[tuple[str, float], ...] = (
    ("Country", 0.01), ("GovernmentBody", 0.08), ("Company", 0.06),
    ("MediaOrganization", 0.02), ("Person", 0.25), ("WeaponSystem", 0.06),
    ("Missile", 0.06), ("SensorSystem", 0.04), ("Platform", 0.05),
    ("InformationSystem", 0.02), ("Agreement", 0.06), ("ArmsTransfer", 0.06),
    ("Plan", 0.03), ("Event", 0.03), ("Meeting", 0.04), ("Talks", 0.02),
    ("Decision", 0.02), ("MissileTest", 0.03), ("Place", 0.06),
)
SYLLABLES = ("ka", "ro", "mi", "sun", "tel", "var", "dor", "an", "ge", "lis", "po", "yu",
             "ch", "ber", "na", "tok", "sel", "ri", "ost", "em")
STATUSES = ("reported", "planned", "agreed", "approved", "signed", "ongoing", "completed")
CERTAINTIES = ("confirmed", "likely", "possible", "unconfirmed")
ATTRIBUTIONS = ("first-hand", "official", "other-outlet", "unnamed")
CURRENCIES = ("USD", "JPY", "KRW", "EUR")
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


@dataclass(frozen=True, slots=True)
class Generated:
    root: Path
    facts: int
    entities: int
    sources: int
    files: int


def _name(rng: random.Random) -> str:
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(rng.randint(1, 2))
    )


def _skewed(rng: random.Random, pool: Sequence[str]) -> str:
    """A power-law pick: low indexes (the hubs) are drawn far more often than the tail."""
    return pool[int(len(pool) * rng.random() ** 3)]


def _date(rng: random.Random) -> str:
    year = rng.randint(1995, 2024)
    kind = rng.random()
    if kind < 0.3:
        return str(year)
    if kind < 0.7:
        return f"{year}-{rng.randint(1, 12):02d}"
    if kind < 0.95:
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return f"FY{year}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Plan:
    """Which entity ids each predicate may take as subject and object."""

    def __init__(self, v: Vocabulary, kinds: dict[str, list[str]]) -> None:
        def pool(classes: frozenset[str]) -> list[str]:
            ids = [i for cls, members in kinds.items()
                   if not classes or any(v.is_a(cls, c) for c in classes) for i in members]
            return sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1]))

        self.predicates: list[tuple[str, list[str], list[str] | None]] = []
        for name in sorted(v.predicates):
            info = v.predicates[name]
            subjects = pool(info.domains)
            objects = None if info.literal else pool(info.ranges)
            if subjects and (objects is None or objects):
                self.predicates.append((name, subjects, objects))


def _statement(rng: random.Random, plan: _Plan, seen: set[tuple[str, str, str]],
               n: int, sources: list[str], publishers: dict[str, str]) -> list[str]:
    name, subjects, objects = plan.predicates[int(len(plan.predicates) * rng.random() ** 1.5)]
    subject = _skewed(rng, subjects)
    lines = [f"  - subject: {subject}", f"    predicate: {name}"]
    if objects is not None:
        obj = _skewed(rng, objects)
        lines.append(f"    object: {obj}")
    elif name == "value":
        amount = f"{{value: {rng.randint(1, 5000) * 100_000}, currency: {rng.choice(CURRENCIES)}}}"
        obj = "=" + amount
        lines.append(f"    value: {amount}")
    elif name == "number":
        obj = f"={rng.randint(1, 400)}"
        lines.append(f"    value: {obj[1:]}")
    else:
        obj = "=" + _q(_name(rng) + " " + str(n))
        lines.append(f"    value: {obj[1:]}")
    if (subject, name, obj) in seen:
        lines.append(f"    id: k{n}")
    seen.add((subject, name, obj))
    quals = []
    if rng.random() < 0.7:
        quals.append(f"date: {_date(rng)}")
    if rng.random() < 0.5:
        quals.append(f"status: {rng.choice(STATUSES)}")
    if rng.random() < 0.2:
        quals.append(f"certainty: {rng.choice(CERTAINTIES)}")
    if quals:
        lines.append("    qualifiers: {" + ", ".join(quals) + "}")
    drawn = [(_skewed(rng, sources), rng.randint(1, 30), rng.randint(1, 6),
              rng.choice(ATTRIBUTIONS)) for _ in range(1 if rng.random() < 0.6 else 2)]
    # The grading rules (kg.curate.grading): credibility 1 only with two sources (their
    # publishers differ), a hedged certainty graded 3 or worse, no 'official' without a
    # named speaker (generated claims have none).
    hedged = any(q in ("certainty: likely", "certainty: possible") for q in quals)
    independent = len({publishers[source] for source, *_ in drawn}) > 1
    cites = []
    for source, para, credibility, attribution in drawn:
        if credibility == 1 and not independent:
            credibility = 2
        if hedged:
            credibility = max(credibility, 3)
        if attribution == "official":
            attribution = "official-unnamed"
        cites.append(f"{{source: {source}, locator: para {para}, credibility: {credibility}, "
                     f"attribution: {attribution}}}")
    lines.append("    sources: [" + ", ".join(cites) + "]")
    return lines


def generate(root: Path | str, facts: int, *, files: int = 100, seed: int = 1) -> Generated:
    """Write ``files`` YAML files holding ``facts`` statements under ``root`` (emptied first)."""
    rng = random.Random(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("*.yaml"):
        old.unlink()
    v = vocabulary()
    n_entities = max(len(CLASS_MIX) * 3, facts // 5)
    n_sources = max(5, facts // 20)
    kinds: dict[str, list[str]] = {}
    entity_lines: list[list[str]] = []
    n = 0
    for cls, share in CLASS_MIX:
        for _ in range(max(3, round(n_entities * share))):
            ident = f"{cls.lower()}-{n}"
            n += 1
            kinds.setdefault(cls, []).append(ident)
            rec = [f"  - id: {ident}", f"    type: {cls}", f"    label: {_q(_name(rng))}"]
            if rng.random() < 0.3:
                rec.append(f"    aliases: [{_q(_name(rng))}]")
            if rng.random() < 0.2:
                rec.append(f"    wikidata: Q{rng.randint(1, 10**7)}")
            entity_lines.append(rec)
    _drop_shared_aliases(entity_lines)
    source_ids = [f"src-{i}" for i in range(n_sources)]
    source_lines = [[f"  - id: {s}", f"    title: {_q('Report ' + _name(rng))}",
                     f"    publisher: {_q(_name(rng) + ' News')}",
                     f"    published: {_date(rng).replace('FY', '')}",
                     f"    reliability: {rng.choice('ABCDEF')}"] for s in source_ids]
    publishers = {s: lines[2].split(": ", 1)[1]
                  for s, lines in zip(source_ids, source_lines, strict=True)}
    plan = _Plan(v, kinds)
    seen: set[tuple[str, str, str]] = set()
    statements = [_statement(rng, plan, seen, i, source_ids, publishers) for i in range(facts)]
    n_src_files = max(1, files // 20)
    n_ent_files = max(1, files // 7)
    n_st_files = max(1, files - n_src_files - n_ent_files)
    _write_split(root, "sources", "sources", source_lines, n_src_files)
    _write_split(root, "entities", "entities", entity_lines, n_ent_files)
    _write_split(root, "article", "statements", statements, n_st_files)
    return Generated(root, facts, n, n_sources, n_src_files + n_ent_files + n_st_files)


def _drop_shared_aliases(records: list[list[str]]) -> None:
    """Remove each alias that is also another entity's label or alias (kg.curate.grading)."""
    def names(rec: list[str]) -> list[str]:
        return [line.split(": ", 1)[1].strip("[]").casefold() for line in rec
                if line.startswith(("    label: ", "    aliases: "))]

    owners: dict[str, int] = {}
    for rec in records:
        for name in set(names(rec)):
            owners[name] = owners.get(name, 0) + 1
    for rec in records:
        rec[:] = [line for line in rec if not (line.startswith("    aliases: ") and
                                               owners[names([line])[0]] > 1)]


def _write_split(root: Path, stem: str, section: str, records: list[list[str]],
                 parts: int) -> None:
    size = -(-len(records) // parts)
    for i in range(parts):
        chunk = records[i * size:(i + 1) * size]
        text = f"# generated by kg.bench.generate ({section}, part {i + 1} of {parts})\n"
        text += f"{section}:\n" + "".join("\n".join(rec) + "\n" for rec in chunk)
        if chunk:
            (root / f"{stem}-{i:03d}.yaml").write_text(text, encoding="utf-8")

"""Checking ``[align]`` in ``kg.toml``: every target must be a curated entity of the right kind.

A target is a curated id (``japan``) or the Wikidata id of exactly one curated entity
(``Q17``). Anything else is an error at the value's line and column in ``kg.toml``, never
written into the outputs: an unknown id (with a "did you mean"), a label or a wrong case
(``Japan``: the id is ``japan``), a Wikidata id no curated entity has, text that is not an
id at all (``"a b> <http://evil/x"`` would be an invalid IRI), and a target of the wrong
kind: a SIPRI weapon designation aligned with a country, or a supplier or recipient
aligned with a weapon. A name that no import contains is a warning (``[align]`` maps the
names of SIPRI parties and weapons, and the IRIs or labels of RDF resources).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from kg.core.errors import Issue, Loc, Severity
from kg.core.model import Dataset, Entity
from kg.core.vocab import vocabulary
from kg.imports.align import normalize
from kg.imports.sipri import Register
from kg.imports.sipri_graph import PARTY_KINDS, WEAPON_KINDS

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")


def _entity(target: str, curated: Dataset) -> Entity | str:
    """The entity ``target`` names, or why it names none."""
    ids = {e.id: e for e in curated.entities}
    if target in ids:
        return ids[target]
    if _WIKIDATA.fullmatch(target):
        found = [e for e in curated.entities if e.wikidata == target]
        if len(found) == 1:
            return found[0]
        if found:
            return (f"Wikidata id shared by several curated entities ("
                    f"{', '.join(e.id for e in found)}); write the curated id")
        return "no curated entity has this Wikidata id"
    key = normalize(target)
    named = sorted({e.id for e in curated.entities
                    if key and key in {normalize(n) for n in (e.label, *e.aliases)}})
    if target.lower() in ids:
        return f"curated ids are lower case: did you mean {target.lower()!r}?"
    if named:
        return f"a label, not an id: did you mean {' or '.join(map(repr, named))}?"
    if _ID.fullmatch(target):
        near = difflib.get_close_matches(target, list(ids), n=1)
        return "unknown curated id" + (f" (did you mean {near[0]!r}?)" if near else "")
    return ("not a curated id (lower-case letters, digits and inner hyphens) or a Wikidata "
            "id (Q followed by digits)")


def check_align(align: Mapping[str, str], locs: Mapping[str, Loc], config: str,
                curated: Dataset, registers: Sequence[Register], *,
                rdf_names: frozenset[str] = frozenset(), rdf_imports: bool = False
                ) -> list[Issue]:
    """Every problem with the ``[align]`` table, each at its place in ``kg.toml``;
    ``rdf_names`` are the keys that some RDF import has (as an IRI or a label)."""
    v = vocabulary()
    parties = {normalize(n): r.path for r in registers for d in r.deals
               for n in (d.supplier, d.recipient)}
    weapons = {normalize(d.designation): r.path for r in registers for d in r.deals}
    issues: list[Issue] = []
    for name, target in align.items():
        loc = locs.get(name, Loc(config))
        found = _entity(target, curated)
        if isinstance(found, str):
            issues.append(Issue(loc, f"[align] {name!r}: {found}", target, code="align"))
            continue
        key = normalize(name)
        for used, kinds, role in ((weapons, WEAPON_KINDS, "a weapon"),
                                  (parties, PARTY_KINDS, "a supplier or recipient")):
            if key in used and not any(v.is_a(found.type, k) for k in kinds):
                issues.append(Issue(loc, f"[align] {name!r} is {role} in {used[key]}; it "
                                    f"cannot align with {found.id!r}, a {found.type}", target,
                                    code="align"))
        if (registers or rdf_imports) and key not in parties and key not in weapons \
                and name not in rdf_names:
            issues.append(Issue(loc, f"[align] {name!r} is not a name in any "
                                + _unused(bool(registers), rdf_imports), target,
                                Severity.WARNING, code="align"))
    return issues


def _unused(sipri: bool, rdf: bool) -> str:
    why = ["no deal has it as supplier, recipient or weapon"] if sipri else []
    why += ["no RDF resource has it as IRI or label"] if rdf else []
    kinds = " or ".join(k for k, on in (("SIPRI", sipri), ("RDF", rdf)) if on)
    return f"{kinds} import ({'; '.join(why)})"

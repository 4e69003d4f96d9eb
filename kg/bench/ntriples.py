"""The graph of a big benchmark size as N-Triples, streamed, for the query benchmark.

A full build at 1M facts (18 million triples) holds every triple as rdflib terms and
sorts three serializations: more memory than a small machine has. The query benchmark
only needs the triples, so this writes them as they are made, one line per triple,
unsorted (a store deduplicates on load): the loaded data plus its generated triples
plus the ontology, the same triples the build writes to ``graph.nt``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_ntriples(data: Path, out: Path) -> dict[str, int]:
    """Write ``data``'s triples and the ontology to ``out`` (staged, then renamed)."""
    from kg.core.gcpause import paused_gc
    from kg.core.vocab import ontology_graph
    from kg.curate.load import load
    from kg.rdf.ntterms import term_text
    from kg.rdf.triples import data_triples

    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    lines = 0
    with paused_gc(), part.open("w", encoding="utf-8") as f:
        loaded = load(data)[0]
        texts: dict[object, str] = {}  # IRIs repeat across triples: render each once

        def text(term: object) -> str:
            try:
                return texts[term]
            except KeyError:
                rendered = term_text(term)  # type: ignore[arg-type]
                if len(texts) < 5_000_000:
                    texts[term] = rendered
                return rendered

        parts: tuple[Iterable[Any], ...] = (data_triples(loaded), ontology_graph())
        for triples in parts:
            for s, p, o in triples:
                f.write(f"{text(s)} {text(p)} {text(o)} .\n")
                lines += 1
    os.replace(part, out)
    return {"lines": lines}

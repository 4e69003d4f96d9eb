"""The prefixes written in every output and predeclared for every query, as plain strings.

Here, not in kg.core.vocab, so that reading them costs no rdflib import: ``kg query`` over
the built store vets, evaluates and prints a SELECT without rdflib (docs/benchmarks.md,
"kg query: the whole process"). kg.core.vocab's namespaces are made from these strings.
"""

from __future__ import annotations

PREFIXES: dict[str, str] = {
    "kg": "https://w3id.org/kg/ontology/",
    "kgr": "https://w3id.org/kg/resource/",
    "kgs": "https://w3id.org/kg/statement/",
    "wd": "http://www.wikidata.org/entity/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
}

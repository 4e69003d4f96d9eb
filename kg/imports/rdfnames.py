"""Names an external RDF file gets in the outputs, made from its path and nothing else.

An import is known by its *name*: its path as ``kg.toml`` writes it, normalized
(``./a/../b.ttl`` is ``b.ttl``), relative to ``kg.toml``'s folder unless written absolute.
Everything named after an import is derived from that name alone, so it is the same in
every checkout, and injective, so two files never share a name:

- its named graph ``https://w3id.org/kg/graph/rdf/<path>`` and source ``<graph>/source``,
  each path segment percent-encoded (``external/geo-sameas.ttl`` and
  ``external-geo/sameas.ttl`` stay two graphs; ``..`` is written ``%2E%2E``);
- the base that its relative IRIs resolve against, ``https://w3id.org/kg/file/<path>``
  (never ``file:///`` and the builder's folders);
- the prefix of its blank-node labels: a short hash of the name, so ``ab.ttl`` and
  ``a-b.ttl`` never share a blank node.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib import URIRef

from kg.imports.sipri_graph import GRAPH

FILE_BASE = "https://w3id.org/kg/file/"


def _path_iri(name: str) -> str:
    return "/".join("%2E%2E" if s == ".." else quote(s, safe="") for s in name.split("/"))


def graph_iri(name: str) -> URIRef:
    """The named graph of the import called ``name``."""
    return GRAPH[f"rdf/{_path_iri(name)}"]


def base_iri(name: str) -> str:
    """What relative IRIs in the import called ``name`` resolve against."""
    return FILE_BASE + _path_iri(name)


def blank_prefix(name: str) -> str:
    """The prefix of the import's blank-node labels (``r`` and 12 hex digits)."""
    return "r" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]

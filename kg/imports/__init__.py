"""Readers for data we did not write: the SIPRI trade register and external RDF files.

Each import keeps every fact traceable to its dataset (a ``kg:Source``), lives in its own
named graph, and is aligned with the curated entities (see :mod:`kg.imports.align`).
"""

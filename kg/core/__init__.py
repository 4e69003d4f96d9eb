"""Errors, typed records, vocabularies and the ontology, dates, and the process helpers
every stage may use."""

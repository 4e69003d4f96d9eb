"""Records -> triples, terms, the sorted writers (Turtle, N-Triples, JSON-LD), SHACL, and
facts read back from a graph."""

"""The benchmark: a generator of realistic curated data and a harness timing each stage.

Run it with ``python -m kg bench`` (see docs/benchmarks.md). Nothing here runs at import.
"""

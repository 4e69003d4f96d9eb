"""kg's version: the one place it is written (pyproject.toml reads it from here).

A constant, not ``importlib.metadata.version("kg")``: finding the installed distribution
scans every folder on the path (about 70 ms), which every ``kg query`` paid twice, for its
``--version`` option and for the manifest's check (docs/benchmarks.md).
"""

__version__ = "0.1.0"

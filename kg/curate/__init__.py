"""Curated data: strict YAML reading with positions, load (files -> records), check (records
-> issues)."""

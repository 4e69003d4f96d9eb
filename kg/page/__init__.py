"""The offline HTML page: page data, per-file parts, layout, templates."""

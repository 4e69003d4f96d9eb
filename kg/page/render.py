"""The offline HTML page written: the template, the page's data, its scripts and their
Content-Security-Policy hashes, in one self-contained file.

kg.page.html makes the page's data (entities, statement rows, classes, sources) and
kg.page.pageparts assembles it from per-file parts; this module, above both, fills the
template with them (one pass, so a placeholder spelled inside the data is never
substituted).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from kg.core.gcpause import paused_gc
from kg.core.model import Dataset, Entity, Source
from kg.page.html import neighbourhood, resolve_entity, vis_network_js
from kg.page.pageparts import FilePage, GraphSpan, file_parts, page_context, page_json


def _escape_html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _template(name: str) -> str:
    return resources.files("kg").joinpath(f"page/templates/{name}").read_text(encoding="utf-8")


def render_page(data: Dataset, *, title: str = "kg — knowledge graph",
                focus: str | None = None, hops: int = 1,
                graphs: Sequence[GraphSpan] = (),
                deals: Sequence[dict[str, Any]] = ()) -> str:
    """The self-contained HTML page of the dataset (``focus``: an entity id to select;
    ``graphs``: which runs of entities and statements come from which imported named
    graph, the rest being the curated default graph; ``deals``: imported deals as
    tables, kg.imports.pages.deal_table)."""

    with paused_gc():  # see kg.page.html._page_json
        files = file_parts(data, page_context(data.entities, data.sources))
    return render_page_parts(data.entities, data.sources, files, title=title, focus=focus,
                             hops=hops, graphs=graphs, deals=deals)


def render_page_parts(entities: Sequence[Entity], sources: Sequence[Source],
                      files: Sequence[tuple[FilePage, str]], *,
                      title: str = "kg — knowledge graph", focus: str | None = None,
                      hops: int = 1, cache_dir: Path | None = None,
                      passages: dict[str, Any] | None = None,
                      graphs: Sequence[GraphSpan] = (),
                      deals: Sequence[dict[str, Any]] = ()) -> str:
    """:func:`render_page` of the dataset whose statements are those of ``files``, each
    file's ``(FilePage, rows JSON)`` from :mod:`kg.page.pageparts` (``cache_dir``: where the
    layout of big graphs is cached; ``passages``: the cited paragraphs, kg.curate.passages)."""
    return "".join(page_pieces(entities, sources, files, title=title, focus=focus, hops=hops,
                               cache_dir=cache_dir, passages=passages, graphs=graphs,
                               deals=deals))


def page_pieces(entities: Sequence[Entity], sources: Sequence[Source],
                files: Sequence[tuple[FilePage, str]], *,
                title: str = "kg — knowledge graph", focus: str | None = None,
                hops: int = 1, cache_dir: Path | None = None,
                passages: dict[str, Any] | None = None, graphs: Sequence[GraphSpan] = (),
                deals: Sequence[dict[str, Any]] = ()) -> list[str]:
    """:func:`render_page_parts` as the pieces its text is joined from: a big page is
    written piece by piece, never held twice (joined, its data would also be widened
    to the title's character width: two bytes a character for "kg — ...")."""

    vis_js = vis_network_js().replace("</script", "<\\/script")
    app_js = _template("page.js")
    with paused_gc():  # see kg.page.html._page_json
        page = page_json(entities, sources, files, focus=focus, hops=hops, cache_dir=cache_dir,
                         passages=passages, graphs=graphs, deals=deals)
    parts = {
        "TITLE": _escape_html(title),
        "CSP": f"{_csp_hash(vis_js)} {_csp_hash(app_js)}",
        "CSS": _template("page.css"),
        "DATA": page,
        "VIS": vis_js,
        "APP": app_js,
    }
    # One pass over the template, so a placeholder spelled inside the data is never
    # substituted: the template's text alternates with the placeholders' names.
    pieces = re.split(r"__KG_([A-Z]+)__", _template("page.html"))
    return [parts[piece] if i % 2 else piece for i, piece in enumerate(pieces)]


def render_focus_page(data: Dataset, entity: str, *, hops: int = 2) -> tuple[str, str]:
    """(entity id, page) of the ``hops``-neighbourhood of ``entity`` (id, label or alias)."""
    eid = resolve_entity(data, entity)
    label = next(e.label for e in data.entities if e.id == eid)
    part = neighbourhood(data, eid, hops=hops)
    title = f"kg — {label} and {hops} hop{'s' if hops != 1 else ''} around"
    return eid, render_page(part, title=title, focus=eid, hops=hops)

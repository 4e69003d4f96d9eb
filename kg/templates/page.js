"use strict";
// kg graph browser. Every string from the data reaches the screen through textContent.
(function () {
  const started = performance.now();
  const D = JSON.parse(document.getElementById("kg-data").textContent);
  // Statements travel as rows of named fields (kg.html.STATEMENT_FIELDS): one object each.
  const record = (names) => (row) => {
    const o = {};
    names.forEach((name, i) => { o[name] = row[i]; });
    return o;
  };
  const asFact = record(D.statements.fields);
  const asCite = record(D.statements.citeFields);
  // The cited paragraph, when the page was built with the archived copies (kg.passages):
  // [text, entity id or null] segments.
  function withPassage(c) {
    c.passage = (D.passages && c.locator && D.passages[`${c.source} ${c.locator}`]) || null;
    return c;
  }
  D.statements = D.statements.rows.map((row) => {
    const s = asFact(row);
    s.cites = s.cites.map(asCite).map(withPassage);
    return s;
  });
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const byId = new Map(D.entities.map((e) => [e.id, e]));
  const style = new Map(D.classes.map((c) => [c.name, c]));
  const facts = new Map(D.statements.map((s) => [s.id, s]));
  const factsOf = new Map(D.entities.map((e) => [e.id, []]));
  for (const s of D.statements) {
    for (const ref of [s.s, s.o]) if (ref && factsOf.has(ref)) factsOf.get(ref).push(s);
  }
  const isEdge = (s) => s.o !== null && byId.has(s.s) && byId.has(s.o);
  const predLabel = (p) => (D.predicates[p] ? D.predicates[p].label : p);
  const reliabilityOf = (src) => (D.sources[src] && D.sources[src].reliability) || "unrated";

  // ---- filter state -------------------------------------------------------------------
  const all = (xs) => new Set(xs);
  const state = {
    classes: all(D.classes.map((c) => c.name)),
    predicates: all(Object.keys(D.predicates)),
    statuses: all(D.statements.map((s) => s.status || "none")),
    reliability: all(Object.keys(D.sources).map(reliabilityOf).concat(["unrated"])),
    sources: all(Object.keys(D.sources)),
    asOf: null, focus: null, pathFrom: null, pathTo: null, path: null,
  };
  let shownFacts = new Set();
  let shownNodes = new Set();

  function citeOk(c) {
    return state.sources.has(c.source) && state.reliability.has(reliabilityOf(c.source));
  }
  function factOk(s) {
    if (!state.predicates.has(s.p) || !state.statuses.has(s.status || "none")) return false;
    if (state.asOf && s.since && s.since > state.asOf) return false;
    return s.cites.length === 0 || s.cites.some(citeOk);
  }
  function neighbours(id) {
    const out = [];
    for (const s of factsOf.get(id) || []) {
      if (isEdge(s) && shownFacts.has(s.id)) out.push([s.s === id ? s.o : s.s, s]);
    }
    return out;
  }
  function recompute() {
    shownFacts = new Set(D.statements.filter(factOk).map((s) => s.id));
    shownNodes = new Set(D.entities.filter((e) => state.classes.has(e.group) && (
      factsOf.get(e.id).length === 0 || factsOf.get(e.id).some((s) => shownFacts.has(s.id))
    )).map((e) => e.id));
    for (const s of D.statements) {
      if (isEdge(s) && !(shownNodes.has(s.s) && shownNodes.has(s.o))) shownFacts.delete(s.id);
    }
    if (state.focus) {
      const seen = new Map([[state.focus.id, 0]]);
      const todo = [state.focus.id];
      for (let i = 0; i < todo.length; i++) {
        const id = todo[i];
        if (seen.get(id) >= state.focus.hops) continue;
        for (const [next] of neighbours(id)) {
          if (!seen.has(next) && shownNodes.has(next)) { seen.set(next, seen.get(id) + 1); todo.push(next); }
        }
      }
      shownNodes = new Set([...seen.keys()].filter((id) => shownNodes.has(id) || id === state.focus.id));
    }
    const edgeIds = D.statements.filter((x) => isEdge(x) && shownFacts.has(x.id) &&
      shownNodes.has(x.s) && shownNodes.has(x.o)).map((x) => x.id);
    applyHidden(nodes, hiddenNodes, D.entities.map((e) => e.id), shownNodes);
    applyHidden(edges, hiddenEdges, edges.getIds(), new Set(edgeIds));
    $("count").textContent = `${shownNodes.size} of ${D.entities.length} nodes, ` +
      `${edgeIds.length} of ${edges.length} links shown` + (state.asOf ? ` as of ${state.asOf}` : "");
  }

  // ---- the network ----------------------------------------------------------------------
  function nodeOf(e) {
    const c = style.get(e.group) || style.get("Entity");
    return { id: e.id, label: e.label, shape: c.shape, size: e.size, x: e.x, y: e.y,
      color: { background: c.color, border: "#2b3a48", highlight: { background: c.color, border: "#d62728" } } };
  }
  function edgeOf(s) {
    const sym = D.predicates[s.p] && D.predicates[s.p].symmetric;
    return { id: s.id, from: s.s, to: s.o, label: predLabel(s.p), arrows: sym ? "" : "to" };
  }
  const nodes = new vis.DataSet(D.entities.map(nodeOf));
  const edges = new vis.DataSet(D.statements.filter(isEdge).map(edgeOf));
  // Filtering flips `hidden` on the changed items only, in one batch: vis keeps its layout
  // and does not rebuild the graph (DataView.refresh is far slower on big graphs).
  const hiddenNodes = new Set();
  const hiddenEdges = new Set();
  function applyHidden(set, hidden, ids, shown) {
    const changes = [];
    for (const id of ids) {
      const hide = !shown.has(id);
      if (hide !== hidden.has(id)) {
        changes.push({ id, hidden: hide });
        if (hide) hidden.add(id); else hidden.delete(id);
      }
    }
    if (changes.length) set.update(changes);
  }
  const network = new vis.Network($("graph"), { nodes, edges }, D.options);
  const drawn = performance.now();
  let ready = false;
  function markReady() {
    if (ready) return;
    ready = true;
    if (settled) network.fit({ animation: false });
    else network.setOptions({ physics: false });
    if (D.meta.focus && byId.has(D.meta.focus)) choose(D.meta.focus);
    window.kgTimes = { script: started, network: drawn, ready: performance.now() };
    window.kgReady = true;
    document.body.dataset.ready = "1";
    // The first frame drawn after the layout settled: the page is on screen and usable.
    // "_requestRedraw" joins the frame vis has already asked for, if any (one full draw
    // of a big graph takes a few hundred ms, so never draw twice).
    network.once("afterDrawing", () => { window.kgDrawn = performance.now(); });
    network.body.emitter.emit("_requestRedraw");
  }
  // Big graphs come laid out (no physics): ready once this script has run.
  const settled = D.options.physics.enabled === false;
  network.once("stabilizationIterationsDone", markReady);
  network.once("stabilized", markReady);
  if (D.entities.length === 0) setTimeout(markReady, 0);

  // ---- side panel ------------------------------------------------------------------------
  const panel = $("panel");
  function entityLink(id) {
    const e = byId.get(id);
    const b = el("button", e ? e.label : id, "link");
    b.type = "button";
    if (e) b.addEventListener("click", () => choose(id));
    return b;
  }
  function citation(c) {
    const src = D.sources[c.source] || { title: c.source };
    const later = state.asOf && src.since && src.since > state.asOf;
    const box = el("div", null, "cite" + (later ? " later" : ""));
    box.dataset.source = c.source;
    box.append(el("b", src.title));
    const line = (parts) => {
      const text = parts.filter((p) => p !== null && p !== undefined && p !== "").join(" · ");
      if (text) box.append(el("div", text));
    };
    line([src.publisher, src.published && `published ${src.published}`,
      `reliability ${src.reliability || "unrated"}`]);
    line([c.credibility && `credibility ${c.credibility}`, c.locator && `at ${c.locator}`,
      c.attribution && `attribution: ${c.attribution}`]);
    if (c.note) box.append(el("div", `note: ${c.note}`, "muted"));
    box.append(passageBox(c, src));
    if (src.note) box.append(el("div", `about the source: ${src.note}`, "muted"));
    if (src.url) box.append(el("div", src.url, "muted"));
    if (later) box.append(el("div", "published after the as-of date", "muted"));
    return box;
  }
  // The cited paragraph with the entities it names marked (text only), or where to find it.
  function passageBox(c, src) {
    if (!c.passage) {
      const where = [c.locator, src.file && `of ${src.file}`].filter(Boolean).join(" ");
      return el("div", where ? `passage: ${where} (not in this page)` : "", "muted passage-ref");
    }
    const quote = el("blockquote", null, "passage");
    for (const [text, id] of c.passage) {
      if (!id) { quote.append(document.createTextNode(text)); continue; }
      const mark = el("mark", text);
      mark.dataset.entity = id;
      quote.append(mark);
    }
    return quote;
  }
  function factBox(s) {
    const box = el("div", null, "fact");
    box.dataset.statement = s.id;
    const head = el("div");
    head.append(entityLink(s.s), el("span", ` — ${predLabel(s.p)} — `));
    head.append(s.o !== null ? entityLink(s.o) : el("span", s.value));
    box.append(head);
    for (const [k, v] of s.q) box.append(el("div", `${k}: ${v}`, "q"));
    for (const c of s.cites) box.append(citation(c));
    return box;
  }
  function showFacts(title, list, extra) {
    panel.className = "";
    panel.replaceChildren(el("h2", title));
    if (extra) panel.append(...extra);
    const shown = list.filter((s) => shownFacts.has(s.id));
    for (const s of shown) panel.append(factBox(s));
    if (shown.length < list.length) {
      panel.append(el("div", `${list.length - shown.length} more fact(s) hidden by the filters`, "muted"));
    }
  }
  function button(text, action) {
    const b = el("button", text);
    b.type = "button";
    b.addEventListener("click", action);
    return b;
  }
  function showEntity(id) {
    const e = byId.get(id);
    const extra = [el("div", `${e.type} · ${e.degree} fact(s)`, "muted")];
    if (e.aliases.length) extra.push(el("div", `also: ${e.aliases.join(", ")}`, "muted"));
    if (e.description) extra.push(el("div", e.description));
    if (e.note) extra.push(el("div", `note: ${e.note}`, "muted"));
    if (!shownNodes.has(id)) extra.push(el("div", "hidden by the current filters", "muted"));
    const acts = el("div", null, "actions");
    acts.append(
      button("Focus neighbourhood", () => { state.focus = { id, hops: Number($("hops").value) || 0 }; recompute(); choose(id); }),
      button("Path from here", () => { state.pathFrom = id; updatePath(); }),
      button("Path to here", () => { state.pathTo = id; updatePath(); }));
    extra.push(acts);
    showFacts(e.label, factsOf.get(id), extra);
  }
  function choose(id) {
    if (!byId.has(id)) return;
    if (shownNodes.has(id)) {
      network.selectNodes([id], true);
      network.focus(id, { scale: 1.1, animation: { duration: 300 } });
    }
    showEntity(id);
  }
  network.on("click", (params) => {
    if (params.nodes.length) showEntity(params.nodes[0]);
    else if (params.edges.length) {
      const s = facts.get(params.edges[0]);
      showFacts(predLabel(s.p), [s]);
    }
  });

  // ---- path between two nodes -------------------------------------------------------------
  function shortestPath(from, to) {
    const prev = new Map([[from, null]]);
    const todo = [from];
    for (let i = 0; i < todo.length; i++) {
      const id = todo[i];
      if (id === to) break;
      for (const [next, s] of neighbours(id)) {
        if (!prev.has(next) && shownNodes.has(next)) { prev.set(next, [id, s]); todo.push(next); }
      }
    }
    if (!prev.has(to)) return null;
    const steps = [];
    for (let at = to; prev.get(at); at = prev.get(at)[0]) steps.unshift(prev.get(at)[1]);
    return steps;
  }
  function paintPath(steps) {
    if (state.path) edges.update(state.path.map((s) => ({ id: s.id, color: null, width: 1 })));
    state.path = steps;
    if (steps) edges.update(steps.map((s) => ({ id: s.id, color: { color: "#d62728" }, width: 4 })));
  }
  function updatePath() {
    const name = (id) => (id ? byId.get(id).label : "?");
    $("pathbar").textContent = state.pathFrom || state.pathTo ?
      `path: ${name(state.pathFrom)} → ${name(state.pathTo)}` : "";
    if (!state.pathFrom || !state.pathTo) return;
    const steps = shortestPath(state.pathFrom, state.pathTo);
    paintPath(steps);
    const title = `Path: ${name(state.pathFrom)} → ${name(state.pathTo)}`;
    if (!steps) {
      showFacts(title, [], [el("div", "No path between them among the facts shown.", "muted")]);
      return;
    }
    const ids = new Set([state.pathFrom]);
    for (const s of steps) { ids.add(s.s); ids.add(s.o); }
    network.setSelection({ nodes: [...ids], edges: steps.map((s) => s.id) }, { highlightEdges: false });
    showFacts(title, steps, [el("div", `${steps.length} step(s)`, "muted")]);
  }
  $("path-clear").addEventListener("click", () => {
    state.pathFrom = state.pathTo = null; paintPath(null); updatePath(); network.unselectAll();
  });

  // ---- search ---------------------------------------------------------------------------
  const index = D.entities.map((e) => [e.id, [e.label, ...e.aliases].map((t) => t.toLowerCase())]);
  function search(text) {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const hits = [];
    for (const [id, names] of index) {
      const rank = names.some((n) => n === q) ? 0 : names.some((n) => n.startsWith(q)) ? 1 :
        names.some((n) => n.includes(q)) ? 2 : 3;
      if (rank < 3) hits.push([rank, id]);
    }
    hits.sort((a, b) => a[0] - b[0] || byId.get(a[1]).label.localeCompare(byId.get(b[1]).label));
    return hits.slice(0, 12).map((h) => h[1]);
  }
  const box = $("search");
  box.addEventListener("input", () => {
    const q = box.value.trim().toLowerCase();
    $("matches").replaceChildren(...search(box.value).map((id) => {
      const e = byId.get(id);
      const alias = e.aliases.find((a) => a.toLowerCase().includes(q) && !e.label.toLowerCase().includes(q));
      const b = el("button", alias ? `${e.label} (${alias})` : e.label);
      b.type = "button";
      b.addEventListener("click", () => choose(id));
      return b;
    }));
  });
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { const hit = search(box.value)[0]; if (hit) choose(hit); }
  });

  // ---- filters ----------------------------------------------------------------------------
  function checklist(target, set, items) {
    for (const [value, text, glyph] of items) {
      const label = el("label");
      const cb = el("input");
      cb.type = "checkbox"; cb.checked = true; cb.value = value;
      cb.addEventListener("change", () => { if (cb.checked) set.add(value); else set.delete(value); recompute(); });
      label.append(cb);
      if (glyph) { const g = el("span", glyph.text, "glyph"); g.style.color = glyph.color; label.append(g); }
      label.append(el("span", text));
      $(target).append(label);
    }
  }
  const count = (xs) => xs.reduce((m, x) => m.set(x, (m.get(x) || 0) + 1), new Map());
  const perClass = count(D.entities.map((e) => e.group));
  checklist("f-class", state.classes, D.classes.filter((c) => perClass.has(c.name))
    .map((c) => [c.name, `${c.name} (${perClass.get(c.name)})`, { text: c.glyph, color: c.color }]));
  const perPred = count(D.statements.map((s) => s.p));
  checklist("f-predicate", state.predicates, Object.keys(D.predicates)
    .map((p) => [p, `${predLabel(p)} (${perPred.get(p)})`]));
  checklist("f-status", state.statuses, [...state.statuses].sort().map((s) => [s, s]));
  checklist("f-reliability", state.reliability, [...state.reliability].sort().map((r) => [r, r]));
  checklist("f-source", state.sources, Object.entries(D.sources)
    .map(([id, src]) => [id, `${src.title} (${src.published || "undated"})`]));

  $("asof").addEventListener("change", () => { state.asOf = $("asof").value || null; recompute(); });
  $("asof").addEventListener("input", () => { state.asOf = $("asof").value || null; recompute(); });
  $("asof-clear").addEventListener("click", () => { $("asof").value = ""; state.asOf = null; recompute(); });
  $("focus-clear").addEventListener("click", () => { state.focus = null; recompute(); });
  $("hops").value = String(D.meta.hops);
  recompute();

  window.kgNetwork = network;
  window.kgNodes = new vis.DataView(nodes, { filter: (n) => !n.hidden });  // what is shown
  window.kgEdges = new vis.DataView(edges, { filter: (e) => !e.hidden });
  window.kgChoose = choose;
  if (settled) markReady();
})();

"use strict";
// kg graph browser. Every string from the data reaches the screen through textContent
// (or the canvas's fillText), never as HTML.
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
  // [text, entity id or null] segments; else the citation's own `passage` field (plain
  // text), when its rows carry one.
  function withPassage(c) {
    c.passage = (D.passages && c.locator && D.passages[`${c.source} ${c.locator}`]) ||
      c.passage || null;
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
  // Two entities with one label are told apart on screen by their class, or by their ids
  // when the class is the same too ("Georgia (Country)", "Georgia (georgia-us)"); search
  // still matches the label alone (`name`).
  (function () {
    const same = new Map();
    for (const e of D.entities) {
      e.name = e.label;
      const key = e.label.toLowerCase();
      if (!same.has(key)) same.set(key, []);
      same.get(key).push(e);
    }
    for (const group of same.values()) {
      if (group.length < 2) continue;
      const types = new Map();
      for (const e of group) types.set(e.type, (types.get(e.type) || 0) + 1);
      for (const e of group) e.label = `${e.label} (${types.get(e.type) > 1 ? e.id : e.type})`;
    }
  })();
  const byId = new Map(D.entities.map((e) => [e.id, e]));
  const style = new Map(D.classes.map((c) => [c.name, c]));
  const facts = new Map(D.statements.map((s) => [s.id, s]));
  const factsOf = new Map(D.entities.map((e) => [e.id, []]));
  for (const s of D.statements) {
    for (const ref of [s.s, s.o]) if (ref && factsOf.has(ref)) factsOf.get(ref).push(s);
  }
  const isEdge = (s) => s.o !== null && byId.has(s.s) && byId.has(s.o);

  // ---- graphs: the curated default graph and each import's named graph --------------------
  // D.graphs: each import's runs of entities and statements ([start, end) indices); the
  // rest is the curated graph (""). A node's graphs: the one that defines it and its facts'.
  const graphs = [{ id: "", label: "curated (default graph)" }].concat(D.graphs || []);
  const graphLabel = new Map(graphs.map((g) => [g.id, g.label]));
  for (const e of D.entities) e.graph = "";
  for (const s of D.statements) s.g = "";
  for (const g of D.graphs || []) {
    for (let i = g.entities[0]; i < g.entities[1]; i++) D.entities[i].graph = g.id;
    for (let i = g.statements[0]; i < g.statements[1]; i++) D.statements[i].g = g.id;
  }
  function graphsOf(id) {
    const out = new Set([byId.get(id).graph]);
    for (const s of factsOf.get(id)) out.add(s.g);
    for (const b of bundles.values()) {
      if (b.rows && (b.from === id || b.to === id)) for (const [t] of b.rows) out.add(t.graph);
    }
    return [...out].sort().map((g) => graphLabel.get(g) || g);
  }
  const predLabel = (p) => (D.predicates[p] ? D.predicates[p].label : p);
  const reliabilityOf = (src) => (D.sources[src] && D.sources[src].reliability) || "unrated";
  const qual = (s, key) => { const q = s.q.find((x) => x[0] === key); return q ? q[1] : null; };

  // ---- dates: kg.dates's forms (YYYY, YYYY-MM, YYYY-MM-DD, FY2023) as day spans ----------
  const DAY = 86400000;
  const spans = new Map();  // date text -> span (big pages repeat the same few dates)
  function dateSpan(text) {
    if (!spans.has(text)) spans.set(text, parseSpan(text));
    return spans.get(text);
  }
  function parseSpan(text) {
    const t = String(text).trim();
    let m = /^FY(\d{4})$/.exec(t);
    if (m) { const y = Number(m[1]); return { a: Date.UTC(y - 1, 9, 1), b: Date.UTC(y + 1, 2, 31), p: "fiscal-year", text: t }; }
    m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(t);
    if (!m) return null;
    const y = Number(m[1]);
    if (m[3]) { const d = Date.UTC(y, Number(m[2]) - 1, Number(m[3])); return { a: d, b: d, p: "day", text: t }; }
    if (m[2]) { const mo = Number(m[2]) - 1; return { a: Date.UTC(y, mo, 1), b: Date.UTC(y, mo + 1, 0), p: "month", text: t }; }
    return { a: Date.UTC(y, 0, 1), b: Date.UTC(y, 11, 31), p: "year", text: t };
  }
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  // When a fact happened: its date, or its from/until range (an open end stays open).
  function whenOf(s) {
    const date = qual(s, "date"), from = qual(s, "from"), until = qual(s, "until");
    if (from || until) {
      const a = from ? dateSpan(from) : null, b = until ? dateSpan(until) : null;
      if (!a && !b) return null;
      return { a: a ? a.a : null, b: b ? b.b : null, p: "range",
        text: `${from || "…"} – ${until || "…"}` };
    }
    return date ? dateSpan(date) : null;
  }
  for (const s of D.statements) s.when = whenOf(s);
  const sortKey = (s) => (s.when ? (s.when.a !== null ? s.when.a : s.when.b) : Infinity);

  // ---- amounts: "133300000 USD" -> "USD 133.3M" ------------------------------------------
  function shortAmount(text) {
    const m = /^(-?[\d,.]+) ([A-Z]{3})$/.exec(String(text));
    if (!m) return String(text);
    const n = Number(m[1].replace(/,/g, ""));
    const [d, u] = Math.abs(n) >= 1e9 ? [1e9, "B"] : Math.abs(n) >= 1e6 ? [1e6, "M"] :
      Math.abs(n) >= 1e3 ? [1e3, "k"] : [1, ""];
    return `${m[2]} ${String(Math.round((n / d) * 10) / 10)}${u}`;
  }
  // An n-ary fact: an entity (a deal, a meeting) whose own literal facts (value, date...)
  // belong to every edge it is the subject of.
  function valueFacts(id) {
    return (factsOf.get(id) || []).filter((x) => x.s === id && x.o === null);
  }
  function edgeExtra(s) {
    const amount = valueFacts(s.s).find((x) => x.p === "value" || /^-?[\d,.]+ [A-Z]{3}$/.test(x.value));
    return amount ? shortAmount(amount.value) : "";
  }

  // ---- "according to": a quoted source gets a link to what it is quoted on --------------
  const quoted = new Map();  // link id -> {from, to, facts}
  for (const s of D.statements) {
    for (const q of s.q) {
      if (q[0] !== "according to" || !q[2] || !byId.has(q[2]) || !byId.has(s.s) || q[2] === s.s) continue;
      const id = `according:${q[2]}>${s.s}`;
      if (!quoted.has(id)) quoted.set(id, { from: q[2], to: s.s, facts: [] });
      quoted.get(id).facts.push(s);
    }
  }
  const quotedBy = new Map();
  for (const link of quoted.values()) {
    if (!quotedBy.has(link.from)) quotedBy.set(link.from, []);
    quotedBy.get(link.from).push(...link.facts);
  }

  // ---- arms transfers bundled per supplier -> recipient -----------------------------------
  // A deal (an ArmsTransfer with one supplier and one recipient) whose pair of parties has
  // two deals or more is drawn inside one link "N deals" between them, until expanded;
  // nodes linked only through bundled deals (their weapons) wait with them.
  const bundles = new Map();  // link id -> {from, to, deals: [deal id], supply: [fact]}
  const dealOf = new Map();  // deal id -> link id
  (function () {
    const pairs = new Map();
    for (const e of D.entities) {
      if (e.group !== "ArmsTransfer") continue;
      // Only bare deals (a register's rows): a deal with facts of its own (a value, a
      // characteristic) is curated, and stays drawn.
      if (valueFacts(e.id).length) continue;
      const own = factsOf.get(e.id).filter((s) => s.s === e.id && isEdge(s));
      const sup = own.filter((s) => s.p === "supplier"), rec = own.filter((s) => s.p === "recipient");
      if (sup.length !== 1 || rec.length !== 1) continue;
      const id = `bundle:${sup[0].o}>${rec[0].o}`;
      if (!pairs.has(id)) pairs.set(id, { from: sup[0].o, to: rec[0].o, deals: [], supply: [] });
      pairs.get(id).deals.push(e.id);
      pairs.get(id).supply.push(sup[0]);
    }
    for (const [id, b] of pairs) {
      if (b.deals.length < 2) continue;
      bundles.set(id, b);
      for (const d of b.deals) dealOf.set(d, id);
    }
  })();
  // ---- imported weapons grouped by SIPRI's description -----------------------------------
  // Weapons defined by one import and named only as what its deals concern, two or more
  // sharing a description ("fighter aircraft"), are drawn as one node per description with
  // their count until that group is opened; each deal's `concerns` fact then points to the
  // group (a derived fact, `agg`, twin of the deal's own).
  const wgroups = new Map();  // group node id -> {graph, desc, weapons: [id]}
  const groupOf = new Map();  // weapon id -> group node id
  const twins = new Map();  // a deal's concerns fact id -> its derived fact to the group
  const openGroups = new Set();
  const groupId = (e) => `weapons:${e.graph}>${e.description}`;
  // A node's radius grows with its degree, up to 49 links (kg.page.html.node_size).
  const nodeSize = (degree) => Math.round((12 + 4 * Math.sqrt(Math.min(degree, 49))) * 10) / 10;
  function addFact(s) {
    D.statements.push(s);
    facts.set(s.id, s);
    for (const ref of [s.s, s.o]) if (factsOf.has(ref)) factsOf.get(ref).push(s);
  }
  function addEntity(e) {
    e.size = nodeSize(e.degree);
    D.entities.push(e);
    byId.set(e.id, e);
    factsOf.set(e.id, []);
  }
  // Weapon ``w`` joins its description's group: the group's node (made with the first
  // member) and a derived fact for each deal that concerns it.
  function joinGroup(w) {
    const e = byId.get(w), gid = groupId(e);
    if (!wgroups.has(gid)) {
      wgroups.set(gid, { graph: e.graph, desc: e.description, weapons: [] });
      addEntity({ id: gid, label: "", type: "weapons by description", group: e.group, aliases: [e.description],
        description: null, note: null, graph: e.graph, degree: 0, agg: true, x: e.x, y: e.y });
    }
    const g = wgroups.get(gid), node = byId.get(gid);
    g.weapons.push(w);
    groupOf.set(w, gid);
    node.label = `${g.desc} \u00b7 ${g.weapons.length} weapon${g.weapons.length === 1 ? "" : "s"}`;
    for (const s of factsOf.get(w).slice()) {
      if (s.agg) continue;
      const d = Object.assign({}, s, { id: `${s.id}>${gid}`, o: gid, agg: true, twin: s.id });
      twins.set(s.id, d.id);
      addFact(d);
      node.degree += 1;
    }
    node.size = nodeSize(node.degree);
  }
  (function () {
    const members = new Map();
    for (const e of D.entities) {
      if (!e.graph || !e.description) continue;
      const fs = factsOf.get(e.id);
      if (!fs.length || !fs.every((s) => s.p === "concerns" && s.o === e.id)) continue;
      if (!members.has(groupId(e))) members.set(groupId(e), []);
      members.get(groupId(e)).push(e.id);
    }
    for (const ws of members.values()) if (ws.length > 1) ws.forEach(joinGroup);
  })();
  // The facts as the data has them (derived ones left out): what the counts count.
  const realFacts = D.statements.filter((s) => !s.agg);
  const realEntities = D.entities.filter((e) => !e.agg);

  // ---- imported deals as tables (the union page): bundled at once, made on demand -------
  // D.deals: each import's deals as rows (kg.imports.pages.deal_table). Every supplier ->
  // recipient pair is one bundle; a bundle's deals get their nodes and facts (as a country
  // page has them) only when it is opened in the panel or drawn.
  let tabled = 0;
  const tableWeapons = new Map();  // graph > description -> how many weapons the tables have
  for (const t of D.deals || []) {
    const at = Object.fromEntries(t.fields.map((f, i) => [f, i]));
    t.at = at;
    for (const [, desc] of Object.values(t.weapons)) {
      const key = `${t.graph}>${desc}`;
      tableWeapons.set(key, (tableWeapons.get(key) || 0) + 1);
    }
    const since = D.sources[t.source] ? D.sources[t.source].since : null;
    for (const row of t.rows) {
      const sup = row[at.supplier], rec = row[at.recipient];
      if (!byId.has(sup) || !byId.has(rec)) continue;
      const id = `bundle:${sup}>${rec}`;
      if (!bundles.has(id)) bundles.set(id, { from: sup, to: rec, deals: [], supply: [], rows: [], probes: [] });
      const b = bundles.get(id);
      b.rows.push([t, row]);
      // What the filters look at, before the deal is made: its graph, source and first day.
      const year = row[at.year] ? `${row[at.year]}-01-01` : null;
      b.probes.push({ g: t.graph, p: "supplier", o: rec, status: null, cites: [{ source: t.source }],
        since: [since, year].filter(Boolean).sort()[0] || null });
      tabled += 1;
    }
  }
  const parties = new Set([...bundles.values()].filter((b) => b.rows).flatMap((b) => [b.from, b.to]));
  const dealCount = (b) => (b.rows ? b.rows.length : b.deals.length);
  // Makes a tabled bundle's deals: their nodes, facts and weapons (grouped by description).
  function make(bid) {
    const b = bundles.get(bid);
    if (!b.rows || b.made) return [];
    b.made = true;
    const fresh = [], weapons = [];
    const ends = [byId.get(b.from), byId.get(b.to)];
    for (const [t, row] of b.rows) {
      const a = t.at, id = row[a.id], year = row[a.year], w = row[a.weapon];
      if (!byId.has(w)) {
        const [label, desc] = t.weapons[w] || [w, null];
        addEntity({ id: w, type: "WeaponSystem", group: "WeaponSystem", label, aliases: [], description: desc,
          note: null, graph: t.graph, degree: 0 });
        fresh.push(w);
        if (desc && tableWeapons.get(`${t.graph}>${desc}`) > 1) weapons.push(w);
      }
      addEntity({ id, type: "ArmsTransfer", group: "ArmsTransfer", aliases: [], note: null, graph: t.graph,
        label: `${row[a.designation]}${year ? ` (${year})` : ""}: ${ends[0].label} \u2192 ${ends[1].label}`,
        description: row[a.description], degree: 3 });
      fresh.push(id);
      const when = year ? String(year) : null;
      const cites = [{ source: t.source, locator: row[a.lines], credibility: null, attribution: null, note: null, passage: null }];
      const terms = [row[a.tiv] !== null ? ["amount", `${row[a.tiv]} TIV`] : null,
        row[a.number] ? ["quantity", String(row[a.number])] : null].filter(Boolean);
      const probe = b.probes[b.deals.length];
      for (const [p, o] of [["supplier", b.from], ["recipient", b.to], ["concerns", w]]) {
        const s = { id: `${id}.${p}.${o}`, s: id, p, o, value: null, status: null, since: probe.since, cites, g: t.graph,
          q: (when ? [["date", when]] : []).concat(p === "supplier" ? terms : []) };
        s.when = whenOf(s);
        addFact(s);
        realFacts.push(s);
        if (p === "supplier") b.supply.push(s);
      }
      byId.get(w).degree += 1;
      b.deals.push(id);
      dealOf.set(id, bid);
    }
    for (const id of fresh) { realEntities.push(byId.get(id)); byDegree.push(id); rank.set(id, rank.size); }
    for (const w of weapons) {
      const gid = groupId(byId.get(w)), had = byId.has(gid);
      joinGroup(w);
      if (!had) { fresh.push(gid); byDegree.push(gid); rank.set(gid, rank.size); }
    }
    return fresh;
  }
  const real = (ids) => [...ids].filter((id) => !(byId.has(id) ? byId.get(id) : facts.get(id)).agg).length;
  const expanded = new Set();
  let tucked = new Set();
  function retuck() {
    const deals = new Set([...dealOf].filter(([, b]) => !expanded.has(b)).map(([d]) => d));
    tucked = new Set(deals);
    // A bundle's two ends stay drawn (they hold its link), whatever else they take part in.
    const ends = new Set([...bundles].filter(([id]) => !expanded.has(id)).flatMap(([, b]) => [b.from, b.to]));
    for (const e of D.entities) {
      const fs = factsOf.get(e.id);
      if (!deals.has(e.id) && !ends.has(e.id) && fs.length && fs.every((s) => deals.has(s.s) || deals.has(s.o))) tucked.add(e.id);
    }
  }
  retuck();
  // What a bundle's link and panel say (its deals never change: worked out once).
  function bundleInfo(b) {
    if (!b.info) b.info = bundleSummary(b);
    return b.info;
  }
  function bundleSummary(b) {
    const years = [], kinds = new Map();
    let tiv = 0, priced = 0;
    const items = b.rows ? b.rows.map(([t, row]) => [row[t.at.year], row[t.at.tiv], row[t.at.description]]) :
      b.supply.map((s) => {
        const m = /^(-?[\d,.]+) TIV$/.exec(qual(s, "amount") || "");
        return [s.when ? new Date(s.when.a).getUTCFullYear() : null, m ? m[1].replace(/,/g, "") : null,
          byId.get(s.s).description];
      });
    for (const [year, value, desc] of items) {
      if (year) years.push(year);
      if (value !== null) { tiv += Number(value); priced += 1; }
      const kind = desc || "unspecified";
      kinds.set(kind, (kinds.get(kind) || 0) + 1);
    }
    years.sort((a, b) => a - b);
    const span = years.length ? (years[0] === years[years.length - 1] ? `${years[0]}` : `${years[0]}\u2013${years[years.length - 1]}`) : "";
    const n = dealCount(b);
    const label = [`${n} deal${n === 1 ? "" : "s"}`, priced ? `TIV ${Math.round(tiv * 10) / 10}` : "", span]
      .filter((x) => x).join(" \u00b7 ");
    return { label, tiv, priced, span, kinds: [...kinds].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)) };
  }

  // ---- overview of big graphs: the most connected nodes drawn first ----------------------
  const byDegree = D.entities.map((e) => e.id)
    .sort((a, b) => byId.get(b).degree - byId.get(a).degree || (a < b ? -1 : 1));
  const rank = new Map(byDegree.map((id, i) => [id, i]));
  const overview = D.meta.overview || null;
  const drawnIds = new Set(overview ? byDegree.slice(0, overview) : byDegree);

  // ---- filter state -------------------------------------------------------------------
  const all = (xs) => new Set(xs);
  const state = {
    classes: all(D.classes.map((c) => c.name)),
    predicates: all(Object.keys(D.predicates)),
    statuses: all(D.statements.map((s) => s.status || "none")),
    reliability: all(Object.keys(D.sources).map(reliabilityOf).concat(["unrated"])),
    sources: all(Object.keys(D.sources)),
    graphs: all(graphs.map((g) => g.id)),
    asOf: null, focus: null, pathFrom: null, pathTo: null, path: null,
    selectedFacts: new Set(), hoverEdge: null, hoverNode: null,
  };
  let shownFacts = new Set();
  let shownNodes = new Set();

  function citeOk(c) {
    return state.sources.has(c.source) && state.reliability.has(reliabilityOf(c.source));
  }
  function factOk(s) {
    if (!state.graphs.has(s.g)) return false;
    // A grouped weapon's facts stand as their group's while it is closed.
    if (s.agg ? openGroups.has(s.o) : groupOf.has(s.o) && !openGroups.has(groupOf.get(s.o))) return false;
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
    // The parties of tabled deals that stand (not made yet, so no facts of theirs to show).
    const tabledEnds = new Set();
    for (const b of bundles.values()) {
      if (b.rows && !b.made && b.probes.some(factOk)) { tabledEnds.add(b.from); tabledEnds.add(b.to); }
    }
    shownNodes = new Set(D.entities.filter((e) => state.classes.has(e.group) && !tucked.has(e.id) && (
      tabledEnds.has(e.id) || (factsOf.get(e.id).length === 0 ? state.graphs.has(e.graph) && !e.agg && !parties.has(e.id) :
        factsOf.get(e.id).some((s) => shownFacts.has(s.id)))
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
      reveal([...shownNodes]);
    }
    const edgeIds = D.statements.filter((x) => isEdge(x) && shownFacts.has(x.id) &&
      shownNodes.has(x.s) && shownNodes.has(x.o)).map((x) => x.id);
    const linkIds = [...quoted].filter(([, l]) => shownNodes.has(l.from) && shownNodes.has(l.to) &&
      l.facts.some((s) => shownFacts.has(s.id))).map(([id]) => id);
    const bundleIds = [...bundles].filter(([id, b]) => !expanded.has(id) && shownNodes.has(b.from) &&
      shownNodes.has(b.to) && (b.rows && !b.made ? b.probes : b.supply).some((s) => factOk(s))).map(([id]) => id);
    batch(() => {
      applyHidden(nodes, hiddenNodes, nodes.getIds(), shownNodes);
      applyHidden(edges, hiddenEdges, edges.getIds(), new Set(edgeIds.concat(linkIds, bundleIds)));
    });
    shownLinks = real(edgeIds);
    showCount();
    timeline.draw();
  }
  let shownLinks = 0;
  let links = 0, counted = -1;  // the data's links: counted again once tabled deals are made
  function showCount() {
    if (counted !== realFacts.length) { links = realFacts.filter(isEdge).length; counted = realFacts.length; }
    $("count").textContent = `${real(shownNodes)} of ${realEntities.length} nodes, ` +
      `${shownLinks} of ${links} links shown` + (state.asOf ? ` as of ${state.asOf}` : "") +
      (tabled ? `; ${tabled} imported deals, bundled per supplier \u2192 recipient` : "");
    if (drawnIds.size < D.entities.length) {
      const n = [...shownNodes].filter((id) => drawnIds.has(id)).length;
      const note = el("div", `Overview: ${n} of them drawn, the most connected first; search, ` +
        "a link in the panel, a focus or a path draws more. ");
      note.id = "overview";
      note.append(button(`draw all ${realEntities.length}`, () => reveal(byDegree)));
      $("count").append(note);
    }
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
  const quotedEdge = ([id, l]) => ({
    id, from: l.from, to: l.to, label: "according to", arrows: "to", dashes: [4, 4],
    color: { color: "#b39ccf", highlight: "#d62728", hover: "#7b4ea3" } });
  const both = (a, b) => drawnIds.has(a) && drawnIds.has(b);
  const nodes = new vis.DataSet(D.entities.filter((e) => drawnIds.has(e.id)).map(nodeOf));
  const bundleEdge = ([id, b]) => ({ id, from: b.from, to: b.to, label: bundleInfo(b).label, arrows: "to",
    width: Math.min(8, 1.5 + Math.log2(dealCount(b))) / (bundles.size > 100 ? 2 : 1),
    color: { color: "#d4589c", opacity: bundles.size > 100 ? 0.35 : 1, highlight: "#d62728", hover: "#a0306e" } });
  const edges = new vis.DataSet(D.statements.filter((s) => isEdge(s) && both(s.s, s.o)).map(edgeOf)
    .concat([...quoted].filter(([, l]) => both(l.from, l.to)).map(quotedEdge))
    .concat([...bundles].filter(([, b]) => both(b.from, b.to)).map(bundleEdge)));
  // Draws nodes of the overview not drawn yet, with their links to drawn nodes.
  // vis redraws the whole network, synchronously, on every change to its data: changes
  // made together are drawn once.
  function batch(fn) {
    network.body.emitter.emit("_blockRedraw");
    try { fn(); } finally {
      network.body.emitter.emit("_allowRedraw");
      network.body.emitter.emit("_requestRedraw");
    }
  }
  // New items get their `hidden` from the filters' last result (no full recompute).
  function reveal(ids) {
    const fresh = [...new Set(ids)].filter((id) => byId.has(id) && !drawnIds.has(id));
    if (!fresh.length) return;
    batch(() => revealNow(fresh));
  }
  function revealNow(fresh) {
    for (const id of fresh) drawnIds.add(id);
    const hide = (set, item, off) => { if (off) set.add(item.id); item.hidden = off; return item; };
    nodes.add(fresh.map((id) => hide(hiddenNodes, nodeOf(byId.get(id)), !shownNodes.has(id))));
    const add = new Map();
    for (const id of fresh) {
      for (const s of factsOf.get(id)) if (isEdge(s) && both(s.s, s.o) && !edges.get(s.id)) add.set(s.id, edgeOf(s));
    }
    for (const entry of quoted) {
      const [lid, l] = entry;
      if ((fresh.includes(l.from) || fresh.includes(l.to)) && both(l.from, l.to) && !edges.get(lid)) add.set(lid, quotedEdge(entry));
    }
    const on = (s) => shownFacts.has(s.id) && shownNodes.has(s.s) && shownNodes.has(s.o);
    edges.add([...add.entries()].map(([eid, item]) => hide(hiddenEdges, item, facts.has(eid) ?
      !on(facts.get(eid)) : !quoted.get(eid).facts.some(on))));
    showCount();
  }
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

  // ---- labels: drawn by the page, a fixed size on screen, most connected first ----------
  // vis's own labels scale with the zoom (6 px after fitting a graph of 70 nodes); the
  // page draws them itself after each frame: nodes by priority (selected, path, hovered,
  // then by degree), each only where it overlaps no label already drawn and no other
  // node's symbol; edge labels beside their line (never across it), for the hovered edge,
  // the selected nodes' edges and the path, and for every edge once zoomed in.
  const EDGE_LABELS_AT = 1.15;  // zoom from which every edge on screen gets its label
  const MAX_LABELS = 500;
  const clip = (text, n) => (text.length > n ? text.slice(0, n - 1) + "\u2026" : text);
  const FONT = "system-ui, sans-serif";
  let placed = [];
  const widths = new Map();  // font + text -> width: measureText is most of a label's cost
  // A text's width is the sum of its characters' (each measured once per font): a whole
  // measureText per label was most of the first frame's cost on big pages, and the sum is
  // never narrower than the text drawn (kerning only brings letters closer).
  const charWidths = new Map();  // font -> character -> width
  function textWidth(ctx, text) {
    const key = ctx.font + "\u0000" + text;
    let w = widths.get(key);
    if (w === undefined) {
      let table = charWidths.get(ctx.font);
      if (!table) { table = new Map(); charWidths.set(ctx.font, table); }
      w = 0;
      for (const ch of text) {
        let c = table.get(ch);
        if (c === undefined) { c = ctx.measureText(ch).width; table.set(ch, c); }
        w += c;
      }
      if (widths.size < 50000) widths.set(key, w);
    }
    return w;
  }
  function drawLabels(ctx) {
    const view = network.body.view, scale = view.scale, tr = view.translation;
    const canvas = network.canvas.frame.canvas;
    const W = canvas.clientWidth, H = canvas.clientHeight, ratio = network.canvas.pixelRatio || 1;
    const CELL = 48, grid = new Map();
    const boxes = [];
    const cells = (r, fn) => {
      for (let i = Math.floor(r.x0 / CELL); i <= Math.floor(r.x1 / CELL); i++) {
        for (let j = Math.floor(r.y0 / CELL); j <= Math.floor(r.y1 / CELL); j++) {
          if (fn(i * 100003 + j)) return true;
        }
      }
      return false;
    };
    const hits = (r, self, labelsOnly) => cells(r, (k) => (grid.get(k) || []).some((o) => o.id !== self &&
      !(labelsOnly && o.kind === "node-symbol") && o.x0 < r.x1 && r.x0 < o.x1 && o.y0 < r.y1 && r.y0 < o.y1));
    const put = (r) => { boxes.push(r); cells(r, (k) => { if (!grid.has(k)) grid.set(k, []); grid.get(k).push(r); return false; }); };
    const bodyNodes = network.body.nodes;
    const screen = (n) => ({ x: n.x * scale + tr.x, y: n.y * scale + tr.y });
    // Node symbols on screen are obstacles for every other node's label.
    const visible = [];
    for (const id of byDegree) {
      const n = bodyNodes[id];
      if (!n || n.options.hidden) continue;
      const p = screen(n), r = Math.max(2, byId.get(id).size * scale);
      if (p.x < -r || p.y < -r || p.x > W + r || p.y > H + r) continue;
      visible.push([id, p, r]);
      if (visible.length <= 4000) put({ id, x0: p.x - r, y0: p.y - r, x1: p.x + r, y1: p.y + r, kind: "node-symbol" });
    }
    const selected = new Set(network.getSelectedNodes());
    const pathNodes = new Set();
    if (state.path) for (const s of state.path) { pathNodes.add(s.s); pathNodes.add(s.o); }
    const prio = (id) => (selected.has(id) ? 0 : pathNodes.has(id) ? 1 : id === state.hoverNode ? 2 : 3);
    visible.sort((a, b) => prio(a[0]) - prio(b[0]) || rank.get(a[0]) - rank.get(b[0]));
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    placed = [];
    const base = Math.max(11, Math.min(16, Math.round(14 * Math.sqrt(scale))));
    for (const [id, p, r] of visible) {
      if (placed.length >= MAX_LABELS) break;
      const special = prio(id) < 3;
      const px = base + (rank.get(id) < 8 || special ? 1 : 0);
      const label = byId.get(id).label;
      // A long label that fits nowhere is tried again shorter (the full one is in the panel).
      const texts = special ? [label] : [...new Set([clip(label, 34), clip(label, 20)])];
      ctx.font = `${special ? "600 " : ""}${px}px ${FONT}`;
      const h = px + 2;
      // Selected and path labels are always drawn: over other nodes' symbols if need be,
      // over another label only when no spot is free. The eight hubs' labels may cover
      // other nodes' symbols too (never a label): a crowded hub is still named.
      const tries = special ? [[false, 0], [true, 0], [true, 1]] : rank.get(id) < 8 ? [[false, 0], [true, 0]] : [[false, 0]];
      let found = null, text = null;
      for (const t of texts) {
        const w = textWidth(ctx, t);
        // Below the symbol, else above, right, left, then the four corners.
        const spots = [[p.x - w / 2, p.y + r + 2], [p.x - w / 2, p.y - r - 2 - h],
          [p.x + r + 3, p.y - h / 2], [p.x - r - 3 - w, p.y - h / 2],
          [p.x + r, p.y + r], [p.x - r - w, p.y + r], [p.x + r, p.y - r - h], [p.x - r - w, p.y - r - h]];
        for (const [labelsOnly, force] of tries) {
          for (const [x, y] of spots) {
            const box = { id, x0: x - 1, y0: y, x1: x + w + 1, y1: y + h, kind: "node" };
            if (box.x0 < 0 || box.y0 < 0 || box.x1 > W || box.y1 > H) continue;
            if (!force && hits(box, id, labelsOnly)) continue;
            found = [x, y, box];
            break;
          }
          if (found) break;
        }
        if (found) { text = t; break; }
      }
      if (found) {
        const [x, y, box] = found;
        put(box);
        if (special) {  // a plate under the selected/path labels: never lost among edges
          ctx.fillStyle = "rgba(255,255,255,0.95)";
          ctx.strokeStyle = "#2b3a48";
          ctx.lineWidth = 1;
          ctx.fillRect(box.x0 - 2, box.y0, box.x1 - box.x0 + 4, h);
          ctx.strokeRect(box.x0 - 2, box.y0, box.x1 - box.x0 + 4, h);
        }
        ctx.lineWidth = 3.5;
        ctx.strokeStyle = "rgba(251,252,253,0.92)";
        ctx.strokeText(text, x, y + h / 2);
        ctx.fillStyle = special ? "#0b1a29" : "#1d2733";
        ctx.fillText(text, x, y + h / 2);
        placed.push({ id, kind: "node", text, px, x: box.x0, y: box.y0, w: box.x1 - box.x0, h });
      }
    }
    // Edge labels.
    const want = [];
    const selFacts = new Set();
    for (const id of selected) for (const s of factsOf.get(id) || []) selFacts.add(s.id);
    // An edge selected on its own (clicked, or picked on the timeline) is always labelled;
    // a selected node's edges are labelled where there is room.
    const selEdges = new Set(selected.size ? [] : network.getSelectedEdges());
    for (const id of selEdges) selFacts.add(id);
    if (state.path) for (const s of state.path) selFacts.add(s.id);
    const bodyEdges = network.body.edges;
    const zoomed = scale >= EDGE_LABELS_AT;
    const candidates = zoomed ? Object.keys(bodyEdges) : [...selFacts, ...quotedIds(selected)]
      .concat(state.hoverEdge ? [state.hoverEdge] : [], bundleLabels(selected));
    for (const id of candidates) {
      const e = bodyEdges[id];
      if (!e || e.options.hidden || !e.connected || !e.from || !e.to) continue;
      const a = screen(e.from), b = screen(e.to);
      if (Math.max(a.x, b.x) < 0 || Math.min(a.x, b.x) > W || Math.max(a.y, b.y) < 0 || Math.min(a.y, b.y) > H) continue;
      want.push([id === state.hoverEdge || selEdges.has(id) ? 0 : selFacts.has(id) ? 1 : 2, id, e]);
    }
    want.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
    const epx = Math.max(10, Math.min(13, Math.round(11 * Math.sqrt(scale))));
    for (const [level, id, e] of want) {
      if (placed.length >= MAX_LABELS * 2) break;
      let m, p0, p1;
      try {
        m = e.edgeType.getPoint(0.5); p0 = e.edgeType.getPoint(0.4); p1 = e.edgeType.getPoint(0.6);
      } catch (err) { continue; }
      const c = screen(m), d0 = screen(p0), d1 = screen(p1);
      let ang = Math.atan2(d1.y - d0.y, d1.x - d0.x);
      if (ang > Math.PI / 2) ang -= Math.PI; else if (ang <= -Math.PI / 2) ang += Math.PI;
      const fact = facts.get(id);
      const extra = fact ? edgeExtra(fact) : "";
      const text = bundles.has(id) ? bundleInfo(bundles.get(id)).label :
        (fact ? predLabel(fact.p) : "according to") + (extra ? ` \u00b7 ${extra}` : "");
      ctx.font = `${level === 0 ? "600 " : ""}${epx}px ${FONT}`;
      const w = textWidth(ctx, text), h = epx + 2;
      const off = h / 2 + 3;  // the text's centre line sits this far off the edge's line
      const nx = Math.sin(ang), ny = -Math.cos(ang);  // the normal pointing "up" the text
      let done = false;
      for (const sign of [1, -1]) {
        const cx = c.x + sign * nx * off, cy = c.y + sign * ny * off;
        const hw = (Math.abs(Math.cos(ang)) * w + Math.abs(Math.sin(ang)) * h) / 2;
        const hh = (Math.abs(Math.sin(ang)) * w + Math.abs(Math.cos(ang)) * h) / 2;
        const box = { id, x0: cx - hw, y0: cy - hh, x1: cx + hw, y1: cy + hh, kind: "edge" };
        if (level > 0 && hits(box, null)) continue;
        put(box);
        ctx.save();
        ctx.translate(cx, cy);
        ctx.rotate(ang);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(251,252,253,0.95)";
        ctx.strokeText(text, -w / 2, 0);
        ctx.fillStyle = level === 0 ? "#0b1a29" : "#3c4a57";
        ctx.fillText(text, -w / 2, 0);
        ctx.restore();
        // x/y/w/h: the box on screen (axis-aligned); tw/th: the text's own size.
        placed.push({ id, kind: "edge", text, px: epx, cx, cy, tw: w, th: h, angle: ang, off,
          line: [d0.x, d0.y, d1.x, d1.y], x: box.x0, y: box.y0, w: box.x1 - box.x0, h: box.y1 - box.y0 });
        done = true;
        break;
      }
      if (!done && level === 0) continue;
    }
    ctx.restore();
    window.kgLabels = placed;
  }
  // Bundles are labelled at any zoom while they are few; when many, those of the
  // selected nodes only.
  function bundleLabels(selected) {
    if (bundles.size <= 100) return [...bundles.keys()];
    return [...bundles].filter(([, b]) => selected.has(b.from) || selected.has(b.to)).map(([id]) => id);
  }
  function quotedIds(selected) {
    const out = [];
    for (const [id, l] of quoted) if (selected.has(l.from) || selected.has(l.to)) out.push(id);
    return out;
  }
  network.on("afterDrawing", drawLabels);
  network.on("hoverNode", (p) => { state.hoverNode = p.node; });
  network.on("blurNode", () => { state.hoverNode = null; });
  network.on("hoverEdge", (p) => { state.hoverEdge = p.edge; network.redraw(); });
  network.on("blurEdge", () => { state.hoverEdge = null; network.redraw(); });

  let ready = false;
  function markReady() {
    if (ready) return;
    ready = true;
    if (settled) network.fit({ animation: false });
    else network.setOptions({ physics: false });
    if (D.meta.focus && byId.has(D.meta.focus)) choose(D.meta.focus, { zoom: false, animate: false });
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
  let settled = D.options.physics.enabled === false;
  network.once("stabilizationIterationsDone", markReady);
  network.once("stabilized", markReady);
  if (D.entities.length === 0) setTimeout(markReady, 0);

  // ---- side panel: a brief ---------------------------------------------------------------
  const panel = $("panel");
  function entityLink(id) {
    const e = byId.get(id);
    const b = el("button", e ? e.label : id, "link");
    b.type = "button";
    if (e) b.addEventListener("click", () => choose(id));
    return b;
  }
  // A source's short name: its publisher (before any parenthesis) and year, else its title.
  function shortName(id) {
    const src = D.sources[id];
    if (!src) return id;
    let name = (src.publisher || "").split("(")[0].trim();
    if (!name || /^unknown$/i.test(name)) return id;
    const year = src.published ? ` ${String(src.published).slice(0, 4)}` : "";
    return name + year;
  }
  function citation(c) {
    const src = D.sources[c.source] || { title: c.source };
    const later = state.asOf && src.since && src.since > state.asOf;
    const line = el("div", null, "cite" + (later ? " later" : ""));
    line.dataset.source = c.source;
    const name = el("span", shortName(c.source), "src");
    name.title = src.title || c.source;
    const grade = el("span", `${src.reliability || "?"}${c.credibility || "?"}`, "grade");
    grade.title = `source reliability ${src.reliability || "unrated"}, credibility ${c.credibility || "not given"}`;
    line.append(name, " ", grade);
    const rest = [c.locator, c.attribution].filter((x) => x);
    if (later) rest.push("published after the as-of date");
    if (rest.length) line.append(el("span", ` \u00b7 ${rest.join(" \u00b7 ")}`, "where"));
    // Without the archived paragraph, where to read it is the line's tooltip (not a line
    // of its own under every citation).
    if (!c.passage && (c.locator || src.file)) {
      line.title = `passage: ${[c.locator, src.file && `of ${src.file}`].filter(Boolean).join(" ")} (not in this page)`;
    }
    const out = [line];
    if (c.note) out.push(el("div", `note: ${c.note}`, "cite-note muted"));
    if (c.passage) out.push(passageBox(c));
    return out;
  }
  // The cited paragraph with the entities it names marked (text only).
  function passageBox(c) {
    if (typeof c.passage === "string") return el("div", `\u201c${c.passage}\u201d`, "passage");
    const quote = el("blockquote", null, "passage");
    for (const [text, id] of c.passage) {
      if (!id) { quote.append(document.createTextNode(text)); continue; }
      const mark = el("mark", text);
      mark.dataset.entity = id;
      quote.append(mark);
    }
    return quote;
  }
  const QSKIP = new Set(["date", "from", "until", "status", "certainty", "note"]);
  function factBox(s, mode) {
    const box = el("div", null, "fact");
    box.dataset.statement = s.id;
    const head = el("div");
    if (mode === "triple" || mode === "path" || mode === undefined) {
      head.append(entityLink(s.s), el("span", ` \u2014 ${predLabel(s.p)} \u2014 `));
      head.append(s.o !== null ? entityLink(s.o) : el("span", s.value));
    } else if (mode === "out") {
      head.append(s.o !== null ? entityLink(s.o) : el("span", s.value));
    } else if (mode === "quoted") {
      head.append(entityLink(s.s), el("span", ` \u2014 ${predLabel(s.p)} \u2014 `));
      head.append(s.o !== null ? entityLink(s.o) : el("span", s.value));
    } else {
      head.append(entityLink(s.s));
    }
    if (s.when) head.append(el("span", s.when.text, "when"));
    // Status and certainty on the fact's own line; other terms (amount, who said so) below.
    if (s.status) head.append(" ", el("span", s.status, "status"));
    const certainty = qual(s, "certainty");
    if (certainty) head.append(el("span", ` ${certainty}`, "certainty"));
    box.append(head);
    const meta = el("div", null, "q");
    const bits = [];
    for (const q of s.q) {
      if (QSKIP.has(q[0])) continue;
      if (q[2] && byId.has(q[2])) bits.push([el("span", `${q[0]} `), entityLink(q[2])]);
      else bits.push(el("span", `${q[0]} ${q[0] === "amount" ? shortAmount(q[1]) : q[1]}`));
    }
    bits.forEach((b, i) => { if (i) meta.append(" \u00b7 "); meta.append(...[].concat(b)); });
    if (bits.length) box.append(meta);
    for (const q of s.q) if (q[0] === "note") box.append(el("div", `note: ${q[1]}`, "q muted"));
    for (const c of s.cites) box.append(...citation(c));
    return box;
  }
  function sourceNotes(list) {
    const ids = [...new Set(list.flatMap((s) => s.cites.map((c) => c.source)))].sort();
    if (!ids.length) return [];
    const out = [el("h3", "Sources")];
    for (const id of ids) {
      const src = D.sources[id] || { title: id };
      const d = el("details", null, "source");
      d.dataset.source = id;
      const head = [src.publisher, src.published && `published ${src.published}`,
        `reliability ${src.reliability || "unrated"}`].filter((x) => x).join(" \u00b7 ");
      d.append(el("summary", `${shortName(id)} \u00b7 reliability ${src.reliability || "unrated"} \u00b7 ${src.title}`));
      d.append(el("div", head, "muted"));
      if (src.note) d.append(el("div", src.note));
      if (src.url) d.append(el("div", src.url, "muted"));
      out.push(d);
    }
    return out;
  }
  // A fact is in view when it is drawn, or stands as its weapon group's (its twin).
  const visible = (s) => shownFacts.has(s.id) || (twins.has(s.id) && shownFacts.has(twins.get(s.id)));
  const byDate = (a, b) => sortKey(a) - sortKey(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  // groups: [[heading, facts, mode]]
  function showGroups(title, groups, extra, ok) {
    panel.className = "";
    panel.scrollTop = 0;
    panel.replaceChildren(el("h2", title));
    if (extra) panel.append(...extra);
    const shownAll = [];
    let hidden = 0;
    for (const [heading, list, mode] of groups) {
      const shown = list.filter(ok || visible);
      if (mode !== "path") shown.sort(byDate);  // a path keeps its order
      hidden += list.length - shown.length;
      if (!shown.length) continue;
      if (heading) {
        const h = el("h3", heading);
        h.append(el("span", ` (${shown.length})`, "n"));
        panel.append(h);
      }
      for (const s of shown) panel.append(factBox(s, mode));
      shownAll.push(...shown);
    }
    if (hidden) {
      panel.append(el("div", `${hidden} more fact(s) hidden by the filters` +
        (bundles.size ? " or inside bundled deals" : ""), "muted"));
    }
    panel.append(...sourceNotes(shownAll));
    window.kgPanelFacts = shownAll.map((s) => s.id);
  }
  function showFacts(title, list, extra, mode, ok) {
    showGroups(title, [[null, list, mode || "triple"]], extra, ok);
  }
  function button(text, action) {
    const b = el("button", text);
    b.type = "button";
    b.addEventListener("click", action);
    return b;
  }
  function showEntity(id) {
    if (wgroups.has(id)) { showWeaponGroup(id); return; }
    const e = byId.get(id);
    const c = style.get(e.group);
    const extra = [el("div", `${e.type}${c && c.name !== e.type ? ` (${c.name})` : ""} \u00b7 ${e.degree} fact(s)`, "muted")];
    if (graphs.length > 1) extra.push(el("div", `graph: ${graphsOf(id).join(", ")}`, "muted graphs"));
    if (e.aliases.length) extra.push(el("div", `also: ${e.aliases.join(", ")}`, "muted"));
    if (e.description) extra.push(el("div", e.description));
    if (e.note) extra.push(el("div", `note: ${e.note}`, "muted"));
    if (!shownNodes.has(id)) extra.push(el("div", "hidden by the current filters", "muted"));
    const acts = el("div", null, "actions");
    acts.append(
      button("Focus neighbourhood", () => { state.focus = { id, hops: Number($("hops").value) || 0 }; recompute(); choose(id); }),
      button("Path from here", () => { state.pathFrom = id; state.pathTo = null; paintPath(null); updatePath(); }),
      button("Path to here", () => { state.pathTo = id; updatePath(); }));
    extra.push(acts);
    const mine = [...bundles].filter(([bid, b]) => !expanded.has(bid) && (b.from === id || b.to === id));
    if (mine.length) {
      const box = el("div", null, "context");
      box.append(el("div", "Arms transfers (bundled deals):"));
      for (const [bid, b] of mine) {
        const row = el("div");
        row.dataset.bundle = bid;
        row.append(bundleLink(bid), el("span", `: ${bundleInfo(b).label}`));
        box.append(row);
      }
      extra.push(box);
    }
    const groups = new Map();
    for (const s of factsOf.get(id)) {
      if (s.agg) continue;  // the deal's own concerns fact is listed instead
      const out = s.s === id;
      const key = `${out ? 0 : 1}\u0000${predLabel(s.p)}`;
      if (!groups.has(key)) groups.set(key, [out ? `\u2192 ${predLabel(s.p)}` : `\u2190 ${predLabel(s.p)}`, [], out ? "out" : "in"]);
      groups.get(key)[1].push(s);
    }
    const list = [...groups.keys()].sort().map((k) => groups.get(k));
    if (quotedBy.has(id)) list.push(["quoted as the source of", quotedBy.get(id), "quoted"]);
    if (dealOf.has(id) && !expanded.has(dealOf.get(id))) {
      const row = el("div", "inside the bundle ", "muted bundled");
      row.append(bundleLink(dealOf.get(id)));
      extra.push(row);
    }
    // A weapon lists every deal for it, those inside a closed bundle too (a bundle's ends
    // have the bundle's summary instead).
    showGroups(e.label, list, extra, mine.length ? undefined : (s) => visible(s) || (inBundle(s) && factOk(s)));
    state.selectedFacts = new Set(factsOf.get(id).map((s) => s.id));
    timeline.draw();
  }
  // A fact of a deal inside a closed bundle (not drawn until the bundle is).
  const inBundle = (s) => dealOf.has(s.s) && !expanded.has(dealOf.get(s.s));
  function bundleLink(bid) {
    const b = bundles.get(bid);
    const open = el("button", `${byId.get(b.from).label} \u2192 ${byId.get(b.to).label}`, "link");
    open.type = "button";
    open.addEventListener("click", () => showBundle(bid));
    return open;
  }
  function showWeaponGroup(id) {
    const g = wgroups.get(id);
    const extra = [el("div", `${g.weapons.length} weapons described as \u201c${g.desc}\u201d, ` +
      `in ${graphLabel.get(g.graph) || g.graph}`, "muted")];
    const acts = el("div", null, "actions");
    acts.append(button(`Draw these ${g.weapons.length} weapons`, () => {
      openGroups.add(id); recompute(); showEntity(g.weapons[0]);
    }));
    extra.push(acts);
    const list = el("div", null, "context");
    for (const w of g.weapons.slice().sort((a, b) => byId.get(a).label.localeCompare(byId.get(b).label))) {
      const row = el("div");
      row.dataset.weapon = w;
      row.append(entityLink(w), el("span", ` \u00b7 ${factsOf.get(w).length} deal(s)`, "muted"));
      list.append(row);
    }
    extra.push(list);
    const deals = factsOf.get(id);
    showGroups(`${g.desc}: ${g.weapons.length} weapons`, [["deals", deals.map((d) => facts.get(d.twin)), "triple"]],
      extra, (s) => shownFacts.has(twins.get(s.id)) || (inBundle(s) && factOk(facts.get(twins.get(s.id)))));
    state.selectedFacts = new Set(deals.map((d) => d.id));
    timeline.draw();
  }
  // Puts a bundle's deals along its link, each deal's weapon beside it (a weapon already
  // on screen, in ``keep``, stays where it is; without ``keep``, one already placed):
  // made deals start there, and so do a page's own deals once their bundle is drawn.
  function place(b, keep) {
    const pos = network.getPositions([b.from, b.to]);
    const at = (id) => pos[id] || { x: byId.get(id).x || 0, y: byId.get(id).y || 0 };
    const A = at(b.from), B = at(b.to);
    const len = Math.hypot(B.x - A.x, B.y - A.y) || 1, nx = (A.y - B.y) / len, ny = (B.x - A.x) / len;
    b.deals.forEach((id, k) => {
      const f = (k + 1) / (b.deals.length + 1), side = k % 2 ? 1 : -1;
      const e = byId.get(id);
      e.x = Math.round(A.x + (B.x - A.x) * f + side * nx * 40);
      e.y = Math.round(A.y + (B.y - A.y) * f + side * ny * 40);
      for (const s of factsOf.get(id)) {
        const w = byId.get(s.o);
        if (s.p !== "concerns" || !w || (keep ? keep.has(w.id) : w.x !== undefined)) continue;
        w.x = Math.round(e.x + side * nx * 60); w.y = Math.round(e.y + side * ny * 60);
      }
    });
    for (const id of b.fresh || []) {
      const g = byId.get(id);
      if (g.agg && g.x === undefined) { const w = byId.get(wgroups.get(id).weapons[0]); g.x = w.x; g.y = w.y; }
    }
  }
  function showBundle(id) {
    const b = bundles.get(id), info = bundleInfo(b);
    if (b.rows && !b.made) { b.fresh = make(id); place(b); retuck(); }
    const extra = [];
    const box = el("div", null, "context");
    box.append(entityLink(b.from), el("span", " \u2192 "), entityLink(b.to));
    box.append(el("div", info.label));
    box.append(el("div", `categories: ${info.kinds.map(([k, n]) => `${k} ${n}`).join(", ")}`));
    extra.push(box);
    const acts = el("div", null, "actions");
    acts.append(button(`Draw these ${b.deals.length} deal${b.deals.length === 1 ? "" : "s"}`, () => {
      expanded.add(id); retuck();
      if (!b.rows) {  // deals of the page's own data: moved from where the layout left them
        const before = new Set(shownNodes);
        place(b, before);
        const moved = b.deals.flatMap((d) => [d, ...factsOf.get(d).filter((s) => s.p === "concerns").map((s) => s.o)]);
        nodes.update([...new Set(moved)].filter((m) => !before.has(m) && nodes.get(m))
          .map((m) => ({ id: m, x: byId.get(m).x, y: byId.get(m).y })));
      }
      recompute(); reveal(b.fresh || []); showEntity(b.to);
    }));
    extra.push(acts);
    const groups = new Map();
    for (const s of b.supply) {
      const kind = byId.get(s.s).description || "unspecified";
      if (!groups.has(kind)) groups.set(kind, [kind, [], "in"]);
      groups.get(kind)[1].push(s);
    }
    showGroups(`${byId.get(b.from).label} \u2192 ${byId.get(b.to).label}: ${info.label.split(" \u00b7 ")[0]}`,
      [...groups.keys()].sort().map((k) => groups.get(k)), extra, factOk);
    state.selectedFacts = new Set(b.supply.map((s) => s.id));
    timeline.draw();
  }
  function showEdge(id) {
    if (bundles.has(id)) { showBundle(id); return; }
    const d = facts.get(id);
    const s = d && d.agg ? facts.get(d.twin) : d;  // a deal's fact drawn to its weapon group
    if (!s) {
      const l = quoted.get(id);
      if (l) showFacts(`according to ${byId.get(l.from).label}`, l.facts);
      return;
    }
    const extra = [];
    const own = valueFacts(s.s).filter((x) => x.id !== s.id);
    if (s.o !== null && own.length) {
      const box = el("div", null, "context");
      box.append(el("span", "part of "), entityLink(s.s));
      for (const x of own.sort(byDate)) {
        const bits = [x.p === "value" ? shortAmount(x.value) : `${predLabel(x.p)}: ${clip(String(x.value), 90)}`];
        if (x.when) bits.push(x.when.text);
        if (x.status) bits.push(x.status);
        box.append(el("div", bits.join(" \u00b7 ")));
      }
      extra.push(box);
    }
    if (d && d.agg) {
      const box = el("div", null, "context");
      box.append(el("span", "weapon drawn inside "), entityLink(d.o));
      extra.push(box);
    }
    if (graphs.length > 1) extra.push(el("div", `graph: ${graphLabel.get(s.g) || s.g}`, "muted graphs"));
    showFacts(predLabel(s.p), [s], extra, "triple", (x) => x === s ? shownFacts.has(id) : visible(x));
    state.selectedFacts = new Set([id]);
    timeline.draw();
  }
  // Select a node, centre it (zoomed in at least to a readable scale) and show its facts.
  function choose(id, opts) {
    if (!byId.has(id)) return;
    // A weapon inside a closed group: the group opens to draw it.
    if (groupOf.has(id) && !openGroups.has(groupOf.get(id))) { openGroups.add(groupOf.get(id)); recompute(); }
    if (overview) reveal([id, ...neighbours(id).slice(0, 300).map((x) => x[0])]);
    if (shownNodes.has(id)) {
      network.selectNodes([id], true);
      const scale = opts && opts.zoom === false ? network.getScale() : Math.max(network.getScale(), 0.9);
      network.focus(id, { scale, animation: opts && opts.animate === false ? false : { duration: 300 } });
    }
    showEntity(id);
  }
  network.on("click", (params) => {
    if (params.nodes.length) choose(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
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
      `path: ${name(state.pathFrom)} \u2192 ${name(state.pathTo)}` : "";
    if (!state.pathFrom || !state.pathTo) return;
    // A new path clears what came before: the old search, selection and highlight.
    box.value = "";
    $("matches").replaceChildren();
    network.unselectAll();
    const steps = shortestPath(state.pathFrom, state.pathTo);
    paintPath(steps);
    const title = `Path: ${name(state.pathFrom)} \u2192 ${name(state.pathTo)}`;
    if (!steps) {
      showFacts(title, [], [el("div", "No path between them among the facts shown.", "muted")]);
      return;
    }
    const ids = new Set([state.pathFrom]);
    for (const s of steps) { ids.add(s.s); ids.add(s.o); }
    reveal([...ids]);
    network.setSelection({ nodes: [...ids], edges: steps.map((s) => s.id) }, { highlightEdges: false });
    network.fit({ nodes: [...ids], animation: false });
    if (network.getScale() > 1.5) network.moveTo({ scale: 1.5 });
    showFacts(title, steps, [el("div", `${steps.length} step(s)`, "muted")], "path");
    state.selectedFacts = new Set(steps.map((s) => s.id));
    timeline.draw();
  }
  $("path-clear").addEventListener("click", () => {
    state.pathFrom = state.pathTo = null; paintPath(null); updatePath(); network.unselectAll();
  });

  // ---- search ---------------------------------------------------------------------------
  const index = D.entities.map((e) => [e.id, [e.name || e.label, e.label, ...e.aliases].map((t) => t.toLowerCase())]);
  let lastSearch = [null, []];  // Enter after typing asks again for the same text
  function search(text) {
    if (lastSearch[0] === text) return lastSearch[1];
    const hits = searchNow(text);
    lastSearch = [text, hits];
    return hits;
  }
  function searchNow(text) {
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

  // ---- filters and legend ---------------------------------------------------------------
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
  const perClass = count(realEntities.map((e) => e.group));
  const usedClasses = D.classes.filter((c) => perClass.has(c.name));
  checklist("f-class", state.classes, usedClasses
    .map((c) => [c.name, `${c.name} (${perClass.get(c.name)})`, { text: c.glyph, color: c.color }]));
  const perPred = count(realFacts.map((s) => s.p));
  checklist("f-predicate", state.predicates, Object.keys(D.predicates)
    .map((p) => [p, `${predLabel(p)} (${perPred.get(p)})`]));
  checklist("f-status", state.statuses, [...state.statuses].sort().map((s) => [s, s]));
  checklist("f-reliability", state.reliability, [...state.reliability].sort().map((r) => [r, r]));
  checklist("f-source", state.sources, Object.entries(D.sources)
    .map(([id, src]) => [id, `${src.title} (${src.published || "undated"})`]));
  const perGraph = count(realFacts.map((s) => s.g));
  checklist("f-graph", state.graphs, graphs.map((g) => [g.id, `${g.label} (${perGraph.get(g.id) || 0} facts)`]));
  $("f-graph").parentElement.hidden = graphs.length < 2;
  // Only one filter list open at a time (they drop down over the panel).
  for (const d of document.querySelectorAll("#filters details")) {
    d.addEventListener("toggle", () => {
      if (d.open) for (const o of document.querySelectorAll("#filters details")) if (o !== d) o.open = false;
    });
  }
  (function legend() {
    const box = $("legend");
    for (const c of usedClasses) {
      const item = el("span", null, "item");
      item.dataset.class = c.name;
      const g = el("span", c.glyph, "glyph");
      g.style.color = c.color;
      item.append(g, el("span", `${c.name} ${perClass.get(c.name)}`));
      box.append(item);
    }
    if (quoted.size) box.append(el("span", "- - - according to", "item muted"));
    const preds = Object.keys(D.predicates);
    if (preds.length) {
      const d = el("details");
      d.append(el("summary", `Predicates (${preds.length}): arrows point from subject to object`));
      const list = el("div", null, "preds");
      for (const p of preds.sort((a, b) => (perPred.get(b) || 0) - (perPred.get(a) || 0) || (a < b ? -1 : 1))) {
        const row = el("div", `${predLabel(p)} ${perPred.get(p) || 0}${D.predicates[p].symmetric ? " (both ways)" : ""}`);
        row.dataset.predicate = p;
        list.append(row);
      }
      d.append(list);
      box.append(d);
    }
  })();

  // ---- timeline: every dated fact on a time axis, linked with the graph and "as of" ------
  const timeline = (function () {
    const canvas = $("tl-canvas"), tip = $("tl-tip");
    const dated = realFacts.filter((s) => s.when);
    const wrap = $("timeline");
    if (!dated.length) { wrap.hidden = true; return { draw() {}, marks: [], highlighted: () => [] }; }
    let lo = Infinity, hi = -Infinity;
    for (const s of dated) {
      for (const t of [s.when.a, s.when.b]) if (t !== null) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
    }
    const padT = Math.max((hi - lo) * 0.03, 30 * DAY);
    lo -= padT; hi += padT;
    const AXIS = 20, LANE = 9, TOP = 4;
    // Above this many dated facts the strip shows how many stand in each pixel column
    // (an aggregate), and marks only for the selected facts.
    const DENSE = 3000;
    const dense = dated.length > DENSE;
    let marks = [];
    let laidOut = null;
    let columns = null;  // the dense strip's counts, for one width and one set of facts shown
    const api = { marks, draw, at: null, highlighted: () => [...state.selectedFacts].sort() };
    const X = (t, w) => 8 + ((t - lo) / (hi - lo)) * (w - 16);
    const T = (x, w) => lo + ((x - 8) / (w - 16)) * (hi - lo);
    function layout(w, only) {
      const lanes = [];
      const maxLanes = Math.max(1, Math.floor((canvas.clientHeight - AXIS - TOP) / LANE));
      marks = (only || dated).slice().sort((a, b) => sortKey(a) - sortKey(b) || (a.id < b.id ? -1 : 1)).map((s) => {
        const a = s.when.a !== null ? s.when.a : lo, b = s.when.b !== null ? s.when.b : hi;
        let x0 = X(a, w), x1 = X(b, w);
        if (x1 - x0 < 4) { const m = (x0 + x1) / 2; x0 = m - 2; x1 = m + 2; }
        let lane = lanes.findIndex((end) => end + 2 < x0);
        if (lane < 0) lane = lanes.length < maxLanes ? lanes.length : lanes.indexOf(Math.min(...lanes));
        lanes[lane] = Math.max(lanes[lane] || -Infinity, x1);
        return { id: s.id, x0, x1, y: TOP + lane * LANE, lane, precision: s.when.p, text: s.when.text,
          open: s.when.a === null || s.when.b === null };
      });
      api.marks = marks;
    }
    function draw() {
      const w = canvas.clientWidth, h = canvas.clientHeight, ratio = window.devicePixelRatio || 1;
      if (!w || !h) return;
      if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
        canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
      }
      const sel = state.selectedFacts;
      if (dense) layout(w, dated.filter((s) => sel.has(s.id)));
      else if (w !== laidOut) { layout(w); laidOut = w; }  // marks depend on the width only
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, w, h);
      if (dense) {  // facts standing per pixel column, shown ones dark, the rest light
        if (!columns || columns.w !== w || columns.facts !== shownFacts) {  // else as drawn last
          const all = new Float64Array(Math.ceil(w) + 1), on = new Float64Array(Math.ceil(w) + 1);
          for (const s of dated) {
            const a = s.when.a !== null ? s.when.a : lo, b = s.when.b !== null ? s.when.b : hi;
            const x = Math.max(0, Math.min(Math.round(X((a + b) / 2, w)), all.length - 1));
            all[x] += 1;
            if (shownFacts.has(s.id)) on[x] += 1;
          }
          columns = { w, facts: shownFacts, all, on };
        }
        const { all, on } = columns;
        const top = Math.max(...all), room = h - AXIS - TOP;
        for (let x = 0; x < all.length; x++) {
          if (!all[x]) continue;
          const hAll = Math.max(1, (room * Math.sqrt(all[x])) / Math.sqrt(top));
          const hOn = on[x] ? Math.max(1, (room * Math.sqrt(on[x])) / Math.sqrt(top)) : 0;
          ctx.fillStyle = "#d5dbe1"; ctx.fillRect(x, h - AXIS - hAll, 1, hAll);
          ctx.fillStyle = "#5b6b7a"; ctx.fillRect(x, h - AXIS - hOn, 1, hOn);
        }
      }
      // Axis: years (months when the span is short).
      ctx.fillStyle = "#46525e"; ctx.strokeStyle = "#c9d3dc"; ctx.font = `11px ${FONT}`;
      ctx.textBaseline = "middle";
      const y0 = new Date(lo).getUTCFullYear(), y1 = new Date(hi).getUTCFullYear();
      const step = Math.max(1, Math.ceil((y1 - y0 + 1) / Math.max(1, w / 60)));
      for (let y = y0; y <= y1 + 1; y += step) {
        const x = X(Date.UTC(y, 0, 1), w);
        if (x < 0 || x > w) continue;
        ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h - AXIS + 4); ctx.stroke();
        ctx.fillText(String(y), x + 2, h - AXIS / 2);
      }
      for (const m of marks) {
        const s = facts.get(m.id);
        const shown = shownFacts.has(m.id);
        const c = style.get((byId.get(s.s) || {}).group) || style.get("Entity");
        const dim = !shown || (sel.size && !sel.has(m.id));
        ctx.globalAlpha = !shown ? 0.18 : dim ? 0.35 : 1;
        ctx.fillStyle = c.color;
        const hgt = LANE - 2;
        if (m.precision === "day") {
          ctx.beginPath(); ctx.arc((m.x0 + m.x1) / 2, m.y + hgt / 2, 3.5, 0, 2 * Math.PI); ctx.fill();
        } else if (m.precision === "month") {
          ctx.fillRect(m.x0, m.y, m.x1 - m.x0, hgt);
        } else if (m.precision === "year") {
          ctx.globalAlpha *= 0.55; ctx.fillRect(m.x0, m.y, m.x1 - m.x0, hgt);
          ctx.globalAlpha /= 0.55; ctx.fillRect(m.x0, m.y, 2, hgt); ctx.fillRect(m.x1 - 2, m.y, 2, hgt);
        } else {  // fiscal year or range: an outlined span
          ctx.globalAlpha *= 0.3; ctx.fillRect(m.x0, m.y, m.x1 - m.x0, hgt); ctx.globalAlpha /= 0.3;
          ctx.strokeStyle = c.color; ctx.setLineDash(m.precision === "fiscal-year" ? [3, 2] : []);
          ctx.strokeRect(m.x0 + 0.5, m.y + 0.5, m.x1 - m.x0 - 1, hgt - 1); ctx.setLineDash([]);
        }
        if (sel.has(m.id) && shown) {
          ctx.globalAlpha = 1; ctx.strokeStyle = "#0b1a29"; ctx.lineWidth = 1.5;
          ctx.strokeRect(m.x0 - 1, m.y - 1, m.x1 - m.x0 + 2, hgt + 2); ctx.lineWidth = 1;
        }
      }
      ctx.globalAlpha = 1;
      if (state.asOf) {
        const x = X(Date.parse(state.asOf + "T00:00:00Z"), w);
        api.at = x;
        ctx.fillStyle = "rgba(214,39,40,0.07)"; ctx.fillRect(x, 0, w - x, h);
        ctx.strokeStyle = "#d62728"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke(); ctx.lineWidth = 1;
        ctx.fillStyle = "#d62728"; ctx.fillText(`as of ${state.asOf}`, Math.min(x + 4, w - 90), h - AXIS / 2);
      } else api.at = null;
    }
    function pick(x, y) {
      let best = null, dist = 5;
      for (const m of marks) {
        if (y < m.y - 2 || y > m.y + LANE) continue;
        const d = x < m.x0 ? m.x0 - x : x > m.x1 ? x - m.x1 : 0;
        if (d < dist) { dist = d; best = m; }
      }
      return best;
    }
    const pos = (ev) => { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
    function setAsOf(x) {
      const day = iso(Math.round(T(x, canvas.clientWidth) / DAY) * DAY);
      $("asof").value = day;
      state.asOf = day;
      recompute();
    }
    let scrubbing = false;
    canvas.addEventListener("mousedown", (ev) => {
      const [x, y] = pos(ev);
      const m = pick(x, y);
      if (m) { selectFact(m.id); return; }
      scrubbing = true;
      setAsOf(x);
    });
    canvas.addEventListener("mousemove", (ev) => {
      const [x, y] = pos(ev);
      if (scrubbing) { setAsOf(x); return; }
      const m = pick(x, y);
      if (!m) { tip.hidden = true; return; }
      const s = facts.get(m.id);
      const name = (id) => (byId.get(id) ? byId.get(id).label : id);
      tip.textContent = `${m.text}: ${name(s.s)} \u2014 ${predLabel(s.p)} \u2014 ${s.o !== null ? name(s.o) : clip(String(s.value), 60)}`;
      tip.hidden = false;
      tip.style.left = `${Math.min(x + 10, canvas.clientWidth - 300)}px`;
      tip.style.top = `${Math.max(0, y - 24)}px`;
    });
    canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
    window.addEventListener("mouseup", () => { scrubbing = false; });
    window.addEventListener("resize", () => draw());
    return api;
  })();
  // A fact picked on the timeline: its edge selected and centred (or its subject node).
  function selectFact(id) {
    const s = facts.get(id);
    if (!s) return;
    if (isEdge(s) && shownFacts.has(id)) {
      network.setSelection({ nodes: [], edges: [id] });
      const p = network.getPositions([s.s, s.o]);
      if (p[s.s] && p[s.o]) {
        network.moveTo({ position: { x: (p[s.s].x + p[s.o].x) / 2, y: (p[s.s].y + p[s.o].y) / 2 },
          scale: Math.max(network.getScale(), 0.9), animation: { duration: 300 } });
      }
      showEdge(id);
    } else if (byId.has(s.s)) {
      choose(s.s);
      state.selectedFacts = new Set([id]);
      timeline.draw();
      const row = panel.querySelector(`[data-statement="${CSS.escape(id)}"]`);
      if (row) row.scrollIntoView({ block: "center" });
    }
  }

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
  window.kgTimeline = timeline;
  window.kgSelectFact = selectFact;
  // A big page showing few nodes at first (a country page: its deals in bundles) lays
  // those out by physics as a small page is; the nodes not shown wait where they are.
  if (settled && D.meta.settle && !overview && shownNodes.size <= D.meta.settle.upTo) {
    settled = false;
    batch(() => {
      nodes.update(nodes.getIds().filter((id) => !shownNodes.has(id)).map((id) => ({ id, physics: false })));
      edges.update([...hiddenEdges].map((id) => ({ id, physics: false })));
    });
    network.setOptions({ physics: D.meta.settle.physics });
    network.stabilize(D.meta.settle.physics.stabilization.iterations);
  }
  if (settled) markReady();
})();

"""The HTML page of ``render.py``: its CSS, JavaScript and icons, kept apart from the Python so
each reads as what it is. The page is one file with nothing to fetch (it must open offline, from a
mail attachment or a CI artifact), so everything is inline.

The page draws what Python laid out: cards at the positions in the embedded JSON, edges as the
precomputed SVG paths. JavaScript only builds the DOM (every name through ``textContent``, never
``innerHTML``), pans, zooms, searches, shows the side panel and switches between views (the
schema overview and one view per schema when the graph is collapsed).
"""

from __future__ import annotations

# 16×16 stroke icons, one per domain, drawn for this project (Snowsight-like, not copied).
ICON_PATHS: dict[str, str] = {
    "table": '<rect x="1.5" y="2.5" width="13" height="11" rx="1.5"/>'
    '<path d="M1.5 6.2h13M6 6.2v7.3"/>',
    "view": '<path d="M1.3 8S3.7 3.6 8 3.6 14.7 8 14.7 8 12.3 12.4 8 12.4 1.3 8 1.3 8z"/>'
    '<circle cx="8" cy="8" r="2"/>',
    "stage": '<rect x="1.5" y="2.5" width="13" height="3.8" rx="1"/>'
    '<path d="M2.6 6.3v6.2a1 1 0 0 0 1 1h8.8a1 1 0 0 0 1-1V6.3M6.2 9h3.6"/>',
    "feature_view": '<rect x="1.5" y="4.5" width="10" height="9" rx="1.5"/>'
    '<path d="M4.5 2.5h8a2 2 0 0 1 2 2v7"/><path d="M1.5 7.7h10"/>',
    "dataset": '<rect x="1.5" y="4" width="13" height="8.5" rx="2"/>'
    '<path d="M1.5 8.3h13M4 10.4h2.2"/>',
    "model": '<circle cx="8" cy="8" r="2.1"/><path d="M8 1.8v4.1M8 10.1v4.1M1.8 8h4.1M10.1 8h4.1"/>'
    '<path d="M6.6 1.8h2.8M6.6 14.2h2.8M1.8 6.6v2.8M14.2 6.6v2.8"/>',
    "service": '<rect x="2" y="2.5" width="12" height="4.5" rx="1"/>'
    '<rect x="2" y="9" width="12" height="4.5" rx="1"/>'
    '<path d="M4.6 4.75h.01M4.6 11.25h.01"/>',
    "schema": '<path d="M1.5 4.2a1 1 0 0 1 1-1h3.6l1.6 1.7h5.8a1 1 0 0 1 1 1v6.9'
    'a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z"/>',
    "database": '<ellipse cx="8" cy="3.8" rx="5.5" ry="2"/>'
    '<path d="M2.5 3.8v8.4c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2V3.8'
    'M2.5 8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2"/>',
    "masked": '<rect x="3" y="7" width="10" height="7" rx="1.5"/>'
    '<path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2"/>',
}

PAGE_CSS = r"""
*{box-sizing:border-box}
html,body{margin:0;height:100%;overflow:hidden;background:#fff;color:#1f2937;
  font-family:Inter,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
#canvas{position:fixed;inset:0;overflow:hidden;cursor:grab;background:#fff;touch-action:none}
#canvas.panning{cursor:grabbing}
#world{position:absolute;left:0;top:0;transform-origin:0 0}
#links{position:absolute;left:0;top:0;overflow:visible;pointer-events:none}
#cards{position:absolute;left:0;top:0}
.node{position:absolute}
.dlabel{font-size:11px;line-height:14px;color:#5f6b7a;padding-left:2px;white-space:nowrap;
  overflow:hidden;text-overflow:ellipsis}
.card{position:relative;background:#fbfbfc;border:1px solid #d5d9e1;border-radius:6px;
  padding:11px 14px 0 14px;box-shadow:0 1px 2px rgba(16,24,40,.05);cursor:pointer;
  transition:border-color .15s,box-shadow .15s}
.card::before{content:"";position:absolute;left:-1px;top:9px;bottom:9px;width:3px;border-radius:2px;
  background:var(--c,#64748b)}
.card:hover{border-color:#aab4c3;box-shadow:0 2px 6px rgba(16,24,40,.10)}
.card.focus{border-color:#8fb3f5;box-shadow:0 0 0 3px rgba(59,130,246,.12)}
.node.selected .card{border-color:#2563eb;box-shadow:0 0 0 3px rgba(37,99,235,.22)}
.row1{display:flex;align-items:center;gap:7px;height:18px}
.icon{width:15px;height:15px;flex:0 0 15px;color:var(--c,#64748b)}
.name{font-size:13px;font-weight:500;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.row2{display:flex;margin-top:7px;padding-bottom:7px;border-bottom:1px solid #e5e7eb;
  white-space:nowrap;
  font:10px/13px ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
  color:#4b5563}
.qual{overflow:hidden;text-overflow:ellipsis;min-width:0}
.ver{flex:0 0 auto;padding-left:6px}
.row3{margin-top:9px;font-size:11px;color:#4b5563;white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis}
.card.deleted{background:#f3f4f6;border-style:dashed;color:#9aa1ab}
.card.deleted .name{text-decoration:line-through;color:#8b939e}
.card.deleted .row2,.card.deleted .row3{color:#9aa1ab}
.card.deleted .icon,.card.masked .icon{color:#9aa1ab}
.card.deleted::before,.card.masked::before{background:#c4c9d1}
.card.masked{background:repeating-linear-gradient(135deg,#f4f5f7 0 6px,#eceef2 6px 12px)}
.card.masked .name{letter-spacing:2px;color:#8b939e}
.card.masked .row2,.card.masked .row3{color:#9aa1ab}
.node.group .card{background:#f8fafc}
.node.dim{opacity:.2}
.link{fill:none;stroke-width:1.4}
.link.dependency{stroke-linecap:round}
.link.hl{stroke-width:2.8}
#toolbar{position:fixed;left:12px;top:12px;display:flex;align-items:center;gap:10px;z-index:5;
  background:rgba(255,255,255,.95);border:1px solid #e5e7eb;border-radius:8px;
  padding:6px 8px 6px 12px;
  box-shadow:0 1px 3px rgba(16,24,40,.08);max-width:calc(100vw - 24px)}
.brand{font-weight:600;font-size:13px;color:#2563eb}
#view-title{font-size:12px;color:#4b5563;max-width:38vw;white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis}
.searchbox{position:relative}
#search{width:250px;font:inherit;font-size:12px;padding:5px 8px;border:1px solid #d5d9e1;
  border-radius:6px;outline:none}
#search:focus{border-color:#2563eb}
#results{position:absolute;left:0;top:calc(100% + 4px);width:360px;max-height:60vh;overflow:auto;
  background:#fff;
  border:1px solid #e5e7eb;border-radius:8px;box-shadow:0 6px 20px rgba(16,24,40,.14);
  font-size:12px}
#results[hidden]{display:none}
.result{display:block;width:100%;text-align:left;border:0;border-bottom:1px solid #f1f2f4;
  border-radius:0;
  padding:6px 10px;background:#fff;cursor:pointer}
.result:hover{background:#f5f8ff}
.result small{display:block;color:#6b7280;font-size:10px;
  font-family:ui-monospace,Menlo,Consolas,monospace}
.result.none{color:#6b7280;cursor:default}
button{font:inherit;font-size:12px;background:#fff;border:1px solid #d5d9e1;border-radius:6px;
  padding:4px 9px;
  cursor:pointer;color:#1f2937}
button:hover{background:#f5f8ff}
button[hidden]{display:none}
#controls{position:fixed;right:12px;bottom:12px;display:flex;align-items:center;gap:4px;z-index:5;
  background:rgba(255,255,255,.95);border:1px solid #e5e7eb;border-radius:8px;padding:4px}
#zoom-level{font-size:11px;color:#6b7280;min-width:38px;text-align:center}
#legend{position:fixed;left:12px;bottom:12px;display:flex;gap:14px;align-items:center;z-index:5;
  font-size:11px;
  color:#4b5563;background:rgba(255,255,255,.95);padding:6px 10px;border:1px solid #e5e7eb;
  border-radius:8px}
.swatch{display:inline-block;width:26px;height:0;vertical-align:middle;margin-right:5px}
.chip{display:inline-block;width:14px;height:10px;vertical-align:middle;margin-right:5px;
  border-radius:2px;
  border:1px solid #c4c9d1}
.chip.deleted{background:#f3f4f6;border-style:dashed}
.chip.masked{background:repeating-linear-gradient(135deg,#f4f5f7 0 3px,#dfe2e7 3px 6px)}
#panel{position:fixed;right:0;top:0;bottom:0;width:400px;max-width:100vw;background:#fff;
  border-left:1px solid #e5e7eb;
  box-shadow:-4px 0 16px rgba(16,24,40,.08);overflow:auto;z-index:6;padding:14px 18px 24px;
  font-size:12px}
#panel[hidden]{display:none}
#panel h2{font-size:15px;margin:2px 0 2px;word-break:break-all}
#panel h3{font-size:12px;margin:18px 0 6px;color:#374151;text-transform:uppercase;
  letter-spacing:.04em}
#panel .domain{font-size:11px;color:#5f6b7a}
#panel table{border-collapse:collapse;width:100%}
#panel th{text-align:left;font-weight:500;color:#6b7280;padding:3px 8px 3px 0;vertical-align:top;
  white-space:nowrap}
#panel td{padding:3px 0;word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;
  font-size:11px}
#panel pre{background:#f8fafc;border:1px solid #eef0f3;border-radius:6px;padding:8px;
  white-space:pre-wrap;
  word-break:break-all;font-size:11px;margin:0}
#panel .close{position:absolute;right:12px;top:10px}
.edge{border:1px solid #eef0f3;border-radius:6px;padding:6px 8px;margin-bottom:6px}
.edge .other{border:0;padding:0;background:none;color:#2563eb;cursor:pointer;font-weight:500;
  word-break:break-all;text-align:left}
.badge{display:inline-block;font-size:10px;border-radius:9px;padding:0 7px;margin-left:6px;
  color:#fff;background:#98a2b3}
.badge.dependency{background:#5b7bd5}.badge.clone{background:#e8590c}
"""

PAGE_JS = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("mlineage-data").textContent);
  var CARD = DATA.card;
  var SVGNS = "http://www.w3.org/2000/svg";
  var canvas = document.getElementById("canvas");
  var world = document.getElementById("world");
  var linksEl = document.getElementById("links");
  var cardsEl = document.getElementById("cards");
  var panel = document.getElementById("panel");
  var panelBody = document.getElementById("panel-body");
  var searchEl = document.getElementById("search");
  var resultsEl = document.getElementById("results");
  var backEl = document.getElementById("back");
  var titleEl = document.getElementById("view-title");
  var zoomEl = document.getElementById("zoom-level");
  var state = {view: "main", scale: 1, x: 0, y: 0, selected: null, touched: false};
  var cardIndex = {}, placed = {}, linkIndex = [];
  var groupOf = {}, edgesOf = {};

  Object.keys(DATA.groups).forEach(function (g) {
    DATA.groups[g].members.forEach(function (m) { groupOf[m] = g; });
  });
  DATA.edges.forEach(function (e, i) {
    (edgesOf[e.source_id] = edgesOf[e.source_id] || []).push(i);
    if (e.target_id !== e.source_id) (edgesOf[e.target_id] = edgesOf[e.target_id] || []).push(i);
  });

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function icon(name) {
    if (!document.getElementById("icon-" + name)) name = "table";
    var s = document.createElementNS(SVGNS, "svg");
    s.setAttribute("class", "icon");
    s.setAttribute("width", "15");
    s.setAttribute("height", "15");
    var u = document.createElementNS(SVGNS, "use");
    u.setAttribute("href", "#icon-" + name);
    u.setAttribute("width", "15");
    u.setAttribute("height", "15");
    s.appendChild(u);
    return s;
  }
  function label(domain) { return DATA.labels[domain] || domain; }
  function fmtTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.toLocaleString("en-US", {month: "short", day: "numeric", year: "numeric",
                                      hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }
  function qualifier(n) {
    if (n.domain === "schema") return n.database || "";
    return [n.database, n.schema].filter(function (p) { return p; }).join(".");
  }
  function displayName(id) {
    var n = DATA.nodes[id];
    if (!n) return id;
    var name = [qualifier(n), n.name].filter(function (p) { return p; }).join(".");
    return name + (n.version ? " " + n.version : "");
  }

  function nodeCard(item) {
    var n = DATA.nodes[item.id];
    var wrap = el("div", "node d-" + n.domain);
    wrap.setAttribute("data-node-id", n.node_id);
    wrap.setAttribute("data-column", String(item.column));
    wrap.setAttribute("data-domain", n.domain);
    wrap.setAttribute("data-status", n.status);
    wrap.style.left = item.x + "px";
    wrap.style.top = item.y + "px";
    wrap.title = n.node_id;
    wrap.appendChild(el("div", "dlabel", label(n.domain)));
    var card = el("div", "card");
    if (n.status === "DELETED") card.classList.add("deleted");
    if (n.status === "MASKED") card.classList.add("masked");
    if (item.id === DATA.focus) card.classList.add("focus");
    var row1 = el("div", "row1");
    row1.appendChild(icon(n.status === "MASKED" ? "masked" : n.domain));
    row1.appendChild(el("span", "name", n.name));
    card.appendChild(row1);
    var row2 = el("div", "row2");
    row2.appendChild(el("span", "qual", qualifier(n)));
    if (n.version) row2.appendChild(el("span", "ver", "| " + n.version));
    card.appendChild(row2);
    var when = n.status === "MASKED" ? "No access"
      : n.status === "DELETED" ? "Deleted on: " + fmtTime(n.deleted_at)
      : "Created on: " + (fmtTime(n.created_at) || "unknown");
    card.appendChild(el("div", "row3", when));
    wrap.appendChild(card);
    return wrap;
  }

  function groupCard(item) {
    var g = DATA.groups[item.id];
    var wrap = el("div", "node group d-schema");
    wrap.setAttribute("data-group-id", item.id);
    wrap.setAttribute("data-column", String(item.column));
    wrap.style.left = item.x + "px";
    wrap.style.top = item.y + "px";
    wrap.title = "Open " + g.label;
    wrap.appendChild(el("div", "dlabel", "Schema · " + g.members.length + " objects"));
    var card = el("div", "card");
    var row1 = el("div", "row1");
    row1.appendChild(icon("schema"));
    row1.appendChild(el("span", "name", g.label));
    card.appendChild(row1);
    var counts = Object.keys(g.counts).map(function (d) {
      var c = g.counts[d];
      return c + " " + label(d).toLowerCase() + (c === 1 ? "" : "s");
    }).join(" · ");
    var row2 = el("div", "row2");
    row2.appendChild(el("span", "qual", counts));
    card.appendChild(row2);
    card.appendChild(el("div", "row3", "Click to open"));
    wrap.appendChild(card);
    return wrap;
  }

  function show(viewId, focusId) {
    var v = DATA.views[viewId];
    state.view = viewId;
    state.selected = null;
    panel.hidden = true;
    cardsEl.textContent = "";
    while (linksEl.lastChild) linksEl.removeChild(linksEl.lastChild);
    cardIndex = {}; placed = {}; linkIndex = [];
    world.style.width = v.width + "px";
    world.style.height = v.height + "px";
    linksEl.setAttribute("width", v.width);
    linksEl.setAttribute("height", v.height);
    linksEl.setAttribute("viewBox", "0 0 " + v.width + " " + v.height);
    v.links.forEach(function (l) {
      var p = document.createElementNS(SVGNS, "path");
      var e = l.edge === null ? null : DATA.edges[l.edge];
      p.setAttribute("d", l.d);
      p.setAttribute("class", "link " + l.type);
      p.setAttribute("marker-end", "url(#arrow-" + l.type + ")");
      var t = document.createElementNS(SVGNS, "title");
      t.textContent = e ? e.edge_type + ": " + e.operation : l.count + " edges";
      p.appendChild(t);
      linksEl.appendChild(p);
      linkIndex.push({el: p, source: e ? e.source_id : l.source,
                      target: e ? e.target_id : l.target});
    });
    var fragment = document.createDocumentFragment();
    v.cards.forEach(function (item) {
      var c = DATA.groups[item.id] ? groupCard(item) : nodeCard(item);
      fragment.appendChild(c);
      cardIndex[item.id] = c;
      placed[item.id] = item;
    });
    cardsEl.appendChild(fragment);
    titleEl.textContent = v.title;
    backEl.hidden = viewId === "main";
    applySearch(false);
    fit();
    if (focusId && cardIndex[focusId]) { select(focusId); centerOn(focusId); }
  }

  function apply() {
    world.style.transform =
      "translate(" + state.x + "px," + state.y + "px) scale(" + state.scale + ")";
    zoomEl.textContent = Math.round(state.scale * 100) + "%";
  }
  function viewport() { var r = canvas.getBoundingClientRect(); return {w: r.width, h: r.height}; }
  function fit() {
    state.touched = false;
    var v = DATA.views[state.view], vp = viewport();
    var top = 60, bottom = 50, side = 20;
    var s = Math.min(1, (vp.w - 2 * side) / v.width, (vp.h - top - bottom) / v.height);
    state.scale = Math.max(s, 0.05);
    state.x = (vp.w - v.width * state.scale) / 2;
    state.y = top + Math.max(0, (vp.h - top - bottom - v.height * state.scale) / 2);
    apply();
  }
  function zoomAt(factor, cx, cy) {
    state.touched = true;
    var s = Math.min(4, Math.max(0.05, state.scale * factor)), k = s / state.scale;
    state.x = cx - (cx - state.x) * k;
    state.y = cy - (cy - state.y) * k;
    state.scale = s;
    apply();
  }
  function zoomCentre(factor) { var vp = viewport(); zoomAt(factor, vp.w / 2, vp.h / 2); }
  function centerOn(id) {
    var item = placed[id], vp = viewport();
    if (!item) return;
    state.touched = true;
    if (state.scale < 0.6) state.scale = 0.8;
    var free = panel.hidden ? vp.w : vp.w - panel.offsetWidth;
    state.x = free / 2 - (item.x + CARD.width / 2) * state.scale;
    state.y = vp.h / 2 - (item.y + CARD.label + CARD.height / 2) * state.scale;
    apply();
  }

  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  }, {passive: false});
  var drag = null, dragged = false;
  canvas.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) return;
    dragged = false;
    drag = {x: ev.clientX, y: ev.clientY, ox: state.x, oy: state.y, moved: false};
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      canvas.classList.add("panning");
    }
    if (drag.moved) {
      state.touched = true;
      state.x = drag.ox + dx;
      state.y = drag.oy + dy;
      apply();
    }
  });
  window.addEventListener("pointerup", function () {
    if (drag) dragged = drag.moved;
    drag = null;
    canvas.classList.remove("panning");
  });
  canvas.addEventListener("click", function (ev) {
    if (dragged) { dragged = false; return; }
    var node = ev.target.closest ? ev.target.closest(".node") : null;
    if (!node) { select(null); return; }
    var group = node.getAttribute("data-group-id");
    if (group) { show(group); return; }
    select(node.getAttribute("data-node-id"));
  });

  function select(id) {
    var before = state.selected && cardIndex[state.selected];
    if (before) before.classList.remove("selected");
    state.selected = id;
    linkIndex.forEach(function (l) {
      l.el.classList.toggle("hl", id !== null && (l.source === id || l.target === id));
    });
    if (id !== null && cardIndex[id]) cardIndex[id].classList.add("selected");
    if (id !== null && DATA.nodes[id]) showPanel(id); else panel.hidden = true;
  }

  function addRow(table, key, value) {
    var tr = el("tr");
    tr.appendChild(el("th", null, key));
    var empty = value === null || value === undefined || value === "";
    tr.appendChild(el("td", null, empty ? "—" : value));
    table.appendChild(tr);
  }
  function edgeBox(e, otherId) {
    var box = el("div", "edge");
    var head = el("div");
    var other = el("button", "other", displayName(otherId));
    other.title = otherId;
    other.addEventListener("click", function () { goTo(otherId); });
    head.appendChild(other);
    head.appendChild(el("span", "badge " + e.edge_type, e.edge_type));
    box.appendChild(head);
    var t = el("table");
    addRow(t, "operation", e.operation);
    addRow(t, "first seen", e.first_seen);
    addRow(t, "last seen", e.last_seen);
    addRow(t, "queries", e.query_count);
    addRow(t, "first query id", e.first_query_id);
    addRow(t, "last query id", e.last_query_id);
    box.appendChild(t);
    return box;
  }
  function showPanel(id) {
    var n = DATA.nodes[id];
    panelBody.textContent = "";
    var kind = n.kind && n.kind !== n.domain ? " · " + n.kind : "";
    panelBody.appendChild(el("div", "domain", label(n.domain) + kind));
    panelBody.appendChild(el("h2", null, n.name));
    var t = el("table");
    ["node_id", "domain", "kind", "status", "database", "schema", "name", "version"]
      .forEach(function (k) { addRow(t, k, n[k]); });
    ["created_at", "deleted_at"].forEach(function (k) {
      addRow(t, k, n[k] ? n[k] + " (" + fmtTime(n[k]) + ")" : null);
    });
    addRow(t, "created_by_query_id", n.created_by_query_id);
    addRow(t, "previous_names", n.previous_names.length ? n.previous_names.join(", ") : null);
    panelBody.appendChild(t);
    panelBody.appendChild(el("h3", null, "properties"));
    var props = n.properties;
    try {
      props = JSON.stringify(JSON.parse(n.properties), null, 2);
    } catch (err) {
      props = n.properties;
    }
    panelBody.appendChild(el("pre", null, props));
    var ups = [], downs = [];
    (edgesOf[id] || []).forEach(function (i) {
      var e = DATA.edges[i];
      if (e.target_id === id) ups.push(i);
      if (e.source_id === id) downs.push(i);
    });
    panelBody.appendChild(el("h3", null, "upstream · " + ups.length));
    ups.forEach(function (i) {
      panelBody.appendChild(edgeBox(DATA.edges[i], DATA.edges[i].source_id));
    });
    panelBody.appendChild(el("h3", null, "downstream · " + downs.length));
    downs.forEach(function (i) {
      panelBody.appendChild(edgeBox(DATA.edges[i], DATA.edges[i].target_id));
    });
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  document.getElementById("close").addEventListener("click", function () { select(null); });

  function goTo(id) {
    resultsEl.hidden = true;
    if (cardIndex[id]) { select(id); centerOn(id); return; }
    if (groupOf[id]) { show(groupOf[id], id); return; }
    if (DATA.views.main && state.view !== "main") show("main", id);
  }

  function matches(n, q) {
    return [n.name, n.domain, label(n.domain), n.node_id, n.kind || ""].some(function (s) {
      return String(s).toLowerCase().indexOf(q) >= 0;
    });
  }
  function applySearch(list) {
    var q = searchEl.value.trim().toLowerCase();
    Object.keys(cardIndex).forEach(function (id) {
      var hit = !q;
      if (q && DATA.groups[id]) {
        hit = DATA.groups[id].members.some(function (m) { return matches(DATA.nodes[m], q); });
      } else if (q) {
        hit = matches(DATA.nodes[id], q);
      }
      cardIndex[id].classList.toggle("dim", !hit);
    });
    if (!list) return;
    resultsEl.textContent = "";
    if (!q) { resultsEl.hidden = true; return; }
    var found = Object.keys(DATA.nodes).filter(function (id) {
      return matches(DATA.nodes[id], q);
    });
    found.slice(0, 50).forEach(function (id) {
      var n = DATA.nodes[id];
      var text = label(n.domain) + " · " + n.name + (n.version ? " " + n.version : "");
      var b = el("button", "result", text);
      b.appendChild(el("small", null, qualifier(n)));
      b.addEventListener("click", function () { goTo(id); });
      resultsEl.appendChild(b);
    });
    if (!found.length) resultsEl.appendChild(el("div", "result none", "No match"));
    else if (found.length > 50) {
      resultsEl.appendChild(el("div", "result none", (found.length - 50) + " more…"));
    }
    resultsEl.hidden = false;
  }
  searchEl.addEventListener("input", function () { applySearch(true); });
  searchEl.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var first = resultsEl.querySelector("button.result");
      if (first) first.click();
    }
    if (ev.key === "Escape") { searchEl.value = ""; applySearch(true); searchEl.blur(); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target === searchEl) return;
    if (ev.key === "/") { ev.preventDefault(); searchEl.focus(); }
    else if (ev.key === "Escape") select(null);
    else if (ev.key === "+" || ev.key === "=") zoomCentre(1.25);
    else if (ev.key === "-") zoomCentre(0.8);
    else if (ev.key === "0") fit();
  });
  document.getElementById("zoom-in").addEventListener("click", function () { zoomCentre(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomCentre(0.8); });
  document.getElementById("fit").addEventListener("click", fit);
  // Until the reader pans or zooms, the picture follows the window (and a headless browser's
  // viewport, which settles after load).
  window.addEventListener("resize", function () { if (!state.touched) fit(); });
  backEl.addEventListener("click", function () { show("main"); });

  document.getElementById("stats").textContent =
    Object.keys(DATA.nodes).length + " objects · " + DATA.edges.length + " edges";
  document.body.setAttribute("data-ready", "true");
  // A link can name what to open: #view=<schema group id> or #node=<node_id>.
  var hash = decodeURIComponent(window.location.hash.slice(1));
  show(hash.indexOf("view=") === 0 && DATA.views[hash.slice(5)] ? hash.slice(5) : "main", null);
  if (hash.indexOf("node=") === 0 && DATA.nodes[hash.slice(5)]) goTo(hash.slice(5));
})();
"""

# Placeholders are replaced in one pass (render.py), so a name that happens to spell one of
# them cannot be substituted twice.
PAGE_TEMPLATE = (
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mlineage">
<title>@@TITLE@@</title>
<style>"""
    + PAGE_CSS
    + """@@DOMAIN_CSS@@</style>
</head>
<body>
<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
@@ICONS@@@@MARKERS@@</defs></svg>
<div id="canvas"><div id="world">
<svg id="links" xmlns="http://www.w3.org/2000/svg"></svg><div id="cards"></div>
</div></div>
<div id="toolbar">
<span class="brand">mlineage</span><span id="view-title"></span>
<div class="searchbox"><input id="search" type="search" autocomplete="off" spellcheck="false"
 placeholder="Search by name or domain  ( / )"><div id="results" hidden></div></div>
<button id="back" hidden>&larr; All schemas</button>
</div>
<div id="legend"><span id="stats"></span>
<span><span class="swatch data"></span>data</span>
<span><span class="swatch dependency"></span>dependency</span>
<span><span class="swatch clone"></span>clone</span>
<span><span class="chip deleted"></span>deleted</span>
<span><span class="chip masked"></span>masked</span>
</div>
<div id="controls"><button id="zoom-out" title="Zoom out (-)">&minus;</button>
<span id="zoom-level">100%</span><button id="zoom-in" title="Zoom in (+)">+</button>
<button id="fit" title="Fit (0)">Fit</button></div>
<aside id="panel" hidden><button id="close" class="close" title="Close (Esc)">&times;</button>
<div id="panel-body"></div></aside>
<script type="application/json" id="mlineage-data">@@DATA@@</script>
<script>"""
    + PAGE_JS
    + """</script>
</body>
</html>
"""
)

/* Draw a graph with vis-network and show a clicked node's properties: a document's graph
 * from the JSON API named in #graph[data-graph-url], or a saved query's result or an
 * enterprise's explanation path embedded in #graph[data-graph] (JSON in an attribute,
 * never a script; data-layout="levels" draws nodes in columns by their ``level``). On a
 * document's graph, #node-search finds nodes by name or ontology alias through the API
 * and adds a match that is not drawn yet next to its neighbours. A document's graph also
 * has filters (#graph-filters: chapter, theme, bureau, support form, node types; their
 * state is kept in the page's URL, so a view is a permalink), a "showing N of M" note when
 * the API capped the drawing (#graph-cap), a fit button (#graph-fit) and, in the details
 * panel, a button that adds a node's neighbours from #graph[data-neighbours-url]. Every
 * text from the data is set as text (textContent, vis-network string titles), never as
 * HTML. Nodes are styled, and the details panel's fields listed, by graph-style.js (loaded
 * first; shared with the standalone file). */
(function () {
  "use strict";

  var container = document.getElementById("graph");
  var style = window.policykgGraphStyle;
  if (!container || !window.vis || !window.vis.Network || !style) { return; }
  var messages = JSON.parse(container.getAttribute("data-messages") || "{}");
  var extra = JSON.parse(container.getAttribute("data-explore-messages") || "{}");
  Object.keys(extra).forEach(function (k) { messages[k] = extra[k]; });
  var baseUrl = container.getAttribute("data-graph-url");
  var neighboursUrl = container.getAttribute("data-neighbours-url");
  var embedded = container.getAttribute("data-graph");
  var statusEl = document.getElementById("graph-status");
  var filtersForm = document.getElementById("graph-filters");
  var capEl = document.getElementById("graph-cap");
  var fitButton = document.getElementById("graph-fit");
  var picker = document.getElementById("node-picker");
  var detailsBody = document.getElementById("details-body");
  var detailsHint = document.getElementById("details-hint");
  var searchInput = document.getElementById("node-search");
  var searchList = document.getElementById("search-results");
  var searchStatus = document.getElementById("search-status");
  var levels = container.getAttribute("data-layout") === "levels";
  var network = null;
  var visData = null;
  var data = null;
  var nodesById = {};
  var edgesById = {};
  var expanded = {};  // node id -> {shown, total} of its last neighbour expansion

  function setStatus(text) { statusEl.textContent = text; }

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, k) {
      return text.split("{" + k + "}").join(String(values[k]));
    }, template || "");
  }

  function toVisNode(n) {
    var node = style.visNode(n, data.types[n.label] || { name: n.label, colour: "#888888", shape: "dot" });
    if (levels && typeof n.level === "number") { node.level = n.level; }
    return node;
  }

  // An edge's tooltip: its type, and on explanation paths the level, the verdict's reason
  // and whether the holding is assumed.
  function edgeTitle(e, rt) {
    var p = e.properties || {};
    var parts = [rt.name];
    if (p.level) { parts.push(p.level); }
    if (p.assumed) { parts.push(messages.assumed || "assumed"); }
    if (p.reason) { parts.push(p.reason); }
    return parts.join(" · ");
  }

  function toVisEdge(e) {
    var rt = data.relationship_types[e.type] || { name: e.type };
    var p = e.properties || {};
    var unmet = p.verdict === "unmet";
    return {
      id: e.id, from: e.start, to: e.end, arrows: "to", title: edgeTitle(e, rt),
      width: p.lead || p.verdict === "met" ? 2.5 : 1,
      dashes: e.type === "HANDLES" || p.assumed === true || unmet,
      color: unmet ? { color: "#c0392b", highlight: "#d62728" }
        : p.assumed ? { color: "#2e7d32", highlight: "#d62728" }
        : { color: "#9aa5b1", highlight: "#d62728" }
    };
  }

  function showDetails(id) {
    var n = nodesById[id];
    style.clearDetails(detailsBody, detailsHint, Boolean(n));
    if (!n) { return; }
    var t = data.types[n.label] || { name: n.label, properties: [] };
    var h = document.createElement("h3");
    h.textContent = n.caption;
    detailsBody.appendChild(h);
    detailsBody.appendChild(detailActions(id));
    detailsBody.appendChild(style.fieldList(n, t, messages.node_type || "type"));
    var links = data.edges.filter(function (e) { return e.start === id || e.end === id; });
    if (links.length) {
      var h4 = document.createElement("h3");
      h4.textContent = messages.neighbours_heading || messages.relationships || "";
      detailsBody.appendChild(h4);
      var ul = document.createElement("ul");
      ul.className = "neighbour-list";
      links.forEach(function (e) {
        var otherId = e.start === id ? e.end : e.start;
        var other = nodesById[otherId];
        var li = document.createElement("li");
        var rt = data.relationship_types[e.type] || { name: e.type };
        li.appendChild(document.createTextNode((e.start === id ? "→ " : "← ") + rt.name + ": "));
        var link = document.createElement("button");
        link.type = "button";
        link.className = "link-button";
        link.setAttribute("data-node-id", otherId);
        link.textContent = other ? other.caption : otherId;
        link.addEventListener("click", function () { select(otherId); });
        li.appendChild(link);
        ul.appendChild(li);
      });
      detailsBody.appendChild(ul);
    }
    detailsBody.setAttribute("data-node-id", id);
    if (n.label === "Article") { showSource(id); }
  }

  // The article's source text with each measure's span highlighted, in place of the plain
  // text in the details list, then what each measure requires and provides. Everything is
  // set as text nodes and <mark> elements (never as HTML).
  function showSource(id) {
    fetch("/api/articles/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || detailsBody.getAttribute("data-node-id") !== id) { return; }
        var a = body.article;
        var p = detailsBody.querySelector("dd.long-text");
        if (p) {
          p.textContent = "";
          if (p.previousElementSibling) { p.previousElementSibling.textContent = messages.source_text || ""; }
        } else {
          var h = document.createElement("h3");
          h.textContent = messages.source_text || "";
          detailsBody.appendChild(h);
          p = document.createElement("p");
          detailsBody.appendChild(p);
        }
        p.classList.add("source-text");
        var pos = 0;
        a.measures.slice().sort(function (x, y) { return x.start - y.start; }).forEach(function (m) {
          if (m.start > pos) { p.appendChild(document.createTextNode(a.text.slice(pos, m.start))); }
          var mark = document.createElement("mark");
          mark.setAttribute("data-measure", String(m.seq));
          mark.title = (messages.measure_caption || "").replace("{seq}", String(m.seq));
          mark.textContent = a.text.slice(Math.max(pos, m.start), m.end);
          p.appendChild(mark);
          pos = Math.max(pos, m.end);
        });
        if (pos < a.text.length) { p.appendChild(document.createTextNode(a.text.slice(pos))); }
        var ul = document.createElement("ul");
        ul.className = "measure-facts";
        a.measures.forEach(function (m) {
          var li = document.createElement("li");
          li.setAttribute("data-measure", String(m.seq));
          var b = document.createElement("strong");
          b.textContent = (messages.measure_caption || "").replace("{seq}", String(m.seq));
          var quals = m.qualifications.map(function (q) { return q.level ? q.level + q.name : q.name; });
          li.appendChild(b);
          li.appendChild(document.createTextNode(" " + (messages.requires || "") + ": " + (quals.join("、") || "-") +
            "; " + (messages.provides || "") + ": " + (m.support_forms.join("、") || "-")));
          ul.appendChild(li);
        });
        var list = p.closest("dl") || p;
        list.parentNode.insertBefore(ul, list.nextSibling);
        detailsBody.setAttribute("data-source-shown", id);
      })
      .catch(function () { /* the details already shown stay useful */ });
  }

  // Legend entries (rendered from the ontology) only for the types in the drawing.
  function showLegendFor(nodes) {
    var present = {};
    nodes.forEach(function (n) { present[n.label] = true; });
    document.querySelectorAll(".legend li[data-label]").forEach(function (li) {
      li.hidden = !present[li.getAttribute("data-label")];
    });
  }

  function fillPicker() {
    if (!picker) { return; }
    while (picker.options.length > 1) { picker.remove(1); }
    var order = Object.keys(data.types);
    data.nodes.slice().sort(function (a, b) {
      return order.indexOf(a.label) - order.indexOf(b.label) || a.caption.localeCompare(b.caption, "zh");
    }).forEach(function (n) {
      var opt = document.createElement("option");
      opt.value = n.id;
      opt.textContent = (data.types[n.label] ? data.types[n.label].name + " · " : "") + n.caption;
      picker.appendChild(opt);
    });
  }

  // Free layout (force-directed) for documents and query results; columns by level, left
  // to right, for an explanation path.
  function layoutOptions() {
    if (levels) {
      return {
        physics: {
          solver: "hierarchicalRepulsion",
          hierarchicalRepulsion: { nodeDistance: 70, avoidOverlap: 0.8 },
          stabilization: { iterations: 200, updateInterval: 50 }
        },
        layout: { hierarchical: { direction: "LR", levelSeparation: 220, nodeSpacing: 50, sortMethod: "directed" } }
      };
    }
    return {
      physics: {
        solver: "forceAtlas2Based",
        forceAtlas2Based: { gravitationalConstant: -160, centralGravity: 0.012, springLength: 110,
                            avoidOverlap: 0.6 },
        stabilization: { iterations: 300, updateInterval: 50 }
      },
      layout: { randomSeed: 7 }  // the same picture on every visit
    };
  }

  function draw() {
    nodesById = {};
    edgesById = {};
    data.nodes.forEach(function (n) { nodesById[n.id] = n; });
    data.edges.forEach(function (e) { edgesById[e.id] = e; });
    if (network) { network.destroy(); }
    container.removeAttribute("data-node-count");
    visData = {
      nodes: new vis.DataSet(data.nodes.map(toVisNode)),
      edges: new vis.DataSet(data.edges.map(toVisEdge))
    };
    if (levels) {  // tall enough for the fullest column at a readable scale
      var perLevel = {};
      data.nodes.forEach(function (n) { perLevel[n.level] = (perLevel[n.level] || 0) + 1; });
      var fullest = Math.max.apply(null, Object.keys(perLevel).map(function (k) { return perLevel[k]; }));
      container.style.height = Math.max(380, Math.min(1100, 80 + 56 * fullest)) + "px";
    }
    var options = layoutOptions();
    options.interaction = { hover: true, tooltipDelay: 150 };
    options.nodes = { font: { face: "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif",
                              size: levels ? 18 : 14 } };
    options.edges = { smooth: false };
    network = new vis.Network(container, visData, options);
    container.policykgNetwork = network;  // for the browser test and for debugging
    expanded = {};
    showCap();
    if (!data.nodes.length) {  // nothing to lay out: no stabilisation event will come
      container.setAttribute("data-node-count", "0");
      container.setAttribute("data-edge-count", "0");
      setStatus("");
    }
    // Once laid out, freeze the layout (no CPU spent on physics) and say so on the container.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      if (levels) {  // fit() frames the nodes, not their labels: leave room for the outer captions
        network.fit();
        network.moveTo({ scale: network.getScale() * 0.85 });
      }
      network.once("afterDrawing", function () {
        container.setAttribute("data-node-count", String(data.nodes.length));
        container.setAttribute("data-edge-count", String(data.edges.length));
        setStatus("");
      });
      network.redraw();
    });
    network.on("selectNode", function (p) { showDetails(p.nodes[0]); if (picker) { picker.value = p.nodes[0]; } });
    network.on("deselectNode", function () { showDetails(null); if (picker) { picker.value = ""; } });
    fillPicker();
    showLegendFor(data.nodes);
    showDetails(null);
  }

  function load() {
    setStatus(messages.loading || "");
    if (embedded) {
      data = JSON.parse(embedded);
      draw();
      return;
    }
    var url = baseUrl + (baseUrl.indexOf("?") < 0 ? "?" : "&") + filterQuery(filterState, true);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) { data = body; showFilters(body); draw(); })
      .catch(function (err) { setStatus((messages.load_failed || "") + ": " + err.message); });
  }

  function select(id) {
    if (!network || !nodesById[id]) { return; }
    network.selectNodes([id]);
    network.focus(id, { scale: 1.1 });
    if (picker) { picker.value = id; }
    showDetails(id);
  }

  // --- details actions: focus, expand neighbours ------------------------------------------

  function detailActions(id) {
    var box = document.createElement("p");
    box.className = "detail-actions";
    var focus = document.createElement("button");
    focus.type = "button";
    focus.className = "button secondary";
    focus.id = "focus-node";
    focus.textContent = messages.focus_node || "focus";
    focus.addEventListener("click", function () { network.focus(id, { scale: 1.1, animation: false }); });
    box.appendChild(focus);
    if (neighboursUrl) {
      var more = document.createElement("button");
      more.type = "button";
      more.className = "button secondary";
      more.id = "expand-neighbours";
      more.textContent = messages.expand_neighbours || "expand";
      more.addEventListener("click", function () { expand(id, more); });
      box.appendChild(more);
    }
    if (expanded[id]) {
      var note = document.createElement("span");
      note.className = "muted neighbour-status";
      note.textContent = " " + fill(messages.neighbours_shown, expanded[id]);
      box.appendChild(note);
    }
    return box;
  }

  // Fetch a node's neighbours in the whole graph and add those not drawn yet.
  function expand(id, button) {
    button.disabled = true;
    var url = neighboursUrl.replace("__ID__", encodeURIComponent(id));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) {
        addElements(body);
        expanded[id] = { shown: body.shown, total: body.total };
        if (detailsBody.getAttribute("data-node-id") === id) { showDetails(id); }
        detailsBody.setAttribute("data-expanded", id);
      })
      .catch(function (err) {
        button.disabled = false;
        setStatus((messages.neighbours_failed || "") + ": " + err.message);
      });
  }

  // --- filters (document graph) -------------------------------------------------------------

  var FILTER_KEYS = ["chapter", "theme", "bureau", "support"];
  var DEFAULT_TYPES = ["PolicyDocument", "Chapter", "Article", "Bureau"];
  var filterState = { chapter: "", theme: "", bureau: "", support: "", types: DEFAULT_TYPES.slice() };
  var facetsShown = false;

  function filtersFromUrl() {
    var q = new URLSearchParams(window.location.search);
    var state = { types: q.get("types") ? q.get("types").split(",").filter(Boolean) : DEFAULT_TYPES.slice() };
    FILTER_KEYS.forEach(function (k) { state[k] = q.get(k) || ""; });
    if (/^(1|true|yes|on)$/i.test(q.get("measures") || "") && state.types.indexOf("Measure") < 0) {
      state.types.push("Measure");
    }
    return state;
  }

  function filtersFromControls() {
    var state = { types: [] };
    FILTER_KEYS.forEach(function (k) {
      var el = document.getElementById("filter-" + k);
      state[k] = el ? el.value : "";
    });
    filtersForm.querySelectorAll("input[name=types]").forEach(function (box) {
      if (box.checked) { state.types.push(box.value); }
    });
    return state;
  }

  // The query string of a filter state; ``full`` for the API (types always named), else
  // the page's permalink (defaults left out).
  function filterQuery(state, full) {
    var q = new URLSearchParams();
    FILTER_KEYS.forEach(function (k) { if (state[k]) { q.set(k, state[k]); } });
    if (full || state.types.join(",") !== DEFAULT_TYPES.join(",")) { q.set("types", state.types.join(",")); }
    return q.toString();
  }

  // Put the filters into the address bar (and into the language switch link), so that
  // reloading, bookmarking or switching language keeps the view.
  function rememberFilters() {
    var own = new URLSearchParams(filterQuery(filterState, false));
    var page = new URLSearchParams(window.location.search);
    ["measures", "types"].concat(FILTER_KEYS).forEach(function (k) { page.delete(k); });
    own.forEach(function (v, k) { page.set(k, v); });
    var text = page.toString();
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
    var sw = document.getElementById("lang-switch");
    if (sw) {
      var target = new URL(sw.getAttribute("href"), window.location.href);
      var lang = target.searchParams.get("lang");
      target.search = "";
      page.forEach(function (v, k) { if (k !== "lang") { target.searchParams.set(k, v); } });
      if (lang) { target.searchParams.set("lang", lang); }
      sw.setAttribute("href", target.pathname + target.search);
    }
  }

  function fillSelect(select, items, label) {
    while (select.options.length > 1) { select.remove(1); }
    items.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = item.id;
      opt.textContent = label(item);
      select.appendChild(opt);
    });
  }

  // Fill the filters' choices from the answer's facets (once) and set every control to the
  // filters the server applied.
  function showFilters(body) {
    if (!filtersForm || !body.facets) { return; }
    var f = body.facets;
    var count = function (item) {
      return fill(messages.filter_articles || "{caption}", { caption: item.caption, n: item.articles });
    };
    if (!facetsShown) {
      var themeName = {};
      f.themes.forEach(function (t) { themeName[t.id] = t.caption; });
      fillSelect(document.getElementById("filter-chapter"), f.chapters, function (c) {
        var themes = c.themes.map(function (t) { return themeName[t] || t; }).join("、");
        return count(c) + (themes ? " · " + themes : "");
      });
      fillSelect(document.getElementById("filter-theme"), f.themes, count);
      fillSelect(document.getElementById("filter-bureau"), f.bureaus, count);
      fillSelect(document.getElementById("filter-support"), f.support_forms, count);
      filtersForm.querySelectorAll("[data-type-filter]").forEach(function (label) {
        label.hidden = !f.types[label.getAttribute("data-type-filter")];
      });
      facetsShown = true;
    }
    var applied = body.filters;
    FILTER_KEYS.forEach(function (k) {
      var el = document.getElementById("filter-" + k);
      if (el) { el.value = applied[k] || ""; }
    });
    filtersForm.querySelectorAll("input[name=types]").forEach(function (box) {
      box.checked = applied.types.indexOf(box.value) >= 0;
    });
    filterState = { chapter: applied.chapter, theme: applied.theme, bureau: applied.bureau,
                    support: applied.support, types: applied.types.slice() };
    filtersForm.setAttribute("data-ready", "1");
  }

  // "Showing N of M" when the API drew fewer nodes than the filters keep.
  function showCap() {
    if (typeof data.total !== "number") { return; }
    container.setAttribute("data-total", String(data.total));
    container.setAttribute("data-shown", String(data.shown));
    if (!capEl) { return; }
    capEl.textContent = data.total > data.shown ? fill(messages.graph_capped, { shown: data.shown, total: data.total })
      : data.total === 0 ? (messages.graph_filtered_empty || "") : "";
    capEl.hidden = !capEl.textContent;
  }

  // --- search ---------------------------------------------------------------------------

  // Add the nodes and edges of a search or neighbours answer that are not drawn yet, each
  // placed near the drawn nodes it is linked to (the layout is frozen, so nothing else moves).
  function addElements(body) {
    var fresh = body.nodes.filter(function (n) { return !nodesById[n.id]; });
    var edges = body.edges.filter(function (e) { return !edgesById[e.id]; });
    if (!fresh.length && !edges.length) { return; }
    var placed = network.getPositions();
    var ids = Object.keys(placed);
    var centre = { x: 0, y: 0 };
    ids.forEach(function (k) { centre.x += placed[k].x / ids.length; centre.y += placed[k].y / ids.length; });
    var around = {};  // how many new nodes were put around each anchor so far
    var pending = fresh.slice();

    function anchorOf(n) {  // the middle of the placed nodes ``n`` is linked to, or null
      var near = body.edges.filter(function (e) { return e.start === n.id || e.end === n.id; })
        .map(function (e) { return placed[e.start === n.id ? e.end : e.start]; })
        .filter(Boolean);
      if (!near.length) { return null; }
      var x = 0, y = 0;
      near.forEach(function (p) { x += p.x / near.length; y += p.y / near.length; });
      return { x: x, y: y, key: Math.round(x) + "," + Math.round(y) };
    }

    var sharing = {};  // how many new nodes share each anchor (first round)
    pending.forEach(function (n) {
      var a = anchorOf(n);
      if (a) { sharing[a.key] = (sharing[a.key] || 0) + 1; }
    });
    while (pending.length) {
      var progress = false;
      pending = pending.filter(function (n) {
        var a = anchorOf(n);
        if (!a) { return true; }
        var k = around[a.key] || 0;
        var many = sharing[a.key] || 0;
        around[a.key] = k + 1;
        if (many > 6) {  // a node's neighbours: a ring around it, wider the more there are
          var r = Math.max(130, 10 * many);
          var t = 2 * Math.PI * k / many;
          placed[n.id] = { x: a.x + r * Math.cos(t), y: a.y + r * Math.sin(t) };
        } else {  // outwards from the middle of the drawing, fanned out when a few share an anchor
          var angle = (a.x === centre.x && a.y === centre.y ? 0 : Math.atan2(a.y - centre.y, a.x - centre.x)) +
            (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.5;
          placed[n.id] = { x: a.x + 110 * Math.cos(angle), y: a.y + 110 * Math.sin(angle) };
        }
        progress = true;
        return false;
      });
      if (!progress) {  // linked to nothing drawn: put them in the middle of the view
        var view = network.getViewPosition();
        pending.forEach(function (n, i) { placed[n.id] = { x: view.x + 40 * i, y: view.y }; });
        pending = [];
      }
    }
    fresh.forEach(function (n) {
      data.nodes.push(n);
      nodesById[n.id] = n;
      var v = toVisNode(n);
      v.x = placed[n.id].x;
      v.y = placed[n.id].y;
      visData.nodes.add(v);
    });
    edges.forEach(function (e) {
      data.edges.push(e);
      edgesById[e.id] = e;
      visData.edges.add(toVisEdge(e));
    });
    fillPicker();
    showLegendFor(data.nodes);
    container.setAttribute("data-node-count", String(data.nodes.length));
    container.setAttribute("data-edge-count", String(data.edges.length));
  }

  function showMatches(body) {
    searchList.textContent = "";
    searchStatus.textContent = !body.matches.length ? (messages.no_search_matches || "")
      : body.total > body.matches.length
        ? (messages.search_more || "").replace("{total}", String(body.total)).replace("{shown}", String(body.matches.length))
        : "";
    body.matches.forEach(function (m) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-node-id", m.id);
      button.textContent = m.caption;
      var small = document.createElement("small");
      small.textContent = m.type + (m.matched !== m.caption ? " · " + m.matched : "");
      button.appendChild(small);
      button.addEventListener("click", function () {
        addElements(body);
        select(m.id);
        searchList.hidden = true;  // out of the drawing's way; focusing the box shows it again
      });
      li.appendChild(button);
      searchList.appendChild(li);
    });
    searchList.hidden = !body.matches.length;
    searchList.setAttribute("data-query", body.q);
  }

  var searchTimer = null;
  var searchSeq = 0;

  function runSearch() {
    var q = searchInput.value.trim();
    searchSeq += 1;
    var seq = searchSeq;
    if (!q || !data) {
      searchList.textContent = "";
      searchList.hidden = true;
      searchList.removeAttribute("data-query");
      searchStatus.textContent = "";
      return;
    }
    var url = searchInput.getAttribute("data-search-url");
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (seq !== searchSeq) { return; }  // a later search is under way
        if (!body.ok) { throw new Error(body.error || ""); }
        showMatches(body);
      })
      .catch(function (err) {
        if (seq === searchSeq) { searchStatus.textContent = (messages.search_failed || "") + ": " + err.message; }
      });
  }

  if (searchInput && searchList && searchStatus) {
    searchInput.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 200);
    });
    searchInput.addEventListener("focus", function () {
      if (searchList.getAttribute("data-query") && searchList.childElementCount) { searchList.hidden = false; }
    });
    searchInput.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        var first = searchList.querySelector("button");
        if (first && searchList.getAttribute("data-query") === searchInput.value.trim()) { first.click(); }
      } else if (ev.key === "Escape") {
        searchInput.value = "";
        runSearch();
      }
    });
  }

  if (picker) {
    picker.addEventListener("change", function () { if (picker.value) { select(picker.value); } });
  }
  if (fitButton) {
    fitButton.addEventListener("click", function () {
      if (network) { network.fit({ animation: false }); }
    });
  }
  if (filtersForm) {
    filterState = filtersFromUrl();
    filtersForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
    filtersForm.addEventListener("change", function () {
      filterState = filtersFromControls();
      rememberFilters();
      load();
    });
    var reset = document.getElementById("filter-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        filterState = { chapter: "", theme: "", bureau: "", support: "", types: DEFAULT_TYPES.slice() };
        rememberFilters();
        load();
      });
    }
  }
  load();
}());

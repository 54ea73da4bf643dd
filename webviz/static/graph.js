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
  var egoUrl = container.getAttribute("data-ego-url");
  var edgeBox = document.getElementById("edge-filters");
  var egoBar = document.getElementById("ego-bar");
  var egoDepth = document.getElementById("ego-depth");
  var egoLabel = document.getElementById("ego-label");
  var egoLeave = document.getElementById("ego-leave");
  var pngButton = document.getElementById("export-png");
  var standaloneLink = document.getElementById("download-standalone");
  // A document's outline and an ego network are drawn in columns (graph-style.js), once,
  // with no physics; query results float (force-directed), explanation paths use levels.
  var layered = Boolean(baseUrl);
  var READABLE = 0.7;  // the smallest scale the first view of a layered drawing starts at
  var egoState = null;  // {id, depth} while an ego network is shown
  var hiddenTypes = {};  // relationship type -> true when the edge filter hides it
  var startQuery = new URLSearchParams(window.location.search);
  var pendingFocus = startQuery.get("node") ? { node: startQuery.get("node"), measure: startQuery.get("measure") } : null;
  var focusMeasure = pendingFocus;
  var searchHits = [];
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

  var levelOf = null;  // node id -> column, in a layered drawing

  function toVisNode(n) {
    var node = style.visNode(n, data.types[n.label] || { name: n.label, colour: "#888888", shape: "dot" });
    if (levels && typeof n.level === "number") { node.level = n.level; }
    if (levelOf && typeof levelOf[n.id] === "number") { node.level = levelOf[n.id]; }
    if (n.label === "Measure" && n.article) {  // "第19条·措施2" says which article, once far from it
      node.label = n.article.split(" ")[0] + "·" + n.caption;
    }
    if (levelOf) { style.boxed(node, data.types[n.label] || { shape: "dot", colour: "#888888" }); }
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
      id: e.id, from: e.start, to: e.end, arrows: "to", title: edgeTitle(e, rt), hidden: Boolean(hiddenTypes[e.type]),
      width: p.lead || p.verdict === "met" ? 2.5 : 1,
      dashes: e.type === "HANDLES" || p.assumed === true || unmet,
      color: unmet ? { color: "#c0392b", highlight: "#d62728" }
        : p.assumed ? { color: "#2e7d32", highlight: "#d62728" }
        : e.type === "RESPONSIBLE_FOR" || e.type === "HANDLES" ? { color: "#d5dbe1", highlight: "#d62728" }
        : { color: "#9aa5b1", highlight: "#d62728" }
    };
  }

  function showDetails(id) {
    var n = nodesById[id];
    style.clearDetails(detailsBody, detailsHint, Boolean(n));
    detailsBody.removeAttribute("data-neighbours-loaded");
    if (!n) { return; }
    var t = data.types[n.label] || { name: n.label, properties: [] };
    var h = document.createElement("h3");
    h.textContent = n.caption;
    detailsBody.appendChild(h);
    if (n.where) {
      var where = document.createElement("p");
      where.className = "details-context muted";
      where.textContent = n.where;
      detailsBody.appendChild(where);
    }
    detailsBody.appendChild(detailActions(id));
    detailsBody.appendChild(style.fieldList(n, t, messages.node_type || "type",
      { document: messages.field_document || "", article: messages.field_article || "" }));
    // the neighbours drawn now, at once; then every neighbour in the whole graph (below)
    var links = data.edges.filter(function (e) { return e.start === id || e.end === id; });
    var box = document.createElement("div");
    box.className = "neighbours";
    detailsBody.appendChild(box);
    if (links.length) {
      var byOther = {};
      links.forEach(function (e) {
        var other = e.start === id ? e.end : e.start;
        (byOther[other] = byOther[other] || []).push(e);
      });
      renderNeighbours(box, id, Object.keys(byOther).map(function (o) { return nodesById[o] || { id: o, caption: o }; }),
                       byOther, null);
    }
    detailsBody.setAttribute("data-node-id", id);
    if (neighboursUrl) { loadNeighbours(box, id); }
    if (n.label === "Article") { showSource(id); }
  }

  // The neighbour list of node ``id``: ``counts`` (per relationship type and direction, each
  // a button that draws those neighbours) when known, then one line per neighbour: the
  // relationship, its name (a button: select it, adding it to the drawing if it is not
  // there) and where it sits (article and document), never an internal id.
  function renderNeighbours(box, id, others, edgesOf, body) {
    box.textContent = "";
    var h = document.createElement("h3");
    h.textContent = messages.neighbours_heading || messages.relationships || "";
    if (body) { h.textContent += " (" + body.total + ")"; }
    box.appendChild(h);
    if (body && body.by_type && body.by_type.length) {
      var counts = document.createElement("ul");
      counts.className = "rel-counts";
      body.by_type.forEach(function (c) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button secondary";
        b.setAttribute("data-rel-type", c.type);
        b.setAttribute("data-direction", c.direction);
        b.title = messages.expand_type || "";
        b.textContent = (c.direction === "out" ? "→ " : "← ") + c.name + " (" + c.count + ")";
        b.addEventListener("click", function () { expand(id, b, c.type); });
        li.appendChild(b);
        counts.appendChild(li);
      });
      box.appendChild(counts);
    }
    var ul = document.createElement("ul");
    ul.className = "neighbour-list";
    others.forEach(function (other) {
      var li = document.createElement("li");
      var drawn = Boolean(nodesById[other.id]);
      if (!drawn) { li.className = "not-drawn"; }
      var names = (edgesOf[other.id] || []).map(function (e) {
        var rt = data.relationship_types[e.type] || { name: e.type };
        return (e.start === id ? "→ " : "← ") + rt.name;
      });
      li.appendChild(document.createTextNode((names.join(", ") || "") + ": "));
      var link = document.createElement("button");
      link.type = "button";
      link.className = "link-button";
      link.setAttribute("data-node-id", other.id);
      link.textContent = other.caption;
      link.addEventListener("click", function () {
        if (!nodesById[other.id]) {
          addElements({ nodes: [other], edges: edgesOf[other.id] || [] }, function () { select(other.id); });
        } else {
          select(other.id);
        }
      });
      li.appendChild(link);
      var t = data.types[other.label];
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = [t ? t.name : "", other.where || ""].filter(Boolean).join(" · ");
      li.appendChild(where);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (body && body.total > body.shown) {
      var more = document.createElement("p");
      more.className = "muted neighbour-more";
      more.textContent = fill(messages.neighbours_shown, { shown: body.shown, total: body.total });
      box.appendChild(more);
    }
  }

  // Every neighbour of ``id`` in the whole graph, with counts per relationship type.
  function loadNeighbours(box, id) {
    var url = neighboursUrl.replace("__ID__", encodeURIComponent(id));
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "limit=200", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.ok || detailsBody.getAttribute("data-node-id") !== id) { return; }
        var edgesOf = {};
        body.edges.forEach(function (e) {
          var other = e.start === id ? e.end : e.start;
          (edgesOf[other] = edgesOf[other] || []).push(e);
        });
        renderNeighbours(box, id, body.nodes.slice(1), edgesOf, body);
        detailsBody.setAttribute("data-neighbours-loaded", id);
      })
      .catch(function () { /* the drawn neighbours stay listed */ });
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
        if (focusMeasure && focusMeasure.node === id && focusMeasure.measure) {  // opened from a clause link
          var mark = p.querySelector('mark[data-measure="' + focusMeasure.measure + '"]');
          if (mark) {
            mark.classList.add("focused");
            mark.scrollIntoView({ block: "center" });
            detailsBody.setAttribute("data-measure-focused", focusMeasure.measure);
          }
          focusMeasure = null;
        }
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

  // Draw ``data`` anew; ``after`` runs once it is laid out and on screen.
  function draw(after) {
    nodesById = {};
    edgesById = {};
    data.nodes.forEach(function (n) { nodesById[n.id] = n; });
    data.edges.forEach(function (e) { edgesById[e.id] = e; });
    if (network) { network.destroy(); }
    container.removeAttribute("data-node-count");
    container.removeAttribute("data-physics");
    levelOf = null;
    if (layered) {
      if (egoState) {
        levelOf = {};
        data.nodes.forEach(function (n) { levelOf[n.id] = typeof n.level === "number" ? n.level : 1; });
      } else {
        levelOf = style.outlineLevels(data.nodes);
      }
    }
    var visNodes = data.nodes.map(toVisNode);
    visData = {
      nodes: new vis.DataSet(visNodes),
      edges: new vis.DataSet(data.edges.map(toVisEdge))
    };
    if (levels) {  // tall enough for the fullest column at a readable scale
      var perLevel = {};
      data.nodes.forEach(function (n) { perLevel[n.level] = (perLevel[n.level] || 0) + 1; });
      var fullest = Math.max.apply(null, Object.keys(perLevel).map(function (k) { return perLevel[k]; }));
      container.style.height = Math.max(380, Math.min(1100, 80 + 56 * fullest)) + "px";
    }
    var options = layered ? style.layeredOptions(visNodes, levelOf) : layoutOptions();
    options.interaction = { hover: true, tooltipDelay: 150 };
    options.nodes = { font: { face: "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif",
                              size: levels ? 18 : 14 } };
    if (!layered) { options.edges = { smooth: false }; }
    network = new vis.Network(container, visData, options);
    container.policykgNetwork = network;  // for the browser test and for debugging
    container.setAttribute("data-layout", layered ? "layered" : levels ? "levels" : "force");
    showCap();
    if (!data.nodes.length) {  // nothing to lay out: no stabilisation event will come
      container.setAttribute("data-node-count", "0");
      container.setAttribute("data-edge-count", "0");
      setStatus("");
    }
    function done() {
      container.setAttribute("data-node-count", String(data.nodes.length));
      container.setAttribute("data-edge-count", String(data.edges.length));
      container.setAttribute("data-physics", network.physics.options.enabled ? "running" : "stopped");
      setStatus("");
      if (after) { after(); }
    }
    if (layered) {
      // laid out in columns at once, no physics: frame the start of the drawing, readable
      network.once("afterDrawing", function () {
        frame();
        network.once("afterDrawing", done);
        network.redraw();
      });
    } else {
      // Once laid out, freeze the layout (no CPU spent on physics) and say so on the container.
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: false });
        if (levels) {  // fit() frames the nodes, not their labels: leave room for the outer captions
          network.fit();
          network.moveTo({ scale: network.getScale() * 0.85 });
        }
        network.once("afterDrawing", done);
        network.redraw();
      });
    }
    network.on("selectNode", function (p) { showDetails(p.nodes[0]); if (picker) { picker.value = p.nodes[0]; } });
    network.on("deselectNode", function () { showDetails(null); if (picker) { picker.value = ""; } });
    fillPicker();
    showLegendFor(data.nodes);
    showEdgeFilters();
    showDetails(null);
  }

  // The first view of a layered drawing: all of it when that is readable, else its top
  // at a readable scale (the columns left to right in view when they fit), so labels are
  // never specks; the fit button shows everything.
  function frame() {
    network.fit({ animation: false });
    var scale = network.getScale();
    if (scale >= READABLE || !data.nodes.length) { return; }
    var pos = network.getPositions();
    var xs = [], ys = [];
    Object.keys(pos).forEach(function (k) { xs.push(pos[k].x); ys.push(pos[k].y); });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs), minY = Math.min.apply(null, ys);
    var w = container.clientWidth, h = container.clientHeight;
    scale = Math.max(scale, Math.min(READABLE, (w - 40) / (maxX - minX + 320)));
    var x = (maxX - minX + 320) * scale <= w ? (minX + maxX) / 2 : minX + (w / 2 - 140) / scale;
    network.moveTo({ position: { x: x, y: minY + (h / 2 - 40) / scale }, scale: scale, animation: false });
  }

  function load() {
    setStatus(messages.loading || "");
    expanded = {};
    if (embedded) {
      data = JSON.parse(embedded);
      draw();
      return;
    }
    var url = egoState
      ? egoUrl.replace("__ID__", encodeURIComponent(egoState.id)) + (egoUrl.indexOf("?") < 0 ? "?" : "&") +
        "depth=" + egoState.depth
      : baseUrl + (baseUrl.indexOf("?") < 0 ? "?" : "&") + filterQuery(filterState, true);
    var ego = egoState;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) {
        if (ego !== egoState) { return; }  // the view changed while this answer came
        if (!ego) { showFilters(body); }
        data = body;
        showEgoBar();
        updateStandaloneLink();
        draw(function () {
          var focus = ego ? ego.id : pendingFocus && pendingFocus.node;
          pendingFocus = null;
          if (focus && nodesById[focus]) { select(focus); }
        });
      })
      .catch(function (err) { setStatus((messages.load_failed || "") + ": " + err.message); });
  }

  function select(id) {
    if (!network || !nodesById[id]) { return; }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false });
    if (picker) { picker.value = id; }
    showDetails(id);
  }

  // --- details actions: focus, ego network, expand neighbours ----------------------------

  function actionButton(id, text, handler) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary";
    b.id = id;
    b.textContent = text;
    b.addEventListener("click", function () { handler(b); });
    return b;
  }

  function detailActions(id) {
    var box = document.createElement("p");
    box.className = "detail-actions";
    box.appendChild(actionButton("focus-node", messages.focus_node || "focus", function () {
      network.focus(id, { scale: 1.1, animation: false });
    }));
    if (neighboursUrl) {
      box.appendChild(actionButton("expand-neighbours", messages.expand_neighbours || "expand", function (b) {
        expand(id, b, "");
      }));
    }
    if (egoUrl) {
      var label = document.createElement("label");
      label.textContent = (messages.ego_depth || "") + " ";
      var pick = document.createElement("select");
      pick.id = "ego-depth-pick";
      [1, 2, 3].forEach(function (d) {
        var opt = document.createElement("option");
        opt.value = String(d);
        opt.textContent = String(d);
        pick.appendChild(opt);
      });
      pick.value = egoState ? String(egoState.depth) : "1";
      label.appendChild(pick);
      box.appendChild(actionButton("show-ego", messages.ego_show || "ego", function () {
        showEgo(id, Number(pick.value));
      }));
      box.appendChild(label);
    }
    if (expanded[id]) {
      var note = document.createElement("span");
      note.className = "muted neighbour-status";
      note.textContent = " " + fill(messages.neighbours_shown, expanded[id]);
      box.appendChild(note);
    }
    return box;
  }

  // Fetch a node's neighbours in the whole graph (of relationship type ``rtype``, or all)
  // and add those not drawn yet.
  function expand(id, button, rtype) {
    button.disabled = true;
    var url = neighboursUrl.replace("__ID__", encodeURIComponent(id));
    url += (url.indexOf("?") < 0 ? "?" : "&") + "limit=200" + (rtype ? "&type=" + encodeURIComponent(rtype) : "");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) {
        expanded[id] = { shown: body.shown, total: body.total };
        addElements(body, function () {
          if (nodesById[id] && network) { network.selectNodes([id]); }
          if (detailsBody.getAttribute("data-node-id") === id || layered) { showDetails(id); }
          detailsBody.setAttribute("data-expanded", id + (rtype ? ":" + rtype : ""));
        });
      })
      .catch(function (err) {
        button.disabled = false;
        setStatus((messages.neighbours_failed || "") + ": " + err.message);
      });
  }

  // --- ego network --------------------------------------------------------------------------

  function showEgo(id, depth) {
    egoState = { id: id, depth: depth };
    rememberFilters();
    load();
  }

  function showEgoBar() {
    if (!egoBar) { return; }
    egoBar.hidden = !egoState;
    if (!egoState) { return; }
    var centre = data.nodes.filter(function (n) { return n.id === egoState.id; })[0];
    egoLabel.textContent = fill(messages.ego_heading || "{name}", { name: centre ? centre.caption : egoState.id,
                                                                   n: data.nodes.length });
    egoDepth.value = String(egoState.depth);
  }

  if (egoDepth) {
    egoDepth.addEventListener("change", function () {
      if (egoState) { showEgo(egoState.id, Number(egoDepth.value)); }
    });
  }
  if (egoLeave) {
    egoLeave.addEventListener("click", function () {
      egoState = null;
      rememberFilters();
      load();
    });
  }

  // --- edge filters, search hits, PNG and standalone exports -------------------------------

  // One checkbox per relationship type drawn, with its count; unticked types are hidden.
  function showEdgeFilters() {
    if (!edgeBox) { return; }
    var counts = {};
    data.edges.forEach(function (e) { counts[e.type] = (counts[e.type] || 0) + 1; });
    edgeBox.querySelectorAll("label").forEach(function (l) { l.remove(); });
    Object.keys(counts).sort().forEach(function (type) {
      var rt = data.relationship_types[type] || { name: type };
      var label = document.createElement("label");
      label.setAttribute("data-edge-type", type);
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = type;
      box.checked = !hiddenTypes[type];
      box.addEventListener("change", function () {
        if (box.checked) { delete hiddenTypes[type]; } else { hiddenTypes[type] = true; }
        visData.edges.update(data.edges.filter(function (e) { return e.type === type; })
          .map(function (e) { return { id: e.id, hidden: !box.checked }; }));
        countVisibleEdges();
        rememberFilters();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + rt.name + " (" + counts[type] + ")"));
      edgeBox.appendChild(label);
    });
    edgeBox.hidden = !Object.keys(counts).length;
    countVisibleEdges();
  }

  function countVisibleEdges() {
    container.setAttribute("data-visible-edges",
      String(data.edges.filter(function (e) { return !hiddenTypes[e.type]; }).length));
  }

  // Mark the drawn nodes a search found (a thick amber border), unmarking the last ones.
  function highlightHits(ids) {
    searchHits.forEach(function (id) { if (nodesById[id]) { visData.nodes.update(toVisNode(nodesById[id])); } });
    searchHits = ids.filter(function (id) { return nodesById[id]; });
    searchHits.forEach(function (id) {
      var v = toVisNode(nodesById[id]);
      v.borderWidth = 5;
      v.color.border = "#f59e0b";
      v.color.highlight.border = "#f59e0b";
      v.font = { color: v.font.color, background: "#fff3b0" };
      visData.nodes.update(v);
    });
    container.setAttribute("data-search-hits", searchHits.join(" "));
  }

  // The drawing as it is on screen, as a PNG on white (the canvas itself is transparent).
  function exportPng() {
    var canvas = container.querySelector("canvas");
    if (!canvas) { return; }
    var out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    var a = document.createElement("a");
    a.href = out.toDataURL("image/png");
    a.download = (container.getAttribute("data-file-name") || "policykg-graph") + ".png";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  if (pngButton) { pngButton.addEventListener("click", exportPng); }

  // The standalone file of the view: the same filters, hidden edge types and ego network.
  function updateStandaloneLink() {
    if (!standaloneLink) { return; }
    var base = standaloneLink.getAttribute("data-base") || standaloneLink.getAttribute("href").split("?")[0];
    standaloneLink.setAttribute("data-base", base);
    var q = new URLSearchParams(viewQuery(true));
    q.set("lang", document.documentElement.getAttribute("lang") === "en" ? "en" : "zh");
    standaloneLink.setAttribute("href", base + "?" + q.toString());
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
    (q.get("hide") || "").split(",").filter(Boolean).forEach(function (t) { hiddenTypes[t] = true; });
    var depth = Number(q.get("depth") || "1");
    if (q.get("ego") && egoUrl) { egoState = { id: q.get("ego"), depth: depth >= 1 && depth <= 3 ? depth : 1 }; }
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

  // The whole view as a query string: the filters, the hidden edge types and the ego network.
  function viewQuery(full) {
    var q = new URLSearchParams(filterQuery(filterState, full));
    var hide = Object.keys(hiddenTypes).sort();
    if (hide.length) { q.set("hide", hide.join(",")); }
    if (egoState) {
      q.set("ego", egoState.id);
      q.set("depth", String(egoState.depth));
    }
    return q.toString();
  }

  // Put the filters into the address bar (and into the language switch link), so that
  // reloading, bookmarking or switching language keeps the view.
  function rememberFilters() {
    var own = new URLSearchParams(viewQuery(false));
    var page = new URLSearchParams(window.location.search);
    ["measures", "types", "hide", "ego", "depth", "node", "measure"].concat(FILTER_KEYS).forEach(function (k) {
      page.delete(k);
    });
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
    updateStandaloneLink();
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

  // Add the nodes and edges of a search or neighbours answer that are not drawn yet, then
  // run ``after``. A layered drawing is laid out again in its columns (each new node in its
  // type's or distance's column); in a floating one each new node is placed near the drawn
  // nodes it is linked to (the layout is frozen, so nothing else moves).
  function addElements(body, after) {
    var fresh = body.nodes.filter(function (n) { return !nodesById[n.id]; });
    var edges = body.edges.filter(function (e) { return !edgesById[e.id]; });
    if (!fresh.length && !edges.length) {
      if (after) { after(); }
      return;
    }
    if (layered) {
      fresh.forEach(function (n) {
        if (egoState && typeof n.level !== "number") {  // one step further than what it links to
          var near = edges.filter(function (e) { return e.start === n.id || e.end === n.id; }).map(function (e) {
            var o = nodesById[e.start === n.id ? e.end : e.start];
            return o && typeof o.level === "number" ? o.level : 0;
          });
          n.level = near.length ? Math.min.apply(null, near) + 1 : 1;
        }
        data.nodes.push(n);
      });
      edges.forEach(function (e) { data.edges.push(e); });
      draw(after);
      return;
    }
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
    showEdgeFilters();
    container.setAttribute("data-node-count", String(data.nodes.length));
    container.setAttribute("data-edge-count", String(data.edges.length));
    if (after) { after(); }
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
        searchList.hidden = true;  // out of the drawing's way; focusing the box shows it again
        addElements(body, function () {
          highlightHits(body.matches.map(function (x) { return x.id; }));
          select(m.id);
        });
      });
      li.appendChild(button);
      searchList.appendChild(li);
    });
    searchList.hidden = !body.matches.length;
    searchList.setAttribute("data-query", body.q);
    highlightHits(body.matches.map(function (x) { return x.id; }));
  }

  var searchTimer = null;
  var searchSeq = 0;

  function runSearch() {
    var q = searchInput.value.trim();
    searchSeq += 1;
    var seq = searchSeq;
    if (!q || !data) {
      if (data && visData) { highlightHits([]); }
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
      egoState = null;
      filterState = filtersFromControls();
      rememberFilters();
      load();
    });
    var reset = document.getElementById("filter-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        filterState = { chapter: "", theme: "", bureau: "", support: "", types: DEFAULT_TYPES.slice() };
        egoState = null;
        hiddenTypes = {};
        rememberFilters();
        load();
      });
    }
  }
  load();
}());

/* Draw a graph with vis-network and show a clicked node's properties: a document's graph
 * from the JSON API named in #graph[data-graph-url], or a saved query's result or an
 * enterprise's explanation path embedded in #graph[data-graph] (JSON in an attribute,
 * never a script; data-layout="levels" draws nodes in columns by their ``level``). On a
 * document's graph, #node-search finds nodes by name or ontology alias through the API
 * and adds a match that is not drawn yet next to its neighbours. Every text from the data
 * is set as text (textContent, vis-network string titles), never as HTML. */
(function () {
  "use strict";

  var container = document.getElementById("graph");
  if (!container || !window.vis || !window.vis.Network) { return; }
  var messages = JSON.parse(container.getAttribute("data-messages") || "{}");
  var baseUrl = container.getAttribute("data-graph-url");
  var embedded = container.getAttribute("data-graph");
  var statusEl = document.getElementById("graph-status");
  var toggle = document.getElementById("toggle-measures");
  var picker = document.getElementById("node-picker");
  var detailsBody = document.getElementById("details-body");
  var detailsHint = document.getElementById("details-hint");
  var searchInput = document.getElementById("node-search");
  var searchList = document.getElementById("search-results");
  var searchStatus = document.getElementById("search-status");
  var levels = container.getAttribute("data-layout") === "levels";
  var INSIDE_LABEL = { box: true, ellipse: true, circle: true, database: true, text: true };
  var LABEL_LENGTH = { PolicyDocument: 80, Chapter: 34, Article: 24 };  // columns; full caption in the tooltip
  var network = null;
  var visData = null;
  var data = null;
  var nodesById = {};
  var edgesById = {};

  function setStatus(text) { statusEl.textContent = text; }

  function textColourOn(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) { return "#1d2733"; }
    var lum = 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16);
    return lum < 140 ? "#ffffff" : "#1d2733";
  }

  // Cut a label to ``max`` columns, a CJK character counting as two.
  function shorten(text, max) {
    var width = 0;
    for (var i = 0; i < text.length; i += 1) {
      width += text.charCodeAt(i) >= 0x2e80 ? 2 : 1;
      if (width > max) { return text.slice(0, i) + "…"; }
    }
    return text;
  }

  function toVisNode(n) {
    var t = data.types[n.label] || { name: n.label, colour: "#888888", shape: "dot" };
    var inside = INSIDE_LABEL[t.shape] === true;
    var node = {
      id: n.id,
      label: shorten(n.caption, LABEL_LENGTH[n.label] || 30),
      title: n.caption + "\n" + t.name,          // a string: vis-network shows it as text
      shape: t.shape,
      color: { background: t.colour, border: "#4a5562",
               highlight: { background: t.colour, border: "#d62728" },
               hover: { background: t.colour, border: "#d62728" } },
      font: { color: inside ? textColourOn(t.colour) : "#1d2733" },
      size: n.label === "Measure" ? 8 : 14
    };
    if (n.label === "PolicyDocument") { node.widthConstraint = { maximum: 220 }; }
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

  function addField(dl, label, value, long) {
    var dt = document.createElement("dt");
    dt.textContent = label;
    var dd = document.createElement("dd");
    dd.textContent = String(value);
    if (long) { dd.className = "long-text"; }
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function showDetails(id) {
    var n = nodesById[id];
    detailsBody.textContent = "";
    if (!n) {
      detailsHint.hidden = false;
      detailsBody.removeAttribute("data-node-id");
      return;
    }
    detailsHint.hidden = true;
    var t = data.types[n.label] || { name: n.label, properties: [] };
    var h = document.createElement("h3");
    h.textContent = n.caption;
    detailsBody.appendChild(h);
    var dl = document.createElement("dl");
    addField(dl, messages.node_type || "type", t.name, false);
    var shown = {};
    t.properties.forEach(function (pair) {
      var v = n.properties[pair[0]];
      shown[pair[0]] = true;
      if (pair[0] === "aliases" && typeof v === "string") { v = v.split("|").join("、"); }
      if (v !== undefined && v !== null && v !== "") { addField(dl, pair[1], v, pair[0] === "text"); }
    });
    Object.keys(n.properties).forEach(function (k) {
      if (!shown[k]) { addField(dl, k, n.properties[k], false); }
    });
    detailsBody.appendChild(dl);
    var links = data.edges.filter(function (e) { return e.start === id || e.end === id; });
    if (links.length) {
      var h4 = document.createElement("h3");
      h4.textContent = messages.relationships || "";
      detailsBody.appendChild(h4);
      var ul = document.createElement("ul");
      links.forEach(function (e) {
        var other = nodesById[e.start === id ? e.end : e.start];
        var li = document.createElement("li");
        var rt = data.relationship_types[e.type] || { name: e.type };
        li.textContent = (e.start === id ? "→ " : "← ") + rt.name + ": " + (other ? other.caption : "");
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
    var measures = toggle && toggle.checked ? "1" : "0";
    var url = baseUrl + (baseUrl.indexOf("?") < 0 ? "?" : "&") + "measures=" + measures;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) { data = body; draw(); })
      .catch(function (err) { setStatus((messages.load_failed || "") + ": " + err.message); });
  }

  function select(id) {
    if (!network || !nodesById[id]) { return; }
    network.selectNodes([id]);
    network.focus(id, { scale: 1.1 });
    if (picker) { picker.value = id; }
    showDetails(id);
  }

  // --- search ---------------------------------------------------------------------------

  // Add the nodes and edges of a search answer that are not drawn yet, each placed near
  // the drawn nodes it is linked to (the layout is frozen, so nothing else moves).
  function addFromSearch(body) {
    var fresh = body.nodes.filter(function (n) { return !nodesById[n.id]; });
    var edges = body.edges.filter(function (e) { return !edgesById[e.id]; });
    if (!fresh.length && !edges.length) { return; }
    var placed = network.getPositions();
    var ids = Object.keys(placed);
    var centre = { x: 0, y: 0 };
    ids.forEach(function (k) { centre.x += placed[k].x / ids.length; centre.y += placed[k].y / ids.length; });
    var around = {};  // how many new nodes were put around each anchor so far
    var pending = fresh.slice();
    while (pending.length) {
      var progress = false;
      pending = pending.filter(function (n) {
        var near = body.edges.filter(function (e) { return e.start === n.id || e.end === n.id; })
          .map(function (e) { return placed[e.start === n.id ? e.end : e.start]; })
          .filter(Boolean);
        if (!near.length) { return true; }
        var x = 0, y = 0;
        near.forEach(function (p) { x += p.x / near.length; y += p.y / near.length; });
        // Outwards from the middle of the drawing, fanned out when several share an anchor.
        var key = Math.round(x) + "," + Math.round(y);
        var k = around[key] || 0;
        around[key] = k + 1;
        var angle = (x === centre.x && y === centre.y ? 0 : Math.atan2(y - centre.y, x - centre.x)) +
          (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.5;
        placed[n.id] = { x: x + 110 * Math.cos(angle), y: y + 110 * Math.sin(angle) };
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
        addFromSearch(body);
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
  if (toggle) { toggle.addEventListener("change", load); }
  load();
}());

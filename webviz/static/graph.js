/* Draw a graph with vis-network and show a clicked node's properties: a document's graph
 * from the JSON API named in #graph[data-graph-url], or a saved query's result embedded
 * in #graph[data-graph] (JSON in an attribute, never a script). Every text from the data
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
  var INSIDE_LABEL = { box: true, ellipse: true, circle: true, database: true, text: true };
  var LABEL_LENGTH = { PolicyDocument: 80, Chapter: 34, Article: 24 };  // columns; full caption in the tooltip
  var network = null;
  var data = null;
  var nodesById = {};

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
    return node;
  }

  function toVisEdge(e) {
    var rt = data.relationship_types[e.type] || { name: e.type };
    return {
      id: e.id, from: e.start, to: e.end, arrows: "to", title: rt.name,
      width: e.properties && e.properties.lead ? 2.5 : 1,
      dashes: e.type === "HANDLES",
      color: { color: "#9aa5b1", highlight: "#d62728" }
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

  // The article's source text with each measure's span highlighted, then what each
  // measure requires and provides. Everything is set as text (never as HTML).
  function showSource(id) {
    fetch("/api/articles/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || detailsBody.getAttribute("data-node-id") !== id) { return; }
        var a = body.article;
        var h = document.createElement("h3");
        h.textContent = messages.source_text || "";
        detailsBody.appendChild(h);
        var p = document.createElement("p");
        p.className = "source-text";
        var pos = 0;
        a.measures.slice().sort(function (x, y) { return x.start - y.start; }).forEach(function (m) {
          if (m.start > pos) { p.appendChild(document.createTextNode(a.text.slice(pos, m.start))); }
          var mark = document.createElement("mark");
          mark.setAttribute("data-measure", String(m.seq));
          mark.title = (messages.measure_caption || "").replace("{seq}", String(m.seq));
          mark.textContent = a.text.slice(m.start, m.end);
          p.appendChild(mark);
          pos = Math.max(pos, m.end);
        });
        if (pos < a.text.length) { p.appendChild(document.createTextNode(a.text.slice(pos))); }
        detailsBody.appendChild(p);
        var ul = document.createElement("ul");
        ul.className = "measure-facts";
        a.measures.forEach(function (m) {
          var li = document.createElement("li");
          var quals = m.qualifications.map(function (q) { return q.level ? q.level + q.name : q.name; });
          li.textContent = (messages.measure_caption || "").replace("{seq}", String(m.seq)) + " — " +
            (messages.requires || "") + ": " + (quals.join("、") || "-") + "; " +
            (messages.provides || "") + ": " + (m.support_forms.join("、") || "-");
          ul.appendChild(li);
        });
        detailsBody.appendChild(ul);
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

  function draw() {
    nodesById = {};
    data.nodes.forEach(function (n) { nodesById[n.id] = n; });
    if (network) { network.destroy(); }
    container.removeAttribute("data-node-count");
    var visData = {
      nodes: new vis.DataSet(data.nodes.map(toVisNode)),
      edges: new vis.DataSet(data.edges.map(toVisEdge))
    };
    network = new vis.Network(container, visData, {
      physics: {
        solver: "forceAtlas2Based",
        forceAtlas2Based: { gravitationalConstant: -160, centralGravity: 0.012, springLength: 110,
                            avoidOverlap: 0.6 },
        stabilization: { iterations: 300, updateInterval: 50 }
      },
      layout: { randomSeed: 7 },  // the same picture on every visit
      interaction: { hover: true, tooltipDelay: 150 },
      nodes: { font: { face: "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif", size: 14 } },
      edges: { smooth: false }
    });
    container.policykgNetwork = network;  // for the browser test and for debugging
    // Once laid out, freeze the layout (no CPU spent on physics) and say so on the container.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      network.once("afterDrawing", function () {
        container.setAttribute("data-node-count", String(data.nodes.length));
        container.setAttribute("data-edge-count", String(data.edges.length));
        setStatus("");
      });
      network.redraw();
    });
    network.on("selectNode", function (p) { showDetails(p.nodes[0]); picker.value = p.nodes[0]; });
    network.on("deselectNode", function () { showDetails(null); picker.value = ""; });
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

  picker.addEventListener("change", function () {
    if (!network || !picker.value) { return; }
    network.selectNodes([picker.value]);
    network.focus(picker.value, { scale: 1.1 });
    showDetails(picker.value);
  });
  if (toggle) { toggle.addEventListener("change", load); }
  load();
}());

/* Draw the graph inlined in #graph-data with vis-network (also inlined): the standalone
 * file of webviz/standalone.py, opened from disk with no network. Clicking a node shows its
 * properties and links. Every text from the data is set as text (textContent, vis-network
 * string titles), never as HTML. #graph gets data-node-count once the drawing is done. */
(function () {
  "use strict";

  var container = document.getElementById("graph");
  var statusEl = document.getElementById("graph-status");
  var detailsBody = document.getElementById("details-body");
  var detailsHint = document.getElementById("details-hint");
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var messages = JSON.parse(document.getElementById("graph-messages").textContent);
  var INSIDE_LABEL = { box: true, ellipse: true, circle: true, database: true, text: true };
  var LABEL_LENGTH = { PolicyDocument: 80, Chapter: 34, Article: 24 };
  var nodesById = {};
  var network = null;

  function setStatus(text) { statusEl.textContent = text; }

  if (!window.vis || !window.vis.Network) {
    setStatus(messages.load_failed || "");
    return;
  }

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

  function typeOf(label) {
    return data.types[label] || { name: label, colour: "#888888", shape: "dot", properties: [] };
  }

  function toVisNode(n) {
    var t = typeOf(n.label);
    var caption = String(n.caption);
    var node = {
      id: n.id,
      label: shorten(caption, LABEL_LENGTH[n.label] || 30),
      title: caption + "\n" + t.name,  // a string: vis-network shows it as text
      shape: t.shape,
      color: { background: t.colour, border: "#4a5562",
               highlight: { background: t.colour, border: "#d62728" },
               hover: { background: t.colour, border: "#d62728" } },
      font: { color: INSIDE_LABEL[t.shape] === true ? textColourOn(t.colour) : "#1d2733" },
      size: n.label === "Measure" ? 8 : 14
    };
    if (n.label === "PolicyDocument") { node.widthConstraint = { maximum: 220 }; }
    return node;
  }

  function toVisEdge(e) {
    var rt = data.relationship_types[e.type] || { name: e.type };
    var p = e.properties || {};
    return {
      id: e.id, from: e.start, to: e.end, arrows: "to", title: String(rt.name),
      width: p.lead ? 2.5 : 1, dashes: e.type === "HANDLES",
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
    var t = typeOf(n.label);
    var h = document.createElement("h3");
    h.textContent = n.caption;
    detailsBody.appendChild(h);
    var dl = document.createElement("dl");
    addField(dl, messages.node_type || "", t.name, false);
    var shown = {};
    (t.properties || []).forEach(function (pair) {
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
      var h3 = document.createElement("h3");
      h3.textContent = messages.relationships || "";
      detailsBody.appendChild(h3);
      var ul = document.createElement("ul");
      links.forEach(function (e) {
        var otherId = e.start === id ? e.end : e.start;
        var other = nodesById[otherId];
        var rt = data.relationship_types[e.type] || { name: e.type };
        var li = document.createElement("li");
        li.appendChild(document.createTextNode((e.start === id ? "→ " : "← ") + rt.name + ": "));
        var link = document.createElement("button");
        link.type = "button";
        link.className = "link-button";
        link.textContent = other ? other.caption : otherId;
        link.addEventListener("click", function () {
          network.selectNodes([otherId]);
          network.focus(otherId, { scale: 1.2, animation: false });
          showDetails(otherId);
        });
        li.appendChild(link);
        ul.appendChild(li);
      });
      detailsBody.appendChild(ul);
    }
    detailsBody.setAttribute("data-node-id", id);
  }

  data.nodes.forEach(function (n) { nodesById[n.id] = n; });
  var options = {
    physics: {
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -160, centralGravity: 0.012, springLength: 110, avoidOverlap: 0.6 },
      stabilization: { iterations: 300, updateInterval: 50 }
    },
    layout: { randomSeed: 7 },
    interaction: { hover: true, tooltipDelay: 150 },
    nodes: { font: { face: "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif", size: 14 } },
    edges: { smooth: false }
  };
  network = new vis.Network(container, {
    nodes: new vis.DataSet(data.nodes.map(toVisNode)),
    edges: new vis.DataSet(data.edges.map(toVisEdge))
  }, options);
  container.policykgNetwork = network;  // for the browser test and for debugging
  function done() {
    network.once("afterDrawing", function () {
      container.setAttribute("data-node-count", String(data.nodes.length));
      container.setAttribute("data-edge-count", String(data.edges.length));
      setStatus("");
    });
    network.redraw();
  }
  if (!data.nodes.length) {
    done();
  } else {
    // Once laid out, freeze the layout: no CPU spent on physics while the file is open.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      done();
    });
  }
  network.on("selectNode", function (p) { showDetails(p.nodes[0]); });
  network.on("deselectNode", function () { showDetails(null); });
  showDetails(null);
}());

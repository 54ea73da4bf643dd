/* Draw the graph inlined in #graph-data with vis-network (also inlined): the standalone
 * file of webviz/standalone.py, opened from disk with no network. Clicking a node shows its
 * properties and links. Every text from the data is set as text (textContent, vis-network
 * string titles), never as HTML. #graph gets data-node-count once the drawing is done.
 * Nodes are styled, and the details panel's fields listed, by static/graph-style.js,
 * inlined just before this script (window.policykgGraphStyle), as on the app's pages. */
(function () {
  "use strict";

  var container = document.getElementById("graph");
  var statusEl = document.getElementById("graph-status");
  var detailsBody = document.getElementById("details-body");
  var detailsHint = document.getElementById("details-hint");
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var messages = JSON.parse(document.getElementById("graph-messages").textContent);
  var style = window.policykgGraphStyle;
  var nodesById = {};
  var network = null;

  function setStatus(text) { statusEl.textContent = text; }

  if (!window.vis || !window.vis.Network) {
    setStatus(messages.load_failed || "");
    return;
  }

  function typeOf(label) {
    return data.types[label] || { name: label, colour: "#888888", shape: "dot", properties: [] };
  }

  function toVisNode(n) { return style.visNode(n, typeOf(n.label)); }

  function toVisEdge(e) {
    var rt = data.relationship_types[e.type] || { name: e.type };
    var p = e.properties || {};
    return {
      id: e.id, from: e.start, to: e.end, arrows: "to", title: String(rt.name),
      width: p.lead ? 2.5 : 1, dashes: e.type === "HANDLES",
      color: { color: "#9aa5b1", highlight: "#d62728" }
    };
  }

  function showDetails(id) {
    var n = nodesById[id];
    style.clearDetails(detailsBody, detailsHint, Boolean(n));
    if (!n) { return; }
    var h = document.createElement("h3");
    h.textContent = n.caption;
    detailsBody.appendChild(h);
    detailsBody.appendChild(style.fieldList(n, typeOf(n.label), messages.node_type || ""));
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

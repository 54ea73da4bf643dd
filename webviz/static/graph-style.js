/* What every drawing of the graph shares: the look of a node in vis-network and the field
 * list of the details panel. Loaded before static/graph.js on the app's pages and inlined
 * before templates/standalone/graph.js in the standalone file (webviz/standalone.py), both
 * of which use it as window.policykgGraphStyle. Every text from the data is set as text
 * (textContent, vis-network string titles), never as HTML. */
(function () {
  "use strict";

  var INSIDE_LABEL = { box: true, ellipse: true, circle: true, database: true, text: true };
  var LABEL_LENGTH = { PolicyDocument: 80, Chapter: 34, Article: 24 };  // columns; full caption in the tooltip

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

  // The vis-network node for node ``n`` of type ``t`` (name, colour, shape): a short label,
  // the full caption and the type's name as its tooltip, in the type's colour and shape.
  function visNode(n, t) {
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

  function addField(dl, label, value, long) {
    var dt = document.createElement("dt");
    dt.textContent = label;
    var dd = document.createElement("dd");
    dd.textContent = String(value);
    if (long) { dd.className = "long-text"; }
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  // Empty the details panel (#details-body) and show its hint when no node is shown; a
  // shown node's id goes in data-node-id once its details are in (the caller sets it).
  function clearDetails(body, hint, nodeShown) {
    body.textContent = "";
    hint.hidden = nodeShown;
    if (!nodeShown) { body.removeAttribute("data-node-id"); }
  }

  // The <dl> of node ``n``'s details: its type (under ``typeCaption``), then its type's
  // properties in order under their names (article text marked long), then any others.
  function fieldList(n, t, typeCaption) {
    var dl = document.createElement("dl");
    addField(dl, typeCaption, t.name, false);
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
    return dl;
  }

  window.policykgGraphStyle = { visNode: visNode, clearDetails: clearDetails, fieldList: fieldList };
}());

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
      title: caption + (n.where ? "\n" + n.where : "") + "\n" + t.name,  // a string: shown as text
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

  // Properties that are internal ids: the details panel names the document and article
  // instead (the node's ``document``/``article`` captions, webviz.graphview.add_context).
  var INTERNAL = { id: true, document_id: true, article_id: true, register_id: true, metrics_id: true,
                   bureau_type_id: true };

  // Layers of a document's outline, left to right: document, chapter, article, measure; the
  // bureaus and concepts (qualifications, forms of support, themes...) after the last drawn.
  var RANK = { PolicyDocument: 0, Chapter: 1, Article: 2, Measure: 3 };

  function rankOf(label, lastRank) { return RANK.hasOwnProperty(label) ? RANK[label] : lastRank + 1; }

  // The level of every node of ``nodes`` (label -> layer, closed up so no layer is empty).
  function outlineLevels(nodes) {
    var last = -1;
    nodes.forEach(function (n) { if (RANK.hasOwnProperty(n.label)) { last = Math.max(last, RANK[n.label]); } });
    var raw = nodes.map(function (n) { return rankOf(n.label, last); });
    var used = raw.filter(function (r, i) { return raw.indexOf(r) === i; }).sort(function (a, b) { return a - b; });
    var levels = {};
    nodes.forEach(function (n, i) { levels[n.id] = used.indexOf(raw[i]); });
    return levels;
  }

  // Width in px of a drawn label (14px font: a CJK character 14px, others about 8px).
  function labelWidth(text) {
    var w = 0;
    for (var i = 0; i < text.length; i += 1) { w += text.charCodeAt(i) >= 0x2e80 ? 14 : 8; }
    return w;
  }

  // vis-network options for columns left to right (``levels``: node id -> column), with no
  // physics: the layered layout is computed once and nothing moves afterwards. Columns are
  // set apart by the widest labels of two neighbouring columns, so no label overlaps the
  // next column; rows are far enough apart for a label under a dot.
  function layeredOptions(visNodes, levels) {
    var widest = {};
    visNodes.forEach(function (v) {
      var lv = levels[v.id] || 0;
      var w = Math.min(labelWidth(String(v.label || "")), v.widthConstraint ? v.widthConstraint.maximum : 400) + 24;
      widest[lv] = Math.max(widest[lv] || 0, w);
    });
    var sep = 160;
    Object.keys(widest).forEach(function (k) {
      var next = widest[Number(k) + 1];
      if (next) { sep = Math.max(sep, widest[k] / 2 + next / 2 + 60); }
    });
    return {
      physics: { enabled: false },
      layout: { hierarchical: { enabled: true, direction: "LR", sortMethod: "directed", shakeTowards: "roots",
                                levelSeparation: Math.min(sep, 520), nodeSpacing: 42, treeSpacing: 60,
                                blockShifting: true, edgeMinimization: true, parentCentralization: true } },
      edges: { smooth: { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.45 } }
    };
  }

  // Symbols for the shapes whose label vis-network draws underneath (dot, diamond, star...).
  var SYMBOL = { dot: "●", diamond: "◆", star: "★", triangle: "▲", triangleDown: "▼", square: "■",
                 hexagon: "⬢" };

  // In a layered drawing every node is a box with its label inside (the shape's symbol in
  // front, in the type's colour): a label under a shape would run into the node below it.
  function boxed(node, t) {
    if (INSIDE_LABEL[t.shape] === true) { return node; }
    node.shape = "box";
    node.label = (SYMBOL[t.shape] || "●") + " " + node.label;
    node.font = { color: textColourOn(t.colour) };
    node.margin = { top: 4, bottom: 4, left: 6, right: 6 };
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
  function fieldList(n, t, typeCaption, where) {
    var dl = document.createElement("dl");
    addField(dl, typeCaption, t.name, false);
    if (where && n.document) { addField(dl, where.document, n.document, false); }
    if (where && n.article) { addField(dl, where.article, n.article, false); }
    var shown = {};
    Object.keys(INTERNAL).forEach(function (k) { shown[k] = true; });
    (t.properties || []).forEach(function (pair) {
      var v = n.properties[pair[0]];
      if (shown[pair[0]]) { return; }
      shown[pair[0]] = true;
      if (pair[0] === "aliases" && typeof v === "string") { v = v.split("|").join("、"); }
      if (v !== undefined && v !== null && v !== "") { addField(dl, pair[1], v, pair[0] === "text"); }
    });
    Object.keys(n.properties).forEach(function (k) {
      if (!shown[k]) { addField(dl, k, n.properties[k], false); }
    });
    return dl;
  }

  window.policykgGraphStyle = { visNode: visNode, clearDetails: clearDetails, fieldList: fieldList,
                                outlineLevels: outlineLevels, layeredOptions: layeredOptions, boxed: boxed };
}());

/* Which qualifications unlock which supports: a matrix drawn with Apache ECharts (vendored)
 * from /api/unlocks (webviz/unlocks.py). Rows are qualifications (most measures first), the
 * columns of each panel forms of support, a cell the number of measures that require the
 * one and provide the other. Two or more districts chosen: one panel each, side by side,
 * with the same rows, so a row reads across districts. A click on a cell, a row's name or a
 * column's name lists the clauses below (document, article, the measure's own text, what it
 * requires and provides) with a link to the article's source with the measure marked.
 *
 * Filters live in the page's URL (a view is a permalink). Every text from the data is set
 * as text (textContent; tooltips are DOM elements built here, never HTML strings, which
 * the CSP would also refuse for their inline styles). */
(function () {
  "use strict";

  var box = document.getElementById("unlocks-chart");
  if (!box || !window.echarts) { return; }
  var messages = JSON.parse(box.getAttribute("data-messages") || "{}");
  var apiUrl = box.getAttribute("data-api-url");
  var maxPanels = Number(box.getAttribute("data-max-panels") || "4");
  var form = document.getElementById("unlocks-filters");
  var summary = document.getElementById("unlocks-summary");
  var districtsBox = document.getElementById("unlocks-districts");
  var themeSelect = document.getElementById("unlocks-theme");
  var levelSelect = document.getElementById("unlocks-level");
  var asOfInput = document.getElementById("unlocks-as-of");
  var rowsSelect = document.getElementById("unlocks-rows");
  var clauseList = document.getElementById("unlocks-clause-list");
  var clauseHeading = document.getElementById("unlocks-clauses-heading");
  var clauseHint = document.getElementById("unlocks-clauses-hint");
  var FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif";
  var CELL = 30;      // px per row and at least per column
  var TOP = 150;      // room above the cells for the panels' names and the slanted column names
  var GAP = 28;       // between panels
  var chart = null;
  var inner = null;
  var data = null;
  var shownRows = [];
  var seq = 0;

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, k) {
      return text.split("{" + k + "}").join(String(values[k]));
    }, template || "");
  }

  // Width of a label in px at ~12px, a CJK character counting as one em.
  function textWidth(text) {
    var w = 0;
    for (var i = 0; i < text.length; i += 1) { w += text.charCodeAt(i) >= 0x2e80 ? 12.5 : 7; }
    return w;
  }

  // --- filters <-> URL -----------------------------------------------------------------------

  function pageQuery() { return new URLSearchParams(window.location.search); }

  function filtersFromControls() {
    var q = new URLSearchParams();
    districtsBox.querySelectorAll("input[name=district]:checked").forEach(function (c) { q.append("district", c.value); });
    if (themeSelect.value) { q.set("theme", themeSelect.value); }
    if (levelSelect.value) { q.set("level", levelSelect.value); }
    q.set("as_of", asOfInput.value);
    if (rowsSelect.value !== "20") { q.set("rows", rowsSelect.value); }
    var lang = pageQuery().get("lang");
    if (lang) { q.set("lang", lang); }
    return q;
  }

  function remember(q) {
    var text = q.toString();
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
    var sw = document.getElementById("lang-switch");
    if (sw) {
      var target = new URL(sw.getAttribute("href"), window.location.href);
      var lang = target.searchParams.get("lang");
      target.search = "";
      q.forEach(function (v, k) { if (k !== "lang") { target.searchParams.append(k, v); } });
      if (lang) { target.searchParams.set("lang", lang); }
      sw.setAttribute("href", target.pathname + target.search);
    }
  }

  function fillSelect(select, items, value) {
    while (select.options.length > 1) { select.remove(1); }
    items.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = item.id;
      opt.textContent = item.name + " (" + item.measures + ")";
      select.appendChild(opt);
    });
    select.value = value || "";
  }

  function showFilters(body) {
    var f = body.facets;
    var chosen = body.filters.districts;
    districtsBox.querySelectorAll("label").forEach(function (l) { l.remove(); });
    f.districts.forEach(function (d) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.name = "district";
      input.value = d.id;
      input.checked = chosen.indexOf(d.id) >= 0;
      label.setAttribute("data-district", d.id);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + d.name + " (" + d.measures + ")"));
      districtsBox.appendChild(label);
    });
    // no more than maxPanels side by side: the others wait until one is unticked
    var full = chosen.length >= maxPanels;
    districtsBox.querySelectorAll("input[name=district]").forEach(function (c) { c.disabled = full && !c.checked; });
    fillSelect(themeSelect, f.themes, body.filters.theme);
    fillSelect(levelSelect, f.levels, body.filters.level);
    asOfInput.value = body.filters.as_of;
    form.setAttribute("data-ready", "1");
  }

  // --- the matrix ------------------------------------------------------------------------------

  function rowLimit() {
    var v = rowsSelect.value;
    return v === "all" ? Infinity : Number(v) || 20;
  }

  function tooltipFor(panel, p) {
    var el = document.createElement("div");
    el.className = "unlocks-tip";
    var q = shownRows[p.value[1]];
    var f = panel.forms[p.value[0]];
    var h = document.createElement("strong");
    h.textContent = q.name + " → " + f.name;
    el.appendChild(h);
    var lines = [];
    if (panel.district) { lines.push(panel.label); }
    lines.push(fill(messages.measures_n, { n: p.value[2] }));
    var most = cellMost(p.value[3]);
    if (most) { lines.push(most); }
    lines.forEach(function (t) {
      var div = document.createElement("div");
      div.textContent = t;
      el.appendChild(div);
    });
    return el;
  }

  // The amounts the cell's measures name, e.g. "最高300万元、最高50万元" (first three).
  function cellMost(ids) {
    var seen = {};
    var out = [];
    (ids || []).forEach(function (id) {
      (data.measures[id].provides || []).forEach(function (p) {
        if (p.amount && !seen[p.amount]) { seen[p.amount] = true; out.push(p.amount); }
      });
    });
    return out.length ? out.slice(0, 3).join("、") + (out.length > 3 ? "…" : "") : "";
  }

  // A column's name: the form of support, its measures, and the largest sum its clauses name.
  function formLabel(f) {
    return f.name + " (" + f.measures + ")" + (f.most ? "\n" + f.most : "");
  }

  function draw() {
    var rows = data.qualifications.slice(0, rowLimit());
    shownRows = rows;
    var rowIndex = rows.length;
    var labelWidth = Math.min(300, Math.max(120, Math.max.apply(null, [0].concat(rows.map(function (q) {
      return textWidth(q.name + " (" + q.measures + ")");
    }))) + 16));
    var colCount = data.panels.reduce(function (n, p) { return n + Math.max(1, p.forms.length); }, 0);
    var avail = box.clientWidth - labelWidth - 24 - GAP * (data.panels.length - 1);
    var cell = Math.max(CELL, Math.floor(avail / Math.max(1, colCount)));
    cell = Math.min(cell, 90);
    var width = labelWidth + 24 + cell * colCount + GAP * (data.panels.length - 1);
    var height = TOP + CELL * Math.max(1, rowIndex) + 20;
    if (!inner) {
      inner = document.createElement("div");
      inner.className = "unlocks-inner";
      box.appendChild(inner);
    }
    inner.style.width = Math.max(width, 300) + "px";  // CSSOM, which the CSP allows
    inner.style.height = height + "px";
    if (chart) { chart.dispose(); }
    chart = window.echarts.init(inner, null, { renderer: "canvas" });
    box.policykgChart = chart;  // for the browser test and for debugging

    var rowNames = rows.map(function (q) { return q.name + " (" + q.measures + ")"; });
    var maxCount = 1;
    var grids = [], xAxes = [], yAxes = [], series = [], titles = [];
    var left = labelWidth;
    data.panels.forEach(function (panel, i) {
      var w = cell * Math.max(1, panel.forms.length);
      grids.push({ left: left, top: TOP, width: w, height: CELL * Math.max(1, rowIndex) });
      titles.push({ text: panel.label + " · " + fill(messages.measures_n, { n: panel.measures }),
                    left: left, top: 4, textStyle: { fontSize: 14, fontFamily: FONT, fontWeight: "bold" } });
      xAxes.push({
        type: "category", gridIndex: i, position: "top", triggerEvent: true,
        data: panel.forms.map(formLabel),
        axisTick: { show: false }, splitArea: { show: true },
        axisLabel: { rotate: 45, interval: 0, fontFamily: FONT, fontSize: 12, color: "#1d2733",
                     width: 170, overflow: "truncate", lineHeight: 15 }
      });
      yAxes.push({
        type: "category", gridIndex: i, inverse: true, data: rowNames, triggerEvent: i === 0,
        axisTick: { show: false }, splitArea: { show: true },
        axisLabel: { show: i === 0, interval: 0, fontFamily: FONT, fontSize: 12, color: "#1d2733",
                     width: labelWidth - 12, overflow: "truncate" }
      });
      var cells = panel.cells.filter(function (c) { return c[0] < rowIndex; })
        .map(function (c) { maxCount = Math.max(maxCount, c[2]); return [c[1], c[0], c[2], c[3]]; });
      series.push({
        type: "heatmap", xAxisIndex: i, yAxisIndex: i, data: cells, name: panel.label,
        label: { show: true, fontFamily: FONT, fontSize: 12 },
        itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: "#d62728", borderWidth: 2 } },
        tooltip: { formatter: function (p) { return tooltipFor(panel, p); } }
      });
      left += w + GAP;
    });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT },
      title: titles,
      tooltip: { trigger: "item", confine: true, enterable: false },
      grid: grids, xAxis: xAxes, yAxis: yAxes, series: series,
      visualMap: { show: false, min: 1, max: maxCount, dimension: 2, seriesIndex: series.map(function (s, i) { return i; }),
                   inRange: { color: ["#deebf7", "#6baed6", "#08519c"] } }
    });
    chart.on("click", onClick);
    var cellsShown = series.reduce(function (n, s) { return n + s.data.length; }, 0);
    box.setAttribute("data-rows", String(rows.length));
    box.setAttribute("data-panels", String(data.panels.length));
    box.setAttribute("data-cells", String(cellsShown));
    box.setAttribute("data-total-measures", String(data.total_measures));
    box.setAttribute("data-drawn", String(seq));
  }

  function onClick(p) {
    if (p.componentType === "series") {
      var panel = data.panels[p.seriesIndex];
      var q = shownRows[p.value[1]];
      var f = panel.forms[p.value[0]];
      showClauses(fill(messages.clauses_for, { q: q.name, f: f.name, district: panel.label }), p.value[3]);
    } else if (p.componentType === "yAxis") {
      var row = data.qualifications.filter(function (q) { return p.value.indexOf(q.name + " (") === 0; })[0];
      if (!row) { return; }
      var rowAt = data.qualifications.indexOf(row);
      var ids = [];
      data.panels.forEach(function (panel) {
        panel.cells.forEach(function (c) { if (c[0] === rowAt) { ids = ids.concat(c[3]); } });
      });
      showClauses(fill(messages.clauses_for_row, { q: row.name }), ids);
    } else if (p.componentType === "xAxis") {
      var pan = data.panels[p.componentIndex];
      var col = pan.forms.filter(function (f) { return p.value === formLabel(f); })[0];
      if (!col) { return; }
      var at = pan.forms.indexOf(col);
      var colIds = [];
      pan.cells.forEach(function (c) { if (c[1] === at) { colIds = colIds.concat(c[3]); } });
      showClauses(fill(messages.clauses_for_column, { f: col.name, district: pan.label }), colIds);
    }
  }

  // The clauses of ``ids`` (measure ids, duplicates dropped), in district/document/article order.
  function showClauses(title, ids) {
    var seen = {};
    var list = ids.filter(function (id) { return !seen[id] && (seen[id] = true); }).map(function (id) { return data.measures[id]; });
    list.sort(function (a, b) {
      return (a.district + a.document_id).localeCompare(b.district + b.document_id, "zh") ||
        (a.article_id < b.article_id ? -1 : a.article_id > b.article_id ? 1 : 0) || a.seq - b.seq;
    });
    clauseHeading.textContent = title + " · " + fill(messages.measures_n, { n: list.length });
    clauseHint.hidden = true;
    clauseList.textContent = "";
    list.forEach(function (m) {
      var li = document.createElement("li");
      li.setAttribute("data-measure-id", m.id);
      var where = document.createElement("p");
      where.className = "clause-where";
      var strong = document.createElement("strong");
      strong.textContent = m.article + " · " + m.measure;
      where.appendChild(strong);
      where.appendChild(document.createTextNode(" · " + [m.district, "《" + m.document + "》", m.doc_number]
        .filter(function (x) { return x && x !== "《》"; }).join(" · ")));
      li.appendChild(where);
      var text = document.createElement("blockquote");
      text.className = "clause-text";
      text.textContent = m.text;
      li.appendChild(text);
      var facts = document.createElement("p");
      facts.className = "clause-facts";
      var reqs = m.requires.map(function (r) { return (r.level ? r.level : "") + r.name; }).join("、");
      var pros = m.provides.map(function (x) { return x.name + (x.amount ? " (" + x.amount + ")" : ""); }).join("、");
      facts.textContent = messages.requires + ": " + (reqs || "-") + "; " + messages.provides + ": " + (pros || "-");
      li.appendChild(facts);
      if (m.url) {
        var a = document.createElement("a");
        a.href = m.url;
        a.className = "clause-source";
        a.textContent = messages.open_source;
        li.appendChild(a);
      }
      clauseList.appendChild(li);
    });
    clauseList.setAttribute("data-count", String(list.length));
    document.getElementById("unlocks-clauses").scrollIntoView({ block: "start" });
  }

  function showSummary() {
    var rows = data.qualifications.length;
    var text = fill(messages.summary, { measures: data.total_measures, documents: data.total_documents,
                                        qualifications: rows });
    if (rows > rowLimit()) { text += " " + fill(messages.rows_capped, { shown: rowLimit(), total: rows }); }
    if (!data.total_measures) { text = messages.empty; }
    summary.textContent = text;
  }

  function load() {
    seq += 1;
    var mine = seq;
    summary.textContent = messages.loading;
    var q = pageQuery();
    q.delete("rows");
    fetch(apiUrl + "?" + q.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { throw new Error(body.error || String(r.status)); }
          return body;
        });
      })
      .then(function (body) {
        if (mine !== seq) { return; }
        data = body;
        showFilters(body);
        showSummary();
        draw();
      })
      .catch(function (err) { summary.textContent = messages.load_failed + ": " + err.message; });
  }

  var initial = pageQuery();
  if (initial.get("rows")) { rowsSelect.value = initial.get("rows"); }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("change", function (ev) {
    remember(filtersFromControls());
    if (ev.target === rowsSelect && data) { showSummary(); draw(); return; }
    load();
  });
  window.addEventListener("resize", function () { if (data) { draw(); } });
  load();
}());

/* The saved query library page: a filter box that hides the queries whose names, titles
 * and descriptions (both languages, in li[data-search]) do not contain what was typed.
 * Without JavaScript every query stays listed and the box stays hidden. */
(function () {
  "use strict";

  var box = document.getElementById("query-filter-box");
  var input = document.getElementById("query-filter");
  var empty = document.getElementById("query-filter-empty");
  if (!box || !input) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll(".query-item"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".query-group"));

  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.getAttribute("data-search") || "";
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (g) {
      g.hidden = g.querySelectorAll(".query-item:not([hidden])").length === 0;
    });
    empty.hidden = shown > 0;
  }

  box.hidden = false;
  input.addEventListener("input", apply);
  apply();
}());

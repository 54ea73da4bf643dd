// Sorting and paging for long result tables (issue 18, item 3), without a library.
// A table with data-page-size shows that many rows at a time, with previous/next buttons;
// a click on a heading sorts by that column (numbers as numbers, text in the page's
// collation), a second click reverses, a third restores the query's own order.
// Rows out of the page get the class "paged-out" (hidden on screen, printed in full).
(function () {
  "use strict";

  function setup(table) {
    const size = parseInt(table.dataset.pageSize, 10) || 50;
    const words = JSON.parse(table.dataset.tableMessages || "{}");
    const body = table.tBodies[0];
    const original = Array.from(body.rows);
    const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    const pager = document.getElementById("table-pager");
    let rows = original.slice();
    let page = 0;
    let sorted = { column: -1, dir: 0 };

    function fmt(text, values) {
      return String(text || "").replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
    }

    function show() {
      const pages = Math.max(1, Math.ceil(rows.length / size));
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach((row, i) => {
        row.classList.toggle("paged-out", Math.floor(i / size) !== page);
        body.appendChild(row);
      });
      if (!pager || rows.length <= size) return;
      pager.hidden = false;
      pager.querySelector(".table-status").textContent =
        fmt(words.table_page, { page: page + 1, pages: pages, rows: rows.length });
      pager.querySelector(".table-prev").disabled = page === 0;
      pager.querySelector(".table-next").disabled = page >= pages - 1;
    }

    function key(row, column, numeric) {
      const text = row.cells[column] ? row.cells[column].textContent.trim() : "";
      if (!numeric) return text;
      return text === "" ? null : parseFloat(text);
    }

    function sortBy(column) {
      const th = table.tHead.rows[0].cells[column];
      const numeric = th.classList.contains("num");
      const dir = sorted.column === column ? (sorted.dir === 1 ? -1 : sorted.dir === -1 ? 0 : 1) : 1;
      sorted = { column: column, dir: dir };
      Array.from(table.tHead.rows[0].cells).forEach((cell) => cell.removeAttribute("aria-sort"));
      if (dir === 0) {
        rows = original.slice();
      } else {
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        rows = original.slice().sort((a, b) => {
          const x = key(a, column, numeric);
          const y = key(b, column, numeric);
          if (x === null || x === "") return y === null || y === "" ? 0 : 1; // empty cells last
          if (y === null || y === "") return -1;
          return dir * (numeric ? x - y : collator.compare(x, y));
        });
      }
      page = 0;
      show();
    }

    Array.from(table.tHead.rows[0].cells).forEach((th, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = (words.table_sort || "") + " · " + (th.title || "");
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", () => sortBy(column));
    });

    if (pager && original.length > size) {
      pager.innerHTML = "";
      const prev = document.createElement("button");
      prev.type = "button";
      prev.className = "table-prev";
      prev.textContent = words.table_prev || "<";
      const status = document.createElement("span");
      status.className = "table-status";
      status.setAttribute("role", "status");
      const next = document.createElement("button");
      next.type = "button";
      next.className = "table-next";
      next.textContent = words.table_next || ">";
      prev.addEventListener("click", () => { page -= 1; show(); });
      next.addEventListener("click", () => { page += 1; show(); });
      pager.append(prev, status, next);
    }
    show();
    table.dataset.ready = "1";
  }

  document.querySelectorAll("table[data-page-size]").forEach(setup);
})();

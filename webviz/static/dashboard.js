/* The dashboard's charts: each figure's data table (rows with data-label and data-value,
   rendered by the server) is drawn as a horizontal bar chart with the vendored Chart.js.
   No data lives in this file and nothing is fetched: without scripts, the tables are the
   charts. The table stays available (collapsed) under each chart. */
(function () {
  'use strict';

  var COLOURS = ['#1f4e79', '#ed7d31', '#548235', '#7030a0'];
  var BAR_PX = 26; // height per bar, so long lists stay readable
  var MIN_PX = 140;

  function draw(figure, index) {
    var table = figure.querySelector('table.chart-table');
    var box = figure.querySelector('.chart-box');
    if (!table || !box) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (r) { return r.dataset.label; });
    var values = rows.map(function (r) { return Number(r.dataset.value); });
    box.hidden = false;
    box.style.height = Math.max(MIN_PX, rows.length * BAR_PX + 50) + 'px';
    var canvas = box.querySelector('canvas');
    canvas.policykgChart = new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [{
          label: table.dataset.valueLabel,
          data: values,
          backgroundColor: COLOURS[index % COLOURS.length]
        }]
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } }
      }
    });
    canvas.dataset.drawn = String(rows.length);
    var details = figure.querySelector('details.chart-data');
    if (details) {
      details.open = false;
    }
  }

  function start() {
    if (typeof window.Chart !== 'function') {
      return; // the tables remain
    }
    var font = window.getComputedStyle(document.body).fontFamily;
    if (font) {
      window.Chart.defaults.font.family = font; // the page's CJK font, not Chart.js's Helvetica
    }
    window.Chart.defaults.color = '#1d2733';
    var figures = document.querySelectorAll('figure.chart');
    Array.prototype.forEach.call(figures, draw);
    document.body.dataset.chartsDrawn = String(figures.length);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();

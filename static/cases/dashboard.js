// Draw the dashboard's charts from the JSON the page embeds (json_script); Chart.js is served
// from static/vendor/chartjs, never a CDN.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Bar labels (violation names in English can be long) wrap into lines instead of being cut off;
  // tooltips show the label whole.
  var LABEL_WIDTH = 28;
  function wrap(label) {
    var lines = [];
    var line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > LABEL_WIDTH) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length > 1 ? lines : String(label);
  }
  var palette = ["#1f5fa8", "#c0392b", "#e67e22", "#27ae60", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50", "#f1c40f"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var series = data[canvas.dataset.chart];
    if (!series) {
      return;
    }
    var type = canvas.dataset.type || "bar";
    var round = type === "pie" || type === "doughnut";
    var horizontal = !!canvas.dataset.horizontal;
    var labels = round ? series.labels : series.labels.map(wrap);
    var scales = round ? {} : {x: {ticks: {precision: 0}}, y: {ticks: {precision: 0}}};
    if (horizontal) {
      // Every bar keeps its label (Chart.js skipped all but 4 of the 11 violation types in English):
      // the chart is as tall as its wrapped labels need, and no label is skipped.
      var lines = labels.reduce(function (n, label) { return n + (Array.isArray(label) ? label.length : 1); }, 0);
      canvas.parentNode.style.height = Math.max(240, lines * 16 + labels.length * 10 + 40) + "px";
      canvas.parentNode.style.position = "relative";
      scales.y.ticks.autoSkip = false;
    }
    canvas.chart = new Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: [{
          data: series.values,
          backgroundColor: round ? palette : palette[0],
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: !horizontal,
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: {display: round},
          tooltip: {callbacks: {title: function (items) { return String(series.labels[items[0].dataIndex]); }}},
        },
        scales: scales,
      },
    });
  });
})();

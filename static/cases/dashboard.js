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
    canvas.chart = new Chart(canvas, {
      type: type,
      data: {
        labels: round ? series.labels : series.labels.map(wrap),
        datasets: [{
          data: series.values,
          backgroundColor: round ? palette : palette[0],
        }],
      },
      options: {
        animation: false,
        indexAxis: canvas.dataset.horizontal ? "y" : "x",
        plugins: {
          legend: {display: round},
          tooltip: {callbacks: {title: function (items) { return String(series.labels[items[0].dataIndex]); }}},
        },
        scales: round ? {} : {x: {ticks: {precision: 0}}, y: {ticks: {precision: 0}}},
      },
    });
  });
})();

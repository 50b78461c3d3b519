// Draw the dashboard's charts from the JSON the page embeds (json_script); Chart.js is served
// from static/vendor/chartjs, never a CDN.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
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
        labels: series.labels,
        datasets: [{
          data: series.values,
          backgroundColor: round ? palette : palette[0],
        }],
      },
      options: {
        animation: false,
        indexAxis: canvas.dataset.horizontal ? "y" : "x",
        plugins: {legend: {display: round}},
        scales: round ? {} : {x: {ticks: {precision: 0}}, y: {ticks: {precision: 0}}},
      },
    });
  });
})();

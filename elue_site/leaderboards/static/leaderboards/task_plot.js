/* Draw a task page's performance-vs-MFLOPs plot and switch its x axis
   between linear and log scale. The figure comes from the JSON element
   #task-plot-data that the server renders. */
(function () {
  "use strict";

  var plot = document.getElementById("task-plot");
  var source = document.getElementById("task-plot-data");
  if (!plot || !source || typeof Plotly === "undefined") {
    return;
  }
  var figure = JSON.parse(source.textContent);
  Plotly.newPlot(plot, figure.data, figure.layout, { responsive: true, displaylogo: false });

  var buttons = document.querySelectorAll("[data-axis-type]");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var axisType = button.getAttribute("data-axis-type");
      Plotly.relayout(plot, { "xaxis.type": axisType, "xaxis.autorange": true });
      buttons.forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
    });
  });
})();

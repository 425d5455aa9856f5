// Show only the fields of the route picked on the "add results" form.
// Each route-specific row names its routes in data-routes. Without this
// script every row stays visible and the server still checks each route.
(function () {
  "use strict";
  var form = document.getElementById("submission-form");
  if (!form) { return; }
  var rows = form.querySelectorAll("[data-routes]");

  function pickedRoute() {
    var control = form.elements.namedItem("route");
    if (!control) { return ""; }
    // A RadioNodeList and a <select> both carry the picked value in .value.
    return control.value || "";
  }

  function showRoute() {
    var route = pickedRoute();
    rows.forEach(function (row) {
      var visible = route === "" || row.getAttribute("data-routes").split(" ").indexOf(route) !== -1;
      row.hidden = !visible;
      // A hidden row's inputs are disabled, so their files are not uploaded.
      row.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !visible;
      });
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "route") { showRoute(); }
  });
  showRoute();
})();

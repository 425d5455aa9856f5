// Poll the submission's JSON status every 2 s and update the page in place
// until the submission is FINISHED or FAILED.
(function () {
  "use strict";
  var root = document.getElementById("submission");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var POLL_MS = 2000;

  function byId(id) { return document.getElementById(id); }
  function show(id, visible) { byId(id).hidden = !visible; }

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (numeric) { td.className = "number"; }
    row.appendChild(td);
  }

  function renderErrors(errors) {
    var body = byId("submission-errors").tBodies[0];
    body.textContent = "";
    errors.forEach(function (problem) {
      var row = document.createElement("tr");
      cell(row, problem.file); cell(row, problem.line, true); cell(row, problem.value); cell(row, problem.message);
      body.appendChild(row);
    });
  }

  function renderResults(results) {
    // Numbers arrive formatted by the same filters as the server-rendered page.
    byId("submission-score").textContent = results.task_score_display;
    byId("submission-scoring-method").textContent = results.scoring_method;
    var body = byId("submission-points");
    body.textContent = "";
    results.points.forEach(function (point) {
      var row = document.createElement("tr");
      cell(row, point.position + 1, true);
      cell(row, point.display.performance, true);
      cell(row, point.display.mflops, true);
      cell(row, point.display.params, true);
      cell(row, point.display.score, true);
      cell(row, point.performance_source + " / " + point.flops_source);
      body.appendChild(row);
    });
  }

  function render(data) {
    var status = byId("submission-status");
    status.textContent = data.status_display;
    status.className = "status status-" + data.status;
    show("submission-queue", data.queue_position !== null);
    byId("submission-queue-position").textContent = data.queue_position === null ? "" : data.queue_position;
    show("submission-progress", data.status === "RUNNING");
    byId("submission-progress-step").textContent = data.progress.step;
    var bar = byId("submission-progress-bar");
    bar.max = data.progress.total || 1;
    bar.value = data.progress.done;
    show("submission-failure", Boolean(data.failure_reason) || data.errors.length > 0);
    // A <pre> keeps the line breaks of a multi-line reason such as a traceback.
    byId("submission-failure-reason").textContent = data.failure_reason;
    show("submission-failure-reason", Boolean(data.failure_reason));
    renderErrors(data.errors);
    show("submission-errors", data.errors.length > 0);
    show("submission-results", data.status === "FINISHED");
    if (data.results) { renderResults(data.results); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (data.status !== "FINISHED" && data.status !== "FAILED") { window.setTimeout(poll, POLL_MS); }
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 2); });
  }

  var initial = byId("submission-status").className;
  if (initial.indexOf("status-FINISHED") === -1 && initial.indexOf("status-FAILED") === -1) {
    window.setTimeout(poll, POLL_MS);
  }
})();

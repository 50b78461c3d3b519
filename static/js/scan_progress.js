/* Live progress of scan jobs: poll each queued or running job's JSON and update its row.
   The page works without it (reload to see progress). When a job finishes, reload once so the
   server renders its final state (counts, failure reason, retry button, comparison). */
(function () {
  "use strict";

  var INTERVAL_MS = 1500;
  var ACTIVE = { queued: true, running: true };

  function setText(row, field, value) {
    var el = row.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = value;
  }

  function poll(row) {
    var url = row.getAttribute("data-scan-job");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        var bar = row.querySelector('progress[data-field="progress"]');
        if (bar) bar.value = job.progress;
        setText(row, "progress-text", job.progress + "%");
        setText(row, "observations", job.counts.observations);
        setText(row, "findings_created", job.counts.findings_created);
        setText(row, "duplicates", job.counts.duplicates);
        setText(row, "unmapped", job.counts.unmapped);
        if (ACTIVE[job.status]) {
          window.setTimeout(function () { poll(row); }, INTERVAL_MS);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        // A network hiccup: try again later, more slowly.
        window.setTimeout(function () { poll(row); }, INTERVAL_MS * 4);
      });
  }

  document.querySelectorAll("[data-scan-job]").forEach(function (row) {
    if (ACTIVE[row.getAttribute("data-status")]) poll(row);
  });
})();

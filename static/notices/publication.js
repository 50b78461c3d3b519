/* Live progress of a notice's publication: poll the notice's publication JSON while its job is
   queued or running, show the job's state, and reload once the notice is published or the job
   stopped, so the server renders the final page (number, PDF, hash, or the failure and retry).
   The page works without it (reload to see progress), like the scan jobs' page. */
(function () {
  "use strict";

  var INTERVAL_MS = 1500;
  var ACTIVE = { queued: true, running: true };

  function poll(el) {
    fetch(el.getAttribute("data-publication"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        var status = document.getElementById("notice-status");
        if (status) {
          status.textContent = state.status_label;
          status.setAttribute("data-status", state.status);
        }
        if (state.job) el.setAttribute("data-status", state.job.status);
        if (state.status !== "approved" || !state.job || !ACTIVE[state.job.status]) {
          window.location.reload();
          return;
        }
        window.setTimeout(function () { poll(el); }, INTERVAL_MS);
      })
      .catch(function () {
        // A network hiccup: try again later, more slowly.
        window.setTimeout(function () { poll(el); }, INTERVAL_MS * 4);
      });
  }

  document.querySelectorAll("[data-publication]").forEach(function (el) {
    if (ACTIVE[el.getAttribute("data-status")]) poll(el);
  });
})();

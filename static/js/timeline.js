/* The timeline scrolls without loading everything: when the "Load more" row comes into view (or
   its link is followed with the keyboard), the next rows are fetched (?partial=1, the same
   template the server renders) and appended; focus moves to the first new row. Without this
   script the link opens the next page. */
(function () {
  "use strict";

  var body = document.getElementById("timeline-rows");
  if (!body) return;
  var loading = false;

  function more() {
    return body.querySelector("tr.timeline-more");
  }

  function load(focus) {
    var row = more();
    if (!row || loading) return;
    loading = true;
    row.setAttribute("aria-busy", "true");
    fetch(row.getAttribute("data-next"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = "<table><tbody>" + html + "</tbody></table>";
        var rows = template.content.querySelectorAll("tbody > tr");
        var first = null;
        row.remove();
        rows.forEach(function (tr) {
          body.appendChild(tr);
          if (!first && !tr.classList.contains("timeline-more")) first = tr;
        });
        loading = false;
        if (focus && first) first.focus();
        watch();
      })
      .catch(function () {
        loading = false;
        row.removeAttribute("aria-busy");
      });
  }

  var observer = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) load(false);
        });
      }, { rootMargin: "400px" })
    : null;

  function watch() {
    var row = more();
    if (!row) return;
    if (observer) observer.observe(row);
    var link = row.querySelector("[data-timeline-more]");
    if (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        load(true);
      });
    }
  }

  var party = document.getElementById("id_party");
  if (party && document.getElementById("timeline-parties")) party.setAttribute("list", "timeline-parties");
  watch();
})();

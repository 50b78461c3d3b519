/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // The terminal category only applies to smart terminals: hide it for other kinds.
  function syncTerminalCategory(select) {
    var field = document.querySelector("[data-terminal-category]");
    if (!field) return;
    var isTerminal = select.value === "terminal";
    field.hidden = !isTerminal;
    if (!isTerminal) {
      var input = field.querySelector("select");
      if (input) input.value = "";
    }
  }
  document.querySelectorAll("[data-kind-select]").forEach(function (select) {
    syncTerminalCategory(select);
    select.addEventListener("change", function () { syncTerminalCategory(select); });
  });

  // "Select all" for the findings that can open a case.
  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    var name = toggle.getAttribute("data-select-all");
    toggle.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        if (!box.disabled) box.checked = toggle.checked;
      });
    });
  });

  // Show the names of the evidence files chosen for upload.
  document.querySelectorAll("input[type=file][multiple]").forEach(function (input) {
    var list = document.createElement("ul");
    list.className = "evidence-picked small muted";
    input.insertAdjacentElement("afterend", list);
    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
        list.appendChild(item);
      });
    });
  });
})();

// Ballot pages: print buttons and the large-text switch (no inline scripts: CSP).
(function () {
  if (localStorage.getItem("renda-large-text") === "1") document.body.classList.add("large-text");
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var toggle = event.target.closest("[data-text-size]");
    if (!toggle) return;
    var on = document.body.classList.toggle("large-text");
    localStorage.setItem("renda-large-text", on ? "1" : "0");
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  });
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();
})();

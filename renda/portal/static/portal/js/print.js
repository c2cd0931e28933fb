/* The print view's button (phones have no Ctrl+P): shown only where it can work. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.getElementById("print-page");
  if (!button || typeof window.print !== "function") { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

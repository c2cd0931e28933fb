// Small behaviours; no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.template");
  if (!button) return;
  var text = document.getElementById("id_text");
  if (text) { text.value = button.getAttribute("data-text"); text.focus(); }
});

// Small behaviours; no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.template");
  if (!button) return;
  var text = document.getElementById("id_text");
  if (text) { text.value = button.getAttribute("data-text"); text.focus(); }
});

// The menu's groups open on hover and keyboard focus without script; a click toggles them
// (touch screens) and Escape or a click elsewhere closes them.
document.addEventListener("click", function (event) {
  var label = event.target.closest(".menu-label");
  document.querySelectorAll(".menu-group.open").forEach(function (group) {
    if (!label || group !== label.parentNode) {
      group.classList.remove("open");
      group.querySelector(".menu-label").setAttribute("aria-expanded", "false");
    }
  });
  if (!label) return;
  var open = label.parentNode.classList.toggle("open");
  label.setAttribute("aria-expanded", open ? "true" : "false");
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var focused = document.activeElement;
  if (focused && focused.closest(".menu-group")) focused.blur();
  document.querySelectorAll(".menu-group.open").forEach(function (group) {
    group.classList.remove("open");
    group.querySelector(".menu-label").setAttribute("aria-expanded", "false");
  });
});

// The captcha's refresh button: a new picture and key from django-simple-captcha's refresh
// view (the button stays hidden without script).
document.querySelectorAll(".captcha-refresh").forEach(function (button) { button.hidden = false; });
document.addEventListener("click", function (event) {
  var button = event.target.closest(".captcha-refresh");
  if (!button) return;
  var field = button.closest(".field") || button.parentNode.parentNode;
  fetch(button.getAttribute("data-url"), { headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var image = field.querySelector("img.captcha");
      var key = field.querySelector("input[type=hidden][name$='_0']");
      var answer = field.querySelector("input[name$='_1']");
      if (image) image.src = data.image_url;
      if (key) key.value = data.key;
      if (answer) { answer.value = ""; answer.focus(); }
    });
});

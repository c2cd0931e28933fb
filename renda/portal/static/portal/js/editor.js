/* A compact rich-text editor for article bodies (no third-party code, no CDN).
   It turns every <textarea data-rich-editor> into a toolbar + contenteditable area and
   copies the HTML back into the textarea on submit. The server cleans the HTML (nh3)
   whatever the browser sends; without JavaScript the textarea is edited directly. */
(function () {
  "use strict";
  var BUTTONS = [
    ["bold", "B", "加粗"], ["italic", "I", "斜体"], ["underline", "U", "下划线"],
    ["formatBlock:h2", "H2", "二级标题"], ["formatBlock:h3", "H3", "三级标题"],
    ["formatBlock:p", "¶", "正文段落"], ["insertUnorderedList", "•", "无序列表"],
    ["insertOrderedList", "1.", "有序列表"], ["formatBlock:blockquote", "“”", "引用"],
    ["createLink", "🔗", "链接"], ["unlink", "⛓", "取消链接"], ["removeFormat", "⌫", "清除格式"]
  ];
  function build(textarea) {
    var wrap = document.createElement("div");
    wrap.className = "rich-editor";
    var bar = document.createElement("div");
    bar.className = "rich-toolbar";
    bar.setAttribute("role", "toolbar");
    var area = document.createElement("div");
    area.className = "rich-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", textarea.getAttribute("aria-label") || "正文");
    area.innerHTML = textarea.value;
    BUTTONS.forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = spec[1];
      b.title = spec[2];
      b.setAttribute("aria-label", spec[2]);
      b.addEventListener("click", function () {
        var parts = spec[0].split(":");
        area.focus();
        if (parts[0] === "createLink") {
          var url = window.prompt("链接地址（http:// 或 https://）", "https://");
          if (!url || !/^(https?:|mailto:)/i.test(url)) { return; }
          document.execCommand("createLink", false, url);
        } else {
          document.execCommand(parts[0], false, parts[1] ? "<" + parts[1] + ">" : null);
        }
      });
      bar.appendChild(b);
    });
    var source = document.createElement("button");
    source.type = "button";
    source.textContent = "HTML";
    source.title = "源代码";
    source.addEventListener("click", function () {
      var showing = textarea.style.display !== "none";
      if (showing) { area.innerHTML = textarea.value; textarea.style.display = "none"; area.style.display = ""; }
      else { textarea.value = area.innerHTML; textarea.style.display = ""; area.style.display = "none"; }
    });
    bar.appendChild(source);
    textarea.parentNode.insertBefore(wrap, textarea);
    wrap.appendChild(bar);
    wrap.appendChild(area);
    wrap.appendChild(textarea);
    textarea.style.display = "none";
    var form = textarea.form;
    if (form) {
      form.addEventListener("submit", function () {
        if (textarea.style.display === "none") { textarea.value = area.innerHTML; }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-rich-editor]"), build);
  });
})();

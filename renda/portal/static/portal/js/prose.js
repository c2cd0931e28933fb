/* The article editor: django-prose-editor (Tiptap), self-hosted from the package's static
   files (no CDN, no inline script, no import map: the module's address comes from the
   textarea's data-prose-editor). It writes <p> paragraphs, headings, lists, links, tables
   and the alignment of paragraphs and headings; pictures are uploaded to the platform's
   checked upload path (data-image-upload) and placed by their address. The server cleans
   the HTML (nh3) whatever the browser sends; without JavaScript the textarea is edited
   directly. */
const ZH = window.RENDA_EDITOR_ZH || {};

function translateMenu(root) {
  root.querySelectorAll("[title], [aria-label]").forEach((el) => {
    for (const name of ["title", "aria-label"]) {
      const value = el.getAttribute(name);
      if (value && ZH[value]) { el.setAttribute(name, ZH[value]); }
    }
  });
  root.querySelectorAll(".prose-menubar option, .prose-menubar p, .prose-menubar h2, .prose-menubar h3, .prose-menubar h4").forEach((el) => {
    const match = /^Heading (\d)$/.exec(el.textContent || "");
    if (match) { el.textContent = ["", "一", "二", "三", "四"][+match[1]] + "级标题"; }
    else if (ZH[el.textContent]) { el.textContent = ZH[el.textContent]; }
  });
}

function imageControls(textarea, editor) {
  const box = document.getElementById("body-image");
  const url = textarea.getAttribute("data-image-upload");
  if (!box || !url) { return; }
  const file = box.querySelector("input[type=file]");
  const alt = box.querySelector("input[type=text]");
  const button = box.querySelector("button");
  const status = box.querySelector("[role=status]");
  const token = textarea.form && textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
  box.hidden = false;
  button.addEventListener("click", async () => {
    if (!file.files.length) { status.textContent = box.dataset.empty; file.focus(); return; }
    const data = new FormData();
    data.append("file", file.files[0]);
    button.disabled = true;
    status.textContent = box.dataset.sending;
    try {
      const response = await fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      });
      const answer = await response.json();
      if (!response.ok || !answer.url) { status.textContent = answer.error || box.dataset.failed; return; }
      editor.chain().focus().setImage({ src: answer.url, alt: alt.value.trim() || null }).run();
      status.textContent = box.dataset.done;
      file.value = ""; alt.value = "";
    } catch (error) {
      status.textContent = box.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
}

async function start(textarea) {
  const m = await import(textarea.getAttribute("data-prose-editor"));
  const editor = m.createTextareaEditor(textarea, [
    m.Document, m.Dropcursor, m.Gapcursor, m.Paragraph, m.HardBreak, m.Text,
    m.History || m.UndoRedo, m.Menu, m.NoSpellCheck,
    m.Bold, m.Italic, m.Underline, m.Strike, m.Subscript, m.Superscript,
    m.Heading.configure({ levels: [2, 3, 4] }),
    m.BulletList, m.OrderedList, m.ListItem, m.Blockquote, m.HorizontalRule,
    m.Link.configure({ enableTarget: false, protocols: ["http", "https", "mailto"] }),
    m.Table, m.TableRow, m.TableHeader, m.TableCell,
    m.TextAlign.configure({ types: ["heading", "paragraph"] }),
    m.Image, m.HTML,
  ]);
  const wrap = textarea.closest(".prose-editor");
  if (wrap) {
    const area = wrap.querySelector("[contenteditable]");
    if (area) {
      area.setAttribute("role", "textbox");
      area.setAttribute("aria-multiline", "true");
      const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
      area.setAttribute("aria-label", label ? label.textContent.replace("*", "").trim() : "正文");
    }
    translateMenu(wrap);
    new MutationObserver(() => translateMenu(wrap)).observe(wrap, { childList: true, subtree: true, attributes: true, attributeFilter: ["title"] });
    wrap.setAttribute("data-ready", "1");
  }
  imageControls(textarea, editor);
}

document.querySelectorAll("textarea[data-prose-editor]").forEach((textarea) => {
  start(textarea).catch((error) => { console.error("editor", error); });
});

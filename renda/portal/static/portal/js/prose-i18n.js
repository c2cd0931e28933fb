/* Chinese labels of the article editor (django-prose-editor): its dialogs ask
   window.gettext, which the platform does not load otherwise; its toolbar buttons carry
   fixed English titles, which prose.js replaces from the same table. */
(function () {
  "use strict";
  var ZH = {
    "Add caption": "添加图注", "Alternative Text": "图片说明", "Browse...": "浏览…",
    "Bullets": "圆点", "Cancel": "取消", "Caption": "图注", "Columns": "列数",
    "Decimal numbers": "数字", "Edit Figure": "编辑图片", "Edit HTML": "编辑 HTML",
    "Edit Image": "编辑图片", "Edit Link": "编辑链接", "Image URL": "图片地址",
    "Include header row": "包含表头行", "Insert Figure": "插入图片", "Insert Table": "插入表格",
    "Insert": "插入", "List properties": "列表设置", "List type": "列表样式",
    "Lowercase Roman numerals": "小写罗马数字", "Lowercase letters": "小写字母",
    "Open in new window": "在新窗口打开", "Prettify": "整理格式", "Remove caption": "删除图注",
    "Rows": "行数", "Start at": "起始编号", "Table Properties": "表格设置", "Title": "标题",
    "Toggle fullscreen": "全屏", "URL": "链接地址", "Update": "更新",
    "Uppercase Roman numerals": "大写罗马数字", "Uppercase letters": "大写字母",
    "The HTML contents of the editor. Note that the allowed HTML is restricted by the editor schema.":
      "编辑器的 HTML 内容（只保留编辑器允许的标签）。",
    "bold": "加粗", "italic": "斜体", "underline": "下划线", "strike": "删除线",
    "subscript": "下标", "superscript": "上标", "paragraph": "正文段落",
    "heading 2": "二级标题", "heading 3": "三级标题", "heading 4": "四级标题",
    "unordered list": "无序列表", "ordered list": "有序列表", "blockquote": "引用",
    "horizontal rule": "分隔线", "insert link": "插入链接", "remove link": "取消链接",
    "Insert table": "插入表格", "Add column": "增加一列", "Delete column": "删除列",
    "Add row": "增加一行", "Delete row": "删除行", "Merge cells": "合并单元格",
    "Split cell": "拆分单元格", "Toggle header cell": "切换表头单元格",
    "Toggle header row": "切换表头行", "Toggle header column": "切换表头列",
    "Delete table": "删除表格", "Table properties": "表格设置",
    "left": "左对齐", "center": "居中", "right": "右对齐", "justify": "两端对齐",
    "undo": "撤销", "redo": "重做", "edit HTML": "编辑 HTML", "figure": "图片",
    "Block style": "段落样式", "Paragraph": "正文段落"
  };
  window.RENDA_EDITOR_ZH = ZH;
  if (!window.gettext) {
    window.gettext = function (text) { return ZH[text] || text; };
  }
})();

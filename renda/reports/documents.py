"""The report's .docx: the default templates in formal 公文 style (written with python-docx,
the same bytes' wording every time: `default_template(kind)`), the check of a template the
office uploads (unknown placeholders and broken Jinja refused with the placeholder and the
line), and the rendering with docxtpl.

A template is a Word document with Jinja placeholders (docxtpl): `{{ name }}` in a run,
`{%p for … %}` / `{%p endfor %}` / `{%p if … %}` / `{%p endif %}` alone in their paragraphs.
The names a template may use are `PLACEHOLDERS`; each figure is `f.<key>` (this year) and
`p.<key>` (last year), the keys of `renda.reports.figures.FIGURES`.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.core.errors import DomainError
from renda.reports import figures as registry

#: The names a template may use, with what they hold (docs/reports.md lists them).
PLACEHOLDERS: dict[str, Any] = {
    "congress": gettext_lazy("the congress's name"),
    "year": gettext_lazy("the report's year"),
    "previous_year": gettext_lazy("the year before"),
    "next_year": gettext_lazy("the year after"),
    "date": gettext_lazy("the day the draft was written (2026年12月5日)"),
    "summary": gettext_lazy("the office's overview of the year's work"),
    "shortcomings": gettext_lazy("the shortcomings the office wrote"),
    "next_tasks": gettext_lazy(
        "next year's tasks: the items of next year's work plan, else the office's lines"
    ),
    "no_records": gettext_lazy("true when the year has no records (every figure is zero)"),
    "sections": gettext_lazy(
        "the figures by section: each with title, number (一、二…), rows (label, value, "
        "previous, change) and splits (label, text)"
    ),
    "f": gettext_lazy("every figure of the year by its key: f.opinions_received …"),
    "p": gettext_lazy("every figure of last year by its key: p.opinions_received …"),
    "towns": gettext_lazy(
        "district summary only: each town with name, f (its figures) and sections (title, text)"
    ),
}

FIGURE_MAPS = ("f", "p")

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 11]
    return str(n)


# --- the default templates ------------------------------------------------------------------

TITLE_FONT = "黑体"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"


def _run(
    paragraph: Any, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False
) -> Any:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _para(document: Any, text: str, *, indent: bool = True, **style: Any) -> Any:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 16 pt
    _run(paragraph, text, **style)
    return paragraph


def _tag(document: Any, tag: str) -> None:
    """A docxtpl paragraph tag ({%p … %}) alone in its paragraph."""
    document.add_paragraph().add_run(tag)


def default_template(kind: str = "town") -> bytes:
    """The default template (公文: 黑体 title, 仿宋 三号 body, two-character indents, 28 pt
    lines, 一、（一） numbering), in the active language."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from renda.core.documents import docx_document, to_bytes

    document = docx_document(size=16)
    for section in document.sections:
        section.top_margin = Cm(3.7)
        section.bottom_margin = Cm(3.5)
        section.left_margin = Cm(2.8)
        section.right_margin = Cm(2.6)
    if kind == "district":
        title = _("Summary of the township congresses' work in {{ year }}")
    else:
        title = _("Work report of the presidium of {{ congress }} for {{ year }}")
    heading = _para(document, title, indent=False, font=TITLE_FONT, size=22)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = _para(document, "{{ congress }}  {{ date }}", indent=False, font="楷体", size=16)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(document, "{{ summary }}")
    _tag(document, "{%p if no_records %}")
    _para(document, _("The platform holds no records of this year: every figure below is zero."))
    _tag(document, "{%p endif %}")
    _para(document, _("一、The year's work"), font=HEADING_FONT)
    _tag(document, "{%p for section in sections %}")
    _para(document, "（{{ section.number }}）{{ section.title }}", font="楷体")
    _tag(document, "{%p for row in section.rows %}")
    _para(
        document,
        _(
            "{{ row.label }}: {{ row.value }} (last year {{ row.previous }}, change {{ row.change }})."
        ),
    )
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p for split in section.splits %}")
    _para(document, "{{ split.label }}：{{ split.text }}。")
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p endfor %}")
    if kind == "district":
        _para(document, _("二、The towns"), font=HEADING_FONT)
        _tag(document, "{%p for town in towns %}")
        _para(document, "{{ town.name }}", font="楷体")
        _tag(document, "{%p for section in town.sections %}")
        _para(document, "{{ section.title }}：{{ section.text }}")
        _tag(document, "{%p endfor %}")
        _tag(document, "{%p endfor %}")
        shortcomings, tasks = _("三、Shortcomings"), _("四、Tasks for {{ next_year }}")
    else:
        shortcomings, tasks = _("二、Shortcomings"), _("三、Tasks for {{ next_year }}")
    _para(document, shortcomings, font=HEADING_FONT)
    _para(document, "{{ shortcomings }}")
    _para(document, tasks, font=HEADING_FONT)
    _tag(document, "{%p for task in next_tasks %}")
    _para(document, "{{ loop.index }}. {{ task }}")
    _tag(document, "{%p endfor %}")
    return to_bytes(document)


# --- checking and rendering -----------------------------------------------------------------


def _template(content: bytes) -> Any:
    from docxtpl import DocxTemplate

    return DocxTemplate(io.BytesIO(content))


def _lines(content: bytes) -> list[str]:
    """The template's XML as docxtpl renders it: one line per paragraph (line 1 is what
    comes before the first paragraph)."""
    template = _template(content)
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).split("\n")


def _text(line: str) -> str:
    return re.sub(r"<[^>]+>", "", line).strip()[:80]


def _refuse(message: str, lines: list[str], lineno: int | None) -> DomainError:
    if lineno is None:
        return DomainError(message)
    # Line 1 is the document's opening before its first paragraph: paragraphs count from 1.
    paragraph = max(lineno - 1, 1)
    text = _text(lines[lineno - 1]) if 0 < lineno <= len(lines) else ""
    return DomainError(
        _("%(message)s (paragraph %(line)s: “%(text)s”)")
        % {"message": message, "line": paragraph, "text": text}
    )


def check_template(content: bytes) -> None:
    """Refuse a template that is not a Word document docxtpl can read, whose Jinja is
    broken, or that uses a placeholder the report does not have — saying which and where."""
    from jinja2 import Environment, TemplateSyntaxError, meta, nodes

    try:
        lines = _lines(content)
    except Exception as exc:  # noqa: BLE001  (any unreadable document)
        raise DomainError(_("The template could not be read as a Word document.")) from exc
    source = "\n".join(lines)
    env = Environment(autoescape=False)  # noqa: S701  (docxtpl's own setting; nothing rendered here)
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        raise _refuse(
            _("The template's placeholders are broken: %(error)s") % {"error": exc.message},
            lines,
            exc.lineno,
        ) from exc
    unknown = meta.find_undeclared_variables(ast) - set(PLACEHOLDERS)
    if unknown:
        name = sorted(unknown)[0]
        lineno = next(
            (n.lineno for n in ast.find_all(nodes.Name) if n.name == name and n.ctx == "load"),
            None,
        )
        raise _refuse(
            _("The template uses an unknown placeholder “%(name)s”.") % {"name": name},
            lines,
            lineno,
        )
    for node in ast.find_all(nodes.Getattr):
        if (
            isinstance(node.node, nodes.Name)
            and node.node.name in FIGURE_MAPS
            and node.attr not in registry.BY_KEY
        ):
            raise _refuse(
                _("The template uses an unknown figure “%(name)s”.")
                % {"name": f"{node.node.name}.{node.attr}"},
                lines,
                node.lineno,
            )


def render(content: bytes, context: dict[str, Any]) -> bytes:
    """The template filled with the context (docxtpl), as .docx bytes."""
    from jinja2 import TemplateError

    template = _template(content)
    try:
        template.render(context, autoescape=True)
    except TemplateError as exc:
        raise DomainError(
            _("The template could not be filled: %(error)s") % {"error": str(exc)}
        ) from exc
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()

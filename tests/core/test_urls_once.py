"""Every template's `{% url %}` is `renda.core.templatetags.urls_once`: an argument-less URL
is worked out once per process under its name, URLconf, script prefix, language and
namespace, and renders exactly as Django's tag does, `as` variables and errors included."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from renda.core.templatetags import urls_once


def _render(text: str, **context: object) -> str:
    return Template(text).render(Context(context))


def test_it_is_the_url_tag_of_every_template():
    node = Template("{% url 'core:home' %}").nodelist[0]
    assert isinstance(node, urls_once.URLOnceNode)


def test_it_renders_as_djangos_tag():
    assert _render("{% url 'core:home' %}") == reverse("core:home")
    assert _render("{% url 'core:job' 7 %}") == reverse("core:job", args=[7])
    assert _render("{% url 'core:job' pk=8 %}") == reverse("core:job", kwargs={"pk": 8})
    assert _render("{% url name %}", name="core:jobs") == reverse("core:jobs")
    assert _render("{% url 'core:jobs' as link %}[{{ link }}]") == f"[{reverse('core:jobs')}]"
    assert _render("{% url 'no:such' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no:such' %}")


def test_a_script_prefix_is_part_of_what_it_remembers():
    plain = _render("{% url 'core:jobs' %}")
    try:
        set_script_prefix("/renda/")
        assert _render("{% url 'core:jobs' %}") == "/renda" + plain
    finally:
        clear_script_prefix()
    assert _render("{% url 'core:jobs' %}") == plain

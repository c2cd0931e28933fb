"""`{% url %}` with each argument-less URL worked out once per process (a template builtin:
settings.TEMPLATES, so every template's `{% url %}` is this one).

Reversing a URL name walks the URL patterns; a page's header alone reverses half a dozen
names that never take arguments (home, my polls, log out, the language switch), on every
request. Such a URL depends only on the name, the URLconf, the script prefix, the language
and the current application namespace, so it is remembered under exactly those: every
process computes the same value, nothing has to agree between processes. URLs with
arguments are reversed as Django does; a name that does not reverse raises as before (and
is not remembered)."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _reverse(
    view_name: str, urlconf: Any, prefix: str, language: str | None, current_app: str | None
) -> str:
    # `prefix` and `language` are part of the key: reverse() reads them itself.
    return reverse(view_name, urlconf=urlconf, current_app=current_app)


class URLOnceNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _reverse(
                str(view_name), get_urlconf(), get_script_prefix(), get_language(), current_app
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Any, token: Any) -> URLOnceNode:
    node = defaulttags.url(parser, token)
    return URLOnceNode(node.view_name, node.args, node.kwargs, node.asvar)

"""The article form, sent back with an error, gives the rich-text editor the body as it
would be stored: the editor loads the textarea as HTML, so the HTML as typed would run
(found by the XSS corpus, tests/core/test_xss_corpus.py)."""

from __future__ import annotations

import pytest

from renda.portal.forms import ArticleForm
from renda.portal.models import Site


@pytest.mark.django_db
def test_a_form_sent_back_shows_the_body_sanitised(world):
    site = Site.objects.create(congress=world.c_a, slug="qinghe", name="清河镇人大")
    typed = '<p>正文</p><img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
    form = ArticleForm({"title": "", "body": typed}, site=site)
    assert not form.is_valid() and "title" in form.errors
    shown = str(form["body"])
    assert "onerror" not in shown and "script" not in shown and "javascript" not in shown
    assert "&lt;p&gt;正文&lt;/p&gt;" in shown
    # What is typed is what is validated: the form itself still sees the raw body.
    assert form.cleaned_data["body"] == typed

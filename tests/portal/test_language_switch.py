"""The portal's header offers the English language switch the other public pages have: a
POST form to Django's set_language with its CSRF token, and choosing English gives English
page text (and the switch back to Chinese)."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.portal import portal_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("portal_world")


def _switch(page: str) -> lxml.html.HtmlElement:
    tree = lxml.html.fromstring(page)
    forms = tree.xpath(f"//header//form[@action='{reverse('set_language')}']")
    assert len(forms) == 1, "one language form in the portal's header"
    return forms[0]


def test_the_portal_home_switches_to_english_and_back():
    client = Client(enforce_csrf_checks=True)
    home = reverse("portal:home")
    page = client.get(home).content.decode()
    assert "跳到正文" in page
    form = _switch(page)
    assert form.get("method") == "post"
    token = form.xpath(".//input[@name='csrfmiddlewaretoken']/@value")
    assert token and token[0]
    assert form.xpath(".//input[@name='next']/@value") == [home]
    assert form.xpath(".//button[@name='language']/@value") == ["en"]

    # Without the token the switch is refused; with it, the portal reads in English.
    assert client.post(reverse("set_language"), {"language": "en", "next": home}).status_code == 403
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": home, "csrfmiddlewaretoken": token[0]},
    )
    assert response.status_code == 302 and response["Location"] == home
    english = client.get(home).content.decode()
    assert '<html lang="en">' in english
    assert "Skip to the content" in english and "Staff entrance" in english
    assert "跳到正文" not in english
    back = _switch(english)
    assert back.xpath(".//button[@name='language']/@value") == ["zh-hans"]

"""Chinese first: a complete zh-Hans catalog, Chinese pages by default, English available."""

from __future__ import annotations

from pathlib import Path

import polib
from django.urls import reverse

PO = (
    Path(__file__).resolve().parent.parent.parent
    / "renda"
    / "locale"
    / "zh_Hans"
    / "LC_MESSAGES"
    / "django.po"
)


def test_the_zh_hans_catalog_is_complete():
    catalog = polib.pofile(str(PO))
    assert catalog.untranslated_entries() == []
    assert [e for e in catalog.fuzzy_entries() if e.msgid] == []
    assert catalog.percent_translated() == 100


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    for entry in polib.pofile(str(PO)).translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(translation)), (
                entry.msgid
            )


def test_the_compiled_catalog_is_current():
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "make test compiles the catalog first (scripts/compile_messages.py)"
    assert mo.stat().st_mtime >= PO.stat().st_mtime


def test_pages_and_admin_are_chinese_by_default(client, world):
    client.force_login(world.staff)
    workspace = client.get(reverse("congress:workspace")).content.decode()
    assert "我的" in workspace
    admin_page = client.get(reverse("admin:congress_department_changelist")).content.decode()
    assert "承办单位" in admin_page


def test_english_is_available(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(world.staff)
    page = client.get(reverse("congress:workspace")).content.decode()
    assert "My roles" in page


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, db):
    page = client.get(reverse("core:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page

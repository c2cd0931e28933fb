"""Fill the platform's own HTML forms the way a person does, through Django's test client.

`FormFiller.submit` opens a page, finds its POST form, puts a value into every free text
field (inputs of type text/search/url and textareas), keeps what the page pre-filled
(hidden fields, chosen options, dates) and picks the first option of a choice that has
none. When the form refuses a value (too long for the field, say), that field gets
a plain value and the form is sent again, so the other fields still carry the payload; the
refusals are counted.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from django.test import Client
from django.utils import timezone

TEXT_TYPES = {None, "", "text", "search", "url"}
# Text inputs that hold a number, a phone number or a code, not free text.
NOT_FREE = re.compile(r"phone|mobile|ticket|^code$|^token$|^into$|weeks|^via$|share_\d|password")


@dataclass
class Filled:
    """One submission: where it went, the fields that stored the payload, the refusals."""

    url: str
    status: int
    location: str
    stored: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    response: Any = None
    errors: Any = None


def _forms(content: bytes) -> list[Any]:
    doc = lxml.html.fromstring(content)
    return doc.xpath("//form[translate(@method,'POST','post')='post']")


def _defaults(form: Any) -> tuple[dict[str, list[str]], list[str], dict[str, str]]:
    """The values a browser would send untouched, the names of the free text fields, and
    the input type of every other field."""
    data: dict[str, list[str]] = {}
    texts: list[str] = []
    kinds: dict[str, str] = {}
    radios: dict[str, list[Any]] = {}
    for element in form.xpath(".//input|.//textarea|.//select"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        tag, kind = element.tag, (element.get("type") or "").lower()
        kinds[name] = kind or tag
        if tag == "textarea":
            texts.append(name)
            data.setdefault(name, []).append(element.text or "")
        elif tag == "select":
            options = element.xpath(".//option")
            chosen = [
                o.get("value", o.text or "") for o in options if o.get("selected") is not None
            ]
            chosen = [value for value in chosen if value]
            if not chosen:
                chosen = [v for v in (o.get("value", o.text or "") for o in options) if v][:1]
            data[name] = chosen or ([options[0].get("value", "")] if options else [])
        elif kind == "radio":
            radios.setdefault(name, []).append(element)
        elif kind == "checkbox":
            kinds.setdefault(f"first:{name}", element.get("value", "on"))
            if element.get("checked") is not None:
                data.setdefault(name, []).append(element.get("value", "on"))
        elif kind in ("submit", "button", "image", "file", "reset"):
            continue
        else:
            if kind in TEXT_TYPES and not NOT_FREE.search(name):
                texts.append(name)
            data.setdefault(name, []).append(element.get("value", ""))
    for name, elements in radios.items():
        checked = [e for e in elements if e.get("checked") is not None]
        pick = checked or elements[:1]
        if pick:
            data[name] = [pick[0].get("value", "on")]
    return data, texts, kinds


def _valid_other(kind: str) -> str:
    """A plain valid value for a field the page left empty: a date, a time, a number."""
    today = timezone.localdate()
    return {
        "date": today.isoformat(),
        "datetime-local": f"{today.isoformat()}T09:00",
        "time": "09:00",
        "number": "1",
    }.get(kind, "1")


class FormFiller:
    """Submits forms as one signed-in user (or anonymously)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._cache: dict[tuple[str, str | None], Any] = {}

    def _form(
        self, url: str, action: str | None
    ) -> tuple[str, dict[str, list[str]], list[str], dict[str, str]]:
        # Pages of one kind (/cases/1/sign/, /cases/2/sign/) share a form posting to itself.
        shape = (re.sub(r"\d+", "N", url), action)
        key = shape if shape in self._cache else (url, action)
        if key not in self._cache:
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            forms = _forms(response.content)
            if action is not None:
                forms = [f for f in forms if (f.get("action") or url).split("?")[0] == action]
            candidates = [f for f in forms if _defaults(f)[1]]
            assert candidates, f"no form with a text field on {url} ({action})"
            form = candidates[0]
            data, texts, kinds = _defaults(form)
            self._cache[shape if not form.get("action") else key] = (
                form.get("action"),
                data,
                texts,
                kinds,
            )
            key = shape if not form.get("action") else key
        target, data, texts, kinds = self._cache[key]
        return target or url, {k: list(v) for k, v in data.items()}, list(texts), kinds

    def submit(
        self,
        url: str,
        value: str,
        *,
        action: str | None = None,
        fixed: dict[str, Any] | None = None,
        plain: Iterable[str] = (),
        fresh: bool = False,
    ) -> Filled:
        """Send the form on `url` (the one posting to `action`, if given) with `value` in every
        free text field; `fixed` values win; fields in `plain` get plain text."""
        if fresh:
            self._cache.pop((url, action), None)
            self._cache.pop((re.sub(r"\d+", "N", url), action), None)
        target, data, texts, kinds = self._form(url, action)
        fixed = dict(fixed or {})
        plain = set(plain)
        for name in texts:
            if name not in fixed:
                data[name] = ["普通文本内容" if name in plain else value]
        for name, given in fixed.items():
            data[name] = given if isinstance(given, list) else [given]
        for name in data:
            if name == "token" and re.fullmatch(r"[0-9a-f]{32}", (data[name] or [""])[0]):
                data[name] = [uuid.uuid4().hex]  # a new submission, not a repeat
        refused: list[str] = []
        errors: Any = {}
        for _attempt in range(3):
            response = self.client.post(target, {k: v for k, v in data.items()})
            if response.status_code in (301, 302, 303):
                break
            form = (response.context or {}).get("form") if response.context else None
            errors = getattr(form, "errors", {}) or {}
            bad = [
                n for n in errors if n in texts and n not in fixed and data[n] != ["普通文本内容"]
            ]
            empty = [
                n for n in errors if n in kinds and n not in texts and not any(data.get(n) or [])
            ]
            for name in empty:
                data[name] = [kinds.get(f"first:{name}") or _valid_other(kinds[name])]
            if not bad and not empty:
                break
            for name in bad:
                refused.append(name)
                data[name] = ["普通文本内容"]
        stored = [n for n in texts if n not in fixed and n not in refused and n not in plain]
        ok = response.status_code in (301, 302, 303)
        return Filled(
            url=target,
            status=response.status_code,
            location=response.get("Location", "") if ok else "",
            stored=stored if ok else [],
            refused=refused,
            response=response,
            errors=None if ok else dict(errors) or response.content[:300],
        )

"""Date and time inputs render ISO values whatever the language: zh-Hans formats a date as
"2026/02/21", which `<input type="date">` rejects (issue 14, item 8)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

import renda
from renda.core.widgets import DateInput, DateTimeInput, TimeInput
from renda.projects.models import SupervisionPlan

WIDGET_OF = {
    forms.DateTimeField: DateTimeInput,
    forms.DateField: DateInput,
    forms.TimeField: TimeInput,
}


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the platform's form, figure and admin modules."""
    for module in pkgutil.walk_packages(renda.__path__, "renda."):
        if module.name.rsplit(".", 1)[-1] in {"forms", "figures", "admin"}:
            importlib.import_module(module.name)
    found, stack = [], [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("renda."):
                found.append(sub)
    return found


def test_every_date_and_time_field_uses_the_iso_widgets():
    checked, wrong = 0, []
    for form in _form_classes():
        for name, field in form.base_fields.items():
            for kind, widget in WIDGET_OF.items():
                if isinstance(field, kind) and not isinstance(field.widget, forms.HiddenInput):
                    checked += 1
                    if not isinstance(field.widget, widget):
                        wrong.append(f"{form.__module__}.{form.__name__}.{name}")
                    break
    assert checked > 30 and wrong == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_widgets_render_iso_in_every_language(language):
    with translation.override(language):
        date = DateInput().render("d", dt.date(2026, 2, 21))
        time = TimeInput().render("t", dt.time(9, 5))
        moment = DateTimeInput().render("m", dt.datetime(2026, 2, 21, 9, 5))  # noqa: DTZ001
    assert 'type="date"' in date and 'value="2026-02-21"' in date
    assert 'type="time"' in time and 'value="09:05"' in time
    assert 'type="datetime-local"' in moment and 'value="2026-02-21T09:05"' in moment


def test_the_supervision_plan_form_loads_its_date_so_it_can_be_saved_as_loaded(client, demo):
    plan = SupervisionPlan.objects.filter(congress=demo).order_by("-year").first()
    assert plan is not None
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    client.cookies["django_language"] = "zh-hans"
    url = reverse("projects:supervision_plan") + f"?congress={demo.pk}&year={plan.year}"
    page = client.get(url).content.decode()
    [value] = re.findall(r'<input type="date" name="adopted_on" value="([^"]*)"', page)
    assert value == plan.adopted_on.isoformat()
    # Posted back as loaded, the form is accepted.
    response = client.post(url, {"text": plan.text, "adopted_on": value})
    assert response.status_code == 302, response.content.decode()[:2000]

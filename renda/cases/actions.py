"""One GET confirmation and one POST per action, for every page that acts on the engine
(the office's case page, the department's, the deputy's and the office's suggestion pages).

A page declares its actions as data (`Action`) and calls `run_action`: the form is shown,
validated, the service runs, a refusal (DomainError) comes back as a form error with
status 400, success redirects with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from renda.congress.services import DomainError

FormFactory = Callable[[Any, Any, Any], forms.Form]  # (data, files, target) -> form


@dataclass
class Action:
    title: Any
    form: FormFactory
    run: Callable[[Any, Any, dict[str, Any]], Any]  # (target, acting user, cleaned data)
    perm: str = "case.manage"
    success: Any = gettext_lazy("Done.")
    multipart: bool = False
    who: str = ""  # a front door's own rule of who may act (e.g. "lead", "invitee")


def form_of(form_class: type[forms.Form]) -> FormFactory:
    """A factory for a form that needs nothing from the target."""
    return lambda data, files, _target: form_class(data, files)


def run_action(
    request: HttpRequest,
    target: Any,
    action: Action,
    *,
    back: str,
    heading: str,
    template: str = "cases/action.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    post = request.method == "POST"
    form = action.form(request.POST if post else None, request.FILES if post else None, target)
    if post and form.is_valid():
        try:
            action.run(target, request.user, form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, str(action.success))
            return HttpResponseRedirect(back)
    return render(
        request,
        template,
        {
            "form": form,
            "title": action.title,
            "back": back,
            "heading": heading,
            "multipart": action.multipart,
            **(context or {}),
        },
        status=400 if post else 200,
    )

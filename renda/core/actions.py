"""Confirm, then act: the one mechanism behind every action button of the platform.

A GET shows a confirmation page (with the action's form, if it has one); a POST validates
the form and calls the service; a refusal (`DomainError`) comes back on the same page as a
form error with status 400; success redirects with a message. Pages declare their actions
as data (`Action`) and call `run_action`, whatever they act on: a case, an assignment, a
poll, an article, a duty shift, a meeting. One template, `core/action.html`, which pages may
extend for an introduction of their own.
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

from renda.core.errors import DomainError

FormFactory = Callable[[Any, Any, Any], forms.Form]  # (data, files, target) -> form


class ConfirmForm(forms.Form):
    """No fields: the action only needs the user's confirmation."""


@dataclass(frozen=True)
class Action:
    title: Any
    form: FormFactory | None
    run: Callable[[Any, Any, dict[str, Any]], Any]  # (target, acting user, cleaned data)
    # The policy permission the page checks before acting ("" when the page checks itself).
    perm: str = ""
    success: Any = gettext_lazy("Done.")
    multipart: bool = False
    who: str = ""  # a front door's own rule of who may act (e.g. "lead", "invitee")
    danger: bool = False  # shown as a warning button
    intro: Any = ""  # a sentence above the form (what the action will do)
    # When the message depends on what the run returned (a recount that matches or not, a
    # close that voids the poll): result -> (message level, text), instead of `success`.
    outcome: Callable[[Any], tuple[int, Any]] | None = None
    # Where to go after success instead of `back`: a callable of the request and what the
    # run returned (e.g. the page of the object the action created).
    then: Callable[[HttpRequest, Any], str] | None = None


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
    template: str = "core/action.html",
    context: dict[str, Any] | None = None,
    status: int | None = None,
) -> HttpResponse:
    """Show the confirmation (GET) or act (POST) and redirect to `back` on success."""
    post = request.method == "POST"
    factory = action.form or form_of(ConfirmForm)
    form = factory(request.POST if post else None, request.FILES if post else None, target)
    if post and form.is_valid():
        try:
            result = action.run(target, request.user, form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            level, text = (
                action.outcome(result) if action.outcome else (messages.SUCCESS, action.success)
            )
            if text:  # an empty message shows none
                messages.add_message(request, level, str(text))
            return HttpResponseRedirect(action.then(request, result) if action.then else back)
    return render(
        request,
        template,
        {
            "form": form,
            "title": action.title,
            "back": back,
            "heading": heading,
            "multipart": action.multipart,
            "danger": action.danger,
            "intro": action.intro,
            **(context or {}),
        },
        status=status if status is not None else (400 if post else 200),
    )

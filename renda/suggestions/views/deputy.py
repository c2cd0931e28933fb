"""The deputy's pages (mobile first): my suggestions, a new suggestion, a suggestion's page
and its actions. Thin views: a form, a service call, a message, a redirect. A deputy sees
only the suggestions they lead or were asked to co-sign; anything else is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.cases.models import CaseStatus, Reply
from renda.cases.queries import effective_case
from renda.congress import policy
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core.actions import Action, run_action
from renda.core.errors import DomainError
from renda.suggestions import forms as f
from renda.suggestions import services
from renda.suggestions.models import (
    CoSigner,
    Suggestion,
    SuggestionStatus,
)
from renda.suggestions.queries import deputy_tabs

PAGE_SIZE = 30


def _deputy(request: HttpRequest) -> Deputy:
    deputy = services.deputy_of(request.user) if request.user.is_authenticated else None
    if deputy is None:
        raise Http404
    return deputy


def _with_people(qs: Any) -> Any:
    """What a row or page shows about a suggestion, in a fixed number of queries."""
    return qs.select_related(
        "congress", "category", "session__term", "lead", "case"
    ).prefetch_related(
        Prefetch("cosigners", queryset=CoSigner.objects.select_related("deputy").order_by("id"))
    )


# --- my suggestions ------------------------------------------------------------------------------


def _tabs(deputy: Deputy) -> dict[str, Q]:
    return deputy_tabs(deputy)


TAB_LABELS = [
    ("drafts", gettext_lazy("Drafts")),
    ("awaiting", gettext_lazy("Awaiting co-signers")),
    ("submitted", gettext_lazy("Submitted")),
    ("invitations", gettext_lazy("Asked to co-sign")),
    ("evaluate", gettext_lazy("Awaiting my evaluation")),
]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    deputy = _deputy(request)
    tabs = _tabs(deputy)
    tab = request.GET.get("tab") or "submitted"
    if tab not in tabs:
        tab = "submitted"
    base = Suggestion.objects.of_deputy(deputy)
    qs = _with_people(base.filter(tabs[tab])).order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.my_invitation = next(
            (c for c in suggestion.cosigners.all() if c.deputy_id == deputy.pk), None
        )
    congresses = Congress.objects.filter(
        pk__in=DeputyMembership.objects.active_on()
        .filter(deputy=deputy, term__is_current=True)
        .values("congress_id"),
        is_active=True,
    ).order_by("name")
    context = {
        "deputy": deputy,
        "page": page,
        "tab": tab,
        "params": request.GET,
        "tabs": [(key, label, base.filter(tabs[key]).count()) for key, label in TAB_LABELS],
        "congresses": congresses,
    }
    return render(request, "suggestions/deputy/mine.html", context)


# --- a new suggestion -----------------------------------------------------------------------------


@login_required
def new(request: HttpRequest, congress_id: int) -> HttpResponse:
    deputy = _deputy(request)
    membership = services.active_membership(deputy, congress_id)
    if membership is None:
        raise Http404
    congress, term = membership.congress, membership.term
    form = f.NewSuggestionForm(
        request.POST or None, request.FILES or None, congress=congress, term=term, lead=deputy
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit = "submit" in request.POST
        try:
            suggestion = services.raise_suggestion(
                acting_user=request.user,
                congress=congress,
                category=data["category"],
                title=data["title"],
                content=data["content"],
                session=data["session"],
                is_motion=data["is_motion"],
                files=data["attachments"],
                cosigners=list(data["cosigners"]),
                submit=submit,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _message_after_save(suggestion, submitted=submit))
            return HttpResponseRedirect(reverse("suggestions:detail", args=[suggestion.pk]))
    return render(
        request,
        "suggestions/deputy/new.html",
        {"form": form, "congress": congress, "term": term},
        status=400 if request.method == "POST" else 200,
    )


def _message_after_save(suggestion: Suggestion, *, submitted: bool) -> str:
    if not submitted:
        return _("The draft was saved.")
    if suggestion.status == SuggestionStatus.AWAITING_COSIGNERS:
        return _("Saved: the suggestion is submitted once every co-signer has answered.")
    serial = suggestion.case.serial if suggestion.case is not None else ""
    return _("Suggestion %(serial)s submitted.") % {"serial": serial}


# --- a suggestion's page --------------------------------------------------------------------------


def _visible_suggestion(request: HttpRequest, pk: int) -> tuple[Suggestion, Deputy | None]:
    """The lead, any co-signer or invitee, and the congress's office and leaders see it."""
    suggestion = _with_people(Suggestion.objects.filter(pk=pk)).first()
    if suggestion is None:
        raise Http404
    deputy = services.deputy_of(request.user)
    involved = deputy is not None and (
        suggestion.lead_id == deputy.pk
        or any(c.deputy_id == deputy.pk for c in suggestion.cosigners.all())
    )
    if not involved and not policy.can(request.user, "case.supervise", suggestion.congress):
        raise Http404
    return suggestion, (deputy if involved else None)


def _roles(suggestion: Suggestion, deputy: Deputy | None) -> dict[str, Any]:
    is_lead = deputy is not None and suggestion.lead_id == deputy.pk
    invitation = next(
        (c for c in suggestion.cosigners.all() if deputy is not None and c.deputy_id == deputy.pk),
        None,
    )
    return {"is_lead": is_lead, "invitation": invitation}


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion, deputy = _visible_suggestion(request, pk)
    context: dict[str, Any] = {
        "suggestion": suggestion,
        **_roles(suggestion, deputy),
        "can_supervise": policy.can(request.user, "case.supervise", suggestion.congress),
        "confirmed": sum(1 for c in suggestion.cosigners.all() if c.status == "confirmed"),
    }
    own = suggestion.case
    if own is not None:
        # A merged suggestion is answered by the case it was merged into.
        case = effective_case(own)
        context["answering_case"] = case
        context["events"] = case.events.filter(is_public=True).select_related("department")
        context["replies"] = (
            Reply.objects.filter(case=case)
            .select_related("assignment__department")
            .prefetch_related("attachments")
        )
        context["can_evaluate"] = (
            context["is_lead"]
            and case.pk == own.pk
            and case.status == CaseStatus.REPLIED
            and not case.evaluations.filter(round=case.round).exists()
        )
        if context["can_evaluate"]:
            context["evaluation_form"] = f.EvaluationForm()
    return render(request, "suggestions/deputy/detail.html", context)


# --- actions: one GET confirmation and one POST each -------------------------------------------


def _edit_form(data: Any, files: Any, suggestion: Suggestion) -> forms.Form:
    initial = {
        "session": suggestion.session_id,
        "category": suggestion.category_id,
        "title": suggestion.title,
        "content": suggestion.content,
        "is_motion": suggestion.is_motion,
    }
    return f.DraftForm(
        data, files, congress=suggestion.congress, term=suggestion.term, initial=initial
    )


def _edit(s: Suggestion, user: Any, d: dict[str, Any]) -> Any:
    return services.update_draft(
        s,
        acting_user=user,
        category=d["category"],
        title=d["title"],
        content=d["content"],
        session=d["session"],
        is_motion=d["is_motion"],
        files=d["attachments"],
    )


DEPUTY_ACTIONS: dict[str, Action] = {
    "edit": Action(
        gettext_lazy("Edit the draft"),
        _edit_form,
        _edit,
        success=gettext_lazy("The draft was saved."),
        multipart=True,
    ),
    "invite": Action(
        gettext_lazy("Invite co-signers"),
        lambda data, files, suggestion: f.InviteForm(data, suggestion=suggestion),
        lambda s, u, d: services.invite_cosigners(s, list(d["cosigners"]), acting_user=u),
        success=gettext_lazy("The co-signers were invited."),
    ),
    "submit": Action(
        gettext_lazy("Submit the suggestion"),
        lambda data, files, suggestion: f.ConfirmForm(data),
        lambda s, u, d: services.submit_suggestion(s, acting_user=u),
        success=gettext_lazy("Submitted."),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw the suggestion"),
        lambda data, files, suggestion: f.ConfirmForm(data),
        lambda s, u, d: services.withdraw_draft(s, acting_user=u),
        success=gettext_lazy("The suggestion was withdrawn."),
    ),
    "confirm": Action(
        gettext_lazy("Co-sign this suggestion"),
        lambda data, files, suggestion: f.ConfirmForm(data),
        lambda s, u, d: services.respond_to_invitation(s, acting_user=u, accept=True),
        who="invitee",
        success=gettext_lazy("You co-signed the suggestion."),
    ),
    "decline": Action(
        gettext_lazy("Decline to co-sign"),
        lambda data, files, suggestion: f.ConfirmForm(data),
        lambda s, u, d: services.respond_to_invitation(s, acting_user=u, accept=False),
        who="invitee",
        success=gettext_lazy("You declined to co-sign."),
    ),
    "evaluate": Action(
        gettext_lazy("Rate the reply"),
        lambda data, files, suggestion: f.EvaluationForm(data),
        lambda s, u, d: services.evaluate_suggestion(
            s, acting_user=u, result=d["result"], attitude=d["attitude"], comment=d["comment"]
        ),
        success=gettext_lazy("Thank you for your rating."),
    ),
}


@login_required
def action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = DEPUTY_ACTIONS.get(action)
    if spec is None:
        raise Http404
    suggestion, deputy = _visible_suggestion(request, pk)
    roles = _roles(suggestion, deputy)
    allowed = roles["invitation"] is not None if spec.who == "invitee" else roles["is_lead"]
    if not allowed:
        raise Http404
    back = reverse("suggestions:detail", args=[suggestion.pk])
    heading = (
        f"{suggestion.case.serial} {suggestion.title}" if suggestion.case else suggestion.title
    )
    return run_action(
        request,
        suggestion,
        spec,
        back=back,
        heading=heading,
        template="suggestions/deputy/action.html",
        context={"suggestion": suggestion, "action": action, "today": timezone.localdate()},
    )

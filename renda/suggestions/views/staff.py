"""The presidium office's pages for deputies' suggestions: the review list, a suggestion's
page and its actions, the assignment meetings with their exports, the ledger, the figures
and the follow-ups. Office staff act (`case.manage`); leaders read (`case.supervise`) and
may record supervision notes. Thin views: a form, a service call, a message, a redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.cases import figures as case_figures
from renda.cases import forms as cf
from renda.cases import services as cases
from renda.cases.models import (
    Case,
    Category,
    FollowUp,
)
from renda.cases.queries import case_context
from renda.cases.views.actions import CASE_ACTIONS, for_door, merge_action
from renda.congress import policy
from renda.congress.models import Congress, Session
from renda.core import exports
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError
from renda.suggestions import forms as f
from renda.suggestions import services, tables
from renda.suggestions.figures import GROUP_LABELS
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSigner,
    MeetingItem,
    MeetingStatus,
    Suggestion,
)

PAGE_SIZE = 50

LIST_FORMATS = ("xlsx", "docx")


def _congresses(user: Any, perm: str = "case.supervise") -> QuerySet[Congress]:
    if policy.is_superuser(user):
        return Congress.objects.filter(is_active=True).order_by("name")
    return Congress.objects.filter(pk__in=policy.readable_congress_ids(user, perm)).order_by("name")


def _require_office(request: HttpRequest) -> QuerySet[Congress]:
    """The congresses whose suggestions the user may read; a 404 for everyone else."""
    congresses = _congresses(request.user)
    if not congresses.exists():
        raise Http404
    return congresses


def _office_suggestion(request: HttpRequest, pk: int) -> Suggestion:
    """A submitted suggestion of a congress the user supervises (drafts stay the deputy's)."""
    return get_visible_or_404(
        Suggestion.objects.filter(case__isnull=False)
        .select_related(
            "congress",
            "category",
            "session__term",
            "lead",
            "case__congress",
            "case__category",
            "case__village",
            "case__merged_into",
            "case__escalated_to",
            "case__converted_to",
            "case__priority_leader",
        )
        .prefetch_related(
            Prefetch("cosigners", queryset=CoSigner.objects.select_related("deputy").order_by("id"))
        ),
        request.user,
        pk,
        "case.supervise",
    )


# --- the review list ------------------------------------------------------------------------------


VIEW_LABELS = [
    ("review", gettext_lazy("Awaiting review")),
    ("accepted", gettext_lazy("Accepted, awaiting assignment")),
    ("handling", gettext_lazy("Being handled")),
    ("replied", gettext_lazy("Replied")),
    ("closed", gettext_lazy("Closed")),
    ("rejected", gettext_lazy("Not accepted")),
    ("all", gettext_lazy("All")),
]


@login_required
def review_list(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "suggestions.list")
    qs = tables.suggestion_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    congress_ids = list(congresses.values_list("pk", flat=True))
    context = {
        "page": page,
        "params": request.GET,
        "view": request.GET.get("view") or "review",
        "views": VIEW_LABELS,
        "categories": Category.objects.filter(congress_id__in=congress_ids).order_by(
            "congress", "order", "name"
        ),
        "sessions": Session.objects.filter(
            term__congress_id__in=congress_ids, term__is_current=True
        ).select_related("term"),
        "can_manage": policy.can(request.user, "case.manage"),
        "table": tables.SUGGESTIONS,
        "export_query": exports.export_query(request),
    }
    return render(request, "suggestions/staff/list.html", context)


# --- a suggestion's office page -------------------------------------------------------------------


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _office_suggestion(request, pk)
    case = _case(suggestion)
    context = case_context(case, request.user)
    context.update(
        suggestion=suggestion,
        contacts=case.contacts.select_related("department", "recorded_by"),
        follow_up=FollowUp.objects.filter(case=case).first(),
        meeting_items=MeetingItem.objects.filter(case=case).select_related("meeting"),
        can_manage=policy.can(request.user, "case.manage", suggestion.congress),
        can_supervise=policy.can(request.user, "case.supervise", suggestion.congress),
        has_assignment=case.assignments.exclude(status="superseded").exists(),
    )
    return render(request, "suggestions/staff/detail.html", context)


# --- actions: one GET confirmation and one POST each ---------------------------------------------


def _case(s: Suggestion) -> Case:
    """The engine's case of a submitted suggestion (the office pages only load those)."""
    if s.case is None:
        raise DomainError(_("This suggestion has not been submitted."))
    return s.case


def _engine(name: str, **changes: Any) -> Action:
    """The engine's action `name` on the suggestion's case, in this page's words."""
    return for_door(CASE_ACTIONS[name], _case, **changes)


# The engine's actions, taken as they are defined there, plus the suggestion's own.
OFFICE_ACTIONS: dict[str, Action] = {
    "accept": Action(
        gettext_lazy("Accept the suggestion (立案)"),
        form_of(cf.NoteForm),
        lambda s, u, d: services.accept_suggestion(s, acting_user=u, note=d["note"]),
        success=gettext_lazy("The suggestion was accepted."),
        perm="case.manage",
    ),
    "reject": Action(
        gettext_lazy("Do not accept the suggestion"),
        form_of(f.RejectForm),
        lambda s, u, d: cases.reject_case(
            _case(s), reason=d["reason"], acting_user=u, convert_to_opinion=d["convert"]
        ),
        success=gettext_lazy("The suggestion was not accepted."),
        perm="case.manage",
    ),
    "merge": for_door(
        merge_action(
            gettext_lazy("Merge into another suggestion"),
            form=f.MergeForm,
            same_kind=True,
            missing=gettext_lazy("No suggestion of this congress has that number."),
        ),
        _case,
    ),
    "motion": Action(
        gettext_lazy("Decide on the motion"),
        form_of(f.MotionForm),
        lambda s, u, d: services.decide_motion(
            s, decision=d["decision"], note=d["note"], acting_user=u
        ),
        perm="case.manage",
    ),
    "priority": _engine("priority"),
    "supervise": _engine("supervise"),
    "contact": _engine("contact", title=gettext_lazy("Record a contact with the deputy")),
    "follow_up": _engine("follow_up", title=gettext_lazy("Record the follow-up")),
    "publish": Action(
        gettext_lazy("Publish the suggestion and its reply"),
        form_of(f.ConfirmForm),
        lambda s, u, d: services.set_published(s, published=True, acting_user=u),
        success=gettext_lazy("Published on the public page."),
        perm="case.manage",
    ),
    "unpublish": Action(
        gettext_lazy("Take the suggestion off the public page"),
        form_of(f.ConfirmForm),
        lambda s, u, d: services.set_published(s, published=False, acting_user=u),
        perm="case.manage",
    ),
    "withdraw": _engine("withdraw"),
    "paper_reply": _engine("paper_reply"),
}


@login_required
def review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = OFFICE_ACTIONS.get(action)
    if spec is None:
        raise Http404
    suggestion = _office_suggestion(request, pk)
    if not policy.can(request.user, spec.perm, suggestion.congress):
        raise Http404
    return run_action(
        request,
        suggestion,
        spec,
        back=reverse("suggestions:office_detail", args=[suggestion.pk]),
        heading=f"{_case(suggestion).serial} {suggestion.title}",
    )


# --- written answers of co-signers without an account --------------------------------------------


def _awaiting_answers(user: Any) -> QuerySet[CoSigner]:
    """Invitations still unanswered on suggestions their lead deputy has sent, in the
    congresses whose suggestions the user manages."""
    return tables.cosigner_rows(user, {})


@login_required
@require_GET
def cosigners(request: HttpRequest) -> HttpResponseBase:
    """Co-signers whose answer the office may record: those without an online account
    answer only in writing; the others may also answer on their own page."""
    if not _congresses(request.user, "case.manage").exists():
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "suggestions.cosigners")
    pending = tables.cosigner_rows(request.user, request.GET)
    return render(
        request,
        "suggestions/staff/cosigners.html",
        {
            "page": Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page")),
            "table": tables.COSIGNERS,
            "export_query": exports.export_query(request),
        },
    )


COSIGNER_ACTIONS: dict[str, Action] = {
    "confirm": Action(
        gettext_lazy("Record a written confirmation of co-signing"),
        None,
        lambda c, u, d: services.record_cosigner_answer(c, accept=True, acting_user=u),
        perm="case.manage",
        success=gettext_lazy("The co-signer's confirmation is recorded."),
        intro=gettext_lazy(
            "Record it only with the deputy's signed answer in hand; the record names you."
        ),
    ),
    "decline": Action(
        gettext_lazy("Record a written refusal to co-sign"),
        None,
        lambda c, u, d: services.record_cosigner_answer(c, accept=False, acting_user=u),
        perm="case.manage",
        success=gettext_lazy("The co-signer's refusal is recorded."),
        danger=True,
    ),
}


@login_required
def cosigner_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = COSIGNER_ACTIONS.get(action)
    if spec is None:
        raise Http404
    invitation = (
        _awaiting_answers(request.user).select_related("deputy", "suggestion").filter(pk=pk).first()
    )
    if invitation is None:
        raise Http404
    return run_action(
        request,
        invitation,
        spec,
        back=reverse("suggestions:cosigners"),
        heading=f"{invitation.deputy.name} · {invitation.suggestion.title}",
    )


# --- assignment meetings --------------------------------------------------------------------------


@login_required
def meetings(request: HttpRequest) -> HttpResponseBase:
    _require_office(request)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return exports.respond(request, "suggestions.meetings")
    manage = _congresses(request.user, "case.manage")
    if request.method == "POST" and not manage.exists():
        raise Http404
    form = f.MeetingForm(request.POST or None, congresses=manage) if manage.exists() else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.create_meeting(
                congress=data["congress"],
                title=data["title"],
                held_on=data["held_on"],
                note=data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The meeting was created."))
            return HttpResponseRedirect(reverse("suggestions:meeting", args=[meeting.pk]))
    qs = tables.meeting_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/staff/meetings.html",
        {
            "page": page,
            "params": request.GET,
            "form": form,
            "table": tables.ASSIGNMENT_MEETINGS,
            "export_query": exports.export_query(request),
        },
        status=400 if request.method == "POST" else 200,
    )


def _meeting(request: HttpRequest, pk: int) -> AssignmentMeeting:
    return get_visible_or_404(
        AssignmentMeeting.objects.select_related("congress", "created_by"),
        request.user,
        pk,
        "case.supervise",
    )


def _items(meeting: AssignmentMeeting) -> QuerySet[MeetingItem]:
    return meeting.items.select_related("case__suggestion__lead", "lead").prefetch_related(
        "co_handlers", "splits"
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    can_manage = policy.can(request.user, "case.manage", meeting.congress)
    planned = meeting.status == MeetingStatus.PLANNED
    context = {
        "meeting": meeting,
        "items": _items(meeting),
        "can_manage": can_manage,
        "planned": planned,
        "item_form": f.MeetingItemForm(meeting=meeting) if can_manage and planned else None,
    }
    return render(request, "suggestions/staff/meeting.html", context)


def _set_item(meeting: AssignmentMeeting, user: Any, d: dict[str, Any]) -> Any:
    lead_mode = d["mode"] == "lead"
    return services.set_meeting_item(
        meeting,
        d["case"],
        acting_user=user,
        lead=d["lead"] if lead_mode else None,
        co_handlers=list(d["co_handlers"]) if lead_mode else [],
        splits=[] if lead_mode else list(d["splits"]),
        due=d["due"],
    )


MEETING_ACTIONS: dict[str, Action] = {
    "item": Action(
        gettext_lazy("Put a suggestion on the list"),
        lambda data, files, m: f.MeetingItemForm(data, meeting=m),
        _set_item,
        success=gettext_lazy("The list was updated."),
        perm="case.manage",
    ),
    "remove": Action(
        gettext_lazy("Take a suggestion off the list"),
        lambda data, files, m: f.RemoveItemForm(data, meeting=m),
        lambda m, u, d: services.remove_meeting_item(d["item"], acting_user=u),
        success=gettext_lazy("The list was updated."),
        perm="case.manage",
    ),
    "hold": Action(
        gettext_lazy("Hold the meeting: assign every suggestion on the list"),
        form_of(f.ConfirmForm),
        lambda m, u, d: services.hold_meeting(m, acting_user=u),
        success=gettext_lazy("Every suggestion on the list was assigned."),
        perm="case.manage",
    ),
}


@login_required
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = MEETING_ACTIONS.get(action)
    if spec is None:
        raise Http404
    meeting = _meeting(request, pk)
    if not policy.can(request.user, spec.perm, meeting.congress):
        raise Http404
    return run_action(
        request,
        meeting,
        spec,
        back=reverse("suggestions:meeting", args=[meeting.pk]),
        heading=meeting.title,
    )


@login_required
@require_GET
def meeting_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in LIST_FORMATS:
        raise Http404
    meeting = _meeting(request, pk)
    from renda.suggestions import ledger  # written beside this module

    build = ledger.meeting_list_xlsx if fmt == "xlsx" else ledger.meeting_list_docx
    return exports.attachment(
        build(meeting),
        f"meeting-{meeting.pk}.{fmt}",
        action="suggestions.exported",
        obj=meeting,
        actor=request.user,
    )


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponseBase:
    """The suggestions ledger (.xlsx): streamed, or a background job above
    `RENDA_EXPORT_JOB_ROWS` suggestions (renda.suggestions.ledger registers the export)."""
    _require_office(request)
    return exports.respond(request, "suggestions.ledger")


# --- figures and follow-ups -----------------------------------------------------------------------


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "suggestions.figures")
    form = case_figures.FiguresFilter(request.GET or None, congresses=congresses)
    del form.fields["kind"]
    total, groups = tables.figure_groups(request.user, request.GET)
    # The engine's charts, drawn from these rows (rates by department and category, reply
    # classes).
    charts = case_figures.charts(total, {key: groups[key] for key in ("department", "category")})
    context = {
        "form": form,
        "total": total,
        "classes_chart": charts["classes"],
        "headers": tables.FIGURES.headers[2:],
        "export_query": exports.export_query(request),
        "groups": [
            (GROUP_LABELS[key], *case_figures.page_rows(rows), charts.get(key))
            for key, rows in groups.items()
        ],
        "page_rows": case_figures.PAGE_ROWS,
    }
    return render(request, "suggestions/staff/figures.html", context)


@login_required
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponseBase:
    _require_office(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "suggestions.follow_ups")
    qs = tables.follow_up_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/staff/follow_ups.html",
        {
            "page": page,
            "params": request.GET,
            "today": timezone.localdate(),
            "table": tables.FOLLOW_UPS,
            "export_query": exports.export_query(request),
        },
    )

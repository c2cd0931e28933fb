"""The suggestions' figures as a table (renda.core.exports): every grouping's rows, for a
user and the page's filters, with the case engine's columns (`cases.figures.COLUMNS`, the
page's header row and the sheet)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.cases import figures as case_figures
from renda.cases.models import Case, CaseKind
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.exports import Column, Export, Table, register
from renda.suggestions import figures as suggestion_figures


def _session(s: Any) -> str:
    if s.session_id:
        return str(_("Session %(n)s") % {"n": s.session.ordinal})
    return str(_("Between sessions"))


def _lead(s: Any) -> str:
    return f"{s.lead.name} +{s.confirmed}" if s.confirmed else s.lead.name


SUGGESTIONS = Table(
    _("Deputies' suggestions"),
    (
        Column(_("Number"), "case.serial", 16),
        Column(_("Title"), "title", 40),
        Column(_("Lead deputy"), _lead, 14),
        Column(_("Session"), _session, 12),
        Column(_("Category"), "category.name", 14),
        Column(_("Status"), "case.get_status_display", 12),
    ),
)


def suggestion_rows(user: Any, params: QueryDict | dict) -> Any:
    """The office's review list: the view tab, session, category, town, motion and text
    filters over the suggestions the user supervises."""
    from django.db.models import Count, Q

    from renda.suggestions.models import CoSignerStatus, MotionDecision
    from renda.suggestions.queries import VIEWS, office_suggestions

    qs = office_suggestions(user)
    view = params.get("view") or "review"
    qs = qs.filter(VIEWS.get(view, VIEWS["review"]))
    session = params.get("session") or ""
    if session == "none":
        qs = qs.filter(session__isnull=True)
    elif session.isdigit():
        qs = qs.filter(session_id=session)
    category = params.get("category") or ""
    if category.isdigit():
        qs = qs.filter(category_id=category)
    congress = params.get("congress") or ""
    if congress.isdigit():  # one town's (the district's view of its towns)
        qs = qs.filter(congress_id=congress)
    if params.get("motion") == "pending":
        qs = qs.filter(motion_decision=MotionDecision.PENDING)
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(case__serial__icontains=text) | Q(title__icontains=text))
    return (
        qs.select_related("case", "category", "session__term", "lead", "congress")
        .annotate(
            confirmed=Count("cosigners", filter=Q(cosigners__status=CoSignerStatus.CONFIRMED))
        )
        .order_by("-submitted_at", "-id")
    )


def _list_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(suggestion_rows(user, params).values_list("congress_id", flat=True)))


FOLLOW_UPS = Table(
    _("Suggestions under follow-up"),
    (
        Column(_("Re-check date"), "recheck_date", 12),
        Column(_("Number"), "case.serial", 16),
        Column(_("Title"), "case.title", 40),
        Column(_("Category"), "case.category.name", 14),
        Column(_("Reply class"), lambda fu: fu.case.reply_class or "—", 10),
    ),
)


def follow_up_rows(user: Any, params: QueryDict | dict) -> Any:
    """The open follow-ups of the suggestions of the congresses the user supervises."""
    from renda.cases.models import FollowUp, FollowUpStatus

    return (
        FollowUp.objects.filter(
            status=FollowUpStatus.OPEN,
            case__kind=CaseKind.SUGGESTION,
            case__congress__in=_congresses(user),
        )
        .select_related("case__suggestion", "case__category")
        .order_by("recheck_date", "id")
    )


def _follow_up_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(follow_up_rows(user, params).values_list("case__congress_id", flat=True)))


ASSIGNMENT_MEETINGS = Table(
    _("Assignment meetings"),
    (
        Column(_("Date"), "held_on", 12),
        Column(_("Title"), "title", 40),
        Column(_("Congress"), "congress.name", 16),
        Column(_("Suggestions"), "item_count", 10),
        Column(_("Status"), "get_status_display", 12),
    ),
)


def meeting_rows(user: Any, params: QueryDict | dict) -> Any:
    from django.db.models import Count

    from renda.suggestions.models import AssignmentMeeting

    return (
        AssignmentMeeting.objects.visible_to(user, "case.supervise")
        .select_related("congress")
        .annotate(item_count=Count("items"))
        .order_by("-held_on", "-id")
    )


def _meeting_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(meeting_rows(user, params).values_list("congress_id", flat=True)))


def _congresses(user: Any, perm: str = "case.supervise") -> Any:
    if policy.is_superuser(user):
        return Congress.objects.filter(is_active=True).order_by("name")
    return Congress.objects.filter(pk__in=policy.readable_congress_ids(user, perm)).order_by("name")


def _cosigner(c: Any) -> str:
    if c.deputy.user_id:
        return c.deputy.name
    return str(_("%(name)s (answers in writing)") % {"name": c.deputy.name})


COSIGNERS = Table(
    _("Written co-signing answers"),
    (
        Column(_("Co-signer"), _cosigner, 20),
        Column(_("Suggestion"), "suggestion.title", 40),
        Column(_("Lead deputy"), "suggestion.lead.name", 14),
        Column(_("Invited"), lambda c: timezone.localdate(c.invited_at), 12),
    ),
)


def cosigner_rows(user: Any, params: QueryDict | dict) -> Any:
    """Invitations still unanswered on suggestions their lead deputy has sent, in the
    congresses whose suggestions the user manages (the office records written answers)."""
    from renda.suggestions.models import CoSigner, CoSignerStatus, SuggestionStatus

    return (
        CoSigner.objects.filter(
            suggestion__congress__in=_congresses(user, "case.manage"),
            suggestion__status=SuggestionStatus.AWAITING_COSIGNERS,
            status=CoSignerStatus.INVITED,
        )
        .select_related("deputy", "suggestion__lead", "suggestion__congress")
        .order_by("suggestion__congress__name", "suggestion_id", "id")
    )


def _cosigner_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(_congresses(user, "case.manage").values_list("pk", flat=True))


def figure_groups(user: Any, params: QueryDict | dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's totals and rows per grouping, for the user's scope and the page's filter."""
    form = case_figures.FiguresFilter(params or None, congresses=_congresses(user))
    del form.fields["kind"]
    data = form.cleaned_data if form.is_valid() else {}
    qs = case_figures.filtered_cases(
        Case.objects.visible_to(user, "case.supervise").filter(kind=CaseKind.SUGGESTION), data
    )
    total = suggestion_figures.totals(qs)
    groups = {key: suggestion_figures.grouped(qs, key) for key in suggestion_figures.GROUPS}
    return total, groups


def figure_rows(user: Any, params: QueryDict | dict) -> list[dict[str, Any]]:
    total, groups = figure_groups(user, params)
    rows = [{**total, "group": _("Total"), "label": ""}]
    for key, group_rows in groups.items():
        label = suggestion_figures.GROUP_LABELS[key]
        rows.extend({**row, "group": label} for row in group_rows)
    return rows


FIGURES = Table(
    _("Figures of deputies' suggestions"),
    (
        Column(_("Grouping"), "group", 14),
        Column("", "label", 24),
        Column(_("Received"), "received", 10),
        Column(_("Assigned"), "assigned", 10),
        Column(_("Closed"), "closed", 10),
        Column(_("Closure rate"), "closure_rate", 10),
        Column(_("On time"), "on_time_rate", 10),
        Column(_("Met rate"), "met_rate", 10),
        Column(_("Evaluated"), "evaluated", 10),
        Column(_("Satisfaction"), "satisfaction_rate", 10),
        Column("A", "class_a", 6),
        Column("B", "class_b", 6),
        Column("C", "class_c", 6),
        Column("D", "class_d", 6),
        Column(_("Solved rate"), "solved_rate", 10),
        Column(_("Solved or solving"), "solved_or_solving_rate", 10),
    ),
)


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    ids = sorted(_congresses(user).values_list("pk", flat=True))
    wanted = str(params.get("congress") or "")
    return [int(wanted)] if wanted.isdigit() and int(wanted) in ids else ids


register(
    Export(
        "suggestions.figures",
        FIGURES,
        figure_rows,
        _("Figures of deputies' suggestions"),
        "suggestions.figures_exported",
        _congress_ids,
    )
)
register(
    Export(
        "suggestions.list",
        SUGGESTIONS,
        suggestion_rows,
        _("Deputies' suggestions"),
        "suggestions.list_exported",
        _list_congress_ids,
    )
)
register(
    Export(
        "suggestions.follow_ups",
        FOLLOW_UPS,
        follow_up_rows,
        _("Suggestions under follow-up"),
        "suggestions.follow_ups_exported",
        _follow_up_congress_ids,
    )
)
register(
    Export(
        "suggestions.meetings",
        ASSIGNMENT_MEETINGS,
        meeting_rows,
        _("Assignment meetings"),
        "suggestions.meetings_exported",
        _meeting_congress_ids,
    )
)
register(
    Export(
        "suggestions.cosigners",
        COSIGNERS,
        cosigner_rows,
        _("Written co-signing answers"),
        "suggestions.cosigners_exported",
        _cosigner_congress_ids,
    )
)

"""The activities' figures as tables (renda.core.exports): the year's figures and its
budget execution, for a user and the page's query string, with their columns declared once
(the page's header row and the sheet) and their exports."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.activities import figures as activity_figures
from renda.activities.models import Activity, ActivityKind, InvitationStatus, ReportKind
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.exports import Column, Export, Table, register


def congress_for(user: Any, params: QueryDict | dict) -> Congress:
    """`?congress=` among the congresses the user may view activities of, else the first."""
    if policy.is_superuser(user):
        congresses = list(Congress.objects.filter(is_active=True).order_by("name"))
    else:
        congresses = list(
            Congress.objects.filter(pk__in=policy.congress_ids(user, "activity.view")).order_by(
                "name"
            )
        )
    if not congresses:
        raise Http404
    wanted = str(params.get("congress") or "")
    return next((c for c in congresses if str(c.pk) == wanted), congresses[0])


def year_of(params: QueryDict | dict) -> int:
    value = str(params.get("year") or "")
    return (
        int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year
    )


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    return [congress_for(user, params).pk]


def listed(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with their counts, in one query however many there are."""
    return queryset.select_related("organiser").annotate(
        invited=Count("invitations", distinct=True),
        attended=Count(
            "invitations",
            filter=Q(invitations__status=InvitationStatus.ATTENDED),
            distinct=True,
        ),
        finding_count=Count("findings", distinct=True),
    )


ACTIVITIES = Table(
    _("Deputies' activities"),
    (
        Column(_("Date"), "starts_on", 12),
        Column(_("Kind"), "get_kind_display", 14),
        Column(_("Topic"), "topic", 36),
        Column(_("Organiser"), "organiser.name", 14),
        Column(_("Invited"), "invited", 8),
        Column(_("Took part"), "attended", 8),
        Column(_("Findings"), "finding_count", 8),
        Column(_("Status"), "get_status_display", 10),
    ),
)


def activity_rows(user: Any, params: QueryDict | dict) -> QuerySet[Activity]:
    """The office list's rows: a town's activities of a year, of a kind if asked."""
    activities = Activity.objects.filter(
        congress=congress_for(user, params), starts_on__year=year_of(params)
    )
    kind = params.get("kind") or ""
    if kind in ActivityKind.values:
        activities = activities.filter(kind=kind)
    return listed(activities)


def _flag(row: dict[str, Any]) -> str:
    if row["flag"] == "low":
        return str(_("Below the band"))
    if row["flag"] == "high":
        return str(_("Above the band"))
    return ""


BUDGET = Table(
    _("Budget execution"),
    (
        Column(_("Budget line"), "label", 30),
        Column(_("Budget (10k yuan)"), "budget", 14),
        Column(_("Executed to date (10k yuan)"), "executed", 14),
        Column(_("Execution"), "execution", 12),
        Column(_("Of the time target"), "of_target", 12),
        Column(_("Flag"), _flag, 12),
    ),
)


def budget_rows(user: Any, params: QueryDict | dict) -> list[dict[str, Any]]:
    """The figures page's budget lines (`figures.budget_execution`, the same function)."""
    return activity_figures.budget_execution(congress_for(user, params).pk, year_of(params))["rows"]


FIGURES = Table(
    _("Activities in figures"),
    (Column(_("Figure"), lambda row: row[0], 40), Column(_("Value"), lambda row: row[1], 14)),
)


def figure_rows(user: Any, params: QueryDict | dict) -> list[tuple[Any, Any]]:
    """The figures page's numbers (`figures.year_figures`, the same function)."""
    f = activity_figures.year_figures(congress_for(user, params).pk, year_of(params))
    return [
        (_("Presidium meetings"), f["meetings"]["held"]),
        *((label, f["meetings"]["reports"][k]) for k, label in ReportKind.choices),
        (_("Deliberation opinions sent"), f["opinions"]["sent"]),
        (_("Deliberation opinions replied"), f["opinions"]["replied"]),
        (_("Nominees reviewed"), f["reviews"]["reviewed"]),
        *((label, f["held"][k]) for k, label in ActivityKind.choices),
        (_("Deputies taking part"), f["deputies"]["total"]),
        (_("Findings filed"), f["findings"]["filed"]),
        (_("Findings replied"), f["findings"]["replied"]),
        (_("Training sessions held"), f["training"]["sessions"]),
        (_("Hours credited"), f["training"]["hours"]),
        (_("People reached"), f["legal_education"]["people"]),
    ]


register(
    Export(
        "activities.list",
        ACTIVITIES,
        activity_rows,
        _("Deputies' activities"),
        "activities.list_exported",
        _congress_ids,
    )
)
register(
    Export(
        "activities.budget",
        BUDGET,
        budget_rows,
        _("Budget execution"),
        "activities.budget_exported",
        _congress_ids,
    )
)
register(
    Export(
        "activities.figures",
        FIGURES,
        figure_rows,
        _("Activities in figures"),
        "activities.figures_exported",
        _congress_ids,
    )
)


# --- the presidium's meetings ---------------------------------------------------------------

PRESIDIUM_MEETINGS = Table(
    _("Presidium meetings"),
    (
        Column(_("Date"), "held_on", 12),
        Column(_("Title"), "title", 40),
        Column(_("Status"), "get_status_display", 12),
    ),
)


def presidium_meeting_rows(user: Any, params: QueryDict | dict) -> Any:
    """The meetings of the page's congress in the page's year."""
    from renda.activities.models import PresidiumMeeting

    return PresidiumMeeting.objects.filter(
        congress=congress_for(user, params), held_on__year=year_of(params)
    ).order_by("-held_on")


register(
    Export(
        "activities.presidium_meetings",
        PRESIDIUM_MEETINGS,
        presidium_meeting_rows,
        _("Presidium meetings"),
        "activities.meetings_exported",
        _congress_ids,
    )
)

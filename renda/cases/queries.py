"""Reads of the case engine: inboxes, timelines, duplicates. Every list here issues a fixed
number of queries, whatever the number of cases (DESIGN.md rule 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from renda.cases.models import (
    ANSWERING_ROLES,
    HANDLING,
    OPEN,
    Assignment,
    AssignmentStatus,
    Case,
    CaseEvent,
    CaseKind,
    CaseRules,
    CaseStatus,
)
from renda.cases.similarity import find_duplicates
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.models import Region, RegionLevel
from renda.core.workdays import add_working_days

MAX_CHAIN = 5
DUPLICATE_CANDIDATES = 300


def effective_case(case: Case) -> Case:
    """The case that answers for this one: itself, or the case it was merged into or
    escalated as (followed a few steps at most)."""
    current = case
    for _step in range(MAX_CHAIN):
        nxt = current.merged_into or current.escalated_to
        if nxt is None:
            break
        current = nxt
    return current


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    return (
        case.events.filter(is_public=True).select_related("department").order_by("created_at", "id")
    )


def with_list_data(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What an inbox row shows, in a constant number of queries."""
    answering = (
        Assignment.objects.filter(role__in=ANSWERING_ROLES)
        .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
        .select_related("department")
    )
    return qs.select_related("category", "village", "congress").prefetch_related(
        Prefetch("assignments", queryset=answering, to_attr="answering_assignments")
    )


INBOX_FILTERS = {
    "new": Q(status__in=["submitted", "triaged", "returned"]),
    "unassigned": Q(status__in=["submitted", "triaged"]),
    "returned": Q(status="returned"),
    "handling": Q(status__in=HANDLING),
    "replied": Q(status="replied"),
    "overdue": Q(status__in=HANDLING),  # refined by date in inbox_view
    "due_soon": Q(status__in=HANDLING),
    "open": Q(status__in=OPEN),
    "closed": Q(status="closed"),
    "priority": Q(is_priority=True, status__in=OPEN),
    "all": Q(),
}

# "Due soon": due within this many working days from today (today included).
DUE_SOON_WORKING_DAYS = 3


def due_soon_until(today: dt.date) -> dt.date:
    """The last day of the "due soon" window (one query for the holiday calendar)."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS)


def inbox_view(view: str, today: dt.date, soon_until: dt.date | None = None) -> Q:
    """The one definition of each inbox view (the office inbox filters with it, the
    workspace counts with it: a figure and its list always agree)."""
    q = INBOX_FILTERS.get(view, INBOX_FILTERS["open"])
    if view == "overdue":
        q &= Q(due_date__lt=today)
    elif view == "due_soon":
        q &= Q(due_date__gte=today, due_date__lte=soon_until or due_soon_until(today))
    return q


def office_counts(
    user: Any,
    views: tuple[str, ...],
    today: dt.date | None = None,
    *,
    scope: str = "",
    source: str = "",
) -> dict[str, int]:
    """How many cases the office's inbox shows under each view (one query, plus the holiday
    calendar when "due_soon" is asked), in the inbox's `scope` (a district office: "own",
    its congress's matters; "towns", the towns' cases it reads) and `source` filter."""
    today = today or timezone.localdate()
    soon = due_soon_until(today) if "due_soon" in views else None
    qs = scoped_inbox(Case.objects.visible_to(user, "case.supervise"), user, scope)
    if source:
        qs = qs.filter(source=source)
    return qs.aggregate(
        **{view: Count("pk", distinct=True, filter=inbox_view(view, today, soon)) for view in views}
    )


def scoped_inbox(qs: QuerySet[Case], user: Any, scope: str) -> QuerySet[Case]:
    """The office inbox's `scope` for a district office (nothing to narrow for a town's)."""
    towns = policy.district_town_ids(user)
    if not towns or scope not in ("own", "towns"):
        return qs
    return qs.exclude(congress_id__in=towns) if scope == "own" else qs.filter(congress_id__in=towns)


def digits(value: Any) -> int | None:
    """A query parameter that must be an id: anything else counts as absent."""
    return int(value) if value is not None and str(value).isdigit() else None


# A search that matches up to this many cases is filtered by their ids (docs/scale.md).
SEARCH_IDS = 1000


def _matching(text: str, qs: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of `qs` whose serial, title or content contain `text`. PostgreSQL finds a few
    matches through the trigram indexes (cases.0008) in milliseconds; but folded into the
    inbox's query, with its order and page size, the planner expects matches to come early
    and walks the order index over every case instead (seconds at a million). So a few
    matches go in as their ids; many (a common word) as a subquery, where walking the order
    index is the right plan."""
    matches = Case.objects.filter(
        Q(serial__icontains=text) | Q(title__icontains=text) | Q(content__icontains=text)
    )
    ids = list(matches.order_by().values_list("id", flat=True)[: SEARCH_IDS + 1])
    if len(ids) <= SEARCH_IDS:
        return qs.filter(id__in=ids)
    return qs.filter(id__in=matches.values("id"))


def filter_inbox(
    qs: QuerySet[Case], params: dict[str, Any], today: dt.date | None = None
) -> QuerySet[Case]:
    today = today or timezone.localdate()
    view = params.get("view") or "open"
    qs = qs.filter(inbox_view(view, today))
    for param, lookup in (
        ("congress", "congress_id"),
        ("category", "category_id"),
        ("village", "village_id"),
        ("source", "source"),
        ("kind", "kind"),
    ):
        value = params.get(param)
        if value and (not lookup.endswith("_id") or str(value).isdigit()):
            qs = qs.filter(**{lookup: value})
    department = params.get("department")
    department = department if department and str(department).isdigit() else None
    if department:
        current = Assignment.objects.filter(department_id=department).exclude(
            status=AssignmentStatus.SUPERSEDED
        )
        qs = qs.filter(id__in=current.values("case_id"))
    text = (params.get("q") or "").strip()
    if text:
        qs = _matching(text, qs)
    return qs


DEPARTMENT_VIEWS = ("todo", "unsigned", "to_reply", "due_soon", "overdue", "done", "all")


def department_view(view: str, today: dt.date, soon_until: dt.date | None = None) -> Q:
    """The one definition of each view of a department's inbox (its list and the workspace's
    counts both filter with it)."""
    pending = Q(
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED],
        case__status__in=HANDLING,
    )
    if view == "todo":
        return pending
    if view == "unsigned":
        return Q(status=AssignmentStatus.ASSIGNED)
    if view == "to_reply":
        return Q(status=AssignmentStatus.SIGNED, case__status__in=HANDLING)
    if view == "overdue":
        return pending & Q(due_date__lt=today)
    if view == "due_soon":
        return pending & Q(due_date__gte=today, due_date__lte=soon_until or due_soon_until(today))
    if view == "done":
        return Q(status__in=[AssignmentStatus.REPLIED, AssignmentStatus.RETURNED])
    return Q()


def _department_base(department_ids: set[int]) -> QuerySet[Assignment]:
    return Assignment.objects.filter(department_id__in=department_ids).exclude(
        status=AssignmentStatus.SUPERSEDED
    )


def department_assignments(
    department_ids: set[int], params: dict[str, Any]
) -> QuerySet[Assignment]:
    """A department's inbox: its own assignments only."""
    today = timezone.localdate()
    view = params.get("view") or "todo"
    view = view if view in DEPARTMENT_VIEWS else "todo"
    return (
        _department_base(department_ids)
        .filter(department_view(view, today))
        .select_related("case__category", "case__village", "department")
        .order_by("due_date", "id")
    )


def department_counts(
    department_ids: set[int], views: tuple[str, ...], today: dt.date | None = None
) -> dict[str, int]:
    """How many assignments a department's inbox shows under each view (one query, plus
    the holiday calendar when "due_soon" is asked)."""
    today = today or timezone.localdate()
    soon = due_soon_until(today) if "due_soon" in views else None
    return _department_base(department_ids).aggregate(
        **{
            view: Count("pk", distinct=True, filter=department_view(view, today, soon))
            for view in views
        }
    )


def similar_open_cases(
    congress: Congress,
    text: str,
    *,
    village_id: Any = None,
    category_id: Any = None,
    exclude_id: int | None = None,
    limit: int = 5,
    public: bool = False,
) -> list[tuple[Case, float]]:
    """Likely duplicates among open cases of the same village or category (jieba-segmented
    TF-IDF cosine, renda.cases.similarity)."""
    scope = Q()
    if village_id:
        scope |= Q(village_id=village_id)
    if category_id:
        scope |= Q(category_id=category_id)
    if not scope:
        return []
    open_cases = Case.objects.filter(congress=congress, status__in=OPEN)
    if public:
        # A resident sees only public opinions already taken up, never a deputy's
        # unreviewed suggestion or a fresh submission that may name people.
        open_cases = open_cases.filter(
            kind=CaseKind.OPINION, status__in=HANDLING | {CaseStatus.REPLIED}
        )
    candidates = list(
        open_cases.filter(scope)
        .exclude(pk=exclude_id or 0)
        .order_by("-submitted_at")
        .only(
            "id",
            "serial",
            "title",
            "content",
            "status",
            "village_id",
            "category_id",
            "submitted_at",
            "submitter_name",
        )[:DUPLICATE_CANDIDATES]
    )
    by_id = {c.pk: c for c in candidates}
    hits = find_duplicates(
        text, ((c.pk, f"{c.title} {c.content}") for c in candidates), limit=limit
    )
    return [(by_id[pk], score) for pk, score in hits]


def public_similar(
    congress: Congress,
    text: str,
    *,
    village_id: Any = None,
    category_id: Any = None,
    limit: int = 3,
) -> list[tuple[str, str]]:
    """The similar-matters hint under the public form, as the public may see it: the
    masked public title and the status of open opinions already taken up; a case without
    a public title (its title was taken from the content) is left out entirely."""
    matches = similar_open_cases(
        congress,
        text,
        village_id=village_id,
        category_id=category_id,
        public=True,
        limit=limit * 3,
    )
    shown = [(case.public_title, case.get_status_display()) for case, _score in matches]
    return [(title, status) for title, status in shown if title][:limit]


def villages_of(congress: Congress) -> QuerySet[Region]:
    """The villages and communities of a congress's region (forms and filters)."""
    if congress.region is None:
        return Region.objects.none()
    return (
        Region.objects.subtree_of(congress.region)
        .filter(level=RegionLevel.VILLAGE, is_active=True)
        .select_related("area")
    )


def villages_of_all(congresses: Iterable[Congress]) -> list[Region]:
    """The villages and communities of several congresses' regions in one query (a district
    office's inbox filter lists every town's), grouped by congress in the order given."""
    regions = [c.region for c in congresses if c.region is not None]
    if not regions:
        return []
    scope = Q()
    for region in regions:
        scope |= Q(path__startswith=region.path)
    villages = Region.objects.filter(scope, level=RegionLevel.VILLAGE, is_active=True)
    position = {region.path: i for i, region in enumerate(regions)}
    depths = sorted({len(path) for path in position})

    def rank(village: Region) -> tuple[int, str]:
        owners = [position[p] for p in (village.path[:n] for n in depths) if p in position]
        return min(owners, default=len(regions)), village.path

    return sorted(villages.select_related("area"), key=rank)


def rules_for(case: Case) -> CaseRules:
    return CaseRules.for_congress(case.congress_id)


def case_context(case: Case, viewer: Any) -> dict[str, Any]:
    """What a case page shows `viewer` of the engine's case (template `cases/_case_body.html`)."""
    from renda.cases.models import ExtensionRequest

    return {
        "case": case,
        "submitter_name": case.submitter_name_for(viewer),
        "assignments": case.assignments.select_related("department").order_by(
            "-assigned_at", "role"
        ),
        "events": case.events.select_related("department", "actor").order_by("created_at", "id"),
        "replies": case.replies.select_related("assignment__department").prefetch_related(
            "attachments"
        ),
        "evaluations": case.evaluations.all(),
        "attachments": case.attachments.filter(reply__isnull=True),
        "extensions": ExtensionRequest.objects.filter(assignment__case=case).select_related(
            "assignment__department", "requested_by"
        ),
        "merged_cases": case.merged_cases.all(),
        "contacts": case.contacts.select_related("department"),
    }


def raised_by(user: Any, case: Case) -> bool:
    """Is the user among those who raised the case, or a case merged into it? They may
    read its reply documents (a deputy's signed reply, for example)."""
    from renda.cases.services import is_author

    return any(is_author(user, c) for c in [case, *case.merged_cases.all()])


DISTRICT_VIEWS = ("open", "overdue", "due_soon", "new", "replied", "closed")


def district_counts(
    user: Any, congress_ids: set[int], today: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """Per town the user follows: how many cases the inbox shows under each view, filtered
    to that town (one query, plus the holiday calendar): the district page's figures, each
    linking to `/cases/?congress=<town>&view=<view>`."""
    today = today or timezone.localdate()
    soon = due_soon_until(today)
    rows = (
        Case.objects.visible_to(user, "case.supervise")
        .filter(congress_id__in=congress_ids)
        .values("congress_id")
        .annotate(
            **{
                view: Count("pk", distinct=True, filter=inbox_view(view, today, soon))
                for view in DISTRICT_VIEWS
            }
        )
        .order_by("congress_id")
    )
    found = {row.pop("congress_id"): row for row in rows}
    return {cid: found.get(cid, dict.fromkeys(DISTRICT_VIEWS, 0)) for cid in congress_ids}


def congress_case_counts(today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Every congress's open and overdue cases, by the inbox's own definitions (one query):
    for the operators' metrics (renda.cases.metrics), not a user's page."""
    today = today or timezone.localdate()
    rows = (
        Case.objects.values("congress_id")
        .annotate(
            open=Count("pk", filter=inbox_view("open", today)),
            overdue=Count("pk", filter=inbox_view("overdue", today)),
        )
        .order_by("congress_id")
    )
    return {row["congress_id"]: {"open": row["open"], "overdue": row["overdue"]} for row in rows}

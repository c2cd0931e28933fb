"""Reference data of the REST API: congresses, terms, sessions, case categories,
departments, officials and deputies — the ids every other endpoint takes.

Who reads what: a token reads the reference data of the congresses its user belongs to
(`common.member_congress_ids`: the congresses of their grants, a district administrator's
towns included, and those they sit in as a deputy); anything else is a 404. A deputy's
phone number is masked, as in the back office; party, workplace and year of birth are shown
to the back office only (`congress.view`), as in its roster.

Who writes: office staff and administrators (`reference.change`) create and edit sessions,
case categories, departments and officials, as in the back office, through
`renda.congress.services.save_reference` (the model's own validation, one audit entry).
Nothing is deleted: `is_active: false` takes a row out of use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import conint

from renda.api.common import (
    in_congresses,
    member_congress_ids,
    not_found,
    paginate,
    ref,
    require,
    user_of,
)
from renda.api.schemas import ErrorOut, PageFilters, Ref
from renda.api.validation import Day, Id, Text
from renda.cases.models import Category
from renda.congress import policy
from renda.congress.models import (
    Congress,
    CongressLevel,
    Department,
    DepartmentKind,
    Deputy,
    DeputyMembership,
    MembershipStatus,
    Official,
    Session,
    SessionKind,
    Term,
)
from renda.congress.services import save_reference
from renda.core.errors import DomainError

router = Router(tags=["reference data"])

NOT_FOUND = {404: ErrorOut}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
SmallCount = conint(ge=0, le=32767)
READ_ONLY = gettext_noop("Only the presidium office and administrators can change reference data.")


# --- schemas -------------------------------------------------------------------------------------


class CongressFilters(PageFilters):
    level: CongressLevel | None = Field(None, description="Only congresses of this level.")


class TermRef(Schema):
    id: int = Field(description="Term id.")
    ordinal: int = Field(description="Ordinal of the term (届).")


class CongressOut(Schema):
    id: int = Field(description="Congress id (the `congress` of every other endpoint).")
    name: str = Field(description="Name.")
    short_name: str = Field(description="Short name, may be empty.")
    level: str = Field(description="national, province, city, county or town.")
    parent: Ref | None = Field(description="The higher congress, if any.")
    is_active: bool = Field(description="In use on the platform.")
    current_term: TermRef | None = Field(description="The current term, if one is set.")


class CongressList(Schema):
    count: int = Field(description="Number of congresses matching the filters.")
    items: list[CongressOut] = Field(description="The requested page.")


class TermFilters(PageFilters):
    congress: Id | None = Field(None, description="Only terms of this congress id.")
    current: bool | None = Field(None, description="Only the current (true) or past terms.")


class TermOut(Schema):
    id: int = Field(description="Term id.")
    congress: Ref = Field(description="The congress.")
    ordinal: int = Field(description="Ordinal of the term (届).")
    start_date: dt.date = Field(description="First day.")
    end_date: dt.date = Field(description="Last day.")
    is_current: bool = Field(description="The congress's current term.")


class TermList(Schema):
    count: int = Field(description="Number of terms matching the filters.")
    items: list[TermOut] = Field(description="The requested page, newest term first.")


class SessionFilters(PageFilters):
    congress: Id | None = Field(None, description="Only sessions of this congress id.")
    term: Id | None = Field(None, description="Only sessions of this term id.")
    current_term: bool | None = Field(
        None, description="Only sessions of the current terms (where suggestions are raised)."
    )
    on: dt.date | None = Field(
        None, description="Only sessions held on this day (start date to end date)."
    )


class SessionOut(Schema):
    id: int = Field(description="Session id (the `session` of a suggestion).")
    name: str = Field(description="Term and session in words, translated.")
    congress: Ref = Field(description="The congress.")
    term: TermRef = Field(description="The term.")
    term_is_current: bool = Field(description="The session belongs to the current term.")
    ordinal: int = Field(description="Number of the session in its term (第N次会议).")
    kind: str = Field(description="regular or extra.")
    start_date: dt.date = Field(description="First day.")
    end_date: dt.date = Field(description="Last day.")
    venue: str = Field(description="Venue, may be empty.")


class SessionIn(Schema):
    term: Id = Field(description="Term id (the session's congress is the term's).")
    ordinal: SmallCount = Field(description="Number of the session in its term.")  # type: ignore[valid-type]
    kind: SessionKind = Field(SessionKind.REGULAR, description="regular or extra.")
    start_date: Day = Field(description="First day (within the term).")
    end_date: Day = Field(description="Last day (within the term, not before the first).")
    venue: Text = Field("", description="Venue (at most 200 characters).")


class SessionPatch(Schema):
    ordinal: SmallCount | None = Field(None, description="Number of the session in its term.")  # type: ignore[valid-type]
    kind: SessionKind | None = Field(None, description="regular or extra.")
    start_date: Day | None = Field(None, description="First day.")
    end_date: Day | None = Field(None, description="Last day.")
    venue: Text | None = Field(None, description="Venue.")


class SessionList(Schema):
    count: int = Field(description="Number of sessions matching the filters.")
    items: list[SessionOut] = Field(description="The requested page, newest first.")


class ActiveFilters(PageFilters):
    congress: Id | None = Field(None, description="Only rows of this congress id.")
    active: bool | None = Field(None, description="Only rows in use (true) or out of use.")
    q: Text | None = Field(None, description="Text contained in the name.")


class CategoryOut(Schema):
    id: int = Field(description="Category id (the `category` of a case or a suggestion).")
    congress: Ref = Field(description="The congress.")
    parent: Ref | None = Field(description="The parent category, if any.")
    code: str = Field(description="Stable code, also the Open311 service code.")
    name: str = Field(description="Name.")
    description: str = Field(description="Description, may be empty.")
    default_department: Ref | None = Field(description="The usual department, if any.")
    order: int = Field(description="Position in lists.")
    is_active: bool = Field(description="Offered for new cases.")


class CategoryList(Schema):
    count: int = Field(description="Number of categories matching the filters.")
    items: list[CategoryOut] = Field(description="The requested page, in the congress's order.")


class CategoryIn(Schema):
    congress: Id = Field(description="Congress id.")
    code: Text = Field(description="Stable code: letters, digits, hyphens, underscores.")
    name: Text = Field(description="Name (at most 60 characters).")
    parent: Id | None = Field(None, description="Parent category id (same congress).")
    description: Text = Field("", description="Description (at most 300 characters).")
    default_department: Id | None = Field(None, description="Usual department id (same congress).")
    order: SmallCount = Field(0, description="Position in lists.")  # type: ignore[valid-type]
    is_active: bool = Field(True, description="Offered for new cases.")


class CategoryPatch(Schema):
    code: Text | None = Field(None, description="Stable code.")
    name: Text | None = Field(None, description="Name.")
    parent: Id | None = Field(None, description="Parent category id; null for none.")
    description: Text | None = Field(None, description="Description.")
    default_department: Id | None = Field(None, description="Usual department id; null for none.")
    order: SmallCount | None = Field(None, description="Position in lists.")  # type: ignore[valid-type]
    is_active: bool | None = Field(None, description="Offered for new cases.")


class DepartmentOut(Schema):
    id: int = Field(description="Department id (assignments, filters).")
    congress: Ref = Field(description="The congress it answers to.")
    parent: Ref | None = Field(description="The parent unit, if any.")
    name: str = Field(description="Name.")
    short_name: str = Field(description="Short name, may be empty.")
    kind: str = Field(description="town_office, service_station, district_bureau or other.")
    contact_phone: str = Field(description="Office phone, may be empty.")
    is_active: bool = Field(description="Takes new assignments.")


class DepartmentList(Schema):
    count: int = Field(description="Number of departments matching the filters.")
    items: list[DepartmentOut] = Field(description="The requested page, by name.")


class DepartmentIn(Schema):
    congress: Id = Field(description="Congress id it answers to.")
    name: Text = Field(description="Name (at most 100 characters, unique in the congress).")
    kind: DepartmentKind = Field(description="Kind of unit.")
    short_name: Text = Field("", description="Short name (at most 40 characters).")
    parent: Id | None = Field(None, description="Parent unit id (same congress).")
    contact_phone: Text = Field("", description="Office phone (at most 20 characters).")
    is_active: bool = Field(True, description="Takes new assignments.")


class DepartmentPatch(Schema):
    name: Text | None = Field(None, description="Name.")
    kind: DepartmentKind | None = Field(None, description="Kind of unit.")
    short_name: Text | None = Field(None, description="Short name.")
    parent: Id | None = Field(None, description="Parent unit id; null for none.")
    contact_phone: Text | None = Field(None, description="Office phone.")
    is_active: bool | None = Field(None, description="Takes new assignments.")


class OfficialOut(Schema):
    id: int = Field(description="Official id.")
    congress: Ref = Field(description="The congress the official answers to.")
    name: str = Field(description="Full name.")
    post: str = Field(description="Post, e.g. 副镇长.")
    department: Ref | None = Field(description="The department, if any.")
    portfolio: str = Field(description="Portfolio, may be empty.")
    is_active: bool = Field(description="In office.")


class OfficialIn(Schema):
    congress: Id = Field(description="Congress id the official answers to.")
    name: Text = Field(description="Full name (at most 40 characters).")
    post: Text = Field(description="Post, e.g. 副镇长 (at most 100 characters).")
    department: Id | None = Field(None, description="Department id (same congress), if any.")
    portfolio: Text = Field("", description="Portfolio (at most 200 characters).")
    is_active: bool = Field(True, description="In office.")


class OfficialPatch(Schema):
    name: Text | None = Field(None, description="Full name.")
    post: Text | None = Field(None, description="Post.")
    department: Id | None = Field(None, description="Department id; null for none.")
    portfolio: Text | None = Field(None, description="Portfolio.")
    is_active: bool | None = Field(None, description="In office.")


class OfficialList(Schema):
    count: int = Field(description="Number of officials matching the filters.")
    items: list[OfficialOut] = Field(description="The requested page.")


class DeputyFilters(PageFilters):
    congress: Id | None = Field(None, description="Only deputies with a seat in this congress id.")
    term: Id | None = Field(None, description="Only deputies with a seat in this term id.")
    status: MembershipStatus | None = Field(None, description="Only seats in this state.")
    q: Text | None = Field(None, description="Text contained in the name.")


class MembershipOut(Schema):
    congress: Ref = Field(description="The congress.")
    term: TermRef = Field(description="The term.")
    constituency: Ref | None = Field(description="The constituency (选区), if recorded.")
    group: Ref | None = Field(description="The deputy group (代表小组), if any.")
    start_date: dt.date = Field(description="First day of the seat.")
    end_date: dt.date | None = Field(description="Last day, once ended.")
    status: str = Field(description="active, resigned or terminated.")


class DeputyOut(Schema):
    id: int = Field(description="Deputy id (co-signers, filters).")
    name: str = Field(description="Full name.")
    gender: str = Field(description="M or F.")
    phone: str = Field(description="Mobile number, masked (e.g. 138****5678).")
    party: str | None = Field(description="Political affiliation (back office only, else null).")
    occupation: str | None = Field(
        description="Workplace and position (back office only, else null)."
    )
    birth_year: int | None = Field(description="Year of birth (back office only, else null).")
    memberships: list[MembershipOut] = Field(
        description="The deputy's seats in the congresses the token's user belongs to."
    )


class DeputyList(Schema):
    count: int = Field(description="Number of deputies matching the filters.")
    items: list[DeputyOut] = Field(description="The requested page, by name.")


# --- congresses, terms, sessions -----------------------------------------------------------------


def _congress_out(c: Congress) -> dict[str, Any]:
    current = [t for t in c.current_terms]  # type: ignore[attr-defined]
    return {
        "id": c.pk,
        "name": c.name,
        "short_name": c.short_name,
        "level": c.level,
        "parent": ref(c.parent),
        "is_active": c.is_active,
        "current_term": {"id": current[0].pk, "ordinal": current[0].ordinal} if current else None,
    }


def _congresses(request: HttpRequest) -> QuerySet[Congress]:
    qs = in_congresses(Congress.objects.all(), member_congress_ids(user_of(request)), "id")
    return qs.select_related("parent").prefetch_related(
        Prefetch("terms", queryset=Term.objects.filter(is_current=True), to_attr="current_terms")
    )


@router.get("/congresses", response=CongressList, summary="Congresses")
def list_congresses(request: HttpRequest, filters: Query[CongressFilters]) -> dict[str, Any]:
    """The congresses the token's user belongs to (a district's administrator: its towns
    too), by level and name."""
    qs = _congresses(request)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    return paginate(qs.order_by("level", "name", "id"), filters, _congress_out)


@router.get(
    "/congresses/{int:congress_id}",
    response={200: CongressOut, **NOT_FOUND},
    summary="One congress",
)
def congress_detail(request: HttpRequest, congress_id: Id) -> dict[str, Any]:
    congress = _congresses(request).filter(pk=congress_id).first()
    if congress is None:
        raise not_found()
    return _congress_out(congress)


def _term_ref(term: Term) -> dict[str, Any]:
    return {"id": term.pk, "ordinal": term.ordinal}


@router.get("/terms", response=TermList, summary="Terms (届)")
def list_terms(request: HttpRequest, filters: Query[TermFilters]) -> dict[str, Any]:
    qs = in_congresses(Term.objects.all(), member_congress_ids(user_of(request)))
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    if filters.current is not None:
        qs = qs.filter(is_current=filters.current)
    qs = qs.select_related("congress").order_by("congress__name", "-ordinal", "id")
    return paginate(
        qs,
        filters,
        lambda t: {
            "id": t.pk,
            "congress": ref(t.congress),
            "ordinal": t.ordinal,
            "start_date": t.start_date,
            "end_date": t.end_date,
            "is_current": t.is_current,
        },
    )


def _sessions(request: HttpRequest) -> QuerySet[Session]:
    qs = in_congresses(
        Session.objects.all(), member_congress_ids(user_of(request)), "term__congress_id"
    )
    return qs.select_related("term__congress")


def _session_out(s: Session) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": str(s),
        "congress": ref(s.term.congress),
        "term": _term_ref(s.term),
        "term_is_current": s.term.is_current,
        "ordinal": s.ordinal,
        "kind": s.kind,
        "start_date": s.start_date,
        "end_date": s.end_date,
        "venue": s.venue,
    }


@router.get("/sessions", response=SessionList, summary="Sessions (第N次会议)")
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]) -> dict[str, Any]:
    """Sessions of the congresses the user belongs to, newest first. A suggestion raised
    at a session names one of its congress's current term (`current_term=true`)."""
    qs = _sessions(request)
    if filters.congress is not None:
        qs = qs.filter(term__congress_id=filters.congress)
    if filters.term is not None:
        qs = qs.filter(term_id=filters.term)
    if filters.current_term is not None:
        qs = qs.filter(term__is_current=filters.current_term)
    if filters.on is not None:
        qs = qs.filter(start_date__lte=filters.on, end_date__gte=filters.on)
    qs = qs.order_by("-start_date", "-id")
    return paginate(qs, filters, _session_out)


@router.get(
    "/sessions/{int:session_id}", response={200: SessionOut, **NOT_FOUND}, summary="One session"
)
def session_detail(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    session = _sessions(request).filter(pk=session_id).first()
    if session is None:
        raise not_found()
    return _session_out(session)


def _changeable(user: Any, obj: Any) -> None:
    """403 for a reader of the row who may not change it (the row is in their scope)."""
    if not policy.can(user, "reference.change", obj):
        raise _read_only()


def _stripped(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}


@router.post("/sessions", response={201: SessionOut, **WRITE}, summary="Create a session")
def create_session(request: HttpRequest, body: SessionIn) -> Status[dict[str, Any]]:
    """Office staff and administrators of the term's congress, as in the back office; the
    session must fall within its term and its number be new in the term."""
    user = user_of(request)
    require(user, "reference.change", _(READ_ONLY))
    term = Term.objects.filter(pk=body.term).select_related("congress").first()
    if term is None or not policy.can(user, "reference.change", term.congress):
        raise not_found()
    changes = _stripped(body.model_dump(exclude={"term"}))
    session = save_reference(Session(term=term), changes=changes, acting_user=user)
    return Status(201, _session_out(_sessions(request).get(pk=session.pk)))


@router.patch(
    "/sessions/{int:session_id}", response={200: SessionOut, **WRITE}, summary="Edit a session"
)
def edit_session(request: HttpRequest, session_id: Id, body: SessionPatch) -> dict[str, Any]:
    """Only the fields sent change (a null leaves the field as it is)."""
    user = user_of(request)
    session = _sessions(request).filter(pk=session_id).first()
    if session is None:
        raise not_found()
    _changeable(user, session.term.congress)
    changes = _stripped(
        {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    )
    save_reference(session, changes=changes, acting_user=user)
    return _session_out(_sessions(request).get(pk=session.pk))


# --- categories and departments (read and write) ------------------------------------------------


def _filter_active(qs: QuerySet[Any], filters: ActiveFilters) -> QuerySet[Any]:
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    return qs


def _categories(request: HttpRequest) -> QuerySet[Category]:
    return in_congresses(
        Category.objects.all(), member_congress_ids(user_of(request))
    ).select_related("congress", "parent", "default_department")


def _category_out(c: Category) -> dict[str, Any]:
    return {
        "id": c.pk,
        "congress": ref(c.congress),
        "parent": ref(c.parent),
        "code": c.code,
        "name": c.name,
        "description": c.description,
        "default_department": ref(c.default_department),
        "order": c.order,
        "is_active": c.is_active,
    }


@router.get("/categories", response=CategoryList, summary="Case categories")
def list_categories(request: HttpRequest, filters: Query[ActiveFilters]) -> dict[str, Any]:
    qs = _filter_active(_categories(request), filters)
    return paginate(qs.order_by("congress__name", "order", "name", "id"), filters, _category_out)


@router.get(
    "/categories/{int:category_id}",
    response={200: CategoryOut, **NOT_FOUND},
    summary="One case category",
)
def category_detail(request: HttpRequest, category_id: Id) -> dict[str, Any]:
    category = _categories(request).filter(pk=category_id).first()
    if category is None:
        raise not_found()
    return _category_out(category)


def _changeable_congress(user: Any, congress_id: int) -> Congress:
    """A congress whose reference data the user may change (else 404)."""
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None or not policy.can(user, "reference.change", congress):
        raise not_found()
    return congress


def _same_congress(model: Any, pk: int | None, congress_id: int, message: str) -> Any:
    """A related row (parent, usual department) of the same congress; None stays None."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, congress_id=congress_id).first()
    if found is None:
        raise DomainError(message)
    return found


def _category_changes(data: dict[str, Any], congress_id: int, own: int | None) -> dict[str, Any]:
    changes = {k: v for k, v in data.items() if v is not None or k in _NULLABLE}
    changes.pop("congress", None)
    if "parent" in changes:
        if own is not None and changes["parent"] == own:
            raise DomainError(_("A category cannot be its own parent."))
        changes["parent"] = _same_congress(
            Category,
            changes["parent"],
            congress_id,
            _("Choose a parent category of this congress."),
        )
    if "default_department" in changes:
        changes["default_department"] = _same_congress(
            Department,
            changes["default_department"],
            congress_id,
            _("Choose a department of this congress."),
        )
    for name in ("code", "name", "description", "short_name", "contact_phone"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    return changes


# Fields a PATCH may set to null (clearing them); any other null is "leave as it is".
_NULLABLE = {"parent", "default_department"}


@router.post("/categories", response={201: CategoryOut, **WRITE}, summary="Create a case category")
def create_category(request: HttpRequest, body: CategoryIn) -> Status[dict[str, Any]]:
    """Office staff and administrators of the congress (as in the back office)."""
    user = user_of(request)
    require(user, "reference.change", _(READ_ONLY))
    congress = _changeable_congress(user, body.congress)
    changes = _category_changes(body.model_dump(), congress.pk, None)
    category = save_reference(Category(congress=congress), changes=changes, acting_user=user)
    return Status(201, _category_out(_categories(request).get(pk=category.pk)))


@router.patch(
    "/categories/{int:category_id}",
    response={200: CategoryOut, **WRITE},
    summary="Edit a case category",
)
def edit_category(request: HttpRequest, category_id: Id, body: CategoryPatch) -> dict[str, Any]:
    """Only the fields sent change; `is_active: false` takes the category out of use."""
    user = user_of(request)
    category = _categories(request).filter(pk=category_id).first()
    if category is None:
        raise not_found()
    _changeable(user, category)
    changes = _category_changes(
        body.model_dump(exclude_unset=True), category.congress_id, category.pk
    )
    save_reference(category, changes=changes, acting_user=user)
    return _category_out(_categories(request).get(pk=category.pk))


def _read_only() -> HttpError:
    return HttpError(403, _(READ_ONLY))


def _departments(request: HttpRequest) -> QuerySet[Department]:
    return in_congresses(
        Department.objects.all(), member_congress_ids(user_of(request))
    ).select_related("congress", "parent")


def _department_out(d: Department) -> dict[str, Any]:
    return {
        "id": d.pk,
        "congress": ref(d.congress),
        "parent": ref(d.parent),
        "name": d.name,
        "short_name": d.short_name,
        "kind": d.kind,
        "contact_phone": d.contact_phone,
        "is_active": d.is_active,
    }


def _department_changes(data: dict[str, Any], congress_id: int, own: int | None) -> dict[str, Any]:
    changes = {k: v for k, v in data.items() if v is not None or k == "parent"}
    changes.pop("congress", None)
    if "parent" in changes:
        if own is not None and changes["parent"] == own:
            raise DomainError(_("A unit cannot be its own parent."))
        changes["parent"] = _same_congress(
            Department,
            changes["parent"],
            congress_id,
            _("The parent unit must answer to the same congress."),
        )
    for name in ("name", "short_name", "contact_phone"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    return changes


@router.get("/departments", response=DepartmentList, summary="Departments (承办单位)")
def list_departments(request: HttpRequest, filters: Query[ActiveFilters]) -> dict[str, Any]:
    qs = _filter_active(_departments(request), filters)
    return paginate(qs.order_by("congress__name", "name", "id"), filters, _department_out)


@router.get(
    "/departments/{int:department_id}",
    response={200: DepartmentOut, **NOT_FOUND},
    summary="One department",
)
def department_detail(request: HttpRequest, department_id: Id) -> dict[str, Any]:
    department = _departments(request).filter(pk=department_id).first()
    if department is None:
        raise not_found()
    return _department_out(department)


@router.post("/departments", response={201: DepartmentOut, **WRITE}, summary="Create a department")
def create_department(request: HttpRequest, body: DepartmentIn) -> Status[dict[str, Any]]:
    """Office staff and administrators of the congress (as in the back office)."""
    user = user_of(request)
    require(user, "reference.change", _(READ_ONLY))
    congress = _changeable_congress(user, body.congress)
    changes = _department_changes(body.model_dump(), congress.pk, None)
    department = save_reference(Department(congress=congress), changes=changes, acting_user=user)
    return Status(201, _department_out(_departments(request).get(pk=department.pk)))


@router.patch(
    "/departments/{int:department_id}",
    response={200: DepartmentOut, **WRITE},
    summary="Edit a department",
)
def edit_department(
    request: HttpRequest, department_id: Id, body: DepartmentPatch
) -> dict[str, Any]:
    """Only the fields sent change; `is_active: false` takes the unit out of use (its
    cases stay with it)."""
    user = user_of(request)
    department = _departments(request).filter(pk=department_id).first()
    if department is None:
        raise not_found()
    _changeable(user, department)
    changes = _department_changes(
        body.model_dump(exclude_unset=True), department.congress_id, department.pk
    )
    save_reference(department, changes=changes, acting_user=user)
    return _department_out(_departments(request).get(pk=department.pk))


# --- officials and deputies ----------------------------------------------------------------------


def _officials(request: HttpRequest) -> QuerySet[Official]:
    return in_congresses(
        Official.objects.all(), member_congress_ids(user_of(request))
    ).select_related("congress", "department")


def _official_out(o: Official) -> dict[str, Any]:
    return {
        "id": o.pk,
        "congress": ref(o.congress),
        "name": o.name,
        "post": o.post,
        "department": ref(o.department),
        "portfolio": o.portfolio,
        "is_active": o.is_active,
    }


def _official_changes(data: dict[str, Any], congress_id: int) -> dict[str, Any]:
    changes = {k: v for k, v in data.items() if v is not None or k == "department"}
    changes.pop("congress", None)
    if "department" in changes:
        changes["department"] = _same_congress(
            Department,
            changes["department"],
            congress_id,
            _("Choose a department of this congress."),
        )
    return _stripped(changes)


@router.get("/officials", response=OfficialList, summary="Officials")
def list_officials(request: HttpRequest, filters: Query[ActiveFilters]) -> dict[str, Any]:
    """Government officials who answer to the congresses (reporters of appraisals)."""
    qs = _filter_active(_officials(request), filters)
    return paginate(qs.order_by("congress__name", "post", "name", "id"), filters, _official_out)


@router.get(
    "/officials/{int:official_id}", response={200: OfficialOut, **NOT_FOUND}, summary="One official"
)
def official_detail(request: HttpRequest, official_id: Id) -> dict[str, Any]:
    official = _officials(request).filter(pk=official_id).first()
    if official is None:
        raise not_found()
    return _official_out(official)


@router.post("/officials", response={201: OfficialOut, **WRITE}, summary="Add an official")
def create_official(request: HttpRequest, body: OfficialIn) -> Status[dict[str, Any]]:
    """Office staff and administrators of the congress (as in the back office)."""
    user = user_of(request)
    require(user, "reference.change", _(READ_ONLY))
    congress = _changeable_congress(user, body.congress)
    changes = _official_changes(body.model_dump(), congress.pk)
    official = save_reference(Official(congress=congress), changes=changes, acting_user=user)
    return Status(201, _official_out(_officials(request).get(pk=official.pk)))


@router.patch(
    "/officials/{int:official_id}",
    response={200: OfficialOut, **WRITE},
    summary="Edit an official",
)
def edit_official(request: HttpRequest, official_id: Id, body: OfficialPatch) -> dict[str, Any]:
    """Only the fields sent change; `is_active: false` when the official leaves office
    (their appraisals stay)."""
    user = user_of(request)
    official = _officials(request).filter(pk=official_id).first()
    if official is None:
        raise not_found()
    _changeable(user, official)
    changes = _official_changes(body.model_dump(exclude_unset=True), official.congress_id)
    save_reference(official, changes=changes, acting_user=user)
    return _official_out(_officials(request).get(pk=official.pk))


def _deputies(request: HttpRequest) -> tuple[QuerySet[Deputy], QuerySet[DeputyMembership]]:
    """Deputies with a seat in the user's congresses, each with those seats only."""
    seats = in_congresses(DeputyMembership.objects.all(), member_congress_ids(user_of(request)))
    deputies = Deputy.objects.filter(pk__in=seats.values("deputy_id"))
    return deputies, seats


def _deputy_out(user: Any) -> Any:
    """The serialiser for this user: party, workplace and year of birth for the back office
    of a congress the deputy sits in (as in its roster), masked phone for everyone."""
    office = None if policy.is_superuser(user) else policy.congress_ids(user, "congress.view")

    def out(d: Deputy) -> dict[str, Any]:
        seats = d.seats  # type: ignore[attr-defined]
        back_office = office is None or any(m.congress_id in office for m in seats)
        return {
            "id": d.pk,
            "name": d.name,
            "gender": d.gender,
            "phone": d.masked_phone,
            "party": d.party if back_office else None,
            "occupation": d.occupation if back_office else None,
            "birth_year": d.birth_year if back_office else None,
            "memberships": [
                {
                    "congress": ref(m.congress),
                    "term": _term_ref(m.term),
                    "constituency": ref(m.constituency),
                    "group": ref(m.group),
                    "start_date": m.start_date,
                    "end_date": m.end_date,
                    "status": m.status,
                }
                for m in seats
            ],
        }

    return out


def _with_seats(deputies: QuerySet[Deputy], seats: QuerySet[DeputyMembership]) -> Any:
    return deputies.prefetch_related(
        Prefetch(
            "memberships",
            queryset=seats.select_related("congress", "term", "constituency", "group").order_by(
                "congress__name", "-term__ordinal", "id"
            ),
            to_attr="seats",
        )
    )


@router.get("/deputies", response=DeputyList, summary="Deputies")
def list_deputies(request: HttpRequest, filters: Query[DeputyFilters]) -> dict[str, Any]:
    """Deputies with a seat in the congresses the user belongs to, by name; the phone
    masked. Filters apply to the seats: `congress`, `term`, `status`."""
    user = user_of(request)
    deputies, seats = _deputies(request)
    wanted = Q()
    if filters.congress is not None:
        wanted &= Q(congress_id=filters.congress)
    if filters.term is not None:
        wanted &= Q(term_id=filters.term)
    if filters.status is not None:
        wanted &= Q(status=filters.status)
    deputies = deputies.filter(pk__in=seats.filter(wanted).values("deputy_id"))
    if filters.q:
        deputies = deputies.filter(name__icontains=filters.q)
    qs = _with_seats(deputies.order_by("name", "id"), seats)
    return paginate(qs, filters, _deputy_out(user))


@router.get(
    "/deputies/{int:deputy_id}", response={200: DeputyOut, **NOT_FOUND}, summary="One deputy"
)
def deputy_detail(request: HttpRequest, deputy_id: Id) -> dict[str, Any]:
    user = user_of(request)
    deputies, seats = _deputies(request)
    deputy = _with_seats(deputies.filter(pk=deputy_id), seats).first()
    if deputy is None:
        raise not_found()
    return _deputy_out(user)(deputy)

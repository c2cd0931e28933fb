"""The REST API (/api/v1/, django-ninja). A bearer token (`renda.api.models.ApiToken`)
acts as its user with exactly the web UI's policy: cases are fetched through
`Case.objects.visible_to(user)` (another scope's object is a 404), and every change goes
through `renda.cases.services`, whose `DomainError` becomes a 400 with its message.

Endpoints are thin: resolve the object in the user's scope, call the service, return the
case as it now is. The other routers: deputies' suggestions (`rest_suggestions`), reference
data (`rest_reference`), polls (`rest_polls`), appraisals (`rest_appraisals`), livelihood
projects (`rest_projects`) and the annual work report's figures (`rest_reports`). Every list is paginated the same way (`common.paginate`).
The OpenAPI document is at /api/v1/openapi.json and, for signed-in users, as a page at
/api/v1/docs (Swagger UI from django-ninja's own static files: no CDN).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from renda.api.common import departments_of, in_congresses, not_found, paginate, ref, user_of
from renda.api.models import ApiToken
from renda.api.rest_appraisals import router as appraisals_router
from renda.api.rest_jobs import router as jobs_router
from renda.api.rest_polls import router as polls_router
from renda.api.rest_projects import router as projects_router
from renda.api.rest_reference import router as reference_router
from renda.api.rest_reports import router as reports_router
from renda.api.rest_suggestions import router as suggestions_router
from renda.api.schemas import (
    AssignIn,
    CaseDetail,
    CaseFilters,
    CaseList,
    ErrorOut,
    EvaluateIn,
    EventOut,
    ExtensionIn,
    Figures,
    FiguresFilters,
    Me,
    ProgressIn,
    ReplyIn,
    ReturnIn,
    ValidationErrorOut,
)
from renda.api.validation import UNREADABLE, Id, unreadable
from renda.cases import figures, services
from renda.cases.models import Assignment, AssignmentStatus, Case, CaseEvent, CaseKind, Category
from renda.cases.queries import filter_inbox, with_list_data
from renda.congress import policy
from renda.congress.models import Congress, Department, Session
from renda.core.errors import DomainError
from renda.suggestions import figures as suggestion_figures


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; the request then acts as the token's user.

    Bearer requests carry no cookie, so CSRF does not apply: ninja marks its views
    csrf_exempt and only cookie-based authenticators check the token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is None:
            return None
        # The audit log takes its default actor from request.user.
        request.user = user
        return user


def document_errors(schema: OpenAPISchema) -> OpenAPISchema:
    """Add the answers every operation can give besides its own: 401 where a token is
    required; where there is a parameter or a body, 400 (a request that cannot be read, a
    body that is not JSON, a value missing or out of range: the fields at fault are listed).
    Each operation's other answers (403, 404, 409, 429) are declared where it is defined."""
    error = {"$ref": "#/components/schemas/ErrorOut"}
    invalid = ValidationErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(invalid.pop("$defs", {}))
    components["ValidationErrorOut"] = invalid
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())

    def answer(description: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": body}}}

    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault(401, answer("No valid API token.", error))
            if operation.get("parameters") or operation.get("requestBody"):
                # Every refused input is a 400 in one shape: the translated detail and, when
                # fields are at fault, the fields (an operation's own 400 — a rule of the
                # domain — has the detail alone).
                responses[400] = answer(
                    "The request could not be read, its body is not JSON, or a parameter or "
                    "field is missing or out of range.",
                    {"$ref": "#/components/schemas/ValidationErrorOut"},
                )
    return schema


class SignedInSwagger(Swagger):
    """The OpenAPI document as a page (Swagger UI), for signed-in users only, with the
    assets django-ninja ships (served as static files: `ninja` is an installed app, so
    its template loads no CDN). The validator badge is off: it would call an outside
    service."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)


class RendaAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        return document_errors(super().get_openapi_schema(**kwargs))


api = RendaAPI(
    title="Renda API",
    version="1",
    description=(
        "Cases (public opinions, deputy suggestions) of the congresses the token's user "
        "works for, with the same rights as in the web interface."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=SignedInSwagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    auth=BearerToken(),
)

NOT_FOUND = {404: ErrorOut}
ACTION_RESPONSES = {200: CaseDetail, 400: ErrorOut, 404: ErrorOut}

api.add_router("/suggestions", suggestions_router)
api.add_router("", reference_router)
api.add_router("/polls", polls_router)
api.add_router("/appraisals", appraisals_router)
api.add_router("/projects", projects_router)
api.add_router("/reports", reports_router)
api.add_router("/jobs", jobs_router)

# Last, so that it takes only what no operation matches: an unknown path under /api/v1/ is
# a 404 in the API's error shape, as is a path whose id is not a number.
unknown_paths = Router(auth=None)


@unknown_paths.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise not_found()


api.add_router("", unknown_paths)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Malformed input (a 400): a translated message, with the fields at fault. The value sent is
    not echoed back (it may be what could not be stored or printed in the first place)."""
    errors = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    fields = sorted({".".join(str(p) for p in e["loc"][1:]) or "body" for e in errors})
    return api.create_response(
        request,
        {
            "detail": _("The request is not valid: check %(fields)s.")
            % {"fields": ", ".join(fields)},
            "errors": errors,
        },
        status=400,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        detail = _("The request body is not valid JSON.")  # ninja's own message, untranslated
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


def _unreadable(request: HttpRequest, exc: Any) -> HttpResponse:
    """Too many fields, a body over the size limit, a broken multipart body."""
    return api.create_response(request, {"detail": unreadable(exc)}, status=400)


for _exception in UNREADABLE:
    api.add_exception_handler(_exception, _unreadable)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": _("Authentication with a valid API token is required.")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# --- lookups in the user's scope ------------------------------------------------------------


def _case(request: HttpRequest, case_id: int) -> Case:
    """A case visible to the user, else 404 (never 403: its existence is not disclosed)."""
    case = (
        Case.objects.visible_to(user_of(request))
        .filter(pk=case_id)
        .select_related("congress", "category", "village")
        .first()
    )
    if case is None:
        raise not_found()
    return case


def _assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    """An assignment whose case is visible to the user, else 404."""
    assignment = (
        Assignment.objects.filter(
            pk=assignment_id, case__in=Case.objects.visible_to(user_of(request))
        )
        .select_related("case", "department")
        .first()
    )
    if assignment is None:
        raise not_found()
    return assignment


# --- serialisation -----------------------------------------------------------------------------


def _item(case: Case) -> dict[str, Any]:
    """A list row; `case` comes through `with_list_data` (answering_assignments). A unit
    that returned the case no longer answers it and is left out."""
    answering = case.answering_assignments  # type: ignore[attr-defined]
    return {
        "id": case.pk,
        "serial": case.serial,
        "kind": case.kind,
        "title": case.title,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "category": ref(case.category),
        "village": ref(case.village),
        "source": case.source,
        "submitted_at": case.submitted_at,
        "due_date": case.due_date,
        "is_priority": case.is_priority,
        "departments": [
            a.department.name for a in answering if a.status != AssignmentStatus.RETURNED
        ],
        "reply_class": case.reply_class,
        "evaluation_result": case.evaluation_result,
    }


def _detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = with_list_data(Case.objects.visible_to(user_of(request))).filter(pk=case_id).first()
    if case is None:
        raise not_found()
    assignments = case.assignments.select_related("department").order_by(
        "-assigned_at", "role", "id"
    )
    replies = case.replies.select_related("assignment__department").order_by(
        "round", "replied_at", "id"
    )
    return {
        **_item(case),
        "content": case.content,
        "address": case.address,
        "latitude": float(case.latitude) if case.latitude is not None else None,
        "longitude": float(case.longitude) if case.longitude is not None else None,
        # Masked (the clear values are shown through the logged reveal in the web UI), but a
        # deputy's suggestion names its lead deputy, and a submitter reads their own name.
        "submitter": {
            "name": case.submitter_name_for(user_of(request)),
            "phone": case.masked_submitter_phone,
        },
        "assignments": [
            {
                "id": a.pk,
                "department": ref(a.department),
                "role": a.role,
                "status": a.status,
                "due_date": a.due_date,
                "assigned_at": a.assigned_at,
                "signed_at": a.signed_at,
                "replied_at": a.replied_at,
                "return_reason": a.return_reason,
            }
            for a in assignments
        ],
        "replies": [
            {
                "round": r.round,
                "department": r.assignment.department.name,
                "reply_class": r.reply_class,
                "text": r.text,
                "public_text": r.public_text,
                "replied_at": r.replied_at,
                "on_time": r.on_time,
            }
            for r in replies
        ],
        "evaluations": [
            {
                "round": e.round,
                "result": e.result,
                "attitude": e.attitude,
                "comment": e.comment,
                "created_at": e.created_at,
            }
            for e in case.evaluations.order_by("round", "id")
        ],
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": event.created_at,
        "action": event.action,
        "label": event.label,
        "actor": event.actor_label,
        "department": event.department.name if event.department else None,
        "note": event.note,
        "is_public": event.is_public,
        "from_status": event.from_status,
        "to_status": event.to_status,
    }


# --- reads -------------------------------------------------------------------------------------


@api.get("/me", response=Me, summary="The token's user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    return {"username": user.get_username(), "name": user.name, "roles": sorted(policy.roles(user))}


@api.get("/cases", response=CaseList, summary="List cases")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """The cases visible to the user (a handler: their departments' cases), filtered as in
    the office's inbox, newest first. A fixed number of queries per page."""
    params = filters.dict(exclude={"limit", "offset"})
    qs = filter_inbox(Case.objects.visible_to(user_of(request)), params)
    return paginate(with_list_data(qs.order_by("-submitted_at", "-id")), filters, _item)


@api.get("/cases/{case_id}", response={200: CaseDetail, **NOT_FOUND}, summary="One case")
def case_detail(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    return _detail(request, case_id)


@api.get(
    "/cases/{case_id}/timeline", response={200: list[EventOut], **NOT_FOUND}, summary="Timeline"
)
def case_timeline(request: HttpRequest, case_id: Id) -> list[dict[str, Any]]:
    case = _case(request, case_id)
    events = case.events.select_related("department").order_by("created_at", "id")
    return [_event(event) for event in events]


@api.get(
    "/figures",
    response={200: Figures, 403: ErrorOut, 404: ErrorOut},
    summary="Counts and rates",
)
def case_figures(request: HttpRequest, filters: Query[FiguresFilters]) -> dict[str, Any]:
    """Handling figures over the cases the user supervises (office staff and leaders): the
    case engine's counts and rates (`renda.cases.figures`), grouped as on the figures pages
    (`by_year` and `by_session` as on the suggestions' page). Nothing is computed here."""
    user = user_of(request)
    if not policy.can(user, "case.supervise"):
        raise HttpError(403, _("Only the presidium office and its leaders can see the figures."))
    if filters.congress is not None:
        congress = Congress.objects.filter(pk=filters.congress).first()
        if congress is None or not policy.can(user, "case.supervise", congress):
            raise not_found()
    supervised = Case.objects.visible_to(user, "case.supervise")
    data: dict[str, Any] = filters.dict(exclude_none=True)
    # A session, category or department outside the user's scope is a 404, as its page is.
    scope = None if policy.is_superuser(user) else policy.congress_ids(user, "case.supervise")
    if filters.session is not None:
        session = in_congresses(
            Session.objects.filter(pk=filters.session), scope, "term__congress_id"
        )
        if not session.exists():
            raise not_found()
        supervised = supervised.filter(suggestion__session_id=filters.session)
    for name, model in (("category", Category), ("department", Department)):
        if data.get(name) is not None:
            data[name] = in_congresses(model.objects.filter(pk=data[name]), scope).first()
            if data[name] is None:
                raise not_found()
    qs = figures.filtered_cases(supervised, data)

    def rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "label": str(row["label"])} for row in found]

    return {
        "total": figures.totals(qs),
        "by_category": rows(figures.grouped(qs, "category")),
        "by_department": rows(figures.grouped(qs, "department")),
        "by_village": rows(figures.grouped(qs, "village")),
        "by_source": rows(figures.grouped(qs, "source")),
        "by_month": rows(figures.grouped(qs, "month")),
        "by_year": rows(suggestion_figures.grouped(qs, "year")),
        "by_session": rows(
            suggestion_figures.grouped(qs.filter(kind=CaseKind.SUGGESTION), "session")
        ),
    }


# --- case actions ------------------------------------------------------------------------------


@api.post("/cases/{case_id}/assign", response=ACTION_RESPONSES, summary="Assign (交办)")
def assign(request: HttpRequest, case_id: Id, body: AssignIn) -> dict[str, Any]:
    """One lead unit with optional co-handlers, or several split units."""
    case = _case(request, case_id)
    services.assign_case(
        case,
        acting_user=user_of(request),
        lead=departments_of(case.congress_id, [body.lead])[0] if body.lead is not None else None,
        co_handlers=departments_of(case.congress_id, body.co_handlers),
        splits=departments_of(case.congress_id, body.splits),
        due=body.due,
        note=body.note,
    )
    return _detail(request, case_id)


@api.post("/cases/{case_id}/evaluate", response=ACTION_RESPONSES, summary="Record a rating")
def evaluate(request: HttpRequest, case_id: Id, body: EvaluateIn) -> dict[str, Any]:
    """The office records the submitter's rating of the reply (满意度测评)."""
    case = _case(request, case_id)
    services.evaluate_case(
        case,
        result=body.result,
        attitude=body.attitude,
        comment=body.comment,
        acting_user=user_of(request),
    )
    return _detail(request, case_id)


@api.post("/cases/{case_id}/progress", response=ACTION_RESPONSES, summary="Record progress")
def progress(request: HttpRequest, case_id: Id, body: ProgressIn) -> dict[str, Any]:
    case = _case(request, case_id)
    services.add_progress(case, note=body.note, public=body.public, acting_user=user_of(request))
    return _detail(request, case_id)


# --- assignment actions ------------------------------------------------------------------------


@api.post("/assignments/{assignment_id}/sign", response=ACTION_RESPONSES, summary="Sign for")
def sign(request: HttpRequest, assignment_id: Id) -> dict[str, Any]:
    assignment = _assignment(request, assignment_id)
    services.sign_assignment(assignment, acting_user=user_of(request))
    return _detail(request, assignment.case_id)


@api.post("/assignments/{assignment_id}/return", response=ACTION_RESPONSES, summary="Return (退回)")
def return_(request: HttpRequest, assignment_id: Id, body: ReturnIn) -> dict[str, Any]:
    assignment = _assignment(request, assignment_id)
    services.return_assignment(assignment, reason=body.reason, acting_user=user_of(request))
    return _detail(request, assignment.case_id)


@api.post("/assignments/{assignment_id}/reply", response=ACTION_RESPONSES, summary="Reply (答复)")
def reply(request: HttpRequest, assignment_id: Id, body: ReplyIn) -> dict[str, Any]:
    assignment = _assignment(request, assignment_id)
    services.reply_case(
        assignment,
        reply_class=body.reply_class,
        text=body.text,
        public_text=body.public_text,
        acting_user=user_of(request),
    )
    return _detail(request, assignment.case_id)


@api.post(
    "/assignments/{assignment_id}/extension",
    response=ACTION_RESPONSES,
    summary="Ask for an extension",
)
def extension(request: HttpRequest, assignment_id: Id, body: ExtensionIn) -> dict[str, Any]:
    assignment = _assignment(request, assignment_id)
    services.request_extension(
        assignment, until=body.until, reason=body.reason, acting_user=user_of(request)
    )
    return _detail(request, assignment.case_id)

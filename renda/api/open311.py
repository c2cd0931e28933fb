"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

How the platform maps onto the specification:

- **jurisdiction** → a `Congress`; ``jurisdiction_id`` is the congress id. With an
  ``api_key`` the key's congress is the jurisdiction (another ``jurisdiction_id`` is refused).
  Without either, the only active town congress that has categories is meant; with several
  the client must say which.
- **service** → an active `Category` of that congress: ``service_code`` is the category code,
  ``group`` the parent category's name. No service has extra attributes (``metadata`` false).
- **service request** → a `Case` of kind "opinion"; ``service_request_id`` is the case serial.
  ``status`` is "open" while the case can still move in the state table and "closed" once it
  is closed, merged, escalated, withdrawn or redirected. ``agency_responsible`` names the
  answering departments (lead and split units still on the case); ``expected_datetime`` is the
  end of the due date; ``status_notes`` is the public reply of the current round, or why the
  case ended otherwise.
- **location** → GeoReport v2 requires one: ``lat`` and ``long``, ``address_string`` (kept as
  the case's address) or ``address_id``, the administrative code of a village or community of
  the town (the case's village); a request with none is refused.
- **request update** (FixMyStreet's ``servicerequestupdates`` extension) → a public
  `CaseEvent`.

Reading is anonymous; creating needs an `Open311Key` and goes through
`renda.cases.services.submit_case` like every other front door, with a per-key hourly limit.
Cases are created synchronously, so a "token" is simply the service request id.

Privacy: the submitter's name and phone are never serialised, and mobile numbers or the
submitter's name written into free text are masked, because these responses are public.
Attachments are private, so ``media_url`` is always empty.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405  (we only build XML here, never parse it)
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from renda.api.models import Open311Key
from renda.api.validation import (
    UNREADABLE,
    InputError,
    check_moment,
    check_text,
    parse_integer,
    unreadable,
)
from renda.cases import services
from renda.cases.models import (
    ACTIVE_ASSIGNMENT,
    ANSWERING_ROLES,
    OPEN,
    TERMINAL,
    Assignment,
    Case,
    CaseEvent,
    CaseKind,
    CaseSource,
    CaseStatus,
    Category,
    Reply,
)
from renda.congress.models import Congress, CongressLevel
from renda.core import audit, ratelimit
from renda.core.errors import DomainError
from renda.core.masking import mask_name, mask_phone
from renda.core.models import Region, RegionLevel
from renda.core.validators import validate_cn_mobile

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed; clients compare it to know whether to re-read services.
CHANGESET = "2026-11-29T00:00:00+08:00"
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
# request.json limits the description; a case may hold up to 5,000 characters.
MAX_DESCRIPTION = 4000
POST_SCOPE = "open311-post"
POST_WINDOW_SECONDS = 3600
JURISDICTION_LEVELS = (CongressLevel.TOWN, CongressLevel.COUNTY)
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element name of one item of each nested XML list.
XML_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# Characters XML 1.0 cannot carry at all; left in, they would make the document unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# "+08:00" sent unencoded in a query string arrives as " 08:00".
_DECODED_PLUS = re.compile(r" (\d{2}:?\d{2})$")

View = Callable[..., HttpResponse]


class Open311Error(Exception):
    """An error answered in the Open311 error format with its HTTP status."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


# --- rendering -------------------------------------------------------------------------------


def _xml_element(tag: str, value: Any, item: str | None = None) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            if child is not None:  # XML has no null: an unknown value is left out
                element.append(_xml_element(key, child, XML_ITEMS.get(key)))
    elif isinstance(value, list):
        for child in value:
            element.append(_xml_element(item or "item", child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_INVALID.sub("", str(value))
    return element


def _xml(root: str, data: Any, item: str | None = None) -> str:
    body = ET.tostring(_xml_element(root, data, item), encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'


def _respond(
    fmt: str,
    data: Any,
    *,
    root: str,
    item: str | None = None,
    json_data: Any = None,
    status: int = 200,
) -> HttpResponse:
    """`data` in the requested format; `json_data` when JSON wraps it differently."""
    if fmt == "json":
        body = json.dumps(data if json_data is None else json_data, ensure_ascii=False)
    else:
        body = _xml(root, data, item)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    data = [{"code": code, "description": description}]
    return _respond(fmt, data, root="errors", item="error", status=code)


def open311_view(methods: tuple[str, ...] = ("GET",)) -> Callable[[View], View]:
    """Method check and Open311 error bodies. API clients authenticate by key, not by a
    session cookie, so CSRF protection does not apply."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _error(fmt, 405, _("This method is not allowed here."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.code, exc.description)
            except InputError as exc:
                return _error(fmt, 400, str(exc))
            except UNREADABLE as exc:
                return _error(fmt, 400, unreadable(exc))

        return wrapper

    return decorate


# --- formatting ------------------------------------------------------------------------------


def _w3c(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _end_of_day(day: dt.date) -> str:
    moment = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return moment.isoformat(timespec="seconds")


def _status(status: str) -> str:
    return "open" if status in OPEN else "closed"


def _scrub(text: str, case: Case) -> str:
    """Free text is published: mask mobile numbers and the submitter's own name in it."""
    text = _MOBILE.sub(lambda match: mask_phone(match.group()), text or "")
    name = (case.submitter_name or "").strip()
    if len(name) >= 2:  # a one-character "name" would mask ordinary words
        text = text.replace(name, mask_name(name))
    return text


# --- parameters and jurisdiction ---------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """A POST field, or a query parameter (some clients put api_key in the URL); text that
    cannot be stored (a NUL character) is refused."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    return check_text((value or "").strip(), name)


def _csv(request: HttpRequest, name: str) -> list[str]:
    return [part.strip() for part in _param(request, name).split(",") if part.strip()]


def _key(request: HttpRequest) -> Open311Key | None:
    secret = _param(request, "api_key")
    if not secret:
        return None
    key = Open311Key.authenticate(secret)
    if key is None or not key.congress.is_active:
        raise Open311Error(403, _("The API key is not valid."))
    return key


def _jurisdiction(request: HttpRequest, key: Open311Key | None) -> Congress:
    wanted = _param(request, "jurisdiction_id")
    if key is not None:
        if wanted and wanted != str(key.congress_id):
            raise Open311Error(403, _("This API key is not valid for this jurisdiction_id."))
        return key.congress
    if wanted:
        try:
            congress_id = parse_integer(wanted, "jurisdiction_id")
        except InputError:
            congress_id = None
        congress = (
            Congress.objects.filter(
                pk=congress_id, is_active=True, level__in=JURISDICTION_LEVELS
            ).first()
            if congress_id is not None
            else None
        )
        if congress is None:
            raise Open311Error(404, _("Unknown jurisdiction_id."))
        return congress
    towns = list(
        Congress.objects.filter(
            is_active=True, level=CongressLevel.TOWN, case_categories__is_active=True
        )
        .distinct()
        .order_by("pk")[:2]
    )
    if len(towns) != 1:
        raise Open311Error(400, _("jurisdiction_id is required: give the congress id."))
    return towns[0]


def _moment(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = _DECODED_PLUS.sub(r"+\1", _param(request, name))
    if not raw:
        return None
    moment: dt.datetime | None = None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a date and time in W3C format, e.g. 2026-11-29T14:31:00+08:00.")
            % {"name": name},
        )
    return check_moment(moment, name)


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime | None]:
    """start_date/end_date; without a start, the 90 days before the end (or now)."""
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is None:
        start = (end or timezone.now()) - DEFAULT_WINDOW
    if end is not None and start > end:
        raise Open311Error(400, _("start_date must not be later than end_date."))
    return start, end


# --- services ------------------------------------------------------------------------------


def _categories(congress: Congress) -> QuerySet[Category]:
    return (
        Category.objects.filter(congress=congress, is_active=True)
        .select_related("parent")
        .order_by("order", "name", "pk")
    )


def _category(congress: Congress, code: str) -> Category:
    category = _categories(congress).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code."))
    return category


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent else "",
    }


# --- service requests ----------------------------------------------------------------------


def _cases(congress: Congress) -> QuerySet[Case]:
    """Opinion cases of the jurisdiction with everything a request shows, in a constant
    number of queries: annotations for single values, prefetches for the lists."""
    public_events = CaseEvent.objects.filter(case=OuterRef("pk"), is_public=True).order_by(
        "-created_at", "-id"
    )
    reasons = public_events.filter(action__in=["withdrawn", "redirected"])
    answering = (
        Assignment.objects.filter(role__in=ANSWERING_ROLES, status__in=ACTIVE_ASSIGNMENT)
        .select_related("department")
        .order_by("id")
    )
    current_replies = (
        Reply.objects.filter(round=F("case__round"))
        .only("case", "round", "public_text", "replied_at")
        .order_by("replied_at", "id")
    )
    return (
        Case.objects.filter(congress=congress, kind=CaseKind.OPINION)
        .select_related("category", "village")
        .annotate(
            o311_updated=Subquery(public_events.values("created_at")[:1]),
            o311_reason=Subquery(reasons.values("note")[:1]),
            o311_merged_into=F("merged_into__serial"),
            o311_escalated_to=F("escalated_to__serial"),
            o311_escalated_congress=F("escalated_to__congress__name"),
        )
        .prefetch_related(
            Prefetch("assignments", queryset=answering, to_attr="o311_agencies"),
            Prefetch("replies", queryset=current_replies, to_attr="o311_replies"),
        )
        .order_by("-submitted_at", "-id")
    )


def _agencies(case: Case) -> str:
    names: list[str] = []
    for assignment in getattr(case, "o311_agencies", []):
        if assignment.department.name not in names:
            names.append(assignment.department.name)
    return "、".join(names)


def _status_notes(case: Case, full: bool) -> str:
    if case.status in (CaseStatus.REPLIED, CaseStatus.CLOSED):
        replies = getattr(case, "o311_replies", [])
        notes = "\n\n".join(r.public_text for r in replies if r.public_text)
    elif case.status == CaseStatus.MERGED:
        notes = _("Merged into %(serial)s.") % {"serial": getattr(case, "o311_merged_into", "")}
    elif case.status == CaseStatus.ESCALATED:
        notes = _("Escalated to %(congress)s as %(serial)s.") % {
            "congress": getattr(case, "o311_escalated_congress", ""),
            "serial": getattr(case, "o311_escalated_to", ""),
        }
    elif case.status in (CaseStatus.WITHDRAWN, CaseStatus.REDIRECTED) and full:
        notes = getattr(case, "o311_reason", None) or ""
    else:
        notes = ""
    return _scrub(notes, case)


def _service_request(case: Case, full: bool) -> dict[str, Any]:
    """One request. Without an API key of the congress (`full` False) the reader gets what
    the platform publishes anyway, status, department, dates, the public reply, but not
    the resident's own words, address or coordinates: opinions are not public posts."""
    updated = getattr(case, "o311_updated", None) or case.submitted_at
    data: dict[str, Any] = {
        "service_request_id": case.serial,
        "status": _status(case.status),
        "status_notes": _status_notes(case, full),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": _scrub(case.content, case)[:MAX_DESCRIPTION] if full else "",
        "agency_responsible": _agencies(case),
        "service_notice": "",
        "requested_datetime": _w3c(case.submitted_at),
        "updated_datetime": _w3c(updated),
        "expected_datetime": _end_of_day(case.due_date) if case.due_date else None,
        "address": (case.address if full else "") or (case.village.name if case.village else ""),
        "address_id": case.village.code if case.village else "",
        "zipcode": "",
    }
    if full and case.latitude is not None and case.longitude is not None:
        data["lat"] = float(case.latitude)
        data["long"] = float(case.longitude)
    data["media_url"] = ""
    return data


def _filtered(request: HttpRequest, cases: QuerySet[Case]) -> QuerySet[Case]:
    ids = [serial.upper() for serial in _csv(request, "service_request_id")]
    if ids:
        # GeoReport v2: a list of ids overrides every other filter.
        return cases.filter(serial__in=ids[:MAX_RESULTS])
    statuses = set(_csv(request, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed."))
    if statuses == {"open"}:
        cases = cases.filter(status__in=OPEN)
    elif statuses == {"closed"}:
        cases = cases.filter(status__in=TERMINAL)
    codes = _csv(request, "service_code")
    if codes:
        cases = cases.filter(category__code__in=codes)
    start, end = _window(request)
    cases = cases.filter(submitted_at__gte=start)
    if end is not None:
        cases = cases.filter(submitted_at__lte=end)
    return cases


# --- creation ------------------------------------------------------------------------------


def _throttle(key: Open311Key) -> None:
    """Every authenticated POST counts against the key's hourly allowance."""
    limit = getattr(settings, "RENDA_OPEN311_POST_LIMIT", 120)
    identity = f"key:{key.pk}"
    if not ratelimit.attempt(POST_SCOPE, [identity], limit, POST_WINDOW_SECONDS):
        raise Open311Error(429, _("Too many service requests with this API key. Try again later."))


def _coordinate(request: HttpRequest, name: str, bound: int) -> Decimal | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    # copy_abs, not abs(): exact, where abs() rounds and overflows on an exponent like 1e999999999.
    if value is None or not value.is_finite() or value.copy_abs() > bound:
        raise Open311Error(
            400,
            _("%(name)s must be a number between -%(bound)s and %(bound)s.")
            % {"name": name, "bound": bound},
        )
    return value.quantize(Decimal("0.000001"))


def _village(congress: Congress, address_id: str) -> Region | None:
    """``address_id`` is the administrative code of a village or community of the town."""
    if not address_id:
        return None
    town = congress.region
    village = (
        Region.objects.subtree_of(town)
        .filter(code=address_id, level=RegionLevel.VILLAGE, is_active=True)
        .first()
        if town is not None
        else None
    )
    if village is None:
        raise Open311Error(
            400, _("address_id must be the code of a village or community of this town.")
        )
    return village


def _location(
    request: HttpRequest, congress: Congress
) -> tuple[Decimal | None, Decimal | None, str, Region | None]:
    """GeoReport v2 requires a location: lat and long, address_string or address_id."""
    lat, long = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, _("Give both lat and long, or neither."))
    address = _param(request, "address_string")
    village = _village(congress, _param(request, "address_id"))
    if lat is None and not address and village is None:
        raise Open311Error(
            400, _("A location is required: give lat and long, address_string or address_id.")
        )
    return lat, long, address, village


def _phone(raw: str) -> str:
    """Only a valid mainland mobile number is kept: the platform texts it about the reply."""
    try:
        validate_cn_mobile(raw)
    except ValidationError:
        return ""
    return raw


def _create(request: HttpRequest) -> Case:
    key = _key(request)
    if key is None:
        raise Open311Error(403, _("An API key is required to submit a service request."))
    congress = _jurisdiction(request, key)
    _throttle(key)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _category(congress, code)
    description = _param(request, "description")
    if not description:
        raise Open311Error(400, _("description is required."))
    lat, long, address, village = _location(request, congress)
    try:
        with transaction.atomic():
            case, _check_code = services.submit_case(
                congress=congress,
                category=category,
                content=description,
                source=CaseSource.OPEN311,
                title="",
                village=village,
                address=address,
                latitude=lat,
                longitude=long,
                # Chinese order: family name first.
                submitter_name=f"{_param(request, 'last_name')}{_param(request, 'first_name')}",
                submitter_phone=_phone(_param(request, "phone")),
            )
            # Which client sent it: submit_case logs the case, not the key.
            audit.record("open311.request_created", case, changes={"open311_key": [None, key.pk]})
    except DomainError as exc:
        raise Open311Error(400, str(exc)) from exc
    return case


# --- views ---------------------------------------------------------------------------------


@open311_view()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    own_url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    data = {
        "changeset": CHANGESET,
        "contact": _("The presidium office of the congress that runs this platform."),
        "key_service": _("API keys are issued per congress by the platform operator."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": own_url.rsplit("/", 1)[0] + "/",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, data, root="discovery")


@open311_view()
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    congress = _jurisdiction(request, _key(request))
    data = [_service(category) for category in _categories(congress)]
    return _respond(fmt, data, root="services", item="service")


@open311_view()
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    congress = _jurisdiction(request, _key(request))
    category = _category(congress, service_code)
    data = {"service_code": category.code, "attributes": []}
    return _respond(fmt, data, root="service_definition")


@open311_view(methods=("GET", "POST"))
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        case = _create(request)
        created = [{"service_request_id": case.serial, "service_notice": "", "account_id": None}]
        return _respond(fmt, created, root="service_requests", item="request")
    key = _key(request)
    congress = _jurisdiction(request, key)
    cases = _filtered(request, _cases(congress))
    data = [_service_request(case, key is not None) for case in cases[:MAX_RESULTS]]
    return _respond(fmt, data, root="service_requests", item="request")


@open311_view()
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    key = _key(request)
    congress = _jurisdiction(request, key)
    case = _cases(congress).filter(serial=service_request_id.upper()).first()
    if case is None:
        raise Open311Error(404, _("Unknown service_request_id."))
    return _respond(
        fmt, [_service_request(case, key is not None)], root="service_requests", item="request"
    )


@open311_view()
def token_status(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    congress = _jurisdiction(request, _key(request))
    serial = (
        Case.objects.filter(congress=congress, kind=CaseKind.OPINION, serial=token.upper())
        .values_list("serial", flat=True)
        .first()
    )
    if serial is None:
        raise Open311Error(404, _("Unknown token."))
    data = [{"service_request_id": serial, "token": token}]
    return _respond(fmt, data, root="service_requests", item="request")


def _update(event: CaseEvent, full: bool) -> dict[str, Any]:
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.serial,
        "status": _status(event.to_status or event.case.status),
        "updated_datetime": _w3c(event.created_at),
        # Free-text notes (ratings' comments, progress) only for key holders.
        "description": _scrub(event.note or event.label, event.case) if full else event.label,
        "media_url": "",
    }


@open311_view()
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _key(request)
    congress = _jurisdiction(request, key)
    start, end = _window(request)
    events = CaseEvent.objects.filter(
        case__congress=congress, case__kind=CaseKind.OPINION, is_public=True, created_at__gte=start
    ).select_related("case")
    if end is not None:
        events = events.filter(created_at__lte=end)
    # Oldest first: a client polls with start_date = the last update it saw, so a capped
    # answer continues where the previous one stopped.
    data = [
        _update(event, key is not None)
        for event in events.order_by("created_at", "id")[:MAX_RESULTS]
    ]
    return _respond(
        fmt,
        data,
        root="service_request_updates",
        item="request_update",
        json_data={"service_request_updates": data},
    )


@csrf_exempt
def unknown_path(request: HttpRequest, path: str) -> HttpResponse:
    """Anything else under the prefix: a 404 in the Open311 error format, in XML when the
    path asks for XML, else in JSON (also for a format Open311 does not have)."""
    fmt = "xml" if path.lower().endswith(".xml") else "json"
    return _error(
        fmt,
        404,
        _("There is no Open311 resource at this path: see discovery.json for the endpoints."),
    )

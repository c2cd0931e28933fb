"""The Open311 GeoReport v2 adapter at /open311/v2/, exercised as a third-party client would:
over HTTP, in JSON and XML, validated against the published GeoReport v2 JSON schemas
(copied to tests/api/open311_schemas/)."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405  (parses only this app's own responses)
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from renda.api import open311
from renda.api.models import Open311Key
from renda.cases import services
from renda.cases.models import Case, CaseEvent, CaseKind, CaseSource, Category
from renda.core.models import ActionLog
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

BASE = "/open311/v2/"
SCHEMAS = Path(__file__).parent / "open311_schemas"
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
# XML → JSON: which elements hold numbers, booleans or lists (everything else is text).
XML_NUMBERS = {"lat": float, "long": float, "code": int}
XML_BOOLEANS = {"metadata", "variable", "required"}
XML_LISTS = {"attributes", "endpoints", "formats", "values"}


# --- helpers ---------------------------------------------------------------------------------


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


REGISTRY: Registry = Registry().with_resources(
    (path.name, Resource.from_contents(_schema(path.name), default_specification=DRAFT202012))
    for path in SCHEMAS.glob("*.json")
)


def validate(data: Any, schema_name: str) -> None:
    """Schema validation plus what the published schemas leave loose: objects, no unknown
    fields, W3C datetimes with an offset."""
    Draft202012Validator(_schema(schema_name), registry=REGISTRY).validate(data)
    item_schema = {"requests.json": "request.json", "services.json": "service.json"}
    items = data if isinstance(data, list) else [data]
    properties = _schema(item_schema.get(schema_name, schema_name))["properties"]
    for item in items:
        assert isinstance(item, dict)
        assert set(item) <= set(properties), set(item) - set(properties)
        for field in DATETIME_FIELDS:
            if item.get(field) is not None:
                assert W3C.match(item[field]), item[field]


def _element_to_json(element: ET.Element) -> Any:
    if element.tag in XML_LISTS:
        return [_element_to_json(child) for child in element]
    children = list(element)
    if children:
        return {child.tag: _element_to_json(child) for child in children}
    text = element.text or ""
    if element.tag in XML_NUMBERS:
        return XML_NUMBERS[element.tag](text)
    if element.tag in XML_BOOLEANS:
        assert text in ("true", "false")
        return text == "true"
    return text


def parse_xml(response, root: str, item: str | None = None) -> Any:  # noqa: ANN001
    """The JSON structure equivalent to an XML response, after checking the element names."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    tree = ET.fromstring(body)  # noqa: S314  (our own output)
    assert tree.tag == root
    if item is None:
        return _element_to_json(tree)
    assert all(child.tag == item for child in tree), [child.tag for child in tree]
    return [_element_to_json(child) for child in tree]


def as_json(response) -> Any:  # noqa: ANN001
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def get(client: Client, path: str, **params: Any):  # noqa: ANN201
    return client.get(BASE + path, params)


def post(client: Client, fmt: str = "json", **data: Any):  # noqa: ANN201
    return client.post(f"{BASE}requests.{fmt}", data)


def assert_error(response, code: int, fmt: str = "json") -> str:  # noqa: ANN001
    assert response.status_code == code, response.content.decode()
    if fmt == "json":
        body = as_json(response)
    else:
        body = parse_xml(response, "errors", "error")
    assert len(body) == 1 and body[0]["code"] == code and body[0]["description"]
    return body[0]["description"]


@pytest.fixture
def key_a(world) -> str:  # noqa: ANN001
    return Open311Key.issue(name="12345 hotline", congress=world.c_a)[1]


@pytest.fixture
def key_b(world) -> str:  # noqa: ANN001
    return Open311Key.issue(name="FL app", congress=world.c_b)[1]


def _a(world, **params: Any) -> dict[str, Any]:  # noqa: ANN001
    """Read as a key holder of congress A (the full view)."""
    if not hasattr(world, "o311_reader"):
        world.o311_reader = Open311Key.issue(name="reader", congress=world.c_a)[1]
    return {"jurisdiction_id": str(world.c_a.pk), "api_key": world.o311_reader, **params}


def _list(client: Client, world, fmt: str = "json", **params: Any) -> list[dict[str, Any]]:  # noqa: ANN001
    response = get(client, f"requests.{fmt}", **_a(world, **params))
    assert response.status_code == 200, response.content.decode()
    if fmt == "xml":
        return parse_xml(response, "service_requests", "request")
    data = as_json(response)
    validate(data, "requests.json")
    return data


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["service_request_id"] for item in items]


def _reply(world, case: Case, text: str = "路灯已修复") -> None:  # noqa: ANN001
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get(department=world.dept_a1, status="assigned")
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(assignment, reply_class="A", text=text, acting_user=world.handler_a)


# --- discovery and services --------------------------------------------------------------------


def test_discovery_in_both_formats(client):  # noqa: ANN001
    data = as_json(get(client, "discovery.json"))
    assert W3C.match(data["changeset"]) and data["contact"] and data["key_service"]
    [endpoint] = data["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2/",
        "changeset": data["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    assert parse_xml(get(client, "discovery.xml"), "discovery") == data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_congress_active_categories(client, world, fmt):  # noqa: ANN001
    Category.objects.create(congress=world.c_a, parent=world.cat_a, code="lamp", name="路灯")
    Category.objects.create(congress=world.c_a, code="old", name="旧分类", is_active=False)
    response = get(client, f"services.{fmt}", **_a(world))
    assert response.status_code == 200
    data = as_json(response) if fmt == "json" else parse_xml(response, "services", "service")
    validate(data, "services.json")
    by_code = {service["service_code"]: service for service in data}
    assert set(by_code) == {"road", "edu", "lamp"}
    assert by_code["lamp"] == {
        "service_code": "lamp",
        "service_name": "路灯",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "交通",
    }
    assert by_code["road"]["group"] == ""


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, world, fmt):  # noqa: ANN001
    response = get(client, f"services/road.{fmt}", **_a(world))
    assert response.status_code == 200
    if fmt == "json":
        data = as_json(response)
    else:
        data = parse_xml(response, "service_definition")
        assert [child.tag for child in ET.fromstring(response.content)] == [  # noqa: S314
            "service_code",
            "attributes",
        ]
    assert data == {"service_code": "road", "attributes": []}
    validate(data, "service-definition.json")
    assert_error(get(client, f"services/nope.{fmt}", **_a(world)), 404, fmt)


def test_jurisdiction_is_required_only_when_ambiguous(client, world):  # noqa: ANN001
    assert_error(get(client, "services.json"), 400)  # two towns have categories
    assert_error(get(client, "services.json", jurisdiction_id="999999"), 404)
    assert_error(get(client, "services.json", jurisdiction_id="abc"), 404)
    Category.objects.filter(congress=world.c_b).update(is_active=False)
    data = as_json(get(client, "services.json"))
    assert {service["service_code"] for service in data} == {"road", "edu"}
    # The district congress is a jurisdiction when named.
    district = as_json(get(client, "services.json", jurisdiction_id=str(world.c_district.pk)))
    assert [service["service_code"] for service in district] == ["road"]


def test_reading_with_a_bad_key_is_refused(client, world):  # noqa: ANN001
    assert_error(get(client, "services.json", **_a(world, api_key="wrong")), 403)


# --- creating requests -------------------------------------------------------------------------


def test_post_needs_a_valid_active_key(client, world, key_a):  # noqa: ANN001
    form = {"service_code": "road", "description": "路灯坏了"}
    assert_error(post(client, **form), 403)
    assert_error(post(client, api_key="not-a-key", **form), 403)
    assert_error(post(client, "xml", api_key="not-a-key", **form), 403, "xml")
    Open311Key.objects.update(is_active=False)
    assert_error(post(client, api_key=key_a, **form), 403)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"description": "路灯坏了"}, 400),
        ({"service_code": "nope", "description": "路灯坏了"}, 404),
        ({"service_code": "road"}, 400),
        ({"service_code": "road", "description": "   "}, 400),
        ({"service_code": "road", "description": "x" * 5001, "address_string": "村口"}, 400),
        ({"service_code": "road", "description": "路灯坏了", "lat": "abc", "long": "120"}, 400),
        ({"service_code": "road", "description": "路灯坏了", "lat": "91", "long": "120"}, 400),
        ({"service_code": "road", "description": "路灯坏了", "lat": "30", "long": "-181"}, 400),
        ({"service_code": "road", "description": "路灯坏了", "lat": "NaN", "long": "120"}, 400),
        ({"service_code": "road", "description": "路灯坏了", "lat": "30"}, 400),
        (
            {
                "service_code": "road",
                "description": "路灯坏了",
                "last_name": "名" * 41,
                "lat": "30",
                "long": "120",
            },
            400,
        ),
    ],
)
def test_post_validation(client, world, key_a, form, code):  # noqa: ANN001
    assert_error(post(client, api_key=key_a, **form), code)
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_without_a_location_is_refused(client, world, key_a, fmt):  # noqa: ANN001
    """GeoReport v2: lat/long, address_string or address_id is required."""
    client.cookies["django_language"] = "en"
    form = {"service_code": "road", "description": "路灯坏了"}
    description = assert_error(post(client, fmt, api_key=key_a, **form), 400, fmt)
    assert description == "A location is required: give lat and long, address_string or address_id."
    blank = {"address_string": "   ", "address_id": "", "lat": "", "long": ""}
    assert_error(post(client, fmt, api_key=key_a, **form, **blank), 400, fmt)
    assert not Case.objects.exists()
    client.cookies["django_language"] = "zh-hans"
    description = assert_error(post(client, fmt, api_key=key_a, **form), 400, fmt)
    assert (
        description
        == "请提供位置：经纬度（lat 和 long）、地址（address_string）或地址编号（address_id）。"
    )


def test_each_kind_of_location_is_enough(client, world, key_a):  # noqa: ANN001
    form = {"api_key": key_a, "service_code": "road", "description": "路灯坏了"}
    assert post(client, **form, lat="30.5", long="120.25").status_code == 200
    assert post(client, **form, address_string="东塘村村口").status_code == 200
    response = post(client, **form, address_id=world.village_a.code)
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(serial=as_json(response)[0]["service_request_id"])
    assert case.village == world.village_a and case.address == ""
    [item] = as_json(get(client, f"requests/{case.serial}.json", **_a(world)))
    validate([item], "requests.json")
    assert item["address_id"] == world.village_a.code and item["address"] == "东塘村"
    assert Case.objects.count() == 3


def test_an_address_id_outside_the_town_is_refused(client, world, key_a):  # noqa: ANN001
    form = {"api_key": key_a, "service_code": "road", "description": "路灯坏了"}
    for address_id in (world.village_b.code, world.town_a.code, "no-such-code"):
        assert "address_id" in assert_error(post(client, **form, address_id=address_id), 400)
    assert not Case.objects.exists()


def test_service_errors_are_passed_on_translated(client, world, key_a):  # noqa: ANN001
    client.cookies["django_language"] = "en"
    response = post(
        client, api_key=key_a, service_code="road", description="x" * 5001, address_string="村口"
    )
    assert "too long" in assert_error(response, 400)


def test_post_creates_a_case_that_the_client_can_follow(client, world, key_a):  # noqa: ANN001
    response = post(
        client,
        api_key=key_a,
        service_code="road",
        description="东塘村村口路灯坏了",
        lat="30.123456789",
        long="120.5",
        address_string="东塘村村口",
        first_name="三",
        last_name="张",
        phone="13812345678",
        email="zhang@example.invalid",
        device_id="device-1",
        account_id="42",
        media_url="https://example.invalid/photo.jpg",
        **{"attribute[WHISPER]": "ignored"},
    )
    assert response.status_code == 200, response.content.decode()
    [created] = as_json(response)
    case = Case.objects.get()
    assert created == {"service_request_id": case.serial, "service_notice": "", "account_id": None}
    assert case.congress == world.c_a and case.category == world.cat_a
    assert case.source == CaseSource.OPEN311 and case.kind == CaseKind.OPINION
    assert case.submitter_name == "张三" and case.submitter_phone == "13812345678"
    assert case.address == "东塘村村口" and case.village is None
    assert str(case.latitude) == "30.123457" and str(case.longitude) == "120.500000"
    assert ActionLog.objects.filter(
        action="open311.request_created", object_id=str(case.pk)
    ).exists()

    [item] = as_json(get(client, f"requests/{case.serial}.json", **_a(world)))
    validate([item], "requests.json")
    assert item["status"] == "open" and item["agency_responsible"] == ""
    assert item["expected_datetime"] is None
    assert item["service_code"] == "road" and item["service_name"] == "交通"
    assert item["description"] == "东塘村村口路灯坏了" and item["address"] == "东塘村村口"
    assert item["lat"] == 30.123457 and item["long"] == 120.5
    assert item["requested_datetime"].endswith("+08:00")

    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    case.refresh_from_db()
    [item] = as_json(get(client, f"requests/{case.serial.lower()}.json", **_a(world)))
    validate([item], "requests.json")
    assert item["status"] == "open" and item["agency_responsible"] == "城乡建设办公室"
    assert item["expected_datetime"] == f"{case.due_date.isoformat()}T23:59:59+08:00"


def test_post_xml_response_and_an_invalid_phone_is_dropped(client, world, key_a):  # noqa: ANN001
    response = post(
        client,
        "xml",
        api_key=key_a,
        service_code="edu",
        description="校门口缺少斑马线",
        address_string="小学门口",
        phone="123",
    )
    assert response.status_code == 200
    [created] = parse_xml(response, "service_requests", "request")
    case = Case.objects.get()
    assert created == {"service_request_id": case.serial, "service_notice": ""}
    assert case.submitter_phone == "" and case.category == world.cat_a2


def test_post_needs_no_csrf_token(world, key_a):  # noqa: ANN001
    client = Client(enforce_csrf_checks=True)
    response = post(
        client, api_key=key_a, service_code="road", description="路灯坏了", address_string="村口"
    )
    assert response.status_code == 200


def test_posts_are_rate_limited_per_key(client, world, settings, key_a, key_b):  # noqa: ANN001
    settings.RENDA_OPEN311_POST_LIMIT = 2
    form = {"service_code": "road", "description": "路灯坏了", "address_string": "村口"}
    assert post(client, api_key=key_a, **form).status_code == 200
    assert post(client, api_key=key_a, **form).status_code == 200
    assert_error(post(client, api_key=key_a, **form), 429)
    assert_error(post(client, "xml", api_key=key_a, **form), 429, "xml")
    assert post(client, api_key=key_b, **form).status_code == 200
    assert Case.objects.filter(congress=world.c_a).count() == 2


def test_other_methods_are_refused(client, world):  # noqa: ANN001
    response = client.put(BASE + "requests.json")
    assert_error(response, 405)
    assert response["Allow"] == "GET, POST"
    assert_error(client.post(BASE + "services.json"), 405)


# --- jurisdictions -----------------------------------------------------------------------------


def test_a_key_reads_and_writes_only_its_own_congress(client, world, key_b):  # noqa: ANN001
    submit(world)
    second = submit(world).case
    b_case = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b).case
    # Naming another jurisdiction with B's key is refused, for reading and for writing.
    assert_error(get(client, "requests.json", api_key=key_b, jurisdiction_id=world.c_a.pk), 403)
    assert_error(
        post(
            client,
            api_key=key_b,
            jurisdiction_id=world.c_a.pk,
            service_code="road",
            description="x",
        ),
        403,
    )
    # "edu" exists in A only.
    assert_error(post(client, api_key=key_b, service_code="edu", description="x"), 404)
    # A's case numbers do not exist in B.
    assert_error(get(client, f"requests/{second.serial}.json", api_key=key_b), 404)
    assert_error(get(client, f"tokens/{second.serial}.json", api_key=key_b), 404)
    listed = as_json(get(client, "requests.json", api_key=key_b))
    assert _ids(listed) == [b_case.serial]
    assert as_json(get(client, "requests.json", api_key=key_b, jurisdiction_id=world.c_b.pk))
    # Created with B's key → B's case.
    assert (
        post(
            client,
            api_key=key_b,
            service_code="road",
            description="枫林路灯",
            address_string="枫林",
        ).status_code
        == 200
    )
    assert Case.objects.filter(congress=world.c_b).count() == 2


# --- reading requests --------------------------------------------------------------------------


def test_request_list_filters(client, world):  # noqa: ANN001
    road = submit(world).case
    edu = submit(world, category=world.cat_a2, content="学校门口缺少斑马线，孩子过马路很危险").case
    closed = submit(world).case
    services.withdraw_case(closed, reason="群众撤回", acting_user=world.staff)
    old = submit(world).case
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=100))
    submit(world, kind=CaseKind.SUGGESTION)  # suggestions are not Open311 requests

    # Newest first, within the last 90 days, opinions only.
    assert _ids(_list(client, world)) == [closed.serial, edu.serial, road.serial]
    assert _ids(_list(client, world, status="open")) == [edu.serial, road.serial]
    assert _ids(_list(client, world, status="closed")) == [closed.serial]
    assert _ids(_list(client, world, status="open,closed")) == [
        closed.serial,
        edu.serial,
        road.serial,
    ]
    assert _ids(_list(client, world, service_code="edu")) == [edu.serial]
    assert _list(client, world, service_code="nope") == []
    # A list of ids overrides every other filter, the date window included.
    ids = f"{road.serial}, {old.serial.lower()},MY1999-000001"
    assert _ids(_list(client, world, service_request_id=ids, status="closed")) == [
        road.serial,
        old.serial,
    ]
    long_ago = (timezone.now() - dt.timedelta(days=120)).isoformat()
    assert _ids(_list(client, world, start_date=long_ago)) == [
        closed.serial,
        edu.serial,
        road.serial,
        old.serial,
    ]
    before = (timezone.now() - dt.timedelta(days=95)).isoformat()
    assert _ids(_list(client, world, end_date=before)) == [old.serial]
    assert _list(client, world, start_date=timezone.now() + dt.timedelta(hours=1)) == []


def test_date_parameters(client, world):  # noqa: ANN001
    case = submit(world).case
    local = timezone.localtime(case.submitted_at) - dt.timedelta(minutes=1)
    # "+08:00" sent without URL encoding arrives as " 08:00"; accepted all the same.
    raw = f"{BASE}requests.json?jurisdiction_id={world.c_a.pk}&start_date={local.isoformat(timespec='seconds')}"
    assert _ids(as_json(client.get(raw))) == [case.serial]
    assert _ids(_list(client, world, start_date=local.date().isoformat())) == [case.serial]
    assert_error(get(client, "requests.json", **_a(world, start_date="yesterday")), 400)
    assert_error(get(client, "requests.json", **_a(world, end_date="2026-13-45")), 400)
    assert_error(get(client, "requests.json", **_a(world, status="pending")), 400)
    assert_error(
        get(
            client,
            "requests.json",
            **_a(world, start_date="2026-11-02T00:00:00+08:00", end_date="2026-11-01"),
        ),
        400,
    )


def test_request_list_is_capped_at_the_newest(client, world, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(open311, "MAX_RESULTS", 3)
    cases = [submit(world).case for _ in range(5)]
    assert _ids(_list(client, world)) == [c.serial for c in reversed(cases)][:3]


def test_status_and_status_notes(client, world):  # noqa: ANN001
    main = submit(world).case
    merged = submit(world).case
    services.merge_cases(merged, into=main, acting_user=world.staff)
    withdrawn = submit(world).case
    services.withdraw_case(withdrawn, reason="已自行解决", acting_user=world.staff)
    redirected = submit(world).case
    services.redirect_case(redirected, reason="涉诉事项", acting_user=world.staff)
    escalated = submit(world).case
    higher = services.escalate_case(escalated, acting_user=world.staff)
    replied = submit(world).case
    _reply(world, replied, "已列入本月维修计划")
    closed_opinion = submit(world)
    closed = closed_opinion.case
    _reply(world, closed, "路灯已修复")
    services.rate_by_check_code(closed, code=closed_opinion.code, result="unsatisfied")
    assignment = closed.assignments.get()
    services.reply_case(
        assignment,
        reply_class="A",
        text="内部说明",
        public_text="已更换灯具",
        acting_user=world.handler_a,
    )
    services.rate_by_check_code(closed, code=closed_opinion.code, result="satisfied")

    items = {item["service_request_id"]: item for item in _list(client, world)}
    expected = {
        main.serial: ("open", ""),
        merged.serial: ("closed", main.serial),
        withdrawn.serial: ("closed", "已自行解决"),
        redirected.serial: ("closed", "涉诉事项"),
        escalated.serial: ("closed", higher.serial),
        replied.serial: ("open", "已列入本月维修计划"),
        closed.serial: ("closed", "已更换灯具"),
    }
    for serial, (status, note) in expected.items():
        assert items[serial]["status"] == status, serial
        assert note in items[serial]["status_notes"], (serial, items[serial]["status_notes"])
    assert items[main.serial]["status_notes"] == ""
    assert "路灯已修复" not in items[closed.serial]["status_notes"]  # an earlier round
    assert "内部说明" not in json.dumps(items, ensure_ascii=False)
    assert items[replied.serial]["agency_responsible"] == "城乡建设办公室"
    # The timeline's latest public step is the update time.
    replied_at = replied.events.filter(is_public=True).latest("created_at", "id").created_at
    assert items[replied.serial]["updated_datetime"] == timezone.localtime(replied_at).isoformat(
        timespec="seconds"
    )
    assert items[main.serial]["address"] == "东塘村"  # the village when no address was given


def test_agency_responsible_names_answering_units_only(client, world):  # noqa: ANN001
    split = submit(world).case
    services.assign_case(split, splits=[world.dept_a1, world.dept_a2], acting_user=world.staff)
    returned = submit(world).case
    services.assign_case(returned, lead=world.dept_a2, acting_user=world.staff)
    services.return_assignment(
        returned.assignments.get(), reason="不属于本单位", acting_user=world.handler_b
    )
    co = submit(world).case
    services.assign_case(
        co, lead=world.dept_a1, co_handlers=[world.dept_a2], acting_user=world.staff
    )
    items = {item["service_request_id"]: item for item in _list(client, world)}
    assert items[split.serial]["agency_responsible"] == "城乡建设办公室、社会事务办公室"
    assert items[returned.serial]["agency_responsible"] == ""
    assert items[co.serial]["agency_responsible"] == "城乡建设办公室"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_single_request_and_unknown_ids(client, world, fmt):  # noqa: ANN001
    case = submit(world, latitude="30.5", longitude="120.25").case
    response = get(client, f"requests/{case.serial}.{fmt}", **_a(world))
    assert response.status_code == 200
    if fmt == "json":
        data = as_json(response)
    else:
        data = parse_xml(response, "service_requests", "request")
    validate(data, "requests.json")
    [item] = data
    assert item["service_request_id"] == case.serial and item["status"] == "open"
    assert item["lat"] == 30.5 and item["long"] == 120.25
    assert_error(get(client, f"requests/MY1999-000001.{fmt}", **_a(world)), 404, fmt)


def test_xml_request_list(client, world):  # noqa: ANN001
    replied = submit(world).case
    _reply(world, replied, "已修复 <ok> & 完成")
    submit(world)  # no location, no due date
    items = _list(client, world, "xml")
    validate(items, "requests.json")
    # The same content as JSON, where XML leaves out what JSON sends as null.
    assert items == [
        {field: value for field, value in item.items() if value is not None}
        for item in _list(client, world)
    ]
    body = get(client, "requests.xml", **_a(world)).content.decode()
    # Unknown values are left out rather than sent empty.
    tree = ET.fromstring(body)  # noqa: S314
    newest = tree[0]
    assert newest.find("expected_datetime") is None and newest.find("lat") is None
    assert tree[1].find("expected_datetime") is not None
    assert [child.tag for child in newest][:4] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
    ]


def test_requests_in_json_keep_null_and_omit_unknown_coordinates(client, world):  # noqa: ANN001
    submit(world, village=None)
    [item] = _list(client, world)
    assert "expected_datetime" in item and item["expected_datetime"] is None
    assert "lat" not in item and "long" not in item
    assert item["media_url"] == "" and item["address_id"] == "" and item["zipcode"] == ""


def test_personal_data_never_appears(client, world, key_a):  # noqa: ANN001
    opinion = submit(
        world,
        submitter_name="赵先生",
        submitter_phone="13812345678",
        content="我是赵先生，电话13812345678，东塘村路灯坏了，另可联系13900001111",
    )
    case = opinion.case
    _reply(world, case, "已联系赵先生（13812345678）并修复")
    services.rate_by_check_code(
        case, code=opinion.code, result="satisfied", comment="谢谢，电话13812345678"
    )
    created = post(
        client,
        api_key=key_a,
        service_code="road",
        description="路灯坏了",
        address_string="村口",
        first_name="三",
        last_name="张",
        phone="13700001234",
    )
    serial = as_json(created)[0]["service_request_id"]
    bodies = [created.content.decode()]
    for fmt in ("json", "xml"):
        for path in (
            f"requests.{fmt}",
            f"requests/{case.serial}.{fmt}",
            f"requests/{serial}.{fmt}",
            f"tokens/{serial}.{fmt}",
            f"servicerequestupdates.{fmt}",
            f"services.{fmt}",
        ):
            response = get(client, path, **_a(world))
            assert response.status_code == 200, path
            bodies.append(response.content.decode())
    everything = "\n".join(bodies)
    for secret in ("13812345678", "13900001111", "13700001234", "赵先生", "张三"):
        assert secret not in everything, secret
    assert "138****5678" in everything  # masked, not removed: the text still reads


# --- tokens and updates ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_are_service_request_ids(client, world, fmt):  # noqa: ANN001
    case = submit(world).case
    response = get(client, f"tokens/{case.serial}.{fmt}", **_a(world))
    assert response.status_code == 200
    if fmt == "json":
        data = as_json(response)
    else:
        data = parse_xml(response, "service_requests", "request")
    assert data == [{"service_request_id": case.serial, "token": case.serial}]
    assert_error(get(client, f"tokens/MY1999-000001.{fmt}", **_a(world)), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_updates(client, world, fmt):  # noqa: ANN001
    opinion = submit(world)
    case = opinion.case
    _reply(world, case, "已修复")
    services.rate_by_check_code(case, code=opinion.code, result="satisfied")
    old = submit(world).case
    CaseEvent.objects.filter(case=old).update(created_at=timezone.now() - dt.timedelta(days=100))
    response = get(client, f"servicerequestupdates.{fmt}", **_a(world))
    assert response.status_code == 200
    if fmt == "json":
        updates = as_json(response)["service_request_updates"]
    else:
        updates = parse_xml(response, "service_request_updates", "request_update")
    public = list(case.events.filter(is_public=True).order_by("created_at", "id"))
    assert [u["update_id"] for u in updates] == [str(e.pk) for e in public]
    for update in updates:
        assert set(update) == {
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        }
        assert update["service_request_id"] == case.serial and W3C.match(update["updated_datetime"])
        assert update["description"] and update["media_url"] == ""
    assert [u["status"] for u in updates][-1] == "closed"
    assert {u["status"] for u in updates[:-1]} == {"open"}
    assert "已修复" in [u["description"] for u in updates]
    # The older case is inside a wider window only.
    wider = as_json(
        get(
            client,
            "servicerequestupdates.json",
            **_a(world, start_date=(timezone.now() - dt.timedelta(days=120)).isoformat()),
        )
    )["service_request_updates"]
    assert old.serial in {u["service_request_id"] for u in wider}
    # Internal steps are not published.
    assert not {u["update_id"] for u in wider} & {
        str(pk) for pk in CaseEvent.objects.filter(is_public=False).values_list("pk", flat=True)
    }


# --- keys, clients, queries --------------------------------------------------------------------


def test_create_open311_key_command(client, world):  # noqa: ANN001
    out = StringIO()
    call_command("create_open311_key", "12345 hotline", "--congress", str(world.c_a.pk), stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    response = post(
        client, api_key=secret, service_code="road", description="路灯坏了", address_string="村口"
    )
    assert response.status_code == 200
    assert Case.objects.get().congress == world.c_a


def test_a_third_party_client_end_to_end(client, world, key_a):  # noqa: ANN001
    """List the services, submit a request, find it again by id, token and in the feeds."""
    endpoint = as_json(client.get(reverse("open311:discovery", kwargs={"fmt": "json"})))[
        "endpoints"
    ][0]
    base = endpoint["url"].removeprefix("http://testserver")
    services_list = as_json(client.get(f"{base}services.json", {"api_key": key_a}))
    code = next(s["service_code"] for s in services_list if s["service_name"] == "交通")
    definition = as_json(client.get(f"{base}services/{code}.json", {"api_key": key_a}))
    assert definition["attributes"] == []
    submitted = client.post(
        f"{base}requests.json",
        {
            "api_key": key_a,
            "jurisdiction_id": str(world.c_a.pk),
            "service_code": code,
            "description": "东塘村村口路灯坏了三个月",
            "lat": "30.25",
            "long": "120.16",
        },
    )
    [receipt] = as_json(submitted)
    request_id = receipt["service_request_id"]
    [token] = as_json(client.get(f"{base}tokens/{request_id}.json", {"api_key": key_a}))
    assert token["service_request_id"] == request_id
    [item] = as_json(client.get(f"{base}requests/{request_id}.json", {"api_key": key_a}))
    assert item["status"] == "open" and item["description"] == "东塘村村口路灯坏了三个月"
    listed = as_json(
        client.get(f"{base}requests.json", {"api_key": key_a, "service_request_id": request_id})
    )
    assert listed == [item]
    updates = as_json(client.get(f"{base}servicerequestupdates.json", {"api_key": key_a}))
    assert [u["service_request_id"] for u in updates["service_request_updates"]] == [request_id]


def test_request_list_uses_a_constant_number_of_queries(client, world):  # noqa: ANN001
    def make(count: int) -> None:
        for n in range(count):
            case = submit(world).case
            if n % 3 == 1:
                services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
            elif n % 3 == 2:
                _reply(world, case)

    params = _a(world)

    def measure() -> int:
        # First a warm-up: the first call records the credential's last use (once a minute).
        get(client, "requests.json", **params)
        with CaptureQueriesContext(connection) as queries:
            response = get(client, "requests.json", **params)
        assert response.status_code == 200
        return len(queries)

    make(10)
    ten = measure()
    make(40)
    assert len(_list(client, world)) == 50
    assert measure() == ten


def test_anonymous_readers_get_the_published_fields_only(client, world):  # noqa: ANN001
    case = submit(
        world,
        content="我家住东塘村5号，门口路灯坏了",
        address="东塘村5号",
        latitude="30.5",
        longitude="120.25",
    ).case
    _reply(world, case, "路灯已修复")
    response = get(client, f"requests/{case.serial}.json", jurisdiction_id=str(world.c_a.pk))
    [item] = as_json(response)
    validate([item], "requests.json")
    assert item["description"] == "" and "东塘村5号" not in response.content.decode()
    assert "lat" not in item and item["address"] == world.village_a.name
    assert "路灯已修复" in item["status_notes"]  # the published reply
    updates = as_json(get(client, "servicerequestupdates.json", jurisdiction_id=str(world.c_a.pk)))
    notes = [u["description"] for u in updates["service_request_updates"]]
    assert notes and all("东塘村5号" not in n for n in notes)

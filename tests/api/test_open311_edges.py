"""The edges of Open311 input (issue 13, finding 5): dates at the ends of the calendar, ids
beyond 64 bits, NUL characters, paths the patterns refuse. Each is a client error in the
Open311 error format of the requested format, never a server error or an HTML page; the
values just inside the range are accepted. Runs on SQLite and PostgreSQL (a NUL character
is what PostgreSQL cannot store)."""

from __future__ import annotations

import pytest
from django.test import Client

from renda.api.validation import FIRST_DAY, LAST_DAY
from renda.cases.models import Case
from renda.core.models import ActionLog
from tests.api.test_open311 import BASE, _a, as_json, assert_error, get, parse_xml, post, validate
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

OUT_OF_RANGE_DATES = [
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "1899-12-31T23:59:59+08:00",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "2101-01-01T00:00:00Z",
]
INSIDE_THE_RANGE = [
    FIRST_DAY.isoformat(),
    f"{FIRST_DAY.isoformat()}T00:00:00+14:00",
    f"{LAST_DAY.isoformat()}T23:59:59-12:00",
]


@pytest.fixture
def key(world) -> str:  # noqa: ANN001
    from renda.api.models import Open311Key

    return Open311Key.issue(name="12345 hotline", congress=world.c_a)[1]


def _counts() -> tuple[int, int]:
    return Case.objects.count(), ActionLog.objects.count()


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", OUT_OF_RANGE_DATES)
@pytest.mark.parametrize("endpoint", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_dates_outside_the_range_are_a_400(client, world, value, endpoint, name):  # noqa: ANN001
    for fmt in ("json", "xml"):
        response = get(client, f"{endpoint}.{fmt}", **_a(world, **{name: value}))
        description = assert_error(response, 400, fmt)
        assert name in description and "1900-01-01" in description


@pytest.mark.parametrize("value", INSIDE_THE_RANGE)
def test_dates_at_the_ends_of_the_range_are_accepted(client, world, value):  # noqa: ANN001
    case = submit(world).case
    everything = {"start_date": INSIDE_THE_RANGE[1], "end_date": value}  # the earliest moment
    response = get(client, "requests.json", **_a(world, **everything))
    assert response.status_code == 200, response.content.decode()
    data = as_json(response)
    validate(data, "requests.json")
    assert [item["service_request_id"] for item in data] == (
        [case.serial] if value.startswith(str(LAST_DAY.year)) else []
    )
    # The submission is a public update: listed from the first day on, not from the last.
    response = get(client, "servicerequestupdates.json", **_a(world, start_date=value))
    assert response.status_code == 200, response.content.decode()
    updates = as_json(response)["service_request_updates"]
    assert bool(updates) == (not value.startswith(str(LAST_DAY.year)))


# --- integers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["9223372036854775808", "99999999999999999999999999", "-1", "0", "1e3", "１"]
)
def test_jurisdiction_ids_outside_64_bits_are_unknown(client, world, value):  # noqa: ANN001
    for fmt in ("json", "xml"):
        response = get(client, f"services.{fmt}", jurisdiction_id=value)
        assert "jurisdiction_id" in assert_error(response, 404, fmt)


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["description", "address_string", "first_name", "last_name", "phone"]
)
def test_a_nul_character_in_a_submission_is_a_400_and_nothing_is_saved(client, world, key, field):  # noqa: ANN001
    before = _counts()
    form = {
        "service_code": "road",
        "description": "路灯坏了三个月",
        "address_string": "村口",
        field: "路灯\x00坏了",
    }
    for fmt in ("json", "xml"):
        description = assert_error(post(client, fmt, api_key=key, **form), 400, fmt)
        assert field in description
    assert _counts() == before
    # The same submission without the NUL character goes through.
    form[field] = {"phone": "13812345678"}.get(field, "路灯坏了")
    response = post(client, api_key=key, **form)
    assert response.status_code == 200, response.content.decode()
    assert Case.objects.count() == before[0] + 1


@pytest.mark.parametrize("name", ["service_code", "status", "service_request_id", "api_key"])
def test_a_nul_character_in_a_query_is_a_400(client, world, name):  # noqa: ANN001
    submit(world)
    params = _a(world)
    params[name] = "open\x00"
    for fmt in ("json", "xml"):
        assert name in assert_error(get(client, f"requests.{fmt}", **params), 400, fmt)


def test_invalid_utf8_in_a_form_is_replaced_not_a_server_error(client, world, key):  # noqa: ANN001
    """A lone surrogate cannot be written in UTF-8; its bytes arrive as invalid UTF-8, which
    Django decodes with replacement characters. The case is stored and readable."""
    body = f"api_key={key}&service_code=road&address_string=x&description=%E8%B7%AF%ED%A0%80%E7%81%AF".encode()
    response = client.post(
        f"{BASE}requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(serial=as_json(response)[0]["service_request_id"])
    assert case.content.startswith("路") and case.content.endswith("灯")
    case.content.encode("utf-8")  # storable and printable: no surrogate left
    response = get(client, "requests.xml", **_a(world, service_request_id=case.serial))
    assert parse_xml(response, "service_requests", "request")[0]["description"] == case.content


# --- paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("", "json"),
        ("nothing", "json"),
        ("nothing.xml", "xml"),
        ("services.html", "json"),
        ("services.JSON", "json"),
        ("discovery", "json"),
        ("requests/a.b.json", "json"),
        ("requests/a%20b.xml", "xml"),
        ("requests/%00.json", "json"),
        ("requests/a%2Fb.json", "json"),
        ("services/road/extra.json", "json"),
        ("services/%E0%A4.xml", "xml"),
        ("tokens/.json", "json"),
        ("requests/QH2026-000001.json/", "json"),
    ],
)
def test_paths_the_patterns_refuse_are_open311_404s(client, world, path, fmt):  # noqa: ANN001
    response = client.get(BASE + path)
    assert "discovery.json" in assert_error(response, 404, fmt)
    # Also for a POST, which needs no CSRF token anywhere under the prefix.
    response = Client(enforce_csrf_checks=True).post(BASE + path, {"description": "x"})
    assert_error(response, 404, fmt)


def test_unknown_ids_in_well_formed_paths_keep_their_own_message(client, world):  # noqa: ANN001
    params = _a(world)
    response = client.get(BASE + "requests/QH9999-999999.xml", params)
    assert "service_request_id" in assert_error(response, 404, "xml")
    response = client.get(BASE + "services/nope.json", params)
    assert "service_code" in assert_error(response, 404)


# --- coordinates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "long"),
    [
        ("1e999999999", "120"),
        ("-1e-999999999", "1e999999999999999999"),
        ("30", "Infinity"),
        ("sNaN", "120"),
        ("90.0000001", "120"),
    ],
)
def test_coordinates_outside_the_range_are_a_400(client, world, key, lat, long):  # noqa: ANN001
    before = _counts()
    response = post(
        client, api_key=key, service_code="road", description="路灯坏了", lat=lat, long=long
    )
    assert_error(response, 400)
    assert _counts() == before


# --- requests Django cannot read ---------------------------------------------------------------


def test_an_unreadable_request_is_an_open311_400(client, world, key):  # noqa: ANN001
    before = _counts()
    for fmt in ("json", "xml"):
        # More fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS).
        response = client.get(f"{BASE}requests.{fmt}?" + "status=open&" * 1500)
        assert assert_error(response, 400, fmt) == "无法读取该请求：格式有误或内容过大。"
        response = client.post(
            f"{BASE}requests.{fmt}?api_key={key}",
            "service_code=road&" * 1500,
            content_type="application/x-www-form-urlencoded",
        )
        assert_error(response, 400, fmt)
        # A multipart body without its boundary.
        response = client.post(f"{BASE}requests.{fmt}", b"abc", content_type="multipart/form-data")
        assert_error(response, 400, fmt)
    assert _counts() == before

"""The public-opinion pages and the office/department pages, through the browser's eyes."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.cases import services
from renda.cases.models import Assignment, Attachment, Case, CaseStatus
from renda.core.models import ActionLog
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)  # a 1×1 red pixel that decodes: uploaded images are re-encoded


def _form(client, world):  # noqa: ANN001, ANN202
    page = client.get(reverse("opinions:submit", args=[world.c_a.pk]))
    assert page.status_code == 200
    return page.context["form"].initial["token"]


def _post(client, world, form_token, **overrides):  # noqa: ANN001, ANN003, ANN202
    data = {
        "category": world.cat_a.pk,
        "village": world.village_a.pk,
        "title": "",
        "content": "东塘村村口路灯坏了三个月，晚上出行很不安全",
        "address": "村口",
        "name": "赵先生",
        "phone": "13812345678",
        "token": form_token,
        **overrides,
    }
    return client.post(
        reverse("opinions:submit", args=[world.c_a.pk]), data, REMOTE_ADDR="10.0.0.7"
    )


def test_public_form_is_chinese_and_mobile_ready(client, world):
    page = client.get(reverse("opinions:submit", args=[world.c_a.pk])).content.decode()
    assert "清河镇人民代表大会" in page
    assert 'name="viewport"' in page
    assert "交通" in page and world.village_a.name in page
    assert world.village_b.name not in page  # only this town's villages


def test_submission_shows_ticket_and_check_code_once(client, world):
    response = _post(client, world, _form(client, world))
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    serial, code = receipt.context["serial"], receipt.context["code"]
    case = Case.objects.get(serial=serial)
    assert services.check_code_matches(case, code)
    assert case.source == "web" and case.submitter_phone == "13812345678"
    # Another browser cannot read the receipt.
    from django.test import Client

    assert Client().get(response["Location"]).status_code == 404


def test_double_click_creates_one_case(client, world):
    token = _form(client, world)
    first = _post(client, world, token)
    second = _post(client, world, token)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_empty_long_and_bad_input_is_refused_with_messages_and_nothing_written(client, world):
    token = _form(client, world)
    for overrides in (
        {"content": ""},
        {"content": "长" * 5001},
        {"phone": "123"},
        {"category": world.cat_b.pk},
        {"village": world.village_b.pk},
        {"token": "not-a-token"},
    ):
        response = _post(client, world, token, **overrides)
        assert response.status_code == 400, overrides
        assert response.context["form"].errors
    assert Case.objects.count() == 0
    assert not ActionLog.objects.filter(action="case.submitted").exists()


def test_html_is_stored_as_text_and_rendered_escaped(client, world):
    script = "<script>alert(1)</script>路灯坏了请尽快修理"
    _post(client, world, _form(client, world), content=script, title="<b>标题</b>")
    case = Case.objects.get()
    assert case.content == script
    client.force_login(world.staff)
    page = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>标题</b>" not in page


def test_uploads_are_checked_by_their_bytes(client, world, settings):
    token = _form(client, world)
    fake = SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00 this is an executable", content_type="image/jpeg"
    )
    response = _post(client, world, token, photos=[fake])
    assert response.status_code == 400
    assert Case.objects.count() == 0
    settings.RENDA_MAX_UPLOAD_BYTES = 50
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 100, content_type="image/png")
    assert _post(client, world, token, photos=[big]).status_code == 400
    settings.RENDA_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    good = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    assert _post(client, world, token, photos=[good]).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "photo.png"


def test_floods_get_a_captcha(client, world, settings):
    settings.RENDA_SUBMIT_LIMIT = 2
    for _ in range(2):
        assert _post(client, world, _form(client, world)).status_code == 302
    response = _post(client, world, _form(client, world))
    assert response.status_code == 400
    assert response.context["captcha"] is not None
    assert Case.objects.count() == 2
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    wrong = _post(client, world, _form(client, world), captcha_0=key, captcha_1="wrong")
    assert wrong.status_code == 400
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    ok = _post(client, world, _form(client, world), captcha_0=key, captcha_1=answer)
    assert ok.status_code == 302
    assert Case.objects.count() == 3


def test_the_same_phone_from_another_address_is_limited_too(client, world, settings):
    settings.RENDA_SUBMIT_LIMIT = 1
    _post(client, world, _form(client, world))
    response = client.post(
        reverse("opinions:submit", args=[world.c_a.pk]),
        {
            "category": world.cat_a.pk,
            "content": "另一个地址提交的同一个手机号",
            "phone": "13812345678",
            "token": _form(client, world),
        },
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 400 and response.context["captcha"] is not None


def test_tracking_and_rating(client, world):
    opinion = submit(world)
    track = reverse("opinions:track")
    wrong = client.post(track, {"ticket": opinion.case.serial, "code": "WRONG234"})
    unknown = client.post(track, {"ticket": "MY1999-000001", "code": "WRONG234"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.context["error"] == unknown.context["error"]
    found = client.post(track, {"ticket": opinion.case.serial.lower(), "code": opinion.code})
    assert found.status_code == 200 and found.context["target"] == opinion.case
    assert not found.context["can_rate"]
    services.assign_case(opinion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = opinion.case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(
        assignment,
        reply_class="A",
        text="内部答复",
        public_text="路灯已修复",
        acting_user=world.handler_a,
    )
    page = client.post(track, {"ticket": opinion.case.serial, "code": opinion.code})
    body = page.content.decode()
    assert "路灯已修复" in body and "内部答复" not in body
    assert page.context["can_rate"]
    rated = client.post(
        track, {"ticket": opinion.case.serial, "code": opinion.code, "result": "satisfied"}
    )
    assert rated.context["thanks"]
    opinion.case.refresh_from_db()
    assert opinion.case.status == CaseStatus.CLOSED
    assert opinion.case.evaluations.get().by_public


def test_a_rating_with_a_wrong_check_code_changes_nothing(client, world):
    """Issue 12: the rating on the tracking page goes through a service that verifies the
    check code itself; a POST with a wrong code rates nothing, like a wrong lookup."""
    opinion = submit(world)
    services.assign_case(opinion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = opinion.case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(assignment, reply_class="A", text="已修复", acting_user=world.handler_a)
    forged = client.post(
        reverse("opinions:track"),
        {"ticket": opinion.case.serial, "code": "WRONG234", "result": "unsatisfied"},
    )
    assert forged.status_code == 404
    opinion.case.refresh_from_db()
    assert opinion.case.status == CaseStatus.REPLIED and not opinion.case.evaluations.exists()


def test_an_opinion_and_its_qr_link_are_written_together(client, world, monkeypatch):
    """Issue 12: `submit_opinion` creates the case and links its QR source in one
    transaction: a failing link leaves no case behind (and no number used)."""
    from renda.opinions import services as opinions
    from renda.stations import services as stations
    from renda.stations.models import Station, StationCase

    station = Station.objects.create(
        congress=world.c_a, kind="point", name="东塘联络点", code="dongtang", address="东塘村"
    )

    def broken_link(case, **kwargs):  # noqa: ANN001, ANN003, ANN202
        raise RuntimeError("the link could not be written")

    monkeypatch.setattr(stations, "link_qr_case", broken_link)
    fields = {"congress": world.c_a, "category": world.cat_a, "content": "村口路灯坏了三个月"}
    logged = ActionLog.objects.count()
    with pytest.raises(RuntimeError):
        opinions.submit_opinion(**fields, via_station=station)
    assert not Case.objects.exists() and ActionLog.objects.count() == logged
    monkeypatch.undo()
    case, _code = opinions.submit_opinion(**fields, via_station=station)
    assert case.number == 1 and case.source == "station"
    assert StationCase.objects.get(case=case).station == station


def test_tracking_lookups_are_rate_limited(client, world, settings):
    settings.RENDA_TRACK_LIMIT = 3
    for _ in range(3):
        client.post(reverse("opinions:track"), {"ticket": "MY2026-000009", "code": "AAAA2222"})
    opinion = submit(world)
    blocked = client.post(
        reverse("opinions:track"), {"ticket": opinion.case.serial, "code": opinion.code}
    )
    assert blocked.status_code == 429


def test_a_merged_case_shows_the_main_case_and_its_reply(client, world):
    main = submit(world)
    dup = submit(world, submitter_phone="13900001111")
    services.merge_cases(dup.case, into=main.case, acting_user=world.staff)
    page = client.post(reverse("opinions:track"), {"ticket": dup.case.serial, "code": dup.code})
    assert page.context["target"] == main.case
    assert not page.context["can_rate"]


def _hint(client, world, content="东塘村村口的路灯损坏好几个月了，晚上走路不安全", **extra):  # noqa: ANN001, ANN003, ANN202
    return client.get(
        reverse("opinions:similar", args=[world.c_a.pk]),
        {"content": content, "village": world.village_a.pk},
        **extra,
    )


def test_similar_hint_on_the_public_form(client, world):
    case = submit(world, title="东塘村村口路灯坏了").case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    page = _hint(client, world).content.decode()
    assert "东塘村村口路灯坏了" in page and case.serial not in page


def test_the_public_hint_shows_only_masked_public_titles(client, world):
    """Issue 13, finding 3: a title taken from the content (names and phone numbers
    included) is never shown, nor anything else of that case; a title its author wrote is
    shown with the submitter's name and any phone number masked."""
    derived = submit(
        world, content="我是钱多多，电话13900001111，东塘村村口路灯坏了三个月，晚上出行不安全"
    ).case
    typed = submit(
        world,
        title="钱多多反映东塘村路灯坏了 13900002222",
        content="东塘村村口路灯坏了三个月，晚上出行不安全，请尽快修复",
        submitter_name="钱多多",
    ).case
    for case in (derived, typed):
        services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    page = _hint(client, world, content="东塘村村口路灯坏了三个月，晚上出行不安全").content.decode()
    assert "钱*多反映东塘村路灯坏了 139****2222" in page
    assert page.count("<li>") == 1  # the case with a content-derived title is not shown at all
    for private in ("钱多多", "13900001111", "13900002222", derived.title, derived.serial):
        assert private not in page


def test_the_public_hint_is_rate_limited(client, world, settings):
    """Issue 13, finding 3: the hint counts against the address like the other public
    forms; past the limit it answers 429 and searches nothing."""
    settings.RENDA_SIMILAR_LIMIT = 3
    for _ in range(3):
        assert _hint(client, world, REMOTE_ADDR="10.0.0.9").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert _hint(client, world, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert not [q for q in queries.captured_queries if "cases_case" in q["sql"]]
    assert _hint(client, world, REMOTE_ADDR="10.0.0.10").status_code == 200  # another address


# --- the office and the departments ------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("staff", 200),
        ("leader", 200),
        ("handler", 404),
        ("other_town_staff", 404),
        ("citizen", 404),
        ("admin", 404),
        ("auditor", 404),
    ],
)
def test_staff_case_page_access(client, world, personas, persona, expected):
    case = submit(world).case
    client.force_login(personas[persona])
    assert client.get(reverse("cases:office_case", args=[case.pk])).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("handler", 200), ("staff", 404), ("other_town_staff", 404), ("citizen", 404)],
)
def test_department_case_page_access(client, world, personas, persona, expected):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    client.force_login(personas[persona])
    assert client.get(reverse("cases:department_case", args=[case.pk])).status_code == expected


def test_handler_of_other_department_gets_404_on_case_and_attachments(client, world):
    opinion = services.submit_case(
        congress=world.c_a,
        category=world.cat_a,
        content="路灯坏了需要修理",
        source="web",
        files=[SimpleUploadedFile("p.png", PNG, content_type="image/png")],
    )[0]
    services.assign_case(opinion, lead=world.dept_a1, acting_user=world.staff)
    attachment = Attachment.objects.get()
    client.force_login(world.handler_b)
    assert client.get(reverse("cases:department_case", args=[opinion.pk])).status_code == 404
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404
    client.force_login(world.other_staff)
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404
    client.force_login(world.handler_a)
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_office_walks_a_case_through_the_pages(client, world):
    case = submit(world).case
    client.force_login(world.staff)
    url = reverse("cases:office_action", args=[case.pk, "assign"])
    assert client.get(url).status_code == 200  # the confirmation page
    response = client.post(url, {"mode": "lead", "lead": world.dept_a1.pk, "note": ""})
    assert response.status_code == 302
    client.force_login(world.handler_a)
    assert (
        client.post(reverse("cases:department_action", args=[case.pk, "sign"]), {}).status_code
        == 302
    )
    reply = client.post(
        reverse("cases:department_action", args=[case.pk, "reply"]),
        {"reply_class": "A", "text": "已修复", "public_text": ""},
    )
    assert reply.status_code == 302
    client.force_login(world.staff)
    evaluated = client.post(
        reverse("cases:office_action", args=[case.pk, "evaluate"]), {"result": "basic"}
    )
    assert evaluated.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.evaluation_result == "basic"


def test_a_refused_action_shows_the_reason_and_changes_nothing(client, world):
    case = submit(world).case
    client.force_login(world.staff)
    response = client.post(
        reverse("cases:office_action", args=[case.pk, "withdraw"]), {"reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("cases:office_action", args=[case.pk, "evaluate"]), {"result": "satisfied"}
    )
    assert response.status_code == 400
    assert "答复" in response.content.decode() or "rated" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_leader_can_read_but_not_act(client, world):
    case = submit(world).case
    client.force_login(world.leader)
    assert client.get(reverse("cases:office_action", args=[case.pk, "assign"])).status_code == 404
    assert not Assignment.objects.exists()


def test_bulk_assignment(client, world):
    cases = [submit(world).case for _ in range(3)]
    client.force_login(world.staff)
    response = client.post(
        reverse("cases:bulk_assign"),
        {"case": [c.pk for c in cases[:2]], "lead": world.dept_a1.pk},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(department=world.dept_a1).count() == 2
    assert Case.objects.get(pk=cases[2].pk).status == CaseStatus.SUBMITTED


def test_contact_details_are_masked_and_reveals_logged(client, world):
    case = submit(world).case
    client.force_login(world.staff)
    page = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    assert "13812345678" not in page and "赵先生" not in page
    assert "138****5678" in page
    revealed = client.post(reverse("cases:reveal_contact", args=[case.pk])).content.decode()
    assert "13812345678" in revealed
    assert ActionLog.objects.filter(action="case.contact_revealed", actor=world.staff).count() == 1


def _many_cases(world, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        case = submit(world, content=f"第{i}号意见：道路需要维修").case
        if i % 2:
            services.assign_case(
                case, lead=world.dept_a1, co_handlers=[world.dept_a2], acting_user=world.staff
            )


def _queries(client, url: str) -> int:  # noqa: ANN001
    # First a warm-up: the first request after login stamps the session once (idle clock).
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url_name", ["cases:office_inbox", "cases:department_inbox", "cases:figures"]
)
def test_list_pages_query_count_does_not_grow_with_cases(client, world, url_name):
    user = world.handler_a if url_name == "cases:department_inbox" else world.staff
    client.force_login(user)
    _many_cases(world, 10)
    url = reverse(url_name) + ("?view=all" if url_name != "cases:figures" else "")
    small = _queries(client, url)
    _many_cases(world, 490)
    large = _queries(client, url)
    assert small == large


def test_staff_entry_on_behalf_of_a_visitor(client, world):
    client.force_login(world.staff)
    url = reverse("opinions:staff_new", args=[world.c_a.pk])
    page = client.get(url)
    token = page.context["form"].initial["token"]
    response = client.post(
        url,
        {
            "category": world.cat_a.pk,
            "content": "来访群众反映路面坑洼",
            "source": "hotline",
            "token": token,
            "phone": "",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == "hotline" and case.entered_by == world.staff
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404


def test_notifications_inbox(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(world)
    client.force_login(world.staff)
    page = client.get(reverse("congress:inbox"))
    assert page.status_code == 200
    assert "MY" in page.content.decode()
    from renda.core.models import Notification

    assert not Notification.objects.filter(recipient=world.staff, read_at__isnull=True).exists()


def test_xlsx_is_not_a_photo(client, world):
    import openpyxl

    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("sheet.xlsx", out.getvalue())
    response = _post(client, world, _form(client, world), photos=[upload])
    assert response.status_code == 400


def test_department_filter_follows_reassignment(client, world):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    services.assign_case(case, lead=world.dept_a2, acting_user=world.staff)  # reassigned
    client.force_login(world.staff)
    page = client.get(
        reverse("cases:office_inbox"), {"view": "all", "department": world.dept_a2.pk}
    )
    assert case in page.context["page"].object_list
    page = client.get(
        reverse("cases:office_inbox"), {"view": "all", "department": world.dept_a1.pk}
    )
    assert case not in page.context["page"].object_list
    # The department it was taken from no longer sees it.
    client.force_login(world.handler_a)
    assert client.get(reverse("cases:department_case", args=[case.pk])).status_code == 404
    assert not Case.objects.visible_to(world.handler_a).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("station_manager", 200),
        ("deputy", 200),
        ("staff", 200),
        ("handler", 404),
        ("citizen", 404),
        ("leader", 404),
        ("other_town_staff", 404),
    ],
)
def test_who_may_enter_an_opinion_for_a_visitor(client, personas, world, persona, expected):
    client.force_login(personas[persona])
    assert client.get(reverse("opinions:staff_new", args=[world.c_a.pk])).status_code == expected


def test_a_deputy_enters_a_voters_opinion_and_gets_the_receipt(client, world):
    client.force_login(world.deputy_user)
    url = reverse("opinions:staff_new", args=[world.c_a.pk])
    token = client.get(url).context["form"].initial["token"]
    response = client.post(
        url,
        {
            "category": world.cat_a.pk,
            "content": "走访选民时听到反映：村道需要拓宽",
            "source": "deputy_visit",
            "token": token,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source_deputy == world.deputy_a and case.source == "deputy_visit"
    receipt = client.get(response["Location"])
    assert services.check_code_matches(case, receipt.context["code"])
    # The deputy hands over ticket and code but cannot open the office's case page.
    assert client.get(reverse("cases:office_case", args=[case.pk])).status_code == 404


@pytest.mark.parametrize(
    "query", ["?category=abc", "?village=x", "?department=1;drop", "?view=nope&category=1e3"]
)
def test_malformed_filters_are_ignored_not_500(client, world, query):
    client.force_login(world.staff)
    assert client.get(reverse("cases:office_inbox") + query).status_code == 200


def test_malformed_bulk_assignment_and_hint_parameters(client, world):
    client.force_login(world.staff)
    response = client.post(reverse("cases:bulk_assign"), {"case": ["1"], "lead": "x"})
    assert response.status_code == 302
    hint = client.get(
        reverse("opinions:similar", args=[world.c_a.pk]),
        {"content": "路灯坏了好几个月了", "village": "x"},
    )
    assert hint.status_code == 200


def test_the_public_hint_shows_no_unreviewed_submission(client, world):
    fresh = submit(world, title="村口路灯不亮").case  # submitted, not yet taken up
    response = client.get(
        reverse("opinions:similar", args=[world.c_a.pk]),
        {
            "content": "东塘村村口的路灯损坏好几个月了，晚上走路不安全",
            "village": world.village_a.pk,
        },
    )
    assert fresh.title not in response.content.decode()
    services.assign_case(fresh, lead=world.dept_a1, acting_user=world.staff)
    response = client.get(
        reverse("opinions:similar", args=[world.c_a.pk]),
        {
            "content": "东塘村村口的路灯损坏好几个月了，晚上走路不安全",
            "village": world.village_a.pk,
        },
    )
    assert fresh.title in response.content.decode()

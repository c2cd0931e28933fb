"""Station grades configurable per congress: the defaults 标准 / 高标准 / 星级 made on first
use, a congress's own grades (renamed, added, deactivated) checked by the service and the
back-office form, offered by the admin, and counted by name and order on the coverage
report and shown on the station pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.stations import services
from renda.stations.models import Station, StationGradeLevel, StationKind


@pytest.fixture
def center(cases_world):
    w = cases_world
    return services.create_station(
        congress=w.c_a,
        kind=StationKind.CENTRAL,
        name="清河中心站",
        code="center",
        address="人民路1号",
        grade="high",
        villages=[w.village_a],
        acting_user=w.staff,
    )


def _area(w, center, code: str, grade: str) -> Station:
    return services.create_station(
        congress=w.c_a,
        kind=StationKind.AREA,
        parent=center,
        name=f"片区站{code}",
        code=code,
        address="东塘村",
        grade=grade,
        acting_user=w.staff,
    )


def _station_post(w, center, **overrides) -> dict:
    data = {
        "congress": w.c_a.pk,
        "kind": "area",
        "parent": center.pk,
        "name": "新片区站",
        "code": "area-new",
        "grade": "standard",
        "address": "x",
        "open_weekdays": "01234",
        "is_active": "on",
        "staff-TOTAL_FORMS": "0",
        "staff-INITIAL_FORMS": "0",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_first_use_makes_the_three_default_grades_named_in_chinese(cases_world):
    w = cases_world
    assert not StationGradeLevel.objects.filter(congress=w.c_a).exists()
    with translation.override("en"):  # stored in the default language, whatever is active
        levels = services.grades(w.c_a.pk)
    assert [(g.code, g.name) for g in levels] == [
        ("standard", "标准"),
        ("high", "高标准"),
        ("star", "星级"),
    ]
    services.grades(w.c_a.pk)
    assert StationGradeLevel.objects.filter(congress=w.c_a).count() == 3
    assert not StationGradeLevel.objects.filter(congress=w.c_b).exists()


def test_unknown_grade_is_refused_with_a_translated_error(center, cases_world):
    w = cases_world
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        _area(w, center, "area-x", "gold")
    assert "不是本级人大启用的联络站等级" in str(exc.value)
    with translation.override("en"), pytest.raises(DomainError) as exc:
        _area(w, center, "area-x", "gold")
    assert "not an active station grade of this congress" in str(exc.value)
    assert not Station.objects.filter(code="area-x").exists()


def test_deactivated_grade_and_another_congress_grade_are_refused(center, cases_world):
    w = cases_world
    StationGradeLevel.objects.filter(congress=w.c_a, code="star").update(is_active=False)
    StationGradeLevel.objects.create(congress=w.c_b, code="model", name="示范站", order=40)
    for code in ("star", "model"):
        with pytest.raises(DomainError):
            _area(w, center, f"area-{code}", code)
    assert not Station.objects.filter(code__in=["area-star", "area-model"]).exists()


def test_added_grade_is_counted_by_name_and_order_on_the_coverage_report(
    center, cases_world, client
):
    w = cases_world
    services.grades(w.c_a.pk)
    StationGradeLevel.objects.create(congress=w.c_a, code="model", name="示范站", order=5)
    _area(w, center, "area-1", "model")
    _area(w, center, "area-2", "standard")
    _area(w, center, "area-3", "model")
    cov = services.coverage(w.c_a)
    assert cov["by_grade"] == [
        ("model", "示范站", 2),
        ("standard", "标准", 1),
        ("high", "高标准", 1),
        ("star", "星级", 0),
    ]
    assert cov["high"] == 1
    client.force_login(w.staff)
    page = client.get(reverse("stations:coverage")).content.decode()
    assert "<strong>2</strong><br>示范站" in page
    assert "<strong>1</strong><br>高标准" in page
    assert page.index("示范站") < page.index("标准")


def test_renamed_and_deactivated_grades_on_the_pages(center, cases_world, client):
    w = cases_world
    StationGradeLevel.objects.filter(congress=w.c_a, code="high").update(name="五星级站")
    StationGradeLevel.objects.filter(congress=w.c_a, code="star").update(is_active=False)
    cov = services.coverage(w.c_a)
    # The inactive grade no station holds is not reported; the renamed one is.
    assert [name for _c, name, _n in cov["by_grade"]] == ["标准", "五星级站"]
    client.force_login(w.staff)
    for url in (
        reverse("stations:network"),
        reverse("stations:station", args=[center.pk]),
        reverse("stations:public_station", args=[w.c_a.pk, "center"]),
        reverse("stations:directory", args=[w.c_a.pk]),
    ):
        page = client.get(url).content.decode()
        assert "五星级站" in page, url


def test_admin_station_form_offers_and_checks_the_congress_grades(center, cases_world, client):
    w = cases_world
    services.grades(w.c_a.pk)
    StationGradeLevel.objects.create(congress=w.c_a, code="model", name="示范站", order=40)
    StationGradeLevel.objects.filter(congress=w.c_a, code="star").update(is_active=False)
    client.force_login(w.staff)
    form = client.get(reverse("admin:stations_station_add")).content.decode()
    assert 'value="model"' in form and "示范站" in form and 'value="star"' not in form

    refused = client.post(
        reverse("admin:stations_station_add"), _station_post(w, center, grade="star")
    )
    assert refused.status_code == 200
    assert not Station.objects.filter(code="area-new").exists()

    added = client.post(
        reverse("admin:stations_station_add"), _station_post(w, center, grade="model")
    )
    assert added.status_code == 302
    assert Station.objects.get(congress=w.c_a, code="area-new").grade == "model"


def test_station_keeps_a_grade_deactivated_after_it_was_given(center, cases_world, client):
    w = cases_world
    StationGradeLevel.objects.filter(congress=w.c_a, code="high").update(is_active=False)
    client.force_login(w.staff)
    url = reverse("admin:stations_station_change", args=[center.pk])
    assert 'value="high"' in client.get(url).content.decode()
    data = _station_post(w, center, kind="central", parent="", code="center", grade="high")
    data["name"] = "清河中心站（改名）"
    data["villages"] = [w.village_a.pk]
    assert client.post(url, data).status_code == 302
    center.refresh_from_db()
    assert center.grade == "high" and center.name == "清河中心站（改名）"
    # …and the inactive grade is still reported while a station holds it.
    assert ("high", "高标准", 1) in services.coverage(w.c_a)["by_grade"]


def test_grade_admin_is_scoped_audited_and_never_deletes(cases_world, client):
    w = cases_world
    client.force_login(w.staff)
    listing = client.get(reverse("admin:stations_stationgradelevel_changelist"))
    assert listing.status_code == 200
    assert "高标准" in listing.content.decode()  # the defaults exist before the list shows

    response = client.post(
        reverse("admin:stations_stationgradelevel_add"),
        {"congress": w.c_a.pk, "code": "model", "name": "示范站", "order": 40, "is_active": "on"},
    )
    assert response.status_code == 302
    grade = StationGradeLevel.objects.get(congress=w.c_a, code="model")
    assert ActionLog.objects.filter(
        action="stationgradelevel.created", object_id=str(grade.pk)
    ).exists()

    duplicate = client.post(
        reverse("admin:stations_stationgradelevel_add"),
        {"congress": w.c_a.pk, "code": "high", "name": "重复", "order": 1, "is_active": "on"},
    )
    assert duplicate.status_code == 200
    assert StationGradeLevel.objects.filter(congress=w.c_a, code="high").count() == 1

    change = reverse("admin:stations_stationgradelevel_change", args=[grade.pk])
    response = client.post(change, {"name": "示范联络站", "order": 40})  # is_active unticked
    assert response.status_code == 302
    grade.refresh_from_db()
    assert grade.name == "示范联络站" and not grade.is_active and grade.code == "model"
    assert ActionLog.objects.filter(
        action="stationgradelevel.updated", object_id=str(grade.pk)
    ).exists()

    delete = reverse("admin:stations_stationgradelevel_delete", args=[grade.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert StationGradeLevel.objects.filter(pk=grade.pk).exists()

    client.cookies.clear()  # the pending admin message names the grade
    client.force_login(w.other_staff)
    assert client.get(change).status_code == 404
    listing = client.get(reverse("admin:stations_stationgradelevel_changelist"))
    assert listing.status_code == 200 and change not in listing.content.decode()

"""Moderating residents' comments on a batch's candidates (征求意见): the office of the
batch's congress hides a comment with a reason — a soft hide, audited, the comment gone from
the public batch page and marked hidden on the office page — and may show it again. Its
readers get a 403, another town a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.projects import services
from renda.projects.models import Comment
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)

ABUSE = "这个项目的负责人张三是骗子，电话13812345678"
FAIR = "建议东塘村村道硬化优先安排在雨季之前完工"


@pytest.fixture
def commented(year):  # noqa: ANN001, ANN201
    services.publish_candidates(year.batch, acting_user=year.world.staff)
    candidate = year.batch.candidates.order_by("order").first()
    year.abuse = services.add_comment(
        year.batch, text=ABUSE, candidate_id=candidate.pk, name="李四"
    )
    year.fair = services.add_comment(year.batch, text=FAIR, name="钱女士")
    return year


def _url(year, action: str) -> str:  # noqa: ANN001
    return reverse("projects:comment_action", args=[year.batch.pk, year.abuse.pk, action])


def test_staff_hides_a_comment_with_a_reason_and_shows_it_again(client, commented):
    year = commented
    public = reverse("projects:public_batch", args=[year.batch.pk])
    office = reverse("projects:batch", args=[year.batch.pk])
    page = client.get(public).content.decode()
    assert ABUSE in page and FAIR in page  # the residents' comments are public

    client.force_login(year.world.staff)
    confirm = client.get(_url(year, "hide"))
    assert confirm.status_code == 200 and ABUSE in confirm.content.decode()
    # No reason: refused with the form's error, nothing hidden.
    assert client.post(_url(year, "hide"), {"reason": " "}).status_code == 400
    assert Comment.objects.get(pk=year.abuse.pk).hidden_at is None
    response = client.post(_url(year, "hide"), {"reason": "含有他人个人信息和侮辱性言论"})
    assert response.status_code == 302
    hidden = Comment.objects.get(pk=year.abuse.pk)
    assert hidden.is_hidden and hidden.hidden_by == year.world.staff
    assert hidden.hidden_reason == "含有他人个人信息和侮辱性言论"
    assert Comment.objects.filter(batch=year.batch).count() == 2  # never deleted
    entry = ActionLog.objects.get(action="projects.comment_hidden")
    assert (entry.actor, entry.congress_id, entry.object_id) == (
        year.world.staff,
        year.world.c_a.pk,
        str(hidden.pk),
    )
    assert entry.changes["reason"] == ["", "含有他人个人信息和侮辱性言论"]

    # Gone from the public page, the other comment still there; marked on the office page.
    page = client.get(public).content.decode()
    assert ABUSE not in page and FAIR in page
    office_page = client.get(office).content.decode()
    assert ABUSE in office_page and "含有他人个人信息和侮辱性言论" in office_page
    assert f'id="comment-{hidden.pk}" class="hidden-comment"' in office_page
    assert _url(year, "show") in office_page
    # Hiding twice is refused with a message.
    again = client.post(_url(year, "hide"), {"reason": "重复"})
    assert again.status_code == 400
    assert ActionLog.objects.filter(action="projects.comment_hidden").count() == 1

    # Shown again: back on the public page, audited.
    assert client.post(_url(year, "show")).status_code == 302
    shown = Comment.objects.get(pk=year.abuse.pk)
    assert not shown.is_hidden and shown.hidden_reason == ""
    assert (
        ActionLog.objects.filter(action="projects.comment_shown", actor=year.world.staff).count()
        == 1
    )
    assert ABUSE in client.get(public).content.decode()


def test_the_service_refuses_a_reader_and_an_empty_reason(commented):
    year = commented
    with pytest.raises(DomainError):
        services.hide_comment(year.abuse, reason="不当言论", acting_user=year.world.leader)
    with pytest.raises(DomainError):
        services.hide_comment(year.abuse, reason="  ", acting_user=year.world.staff)
    with pytest.raises(DomainError):
        services.show_comment(year.abuse, acting_user=year.world.staff)  # not hidden
    assert not ActionLog.objects.filter(action__startswith="projects.comment_").exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("staff", 200),
        ("superuser", 200),
        ("leader", 403),
        ("other_town_staff", 404),
        ("handler", 404),
        ("deputy", 404),
        ("district_admin", 404),
        ("citizen", 404),
        ("anonymous", 302),
    ],
)
@pytest.mark.parametrize("action", ["hide", "show"])
def test_only_the_congress_office_moderates(client, commented, personas, persona, action, expected):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    assert client.get(_url(commented, action)).status_code == expected
    post = client.post(_url(commented, action), {"reason": "不当言论"})
    # The office: hiding succeeds; showing a comment that is not hidden is refused (400).
    assert post.status_code == ({"hide": 302, "show": 400}[action] if expected == 200 else expected)
    if persona not in ("staff", "superuser"):
        assert Comment.objects.get(pk=commented.abuse.pk).hidden_at is None
        assert not ActionLog.objects.filter(action__startswith="projects.comment_").exists()


def test_a_comment_of_another_batch_is_a_404(client, commented):
    client.force_login(commented.world.staff)
    url = reverse(
        "projects:comment_action", args=[commented.batch.pk, commented.abuse.pk + 1000, "hide"]
    )
    assert client.get(url).status_code == 404
    bad_action = reverse(
        "projects:comment_action", args=[commented.batch.pk, commented.abuse.pk, "delete"]
    )
    assert client.get(bad_action).status_code == 404

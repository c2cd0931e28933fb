"""Publication to the portal as an article draft: the published work plan, a closed
meeting's decisions and resolutions, a filed research report — made once (a second press
shows the same draft), audited, refused before the thing is final, only for the office of
the congress (leaders 403, another town 404), and then on the portal's own review flow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from renda.activities import services
from renda.activities.models import ActivityKind, PresidiumMeeting
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.portal import services as portal
from renda.portal.models import Article, ArticleOrigin, ArticleStatus
from tests.fixtures.activities import announced


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def closed_survey(acts):  # noqa: ANN001, ANN201
    activity = announced(acts, kind=ActivityKind.SURVEY, topic="农村居家养老服务专题调研")
    services.mark_held(activity, acting_user=acts.staff)
    return services.file_report(
        activity,
        text="一、基本情况\n二、存在的问题<script>alert(1)</script>\n三、建议",
        acting_user=acts.staff,
    )


def closed_meeting(acts) -> PresidiumMeeting:  # noqa: ANN001
    meeting = services.create_meeting(
        congress=acts.c_a, title="主席团第五次会议", held_on=acts.today, acting_user=acts.staff
    )
    services.write_minutes(
        meeting,
        minutes="会议听取了预算执行情况的报告。",
        decisions="同意报告。\n形成审议意见交镇政府办理。",
        acting_user=acts.staff,
    )
    return services.close_meeting(meeting, acting_user=acts.staff)


def test_research_report_becomes_one_draft_escaped_and_audited(acts, portal_world):
    activity = closed_survey(acts)
    first = services.publish_to_portal(activity, acting_user=acts.staff)
    again = services.publish_to_portal(activity, acting_user=acts.staff)
    assert first.created and not again.created and first.article_id == again.article_id
    article = Article.objects.get(pk=first.article_id)
    assert article.status == ArticleStatus.DRAFT and article.site == portal_world.portal.site_a
    assert "农村居家养老服务专题调研" in article.title
    assert "<p>一、基本情况</p>" in article.body and "<script>" not in article.body
    assert ArticleOrigin.objects.get(article=article).source_id == activity.pk
    logged = ActionLog.objects.filter(action="activity.portal_draft", object_id=str(activity.pk))
    assert logged.count() == 1
    assert ActionLog.objects.filter(action="article.drafted_from").count() == 1
    # The portal's own flow then applies: submitted, reviewed, approved by others.
    portal.submit_article(article, acting_user=acts.staff)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW


def test_plan_and_decisions_are_published_once_final(acts, portal_world):
    plan = services.plan_for(acts.c_a, acts.today.year, acting_user=acts.staff)
    services.add_item(
        plan, kind="inspection", topic="重点项目视察", month=5, acting_user=acts.staff
    )
    with pytest.raises(DomainError):
        services.publish_to_portal(plan, acting_user=acts.staff)  # still a draft
    services.set_published(plan, published=True, acting_user=acts.staff)
    drafted = services.publish_to_portal(plan, acting_user=acts.staff)
    assert "重点项目视察" in Article.objects.get(pk=drafted.article_id).body

    meeting = services.create_meeting(
        congress=acts.c_a, title="主席团第四次会议", held_on=acts.today, acting_user=acts.staff
    )
    services.write_minutes(meeting, minutes="纪要", decisions="同意。", acting_user=acts.staff)
    with pytest.raises(DomainError):
        services.publish_to_portal(meeting, acting_user=acts.staff)  # not closed
    meeting = closed_meeting(acts)
    drafted = services.publish_to_portal(meeting, acting_user=acts.staff)
    body = Article.objects.get(pk=drafted.article_id).body
    assert "<p>同意报告。</p>" in body and "<p>形成审议意见交镇政府办理。</p>" in body
    assert ArticleOrigin.objects.count() == 2


def test_an_open_activity_or_a_congress_without_site_is_refused(acts):
    activity = announced(acts, kind=ActivityKind.SURVEY)
    with pytest.raises(DomainError):
        services.publish_to_portal(activity, acting_user=acts.staff)
    activity = closed_survey(acts)
    with pytest.raises(DomainError):  # 清河镇 has no portal site in this world
        services.publish_to_portal(activity, acting_user=acts.staff)
    assert not Article.objects.exists()
    assert not ActionLog.objects.filter(action="activity.portal_draft").exists()


def test_the_buttons_make_the_draft_and_the_page_links_to_it(acts, portal_world, personas):
    activity = closed_survey(acts)
    meeting = closed_meeting(acts)
    staff = client_for(acts.staff)
    detail = reverse("activities:detail", args=[activity.pk])
    act = reverse("activities:act", args=[activity.pk, "portal"])
    assert act in staff.get(detail).content.decode()
    assert staff.get(act).status_code == 200  # the confirmation
    assert staff.post(act).status_code == 302
    draft = ArticleOrigin.objects.get(source_id=activity.pk).article
    page = staff.get(detail).content.decode()
    assert reverse("portal:staff_article", args=[draft.pk]) in page and act not in page
    assert staff.post(act).status_code == 302  # a second press: the same draft
    assert Article.objects.count() == 1

    meeting_act = reverse("activities:meeting_action", args=[meeting.pk, "portal"])
    assert (
        meeting_act in staff.get(reverse("activities:meeting", args=[meeting.pk])).content.decode()
    )
    # Leaders read but do not publish; another town's office does not see the meeting.
    assert client_for(personas["leader"]).post(meeting_act).status_code == 403
    assert client_for(acts.other_staff).post(meeting_act).status_code == 404
    assert Article.objects.count() == 1
    assert staff.post(meeting_act).status_code == 302
    plan = services.plan_for(acts.c_a, acts.today.year, acting_user=acts.staff)
    services.add_item(plan, kind="survey", topic="养老服务调研", month=3, acting_user=acts.staff)
    services.set_published(plan, published=True, acting_user=acts.staff)
    plan_act = reverse("activities:plan_publish", args=[plan.pk, "portal"])
    assert client_for(acts.other_staff).post(plan_act).status_code == 404
    assert staff.post(plan_act).status_code == 302
    assert Article.objects.filter(status=ArticleStatus.DRAFT).count() == 3

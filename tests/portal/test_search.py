"""Chinese full-text search: jieba terms, BM25 ranking, escaped highlighted snippets,
filters, the index kept current on publish and withdrawal, generic sources (published
suggestion replies, announced livelihood projects), and odd queries that must not fail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from renda.portal import search, services, sources
from renda.portal.models import SearchDocument
from tests.fixtures.ballots import shares_of
from tests.fixtures.portal import portal_world, publish  # noqa: F401
from tests.fixtures.projects import BATCH1_YES, vote
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("portal_world")


def test_search_mode_terms_include_the_shorter_words():
    terms = search.index_terms("清河镇人大代表视察古街保护修缮工作")
    assert {"人大", "代表", "古街", "保护", "修缮"} <= set(terms)
    assert "的" not in search.index_terms("代表的建议")


def test_chinese_query_finds_the_article_and_marks_the_words(world):
    article = publish(
        world,
        title="清河镇人大组织代表视察古街保护修缮工作",
        body="<p>代表们沿古街实地察看了老宅修缮和消防设施改造情况。</p>",
    )
    publish(world, title="清河镇召开代表建议交办会", body="<p>会议交办代表建议二十一件。</p>")
    results = search.search("古街保护")
    assert [h.document.object_id for h in results.hits] == [article.pk]
    assert "<mark>古街</mark>" in results.hits[0].title
    assert "<mark>古街</mark>" in results.hits[0].snippet


def test_ranking_puts_the_more_relevant_article_first(world):
    weak = publish(world, title="镇人大工作会议", body="<p>会议还提到了河道整治。</p>")
    strong = publish(
        world,
        title="河道整治专项监督",
        body="<p>河道整治进展顺利，河道整治长效机制建立，沿河整治成效明显。</p>",
    )
    results = search.search("河道整治")
    assert [h.document.object_id for h in results.hits] == [strong.pk, weak.pk]
    assert results.hits[0].score > results.hits[1].score


def test_all_words_must_match_before_falling_back_to_any(world):
    both = publish(world, title="古街保护与河道整治", body="<p>两项工作同步推进。</p>")
    publish(world, title="河道整治专项监督", body="<p>沿河察看。</p>")
    assert [h.document.object_id for h in search.search("古街 河道").hits] == [both.pk]
    fallback = search.search("古街 飞机场")  # no document has both: any word will do
    assert [h.document.object_id for h in fallback.hits] == [both.pk]


def test_snippets_are_escaped(world):
    publish(
        world,
        title="关于<b>标签</b>的说明",
        body="<p>正文里写着 &lt;script&gt;alert(1)&lt;/script&gt; 和古街保护。</p>",
    )
    hit = search.search("古街保护").hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<b>" not in hit.title


@pytest.mark.parametrize(
    "query",
    ["", "   ", "！！！？？？", "...---***", "<script>alert(1)</script>", "古" * 5000,
     "' OR 1=1 --", "%_%", "\x00\x01", "代表" * 300, "🙂🙂🙂"],
)  # fmt: skip
def test_odd_queries_are_handled(world, client, query):
    publish(world, title="清河镇人大代表视察")
    response = client.get(reverse("portal:search"), {"q": query, "page": "999999999999"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_empty_and_punctuation_only_queries_say_why():
    assert search.search("").problem == "empty"
    assert search.search("，。！？、；：").problem == "no_terms"


def test_filters_by_site_channel_and_date(world):
    old = publish(world, title="古街保护老文章", publish_at=timezone.now() - dt.timedelta(days=400))
    new = publish(world, title="古街保护新文章", channel=world.portal.deputies_a)
    root = world.portal.root
    root.author_roles = root.reviewer_roles = "admin"
    root.save()
    district = services.create_article(
        site=root,
        channel=world.portal.root_news,
        acting_user=world.district_admin,
        title="区人大古街保护调研",
        body="<p>古街保护。</p>",
    )
    services.submit_article(district, acting_user=world.district_admin)
    services.review_article(district, acting_user=world.superuser)
    services.approve_article(district, acting_user=world.superuser)

    def ids(**kw):  # noqa: ANN003, ANN202
        return {h.document.object_id for h in search.search("古街保护", **kw).hits}

    assert ids() == {old.pk, new.pk, district.pk}
    assert ids(site=world.portal.site_a) == {old.pk, new.pk}
    assert ids(channel=world.portal.deputies_a) == {new.pk}
    since = (timezone.now() - dt.timedelta(days=30)).date()
    assert ids(date_from=since) == {new.pk, district.pk}
    assert ids(date_to=since) == {old.pk}


def test_search_page_filters_and_paginates(world, client):
    for n in range(12):
        publish(world, title=f"古街保护第{n}篇")
    first = client.get(reverse("portal:search"), {"q": "古街保护", "site": "qinghe"})
    assert first.context["results"].total == 12 and len(first.context["results"].hits) == 10
    second = client.get(reverse("portal:search"), {"q": "古街保护", "site": "qinghe", "page": 2})
    assert len(second.context["results"].hits) == 2
    none = client.get(reverse("portal:search"), {"q": "古街保护", "site": "fenglin"})
    assert none.context["results"].total == 0


def test_index_follows_publication_and_withdrawal(world):
    article = publish(world, title="代表联络站接待日")
    assert search.search("联络站").total == 1
    services.withdraw_article(article, acting_user=world.leader, reason="重复")
    assert search.search("联络站").total == 0
    assert not SearchDocument.objects.exists()


def test_published_suggestion_replies_join_the_index_through_their_source(world, cases_world):
    from renda.cases import services as cases
    from renda.cases.models import Assignment
    from renda.suggestions import services as suggestions

    suggestion = suggestions.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="关于修缮古街石板路的建议",
        content="古街石板路破损严重。",
        session=world.session_a,
    )
    suggestions.submit_suggestion(suggestion, acting_user=world.deputy_user)
    suggestion.refresh_from_db()
    assert suggestion.case is not None
    cases.triage_case(suggestion.case, acting_user=world.staff)
    cases.assign_case(suggestion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = Assignment.objects.get(case=suggestion.case)
    cases.sign_assignment(assignment, acting_user=world.handler_a)
    cases.reply_case(
        assignment,
        reply_class="A",
        text="已完成",
        public_text="石板路已于本月修缮完毕",
        acting_user=world.handler_a,
    )
    assert sources.sync_sources()["suggestion_reply"] == 0  # not published yet
    suggestions.set_published(suggestion, published=True, acting_user=world.staff)
    assert sources.sync_sources()["suggestion_reply"] == 1
    hit = search.search("石板路").hits[0]
    assert hit.document.kind == "suggestion_reply"
    assert hit.document.content_type == ContentType.objects.get_for_model(type(suggestion))
    assert hit.document.url.startswith(reverse("suggestions:published"))
    suggestions.set_published(suggestion, published=False, acting_user=world.staff)
    assert sources.sync_sources()["suggestion_reply"] == 1  # removed
    assert search.search("石板路").total == 0


def test_announced_livelihood_projects_join_the_index_and_leave_it_when_not_public(year):
    from renda.projects import services as projects
    from renda.projects.models import Project, VoteBatch

    staff = year.world.staff
    batch = projects.publish_candidates(year.batch, acting_user=staff)
    projects.open_vote(batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=batch.pk)
    vote(batch, year.deputies, BATCH1_YES)
    projects.count_vote(batch, acting_user=staff, shares=shares_of(batch))
    assert sources.sync_sources()["project"] == 0  # counted, not announced yet
    assert search.search("村道硬化").total == 0
    projects.announce_result(batch, acting_user=staff)
    assert sources.sync_sources()["project"] == 9
    project = Project.objects.get(title="东塘村村道硬化")
    hits = search.search("村道硬化").hits
    assert [h.document.kind for h in hits] == ["project"]
    assert hits[0].document.url == reverse("projects:public_project", args=[project.pk])
    assert hits[0].document.content_type == ContentType.objects.get_for_model(Project)
    # The responsible department is searchable too.
    assert search.search(project.department.name).total >= 1
    # No longer public (its congress is deactivated: the project page answers 404).
    year.world.c_a.is_active = False
    year.world.c_a.save(update_fields=["is_active"])
    assert sources.sync_sources()["project"] == 9
    assert search.search("村道硬化").total == 0

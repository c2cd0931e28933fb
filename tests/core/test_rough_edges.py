"""Issue 17 item 9: the rough edges a new user hit (wording, phones, stations, tracking,
projects, the captcha, the segmenter). One test per edge, on the demo district where the
edge was seen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from renda.cases.models import Case, CaseKind, CaseStatus, Category, derived_title

TEMPLATES = Path(__file__).resolve().parents[2] / "renda"


def _client(username: str | None = None) -> Client:
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- wording ---------------------------------------------------------------------------------


def test_scheduled_means_the_right_thing_for_articles_meetings_and_duties():
    from renda.activities.models import MeetingStatus as PresidiumMeeting
    from renda.appraisals.models import MeetingStatus as AppraisalMeeting
    from renda.portal.models import ArticleStatus
    from renda.stations.models import DutyStatus

    with translation.override("zh-hans"):
        assert str(ArticleStatus.SCHEDULED.label) == "待发布"
        assert str(PresidiumMeeting.SCHEDULED.label) == "已安排"
        assert str(AppraisalMeeting.SCHEDULED.label) == "已安排"
        assert str(DutyStatus.SCHEDULED.label) == "已排班"  # a duty is on the roster


def test_the_article_status_filter_says_to_be_published(demo):
    html = _page(_client("qh_staff"), reverse("portal:staff_list"))
    assert "待发布" in html and "已排班" not in html


def test_the_vote_materials_head_the_dates_as_planned_period(demo):
    from renda.projects.models import BatchKind, VoteBatch

    batch = VoteBatch.objects.get(congress=demo, kind=BatchKind.MICRO)
    html = _page(_client("qh_deputy"), reverse("projects:materials", args=[batch.pk]))
    assert "计划实施时间" in html and "办理过程" not in html
    public = _page(_client(), reverse("projects:public_batch", args=[batch.pk]))
    assert "计划实施时间" in public and "办理过程" not in public


def _published_article():
    from renda.portal.models import Article, ArticleStatus

    return Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("-published_at")[1]


def test_article_pages_say_summary_previous_and_next_article_with_chinese_colons(demo):
    from renda.portal.forms import ArticleForm

    with translation.override("zh-hans"):
        assert str(ArticleForm.base_fields["summary"].label) == "摘要"
    article = _published_article()
    html = _page(_client(), reverse("portal:article", args=[article.pk]))
    assert "上一篇：" in html and "下一篇：" in html
    assert "上一页" not in html and "下一页" not in html
    assert "编辑：" in html and "编辑:" not in html and "发布时间：" in html
    assert "当前所在位置：" in html
    from renda.portal.models import Site

    site = Site.objects.get(slug="qinghe")
    edit = _page(_client("qh_staff"), reverse("portal:staff_new", args=[site.pk]))
    assert "情况摘要" not in edit and "摘要" in edit


def test_no_template_puts_a_half_width_colon_after_a_translated_label():
    pattern = re.compile(
        r'(\{% translate "[^"]*"( context "[^"]*")? %\}|\{% endblocktranslate %\}) ?:(?![/:])'
    )
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_staff_article_page_shows_publish_time_once(demo):
    from renda.portal.models import Article, ArticleStatus

    article = Article.objects.filter(status=ArticleStatus.PUBLISHED, site__slug="qinghe").first()
    html = _page(_client("qh_staff"), reverse("portal:staff_article", args=[article.pk]))
    assert html.count("<dt>发布时间</dt>") == 1
    assert "<dt>定时发布时间</dt>" in html


def test_a_too_short_opinion_gets_a_message_about_the_field(demo):
    client = _client()
    url = reverse("opinions:submit", args=[demo.pk])
    response = client.post(url, {"content": "路灯", "token": "0" * 32})
    html = response.content.decode()
    assert "反映内容请至少写 5 个字。" in html
    assert "确保该变量" not in html and "Ensure this value" not in html


def test_the_office_entry_form_speaks_of_the_sender(demo):
    html = _page(_client("qh_staff"), reverse("opinions:staff_new", args=[demo.pk]))
    assert "来件内容" in html and "来件人姓名（选填）" in html and "来件人手机号码（选填）" in html
    assert "您的意见" not in html and "您的姓名" not in html
    assert "我们将通过短信" not in html and "答复将以短信告知来件人" in html


def test_a_deputy_is_told_of_the_reply_to_a_suggestion_in_a_deputys_words(demo, monkeypatch):
    from renda.cases.services import doors

    sent: list[str] = []
    monkeypatch.setattr(doors, "sms_on_commit", lambda phone, text, **kw: sent.append(text))
    monkeypatch.setattr(
        doors, "notify_on_commit", lambda users, text, *args, **kw: sent.append(text)
    )
    suggestion = Case.objects.filter(kind=CaseKind.SUGGESTION, merged_into__isnull=True).first()
    opinion = Case.objects.filter(kind=CaseKind.OPINION, merged_into__isnull=True).first()
    with translation.override("zh-hans"):
        for case in (suggestion, opinion):
            doors._tell_submitters(
                case,
                "Your case %(serial)s has been answered. Please rate the reply.",
                suggestion_message=(
                    "Your suggestion %(serial)s has been answered. "
                    "Please give your opinion of the reply."
                ),
            )
    assert sent, "nobody told"
    assert not any(suggestion.serial in t and "case" in t for t in sent)
    assert any(f"Your suggestion {suggestion.serial}" in t for t in sent)
    # The zh-Hans wording itself.
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        text = gettext(
            "Your suggestion %(serial)s has been answered. Please give your opinion of the reply."
        )
    assert text.startswith("您领衔提出的建议") and "您反映的事项" not in text


def test_the_demo_outbox_never_tells_a_deputy_about_a_suggestion_as_a_resident(demo):
    from renda.core.models import Notification, OutboxMessage

    texts = [str(m.payload.get("text", "")) for m in OutboxMessage.objects.all()]
    texts += [n.title for n in Notification.objects.all()]
    assert not [t for t in texts if re.search(r"您(反映|提出)的事项 JY", t)]


def test_demo_committee_addresses_do_not_double_the_village(demo):
    from renda.stations.demo import _committee
    from renda.stations.models import Station

    assert _committee("青下湾村") == "青下湾村村民委员会"
    assert _committee("东塘社区") == "东塘社区居民委员会"
    assert not Station.objects.filter(address__contains="村村（居）").exists()


def test_a_sub_sites_browser_title_names_the_sub_site(demo):
    html = _page(_client(), reverse("portal:site", args=["qinghe"]))
    assert re.search(r"<title>\s*首页 · 清河镇人大\s*</title>", html)
    root = _page(_client(), reverse("portal:site", args=["linxi"]))
    assert re.search(r"<title>\s*首页 · 临溪区人大\s*</title>", root)


# --- phones ----------------------------------------------------------------------------------


def test_batch_tables_label_each_value_and_badges_and_digests_fit_a_phone(demo):
    from renda.projects.models import VoteBatch

    batch = VoteBatch.objects.filter(congress=demo, status="announced").first()
    html = _page(_client("qh_staff"), reverse("projects:batch", args=[batch.pk]))
    assert 'data-label="赞成"' in html and 'data-label="反对"' in html
    assert 'data-label="弃权"' in html
    public = _page(_client(), reverse("projects:public_batch", args=[batch.pk]))
    assert 'data-label="责任单位"' in public or 'data-label="' in public
    duty = _page(_client("qh_deputy"), reverse("stations:mine"))
    assert re.search(r'<span class="status status-\w+">', duty)
    css = (TEMPLATES / "core/static/renda/css/renda.css").read_text()
    assert ".status, .badge { white-space: nowrap; }" in css
    assert "overflow-wrap: anywhere" in css and "td[data-label]::before" in css


# --- stations --------------------------------------------------------------------------------


def test_a_deputys_name_opens_a_page_with_the_name_the_code_and_what_it_does(demo):
    from renda.stations.models import StationMember

    member = (
        StationMember.objects.filter(station__congress=demo, until__isnull=True)
        .select_related("station", "deputy")
        .first()
    )
    station = member.station
    html = _page(_client(), reverse("stations:public_station", args=[demo.pk, station.code]))
    page_url = reverse("stations:public_deputy", args=[demo.pk, member.deputy_id])
    assert f'href="{page_url}"' in html
    page = _page(_client(), page_url)
    assert f"{member.deputy.name}代表的代表码" in page
    assert "<svg" in page and "扫描此码" in page and 'id="deputy-form-link"' in page


def test_a_point_without_deputies_does_not_ask_to_tap_a_name(demo):
    from django.db.models import Count, Q

    from renda.stations.models import Station, StationKind

    empty = (
        Station.objects.filter(congress=demo, kind=StationKind.POINT, is_active=True)
        .annotate(seated=Count("members", filter=Q(members__until__isnull=True)))
        .filter(seated=0)
        .first()
    )
    assert empty is not None
    html = _page(_client(), reverse("stations:public_station", args=[demo.pk, empty.code]))
    assert "点击代表姓名" not in html and "暂未安排代表进站" in html


def test_the_central_station_is_listed_first(demo):
    from renda.stations.models import Station, StationKind

    central = Station.objects.get(congress=demo, kind=StationKind.CENTRAL)
    html = _page(_client(), reverse("stations:directory", args=[demo.pk]))
    headings = re.findall(r'<h2><a href="[^"]*">([^<]+)</a> <span class="hint">', html)
    assert headings[0] == central.name
    assert {s.name for s in Station.objects.filter(congress=demo, kind=StationKind.AREA)} <= set(
        headings[1:]
    )


# --- tracking --------------------------------------------------------------------------------


def test_the_check_code_box_shows_what_is_typed():
    from renda.opinions.forms import TrackForm

    html = str(TrackForm()["code"])
    assert 'type="text"' in html and 'autocomplete="off"' in html and "inputmode" in html
    assert 'type="password"' not in html


@pytest.mark.parametrize(
    ("content", "title"),
    [
        ("河道垃圾堆积，", "河道垃圾堆积"),
        ("小区门口的路面破损严重，雨天积水。", "小区门口的路面破损严重，雨天积水"),
        # Cut at 30 characters right after a comma: the comma goes.
        (
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九，之后",
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九",
        ),
        ("路灯\n不亮！", "路灯 不亮"),
        ("，，，", "，，，"),  # nothing but punctuation: kept rather than empty
    ],
)
def test_automatic_titles_do_not_end_in_punctuation(content, title):
    assert derived_title(content) == title


def test_after_the_reply_the_track_page_no_longer_says_reply_due(demo):
    from renda.opinions import services

    category = Category.objects.filter(congress=demo, is_active=True).first()
    case, code = services.submit_opinion(
        congress=demo, category=category, content="东塘村口路灯不亮，请尽快维修。"
    )
    import datetime as dt

    from django.utils import timezone

    # Assigned, with its reply due: the page says by when.
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.ASSIGNED, due_date=timezone.localdate() + dt.timedelta(days=10)
    )
    client = _client()
    url = reverse("opinions:track")
    before = client.post(url, {"ticket": case.serial, "code": code}).content.decode()
    assert 'id="reply-due"' in before
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.REPLIED)
    after = client.post(url, {"ticket": case.serial, "code": code}).content.decode()
    assert case.serial in after
    assert 'id="reply-due"' not in after and "前答复" not in after


def test_submitting_with_a_phone_sends_the_ticket_number_by_sms(demo):
    from renda.core.models import OutboxChannel, OutboxMessage
    from renda.opinions import services

    category = Category.objects.filter(congress=demo, is_active=True).first()
    with translation.override("zh-hans"):
        case, code = services.submit_opinion(
            congress=demo,
            category=category,
            content="东塘村口路灯不亮，请尽快维修。",
            submitter_phone="13800138000",
        )
        services.submit_opinion(congress=demo, category=category, content="没有留手机号的意见。")
    sms = OutboxMessage.objects.filter(channel=OutboxChannel.SMS, recipient="13800138000")
    assert sms.count() == 1
    text = sms.get().payload["text"]
    assert case.serial in text and "受理编号" in text and code not in text


# --- projects --------------------------------------------------------------------------------


def test_the_public_project_pages_link_to_the_open_micro_batch(demo):
    from renda.projects.models import BatchKind, VoteBatch

    micro = VoteBatch.objects.get(congress=demo, kind=BatchKind.MICRO)
    link = reverse("projects:public_batch", args=[micro.pk])
    assert link in _page(_client(), reverse("projects:public_index"))
    year = _page(_client(), reverse("projects:public_year", args=[demo.pk, micro.year]))
    assert link in year and "代表票决中" in year


def test_residents_comments_fill_the_offices_section(demo):
    from renda.projects.models import BatchKind, VoteBatch

    micro = VoteBatch.objects.get(congress=demo, kind=BatchKind.MICRO)
    assert micro.comments.count() >= 2
    html = _page(_client("qh_staff"), reverse("projects:batch", args=[micro.pk]))
    section = html.split("群众意见", 1)[1]
    assert "路灯维修" in section and "暂无" not in section.split("</section>", 1)[0]


# --- captcha and segmenter -------------------------------------------------------------------


def test_the_captcha_is_large_with_a_refresh_button(db, client):
    from renda.opinions.forms import CaptchaForm

    html = str(CaptchaForm()["captcha"])
    width = int(re.search(r'class="captcha" width="(\d+)"', html).group(1))
    assert width >= 120
    assert 'class="button small secondary captcha-refresh"' in html
    assert reverse("captcha-refresh") in html
    image = client.get(re.search(r'<img src="([^"]+)"', html).group(1))
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(image.content)).size[0] >= 120
    refreshed = client.get(reverse("captcha-refresh"), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert refreshed.status_code == 200 and "image_url" in refreshed.json()


def test_the_serving_process_loads_the_segmenter_and_commands_do_not():
    import subprocess
    import sys

    probe = (
        "import os, sys, time; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'renda.settings');"
        "import {module}; from renda.core import text;"
        "print(text._dictionary.tokenizer is not None)"
    )
    root = str(TEMPLATES.parent)
    served = subprocess.run(  # noqa: S603  (this interpreter, a fixed probe)
        [sys.executable, "-c", probe.format(module="renda.wsgi")],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert served.stdout.strip() == "True"
    setup = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe.format(module="django; django.setup()")],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert setup.stdout.strip() == "False"


# --- selects and scores read as words ----------------------------------------------------------

BLANK_OPTION = re.compile(r'<select name="([^"]+)"[^>]*>\s*<option value=""[^>]*>([^<]*)<')


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("qh_staff", "/cases/figures/"),
        ("qh_staff", "/office/suggestions-figures/"),
        ("qh_staff", "/office/appraisals/"),
        ("qh_staff", "/office/contacts/"),
        ("qh_staff", "/office/reports/"),
        ("qh_staff", "/office/activities/new/"),
        ("qh_staff", "/office/activities/plan/"),
        ("qh_leader", "/stations/mine/contact/"),
    ],
)
def test_no_select_offers_dashes(demo, username, url):
    """Was: the congress filter (and every blank choice) read "---------"."""
    body = _page(_client(username), url)
    assert "---------" not in body
    blanks = dict(BLANK_OPTION.findall(body))
    assert blanks, url  # the page has a select with a blank choice
    assert set(blanks.values()) <= {"全部", "请选择", "按类型默认", "全部状态", "不限"}, blanks


def test_the_figures_filter_reads_all_when_no_congress_is_chosen(demo):
    body = _page(_client("qh_staff"), "/cases/figures/")
    assert dict(BLANK_OPTION.findall(body))["congress"] == "全部"


def test_a_similar_case_shows_its_similarity_as_a_percentage(demo):
    """Was: "相似度 0.673"."""
    cases = Case.objects.filter(congress__name__contains="清河", kind=CaseKind.OPINION)
    shown = []
    for c in cases.order_by("pk")[:40]:
        body = _page(_client("qh_staff"), reverse("cases:office_case", args=[c.pk]))
        shown += re.findall(r"相似度 ([^<\s]+)", body)
        if shown:
            break
    assert shown, "the demo has a case with a similar one"
    assert all(re.fullmatch(r"\d{1,3}%", s) for s in shown), shown

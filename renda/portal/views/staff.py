"""The portal's back office: articles (write, review, approve, withdraw), versions,
attachments, and the publicity figures. Sites, channels and the link bar are configured
in the admin (renda/portal/admin.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renda.congress import policy
from renda.core import exports, jobs
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.charts import chart
from renda.core.errors import DomainError
from renda.portal import services, tables, viewcount
from renda.portal.forms import (
    ApproveForm,
    ArticleForm,
    AttachmentForm,
    FiguresForm,
    NoteForm,
    OptionalNoteForm,
)
from renda.portal.models import (
    Article,
    ArticleAttachment,
    ArticleStatus,
    ArticleVersion,
    Site,
)
from renda.portal.sanitize import clean_html

PAGE_SIZE = 30


def _require_back_office(request: HttpRequest) -> None:
    if not policy.can(request.user, "portal.view"):
        raise Http404


def _article_for_user(request: HttpRequest, pk: int) -> Article:
    """The one door to an article in the back office: another congress's is a 404."""
    _require_back_office(request)
    return get_visible_or_404(
        Article.objects.select_related(
            "site", "channel", "created_by", "reviewed_by", "approved_by"
        ),
        request.user,
        pk,
        "portal.view",
    )


def _site_for_user(request: HttpRequest, pk: int) -> Site:
    _require_back_office(request)
    return get_visible_or_404(Site, request.user, pk, "portal.view")


@login_required
def article_list(request: HttpRequest) -> HttpResponseBase:
    _require_back_office(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "portal.articles")
    sites = list(Site.objects.visible_to(request.user, "portal.view").order_by("position", "id"))
    qs = tables.article_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    writable = [s for s in sites if services.may(request.user, s, "author")]
    return render(
        request,
        "portal/staff/list.html",
        {
            "page": page,
            "params": request.GET,
            "sites": sites,
            "writable_sites": writable,
            "statuses": ArticleStatus.choices,
            "table": tables.ARTICLES,
            "export_query": exports.export_query(request),
        },
    )


def _form_kwargs(form: ArticleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "subtitle": data["subtitle"],
        "body": data["body"],
        "summary": data["summary"],
        "editor": data["editor"],
        "author": data["author"],
        "source": data["source"],
        "cover_alt": data["cover_alt"],
        "publish_at": data["publish_at"],
        "is_pinned": data["is_pinned"],
    }


@login_required
def article_new(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site_for_user(request, site_id)
    if not services.may(request.user, site, "author"):
        return HttpResponse(status=403)
    form = ArticleForm(request.POST or None, request.FILES or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(
                site=site,
                channel=form.cleaned_data["channel"],
                channels=list(form.cleaned_data["channels"]),
                tags=form.tag_names(),
                cover=form.cleaned_data["cover"],
                acting_user=request.user,
                **_form_kwargs(form),
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("portal:staff_article", pk=article.pk)
    return render(request, "portal/staff/edit.html", {"form": form, "site": site, "article": None})


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_for_user(request, pk)
    initial = {
        "title": article.title,
        "subtitle": article.subtitle,
        "channel": article.channel_id,
        "channels": list(article.channels.values_list("id", flat=True)),
        "body": article.body,
        "summary": article.summary,
        "editor": article.editor,
        "author": article.author,
        "source": article.source,
        "tags": ", ".join(article.tags.values_list("name", flat=True)),
        "cover_alt": article.cover_alt,
        "publish_at": timezone.localtime(article.publish_at) if article.publish_at else None,
        "is_pinned": article.is_pinned,
    }
    form = ArticleForm(
        request.POST or None, request.FILES or None, site=article.site, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_article(
                article,
                acting_user=request.user,
                channel=form.cleaned_data["channel"],
                channels=list(form.cleaned_data["channels"]),
                tags=form.tag_names(),
                cover=form.cleaned_data["cover"],
                clear_cover=form.cleaned_data["clear_cover"],
                **_form_kwargs(form),
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("A new version was saved."))
            return redirect("portal:staff_article", pk=article.pk)
    return render(
        request, "portal/staff/edit.html", {"form": form, "site": article.site, "article": article}
    )


ACTIONS: dict[str, Action] = {
    "submit": Action(
        gettext_lazy("Submit for review"),
        None,
        lambda a, u, d: services.submit_article(a, acting_user=u),
        success=gettext_lazy("The article was sent for review."),
    ),
    "review": Action(
        gettext_lazy("Pass the review"),
        form_of(OptionalNoteForm),
        lambda a, u, d: services.review_article(a, acting_user=u, note=d.get("note", "")),
        success=gettext_lazy("The review was recorded."),
    ),
    "approve": Action(
        gettext_lazy("Approve and publish"),
        form_of(ApproveForm),
        lambda a, u, d: services.approve_article(a, acting_user=u, publish_at=d.get("publish_at")),
        success=gettext_lazy("The article was approved."),
    ),
    "return": Action(
        gettext_lazy("Send back to the author"),
        form_of(NoteForm),
        lambda a, u, d: services.return_article(a, acting_user=u, note=d["note"]),
        success=gettext_lazy("The article went back to its author."),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw from the site"),
        form_of(NoteForm),
        lambda a, u, d: services.withdraw_article(a, acting_user=u, reason=d["note"]),
        success=gettext_lazy("The article was withdrawn."),
        danger=True,
        intro=gettext_lazy(
            "The article leaves the site and the search; it is kept with its versions and "
            "can be reopened as a draft."
        ),
    ),
    "reopen": Action(
        gettext_lazy("Back to draft"),
        None,
        lambda a, u, d: services.reopen_article(a, acting_user=u),
        success=gettext_lazy("The article is a draft again."),
    ),
}
# Who may take each action (the site's stage) and from which states of the article.
AVAILABLE: dict[str, tuple[str, frozenset[str]]] = {
    "submit": ("author", frozenset({ArticleStatus.DRAFT})),
    "review": ("reviewer", frozenset({ArticleStatus.REVIEW})),
    "approve": ("approver", frozenset({ArticleStatus.APPROVAL})),
    "return": (
        "reviewer",
        frozenset({ArticleStatus.REVIEW, ArticleStatus.APPROVAL, ArticleStatus.SCHEDULED}),
    ),
    "withdraw": ("approver", frozenset({ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED})),
    "reopen": ("author", frozenset({ArticleStatus.WITHDRAWN})),
}


def _available(article: Article, user: Any) -> list[tuple[str, Action]]:
    """The actions `user` may take on `article` now, in the order of ACTIONS."""
    stages = services.stages_of(user, article.site)
    return [
        (slug, action)
        for slug, action in ACTIONS.items()
        if AVAILABLE[slug][0] in stages and article.status in AVAILABLE[slug][1]
    ]


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_for_user(request, pk)
    return render(
        request,
        "portal/staff/detail.html",
        {
            "article": article,
            "body": clean_html(article.body),
            "actions": _available(article, request.user),
            "versions": article.versions.select_related("saved_by").only(
                "id", "number", "title", "saved_at", "saved_by__name", "article_id"
            ),
            "attachments": article.attachments.all(),
            "attachment_form": AttachmentForm(),
            "can_edit": services.may_edit(request.user, article),
            "views": viewcount.shown_count(article),
            "stages": services.stages_of(request.user, article.site),
        },
    )


@login_required
def article_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    article = _article_for_user(request, pk)
    if action not in ACTIONS:
        raise Http404
    if action not in dict(_available(article, request.user)):
        return HttpResponse(status=403)
    return run_action(
        request,
        article,
        ACTIONS[action],
        back=reverse("portal:staff_article", args=[article.pk]),
        heading=article.title,
    )


@login_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = _article_for_user(request, pk)
    version = get_object_or_404(ArticleVersion.objects.filter(article=article), number=number)
    if request.method == "POST":
        try:
            services.restore_version(article, version, acting_user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The version was restored as a new version."))
            return redirect("portal:staff_article", pk=article.pk)
    return render(
        request,
        "portal/staff/version.html",
        {"article": article, "version": version, "body": clean_html(version.body)},
    )


@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_for_user(request, pk)
    if request.method != "POST":
        return redirect("portal:staff_article", pk=article.pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(article, form.cleaned_data["file"], acting_user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The attachment was added."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("portal:staff_article", pk=article.pk)


@login_required
@require_POST
def image_upload(request: HttpRequest, site_id: int) -> JsonResponse:
    """The editor's picture upload (fetch from the edit page, CSRF-checked): the address
    of the stored image, or the reason it was refused."""
    site = _site_for_user(request, site_id)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Choose an image to upload.")}, status=400)
    try:
        image = services.add_body_image(site, upload, acting_user=request.user)
    except DomainError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"url": image.get_absolute_url()})


@login_required
def attachment_hide(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    article = _article_for_user(request, pk)
    item = get_object_or_404(ArticleAttachment.objects.filter(article=article), pk=attachment_id)
    if request.method == "POST":
        try:
            services.hide_attachment(item, acting_user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The attachment is hidden."))
    return redirect("portal:staff_article", pk=article.pk)


@login_required
def figures(request: HttpRequest) -> HttpResponseBase:
    """Publicity figures (宣传): published articles per site, channel, author and month,
    with their views."""
    _require_back_office(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "portal.figures")
    form = FiguresForm(request.GET or None)
    year = timezone.localdate().year
    if form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    data = tables.figures(request.user, year)
    by_site, by_channel = data["by_site"], data["by_channel"]
    by_author, by_month, totals = data["by_author"], data["by_month"], data["totals"]
    return render(
        request,
        "portal/staff/figures.html",
        {
            "month_chart": chart(
                "bar",
                _("Articles by month"),
                by_month,
                label=lambda row: f"{row['month']:%Y-%m}",
                series=[(_("Articles"), "n")],
                key="chart-articles-month",
            ),
            "form": form,
            "year": year,
            "by_site": by_site,
            "by_channel": by_channel,
            "by_author": by_author,
            "by_month": by_month,
            "totals": totals,
            "export_query": exports.export_query(request),
        },
    )


@login_required
@require_POST
def reindex(request: HttpRequest) -> HttpResponse:
    """Rebuild the search index (`portal_reindex`) as a background job: the platform
    operator's, the index being the installation's."""
    if not policy.is_superuser(request.user):
        raise Http404
    job = jobs.start(jobs.REINDEX, request.user, title=str(_("Portal search index")))
    return redirect("core:job", job.pk)

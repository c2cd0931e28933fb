"""Every state change of the portal's articles: writing, the review workflow
(draft → review → approval → published, or scheduled), withdrawal, versions, attachments,
and the search index kept in the same transaction.

Who may do what is configured per site (`Site.author_roles`, `reviewer_roles`,
`approver_roles`): a user acts in a stage if they hold one of its roles in the site's
congress (the policy module's grants; superusers always).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.core import audit, workflow
from renda.core.errors import DomainError
from renda.core.grouping import aggregate_by
from renda.portal import chrome, search
from renda.portal.models import (
    ARTICLE_TRANSITIONS,
    EDITABLE_STATUSES,
    Article,
    ArticleAttachment,
    ArticleStatus,
    ArticleVersion,
    BodyImage,
    Channel,
    Site,
    Tag,
)
from renda.portal.sanitize import clean_html, html_to_text
from renda.portal.sources import article_entry
from renda.portal.uploads import accept_attachment, accept_cover

STAGES = ("author", "reviewer", "approver")
CONTENT_FIELDS = ("title", "subtitle", "body", "summary", "editor", "author", "source")


def may(user: Any, site: Site, stage: str) -> bool:
    """May `user` act as author / reviewer / approver on the site?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if policy.is_superuser(user):
        return True
    held = policy.access(user).by_role
    return any(site.congress_id in held.get(role, set()) for role in site.roles_for(stage))


def stages_of(user: Any, site: Site) -> set[str]:
    return {stage for stage in STAGES if may(user, site, stage)}


def _require(user: Any, site: Site, stage: str) -> None:
    if not may(user, site, stage):
        messages = {
            "author": _("Only the site's authors can do this."),
            "reviewer": _("Only the site's reviewers can do this."),
            "approver": _("Only the site's approvers can do this."),
        }
        raise DomainError(messages[stage])


def _lock(article: Article) -> Article:
    return (
        Article.objects.select_for_update(of=("self",))
        .select_related("site", "channel")
        .get(pk=article.pk)
    )


def _move(article: Article, to: str, *, acting_user: Any, note: str = "", fields=()) -> None:
    workflow.move(
        article,
        to,
        transitions=ARTICLE_TRANSITIONS,
        action=f"article.{to}",
        actor=acting_user,
        fields=["updated_at", *fields],
        values={"status_note": note[:300]},
        note=note,
        error=lambda: _("This action is not possible in the article's current state."),
    )
    # Lists and previous/next links of cached pages follow (now and again on commit).
    chrome.bump_generation()
    transaction.on_commit(chrome.bump_generation)


def _summary(body: str, given: str) -> str:
    if given.strip():
        return given.strip()[:300]
    text = html_to_text(body).replace("\n", " ")
    return text[:120]


def _check_channels(site: Site, channel: Channel, channels: Iterable[Channel]) -> list[Channel]:
    chosen = {c.pk: c for c in channels}
    chosen[channel.pk] = channel
    if any(c.site_id != site.pk for c in chosen.values()):
        raise DomainError(_("Channels must belong to the article's site."))
    return list(chosen.values())


def _check_cover(cover: Any) -> Any:
    """The cover made safe to store (renda.core.uploads: re-encoded, a generated name)."""
    if not cover:
        return None
    try:
        return accept_cover(cover)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None


def _tags(names: Iterable[str]) -> list[Tag]:
    out = []
    for name in names:
        name = name.strip()[:30]
        if name:
            out.append(Tag.objects.get_or_create(name=name)[0])
    return out


def _save_version(article: Article, acting_user: Any) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        subtitle=article.subtitle,
        body=article.body,
        summary=article.summary,
        editor=article.editor,
        author=article.author,
        source=article.source,
        meta={
            "channel": article.channel_id,
            "channels": sorted(article.channels.values_list("id", flat=True)),
            "tags": sorted(article.tags.values_list("name", flat=True)),
        },
        saved_by=acting_user,
    )


def create_article(
    *,
    site: Site,
    channel: Channel,
    acting_user: Any,
    title: str,
    body: str,
    subtitle: str = "",
    summary: str = "",
    editor: str = "",
    author: str = "",
    source: str = "",
    channels: Sequence[Channel] = (),
    tags: Sequence[str] = (),
    cover: Any = None,
    cover_alt: str = "",
    publish_at: dt.datetime | None = None,
    is_pinned: bool = False,
) -> Article:
    with transaction.atomic():
        _require(acting_user, site, "author")
        all_channels = _check_channels(site, channel, channels)
        cover = _check_cover(cover)
        body = clean_html(body)
        article = Article(
            site=site,
            channel=channel,
            title=title.strip(),
            subtitle=subtitle.strip(),
            body=body,
            summary=_summary(body, summary),
            editor=editor.strip(),
            author=author.strip(),
            source=source.strip(),
            cover_alt=cover_alt.strip(),
            publish_at=publish_at,
            is_pinned=is_pinned,
            created_by=acting_user,
        )
        if cover:
            article.cover, article.cover_type = cover, cover.content_type
        article.save()
        article.channels.set(all_channels)
        article.tags.set(_tags(tags))
        _save_version(article, acting_user)
        audit.record("article.created", article, actor=acting_user)
    return article


def editor_stage(status: str) -> str:
    """The stage whose holders edit an article in `status`: authors edit drafts, reviewers
    articles in review, approvers the rest (corrections of published articles included)."""
    stages: dict[str, str] = {ArticleStatus.DRAFT: "author", ArticleStatus.REVIEW: "reviewer"}
    return stages.get(status, "approver")


def may_edit(user: Any, article: Article) -> bool:
    """May `user` save a new version of `article` now (its state and the user's stage)?"""
    return article.status in EDITABLE_STATUSES and may(
        user, article.site, editor_stage(article.status)
    )


def update_article(
    article: Article,
    *,
    acting_user: Any,
    channel: Channel | None = None,
    channels: Sequence[Channel] | None = None,
    tags: Sequence[str] | None = None,
    cover: Any = None,
    clear_cover: bool = False,
    **fields: Any,
) -> Article:
    """Save a new version of the content. Drafts are edited by authors, articles in review
    by reviewers, awaiting approval or published (corrections) by approvers."""
    unknown = set(fields) - {*CONTENT_FIELDS, "cover_alt", "publish_at", "is_pinned"}
    if unknown:
        raise TypeError(f"unknown article fields: {sorted(unknown)}")
    with transaction.atomic():
        article = _lock(article)
        if article.status not in EDITABLE_STATUSES:
            raise DomainError(_("This article cannot be edited in its current state."))
        _require(acting_user, article.site, editor_stage(article.status))
        before = audit.snapshot(article)
        if "body" in fields:
            fields["body"] = clean_html(fields["body"])
        for name, value in fields.items():
            setattr(article, name, value.strip() if isinstance(value, str) else value)
        article.summary = _summary(article.body, fields.get("summary", article.summary))
        if channel is not None:
            article.channel = channel
        if channels is not None or channel is not None:
            current = list(article.channels.all()) if channels is None else list(channels)
            article.channels.set(_check_channels(article.site, article.channel, current))
        if tags is not None:
            article.tags.set(_tags(tags))
        if cover:
            cover = _check_cover(cover)
            article.cover, article.cover_type = cover, cover.content_type
        elif clear_cover:
            article.cover, article.cover_type = "", ""
        article.version += 1
        article.save()
        _save_version(article, acting_user)
        audit.record(
            "article.updated",
            article,
            actor=acting_user,
            changes=audit.diff(before, audit.snapshot(article)),
        )
        if article.status == ArticleStatus.PUBLISHED:
            # Re-indexing also moves the publication generation: cached pages follow.
            search.index_object(article, article_entry(article))
    return article


def restore_version(article: Article, version: ArticleVersion, *, acting_user: Any) -> Article:
    """Bring back an earlier version's content as a new version."""
    if version.article_id != article.pk:
        raise DomainError(_("This version belongs to another article."))
    return update_article(
        article,
        acting_user=acting_user,
        **{name: getattr(version, name) for name in CONTENT_FIELDS},
    )


def submit_article(article: Article, *, acting_user: Any) -> Article:
    with transaction.atomic():
        article = _lock(article)
        _require(acting_user, article.site, "author")
        _move(article, ArticleStatus.REVIEW, acting_user=acting_user)
    return article


def _publish(article: Article, *, acting_user: Any, now: dt.datetime) -> None:
    """Publish now, or schedule when the article asks for a later time."""
    if article.publish_at is not None and article.publish_at > now:
        _move(article, ArticleStatus.SCHEDULED, acting_user=acting_user)
        return
    article.published_at = article.publish_at or now
    _move(article, ArticleStatus.PUBLISHED, acting_user=acting_user, fields=["published_at"])
    search.index_object(article, article_entry(article))


def review_article(article: Article, *, acting_user: Any, note: str = "") -> Article:
    """The reviewer passes the article: on to the approver, or published when the site
    needs no separate approval."""
    with transaction.atomic():
        article = _lock(article)
        _require(acting_user, article.site, "reviewer")
        if article.status != ArticleStatus.REVIEW:
            raise DomainError(_("This action is not possible in the article's current state."))
        _check_not_writer(article, acting_user, "reviewer")
        article.reviewed_by = acting_user
        article.save(update_fields=["reviewed_by"])
        if article.site.require_approval:
            _move(article, ArticleStatus.APPROVAL, acting_user=acting_user, note=note)
        else:
            article.approved_by = acting_user
            article.save(update_fields=["approved_by"])
            _publish(article, acting_user=acting_user, now=timezone.now())
    return article


def _check_not_writer(article: Article, acting_user: Any, stage: str) -> None:
    """Four eyes (审核人、审批人 ≠ 撰稿人): the person who wrote an article neither reviews
    nor approves it, whatever roles they hold, on every site."""
    if article.created_by_id == acting_user.pk:
        if stage == "reviewer":
            raise DomainError(
                _("The writer of an article cannot review it: another person reviews it.")
            )
        raise DomainError(_("The writer of an article cannot approve it."))


def approve_article(
    article: Article, *, acting_user: Any, publish_at: dt.datetime | None = None
) -> Article:
    """The approver publishes the article (now, or at `publish_at`: scheduled)."""
    with transaction.atomic():
        article = _lock(article)
        _require(acting_user, article.site, "approver")
        if article.status != ArticleStatus.APPROVAL:
            raise DomainError(_("This action is not possible in the article's current state."))
        _check_not_writer(article, acting_user, "approver")
        article.approved_by = acting_user
        if publish_at is not None:
            article.publish_at = publish_at
        article.save(update_fields=["approved_by", "publish_at"])
        _publish(article, acting_user=acting_user, now=timezone.now())
    return article


def return_article(article: Article, *, acting_user: Any, note: str) -> Article:
    """Send the article back to its author with a note (from review, approval, or a
    scheduled article before it appears)."""
    if not note.strip():
        raise DomainError(_("Say what must change."))
    with transaction.atomic():
        article = _lock(article)
        stage = "reviewer" if article.status == ArticleStatus.REVIEW else "approver"
        _require(acting_user, article.site, stage)
        _move(article, ArticleStatus.DRAFT, acting_user=acting_user, note=note.strip())
    return article


def withdraw_article(article: Article, *, acting_user: Any, reason: str) -> Article:
    """Take a published (or scheduled) article off the site. It is kept, with its
    versions; the public gets a 404 and the search index forgets it."""
    if not reason.strip():
        raise DomainError(_("Give the reason for withdrawing the article."))
    with transaction.atomic():
        article = _lock(article)
        _require(acting_user, article.site, "approver")
        _move(article, ArticleStatus.WITHDRAWN, acting_user=acting_user, note=reason.strip())
        search.remove_object(article)
    return article


def reopen_article(article: Article, *, acting_user: Any) -> Article:
    """A withdrawn article goes back to draft, to be corrected and reviewed again."""
    with transaction.atomic():
        article = _lock(article)
        _require(acting_user, article.site, "author")
        _move(article, ArticleStatus.DRAFT, acting_user=acting_user)
    return article


def publish_due(now: dt.datetime | None = None) -> int:
    """The periodic job: publish every scheduled article whose time has come."""
    now = now or timezone.now()
    published = 0
    due = Article.objects.filter(status=ArticleStatus.SCHEDULED, publish_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(of=("self",)).select_related("site").get(pk=pk)
            )
            if article.status != ArticleStatus.SCHEDULED:
                continue  # withdrawn or sent back meanwhile
            article.published_at = article.publish_at or now
            _move(
                article,
                ArticleStatus.PUBLISHED,
                acting_user=None,
                note="scheduled",
                fields=["published_at"],
            )
            search.index_object(article, article_entry(article))
            published += 1
    return published


def add_attachment(article: Article, upload: Any, *, acting_user: Any) -> ArticleAttachment:
    try:
        upload = accept_attachment(upload)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    with transaction.atomic():
        article = _lock(article)
        if article.status not in EDITABLE_STATUSES:
            raise DomainError(_("This article cannot be edited in its current state."))
        _require(acting_user, article.site, editor_stage(article.status))
        attachment = ArticleAttachment.objects.create(
            article=article,
            file=upload,
            name=upload.original_name[-120:],
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=acting_user,
        )
        audit.record("article.attachment_added", attachment, actor=acting_user)
    return attachment


def add_body_image(site: Site, upload: Any, *, acting_user: Any) -> BodyImage:
    """A picture for an article's body: whoever may write or edit on the site (author,
    reviewer, approver) uploads it; checked and re-encoded like a cover."""
    try:
        upload = accept_cover(upload)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    with transaction.atomic():
        if not stages_of(acting_user, site):
            raise DomainError(_("Only the site's authors can do this."))
        image = BodyImage.objects.create(
            site=site,
            file=upload,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=acting_user,
        )
        audit.record("article.image_added", image, actor=acting_user)
    return image


def body_image_is_public(image: BodyImage) -> bool:
    """Does a published article of the image's site show it?"""
    return (
        Article.objects.public()
        .filter(site_id=image.site_id, body__contains=image.get_absolute_url())
        .exists()
    )


def hide_attachment(attachment: ArticleAttachment, *, acting_user: Any) -> ArticleAttachment:
    """Attachments are hidden, never deleted."""
    with transaction.atomic():
        article = _lock(attachment.article)
        _require(acting_user, article.site, editor_stage(article.status))
        attachment = ArticleAttachment.objects.select_for_update().get(pk=attachment.pk)
        attachment.is_active = False
        attachment.save(update_fields=["is_active"])
        audit.record("article.attachment_hidden", attachment, actor=acting_user)
    return attachment


def staff_articles(user: Any, status: str = "") -> Any:
    """The articles the staff list shows this user, under a status (or all)."""
    qs = Article.objects.visible_to(user, "portal.view")
    return qs.filter(status=status) if status in ArticleStatus.values else qs


def article_counts(user: Any, statuses: tuple[str, ...]) -> dict[str, int]:
    """How many articles the staff list shows under each status (one query)."""
    from django.db.models import Count, Q

    return staff_articles(user).aggregate(
        **{s: Count("pk", distinct=True, filter=Q(status=s)) for s in statuses}
    )


def published_articles(congress_id: int, year: int) -> Any:
    """The articles the congress's site published in the year and still shows (the annual
    report's publicity figure and its records)."""
    return _published_articles([congress_id], year)


def _published_articles(ids: list[int], year: int) -> Any:
    return Article.objects.filter(
        site__congress_id__in=ids,
        status=ArticleStatus.PUBLISHED,
        published_at__year=year,
    )


def published_counts(ids: list[int], year: int) -> dict[int, int]:
    """How many `published_articles` each congress has: one query."""
    rows = aggregate_by(_published_articles(ids, year), "site__congress_id", ids, n=Count("id"))
    return {pk: row["n"] for pk, row in rows.items()}

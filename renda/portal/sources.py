"""Sources of the search index: what each kind of public item puts in it.

Articles are indexed by the portal's services, in the transaction that publishes or
withdraws them. Other apps' public items (published suggestion replies, livelihood projects
once announced; station pages when that app registers a source) are brought in line by
`sync_sources()`, a periodic job and a management command (`portal_reindex`): it indexes
every item its source calls public and drops the documents of items that are not any
more. Apps below the portal never import it; the portal registers their sources here.

The other way round, an app below may hand the portal something to publish as an article
draft (`renda.core.publishing`): `Drafts` below is the drafter the portal registers there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.core import audit, publishing
from renda.core.errors import DomainError
from renda.portal import search
from renda.portal.models import (
    Article,
    ArticleOrigin,
    Channel,
    ChannelKind,
    SearchDocument,
    Site,
)
from renda.portal.sanitize import html_to_text


@dataclass
class Source:
    kind: str
    label: Any
    model: type[models.Model]
    public: Callable[[], models.QuerySet]  # the items that belong in the index
    entry: Callable[[Any], search.IndexEntry]
    synced: bool = True  # False: the app's own services keep it current


SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    SOURCES[source.kind] = source


def article_entry(article: Article) -> search.IndexEntry:
    channel_ids = [c.pk for c in article.channels.all()] or [article.channel_id]
    text = "\n".join(p for p in (article.subtitle, html_to_text(article.body)) if p)
    if article.published_at is None:
        raise ValueError("only a published article is indexed")
    return search.IndexEntry(
        kind="article",
        title=article.title,
        text=text,
        url=article.get_absolute_url(),
        published_at=article.published_at,
        site=article.site,
        channel_ids=channel_ids,
    )


def _suggestion_public() -> models.QuerySet:
    from renda.cases.models import CaseStatus

    suggestion = apps.get_model("suggestions", "Suggestion")
    return (
        suggestion.objects.filter(
            is_published=True,
            case__status__in=[CaseStatus.REPLIED, CaseStatus.CLOSED],
            congress__is_active=True,
        )
        .select_related("case", "congress")
        .prefetch_related("case__replies")
    )


def _suggestion_entry(suggestion: Any) -> search.IndexEntry:
    replies = list(suggestion.case.replies.all())
    text = "\n".join(r.public_text for r in replies if r.public_text)
    when = suggestion.case.replied_at or suggestion.case.created_at
    site = Site.objects.filter(congress_id=suggestion.congress_id).first()
    return search.IndexEntry(
        kind="suggestion_reply",
        title=suggestion.title,
        text=text,
        url=f"{reverse('suggestions:published')}?congress={suggestion.congress_id}",
        published_at=when,
        site=site,
    )


def _project_public() -> models.QuerySet:
    """Livelihood projects once their batch's announcement (公告) is published, while their
    congress is active (the public project page answers 404 otherwise)."""
    project = apps.get_model("projects", "Project")
    return project.objects.filter(
        congress__is_active=True, batch__status="announced"
    ).select_related("department", "batch", "idea")


def _project_entry(project: Any) -> search.IndexEntry:
    department = project.department.name if project.department_id else ""
    # The scope starts as the idea's description: a paragraph already in the text is not
    # indexed twice, or the search snippet repeats it.
    pieces: list[str] = []
    for piece in (project.scope, project.idea.description, project.targets, department):
        if piece and not any(piece in kept for kept in pieces):
            pieces.append(piece)
    text = "\n".join(pieces)
    site = Site.objects.filter(congress_id=project.congress_id).first()
    return search.IndexEntry(
        kind="project",
        title=project.title,
        text=text,
        url=reverse("projects:public_project", args=[project.pk]),
        published_at=project.batch.announced_at or timezone.now(),
        site=site,
    )


def register_defaults() -> None:
    register(
        Source(
            kind="article",
            label=_("Articles"),
            model=Article,
            public=lambda: Article.objects.public().prefetch_related("channels"),
            entry=article_entry,
            synced=False,
        )
    )
    if apps.is_installed("renda.suggestions"):
        register(
            Source(
                kind="suggestion_reply",
                label=_("Suggestion replies"),
                model=apps.get_model("suggestions", "Suggestion"),
                public=_suggestion_public,
                entry=_suggestion_entry,
            )
        )
    if apps.is_installed("renda.projects"):
        register(
            Source(
                kind="project",
                label=_("Livelihood projects"),
                model=apps.get_model("projects", "Project"),
                public=_project_public,
                entry=_project_entry,
            )
        )


def sync_sources(
    *, include_articles: bool = False, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Bring the index in line with what each source calls public; returns the number of
    documents added or removed per kind. Idempotent. `progress(done, total)` hears how
    many public items were gone through (a background job's progress bar)."""
    changed: dict[str, int] = {}
    wanted = [s for s in SOURCES.values() if s.synced or include_articles]
    total = sum(source.public().count() for source in wanted) if progress else 0
    done = 0
    for source in wanted:
        content_type = ContentType.objects.get_for_model(source.model)
        indexed = set(
            SearchDocument.objects.filter(content_type=content_type).values_list(
                "object_id", flat=True
            )
        )
        count = 0
        public_ids = set()
        for obj in source.public().iterator(chunk_size=200):
            public_ids.add(obj.pk)
            done += 1
            if progress is not None and done % 50 == 0:
                progress(done, total)
            if obj.pk not in indexed or include_articles:
                with transaction.atomic():
                    search.index_object(obj, source.entry(obj))
                count += 1
        stale = indexed - public_ids
        if stale:
            with transaction.atomic():
                count += search.remove_ids(content_type, stale)
        changed[source.kind] = count
    if progress is not None:
        progress(done, max(total, done))
    return changed


# --- article drafts made from the apps below (renda.core.publishing) ---------------------

# The channel a draft starts in, by preference (the author may move it while it is a draft).
DRAFT_CHANNELS = ("supervision", "news")


def _draft_channel(site: Site) -> Channel:
    channels = list(
        Channel.objects.filter(site=site, is_active=True, kind=ChannelKind.ARTICLES).order_by(
            "position", "id"
        )
    )
    for slug in DRAFT_CHANNELS:
        for channel in channels:
            if channel.slug == slug:
                return channel
    if not channels:
        raise DomainError(_("The congress's portal site has no channel for articles."))
    return channels[0]


def _drafted(origin: ArticleOrigin, created: bool = False) -> publishing.Drafted:
    article = origin.article
    return publishing.Drafted(
        article_id=article.pk,
        title=article.title,
        status=str(article.get_status_display()),
        url=reverse("portal:staff_article", args=[article.pk]),
        created=created,
    )


class Drafts:
    """Makes an article draft on the congress's site from an object of an app below, once
    per object; the site's authors only (the portal's own rule). The review and approval
    of the portal then apply to it like to any draft."""

    def draft(
        self, obj: models.Model, piece: publishing.Piece, *, acting_user: Any
    ) -> publishing.Drafted:
        from renda.portal import services

        content_type = ContentType.objects.get_for_model(obj)
        found = (
            ArticleOrigin.objects.filter(source_type=content_type, source_id=obj.pk)
            .select_related("article")
            .first()
        )
        if found is not None:
            return _drafted(found)
        site = Site.objects.filter(congress_id=piece.congress_id, is_active=True).first()
        if site is None:
            raise DomainError(_("This congress has no portal site."))
        try:
            with transaction.atomic():
                article = services.create_article(
                    site=site,
                    channel=_draft_channel(site),
                    acting_user=acting_user,
                    title=piece.title[:120],
                    body=piece.body,
                    source=piece.source[:60],
                )
                origin = ArticleOrigin.objects.create(
                    article=article, source_type=content_type, source_id=obj.pk
                )
                audit.record(
                    "article.drafted_from",
                    article,
                    actor=acting_user,
                    changes={
                        "from": [None, f"{content_type.app_label}.{content_type.model}:{obj.pk}"]
                    },
                )
        except IntegrityError:
            # Made at the same moment by another request: that one is the draft.
            origin = ArticleOrigin.objects.select_related("article").get(
                source_type=content_type, source_id=obj.pk
            )
            return _drafted(origin)
        return _drafted(origin, created=True)

    def drafted(self, objs: Any) -> dict[tuple[int, int], publishing.Drafted]:
        wanted: dict[int, list[int]] = {}
        for obj in objs:
            wanted.setdefault(ContentType.objects.get_for_model(obj).pk, []).append(obj.pk)
        query = models.Q(pk__in=[])
        for type_id, ids in wanted.items():
            query |= models.Q(source_type_id=type_id, source_id__in=ids)
        return {
            (o.source_type_id, o.source_id): _drafted(o)
            for o in ArticleOrigin.objects.filter(query).select_related("article")
        }


def reindex_job(job: Any, progress: Callable[[int, int], None]) -> None:
    """The background job "reindex" (renda.core.jobs): `portal_reindex` with a progress
    bar."""
    sync_sources(include_articles=True, progress=progress)

"""The public portal (人大门户网站): sites, channel trees, articles with their workflow and
versions, and the generic full-text search index.

A Site belongs to one congress: the district's site and a sub-site per town (its parent
is the district's site). Each site has its own channel tree, header, footer and link bar.
Articles are published to one site, in one or more of its channels; their status changes
only through `renda/portal/services.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.congress.models import Congress, ScopedQuerySet
from renda.core import uploads

ROLE_CHOICES_HELP = _("Comma-separated role codes: staff, leader, admin.")


class Site(models.Model):
    congress = models.OneToOneField(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="portal_site"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsites",
        help_text=_("The district's site, for a town's sub-site."),
    )
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("address name"), max_length=40, unique=True)
    header_title = models.CharField(
        _("header title"),
        max_length=120,
        help_text=_("Shown at the top of every page, e.g. a welcome line."),
    )
    footer_text = models.TextField(
        _("footer text"), blank=True, help_text=_("Sponsor, address, record number; plain text.")
    )
    author_roles = models.CharField(
        _("author roles"), max_length=60, default="staff", help_text=ROLE_CHOICES_HELP
    )
    reviewer_roles = models.CharField(
        _("reviewer roles"), max_length=60, default="staff,leader", help_text=ROLE_CHOICES_HELP
    )
    approver_roles = models.CharField(
        _("approver roles"), max_length=60, default="leader", help_text=ROLE_CHOICES_HELP
    )
    require_approval = models.BooleanField(
        _("approval after review"),
        default=True,
        help_text=_("Off: an article that passes review is published at once."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("portal site")
        verbose_name_plural = _("portal sites")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:site", args=[self.slug])

    def roles_for(self, stage: str) -> set[str]:
        raw = {
            "author": self.author_roles,
            "reviewer": self.reviewer_roles,
            "approver": self.approver_roles,
        }[stage]
        return {part.strip() for part in raw.split(",") if part.strip()}


class LinkPlacement(models.TextChoices):
    LINK_BAR = "bar", _("Link bar under the header")
    FOOTER = "footer", _("Footer")


class SiteLinkQuerySet(ScopedQuerySet):
    congress_lookup = "site__congress_id"


class SiteLink(models.Model):
    """The link bar (全国人大 | 省人大 | 市人大 | 区政府) and footer links of a site."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="links"
    )
    label = models.CharField(_("label"), max_length=40)
    url = models.URLField(_("address"), max_length=300)
    placement = models.CharField(
        _("placement"), max_length=10, choices=LinkPlacement.choices, default=LinkPlacement.LINK_BAR
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("site link")
        verbose_name_plural = _("site links")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def audit_congress_id(self) -> int | None:
        return self.site.congress_id


class ChannelKind(models.TextChoices):
    ARTICLES = "articles", _("Articles")
    NOTICES = "notices", _("Notices")
    SUBSITES = "subsites", _("Town sub-sites and their articles")


class ChannelQuerySet(ScopedQuerySet):
    congress_lookup = "site__congress_id"


class Channel(models.Model):
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="channels"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("address name"), max_length=40)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ChannelKind.choices, default=ChannelKind.ARTICLES
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    show_on_home = models.BooleanField(_("shown on the home page"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "slug"], name="portal_channel_slug_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.site} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("portal:channel", args=[self.site.slug, self.slug])

    def clean(self) -> None:
        if self.parent_id and self.site_id and self.parent.site_id != self.site_id:  # type: ignore[union-attr]
            raise ValidationError({"parent": _("The parent channel must belong to the same site.")})

    def audit_congress_id(self) -> int | None:
        return self.site.congress_id


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Awaiting review")
    APPROVAL = "approval", _("Awaiting approval")
    SCHEDULED = "scheduled", pgettext_lazy("article status", "Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The workflow as data: status → the statuses it may move to (services check it).
ARTICLE_TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.REVIEW}),
    ArticleStatus.REVIEW: frozenset(
        {
            ArticleStatus.DRAFT,
            ArticleStatus.APPROVAL,
            ArticleStatus.PUBLISHED,
            ArticleStatus.SCHEDULED,
        }
    ),
    ArticleStatus.APPROVAL: frozenset(
        {ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED}
    ),
    ArticleStatus.SCHEDULED: frozenset(
        {ArticleStatus.PUBLISHED, ArticleStatus.DRAFT, ArticleStatus.WITHDRAWN}
    ),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.WITHDRAWN}),
    ArticleStatus.WITHDRAWN: frozenset({ArticleStatus.DRAFT}),
}

EDITABLE_STATUSES = frozenset(
    {ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.APPROVAL, ArticleStatus.PUBLISHED}
)


class ArticleQuerySet(ScopedQuerySet):
    congress_lookup = "site__congress_id"

    def public(self):  # noqa: ANN201
        """What the public may read: published, on an active site."""
        return self.filter(status=ArticleStatus.PUBLISHED, site__is_active=True)


def cover_path(instance: Article, filename: str) -> str:
    """A generated name, never the uploaded one (renda.core.uploads)."""
    return f"portal/covers/{instance.site_id}/{uploads.storage_name(filename)}"


def attachment_path(instance: ArticleAttachment, filename: str) -> str:
    return f"portal/attachments/{instance.article_id}/{uploads.storage_name(filename)}"


class Article(models.Model):
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="articles"
    )
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("main channel"),
        on_delete=models.PROTECT,
        related_name="main_articles",
        help_text=_("The channel of the breadcrumb."),
    )
    channels = models.ManyToManyField(
        Channel,
        verbose_name=_("channels"),
        related_name="articles",
        blank=True,
        help_text=_("Every channel that lists the article (the main one included)."),
    )
    title = models.CharField(_("title"), max_length=120)
    subtitle = models.CharField(_("subtitle"), max_length=160, blank=True)
    body = models.TextField(_("body"), help_text=_("Rich text; cleaned of scripts and frames."))
    summary = models.CharField(pgettext_lazy("article", "summary"), max_length=300, blank=True)
    cover = models.ImageField(_("cover image"), upload_to=cover_path, blank=True)
    cover_type = models.CharField(
        _("cover image type"),
        max_length=100,
        blank=True,
        help_text=_("Verified from the image's bytes when it was uploaded."),
    )
    cover_alt = models.CharField(_("cover image description"), max_length=120, blank=True)
    editor = models.CharField(_("editor"), max_length=40, blank=True)
    author = models.CharField(_("author"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="articles", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Empty: publish on approval.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    view_count = models.PositiveBigIntegerField(_("views"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="portal_articles",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status_note = models.CharField(_("last note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["site", "status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:article", args=[self.pk])

    def audit_congress_id(self) -> int | None:
        return self.site.congress_id


class ArticleAttachment(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(
        _("content type"),
        max_length=100,
        blank=True,
        help_text=_("Verified from the file's bytes when it was uploaded."),
    )
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def audit_congress_id(self) -> int | None:
        return self.article.site.congress_id


def body_image_path(instance: BodyImage, filename: str) -> str:
    return f"portal/images/{instance.site_id}/{uploads.storage_name(filename)}"


class BodyImageQuerySet(ScopedQuerySet):
    congress_lookup = "site__congress_id"


class BodyImage(models.Model):
    """A picture placed in an article's body by the editor, uploaded through the checked
    path (verified type, re-encoded). It belongs to the site; its address
    (`portal:image`) answers the public once a published article of the site shows it,
    and the site's back office always."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="body_images"
    )
    file = models.ImageField(_("file"), upload_to=body_image_path)
    content_type = models.CharField(
        _("content type"),
        max_length=100,
        help_text=_("Verified from the image's bytes when it was uploaded."),
    )
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = BodyImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("body image")
        verbose_name_plural = _("body images")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name or ""

    def get_absolute_url(self) -> str:
        return reverse("portal:image", args=[self.pk])

    def audit_congress_id(self) -> int | None:
        return self.site.congress_id


class ArticleVersion(models.Model):
    """Every saved content of an article, numbered; never changed afterwards."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    subtitle = models.CharField(_("subtitle"), max_length=160, blank=True)
    body = models.TextField(_("body"))
    summary = models.CharField(pgettext_lazy("article", "summary"), max_length=300, blank=True)
    editor = models.CharField(_("editor"), max_length=40, blank=True)
    author = models.CharField(_("author"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    meta = models.JSONField(_("channels and tags"), default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), on_delete=models.PROTECT
    )
    saved_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="portal_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


# --- search ---------------------------------------------------------------------------


class ArticleOrigin(models.Model):
    """What an article draft was made from by an app below the portal (a published work
    plan, a presidium meeting's decisions, a research report: `renda.core.publishing`):
    one draft per object, made once."""

    article = models.OneToOneField(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="origin"
    )
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("made from"), on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(_("made from id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article origin")
        verbose_name_plural = _("article origins")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id"], name="portal_article_origin_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_type_id}:{self.source_id}"


class SearchDocument(models.Model):
    """One published item in the full-text index: an article, a published suggestion
    reply, or whatever else registers a source (renda/portal/sources.py)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    channels = models.ManyToManyField(
        Channel, verbose_name=_("channels"), blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    url = models.CharField(_("address"), max_length=300)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    length = models.PositiveIntegerField(_("length in terms"))

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="portal_searchdoc_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SearchPosting(models.Model):
    """Inverted index: term → document with its (title-weighted) frequency."""

    term = models.CharField(_("term"), max_length=40)
    document = models.ForeignKey(
        SearchDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="postings",
    )
    frequency = models.PositiveIntegerField(_("frequency"))
    # The document's length, copied here so that ranking reads the postings alone.
    length = models.PositiveIntegerField(_("length in terms"))

    class Meta:
        verbose_name = _("search posting")
        verbose_name_plural = _("search postings")
        constraints = [
            models.UniqueConstraint(fields=["term", "document"], name="portal_posting_unique")
        ]
        indexes = [
            # Covering index: a term's postings are read from the index without the table.
            models.Index(
                fields=["term", "document", "frequency", "length"], name="portal_posting_cover"
            )
        ]

    def __str__(self) -> str:
        return self.term

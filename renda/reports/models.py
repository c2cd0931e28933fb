"""The presidium's annual work report (issue 16, items 4–6): the office's own inputs — the
external publications it records, the texts it writes (shortcomings), the report templates it
uploads and the versions of the report document. The figures themselves are never stored:
`renda.reports.figures` computes them from the records every time.

Nothing here is hard-deleted: a template is replaced by a newer one, a publication entered by
mistake is withdrawn (kept, no longer counted), every document version is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress, ScopedQuerySet
from renda.core import uploads


class ExternalPublication(models.Model):
    """An article about the congress's work in an outside outlet (a newspaper, the city
    congress's website), as the office records it: counted in the year's publicity."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    outlet = models.CharField(_("outlet"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    published_on = models.DateField(_("date published"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("external publication")
        verbose_name_plural = _("external publications")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet}：{self.title}"


class ReportTemplate(models.Model):
    """A .docx template (docxtpl) the office uploaded; the newest one of a congress and
    kind is used. Older ones are kept (the history of the wording)."""

    class Kind(models.TextChoices):
        TOWN = "town", _("Annual work report")
        DISTRICT = "district", _("District summary of township congress work")

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TOWN)
    file = models.FileField(_("file"), upload_to=uploads.GeneratedName("reports/templates/%Y/"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or str(self.pk)


class AnnualReport(models.Model):
    """One congress's report of one year: the texts the office writes and its versions."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(
        _("overview of the year's work"),
        blank=True,
        help_text=_("Opening words of the report; the figures follow from the records."),
    )
    shortcomings = models.TextField(_("shortcomings"), blank=True)
    next_tasks = models.TextField(
        _("next year's tasks"),
        blank=True,
        help_text=_("Used when next year's work plan has no items; one task a line."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual work report")
        verbose_name_plural = _("annual work reports")
        ordering = ["-year", "congress"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "year"], name="annual_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.congress} {self.year}"


class ThroughReport(ScopedQuerySet):
    congress_lookup = "report__congress_id"


class ReportVersion(models.Model):
    """One version of the report document: a draft the platform wrote or a final version
    the office uploaded. Numbered per report; all kept."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft from the records")
        FINAL = "final", _("Version uploaded by the office")

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=uploads.GeneratedName("reports/versions/%Y/"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ThroughReport.as_manager()

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    def audit_congress_id(self) -> int:
        return self.report.congress_id

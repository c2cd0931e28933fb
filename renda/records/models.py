"""Deputies' service records (DOMAIN.md §6): the points table of a congress, versioned by
the date it takes effect, with its rules per kind of entry (points, cap, bonus, target),
and each deputy's opt-in to the public 代表风采 page. The record itself is not stored: it
is assembled from the modules' own records each time (`records.services.record`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress, Deputy, ScopedQuerySet
from renda.records.kinds import Bonus, Kind, Period


class PointsTable(models.Model):
    """One version of a congress's points rules, in force from `effective_from` until the
    next version takes effect. A past year is scored under the versions in force then."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("in force from"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points table")
        verbose_name_plural = _("points tables")
        ordering = ["congress", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "effective_from"], name="pointstable_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        if self.congress_id and self.effective_from:
            clash = PointsTable.objects.filter(
                congress_id=self.congress_id, effective_from=self.effective_from
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {
                        "effective_from": _(
                            "Another points table of this congress takes effect on %(date)s."
                        )
                        % {"date": self.effective_from.isoformat()}
                    }
                )


class ThroughTable(ScopedQuerySet):
    congress_lookup = "table__congress_id"


class PointsRule(models.Model):
    """Points for one kind of entry: per entry, with a cap per year (the absolute sum of a
    kind's points never exceeds it), a bonus when the entry meets a condition, and the
    target count a deputy should reach (per year or per quarter)."""

    table = models.ForeignKey(
        PointsTable, verbose_name=_("points table"), on_delete=models.PROTECT, related_name="rules"
    )
    kind = models.CharField(_("kind of entry"), max_length=24, choices=Kind.choices)
    points = models.SmallIntegerField(
        _("points per entry"), default=0, help_text=_("Negative for a deduction.")
    )
    cap = models.PositiveSmallIntegerField(
        _("cap per year"),
        null=True,
        blank=True,
        help_text=_("The most points (or deduction) this kind may count in a year; empty: none."),
    )
    bonus_when = models.CharField(
        _("bonus when"), max_length=12, choices=Bonus.choices, blank=True, default=""
    )
    bonus = models.SmallIntegerField(_("bonus points"), default=0)
    target = models.PositiveSmallIntegerField(
        _("target"), default=0, help_text=_("The fewest entries expected; 0: no target.")
    )
    target_period = models.CharField(
        _("target period"), max_length=8, choices=Period.choices, default=Period.YEAR
    )

    objects = ThroughTable.as_manager()

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["table", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "kind"], name="pointsrule_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.points}"

    def audit_congress_id(self) -> int:
        return self.table.congress_id


class PublicProfile(models.Model):
    """A deputy's consent to the public 代表风采 page of a town, field by field (opt-in:
    nothing is shown until the deputy turns it on)."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="+"
    )
    is_public = models.BooleanField(_("show my page on the public website"), default=False)
    show_photo = models.BooleanField(_("show my photo"), default=False)
    show_occupation = models.BooleanField(_("show my workplace and position"), default=False)
    show_phone = models.BooleanField(_("show my mobile number (masked)"), default=False)
    show_counts = models.BooleanField(_("show the counts of my service record"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("public profile")
        verbose_name_plural = _("public profiles")
        constraints = [
            models.UniqueConstraint(fields=["deputy", "congress"], name="publicprofile_once")
        ]

    def __str__(self) -> str:
        return str(self.deputy)

"""The deputy's opt-in to the public 代表风采 page, field by field (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from renda.congress.models import Congress, Deputy
from renda.core import audit
from renda.core.errors import DomainError
from renda.records.models import PublicProfile

FIELDS = ("is_public", "show_photo", "show_occupation", "show_phone", "show_counts")


def profile(deputy: Deputy, congress: Congress) -> PublicProfile:
    found = PublicProfile.objects.filter(deputy=deputy, congress=congress).first()
    return found or PublicProfile(deputy=deputy, congress=congress)


def set_profile(
    deputy: Deputy, congress: Congress, *, values: dict[str, bool], acting_user: Any
) -> PublicProfile:
    """Only the deputy decides what of theirs is public."""
    if getattr(acting_user, "pk", None) is None or deputy.user_id != acting_user.pk:
        raise DomainError(_("Only the deputy can choose what of theirs is public."))
    with transaction.atomic():
        row, _created = PublicProfile.objects.select_for_update().get_or_create(
            deputy=deputy, congress=congress
        )
        changes = {
            name: [getattr(row, name), bool(values[name])]
            for name in FIELDS
            if name in values and getattr(row, name) != bool(values[name])
        }
        for name, (_old, new) in changes.items():
            setattr(row, name, new)
        if changes:
            row.save(update_fields=[*changes, "updated_at"])
            audit.record("records.public_profile_changed", row, actor=acting_user, changes=changes)
    return row

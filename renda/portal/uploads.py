"""Uploads of the portal, through `renda.core.uploads`: a cover is a JPEG, PNG, WebP or GIF
image of bounded size, re-encoded (nothing but its pixels is kept); an attachment is a
document."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from renda.core import uploads

COVER_TYPES = uploads.IMAGES


def accept_cover(upload: Any) -> uploads.Accepted:
    return uploads.accept(
        upload,
        kinds=COVER_TYPES,
        max_bytes=int(getattr(settings, "RENDA_PORTAL_MAX_COVER_BYTES", 2 * 1024 * 1024)),
        max_side=int(getattr(settings, "RENDA_PORTAL_MAX_COVER_PIXELS", 6000)),
        type_error=_("The cover must be a JPEG, PNG, WebP or GIF image."),
    )


def accept_attachment(upload: Any) -> uploads.Accepted:
    return uploads.accept(upload, kinds=uploads.DOCUMENTS)


def validate_cover(upload: Any) -> None:
    accept_cover(upload)


def validate_attachment(upload: Any) -> None:
    accept_attachment(upload)

"""Upload checks of the portal, by content: covers must be real, reasonably sized images;
attachments are documents (renda.core.validators.validate_document)."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from renda.core.validators import validate_document

COVER_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def validate_cover(upload) -> None:  # noqa: ANN001
    limit = int(getattr(settings, "RENDA_PORTAL_MAX_COVER_BYTES", 2 * 1024 * 1024))
    if upload.size > limit:
        raise ValidationError(
            _("The image is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            code="file_too_large",
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in COVER_TYPES:
        raise ValidationError(
            _("The cover must be a JPEG, PNG, WebP or GIF image."), code="file_type"
        )
    from PIL import Image, UnidentifiedImageError

    max_side = int(getattr(settings, "RENDA_PORTAL_MAX_COVER_PIXELS", 6000))
    try:
        with Image.open(upload) as image:
            width, height = image.size
            image.verify()  # a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The image could not be read."), code="file_type") from None
    finally:
        upload.seek(0)
    if width > max_side or height > max_side:
        raise ValidationError(
            _("The image is too large (at most %(n)s pixels a side).") % {"n": max_side},
            code="image_too_large",
        )


def validate_attachment(upload) -> None:  # noqa: ANN001
    validate_document(upload)

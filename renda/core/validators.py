"""Field validators shared by every app."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from renda.core import uploads

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_cn_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting with 13–19."""
    if value and not _CN_MOBILE.match(value):
        raise ValidationError(
            _("Enter a valid 11-digit mobile phone number."), code="invalid_phone"
        )


def validate_document(upload, allowed: frozenset[str] | set[str] | None = None) -> None:  # noqa: ANN001
    """An uploaded document must be a PDF, a Word/Excel (OOXML) file or a JPEG/PNG image
    (or one of `allowed`), judged by its bytes, not by its name, not larger than the
    configured limit, and (a .docx/.xlsx) not unpacking to too much. The checks are those of
    `renda.core.uploads.accept`, which services use to store the file."""
    uploads.accept(upload, kinds=frozenset(allowed) if allowed else uploads.DOCUMENTS)


def validate_photo(upload) -> None:  # noqa: ANN001
    """A JPEG or PNG photo that decodes (`renda.core.uploads.accept`)."""
    uploads.accept(upload, kinds=uploads.PHOTOS)

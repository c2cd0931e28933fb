"""Field validators shared by every app."""

from __future__ import annotations

import re

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_cn_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting with 13–19."""
    if value and not _CN_MOBILE.match(value):
        raise ValidationError(
            _("Enter a valid 11-digit mobile phone number."), code="invalid_phone"
        )


DOCUMENT_MIME_TYPES = {
    "application/pdf",
    "application/zip",  # .docx / .xlsx are zip containers; checked further below
    "image/jpeg",
    "image/png",
}
_OOXML_EXTENSIONS = {".docx", ".xlsx"}


def validate_document(upload, allowed: frozenset[str] | set[str] | None = None) -> None:
    """An uploaded document must be a PDF, a Word/Excel (OOXML) file or a JPEG/PNG image
    (or one of `allowed`), judged by its bytes, not by its name, and not larger than the
    configured limit."""
    limit = settings.RENDA_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            code="file_too_large",
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    name = (getattr(upload, "name", "") or "").lower()
    if mime == "application/zip" or (mime and "officedocument" in mime):
        if (
            not any(name.endswith(ext) for ext in _OOXML_EXTENSIONS)
            or b"[Content_Types].xml" not in head
        ):
            mime = None
        else:
            mime = "application/zip"
    if mime not in (allowed if allowed is not None else DOCUMENT_MIME_TYPES):
        raise ValidationError(
            _(
                "This file type is not allowed. Upload a PDF, Word or Excel document, or a JPEG or PNG image."
            ),
            code="file_type",
        )

"""Office documents handed to the browser: the content types of the formats the platform
writes, and the one way to answer with an export — a download that writes its own audit
entry, so that no export of personal or ballot data goes unlogged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, overload

from django.db import models
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

from renda.core import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX, "docx": DOCX, "txt": TXT}


@overload
def attachment(
    body: bytes | str,
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> HttpResponse: ...


@overload
def attachment(
    body: IO[bytes],
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> FileResponse: ...


def attachment(
    body: bytes | str | IO[bytes],
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> HttpResponseBase:
    """A download named `filename` (its content type follows the extension), audited.

    The audit entry `action` records the format and `note`. It hangs off `obj` (and so its
    congress); an export spanning congresses (a ledger) passes `congress_ids` instead and
    gets one entry per congress, so that each congress's auditor sees it. `actor` defaults
    to the user of the request being served. `body` may be an open binary file (a spooled
    workbook): it is streamed and closed by the response.
    """
    extension = filename.rsplit(".", 1)[-1]
    content_type = CONTENT_TYPES[extension]
    response: HttpResponseBase
    if isinstance(body, bytes | str):
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            body, as_attachment=True, filename=filename, content_type=content_type
        )
    changes = {"format": [None, extension]}
    if congress_ids is None:
        audit.record(action, obj, actor=actor, changes=changes, note=note)
    else:
        scopes: list[int | None] = [*sorted(set(congress_ids))]
        for congress_id in scopes or [None]:
            audit.record(
                action, obj, actor=actor, changes=changes, note=note, congress_id=congress_id
            )
    return response

"""Office documents handed to the browser: the content types of the formats the platform
writes and one way to answer with a file to download."""

from __future__ import annotations

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX, "docx": DOCX, "txt": TXT}


def attachment(body: bytes | str, filename: str) -> HttpResponse:
    """A download named `filename`; its content type follows the file's extension."""
    content_type = CONTENT_TYPES[filename.rsplit(".", 1)[-1]]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

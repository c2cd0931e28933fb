"""User-supplied files: one way in, one way out.

In: `accept(upload, kinds=...)` judges a file by its bytes, never by its name; refuses what is
not one of `kinds`; checks a zip container (.docx, .xlsx) for its entry count and unpacked
size before anything opens it (a zip bomb); re-encodes a raster image with Pillow, which
drops whatever trails the pixels (a script appended to a GIF), its metadata (EXIF, GPS,
comments) and anything that is not the picture; and returns an `Accepted` file named by a
generated name with the extension of the detected type. The uploaded name is kept only as
data (`original_name`), for the download's file name.

Out: `serve(file, content_type=...)` answers with the type verified at upload (re-detected
from the bytes for rows stored before types were kept), `X-Content-Type-Options: nosniff`,
a sandboxing Content-Security-Policy, and as an attachment unless it is a raster image the
page shows. A type that is not one of the known kinds (SVG, HTML, script, anything else) is
never served as itself: it goes out as application/octet-stream, to download.

Files are served only through views that check who may read them: MEDIA_ROOT is never
exposed by URL (nginx's X-Accel-Redirect location is `internal`, a bucket's signed URL
lives RENDA_MEDIA_URL_SECONDS and is handed out only after the check).
"""

from __future__ import annotations

import io
import posixpath
import uuid
import zipfile
from typing import IO, Any
from urllib.parse import quote

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET_STREAM = "application/octet-stream"

#: Every kind of file the platform accepts, with the extension it is stored and served under.
EXTENSIONS = {
    JPEG: "jpg",
    PNG: "png",
    WEBP: "webp",
    GIF: "gif",
    PDF: "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
}
#: Raster images: re-encoded on the way in, the only kinds ever shown inline.
IMAGES = frozenset({JPEG, PNG, WEBP, GIF})
#: Photos of a case, a progress report, a deputy.
PHOTOS = frozenset({JPEG, PNG})
#: Documents: a PDF, a Word or Excel file, a JPEG or PNG image (a photographed letter).
DOCUMENTS = frozenset({PDF, DOCX, XLSX, JPEG, PNG})
ZIP_KINDS = frozenset({DOCX, XLSX})

_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", GIF: "GIF"}
# Image metadata that is part of the picture (GIF timing and transparency); everything else
# in Pillow's `info` (exif, icc_profile, xmp, comment, dpi, text chunks) is dropped.
_KEPT_IMAGE_INFO = ("transparency", "duration", "loop", "background")
_MAX_GIF_FRAMES = 300
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    JPEG: {"quality": 90},
    WEBP: {"quality": 90},
    PNG: {"optimize": True},
    GIF: {},
}
_ZIP_MARKERS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
_SANDBOX = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    return _setting("RENDA_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


# --- detection -------------------------------------------------------------------------------


def _zip_kind(handle: IO[bytes]) -> str | None:
    """DOCX or XLSX by the entries of the zip's central directory (reads no entry)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        handle.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for kind, marker in _ZIP_MARKERS.items():
        if marker in names:
            return kind
    return None


def detect(handle: IO[bytes]) -> str | None:
    """The kind of an open binary file judged by its bytes (one of EXTENSIONS), or None."""
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    if mime == "application/zip" or mime in ZIP_KINDS or (mime and "officedocument" in mime):
        return _zip_kind(handle)
    return mime if mime in EXTENSIONS else None


def check_zip(handle: IO[bytes]) -> None:
    """Refuse a zip container whose entries are too many or unpack to too much, before
    anything (openpyxl, python-docx) opens it. The sizes are those of the central directory:
    Python's zipfile never inflates an entry past its recorded size (the CRC check fails)."""
    max_entries = _setting("RENDA_MAX_ZIP_ENTRIES", 2000)
    max_bytes = _setting("RENDA_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValidationError(_("The document could not be read."), code="file_type") from None
    finally:
        handle.seek(0)
    if len(entries) > max_entries:
        raise ValidationError(
            _("The document holds too many parts (at most %(n)s).") % {"n": max_entries},
            code="zip_bomb",
        )
    if sum(entry.file_size for entry in entries) > max_bytes:
        raise ValidationError(
            _("The document unpacks to more than %(limit)s.")
            % {"limit": filesizeformat(max_bytes)},
            code="zip_bomb",
        )


# --- accepting an upload ---------------------------------------------------------------------


class Accepted(File):
    """A checked upload under a generated name; `content_type` is its verified type."""

    name: str

    def __init__(self, file: Any, *, content_type: str, original_name: str) -> None:
        super().__init__(file, name=generated_name(EXTENSIONS[content_type]))
        self.content_type = content_type
        self.original_name = original_name


def generated_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def original_name(upload: Any, *, limit: int = 200) -> str:
    """The uploaded file's own name (no directories, no control characters), as data."""
    return _plain_name(str(getattr(upload, "name", "") or ""), limit=limit) or "file"


def _plain_name(name: str, *, limit: int) -> str:
    name = posixpath.basename(name.replace("\\", "/"))
    return "".join(ch for ch in name if ch.isprintable()).strip()[-limit:]


def _type_error(kinds: frozenset[str]) -> str:
    if kinds <= IMAGES:
        return (
            _("Upload a JPEG, PNG, WebP or GIF image.")
            if kinds - PHOTOS
            else _("Upload a JPEG or PNG image.")
        )
    if kinds == frozenset({XLSX}):
        return _("Upload an .xlsx workbook.")
    if kinds <= {PDF, JPEG, PNG}:
        return _("This file type is not allowed. Upload a PDF, or a JPEG or PNG image.")
    return _(
        "This file type is not allowed. Upload a PDF, Word or Excel document, or a JPEG or PNG image."
    )


def accept(
    upload: Any,
    *,
    kinds: frozenset[str] = DOCUMENTS,
    max_bytes: int | None = None,
    max_side: int | None = None,
    type_error: str | None = None,
) -> Accepted:
    """The upload checked and made safe to store, or a ValidationError that says why not."""
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            code="file_too_large",
        )
    kind = detect(upload)
    if kind not in kinds:
        raise ValidationError(type_error or _type_error(kinds), code="file_type")
    assert kind is not None  # noqa: S101  (kinds holds known kinds only)
    name = original_name(upload)
    if kind in ZIP_KINDS:
        check_zip(upload)
        upload.seek(0)
        return Accepted(upload, content_type=kind, original_name=name)
    if kind in IMAGES:
        body = reencode(upload, kind, max_side=max_side)
        return Accepted(io.BytesIO(body), content_type=kind, original_name=name)
    upload.seek(0)
    return Accepted(upload, content_type=kind, original_name=name)


def reencode(handle: IO[bytes], kind: str, *, max_side: int | None = None) -> bytes:
    """The image decoded and written again in its own format: only the pixels (and a GIF's
    frames and timing) survive. Too large a picture is refused before it is decoded."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    side = max_side if max_side is not None else _setting("RENDA_MAX_IMAGE_SIDE", 10000)
    max_pixels = _setting("RENDA_MAX_IMAGE_PIXELS", 60_000_000)
    unreadable = ValidationError(_("The image could not be read."), code="file_type")
    handle.seek(0)
    out = io.BytesIO()
    try:
        with Image.open(handle, formats=[_PIL_FORMATS[kind]]) as image:
            width, height = image.size
            if width > side or height > side or width * height > max_pixels:
                raise ValidationError(
                    _("The image is too large (at most %(n)s pixels a side).") % {"n": side},
                    code="image_too_large",
                )
            if kind == GIF and getattr(image, "n_frames", 1) > 1:
                frames: list[Any] = []
                for frame in ImageSequence.Iterator(image):
                    # Every frame is decoded: the pixel budget is for all of them together.
                    if len(frames) == _MAX_GIF_FRAMES or (len(frames) + 1) * width * height > (
                        max_pixels
                    ):
                        break
                    copy = frame.copy()
                    copy.info = {k: frame.info[k] for k in _KEPT_IMAGE_INFO if k in frame.info}
                    frames.append(copy)
                frames[0].save(
                    out,
                    "GIF",
                    save_all=True,
                    append_images=frames[1:],
                    duration=[f.info.get("duration", 100) for f in frames],
                    loop=image.info.get("loop", 0),
                )
            else:
                image.load()
                try:
                    picture = ImageOps.exif_transpose(image)  # the EXIF orientation, applied
                except Exception:  # a malformed EXIF block: keep the pixels as they are
                    picture = image.copy()
                picture.info = {k: image.info[k] for k in _KEPT_IMAGE_INFO if k in image.info}
                if kind == JPEG and picture.mode not in ("RGB", "L"):
                    picture = picture.convert("RGB")
                picture.save(out, _PIL_FORMATS[kind], **_SAVE_OPTIONS[kind])
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
    ):
        raise unreadable from None
    finally:
        handle.seek(0)
    return out.getvalue()


@deconstructible
class GeneratedName:
    """An `upload_to` that never keeps the uploaded name: `prefix` (strftime codes allowed)
    and a random name. The extension is the one `accept` gave (the detected type); a name
    that did not come from `accept` is stored as `.bin`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, instance: Any, filename: str) -> str:
        return posixpath.join(timezone.localtime().strftime(self.prefix), storage_name(filename))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeneratedName) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def storage_name(filename: str) -> str:
    """A fresh random file name with `filename`'s extension if it is a known kind's."""
    extension = posixpath.basename(filename).rpartition(".")[2].lower()
    return generated_name(extension if extension in EXTENSIONS.values() else "bin")


# --- serving ---------------------------------------------------------------------------------


def download_name(name: str, content_type: str) -> str:
    """`name` (the original file name, or a title) ending in the verified type's extension."""
    stem = _plain_name(name, limit=120)
    if "." in stem.lstrip("."):
        stem = stem.rpartition(".")[0]
    return f"{stem or 'file'}.{EXTENSIONS.get(content_type, 'bin')}"


def delivery() -> str:
    """How protected files leave (RENDA_MEDIA_DELIVERY): stream, accel or signed."""
    return str(getattr(settings, "RENDA_MEDIA_DELIVERY", "stream") or "stream")


def _protect(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _disposition(verified: str, filename: str | None, show: bool) -> str:
    return content_disposition_header(not show, download_name(filename or "file", verified)) or ""


def _accel(file: Any, verified: str, disposition: str) -> HttpResponse:
    """An empty answer that tells nginx to send the file from its internal location
    (RENDA_MEDIA_ACCEL aliases MEDIA_ROOT); nginx keeps Content-Type and
    Content-Disposition from this answer (docs/operations.md, "Object storage and protected
    media")."""
    storage = file.storage
    if not isinstance(storage, FileSystemStorage):
        raise ImproperlyConfigured("RENDA_MEDIA_DELIVERY=accel needs files on local disk")
    name = str(file.name or "")
    if not name or ".." in name.split("/") or not storage.exists(name):
        raise Http404
    prefix = "/" + settings.RENDA_MEDIA_ACCEL.strip("/") + "/"
    response = HttpResponse(content_type=verified)
    response["X-Accel-Redirect"] = prefix + quote(name.lstrip("/"))
    response["Content-Disposition"] = disposition
    return response


def _signed(file: Any, verified: str, disposition: str) -> HttpResponseRedirect:
    """A redirect to a short-lived signed URL of the object store, asking the store to
    answer with the verified type and our Content-Disposition."""
    name = str(file.name or "")
    if not name:
        raise Http404
    seconds = _setting("RENDA_MEDIA_URL_SECONDS", 60)
    url = file.storage.url(
        name,
        parameters={
            "ResponseContentType": verified,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, no-store",
        },
        expire=seconds,
    )
    return HttpResponseRedirect(url)


def serve(
    file: Any,
    *,
    content_type: str = "",
    filename: str | None = None,
    inline: bool = False,
) -> HttpResponseBase:
    """A stored user file as a response. `content_type` is the type verified at upload; if
    it is missing or unknown (a row stored before types were kept) the bytes are looked at
    again. Only a raster image whose type was recorded at upload (re-encoded, since this
    module exists) is shown inline, and only where the page asks for it (`inline`);
    everything else, a re-detected legacy image included, is a download (an <img> still
    shows it). Anything that is not a known kind goes out as application/octet-stream.
    With nosniff and a raster type a browser never runs the bytes as a script or a page.

    Called only after the view's access check. The bytes go out as RENDA_MEDIA_DELIVERY
    says: streamed by the app (default), by nginx through X-Accel-Redirect ("accel"), or by
    the object store through a short-lived signed URL ("signed"). A row stored without a
    verified type is always streamed (its bytes must be looked at again)."""
    mode = delivery()
    if content_type in EXTENSIONS and mode in ("accel", "signed"):
        show = inline and content_type in IMAGES
        disposition = _disposition(content_type, filename, show)
        if mode == "accel":
            return _protect(_accel(file, content_type, disposition))
        return _protect(_signed(file, content_type, disposition))
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):  # a row whose file is gone (or never was)
        raise Http404 from None
    if content_type in EXTENSIONS:
        verified = content_type
        show = inline and verified in IMAGES
    else:
        verified = detect(handle) or OCTET_STREAM
        show = False
    response = FileResponse(
        handle,
        content_type=verified,
        as_attachment=not show,
        filename=download_name(filename or "file", verified),
    )
    _protect(response)
    return response


class UploadField(forms.FileField):
    """A form's file field whose cleaned value is the `accept`ed file (checked, re-encoded,
    under a generated name), so that a ModelForm (the back office) stores nothing else."""

    def __init__(self, *, kinds: frozenset[str] = DOCUMENTS, **kwargs: Any) -> None:
        self.kinds = kinds
        super().__init__(**kwargs)

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        return accept(upload, kinds=self.kinds) if upload else upload

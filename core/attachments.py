"""Uploaded files: limits on the way in, safe headers on the way out.

Files are stored in the database, so every app process serves every file. They are always
served as downloads (``Content-Disposition: attachment``) with ``nosniff`` and a
sandboxing CSP; only a short list of inert types keeps its content type, everything else
(HTML, SVG, scripts...) is sent as ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pyramid.response import Response

from frontdesk.db.tickets import Attachment

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
DEFAULT_ALLOWED = (
    ".png .jpg .jpeg .gif .webp .pdf .txt .log .csv .md .json .xml .zip .gz "
    ".doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .eml"
)
#: Served with their own content type (still as attachments); all else is octet-stream.
INERT_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
    "text/csv", "application/zip", "application/gzip",
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class UploadPolicy:
    max_size: int = DEFAULT_MAX_SIZE
    max_files: int = DEFAULT_MAX_FILES
    allowed_extensions: frozenset[str] = frozenset(DEFAULT_ALLOWED.split())

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> UploadPolicy:
        allowed = str(settings.get("frontdesk.attachments.allowed_extensions", DEFAULT_ALLOWED))
        return cls(
            max_size=int(settings.get("frontdesk.attachments.max_size", DEFAULT_MAX_SIZE)),
            max_files=int(settings.get("frontdesk.attachments.max_files", DEFAULT_MAX_FILES)),
            allowed_extensions=frozenset(
                e if e.startswith(".") else f".{e}" for e in allowed.lower().split()
            ),
        )


def describe_policy(policy: UploadPolicy) -> str:
    """The limits as the sentence shown under every attachments field."""
    files = "1 file" if policy.max_files == 1 else f"up to {policy.max_files} files"
    allowed = ", ".join(sorted(policy.allowed_extensions))
    return (
        f"Optional: {files}, at most {human_size(policy.max_size)} each. Allowed types: {allowed}."
    )


@dataclass(frozen=True, kw_only=True)
class Upload:
    """A file as received, before it is stored."""

    filename: str
    data: bytes


class UploadError(ValueError):
    """An upload was refused; the message is for the person who sent it."""


def clean_filename(name: str) -> str:
    """The base name only, without control or path characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    return name[-200:] or "attachment"


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"  # pragma: no cover


def check_uploads(uploads: list[Upload], policy: UploadPolicy) -> list[Upload]:
    """The uploads with clean names, or :class:`UploadError` saying what is wrong."""
    if len(uploads) > policy.max_files:
        raise UploadError(f"Attach at most {policy.max_files} files.")
    checked = []
    for upload in uploads:
        name = clean_filename(upload.filename)
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if extension not in policy.allowed_extensions:
            allowed = ", ".join(sorted(policy.allowed_extensions))
            raise UploadError(
                f"{name}: files of this type cannot be attached (allowed: {allowed})."
            )
        if len(upload.data) > policy.max_size:
            raise UploadError(
                f"{name} is {human_size(len(upload.data))}; the limit is "
                f"{human_size(policy.max_size)}."
            )
        if not upload.data:
            raise UploadError(f"{name} is empty.")
        checked.append(Upload(filename=name, data=upload.data))
    return checked


def stored_content_type(filename: str) -> str:
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return guessed if guessed in INERT_TYPES else "application/octet-stream"


def uploads_from_request(request: Any, field: str = "attachments") -> list[Upload]:
    """The files posted in ``field`` (browsers send an empty part when none is chosen).

    Each file is read from its start: a request run again after a database conflict
    (pyramid_retry) gets the parsed form, and its files, of the first attempt."""
    return [
        Upload(filename=item.filename, data=_read_from_start(item.file))
        for item in request.POST.getall(field)
        if getattr(item, "filename", None)
    ]


def _read_from_start(file: Any) -> bytes:
    file.seek(0)
    return file.read()


def download_response(attachment: Attachment) -> Response:
    """The file as a download that can never render as a page of this site."""
    response = Response(body=attachment.data)
    response.content_type = (
        attachment.content_type
        if attachment.content_type in INERT_TYPES
        else "application/octet-stream"
    )
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace('"', "'")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response

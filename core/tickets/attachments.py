"""Uploaded files: limits on the way in, safe headers on the way out.

Files are stored in the database, so every app process serves every file. They are always
served as downloads (``Content-Disposition: attachment``) with ``nosniff`` and a
sandboxing CSP; only a short list of inert types keeps its content type, and only when the
bytes agree with the name (:func:`content_type_for`); everything else (HTML, SVG,
scripts, HTML named ``.png``...) is sent as ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.orm import Session

from frontdesk import settings as runtime_settings
from frontdesk.db.tickets import Attachment
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import human_size
from frontdesk.settings import DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE

#: Most bytes of attachments one customer may have stored in all (staff have no quota).
DEFAULT_USER_QUOTA = 200 * 1024 * 1024
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
    #: Bytes of attachments a customer may store in all; 0 means no quota.
    user_quota: int = DEFAULT_USER_QUOTA

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> UploadPolicy:
        allowed = str(settings.get("frontdesk.attachments.allowed_extensions", DEFAULT_ALLOWED))
        return cls(
            max_size=int(settings.get("frontdesk.attachments.max_size", DEFAULT_MAX_SIZE)),
            max_files=int(settings.get("frontdesk.attachments.max_files", DEFAULT_MAX_FILES)),
            user_quota=int(settings.get("frontdesk.attachments.user_quota", DEFAULT_USER_QUOTA)),
            allowed_extensions=frozenset(
                e if e.startswith(".") else f".{e}" for e in allowed.lower().split()
            ),
        )


def describe_policy(policy: UploadPolicy, request: Request | None = None) -> TranslationString:
    """The limits as the sentence shown under every attachments field (sizes in the
    language of ``request``, by default the current one)."""
    mapping = {
        "count": policy.max_files,
        "size": human_size(policy.max_size, request),
        "types": ", ".join(sorted(policy.allowed_extensions)),
    }
    if policy.max_files == 1:
        return _("Optional: 1 file, at most ${size}. Allowed types: ${types}.", mapping=mapping)
    return _(
        "Optional: up to ${count} files, at most ${size} each. Allowed types: ${types}.",
        mapping=mapping,
    )


@dataclass(frozen=True, kw_only=True)
class Upload:
    """A file as received, before it is stored."""

    filename: str
    data: bytes


class UploadError(ValueError):
    """An upload was refused; ``message`` (a translation string) is for the person who
    sent it."""

    def __init__(self, message: TranslationString):
        super().__init__(message.interpolate())
        self.message = message


#: Removed from file names: controls, bidi overrides and other invisible format
#: characters (zero-width spaces, U+202E...), line and paragraph separators.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def clean_filename(name: str) -> str:
    """The base name only, without path, control or invisible characters (so the name
    shown is the name it has: ``inv\u202egpj.txt`` is ``invgpj.txt``), at most 200
    characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)
    name = name.strip().strip(".")
    return name[-200:] or "attachment"


def check_uploads(uploads: list[Upload], policy: UploadPolicy) -> list[Upload]:
    """The uploads with clean names, or :class:`UploadError` saying what is wrong."""
    if len(uploads) > policy.max_files:
        raise UploadError(_("Attach at most ${count} files.", mapping={"count": policy.max_files}))
    checked = []
    for upload in uploads:
        name = clean_filename(upload.filename)
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if extension not in policy.allowed_extensions:
            allowed = ", ".join(sorted(policy.allowed_extensions))
            raise UploadError(
                _(
                    "${name}: files of this type cannot be attached (allowed: ${types}).",
                    mapping={"name": name, "types": allowed},
                )
            )
        if len(upload.data) > policy.max_size:
            raise UploadError(
                _(
                    "${name} is ${size}; the limit is ${limit}.",
                    mapping={
                        "name": name,
                        "size": human_size(len(upload.data)),
                        "limit": human_size(policy.max_size),
                    },
                )
            )
        if not upload.data:
            raise UploadError(_("${name} is empty.", mapping={"name": name}))
        checked.append(Upload(filename=name, data=upload.data))
    return checked


def check_quota(uploads: list[Upload], *, stored: int, policy: UploadPolicy) -> None:
    """:class:`UploadError` when ``uploads`` would take a customer who already has
    ``stored`` bytes of attachments over the quota."""
    adding = sum(len(u.data) for u in uploads)
    if policy.user_quota and adding and stored + adding > policy.user_quota:
        left = max(policy.user_quota - stored, 0)
        raise UploadError(
            _(
                "These files (${size}) would take you over your storage quota of ${quota} "
                "for attachments (${left} left).",
                mapping={
                    "size": human_size(adding),
                    "quota": human_size(policy.user_quota),
                    "left": human_size(left),
                },
            )
        )


#: How files of the inert binary types begin; a file named like one of them but
#: starting otherwise (HTML bytes called ``.png``) is served as octet-stream.
MAGIC_NUMBERS: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "application/gzip": (b"\x1f\x8b",),
}
TEXT_TYPES = {"text/plain", "text/csv"}


def _content_matches(content_type: str, data: bytes) -> bool:
    if content_type == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if content_type in TEXT_TYPES:
        return b"\x00" not in data[:8192]
    return data.startswith(MAGIC_NUMBERS.get(content_type, (b"",)))


def content_type_for(filename: str, data: bytes) -> str:
    """The type a file is served as: the name's type when it is inert and the content
    agrees with it, else ``application/octet-stream``."""
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if guessed in INERT_TYPES and _content_matches(guessed, data):
        return guessed
    return "application/octet-stream"


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
    # Decided again from the bytes: rows stored before the content was checked count too.
    response.content_type = content_type_for(attachment.filename, attachment.data)
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace('"', "'")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def upload_policy(db: Session, registry_settings: Mapping[str, Any]) -> UploadPolicy:
    """The attachment limits in force: the ini's policy with the run-time size and count
    (from the Settings page) when an administrator set them."""
    base = UploadPolicy.from_settings(registry_settings)
    return UploadPolicy(
        max_size=runtime_settings.get_int(
            db, registry_settings, runtime_settings.ATTACHMENTS_MAX_SIZE, base.max_size
        ),
        max_files=runtime_settings.get_int(
            db, registry_settings, runtime_settings.ATTACHMENTS_MAX_FILES, base.max_files
        ),
        allowed_extensions=base.allowed_extensions,
        user_quota=base.user_quota,
    )

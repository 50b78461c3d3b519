"""Storing evidence files: size and type limits, magic-byte checks, server-chosen names, SHA-256.

Stored evidence is never overwritten or deleted by the application.
"""

import hashlib
import uuid
from pathlib import PurePath

import magic
from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError, InvalidInput
from cases import error_codes

# Evidence types people send: screenshots, recordings, documents, archives of logs.
ALLOWED_EVIDENCE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "audio/mpeg": ".mp3",
    "audio/x-wav": ".wav",
    "audio/wav": ".wav",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/zip": ".zip",
    "application/json": ".json",
}
MAX_EVIDENCE_BYTES = 100 * 1024 * 1024

MSG_TOO_LARGE = _("The file is larger than %(max)s MB.")
MSG_EMPTY = _("The file is empty.")
MSG_TYPE = _("Files of type %(type)s are not accepted as evidence.")


class FileTooLarge(DomainError):
    code = error_codes.FILE_TOO_LARGE
    status = 413


def sniff(uploaded) -> str:
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    return magic.from_buffer(head, mime=True)


def sha256_of(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in iter(lambda: uploaded.read(1024 * 1024), b""):
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def check_evidence(uploaded) -> tuple[str, str]:
    """Refuse empty, oversize and unlisted files by their bytes, not their name. Return (mime, ext)."""
    limit = min(MAX_EVIDENCE_BYTES, settings.MAX_UPLOAD_BYTES)
    if uploaded.size > limit:
        raise FileTooLarge(MSG_TOO_LARGE % {"max": limit // (1024 * 1024)})
    if uploaded.size == 0:
        raise InvalidInput(MSG_EMPTY, code=error_codes.FILE_EMPTY)
    mime = sniff(uploaded)
    if mime not in ALLOWED_EVIDENCE_TYPES:
        raise InvalidInput(MSG_TYPE % {"type": mime}, code=error_codes.FILE_TYPE_REFUSED)
    return mime, ALLOWED_EVIDENCE_TYPES[mime]


def server_name(ext: str) -> str:
    """A storage name the uploader cannot choose: random, with the extension of the sniffed type."""
    return f"{uuid.uuid4().hex}{ext}"


def original_name(uploaded) -> str:
    return PurePath(uploaded.name or "file").name[:255]


def as_file(uploaded, ext: str) -> File:
    return File(uploaded, name=server_name(ext))

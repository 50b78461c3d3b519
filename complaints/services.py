"""Writes for complaints that are not status moves: receiving one from the public form (or the API),
storing its attachments, issuing its private status link. Moves live in ``complaints.workflow``;
imports in ``complaints.importing``."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput
from cases.evidence import FileTooLarge, as_file, check_evidence, original_name, sha256_of
from complaints import error_codes, events, figures
from complaints.models import Channel, Complaint, ComplaintAttachment
from config.limits import MULTIPART_ALLOWANCE

# What one complaint may carry: a few screenshots or a short recording.
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TEXT_LENGTH = 5000

MSG_TOO_MANY_FILES = _("Attach at most %(max)s files.")
MSG_FILE_TOO_LARGE = _("Each attachment may have at most %(max)s MB.")
MSG_TEXT_TOO_LONG = _("Write at most %(max)s characters.")

# Bytes of the status token (URL-safe base64: 32 characters, 192 bits).
TOKEN_BYTES = 24


def attachment_limit() -> int:
    """The most bytes one attachment may have: ``MAX_ATTACHMENT_BYTES``, never above ``MAX_UPLOAD_BYTES``."""
    return min(MAX_ATTACHMENT_BYTES, settings.MAX_UPLOAD_BYTES)


def form_body_limit() -> int:
    """The body limit of the public form (``config.limits``): its files and the multipart framing."""
    return MAX_ATTACHMENTS * attachment_limit() + MULTIPART_ALLOWANCE


form_body_limit.error_code = "file_too_large"


def token_hash(token: str) -> str:
    """SHA-256 of a status token: random and long, so one indexed lookup finds it."""
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def check_attachments(files) -> None:
    """Refuse too many files and any file over the limit, before anything is stored."""
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput(MSG_TOO_MANY_FILES % {"max": MAX_ATTACHMENTS}, code=error_codes.COMPLAINT_TOO_MANY_FILES)
    for uploaded in files:
        if uploaded.size > attachment_limit():
            raise FileTooLarge(MSG_FILE_TOO_LARGE % {"max": attachment_limit() // (1024 * 1024)})
        check_evidence(uploaded)


def attachment_store(*, complaint: Complaint, uploaded) -> ComplaintAttachment:
    mime, ext = check_evidence(uploaded)
    return ComplaintAttachment.objects.create(
        complaint=complaint,
        file=as_file(uploaded, ext),
        original_name=original_name(uploaded),
        content_type=mime,
        size=uploaded.size,
        sha256=sha256_of(uploaded),
    )


@transaction.atomic
def complaint_submit(
    *,
    text: str,
    subject_name: str,
    subject_kind: str = "other",
    subject_package: str = "",
    subject_credit_code: str = "",
    demand: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    files=(),
    channel: str = Channel.WEB,
    received_on: datetime.date | None = None,
    actor=None,
) -> tuple[Complaint, str]:
    """Receive a complaint (the public form, the API, or a regulator typing one in) with its
    attachments; return it and its status token, in plain text this once (only its hash is kept)."""
    files = list(files)
    check_attachments(files)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    complaint = Complaint(
        channel=channel,
        received_on=received_on or timezone.localdate(),
        text=(text or "").strip(),
        demand=(demand or "").strip(),
        subject_name=(subject_name or "").strip(),
        subject_kind=subject_kind or "other",
        subject_package=(subject_package or "").strip(),
        subject_credit_code=(subject_credit_code or "").strip().upper(),
        contact_name=(contact_name or "").strip(),
        contact_email=(contact_email or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        status_token_hash=token_hash(token),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if len(complaint.text) > MAX_TEXT_LENGTH:
        message = MSG_TEXT_TOO_LONG % {"max": MAX_TEXT_LENGTH}
        raise InvalidInput(message, text=[message])
    try:
        complaint.full_clean(exclude=["status_token_hash"])
    except ValidationError as exc:
        raise InvalidInput(**exc.message_dict) from None
    complaint.save()
    for uploaded in files:
        attachment_store(complaint=complaint, uploaded=uploaded)
    figures.added([complaint])
    events.record(
        complaint=complaint,
        kind=events.RECEIVED,
        actor=complaint.created_by,
        to_status=complaint.status,
        data={"channel": channel, "attachments": len(files)},
    )
    return complaint, token

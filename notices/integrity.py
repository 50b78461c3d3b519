"""The register serves a PDF only when its bytes match the hash published with it (ARCHITECTURE.md §6,
"Immutable what was said").

A stored PDF that is missing or differs from ``Notice.pdf_sha256`` is never served: the register
answers 503 and the administrators are alerted once per notice (a log line every time; one e-mail and
one ``pdf_mismatch`` notice event, kept to one by the ``EmailSent`` key).
"""

import hashlib
import logging

from django.db import IntegrityError, transaction

from accounts.admin_mail import admin_addresses, bilingual_message
from cases.models import EmailSent

from . import events
from .models import Notice

logger = logging.getLogger(__name__)

ALERT_KIND = "notice_pdf_mismatch"


def notice_pdf_digest(*, notice: Notice) -> str:
    """The SHA-256 of the stored PDF as it is now, or "" when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with notice.pdf.open("rb") as stream:
            for chunk in iter(lambda: stream.read(64 * 1024), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return ""
    return digest.hexdigest()


def notice_pdf_matches(*, notice: Notice) -> bool:
    """Whether the stored PDF's bytes are the ones published (their hash is ``pdf_sha256``)."""
    if not notice.pdf_sha256:
        return False
    actual = notice_pdf_digest(notice=notice)
    if actual == notice.pdf_sha256:
        return True
    notice_pdf_alert(notice=notice, actual=actual)
    return False


def notice_pdf_alert(*, notice: Notice, actual: str) -> bool:
    """Tell the administrators that a published PDF no longer matches its hash, once per notice."""
    logger.error(
        "notice %s: stored PDF %s does not match its published SHA-256 %s (found %s); not served",
        notice.pk,
        notice.pdf.name,
        notice.pdf_sha256,
        actual or "no readable file",
    )
    recipients = admin_addresses()
    context = {"notice": notice, "expected": notice.pdf_sha256, "actual": actual, "name": notice.pdf.name}
    try:
        with transaction.atomic():
            EmailSent.objects.create(key=f"{ALERT_KIND}:{notice.pk}", kind=ALERT_KIND, recipients=", ".join(recipients))
            events.record(
                notice=notice,
                kind=events.PDF_MISMATCH,
                data={"expected": notice.pdf_sha256, "actual": actual, "file": notice.pdf.name},
            )
            if recipients:
                # Inside the transaction: a send that fails rolls the alert back, so the next request tries again.
                bilingual_message("pdf_mismatch", context, to=recipients).send()
    except IntegrityError:
        return False  # already alerted for this notice
    return True

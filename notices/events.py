"""Notice event kinds (constants) and the one function that writes an audit row."""

from django.utils.translation import gettext_lazy as _

from .models import Notice, NoticeEvent, NoticeStatus

DRAFTED = "drafted"
EDITED = "edited"
TRANSITION = "transition"
PUBLISH_REQUESTED = "publish_requested"
PUBLISH_FAILED = "publish_failed"
CORRECTION_DRAFTED = "correction_drafted"
ACCESS_CODE_ISSUED = "access_code_issued"
# The stored PDF no longer matches its published hash (notices/integrity.py): not served, admins alerted.
PDF_MISMATCH = "pdf_mismatch"

# How the notice's history names each kind of event and each status (one language per page).
LABELS = {
    DRAFTED: _("Drafted"),
    EDITED: _("Edited"),
    TRANSITION: _("State changed"),
    PUBLISH_REQUESTED: _("Publication requested"),
    PUBLISH_FAILED: _("Publication failed"),
    CORRECTION_DRAFTED: _("Correction drafted"),
    ACCESS_CODE_ISSUED: _("Access code issued"),
    PDF_MISMATCH: _("Stored PDF no longer matches its hash"),
}
STATUS_LABELS = dict(NoticeStatus.choices)


def label(kind: str) -> str:
    """The event kind's name in the active language (an unknown kind as stored)."""
    return str(LABELS.get(kind, kind))


def record(*, notice: Notice, kind: str, **fields) -> NoticeEvent:
    """Append one audit event. Call inside the transaction that made the change."""
    return NoticeEvent.record(notice=notice, kind=kind, **fields)

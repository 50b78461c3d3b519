"""Notice event kinds (constants) and the one function that writes an audit row."""

from .models import Notice, NoticeEvent

DRAFTED = "drafted"
EDITED = "edited"
TRANSITION = "transition"
PUBLISH_REQUESTED = "publish_requested"
PUBLISH_FAILED = "publish_failed"
CORRECTION_DRAFTED = "correction_drafted"
ACCESS_CODE_ISSUED = "access_code_issued"
# The stored PDF no longer matches its published hash (notices/integrity.py): not served, admins alerted.
PDF_MISMATCH = "pdf_mismatch"


def record(*, notice: Notice, kind: str, **fields) -> NoticeEvent:
    """Append one audit event. Call inside the transaction that made the change."""
    return NoticeEvent.record(notice=notice, kind=kind, **fields)

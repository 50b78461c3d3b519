"""Notice event kinds (constants) and the one function that writes an audit row."""

from .models import Notice, NoticeEvent

DRAFTED = "drafted"
EDITED = "edited"
TRANSITION = "transition"
PUBLISH_REQUESTED = "publish_requested"
PUBLISH_FAILED = "publish_failed"
CORRECTION_DRAFTED = "correction_drafted"
ACCESS_CODE_ISSUED = "access_code_issued"


def record(
    *, notice: Notice, kind: str, actor=None, from_status: str = "", to_status: str = "", reason: str = "", data=None
) -> NoticeEvent:
    """Append one audit event. Call inside the transaction that made the change."""
    return NoticeEvent.objects.create(
        notice=notice,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )

"""Complaint event kinds (constants) and the one function that writes an audit row."""

from complaints.models import Complaint, ComplaintEvent

RECEIVED = "received"
IMPORTED = "imported"
TRANSITION = "transition"


def record(*, complaint: Complaint, kind: str, **fields) -> ComplaintEvent:
    """Append one audit event. Call inside the transaction that made the change."""
    return ComplaintEvent.record(complaint=complaint, kind=kind, **fields)

"""Case event kinds (constants) and the one function that writes an audit row."""

from cases.models import Case, CaseEvent

OPENED = "opened"
TRANSITION = "transition"
FINDING_ADDED = "finding_added"
DEADLINE_SET = "deadline_set"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_GRANTED = "extension_granted"
EXTENSION_REFUSED = "extension_refused"
RESPONSE_SUBMITTED = "response_submitted"
RESPONSE_ACCEPTED = "response_accepted"
RESPONSE_REJECTED = "response_rejected"
RETEST_LINKED = "retest_linked"
REMINDER_SENT = "reminder_sent"
NOTE = "note"
# The SDK fan-out (issue 18): on the SDK case, letters sent and linked cases opened; on each linked case, where from.
SDK_LETTERS_ISSUED = "sdk_letters_issued"
FANOUT_CASES_OPENED = "fanout_cases_opened"
FANOUT_LINKED_FROM = "fanout_linked_from"
# A finding of the case cited a window of its inspection's timeline (cases.timeline.services).
TIMELINE_CITED = "timeline_cited"
TRANSFERRED = "transferred"  # the case moved to another authority (cases.transfers)
ACCESS_CODE_ISSUED = "access_code_issued"
ACCESS_CLAIMED = "access_claimed"


def record(*, case: Case, kind: str, **fields) -> CaseEvent:
    """Append one audit event. Call inside the transaction that made the change."""
    return CaseEvent.record(case=case, kind=kind, **fields)

"""What the page modules share: timeline and status labels, the scoped-selector 404 and evidence downloads.

The regulator pages (cases.views), the scan pages (cases.ingest.views), the decision pages
(cases.decisions.views) and the vendor portal (cases.portal.views) all use these; keeping them here
lets no view module import another.
"""

from functools import cache

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.errors import NotFound
from accounts.models import Authority
from cases import events
from cases.clock.marks import REASON_DEADLINE_PASSED
from cases.clock.upkeep import REASON_HELD, REASON_MOVED
from cases.models import CaseStatus, Evidence

# How the timeline names each kind of audit event (cases.events).
EVENT_LABELS = {
    events.OPENED: _("Case opened"),
    events.TRANSITION: _("State changed"),
    events.FINDING_ADDED: _("Finding added"),
    events.DEADLINE_SET: _("Deadline set"),
    events.EXTENSION_REQUESTED: _("Extension requested"),
    events.EXTENSION_GRANTED: _("Extension granted"),
    events.EXTENSION_REFUSED: _("Extension refused"),
    events.RESPONSE_SUBMITTED: _("Rectification report submitted"),
    events.RESPONSE_ACCEPTED: _("Rectification report accepted"),
    events.RESPONSE_REJECTED: _("Rectification report rejected"),
    events.RETEST_LINKED: _("Re-test linked"),
    events.REMINDER_SENT: _("Reminder sent"),
    events.NOTE: _("Note"),
    events.SDK_LETTERS_ISSUED: _("Letters sent to the vendors embedding the SDK"),
    events.FANOUT_CASES_OPENED: _("Linked cases opened for the apps embedding the SDK"),
    events.FANOUT_LINKED_FROM: _("Opened from an SDK case"),
    events.ACCESS_CODE_ISSUED: _("Access code issued"),
    events.ACCESS_CLAIMED: _("Portal access claimed"),
    events.TIMELINE_CITED: _("A timeline window cited as evidence"),
    events.TRANSFERRED: _("Transferred to another authority"),
}
# A transfer names both authorities (cases.transfers): "Transferred from 北京市通信管理局 to 广东省通信管理局".
MSG_TRANSFERRED_FROM_TO = _("Transferred from %(from)s to %(to)s")
STATUS_LABELS = dict(CaseStatus.choices)
# Reasons the system writes on events (the clock): stored in the language of the moment, shown in the page's.
SYSTEM_REASONS = (REASON_DEADLINE_PASSED, REASON_MOVED, REASON_HELD)


@cache
def _system_reasons() -> dict[str, object]:
    known = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            known.update({str(reason): reason for reason in SYSTEM_REASONS})
    return known


def reason_label(reason: str) -> str:
    """An event's reason in the active language when the system wrote it, else as the person typed it."""
    return str(_system_reasons().get(reason, reason))


def transfer_label(from_name: str, to_name: str) -> str:
    """A transfer in words, with both authorities' full names."""
    return MSG_TRANSFERRED_FROM_TO % {"from": from_name, "to": to_name}


def _transfer_names(event_list: list) -> dict[int, str]:
    """The names of the authorities the transfers among ``event_list`` name (one query, if any)."""
    ids = {
        e.data.get(key)
        for e in event_list
        if e.kind == events.TRANSFERRED and isinstance(getattr(e, "data", None), dict)
        for key in ("from_authority", "to_authority")
    }
    ids.discard(None)
    return dict(Authority.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _label(event, names: dict[int, str]) -> str:
    if event.kind == events.TRANSFERRED and isinstance(getattr(event, "data", None), dict):
        from_name = names.get(event.data.get("from_authority"))
        to_name = names.get(event.data.get("to_authority"))
        if from_name and to_name:
            return transfer_label(from_name, to_name)
    return EVENT_LABELS.get(event.kind, event.kind)


def timeline(event_list) -> list[dict]:
    """A case's events as the timelines show them: labels and system reasons in the page's language,
    a transfer with the names of both authorities."""
    event_list = list(event_list)
    names = _transfer_names(event_list)
    return [
        {
            "event": e,
            "label": _label(e, names),
            "from_label": STATUS_LABELS.get(e.from_status, e.from_status),
            "to_label": STATUS_LABELS.get(e.to_status, e.to_status),
            "reason": reason_label(e.reason),
        }
        for e in event_list
    ]


def found_or_404(selector, **kwargs):
    """Call a scoped selector; its NotFound (missing or not yours) becomes the page 404."""
    try:
        return selector(**kwargs)
    except NotFound:
        raise Http404 from None


def evidence_response(evidence: Evidence) -> FileResponse:
    """Serve a stored evidence file as a download that a browser never renders.

    Uploaded files are untrusted: attachment only, no MIME sniffing, and a sandboxing CSP in
    case a browser opens it anyway. The vendor portal serves its evidence through this too.
    """
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response

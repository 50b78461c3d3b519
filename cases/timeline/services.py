"""Write what the timeline adds: the moment of consent a person marks, and a finding's cited window.

ARCHITECTURE.md §14. The marker a hook tool logs (PrivacySentry's 点击隐私协议确认 row) is read by
``selectors.timeline_consent``; a person's mark overrides it and is kept with who made it, so a
HAR or Zeek capture, which has no marker, can be read before and after consent too.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.scoping import require_act
from cases import events
from cases.models import Finding, FindingStatus, Inspection, TimelineCitation
from cases.timeline.selectors import MSG_BAD_WINDOW

MSG_NOT_CONFIRMED = _("Only a confirmed finding can cite the timeline as its evidence.")
MSG_OTHER_INSPECTION = _("The finding belongs to another inspection.")
NOTE_CHARS = 2000


@transaction.atomic
def inspection_consent_mark(*, actor, inspection: Inspection, at: datetime.datetime | None) -> Inspection:
    """Mark (or, with ``at=None``, clear) the moment of consent on the inspection's timeline."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    require_act(actor, locked.authority_id)  # the inspection's authority marks its timeline
    locked.consent_at = at
    locked.consent_marked_by = actor if at is not None else None
    locked.save(update_fields=["consent_at", "consent_marked_by"])
    return locked


@transaction.atomic
def finding_cite_window(
    *,
    actor,
    finding: Finding,
    start: datetime.datetime,
    end: datetime.datetime,
    kind: str = "",
    party: str = "",
    note: str = "",
) -> TimelineCitation:
    """Cite a window of the finding's inspection timeline as its evidence (a confirmed finding only).

    The order to rectify drafted from the finding's case prints the window as an annex table.
    """
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    # The finding's inspection's authority cites its evidence (accounts.scoping).
    require_act(actor, Inspection.objects.values_list("authority_id", flat=True).get(pk=locked.inspection_id))
    if locked.status != FindingStatus.CONFIRMED:
        raise Conflict(MSG_NOT_CONFIRMED, code="finding_not_confirmed")
    if end <= start:
        raise InvalidInput(MSG_BAD_WINDOW)
    citation = TimelineCitation.objects.create(
        finding=locked,
        start=start,
        end=end,
        kind=kind[:32],
        party=party[:200],
        note=note.strip()[:NOTE_CHARS],
        cited_by=actor,
    )
    if locked.case_id:
        events.record(
            case=locked.case,
            kind=events.TIMELINE_CITED,
            actor=actor,
            data={"finding": locked.pk, "citation": citation.pk, "start": start.isoformat(), "end": end.isoformat()},
        )
    return citation

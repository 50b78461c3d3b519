"""Transferring a case to another authority (ARCHITECTURE.md §15), e.g. when the vendor is
registered in another province.

``case_transfer`` moves ``Case.authority`` under the case's lock, writes a ``transferred`` event
in the same transaction and queues, as an outbox job of that transaction, one e-mail to the
regulators of both authorities. The case keeps its status, deadline and findings; its dashboard
figures move with it.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.admin_mail import bilingual_message
from accounts.errors import InvalidInput
from accounts.models import Authority, User
from accounts.reasons import reason_clean
from accounts.roles import CASE_DECIDE, Role, require
from accounts.scoping import require_act
from cases import error_codes, events
from cases.dashboard import figures
from cases.models import Case, CaseStatus, EmailSent
from cases.notifications import site_url
from cases.workflow import TransitionNotAllowed
from outbox.jobs import outbox_job_enqueue

MSG_SAME_AUTHORITY = _("The case already belongs to this authority.")
MSG_FINISHED = _("A closed or withdrawn case is not transferred.")

FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
TRANSFER_EMAIL_JOB = "case.transfer_email"


def case_transfer(*, case: Case, actor, to_authority: Authority, reason: str) -> Case:
    """Hand ``case`` to ``to_authority`` with a reason (required). Only an authority acting for the
    case transfers it (``accounts.scoping``); the receiving authority needs no consent."""
    require(actor, CASE_DECIDE)
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        require_act(actor, locked.authority_id)
        if locked.authority_id == to_authority.pk:
            raise InvalidInput(MSG_SAME_AUTHORITY, code=error_codes.CASE_TRANSFER_SAME_AUTHORITY)
        if locked.status in FINISHED:
            raise TransitionNotAllowed(MSG_FINISHED, from_status=locked.status, to_status=locked.status)
        from_authority = locked.authority_id
        with figures.state_moving(locked):
            locked.authority = to_authority
            locked.save(update_fields=["authority", "updated_at"])
        # The case's reports and requests carry its authority (the receiving queue lists them).
        for carried in (locked.responses, locked.extension_requests):
            carried.update(authority=to_authority)
        event = events.record(
            case=locked,
            kind=events.TRANSFERRED,
            actor=actor,
            reason=reason,
            data={"from_authority": from_authority, "to_authority": to_authority.pk},
        )
        outbox_job_enqueue(
            kind=TRANSFER_EMAIL_JOB,
            key=f"{TRANSFER_EMAIL_JOB}:{event.pk}",
            payload={"case_id": locked.pk, "event_id": event.pk},
            actor=actor,
        )
    return locked


def transfer_recipients(*authority_ids: int) -> list[str]:
    """The active administrators and reviewers of the authorities, with an address."""
    return list(
        User.objects.filter(authority_id__in=authority_ids, role__in=(Role.ADMIN, Role.REVIEWER), is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def case_transfer_email_send(*, case_id: int, event_id: int) -> bool:
    """Tell both authorities about a transfer, once per transfer event (``EmailSent``)."""
    case = Case.objects.select_related("vendor", "product").get(pk=case_id)
    event = case.events.get(pk=event_id, kind=events.TRANSFERRED)
    authorities = Authority.objects.in_bulk([event.data["from_authority"], event.data["to_authority"]])
    recipients = transfer_recipients(*authorities)
    key = f"{TRANSFER_EMAIL_JOB}:{event.pk}"
    if not recipients:
        return False
    context = {
        "case": case,
        "event": event,
        "from_authority": authorities.get(event.data["from_authority"]),
        "to_authority": authorities.get(event.data["to_authority"]),
        "case_url": site_url("case-detail", case.pk),
    }
    try:
        with transaction.atomic():
            EmailSent.objects.create(key=key, case=case, kind="case_transferred", recipients=", ".join(recipients))
            bilingual_message("case_transferred", context, to=recipients).send()
    except IntegrityError:
        return False
    return True

"""Emails to a vendor about its case: order served, reminder, response decided, extension decided.

Every email goes once: its key (kind, case, deadline, and the decided object where there is one)
is written to ``EmailSent`` in the transaction that sends it. A second run finds the key and sends
nothing; a failed send rolls the key back so a retry can send it. Queued e-mails are outbox jobs
(``case_email_enqueue``), so none is lost with a Redis message. Emails are bilingual (zh-hans
first, then en) because a vendor user has no language of record; reviewers are never named.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.admin_mail import LANGUAGES
from cases.models import Case, EmailSent, ExtensionRequest, VendorResponse
from outbox.jobs import outbox_job_enqueue
from products.models import VendorMembership

logger = logging.getLogger(__name__)

ORDER_SERVED = "order_served"
REMINDER = "reminder"
RESPONSE_DECIDED = "response_decided"
EXTENSION_DECIDED = "extension_decided"
DEADLINE_MOVED = "deadline_moved"  # a calendar correction moved the deadline (once per new deadline)
KINDS = (ORDER_SERVED, REMINDER, RESPONSE_DECIDED, EXTENSION_DECIDED, DEADLINE_MOVED)


def email_key(*, kind: str, case: Case, obj=None) -> str:
    """The dedup key. An order is served once per service date; a reminder goes once per deadline
    (a granted extension brings a new reminder); a decision is announced once per decided object."""
    if kind == ORDER_SERVED:
        moment = case.served_on.isoformat() if case.served_on else "-"
    else:
        moment = case.deadline.isoformat() if case.deadline else "-"
    return f"{kind}:{case.pk}:{moment}:{obj.pk if obj is not None else '-'}"


def recipients_for(case: Case) -> list[str]:
    """The vendor's active users, and its contact address (who reads orders before anyone claimed)."""
    return vendor_recipients(case.vendor)


def vendor_recipients(vendor) -> list[str]:
    """``recipients_for`` of a vendor (letters that are not about one of its cases: SDK letters)."""
    emails = list(
        VendorMembership.objects.filter(vendor_id=vendor.pk, user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    contact = vendor.contact_email
    if contact and contact not in emails:
        emails.insert(0, contact)
    return emails


def site_url(name: str, *args) -> str:
    """The absolute address of a page, for e-mails (SITE_URL + the named URL)."""
    return getattr(settings, "SITE_URL", "").rstrip("/") + reverse(name, args=args)


def _portal_url(case: Case) -> str:
    return site_url("portal:case", case.pk)


def _render(kind: str, context: dict) -> tuple[str, str]:
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            subjects.append(render_to_string(f"emails/{language}/{kind}_subject.txt", context).strip())
            bodies.append(render_to_string(f"emails/{language}/{kind}.txt", context).strip())
    return " / ".join(subjects), "\n\n----------------------------------------\n\n".join(bodies) + "\n"


def case_email_send(*, kind: str, case: Case, obj=None, extra: dict | None = None) -> bool:
    """Send one email about ``case`` unless its key was already sent; answer whether it went now."""
    if kind not in KINDS:
        raise ValueError(kind)
    key = email_key(kind=kind, case=case, obj=obj)
    recipients = recipients_for(case)
    if not recipients:
        logger.warning("no recipient for %s", key)
        return False
    context = {"case": case, "obj": obj, "portal_url": _portal_url(case), **(extra or {})}
    subject, body = _render(kind, context)
    try:
        with transaction.atomic():
            EmailSent.objects.create(key=key, case=case, kind=kind, recipients=", ".join(recipients))
            # Inside the transaction: a send that fails rolls the key back, so a retry can send.
            EmailMessage(subject=subject, body=body, to=recipients).send()
    except IntegrityError:
        return False
    return True


def case_email_dispatch(*, kind: str, case_id: int, obj_id: int | None = None) -> bool:
    """Fetch by ids and send (what the Celery task calls)."""
    case = Case.objects.select_related("vendor", "product", "product_version", "campaign").get(pk=case_id)
    obj = None
    if kind == RESPONSE_DECIDED:
        obj = VendorResponse.objects.get(pk=obj_id, case=case)
    elif kind == EXTENSION_DECIDED:
        obj = ExtensionRequest.objects.get(pk=obj_id, case=case)
    return case_email_send(kind=kind, case=case, obj=obj)


EMAIL_JOB = "case.email"


def case_email_enqueue(*, kind: str, case: Case, obj=None) -> None:
    """Send once the current transaction commits: an outbox job written in this transaction
    (``outbox.jobs``), run by a worker and sent again by the sweeper until it is done, so a lost
    message or a killed worker loses no e-mail. Its key is the e-mail's dedup key."""
    if kind not in KINDS:
        raise ValueError(kind)
    outbox_job_enqueue(
        kind=EMAIL_JOB,
        key=f"{EMAIL_JOB}:{email_key(kind=kind, case=case, obj=obj)}",
        payload={"kind": kind, "case_id": case.pk, "obj_id": obj.pk if obj is not None else None},
    )


def order_served_notify(*, case: Case) -> None:
    """Tell the vendor its order was served (call from the publication, after the case is ordered)."""
    case_email_enqueue(kind=ORDER_SERVED, case=case)

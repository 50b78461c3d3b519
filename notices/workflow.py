"""The notice state machine. Nothing else writes ``Notice.status``.

    draft → approved → published → superseded

Approval needs a second person (four eyes): the drafter cannot approve. Publication renders the
PDF, stores it with its SHA-256, allocates the batch or document number and moves the listed cases,
all in ONE transaction: a failure anywhere leaves the notice approved and consumes no number.
Publishing an already-published notice returns it unchanged (one version, never two).
"""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, DomainError, Forbidden
from accounts.roles import NOTICE_APPROVE, require
from accounts.scoping import require_act
from cases import workflow as case_workflow
from cases.access import case_access_code_issue, code_hash
from cases.clock.calendar import add_working_days
from cases.notifications import order_served_notify
from notices import error_codes
from outbox.jobs import outbox_job_enqueue

from . import corrections, events, handover, numbering, rendering
from .documents import notice_document
from .models import ISSUED, Notice, NoticeKind, NoticeStatus

logger = logging.getLogger(__name__)

S = NoticeStatus

# from -> allowed targets. The table is the truth; tests walk every pair.
ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.APPROVED}),
    S.APPROVED: frozenset({S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}

MSG_NOT_ALLOWED = _("A notice in state “%(from)s” cannot move to “%(to)s”.")
MSG_IDENTICAL = _(
    "The correction is identical to the version it corrects: change its text or its listed rows before it is approved."
)
MSG_FOUR_EYES = _("A notice must be approved by someone other than its drafter.")
MSG_NO_SITE_URL = _(
    "The site's public address (SITE_URL) is not set: an order must print the portal's address and "
    "the verification page."
)


class NoticeTransitionNotAllowed(Conflict):
    code = error_codes.NOTICE_TRANSITION_NOT_ALLOWED


class FourEyesViolation(Forbidden):
    code = error_codes.NOTICE_FOUR_EYES
    default_message = MSG_FOUR_EYES


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def _check(locked: Notice, to: str) -> None:
    if not can_move(locked.status, to):
        raise NoticeTransitionNotAllowed(
            MSG_NOT_ALLOWED % {"from": locked.status, "to": to}, from_status=locked.status, to_status=to
        )


def _move(*, locked: Notice, to: str, actor, reason: str = "", data=None) -> Notice:
    """Change the status of a row locked by the caller and write its event (same transaction)."""
    _check(locked, to)
    from_status = locked.status
    locked.status = to
    locked.save()
    events.record(
        notice=locked,
        kind=events.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        data=data,
    )
    return locked


def notice_approve(*, actor, notice: Notice, reason: str = "") -> Notice:
    """A second person approves a draft; from now on its text is frozen."""
    require(actor, NOTICE_APPROVE)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        require_act(actor, locked.issuer_id)
        _check(locked, S.APPROVED)
        if locked.drafted_by_id == actor.pk:
            raise FourEyesViolation(drafted_by=locked.drafted_by_id)
        diff = corrections.correction_diff(notice=locked)
        if diff is not None and not diff.changed:
            # Refused now, not after approval when publication would find the same PDF.
            raise Conflict(MSG_IDENTICAL, code=error_codes.NOTICE_CORRECTION_IDENTICAL)
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        return _move(locked=locked, to=S.APPROVED, actor=actor, reason=reason)


def _check_deadlines_countable(notice: Notice) -> None:
    """Refuse at once, in plain words, a publication whose deadlines would fall in a year the
    official calendar does not know (``UnknownCalendarYear``), rather than failing in the worker."""
    today = timezone.localdate()
    if notice.kind == NoticeKind.ORDER:
        periods = {notice.case.campaign.deadline_working_days}
    elif notice.kind == NoticeKind.NAMING:
        periods = set(notice.entries.values_list("case__campaign__deadline_working_days", flat=True))
    else:
        return
    for period in periods:
        add_working_days(today, period)


def check_printable(notice: Notice) -> None:
    """Refuse, before anything is queued, an order that would print a placeholder agency code or
    no portal address (the renderer refuses them too: ``PlaceholderError``)."""
    if notice.kind != NoticeKind.ORDER:
        return
    if notice.supersedes_id is None:
        numbering.order_prefix(notice.issuer)
    elif rendering.is_placeholder_agency_code(rendering.agency_code_of(notice.supersedes.doc_number)):
        # A correction keeps the number already printed; one that carried a placeholder cannot be
        # reprinted: serve a new order instead.
        raise numbering.AgencyCodeMissing(prefix=rendering.agency_code_of(notice.supersedes.doc_number))
    if not getattr(settings, "SITE_URL", ""):
        raise Conflict(MSG_NO_SITE_URL, code=error_codes.NOTICE_PLACEHOLDER, setting="SITE_URL")


PUBLISH_JOB = "notice.publish"


def publish_job_key(notice_id: int) -> str:
    return f"{PUBLISH_JOB}:{notice_id}"


def notice_request_publication(*, actor, notice: Notice) -> Notice:
    """Queue the publication of an approved notice. Asking again is harmless.

    The request is an outbox job written in this transaction (``outbox.jobs``): a lost message or
    a worker killed mid-publish is sent again by the sweeper until the notice is published. Asking
    again after a publication that failed for good queues it once more.
    """
    require(actor, NOTICE_APPROVE)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        require_act(actor, locked.issuer_id)
        if locked.status in ISSUED:
            return locked
        _check(locked, S.PUBLISHED)
        _check_deadlines_countable(locked)
        check_printable(locked)
        locked.publish_requested_at = timezone.now()
        locked.save(update_fields=["publish_requested_at"])
        events.record(notice=locked, kind=events.PUBLISH_REQUESTED, actor=actor)
        outbox_job_enqueue(
            kind=PUBLISH_JOB,
            key=publish_job_key(locked.pk),
            payload={"notice_id": locked.pk, "actor_id": actor.pk},
            actor=actor,
            again=True,
        )
    return locked


def _serve_cases(*, notice: Notice, predecessor: Notice | None, actor) -> None:
    """Move the cases the publication acts on (ARCHITECTURE.md §4)."""
    label = str(notice)
    if notice.kind == NoticeKind.ORDER:
        if predecessor is None:  # a corrected order was already served
            # Keep the served case: the order e-mail's key names its service date.
            notice.case = case_workflow.order_case(
                case=notice.case,
                actor=actor,
                served_on=notice.published_on,
                deadline=notice.deadline,
                reason=label,
            )
        return
    already = set(predecessor.entries.values_list("case_id", flat=True)) if predecessor else set()
    seen = set()
    for entry in notice.entries.select_related("case__campaign").order_by("position"):
        case = entry.case
        if case.pk in seen or case.pk in already:
            continue
        seen.add(case.pk)
        if notice.kind == NoticeKind.NAMING:
            deadline = add_working_days(notice.published_on, case.campaign.deadline_working_days)
            case_workflow.name_case(case=case, actor=actor, deadline=deadline, reason=label)
        else:
            case_workflow.remove_case(case=case, actor=actor, reason=label)


def _number(*, notice: Notice, predecessor: Notice | None) -> None:
    if predecessor is not None:
        # A correction is the same batch or letter, in a new version.
        for field in ("year", "batch_number", "overall_number", "doc_sequence", "doc_number"):
            setattr(notice, field, getattr(predecessor, field))
        return
    numbers = numbering.allocate(authority=notice.issuer, series=notice.series, year=notice.published_on.year)
    notice.year = numbers.year
    if notice.kind == NoticeKind.ORDER:
        notice.doc_sequence = numbers.yearly
        notice.doc_number = numbers.doc_number
    else:
        notice.batch_number = numbers.yearly
        notice.overall_number = numbers.overall


def _drop_orphan_pdf(notice: Notice) -> None:
    """Remove a PDF left at this version's name by a publication that died before its commit.

    The name is fixed per notice and version (``models._pdf_name``) and no issued row points at it
    (this notice is still approved, and locked), so the file is an orphan: replacing it keeps one
    PDF per version instead of a second one beside it under a suffixed name.
    """
    field = Notice._meta.get_field("pdf")
    name = field.generate_filename(notice, "notice.pdf")
    if field.storage.exists(name):
        logger.warning("replacing the orphan PDF %s of an interrupted publication", name)
        field.storage.delete(name)


def notice_publish(*, notice_id: int, actor) -> Notice:
    """Render, hash, store, number and publish an approved notice, in one transaction.

    Publishing a notice that is already published returns it as it is.
    """
    stored = []
    try:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=notice_id)
            if notice.status in ISSUED:
                return notice
            _check(notice, S.PUBLISHED)
            predecessor = None
            if notice.supersedes_id:
                predecessor = Notice.objects.select_for_update().get(pk=notice.supersedes_id)
                _check(predecessor, S.SUPERSEDED)

            now = timezone.now()
            notice.published_at = now
            notice.published_on = timezone.localdate(now)  # the regulator's day (Asia/Shanghai)
            notice.published_by = actor
            _number(notice=notice, predecessor=predecessor)

            access_code = ""
            if notice.kind == NoticeKind.ORDER:
                if predecessor is not None and predecessor.deadline:
                    # A corrected letter is not served again: it prints the deadline the case runs to.
                    notice.deadline = predecessor.deadline
                else:
                    notice.deadline = add_working_days(notice.published_on, notice.case.campaign.deadline_working_days)
                # The case keeps the hash the portal checks; a corrected letter's new code replaces
                # the old one. The notice keeps the same hash to tell which letter carried it.
                access_code = case_access_code_issue(case=notice.case, actor=actor)
                notice.access_code_hash = code_hash(access_code)

            document = notice_document(notice=notice, date=notice.published_on, access_code=access_code)
            pdf = rendering.render_notice_pdf(document)
            notice.content_sha256 = rendering.content_digest(document)
            notice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            if predecessor is not None and predecessor.pdf_sha256 == notice.pdf_sha256:
                # Verification tells versions apart by hash; an unchanged copy would be ambiguous.
                raise Conflict(MSG_IDENTICAL, code=error_codes.NOTICE_CORRECTION_IDENTICAL)
            notice.pdf_size = len(pdf)
            _drop_orphan_pdf(notice)
            notice.pdf.save("notice.pdf", ContentFile(pdf), save=False)
            stored.append(notice.pdf.name)

            _move(
                locked=notice,
                to=S.PUBLISHED,
                actor=actor,
                data={"sha256": notice.pdf_sha256, "number": str(notice), "version": notice.version},
            )
            if predecessor is not None:
                # Only the status changes: the database refuses any other edit of a published row.
                Notice.objects.filter(pk=predecessor.pk).update(status=S.SUPERSEDED)
                events.record(
                    notice=predecessor,
                    kind=events.TRANSITION,
                    actor=actor,
                    from_status=S.PUBLISHED,
                    to_status=S.SUPERSEDED,
                    data={"superseded_by": notice.pk},
                )
            _serve_cases(notice=notice, predecessor=predecessor, actor=actor)
            if access_code:
                # The vendor's users hear of the order once the serving transaction commits.
                order_served_notify(case=notice.case)
                events.record(notice=notice, kind=events.ACCESS_CODE_ISSUED, actor=actor)
                # For the regulator to see once, from any process (notices.handover).
                handover.access_code_stash(notice=notice, code=access_code)
        return notice
    except Exception as exc:
        for name in stored:  # the row that pointed at it was rolled back
            Notice._meta.get_field("pdf").storage.delete(name)
        _record_failure(notice_id=notice_id, actor=actor, exc=exc)
        raise


def _record_failure(*, notice_id: int, actor, exc: Exception) -> None:
    code = exc.code if isinstance(exc, DomainError) else type(exc).__name__
    logger.warning("publication of notice %s failed: %s", notice_id, code)
    try:
        with transaction.atomic():
            notice = Notice.objects.get(pk=notice_id)
            events.record(
                notice=notice, kind=events.PUBLISH_FAILED, actor=actor, reason=str(exc)[:500], data={"code": code}
            )
    except Notice.DoesNotExist:
        pass

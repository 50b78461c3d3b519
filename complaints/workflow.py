"""The complaint state machine (ARCHITECTURE.md §13, STYLE.md §1-3): nothing else writes
``Complaint.status``.

``received`` → ``matched`` (triaged: the subject is matched to a vendor and/or product; a matched
complaint may be matched again) → ``merged`` (into another complaint about the same thing) |
``dismissed`` (with a reason the complainant sees) | ``inspection`` (one action opens an inspection of
the matched product through ``cases.services.inspection_create``). A received complaint may also be
merged or dismissed straight away. The three outcomes are final.

Each function locks the row, checks the move inside the lock and writes a ``transition`` event in
the same transaction; a refused move raises ``TransitionNotAllowed`` (409).
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.errors import Conflict, InvalidInput
from accounts.reasons import reason_clean
from cases import services as case_services
from complaints import error_codes, events, figures
from complaints.models import Complaint, ComplaintStatus, SubjectKind
from products.models import Product, ProductVersion, Vendor

S = ComplaintStatus

ALLOWED: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.MATCHED, S.MERGED, S.DISMISSED}),
    S.MATCHED: frozenset({S.MATCHED, S.MERGED, S.DISMISSED, S.INSPECTION}),
    S.MERGED: frozenset(),
    S.DISMISSED: frozenset(),
    S.INSPECTION: frozenset(),
}

MSG_NOT_ALLOWED = _("A complaint that is %(status)s cannot be %(action)s.")
MSG_MATCH_NOTHING = _("Choose a vendor or a product.")
MSG_MATCH_OTHER_VENDOR = _("The product belongs to another vendor than the one chosen.")
MSG_MERGE_SELF = _("A complaint cannot be merged into itself.")
MSG_MERGE_TARGET = _("Merge into a complaint that is not itself merged.")
MSG_VERSION_OTHER_PRODUCT = _("The version is not a version of the matched product.")
MSG_NOT_MATCHED = _("Match the complaint to a product before opening an inspection.")
MSG_INSPECTION_NOTE = _("Opened from complaint #%(id)s.")

ACTIONS = {
    S.MATCHED: _("matched"),
    S.MERGED: _("merged"),
    S.DISMISSED: _("dismissed"),
    S.INSPECTION: _("turned into an inspection"),
}


class TransitionNotAllowed(Conflict):
    code = error_codes.COMPLAINT_TRANSITION_NOT_ALLOWED


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def _locked(complaint: Complaint, to_status: str) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not can_move(locked.status, to_status):
        raise TransitionNotAllowed(
            MSG_NOT_ALLOWED % {"status": locked.get_status_display(), "action": ACTIONS[to_status]}
        )
    return locked


def _move(
    *, complaint: Complaint, actor, to_status: str, fields: list[str], reason: str = "", data=None, kind_before=None
):
    from_status = complaint.status
    complaint.status = to_status
    complaint.save(update_fields=["status", *fields])
    figures.moved(
        channel=complaint.channel,
        kind_before=kind_before or complaint.subject_kind,
        status_before=from_status,
        kind_after=complaint.subject_kind,
        status_after=to_status,
    )
    events.record(
        complaint=complaint,
        kind=events.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    return complaint


@transaction.atomic
def match_complaint(*, complaint: Complaint, actor, vendor: Vendor | None = None, product: Product | None = None):
    """Match the complaint to the vendor and/or product it names (a product brings its vendor); the
    subject kind becomes the product's kind."""
    roles.require(actor, roles.COMPLAINT_TRIAGE)
    if vendor is None and product is None:
        raise InvalidInput(MSG_MATCH_NOTHING, code=error_codes.COMPLAINT_MATCH_INVALID)
    if product is not None and vendor is not None and product.vendor_id != vendor.pk:
        raise InvalidInput(MSG_MATCH_OTHER_VENDOR, code=error_codes.COMPLAINT_MATCH_INVALID)
    locked = _locked(complaint, S.MATCHED)
    kind_before = locked.subject_kind
    locked.product = product
    locked.vendor_id = product.vendor_id if product is not None else vendor.pk
    if product is not None and product.kind in SubjectKind.values:
        locked.subject_kind = product.kind
    return _move(
        complaint=locked,
        actor=actor,
        to_status=S.MATCHED,
        fields=["vendor", "product", "subject_kind"],
        data={"vendor": locked.vendor_id, "product": locked.product_id},
        kind_before=kind_before,
    )


@transaction.atomic
def merge_complaint(*, complaint: Complaint, actor, into: Complaint, reason: str = ""):
    """Merge into another complaint about the same thing: the complainant's link then shows that
    complaint's outcome. The target must not itself be merged (one level: no chains)."""
    roles.require(actor, roles.COMPLAINT_TRIAGE)
    if into.pk == complaint.pk:
        raise InvalidInput(MSG_MERGE_SELF, code=error_codes.COMPLAINT_MERGE_INVALID)
    # Lock both in id order (two merges of a pair into each other cannot deadlock).
    first, second = sorted([complaint.pk, into.pk])
    list(Complaint.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
    target = Complaint.objects.get(pk=into.pk)
    if target.status == S.MERGED:
        raise InvalidInput(MSG_MERGE_TARGET, code=error_codes.COMPLAINT_MERGE_INVALID)
    locked = _locked(complaint, S.MERGED)
    locked.merged_into = target
    return _move(
        complaint=locked,
        actor=actor,
        to_status=S.MERGED,
        fields=["merged_into"],
        reason=reason_clean(reason, required=False),
        data={"into": target.pk},
    )


@transaction.atomic
def dismiss_complaint(*, complaint: Complaint, actor, reason: str):
    """Dismiss with a reason (required): the complainant reads it on the status page."""
    roles.require(actor, roles.COMPLAINT_TRIAGE)
    reason = reason_clean(reason)
    locked = _locked(complaint, S.DISMISSED)
    locked.dismiss_reason = reason
    return _move(complaint=locked, actor=actor, to_status=S.DISMISSED, fields=["dismiss_reason"], reason=reason)


@transaction.atomic
def open_inspection_complaint(
    *,
    complaint: Complaint,
    actor,
    campaign,
    agency,
    product_version: ProductVersion,
    date: datetime.date,
    method: str,
    notes: str = "",
):
    """Open an inspection of the matched product's version and move the complaint to ``inspection``,
    in one transaction (the inspection is written by ``cases.services.inspection_create``)."""
    roles.require(actor, roles.COMPLAINT_TRIAGE)
    roles.require(actor, roles.INSPECTION_EDIT)
    locked = _locked(complaint, S.INSPECTION)
    if locked.product_id is None:
        raise Conflict(MSG_NOT_MATCHED, code=error_codes.COMPLAINT_NOT_MATCHED)
    if product_version.product_id != locked.product_id:
        raise InvalidInput(MSG_VERSION_OTHER_PRODUCT, code=error_codes.COMPLAINT_MATCH_INVALID)
    inspection = case_services.inspection_create(
        actor=actor,
        campaign=campaign,
        product_version=product_version,
        agency=agency,
        date=date,
        method=method,
        notes=notes or str(MSG_INSPECTION_NOTE) % {"id": locked.pk},
    )
    locked.inspection = inspection
    return _move(
        complaint=locked, actor=actor, to_status=S.INSPECTION, fields=["inspection"], data={"inspection": inspection.pk}
    )

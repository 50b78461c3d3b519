"""Writes for inspections, findings, evidence and case opening. Case status moves live in
``cases.workflow``; this module never writes ``Case.status``."""

import datetime
import hashlib
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.reasons import reason_clean
from accounts.scoping import require_act
from cases import error_codes, events, identity
from cases.dashboard import figures
from cases.evidence import as_file, check_evidence, original_name, sha256_of
from cases.models import (
    Campaign,
    Case,
    Evidence,
    Finding,
    FindingSource,
    FindingStatus,
    Inspection,
    InspectionMethod,
    TestingAgency,
    ViolationType,
    finding_carried,
    inspection_vendor_id,
)
from products.services import scenario_visit_version

MSG_NO_FINDINGS = _("Choose at least one confirmed finding.")
MSG_NOT_CONFIRMED = _("Only confirmed findings can open a case.")
MSG_ALREADY_IN_CASE = _("A finding already belongs to case %(number)s.")
MSG_ONE_VERSION = _("A case covers one product version: the findings come from several.")
MSG_ALREADY_DECIDED = _("This finding was already %(status)s.")
MSG_RETEST_PRODUCT = _("A re-test must be of the same product.")
MSG_NOT_IN_CAMPAIGN = _("Your authority does not take part in this campaign.")


def finding_fingerprint(*parts: object) -> str:
    """A finding's stable identity: SHA-256 of (product version, rule, locus)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _inspecting_authority(*, actor, campaign: Campaign) -> int:
    """The authority an inspection by ``actor`` in ``campaign`` belongs to: the actor's, which must
    lead the campaign or take part in it (a national regulator works in any)."""
    authority = getattr(actor, "authority", None)
    if authority is None:
        raise InvalidInput(MSG_NOT_IN_CAMPAIGN, code=error_codes.CAMPAIGN_NOT_JOINED)
    if (
        authority.is_national
        or campaign.authority_id == authority.pk
        or campaign.participants.filter(pk=authority.pk).exists()
    ):
        return authority.pk
    raise InvalidInput(MSG_NOT_IN_CAMPAIGN, code=error_codes.CAMPAIGN_NOT_JOINED)


@transaction.atomic
def inspection_create(
    *,
    actor,
    campaign: Campaign,
    product_version,
    agency: TestingAgency,
    date: datetime.date,
    method: str,
    notes: str = "",
    retest_of: Inspection | None = None,
    device_address: str = "",
) -> Inspection:
    if retest_of is not None and retest_of.product_version.product_id != product_version.product_id:
        raise InvalidInput(MSG_RETEST_PRODUCT, code=error_codes.RETEST_OTHER_PRODUCT)
    authority = _inspecting_authority(actor=actor, campaign=campaign)
    identity.method_check_fits(method=method, product_kind=product_version.product.kind)
    inspection = Inspection(
        authority_id=authority,
        campaign=campaign,
        product_version=product_version,
        vendor_id=inspection_vendor_id(product_version),
        agency=agency,
        date=date,
        method=method,
        notes=notes,
        retest_of=retest_of,
        device_address=identity.device_address_clean(device_address),
        created_by=actor,
    )
    inspection.full_clean()
    inspection.save()
    return inspection


@transaction.atomic
def onsite_inspection_create(
    *,
    actor,
    campaign: Campaign,
    scenario,
    agency: TestingAgency,
    date: datetime.date,
    notes: str = "",
    retest_of: Inspection | None = None,
) -> Inspection:
    """Log an on-site check of an offline scenario (a product of kind ``scenario``).

    The venue as inspected that day is a version of the scenario (``scenario_visit_version``), so
    findings, cases, orders and re-inspections work for it as for any product version.
    """
    version = scenario_visit_version(product=scenario, date=date)
    return inspection_create(
        actor=actor,
        campaign=campaign,
        product_version=version,
        agency=agency,
        date=date,
        method=InspectionMethod.ON_SITE,
        notes=notes,
        retest_of=retest_of,
    )


def evidence_store(*, actor, uploaded, inspection=None, finding=None, response=None) -> Evidence:
    """Check and store one evidence file under a server-chosen name with its SHA-256."""
    mime, ext = check_evidence(uploaded)
    return Evidence.objects.create(
        file=as_file(uploaded, ext),
        original_name=original_name(uploaded),
        content_type=mime,
        size=uploaded.size,
        sha256=sha256_of(uploaded),
        inspection=inspection,
        finding=finding,
        response=response,
        uploaded_by=actor,
    )


@transaction.atomic
def finding_create_manual(
    *,
    actor,
    inspection: Inspection,
    violation_type: ViolationType,
    title: str,
    description: str = "",
    files=(),
) -> Finding:
    """Record a finding from a manual check, with its evidence files (screenshots, recordings).

    The violation type must apply to the product's kind (400 ``violation_type_not_applicable``).
    """
    identity.violation_type_check_applies(
        violation_type=violation_type, product_kind=inspection.product_version.product.kind
    )
    require_act(actor, inspection.authority_id)
    locus = f"manual:{uuid.uuid4().hex}"
    finding = Finding.objects.create(
        inspection=inspection,
        **finding_carried(inspection),
        violation_type=violation_type,
        source=FindingSource.MANUAL,
        title=title.strip(),
        description=description.strip(),
        rule="manual",
        locus=locus,
        fingerprint=finding_fingerprint(inspection.product_version_id, "manual", locus),
        created_by=actor,
    )
    for uploaded in files:
        evidence_store(actor=actor, uploaded=uploaded, inspection=inspection, finding=finding)
    return finding


def _decide(*, actor, finding: Finding, status: str, reason: str) -> Finding:
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        require_act(actor, Inspection.objects.values_list("authority_id", flat=True).get(pk=locked.inspection_id))
        if locked.status != FindingStatus.CANDIDATE:
            raise Conflict(
                MSG_ALREADY_DECIDED % {"status": locked.get_status_display()}, code=error_codes.FINDING_ALREADY_DECIDED
            )
        # A finding of a case moves the case's figures (ARCHITECTURE.md §11).
        with figures.moving([locked.case_id]):
            locked.status = status
            locked.decided_by = actor
            locked.decided_at = timezone.now()
            locked.decision_reason = reason
            locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return locked


def finding_confirm(
    *, actor, finding: Finding, reason: str = "", acknowledge_identity_mismatch: bool = False
) -> Finding:
    """Confirm a candidate. Its code must apply to the product's kind (400
    ``violation_type_not_applicable``); a candidate from a scan whose identity disagrees with the
    inspection needs ``acknowledge_identity_mismatch`` (else 409 ``identity_mismatch_unacknowledged``),
    and the acknowledgement is recorded on the scan job (``cases.identity``)."""
    reason = reason_clean(reason, required=False)
    with transaction.atomic():
        mismatch = identity.finding_check_confirmable(finding=finding, acknowledged=acknowledge_identity_mismatch)
        confirmed = _decide(actor=actor, finding=finding, status=FindingStatus.CONFIRMED, reason=reason)
        if mismatch:
            identity.identity_acknowledge(actor=actor, finding=finding, mismatch=mismatch, reason=reason)
    return confirmed


def finding_dismiss(*, actor, finding: Finding, reason: str) -> Finding:
    return _decide(actor=actor, finding=finding, status=FindingStatus.DISMISSED, reason=reason_clean(reason))


@transaction.atomic
def case_open(*, actor, findings: list[Finding]) -> Case:
    """Open a case from confirmed findings on one product version."""
    if not findings:
        raise InvalidInput(MSG_NO_FINDINGS, code=error_codes.NO_FINDINGS)
    locked = list(
        # Lock only the findings: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to case.
        Finding.objects.select_for_update(of=("self",))
        .filter(pk__in=[f.pk for f in findings])
        .select_related("inspection__product_version__product", "case")
        .order_by("pk")
    )
    if any(f.status != FindingStatus.CONFIRMED for f in locked):
        raise Conflict(MSG_NOT_CONFIRMED, code=error_codes.FINDING_NOT_CONFIRMED)
    taken = next((f for f in locked if f.case_id), None)
    if taken:
        raise Conflict(MSG_ALREADY_IN_CASE % {"number": taken.case.number}, code=error_codes.FINDING_IN_CASE)
    versions = {f.inspection.product_version_id for f in locked}
    if len(versions) != 1:
        raise InvalidInput(MSG_ONE_VERSION, code=error_codes.FINDINGS_SEVERAL_VERSIONS)
    inspection = locked[0].inspection
    # The case belongs to the authority of its inspection (ARCHITECTURE.md §15).
    require_act(actor, inspection.authority_id)
    version = inspection.product_version
    case = Case.objects.create(
        number=f"TMP-{uuid.uuid4().hex[:20]}",
        authority_id=inspection.authority_id,
        campaign_id=inspection.campaign_id,
        vendor_id=version.product.vendor_id,
        product_id=version.product_id,
        product_version=version,
        opened_by=actor,
    )
    # The number shows the year in the regulator's zone and never repeats.
    case.number = f"RC-{timezone.localdate().year}-{case.pk:05d}"
    case.save(update_fields=["number"])
    Finding.objects.filter(pk__in=[f.pk for f in locked]).update(case=case)
    figures.case_added(case.pk)
    events.record(
        case=case,
        kind=events.OPENED,
        actor=actor,
        to_status=case.status,
        data={"findings": [f.pk for f in locked]},
    )
    return case

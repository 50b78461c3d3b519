"""Is a scan about the inspected product, and does a violation code fit it (ARCHITECTURE.md §3.1).

- The identity check: a scanner output names what it is about (package or bundle id, version,
  file hash; for traffic, the devices it saw). ``ScanCheck`` reads it while the ingest reads the
  file (``cases.scanners.identity``, pure) and compares it with the inspection's product version
  and device address. A mismatch keeps the job and its candidates, but they carry a warning, and
  confirming such a candidate needs the inspector's explicit acknowledgement, recorded as a
  ``ScanJobEvent`` (``id_mismatch_ack``).
- Codes that apply: a violation type applies to the product kinds its ``applies_to`` names. The
  ingest drops candidates whose code does not apply (counted in ``ScanJob.counts["not_applicable"]``),
  and a finding is never created or confirmed with such a code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from cases import error_codes
from cases.models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionMethod,
    ScanJob,
    ScanJobEvent,
    ViolationType,
    taxonomy_kind,
)
from cases.scanners import Candidate, Observation, ScanContext
from cases.scanners.identity import IdentityReader, address_normalize, compare
from products.models import ProductKind

# ScanJobEvent kinds written here.
IDENTITY_MISMATCH = "id_mismatch"
IDENTITY_ACKNOWLEDGED = "id_mismatch_ack"

MSG_NOT_APPLICABLE = _(
    "Violation type %(code)s does not apply to a product of kind “%(kind)s” (it applies to: %(applies_to)s)."
)
MSG_MISMATCH_UNACKNOWLEDGED = _(
    "This finding comes from a scanner output that may be about another product: %(details)s "
    "Confirm it only after checking, and acknowledge the mismatch."
)
MSG_METHOD_ONSITE_ONLY = _("An offline scenario is inspected on site: choose the on-site check.")
MSG_METHOD_ONSITE_SCENARIOS = _("An on-site check is for offline scenarios; choose another method for this product.")
MSG_DEVICE_ADDRESS_INVALID = _("Enter an IP address (IPv4 or IPv6) or a MAC address such as aa:bb:cc:dd:ee:ff.")
MSG_FIELD = {
    "package": _("The report names package %(report)s; the product version registers %(registered)s."),
    "version": _("The report names version %(report)s; the product version is %(registered)s."),
    "sha256": _("The report's file has SHA-256 %(report)s; the product version registers %(registered)s."),
    "device_address": _("The inspection names device %(registered)s, which is not in the traffic (seen: %(report)s)."),
}
MSG_FIELD_OTHER = _("%(field)s: the report says %(report)s; the inspection registers %(registered)s.")


def device_address_clean(value: str | None) -> str:
    """The inspection's device address normalised (IP compressed, MAC lower-case with colons); "" stays ""."""
    if not (value or "").strip():
        return ""
    try:
        return address_normalize(value)
    except ValueError:
        raise InvalidInput(MSG_DEVICE_ADDRESS_INVALID, code=error_codes.DEVICE_ADDRESS_INVALID) from None


def _kind_label(product_kind: str) -> str:
    return str(ProductKind(product_kind).label) if product_kind in ProductKind.values else product_kind


def violation_type_check_applies(*, violation_type: ViolationType, product_kind: str) -> None:
    """Refuse (400 ``violation_type_not_applicable``) a code whose ``applies_to`` excludes the product kind."""
    if violation_type.applies_to_kind(product_kind):
        return
    raise InvalidInput(
        MSG_NOT_APPLICABLE
        % {
            "code": violation_type.code,
            "kind": _kind_label(product_kind),
            "applies_to": ", ".join(_kind_label(kind) for kind in sorted(violation_type.kinds)),
        },
        code=error_codes.VIOLATION_TYPE_NOT_APPLICABLE,
        violation_type=violation_type.code,
        product_kind=product_kind,
    )


def method_check_fits(*, method: str, product_kind: str) -> None:
    """Refuse (400 ``inspection_method_mismatch``) an inspection whose method does not fit the kind:
    an offline scenario is checked on site, and an on-site check is of an offline scenario."""
    scenario = product_kind == ProductKind.SCENARIO
    if scenario == (method == InspectionMethod.ON_SITE):
        return
    raise InvalidInput(
        MSG_METHOD_ONSITE_ONLY if scenario else MSG_METHOD_ONSITE_SCENARIOS,
        code=error_codes.INSPECTION_METHOD_MISMATCH,
        method=method,
        product_kind=product_kind,
    )


def mismatch_messages(mismatch: Iterable[dict[str, Any]] | None) -> list[str]:
    """One sentence per disagreement, in the reader's language."""
    messages = []
    for item in mismatch or ():
        if not isinstance(item, dict):
            continue
        template = MSG_FIELD.get(item.get("field"))
        values = {key: item.get(key) or "—" for key in ("field", "report", "registered")}
        messages.append(str(template % values if template else MSG_FIELD_OTHER % values))
    return messages


def mismatch_data(mismatch: Iterable[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The disagreements as the API shows them: field, registered, report and the sentence."""
    items = [item for item in mismatch or () if isinstance(item, dict)]
    return [
        {**{key: str(item.get(key) or "") for key in ("field", "registered", "report")}, "message": message}
        for item, message in zip(items, mismatch_messages(items), strict=True)
    ]


def finding_identity_mismatch(finding: Finding) -> list[dict[str, Any]]:
    """The identity mismatch of the scan job a finding came from ([] for a manual finding)."""
    job = finding.scan_job if finding.scan_job_id else None
    return list(job.identity_mismatch or []) if job is not None else []


def finding_check_confirmable(*, finding: Finding, acknowledged: bool) -> list[dict[str, Any]]:
    """Check a candidate may be confirmed: its code applies to the product, and a scan identity
    mismatch is acknowledged. Answer the mismatch (to be recorded) or []."""
    if finding.status != FindingStatus.CANDIDATE:
        return []  # the decision itself answers "already decided"
    violation_type_check_applies(
        violation_type=finding.violation_type, product_kind=finding.inspection.product_version.product.kind
    )
    mismatch = finding_identity_mismatch(finding)
    if mismatch and not acknowledged:
        raise Conflict(
            MSG_MISMATCH_UNACKNOWLEDGED % {"details": " ".join(mismatch_messages(mismatch))},
            code=error_codes.IDENTITY_MISMATCH_UNACKNOWLEDGED,
            identity_mismatch=mismatch,
        )
    return mismatch


def identity_acknowledge(*, actor, finding: Finding, mismatch: list[dict[str, Any]], reason: str = "") -> None:
    """Record that ``actor`` confirmed ``finding`` knowing its scan may be about another product."""
    job = finding.scan_job
    ScanJobEvent.objects.create(
        job=job,
        kind=IDENTITY_ACKNOWLEDGED,
        actor=actor,
        from_status=job.status,
        to_status=job.status,
        attempt=job.attempts,
        reason=reason,
        data={"finding": finding.pk, "identity_mismatch": mismatch},
    )


def scan_context_for(inspection: Inspection) -> ScanContext:
    version = inspection.product_version
    return ScanContext(
        product_kind=version.product.kind,
        package_name=version.package_name,
        version=version.version,
        file_sha256=version.file_sha256,
    )


class ScanCheck:
    """What the ingest of one job needs to know of the inspected product, and what it learns."""

    def __init__(self, *, inspection: Inspection, applies_to: dict[str, frozenset[str]]) -> None:
        self.inspection = inspection
        self.context = scan_context_for(inspection)
        self.kind = taxonomy_kind(self.context.product_kind)
        self.applies_to = applies_to
        self.reader = IdentityReader(device_address=inspection.device_address)
        self.not_applicable: Counter[str] = Counter()

    @classmethod
    def for_job(cls, job: ScanJob) -> ScanCheck:
        kinds = {vt.code: vt.kinds for vt in ViolationType.objects.filter(active=True).only("code", "applies_to")}
        return cls(inspection=job.inspection, applies_to=kinds)

    def reading(self, observations: Iterable[Observation]) -> Iterator[Observation]:
        """Pass the observations through, reading the report's identity on the way."""
        for observation in observations:
            self.reader.add(observation)
            yield observation

    def applies(self, candidate: Candidate) -> bool:
        """Whether the candidate's code applies to the product kind (unknown codes are left to the caller)."""
        kinds = self.applies_to.get(candidate.violation_code)
        if kinds is None or not self.kind or self.kind in kinds:
            return True
        self.not_applicable[candidate.violation_code] += 1
        return False

    def identity(self) -> dict[str, Any]:
        return self.reader.result()

    def mismatch(self, identity: dict[str, Any]) -> list[dict[str, Any]]:
        version = self.inspection.product_version
        return compare(
            identity,
            package_name=version.package_name,
            version=version.version,
            build=version.build,
            file_sha256=version.file_sha256,
            device_address=self.inspection.device_address,
        )


def scan_job_record_check(*, job: ScanJob, check: ScanCheck) -> ScanJob:
    """Store what the check learnt on the finished job; call in the transaction that saves it."""
    identity = check.identity()
    job.identity = identity
    job.identity_mismatch = check.mismatch(identity)
    fields = ["identity", "identity_mismatch"]
    if check.not_applicable:
        job.counts = {**(job.counts or {}), "not_applicable": dict(sorted(check.not_applicable.items()))}
        fields.append("counts")
    job.save(update_fields=fields)
    if job.identity_mismatch:
        ScanJobEvent.objects.create(
            job=job,
            kind=IDENTITY_MISMATCH,
            from_status=job.status,
            to_status=job.status,
            attempt=job.attempts,
            reason=" ".join(mismatch_messages(job.identity_mismatch)),
            data={"identity_mismatch": job.identity_mismatch},
        )
    return job

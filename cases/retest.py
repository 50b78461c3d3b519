"""Re-test comparison: what a re-scan of a newer version shows against the inspection it re-tests.

Fingerprints include the product version, so two versions are compared by the other two parts,
(rule, locus). For an inspection with ``retest_of``:

- *new*: a scanner finding of the re-test whose (rule, locus) the previous inspection did not have;
- *still present*: one it had;
- *gone*: a scanner finding of the previous inspection the re-test did not see again. This is a
  PROPOSAL only: nothing here writes, and closing anything stays a person's decision (the case
  workflow's verifying → rectified move).

"Seen again" has one definition here (``seen_again_in``), used by this comparison and by the
proposal a reviewer confirms (``retest_proposal``): the re-test holds an undismissed finding at the
same place (rule, locus, for scanner findings) or of the same violation type (a check by hand has
no comparable place, and an obfuscated class may change its name between versions).

Dismissed findings take part on neither side (a person judged them not to be violations). Findings
recorded by hand have no comparable locus: the previous inspection's are listed to be re-checked by
hand. A comparison made while a scan job of the re-test is unfinished or failed is marked
incomplete, since its "gone" list would be premature.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict
from cases import error_codes
from cases.models import Case, Finding, FindingSource, FindingStatus, Inspection, ScanStatus
from cases.selectors import inspection_get_for

MSG_NOT_A_RETEST = _("This inspection is not a re-test of an earlier one.")


@dataclass(frozen=True)
class Comparison:
    inspection: Inspection
    previous: Inspection
    new: QuerySet[Finding]
    still_present: QuerySet[Finding]
    gone: QuerySet[Finding]
    manual_to_recheck: QuerySet[Finding]
    jobs_not_succeeded: int

    @property
    def complete(self) -> bool:
        """False while a scan job of the re-test is queued, running or failed."""
        return self.jobs_not_succeeded == 0

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new.count(),
            "still_present": self.still_present.count(),
            "gone": self.gone.count(),
            "manual_to_recheck": self.manual_to_recheck.count(),
        }


def _compared(inspection: Inspection) -> QuerySet[Finding]:
    return Finding.objects.filter(inspection=inspection, source=FindingSource.SCAN).exclude(
        status=FindingStatus.DISMISSED
    )


def _same_place(inspection: Inspection) -> QuerySet[Finding]:
    return _compared(inspection).filter(rule=OuterRef("rule"), locus=OuterRef("locus"))


def _unfinished_jobs(inspection: Inspection) -> QuerySet:
    """Its scan jobs queued, running or failed: while any is left, the re-test is incomplete.
    A withdrawn job no longer counts (withdrawing a failed job is how a person sets it aside)."""
    return inspection.scan_jobs.exclude(status__in=(ScanStatus.SUCCEEDED, ScanStatus.WITHDRAWN))


def seen_again_in(inspection: Inspection) -> Q:
    """A filter on findings: seen again in ``inspection`` (same place, or same violation type)."""
    held = Finding.objects.filter(inspection=inspection).exclude(status=FindingStatus.DISMISSED)
    same_place = held.filter(source=FindingSource.SCAN, rule=OuterRef("rule"), locus=OuterRef("locus"))
    same_type = held.filter(violation_type=OuterRef("violation_type"))
    return (Q(source=FindingSource.SCAN) & Q(Exists(same_place))) | Q(Exists(same_type))


def retest_comparison(*, inspection: Inspection) -> Comparison:
    """Compare a re-test inspection (already fetched through a scoped selector) with its previous one."""
    previous = inspection.retest_of
    if previous is None:
        raise Conflict(MSG_NOT_A_RETEST, code=error_codes.INSPECTION_NOT_A_RETEST)
    current = _compared(inspection).select_related("violation_type")
    earlier = _compared(previous).select_related("violation_type")
    in_previous = _same_place(previous)
    return Comparison(
        inspection=inspection,
        previous=previous,
        new=current.filter(~Exists(in_previous)).order_by("rule", "locus", "id"),
        still_present=current.filter(Exists(in_previous))
        .annotate(previous_finding_id=Subquery(in_previous.order_by("id").values("pk")[:1]))
        .order_by("rule", "locus", "id"),
        gone=earlier.exclude(seen_again_in(inspection)).order_by("rule", "locus", "id"),
        manual_to_recheck=Finding.objects.filter(inspection=previous, source=FindingSource.MANUAL)
        .exclude(status=FindingStatus.DISMISSED)
        .select_related("violation_type")
        .order_by("id"),
        jobs_not_succeeded=_unfinished_jobs(inspection).count(),
    )


def retest_comparison_for(*, actor, inspection_id: int) -> Comparison:
    """The comparison for an inspection the actor may see (404 for missing and not-yours alike)."""
    inspection = inspection_get_for(actor=actor, inspection_id=inspection_id)
    return retest_comparison(inspection=inspection)


@dataclass(frozen=True)
class RetestProposal:
    """What the latest linked re-test says about the case's confirmed findings."""

    inspection: object
    gone: list
    remaining: list
    # False while a scan job of the re-test is queued, running or failed (ingestion's comparison).
    complete: bool = True

    @property
    def propose_closure(self) -> bool:
        return self.complete and bool(self.gone) and not self.remaining


def retest_proposal(*, case: Case) -> RetestProposal | None:
    """Compare the case's confirmed findings with the latest linked re-test.

    Only what was not seen again counts as gone, and only a complete re-test (every scan job
    succeeded) can propose closure: a person confirms it and a re-test never closes anything by
    itself (ARCHITECTURE.md §3.1).
    """
    link = case.retest_links.select_related("inspection__product_version").first()
    if link is None:
        return None
    inspection = link.inspection
    complete = not _unfinished_jobs(inspection).exists()
    findings = (
        case.findings.filter(status=FindingStatus.CONFIRMED)
        .annotate(again=seen_again_in(inspection))
        .select_related("violation_type")
        .order_by("id")
    )
    gone, remaining = [], []
    for finding in findings:
        (remaining if finding.again else gone).append(finding)
    return RetestProposal(inspection=inspection, gone=gone, remaining=remaining, complete=complete)

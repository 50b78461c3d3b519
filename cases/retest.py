"""Re-test comparison: what a re-scan of a newer version shows against the inspection it re-tests.

Fingerprints include the product version, so two versions are compared by the other two parts,
(rule, locus). For an inspection with ``retest_of``:

- *new*: a scanner finding of the re-test whose (rule, locus) the previous inspection did not have;
- *still present*: one it had;
- *gone*: a scanner finding of the previous inspection the re-test did not see again. This is a
  PROPOSAL only: nothing here writes, and closing anything stays a person's decision (the case
  workflow's verifying → rectified move).

Dismissed findings take part on neither side (a person judged them not to be violations). Findings
recorded by hand have no comparable locus: the previous inspection's are listed to be re-checked by
hand. A comparison made while a scan job of the re-test is unfinished or failed is marked
incomplete, since its "gone" list would be premature.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict

from .models import Finding, FindingSource, FindingStatus, Inspection, ScanStatus
from .selectors import inspection_get_for

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


def retest_comparison(*, inspection: Inspection) -> Comparison:
    """Compare a re-test inspection (already fetched through a scoped selector) with its previous one."""
    previous = inspection.retest_of
    if previous is None:
        raise Conflict(MSG_NOT_A_RETEST, code="inspection_not_a_retest")
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
        gone=earlier.filter(~Exists(_same_place(inspection))).order_by("rule", "locus", "id"),
        manual_to_recheck=Finding.objects.filter(inspection=previous, source=FindingSource.MANUAL)
        .exclude(status=FindingStatus.DISMISSED)
        .select_related("violation_type")
        .order_by("id"),
        jobs_not_succeeded=inspection.scan_jobs.exclude(status=ScanStatus.SUCCEEDED).count(),
    )


def retest_comparison_for(*, actor, inspection_id: int) -> Comparison:
    """The comparison for an inspection the actor may see (404 for missing and not-yours alike)."""
    inspection = inspection_get_for(actor=actor, inspection_id=inspection_id)
    return retest_comparison(inspection=inspection)

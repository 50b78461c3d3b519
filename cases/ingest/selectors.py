"""Reads of scan jobs and of why findings were merged, scoped to what the actor may see.

Missing and not-yours both raise ``NotFound`` (404), as in ``cases.selectors``.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput, NotFound
from cases.models import Finding, FindingSource, Inspection, ScanJob, ScanJobEvent, ScanObservation
from cases.scanners.counts import META_KINDS
from cases.selectors import finding_get_for, inspection_queryset_for

# Longest text a search over observations takes (longer input is cut).
OBSERVATION_SEARCH_CHARS = 200
MSG_NOT_A_BOOLEAN = _("“%(value)s” is neither true nor false.")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": None}

MSG_WHY_MERGED = _(
    "Observations with the same product version, rule and locus are one finding: "
    "%(n)s observation(s) were merged into this one."
)


def scan_job_queryset_for(*, actor) -> QuerySet[ScanJob]:
    return ScanJob.objects.filter(inspection__in=inspection_queryset_for(actor=actor).values("pk")).select_related(
        "created_by"
    )


def scan_job_get_for(*, actor, job_id: int) -> ScanJob:
    try:
        return scan_job_queryset_for(actor=actor).get(pk=job_id)
    except (ScanJob.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def scan_jobs_of(*, inspection: Inspection) -> QuerySet[ScanJob]:
    """The jobs of an inspection the caller already fetched through a scoped selector."""
    return (
        inspection.scan_jobs.select_related("created_by")
        .prefetch_related(Prefetch("events", queryset=_withdrawals(), to_attr="withdrawal_events"))
        .order_by("-created_at", "-id")
    )


def _withdrawals() -> QuerySet[ScanJobEvent]:
    return ScanJobEvent.objects.filter(kind="withdrawn").select_related("actor").order_by("-created_at", "-id")


def scan_job_events(*, job: ScanJob) -> QuerySet[ScanJobEvent]:
    return job.events.select_related("actor").order_by("created_at", "id")


def scan_job_withdrawal(*, job: ScanJob) -> ScanJobEvent | None:
    """The event that withdrew the job (who, when, why), or None; prefetched by ``scan_jobs_of``."""
    prefetched = getattr(job, "withdrawal_events", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return _withdrawals().filter(job=job).first()


def observation_filters(params) -> dict:
    """``kind``, ``mapped``, ``counted`` and ``q`` from query parameters, for ``scan_observations_of``."""
    # PostgreSQL text holds no NUL: a NUL in a filter could match nothing, so it is dropped (never a 500).
    kind = (params.get("kind") or "").replace("\x00", "").strip()[:32]
    filters: dict = {"kind": kind, "text": (params.get("q") or "").replace("\x00", "")}
    for name in ("mapped", "counted"):
        value = (params.get(name) or "").strip().lower()
        if value not in _BOOLEANS:
            raise InvalidInput(MSG_NOT_A_BOOLEAN % {"value": value[:20]}, field=name)
        filters[name] = _BOOLEANS[value]
    return filters


def _not_counted() -> Q:
    """Stored rows that are not observations (``cases.scanners.counts.is_counted``)."""
    return Q(kind__in=sorted(META_KINDS)) | (Q(kind="host") & ~Q(attributes__state="up"))


def scan_observations_of(
    *, job: ScanJob, kind: str = "", mapped: bool | None = None, counted: bool | None = None, text: str = ""
) -> QuerySet[ScanObservation]:
    """The stored observations of a job the caller already fetched through ``scan_job_get_for``,
    in file order; ``text`` is looked for (case-insensitive) in the locus and the attributes."""
    rows = ScanObservation.objects.filter(job=job).order_by("seq")
    if kind:
        rows = rows.filter(kind=kind)
    if mapped is not None:
        rows = rows.filter(mapped=mapped)
    if counted is not None:
        rows = rows.exclude(_not_counted()) if counted else rows.filter(_not_counted())
    text = text.strip()[:OBSERVATION_SEARCH_CHARS]
    if text:
        rows = rows.annotate(attributes_text=Cast("attributes", output_field=TextField())).filter(
            Q(locus__icontains=text) | Q(attributes_text__icontains=text)
        )
    return rows


@dataclass(frozen=True)
class MergeParts:
    """Why observations were merged into one finding: they share these three parts."""

    product_version_id: int
    product_version: str
    rule: str
    locus: str
    fingerprint: str
    occurrences: int
    merges_observations: bool


def finding_merge_parts(*, finding: Finding) -> MergeParts | None:
    """The parts of a scanner finding's fingerprint, or None for a finding recorded by hand."""
    if finding.source != FindingSource.SCAN:
        return None
    version = finding.inspection.product_version
    return MergeParts(
        product_version_id=version.pk,
        product_version=str(version),
        rule=finding.rule,
        locus=finding.locus,
        fingerprint=finding.fingerprint,
        occurrences=finding.occurrences,
        merges_observations=finding.occurrences > 1,
    )


def finding_merge_parts_for(*, actor, finding_id: int) -> tuple[Finding, MergeParts]:
    finding = finding_get_for(actor=actor, finding_id=finding_id)
    parts = finding_merge_parts(finding=finding)
    if parts is None:
        raise NotFound
    return finding, parts

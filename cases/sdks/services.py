"""Writes of the SDK fan-out (issue 18; ARCHITECTURE.md, "SDK fan-out").

- ``sdk_embeddings_compute``: on ingest, in the transaction that saves the job, link the inspected
  app version to every SDK whose signature its observations show, with the evidence; and, for a
  re-test by a static tool, propose removing the links of the tested version the re-test no longer shows.
- ``sdk_embeddings_recompute``: the same over every succeeded job (``manage.py sdk_embeddings_recompute``).
- ``embedding_removal_confirm`` / ``embedding_removal_refuse``: a person decides a proposal.
- ``sdk_linked_cases_open``: open a case for each app version of an SDK case's fan-out.

Every status move of a link writes an ``SdkEmbeddingEvent`` in its transaction.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.reasons import reason_clean
from accounts.scoping import require_act
from cases import error_codes, events, services
from cases.models import (
    Case,
    CaseStatus,
    EmbeddingStatus,
    Finding,
    FindingSource,
    FindingStatus,
    ScanJob,
    ScanObservation,
    ScanStatus,
    SdkEmbedding,
    SdkEmbeddingEvent,
    ViolationType,
    finding_carried,
)
from cases.sdks import figures, matching
from products.models import ProductKind, SdkSignature

FOUND = "found"
SEEN_AGAIN = "seen_again"
REMOVAL_PROPOSED = "removal_proposed"
REMOVAL_CONFIRMED = "removal_confirmed"
REMOVAL_REFUSED = "removal_refused"
CASE_LINKED = "case_linked"
# Case events of the fan-out (on the SDK case and on each linked case).
FANOUT_CASES_OPENED = events.FANOUT_CASES_OPENED
FANOUT_LINKED_FROM = events.FANOUT_LINKED_FROM

ACTIVE = (EmbeddingStatus.PRESENT, EmbeddingStatus.REMOVAL_PROPOSED)
# The type of an app's linked case when none of the SDK case's types applies to apps: sharing
# personal information with a third party (the SDK) without consent (PIPL art. 23).
FALLBACK_APP_CODE = "PI-03"

MSG_NOT_SDK_CASE = _("This case is not about an SDK.")
MSG_NOT_PROPOSED = _("No removal is proposed for this link.")
MSG_WITHDRAWN = _("This SDK case was withdrawn: nothing is sent or opened from it.")
MSG_NOT_SDK = _("This product is not an SDK.")
MSG_NOTHING = _("No app embedding this SDK is left to act on.")


def _record(embedding: SdkEmbedding, kind: str, **fields) -> SdkEmbeddingEvent:
    """The audit row of a link's change; a status change (or a new link) also moves the SDK's figures."""
    if "to_status" in fields:
        figures.link_moved(embedding=embedding, before=fields.get("from_status") or None)
    return SdkEmbeddingEvent.record(embedding=embedding, kind=kind, **fields)


def sdk_matcher() -> matching.Matcher:
    """Every SDK signature, compiled (a few hundred rows at most)."""
    return matching.Matcher(
        matching.Signature(
            sdk_id=row.product_id,
            exodus_id=row.exodus_id,
            package_prefixes=tuple(row.package_prefixes or ()),
            hosts=tuple(row.hosts or ()),
        )
        for row in SdkSignature.objects.filter(product__kind=ProductKind.SDK).only(
            "product_id", "exodus_id", "package_prefixes", "hosts"
        )
    )


def job_facts(*, job_id: int):
    """The stored observations of a job that can show an SDK, only the attributes matched (index
    ``scanobs_job_kind``); rows are streamed, not loaded."""
    rows = (
        ScanObservation.objects.filter(job_id=job_id, kind__in=sorted(matching.KINDS))
        .annotate(
            exodus=KT("attributes__exodus_id"),
            host=KT("attributes__host"),
            query=KT("attributes__record__query"),
            server_name=KT("attributes__record__server_name"),
            stack=KT("attributes__stack"),
            file=KT("attributes__file"),
        )
        .order_by("seq")
        .values_list("seq", "kind", "exodus", "host", "query", "server_name", "stack", "file")
    )
    for seq, kind, exodus, host, query, server_name, stack, file in rows.iterator(chunk_size=2000):
        try:
            exodus_id = int(exodus) if exodus not in (None, "") else None
        except ValueError:
            exodus_id = None
        yield matching.Fact(
            seq=seq,
            kind=kind,
            exodus_id=exodus_id,
            host=host or query or server_name or "",
            code=stack or file or "",
        )


def _evidence(job_id: int, matches: list[matching.Match]) -> list[dict]:
    return [{"job": job_id, "seq": m.seq, "via": m.via, "detail": m.detail[:200]} for m in matches]


def sdk_embeddings_compute(*, job: ScanJob, matcher: matching.Matcher | None = None) -> dict:
    """Link the job's app version to the SDKs its observations show; propose removals on a re-test.

    Call inside the transaction that marks the job succeeded (the ingest does). Answer counts.
    """
    version = job.inspection.product_version
    app = version.product
    result = {"linked": 0, "seen_again": 0, "proposed": 0}
    if app.kind == ProductKind.SDK:  # an SDK's own scan shows itself, not an embedding
        return result
    matcher = matcher if matcher is not None else sdk_matcher()
    if not matcher:
        return result
    found = matching.match_all(matcher, job_facts(job_id=job.pk))
    existing = {
        e.sdk_id: e for e in SdkEmbedding.objects.select_for_update().filter(app_version=version, sdk_id__in=found)
    }
    for sdk_id, matches in sorted(found.items()):
        embedding = existing.get(sdk_id)
        evidence = _evidence(job.pk, matches)
        if embedding is None:
            embedding = SdkEmbedding.objects.create(
                sdk_id=sdk_id,
                app_version=version,
                app=app,
                vendor_id=app.vendor_id,
                evidence=evidence,
                first_job=job,
                last_job=job,
            )
            _record(embedding, FOUND, to_status=embedding.status, data={"job": job.pk, "via": _vias(matches)})
            result["linked"] += 1
            continue
        if embedding.last_job_id == job.pk:
            continue  # a recompute of the same job
        before = embedding.status
        kept = [item for item in embedding.evidence if item.get("job") != job.pk]
        embedding.evidence = (kept + evidence)[: matching.MAX_EVIDENCE]
        embedding.last_job = job
        fields = ["evidence", "last_job", "updated_at"]
        if embedding.status != EmbeddingStatus.PRESENT:
            # Seen again: a pending proposal falls, a confirmed removal is undone by the evidence.
            embedding.status = EmbeddingStatus.PRESENT
            embedding.proposal_job = None
            fields += ["status", "proposal_job"]
        embedding.save(update_fields=fields)
        _record(embedding, SEEN_AGAIN, from_status=before, to_status=embedding.status, data={"job": job.pk})
        result["seen_again"] += 1
    result["proposed"] = _propose_removals(job=job, seen=set(found))
    return result


def _vias(matches: list[matching.Match]) -> list[str]:
    return sorted({m.via for m in matches})


def _propose_removals(*, job: ScanJob, seen: set[int]) -> int:
    """A re-test by a static tool that no longer shows an SDK of the version it re-tests proposes
    removing that link; a person confirms (``embedding_removal_confirm``)."""
    inspection = job.inspection
    if inspection.retest_of_id is None or (job.tool or "") not in matching.STATIC_TOOLS:
        return 0
    previous_version_id = inspection.retest_of.product_version_id
    gone = list(
        SdkEmbedding.objects.select_for_update()
        .filter(app_version_id=previous_version_id, status=EmbeddingStatus.PRESENT)
        .exclude(sdk_id__in=seen)
        .order_by("pk")
    )
    for embedding in gone:
        embedding.status = EmbeddingStatus.REMOVAL_PROPOSED
        embedding.proposal_job = job
        embedding.save(update_fields=["status", "proposal_job", "updated_at"])
        _record(
            embedding,
            REMOVAL_PROPOSED,
            from_status=EmbeddingStatus.PRESENT,
            to_status=EmbeddingStatus.REMOVAL_PROPOSED,
            data={"job": job.pk, "inspection": inspection.pk},
        )
    return len(gone)


def sdk_embeddings_recompute(*, job_ids=None) -> dict:
    """Run the ingest's linking again over succeeded jobs (oldest first), e.g. after signatures
    changed. Links are added or refreshed, never deleted (evidence once seen stays)."""
    matcher = sdk_matcher()
    totals = {"jobs": 0, "linked": 0, "seen_again": 0, "proposed": 0}
    jobs = ScanJob.objects.filter(status=ScanStatus.SUCCEEDED).order_by("finished_at", "pk")
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    for job in jobs.select_related("inspection__product_version__product", "inspection__retest_of").iterator():
        with transaction.atomic():
            result = sdk_embeddings_compute(job=job, matcher=matcher)
        totals["jobs"] += 1
        for key, value in result.items():
            totals[key] += value
    return totals


def _locked_embedding(embedding: SdkEmbedding, *, actor) -> SdkEmbedding:
    """The link locked, once ``actor`` is known to act for the authority of the re-test that proposed
    its removal (the proposal job's inspection; accounts.scoping). A link with no proposal is
    refused by the callers' status check."""
    locked = SdkEmbedding.objects.select_for_update().get(pk=embedding.pk)
    if locked.proposal_job_id is not None:
        require_act(
            actor,
            ScanJob.objects.values_list("inspection__authority_id", flat=True).get(pk=locked.proposal_job_id),
        )
    return locked


@transaction.atomic
def embedding_removal_confirm(*, actor, embedding: SdkEmbedding, reason: str = "") -> SdkEmbedding:
    """A person confirms that the app no longer embeds the SDK: the link is closed (audited)."""
    locked = _locked_embedding(embedding, actor=actor)
    if locked.status != EmbeddingStatus.REMOVAL_PROPOSED:
        raise Conflict(MSG_NOT_PROPOSED, code=error_codes.EMBEDDING_NOT_PROPOSED)
    locked.status = EmbeddingStatus.REMOVED
    locked.save(update_fields=["status", "updated_at"])
    _record(
        locked,
        REMOVAL_CONFIRMED,
        actor=actor,
        from_status=EmbeddingStatus.REMOVAL_PROPOSED,
        to_status=EmbeddingStatus.REMOVED,
        reason=reason_clean(reason, required=False),
        data={"job": locked.proposal_job_id},
    )
    return locked


@transaction.atomic
def embedding_removal_refuse(*, actor, embedding: SdkEmbedding, reason: str) -> SdkEmbedding:
    """A person refuses the proposal (the re-test missed the SDK): the link stays in place."""
    reason = reason_clean(reason)
    locked = _locked_embedding(embedding, actor=actor)
    if locked.status != EmbeddingStatus.REMOVAL_PROPOSED:
        raise Conflict(MSG_NOT_PROPOSED, code=error_codes.EMBEDDING_NOT_PROPOSED)
    job_id = locked.proposal_job_id
    locked.status = EmbeddingStatus.PRESENT
    locked.proposal_job = None
    locked.save(update_fields=["status", "proposal_job", "updated_at"])
    _record(
        locked,
        REMOVAL_REFUSED,
        actor=actor,
        from_status=EmbeddingStatus.REMOVAL_PROPOSED,
        to_status=EmbeddingStatus.PRESENT,
        reason=reason,
        data={"job": job_id},
    )
    return locked


def sdk_case_check(case: Case) -> None:
    """The fan-out's actions start from an SDK case that was not withdrawn (opened in error)."""
    if case.product.kind != ProductKind.SDK:
        raise InvalidInput(MSG_NOT_SDK_CASE, code=error_codes.NOT_AN_SDK_CASE)
    if case.status == CaseStatus.WITHDRAWN:
        raise Conflict(MSG_WITHDRAWN, code=error_codes.SDK_CASE_WITHDRAWN)


def _app_violation_type(case: Case) -> ViolationType:
    types = [
        f.violation_type
        for f in case.findings.filter(status=FindingStatus.CONFIRMED).select_related("violation_type").order_by("id")
    ]
    for vt in types:
        if vt.applies_to_kind(ProductKind.APP):
            return vt
    return ViolationType.objects.get(code=FALLBACK_APP_CODE)


@transaction.atomic
def sdk_linked_cases_open(*, actor, case: Case) -> list[Case]:
    """Open one case per app version of the SDK case's fan-out that has none yet.

    Each gets a confirmed finding on the inspection whose scan showed the SDK (its evidence: the
    link's), then ``services.case_open`` (its ``opened`` event); the link points at the new case; the
    SDK case and each new case record the fan-out (audit). Links without a scan are left out.
    """
    sdk_case_check(case)
    # The SDK case's authority fans out from it (each new case is also checked by ``case_open``).
    require_act(actor, Case.objects.select_for_update().values_list("authority_id", flat=True).get(pk=case.pk))
    vt = _app_violation_type(case)
    embeddings = list(
        SdkEmbedding.objects.select_for_update(of=("self",))
        .filter(sdk_id=case.product_id, status__in=ACTIVE, linked_case__isnull=True, last_job__isnull=False)
        .select_related("last_job__inspection__product_version__product", "sdk")
        .order_by("vendor_id", "app_id", "app_version_id")
    )
    if not embeddings:
        raise Conflict(MSG_NOTHING, code=error_codes.NOTHING_TO_FAN_OUT)
    opened = []
    now = timezone.now()
    for embedding in embeddings:
        inspection = embedding.last_job.inspection
        locus = f"sdk:{embedding.sdk_id}:case:{case.pk}"
        finding = Finding.objects.create(
            inspection=inspection,
            **finding_carried(inspection),
            violation_type=vt,
            status=FindingStatus.CONFIRMED,
            source=FindingSource.SCAN,
            title=str(_("Embeds SDK %(sdk)s named in case %(number)s"))
            % {
                "sdk": embedding.sdk.name,
                "number": case.number,
            },
            evidence={"sdk_case": case.number, "sdk": embedding.sdk.name, "links": embedding.evidence},
            rule="sdk_fanout",
            locus=locus,
            fingerprint=services.finding_fingerprint(inspection.product_version_id, "sdk_fanout", locus),
            scan_job=embedding.last_job,
            decided_by=actor,
            decided_at=now,
            decision_reason=f"SDK fan-out {case.number} {uuid.uuid4().hex[:8]}",
            created_by=actor,
        )
        linked = services.case_open(actor=actor, findings=[finding])
        events.record(
            case=linked, kind=FANOUT_LINKED_FROM, actor=actor, data={"sdk_case": case.pk, "sdk": case.product_id}
        )
        embedding.linked_case = linked
        embedding.save(update_fields=["linked_case", "updated_at"])
        _record(embedding, CASE_LINKED, actor=actor, data={"case": linked.pk, "sdk_case": case.pk})
        opened.append(linked)
    events.record(
        case=case,
        kind=FANOUT_CASES_OPENED,
        actor=actor,
        data={"cases": [c.pk for c in opened], "numbers": [c.number for c in opened]},
    )
    return opened


def sdk_signature_save(
    *, product, exodus_id: int | None = None, package_prefixes=(), hosts=(), known_versions=()
) -> SdkSignature:
    """Set an SDK product's signature; an εxodus id seeds the prefixes and hosts left empty."""
    if product.kind != ProductKind.SDK:
        raise InvalidInput(MSG_NOT_SDK, code=error_codes.NOT_AN_SDK_CASE)
    prefixes = matching.clean_prefixes(package_prefixes)
    host_list = matching.clean_hosts(hosts)
    if exodus_id is not None:
        seed = matching.exodus_seed(exodus_id) or {}
        prefixes = prefixes or seed.get("package_prefixes", [])
        host_list = host_list or seed.get("hosts", [])
    signature, _created = SdkSignature.objects.update_or_create(
        product=product,
        defaults={
            "exodus_id": exodus_id,
            "package_prefixes": prefixes,
            "hosts": host_list,
            "known_versions": [str(v).strip() for v in known_versions if str(v).strip()],
        },
    )
    return signature

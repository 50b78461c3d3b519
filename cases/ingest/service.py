"""Ingest one uploaded scanner output: the one service that turns observations into findings.

1. Lease the job (``cases.ingest.jobs``): only one worker runs it.
2. Read: stream the stored file through the tool's parser (pure, ``cases.scanners``) and the
   detection rules; map each candidate's violation code to the taxonomy and spool it as a CSV row
   on local disk, so memory stays flat whatever the file size. Progress (bytes read / file size)
   and the lease are written every ``PROGRESS_EVERY`` observations or ``PROGRESS_SECONDS``.
3. Save: in ONE transaction, upsert the spooled findings on (inspection, fingerprint) and mark the
   job succeeded, so a file that fails half way leaves no findings behind and a retry starts clean.

Any failure ends the job as failed with a code and a reason (``cases.ingest.failures``).
"""

import csv
import json
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import translation

from cases import identity
from cases.ingest import failures, jobs, store
from cases.models import ScanJob, ViolationType
from cases.scanners import Candidate, Observation, detect_candidates, parse
from cases.services import finding_fingerprint

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 5000
PROGRESS_SECONDS = 10.0
# Reading is this share of the progress bar; saving the rest.
READ_SHARE = 90
# Field sizes of Finding; the fingerprint is taken over the stored (cut) rule and locus so that the
# parts shown under "why merged" reproduce it.
RULE_CHARS = 64
LOCUS_CHARS = 500
TITLE_CHARS = 300
# Evidence larger than this is kept as a preview (a finding is not a place for a whole capture).
EVIDENCE_CHARS = 64 * 1024
EVIDENCE_PREVIEW_CHARS = 4 * 1024


@dataclass
class Tally:
    """Counts of one read. ``unmapped`` = observations that produced no candidate with a known
    violation code, plus candidates whose code is unknown.

    Rules that judge one observation emit as they read it, so their candidates belong to the
    observation just read. Rules that group (one candidate per host, per API...) emit after the
    last observation and record in ``evidence["count"]`` how many observations each summarises;
    those are credited instead. An observation that fed two grouping rules is credited twice, so
    the total is capped at the number of observations.
    """

    observations: int = 0
    candidates: int = 0
    unknown_codes: int = 0
    tool: str = ""
    read_all: bool = False
    _mapped_while_reading: int = 0
    _last_mapped: int = 0
    _credited_by_groups: int = 0

    def count_mapped(self, candidate: Candidate) -> None:
        if not self.read_all:
            if self._last_mapped != self.observations:
                self._mapped_while_reading += 1
                self._last_mapped = self.observations
            return
        count = candidate.evidence.get("count") if isinstance(candidate.evidence, dict) else None
        self._credited_by_groups += count if isinstance(count, int) and count > 0 else 1

    @property
    def unmapped(self) -> int:
        mapped = min(self.observations, self._mapped_while_reading + self._credited_by_groups)
        return self.observations - mapped + self.unknown_codes


def scan_job_process(*, job_id: int) -> ScanJob | None:
    """Run one delivery of an ingest message. Answer the finished job, or None if not ours to run."""
    job = jobs.scan_job_lease(job_id=job_id)
    if job is None:
        return None
    # Reasons are stored as sentences in the regulator's language (the default one).
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return scan_ingest(job=job)
        except jobs.LeaseLost:
            logger.warning("scan job %s: lease lost, another delivery owns it now", job_id)
            return None
        except Exception as exc:
            failure = failures.explain(exc, job_id=job.pk, soft_time_limit=jobs.SOFT_TIME_LIMIT)
            return jobs.scan_job_fail(job=job, failure=failure)


def scan_ingest(*, job: ScanJob) -> ScanJob:
    """Read the leased job's file and save its findings; raise on a bad file (the caller fails the job)."""
    with (
        job.file.open("rb") as stream,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool,
    ):
        check = identity.ScanCheck.for_job(job)
        tally = read_into_spool(job=job, stream=stream, spool=spool, check=check)
        # The save cannot renew the lease from inside its transaction: take what is left of the time.
        jobs.scan_job_heartbeat(
            job=job, progress=READ_SHARE, observations=tally.observations, lease=jobs.APPLY_LEASE, tool=tally.tool
        )
        spool.seek(0)
        with transaction.atomic():
            jobs.scan_job_lock_owned(job=job)
            created = store.save_spool(job=job, spool=spool)
            job = jobs.scan_job_succeed(
                job=job,
                observations=tally.observations,
                findings_created=created,
                duplicates=tally.candidates - created,
                unmapped=tally.unmapped,
                tool=tally.tool,
            )
            return identity.scan_job_record_check(job=job, check=check)


def read_into_spool(*, job: ScanJob, stream: BinaryIO, spool: TextIO, check: identity.ScanCheck | None = None) -> Tally:
    """Parse ``stream``, detect candidates and write one spool row per known-code candidate.

    ``check`` reads the report's identity on the way and drops candidates whose code does not
    apply to the product's kind (``cases.identity``).
    """
    check = check or identity.ScanCheck.for_job(job)
    codes = dict(ViolationType.objects.filter(active=True).values_list("code", "pk"))
    version_id = job.inspection.product_version_id
    writer = csv.writer(spool)
    tally = Tally()
    observations = parse(stream, tool=job.tool or None, filename=job.original_name)
    counted = _counted(observations, job=job, stream=stream, tally=tally)
    for candidate in detect_candidates(check.reading(counted), context=check.context):
        if not check.applies(candidate):
            continue
        violation_type_id = codes.get(candidate.violation_code)
        if violation_type_id is None:
            tally.unknown_codes += 1
            continue
        tally.count_mapped(candidate)
        tally.candidates += 1
        writer.writerow(spool_row(tally.candidates, violation_type_id, candidate, version_id=version_id))
    return tally


def _counted(
    observations: Iterable[Observation], *, job: ScanJob, stream: BinaryIO, tally: Tally
) -> Iterator[Observation]:
    size = max(job.size, 1)
    next_count = PROGRESS_EVERY
    next_time = time.monotonic() + PROGRESS_SECONDS
    for observation in observations:
        tally.observations += 1
        if not tally.tool:
            tally.tool = observation.tool
        if tally.observations >= next_count or time.monotonic() >= next_time:
            next_count = tally.observations + PROGRESS_EVERY
            next_time = time.monotonic() + PROGRESS_SECONDS
            read = min(max(stream.tell(), 0), size)
            jobs.scan_job_heartbeat(
                job=job, progress=read * READ_SHARE // size, observations=tally.observations, tool=tally.tool
            )
        yield observation
    tally.read_all = True


def _text(value, limit: int) -> str:
    """Text PostgreSQL accepts: no NUL, no lone surrogate; cut to the field size."""
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    text = text[:limit]
    try:
        text.encode()
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _evidence(evidence) -> str:
    text = json.dumps(evidence, ensure_ascii=False, separators=(",", ":"), default=str)
    if "\\u0000" in text:  # jsonb refuses the NUL escape
        text = text.replace("\\u0000", "\\ufffd")
    try:
        text.encode()
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) > EVIDENCE_CHARS:
        text = json.dumps(
            {"truncated": True, "chars": len(text), "preview": text[:EVIDENCE_PREVIEW_CHARS]}, ensure_ascii=False
        )
    return text


def spool_row(seq: int, violation_type_id: int, candidate: Candidate, *, version_id: int) -> tuple:
    """One spool row, in the column order of ``cases.ingest.store.COLUMNS``."""
    rule = _text(candidate.rule, RULE_CHARS)
    locus = _text(candidate.locus, LOCUS_CHARS)
    title = _text(candidate.title, TITLE_CHARS) or rule
    return (
        seq,
        violation_type_id,
        title,
        rule,
        locus,
        finding_fingerprint(version_id, rule, locus),
        _evidence(candidate.evidence),
    )

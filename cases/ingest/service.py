"""Ingest one uploaded scanner output: the one service that turns observations into findings.

1. Lease the job (``cases.ingest.jobs``): only one worker runs it.
2. Read: stream the stored file through the tool's parser (pure, ``cases.scanners``) and the
   detection rules; map each candidate's violation code to the taxonomy and spool it as a CSV row
   on local disk, so memory stays flat whatever the file size. Progress (bytes read / file size)
   are written every ``PROGRESS_EVERY`` observations or ``PROGRESS_SECONDS``; the short lease is
   renewed with them and, on PostgreSQL, by a thread every few seconds through the save too
   (``jobs.LeaseKeeper``).
3. Save: in ONE transaction, upsert the spooled findings on (inspection, fingerprint), store every
   observation read (``ScanObservation``: on PostgreSQL a COPY that streams during the read inside
   this transaction; elsewhere a spool saved here) with its counts by kind, and mark the job
   succeeded, so a file that fails half way leaves nothing behind and a retry starts clean
   (ARCHITECTURE.md §6).

Any failure ends the job as failed with a code and a reason (``cases.ingest.failures``).
"""

import csv
import json
import logging
import math
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from cases import identity
from cases.ingest import failures, jobs, store
from cases.models import ScanJob, ViolationType
from cases.scanners import Candidate, Observation, ObservationCounts, detect_candidates, limits, parse
from cases.scanners.rules.base import Cursor
from cases.sdks import services as sdk_services
from cases.services import finding_fingerprint
from cases.timeline.stamps import observation_party, observation_time

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
# Stored observations (ScanObservation.kind is 32 characters; loci are cut, attributes bounded).
KIND_CHARS = 32
OBSERVATION_LOCUS_CHARS = 2000


@dataclass
class Tally:
    """What one read saw: every row the parser yielded (``seq``), the observations among them and
    their counts by kind (``cases.scanners.counts``), the candidates, and two bitmaps by position:
    observations that fed a saved candidate (``mapped``) and rows that are not observations (meta
    rows, nmap hosts that were down). ``unmapped`` = observations that fed no saved candidate.
    """

    seq: int = 0
    candidates: int = 0
    unknown_codes: int = 0
    tool: str = ""
    counts: ObservationCounts = field(default_factory=ObservationCounts)
    mapped: bytearray = field(default_factory=bytearray)
    not_counted: bytearray = field(default_factory=bytearray)
    guessed: bytearray = field(default_factory=bytearray)
    # (fingerprint, observation positions) of each saved candidate: the findings the observations fed.
    links: list = field(default_factory=list)

    @property
    def observations(self) -> int:
        return self.counts.observations

    def mark_mapped(self, sources) -> None:
        mapped = self.mapped
        for seq in sources:
            _set_bit(mapped, seq)

    def mark_not_counted(self, seq: int) -> None:
        _set_bit(self.not_counted, seq)

    def mark_guessed(self, seq: int) -> None:
        _set_bit(self.guessed, seq)

    @property
    def unmapped(self) -> int:
        mapped = int.from_bytes(self.mapped, "little") & ~int.from_bytes(self.not_counted, "little")
        return self.observations - mapped.bit_count()

    def as_counts(self) -> dict:
        counts = self.counts.as_dict(self.tool)
        if self.unknown_codes:
            counts["unknown_codes"] = self.unknown_codes
        return counts


def _set_bit(bits: bytearray, seq: int) -> None:
    index = seq >> 3
    if index >= len(bits):
        bits.extend(bytes(index - len(bits) + 4096))
    bits[index] |= 1 << (seq & 7)


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
    """Read the leased job's file and save its findings; raise on a bad file (the caller fails the job).

    On PostgreSQL (outside a caller's transaction) the observations stream into their table with
    COPY while the file is read, in the transaction that then saves the findings: the database
    stores them while the parsers work. Elsewhere they are spooled and saved with the findings.
    """
    # What the ingest must know of the inspected product: read before any COPY holds the connection.
    check = identity.ScanCheck.for_job(job)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _ingest_streaming(job=job, check=check)
    with (
        job.file.open("rb") as stream,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool,
        # Lone surrogates in attributes become "?": the rows must be valid UTF-8 for PostgreSQL.
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace", newline="") as observation_spool,
    ):
        tally = read_into_spool(job=job, stream=stream, spool=spool, observation_spool=observation_spool, check=check)
        jobs.scan_job_heartbeat(job=job, progress=READ_SHARE, observations=tally.observations, tool=tally.tool)
        spool.seek(0)
        observation_spool.flush()
        observation_spool.buffer.seek(0)
        with transaction.atomic():
            jobs.scan_job_check_owned(job=job)
            created = store.save_spool(job=job, spool=spool)
            store.save_observations(job=job, spool=observation_spool.buffer, mapped=tally.mapped)
            store.link_findings(job=job, links=tally.links)
            return identity.scan_job_record_check(job=_succeed(job=job, tally=tally, created=created), check=check)


def _ingest_streaming(*, job: ScanJob, check: identity.ScanCheck) -> ScanJob:
    """``scan_ingest`` with the observations' COPY running during the read.

    The reading connection holds the transaction (and the COPY) from the first observation to the
    job's success, so progress and lease renewals go through another connection, on a thread of
    their own (``jobs.LeaseKeeper``, which renews the short lease every few seconds through the read,
    the rules and the save). Rows are written with a first guess of ``mapped`` (the observation
    went into a group or a candidate); the guesses the end of the read proves wrong are corrected
    before the findings are saved, in the same transaction.
    """
    with (
        job.file.open("rb") as stream,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool,
        jobs.LeaseKeeper(job) as heartbeat,
        transaction.atomic(),
    ):
        with store.ObservationCopy(job=job) as sink:
            tally = read_into_spool(
                job=job, stream=stream, spool=spool, observation_spool=sink, heartbeat=heartbeat, check=check
            )
        heartbeat(job=job, progress=READ_SHARE, observations=tally.observations, tool=tally.tool)
        spool.seek(0)
        store.correct_mapped(job=job, guessed=tally.guessed, mapped=tally.mapped)
        heartbeat.check()
        jobs.scan_job_check_owned(job=job)
        created = store.save_spool(job=job, spool=spool)
        store.link_findings(job=job, links=tally.links)
        return identity.scan_job_record_check(job=_succeed(job=job, tally=tally, created=created), check=check)


def _succeed(*, job: ScanJob, tally: "Tally", created: int) -> ScanJob:
    counts = tally.as_counts()
    ScanJob.objects.filter(pk=job.pk).update(counts=counts)
    job.counts = counts
    job = jobs.scan_job_succeed(
        job=job,
        observations=tally.observations,
        findings_created=created,
        duplicates=tally.candidates - created,
        unmapped=tally.unmapped,
        tool=tally.tool,
    )
    # The SDKs the stored observations show, linked to the app version in this transaction (issue 18).
    sdk_services.sdk_embeddings_compute(job=job)
    return job


def read_into_spool(
    *,
    job: ScanJob,
    stream: BinaryIO,
    spool: TextIO,
    observation_spool: TextIO | None = None,
    heartbeat: Callable[..., None] | None = None,
    check: identity.ScanCheck | None = None,
) -> Tally:
    """Parse ``stream``, detect candidates and write one spool row per known-code candidate, and
    (to ``observation_spool``, when given) one ``store.OBSERVATION_COLUMNS`` row per observation.

    ``check`` reads the report's identity on the way and drops candidates whose code does not
    apply to the product's kind (``cases.identity``).
    """
    check = check or identity.ScanCheck.for_job(job)
    codes = dict(ViolationType.objects.filter(active=True).values_list("code", "pk"))
    version_id = job.inspection.product_version_id
    writer = csv.writer(spool)
    tally = Tally()
    cursor = Cursor()
    observations = parse(stream, tool=job.tool or None, filename=job.original_name)
    read = _counted(
        observations,
        job=job,
        stream=stream,
        tally=tally,
        spool=observation_spool,
        cursor=cursor,
        heartbeat=heartbeat or jobs.scan_job_heartbeat,
    )
    for candidate in detect_candidates(check.reading(read), context=check.context, cursor=cursor):
        if not check.applies(candidate):
            continue
        violation_type_id = codes.get(candidate.violation_code)
        if violation_type_id is None:
            tally.unknown_codes += 1
            continue
        tally.mark_mapped(candidate.sources)
        tally.candidates += 1
        row = spool_row(tally.candidates, violation_type_id, candidate, version_id=version_id)
        if candidate.sources:
            tally.links.append((row[5], candidate.sources))
        writer.writerow(row)
    if tally.unknown_codes:
        logger.warning("scan job %s: %s candidate(s) with a code not in the taxonomy", job.pk, tally.unknown_codes)
    return tally


def _counted(
    observations: Iterable[Observation],
    *,
    job: ScanJob,
    stream: BinaryIO,
    tally: Tally,
    spool: TextIO | None,
    cursor: Cursor,
    heartbeat: Callable[..., None],
) -> Iterator[Observation]:
    """Number, count and spool each observation (positions match ``detect_candidates``'), and
    write progress as the file is read.

    An observation's row is written once the rules have seen it (when the next one is asked for),
    with ``mapped`` guessed from ``cursor.fed``; ``store`` sets the final value.
    """
    size = max(job.size, 1)
    next_count = PROGRESS_EVERY
    next_time = time.monotonic() + PROGRESS_SECONDS
    count = tally.counts.add
    write = spool.write if spool is not None else None
    fed, not_fed = f"t\t{job.pk}\t", f"f\t{job.pk}\t"
    # PrivacySentry's times carry no year: the inspection's (cases.timeline.stamps).
    stamp = {"year": job.inspection.date.year, "zone": settings.TIME_ZONE}
    seq = 0
    pending: Observation | None = None
    for observation in observations:
        if pending is not None and write is not None:
            if cursor.fed == seq:
                tally.mark_guessed(seq)
                write(fed + observation_row(seq, pending, **stamp))
            else:
                write(not_fed + observation_row(seq, pending, **stamp))
        seq += 1
        tally.seq = seq
        if not count(observation):
            tally.mark_not_counted(seq)
        if not tally.tool:
            tally.tool = observation.tool
        if seq >= next_count or time.monotonic() >= next_time:
            next_count = seq + PROGRESS_EVERY
            next_time = time.monotonic() + PROGRESS_SECONDS
            read = min(max(stream.tell(), 0), size)
            heartbeat(job=job, progress=read * READ_SHARE // size, observations=tally.observations, tool=tally.tool)
        pending = observation
        yield observation
    if pending is not None and write is not None:
        if cursor.fed == seq:
            tally.mark_guessed(seq)
        write((fed if cursor.fed == seq else not_fed) + observation_row(seq, pending, **stamp))


# COPY text format: backslash, tab, newline and carriage return are escaped; NUL is not text.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\ufffd"})
# json.dumps(ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False) without its
# per-call set-up: the C encoder made once (no circular check: attributes are plain trees).
if json.encoder.c_make_encoder is not None:
    _encode = json.encoder.c_make_encoder(
        None, str, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )

    def _dumps(value) -> str:
        return "".join(_encode(value, 0))

else:  # pragma: no cover (an interpreter without the _json accelerator)
    _dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False).encode


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


_STAMPED = frozenset({"ts", "started", "time", "stack", "host", "resp_h"})


def observation_row(seq: int, observation: Observation, *, year: int | None = None, zone: str = "UTC") -> str:
    """The tail of one COPY text line (after ``mapped`` and ``job_id``): seq, kind, locus, attributes,
    and the time and party the timeline reads (``cases.timeline.stamps``; ``year`` completes
    PrivacySentry's times, ``zone`` is the one they were written in).

    Attributes are valid jsonb (no NUL escape; lone surrogates are replaced when the spool encodes
    them) and bounded: over ``MAX_STORED_ATTRIBUTES_CHARS`` they are kept as a preview.
    """
    try:
        text = _dumps(observation.attributes)
    except ValueError:  # NaN or infinity: not JSON
        text = _dumps(_finite(observation.attributes))
    if len(text) > limits.MAX_STORED_ATTRIBUTES_CHARS:
        text = _dumps({"truncated": True, "chars": len(text), "preview": text[:EVIDENCE_PREVIEW_CHARS]})
    if "\\" in text:
        if "\\u0000" in text:  # jsonb refuses the NUL escape
            text = text.replace("\\u0000", "\\ufffd")
        text = text.replace("\\", "\\\\")
    kind = observation.kind[:KIND_CHARS]
    locus = observation.locus[:OBSERVATION_LOCUS_CHARS]
    at, party = "\\N", ""
    attributes = observation.attributes
    if not _STAMPED.isdisjoint(attributes):
        moment = observation_time(observation.kind, attributes, year=year, zone=zone)
        if moment is not None:
            at = moment.isoformat()
        party = _copy_text(_text(observation_party(observation.kind, attributes), 200))
    return f"{seq}\t{_copy_text(kind)}\t{_copy_text(locus)}\t{text}\t{at}\t{party}\n"


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


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

"""Write a job's candidate findings, spooled as CSV rows, into ``cases_finding``, and the
observations it read, spooled as COPY text rows, into ``cases_scanobservation``.

Findings upsert on the unique (inspection, fingerprint): a new fingerprint is a new candidate
finding; a known one only counts one more occurrence (its status, evidence and decision stay as a
person left them). On PostgreSQL the spool goes in with COPY to a temporary table and one
``INSERT ... ON CONFLICT DO UPDATE``; elsewhere (SQLite, the embedded default) in batches through
the ORM. Both run inside the caller's transaction and hold the inspection row, so two jobs on one
inspection save one after the other.

Observations replace the job's previous ones (a retry or re-run starts clean) and go in with one
COPY on PostgreSQL; their ``mapped`` flag, known only once every rule has finished, is set on the way
from a bitmap by position. Elsewhere they go in with batched ``bulk_create``.
"""

import csv
import datetime
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO, TextIO

from django.db import connection
from django.db.models import F
from django.utils import timezone

from cases.models import Finding, FindingSource, FindingStatus, Inspection, ScanJob, ScanObservation, finding_carried

# Spool row layout (see cases.ingest.service.write_row).
COLUMNS = ("seq", "violation_type_id", "title", "rule", "locus", "fingerprint", "evidence")
# Observation spool row layout: COPY text format, one line per observation, in position order
# (see cases.ingest.service.observation_row); ``mapped`` is written "f" and set here.
OBSERVATION_COLUMNS = ("mapped", "job_id", "seq", "kind", "locus", "attributes", "at", "party")
BATCH = 2000
COPY_CHUNK = 1024 * 1024
CORRECTION_BATCH = 50_000


def save_spool(*, job: ScanJob, spool: TextIO) -> int:
    """Upsert the spooled candidates of ``job``; call inside a transaction. Return how many are new."""
    # FOR NO KEY UPDATE: serialises ingests into one inspection, while findings added by hand
    # (their foreign-key check takes FOR KEY SHARE) go on. Its authority and vendor go on each
    # new finding (``finding_carried``).
    inspection = (
        Inspection.objects.select_for_update(no_key=True).only("authority_id", "vendor_id").get(pk=job.inspection_id)
    )
    carried = finding_carried(inspection)
    if connection.vendor == "postgresql":
        return _save_postgresql(job=job, spool=spool, carried=carried)
    return _save_batches(job=job, rows=csv.reader(spool), carried=carried)


def _column(name: str) -> str:
    return connection.ops.quote_name(Finding._meta.get_field(name).column)


def _save_postgresql(*, job: ScanJob, spool: TextIO, carried: dict[str, int]) -> int:
    table = connection.ops.quote_name(Finding._meta.db_table)
    occurrences = _column("occurrences")
    target = ", ".join(
        _column(name)
        for name in (
            "inspection",
            "authority",
            "vendor",
            "violation_type",
            "status",
            "source",
            "title",
            "description",
            "evidence",
            "rule",
            "locus",
            "fingerprint",
            "occurrences",
            "scan_job",
            "created_by",
            "created_at",
            "decision_reason",
        )
    )
    inspection, fingerprint = _column("inspection"), _column("fingerprint")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE scan_stage (seq bigint, violation_type_id bigint, title text, rule text,"
            " locus text, fingerprint text, evidence jsonb) ON COMMIT DROP"
        )
        # FORCE_NOT_NULL: an empty text field is an empty string, never NULL.
        copy_sql = "COPY scan_stage FROM STDIN (FORMAT csv, FORCE_NOT_NULL (title, rule, locus))"
        with cursor.cursor.copy(copy_sql) as copy:
            while data := spool.read(COPY_CHUNK):
                copy.write(data)
        # DISTINCT ON keeps the first occurrence of each fingerprint in the file (ON CONFLICT may
        # touch a row once per statement); count(*) says how many observations it merges.
        cursor.execute(
            f"""
            WITH upserted AS (
                INSERT INTO {table} ({target})
                SELECT %s, %s, %s, s.violation_type_id, %s, %s, s.title, '', s.evidence, s.rule, s.locus,
                       s.fingerprint, s.n, %s, %s, %s, ''
                FROM (
                    SELECT DISTINCT ON (fingerprint) *, count(*) OVER (PARTITION BY fingerprint) AS n
                    FROM scan_stage ORDER BY fingerprint, seq
                ) AS s
                ON CONFLICT ({inspection}, {fingerprint})
                DO UPDATE SET {occurrences} = {table}.{occurrences} + EXCLUDED.{occurrences}
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created) FROM upserted
            """,
            [
                job.inspection_id,
                carried["authority_id"],
                carried["vendor_id"],
                FindingStatus.CANDIDATE,
                FindingSource.SCAN,
                job.pk,
                job.created_by_id,
                timezone.now(),
            ],
        )
        created = cursor.fetchone()[0]
        # ON COMMIT DROP alone would keep it until the outermost commit (a savepoint does not count).
        cursor.execute("DROP TABLE scan_stage")
    return created


def _save_batches(*, job: ScanJob, rows: Iterable[list[str]], carried: dict[str, int]) -> int:
    created = 0
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        # First occurrence of each fingerprint in the batch, and how many rows it stands for.
        firsts: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for row in batch:
            fp = row[5]
            firsts.setdefault(fp, row)
            counts[fp] = counts.get(fp, 0) + 1
        known = set(
            Finding.objects.filter(inspection_id=job.inspection_id, fingerprint__in=firsts).values_list(
                "fingerprint", flat=True
            )
        )
        Finding.objects.bulk_create(
            [
                Finding(
                    inspection_id=job.inspection_id,
                    **carried,
                    violation_type_id=int(row[1]),
                    status=FindingStatus.CANDIDATE,
                    source=FindingSource.SCAN,
                    title=row[2],
                    evidence=json.loads(row[6]),
                    rule=row[3],
                    locus=row[4],
                    fingerprint=fp,
                    occurrences=counts[fp],
                    scan_job_id=job.pk,
                    created_by_id=job.created_by_id,
                )
                for fp, row in firsts.items()
                if fp not in known
            ]
        )
        for fp in known:
            Finding.objects.filter(inspection_id=job.inspection_id, fingerprint=fp).update(
                occurrences=F("occurrences") + counts[fp]
            )
        created += len(firsts) - len(known)
    return created


def save_observations(*, job: ScanJob, spool: BinaryIO, mapped: bytes | bytearray) -> int:
    """Replace the stored observations of ``job`` with the spooled ones; call inside a transaction.

    ``mapped`` has bit ``seq`` set (byte ``seq >> 3``, bit ``seq & 7``) for each observation that fed
    a saved candidate. Answer how many rows were written.
    """
    if connection.vendor == "postgresql":
        return _copy_observations(job=job, spool=spool, mapped=mapped)
    ScanObservation.objects.filter(job_id=job.pk).delete()
    return _bulk_observations(spool=spool, mapped=mapped)


def _flagged(spool: BinaryIO, mapped: bytes | bytearray) -> Iterator[list[bytes]]:
    """The spool's lines, a chunk at a time, with ``mapped`` as the bitmap says (the spool holds a guess)."""
    seq = 0
    size = len(mapped)
    while lines := spool.readlines(COPY_CHUNK):
        for index, line in enumerate(lines):
            seq += 1
            byte = seq >> 3
            flag = 116 if byte < size and mapped[byte] & (1 << (seq & 7)) else 102  # "t" / "f"
            if line[0] != flag:
                lines[index] = (b"t" if flag == 116 else b"f") + line[1:]
        yield lines


class ObservationCopy:
    """A COPY of a job's observations into their table, fed line by line while the file is read;
    use inside the saving transaction. The job's previous rows are deleted first. Lines are
    ``OBSERVATION_COLUMNS`` rows in COPY text format; text that is not valid UTF-8 (lone
    surrogates) is replaced. The data leaves a megabyte at a time and the server stores it while
    the parsers go on; a server slower than the read makes the write wait (memory stays flat).
    """

    def __init__(self, *, job: ScanJob) -> None:
        self.job = job
        self.rows = 0
        self._buffer: list[str] = []
        self._size = 0

    def __enter__(self) -> "ObservationCopy":
        self._cursor = connection.cursor()
        self._context = self._copy = None
        return self

    def _start(self) -> None:
        # On the first row, not before: the connection runs no other query while a COPY is open.
        table = connection.ops.quote_name(ScanObservation._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(name) for name in OBSERVATION_COLUMNS)
        self._cursor.execute(f"DELETE FROM {table} WHERE job_id = %s", [self.job.pk])
        self._context = self._cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN")
        self._copy = self._context.__enter__()

    def write(self, line: str) -> None:
        self._buffer.append(line)
        self.rows += 1
        self._size += len(line)
        if self._size >= COPY_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            if self._copy is None:
                self._start()
            self._copy.write("".join(self._buffer).encode("utf-8", "replace"))
            self._buffer.clear()
            self._size = 0

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self._flush()
                if self._context is None:
                    self._start()  # no row: still replace the previous ones
            if self._context is not None:
                self._context.__exit__(exc_type, exc, traceback)
        finally:
            self._cursor.close()


def correct_mapped(*, job: ScanJob, guessed: bytes | bytearray, mapped: bytes | bytearray) -> int:
    """Flip ``mapped`` on the job's stored rows whose guess (``guessed``) the end of the read proved
    wrong; answer how many. Inside the saving transaction."""
    wrong = int.from_bytes(guessed, "little") ^ int.from_bytes(mapped, "little")
    if not wrong:
        return 0
    data = wrong.to_bytes((wrong.bit_length() + 7) // 8, "little")
    seqs = [(index << 3) | bit for index, byte in enumerate(data) if byte for bit in range(8) if byte & (1 << bit)]
    table = connection.ops.quote_name(ScanObservation._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(seqs), CORRECTION_BATCH):
            cursor.execute(
                f"UPDATE {table} SET mapped = NOT mapped WHERE job_id = %s AND seq = ANY(%s)",
                [job.pk, seqs[start : start + CORRECTION_BATCH]],
            )
    return len(seqs)


def _copy_observations(*, job: ScanJob, spool: BinaryIO, mapped: bytes | bytearray) -> int:
    table = connection.ops.quote_name(ScanObservation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in OBSERVATION_COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE job_id = %s", [job.pk])
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for lines in _flagged(spool, mapped):
                copy.write(b"".join(lines))
                written += len(lines)
    return written


_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def _unescape(text: str) -> str:
    """A field of a COPY text line, as the text it stands for."""
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(lambda match: _UNESCAPED.get(match.group(1), match.group(1)), text)


def link_findings(*, job: ScanJob, links: list[tuple[str, Sequence[int]]]) -> int:
    """Point each stored observation of ``job`` at the finding it fed (the first, when several);
    ``links`` are (fingerprint, observation positions) per saved candidate. Inside the saving
    transaction, after the findings and the observations are saved. Answer how many rows moved."""
    if not links:
        return 0
    fingerprints = {fingerprint for fingerprint, _ in links}
    ids = dict(
        Finding.objects.filter(inspection_id=job.inspection_id, fingerprint__in=fingerprints).values_list(
            "fingerprint", "pk"
        )
    )
    seen: set[int] = set()
    by_finding: dict[int, list[int]] = {}
    for fingerprint, sources in links:
        finding_id = ids.get(fingerprint)
        if finding_id is None:
            continue
        fresh = [seq for seq in sources if seq not in seen]
        seen.update(fresh)
        by_finding.setdefault(finding_id, []).extend(fresh)
    moved = 0
    for finding_id, seqs in by_finding.items():
        for start in range(0, len(seqs), CORRECTION_BATCH):
            rows = ScanObservation.objects.filter(job_id=job.pk, seq__in=seqs[start : start + CORRECTION_BATCH])
            moved += rows.update(finding_id=finding_id)
    return moved


def _bulk_observations(*, spool: BinaryIO, mapped: bytes | bytearray) -> int:
    written = 0
    for lines in _flagged(spool, mapped):
        for start in range(0, len(lines), BATCH):
            rows = [line.decode("utf-8").removesuffix("\n").split("\t") for line in lines[start : start + BATCH]]
            ScanObservation.objects.bulk_create(
                [
                    ScanObservation(
                        mapped=flag == "t",
                        job_id=int(job_id),
                        seq=int(seq),
                        kind=_unescape(kind),
                        locus=_unescape(locus),
                        attributes=json.loads(_unescape(attributes)),
                        at=None if at == "\\N" else datetime.datetime.fromisoformat(at),
                        party=_unescape(party),
                    )
                    for flag, job_id, seq, kind, locus, attributes, at, party in rows
                ]
            )
            written += len(rows)
    return written

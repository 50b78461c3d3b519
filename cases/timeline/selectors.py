"""Read an inspection's timeline a page at a time (ARCHITECTURE.md §14).

Every succeeded job's timed observations on one axis, ordered by (time, job, position). A page is
one query: per job, an index walk on ``scanobs_job_time`` (or ``scanobs_job_party_time`` with an SDK
or host) from the cursor, the first ``size + 1`` rows, merged by a UNION ALL ordered the same way;
so the first page and the thousandth cost the same, whatever the inspection holds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput
from cases.models import Finding, FindingStatus, Inspection, ScanJob, ScanObservation, ScanStatus, TimelineCitation
from config.lists import InvalidCursor, decode_cursor, encode_cursor

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# The rows a cited window prints in the order's annex at most (the rest is counted, not printed).
ANNEX_ROWS = 200
# Tools whose observations carry no time: their facts stand beside the axis.
CONSENT_KIND = "consent_marker"
CONSENT_BEFORE, CONSENT_AFTER = "before", "after"
_COLUMNS = ("id", "job_id", "seq", "kind", "locus", "attributes", "at", "party", "finding_id", "mapped")

MSG_BAD_CURSOR = _("This cursor is not one this timeline gave: follow the next link.")
MSG_BAD_TIME = _("Give a date and time, e.g. 2025-03-01T09:00:00+08:00.")
MSG_BAD_WINDOW = _("The window must end after it starts.")
MSG_NO_CONSENT = _("The moment of consent is not known on this timeline: mark it first.")


@dataclass(frozen=True)
class TimelineFilters:
    kind: str = ""
    party: str = ""
    consent: str = ""  # "before" | "after" | ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    @property
    def active(self) -> bool:
        return bool(self.kind or self.party or self.consent or self.start or self.end)


@dataclass(frozen=True)
class Consent:
    """The moment of consent: marked by a person (``manual``) or a hook tool's marker row."""

    at: datetime.datetime | None
    source: str = ""  # "manual" | "marker" | ""
    observation_id: int | None = None


@dataclass(frozen=True)
class TimelineItem:
    id: int
    job_id: int
    seq: int
    tool: str
    kind: str
    at: datetime.datetime
    party: str
    item: str
    detail: str
    before_consent: bool | None
    is_consent: bool
    finding_id: int | None = None
    finding_title: str = ""
    finding_status: str = ""

    @property
    def finding_status_label(self) -> str:
        return str(FindingStatus(self.finding_status).label) if self.finding_status else ""


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    next_cursor: str | None
    consent: Consent
    filters: TimelineFilters
    jobs: list[ScanJob] = field(default_factory=list)


def _time(value: str | None) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput(MSG_BAD_TIME, value=value[:40])
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def timeline_filters(params: Any) -> TimelineFilters:
    """The filters of a request's query string (``kind``, ``party``, ``consent``, ``from``, ``to``)."""
    consent = (params.get("consent") or "").strip()
    filters = TimelineFilters(
        kind=(params.get("kind") or "").strip()[:32],
        party=(params.get("party") or "").strip().lower()[:200],
        consent=consent if consent in (CONSENT_BEFORE, CONSENT_AFTER) else "",
        start=_time(params.get("from")),
        end=_time(params.get("to")),
    )
    if filters.start and filters.end and filters.end <= filters.start:
        raise InvalidInput(MSG_BAD_WINDOW)
    return filters


def timeline_jobs(*, inspection: Inspection) -> list[ScanJob]:
    """The inspection's succeeded scan jobs, oldest first (a withdrawn job leaves the timeline)."""
    return list(
        ScanJob.objects.filter(inspection=inspection, status=ScanStatus.SUCCEEDED)
        .only("id", "tool", "original_name", "observations", "counts", "created_at", "inspection_id")
        .order_by("created_at", "id")
    )


def timeline_consent(*, inspection: Inspection, job_ids: list[int]) -> Consent:
    """The person's mark if any, else the earliest consent marker a hook tool logged, else unknown."""
    if inspection.consent_at is not None:
        return Consent(at=inspection.consent_at, source="manual")
    if not job_ids:
        return Consent(at=None)
    marker = (
        ScanObservation.objects.filter(job_id__in=job_ids, kind=CONSENT_KIND, at__isnull=False)
        .order_by("at", "job_id", "seq")
        .values_list("id", "at")
        .first()
    )
    if marker is None:
        return Consent(at=None)
    return Consent(at=marker[1], source="marker", observation_id=marker[0])


def _bounds(filters: TimelineFilters, consent: Consent) -> Q:
    q = Q(at__isnull=False)
    if filters.kind:
        q &= Q(kind=filters.kind)
    if filters.party:
        q &= Q(party=filters.party)
    if filters.start:
        q &= Q(at__gte=filters.start)
    if filters.end:
        q &= Q(at__lt=filters.end)
    if filters.consent:
        if consent.at is None:
            raise InvalidInput(MSG_NO_CONSENT)
        q &= Q(at__lt=consent.at) if filters.consent == CONSENT_BEFORE else Q(at__gte=consent.at)
    return q


def _after(job_id: int, cursor: tuple[datetime.datetime, int, int] | None) -> Q:
    """Rows of ``job_id`` after the cursor in (time, job, position) order."""
    if cursor is None:
        return Q()
    at, cursor_job, seq = cursor
    if job_id > cursor_job:
        return Q(at__gte=at)
    if job_id < cursor_job:
        return Q(at__gt=at)
    return Q(at__gt=at) | Q(at=at, seq__gt=seq)


def _decode(cursor: str | None) -> tuple[datetime.datetime, int, int] | None:
    if not cursor:
        return None
    try:
        payload = decode_cursor(cursor)
        at = parse_datetime(str(payload["t"]))
        job_id, seq = int(payload["j"]), int(payload["s"])
    except (InvalidCursor, KeyError, TypeError, ValueError):
        raise InvalidInput(MSG_BAD_CURSOR, code="invalid_cursor") from None
    if at is None:
        raise InvalidInput(MSG_BAD_CURSOR, code="invalid_cursor")
    return at, job_id, seq


def _encode(row: ScanObservation) -> str:
    return encode_cursor({"t": row.at.isoformat(), "j": row.job_id, "s": row.seq})


def timeline_rows(
    *,
    job_ids: list[int],
    filters: TimelineFilters,
    consent: Consent,
    after: tuple[datetime.datetime, int, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[ScanObservation]:
    """Up to ``limit`` timed observations of the jobs after ``after``, in (time, job, position) order."""
    if not job_ids:
        return []
    bounds = _bounds(filters, consent)
    parts: list[QuerySet] = [
        ScanObservation.objects.filter(bounds, _after(job_id, after), job_id=job_id)
        .only(*_COLUMNS)
        .order_by("at", "seq")[:limit]
        for job_id in job_ids
    ]
    if len(parts) == 1 or not connection.features.supports_slicing_ordering_in_compound:
        rows = ScanObservation.objects.filter(bounds, job_id__in=job_ids).only(*_COLUMNS)
        if after is not None:
            at, job_id, seq = after
            rows = rows.filter(Q(at__gt=at) | Q(at=at, job_id__gt=job_id) | Q(at=at, job_id=job_id, seq__gt=seq))
        return list(rows.order_by("at", "job_id", "seq")[:limit])
    return list(parts[0].union(*parts[1:], all=True).order_by("at", "job_id", "seq")[:limit])


def _text(value: Any, limit: int = 300) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(row: ScanObservation) -> tuple[str, str]:
    """The item and the detail a person reads for one observation (the annex's two columns)."""
    a = row.attributes if isinstance(row.attributes, dict) else {}
    kind = row.kind
    if kind == "privacy_api_call":
        item = a.get("description") or a.get("api") or a.get("function") or kind
        detail = " · ".join(part for part in (_text(a.get("api"), 120), row.party) if part)
        return _text(item, 120), detail
    if kind == CONSENT_KIND:
        return "点击隐私协议确认", _text(a.get("sheet"))
    if kind == "http_request":
        method, host = a.get("method") or "", a.get("host") or row.party
        names = [pair[0] for pair in (a.get("query") or []) if isinstance(pair, list) and pair]
        names += [pair[0] for pair in (a.get("body_params") or []) if isinstance(pair, list) and pair]
        detail = _text(a.get("path") or "")
        if names:
            detail += " (" + _text(", ".join(str(n) for n in names[:12]), 200) + ")"
        return _text(f"{method} {host}".strip(), 120), detail
    stream = a.get("stream") or kind
    target = a.get("resp_h") or row.party
    port = a.get("resp_p")
    item = f"{stream} {target}{':' + str(port) if port not in (None, '') else ''}".strip()
    record = a.get("record") if isinstance(a.get("record"), dict) else {}
    detail = next(
        (
            _text(record.get(key))
            for key in ("query", "server_name", "uri", "host", "service", "proto", "topic")
            if record.get(key)
        ),
        "",
    )
    return _text(item, 120), detail


def _items(rows: list[ScanObservation], *, jobs: dict[int, ScanJob], consent: Consent) -> list[TimelineItem]:
    finding_ids = {row.finding_id for row in rows if row.finding_id}
    findings = (
        {f.pk: f for f in Finding.objects.filter(pk__in=finding_ids).only("id", "title", "status")}
        if finding_ids
        else {}
    )
    items = []
    for row in rows:
        finding = findings.get(row.finding_id) if row.finding_id else None
        item, detail = describe(row)
        job = jobs.get(row.job_id)
        items.append(
            TimelineItem(
                id=row.pk,
                job_id=row.job_id,
                seq=row.seq,
                tool=job.tool if job else "",
                kind=row.kind,
                at=row.at,
                party=row.party,
                item=item,
                detail=detail,
                before_consent=None if consent.at is None else row.at < consent.at,
                is_consent=(consent.source == "marker" and consent.observation_id == row.pk),
                finding_id=finding.pk if finding else None,
                finding_title=finding.title if finding else "",
                finding_status=finding.status if finding else "",
            )
        )
    return items


def timeline_page(
    *,
    inspection: Inspection,
    filters: TimelineFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    jobs: list[ScanJob] | None = None,
) -> TimelinePage:
    """One page of the inspection's timeline from ``cursor`` (None: the start): 3 to 4 queries
    (``jobs``: the caller's ``timeline_jobs``, when it has them)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    jobs = timeline_jobs(inspection=inspection) if jobs is None else jobs
    job_ids = [job.pk for job in jobs]
    consent = timeline_consent(inspection=inspection, job_ids=job_ids)
    if filters.consent and consent.at is None:
        raise InvalidInput(MSG_NO_CONSENT)
    rows = timeline_rows(job_ids=job_ids, filters=filters, consent=consent, after=_decode(cursor), limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    items = _items(rows, jobs={job.pk: job for job in jobs}, consent=consent)
    return TimelinePage(
        items=items,
        next_cursor=_encode(rows[-1]) if more and rows else None,
        consent=consent,
        filters=filters,
        jobs=jobs,
    )


# Tools whose reports carry time (FORMATS.md §3, §4, §8): the others are static facts.
TIMED_TOOLS = frozenset({"privacysentry", "har", "zeek"})


def timeline_static_facts(*, jobs: list[ScanJob]) -> list[dict]:
    """Beside the axis: the untimed jobs (MobSF, εxodus, nmap...) and their observations by kind."""
    static = [job for job in jobs if job.tool not in TIMED_TOOLS]
    if not static:
        return []
    counts: dict[int, list[tuple[str, int]]] = {}
    rows = (
        ScanObservation.objects.filter(job_id__in=[job.pk for job in static])
        .values_list("job_id", "kind")
        .annotate(n=Count("id"))
        .order_by("job_id", "kind")
    )
    for job_id, kind, n in rows:
        counts.setdefault(job_id, []).append((kind, n))
    return [{"job": job, "kinds": counts.get(job.pk, [])} for job in static]


# The rows (from the start of the axis, per job) the filter's suggested SDKs and hosts are read from.
PARTY_SAMPLE = 2000


def timeline_parties(*, job_ids: list[int], limit: int = 50) -> list[str]:
    """SDKs and hosts to suggest in the filter, most frequent first among each job's first
    ``PARTY_SAMPLE`` timed rows (an index walk, not a count over the whole inspection); any other
    can be typed."""
    counts: dict[str, int] = {}
    for job_id in job_ids:
        rows = (
            ScanObservation.objects.filter(job_id=job_id, at__isnull=False)
            .order_by("at", "seq")
            .values_list("party", flat=True)[:PARTY_SAMPLE]
        )
        for party in rows:
            if party:
                counts[party] = counts.get(party, 0) + 1
    return sorted(counts, key=lambda party: (-counts[party], party))[:limit]


def timeline_kinds(*, jobs: list[ScanJob]) -> list[str]:
    """The kinds the timed jobs read (from their counts by kind; no scan of the observations)."""
    kinds: set[str] = set()
    for job in jobs:
        if job.tool in TIMED_TOOLS:
            kinds.update((job.counts or {}).get("by_kind") or {})
            if job.tool == "privacysentry":
                kinds.add(CONSENT_KIND)
    return sorted(kinds)


def timeline_window(
    *, inspection: Inspection, start: datetime.datetime, end: datetime.datetime, kind: str = "", party: str = ""
) -> tuple[list[TimelineItem], int, Consent]:
    """A cited window: its first ``ANNEX_ROWS`` items and how many there are in all."""
    jobs = timeline_jobs(inspection=inspection)
    job_ids = [job.pk for job in jobs]
    consent = timeline_consent(inspection=inspection, job_ids=job_ids)
    filters = TimelineFilters(kind=kind, party=party, start=start, end=end)
    rows = timeline_rows(job_ids=job_ids, filters=filters, consent=consent, limit=ANNEX_ROWS)
    total = (
        ScanObservation.objects.filter(_bounds(filters, consent), job_id__in=job_ids).count()
        if len(rows) >= ANNEX_ROWS
        else len(rows)
    )
    return _items(rows, jobs={job.pk: job for job in jobs}, consent=consent), total, consent


def timeline_citations(*, inspection: Inspection) -> list[TimelineCitation]:
    """The windows the inspection's findings cite, in citing order."""
    return list(TimelineCitation.objects.filter(finding__inspection=inspection).order_by("id"))


def citations_of(*, finding_ids: list[int]) -> dict[int, list[TimelineCitation]]:
    """The timeline windows cited by each of the findings, in citing order."""
    cited: dict[int, list[TimelineCitation]] = {}
    for citation in TimelineCitation.objects.filter(finding_id__in=finding_ids).order_by("finding_id", "id"):
        cited.setdefault(citation.finding_id, []).append(citation)
    return cited


# How the annex names a row's side of consent (the order's own Chinese text).
ANNEX_CONSENT = {True: "同意前", False: "同意后", None: "未知"}
ANNEX_CONSENT_ROW = "同意时刻"


def _local(moment: datetime.datetime, *, millis: bool) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d %H:%M:%S") + (f".{local.microsecond // 1000:03d}" if millis else "")


def timeline_annex(*, finding_ids: list[int]) -> dict[int, list[dict]]:
    """The cited windows of each finding as the order prints them, frozen when the order is drafted:
    ``{finding_id: [{"start", "end", "total", "rows": [[time, item, detail, consent], ...]}]}``."""
    cited = citations_of(finding_ids=finding_ids)
    if not cited:
        return {}
    inspections = dict(Finding.objects.filter(pk__in=list(cited)).values_list("pk", "inspection_id"))
    by_inspection = {i.pk: i for i in Inspection.objects.filter(pk__in=set(inspections.values()))}
    annex: dict[int, list[dict]] = {}
    for finding_id, citations in cited.items():
        inspection = by_inspection[inspections[finding_id]]
        for citation in citations:
            items, total, _ = timeline_window(
                inspection=inspection, start=citation.start, end=citation.end, kind=citation.kind, party=citation.party
            )
            rows = [
                [
                    _local(item.at, millis=True),
                    item.item,
                    item.detail,
                    ANNEX_CONSENT_ROW if item.is_consent else ANNEX_CONSENT[item.before_consent],
                ]
                for item in items
            ]
            annex.setdefault(finding_id, []).append(
                {
                    "start": _local(citation.start, millis=False),
                    "end": _local(citation.end, millis=False),
                    "total": total,
                    "rows": rows,
                }
            )
    return annex

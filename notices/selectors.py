"""Reads for notices, scoped to who asks. Missing and not-yours both raise ``NotFound`` (404).

The public sees only issued (published or superseded) naming and removal notices; orders to
rectify go to one vendor and are never public; drafts and unpublished versions do not exist for it.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.errors import NotFound
from accounts.roles import NOTICE_DRAFT, has_perm
from accounts.scoping import authority_act_scope, authority_scope
from cases.models import Case, CaseStatus, Finding, FindingStatus
from outbox.models import OutboxJob
from products.models import ProductKind

from .models import ISSUED, PUBLIC_KINDS, Notice, NoticeEntry, NoticeKind, NoticeSeries, NoticeStatus


def _entry_count():
    """The number of rows of the notice, counted for the rows shown only (not a join over all)."""
    rows = NoticeEntry.objects.filter(notice=OuterRef("pk")).order_by().values("notice").annotate(n=Count("*"))
    return Coalesce(Subquery(rows.values("n")), 0)


# ---------------------------------------------------------------- the orders a vendor is shown


def case_issued_orders(*, case: Case) -> QuerySet[Notice]:
    """The case's issued orders to rectify with their PDF, newest first: what the vendor portal
    lists and lets download. The notice states are spelled here (``ISSUED``), not in cases/."""
    return (
        Notice.objects.filter(case=case, kind=NoticeKind.ORDER, status__in=ISSUED)
        .exclude(pdf="")
        .order_by("-version", "-id")
    )


# ---------------------------------------------------------------- cases a notice may be drafted from


def confirmed_findings(case_ids) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(case_id__in=list(case_ids), status=FindingStatus.CONFIRMED)
        .select_related("violation_type")
        .order_by("case_id", "violation_type__code", "id")
    )


def draftable_cases(*, kind: str, today: datetime.date | None = None, actor=None) -> QuerySet[Case]:
    """The cases a notice of ``kind`` may list (ARCHITECTURE.md §4).

    naming: overdue; removal: named and past the naming deadline, not an offline scenario; order: open with at least one
    confirmed finding. Cases already on another unpublished notice of the same kind are left out.
    With ``actor``, only the cases of the authorities it acts for (``accounts.scoping``).
    """
    today = today or timezone.localdate()
    qs = Case.objects.all() if actor is None else authority_act_scope(Case.objects.all(), actor=actor)
    qs = qs.select_related("campaign", "vendor", "product__scenario", "product_version", "authority")
    if kind == NoticeKind.NAMING:
        qs = qs.filter(status=CaseStatus.OVERDUE)
    elif kind == NoticeKind.REMOVAL:
        # A removal notice takes apps off the distribution platforms: a venue has none to leave.
        qs = qs.filter(status=CaseStatus.NAMED, deadline__lt=today).exclude(product__kind=ProductKind.SCENARIO)
    elif kind == NoticeKind.ORDER:
        qs = qs.filter(status=CaseStatus.OPEN, findings__status=FindingStatus.CONFIRMED).distinct()
    else:
        return qs.none()
    pending = NoticeEntry.objects.filter(
        notice__kind=kind, notice__status__in=(NoticeStatus.DRAFT, NoticeStatus.APPROVED)
    ).values("case_id")
    if kind == NoticeKind.ORDER:
        pending = Notice.objects.filter(
            kind=kind, status__in=(NoticeStatus.DRAFT, NoticeStatus.APPROVED), case__isnull=False
        ).values("case_id")
    return qs.exclude(pk__in=pending).order_by("vendor__name", "product__name", "id")


# ---------------------------------------------------------------- regulators


def notice_queryset_for(*, actor) -> QuerySet[Notice]:
    """Regulators (anyone who may draft) see their authority's notices (a national regulator every
    notice: ``accounts.scoping``); nobody else sees any here."""
    base = Notice.objects.select_related(
        "campaign", "vendor", "case", "drafted_by", "approved_by", "supersedes", "issuer"
    )
    if not has_perm(actor, NOTICE_DRAFT):
        return base.none()
    return authority_scope(base, actor=actor, field="issuer")


def notice_list(*, actor, filters: dict | None = None, counted: bool = True) -> QuerySet[Notice]:
    """Every notice, newest draft first. ``counted=False`` leaves out the row count, for a caller
    that pages with an offset (the count would be computed for every skipped row): it pages the
    ids, then reads its page with ``notices_in_order``."""
    filters = filters or {}
    # Only what a list shows is joined (fewer joins: a plan in a fraction of the time).
    qs = notice_queryset_for(actor=actor).select_related(None).select_related("vendor", "drafted_by", "approved_by")
    if str(filters.get("issuer") or "").isdigit():
        qs = qs.filter(issuer_id=int(filters["issuer"]))
    if counted:
        qs = qs.annotate(entry_count=_entry_count())
    # A value that is not a choice filters nothing (it never reaches the database: a NUL byte would).
    if filters.get("status") in NoticeStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("kind") in NoticeKind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("series") in NoticeSeries.values:
        qs = qs.filter(series=filters["series"])
    return qs.order_by("-created_at", "-id")


def notice_page(*, actor, filters: dict, before: str | None = None, size: int = 50):
    """One page of ``notice_list`` by keyset (``before``: older than that notice, a token of its
    ``created_at`` and id): an index range scan from the position. Returns (notices, older token)."""
    qs = notice_list(actor=actor, filters=filters)
    position = _parse_token(before)
    if position is not None:
        when, pk = position
        qs = qs.filter(created_at__lte=when).exclude(created_at=when, pk__gte=pk)
    rows = list(qs[: size + 1])
    older = rows[size - 1] if len(rows) > size else None
    token = f"{int(older.created_at.timestamp() * 1_000_000)}-{older.pk}" if older else None
    return rows[:size], token


def notices_in_order(ids: list[int], *, actor) -> list[Notice]:
    """The notices of ``ids`` (one page of ``notice_list(...).values_list("pk")``) in that order,
    with what the list shows and their row counts: the offset is paid on the index alone."""
    rows = notice_list(actor=actor, counted=False).filter(pk__in=list(ids)).in_bulk()
    return with_entry_counts([rows[pk] for pk in ids if pk in rows])


def notice_rows_in_order(ids: list[int], *, actor, columns: list[str]) -> list[dict]:
    """``notices_in_order`` as dicts of ``columns`` (``.values()``), each with its ``entry_count``."""
    found = notice_list(actor=actor, counted=False).filter(pk__in=list(ids)).values("id", *columns)
    rows = {row["id"]: row for row in found}
    counts = dict(
        NoticeEntry.objects.filter(notice__in=list(rows))
        .order_by()
        .values("notice")
        .annotate(n=Count("*"))
        .values_list("notice", "n")
    )
    page = [rows[pk] for pk in ids if pk in rows]
    for row in page:
        row["entry_count"] = counts.get(row["id"], 0)
    return page


def with_entry_counts(notices) -> list[Notice]:
    """Set ``entry_count`` on each of ``notices`` (one query for all of them)."""
    notices = list(notices)
    counts = dict(
        NoticeEntry.objects.filter(notice__in=notices)
        .order_by()
        .values("notice")
        .annotate(n=Count("*"))
        .values_list("notice", "n")
    )
    for notice in notices:
        notice.entry_count = counts.get(notice.pk, 0)
    return notices


def notice_get_for(*, actor, notice_id) -> Notice:
    try:
        return notice_queryset_for(actor=actor).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def notice_queryset_for_detail(*, notice_id: int) -> Notice:
    """A notice with its rows, for a caller that already checked access."""
    return (
        Notice.objects.select_related("campaign", "vendor", "case", "drafted_by", "approved_by", "supersedes", "issuer")
        .prefetch_related(
            Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")),
            "items",
        )
        .annotate(entry_count=_entry_count())
        .get(pk=notice_id)
    )


def notice_events(*, notice: Notice):
    return notice.events.select_related("actor").order_by("created_at", "id")


def notice_publication_job(*, notice: Notice) -> OutboxJob | None:
    """The outbox job of the notice's requested publication (queued, running, done or failed)."""
    return OutboxJob.objects.filter(kind="notice.publish", key=f"notice.publish:{notice.pk}").first()


# ---------------------------------------------------------------- the public register


def _public_base() -> QuerySet[Notice]:
    return Notice.objects.filter(kind__in=PUBLIC_KINDS, status__in=ISSUED)


def public_register_stamp() -> str:
    """What the public register shows changes exactly when this does: one aggregate over the
    (status, kind, published_at) index, cheap enough to read on every request.

    A publication adds a row and a later ``published_at``; a correction also turns its predecessor
    superseded. Both are facts of the database, so every process (web, worker) agrees on them,
    whatever the cache (``notices.caching``).
    """
    # Counted on ``status`` (never null), not the id: every column read is in the index, so
    # PostgreSQL answers from the index alone (an index-only scan; 10,000 notices: a few ms).
    row = _public_base().aggregate(
        count=Count("status"),
        superseded=Count("status", filter=Q(status=NoticeStatus.SUPERSEDED)),
        latest=Max("published_at"),
    )
    latest = row["latest"].isoformat() if row["latest"] else "-"
    return f"{row['count']}.{row['superseded']}.{latest}"


SHORT_QUERY = 3  # a trigram needs three characters: shorter text is matched as a prefix
COUNT_CAP = 200  # a search's total is exact up to this many notices, else "more than"


def _text(field: str, text: str) -> Q:
    """Substring match for 3 characters or more (trigram GIN index on PostgreSQL); a name that
    starts with the text for 1–2 characters, which a trigram cannot serve (pattern btree index)."""
    if len(text) >= SHORT_QUERY:
        return Q(**{f"{field}__icontains": text})
    return Q(**{f"{field}__startswith": text})


def entry_conditions(filters: dict) -> list[Q]:
    """The conditions on a notice's rows that the text filters set (one per filter given)."""
    conditions = []
    if filters.get("q"):
        conditions.append(_text("name", filters["q"]) | _text("developer", filters["q"]))
    if filters.get("vendor"):
        conditions.append(_text("developer", filters["vendor"]))
    if filters.get("product"):
        conditions.append(_text("name", filters["product"]))
    if filters.get("issue"):
        code = re.escape(filters["issue"])
        conditions.append(Q(issue_codes__regex=f"(^|;){code}(;|$)"))
    if filters.get("region"):
        # A province, city or county: a prefix of the row's division code (pattern index, 0008).
        conditions.append(Q(division_code__startswith=filters["region"]))
    return conditions


def public_notice_list(*, filters: dict | None = None) -> QuerySet[Notice]:
    """Issued public notices, newest first, searchable by vendor, product, issue type, year, kind,
    subject (the naming series: apps, terminals, offline scenarios) and region (a division code prefix).

    Every filter is served by an index (migration 0007): text by the trigram indexes (``_text``),
    the issue code by the trigram index on ``issue_codes``, the order by ``(published_at, id)``.
    """
    filters = filters or {}
    qs = _public_base().select_related("superseded_by", "issuer")
    if filters.get("authority"):
        # The issuing authority by its GB/T 2260 code: the (issuer, published_at, id) index.
        qs = qs.filter(issuer__code=filters["authority"])
    if filters.get("kind") in PUBLIC_KINDS:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("subject") in NoticeSeries.values:
        qs = qs.filter(series=filters["subject"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    # Each text filter is a semi-join on the rows (EXISTS): PostgreSQL walks the notices newest
    # first and stops at a page when a term is common, or collects the few matching rows from
    # the trigram index when it is rare. Titles are not searched: every notice has one of a few.
    for condition in entry_conditions(filters):
        qs = qs.filter(Exists(NoticeEntry.objects.filter(condition, notice=OuterRef("pk"))))
    return qs.annotate(entry_count=_entry_count()).order_by("-published_at", "-id")


def is_search(filters: dict) -> bool:
    """Whether the filters search the rows' text (their total is then capped, ``public_notice_total``)."""
    return any(filters.get(k) for k in ("q", "vendor", "product", "issue", "region"))


@dataclass(frozen=True)
class Total:
    count: int
    exact: bool  # False: more than ``count`` match


def public_notice_total(*, filters: dict) -> Total:
    """How many notices match: exact without a text search (an index-only count of at most the
    register's notices); with one, exact up to ``COUNT_CAP``, else "more than ``COUNT_CAP``"."""
    qs = public_notice_list(filters=filters).order_by().values("pk")
    if not is_search(filters):
        return Total(qs.count(), True)
    count = qs[: COUNT_CAP + 1].count()
    return Total(min(count, COUNT_CAP), count <= COUNT_CAP)


@dataclass(frozen=True)
class RegisterPage:
    notices: list
    newer: str | None  # the ``after`` token of the page before (newer notices), if any
    older: str | None  # the ``before`` token of the page after (older notices), if any


def notice_token(notice: Notice) -> str:
    """A position in the register's order: microseconds since the epoch and the id."""
    return f"{int(notice.published_at.timestamp() * 1_000_000)}-{notice.pk}"


def _parse_token(token: str | None):
    if not token:
        return None
    micros, _sep, pk = token.partition("-")
    if not (micros.isdigit() and pk.isdigit() and len(micros) <= 20 and len(pk) <= 19):
        return None
    try:
        when = datetime.datetime.fromtimestamp(int(micros) / 1_000_000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.replace(microsecond=int(micros) % 1_000_000), int(pk)


def public_notice_page(*, filters: dict, before: str | None = None, after: str | None = None, size: int = 20):
    """One page of the register by keyset (``before``: older than that notice; ``after``: newer):
    an index range scan from the position, so a deep page costs what the first does."""
    qs = public_notice_list(filters=filters)
    older_than, newer_than = _parse_token(before), _parse_token(after)
    if newer_than is not None:
        when, pk = newer_than
        qs = qs.filter(published_at__gte=when).exclude(published_at=when, pk__lte=pk).order_by("published_at", "id")
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return RegisterPage(rows, notice_token(rows[0]) if more and rows else None, _older(rows))
    if older_than is not None:
        when, pk = older_than
        qs = qs.filter(published_at__lte=when).exclude(published_at=when, pk__gte=pk)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    newer = notice_token(rows[0]) if older_than is not None and rows else None
    return RegisterPage(rows, newer, notice_token(rows[-1]) if more else None)


def _older(rows) -> str | None:
    return notice_token(rows[-1]) if rows else None


def public_years() -> list[int]:
    return list(_public_base().order_by("-year").values_list("year", flat=True).distinct())


def public_notice_get(*, notice_id) -> Notice:
    try:
        return _public_base().select_related("supersedes", "superseded_by").get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def public_entries() -> QuerySet[NoticeEntry]:
    """Every row of every issued public notice, for open data (stable ids: the row's own id)."""
    return (
        NoticeEntry.objects.filter(notice__kind__in=PUBLIC_KINDS, notice__status__in=ISSUED)
        .select_related("notice")
        .order_by("notice__published_at", "notice_id", "position")
    )


ENTRY_ROW_FIELDS = (
    "pk",
    "notice_id",
    "notice__kind",
    "notice__title",
    "notice__year",
    "notice__batch_number",
    "notice__overall_number",
    "notice__version",
    "notice__status",
    "notice__published_on",
    "seq",
    "name",
    "developer",
    "source",
    "version",
    "issues",
    "issue_codes",
    "notice__issuer__name",
    "notice__issuer__code",
    "notice__series",
    "address",
    "scenario",
    "division_code",
)


def public_entry_rows(*, authority_code: str | None = None) -> QuerySet:
    """``public_entries`` as plain tuples of ``ENTRY_ROW_FIELDS`` (no model per row), for the
    streamed open data (``notices.exports``); one authority's only with ``authority_code``."""
    rows = public_entries()
    if authority_code:
        rows = rows.filter(notice__issuer__code=authority_code)
    return rows.values_list(*ENTRY_ROW_FIELDS)


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verification:
    notice: Notice
    current: Notice  # the version in force now (the notice itself unless superseded)

    @property
    def is_current(self) -> bool:
        return self.notice.pk == self.current.pk


def notice_verify(*, sha256: str) -> Verification | None:
    """Say whether a file with this SHA-256 (or a notice with this printed content fingerprint) is
    an issued notice, and which version.

    Orders are included: whoever holds the PDF already knows what it says, and the hash is not
    guessable, so answering reveals nothing; the answer gives no link to an order's content.
    """
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    # The hash of the file, or the content fingerprint printed on it (rendering.fingerprint).
    notice = (
        Notice.objects.filter(Q(pdf_sha256=sha256) | Q(content_sha256=sha256), status__in=ISSUED)
        .select_related("superseded_by")
        .first()
    )
    if notice is None:
        return None
    current = notice
    while current.status == NoticeStatus.SUPERSEDED:
        nxt = Notice.objects.filter(supersedes=current, status__in=ISSUED).first()
        if nxt is None:
            break
        current = nxt
    return Verification(notice=notice, current=current)

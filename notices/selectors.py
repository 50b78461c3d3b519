"""Reads for notices, scoped to who asks. Missing and not-yours both raise ``NotFound`` (404).

The public sees only issued (published or superseded) naming and removal notices; orders to
rectify go to one vendor and are never public; drafts and unpublished versions do not exist for it.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.errors import NotFound
from accounts.roles import NOTICE_DRAFT, has_perm
from cases.models import Case, CaseStatus, Finding, FindingStatus
from outbox.models import OutboxJob

from .models import ISSUED, PUBLIC_KINDS, Notice, NoticeEntry, NoticeKind, NoticeStatus

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


def draftable_cases(*, kind: str, today: datetime.date | None = None) -> QuerySet[Case]:
    """The cases a notice of ``kind`` may list (ARCHITECTURE.md §4).

    naming: overdue; removal: named and past the naming deadline; order: open with at least one
    confirmed finding. Cases already on another unpublished notice of the same kind are left out.
    """
    today = today or timezone.localdate()
    qs = Case.objects.select_related("campaign", "vendor", "product", "product_version")
    if kind == NoticeKind.NAMING:
        qs = qs.filter(status=CaseStatus.OVERDUE)
    elif kind == NoticeKind.REMOVAL:
        qs = qs.filter(status=CaseStatus.NAMED, deadline__lt=today)
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
    """Regulators (anyone who may draft) see every notice; nobody else sees any here."""
    base = Notice.objects.select_related("campaign", "vendor", "case", "drafted_by", "approved_by", "supersedes")
    if not has_perm(actor, NOTICE_DRAFT):
        return base.none()
    return base


def notice_list(*, actor, filters: dict | None = None) -> QuerySet[Notice]:
    filters = filters or {}
    qs = notice_queryset_for(actor=actor).annotate(entry_count=Count("entries", distinct=True))
    # A value that is not a choice filters nothing (it never reaches the database: a NUL byte would).
    if filters.get("status") in NoticeStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("kind") in NoticeKind.values:
        qs = qs.filter(kind=filters["kind"])
    return qs.order_by("-created_at", "-id")


def notice_get_for(*, actor, notice_id) -> Notice:
    try:
        return notice_queryset_for(actor=actor).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def notice_queryset_for_detail(*, notice_id: int) -> Notice:
    """A notice with its rows, for a caller that already checked access."""
    return (
        Notice.objects.select_related("campaign", "vendor", "case", "drafted_by", "approved_by", "supersedes")
        .prefetch_related(
            Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")),
            "items",
        )
        .annotate(entry_count=Count("entries"))
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
    row = _public_base().aggregate(
        count=Count("pk"),
        superseded=Count("pk", filter=Q(status=NoticeStatus.SUPERSEDED)),
        latest=Max("published_at"),
    )
    latest = row["latest"].isoformat() if row["latest"] else "-"
    return f"{row['count']}.{row['superseded']}.{latest}"


def public_notice_list(*, filters: dict | None = None) -> QuerySet[Notice]:
    """Issued public notices, newest first, searchable by vendor, product, issue type, year and kind."""
    filters = filters or {}
    qs = _public_base().select_related("superseded_by")
    if filters.get("kind") in PUBLIC_KINDS:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(pk__in=NoticeEntry.objects.filter(Q(name__icontains=q) | Q(developer__icontains=q)).values("notice_id"))
        )
    if filters.get("vendor"):
        qs = qs.filter(pk__in=NoticeEntry.objects.filter(developer__icontains=filters["vendor"]).values("notice_id"))
    if filters.get("product"):
        qs = qs.filter(pk__in=NoticeEntry.objects.filter(name__icontains=filters["product"]).values("notice_id"))
    if filters.get("issue"):
        code = filters["issue"]
        qs = qs.filter(
            pk__in=NoticeEntry.objects.filter(
                Q(issue_codes=code)
                | Q(issue_codes__startswith=f"{code};")
                | Q(issue_codes__endswith=f";{code}")
                | Q(issue_codes__contains=f";{code};")
            ).values("notice_id")
        )
    return qs.annotate(entry_count=Count("entries")).order_by("-published_at", "-id")


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

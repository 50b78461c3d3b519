"""The home page's reads: each regulator's own work, as counts and short lists of direct links.

Built for a national database (a hundred thousand cases, a million findings): every count is an
indexed filter counted up to ``COUNT_CAP`` (the (status, created_at, id) indexes of the decision
queue for pending reports and requests, the (status, id) index of findings for candidates, the
``home_openable_finding`` partial index for confirmed findings without a case, the (status,
deadline, id) index of cases, which also gives the lists' order whole; for a province, partial
indexes led by the authority its records carry: ``finding_candidate_authority``,
``finding_openable_authority``, ``response_pending_authority``, ``extension_pending_authority``,
and (authority, status, deadline, id) for its cases; the plan test ``tests/test_query_plans.py``
checks them), all counts in one query, and every list is LIMITed.
No join over a whole table, no per-row count. The number of queries is fixed per role (one per
list, one for the counts; ``tests/cases/home/test_views.py`` pins it).
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import (
    CALENDAR_EDIT,
    CASE_DECIDE,
    CASE_OPEN,
    FINDING_DECIDE,
    NOTICE_APPROVE,
    NOTICE_DRAFT,
    has_perm,
)
from accounts.scoping import authority_scope
from cases.clock.calendar import known_until
from cases.models import Case, CaseStatus, DecisionStatus, ExtensionRequest, Finding, FindingStatus, VendorResponse
from config.page_rows import object_url
from notices.links import draft_url
from notices.models import Notice, NoticeEntry, NoticeKind, NoticeStatus

LIST_LIMIT = 5
# A tile counts up to this many and then says "1000+": nobody's next step needs the exact size of a
# backlog of thousands, and counting it would read thousands of index entries on every visit.
COUNT_CAP = 1000
PENDING_NOTICE = (NoticeStatus.DRAFT, NoticeStatus.APPROVED)


@dataclass
class Item:
    label: str
    url: str
    detail: str = ""
    when: datetime.datetime | datetime.date | None = None


@dataclass
class Work:
    """One kind of work waiting for the viewer: how many, where to do it, the first few."""

    key: str
    label: str
    count_of: QuerySet  # what is counted (``my_work`` counts every list's in one query)
    url: str
    items: list[Item] = field(default_factory=list)
    alert: bool = False
    count: int = 0

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _count_all(work: list[Work]) -> None:
    """Count every list of work in one query, each up to ``COUNT_CAP + 1``:
    ``SELECT (SELECT COUNT(*) FROM (... LIMIT n)), ...`` (bounded work, one round trip)."""
    if not work:
        return
    parts, params = [], []
    for i, w in enumerate(work):
        sql, part_params = w.count_of.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{i})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        for w, count in zip(work, cursor.fetchone(), strict=True):
            w.count = count


def _pending(model, key: str, title, url_name: str, when: str, actor) -> Work:
    """The vendors' reports or requests for more time waiting for a decision, oldest first."""
    pending = authority_scope(model.objects.all(), actor=actor).filter(status=DecisionStatus.PENDING)
    rows = pending.select_related("case__vendor").order_by("created_at", "id")[:LIST_LIMIT]
    return Work(
        key,
        title,
        pending,
        reverse("decisions:queue"),
        [Item(r.case.number, object_url(url_name, r.pk), r.case.vendor.name, getattr(r, when)) for r in rows],
    )


def _responses(actor) -> Work:
    return _pending(
        VendorResponse, "responses", _("Rectification reports to decide"), "decisions:response", "created_at", actor
    )


def _extensions(actor) -> Work:
    return _pending(
        ExtensionRequest,
        "extensions",
        _("Requests for more time to decide"),
        "decisions:extension",
        "requested_deadline",
        actor,
    )


def _verifying(actor) -> Work:
    cases = authority_scope(Case.objects.all(), actor=actor).filter(status=CaseStatus.VERIFYING)
    rows = cases.select_related("vendor").order_by("deadline", "id")[:LIST_LIMIT]
    return Work(
        "verifying",
        _("Cases to verify with a re-test"),
        cases,
        reverse("decisions:queue"),
        [Item(c.number, object_url("decisions:case", c.pk), c.vendor.name) for c in rows],
    )


def _notices_to_approve(actor) -> Work:
    drafts = (
        authority_scope(Notice.objects.all(), actor=actor, field="issuer")
        .filter(status=NoticeStatus.DRAFT)
        .exclude(drafted_by=actor)
    )
    rows = drafts.select_related("drafted_by").order_by("created_at", "id")[:LIST_LIMIT]
    return Work(
        "approve",
        _("Drafts awaiting your approval"),
        drafts,
        f"{reverse('notices:regulator-list')}?status={NoticeStatus.DRAFT}",
        [
            Item(
                n.title,
                object_url("notices:regulator-detail", n.pk),
                n.drafted_by.get_full_name() or n.drafted_by.username,
                n.created_at,
            )
            for n in rows
        ],
    )


def _notices_to_publish(actor) -> Work:
    approved = authority_scope(Notice.objects.all(), actor=actor, field="issuer").filter(status=NoticeStatus.APPROVED)
    rows = approved.order_by("approved_at", "id")[:LIST_LIMIT]
    return Work(
        "publish",
        _("Approved notices to publish"),
        approved,
        f"{reverse('notices:regulator-list')}?status={NoticeStatus.APPROVED}",
        [Item(n.title, object_url("notices:regulator-detail", n.pk), "", n.approved_at) for n in rows],
    )


def _my_drafts(actor) -> Work:
    drafts = Notice.objects.filter(status=NoticeStatus.DRAFT, drafted_by=actor)
    rows = drafts.order_by("created_at", "id")[:LIST_LIMIT]
    return Work(
        "my_drafts",
        _("Your drafts waiting for a second person"),
        drafts,
        f"{reverse('notices:regulator-list')}?status={NoticeStatus.DRAFT}",
        [Item(n.title, object_url("notices:regulator-detail", n.pk), "", n.created_at) for n in rows],
    )


def _awaiting_order(actor) -> Work:
    on_order = Notice.objects.filter(kind=NoticeKind.ORDER, status__in=PENDING_NOTICE, case__isnull=False)
    cases = (
        authority_scope(Case.objects.all(), actor=actor)
        .filter(status=CaseStatus.OPEN)
        .exclude(pk__in=on_order.values("case_id"))
    )
    rows = cases.select_related("vendor").order_by("id")[:LIST_LIMIT]  # the oldest (ids grow)
    return Work(
        "awaiting_order",
        _("Open cases waiting for an order"),
        cases,
        draft_url(NoticeKind.ORDER),
        [Item(c.number, object_url("case-detail", c.pk), c.vendor.name, c.created_at) for c in rows],
    )


def _ready_for_naming(actor) -> Work:
    on_naming = NoticeEntry.objects.filter(notice__kind=NoticeKind.NAMING, notice__status__in=PENDING_NOTICE)
    cases = (
        authority_scope(Case.objects.all(), actor=actor)
        .filter(status=CaseStatus.OVERDUE)
        .exclude(pk__in=on_naming.values("case_id"))
    )
    rows = cases.select_related("vendor").order_by("deadline", "id")[:LIST_LIMIT]
    return Work(
        "ready_for_naming",
        _("Overdue cases ready for the next batch"),
        cases,
        draft_url(NoticeKind.NAMING),
        [Item(c.number, object_url("case-detail", c.pk), c.vendor.name, c.deadline) for c in rows],
        alert=True,
    )


def _candidates(actor) -> Work:
    # By the finding's own authority (its inspection's, carried): the partial index
    # ``finding_candidate_authority`` holds a province's candidates in the list's order.
    findings = authority_scope(Finding.objects.all(), actor=actor).filter(status=FindingStatus.CANDIDATE)
    rows = findings.only("id", "title", "source", "rule", "evidence", "inspection_id", "created_at").order_by("-id")[
        :LIST_LIMIT
    ]
    return Work(
        "candidates",
        _("Findings awaiting a decision"),
        findings,
        reverse("inspection-list"),
        [
            Item(
                f.display_title,
                object_url("inspection-detail", f.inspection_id) + f"#finding-{f.pk}",
                "",
                f.created_at,
            )
            for f in rows
        ],
    )


def _openable(actor) -> Work:
    findings = authority_scope(Finding.objects.all(), actor=actor).filter(
        status=FindingStatus.CONFIRMED, case__isnull=True
    )
    rows = findings.only("id", "title", "source", "rule", "evidence", "inspection_id", "created_at").order_by("-id")[
        :LIST_LIMIT
    ]
    return Work(
        "openable",
        _("Confirmed findings without a case"),
        findings,
        reverse("inspection-list"),
        [
            Item(
                f.display_title,
                object_url("inspection-detail", f.inspection_id) + f"#finding-{f.pk}",
                "",
                f.created_at,
            )
            for f in rows
        ],
    )


def my_work(*, actor) -> list[Work]:
    """The work waiting for ``actor``, in the order of the flow; only what the role may do."""
    work = []
    if has_perm(actor, FINDING_DECIDE):
        work.append(_candidates(actor))
    if has_perm(actor, CASE_OPEN):
        work.append(_openable(actor))
    if has_perm(actor, NOTICE_DRAFT):
        work.append(_awaiting_order(actor))
    if has_perm(actor, NOTICE_APPROVE):
        work.append(_notices_to_approve(actor))
        work.append(_notices_to_publish(actor))
    elif has_perm(actor, NOTICE_DRAFT):
        work.append(_my_drafts(actor))
    if has_perm(actor, CASE_DECIDE):
        work.extend([_responses(actor), _extensions(actor), _verifying(actor)])
    if has_perm(actor, NOTICE_DRAFT):
        work.append(_ready_for_naming(actor))
    _count_all(work)
    return work


def calendar_health(*, actor, today: datetime.date) -> dict | None:
    """For those who keep the official calendar: how far it is known (the page's banner, from
    ``cases.context_processors``, says when to act)."""
    if not has_perm(actor, CALENDAR_EDIT):
        return None
    return {"known_until": known_until(today=today)}

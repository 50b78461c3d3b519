"""Reads for the regulator dashboard of one campaign (ARCHITECTURE.md §7 pages, §11).

Every count comes from the maintained figures (``cases.dashboard.figures``): a few hundred rows
whatever the number of cases. Only the two short lists (the most overdue cases, the first due this
week) read cases, ``LIST_LIMIT`` rows each.
"""

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Authority
from accounts.scoping import sees_all
from cases.dashboard.figures import AUTHORITY, KIND, MONTH, STATE, VIOLATION
from cases.models import (
    CLOCK_RUNNING,
    Campaign,
    Case,
    CaseStatus,
    DashboardFigure,
    DeadlineFigure,
    ViolationType,
)
from products.models import ProductKind, TerminalCategory

S = CaseStatus

# The dashboard lists this many overdue cases and cases due this week; the case list has them all.
LIST_LIMIT = 20


def _name_field() -> str:
    """The ViolationType name column for the active language, as ``ViolationType.name`` picks it."""
    return "name_en" if (get_language() or "").startswith("en") else "name_zh"


def dashboard_campaigns() -> list[Campaign]:
    """The campaigns, latest first (without counting their cases: the totals come from the figures)."""
    return list(Campaign.objects.order_by("-start_date", "-id"))


def _category_label(key: str, kinds: dict, categories: dict) -> str:
    kind, _slash, category = key.partition("/")
    label = f"{kinds.get(kind, kind)}"
    return label + (f" · {categories.get(category, category)}" if category else "")


def _months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Cases opened by month, every month from the first to the last (a month without any shows 0)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        months.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def dashboard_authority(*, actor, requested: str | None) -> int | None:
    """The authority the dashboard drills down to: a provincial regulator's own always; for a
    national one, the ``?authority=`` asked for (None: every authority). A regulator without an
    authority gets 0, which matches nothing."""
    if actor is not None and not sees_all(actor):
        return getattr(actor, "authority_id", None) or 0
    text = (requested or "").strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else None


def _by_authority(counts: dict[str, int]) -> tuple[list[dict], list[dict]]:
    """The cases by authority (with their overdue ones), and the same summed by region, from the
    ``authority`` figures (``<authority id>:<status>`` → n). One query: the authorities' names."""
    per: dict[int, dict[str, int]] = {}
    for key, n in counts.items():
        authority_id, _colon, status = key.partition(":")
        per.setdefault(int(authority_id), {})[status] = n
    authorities = Authority.objects.in_bulk(list(per))
    rows, regions = [], {}
    for authority_id, statuses in per.items():
        authority = authorities.get(authority_id)
        if authority is None:
            continue
        total, overdue = sum(statuses.values()), statuses.get(S.OVERDUE, 0)
        rows.append({"authority": authority, "total": total, "overdue": overdue})
        region = authority.region or str(authority.get_level_display())
        entry = regions.setdefault(region, {"region": region, "total": 0, "overdue": 0, "authorities": 0})
        entry["total"] += total
        entry["overdue"] += overdue
        entry["authorities"] += 1
    rows.sort(key=lambda r: r["authority"].code)
    return rows, sorted(regions.values(), key=lambda r: -r["total"])


def campaign_dashboard(
    *, campaign: Campaign, today: datetime.date | None = None, authority_id: int | None = None
) -> dict:
    """Counts for one campaign: by state, overdue, due this week, by violation type, by category, by
    month opened, by authority and region; and the first ``LIST_LIMIT`` overdue cases and cases due
    this week. With ``authority_id`` (a drill-down, or a provincial regulator: ``dashboard_authority``)
    the states, the overdue and due counts and both lists are that authority's (ARCHITECTURE.md §15)."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6 - today.weekday())  # Sunday of this week

    # One query: this campaign's figures, and every campaign's states (its total, beside its name).
    figures: dict[str, dict[str, int]] = {STATE: {}, KIND: {}, MONTH: {}, VIOLATION: {}, AUTHORITY: {}}
    totals: dict[int, int] = {}
    rows = (
        DashboardFigure.objects.filter(Q(campaign_id=campaign.pk) | Q(dimension=STATE))
        .exclude(n=0)
        .values_list("campaign_id", "dimension", "key", "n")
    )
    for campaign_id, dimension, key, n in rows:
        if dimension == STATE:
            totals[campaign_id] = totals.get(campaign_id, 0) + n
        if campaign_id == campaign.pk:
            figures.setdefault(dimension, {})[key] = n

    status_counts = figures[STATE]
    by_authority, by_region = _by_authority(figures[AUTHORITY])
    cases = Case.objects.filter(campaign_id=campaign.pk, status__in=CLOCK_RUNNING)
    if authority_id is not None:
        prefix = f"{authority_id}:"
        status_counts = {k.removeprefix(prefix): n for k, n in figures[AUTHORITY].items() if k.startswith(prefix)}
        by_authority = [r for r in by_authority if r["authority"].pk == authority_id]
        by_region = []
        cases = cases.filter(authority_id=authority_id)
    by_state = [(label, status_counts.get(value, 0)) for value, label in S.choices]

    if authority_id is None:
        # A running clock past its deadline is overdue even before the hourly mark moves it (case_overdue_q).
        clock = DeadlineFigure.objects.filter(
            campaign_id=campaign.pk, status__in=CLOCK_RUNNING - {S.OVERDUE}
        ).aggregate(
            late=Sum("n", filter=Q(deadline__lt=today)),
            due=Sum("n", filter=Q(deadline__gte=today, deadline__lte=week_end)),
        )
    else:
        # One authority's running clocks: counted from its cases (the deadline days are per campaign).
        clock = cases.exclude(status=S.OVERDUE).aggregate(
            late=Count("id", filter=Q(deadline__lt=today)),
            due=Count("id", filter=Q(deadline__gte=today, deadline__lte=week_end)),
        )
    overdue_count = status_counts.get(S.OVERDUE, 0) + (clock["late"] or 0)
    due_count = clock["due"] or 0

    name = _name_field()
    types = {
        str(pk): (code, label)
        for pk, code, label in ViolationType.objects.filter(pk__in=[int(k) for k in figures[VIOLATION]]).values_list(
            "pk", "code", name
        )
    }
    violation_rows = sorted(
        ((types[key], n) for key, n in figures[VIOLATION].items() if key in types), key=lambda r: (-r[1], r[0][0])
    )
    by_violation = [(f"{code} {label}", n) for (code, label), n in violation_rows]

    kinds, categories = dict(ProductKind.choices), dict(TerminalCategory.choices)
    category_rows = sorted(figures[KIND].items(), key=lambda r: (-r[1], r[0].partition("/")[0], r[0].partition("/")[2]))
    by_category = [(_category_label(key, kinds, categories), n) for key, n in category_rows]

    by_month = _months(figures[MONTH])

    # Both lists are among the running clocks (an overdue case's clock runs): the partial index
    # case_campaign_clock reads them in deadline order and stops after LIST_LIMIT.
    related = ("vendor",)
    overdue = cases.overdue(today).select_related(*related).order_by("deadline", "id")[:LIST_LIMIT]
    due_this_week = (
        cases.filter(deadline__gte=today, deadline__lte=week_end)
        .exclude(status=S.OVERDUE)
        .select_related(*related)
        .order_by("deadline", "id")[:LIST_LIMIT]
    )
    return {
        "today": today,
        "week_end": week_end,
        "total": sum(n for _, n in by_state),
        "by_state": by_state,
        "by_violation": by_violation,
        "by_category": by_category,
        "by_month": by_month,
        "overdue_count": overdue_count,
        "due_count": due_count,
        "overdue": list(overdue),
        "due_this_week": list(due_this_week),
        "campaign_totals": totals,
        "by_authority": by_authority,
        "by_region": by_region,
        "authority_id": authority_id,
    }

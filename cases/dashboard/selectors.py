"""Reads for the regulator dashboard of one campaign (ARCHITECTURE.md §7 pages, §11).

Every count comes from the maintained figures (``cases.dashboard.figures``), kept per authority: a
few thousand rows nationwide, a few hundred for a drill-down (one authority, one region:
``dashboard_scope``, ARCHITECTURE.md §15), whatever the number of cases. Only the two short lists
(the most overdue cases, the first due this week) read cases, ``LIST_LIMIT`` rows each.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext

from accounts.models import REGIONS, Authority, AuthorityLevel
from accounts.scoping import sees_all
from cases.dashboard.figures import KIND, MONTH, STATE, VIOLATION
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


@dataclass(frozen=True)
class DashboardScope:
    """What the dashboard counts: every authority (``authority_ids`` None), one authority, or one
    region's provinces. ``fixed``: a provincial regulator's own, which no query parameter changes."""

    authority_ids: tuple[int, ...] | None = None
    authority: Authority | None = None
    region: str = ""
    fixed: bool = False

    @property
    def label(self) -> str:
        """What the page shows, for its heading: an authority's name, a region, or the whole country."""
        if self.authority is not None:
            return self.authority.name
        if self.region:
            return gettext("%(region)s region") % {"region": REGIONS[self.region]}
        if self.authority_ids is not None:
            return gettext("No authority")
        return gettext("Nationwide")

    def query(self) -> dict[str, str]:
        """The query parameters that show this scope again (a shareable address; a fixed one needs none)."""
        if self.fixed:
            return {}
        if self.authority is not None:
            return {"authority": str(self.authority.pk)}
        return {"region": self.region} if self.region else {}


def dashboard_scope(*, actor, authority: str | None = None, region: str | None = None) -> DashboardScope:
    """What the dashboard drills down to. A provincial regulator's own authority always, whatever it
    asks (a regulator without an authority: nothing). A national one: the ``?authority=`` asked for
    if it exists, else the ``?region=`` (a digit of ``accounts.models.REGIONS``: the provinces whose
    code starts with it), else every authority. One query when drilled."""
    if actor is not None and not sees_all(actor):
        own = getattr(actor, "authority", None) if getattr(actor, "authority_id", None) else None
        return DashboardScope(authority_ids=(own.pk,) if own else (), authority=own, fixed=True)
    text = (authority or "").strip()
    if text.isdecimal() and len(text) <= 9:
        found = Authority.objects.filter(pk=int(text)).first()
        if found is not None:
            return DashboardScope(authority_ids=(found.pk,), authority=found)
    digit = (region or "").strip()
    if digit in REGIONS:
        provinces = Authority.objects.filter(level=AuthorityLevel.PROVINCIAL, code__startswith=digit).order_by("pk")
        return DashboardScope(authority_ids=tuple(provinces.values_list("pk", flat=True)), region=digit)
    return DashboardScope()


def authority_choices() -> list[Authority]:
    """The authorities to drill down to, the ministry first then the provinces by code."""
    return list(Authority.objects.order_by("code").only("pk", "code", "name", "short_name", "level"))


def _by_authority(
    states: dict[int, dict[str, int]], late: dict[int, int], authorities: dict[int, Authority]
) -> tuple[list[dict], list[dict]]:
    """The cases by authority (with their overdue ones: marked, or past the deadline with the clock
    running), and the same summed by region."""
    rows, regions = [], {}
    for authority_id, statuses in states.items():
        authority = authorities.get(authority_id)
        if authority is None:
            continue
        total = sum(statuses.values())
        overdue = statuses.get(S.OVERDUE, 0) + late.get(authority_id, 0)
        rows.append({"authority": authority, "total": total, "overdue": overdue})
        digit = "" if authority.is_national else authority.code[:1]
        region = authority.region or str(authority.get_level_display())
        entry = regions.setdefault(
            region, {"region": region, "digit": digit, "total": 0, "overdue": 0, "authorities": 0}
        )
        entry["total"] += total
        entry["overdue"] += overdue
        entry["authorities"] += 1
    rows.sort(key=lambda r: r["authority"].code)
    return rows, sorted(regions.values(), key=lambda r: (-r["total"], r["region"]))


def campaign_dashboard(
    *,
    campaign: Campaign,
    today: datetime.date | None = None,
    authority_id: int | None = None,
    scope: DashboardScope | None = None,
) -> dict:
    """Counts for one campaign: by state, overdue, due this week, by violation type, by category, by
    month opened, by authority and region; and the first ``LIST_LIMIT`` overdue cases and cases due
    this week. ``scope`` (``dashboard_scope``: a drill-down to one authority or region, or a
    provincial regulator's own; ``authority_id`` is the one-authority shorthand) narrows every one
    of them to its authorities, from the figures kept per authority (ARCHITECTURE.md §15): the
    campaigns' totals too. Six queries whatever the number of cases and the scope."""
    if scope is None:
        scope = DashboardScope() if authority_id is None else DashboardScope(authority_ids=(authority_id,))
    ids = scope.authority_ids
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6 - today.weekday())  # Sunday of this week

    def scoped(queryset):
        return queryset if ids is None else queryset.filter(authority_id__in=ids)

    # One query: this campaign's figures and every campaign's states (its total, beside its name),
    # of the scope's authorities, summed here over them.
    figures: dict[str, dict[str, int]] = {STATE: {}, KIND: {}, MONTH: {}, VIOLATION: {}}
    states: dict[int, dict[str, int]] = {}
    totals: dict[int, int] = {}
    rows = (
        scoped(DashboardFigure.objects.filter(Q(campaign_id=campaign.pk) | Q(dimension=STATE)))
        .exclude(n=0)
        .values_list("campaign_id", "authority_id", "dimension", "key", "n")
    )
    for campaign_id, owner, dimension, key, n in rows:
        if dimension == STATE:
            totals[campaign_id] = totals.get(campaign_id, 0) + n
        if campaign_id != campaign.pk:
            continue
        counts = figures.setdefault(dimension, {})
        counts[key] = counts.get(key, 0) + n
        if dimension == STATE:
            states.setdefault(owner, {})[key] = n

    # One query: the running clocks past their deadline or due this week, by authority. A running
    # clock past its deadline is overdue even before the hourly mark moves it (case_overdue_q).
    clocks = list(
        scoped(DeadlineFigure.objects.filter(campaign_id=campaign.pk, status__in=CLOCK_RUNNING - {S.OVERDUE}))
        .order_by()
        .values("authority_id")
        .annotate(
            late=Sum("n", filter=Q(deadline__lt=today)),
            due=Sum("n", filter=Q(deadline__gte=today, deadline__lte=week_end)),
        )
        .values_list("authority_id", "late", "due")
    )
    late = {owner: late or 0 for owner, late, _due in clocks}
    due_count = sum(due or 0 for _owner, _late, due in clocks)

    status_counts = figures[STATE]
    by_state = [(label, status_counts.get(value, 0)) for value, label in S.choices]
    overdue_count = status_counts.get(S.OVERDUE, 0) + sum(late.values())
    authorities = authority_choices()
    by_authority, by_region = _by_authority(states, late, {a.pk: a for a in authorities})
    if ids is not None:
        by_region = []  # a drill-down lists its authorities; the regions are the national view's

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
    # case_campaign_clock (one authority's: case_authority_clock) reads them in deadline order and
    # stops after LIST_LIMIT.
    cases = scoped(Case.objects.filter(campaign_id=campaign.pk, status__in=CLOCK_RUNNING))
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
        "scope": scope,
        "authorities": authorities,
    }

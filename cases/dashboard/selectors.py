"""Reads for the regulator dashboard of one campaign (ARCHITECTURE.md §7 pages)."""

import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language

from cases.models import CLOCK_RUNNING, Campaign, Case, CaseStatus, FindingStatus
from products.models import ProductKind, TerminalCategory

S = CaseStatus


def _name_field() -> str:
    """The ViolationType name column for the active language, as ``ViolationType.name`` picks it."""
    return "name_en" if (get_language() or "").startswith("en") else "name_zh"


def campaign_dashboard(*, campaign: Campaign, today: datetime.date | None = None) -> dict:
    """Counts for one campaign: by state, overdue, due this week, by violation type, by category."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6 - today.weekday())  # Sunday of this week
    cases = Case.objects.filter(campaign=campaign)

    status_counts = dict(cases.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_state = [(label, status_counts.get(value, 0)) for value, label in S.choices]

    name = f"findings__violation_type__{_name_field()}"
    violation_rows = (
        cases.filter(findings__status=FindingStatus.CONFIRMED)
        .values("findings__violation_type__code", name)
        .annotate(n=Count("id", distinct=True))
        .order_by("-n", "findings__violation_type__code")
    )
    by_violation = [(f"{r['findings__violation_type__code']} {r[name]}", r["n"]) for r in violation_rows]

    kinds, categories = dict(ProductKind.choices), dict(TerminalCategory.choices)
    category_rows = (
        cases.values("product__kind", "product__terminal_category")
        .annotate(n=Count("id"))
        .order_by("-n", "product__kind", "product__terminal_category")
    )
    by_category = [
        (
            f"{kinds.get(r['product__kind'], r['product__kind'])}"
            + (f" · {categories.get(r['product__terminal_category'], '')}" if r["product__terminal_category"] else ""),
            r["n"],
        )
        for r in category_rows
    ]

    related = ("vendor", "product", "product_version")
    overdue = cases.overdue(today).select_related(*related).order_by("deadline", "id")
    due_this_week = (
        cases.filter(status__in=CLOCK_RUNNING, deadline__gte=today, deadline__lte=week_end)
        .exclude(status=S.OVERDUE)
        .select_related(*related)
        .order_by("deadline", "id")
    )
    return {
        "today": today,
        "week_end": week_end,
        "total": sum(n for _, n in by_state),
        "by_state": by_state,
        "by_violation": by_violation,
        "by_category": by_category,
        "overdue": list(overdue),
        "due_this_week": list(due_this_week),
    }

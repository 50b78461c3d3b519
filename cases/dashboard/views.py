"""The regulator dashboard (mounted at /dashboard/): one campaign's cases, drawn with Chart.js
from static/vendor/chartjs (no CDN). The numbers come from ``cases.dashboard.selectors``; a national
regulator drills down to one authority (``?authority=<id>``) or one region (``?region=<digit>``),
a provincial one sees its own authority's (ARCHITECTURE.md §15)."""

from django.http import Http404
from django.http.request import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import REGIONS
from accounts.policies import policy
from accounts.roles import CASE_VIEW
from cases.clock.calendar import known_until
from cases.dashboard.selectors import (
    LIST_LIMIT,
    authority_choices,
    campaign_dashboard,
    dashboard_campaigns,
    dashboard_scope,
)


@policy({"GET": CASE_VIEW})
def dashboard(request, pk=None):
    campaigns = dashboard_campaigns()
    if pk is None:
        campaign = campaigns[0] if campaigns else None
    else:
        campaign = next((c for c in campaigns if c.pk == pk), None)
        if campaign is None:
            raise Http404
    scope = dashboard_scope(
        actor=request.user, authority=request.GET.get("authority"), region=request.GET.get("region")
    )
    data = campaign_dashboard(campaign=campaign, scope=scope) if campaign else None
    charts = None
    if data:
        charts = {
            key: {
                "labels": [str(label) for label, _count in data[key]],
                "values": [count for _label, count in data[key]],
            }
            for key in ("by_state", "by_violation", "by_category", "by_month")
        }
        charts["overdue"] = {
            "labels": [_("Overdue"), _("Due this week")],
            "values": [data["overdue_count"], data["due_count"]],
        }
    totals = data["campaign_totals"] if data else {}
    drill = QueryDict(mutable=True)
    drill.update(scope.query())
    overdue_query = QueryDict(mutable=True)
    if campaign:
        overdue_query.update({"campaign": campaign.pk, "overdue": "on", **scope.query()})
    context = {
        "campaigns": [(c, totals.get(c.pk, 0)) for c in campaigns],
        "list_limit": LIST_LIMIT,
        "overdue_query": overdue_query.urlencode(),
        "drill_query": drill.urlencode(),
        "campaign": campaign,
        "data": data,
        "charts": charts,
        "calendar_known_until": known_until(today=timezone.localdate()),
        "scope": scope,
        "can_drill": not scope.fixed,
        "authorities": [] if scope.fixed else data["authorities"] if data else authority_choices(),
        "regions": sorted(REGIONS.items()),
    }
    return render(request, "cases/dashboard.html", context)

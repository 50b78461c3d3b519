"""The regulator dashboard (mounted at /dashboard/): one campaign's cases, drawn with Chart.js
from static/vendor/chartjs (no CDN). The numbers come from ``cases.dashboard.selectors``."""

from django.http import Http404
from django.http.request import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policies import policy
from accounts.roles import CASE_VIEW
from accounts.scoping import sees_all
from cases.clock.calendar import known_until
from cases.dashboard.selectors import LIST_LIMIT, campaign_dashboard, dashboard_authority, dashboard_campaigns


@policy({"GET": CASE_VIEW})
def dashboard(request, pk=None):
    campaigns = dashboard_campaigns()
    if pk is None:
        campaign = campaigns[0] if campaigns else None
    else:
        campaign = next((c for c in campaigns if c.pk == pk), None)
        if campaign is None:
            raise Http404
    authority_id = dashboard_authority(actor=request.user, requested=request.GET.get("authority"))
    data = campaign_dashboard(campaign=campaign, authority_id=authority_id) if campaign else None
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
    overdue_query = QueryDict(mutable=True)
    if campaign:
        overdue_query.update({"campaign": campaign.pk, "overdue": "on"})
        if authority_id:
            overdue_query.update({"authority": authority_id})
    context = {
        "campaigns": [(c, totals.get(c.pk, 0)) for c in campaigns],
        "list_limit": LIST_LIMIT,
        "overdue_query": overdue_query.urlencode(),
        "campaign": campaign,
        "data": data,
        "charts": charts,
        "calendar_known_until": known_until(today=timezone.localdate()),
        "can_drill": sees_all(request.user),
    }
    return render(request, "cases/dashboard.html", context)

"""The regulator dashboard (mounted at /dashboard/): one campaign's cases, drawn with Chart.js
from static/vendor/chartjs (no CDN). The numbers come from ``cases.dashboard.selectors``."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policies import policy
from accounts.roles import CASE_VIEW
from cases.clock.calendar import known_until
from cases.dashboard.selectors import campaign_dashboard
from cases.selectors import campaign_list


@policy({"GET": CASE_VIEW})
def dashboard(request, pk=None):
    campaigns = list(campaign_list())
    if pk is None:
        campaign = campaigns[0] if campaigns else None
    else:
        campaign = next((c for c in campaigns if c.pk == pk), None)
        if campaign is None:
            raise Http404
    data = campaign_dashboard(campaign=campaign) if campaign else None
    charts = None
    if data:
        charts = {
            key: {
                "labels": [str(label) for label, _count in data[key]],
                "values": [count for _label, count in data[key]],
            }
            for key in ("by_state", "by_violation", "by_category")
        }
        charts["overdue"] = {
            "labels": [_("Overdue"), _("Due this week")],
            "values": [len(data["overdue"]), len(data["due_this_week"])],
        }
    context = {
        "campaigns": campaigns,
        "campaign": campaign,
        "data": data,
        "charts": charts,
        "calendar_known_until": known_until(today=timezone.localdate()),
    }
    return render(request, "cases/dashboard.html", context)

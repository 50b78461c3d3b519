"""The home page: each regulator's own work, with counts and one-click links to where it is done.

Vendor users are sent to their portal, which is their home.
"""

from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.policies import policy
from accounts.roles import AUTHENTICATED, CASE_VIEW, INSPECTION_EDIT, NOTICE_DRAFT
from cases.home import selectors

PORTAL_URL = "/portal/"


@policy({"GET": AUTHENTICATED})
def home(request):
    actor = request.user
    if not actor.can(CASE_VIEW):
        return redirect(PORTAL_URL)
    work = selectors.my_work(actor=actor)
    context = {
        "work": work,
        "waiting": sum(min(w.count, selectors.COUNT_CAP) for w in work),
        "cap": selectors.COUNT_CAP,
        "calendar": selectors.calendar_health(actor=actor, today=timezone.localdate()),
        "can_inspect": actor.can(INSPECTION_EDIT),
        "can_draft": actor.can(NOTICE_DRAFT),
    }
    return render(request, "cases/home.html", context)

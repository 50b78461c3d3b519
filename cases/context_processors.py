"""Template context for every page: the calendar upkeep banner for those who act on it.

Administrators and reviewers see, on every regulator page, that the official calendar is about to
run out (from 1 November while next year is unknown) or has run out. It costs one query of a
table of a few dozen rows, and so is always true in every process.
"""

from django.utils import timezone

from accounts.roles import Role
from cases.clock.upkeep import calendar_warning

SHOWN_TO = frozenset({Role.ADMIN, Role.REVIEWER})


def calendar_banner(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "role", None) not in SHOWN_TO:
        return {}
    return {"calendar_warning": calendar_warning(today=timezone.localdate())}

"""The working-day calendar pages: what is known until when, and the import of a year's notice.

Import is preview first: the pasted text is parsed and shown as the year's month grid, its days
and what it would change (days, and the running deadlines a correction moves); nothing is saved
until the administrator saves the same text again from the preview.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.policies import policy
from accounts.roles import CALENDAR_EDIT, CASE_VIEW, has_perm
from cases.clock import upkeep
from cases.forms import CalendarImportForm
from cases.models import CalendarImport

MSG_SAVED = _("The %(year)s calendar was saved: %(holidays)s holidays and %(workdays)s make-up working days.")
MSG_MOVED = _("%(count)s running deadline(s) were recounted; each case's history says so.")
MSG_UNCHANGED = _("The %(year)s calendar already holds exactly these days; nothing was changed.")


@policy({"GET": CASE_VIEW})
def calendar_overview(request):
    today = timezone.localdate()
    return render(
        request,
        "cases/calendar/overview.html",
        {
            "status": upkeep.calendar_status(today=today),
            "imports": CalendarImport.objects.select_related("imported_by").order_by("-imported_at", "-id")[:30],
            "can_import": has_perm(request.user, CALENDAR_EDIT),
        },
    )


@policy({"GET": CALENDAR_EDIT, "POST": CALENDAR_EDIT})
def calendar_import(request):
    form = CalendarImportForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        text, year = form.cleaned_data["text"], form.cleaned_data["year"]
        try:
            if request.POST.get("action") == "save":
                record = upkeep.notice_import(actor=request.user, text=text, year=year)
                _saved_message(request, record, year=year, text=text)
                return redirect("calendar")
            preview = upkeep.notice_preview(text=text, year=year)
        except DomainError as exc:
            form.add_error("text", exc.message)
    weekdays = [WEEKDAYS_ABBR[i] for i in range(7)]
    return render(request, "cases/calendar/import.html", {"form": form, "preview": preview, "weekdays": weekdays})


def _saved_message(request, record, *, year, text) -> None:
    if record is None:
        parsed_year = year or upkeep.notice_parse(text).year
        messages.info(request, MSG_UNCHANGED % {"year": parsed_year})
        return
    kinds = [kind for _, kind, _ in record.days]
    messages.success(
        request,
        MSG_SAVED % {"year": record.year, "holidays": kinds.count("holiday"), "workdays": kinds.count("workday")},
    )
    moved = len(record.changes.get("deadlines", []))
    if moved:
        messages.info(request, MSG_MOVED % {"count": moved})

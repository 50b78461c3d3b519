"""What comes next on a case, for whoever looks at it: the one rule behind the "next step" hint.

The regulator's case page, the decision pages and the vendor's portal page show it; the views that
move a case flash it after their redirect (``flash``). It reads the case status and, for the
states that wait on one record (a report, a request for more time, a draft notice), that record:
at most two small indexed queries.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import CASE_DECIDE, CASE_VIEW, NOTICE_APPROVE, NOTICE_DRAFT, PORTAL_RESPOND, has_perm
from cases.models import Case, CaseStatus, DecisionStatus, ExtensionRequest, VendorResponse
from notices.links import draft_url
from notices.models import Notice, NoticeEntry, NoticeKind, NoticeStatus

S = CaseStatus
PENDING_NOTICE = (NoticeStatus.DRAFT, NoticeStatus.APPROVED)


@dataclass(frozen=True)
class NextStep:
    text: str  # one translated sentence
    url: str = ""  # where the step is done, when the viewer may do it
    action: str = ""  # the link's label


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else "—"


def _pending(model, case: Case):
    return model.objects.filter(case=case, status=DecisionStatus.PENDING).order_by("created_at", "id").first()


def _pending_notice(case: Case, kind: str) -> Notice | None:
    if kind == NoticeKind.ORDER:
        qs = Notice.objects.filter(case=case, kind=kind, status__in=PENDING_NOTICE)
    else:
        on = NoticeEntry.objects.filter(case=case).values("notice_id")
        qs = Notice.objects.filter(pk__in=on, kind=kind, status__in=PENDING_NOTICE)
    return qs.order_by("-id").first()


def _notice_step(actor, case: Case, kind: str, *, draft_text: str) -> NextStep:
    """Draft a notice of ``kind``, or move the one already drafted: approval (four eyes), publication."""
    notice = _pending_notice(case, kind)
    if notice is None:
        if has_perm(actor, NOTICE_DRAFT):
            return NextStep(draft_text, draft_url(kind, case=case), _("Draft it"))
        return NextStep(draft_text)
    url = reverse("notices:regulator-detail", args=[notice.pk])
    if notice.status == NoticeStatus.DRAFT:
        if notice.drafted_by_id == actor.pk:
            return NextStep(_("The draft waits for approval by a second person."), url, _("Open the draft"))
        if has_perm(actor, NOTICE_APPROVE):
            return NextStep(_("Approve the draft (four eyes)."), url, _("Review and approve"))
        return NextStep(_("The draft waits for approval."), url, _("Open the draft"))
    if has_perm(actor, NOTICE_APPROVE):
        return NextStep(_("Publish the approved notice."), url, _("Publish"))
    return NextStep(_("The approved notice waits for publication."), url, _("Open the notice"))


def _regulator_step(actor, case: Case, today: datetime.date) -> NextStep:
    decide = has_perm(actor, CASE_DECIDE)
    status = case.status
    if status == S.OPEN:
        return _notice_step(actor, case, NoticeKind.ORDER, draft_text=_("Draft the order to rectify."))
    if status in (S.ORDERED, S.RESPONDED, S.OVERDUE, S.NAMED):
        response = _pending(VendorResponse, case) if status == S.RESPONDED else None
        if response is not None:
            url = reverse("decisions:response", args=[response.pk])
            return NextStep(_("Decide the rectification report."), url, _("Accept or reject") if decide else "")
        extension = _pending(ExtensionRequest, case)
        if extension is not None:
            url = reverse("decisions:extension", args=[extension.pk])
            return NextStep(_("Decide the request for more time."), url, _("Grant or refuse") if decide else "")
    if status == S.ORDERED:
        if case.deadline and case.deadline < today:
            return NextStep(_("The deadline has passed: the clock marks the case overdue within the hour."))
        text = _("Wait for the vendor's rectification report (deadline %(deadline)s).")
        return NextStep(text % {"deadline": _day(case.deadline)})
    if status == S.VERIFYING:
        url = reverse("decisions:case", args=[case.pk])
        return NextStep(_("Link a re-test and confirm its result."), url, _("Verify") if decide else "")
    if status == S.OVERDUE:
        return _notice_step(actor, case, NoticeKind.NAMING, draft_text=_("Name the case in the next public batch."))
    if status == S.NAMED:
        if case.deadline and case.deadline < today:
            return _notice_step(actor, case, NoticeKind.REMOVAL, draft_text=_("Propose the product for removal."))
        text = _("Wait for the vendor's report until the naming deadline %(deadline)s.")
        return NextStep(text % {"deadline": _day(case.deadline)})
    return NextStep(_("Nothing more to do on this case."))


def _vendor_step(actor, case: Case, today: datetime.date) -> NextStep:
    respond = has_perm(actor, PORTAL_RESPOND)
    status = case.status
    if status in (S.ORDERED, S.OVERDUE, S.NAMED):
        deadline = _day(case.deadline)
        if status == S.ORDERED and not (case.deadline and case.deadline < today):
            text = _("Rectify and send your report by %(deadline)s.") % {"deadline": deadline}
        else:
            text = _("The deadline (%(deadline)s) has passed: send your report now.") % {"deadline": deadline}
        url = reverse("portal:respond", args=[case.pk]) if respond else ""
        return NextStep(text, url, _("Send the rectification report") if url else "")
    if status == S.RESPONDED:
        return NextStep(_("The regulator is reviewing your report; you will be told by email."))
    if status == S.VERIFYING:
        return NextStep(_("Your report was accepted; the regulator re-tests the product."))
    return NextStep(_("Nothing more to do on this case."))


def next_step(case: Case, *, actor, today: datetime.date | None = None) -> NextStep:
    """The next step on ``case`` as ``actor`` sees it (a regulator, or a user of the case's vendor)."""
    today = today or timezone.localdate()
    if has_perm(actor, CASE_VIEW):
        return _regulator_step(actor, case, today)
    return _vendor_step(actor, case, today)


def flash(request, case: Case) -> None:
    """After a step: say what comes next, on the page the view redirects to."""
    case.refresh_from_db(fields=["status", "deadline"])
    messages.info(request, _("Next step: %(step)s") % {"step": next_step(case, actor=request.user).text})

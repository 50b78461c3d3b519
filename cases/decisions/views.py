"""Reviewers' decision pages (mounted at /decisions/): reports, extensions, re-tests.

Reading needs CASE_VIEW, deciding CASE_DECIDE. Each POST validates a form and calls one service
in ``cases.responses``; the service writes the audit event and queues the vendor's email.
"""

from django.contrib import messages
from django.core.paginator import InvalidPage
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.policies import policy
from accounts.roles import CASE_DECIDE, CASE_VIEW
from cases import next_step, responses, retest, selectors, web
from cases.clock import reminders
from cases.decisions import selectors as decision_selectors
from cases.decisions.forms import DecisionForm, ExtensionGrantForm, RetestLinkForm
from cases.forms import RequiredReasonForm
from cases.models import ProposalKind
from cases.portal import selectors as portal_selectors
from cases.web import found_or_404
from config.lists import BoundedPaginator

# Rows a page of each list of the queue shows (the oldest first).
QUEUE_ROWS = 25

MSG_ACCEPTED = _("The report was accepted; the case is now under verification.")
MSG_REJECTED = _("The report was rejected; the vendor was told why.")
MSG_GRANTED = _("The extension was granted.")
MSG_REFUSED = _("The extension was refused.")
MSG_LINKED = _("The re-test was linked.")
MSG_RECTIFIED = _("The case is rectified.")
MSG_RETEST_FAILED = _("The case is back to ordered; the clock runs on.")

# Two forms on one page each have a "reason": their own id prefixes keep every id unique.
ACCEPT_ID, REJECT_ID = "accept_%s", "reject_%s"
GRANT_ID, REFUSE_ID = "grant_%s", "refuse_%s"
CONFIRM_ID, FAIL_ID = "confirm_%s", "fail_%s"


def _queue_page(request, name: str, rows) -> dict:
    """One page of a list of the queue, paged by its own parameter (``?responses=2``) so that the
    other lists stay where they are; the total is capped (``BoundedPaginator``), so a page costs
    the same with ten or ten thousand waiting."""
    paginator = BoundedPaginator(rows, QUEUE_ROWS)
    try:
        page = paginator.page(request.GET.get(name) or 1)
    except InvalidPage:
        page = paginator.page(1)

    def link(number: int) -> str:
        query = request.GET.copy()
        query[name] = str(number)
        return f"?{query.urlencode()}"

    return {
        "rows": list(page.object_list),
        "page": page,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
    }


@policy({"GET": CASE_VIEW})
def queue(request):
    """What waits, oldest first: each list pages on its own, ``QUEUE_ROWS`` rows a page."""
    lists = decision_selectors.decision_queue(actor=request.user)
    for kind, name in ((ProposalKind.NAMING, "naming"), (ProposalKind.REMOVAL, "removal")):
        lists[name] = decision_selectors.queue_proposals(reminders.proposal_list(kind=kind), actor=request.user)
    pages = {name: _queue_page(request, name, rows) for name, rows in lists.items()}
    context = {name: page["rows"] for name, page in pages.items()}
    return render(request, "cases/decisions/queue.html", {**context, "pages": pages})


def _response_page(request, response, *, accept=None, reject=None, status=200):
    context = {
        "response": response,
        "case": response.case,
        "accept_form": accept or DecisionForm(auto_id=ACCEPT_ID),
        "reject_form": reject or RequiredReasonForm(auto_id=REJECT_ID),
    }
    return render(request, "cases/decisions/response.html", context, status=status)


@policy({"GET": CASE_VIEW})
def response_detail(request, pk):
    return _response_page(
        request, found_or_404(decision_selectors.response_get_for, actor=request.user, response_id=pk)
    )


def _decide(request, form, call, success, page, *, case):
    """Validate, call the service, and either go on (saying what comes next on ``case``) or show the
    page with the error."""
    if form.is_valid():
        try:
            call(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            return page(status=exc.status if exc.status != 404 else 400)
        messages.success(request, success)
        next_step.flash(request, case)
        return None
    return page(status=400)


@policy({"POST": CASE_DECIDE})
def response_accept(request, pk):
    response = found_or_404(decision_selectors.response_get_for, actor=request.user, response_id=pk)
    form = DecisionForm(request.POST, auto_id=ACCEPT_ID)
    failed = _decide(
        request,
        form,
        lambda reason: responses.response_accept(actor=request.user, response=response, reason=reason),
        MSG_ACCEPTED,
        lambda status: _response_page(request, response, accept=form, status=status),
        case=response.case,
    )
    return failed or redirect("decisions:case", pk=response.case_id)


@policy({"POST": CASE_DECIDE})
def response_reject(request, pk):
    response = found_or_404(decision_selectors.response_get_for, actor=request.user, response_id=pk)
    form = RequiredReasonForm(request.POST, auto_id=REJECT_ID)
    failed = _decide(
        request,
        form,
        lambda reason: responses.response_reject(actor=request.user, response=response, reason=reason),
        MSG_REJECTED,
        lambda status: _response_page(request, response, reject=form, status=status),
        case=response.case,
    )
    return failed or redirect("decisions:queue")


def _extension_page(request, extension, *, grant=None, refuse=None, status=200):
    context = {
        "extension": extension,
        "case": extension.case,
        "grant_form": grant
        or ExtensionGrantForm(initial={"new_deadline": extension.requested_deadline}, auto_id=GRANT_ID),
        "refuse_form": refuse or RequiredReasonForm(auto_id=REFUSE_ID),
    }
    return render(request, "cases/decisions/extension.html", context, status=status)


@policy({"GET": CASE_VIEW})
def extension_detail(request, pk):
    return _extension_page(
        request, found_or_404(decision_selectors.extension_get_for, actor=request.user, extension_id=pk)
    )


@policy({"POST": CASE_DECIDE})
def extension_grant(request, pk):
    extension = found_or_404(decision_selectors.extension_get_for, actor=request.user, extension_id=pk)
    form = ExtensionGrantForm(request.POST, auto_id=GRANT_ID)
    failed = _decide(
        request,
        form,
        lambda reason, new_deadline: responses.extension_grant(
            actor=request.user, extension=extension, new_deadline=new_deadline, reason=reason
        ),
        MSG_GRANTED,
        lambda status: _extension_page(request, extension, grant=form, status=status),
        case=extension.case,
    )
    return failed or redirect("decisions:queue")


@policy({"POST": CASE_DECIDE})
def extension_refuse(request, pk):
    extension = found_or_404(decision_selectors.extension_get_for, actor=request.user, extension_id=pk)
    form = RequiredReasonForm(request.POST, auto_id=REFUSE_ID)
    failed = _decide(
        request,
        form,
        lambda reason: responses.extension_refuse(actor=request.user, extension=extension, reason=reason),
        MSG_REFUSED,
        lambda status: _extension_page(request, extension, refuse=form, status=status),
        case=extension.case,
    )
    return failed or redirect("decisions:queue")


def _case_page(request, case, *, link=None, confirm=None, fail=None, status=200):
    timeline = web.timeline(selectors.case_events(case=case))
    context = {
        "case": case,
        "links": case.retest_links.select_related("inspection__product_version", "inspection__agency", "linked_by"),
        "proposal": retest.retest_proposal(case=case),
        "responses": portal_selectors.portal_responses(case=case),
        "extensions": portal_selectors.portal_extensions(case=case),
        "timeline": timeline,
        "next_step": next_step.next_step(case, actor=request.user),
        "link_form": link or RetestLinkForm(case=case),
        "confirm_form": confirm or DecisionForm(auto_id=CONFIRM_ID),
        "fail_form": fail or RequiredReasonForm(auto_id=FAIL_ID),
    }
    return render(request, "cases/decisions/case.html", context, status=status)


@policy({"GET": CASE_VIEW})
def case_detail(request, pk):
    return _case_page(request, found_or_404(selectors.case_get_for, actor=request.user, case_id=pk))


@policy({"POST": CASE_DECIDE})
def retest_link(request, pk):
    case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
    form = RetestLinkForm(request.POST, case=case)
    failed = _decide(
        request,
        form,
        lambda inspection: responses.retest_link(actor=request.user, case=case, inspection=inspection),
        MSG_LINKED,
        lambda status: _case_page(request, case, link=form, status=status),
        case=case,
    )
    return failed or redirect("decisions:case", pk=case.pk)


@policy({"POST": CASE_DECIDE})
def retest_rectified(request, pk):
    case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
    form = DecisionForm(request.POST, auto_id=CONFIRM_ID)
    failed = _decide(
        request,
        form,
        lambda reason: responses.retest_confirm_rectified(actor=request.user, case=case, reason=reason),
        MSG_RECTIFIED,
        lambda status: _case_page(request, case, confirm=form, status=status),
        case=case,
    )
    return failed or redirect("decisions:case", pk=case.pk)


@policy({"POST": CASE_DECIDE})
def retest_failed(request, pk):
    case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
    form = RequiredReasonForm(request.POST, auto_id=FAIL_ID)
    failed = _decide(
        request,
        form,
        lambda reason: responses.retest_confirm_failed(actor=request.user, case=case, reason=reason),
        MSG_RETEST_FAILED,
        lambda status: _case_page(request, case, fail=form, status=status),
        case=case,
    )
    return failed or redirect("decisions:case", pk=case.pk)

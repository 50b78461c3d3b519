"""Regulator pages of the SDK fan-out: an SDK case's fan-out, its linked cases, removal decisions.

Thin: fetch through the selectors, call one service, turn domain errors into messages. The letters'
action and downloads are in ``notices.views`` (notices sit above cases).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.errors import DomainError
from accounts.policies import PolicyMixin
from accounts.roles import CASE_DECIDE, CASE_OPEN, CASE_VIEW, NOTICE_APPROVE
from cases import selectors
from cases.forms import RequiredReasonForm
from cases.models import Case
from cases.sdks import selectors as sdk_selectors
from cases.sdks import services as sdk_services
from cases.web import found_or_404
from products.models import ProductKind

# How each kind of evidence is named on the pages (``matching``'s ``via``).
VIA_LABELS = {"tracker": _("tracker signature"), "package": _("package prefix"), "host": _("host called")}
# How each kind of evidence is named on the pages (``matching``'s ``via``).
VIA_LABELS = {"tracker": _("tracker signature"), "package": _("package prefix"), "host": _("host called")}
MSG_CASES_OPENED = _("%(count)d linked cases opened.")
MSG_REMOVAL_CONFIRMED = _("The link is closed: the app no longer embeds the SDK.")
MSG_REMOVAL_REFUSED = _("The proposal was refused: the link stays in place.")


def fanout_context(*, actor, case: Case, after=None, limit: int = sdk_selectors.PAGE_SIZE) -> dict:
    """What the case page and the fan-out page show of an SDK case ({} for any other case)."""
    if case.product.kind != ProductKind.SDK:
        return {}
    rows = sdk_selectors.sdk_fanout_rows(sdk_id=case.product_id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row.evidence_shown = [
            {**item, "label": VIA_LABELS.get(item.get("via"), item.get("via"))} for item in row.evidence[:3]
        ]
    return {
        "fanout": sdk_selectors.sdk_fanout_summary(sdk_id=case.product_id),
        "fanout_rows": rows,
        "fanout_next": sdk_selectors.row_token(rows[-1]) if more and rows else "",
        "fanout_letters": case.sdk_letters.select_related("vendor").order_by("vendor__name", "id"),
        "can_notify": actor.can(NOTICE_APPROVE),
        "can_open_cases": actor.can(CASE_OPEN),
        "can_decide_links": actor.can(CASE_DECIDE),
    }


class SdkFanoutView(PolicyMixin, View):
    policy = {"GET": CASE_VIEW}

    def get(self, request, pk):
        case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
        after = sdk_selectors.parse_token(request.GET.get("after"))
        context = fanout_context(actor=request.user, case=case, after=after)
        if not context:
            return redirect("case-detail", pk=case.pk)
        return render(
            request,
            "cases/sdk_fanout.html",
            {"case": case, "after": bool(after), "reason_form": RequiredReasonForm(), **context},
        )


class SdkFanoutOpenCasesView(PolicyMixin, View):
    policy = {"POST": CASE_OPEN}

    def post(self, request, pk):
        case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
        try:
            opened = sdk_services.sdk_linked_cases_open(actor=request.user, case=case)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, MSG_CASES_OPENED % {"count": len(opened)})
        return redirect("case-fanout", pk=case.pk)


class EmbeddingDecideView(PolicyMixin, View):
    """Confirm or refuse the removal a re-test proposed (a person decides; audited)."""

    policy = {"POST": CASE_DECIDE}
    decision = "confirm"

    def post(self, request, pk):
        embedding = found_or_404(sdk_selectors.embedding_get, embedding_id=pk)
        back = request.POST.get("case", "")
        try:
            if self.decision == "confirm":
                sdk_services.embedding_removal_confirm(
                    actor=request.user, embedding=embedding, reason=request.POST.get("reason", "")
                )
                messages.success(request, MSG_REMOVAL_CONFIRMED)
            else:
                form = RequiredReasonForm(request.POST)
                if not form.is_valid():
                    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
                else:
                    sdk_services.embedding_removal_refuse(
                        actor=request.user, embedding=embedding, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, MSG_REMOVAL_REFUSED)
        except DomainError as exc:
            messages.error(request, exc.message)
        if back.isdecimal() and len(back) <= 18:
            return redirect("case-fanout", pk=int(back))
        return redirect("case-list")

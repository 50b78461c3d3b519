"""Regulator pages: cases, inspections, findings and evidence downloads (the home page is cases.home).

Views stay thin: fetch through ``cases.selectors``, validate with a form, call one service or
workflow function, and turn domain errors into form errors or messages (never a 500).
"""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView

from accounts.errors import DomainError
from accounts.policies import PolicyMixin
from accounts.roles import (
    CASE_DECIDE,
    CASE_OPEN,
    CASE_VIEW,
    FINDING_DECIDE,
    INSPECTION_EDIT,
    INSPECTION_VIEW,
)
from accounts.scoping import may_act
from cases import error_codes, identity, next_step, selectors, services, transfers, web, workflow
from cases.clock.calendar import working_days_between
from cases.forms import (
    CaseFilterForm,
    CaseTransferForm,
    ConfirmForm,
    InspectionForm,
    ManualFindingForm,
    OnsiteInspectionForm,
    OpenCaseForm,
    RequiredReasonForm,
)
from cases.models import CLOCK_RUNNING, CaseStatus, FindingStatus
from cases.sdks import views as sdk_views
from cases.web import evidence_response, found_or_404
from config import limits
from config.lists import BoundedPaginator, Ordering

PAGE_SIZE = 25

MSG_WITHDRAWN = _("Case %(number)s was withdrawn.")
MSG_INSPECTION_CREATED = _("Inspection logged.")
MSG_FINDING_CREATED = _("Finding “%(title)s” recorded with %(count)s evidence file(s).")
MSG_FINDING_CONFIRMED = _("Finding “%(title)s” confirmed.")
MSG_FINDING_DISMISSED = _("Finding “%(title)s” dismissed.")
MSG_DISMISS_REASON = _("Give a reason to dismiss a finding.")
MSG_CASE_OPENED = _("Case %(number)s opened.")
MSG_TRANSFERRED = _("Case %(number)s was transferred to %(authority)s.")


def _with_overdue(cases: list, today: datetime.date | None = None) -> list:
    today = today or timezone.localdate()
    for case in cases:
        case.is_overdue = case.overdue_on(today)
    return cases


class CaseListView(PolicyMixin, ListView):
    policy = {"GET": CASE_VIEW}
    template_name = "cases/case_list.html"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    @cached_property
    def filter_form(self) -> CaseFilterForm:
        return CaseFilterForm(self.request.GET or None)

    @cached_property
    def ordering(self) -> Ordering:
        return Ordering(self.request, selectors.CASE_ORDERINGS, selectors.CASE_DEFAULT_ORDERING)

    def get_queryset(self):
        return selectors.case_list(
            actor=self.request.user, filters=self.filter_form.filters(), ordering=self.ordering.key
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cases"] = _with_overdue(list(context["object_list"]))
        context["filter_form"] = self.filter_form
        context["sort"] = self.ordering.columns
        return context


def _clock(case) -> dict | None:
    """The rectification clock as the case page shows it."""
    if case.deadline is None:
        return None
    today = timezone.localdate()
    try:
        left = working_days_between(today, case.deadline)
    except DomainError:
        left = None  # the calendar does not know that year yet; the page says so
    return {
        "deadline": case.deadline,
        "served_on": case.served_on,
        "running": case.status in CLOCK_RUNNING,
        "overdue": case.overdue_on(today),
        "left": left,
        "late_by": -left if left is not None and left < 0 else None,
    }


def _may_transfer(actor, case) -> bool:
    """Whether the page offers the transfer form (``cases.transfers.case_transfer`` decides)."""
    return actor.can(CASE_DECIDE) and case.status not in transfers.FINISHED and may_act(actor, case.authority_id)


def _case_page(request, case, *, withdraw_form=None, transfer_form=None, status=200):
    actor = request.user
    findings = selectors.case_findings_for(actor=actor, case=case).prefetch_related("evidence_files")
    timeline = web.timeline(selectors.case_events(case=case))
    case.is_overdue = case.overdue_on()
    can_withdraw = actor.can(CASE_DECIDE) and workflow.can_move(case.status, CaseStatus.WITHDRAWN)
    if transfer_form is None and _may_transfer(actor, case):
        transfer_form = CaseTransferForm(case=case)
    context = {
        "case": case,
        "findings": findings,
        "timeline": timeline,
        "clock": _clock(case),
        "next_step": next_step.next_step(case, actor=actor),
        "responses": case.responses.order_by("-created_at", "-id"),
        "extensions": case.extension_requests.order_by("-created_at", "-id"),
        "can_decide": actor.can(CASE_DECIDE),
        "can_withdraw": can_withdraw,
        "withdraw_form": withdraw_form or (RequiredReasonForm() if can_withdraw else None),
        "transfer_form": transfer_form,
        # An SDK case: the apps embedding the SDK and the fan-out's actions (issue 18).
        **sdk_views.fanout_context(actor=actor, case=case, limit=10),
    }
    return render(request, "cases/case_detail.html", context, status=status)


class CaseDetailView(PolicyMixin, View):
    policy = {"GET": CASE_VIEW}

    def get(self, request, pk):
        case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
        return _case_page(request, case)


class CaseWithdrawView(PolicyMixin, View):
    policy = {"POST": CASE_DECIDE}

    def post(self, request, pk):
        case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
        form = RequiredReasonForm(request.POST)
        if not form.is_valid():
            return _case_page(request, case, withdraw_form=form, status=400)
        try:
            case = workflow.withdraw_case(case=case, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, MSG_WITHDRAWN % {"number": case.number})
        return redirect("case-detail", pk=case.pk)


class CaseTransferView(PolicyMixin, View):
    """Hand the case to another authority (``cases.transfers.case_transfer``); its refusals show in the
    form. The sender may no longer see the case afterwards: then the case list takes them, with the
    message."""

    policy = {"POST": CASE_DECIDE}

    def post(self, request, pk):
        case = found_or_404(selectors.case_get_for, actor=request.user, case_id=pk)
        form = CaseTransferForm(request.POST, case=case)
        if not form.is_valid():
            return _case_page(request, case, transfer_form=form, status=400)
        to_authority = form.cleaned_data["authority"]
        try:
            case = transfers.case_transfer(
                case=case, actor=request.user, to_authority=to_authority, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            # The service's refusal on the page, with its status (403 another authority's, 409 finished).
            form.add_error(None, exc.message)
            return _case_page(request, case, transfer_form=form, status=exc.status if exc.status != 404 else 400)
        messages.success(request, MSG_TRANSFERRED % {"number": case.number, "authority": to_authority.name})
        if selectors.case_queryset_for(actor=request.user).filter(pk=case.pk).exists():
            return redirect("case-detail", pk=case.pk)
        return redirect("case-list")


class CaseTransferListView(PolicyMixin, ListView):
    """The transfers into and out of the user's authority (a national user's: all), newest first."""

    policy = {"GET": CASE_VIEW}
    template_name = "cases/transfer_list.html"
    context_object_name = "transfers"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    def get_queryset(self):
        return selectors.case_transfers_for(actor=self.request.user)


class InspectionListView(PolicyMixin, ListView):
    policy = {"GET": INSPECTION_VIEW}
    template_name = "cases/inspection_list.html"
    context_object_name = "inspections"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    @cached_property
    def ordering(self) -> Ordering:
        return Ordering(self.request, selectors.INSPECTION_ORDERINGS, "-date")

    def get_queryset(self):
        campaign = self.request.GET.get("campaign", "")
        campaign_id = int(campaign) if campaign.isdecimal() and len(campaign) <= 18 else None
        return selectors.inspection_rows(actor=self.request.user, campaign_id=campaign_id, ordering=self.ordering.key)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sort=self.ordering.columns,
            campaigns=selectors.campaign_choices(actor=self.request.user),
            campaign=self.request.GET.get("campaign", ""),
            can_edit=self.request.user.can(INSPECTION_EDIT),
            **kwargs,
        )


class InspectionCreateView(PolicyMixin, FormView):
    policy = {"GET": INSPECTION_EDIT, "POST": INSPECTION_EDIT}
    template_name = "cases/inspection_form.html"
    form_class = InspectionForm

    def get_initial(self):
        return {"product_version": self.request.GET.get("version"), "date": timezone.localdate()}

    def form_valid(self, form):
        try:
            inspection = services.inspection_create(actor=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, MSG_INSPECTION_CREATED)
        return redirect("inspection-detail", pk=inspection.pk)


class OnsiteInspectionCreateView(InspectionCreateView):
    """An on-site check of an offline scenario (``services.onsite_inspection_create``)."""

    template_name = "cases/onsite_inspection_form.html"
    form_class = OnsiteInspectionForm

    def get_initial(self):
        return {"scenario": self.request.GET.get("scenario"), "date": timezone.localdate()}

    def form_valid(self, form):
        try:
            inspection = services.onsite_inspection_create(actor=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, MSG_INSPECTION_CREATED)
        return redirect("inspection-detail", pk=inspection.pk)


def _inspection_page(request, inspection, *, finding_form=None, status=200):
    actor = request.user
    findings = list(
        selectors.finding_queryset_for(actor=actor)
        .filter(inspection=inspection)
        .prefetch_related("evidence_files")
        .order_by("id")
    )
    for finding in findings:
        finding.identity_warnings = identity.mismatch_messages(identity.finding_identity_mismatch(finding))
    openable = [f for f in findings if f.status == FindingStatus.CONFIRMED and f.case_id is None]
    can_edit = actor.can(INSPECTION_EDIT)
    context = {
        "inspection": inspection,
        "findings": findings,
        "openable_ids": {f.pk for f in openable},
        "can_edit": can_edit,
        "can_view_scans": can_edit or actor.can(INSPECTION_VIEW),
        "can_decide": actor.can(FINDING_DECIDE),
        "can_open": actor.can(CASE_OPEN) and bool(openable),
        "finding_form": finding_form or (ManualFindingForm() if can_edit else None),
        "counts": {
            "candidate": sum(f.status == FindingStatus.CANDIDATE for f in findings),
            "confirmed": sum(f.status == FindingStatus.CONFIRMED for f in findings),
            "dismissed": sum(f.status == FindingStatus.DISMISSED for f in findings),
        },
    }
    return render(request, "cases/inspection_detail.html", context, status=status)


class InspectionDetailView(PolicyMixin, View):
    policy = {"GET": INSPECTION_VIEW}

    def get(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        return _inspection_page(request, inspection)


class FindingCreateView(PolicyMixin, View):
    """Record a manual finding with its evidence files on an inspection."""

    policy = {"POST": INSPECTION_EDIT}
    body_limit = limits.upload_limit

    def post(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        form = ManualFindingForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.finding_create_manual(
                    actor=request.user,
                    inspection=inspection,
                    violation_type=data["violation_type"],
                    title=data["title"],
                    description=data["description"],
                    files=data["files"],
                )
            except DomainError as exc:
                not_applicable = exc.code == error_codes.VIOLATION_TYPE_NOT_APPLICABLE
                form.add_error("violation_type" if not_applicable else "files", exc.message)
            else:
                messages.success(request, MSG_FINDING_CREATED % {"title": finding.title, "count": len(data["files"])})
                return redirect(reverse("inspection-detail", args=[inspection.pk]) + f"#finding-{finding.pk}")
        return _inspection_page(request, inspection, finding_form=form, status=400)


class FindingDecideView(PolicyMixin, View):
    """Confirm or dismiss a candidate finding (``decision`` comes from the URL)."""

    policy = {"POST": FINDING_DECIDE}
    decision: str = ""

    def post(self, request, pk):
        finding = found_or_404(selectors.finding_get_for, actor=request.user, finding_id=pk)
        form = (RequiredReasonForm if self.decision == "dismiss" else ConfirmForm)(request.POST)
        if not form.is_valid():
            messages.error(request, MSG_DISMISS_REASON)
        else:
            try:
                if self.decision == "dismiss":
                    services.finding_dismiss(actor=request.user, finding=finding, reason=form.cleaned_data["reason"])
                    messages.success(request, MSG_FINDING_DISMISSED % {"title": finding.title})
                else:
                    services.finding_confirm(
                        actor=request.user,
                        finding=finding,
                        reason=form.cleaned_data["reason"],
                        acknowledge_identity_mismatch=form.cleaned_data["acknowledge_identity_mismatch"],
                    )
                    messages.success(request, MSG_FINDING_CONFIRMED % {"title": finding.title})
            except DomainError as exc:
                messages.error(request, exc.message)
        return redirect(reverse("inspection-detail", args=[finding.inspection_id]) + f"#finding-{finding.pk}")


class CaseOpenView(PolicyMixin, View):
    """Open a case from findings of one inspection chosen on its page."""

    policy = {"POST": CASE_OPEN}

    def post(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        findings = selectors.finding_queryset_for(actor=request.user).filter(inspection=inspection)
        form = OpenCaseForm(request.POST, findings=findings)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("inspection-detail", pk=inspection.pk)
        try:
            case = services.case_open(actor=request.user, findings=list(form.cleaned_data["findings"]))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("inspection-detail", pk=inspection.pk)
        messages.success(request, MSG_CASE_OPENED % {"number": case.number})
        next_step.flash(request, case)
        return redirect("case-detail", pk=case.pk)


class EvidenceDownloadView(PolicyMixin, View):
    policy = {"GET": CASE_VIEW}

    def get(self, request, pk):
        evidence = found_or_404(selectors.evidence_get_for, actor=request.user, evidence_id=pk)
        return evidence_response(evidence)

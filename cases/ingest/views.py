"""The scan page of an inspection: upload a scanner output, follow its jobs, retry failed ones
(with another tool where that is what would help), withdraw finished ones with a reason,
and (for a re-test) see the comparison with the inspection it re-tests.

Progress is live through ``static/js/scan_progress.js``, which polls the job API; the page works
without JavaScript (reload to see progress).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.errors import DomainError
from accounts.policies import PolicyMixin
from accounts.roles import INSPECTION_EDIT, INSPECTION_VIEW, has_perm
from cases import identity, retest, selectors
from cases.ingest import failures, jobs
from cases.ingest import selectors as scan_selectors
from cases.models import ScanStatus
from cases.web import found_or_404
from config import limits

COMPARISON_ROWS = 50

MSG_QUEUED = _("“%(name)s” was uploaded; its ingestion is queued.")
MSG_SAME_FILE = _("This file was already uploaded to this inspection (job %(id)s); nothing new was queued.")
MSG_RETRIED = _("Job %(id)s was queued again.")
MSG_WITHDRAWN = _(
    "Job %(id)s was withdrawn: %(removed)s candidate(s) removed, %(kept)s finding(s) kept. "
    "Its file may be uploaded again."
)


class ScanUploadForm(forms.Form):
    file = forms.FileField(label=_("Scanner output"), allow_empty_file=True)
    tool = forms.ChoiceField(label=_("Scanner"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].choices = [("", _("Detect from the content"))] + [
            (name, name) for name in sorted(jobs.known_tools())
        ]
        self.fields["file"].help_text = _("Up to %(max)s MB. The file is kept whatever the outcome.") % {
            "max": settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        }


def _with_identity_warnings(jobs_of_inspection) -> list:
    """The jobs, each with its identity warnings and dropped codes ready for the template."""
    shown = list(jobs_of_inspection)
    for job in shown:
        job.identity_warnings = identity.mismatch_messages(job.identity_mismatch)
        job.not_applicable = (job.counts or {}).get("not_applicable") or {}
    return shown


def _page(request, inspection, *, form=None, error=None, status=200):
    can_upload = has_perm(request.user, INSPECTION_EDIT)
    comparison = retest.retest_comparison(inspection=inspection) if inspection.retest_of_id else None
    return render(
        request,
        "cases/scan_page.html",
        {
            "inspection": inspection,
            "jobs": _with_identity_warnings(_shown(scan_selectors.scan_jobs_of(inspection=inspection))),
            "form": (form or ScanUploadForm()) if can_upload else None,
            "upload_error": error,
            "can_upload": can_upload,
            "active": (ScanStatus.QUEUED, ScanStatus.RUNNING),
            "comparison": comparison,
            "comparison_rows": COMPARISON_ROWS,
        },
        status=status,
    )


def _shown(jobs_of_inspection) -> list:
    """The jobs with what the page shows beside the row: the failure in the reader's language, the
    retry it offers (``same``, ``other_tool`` with the tools to choose from, or none) and who
    withdrew a withdrawn job, when and why."""
    shown = []
    tools = sorted(jobs.known_tools())
    for job in jobs_of_inspection:
        job.failure_message = failures.message(job.failure_code, job.failure_params, fallback=job.failure_reason)
        job.retry_offer = jobs.retry_offer(job)
        job.retry_tools = [name for name in tools if name != job.tool]
        job.suggested_tool = (job.failure_params or {}).get("detected") if job.failure_code == "wrong_tool" else None
        if job.status == ScanStatus.WITHDRAWN:
            event = scan_selectors.scan_job_withdrawal(job=job)
            actor = event.actor if event else None
            job.withdrawal_by = (actor.get_full_name() or actor.get_username()) if actor else ""
            job.withdrawal_reason = event.reason if event else ""
        shown.append(job)
    return shown


class ScanPageView(PolicyMixin, View):
    policy = {"GET": INSPECTION_VIEW, "POST": INSPECTION_EDIT}
    body_limit = limits.upload_limit

    def get(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        return _page(request, inspection)

    def post(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        form = None
        try:
            jobs.check_declared_length(request.META.get("CONTENT_LENGTH"))
            form = ScanUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return _page(request, inspection, form=form, status=400)
            job, created = jobs.scan_job_create(
                actor=request.user,
                inspection=inspection,
                uploaded=form.cleaned_data["file"],
                tool=form.cleaned_data["tool"],
            )
        except DomainError as exc:
            return _page(request, inspection, form=form, error=exc.message, status=exc.status)
        if created:
            messages.success(request, MSG_QUEUED % {"name": job.original_name})
        else:
            messages.info(request, MSG_SAME_FILE % {"id": job.pk})
        return redirect(reverse("scan-page", args=[inspection.pk]) + f"#scan-job-{job.pk}")


class ScanRetryView(PolicyMixin, View):
    policy = {"POST": INSPECTION_EDIT}

    def post(self, request, pk):
        job = found_or_404(scan_selectors.scan_job_get_for, actor=request.user, job_id=pk)
        try:
            jobs.scan_job_retry(actor=request.user, job=job, tool=request.POST.get("tool", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, MSG_RETRIED % {"id": job.pk})
        return redirect(reverse("scan-page", args=[job.inspection_id]) + f"#scan-job-{job.pk}")


class ScanWithdrawView(PolicyMixin, View):
    policy = {"POST": INSPECTION_EDIT}

    def post(self, request, pk):
        job = found_or_404(scan_selectors.scan_job_get_for, actor=request.user, job_id=pk)
        try:
            result = jobs.scan_job_withdraw(actor=request.user, job=job, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, MSG_WITHDRAWN % {"id": job.pk, "removed": result.removed, "kept": result.kept})
        return redirect(reverse("scan-page", args=[job.inspection_id]) + f"#scan-job-{job.pk}")

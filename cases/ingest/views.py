"""The scan page of an inspection: upload a scanner output, follow its jobs, retry failed ones
(with another tool where that is what would help), withdraw finished ones with a reason,
and (for a re-test) see the comparison with the inspection it re-tests; and, per job, what it read
(its stored observations, filtered by kind, mapped or not, and text).

Progress is live through ``static/js/scan_progress.js``, which polls the job API; the page works
without JavaScript (reload to see progress).
"""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.errors import DomainError, Forbidden
from accounts.policies import PolicyMixin
from accounts.roles import INSPECTION_EDIT, INSPECTION_VIEW, has_perm
from cases import identity, retest, scanners, selectors
from cases.ingest import failures, jobs
from cases.ingest import selectors as scan_selectors
from cases.models import ScanStatus
from cases.scanners.counts import META_KINDS, is_counted
from cases.web import found_or_404
from config import limits
from config.lists import BoundedPaginator

COMPARISON_ROWS = 50
OBSERVATIONS_PER_PAGE = 50
# Characters of an observation's attributes the page shows (the API has them whole).
ATTRIBUTES_SHOWN = 8000

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
            (name, scanners.registry.display_name(name)) for name in sorted(jobs.known_tools())
        ]
        self.fields["file"].help_text = _("Up to %(max)s MB. The file is kept whatever the outcome.") % {
            "max": settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        }


def _page(request, inspection, *, form=None, error=None, status=200):
    can_upload = has_perm(request.user, INSPECTION_EDIT)
    comparison = retest.retest_comparison(inspection=inspection) if inspection.retest_of_id else None
    return render(
        request,
        "cases/scan_page.html",
        {
            "inspection": inspection,
            "jobs": _shown(scan_selectors.scan_jobs_of(inspection=inspection)),
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
    retry it offers (``same``, ``other_tool`` with the tools to choose from, or none), who
    withdrew a withdrawn job, when and why, its identity warnings and the codes dropped as not
    applicable."""
    shown = []
    tools = sorted(jobs.known_tools())
    for job in jobs_of_inspection:
        job.failure_message = failures.job_message(job)
        job.retry_offer = jobs.retry_offer(job)
        job.tool_name = scanners.registry.display_name(job.tool)
        job.retry_tools = [(name, scanners.registry.display_name(name)) for name in tools if name != job.tool]
        job.suggested_tool = failures.suggested_tool(job.failure_code, job.failure_params)
        job.identity_warnings = identity.mismatch_messages(job.identity_mismatch)
        job.not_applicable = (job.counts or {}).get("not_applicable") or {}
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
        except Forbidden as exc:  # another authority's job (accounts.scoping): refused, with its status
            return _page(request, job.inspection, error=exc.message, status=exc.status)
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
        except Forbidden as exc:  # another authority's job (accounts.scoping): refused, with its status
            return _page(request, job.inspection, error=exc.message, status=exc.status)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, MSG_WITHDRAWN % {"id": job.pk, "removed": result.removed, "kept": result.kept})
        return redirect(reverse("scan-page", args=[job.inspection_id]) + f"#scan-job-{job.pk}")


class ObservationFilterForm(forms.Form):
    q = forms.CharField(label=_("Text contains"), required=False, max_length=scan_selectors.OBSERVATION_SEARCH_CHARS)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    mapped = forms.ChoiceField(
        label=_("Fed a finding"),
        required=False,
        choices=[("", _("All")), ("true", _("Mapped")), ("false", _("Not mapped"))],
    )
    counted = forms.ChoiceField(
        label=_("Row type"),
        required=False,
        choices=[("", _("All")), ("true", _("Observations")), ("false", _("File header and summary"))],
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + [(kind, kind) for kind in kinds]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return scan_selectors.observation_filters({name: data.get(name) or "" for name in self.fields})


class ScanObservationsView(PolicyMixin, View):
    """What one scan job read: its counts by kind, then its observations, page by page."""

    policy = {"GET": INSPECTION_VIEW}

    def get(self, request, pk):
        job = found_or_404(scan_selectors.scan_job_get_for, actor=request.user, job_id=pk)
        job.tool_name = scanners.registry.display_name(job.tool)
        counts = job.counts or {}
        by_kind = counts.get("by_kind") or {}
        not_counted = counts.get("not_counted") or {}
        # Kinds of the stored rows: the counted ones, the meta rows, and "host" for hosts that were down.
        kinds = sorted({*by_kind, *(kind if kind in META_KINDS else "host" for kind in not_counted)})
        form = ObservationFilterForm(request.GET or None, kinds=kinds)
        rows = scan_selectors.scan_observations_of(job=job, **form.filters())
        page = BoundedPaginator(rows, OBSERVATIONS_PER_PAGE).get_page(request.GET.get("page"))
        for row in page.object_list:
            row.counted = is_counted(row.kind, row.attributes)
            text = json.dumps(row.attributes, ensure_ascii=False, indent=1, default=str)
            row.attributes_json = text if len(text) <= ATTRIBUTES_SHOWN else text[:ATTRIBUTES_SHOWN] + "…"
        return render(
            request,
            "cases/scan_observations.html",
            {
                "job": job,
                "inspection": job.inspection,
                "counts": counts,
                "by_kind": sorted(by_kind.items()),
                "not_counted": sorted(not_counted.items()),
                "levels": sorted((counts.get("results_by_level") or {}).items()),
                "filter_form": form,
                "page_obj": page,
                "observations": page.object_list,
            },
        )

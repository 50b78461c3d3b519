"""Complaint pages: the public form and status page (no login), and the regulators' list, triage
page, import page and leads dashboard (``COMPLAINT_VIEW`` to read, ``COMPLAINT_TRIAGE`` to act).

Thin (STYLE.md §7): validate a form, call one service or workflow move, render. A refusal is shown
on the page with its status (400, 409, 413, 429), never a 500.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from accounts.errors import DomainError
from accounts.policies import PolicyMixin, policy
from accounts.roles import COMPLAINT_TRIAGE, COMPLAINT_VIEW, INSPECTION_EDIT, PUBLIC
from cases.web import evidence_response, found_or_404
from complaints import events, selectors, services, workflow
from complaints.forms import (
    ComplaintForm,
    ImportForm,
    InspectionForm,
    MatchForm,
    MergeForm,
    ReasonForm,
    RecordForm,
)
from complaints.importing.service import complaint_import
from complaints.models import Channel, ComplaintStatus, SubjectKind
from complaints.throttles import submission_allowed
from config import limits
from config.lists import BoundedPaginator

PAGE_SIZE = 25

MSG_RATE_LIMITED = _("Too many complaints were sent from your network. Please try again in an hour.")
MSG_MATCHED = _("The complaint was matched.")
MSG_MERGED = _("The complaint was merged into complaint #%(id)s.")
MSG_DISMISSED = _("The complaint was dismissed.")
MSG_INSPECTION = _("An inspection was opened from the complaint.")
MSG_RECORDED = _("Complaint #%(id)s recorded. Its status link for the complainant (shown only now): %(url)s")
MSG_IMPORTED = _("%(imported)s complaints imported, %(known)s already known, %(refused)s rows refused.")


# ------------------------------------------------------------------ the public door


@policy({"GET": PUBLIC, "POST": PUBLIC})
@limits.body_limit(services.form_body_limit)
def public_form(request):
    """The public complaint form. Each POST counts against the client's address
    (``complaints.throttles``) before anything is checked or stored."""
    if request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES)
        if not submission_allowed(request):
            form.is_valid()
            form.add_error(None, MSG_RATE_LIMITED)
            return render(request, "complaints/public_form.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                complaint, token = services.complaint_submit(**form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
                return render(request, "complaints/public_form.html", {"form": form}, status=exc.status)
            status_url = request.build_absolute_uri(reverse("complaints-public:status", args=[token]))
            return render(
                request, "complaints/public_sent.html", {"complaint": complaint, "status_url": status_url}, status=201
            )
        return render(request, "complaints/public_form.html", {"form": form}, status=400)
    return render(request, "complaints/public_form.html", {"form": ComplaintForm()})


def _form_error(form, exc: DomainError) -> None:
    fields = {k: v for k, v in (exc.details or {}).items() if k in form.fields}
    for name, errors in fields.items():
        for error in errors if isinstance(errors, list | tuple) else [errors]:
            form.add_error(name, error)
    if not fields:
        form.add_error(None, str(exc.message))


@policy({"GET": PUBLIC})
def public_status(request, token):
    """The complainant's private link: status and public outcome only (no contact, no notes)."""
    status = found_or_404(selectors.complaint_status_get, token=token)
    response = render(request, "complaints/public_status.html", {"status": status})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


# ------------------------------------------------------------------ the regulators' pages


class ComplaintListView(PolicyMixin, ListView):
    policy = {"GET": COMPLAINT_VIEW}
    template_name = "complaints/complaint_list.html"
    context_object_name = "complaints"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    def _filter(self, name, choices) -> str:
        value = self.request.GET.get(name, "")
        return value if value in dict(choices) else ""

    def get_queryset(self):
        return selectors.complaint_list(
            actor=self.request.user,
            status=self._filter("status", ComplaintStatus.choices),
            channel=self._filter("channel", Channel.choices),
            subject_kind=self._filter("subject_kind", SubjectKind.choices),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "statuses": ComplaintStatus.choices,
                "channels": Channel.choices,
                "kinds": SubjectKind.choices,
                "selected": {
                    "status": self._filter("status", ComplaintStatus.choices),
                    "channel": self._filter("channel", Channel.choices),
                    "subject_kind": self._filter("subject_kind", SubjectKind.choices),
                },
            }
        )
        return context


# How the history names each kind of event (complaints.events) and each status.
EVENT_LABELS = {
    events.RECEIVED: _("Received"),
    events.IMPORTED: _("Imported"),
    events.TRANSITION: _("Status changed"),
}


def _history(complaint) -> list:
    statuses = dict(ComplaintStatus.choices)
    rows = list(selectors.complaint_events(complaint=complaint))
    for event in rows:
        event.label = EVENT_LABELS.get(event.kind, event.kind)
        event.to_label = statuses.get(event.to_status, event.to_status)
    return rows


def _detail(request, complaint, *, forms=None, status=200):
    forms = forms or {}
    context = {
        "complaint": complaint,
        "attachments": list(complaint.attachments.all()),
        "events": _history(complaint),
        "suggestions": selectors.complaint_suggestions(complaint=complaint) if not complaint.is_final else [],
        "similar": list(selectors.complaint_similar(complaint=complaint)) if not complaint.is_final else [],
        "match_form": forms.get("match") or MatchForm(),
        "merge_form": forms.get("merge") or MergeForm(auto_id="merge_%s"),
        "dismiss_form": forms.get("dismiss") or ReasonForm(auto_id="dismiss_%s"),
        "inspection_form": forms.get("inspection") or InspectionForm(product_id=complaint.product_id),
        "can_triage": request.user.can(COMPLAINT_TRIAGE),
        "can_inspect": request.user.can(INSPECTION_EDIT),
    }
    return render(request, "complaints/complaint_detail.html", context, status=status)


def _get(request, pk):
    return found_or_404(selectors.complaint_get_for, actor=request.user, complaint_id=pk)


@policy({"GET": COMPLAINT_TRIAGE, "POST": COMPLAINT_TRIAGE})
@limits.body_limit(services.form_body_limit)
def record_complaint(request):
    """Type in a complaint received by e-mail, letter or another way; the status link is shown once,
    for the regulator to send to the complainant."""
    form = RecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                complaint, token = services.complaint_submit(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
                return render(request, "complaints/record.html", {"form": form}, status=exc.status)
            url = request.build_absolute_uri(reverse("complaints-public:status", args=[token]))
            messages.success(request, MSG_RECORDED % {"id": complaint.pk, "url": url})
            return redirect("complaints:detail", pk=complaint.pk)
        return render(request, "complaints/record.html", {"form": form}, status=400)
    return render(request, "complaints/record.html", {"form": form})


@policy({"GET": COMPLAINT_VIEW})
def complaint_detail(request, pk):
    return _detail(request, _get(request, pk))


def _act(request, complaint, name, form, call, success):
    """Validate, move, and go back to the complaint; or show the page with the error and its status."""
    if form.is_valid():
        try:
            call(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            return _detail(request, complaint, forms={name: form}, status=exc.status if exc.status != 404 else 400)
        messages.success(request, success)
        return redirect("complaints:detail", pk=complaint.pk)
    return _detail(request, complaint, forms={name: form}, status=400)


@policy({"POST": COMPLAINT_TRIAGE})
def complaint_match(request, pk):
    complaint = _get(request, pk)
    return _act(
        request,
        complaint,
        "match",
        MatchForm(request.POST),
        lambda vendor, product: workflow.match_complaint(
            complaint=complaint, actor=request.user, vendor=vendor, product=product
        ),
        MSG_MATCHED,
    )


@policy({"POST": COMPLAINT_TRIAGE})
def complaint_merge(request, pk):
    complaint = _get(request, pk)
    form = MergeForm(request.POST, auto_id="merge_%s")
    form.fields["into"].queryset = selectors.complaint_queryset_for(actor=request.user)
    return _act(
        request,
        complaint,
        "merge",
        form,
        lambda into, reason: workflow.merge_complaint(
            complaint=complaint, actor=request.user, into=into, reason=reason
        ),
        MSG_MERGED % {"id": request.POST.get("into", "")[:20]},
    )


@policy({"POST": COMPLAINT_TRIAGE})
def complaint_dismiss(request, pk):
    complaint = _get(request, pk)
    return _act(
        request,
        complaint,
        "dismiss",
        ReasonForm(request.POST, auto_id="dismiss_%s"),
        lambda reason: workflow.dismiss_complaint(complaint=complaint, actor=request.user, reason=reason),
        MSG_DISMISSED,
    )


@policy({"POST": INSPECTION_EDIT})
def complaint_inspection(request, pk):
    complaint = _get(request, pk)
    return _act(
        request,
        complaint,
        "inspection",
        InspectionForm(request.POST, product_id=complaint.product_id),
        lambda **data: workflow.open_inspection_complaint(complaint=complaint, actor=request.user, **data),
        MSG_INSPECTION,
    )


@policy({"GET": COMPLAINT_VIEW})
def attachment_download(request, pk):
    attachment = found_or_404(selectors.complaint_attachment_get_for, actor=request.user, attachment_id=pk)
    return evidence_response(attachment)


@policy({"GET": COMPLAINT_TRIAGE, "POST": COMPLAINT_TRIAGE})
@limits.body_limit(limits.upload_limit)
def import_page(request):
    """Upload a platform's export; the page shows the counts and every refused row with its reason."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                result = complaint_import(
                    actor=request.user,
                    data=uploaded.read(),
                    original_name=uploaded.name,
                    mapping_name=form.cleaned_data["mapping"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(
                    request,
                    MSG_IMPORTED
                    % {"imported": result.rows_imported, "known": result.rows_known, "refused": result.rows_refused},
                )
        else:
            status = 400
    context = {"form": form, "result": result, "imports": selectors.complaint_import_list()[:10]}
    return render(request, "complaints/import.html", context, status=status)


@policy({"GET": COMPLAINT_VIEW})
def leads_dashboard(request):
    data = selectors.leads_dashboard()
    statuses = ComplaintStatus.choices
    channels, kinds = dict(Channel.choices), dict(SubjectKind.choices)

    def table(counts, labels):
        return [
            {
                "label": labels.get(key, key),
                "key": key,
                "cells": [row.get(s, 0) for s, _label in statuses],
                "total": sum(row.values()),
            }
            for key, row in sorted(counts.items(), key=lambda item: -sum(item[1].values()))
        ]

    context = {
        "statuses": statuses,
        "by_channel": table(data["by_channel"], channels),
        "by_kind": table(data["by_kind"], kinds),
        "subjects": data["subjects"],
        "many": selectors.MANY_COMPLAINTS,
    }
    return render(request, "complaints/dashboard.html", context)

"""Regulator pages: notice list, drafting from cases, the notice page with approve and publish."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.errors import DomainError, NotFound
from accounts.policies import policy
from accounts.reasons import REASON_MAX_LENGTH
from accounts.roles import NOTICE_APPROVE, NOTICE_DRAFT, has_perm
from cases import next_step

from . import corrections, documents, events, rendering, selectors, services, workflow
from .forms import DraftForm, DraftKindForm, EntryEditForm, ItemEditForm, NoticeEditForm
from .models import ISSUED, NoticeKind, NoticeStatus

PAGE_SIZE = 50  # notices per page of the regulators' list (keyset: older pages cost the same)
MSG_DRAFTED = _("The notice was drafted.")
MSG_SAVED = _("The draft was saved.")
MSG_APPROVED = _("The notice was approved; its text is now frozen.")
MSG_PUBLISH_QUEUED = _("Publication was requested; the PDF is being rendered.")
MSG_CORRECTION = _("A correction was drafted as a new version.")
MSG_CODE_GONE = _("The access code was already shown; it is printed on the order's PDF.")
MSG_ROW_SAVED = _("The row was saved.")
MSG_NO_PREVIEW = _("An issued notice has its PDF; only drafts and approved notices are previewed.")


def _notice_or_404(request, pk: int):
    try:
        return selectors.notice_get_for(actor=request.user, notice_id=pk)
    except NotFound:
        raise Http404 from None


@policy({"GET": NOTICE_DRAFT})
def notice_list(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    notices, older = selectors.notice_page(
        actor=request.user, filters={"status": status, "kind": kind}, before=request.GET.get("before"), size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "notices/regulator/list.html",
        {
            "notices": notices,
            "older": older,
            "query": query.urlencode(),
            "statuses": NoticeStatus.choices,
            "kinds": NoticeKind.choices,
            "status": status,
            "kind": kind,
        },
    )


@policy({"GET": NOTICE_DRAFT, "POST": NOTICE_DRAFT})
def notice_draft(request):
    kind_form = DraftKindForm(request.GET or request.POST or None)
    kind = kind_form.cleaned_data["kind"] if kind_form.is_valid() else None
    form = None
    if kind:
        cases = selectors.draftable_cases(kind=kind)
        # ``?case=`` (the case page's "Draft it") ticks that case; a stale or foreign id ticks nothing.
        ticked = [request.GET["case"]] if request.GET.get("case", "").isdigit() else []
        form = DraftForm(
            request.POST if request.method == "POST" else None,
            cases_queryset=cases,
            initial={"kind": kind, "cases": ticked},
        )
        if request.method == "POST" and form.is_valid():
            try:
                notice = services.notice_draft(
                    actor=request.user, kind=kind, case_ids=[c.pk for c in form.cleaned_data["cases"]]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, MSG_DRAFTED)
                if notice.case_id:  # an order: say what comes next on its case (approval)
                    next_step.flash(request, notice.case)
                return redirect("notices:regulator-detail", pk=notice.pk)
    return render(request, "notices/regulator/draft.html", {"kind_form": kind_form, "form": form, "kind": kind})


@policy({"GET": NOTICE_DRAFT, "POST": NOTICE_DRAFT})
def notice_detail(request, pk: int):
    notice = _notice_or_404(request, pk)
    edit_form = None
    if notice.is_editable:
        initial = {f: getattr(notice, f) for f in services.EDITABLE_FIELDS}
        edit_form = NoticeEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and edit_form.is_valid():
            try:
                services.notice_update(actor=request.user, notice=notice, **edit_form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, MSG_SAVED)
            return redirect("notices:regulator-detail", pk=notice.pk)
    elif request.method == "POST":
        messages.error(request, services.MSG_FROZEN)
        return redirect("notices:regulator-detail", pk=notice.pk)
    return _render_detail(request, notice, edit_form=edit_form)


def _row_forms(notice, rows, form_class, fields, prefix: str, name: str) -> list:
    """(row, its edit form) for each listed row of an editable notice; none once it is frozen."""
    if not notice.is_editable:
        return []
    return [
        (
            row,
            form_class(
                initial={f: getattr(row, f) for f in fields},
                prefix=f"{prefix}{row.pk}",
                form_id=f"{name}-form-{row.pk}",
            ),
        )
        for row in rows.order_by("position")
    ]


def _render_detail(request, notice, *, edit_form=None, access_code=None, status=200):
    event_list = list(selectors.notice_events(notice=notice))
    failures = [e for e in event_list if e.kind == events.PUBLISH_FAILED]
    diff = corrections.correction_diff(notice=notice)
    context = {
        "notice": notice,
        "entries": notice.entries.order_by("position"),
        "items": notice.items.order_by("position"),
        "events": event_list,
        "last_failure": failures[-1] if failures and notice.status == NoticeStatus.APPROVED else None,
        "publication_job": selectors.notice_publication_job(notice=notice)
        if notice.status == NoticeStatus.APPROVED
        else None,
        "edit_form": edit_form,
        "access_code": access_code,
        "can_approve": notice.status == NoticeStatus.DRAFT
        and (diff is None or diff.changed)
        and has_perm(request.user, NOTICE_APPROVE)
        and notice.drafted_by_id != request.user.pk,
        "is_drafter": notice.drafted_by_id == request.user.pk,
        "can_publish": notice.status == NoticeStatus.APPROVED and has_perm(request.user, NOTICE_APPROVE),
        "can_correct": notice.status == NoticeStatus.PUBLISHED and not _has_correction(notice),
        "can_reveal": notice.kind == NoticeKind.ORDER
        and notice.status == NoticeStatus.PUBLISHED
        and has_perm(request.user, NOTICE_APPROVE),
        "entry_forms": _row_forms(notice, notice.entries, EntryEditForm, services.ENTRY_FIELDS, "e", "entry"),
        "item_forms": _row_forms(notice, notice.items, ItemEditForm, services.ITEM_FIELDS, "i", "item"),
        "diff": diff,
    }
    return render(request, "notices/regulator/detail.html", context, status=status)


def _has_correction(notice) -> bool:
    try:
        notice.superseded_by  # noqa: B018 - the reverse one-to-one raises when absent
    except notice.__class__.superseded_by.RelatedObjectDoesNotExist:
        return False
    return True


def _act(request, pk: int, action, success_message, *, then_next_step=False):
    notice = _notice_or_404(request, pk)
    try:
        result = action(notice)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notices:regulator-detail", pk=notice.pk)
    messages.success(request, success_message)
    if then_next_step and result.case_id:  # an order: say what comes next on its case
        next_step.flash(request, result.case)
    return redirect("notices:regulator-detail", pk=result.pk)


@require_POST
@policy({"POST": NOTICE_APPROVE})
def notice_approve(request, pk: int):
    return _act(
        request,
        pk,
        lambda n: workflow.notice_approve(actor=request.user, notice=n),
        MSG_APPROVED,
        then_next_step=True,
    )


@require_POST
@policy({"POST": NOTICE_APPROVE})
def notice_publish(request, pk: int):
    return _act(
        request, pk, lambda n: workflow.notice_request_publication(actor=request.user, notice=n), MSG_PUBLISH_QUEUED
    )


@require_POST
@policy({"POST": NOTICE_DRAFT})
def notice_correct(request, pk: int):
    reason = request.POST.get("reason", "")[:REASON_MAX_LENGTH]
    return _act(
        request, pk, lambda n: services.notice_correct(actor=request.user, notice=n, reason=reason), MSG_CORRECTION
    )


@require_POST
@policy({"POST": NOTICE_APPROVE})
def notice_access_code(request, pk: int):
    notice = _notice_or_404(request, pk)
    code = services.order_access_code_reveal(actor=request.user, notice=notice)
    if code is None:
        messages.warning(request, MSG_CODE_GONE)
        return redirect("notices:regulator-detail", pk=notice.pk)
    return _render_detail(request, notice, access_code=code)


@policy({"GET": NOTICE_DRAFT})
def notice_pdf(request, pk: int):
    notice = _notice_or_404(request, pk)
    if not notice.pdf:
        raise Http404
    return FileResponse(
        notice.pdf.open("rb"),
        as_attachment=True,
        filename=f"notice-{notice.pk}-v{notice.version}.pdf",
        content_type="application/pdf",
    )


def _save_row(request, pk: int, *, rows, row_id: int, form_class, prefix: str, update, row_kwarg: str):
    notice = _notice_or_404(request, pk)
    row = getattr(notice, rows).filter(pk=row_id).first()
    if row is None:
        raise Http404
    form = form_class(request.POST, prefix=f"{prefix}{row.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("notices:regulator-detail", pk=notice.pk)
    try:
        update(actor=request.user, **{row_kwarg: row}, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, MSG_ROW_SAVED)
    return redirect("notices:regulator-detail", pk=notice.pk)


@require_POST
@policy({"POST": NOTICE_DRAFT})
def notice_entry_edit(request, pk: int, entry_id: int):
    """Save one listed row of a draft (the rows of a correction can be fixed too)."""
    return _save_row(
        request,
        pk,
        rows="entries",
        row_id=entry_id,
        form_class=EntryEditForm,
        prefix="e",
        update=services.notice_entry_update,
        row_kwarg="entry",
    )


@require_POST
@policy({"POST": NOTICE_DRAFT})
def notice_item_edit(request, pk: int, item_id: int):
    """Save one problem of a draft order (legal basis, evidence)."""
    return _save_row(
        request,
        pk,
        rows="items",
        row_id=item_id,
        form_class=ItemEditForm,
        prefix="i",
        update=services.notice_item_update,
        row_kwarg="item",
    )


@policy({"GET": NOTICE_DRAFT})
def notice_changes(request, pk: int):
    """A correction beside the version it corrects: text and rows, side by side."""
    notice = _notice_or_404(request, pk)
    diff = corrections.correction_diff(notice=notice)
    if diff is None:
        raise Http404
    return render(request, "notices/regulator/changes.html", {"notice": notice, "diff": diff})


@policy({"GET": NOTICE_DRAFT})
def notice_preview(request, pk: int):
    """The PDF a draft or approved notice would be, watermarked 样稿: rendered by the same code as the
    published one, for regulators only, never stored."""
    notice = _notice_or_404(request, pk)
    if notice.status in ISSUED:
        messages.info(request, MSG_NO_PREVIEW)
        return redirect("notices:regulator-detail", pk=notice.pk)
    try:
        document = documents.notice_document(notice=notice, date=documents.notice_preview_date(), draft=True)
        pdf = rendering.render_notice_pdf(document)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notices:regulator-detail", pk=notice.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}-draft.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@policy({"GET": NOTICE_DRAFT})
def notice_publication(request, pk: int):
    """The publication's progress as JSON, polled by static/notices/publication.js."""
    notice = _notice_or_404(request, pk)
    job = selectors.notice_publication_job(notice=notice)
    return JsonResponse(
        {
            "status": notice.status,
            "status_label": str(notice.get_status_display()),
            "job": None
            if job is None
            else {"status": job.status, "status_label": str(job.get_status_display()), "attempts": job.attempts},
        },
        headers={"Cache-Control": "private, no-store"},
    )

"""Regulator pages: notice list, drafting from cases, the notice page with approve and publish."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.errors import DomainError, NotFound
from accounts.policies import policy
from accounts.reasons import REASON_MAX_LENGTH
from accounts.roles import NOTICE_APPROVE, NOTICE_DRAFT, has_perm

from . import events, selectors, services, workflow
from .forms import DraftForm, DraftKindForm, NoticeEditForm
from .models import NoticeKind, NoticeStatus

MSG_DRAFTED = _("The notice was drafted.")
MSG_SAVED = _("The draft was saved.")
MSG_APPROVED = _("The notice was approved; its text is now frozen.")
MSG_PUBLISH_QUEUED = _("Publication was requested; the PDF is being rendered.")
MSG_CORRECTION = _("A correction was drafted as a new version.")
MSG_CODE_GONE = _("The access code was already shown; it is printed on the order's PDF.")


def _notice_or_404(request, pk: int):
    try:
        return selectors.notice_get_for(actor=request.user, notice_id=pk)
    except NotFound:
        raise Http404 from None


@policy({"GET": NOTICE_DRAFT})
def notice_list(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    notices = selectors.notice_list(actor=request.user, filters={"status": status, "kind": kind})[:200]
    return render(
        request,
        "notices/regulator/list.html",
        {
            "notices": notices,
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
        form = DraftForm(
            request.POST if request.method == "POST" else None, cases_queryset=cases, initial={"kind": kind}
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


def _render_detail(request, notice, *, edit_form=None, access_code=None, status=200):
    event_list = list(selectors.notice_events(notice=notice))
    failures = [e for e in event_list if e.kind == events.PUBLISH_FAILED]
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
        and has_perm(request.user, NOTICE_APPROVE)
        and notice.drafted_by_id != request.user.pk,
        "is_drafter": notice.drafted_by_id == request.user.pk,
        "can_publish": notice.status == NoticeStatus.APPROVED and has_perm(request.user, NOTICE_APPROVE),
        "can_correct": notice.status == NoticeStatus.PUBLISHED and not _has_correction(notice),
        "can_reveal": notice.kind == NoticeKind.ORDER
        and notice.status == NoticeStatus.PUBLISHED
        and has_perm(request.user, NOTICE_APPROVE),
    }
    return render(request, "notices/regulator/detail.html", context, status=status)


def _has_correction(notice) -> bool:
    try:
        notice.superseded_by  # noqa: B018 - the reverse one-to-one raises when absent
    except notice.__class__.superseded_by.RelatedObjectDoesNotExist:
        return False
    return True


def _act(request, pk: int, action, success_message):
    notice = _notice_or_404(request, pk)
    try:
        result = action(notice)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notices:regulator-detail", pk=notice.pk)
    messages.success(request, success_message)
    return redirect("notices:regulator-detail", pk=result.pk)


@require_POST
@policy({"POST": NOTICE_APPROVE})
def notice_approve(request, pk: int):
    return _act(request, pk, lambda n: workflow.notice_approve(actor=request.user, notice=n), MSG_APPROVED)


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

"""The timeline page of an inspection, and its two forms: mark consent, cite a window (ARCHITECTURE.md §14)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.errors import DomainError
from accounts.policies import PolicyMixin
from accounts.roles import FINDING_DECIDE, INSPECTION_EDIT, INSPECTION_VIEW, has_perm
from cases import selectors
from cases.models import FindingStatus
from cases.timeline import selectors as timeline
from cases.timeline import services
from cases.web import found_or_404

# What an <input type="datetime-local"> shows and sends back (local time, the regulator's zone).
LOCAL_INPUT = "%Y-%m-%dT%H:%M:%S"
MSG_CONSENT_MARKED = _("The moment of consent is marked on the timeline.")
MSG_CONSENT_CLEARED = _("The mark was removed: the timeline reads the hook tool's consent marker, if any.")
MSG_CITED = _("The finding now cites this window of the timeline; the order to rectify prints it as an annex.")


_LOCAL = {"type": "datetime-local", "step": "1"}


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    party = forms.CharField(label=_("SDK or host"), required=False, max_length=200)
    consent = forms.ChoiceField(
        label=_("Consent"),
        required=False,
        choices=[
            ("", _("Before and after")),
            (timeline.CONSENT_BEFORE, _("Before consent")),
            (timeline.CONSENT_AFTER, _("After consent")),
        ],
    )
    start = forms.DateTimeField(
        label=_("From"), required=False, widget=forms.DateTimeInput(format=LOCAL_INPUT, attrs=_LOCAL)
    )
    end = forms.DateTimeField(
        label=_("To"), required=False, widget=forms.DateTimeInput(format=LOCAL_INPUT, attrs=_LOCAL)
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + [(kind, kind) for kind in kinds]

    def add_prefix(self, field_name):
        # The query string uses the API's names (from, to).
        return {"start": "from", "end": "to"}.get(field_name, field_name)

    def filters(self) -> timeline.TimelineFilters:
        if not self.is_bound or not self.is_valid():
            return timeline.TimelineFilters()
        data = self.cleaned_data
        return timeline.TimelineFilters(
            kind=data.get("kind") or "",
            party=(data.get("party") or "").strip().lower(),
            consent=data.get("consent") or "",
            start=data.get("start"),
            end=data.get("end"),
        )


class ConsentForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Moment of consent"),
        required=False,
        widget=forms.DateTimeInput(format=LOCAL_INPUT, attrs=_LOCAL),
    )


class CiteForm(forms.Form):
    finding = forms.TypedChoiceField(label=_("Confirmed finding"), coerce=int)
    start = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(format=LOCAL_INPUT, attrs=_LOCAL))
    end = forms.DateTimeField(label=_("To"), widget=forms.DateTimeInput(format=LOCAL_INPUT, attrs=_LOCAL))
    kind = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    party = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=services.NOTE_CHARS)

    def __init__(self, *args, findings=(), **kwargs):
        kwargs.setdefault("auto_id", "cite_%s")  # beside the filter form on one page: ids of its own
        super().__init__(*args, **kwargs)
        self.fields["finding"].choices = [(f.pk, f"#{f.pk} {f.title}") for f in findings]

    def add_prefix(self, field_name):
        return {"start": "from", "end": "to"}.get(field_name, field_name)


def _confirmed(inspection):
    return list(inspection.findings.filter(status=FindingStatus.CONFIRMED).order_by("id").only("id", "title"))


def _query(filters: timeline.TimelineFilters, **extra) -> str:
    params = {
        "kind": filters.kind,
        "party": filters.party,
        "consent": filters.consent,
        "from": filters.start.isoformat() if filters.start else "",
        "to": filters.end.isoformat() if filters.end else "",
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v})


class TimelineView(PolicyMixin, View):
    """One time axis for every job of the inspection, a page at a time; ``?partial=1`` answers the
    next rows only (the script appends them as the reader scrolls; without it, a link)."""

    policy = {"GET": INSPECTION_VIEW}

    def get(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        jobs = timeline.timeline_jobs(inspection=inspection)
        job_ids = [job.pk for job in jobs]
        form = TimelineFilterForm(request.GET or None, kinds=timeline.timeline_kinds(jobs=jobs))
        filters = form.filters()
        error = ""
        raw = (request.GET.get("page_size") or "").strip()
        size = int(raw) if raw.isdecimal() and len(raw) <= 3 and int(raw) > 0 else timeline.PAGE_SIZE
        try:
            page = timeline.timeline_page(
                inspection=inspection, filters=filters, cursor=request.GET.get("cursor"), size=size, jobs=jobs
            )
        except DomainError as exc:
            error = exc.message
            page = timeline.timeline_page(inspection=inspection, filters=timeline.TimelineFilters(), jobs=jobs)
        base = reverse("inspection-timeline", args=[inspection.pk])
        extra = {"page_size": size} if size != timeline.PAGE_SIZE else {}
        next_url = f"{base}?{_query(filters, cursor=page.next_cursor, **extra)}" if page.next_cursor else ""
        context = {
            "inspection": inspection,
            "page": page,
            "items": page.items,
            "next_url": next_url,
            "partial_url": f"{next_url}&partial=1" if next_url else "",
            # Each row can mark its moment as the consent (a button of the consent form).
            "can_mark": has_perm(request.user, INSPECTION_EDIT),
        }
        if request.GET.get("partial"):
            return render(request, "cases/timeline/_rows.html", context)
        findings = _confirmed(inspection) if has_perm(request.user, FINDING_DECIDE) else []
        window_start = filters.start or (page.items[0].at if page.items else None)
        window_end = filters.end
        cite_form = CiteForm(
            findings=findings,
            initial={"start": window_start, "end": window_end, "kind": filters.kind, "party": filters.party},
        )
        context.update(
            filter_form=form,
            error=error,
            filters=filters,
            consent_form=ConsentForm(initial={"at": page.consent.at}),
            cite_form=cite_form,
            can_cite=bool(findings),
            citations=timeline.timeline_citations(inspection=inspection),
            static_facts=timeline.timeline_static_facts(jobs=jobs),
            parties=timeline.timeline_parties(job_ids=job_ids),
            base_url=base,
        )
        return render(request, "cases/timeline/page.html", context)


class TimelineConsentView(PolicyMixin, View):
    policy = {"POST": INSPECTION_EDIT}

    def post(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        form = ConsentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a date and time."))
        else:
            at = None if request.POST.get("clear") else form.cleaned_data.get("at")
            try:
                services.inspection_consent_mark(actor=request.user, inspection=inspection, at=at)
            except DomainError as exc:  # another authority's inspection (accounts.scoping)
                messages.error(request, exc.message)
            else:
                messages.success(request, MSG_CONSENT_MARKED if at else MSG_CONSENT_CLEARED)
        return redirect(reverse("inspection-timeline", args=[inspection.pk]))


class TimelineCiteView(PolicyMixin, View):
    policy = {"POST": FINDING_DECIDE}

    def post(self, request, pk):
        inspection = found_or_404(selectors.inspection_get_for, actor=request.user, inspection_id=pk)
        form = CiteForm(request.POST, findings=_confirmed(inspection))
        back = reverse("inspection-timeline", args=[inspection.pk])
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, errors[0])
            return redirect(back)
        data = form.cleaned_data
        finding = inspection.findings.get(pk=data["finding"])
        try:
            services.finding_cite_window(
                actor=request.user,
                finding=finding,
                start=data["start"],
                end=data["end"],
                kind=data.get("kind") or "",
                party=data.get("party") or "",
                note=data.get("note") or "",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, MSG_CITED)
        filters = timeline.TimelineFilters(
            kind=data.get("kind") or "", party=data.get("party") or "", start=data["start"], end=data["end"]
        )
        return redirect(f"{back}?{_query(filters)}#citations")

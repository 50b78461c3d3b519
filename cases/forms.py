"""Forms for the regulator pages. They check input; ``cases.services`` and ``cases.workflow`` act."""

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import REGIONS, Authority
from accounts.reasons import REASON_MAX_LENGTH
from cases import identity
from cases.evidence import check_evidence, original_name
from cases.models import CaseStatus, InspectionMethod, TestingAgency, ViolationType
from cases.selectors import campaign_choices
from products.models import ProductKind
from products.selectors import scenario_list, vendor_list, version_list

MSG_FILE_ERROR = _("%(name)s: %(error)s")
MSG_NATIONAL = _("Ministry")  # the group of the national authority in the transfer form's list


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once (screenshots, recordings): the one upload
    field of the regulator's findings and the vendor's reports. Empty parts are dropped, so the
    services get a list of files and never a None; there is nothing to "clear" on a new upload,
    hence the plain (not clearable) input.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """A browser date picker. ``<input type=date>`` takes its value as YYYY-MM-DD whatever the page
    language; the localized format (``2026/12/03`` in Chinese) would leave it empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateField(forms.DateField):
    """A date typed in a date picker: rendered and read as YYYY-MM-DD in every language."""

    widget = IsoDateInput
    input_formats = [ISO_DATE]


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.product.vendor.name} · {obj.product.name} {obj.version}"


class ViolationTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class ReadOnce(BaseChoiceIterator):
    """Choices read by ``read()`` on first use, then kept for the life of the form."""

    def __init__(self, read):
        self.read, self.rows = read, None

    def __iter__(self):
        if self.rows is None:
            self.rows = list(self.read())
        return iter(self.rows)


class CaseFilterForm(forms.Form):
    """The case list's GET filters; ``filters()`` feeds ``cases.selectors.case_list``."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("State"), required=False)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=campaign_choices(), required=False, empty_label=_("All campaigns")
    )
    # Thousands of vendors make no list to choose from: the vendor comes from a link (the vendor's
    # page) and shows as a chip to remove; the search box finds vendors by name.
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=vendor_list(), required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Product kind"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The dashboard's drill-down (ARCHITECTURE.md §15) links here with its authority or region; each
    # shows as a chip to remove. The list stays within what the reader sees (``case_queryset_for``).
    authority = forms.ModelChoiceField(
        label=_("Authority"), queryset=Authority.objects.all(), required=False, widget=forms.HiddenInput
    )
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", ""), *REGIONS.items()], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states")), *CaseStatus.choices]
        self.fields["kind"].choices = [("", _("All kinds")), *ProductKind.choices]
        # The campaigns read with one plain query when the form is rendered (the CSV export never
        # reads them): a ModelChoiceField renders its choices through QuerySet.iterator(), which on
        # PostgreSQL outside a transaction is a server-side cursor (DECLARE ... WITH HOLD, FETCH,
        # CLOSE: 8 ms at scale, issue 14). Validation still goes through the queryset.
        campaign = self.fields["campaign"]
        campaign.choices = ReadOnce(
            lambda: [("", campaign.empty_label), *((c.pk, campaign.label_from_instance(c)) for c in campaign.queryset)]
        )

    @property
    def region_label(self) -> str:
        return str(REGIONS.get(self.cleaned_data.get("region") or "", "")) if self.is_valid() else ""

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "status": data["status"],
            "campaign": data["campaign"].pk if data["campaign"] else None,
            "vendor": data["vendor"].pk if data["vendor"] else None,
            "kind": data["kind"],
            "overdue": data["overdue"],
            "authority": data["authority"].pk if data["authority"] else None,
            "region": data["region"],
        }


class InspectionForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=campaign_choices())
    product_version = VersionChoiceField(label=_("Product version"), queryset=version_list())
    agency = forms.ModelChoiceField(label=_("Testing agency"), queryset=TestingAgency.objects.order_by("name"))
    date = IsoDateField(label=_("Inspection date"))
    method = forms.ChoiceField(label=_("Method"), choices=InspectionMethod.choices)
    notes = forms.CharField(
        label=_("Tester's notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    device_address = forms.CharField(
        label=_("Device address"),
        required=False,
        max_length=64,
        help_text=_("IP or MAC address of the tested device, for network captures and scans."),
    )

    def clean_device_address(self):
        try:
            return identity.device_address_clean(self.cleaned_data["device_address"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class ScenarioChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.scenario.get_scenario_type_display()} · {obj.vendor.name}"


class OnsiteInspectionForm(forms.Form):
    """An on-site check of an offline scenario; the day's visit version is made by the service."""

    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=campaign_choices())
    scenario = ScenarioChoiceField(label=_("Offline scenario"), queryset=scenario_list())
    agency = forms.ModelChoiceField(label=_("Testing agency"), queryset=TestingAgency.objects.order_by("name"))
    date = IsoDateField(label=_("Inspection date"))
    notes = forms.CharField(
        label=_("Tester's notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("What was seen on site: signs, the consent text shown, what staff asked for."),
    )


class ManualFindingForm(forms.Form):
    violation_type = ViolationTypeChoiceField(
        label=_("Violation type"), queryset=ViolationType.objects.filter(active=True).order_by("code")
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )
    files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Screenshots, screen recordings, audio, PDF or text; several files may be chosen at once."),
        widget=MultipleFileInput(attrs={"accept": "image/*,video/*,audio/*,.pdf,.txt,.zip,.json"}),
    )

    def clean_files(self):
        """Check every file with the evidence rules before anything is written."""
        files = self.cleaned_data["files"]
        errors = []
        for uploaded in files:
            try:
                check_evidence(uploaded)
            except DomainError as exc:
                errors.append(MSG_FILE_ERROR % {"name": original_name(uploaded), "error": exc.message})
        if errors:
            raise forms.ValidationError(errors)
        return files


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH
    )


class ConfirmForm(ReasonForm):
    """Confirm a candidate; a candidate from a scan that may be about another product needs the tick."""

    acknowledge_identity_mismatch = forms.BooleanField(
        label=_("I checked: this scanner output is about this product"), required=False
    )


class RequiredReasonForm(forms.Form):
    """A decision that must say why (the services check again through ``accounts.reasons``)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX_LENGTH)


class CaseTransferForm(forms.Form):
    """Hand a case to another authority (``cases.transfers.case_transfer`` checks who may, and where to).

    The list offers the other authorities by GB/T 2260 code, grouped by region; any authority is
    accepted here so that the service, not the form, refuses the case's own (one rule, one message).
    """

    authority = forms.ModelChoiceField(label=_("Receiving authority"), queryset=Authority.objects.order_by("code"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
        help_text=_("For example: the vendor is registered in another province. Both authorities are told by e-mail."),
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("prefix", "transfer")  # beside the withdrawal's reason on the case page
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for authority in Authority.objects.exclude(pk=case.authority_id).order_by("code"):
            group = str(MSG_NATIONAL) if authority.is_national else authority.region
            groups.setdefault(group, []).append((authority.pk, authority.name))
        self.fields["authority"].choices = [("", "---------"), *groups.items()]


class OpenCaseForm(forms.Form):
    """Which findings of one inspection go into the new case; the service checks they may."""

    findings = forms.ModelMultipleChoiceField(
        label=_("Findings"), queryset=None, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = findings


class CalendarImportForm(forms.Form):
    """The State Council's holiday notice, pasted as published; the year is read from its title."""

    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Leave empty to take the year from the notice's title."),
    )
    text = forms.CharField(
        label=_("Text of the notice"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "lang": "zh-CN"}),
        help_text=_("Paste the whole notice (国务院办公厅关于…年部分节假日安排的通知), title and sections included."),
    )

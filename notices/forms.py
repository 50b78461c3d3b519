"""Page forms for notices: input validation only."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from notices import error_codes
from products.validators import region_prefix_valid

from .models import NoticeKind, NoticeSeries

MAX_VERIFY_BYTES = 50 * 1024 * 1024
MSG_REGION = _("Enter a division code prefix: 2 digits for a province (11), 4 for a city, 6 for a county.")
MSG_TOO_LARGE = _("The file is larger than %(mb)s MB; no published notice is that large.")


class DraftKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of notice"), choices=NoticeKind.choices)


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of notice"), choices=NoticeKind.choices, widget=forms.HiddenInput)
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one case.")},
    )

    def __init__(self, *args, cases_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases_queryset
        self.fields["cases"].label_from_instance = lambda c: (
            f"{c.number} · {c.vendor.name} · {c.product.name} {c.product_version.version}"
        )


class NoticeEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    authority = forms.CharField(label=_("Issuing authority"), max_length=200)
    addressee = forms.CharField(label=_("Addressee"), max_length=300, required=False)
    opening = forms.CharField(label=_("Opening paragraphs"), widget=forms.Textarea(attrs={"rows": 6}))
    closing = forms.CharField(label=_("Closing paragraphs"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment_title = forms.CharField(label=_("Attachment title"), max_length=300, required=False)
    signature = forms.CharField(label=_("Signature"), max_length=200)
    tested = forms.CharField(label=_("What was tested"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    how_to_answer = forms.CharField(label=_("How to answer"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class _RowForm(forms.Form):
    """A row edited in place: its inputs sit in table cells (named by the column's heading for a
    screen reader, ``aria-label``) and belong to the <form> in the row's last cell (``form_id``)."""

    def __init__(self, *args, form_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label
            if form_id:
                field.widget.attrs["form"] = form_id


class EntryEditForm(_RowForm):
    """One listed row of a draft (a correction may fix a misspelt name, developer or version)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    developer = forms.CharField(label=_("Developer / manufacturer"), max_length=200)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)
    version = forms.CharField(label=_("Version / model"), max_length=200, required=False)
    # Offline scenarios' rows (the page shows these instead of source and version).
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    scenario = forms.CharField(label=_("Scenario"), max_length=100, required=False)
    issues = forms.CharField(label=_("Issues found"), widget=forms.Textarea(attrs={"rows": 2}))


class ItemEditForm(_RowForm):
    """One problem of a draft order: its legal basis (as printed) and evidence summary."""

    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_summary = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}))


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    vendor = forms.CharField(label=_("Developer or manufacturer"), required=False, max_length=100)
    product = forms.CharField(label=_("App or product"), required=False, max_length=100)
    issue = forms.ChoiceField(label=_("Issue type"), required=False)
    # The issuing authority, by its GB/T 2260 code (ARCHITECTURE.md §15).
    authority = forms.ChoiceField(label=_("Issued by"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("All")),
            (NoticeKind.NAMING, NoticeKind.NAMING.label),
            (NoticeKind.REMOVAL, NoticeKind.REMOVAL.label),
        ],
    )
    # What is named: a naming series (apps and SDKs, smart terminals, offline scenarios).
    subject = forms.ChoiceField(
        label=_("Subject"),
        required=False,
        choices=[
            ("", _("All")),
            (NoticeSeries.APP, NoticeSeries.APP.label),
            (NoticeSeries.TERMINAL, NoticeSeries.TERMINAL.label),
            (NoticeSeries.SCENARIO, NoticeSeries.SCENARIO.label),
        ],
    )
    region = forms.CharField(
        label=_("Region (division code)"),
        required=False,
        max_length=6,
        help_text=_("Offline scenarios in a province (11), city (1101) or county (110105)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{2}([0-9]{2}){0,2}"}),
    )
    # Keyset pagination: a position in the register's order (``selectors.notice_token``).
    before = forms.RegexField(regex=r"^\d{1,20}-\d{1,19}$", required=False, widget=forms.HiddenInput)
    after = forms.RegexField(regex=r"^\d{1,20}-\d{1,19}$", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, issue_choices, year_choices, authority_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [("", _("All")), *authority_choices]
        self.fields["issue"].choices = [("", _("All")), *issue_choices]
        self.fields["year"].choices = [("", _("All")), *((y, str(y)) for y in year_choices)]

    def clean_region(self):
        value = self.cleaned_data["region"].strip()
        if value and not region_prefix_valid(value):
            raise forms.ValidationError(MSG_REGION, code=error_codes.REGION_INVALID)
        return value


MSG_BAD_HASH = _("A SHA-256 fingerprint is 64 hexadecimal characters (0-9, a-f).")


class _DigestField(forms.CharField):
    """A hex digest as printed or copied: spaces and capitals are dropped before it is checked."""

    def to_python(self, value):
        return "".join(super().to_python(value).split()).lower()


class VerifyHashForm(forms.Form):
    """A fingerprint pasted from a notice (its content SHA-256) or from ``sha256sum`` (the file's)."""

    sha256 = _DigestField(
        label=_("SHA-256 fingerprint"),
        max_length=80,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", MSG_BAD_HASH, code="invalid_sha256")],
    )


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_BYTES:
            raise forms.ValidationError(
                MSG_TOO_LARGE % {"mb": MAX_VERIFY_BYTES // (1024 * 1024)}, code=error_codes.TOO_LARGE
            )
        return upload

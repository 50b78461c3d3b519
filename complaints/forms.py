"""Forms of the complaint pages. They check input; ``complaints.services``, ``complaints.workflow``
and ``complaints.importing`` act."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.reasons import REASON_MAX_LENGTH
from cases.forms import IsoDateField, MultipleFileField
from cases.models import Campaign, InspectionMethod, TestingAgency
from complaints.importing.mappings import MAPPINGS
from complaints.models import Channel, Complaint, SubjectKind
from complaints.services import MAX_ATTACHMENTS, MAX_TEXT_LENGTH, attachment_limit
from products.models import Product, ProductVersion, Vendor


class ComplaintForm(forms.Form):
    """The public form: what happened, about whom, and how we may reach you (kept private)."""

    subject_name = forms.CharField(
        label=_("App, company or venue"),
        max_length=200,
        help_text=_("The name of the app, mini program, device, company or place you complain about."),
    )
    subject_kind = forms.ChoiceField(label=_("What is it?"), choices=SubjectKind.choices, initial=SubjectKind.APP)
    subject_package = forms.CharField(label=_("Package name or model (if known)"), max_length=200, required=False)
    subject_credit_code = forms.CharField(
        label=_("Unified social credit code (if known)"), max_length=18, required=False
    )
    text = forms.CharField(
        label=_("What happened?"), max_length=MAX_TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    demand = forms.CharField(
        label=_("What do you ask for?"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    files = MultipleFileField(label=_("Screenshots or recordings"), required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("Your e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Your phone"), max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("Up to %(n)s files of at most %(mb)s MB each: images, videos, PDF.") % {
            "n": MAX_ATTACHMENTS,
            "mb": attachment_limit() // (1024 * 1024),
        }
        self.fields["contact_email"].help_text = _(
            "Only the regulator sees your name, e-mail and phone; they are never published or shown to the company."
        )


class RecordForm(ComplaintForm):
    """A complaint a regulator received another way (an e-mail, a letter, a call) and types in."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.WEB], initial=Channel.EMAIL
    )
    received_on = IsoDateField(label=_("Received on"))

    field_order = ["channel", "received_on"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Merge into complaint number"), queryset=Complaint.objects.all(), widget=forms.NumberInput
    )
    reason = forms.CharField(label=_("Note"), max_length=REASON_MAX_LENGTH, required=False)


class MatchForm(forms.Form):
    """A vendor and/or a product, by id (the suggestions' buttons send them)."""

    vendor = forms.ModelChoiceField(
        label=_("Vendor number"), queryset=Vendor.objects.all(), required=False, widget=forms.NumberInput
    )
    product = forms.ModelChoiceField(
        label=_("Product number"), queryset=Product.objects.all(), required=False, widget=forms.NumberInput
    )


class InspectionForm(forms.Form):
    """Open an inspection of the matched product: the version, campaign, agency, date, method."""

    product_version = forms.ModelChoiceField(label=_("Product version"), queryset=ProductVersion.objects.none())
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.order_by("-start_date", "-id"))
    agency = forms.ModelChoiceField(label=_("Testing agency"), queryset=TestingAgency.objects.all())
    date = IsoDateField(label=_("Date"))
    method = forms.ChoiceField(label=_("Method"), choices=InspectionMethod.choices)

    def __init__(self, *args, product_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_version"].queryset = ProductVersion.objects.filter(product_id=product_id).order_by(
            "-created_at", "-id"
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (CSV or XLSX)"))
    mapping = forms.ChoiceField(
        label=_("Column mapping"),
        required=False,
        choices=[("", _("Recognise from the headers"))] + [(m.name, m.label) for m in MAPPINGS.values()],
    )

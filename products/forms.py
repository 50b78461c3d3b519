"""Forms for vendors, products and versions. They validate input; the services in
``products.services`` create the rows."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from products import error_codes

from .models import OfflineScenario, Product, ProductKind, ProductVersion, Vendor
from .selectors import product_list, vendor_list
from .validators import validate_division_code

MSG_CATEGORY_ONLY_TERMINALS = _("Only smart terminals have a terminal category.")
MSG_SHA256 = _("A SHA-256 digest is 64 hexadecimal characters.")


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "name_en", "credit_code", "address", "contact_email"]
        widgets = {
            "credit_code": forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off", "spellcheck": "false"}),
        }

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class ProductForm(forms.ModelForm):
    vendor = forms.ModelChoiceField(queryset=vendor_list(), label=_("vendor"))

    class Meta:
        model = Product
        fields = ["vendor", "name", "kind", "terminal_category"]
        widgets = {"kind": forms.Select(attrs={"data-kind-select": ""})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A scenario is registered with its venue (``ScenarioForm``).
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != ProductKind.SCENARIO]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("terminal_category") and cleaned.get("kind") != ProductKind.TERMINAL:
            self.add_error("terminal_category", MSG_CATEGORY_ONLY_TERMINALS)
        return cleaned


class VersionForm(forms.ModelForm):
    class Meta:
        model = ProductVersion
        fields = ["version", "build", "source", "package_name", "file_sha256"]

    def clean_file_sha256(self):
        value = self.cleaned_data["file_sha256"].strip().lower()
        if value and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise forms.ValidationError(MSG_SHA256, code=error_codes.SHA256)
        return value


class SystemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()} · {obj.vendor.name}"


class ScenarioForm(forms.ModelForm):
    """An offline scenario: the venue (a product of kind ``scenario``) and its details."""

    vendor = forms.ModelChoiceField(queryset=vendor_list(), label=_("operator"))
    name = forms.CharField(label=_("venue name"), max_length=200)
    systems = SystemChoiceField(
        label=_("systems involved"),
        queryset=product_list().exclude(kind=ProductKind.SCENARIO),
        required=False,
        help_text=_("The mini program or app behind the QR code, the camera or terminal model, when registered."),
    )

    class Meta:
        model = OfflineScenario
        fields = ["address", "division_code", "scenario_type", "systems_text"]
        widgets = {
            "division_code": forms.TextInput(attrs={"maxlength": 6, "inputmode": "numeric", "pattern": "[0-9]{6}"}),
            "systems_text": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ["vendor", "name", "address", "division_code", "scenario_type", "systems", "systems_text"]

    def _post_clean(self):
        # The row is made by ``products.services.scenario_create`` with its product; the model's
        # own checks run there.
        pass

    def clean_division_code(self):
        value = self.cleaned_data["division_code"].strip()
        validate_division_code(value)
        return value

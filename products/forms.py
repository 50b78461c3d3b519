"""Forms for vendors, products and versions. They validate input; the services in
``products.services`` create the rows."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from products import error_codes

from .models import Product, ProductKind, ProductVersion, Vendor
from .selectors import vendor_list

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

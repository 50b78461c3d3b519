"""Forms of the reviewers' decision pages. They validate shape only; the rules live in
``cases.responses`` and the case workflow."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.reasons import REASON_MAX_LENGTH
from cases.forms import IsoDateField, RequiredReasonForm
from cases.models import Inspection


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=REASON_MAX_LENGTH
    )


class ExtensionGrantForm(RequiredReasonForm):
    new_deadline = IsoDateField(label=_("New deadline"))


class RetestLinkForm(forms.Form):
    inspection = forms.ModelChoiceField(label=_("Re-test inspection"), queryset=Inspection.objects.none())

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["inspection"].queryset = (
                Inspection.objects.filter(product_version__product_id=case.product_id)
                .select_related("product_version", "agency")
                .order_by("-date", "-id")
            )

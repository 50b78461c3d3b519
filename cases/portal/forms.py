"""Forms of the vendor portal (the reviewers' are in ``cases.decisions.forms``). They validate shape only;
the rules live in ``cases.responses``, ``cases.access`` and ``products.memberships``."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts.reasons import REASON_MAX_LENGTH
from cases.forms import IsoDateField, MultipleFileField


class ResponseForm(forms.Form):
    summary = forms.CharField(label=_("What was fixed"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    fixed_version = forms.CharField(label=_("Fixed version"), max_length=100, required=False)
    files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Screenshots, recordings, PDF or ZIP; at most 10 files. HTML and SVG are not accepted."),
    )
    text = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000
    )


class ExtensionForm(forms.Form):
    requested_deadline = IsoDateField(
        label=_("Requested new deadline"), help_text=_("The date by which the rectification can be done.")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=REASON_MAX_LENGTH)


class ClaimForm(forms.Form):
    case_number = forms.CharField(label=_("Case number"), max_length=32)
    code = forms.CharField(label=_("Access code"), max_length=40, help_text=_("Printed on the order to rectify."))


class ClaimSignupForm(ClaimForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), help_text=_("The colleague chooses a user name with the invitation link.")
    )
    is_vendor_admin = forms.BooleanField(label=_("May manage colleagues"), required=False)


class JoinForm(SetPasswordForm):
    """The invited colleague's user name and password (the password checked by the validators)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    field_order = ["username", "new_password1", "new_password2"]

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.reasons import REASON_MAX_LENGTH


class LoginForm(AuthenticationForm):
    """Django's login form; ``authenticate`` receives the request, so django-axes can count failures."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def add_service_errors(form: forms.Form, exc: Exception) -> None:
    """Show a service's ValidationError or DomainError on the form that fed it.

    Errors on a field the form has go to that field; the rest become form-wide errors.
    """
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


class AuthorityDelegationForm(forms.Form):
    """Grant or revoke an authority's delegation to national users, with a reason
    (``accounts.services.authority_delegation_set`` decides who may)."""

    delegated = forms.TypedChoiceField(
        choices=[("1", _("Grant")), ("0", _("Revoke"))], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX_LENGTH)


class AuthorityEditForm(forms.Form):
    """What an authority prints, edited by a national administrator (``accounts.services.authority_edit``)."""

    short_name = forms.CharField(label=_("short name"), max_length=50)
    doc_prefix = forms.CharField(label=_("document number prefix"), max_length=16, help_text=_("机关代字, e.g. 京信管"))
    masthead = forms.CharField(label=_("masthead"), max_length=100)
    signature = forms.CharField(label=_("signature block"), max_length=100)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX_LENGTH)

"""The reason a person gives for a decision: required where the rule says so, and capped.

One rule for every reason field of the project (withdrawals, dismissals, refusals, requests for
more time, notice moves): forms and serializers cap the input at ``REASON_MAX_LENGTH`` and the
services pass what they are given through ``reason_clean``, so a caller that skips the form
(the API, a task, a test) meets the same rule. The reason columns are ``TextField``s (no cap in
the database); 2000 is the cap the API publishes (openapi.yaml) and two of the three former
copies used. It lives in accounts beside ``AuditEvent.reason``, where every reason ends up.
"""

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import error_codes
from accounts.errors import InvalidInput

REASON_MAX_LENGTH = 2000

MSG_REASON_REQUIRED = _("A reason is required.")


def reason_clean(reason: str | None, *, required: bool = True) -> str:
    """The reason stripped; ``InvalidInput`` when required and empty, or longer than the cap."""
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(MSG_REASON_REQUIRED, code=error_codes.REASON_REQUIRED)
    if len(reason) > REASON_MAX_LENGTH:
        # Django's own sentence (already translated): no new message to translate.
        message = MaxLengthValidator.message % {"limit_value": REASON_MAX_LENGTH, "show_value": len(reason)}
        raise InvalidInput(message, code=error_codes.REASON_TOO_LONG)
    return reason

"""The project's one error hierarchy.

Every domain error carries a stable ``code`` (clients match on it) and an HTTP status;
``config.api.exception_handler`` turns them into the one JSON error shape.
"""

from django.utils.translation import gettext_lazy as _

from accounts import error_codes


class DomainError(Exception):
    code = error_codes.DOMAIN_ERROR
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code: str | None = None, **details):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing and not-yours look the same."""

    code = error_codes.NOT_FOUND
    status = 404
    default_message = _("Not found.")


class Forbidden(DomainError):
    code = error_codes.FORBIDDEN
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    """The object is not in a state that allows this."""

    code = error_codes.CONFLICT
    status = 409
    default_message = _("The object is not in a state that allows this.")


class InvalidInput(DomainError):
    code = error_codes.INVALID
    status = 400
    default_message = _("Invalid input.")

"""Why a notice could not be rendered. A failed render is the server's fault, never the client's."""

from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from notices import error_codes


class NoticeRenderError(DomainError):
    code = error_codes.NOTICE_RENDER_FAILED
    status = 500
    default_message = _("The notice could not be rendered.")


class MissingGlyphError(NoticeRenderError):
    """A character had no glyph in any installed font: the PDF would show an empty box in its place."""

    code = error_codes.NOTICE_MISSING_GLYPH
    default_message = _("The notice contains characters that no installed font can print.")


class FetchRefusedError(NoticeRenderError):
    """The layout asked for a resource outside the PDF's own static folder: rendering stopped."""

    code = error_codes.NOTICE_FETCH_REFUSED
    default_message = _("The notice refers to a resource the renderer may not load.")


class PlaceholderError(NoticeRenderError):
    """An order would print a placeholder (the agency code X信管函) or lack what makes it answerable."""

    code = error_codes.NOTICE_PLACEHOLDER
    default_message = _(
        "The order cannot be printed: the issuing agency's code (发文机关代字), the case number or the "
        "site address (SITE_URL) is not set."
    )

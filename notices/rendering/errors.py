"""Why a notice could not be rendered. A failed render is the server's fault, never the client's."""

from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError


class NoticeRenderError(DomainError):
    code = "notice_render_failed"
    status = 500
    default_message = _("The notice could not be rendered.")


class MissingGlyphError(NoticeRenderError):
    """A character had no glyph in any installed font: the PDF would show an empty box in its place."""

    code = "notice_missing_glyph"
    default_message = _("The notice contains characters that no installed font can print.")


class FetchRefusedError(NoticeRenderError):
    """The layout asked for a resource outside the PDF's own static folder: rendering stopped."""

    code = "notice_fetch_refused"
    default_message = _("The notice refers to a resource the renderer may not load.")

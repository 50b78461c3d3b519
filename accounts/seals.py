"""An authority's seal image (ARCHITECTURE.md §15): what an upload must be to be printed on a notice.

GB/T 9704-2012 §7.3.5.1 presses the seal, in red, over the signature and date of every notice the
authority issues; a blank seal must never appear. The image is laid over the text, so it must be
transparent around the ink or it would hide the words it seals. Every rule is checked by reading the
file (Pillow), never by its name or the type the browser claims: a JPEG renamed ``.png`` is refused.
"""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

SEAL_MAX_BYTES = 1024 * 1024  # 1 MiB
# At 42 mm on the page, 200 px is about 120 dpi (the least that prints clean) and 4000 px is more
# than any printer resolves; the bound also keeps decoding small (16 megapixels at most).
SEAL_MIN_SIDE = 200
SEAL_MAX_SIDE = 4000
SEAL_MAX_RATIO = 1.1  # a round seal in a square image: width and height within 10 % of each other
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Visible: at least half opaque. Red: clearly more red than green and blue (scanned ink included).
_VISIBLE_ALPHA = 128
_RED_SHARE = 0.5

MSG_TOO_LARGE = _("The seal image is %(size)s bytes; at most 1 MiB (1,048,576 bytes) is accepted.")
MSG_NOT_PNG = _("The seal must be a PNG image with a transparent background; this file is not a readable PNG.")
MSG_SIDES = _(
    "The seal image must be between %(min)s and %(max)s pixels on each side; this one is %(width)s × %(height)s."
)
MSG_NOT_SQUARE = _("The seal image must be about square (a round seal); this one is %(width)s × %(height)s pixels.")
MSG_OPAQUE = _(
    "The seal image must have a transparent background: it is printed over the signature and date, "
    "which an opaque image would hide."
)
MSG_BLANK = _("The seal image is blank: it has no visible pixels.")
MSG_NOT_RED = _("The seal must be red (GB/T 9704-2012 §7.3.5.1): most of this image's visible pixels are not.")


def check_seal_bytes(data: bytes) -> None:
    """Raise ``ValidationError`` unless ``data`` is a seal that may be printed."""
    if len(data) > SEAL_MAX_BYTES:
        raise ValidationError(MSG_TOO_LARGE, code="seal_too_large", params={"size": len(data)})
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError(MSG_NOT_PNG, code="seal_not_png")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != "PNG":
                raise ValidationError(MSG_NOT_PNG, code="seal_not_png")
            width, height = probe.size
            # The sides are read from the header: refuse a huge canvas before decoding a pixel.
            _check_sides(width, height)
            probe.verify()  # every chunk's checksum
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            has_alpha = "A" in image.getbands() or "transparency" in image.info
            rgba = image.convert("RGBA")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(MSG_NOT_PNG, code="seal_not_png") from exc
    _check_ink(rgba, has_alpha=has_alpha)


def _check_sides(width: int, height: int) -> None:
    params = {"width": width, "height": height, "min": SEAL_MIN_SIDE, "max": SEAL_MAX_SIDE}
    if not (SEAL_MIN_SIDE <= width <= SEAL_MAX_SIDE and SEAL_MIN_SIDE <= height <= SEAL_MAX_SIDE):
        raise ValidationError(MSG_SIDES, code="seal_sides", params=params)
    if max(width, height) > SEAL_MAX_RATIO * min(width, height):
        raise ValidationError(MSG_NOT_SQUARE, code="seal_not_square", params=params)


def _check_ink(rgba: Image.Image, *, has_alpha: bool) -> None:
    low, high = rgba.getchannel("A").getextrema()
    if not has_alpha or low == 255:
        raise ValidationError(MSG_OPAQUE, code="seal_opaque")
    if high < _VISIBLE_ALPHA:
        raise ValidationError(MSG_BLANK, code="seal_blank")
    small = rgba.copy()
    small.thumbnail((64, 64))
    visible = [(r, g, b) for r, g, b, a in small.get_flattened_data() if a >= _VISIBLE_ALPHA]
    if not visible:
        raise ValidationError(MSG_BLANK, code="seal_blank")
    red = sum(1 for r, g, b in visible if r >= 128 and r >= 1.5 * max(g, b, 1))
    if red < _RED_SHARE * len(visible):
        raise ValidationError(MSG_NOT_RED, code="seal_not_red")


def validate_seal_image(value) -> None:
    """The model field's validator (the admin's form runs it): a newly uploaded file is read and checked.

    A file already stored was checked when it was uploaded, and is checked again each time it is
    printed (``notices.documents.authority_seal``); an unrelated edit of the authority does not read it.
    """
    if getattr(value, "_committed", True):
        return
    value.seek(0)
    data = value.read(SEAL_MAX_BYTES + 1)
    value.seek(0)
    if len(data) > SEAL_MAX_BYTES:
        size = getattr(value, "size", None) or len(data)
        raise ValidationError(MSG_TOO_LARGE, code="seal_too_large", params={"size": size})
    check_seal_bytes(data)

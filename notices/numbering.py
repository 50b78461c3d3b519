"""Atomic numbering: 第N批 / 总第M批 per series and the yearly document number of orders.

``allocate`` must run inside the publish transaction. It locks the series' counter row
(``SELECT ... FOR UPDATE``), so concurrent publications of one series queue behind each other and
a rolled-back publication gives its numbers back: no gaps, no duplicates.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict
from notices import error_codes

from .models import NoticeCounter, NoticeSeries
from .rendering.formatting import is_placeholder_agency_code

MSG_AGENCY_CODE = _(
    "The issuing agency's code (发文机关代字, e.g. 京信管函) is not set: an administrator sets it on the "
    "order counter or in the NOTICES_ORDER_PREFIX setting. No order is printed with a placeholder."
)


class AgencyCodeMissing(Conflict):
    code = error_codes.NOTICE_AGENCY_CODE_MISSING
    default_message = MSG_AGENCY_CODE


def order_prefix(counter: NoticeCounter | None = None) -> str:
    """The 发文机关代字 and kind of the issuing agency's orders (``京信管函``): the order counter's
    prefix, else the ``NOTICES_ORDER_PREFIX`` setting. A placeholder (``X信管函``) or nothing is refused."""
    if counter is None:
        counter = NoticeCounter.objects.filter(series=NoticeSeries.ORDER).first()
    prefix = ((counter.prefix if counter else "") or getattr(settings, "NOTICES_ORDER_PREFIX", "")).strip()
    if is_placeholder_agency_code(prefix):
        raise AgencyCodeMissing(prefix=prefix)
    return prefix


@dataclass(frozen=True)
class Numbers:
    year: int
    yearly: int
    overall: int
    prefix: str

    @property
    def doc_number(self) -> str:
        """``X信管函〔2025〕12号``: hexagonal brackets, no 第, no leading zeros (GB/T 9704 §7.2.3)."""
        return f"{self.prefix}〔{self.year}〕{self.yearly}号"


def _locked_counter(series: str) -> NoticeCounter:
    try:
        return NoticeCounter.objects.select_for_update().get(series=series)
    except NoticeCounter.DoesNotExist:
        pass
    # The row is seeded by migration; if it is missing, create it once (the unique series decides
    # a race) and lock whichever row won.
    try:
        with transaction.atomic():
            NoticeCounter.objects.create(series=series)
    except IntegrityError:
        pass
    return NoticeCounter.objects.select_for_update().get(series=series)


def allocate(*, series: str, year: int) -> Numbers:
    """Take the next numbers of ``series`` for a notice published in ``year``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are allocated only inside the publish transaction")
    counter = _locked_counter(series)
    prefix = order_prefix(counter) if series == NoticeSeries.ORDER else ""
    if counter.year != year:
        counter.year = year
        counter.yearly = 0
    counter.yearly += 1
    counter.overall += 1
    counter.save(update_fields=["year", "yearly", "overall"])
    return Numbers(year=year, yearly=counter.yearly, overall=counter.overall, prefix=prefix)

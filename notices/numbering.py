"""Atomic numbering: 第N批 / 总第M批 per authority and series, and the yearly document number of orders.

``allocate`` must run inside the publish transaction. It locks the authority's counter row of the
series (``SELECT ... FOR UPDATE``), so concurrent publications of one series queue behind each other
and a rolled-back publication gives its numbers back: no gaps, no duplicates. Each authority numbers
its own documents (ARCHITECTURE.md §15): 京信管函〔2026〕1号 and 粤信管函〔2026〕1号 are two letters.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict
from accounts.models import Authority
from notices import error_codes

from .models import NoticeCounter, NoticeSeries
from .rendering.formatting import is_placeholder_agency_code

MSG_AGENCY_CODE = _(
    "The issuing authority's document number prefix (发文机关代字, e.g. 京信管) is not set: a national "
    "administrator sets it on the authority. No order is printed with a placeholder."
)


class AgencyCodeMissing(Conflict):
    code = error_codes.NOTICE_AGENCY_CODE_MISSING
    default_message = MSG_AGENCY_CODE


def order_prefix(authority: Authority) -> str:
    """The 发文机关代字 and letter mark of ``authority``'s orders (``京信管函``). A placeholder
    (``X信管函``) or nothing is refused."""
    prefix = authority.order_prefix.strip() if authority.doc_prefix.strip() else ""
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
        """``京信管函〔2025〕12号``: hexagonal brackets, no 第, no leading zeros (GB/T 9704 §7.2.3)."""
        return f"{self.prefix}〔{self.year}〕{self.yearly}号"


def _locked_counter(authority_id: int, series: str) -> NoticeCounter:
    counters = NoticeCounter.objects.select_for_update()
    try:
        return counters.get(authority_id=authority_id, series=series)
    except NoticeCounter.DoesNotExist:
        pass
    # An authority's first notice of the series makes its row once (the unique constraint decides
    # a race) and locks whichever row won.
    try:
        with transaction.atomic():
            NoticeCounter.objects.create(authority_id=authority_id, series=series)
    except IntegrityError:
        pass
    return counters.get(authority_id=authority_id, series=series)


def allocate(*, authority: Authority, series: str, year: int) -> Numbers:
    """Take ``authority``'s next numbers of ``series`` for a notice published in ``year``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are allocated only inside the publish transaction")
    prefix = order_prefix(authority) if series == NoticeSeries.ORDER else ""
    counter = _locked_counter(authority.pk, series)
    if counter.year != year:
        counter.year = year
        counter.yearly = 0
    counter.yearly += 1
    counter.overall += 1
    counter.save(update_fields=["year", "yearly", "overall"])
    return Numbers(year=year, yearly=counter.yearly, overall=counter.overall, prefix=prefix)

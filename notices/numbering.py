"""Atomic numbering: 第N批 / 总第M批 per series and the yearly document number of orders.

``allocate`` must run inside the publish transaction. It locks the series' counter row
(``SELECT ... FOR UPDATE``), so concurrent publications of one series queue behind each other and
a rolled-back publication gives its numbers back: no gaps, no duplicates.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import NoticeCounter, NoticeSeries

# The document number prefix of orders until an admin sets the bureau's own (e.g. 京信管函).
DEFAULT_ORDER_PREFIX = "X信管函"


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
    prefix = DEFAULT_ORDER_PREFIX if series == NoticeSeries.ORDER else ""
    try:
        with transaction.atomic():
            NoticeCounter.objects.create(series=series, prefix=prefix)
    except IntegrityError:
        pass
    return NoticeCounter.objects.select_for_update().get(series=series)


def allocate(*, series: str, year: int) -> Numbers:
    """Take the next numbers of ``series`` for a notice published in ``year``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are allocated only inside the publish transaction")
    counter = _locked_counter(series)
    if counter.year != year:
        counter.year = year
        counter.yearly = 0
    counter.yearly += 1
    counter.overall += 1
    counter.save(update_fields=["year", "yearly", "overall"])
    return Numbers(
        year=year, yearly=counter.yearly, overall=counter.overall, prefix=counter.prefix or DEFAULT_ORDER_PREFIX
    )

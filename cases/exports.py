"""The regulator's case list as CSV, streamed (issue 14, deliverable 5).

The same filters as the list page (``CaseFilterForm``), the same scope (``selectors.case_list``),
read through a server-side cursor a chunk of rows at a time (``config.streaming``): memory stays
constant whatever the number of cases. Only users who may view every case get it (``CASE_VIEW``);
vendor users never do. The answer is private and never stored by a cache: cases change all day.
"""

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.policies import policy
from accounts.roles import CASE_VIEW
from cases import selectors
from cases.forms import CaseFilterForm
from cases.models import CaseStatus
from config import streaming
from products.models import ProductKind

COLUMNS = [
    ("number", _("Case number")),
    ("product__name", _("Product")),
    ("product_version__version", _("Version")),
    ("product__kind", _("Product kind")),
    ("vendor__name", _("Vendor")),
    ("campaign__name", _("Campaign")),
    ("status", _("State")),
    ("finding_count", _("Findings")),
    ("served_on", _("Served on")),
    ("deadline", _("Deadline")),
    ("created_at", _("Opened")),
]
FIELDS = [field for field, _label in COLUMNS]


def case_rows(*, actor, filters: dict, labels: dict):
    """The rows of the filtered case list as lists of cells, newest first, read chunk by chunk.
    ``labels`` names the states and product kinds in the request's language."""
    qs = selectors.case_list(actor=actor, filters=filters).values_list(*FIELDS)
    for row in qs.iterator(chunk_size=streaming.CHUNK_ROWS):
        cells = dict(zip(FIELDS, row, strict=True))
        cells["status"] = labels.get(cells["status"], cells["status"])
        cells["product__kind"] = labels.get(cells["product__kind"], cells["product__kind"])
        cells["served_on"] = cells["served_on"].isoformat() if cells["served_on"] else ""
        cells["deadline"] = cells["deadline"].isoformat() if cells["deadline"] else ""
        cells["created_at"] = timezone.localtime(cells["created_at"]).strftime("%Y-%m-%d %H:%M")
        yield [cells[f] for f in FIELDS]


@policy({"GET": CASE_VIEW})
def case_list_csv(request):
    filters = CaseFilterForm(request.GET or None).filters()
    # Labels are read now, in the request's language: the rows are written after the view returns.
    header = [str(label) for _field, label in COLUMNS]
    labels = {value: str(label) for value, label in (*CaseStatus.choices, *ProductKind.choices)}
    rows = streaming.first_then(streaming.in_transaction(case_rows(actor=request.user, filters=filters, labels=labels)))
    response = StreamingHttpResponse(streaming.csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response

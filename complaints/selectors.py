"""Reads for complaints (STYLE.md §4-5): the regulators' list and page, the triage suggestions, the
complainant's status page and the leads dashboard.

Complaints and their contacts are the regulators' (``COMPLAINT_VIEW``): every other caller gets
"not found", alike for missing and forbidden. The complainant reaches only the public view of one
complaint, through its token (``complaint_status_get``), which carries no contact and no text of
the regulators.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts import roles
from accounts.errors import NotFound
from cases.models import Inspection
from complaints.figures import CHANNEL, KIND
from complaints.models import (
    FINAL,
    Complaint,
    ComplaintAttachment,
    ComplaintFigure,
    ComplaintImport,
    ComplaintStatus,
)
from complaints.services import token_hash
from products.models import Product, ProductVersion, Vendor
from products.selectors import name_search

# Rows each suggestion list and the dashboard's list of subjects show.
SUGGESTIONS = 10
SUBJECTS_LIMIT = 20
# A subject is listed on the dashboard from this many open complaints on.
MANY_COMPLAINTS = 2
# Names shorter than this are not searched for suggestions (no trigram, and they match everything).
NAME_MIN_CHARS = 2


def complaint_queryset_for(*, actor) -> QuerySet[Complaint]:
    if not roles.has_perm(actor, roles.COMPLAINT_VIEW):
        return Complaint.objects.none()
    return Complaint.objects.all()


def complaint_list(*, actor, status: str = "", channel: str = "", subject_kind: str = "") -> QuerySet[Complaint]:
    """The regulators' list, newest first; each filter has its index (``complaint_status_order``...)."""
    queryset = complaint_queryset_for(actor=actor).select_related("vendor", "product")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if subject_kind:
        queryset = queryset.filter(subject_kind=subject_kind)
    return queryset.order_by("-received_on", "-id")


def complaint_get_for(*, actor, complaint_id: int) -> Complaint:
    try:
        return (
            complaint_queryset_for(actor=actor)
            .select_related("vendor", "product", "merged_into", "inspection__product_version")
            .get(pk=complaint_id)
        )
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def complaint_attachment_get_for(*, actor, attachment_id: int) -> ComplaintAttachment:
    """An attachment of a complaint the actor may read; NotFound otherwise."""
    found = (
        ComplaintAttachment.objects.filter(pk=attachment_id, complaint__in=complaint_queryset_for(actor=actor))
        .select_related("complaint")
        .first()
    )
    if found is None:
        raise NotFound
    return found


def complaint_events(*, complaint: Complaint):
    return complaint.events.select_related("actor").order_by("created_at", "id")


@dataclass(frozen=True)
class PublicStatus:
    """What the complainant sees: no contact, no regulator's note beyond the public outcome."""

    received_on: object
    channel: str
    subject_name: str
    status: str
    status_label: str
    # The complaint whose outcome counts: itself, or the one it was merged into.
    outcome_status: str
    outcome_label: str
    dismiss_reason: str


def complaint_status_get(*, token: str) -> PublicStatus:
    """The public status of the complaint whose link carries ``token``; NotFound for any other."""
    if not token or len(token) > 100:
        raise NotFound
    complaint = Complaint.objects.select_related("merged_into").filter(status_token_hash=token_hash(token)).first()
    if complaint is None:
        raise NotFound
    outcome = complaint.merged_into if complaint.merged_into_id else complaint
    return PublicStatus(
        received_on=complaint.received_on,
        channel=complaint.get_channel_display(),
        subject_name=complaint.subject_name,
        status=complaint.status,
        status_label=complaint.get_status_display(),
        outcome_status=outcome.status,
        outcome_label=outcome.get_status_display(),
        dismiss_reason=outcome.dismiss_reason if outcome.status == ComplaintStatus.DISMISSED else "",
    )


@dataclass(frozen=True)
class Suggestion:
    vendor: Vendor | None
    product: Product | None
    why: str  # "credit_code", "package", "name"


def complaint_suggestions(*, complaint: Complaint) -> list[Suggestion]:
    """Vendors and products the complaint may be about, best evidence first: the credit code (unique
    index), the package name or model (``productversion_package`` index), then the name (trigram
    indexes on vendor and product names). At most ``SUGGESTIONS``; a few small indexed queries."""
    found: list[Suggestion] = []
    seen: set[tuple] = set()

    def add(vendor, product, why):
        key = (vendor.pk if vendor else None, product.pk if product else None)
        if key not in seen and len(found) < SUGGESTIONS:
            seen.add(key)
            found.append(Suggestion(vendor=vendor, product=product, why=why))

    if complaint.subject_credit_code:
        for vendor in Vendor.objects.filter(credit_code=complaint.subject_credit_code.upper())[:1]:
            add(vendor, None, "credit_code")
    if complaint.subject_package:
        versions = (
            ProductVersion.objects.filter(package_name=complaint.subject_package)
            .select_related("product__vendor")
            .order_by("-id")
        )
        for version in versions[:SUGGESTIONS]:
            add(version.product.vendor, version.product, "package")
    name = complaint.subject_name.strip()
    if len(name) >= NAME_MIN_CHARS:
        for product in name_search(Product.objects.select_related("vendor"), name).order_by("name", "id")[:SUGGESTIONS]:
            add(product.vendor, product, "name")
        for vendor in name_search(Vendor.objects.all(), name).order_by("name", "id")[:SUGGESTIONS]:
            add(vendor, None, "name")
    return found


def complaint_similar(*, complaint: Complaint) -> QuerySet[Complaint]:
    """Other complaints about the same subject, not merged (merge candidates): the same matched
    product or vendor, credit code, package or name as given, newest first."""
    condition = Q(subject_name=complaint.subject_name)
    if complaint.product_id:
        condition |= Q(product_id=complaint.product_id)
    elif complaint.vendor_id:
        condition |= Q(vendor_id=complaint.vendor_id)
    if complaint.subject_credit_code:
        condition |= Q(subject_credit_code=complaint.subject_credit_code)
    if complaint.subject_package:
        condition |= Q(subject_package=complaint.subject_package)
    return (
        Complaint.objects.filter(condition)
        .exclude(pk=complaint.pk)
        .exclude(status=ComplaintStatus.MERGED)
        .order_by("-received_on", "-id")[:SUGGESTIONS]
    )


def complaint_import_list() -> QuerySet[ComplaintImport]:
    return ComplaintImport.objects.select_related("created_by").order_by("-created_at", "-id")


# ------------------------------------------------------------------ the leads dashboard


def leads_dashboard() -> dict:
    """Leads by channel and by subject kind, each by status, from the maintained figures (one query
    of a few dozen rows, ``complaints.figures``), and the subjects with many open complaints and no
    inspection yet (``complaint_product_status``, ``complaint_vendor_status``)."""
    by: dict[str, dict[str, dict[str, int]]] = {CHANNEL: {}, KIND: {}}
    for dimension, key, status, n in ComplaintFigure.objects.exclude(n=0).values_list(
        "dimension", "key", "status", "n"
    ):
        by.setdefault(dimension, {}).setdefault(key, {})[status] = n
    return {"by_channel": by[CHANNEL], "by_kind": by[KIND], "subjects": subjects_without_inspection()}


def subjects_without_inspection(*, limit: int = SUBJECTS_LIMIT) -> list[dict]:
    """Products, and vendors matched without a product, with at least ``MANY_COMPLAINTS`` complaints
    not yet handled (received or triaged) and no inspection of theirs yet; most complaints first."""
    open_q = ~Q(status__in=FINAL)
    products = (
        Complaint.objects.filter(open_q, product__isnull=False)
        .order_by()
        .values("product_id")
        .annotate(n=Count("*"))
        .filter(n__gte=MANY_COMPLAINTS)
        .annotate(inspected=Exists(Inspection.objects.filter(product_version__product_id=OuterRef("product_id"))))
        .filter(inspected=False)
        .order_by("-n", "product_id")[:limit]
    )
    vendors = (
        Complaint.objects.filter(open_q, product__isnull=True, vendor__isnull=False)
        .order_by()
        .values("vendor_id")
        .annotate(n=Count("*"))
        .filter(n__gte=MANY_COMPLAINTS)
        # The inspection's own vendor column (cases.models.Inspection.vendor), by its index.
        .annotate(inspected=Exists(Inspection.objects.filter(vendor_id=OuterRef("vendor_id"))))
        .filter(inspected=False)
        .order_by("-n", "vendor_id")[:limit]
    )
    product_rows = list(products)
    vendor_rows = list(vendors)
    products_found = Product.objects.filter(pk__in=[r["product_id"] for r in product_rows]).select_related("vendor")
    names = {("product", p.pk): p for p in products_found}
    names.update({("vendor", v.pk): v for v in Vendor.objects.filter(pk__in=[r["vendor_id"] for r in vendor_rows])})
    rows = [{"kind": "product", "subject": names[("product", r["product_id"])], "n": r["n"]} for r in product_rows]
    rows += [{"kind": "vendor", "subject": names[("vendor", r["vendor_id"])], "n": r["n"]} for r in vendor_rows]
    rows.sort(key=lambda row: -row["n"])
    return rows[:limit]

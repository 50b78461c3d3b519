"""Reads for inspections, findings and cases, scoped to what the actor may see.

Missing and not-yours both raise ``NotFound`` (404).
"""

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from accounts.errors import NotFound
from accounts.models import REGIONS, Authority, AuthorityLevel
from accounts.roles import CASE_VIEW, INSPECTION_VIEW, PORTAL_VIEW, has_perm
from accounts.scoping import authority_scope, sees_all
from cases import events
from cases.dashboard import figures as dashboard_figures
from cases.models import (
    Campaign,
    Case,
    CaseEvent,
    DashboardFigure,
    Evidence,
    Finding,
    FindingStatus,
    Inspection,
    TestingAgency,
    ViolationType,
)
from config.lists import count_per_row
from products.models import Product, Vendor
from products.selectors import matching_ids, vendor_of

# Shortest text a case number is searched for: a trigram index needs three characters, and one or
# two characters of a number ("RC-2026-01234") match nearly every case anyway.
CASE_NUMBER_MIN_CHARS = 3


def vendor_case_queryset(*, actor) -> QuerySet[Case]:
    """The cases a vendor user may see: its own vendor's served ones (``Case.objects.served``).

    The one scope for the vendor side: the regulator pages and the API (``case_queryset_for``),
    the portal (``cases.portal.selectors``) and the vendor's writes (``cases.responses``) all
    read it. Without the portal permission (not a vendor user, or deactivated) it is empty.
    """
    vendor = vendor_of(actor) if has_perm(actor, PORTAL_VIEW) else None
    if vendor is None:
        return Case.objects.none()
    return Case.objects.served().filter(vendor=vendor)


def case_queryset_for(*, actor) -> QuerySet[Case]:
    """All cases the actor may see: regulators their authority's (national ones all:
    ``accounts.scoping``); vendor users their vendor's served cases."""
    if has_perm(actor, CASE_VIEW):
        base = authority_scope(Case.objects.all(), actor=actor)
    else:
        base = vendor_case_queryset(actor=actor)
    return base.select_related("campaign", "vendor", "product", "product_version", "authority")


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose number, product name or vendor name contains ``text`` (any case).

    The products and vendors found by name are resolved first (``matching_ids``: trigram indexes
    from three characters on), then the cases are an OR of three index conditions (product, vendor,
    the number's trigram index) that PostgreSQL combines as a bitmap OR, or answers by walking the
    list's order when the search matches many cases; never one OR across three joined tables,
    which it could only answer by reading every case. The number is searched from
    ``CASE_NUMBER_MIN_CHARS`` characters on.
    """
    text = text.strip()
    if not text:
        return queryset
    found = matching_ids(Product.objects.all(), text, "product_id") | matching_ids(
        Vendor.objects.all(), text, "vendor_id"
    )
    if len(text) >= CASE_NUMBER_MIN_CHARS:
        found |= Q(number__icontains=text)
    return queryset.filter(found)


# The case list's orders (``?ordering=``, config.lists.Ordering): each one an index serves
# (models.Case.Meta.indexes: case_list_order, the number's unique index, case_deadline_*).
CASE_ORDERINGS = {
    "-opened": ("-created_at", "-id"),
    "opened": ("created_at", "id"),
    "number": ("number",),
    "-number": ("-number",),
    "deadline": (F("deadline").asc(nulls_last=True), "id"),
    "-deadline": (F("deadline").desc(nulls_last=True), "-id"),
}
CASE_DEFAULT_ORDERING = "-opened"


def case_list(*, actor, filters: dict | None = None, ordering: str = CASE_DEFAULT_ORDERING) -> QuerySet[Case]:
    """The case list: ``finding_count`` is counted for the rows of the page only (``count_per_row``);
    ``ordering`` is a key of ``CASE_ORDERINGS`` (another is the default order)."""
    filters = filters or {}
    qs = case_queryset_for(actor=actor).annotate(finding_count=count_per_row(Finding.objects.all(), "case"))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("campaign"):
        qs = qs.filter(campaign_id=filters["campaign"])
    if filters.get("vendor"):
        qs = qs.filter(vendor_id=filters["vendor"])
    if str(filters.get("authority") or "").isdecimal():
        qs = qs.filter(authority_id=int(filters["authority"]))
    if filters.get("region") in REGIONS:
        # A region's provinces (the dashboard's drill-down): their codes start with its digit.
        qs = qs.filter(authority__level=AuthorityLevel.PROVINCIAL, authority__code__startswith=filters["region"])
    if filters.get("kind"):
        qs = qs.filter(product__kind=filters["kind"])
    if filters.get("overdue") in {True, "1", "true", "on"}:
        qs = qs.overdue()
    if filters.get("q"):
        qs = case_search(qs, filters["q"])
    return qs.order_by(*CASE_ORDERINGS.get(ordering, CASE_ORDERINGS[CASE_DEFAULT_ORDERING]))


def case_get_for(*, actor, case_id: int) -> Case:
    try:
        return case_queryset_for(actor=actor).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def case_findings_for(*, actor, case: Case) -> QuerySet[Finding]:
    """A vendor sees only confirmed findings; regulators see every finding of the case."""
    qs = case.findings.select_related("violation_type").order_by("id")
    if not has_perm(actor, CASE_VIEW):
        qs = qs.filter(status=FindingStatus.CONFIRMED)
    return qs


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created_at", "id")


def _authority_name(key: str) -> Subquery:
    return Subquery(Authority.objects.filter(pk=OuterRef(key)).order_by().values("name")[:1])


def case_transfers_for(*, actor) -> QuerySet[CaseEvent]:
    """The transfers (``transferred`` events) into and out of the actor's authority, every one for a
    national regulator, newest first (ARCHITECTURE.md §15). One query for a page: each row carries
    its case and actor, both authorities' names (``from_name``, ``to_name``) and ``case_visible``,
    whether the actor may open the case now: a province that sent a case away still lists the
    transfer, but the case reads as missing to it (``accounts.scoping``)."""
    if not has_perm(actor, CASE_VIEW) or not getattr(actor, "authority_id", None):
        return CaseEvent.objects.none()
    rows = CaseEvent.objects.filter(kind=events.TRANSFERRED)
    if sees_all(actor):
        visible = Value(True)
    else:
        # A province sees its own authority's cases (``authority_scope``), read here on the joined case.
        mine = actor.authority_id
        rows = rows.filter(Q(data__from_authority=mine) | Q(data__to_authority=mine))
        visible = ExpressionWrapper(Q(case__authority_id=mine), output_field=BooleanField())
    return (
        rows.select_related("case", "actor__authority")
        .annotate(
            from_id=Cast(KT("data__from_authority"), IntegerField()),
            to_id=Cast(KT("data__to_authority"), IntegerField()),
        )
        .annotate(from_name=_authority_name("from_id"), to_name=_authority_name("to_id"), case_visible=visible)
        .order_by("-created_at", "-id")
    )


def inspection_queryset_for(*, actor) -> QuerySet[Inspection]:
    if not has_perm(actor, INSPECTION_VIEW):
        return Inspection.objects.none()
    return authority_scope(Inspection.objects.all(), actor=actor).select_related(
        "campaign", "agency", "product_version__product__vendor", "created_by", "authority"
    )


# The inspection list's orders (``?ordering=``): the (-date, -id) indexes, read either way.
INSPECTION_ORDERINGS = {"-date": ("-date", "-id"), "date": ("date", "id")}


def inspection_rows(*, actor, campaign_id: int | None = None, ordering: str = "-date") -> QuerySet[Inspection]:
    """The inspection page's list: its findings and candidates counted for the rows shown only."""
    qs = inspection_queryset_for(actor=actor).annotate(
        finding_count=count_per_row(Finding.objects.all(), "inspection"),
        candidate_count=count_per_row(Finding.objects.filter(status=FindingStatus.CANDIDATE), "inspection"),
    )
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.order_by(*INSPECTION_ORDERINGS.get(ordering, INSPECTION_ORDERINGS["-date"]))


def inspection_get_for(*, actor, inspection_id: int) -> Inspection:
    try:
        return inspection_queryset_for(actor=actor).get(pk=inspection_id)
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def finding_queryset_for(*, actor) -> QuerySet[Finding]:
    if not has_perm(actor, INSPECTION_VIEW):
        return Finding.objects.none()
    # scan_job: its identity mismatch warns on each of its candidates (cases.identity). Scoped by the
    # finding's own authority (its inspection's, carried: cases.models.finding_carried).
    return authority_scope(Finding.objects.all(), actor=actor).select_related(
        "violation_type", "inspection__product_version__product__vendor", "case", "decided_by", "scan_job"
    )


def finding_list(*, actor) -> QuerySet[Finding]:
    """The findings list: the page's inspections with their version, product and vendor come in a
    second query. One query joining nine tables takes PostgreSQL longer to plan (tens of
    milliseconds) than both take to run."""
    inspections = Inspection.objects.select_related("product_version__product__vendor")
    return (
        finding_queryset_for(actor=actor)
        .select_related(None)
        .select_related("violation_type", "case", "decided_by", "scan_job")
        .prefetch_related(Prefetch("inspection", queryset=inspections))
    )


def inspections_by_id(ids) -> QuerySet[Inspection]:
    """The inspections of ``ids``, unscoped: for a caller showing rows it already read scoped (the
    findings list's products, ``cases.serializers.finding_rows_with_products``)."""
    return Inspection.objects.filter(pk__in=list(ids)).order_by()


def finding_get_for(*, actor, finding_id: int) -> Finding:
    try:
        return finding_queryset_for(actor=actor).get(pk=finding_id)
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def testing_agency_list() -> QuerySet[TestingAgency]:
    return TestingAgency.objects.order_by("name", "id")


def violation_type_list(*, active: bool | None = None) -> QuerySet[ViolationType]:
    qs = ViolationType.objects.order_by("code")
    return qs if active is None else qs.filter(active=active)


def campaign_queryset_for(*, actor) -> QuerySet[Campaign]:
    """The campaigns ``actor`` works in: a province's own and the national ones it takes part in;
    every campaign for a national regulator (``accounts.scoping``)."""
    if sees_all(actor):
        return Campaign.objects.all()
    authority = getattr(actor, "authority_id", None) if getattr(actor, "is_regulator", False) else None
    if authority is None:
        return Campaign.objects.none()
    joined = Campaign.participants.through.objects.filter(authority_id=authority).values("campaign_id")
    return Campaign.objects.filter(Q(authority_id=authority) | Q(pk__in=joined))


def campaign_choices(*, actor=None) -> QuerySet[Campaign]:
    """Campaigns to choose from (forms, filters): without their case counts; ``actor``'s only if given."""
    qs = Campaign.objects.all() if actor is None else campaign_queryset_for(actor=actor)
    return qs.order_by("-start_date", "-id")


def campaign_list(*, actor=None) -> QuerySet[Campaign]:
    """The campaigns, latest first, each with its number of cases read from the dashboard's figures
    (the cases by state, kept in step with every change: ARCHITECTURE.md §11), not counted."""
    total = (
        DashboardFigure.objects.filter(campaign=OuterRef("pk"), dimension=dashboard_figures.STATE)
        .order_by()
        .values("campaign")
        .annotate(total=Sum("n"))
        .values("total")
    )
    campaigns = Campaign.objects.all() if actor is None else campaign_queryset_for(actor=actor)
    return campaigns.annotate(case_count=Coalesce(Subquery(total, output_field=IntegerField()), 0)).order_by(
        "-start_date", "-id"
    )


def evidence_get_for(*, actor, evidence_id: int) -> Evidence:
    """An evidence file for regulators (who see every inspection and case); others get 404.

    Vendor-facing downloads need their own vendor-scoped selector.
    """
    if not (has_perm(actor, CASE_VIEW) or has_perm(actor, INSPECTION_VIEW)):
        raise NotFound
    evidence = Evidence.objects.all()
    if not sees_all(actor):
        own = getattr(actor, "authority_id", None)
        evidence = evidence.filter(
            Q(inspection__authority_id=own) | Q(finding__authority_id=own) | Q(response__case__authority_id=own)
        )
    try:
        return evidence.get(pk=evidence_id)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound from None

"""API shapes for campaigns, inspections, findings, cases and the calendar. Validation only: the
services and the workflow decide; related objects are looked up through the scoped selectors."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Authority
from accounts.reasons import REASON_MAX_LENGTH
from cases import error_codes, identity, selectors
from cases.clock.calendar import MAX_WORKING_DAYS
from cases.models import (
    Campaign,
    Case,
    CaseEvent,
    Evidence,
    Finding,
    Inspection,
    InspectionMethod,
    TestingAgency,
    ViolationType,
    case_is_overdue,
)
from config.rows import RowPlan, prototype
from products import selectors as product_selectors
from products.serializers import ProductRefSerializer, VendorRefSerializer, VersionRefSerializer

MSG_FINDINGS_NOT_FOUND = _("No such finding: %(ids)s.")


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among what the requesting user may see (``selector(actor=user)``),
    so an object that is not yours is as unknown as a missing one."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(actor=self.context["request"].user)


# Reference data


class CampaignSerializer(serializers.ModelSerializer):
    case_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "name_en",
            "start_date",
            "end_date",
            "deadline_working_days",
            "description",
            "case_count",
        ]


CAMPAIGN_ROWS = RowPlan(CampaignSerializer)


class CampaignRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name"]


class TestingAgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = TestingAgency
        fields = ["id", "name", "name_en"]


class ViolationTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ViolationType
        fields = ["id", "code", "name_zh", "name_en", "applies_to", "legal_basis", "active"]


TESTING_AGENCY_ROWS = RowPlan(TestingAgencySerializer)
VIOLATION_TYPE_ROWS = RowPlan(ViolationTypeSerializer)


class ViolationTypeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ViolationType
        fields = ["code", "name_zh", "name_en"]


# Inspections


class InspectionSerializer(serializers.ModelSerializer):
    campaign = CampaignRefSerializer(read_only=True)
    product_version = VersionRefSerializer(read_only=True)
    product = ProductRefSerializer(source="product_version.product", read_only=True)
    vendor = VendorRefSerializer(source="product_version.product.vendor", read_only=True)
    agency = TestingAgencySerializer(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "campaign",
            "product_version",
            "product",
            "vendor",
            "agency",
            "date",
            "method",
            "notes",
            "device_address",
            "retest_of",
            "created_by",
            "created_at",
        ]


INSPECTION_ROWS = RowPlan(InspectionSerializer)


class InspectionCreateSerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=selectors.campaign_list())
    product_version = serializers.PrimaryKeyRelatedField(queryset=product_selectors.version_list())
    agency = serializers.PrimaryKeyRelatedField(queryset=selectors.testing_agency_list())
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=InspectionMethod.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    retest_of = ScopedPrimaryKeyField(selectors.inspection_queryset_for, required=False, allow_null=True)
    device_address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="IP or MAC address of the tested device; traffic that does not show it is flagged "
        "(400 `device_address_invalid` when it is neither).",
    )


class OnsiteInspectionCreateSerializer(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=selectors.campaign_list())
    scenario = serializers.PrimaryKeyRelatedField(
        queryset=product_selectors.scenario_list(), help_text="The offline scenario (its product id)."
    )
    agency = serializers.PrimaryKeyRelatedField(queryset=selectors.testing_agency_list())
    date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    retest_of = ScopedPrimaryKeyField(selectors.inspection_queryset_for, required=False, allow_null=True)


# Findings


class IdentityMismatchSerializer(serializers.Serializer):
    """One disagreement between a scanner output and the inspected product (``cases.identity``)."""

    field = serializers.ChoiceField(
        choices=["package", "version", "sha256", "device_address"], help_text="What disagrees."
    )
    registered = serializers.CharField(help_text="What the product version or the inspection registers.")
    report = serializers.CharField(help_text="What the scanner output says.")
    message = serializers.CharField(help_text="A sentence for a person, in the request's language.")


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]


class FindingSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="inspection.campaign_id", read_only=True)
    product_version = VersionRefSerializer(source="inspection.product_version", read_only=True)
    product = ProductRefSerializer(source="inspection.product_version.product", read_only=True)
    vendor = VendorRefSerializer(source="inspection.product_version.product.vendor", read_only=True)
    violation_type = ViolationTypeRefSerializer(read_only=True)
    case_number = serializers.CharField(source="case.number", default=None, allow_null=True, read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True, read_only=True)
    identity_mismatch = serializers.SerializerMethodField(
        help_text="The scan this candidate came from may be about another product: what disagrees "
        "([] when it agrees, cannot tell, or the finding was recorded by hand). Confirming needs "
        "`acknowledge_identity_mismatch`."
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "campaign",
            "product_version",
            "product",
            "vendor",
            "violation_type",
            "status",
            "source",
            "title",
            "description",
            "rule",
            "locus",
            "scan_job",
            "identity_mismatch",
            "case",
            "case_number",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]

    @extend_schema_field(IdentityMismatchSerializer(many=True))
    def get_identity_mismatch(self, finding: Finding) -> list[dict]:
        return identity.mismatch_data(identity.finding_identity_mismatch(finding))


class _FindingProductSerializer(serializers.ModelSerializer):
    """What the findings list shows of a finding's inspection: read in a query of its own."""

    product_version = VersionRefSerializer(read_only=True)
    product = ProductRefSerializer(source="product_version.product", read_only=True)
    vendor = VendorRefSerializer(source="product_version.product.vendor", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "product_version", "product", "vendor"]


_FINDING_INSPECTION_ROWS = RowPlan(_FindingProductSerializer)


def _of_inspection(key: str):
    return ([], lambda row: row["_inspection"][key])


# The findings list as dicts (config.rows): the same JSON as FindingSerializer. Its inspections'
# versions, products and vendors come in a second query (``finding_rows_with_products``), as the
# selector's prefetch did: one query joining nine tables takes longer to plan than both to run.
FINDING_ROWS = RowPlan(
    FindingSerializer,
    computed={
        "campaign": _of_inspection("campaign"),
        "product_version": _of_inspection("product_version"),
        "product": _of_inspection("product"),
        "vendor": _of_inspection("vendor"),
        "identity_mismatch": (
            ["scan_job", "scan_job__identity_mismatch"],
            lambda row: identity.mismatch_data(
                list(row["scan_job__identity_mismatch"] or []) if row["scan_job"] else []
            ),
        ),
    },
)


def finding_rows_with_products(rows: list[dict]) -> list[dict]:
    """``FINDING_ROWS.render`` of a page of finding rows, their inspections' products read in one query."""
    ids = {row["inspection"] for row in rows}
    inspections = {}
    if ids:
        found = selectors.inspections_by_id(ids).values(*_FINDING_INSPECTION_ROWS.columns, "campaign_id")
        inspections = {
            item["id"]: {**_FINDING_INSPECTION_ROWS.render_one(item), "campaign": item["campaign_id"]} for item in found
        }
    for row in rows:
        row["_inspection"] = inspections[row["inspection"]]
    return FINDING_ROWS.render(rows)


class FindingDetailSerializer(FindingSerializer):
    evidence_files = EvidenceSerializer(many=True, read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "evidence", "evidence_files"]


class FindingCreateSerializer(serializers.Serializer):
    """A finding from a manual check; evidence files go as repeated ``files`` parts (multipart)."""

    inspection = ScopedPrimaryKeyField(selectors.inspection_queryset_for)
    violation_type = serializers.SlugRelatedField(
        slug_field="code", queryset=selectors.violation_type_list(active=True)
    )
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, max_length=20, default=list
    )


class ActionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")


class FindingConfirmSerializer(ActionReasonSerializer):
    acknowledge_identity_mismatch = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required (true) when the finding's `identity_mismatch` is not empty: the inspector "
        "checked that the scan is about this product after all. Recorded on the scan job.",
    )


# Cases


class AuthorityRefSerializer(serializers.ModelSerializer):
    """The authority a case belongs to (ARCHITECTURE.md §15)."""

    class Meta:
        model = Authority
        fields = ["code", "name", "short_name", "level"]


class CaseSerializer(serializers.ModelSerializer):
    authority = AuthorityRefSerializer(read_only=True)
    campaign = CampaignRefSerializer(read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    product = ProductRefSerializer(read_only=True)
    product_version = VersionRefSerializer(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "authority",
            "campaign",
            "vendor",
            "product",
            "product_version",
            "served_on",
            "deadline",
            "overdue",
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.overdue_on()


class CaseListSerializer(CaseSerializer):
    finding_count = serializers.IntegerField(read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "finding_count"]


# The case list as dicts (config.rows): the same JSON as CaseListSerializer.
CASE_LIST_ROWS = RowPlan(
    CaseListSerializer,
    computed={"overdue": (["status", "deadline"], lambda row: case_is_overdue(row["status"], row["deadline"]))},
)


class CaseTransferSerializer(serializers.Serializer):
    authority = serializers.SlugRelatedField(
        slug_field="code", queryset=Authority.objects.all(), help_text="The receiving authority's GB/T 2260 code."
    )
    reason = serializers.CharField()


class CaseFindingSerializer(serializers.ModelSerializer):
    violation_type = ViolationTypeRefSerializer(read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "violation_type", "status", "source", "title", "description", "created_at"]


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "from_status", "to_status", "reason", "data", "created_at"]


class VendorCaseEventSerializer(serializers.ModelSerializer):
    """What a vendor user sees of the audit trail: what happened and why, not which officer did it."""

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "from_status", "to_status", "reason", "created_at"]


class CaseEventEntrySerializer(VendorCaseEventSerializer):
    """For the schema only: one entry of a case's ``events`` as either reader gets it. Regulators get
    every field (``CaseEventSerializer``); a vendor user gets neither ``actor`` nor ``data``."""

    actor = serializers.CharField(
        required=False, allow_null=True, help_text="Username of who did it (regulators only; null: the system)."
    )
    data = serializers.JSONField(required=False, help_text="The event's context (regulators only).")

    class Meta(VendorCaseEventSerializer.Meta):
        fields = CaseEventSerializer.Meta.fields


class CaseDetailSerializer(CaseSerializer):
    """A case with its findings and events; the view passes both, already scoped by the selectors,
    in the context (``findings``, ``events``) together with the event serializer to use."""

    findings = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "findings", "events"]

    @extend_schema_field(CaseFindingSerializer(many=True))
    def get_findings(self, obj):
        return CaseFindingSerializer(self.context["findings"], many=True).data

    @extend_schema_field(CaseEventEntrySerializer(many=True))
    def get_events(self, obj):
        event_serializer = self.context.get("event_serializer", CaseEventSerializer)
        return event_serializer(self.context["events"], many=True).data


def case_detail_data(case: Case, *, findings, events, event_serializer) -> dict:
    """``CaseDetailSerializer(case, context=...).data`` through serializers built once per process
    (``config.rows.prototype``): the same keys in the same order."""
    return {
        **prototype(CaseSerializer).to_representation(case),
        "findings": prototype(CaseFindingSerializer, many=True).to_representation(findings),
        "events": prototype(event_serializer, many=True).to_representation(events),
    }


class CaseOpenSerializer(serializers.Serializer):
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000, help_text="Confirmed finding ids"
    )

    def validate_findings(self, ids: list[int]) -> list[Finding]:
        wanted = sorted(set(ids))
        found = list(selectors.finding_queryset_for(actor=self.context["request"].user).filter(pk__in=wanted))
        missing = sorted(set(wanted) - {f.pk for f in found})
        if missing:
            raise serializers.ValidationError(
                MSG_FINDINGS_NOT_FOUND % {"ids": ", ".join(map(str, missing))}, code=error_codes.DOES_NOT_EXIST
            )
        return found


# Calendar


class DeadlineQuerySerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="The day of service (YYYY-MM-DD).")
    working_days = serializers.IntegerField(
        min_value=0, max_value=MAX_WORKING_DAYS, help_text="Working days to count, from the day after `start`."
    )


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField()

"""API shapes of complaints. The regulators' shape carries the complainant's contact: only callers
with ``COMPLAINT_VIEW`` ever reach it. The public shapes (what a complainant sends and the status
behind the private link) carry no contact and no note of the regulators."""

from rest_framework import serializers

from accounts.reasons import REASON_MAX_LENGTH
from cases.models import InspectionMethod
from cases.selectors import campaign_list, testing_agency_list
from complaints.importing.mappings import MAPPINGS
from complaints.models import Complaint, ComplaintImport, SubjectKind
from complaints.services import MAX_ATTACHMENTS, MAX_TEXT_LENGTH
from products.models import Product, ProductVersion, Vendor


class ComplaintSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "channel",
            "external_id",
            "received_on",
            "text",
            "demand",
            "subject_name",
            "subject_kind",
            "subject_package",
            "subject_credit_code",
            "vendor",
            "product",
            "status",
            "merged_into",
            "dismiss_reason",
            "inspection",
            "contact_name",
            "contact_email",
            "contact_phone",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields

    def get_attachments(self, complaint) -> int:
        return len(complaint.attachments.all())


class ComplaintSubmitSerializer(serializers.Serializer):
    subject_name = serializers.CharField(max_length=200)
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices, required=False, default=SubjectKind.OTHER)
    subject_package = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    subject_credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    demand = serializers.CharField(max_length=MAX_TEXT_LENGTH, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=MAX_ATTACHMENTS
    )


class ComplaintSubmittedSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    status = serializers.CharField()
    status_token = serializers.CharField(help_text="The private status link's token: shown this once.")
    status_url = serializers.CharField()


class PublicStatusSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    channel = serializers.CharField()
    subject_name = serializers.CharField()
    status = serializers.CharField()
    outcome_status = serializers.CharField(help_text="The status of the complaint it was merged into, or its own.")
    dismiss_reason = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), required=False, allow_null=True)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)


class MergeSerializer(serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(queryset=Complaint.objects.all())
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class OpenInspectionSerializer(serializers.Serializer):
    product_version = serializers.PrimaryKeyRelatedField(queryset=ProductVersion.objects.all())
    campaign = serializers.PrimaryKeyRelatedField(queryset=campaign_list())
    agency = serializers.PrimaryKeyRelatedField(queryset=testing_agency_list())
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=InspectionMethod.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    mapping = serializers.ChoiceField(choices=[""] + list(MAPPINGS), required=False, allow_blank=True, default="")


class RefusalSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    external_id = serializers.CharField()
    reason = serializers.CharField()


class ComplaintImportSerializer(serializers.ModelSerializer):
    refusals = RefusalSerializer(many=True)

    class Meta:
        model = ComplaintImport
        fields = [
            "id",
            "channel",
            "mapping",
            "original_name",
            "sha256",
            "rows_total",
            "rows_imported",
            "rows_known",
            "rows_refused",
            "refusals",
            "created_at",
        ]
        read_only_fields = fields

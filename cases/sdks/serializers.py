"""Shapes of the SDK fan-out API (issue 18)."""

from rest_framework import serializers

from cases.models import EmbeddingStatus


class EmbeddingEvidenceSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="The scan job whose stored observation showed the SDK.")
    seq = serializers.IntegerField(help_text="The observation's position in that job.")
    via = serializers.ChoiceField(choices=["tracker", "package", "host"])
    detail = serializers.CharField()


class EmbeddingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    vendor_id = serializers.IntegerField()
    vendor = serializers.CharField(source="vendor.name")
    app_id = serializers.IntegerField()
    app = serializers.CharField(source="app.name")
    app_version_id = serializers.IntegerField()
    version = serializers.CharField(source="app_version.version")
    package_name = serializers.CharField(source="app_version.package_name")
    status = serializers.ChoiceField(choices=EmbeddingStatus.choices)
    evidence = EmbeddingEvidenceSerializer(many=True)
    linked_case = serializers.CharField(source="linked_case.number", allow_null=True, default=None)
    proposal_job = serializers.IntegerField(source="proposal_job_id", allow_null=True)


class FanoutSerializer(serializers.Serializer):
    sdk_id = serializers.IntegerField()
    sdk = serializers.CharField()
    apps = serializers.IntegerField(help_text="Distinct apps embedding the SDK (links in place).")
    vendors = serializers.IntegerField(help_text="Distinct vendors of those apps.")
    versions = serializers.IntegerField(help_text="App versions embedding the SDK.")
    removal_proposed = serializers.IntegerField(help_text="Links a re-test proposes to close.")
    results = EmbeddingSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


class FanoutQuerySerializer(serializers.Serializer):
    after = serializers.RegexField(
        r"^\d{1,18}\.\d{1,18}\.\d{1,18}$", required=False, help_text="`next` of the page before."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class OpenedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    product_version_id = serializers.IntegerField()


class OpenedCasesSerializer(serializers.Serializer):
    cases = OpenedCaseSerializer(many=True)


class EmbeddingDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

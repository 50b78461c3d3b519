"""API shapes for notices. Validation only; the services decide."""

from django.urls import reverse
from rest_framework import serializers

from accounts.reasons import REASON_MAX_LENGTH
from cases.models import Case
from config.rows import RowPlan

from .models import (
    Notice,
    NoticeEntry,
    NoticeEvent,
    NoticeItem,
    NoticeKind,
    NoticeSeries,
    NoticeStatus,
    batch_label_of,
)


class NoticeEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeEntry
        fields = [
            "id",
            "position",
            "seq",
            "case",
            "name",
            "developer",
            "source",
            "version",
            "address",
            "scenario",
            "division_code",
            "issues",
            "issue_codes",
        ]


class NoticeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeItem
        fields = ["position", "violation_code", "violation_name", "legal_basis", "evidence_summary"]


class NoticeEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = NoticeEvent
        fields = ["kind", "actor", "from_status", "to_status", "reason", "data", "created_at"]


class NoticeListSerializer(serializers.ModelSerializer):
    entry_count = serializers.IntegerField(read_only=True)
    drafted_by = serializers.CharField(source="drafted_by.username")
    approved_by = serializers.CharField(source="approved_by.username", default=None, allow_null=True)
    vendor = serializers.CharField(source="vendor.name", default=None, allow_null=True)
    batch_label = serializers.CharField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "series",
            "status",
            "version",
            "supersedes",
            "title",
            "batch_label",
            "doc_number",
            "vendor",
            "entry_count",
            "drafted_by",
            "approved_by",
            "published_on",
            "pdf_sha256",
            "created_at",
        ]


# The list as dicts (config.rows): the same JSON as NoticeListSerializer; ``entry_count`` is set on
# each row by ``notices.selectors.notice_rows_in_order``.
NOTICE_LIST_ROWS = RowPlan(
    NoticeListSerializer,
    computed={
        "entry_count": ([], lambda row: row["entry_count"]),
        "batch_label": (
            ["year", "batch_number", "overall_number"],
            lambda row: batch_label_of(row["year"], row["batch_number"], row["overall_number"]),
        ),
    },
)


class NoticeDetailSerializer(NoticeListSerializer):
    entries = NoticeEntrySerializer(many=True, read_only=True)
    items = NoticeItemSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta(NoticeListSerializer.Meta):
        fields = [
            *NoticeListSerializer.Meta.fields,
            "case",
            "authority",
            "addressee",
            "opening",
            "closing",
            "attachment_title",
            "signature",
            "tested",
            "how_to_answer",
            "deadline",
            "year",
            "batch_number",
            "overall_number",
            "published_at",
            "publish_requested_at",
            "pdf_size",
            "pdf_url",
            "entries",
            "items",
        ]

    def get_pdf_url(self, obj) -> str | None:
        if not obj.pdf:
            return None
        return reverse("notices:regulator-pdf", args=[obj.pk])


class NoticeDraftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    case_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)


class NoticeEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    authority = serializers.CharField(max_length=200, required=False)
    addressee = serializers.CharField(max_length=300, required=False, allow_blank=True)
    opening = serializers.CharField(required=False)
    closing = serializers.CharField(required=False)
    attachment_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    signature = serializers.CharField(max_length=200, required=False)
    tested = serializers.CharField(required=False, allow_blank=True)
    how_to_answer = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH)


class AccessCodeSerializer(serializers.Serializer):
    access_code = serializers.CharField()


class PublishAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.CharField()


class NoticeListQuerySerializer(serializers.Serializer):
    """The list's filters: a value that is not one of the choices answers 400 (not a query with it)."""

    status = serializers.ChoiceField(choices=NoticeStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=NoticeKind.choices, required=False)
    series = serializers.ChoiceField(
        choices=NoticeSeries.choices, required=False, help_text="The numbering series, e.g. `scenario`."
    )


class VerifyQuerySerializer(serializers.Serializer):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")


class VerifyResultSerializer(serializers.Serializer):
    authentic = serializers.BooleanField()
    sha256 = serializers.CharField()
    notice = serializers.DictField(required=False)
    current = serializers.DictField(required=False)


class DraftableCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    vendor = serializers.CharField(source="vendor.name")
    product = serializers.CharField(source="product.name")
    version = serializers.CharField(source="product_version.version")
    deadline = serializers.DateField(allow_null=True)


DRAFTABLE_CASE_ROWS = RowPlan(DraftableCaseSerializer, model=Case)


def verified_notice_data(notice: Notice) -> dict:
    """What the public may learn about a verified file: which notice and version it is."""
    data = {
        "kind": notice.kind,
        "status": notice.status,
        "version": notice.version,
        "published_on": notice.published_on.isoformat() if notice.published_on else None,
        "number": str(notice),
        "url": None,
        # The file's hash, for whoever asked with the content fingerprint printed on the PDF.
        "pdf_sha256": notice.pdf_sha256,
    }
    if notice.is_public:
        data["title"] = notice.title
        data["url"] = reverse("notices:public-detail", args=[notice.pk])
    return data


def verification_data(*, sha256: str, verification) -> dict:
    if verification is None:
        return {"authentic": False, "sha256": sha256.lower()}
    return {
        "authentic": True,
        "sha256": sha256.lower(),
        "notice": verified_notice_data(verification.notice),
        "current": verified_notice_data(verification.current),
    }

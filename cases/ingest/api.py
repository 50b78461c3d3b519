"""REST API for scanner uploads, their jobs, re-test comparisons and why findings were merged.

- ``POST /api/v1/inspections/{id}/scans/`` (multipart ``file``, optional ``tool``): 202 with the new
  job and its URL in ``Location``; the same file again answers 200 with the existing job.
- ``GET /api/v1/inspections/{id}/scans/``: the inspection's jobs.
- ``GET /api/v1/scans/{id}/``: status, progress 0–100, counts and, when failed, the reason.
- ``POST /api/v1/scans/{id}/retry/`` (optional ``tool``): queue a failed job again (202), where a
  retry could succeed (409 ``scan_job_not_retryable`` / ``scan_job_needs_other_tool`` otherwise).
- ``POST /api/v1/scans/{id}/withdraw/`` (``reason``): withdraw a finished job (200), removing its
  undecided candidates and freeing its file.
- ``GET /api/v1/scans/{id}/observations/``: what the job read, page by page, filtered by kind,
  mapped (fed a saved candidate), counted (an observation, not a meta row) and text.
- ``GET /api/v1/inspections/{id}/comparison/``: a re-test against the inspection it re-tests.
- ``GET /api/v1/findings/{id}/why-merged/``: the parts of a scanner finding's fingerprint.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.reasons import REASON_MAX_LENGTH
from cases import identity, retest
from cases.ingest import failures, jobs, selectors
from cases.models import Finding, ScanJob, ScanObservation, ScanStatus
from cases.scanners.counts import is_counted
from cases.selectors import inspection_get_for
from cases.serializers import IdentityMismatchSerializer
from config import limits
from config.api import error_responses
from config.rows import prototype

COMPARISON_LIMIT = 100
COMPARISON_MAX_LIMIT = 1000


def job_url(job: ScanJob) -> str:
    return reverse("scans-api:job", args=[job.pk])


class ScanCountsSerializer(serializers.Serializer):
    observations = serializers.IntegerField(help_text="Observations read from the file.")
    findings_created = serializers.IntegerField(help_text="New candidate findings.")
    duplicates = serializers.IntegerField(help_text="Candidates merged into an existing finding (same fingerprint).")
    unmapped = serializers.IntegerField(
        help_text="Observations that fed no saved candidate finding (stored with mapped = false)."
    )


class ScanObservationSerializer(serializers.ModelSerializer):
    counted = serializers.SerializerMethodField(
        help_text="False for rows that describe the file (scan header, summary) and nmap hosts that were not up."
    )

    class Meta:
        model = ScanObservation
        fields = ["seq", "kind", "locus", "attributes", "mapped", "counted"]
        read_only_fields = fields
        extra_kwargs = {
            "seq": {"help_text": "Position in the file (1-based)."},
            "mapped": {"help_text": "Whether it fed a candidate finding that was saved."},
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_counted(self, row: ScanObservation) -> bool:
        return is_counted(row.kind, row.attributes)


class ScanFailureSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable code: `unsupported_format`, `wrong_tool`, `damaged_file`, `invalid_value`, "
        "`reference_data`, `empty_file`, `too_large`, `not_utf8`, `too_deep`, `number_too_long`, "
        "`xml_forbidden`, `unknown_tool`, `timeout`, `worker_lost`, `file_missing`, `internal_error` "
        "(jobs failed before these codes may say `invalid_file`)."
    )
    reason = serializers.CharField(help_text="A sentence for a person, in the request's language, built from the code.")
    params = serializers.DictField(
        help_text="The values the reason is built from (tools, limits, field names; `detail`: the parser's "
        "technical sentence, in English)."
    )
    position = serializers.DictField(
        allow_null=True,
        help_text="Where in the file: `line`, `column`, `byte` (text, JSON, XML) or `sheet`, `row` (workbooks).",
    )
    retryable = serializers.BooleanField(help_text="A retry of the same file with the same tool could succeed.")
    retry_with_other_tool = serializers.BooleanField(
        help_text="A retry could succeed only with another `tool` (the file is another tool's, or not the "
        "named tool's structure)."
    )
    suggested_tool = serializers.CharField(allow_null=True, help_text="For `wrong_tool`: the tool the file is from.")


class WithdrawalSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True, help_text="Username of who withdrew the job.")
    reason = serializers.CharField()


def failure_data(job: ScanJob) -> dict | None:
    """The API's ``failure`` object, its reason in the active (request) language."""
    if job.status != ScanStatus.FAILED:
        return None
    params = dict(job.failure_params or {})
    position = params.pop("position", None)
    rule = failures.retry_rule(job.failure_code)
    return {
        "code": job.failure_code,
        "reason": failures.job_message(job),
        "params": params,
        "position": position if isinstance(position, dict) else None,
        "retryable": rule == failures.RETRY_SAME,
        "retry_with_other_tool": rule == failures.RETRY_OTHER_TOOL,
        "suggested_tool": failures.suggested_tool(job.failure_code, params),
    }


class ScanJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    failure = serializers.SerializerMethodField()
    retry_url = serializers.SerializerMethodField()
    identity = serializers.JSONField(
        read_only=True,
        help_text="What the file says it is about: package or bundle id, app name, version name and code, "
        "file hashes; for traffic and network scans the devices seen (`devices`, `device_count`) and how often "
        "the inspection's `device_address` was seen (`named_device`); for HAR the apps whose WebViews made requests "
        "(`http_apps`, not compared). {} when the file names nothing.",
    )
    identity_mismatch = serializers.SerializerMethodField(
        help_text="Where the file's identity disagrees with the inspected product version or device; the job "
        "is kept but its candidates carry the warning and confirming one needs an acknowledgement."
    )
    not_applicable = serializers.SerializerMethodField(
        help_text="Candidates dropped because their violation code does not apply to the product's kind, by code."
    )
    withdraw_url = serializers.SerializerMethodField()
    withdrawal = serializers.SerializerMethodField()
    observation_counts = serializers.JSONField(
        source="counts",
        read_only=True,
        help_text="Observations by kind, true to the file: `by_kind` (sums to `counts.observations`), "
        "`not_counted` (meta rows, nmap hosts down), and per format `hosts_up`/`hosts_down`/`open_ports` "
        "(nmap), `results_by_level` (SARIF), `entries` (HAR).",
    )
    observations_url = serializers.SerializerMethodField()

    class Meta:
        model = ScanJob
        fields = [
            "id",
            "url",
            "inspection",
            "original_name",
            "sha256",
            "size",
            "tool",
            "status",
            "progress",
            "counts",
            "identity",
            "identity_mismatch",
            "not_applicable",
            "observation_counts",
            "observations_url",
            "failure",
            "attempts",
            "retry_url",
            "withdraw_url",
            "withdrawal",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, job: ScanJob) -> str:
        return job_url(job)

    @extend_schema_field(OpenApiTypes.STR)
    def get_observations_url(self, job: ScanJob) -> str:
        return reverse("scans-api:observations", args=[job.pk])

    @extend_schema_field(ScanCountsSerializer)
    def get_counts(self, job: ScanJob) -> dict:
        return prototype(ScanCountsSerializer).to_representation(job)

    @extend_schema_field(IdentityMismatchSerializer(many=True))
    def get_identity_mismatch(self, job: ScanJob) -> list[dict]:
        return identity.mismatch_data(job.identity_mismatch)

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_not_applicable(self, job: ScanJob) -> dict:
        return dict((job.counts or {}).get("not_applicable") or {})

    @extend_schema_field(ScanFailureSerializer(allow_null=True))
    def get_failure(self, job: ScanJob) -> dict | None:
        return failure_data(job)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_retry_url(self, job: ScanJob) -> str | None:
        """Set where a retry could succeed (with the same tool, or with another)."""
        offer = jobs.retry_offer(job)
        return reverse("scans-api:retry", args=[job.pk]) if offer != failures.RETRY_NONE else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_withdraw_url(self, job: ScanJob) -> str | None:
        finished = job.status in (ScanStatus.SUCCEEDED, ScanStatus.FAILED)
        return reverse("scans-api:withdraw", args=[job.pk]) if finished else None

    @extend_schema_field(WithdrawalSerializer(allow_null=True))
    def get_withdrawal(self, job: ScanJob) -> dict | None:
        if job.status != ScanStatus.WITHDRAWN:
            return None
        event = selectors.scan_job_withdrawal(job=job)
        return {
            "at": job.withdrawn_at,
            "by": event.actor.get_username() if event and event.actor else None,
            "reason": event.reason if event else "",
        }


class ScanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The scanner's output, as it wrote it.")
    tool = serializers.CharField(
        required=False, allow_blank=True, help_text="Parser name; detected from the content when omitted."
    )


class InspectionScansApi(APIView):
    policy = {"GET": roles.INSPECTION_VIEW, "POST": roles.INSPECTION_EDIT}
    body_limit = limits.upload_limit
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: ScanJobSerializer(many=True), **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        inspection = inspection_get_for(actor=request.user, inspection_id=pk)
        # Serializers built once per process (config.rows.prototype): the same JSON as .data.
        jobs_data = prototype(ScanJobSerializer, many=True).to_representation(
            selectors.scan_jobs_of(inspection=inspection)
        )
        return Response(jobs_data)

    @extend_schema(
        request=ScanUploadSerializer,
        responses={
            202: ScanJobSerializer,
            200: ScanJobSerializer,
            **error_responses(400, 401, 403, 404, 413),
        },
        description="202: a new job was queued. 200: this file (same SHA-256) was already uploaded to this "
        "inspection; the existing job is returned and nothing is queued. 413: over MAX_UPLOAD_BYTES.",
    )
    def post(self, request, pk: int):
        inspection = inspection_get_for(actor=request.user, inspection_id=pk)
        jobs.check_declared_length(request.META.get("CONTENT_LENGTH"))
        data = ScanUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job, created = jobs.scan_job_create(
            actor=request.user,
            inspection=inspection,
            uploaded=data.validated_data["file"],
            tool=data.validated_data.get("tool", ""),
        )
        return Response(
            ScanJobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": job_url(job)},
        )


class ScanJobApi(APIView):
    policy = {"GET": roles.INSPECTION_VIEW}

    @extend_schema(responses={200: ScanJobSerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        job = selectors.scan_job_get_for(actor=request.user, job_id=pk)
        return Response(prototype(ScanJobSerializer).to_representation(job))


class ScanRetrySerializer(serializers.Serializer):
    tool = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Read the file with this tool (case-insensitive; checked against the file like an upload). "
        "Needed when the failure was `wrong_tool` or `unsupported_format`.",
    )


class ScanJobRetryApi(APIView):
    policy = {"POST": roles.INSPECTION_EDIT}

    @extend_schema(
        request=ScanRetrySerializer,
        responses={202: ScanJobSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="409 `scan_job_not_failed`: the job did not fail; `scan_job_not_retryable`: the file itself "
        "is the problem (damaged, empty, too large...); `scan_job_needs_other_tool`: only another `tool` could "
        "read it. 400 `wrong_tool`: the named tool disagrees with the file's content.",
    )
    def post(self, request, pk: int):
        job = selectors.scan_job_get_for(actor=request.user, job_id=pk)
        data = ScanRetrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = jobs.scan_job_retry(actor=request.user, job=job, tool=data.validated_data.get("tool", ""))
        return Response(
            ScanJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": job_url(job)}
        )


class ScanWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="Why the job is withdrawn (required: an empty reason answers 400 `reason_required`).",
    )


class WithdrawnFindingsSerializer(serializers.Serializer):
    removed = serializers.IntegerField(help_text="Undecided candidates of this job, deleted.")
    kept = serializers.IntegerField(help_text="Findings of this job that stay (the three below).")
    kept_decided = serializers.IntegerField(help_text="Confirmed or dismissed by a person: never removed.")
    kept_shared = serializers.IntegerField(
        help_text="Candidates a later job still standing may have merged into (see the service's rule)."
    )
    kept_with_evidence = serializers.IntegerField(help_text="Candidates with evidence files attached.")


class ScanWithdrawResultSerializer(serializers.Serializer):
    job = ScanJobSerializer()
    findings = WithdrawnFindingsSerializer()


class ScanJobWithdrawApi(APIView):
    policy = {"POST": roles.INSPECTION_EDIT}

    @extend_schema(
        request=ScanWithdrawSerializer,
        responses={200: ScanWithdrawResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="Withdraw a succeeded or failed job: audited (event `withdrawn` with actor and reason); "
        "its undecided candidates are removed, confirmed or dismissed findings are kept, and the file is "
        "freed (uploading the same bytes again makes a new job). 409 `scan_job_not_withdrawable` while it "
        "is queued or running, or already withdrawn.",
    )
    def post(self, request, pk: int):
        job = selectors.scan_job_get_for(actor=request.user, job_id=pk)
        data = ScanWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = jobs.scan_job_withdraw(actor=request.user, job=job, reason=data.validated_data["reason"])
        return Response(
            {
                "job": ScanJobSerializer(result.job).data,
                "findings": {
                    "removed": result.removed,
                    "kept": result.kept,
                    "kept_decided": result.kept_decided,
                    "kept_shared": result.kept_shared,
                    "kept_with_evidence": result.kept_with_evidence,
                },
            }
        )


class ScanObservationsApi(generics.GenericAPIView):
    policy = {"GET": roles.INSPECTION_VIEW}
    serializer_class = ScanObservationSerializer
    queryset = ScanObservation.objects.none()  # for the schema; rows come from the selector
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description="Observation kind, e.g. `http_request`, `open_port`."),
            OpenApiParameter(
                "mapped",
                bool,
                description="Only observations that fed (true) or did not feed (false) a saved candidate finding.",
            ),
            OpenApiParameter("counted", bool, description="Only observations (true) or only meta rows (false)."),
            OpenApiParameter("q", str, description="Text looked for in the locus and the attributes."),
        ],
        responses={200: ScanObservationSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        job = selectors.scan_job_get_for(actor=request.user, job_id=pk)
        rows = selectors.scan_observations_of(job=job, **selectors.observation_filters(request.query_params))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ScanObservationSerializer(page, many=True).data)


class ComparedFindingSerializer(serializers.ModelSerializer):
    violation_code = serializers.CharField(source="violation_type.code")
    previous_finding_id = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = Finding
        fields = ["id", "rule", "locus", "title", "violation_code", "status", "occurrences", "previous_finding_id"]


class ComparisonSerializer(serializers.Serializer):
    inspection = serializers.IntegerField()
    previous_inspection = serializers.IntegerField()
    complete = serializers.BooleanField(
        help_text="False while a scan job of the re-test is unfinished or failed: 'gone' would be premature."
    )
    counts = serializers.DictField(child=serializers.IntegerField())
    new = ComparedFindingSerializer(many=True)
    still_present = ComparedFindingSerializer(many=True)
    gone = ComparedFindingSerializer(
        many=True, help_text="Proposals only: a person confirms; nothing is closed by the comparison."
    )
    manual_to_recheck = ComparedFindingSerializer(many=True)
    limit = serializers.IntegerField()


class InspectionComparisonApi(APIView):
    policy = {"GET": roles.INSPECTION_VIEW}

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"Items per list (default {COMPARISON_LIMIT}).")],
        responses={200: ComparisonSerializer, **error_responses(401, 403, 404, 409)},
    )
    def get(self, request, pk: int):
        comparison = retest.retest_comparison_for(actor=request.user, inspection_id=pk)
        limit = request.query_params.get("limit", "")
        limit = min(int(limit), COMPARISON_MAX_LIMIT) if limit.isdecimal() and len(limit) <= 6 else COMPARISON_LIMIT
        return Response(
            {
                "inspection": comparison.inspection.pk,
                "previous_inspection": comparison.previous.pk,
                "complete": comparison.complete,
                "counts": comparison.counts(),
                "new": ComparedFindingSerializer(comparison.new[:limit], many=True).data,
                "still_present": ComparedFindingSerializer(comparison.still_present[:limit], many=True).data,
                "gone": ComparedFindingSerializer(comparison.gone[:limit], many=True).data,
                "manual_to_recheck": ComparedFindingSerializer(comparison.manual_to_recheck[:limit], many=True).data,
                "limit": limit,
            }
        )


class WhyMergedSerializer(serializers.Serializer):
    finding = serializers.IntegerField()
    fingerprint = serializers.CharField(help_text="sha256 of (product version id, rule, locus).")
    product_version_id = serializers.IntegerField()
    product_version = serializers.CharField()
    rule = serializers.CharField()
    locus = serializers.CharField()
    occurrences = serializers.IntegerField(help_text="Observations merged into this finding.")
    explanation = serializers.CharField()


class FindingWhyMergedApi(APIView):
    policy = {"GET": roles.INSPECTION_VIEW}

    @extend_schema(responses={200: WhyMergedSerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        finding, parts = selectors.finding_merge_parts_for(actor=request.user, finding_id=pk)
        return Response(
            {
                "finding": finding.pk,
                "fingerprint": parts.fingerprint,
                "product_version_id": parts.product_version_id,
                "product_version": parts.product_version,
                "rule": parts.rule,
                "locus": parts.locus,
                "occurrences": parts.occurrences,
                "explanation": str(selectors.MSG_WHY_MERGED % {"n": parts.occurrences}),
            }
        )

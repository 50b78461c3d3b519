"""The SDK fan-out's letters API (issue 18): one action sends a letter to every vendor embedding the SDK."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from cases import selectors as case_selectors
from config.api import error_responses

from . import sdk_letters


class SdkLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    vendor_id = serializers.IntegerField()
    vendor = serializers.CharField(source="vendor.name")
    versions = serializers.SerializerMethodField(help_text="App versions the letter lists.")
    issued_on = serializers.DateField()
    deadline = serializers.DateField()
    deadline_days = serializers.IntegerField(help_text="The period in working days on the official calendar.")

    def get_versions(self, letter) -> int:
        return len(letter.rows)


class SdkLettersSerializer(serializers.Serializer):
    letters = SdkLetterSerializer(many=True)


class SdkLettersIssueApi(APIView):
    policy = {"POST": roles.NOTICE_APPROVE}

    @extend_schema(
        summary="Send a letter to every vendor whose apps embed an SDK case's SDK",
        description="One letter per vendor without one for this case, each listing the case's confirmed "
        "findings and the vendor's app versions, with a deadline in working days (the campaign's period) "
        "on the official calendar. The PDFs are drawn and e-mailed by the outbox: 202. A year the "
        "calendar does not know answers 400 `calendar_year_unknown`; nothing left to send, 409.",
        request=None,
        responses={202: SdkLettersSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = case_selectors.case_get_for(actor=request.user, case_id=pk)
        letters = sdk_letters.sdk_letters_issue(actor=request.user, case=case)
        return Response(SdkLettersSerializer({"letters": letters}).data, status=status.HTTP_202_ACCEPTED)

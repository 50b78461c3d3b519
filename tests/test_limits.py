"""The body-size limit where a request enters (config/limits.py) and the API's answers to bodies
Django refuses (config/api.py ``bad_request``): before any parser, the session or CSRF reads them."""

import io
import json

import pytest
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.parsers import JSONParser, MultiPartParser

from accounts.api import TokenObtainApi
from cases.models import ScanJob, VendorResponse
from config import api, limits
from products.models import VendorMembership
from tests import factories
from tests.cases.served import served_case

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
MiB = 1024 * 1024
PASSWORD = "pw-Rectify-2025"  # tests/factories.py


@pytest.fixture
def nothing_reads_the_body(monkeypatch):
    """Record every attempt to parse a body: DRF's parsers, Django's form parsing, the token view."""
    calls = []

    def record(name, original):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(JSONParser, "parse", record("json", JSONParser.parse))
    monkeypatch.setattr(MultiPartParser, "parse", record("multipart", MultiPartParser.parse))
    monkeypatch.setattr(HttpRequest, "_load_post_and_files", record("post", HttpRequest._load_post_and_files))
    monkeypatch.setattr(TokenObtainApi, "post", record("view", TokenObtainApi.post))
    return calls


def test_a_huge_json_body_to_the_anonymous_token_endpoint_is_refused_before_parsing(
    client, settings, nothing_reads_the_body
):
    body = b'{"username": "' + b"a" * (2 * MiB) + b'", "password": "x"}'

    response = client.post(TOKEN, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert error["details"] == {"max_bytes": settings.MAX_BODY_BYTES}
    assert error["message"] == "The request is too large: at most 1.0\xa0MB may be sent here."
    assert nothing_reads_the_body == []


def test_a_declared_length_of_70_mb_is_refused_without_reading_a_byte(client, nothing_reads_the_body):
    stream = io.BytesIO(b'{"username": "a", "password": "b"}')

    response = client.generic(
        "POST", TOKEN, content_type="application/json", CONTENT_LENGTH=str(70 * MiB), **{"wsgi.input": stream}
    )

    assert response.status_code == 413
    assert stream.tell() == 0
    assert nothing_reads_the_body == []


def test_the_limit_is_a_setting_and_a_small_body_passes(client, settings, reviewer):
    settings.MAX_BODY_BYTES = 64
    ok = client.post(TOKEN, {"username": reviewer.username, "password": PASSWORD}, content_type="application/json")
    assert ok.status_code == 200
    refused = client.post(
        TOKEN, {"username": reviewer.username, "password": PASSWORD * 5}, content_type="application/json"
    )
    assert refused.status_code == 413
    assert refused.json()["error"]["details"] == {"max_bytes": 64}


def test_a_page_form_over_the_limit_is_a_413_page_in_the_language_asked(client, settings):
    settings.MAX_BODY_BYTES = 1000
    response = client.post(reverse("login"), {"username": "x" * 2000, "password": "y"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 413
    html = response.content.decode()
    assert 'data-testid="too-large"' in html and "1000" in html and "请求过大" in html


def test_a_session_multipart_scan_upload_over_the_limit_is_refused_before_csrf_reads_it(
    settings, inspector, inspection_factory, nothing_reads_the_body
):
    settings.MAX_UPLOAD_BYTES = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    inspection = inspection_factory()
    big = b"x" * (1000 + limits.MULTIPART_ALLOWANCE)

    page = client.post(reverse("scan-page", args=[inspection.pk]), {"file": SimpleUploadedFile("a.har", big)})
    api_reply = client.post(f"/api/v1/inspections/{inspection.pk}/scans/", {"file": SimpleUploadedFile("a.har", big)})

    assert page.status_code == 413 and 'data-testid="too-large"' in page.content.decode()
    assert api_reply.status_code == 413
    assert api_reply.json()["error"]["code"] == "file_too_large"
    assert api_reply.json()["error"]["details"] == {"max_bytes": 1000 + limits.MULTIPART_ALLOWANCE}
    assert nothing_reads_the_body == []  # neither the CSRF check nor a parser read the body
    assert not ScanJob.objects.exists()


def test_portal_evidence_over_the_limit_is_refused_before_it_is_read(settings, client, nothing_reads_the_body):
    settings.MAX_UPLOAD_BYTES = 4096
    case = served_case()
    staff = factories.VendorUserFactory(vendor=case.vendor)
    VendorMembership.objects.filter(user=staff).update(is_vendor_admin=True)
    client.force_login(staff)

    response = client.post(
        reverse("portal:respond", args=[case.pk]),
        {"summary": "fixed", "files": [SimpleUploadedFile("a.png", b"x" * (4096 + limits.MULTIPART_ALLOWANCE))]},
    )

    assert response.status_code == 413
    assert nothing_reads_the_body == []
    assert not VendorResponse.objects.exists()


def test_the_upload_limit_applies_only_to_views_that_declare_it(settings):
    settings.MAX_UPLOAD_BYTES = 5000
    settings.MAX_BODY_BYTES = 100
    assert limits.limit_for("/api/v1/inspections/1/scans/") == (5000 + limits.MULTIPART_ALLOWANCE, "file_too_large")
    assert limits.limit_for("/api/v1/findings/")[0] == 5000 + limits.MULTIPART_ALLOWANCE
    assert limits.limit_for("/portal/cases/1/respond/")[0] == 5000 + limits.MULTIPART_ALLOWANCE
    assert limits.limit_for("/api/v1/auth/token/") == (100, "request_too_large")
    assert limits.limit_for("/no/such/address/") == (100, "request_too_large")


def _chunked(client, path, body: bytes, **extra):
    """POST ``body`` as a server hands over a chunked request: no Content-Length, the input
    de-chunked and terminated (gunicorn sets wsgi.input_terminated)."""
    stream = io.BytesIO(body)
    response = client.generic(
        "POST",
        path,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream, "wsgi.input_terminated": True},
        **extra,
    )
    return response, stream


def test_a_chunked_body_is_refused_once_it_passes_the_limit(client, settings, nothing_reads_the_body):
    settings.MAX_BODY_BYTES = 100 * 1024
    response, stream = _chunked(client, TOKEN, b"{" + b" " * (5 * MiB) + b"}")

    assert response.status_code == 413
    assert response.json()["error"]["details"] == {"max_bytes": 100 * 1024}
    assert stream.tell() == 100 * 1024 + 1  # reading stopped one byte past the limit
    assert nothing_reads_the_body == []


def test_a_chunked_body_within_the_limit_is_read_as_usual(client, reviewer):
    body = json.dumps({"username": reviewer.username, "password": PASSWORD}).encode()
    response, _stream = _chunked(client, TOKEN, body)
    assert response.status_code == 200
    assert response.json()["token"]


def test_too_many_fields_to_the_api_answer_in_the_json_shape(settings, api_client, inspector, inspection_factory):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    api_client.force_authenticate(inspector)
    fields = {f"f{i}": "x" for i in range(20)}

    response = api_client.post(
        "/api/v1/findings/", {"inspection": inspection_factory().pk, **fields}, format="multipart"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "too_many_fields"


def test_too_many_fields_with_a_session_answer_in_the_json_shape(settings, client, inspector):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(inspector)
    response = client.post("/api/v1/findings/", {f"f{i}": "x" for i in range(20)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_handler400_answers_the_api_in_its_shape_and_pages_as_before():
    factory = RequestFactory()
    api_reply = api.bad_request(factory.post("/api/v1/findings/"), TooManyFieldsSent("many"))
    assert api_reply.status_code == 400
    assert json.loads(api_reply.content)["error"]["code"] == "too_many_fields"
    other = api.bad_request(factory.post("/api/v1/findings/"), ValueError("?"))
    assert json.loads(other.content)["error"]["code"] == "bad_request"
    page = api.bad_request(factory.post("/login/"), TooManyFieldsSent("many"))
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    too_big = api.bad_request(factory.post("/api/v1/findings/"), RequestDataTooBig("big"))
    assert too_big.status_code == 413
    assert json.loads(too_big.content)["error"]["code"] == "request_too_large"

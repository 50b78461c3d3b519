"""The OpenAPI schema is a committed contract (openapi.yaml), and the docs load nothing from outside."""

import difflib
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.yaml"
# English: the committed contract must not change when a translation does (field titles come from
# verbose names, which Django's and our catalogs translate).
SCHEMA_LANGUAGE = "en"
REGENERATE = (
    "Regenerate it with `make schema`, i.e. "
    f"`.venv/bin/python manage.py spectacular --lang {SCHEMA_LANGUAGE} --file openapi.yaml --validate`, "
    "and commit openapi.yaml."
)


def generate() -> bytes:
    """What `manage.py spectacular --lang en --file openapi.yaml` writes."""
    with translation.override(SCHEMA_LANGUAGE):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return OpenApiYamlRenderer().render(schema, renderer_context={})


@pytest.fixture(scope="module")
def generated() -> bytes:
    return generate()


def test_committed_schema_matches_the_code(generated):
    assert COMMITTED.exists(), f"openapi.yaml is missing. {REGENERATE}"
    committed = COMMITTED.read_bytes()
    if generated != committed:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.decode().splitlines(keepends=True),
                    generated.decode().splitlines(keepends=True),
                    "openapi.yaml (committed)",
                    "generated from the code",
                )
            )[:80]
        )
        pytest.fail(f"The API changed but openapi.yaml did not. {REGENERATE}\n{diff}", pytrace=False)


def test_generated_schema_is_valid_openapi(generated):
    validate_schema(yaml.safe_load(generated))


def test_error_responses_are_documented_with_the_one_error_shape(generated):
    schema = yaml.safe_load(generated)
    paths = schema["paths"]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}

    def response(path, method, status):
        return paths[path][method]["responses"][str(status)]["content"]["application/json"]["schema"]

    assert response("/api/v1/cases/{id}/withdraw/", "post", 409) == error_ref
    assert response("/api/v1/cases/{id}/withdraw/", "post", 404) == error_ref
    assert response("/api/v1/cases/{id}/withdraw/", "post", 403) == error_ref
    assert response("/api/v1/cases/{id}/withdraw/", "post", 400) == error_ref
    assert response("/api/v1/vendors/", "post", 400) == error_ref
    assert response("/api/v1/findings/", "post", 413) == error_ref
    assert response("/api/v1/calendar/deadline/", "get", 400) == error_ref
    assert response("/api/v1/auth/token/", "post", 429) == error_ref
    # Answered by any operation (config.api.document_common_errors), shared under components/responses.
    operations = [op for ops in paths.values() for op in ops.values()]
    assert all(op["responses"]["503"] == {"$ref": "#/components/responses/Unavailable"} for op in operations)
    with_body = [op for op in operations if "requestBody" in op]
    assert with_body and all({"413", "415"} <= set(op["responses"]) for op in with_body)
    assert paths["/api/v1/inspections/{id}/scans/"]["post"]["responses"]["507"] == {
        "$ref": "#/components/responses/StorageFull"
    }
    assert "507" not in paths["/api/v1/cases/{id}/withdraw/"]["post"]["responses"]
    assert schema["components"]["responses"]["Unavailable"]["content"]["application/json"]["schema"] == error_ref
    body = schema["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "details"}


def test_schema_documents_filters_and_pagination(generated):
    schema = yaml.safe_load(generated)
    case_list = schema["paths"]["/api/v1/cases/"]["get"]
    names = {p["name"] for p in case_list["parameters"]}
    assert {"status", "campaign", "vendor", "kind", "overdue", "page", "page_size"} <= names
    deadline = {p["name"] for p in schema["paths"]["/api/v1/calendar/deadline/"]["get"]["parameters"]}
    assert deadline == {"start", "working_days"}


@pytest.mark.django_db
def test_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Rectify API"


@pytest.mark.django_db
def test_swagger_ui_uses_only_packaged_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    # The start script is served by the docs view itself (no inline script under the CSP).
    assert "/api/docs/?script=" in urls
    urls.remove("/api/docs/?script=")
    assert len(urls) >= 3  # stylesheet, bundle, preset (and the favicon)
    assert all(url.startswith(settings.STATIC_URL) for url in urls), urls
    for url in urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not a packaged static file"
    assert not re.search(r"https?://", html), "the docs page names an outside address"
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    js = script.content.decode()
    assert '"validatorUrl": null' in js
    assert "/api/schema/" in js
    assert not re.search(r"https?://", js), "the docs script names an outside address"

"""The Content-Security-Policy in Debian's chromium: the main pages of each role report 0 violations
(issue 13: "No Content-Security-Policy on HTML pages")."""

import pytest

from config.csp import POLICY
from products.models import VendorMembership
from tests import factories
from tests.cases.served import served_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py

# Records every violation the page reports; Playwright's init scripts run outside the page's CSP.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def world(seed_data):
    case = served_case()
    staff = factories.VendorUserFactory(vendor=case.vendor, username="acme-it")
    VendorMembership.objects.filter(user=staff).update(is_vendor_admin=True)
    admin = factories.UserFactory(role="admin", username="root", is_staff=True, is_superuser=True)
    inspection = case.findings.first().inspection
    return {"case": case, "staff": staff, "admin": admin, "inspection": inspection}


def _visit_all(live_server, page, paths: list[str], *, username: str | None = None) -> dict[str, list[str]]:
    page.context.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    if username:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("load")
    found = {}
    for path in paths:
        console.clear()
        response = page.goto(f"{live_server.url}{path}", wait_until="load")
        assert response.status < 400, f"{path}: {response.status}"
        assert response.headers.get("content-security-policy") == POLICY, path
        page.wait_for_timeout(300)  # scripts that run after load (charts, Swagger UI)
        violations = page.evaluate("window.__cspViolations || []") + console
        if violations:
            found[path] = violations
    return found


def test_public_pages_report_no_violation(live_server, page, world):
    assert _visit_all(live_server, page, ["/register/", "/register/verify/", "/login/", "/api/docs/"]) == {}


def test_regulator_pages_report_no_violation(live_server, page, world):
    case, inspection = world["case"], world["inspection"]
    paths = [
        "/",
        "/cases/",
        f"/cases/{case.pk}/",
        "/inspections/",
        "/inspections/new/",
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/scans/",
        f"/inspections/{inspection.pk}/timeline/",
        "/vendors/",
        f"/vendors/{case.vendor.pk}/",
        "/products/",
        "/notices/",
        "/notices/new/",
        "/calendar/",
        "/calendar/import/",
        "/decisions/",
        "/dashboard/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{world['admin'].pk}/change/",
        "/api/docs/",
    ]
    assert _visit_all(live_server, page, paths, username="root") == {}


def test_vendor_pages_report_no_violation(live_server, page, world):
    case = world["case"]
    paths = [
        "/portal/",
        f"/portal/cases/{case.pk}/",
        f"/portal/cases/{case.pk}/respond/",
        f"/portal/cases/{case.pk}/extension/",
        "/portal/team/",
        "/register/",
    ]
    assert _visit_all(live_server, page, paths, username="acme-it") == {}

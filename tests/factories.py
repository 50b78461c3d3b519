"""factory_boy factories for every model; exposed as fixtures in tests/conftest.py.

A factory's sequence counter runs across the whole test session (shared state: how many rows earlier
tests made). Names that pages and services sort by (users, vendors, products, campaigns, agencies)
carry it zero-padded, so text order is creation order whatever ran before: "…9" sorted after "…10"
and made tests/notices/test_api.py::test_draft_via_api depend on the test order.
"""

import datetime
import hashlib

import factory
from factory.django import DjangoModelFactory

from accounts.models import Authority, User
from accounts.roles import Role
from cases.dashboard import figures as dashboard_figures
from cases.models import (
    Campaign,
    Case,
    Finding,
    FindingStatus,
    Inspection,
    InspectionMethod,
    RetestLink,
    TestingAgency,
    ViolationType,
    finding_carried,
    inspection_vendor_id,
)
from complaints import figures as complaint_figures
from products.models import (
    OfflineScenario,
    Product,
    ProductKind,
    ProductVersion,
    ScenarioType,
    Vendor,
    VendorMembership,
)
from products.validators import USCC_ALPHABET, uscc_check_char


def make_uscc(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    body = "91330100" + "".join(USCC_ALPHABET[(n // 31**i) % 31] for i in range(9))
    return body + uscc_check_char(body)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = Role.INSPECTOR
    # A regulator works for the ministry's bureau unless a test says which authority.
    authority = factory.LazyAttribute(lambda u: None if u.role == Role.VENDOR else Authority.objects.national())
    password = factory.PostGenerationMethodCall("set_password", "pw-Rectify-2025")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def province(code: str = "110000") -> Authority:
    """A seeded provincial administration by its GB/T 2260 code (Beijing by default); made again
    if a transactional test flushed the seeded rows."""
    from accounts.authorities import PROVINCES

    _code, name, short_name, prefix = next(row for row in PROVINCES if row[0] == code)
    authority, _created = Authority.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "level": "provincial",
            "doc_prefix": prefix,
            "masthead": name,
            "signature": name,
        },
    )
    return authority


def all_authorities() -> None:
    """The 32 seeded authorities, made again if a transactional test flushed the seeded rows (the
    migration's own seed: it never overwrites a row that exists)."""
    from importlib import import_module

    from django.apps import apps

    import_module("accounts.migrations.0004_i17_authorities_authority").seed(apps, None)


class VendorFactory(DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"示例网络科技（杭州）有限公司{n:05d}")
    name_en = factory.Sequence(lambda n: f"Example Network Technology {n:05d}")
    credit_code = factory.Sequence(make_uscc)
    contact_email = factory.Sequence(lambda n: f"compliance{n}@vendor.test")


class VendorUserFactory(UserFactory):
    role = Role.VENDOR

    @factory.post_generation
    def vendor(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            VendorMembership.objects.create(user=obj, vendor=extracted or VendorFactory())


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"晴空天气{n:05d}")
    kind = ProductKind.APP


class ProductVersionFactory(DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"3.2.{n}")
    source = "应用宝"
    package_name = factory.Sequence(lambda n: f"com.example.weather{n}")
    file_sha256 = factory.Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())


class OfflineScenarioFactory(DjangoModelFactory):
    """An offline scenario's details with its product (kind ``scenario``): ``scenario.product``."""

    class Meta:
        model = OfflineScenario

    product = factory.SubFactory(
        ProductFactory, kind=ProductKind.SCENARIO, name=factory.Sequence(lambda n: f"蜀香川菜馆（望京店）{n:05d}")
    )
    address = "北京市朝阳区望京街10号"
    division_code = "110105"
    scenario_type = ScenarioType.QR_ORDERING


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"2025年APP侵害用户权益专项整治行动{n:05d}")
    name_en = factory.Sequence(lambda n: f"2025 app user-rights campaign {n:05d}")
    start_date = datetime.date(2025, 3, 1)


class TestingAgencyFactory(DjangoModelFactory):
    class Meta:
        model = TestingAgency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第三方检测机构{n:05d}")


class InspectionFactory(DjangoModelFactory):
    class Meta:
        model = Inspection

    campaign = factory.SubFactory(CampaignFactory)
    product_version = factory.SubFactory(ProductVersionFactory)
    agency = factory.SubFactory(TestingAgencyFactory)
    date = datetime.date(2025, 9, 20)
    method = InspectionMethod.MANUAL
    created_by = factory.SubFactory(UserFactory)
    # The inspecting authority is the inspector's (cases.services.inspection_create).
    authority = factory.LazyAttribute(lambda i: i.created_by.authority or Authority.objects.national())
    # Carried from the version (cases.models.inspection_vendor_id), as the services do.
    vendor_id = factory.LazyAttribute(lambda i: inspection_vendor_id(i.product_version))


class FindingFactory(DjangoModelFactory):
    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    # Carried from the inspection (cases.models.finding_carried), as the services and the ingest do.
    authority_id = factory.LazyAttribute(lambda f: finding_carried(f.inspection)["authority_id"])
    vendor_id = factory.LazyAttribute(lambda f: finding_carried(f.inspection)["vendor_id"])
    violation_type = factory.LazyFunction(lambda: ViolationType.objects.get(code="PI-01"))
    status = FindingStatus.CANDIDATE
    title = factory.Sequence(lambda n: f"启动即收集IMEI {n}")
    rule = "manual"
    locus = factory.Sequence(lambda n: f"screen-{n}")
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(f"fp{n}".encode()).hexdigest())


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True  # the figures hook writes its own rows, not the case

    number = factory.Sequence(lambda n: f"RC-2025-{n:05d}")
    campaign = factory.SubFactory(CampaignFactory)
    product_version = factory.SubFactory(ProductVersionFactory)
    product = factory.SelfAttribute("product_version.product")
    vendor = factory.SelfAttribute("product_version.product.vendor")
    opened_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def figures(obj, create, extracted, **kwargs):
        # A case opened by the services moves the dashboard's figures in the same transaction (and
        # the campaigns' totals read them): a case made here does the same.
        if create:
            dashboard_figures.case_added(obj.pk)


def linked_retest(case, *, still_there=False, user=None) -> Inspection:
    """A re-test of ``case``'s product linked to it, on a newer version. Clean (every confirmed
    finding gone; one confirmed finding is made if the case has none) unless ``still_there``."""
    user = user or UserFactory(role="reviewer")
    if not case.findings.filter(status=FindingStatus.CONFIRMED).exists():
        FindingFactory(
            inspection=InspectionFactory(product_version=case.product_version, campaign=case.campaign),
            case=case,
            status=FindingStatus.CONFIRMED,
        )
    version = ProductVersionFactory(product=case.product, version=f"retest-{case.retest_links.count() + 1}")
    inspection = InspectionFactory(product_version=version, campaign=case.campaign, created_by=user)
    if still_there:
        confirmed = case.findings.filter(status=FindingStatus.CONFIRMED).first()
        FindingFactory(inspection=inspection, violation_type=confirmed.violation_type)
    RetestLink.objects.create(case=case, inspection=inspection, linked_by=user)
    return inspection


class ComplaintFactory(DjangoModelFactory):
    """A complaint as received (no status link: tests that need one use ``complaint_submit``). It
    moves the leads dashboard's figures as the services do (``complaints.figures``)."""

    class Meta:
        model = "complaints.Complaint"
        skip_postgeneration_save = True

    channel = "web"
    received_on = datetime.date(2025, 9, 12)
    text = factory.Sequence(lambda n: f"打开即索要通讯录权限，拒绝后无法使用 {n}")
    subject_name = factory.Sequence(lambda n: f"某某天气{n:05d}")
    contact_email = factory.Sequence(lambda n: f"complainant{n}@mail.test")
    contact_phone = "13800000000"

    @factory.post_generation
    def _figures(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            complaint_figures.added([obj])

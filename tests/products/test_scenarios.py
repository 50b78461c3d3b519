"""Offline scenarios as subjects (issue 16): the division code, the services, the form, the pages
and the API with its filters by type and region."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.errors import InvalidInput
from products import error_codes, services
from products.forms import ProductForm, ScenarioForm
from products.models import OfflineScenario, Product, ProductKind, ProductVersion, ScenarioType
from products.validators import region_prefix_valid, validate_division_code
from tests import factories

pytestmark = pytest.mark.django_db

SCENARIOS = "/api/v1/scenarios/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


# The division code (GB/T 2260)


@pytest.mark.parametrize("code", ["110105", "310115", "440305", "110000", "650100", "820000"])
def test_division_code_accepts_real_shapes(code):
    validate_division_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("11010", error_codes.DIVISION_FORMAT),
        ("1101051", error_codes.DIVISION_FORMAT),
        ("11O105", error_codes.DIVISION_FORMAT),
        ("１１０１０５", error_codes.DIVISION_FORMAT),  # full-width digits are digits to isdigit()
        ("990105", error_codes.DIVISION_PROVINCE),
        ("000000", error_codes.DIVISION_PROVINCE),
        ("110005", error_codes.DIVISION_SHAPE),
    ],
)
def test_division_code_refuses(code, error):
    with pytest.raises(ValidationError) as info:
        validate_division_code(code)
    assert info.value.code == error


def test_region_prefix():
    assert [region_prefix_valid(v) for v in ("11", "1101", "110105")] == [True, True, True]
    assert [region_prefix_valid(v) for v in ("", "1", "110", "99", "11010a", "1101050")] == [False] * 6


# Services


def test_scenario_create_makes_a_product_of_the_new_kind(inspector):
    vendor = factories.VendorFactory()
    mini = factories.ProductFactory(vendor=vendor, kind=ProductKind.MINI_PROGRAM, name="蜀香点餐小程序")
    product = services.scenario_create(
        actor=inspector,
        vendor=vendor,
        name=" 蜀香川菜馆（望京店） ",
        address=" 北京市朝阳区望京街10号 ",
        division_code="110105",
        scenario_type=ScenarioType.QR_ORDERING,
        systems=[mini],
        systems_text="桌贴二维码指向 https://order.example.test/t/12",
    )
    product.refresh_from_db()
    assert (product.kind, product.name, product.vendor) == (ProductKind.SCENARIO, "蜀香川菜馆（望京店）", vendor)
    scenario = product.scenario
    assert (scenario.address, scenario.division_code, scenario.province_code) == (
        "北京市朝阳区望京街10号",
        "110105",
        "11",
    )
    assert list(scenario.systems.all()) == [mini]
    assert list(mini.used_in_scenarios.all()) == [scenario]


def test_scenario_create_refuses_a_bad_division_code_and_keeps_nothing(inspector):
    vendor = factories.VendorFactory()
    with pytest.raises(ValidationError) as info:
        services.scenario_create(
            actor=inspector,
            vendor=vendor,
            name="X",
            address="Y",
            division_code="990000",
            scenario_type=ScenarioType.OTHER,
        )
    assert [e.code for e in info.value.error_dict["division_code"]] == [error_codes.DIVISION_PROVINCE]
    assert not Product.objects.exists() and not OfflineScenario.objects.exists()


def test_scenario_systems_are_not_other_venues(inspector):
    other = factories.OfflineScenarioFactory()
    with pytest.raises(InvalidInput) as info:
        services.scenario_create(
            actor=inspector,
            vendor=factories.VendorFactory(),
            name="X",
            address="Y",
            division_code="110105",
            scenario_type=ScenarioType.OTHER,
            systems=[other.product],
        )
    assert info.value.code == error_codes.SCENARIO_SYSTEM_KIND


def test_a_scenario_is_not_registered_as_a_plain_product(inspector):
    with pytest.raises(InvalidInput) as info:
        services.product_create(actor=inspector, vendor=factories.VendorFactory(), name="X", kind="scenario")
    assert info.value.code == error_codes.SCENARIO_KIND
    assert "scenario" not in dict(ProductForm().fields["kind"].choices)


def test_visit_version_is_one_per_day():
    product = factories.OfflineScenarioFactory().product
    first = services.scenario_visit_version(product=product, date=datetime.date(2026, 11, 3))
    again = services.scenario_visit_version(product=product, date=datetime.date(2026, 11, 3))
    later = services.scenario_visit_version(product=product, date=datetime.date(2026, 12, 1))
    assert first == again != later
    assert (first.version, first.source) == ("2026-11-03", services.ONSITE_SOURCE)
    assert ProductVersion.objects.filter(product=product).count() == 2
    with pytest.raises(InvalidInput):
        services.scenario_visit_version(product=factories.ProductFactory(), date=datetime.date(2026, 11, 3))


# Form


def test_scenario_form_offers_only_other_kinds_as_systems():
    app = factories.ProductFactory()
    venue = factories.OfflineScenarioFactory().product
    choices = {p.pk for p in ScenarioForm().fields["systems"].queryset}
    assert app.pk in choices and venue.pk not in choices


def test_scenario_form_checks_the_division_code():
    form = ScenarioForm(
        data={
            "vendor": factories.VendorFactory().pk,
            "name": "健身房",
            "address": "上海市浦东新区",
            "division_code": "31011",
            "scenario_type": ScenarioType.ID_CARD_SCAN,
        }
    )
    assert not form.is_valid()
    assert form.errors.as_data()["division_code"][0].code == error_codes.DIVISION_FORMAT


# Pages


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.mark.parametrize("path", ["/scenarios/", "/scenarios/new/"])
def test_scenario_pages_need_a_regulator(client, login, vendor_user, path):
    assert client.get(path).status_code == 302
    assert login(vendor_user).get(path).status_code == 403


def test_register_a_scenario_on_the_page(login, inspector):
    vendor = factories.VendorFactory()
    mini = factories.ProductFactory(vendor=vendor, kind=ProductKind.MINI_PROGRAM)
    client = login(inspector)
    page = client.get("/scenarios/new/", **ZH).content.decode()
    assert "场所名称" in page and "行政区划代码" in page and "扫码点餐" in page
    response = client.post(
        "/scenarios/new/",
        {
            "vendor": vendor.pk,
            "name": "蜀香川菜馆（望京店）",
            "address": "北京市朝阳区望京街10号",
            "division_code": "110105",
            "scenario_type": ScenarioType.QR_ORDERING,
            "systems": [mini.pk],
            "systems_text": "",
        },
    )
    product = Product.objects.get(kind=ProductKind.SCENARIO)
    assert response.status_code == 302 and response["Location"] == f"/products/{product.pk}/"
    detail = client.get(response["Location"], **EN).content.decode()
    assert "QR-code ordering" in detail and "110105" in detail and mini.name in detail
    assert "Log an on-site inspection" in detail
    zh = client.get(response["Location"], **ZH).content.decode()
    assert "记录现场检查" in zh and "现场检查记录" in zh


def test_scenario_list_filters_by_region_and_type(login, reviewer):
    beijing = factories.OfflineScenarioFactory(division_code="110105")
    chaoyang_gym = factories.OfflineScenarioFactory(division_code="110105", scenario_type=ScenarioType.ID_CARD_SCAN)
    shanghai = factories.OfflineScenarioFactory(division_code="310115", address="上海市浦东新区")
    client = login(reviewer)

    def listed(**params):
        return {p.pk for p in client.get("/scenarios/", params).context["scenarios"]}

    assert listed() == {beijing.pk, chaoyang_gym.pk, shanghai.pk}
    assert listed(region="11") == {beijing.pk, chaoyang_gym.pk}
    assert listed(region="31") == {shanghai.pk}
    assert listed(region="11", type=ScenarioType.ID_CARD_SCAN) == {chaoyang_gym.pk}
    assert listed(region="1") == {beijing.pk, chaoyang_gym.pk, shanghai.pk}  # not a prefix: ignored
    en = client.get("/scenarios/", **EN).content.decode()
    assert "Offline scenarios" in en and "Identity-card scanning" in en
    zh = client.get("/scenarios/", **ZH).content.decode()
    assert "线下消费场景" in zh and "身份证件扫描" in zh


# API


@pytest.fixture
def as_inspector(api_client, inspector):
    api_client.force_authenticate(inspector)
    return api_client


def test_api_create_and_read_a_scenario(as_inspector):
    vendor = factories.VendorFactory()
    camera = factories.ProductFactory(vendor=vendor, kind=ProductKind.TERMINAL, name="门禁人脸识别终端 FR-200")
    response = as_inspector.post(
        SCENARIOS,
        {
            "vendor": vendor.pk,
            "name": "悦动健身（浦东店）",
            "address": "上海市浦东新区张杨路100号",
            "division_code": "310115",
            "scenario_type": "face_entry",
            "systems": [camera.pk],
            "systems_text": "",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "scenario" and body["division_code"] == "310115" and body["systems"] == [camera.pk]
    assert body["vendor_credit_code"] == vendor.credit_code
    one = as_inspector.get(f"{SCENARIOS}{body['id']}/").json()
    assert one["scenario_type"] == "face_entry" and one["address"] == "上海市浦东新区张杨路100号"
    # The scenario is a product: the products API lists it under its kind.
    products = as_inspector.get("/api/v1/products/", {"kind": "scenario"}).json()
    assert [p["id"] for p in products["results"]] == [body["id"]]


def test_api_refuses_a_bad_division_code(as_inspector):
    response = as_inspector.post(
        SCENARIOS,
        {
            "vendor": factories.VendorFactory().pk,
            "name": "X",
            "address": "Y",
            "division_code": "995000",
            "scenario_type": "other",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Product.objects.exists()


def test_api_plain_product_of_kind_scenario_is_refused(as_inspector):
    response = as_inspector.post(
        "/api/v1/products/", {"vendor": factories.VendorFactory().pk, "name": "X", "kind": "scenario"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == error_codes.SCENARIO_KIND


def test_api_filters_by_region_and_type(as_inspector):
    beijing = factories.OfflineScenarioFactory(division_code="110105")
    factories.OfflineScenarioFactory(division_code="310115", scenario_type=ScenarioType.PARKING)

    def ids(**params):
        return [row["id"] for row in as_inspector.get(SCENARIOS, params).json()["results"]]

    assert ids(region="11") == [beijing.product_id]
    assert ids(region="1101") == [beijing.product_id]
    assert ids(region="3101", scenario_type="parking") != []
    assert ids(region="x1") == []


@pytest.mark.parametrize("page_size", [10, 50])
def test_api_list_query_count_does_not_grow(as_inspector, django_assert_num_queries, page_size):
    mini = factories.ProductFactory(kind=ProductKind.MINI_PROGRAM)
    for _ in range(55):
        factories.OfflineScenarioFactory().systems.add(mini)
    # COUNT, the page with its vendor and details, the systems of the page.
    with django_assert_num_queries(3):
        response = as_inspector.get(SCENARIOS, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size

"""Offline scenarios on notices (issue 16): orders and naming notices in the scenario series, with
the columns a ministry prints for venues (序号, 场所名称, 经营者, 地址, 场景, 所涉问题), and the
public register filtered by subject and region."""

import json
import re
import subprocess

import pytest

from accounts.errors import InvalidInput
from cases.models import CaseStatus
from notices import error_codes, exports, selectors, services, workflow
from notices.models import NoticeCounter, NoticeKind, NoticeSeries
from products.models import ScenarioType
from tests import factories

from .conftest import make_case

pytestmark = pytest.mark.django_db

HEADINGS = ("序号", "场所名称", "经营者", "地址", "场景", "所涉问题")


def venue_case(status=CaseStatus.OVERDUE, *, name, operator, address, division, scenario_type, codes):
    scenario = factories.OfflineScenarioFactory(
        product__name=name,
        product__vendor__name=operator,
        address=address,
        division_code=division,
        scenario_type=scenario_type,
    )
    return make_case(status, product=scenario.product, version="2025-09-01", source="现场检查", codes=codes)


@pytest.fixture
def restaurant():
    return venue_case(
        name="蜀香川菜馆（望京店）",
        operator="北京蜀香餐饮管理有限公司",
        address="北京市朝阳区望京街10号",
        division="110105",
        scenario_type=ScenarioType.QR_ORDERING,
        codes=("OS-01", "PI-02"),
    )


@pytest.fixture
def gym():
    return venue_case(
        name="悦动健身（浦东店）",
        operator="上海悦动体育发展有限公司",
        address="上海市浦东新区张杨路100号",
        division="310115",
        scenario_type=ScenarioType.FACE_ENTRY,
        codes=("OS-02", "OS-03"),
    )


def _publish(inspector, reviewer, *cases, kind=NoticeKind.NAMING):
    draft = services.notice_draft(actor=inspector, kind=kind, case_ids=[c.pk for c in cases])
    workflow.notice_approve(actor=reviewer, notice=draft)
    return workflow.notice_publish(notice_id=draft.pk, actor=reviewer)


def test_naming_draft_of_venues_is_in_the_scenario_series(inspector, restaurant, gym):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[restaurant.pk, gym.pk])
    assert notice.series == NoticeSeries.SCENARIO
    assert notice.title == "关于侵害用户权益行为的线下消费场景通报"
    assert notice.attachment_title == "工业和信息化部通报存在问题的线下消费场景名单"
    assert "2款线下消费场景未按要求完成整改" in notice.opening
    rows = {e.name: e for e in notice.entries.all()}
    row = rows["蜀香川菜馆（望京店）"]
    assert (row.developer, row.address, row.scenario, row.division_code) == (
        "北京蜀香餐饮管理有限公司",
        "北京市朝阳区望京街10号",
        "扫码点餐",
        "110105",
    )
    assert row.issues == "强制要求用户同意与服务无关的个人信息处理、超范围收集个人信息"  # in code order
    assert rows["悦动健身（浦东店）"].scenario == "入口人脸识别"


def test_venues_and_apps_are_not_named_together(inspector, restaurant):
    with pytest.raises(InvalidInput) as info:
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[restaurant.pk, make_case().pk])
    assert info.value.code == error_codes.NOTICE_MIXED_SERIES


def test_a_named_venue_is_not_on_a_removal_notice(inspector):
    import datetime

    named_venue = venue_case(
        CaseStatus.NAMED,
        name="停车场",
        operator="某停车管理有限公司",
        address="广东省深圳市南山区",
        division="440305",
        scenario_type=ScenarioType.PARKING,
        codes=("PI-02",),
    )
    type(named_venue).objects.filter(pk=named_venue.pk).update(deadline=datetime.date(2025, 1, 10))
    named_app = make_case(CaseStatus.NAMED, deadline=datetime.date(2025, 1, 10))
    draftable = set(selectors.draftable_cases(kind=NoticeKind.REMOVAL).values_list("pk", flat=True))
    assert named_app.pk in draftable and named_venue.pk not in draftable


def test_order_to_a_venue_operator(inspector, reviewer, renderer, frozen):
    case = venue_case(
        CaseStatus.OPEN,
        name="蜀香川菜馆（望京店）",
        operator="北京蜀香餐饮管理有限公司",
        address="北京市朝阳区望京街10号",
        division="110105",
        scenario_type=ScenarioType.QR_ORDERING,
        codes=("OS-01",),
    )
    order = _publish(inspector, reviewer, case, kind=NoticeKind.ORDER)
    assert order.addressee == "北京蜀香餐饮管理有限公司："
    assert order.tested.startswith("蜀香川菜馆（望京店）（北京市朝阳区望京街10号，扫码点餐），现场检查日期：2025-09-01")
    (item,) = order.items.all()
    assert item.violation_code == "OS-01"
    assert item.legal_basis == "《中华人民共和国个人信息保护法》第十四条、第十六条"
    case.refresh_from_db()
    assert case.status == CaseStatus.ORDERED and case.deadline is not None


def test_naming_notice_of_venues_is_numbered_in_its_own_series(inspector, reviewer, renderer, frozen, restaurant):
    notice = _publish(inspector, reviewer, restaurant)
    assert notice.batch_label == "（2025年第1批，总第1批）"
    counter = NoticeCounter.objects.get(series=NoticeSeries.SCENARIO)
    assert (counter.yearly, counter.overall) == (1, 1)
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).overall == 0
    restaurant.refresh_from_db()
    assert restaurant.status == CaseStatus.NAMED


def test_correction_keeps_the_venue_columns(inspector, reviewer, renderer, frozen, restaurant):
    notice = _publish(inspector, reviewer, restaurant)
    copy = services.notice_correct(actor=inspector, notice=notice, reason="地址有误")
    (row,) = copy.entries.all()
    assert (row.address, row.scenario, row.division_code) == ("北京市朝阳区望京街10号", "扫码点餐", "110105")
    services.notice_entry_update(actor=inspector, entry=row, address="北京市朝阳区望京街12号")
    row.refresh_from_db()
    assert row.address == "北京市朝阳区望京街12号"


def test_the_pdf_attachment_table_has_the_venue_columns(inspector, reviewer, frozen, restaurant, gym, tmp_path):
    """The real renderer: the attachment table of the published PDF as ``pdftotext -layout`` reads it."""
    notice = _publish(inspector, reviewer, restaurant, gym)
    path = tmp_path / "scenario-naming.pdf"
    with notice.pdf.open("rb") as stream:
        path.write_bytes(stream.read())
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    table = layout.stdout[re.search(r"^\f?附件\s*$", layout.stdout, re.M).start() :]
    print(table)  # the closing note of issue 16 shows it (pytest -s)
    heading = next(line for line in table.splitlines() if "序号" in line)
    assert [heading.index(h) for h in HEADINGS] == sorted(heading.index(h) for h in HEADINGS)
    # Cells wrap in the layout; read without it, each cell's text comes in one piece.
    plain = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(plain[plain.rindex("序号") :].split())
    for value in ("蜀香川菜馆（望京店）", "北京蜀香餐饮管理有限公司", "悦动健身（浦东店）", "上海悦动体育发展有限公司"):
        assert value in flat
    assert "北京市朝阳区望京街10号" in flat and "上海市浦东新区张杨路100号" in flat
    # The two last columns share their lines: a wrapped 场景 interleaves with 所涉问题.
    assert "扫码点餐" in flat and "入口人脸" in flat
    assert "违规使用人脸识别技术" in flat and "强制要求用户同意与服务无关的个人信息处" in flat


def test_register_filters_by_subject_and_region(client, inspector, reviewer, renderer, frozen, restaurant, gym):
    beijing = _publish(inspector, reviewer, restaurant)
    shanghai = _publish(inspector, reviewer, gym)
    app = _publish(inspector, reviewer, make_case())

    def listed(**params):
        response = client.get("/register/", params)
        assert response.status_code == 200
        return sorted({int(pk) for pk in re.findall(r'href="/register/(\d+)/"', response.content.decode())})

    assert set(listed()) == {beijing.pk, shanghai.pk, app.pk}
    assert set(listed(subject="scenario")) == {beijing.pk, shanghai.pk}
    assert set(listed(subject="app")) == {app.pk}
    assert listed(region="11") == [beijing.pk]
    assert listed(region="31") == [shanghai.pk]
    assert listed(region="3101") == [shanghai.pk]
    assert listed(region="110105", subject="scenario") == [beijing.pk]
    assert listed(region="44") == []
    # Not a prefix of a real division: the form refuses it and filters nothing.
    assert set(listed(region="9")) == {beijing.pk, shanghai.pk, app.pk}
    zh = client.get("/register/", {"region": "9"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "省级" in zh or "区划" in zh


def test_register_notice_page_prints_the_venue_columns(client, inspector, reviewer, renderer, frozen, restaurant):
    notice = _publish(inspector, reviewer, restaurant)
    en = client.get(f"/register/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Venue" in en and "Operator" in en and "Address" in en and "北京市朝阳区望京街10号" in en
    zh = client.get(f"/register/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "场所" in zh and "经营者" in zh and "扫码点餐" in zh


def test_open_data_carries_series_and_division(client, inspector, reviewer, renderer, frozen, restaurant):
    _publish(inspector, reviewer, restaurant)
    body = json.loads(b"".join(client.get("/register/open-data/entries.json").streaming_content))
    assert body["fields"] == exports.OPEN_DATA_FIELDS
    (row,) = body["entries"]
    assert (row["notice_series"], row["division_code"], row["scenario"], row["address"]) == (
        "scenario",
        "110105",
        "扫码点餐",
        "北京市朝阳区望京街10号",
    )


def test_regulator_api_lists_by_series(api_client, inspector, reviewer, renderer, frozen, restaurant):
    scenario_notice = _publish(inspector, reviewer, restaurant)
    _publish(inspector, reviewer, make_case())
    api_client.force_authenticate(reviewer)
    body = api_client.get("/api/v1/notices/", {"series": "scenario"}).json()
    assert [n["id"] for n in body["results"]] == [scenario_notice.pk]
    detail = api_client.get(f"/api/v1/notices/{scenario_notice.pk}/").json()
    assert detail["entries"][0]["division_code"] == "110105" and detail["entries"][0]["scenario"] == "扫码点餐"


def test_demo_has_two_scenarios_one_ordered_one_named(frozen):
    import io

    from django.core.management import call_command

    from cases.models import Case
    from notices.models import Notice

    call_command("load_demo", stdout=io.StringIO())
    venues = Case.objects.filter(product__kind="scenario").select_related("product__scenario")
    assert {c.product.name: c.status for c in venues} == {
        "蜀香川菜馆（望京店）": CaseStatus.ORDERED,
        "悦动健身（浦东店）": CaseStatus.NAMED,
    }
    notice = Notice.objects.get(series=NoticeSeries.SCENARIO)
    assert notice.status == "published" and notice.pdf_sha256
    assert [e.division_code for e in notice.entries.all()] == ["310115"]
    call_command("load_demo", stdout=io.StringIO())  # again: nothing changes
    assert Notice.objects.filter(series=NoticeSeries.SCENARIO).count() == 1

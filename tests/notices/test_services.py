import datetime

import pytest

from accounts.errors import Conflict, Forbidden, InvalidInput
from cases.models import CaseStatus
from notices import services, texts, workflow
from notices.error_codes import (
    NOTICE_CASE_NOT_ELIGIBLE,
    NOTICE_FIELD_NOT_EDITABLE,
    NOTICE_FROZEN,
    NOTICE_MIXED_SERIES,
    NOTICE_ORDER_ONE_CASE,
)
from notices.models import Notice, NoticeEvent, NoticeKind, NoticeSeries, NoticeStatus
from products.models import ProductKind
from tests import factories

from .conftest import make_case

pytestmark = pytest.mark.django_db


def test_naming_draft_freezes_rows_with_shared_seq_and_joined_issues(inspector):
    product = factories.ProductFactory(name="晴空天气", vendor__name="示例网络科技（杭州）有限公司")
    a = make_case(product=product, version="3.2.1", source="应用宝", codes=("PI-02", "PI-01"))
    b = make_case(product=product, version="3.2.1", source="华为应用市场", codes=("PI-01",))
    other = make_case(codes=("PI-05",))

    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[a.pk, b.pk, other.pk])

    assert notice.status == NoticeStatus.DRAFT
    assert notice.series == NoticeSeries.APP
    assert notice.title == "关于侵害用户权益行为的APP（SDK）通报"
    assert notice.batch_label == ""
    rows = list(
        notice.entries.order_by("position").values_list("seq", "name", "developer", "source", "version", "issues")
    )
    # The two rows of one product share 序号 1 (a merged cell); issues are names joined with 、 in code order.
    assert rows[0] == (
        1,
        "晴空天气",
        "示例网络科技（杭州）有限公司",
        "应用宝",
        "3.2.1",
        "违规收集个人信息、超范围收集个人信息",
    )
    assert rows[1] == (1, "晴空天气", "示例网络科技（杭州）有限公司", "华为应用市场", "3.2.1", "违规收集个人信息")
    assert rows[2][0] == 2 and rows[2][5] == "未明示个人信息处理规则"
    assert notice.entries.get(case=a).issue_codes == "PI-01;PI-02"
    assert "尚有2款APP（SDK）未按要求完成整改" in notice.opening
    assert texts.LEGAL_BASIS in notice.opening
    assert notice.closing.startswith("上述APP（SDK）应按有关规定进行整改")
    event = NoticeEvent.objects.get(notice=notice)
    assert (event.kind, event.actor, event.to_status) == ("drafted", inspector, "draft")


def test_entries_do_not_follow_later_product_edits(inspector):
    case = make_case()
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    frozen_name = case.product.name
    case.product.name = "改名后的应用"
    case.product.save()
    case.vendor.name = "改名后的公司"
    case.vendor.save()
    entry = notice.entries.get()
    assert entry.name == frozen_name
    assert entry.developer != "改名后的公司"


def test_terminal_cases_make_a_terminal_notice_with_model_column(inspector):
    case = make_case(kind=ProductKind.TERMINAL)
    case.product_version.package_name = "X1-Pro"
    case.product_version.save()
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    assert notice.series == NoticeSeries.TERMINAL
    assert notice.title == "关于侵害用户权益行为的智能终端产品通报"
    assert notice.entries.get().version == "X1-Pro"


def test_apps_and_terminals_cannot_share_a_notice(inspector):
    app = make_case()
    terminal = make_case(kind=ProductKind.TERMINAL)
    with pytest.raises(InvalidInput) as err:
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[app.pk, terminal.pk])
    assert err.value.code == NOTICE_MIXED_SERIES


@pytest.mark.parametrize(
    ("kind", "status", "deadline"),
    [
        (NoticeKind.NAMING, CaseStatus.ORDERED, None),
        (NoticeKind.NAMING, CaseStatus.NAMED, None),
        (NoticeKind.REMOVAL, CaseStatus.OVERDUE, None),
        (NoticeKind.REMOVAL, CaseStatus.NAMED, datetime.date(2999, 1, 1)),  # deadline not passed
        (NoticeKind.ORDER, CaseStatus.ORDERED, None),
    ],
)
def test_cases_in_the_wrong_state_are_refused(inspector, kind, status, deadline):
    case = make_case(status, deadline=deadline)
    with pytest.raises(InvalidInput) as err:
        services.notice_draft(actor=inspector, kind=kind, case_ids=[case.pk])
    assert err.value.code == NOTICE_CASE_NOT_ELIGIBLE
    assert err.value.details == {"cases": [case.pk]}
    assert not Notice.objects.exists()


def test_removal_lists_named_cases_past_deadline(inspector):
    case = make_case(CaseStatus.NAMED, deadline=datetime.date(2025, 1, 10))
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.REMOVAL, case_ids=[case.pk])
    assert notice.series == NoticeSeries.REMOVAL
    assert notice.title == "关于下架侵害用户权益APP名单的通报"


def test_a_case_on_a_pending_draft_is_not_offered_again(inspector):
    case = make_case()
    services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    with pytest.raises(InvalidInput) as err:
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    assert err.value.code == NOTICE_CASE_NOT_ELIGIBLE


def test_order_lists_each_confirmed_finding_with_basis_and_evidence(inspector):
    case = make_case(CaseStatus.OPEN, codes=("PI-01", "PI-05"))
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[case.pk])
    assert notice.series == NoticeSeries.ORDER
    assert notice.vendor == case.vendor and notice.case == case
    assert notice.addressee == f"{case.vendor.name}："
    assert f"《{case.product.name}》" in notice.tested and "检测机构：" in notice.tested
    items = list(notice.items.values_list("violation_code", "violation_name", "evidence_summary"))
    assert items == [
        ("PI-01", "违规收集个人信息", "检测发现PI-01"),
        ("PI-05", "未明示个人信息处理规则", "检测发现PI-05"),
    ]
    first = notice.items.first()
    # Chinese statute form in the letter; the taxonomy's own citation for the English interface.
    assert first.legal_basis.startswith("《中华人民共和国个人信息保护法》第十三条、第十四条、第十七条；")
    assert first.legal_basis_en.startswith("PIPL arts. 13, 14, 17")
    assert notice.how_to_answer == texts.HOW_TO_ANSWER
    assert not notice.entries.exists()


def test_order_needs_exactly_one_case_with_confirmed_findings(inspector):
    a = make_case(CaseStatus.OPEN)
    b = make_case(CaseStatus.OPEN)
    with pytest.raises(InvalidInput) as err:
        services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[a.pk, b.pk])
    assert err.value.code == NOTICE_ORDER_ONE_CASE
    bare = make_case(CaseStatus.OPEN, codes=())
    with pytest.raises(InvalidInput) as err:
        services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[bare.pk])
    assert err.value.code == NOTICE_CASE_NOT_ELIGIBLE


def test_vendor_users_cannot_draft(vendor_user):
    case = make_case()
    with pytest.raises(Forbidden):
        services.notice_draft(actor=vendor_user, kind=NoticeKind.NAMING, case_ids=[case.pk])


def test_draft_text_is_editable_until_approved(inspector, reviewer):
    case = make_case()
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    notice = services.notice_update(actor=inspector, notice=notice, closing="上述APP应于2025年10月10日前完成整改。")
    assert notice.closing == "上述APP应于2025年10月10日前完成整改。"
    assert NoticeEvent.objects.filter(notice=notice, kind="edited", data={"fields": ["closing"]}).count() == 1
    entry = notice.entries.get()
    services.notice_entry_update(actor=inspector, entry=entry, developer="更正后的公司")
    entry.refresh_from_db()
    assert entry.developer == "更正后的公司"

    workflow.notice_approve(actor=reviewer, notice=notice)
    with pytest.raises(Conflict) as err:
        services.notice_update(actor=inspector, notice=notice, title="改")
    assert err.value.code == NOTICE_FROZEN
    with pytest.raises(Conflict) as err:
        services.notice_entry_update(actor=inspector, entry=entry, name="改")
    assert err.value.code == NOTICE_FROZEN
    notice.refresh_from_db()
    assert notice.title == "关于侵害用户权益行为的APP（SDK）通报"


def test_only_text_fields_are_editable(inspector):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    with pytest.raises(InvalidInput) as err:
        services.notice_update(actor=inspector, notice=notice, status="published")
    assert err.value.code == NOTICE_FIELD_NOT_EDITABLE

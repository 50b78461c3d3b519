"""The complaint state machine: every allowed and forbidden move, preconditions, and the audit event
written with each move (complaints.workflow)."""

import datetime
import itertools

import pytest

from accounts.errors import Conflict, Forbidden, InvalidInput
from accounts.roles import Role
from cases.models import Inspection
from complaints import workflow
from complaints.models import ComplaintStatus
from tests import factories

S = ComplaintStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return factories.UserFactory(role=Role.REVIEWER)


@pytest.fixture
def inspector():
    return factories.UserFactory(role=Role.INSPECTOR)


def _events(complaint):
    return list(complaint.events.values_list("kind", "from_status", "to_status"))


def test_the_table_allows_only_the_documented_moves():
    allowed = {(a, b) for a, targets in workflow.ALLOWED.items() for b in targets}
    assert allowed == {
        (S.RECEIVED, S.MATCHED),
        (S.RECEIVED, S.MERGED),
        (S.RECEIVED, S.DISMISSED),
        (S.MATCHED, S.MATCHED),
        (S.MATCHED, S.MERGED),
        (S.MATCHED, S.DISMISSED),
        (S.MATCHED, S.INSPECTION),
    }
    for a, b in itertools.product(S.values, S.values):
        assert workflow.can_move(a, b) == ((a, b) in allowed)


def test_received_to_matched_to_inspection(inspector):
    """The lead's full path: received → triaged (matched to a product) → inspection opened."""
    version = factories.ProductVersionFactory()
    complaint = factories.ComplaintFactory(subject_name=version.product.name)
    matched = workflow.match_complaint(complaint=complaint, actor=inspector, product=version.product)
    assert matched.status == S.MATCHED
    assert matched.vendor_id == version.product.vendor_id and matched.subject_kind == "app"
    opened = workflow.open_inspection_complaint(
        complaint=matched,
        actor=inspector,
        campaign=factories.CampaignFactory(),
        agency=factories.TestingAgencyFactory(),
        product_version=version,
        date=datetime.date(2025, 9, 20),
        method="manual",
    )
    assert opened.status == S.INSPECTION
    inspection = Inspection.objects.get(pk=opened.inspection_id)
    assert inspection.product_version == version and inspection.created_by == inspector
    assert str(complaint.pk) in inspection.notes
    assert _events(opened) == [("transition", S.RECEIVED, S.MATCHED), ("transition", S.MATCHED, S.INSPECTION)]
    event = opened.events.last()
    assert event.actor == inspector and event.data == {"inspection": inspection.pk}


def test_a_matched_complaint_can_be_matched_again(reviewer):
    complaint = factories.ComplaintFactory()
    first, second = factories.ProductFactory(), factories.VendorFactory()
    workflow.match_complaint(complaint=complaint, actor=reviewer, product=first)
    again = workflow.match_complaint(complaint=complaint, actor=reviewer, vendor=second)
    assert again.status == S.MATCHED and again.vendor == second and again.product is None
    assert len(_events(again)) == 2


def test_match_needs_a_subject_and_a_consistent_vendor(reviewer):
    complaint = factories.ComplaintFactory()
    with pytest.raises(InvalidInput):
        workflow.match_complaint(complaint=complaint, actor=reviewer)
    with pytest.raises(InvalidInput):
        workflow.match_complaint(
            complaint=complaint, actor=reviewer, vendor=factories.VendorFactory(), product=factories.ProductFactory()
        )
    assert _events(complaint) == []


def test_merge_into_another_complaint(reviewer):
    target = factories.ComplaintFactory()
    complaint = factories.ComplaintFactory()
    merged = workflow.merge_complaint(complaint=complaint, actor=reviewer, into=target, reason="同一问题")
    assert merged.status == S.MERGED and merged.merged_into == target
    assert _events(merged) == [("transition", S.RECEIVED, S.MERGED)]
    assert merged.events.get().reason == "同一问题"


def test_merge_refuses_itself_and_a_merged_target(reviewer):
    a, b, c = factories.ComplaintFactory(), factories.ComplaintFactory(), factories.ComplaintFactory()
    with pytest.raises(InvalidInput):
        workflow.merge_complaint(complaint=a, actor=reviewer, into=a)
    workflow.merge_complaint(complaint=b, actor=reviewer, into=c)
    with pytest.raises(InvalidInput):
        workflow.merge_complaint(complaint=a, actor=reviewer, into=b)
    a.refresh_from_db()
    assert a.status == S.RECEIVED and _events(a) == []


def test_dismiss_needs_a_reason(reviewer):
    complaint = factories.ComplaintFactory()
    with pytest.raises(InvalidInput):
        workflow.dismiss_complaint(complaint=complaint, actor=reviewer, reason="  ")
    dismissed = workflow.dismiss_complaint(complaint=complaint, actor=reviewer, reason="不属于个人信息问题")
    assert dismissed.status == S.DISMISSED and dismissed.dismiss_reason == "不属于个人信息问题"
    assert _events(dismissed) == [("transition", S.RECEIVED, S.DISMISSED)]


@pytest.mark.parametrize("final", [S.MERGED, S.DISMISSED, S.INSPECTION])
def test_outcomes_are_final(reviewer, final):
    complaint = factories.ComplaintFactory(
        status=final,
        merged_into=factories.ComplaintFactory() if final == S.MERGED else None,
        inspection=factories.InspectionFactory() if final == S.INSPECTION else None,
    )
    with pytest.raises(workflow.TransitionNotAllowed) as refused:
        workflow.dismiss_complaint(complaint=complaint, actor=reviewer, reason="重复")
    assert refused.value.status == 409 and refused.value.code == "complaint_transition_not_allowed"
    with pytest.raises(Conflict):
        workflow.match_complaint(complaint=complaint, actor=reviewer, vendor=factories.VendorFactory())
    with pytest.raises(Conflict):
        workflow.merge_complaint(complaint=complaint, actor=reviewer, into=factories.ComplaintFactory())
    assert _events(complaint) == []


def test_an_inspection_needs_a_matched_product_and_its_version(inspector):
    complaint = factories.ComplaintFactory()
    version = factories.ProductVersionFactory()
    kwargs = {
        "actor": inspector,
        "campaign": factories.CampaignFactory(),
        "agency": factories.TestingAgencyFactory(),
        "date": datetime.date(2025, 9, 20),
        "method": "manual",
    }
    with pytest.raises(workflow.TransitionNotAllowed):  # received: triage first
        workflow.open_inspection_complaint(complaint=complaint, product_version=version, **kwargs)
    workflow.match_complaint(complaint=complaint, actor=inspector, vendor=version.product.vendor)
    with pytest.raises(Conflict):  # a vendor alone: no product to inspect
        workflow.open_inspection_complaint(complaint=complaint, product_version=version, **kwargs)
    workflow.match_complaint(complaint=complaint, actor=inspector, product=factories.ProductFactory())
    with pytest.raises(InvalidInput):  # another product's version
        workflow.open_inspection_complaint(complaint=complaint, product_version=version, **kwargs)
    assert not Inspection.objects.exists()


def test_only_regulators_triage_and_only_inspection_editors_open_inspections(reviewer):
    vendor_user = factories.VendorUserFactory()
    complaint = factories.ComplaintFactory()
    with pytest.raises(Forbidden):
        workflow.dismiss_complaint(complaint=complaint, actor=vendor_user, reason="x")
    version = factories.ProductVersionFactory()
    workflow.match_complaint(complaint=complaint, actor=reviewer, product=version.product)
    with pytest.raises(Forbidden):  # a reviewer does not log inspections (inspection.edit)
        workflow.open_inspection_complaint(
            complaint=complaint,
            actor=reviewer,
            campaign=factories.CampaignFactory(),
            agency=factories.TestingAgencyFactory(),
            product_version=version,
            date=datetime.date(2025, 9, 20),
            method="manual",
        )

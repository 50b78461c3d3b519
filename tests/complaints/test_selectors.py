"""Reads for complaints: scoped to regulators, the complainant's public status, the suggestions."""

import pytest

from accounts.errors import NotFound
from accounts.roles import Role
from complaints import selectors, services, workflow
from tests import factories

pytestmark = pytest.mark.django_db


def test_only_regulators_read_complaints():
    complaint = factories.ComplaintFactory()
    vendor_user = factories.VendorUserFactory()
    assert not selectors.complaint_queryset_for(actor=vendor_user).exists()
    with pytest.raises(NotFound):
        selectors.complaint_get_for(actor=vendor_user, complaint_id=complaint.pk)
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    assert selectors.complaint_get_for(actor=reviewer, complaint_id=complaint.pk) == complaint


def test_public_status_carries_no_contact_and_follows_a_merge():
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    complaint, token = services.complaint_submit(text="同上", subject_name="晴空天气", contact_phone="13700000000")
    status = selectors.complaint_status_get(token=token)
    assert status.status == "received" and status.outcome_status == "received"
    assert "13700000000" not in repr(status)
    target = factories.ComplaintFactory()
    workflow.merge_complaint(complaint=complaint, actor=reviewer, into=target)
    workflow.dismiss_complaint(complaint=target, actor=reviewer, reason="不属于本专项")
    status = selectors.complaint_status_get(token=token)
    assert (status.status, status.outcome_status, status.dismiss_reason) == ("merged", "dismissed", "不属于本专项")
    for wrong in ("", "x" * 200, token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(NotFound):
            selectors.complaint_status_get(token=wrong)


def test_suggestions_best_evidence_first_and_without_duplicates():
    version = factories.ProductVersionFactory(package_name="com.sunny.weather")
    product, vendor = version.product, version.product.vendor
    other = factories.ProductFactory(name=f"{product.name}极速版", vendor=vendor)
    complaint = factories.ComplaintFactory(
        subject_name=product.name, subject_package="com.sunny.weather", subject_credit_code=vendor.credit_code.lower()
    )
    found = [(s.why, s.vendor, s.product) for s in selectors.complaint_suggestions(complaint=complaint)]
    assert found[0] == ("credit_code", vendor, None)
    assert found[1] == ("package", vendor, product)
    assert ("name", vendor, other) in found
    assert len({(v.pk, p.pk if p else None) for _why, v, p in found}) == len(found)


def test_similar_complaints_are_merge_candidates():
    product = factories.ProductFactory()
    complaint = factories.ComplaintFactory(product=product, vendor=product.vendor)
    same = factories.ComplaintFactory(product=product, vendor=product.vendor)
    named = factories.ComplaintFactory(subject_name=complaint.subject_name)
    factories.ComplaintFactory()
    merged = factories.ComplaintFactory(product=product, status="merged", merged_into=same)
    similar = set(selectors.complaint_similar(complaint=complaint))
    assert similar == {same, named} and merged not in similar

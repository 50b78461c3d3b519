"""The leads dashboard's figures stay equal to a recount through every writer: the public form, the
import, each workflow move (a match that changes the subject kind included), and a rebuild."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.roles import Role
from complaints import figures, services, workflow
from complaints.importing.service import complaint_import
from complaints.models import Complaint
from tests import factories

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def test_figures_follow_every_writer():
    inspector = factories.UserFactory(role=Role.INSPECTOR)
    a, _token = services.complaint_submit(text="一", subject_name="晴空天气", subject_kind="other")
    b, _token = services.complaint_submit(text="二", subject_name="晴空天气", subject_kind="app")
    complaint_import(
        actor=inspector,
        data=(DATA / "heimao_export.csv").read_bytes(),
        original_name="x",
        today=datetime.date(2025, 9, 30),
    )
    assert figures.stored() == figures.recount()
    terminal = factories.ProductFactory(kind="terminal")
    version = factories.ProductVersionFactory(product=terminal)
    workflow.match_complaint(complaint=a, actor=inspector, product=terminal)  # other → terminal
    workflow.merge_complaint(complaint=b, actor=inspector, into=a)
    imported = Complaint.objects.filter(channel="heimao").first()
    workflow.dismiss_complaint(complaint=imported, actor=inspector, reason="重复")
    workflow.open_inspection_complaint(
        complaint=a,
        actor=inspector,
        campaign=factories.CampaignFactory(),
        agency=factories.TestingAgencyFactory(),
        product_version=version,
        date=datetime.date(2025, 9, 20),
        method="device",
    )
    counted = figures.recount()
    assert figures.stored() == counted
    assert counted[("kind", "terminal", "inspection")] == 1 and counted[("kind", "other", "received")] == 3
    assert counted[("channel", "web", "merged")] == 1 and counted[("channel", "heimao", "dismissed")] == 1


def test_a_refused_move_moves_nothing():
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    complaint = factories.ComplaintFactory(status="dismissed")
    before = figures.stored()
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.dismiss_complaint(complaint=complaint, actor=reviewer, reason="again")
    assert figures.stored() == before == figures.recount()


def test_rebuild_and_check():
    factories.ComplaintFactory()
    Complaint.objects.update(channel="email")  # a bulk write past the services
    out = io.StringIO()
    with pytest.raises(Exception, match="differ"):
        call_command("complaints_figures", "--check", stdout=out)
    call_command("complaints_figures", stdout=out)
    call_command("complaints_figures", "--check", stdout=out)
    assert figures.stored() == {("channel", "email", "received"): 1, ("kind", "other", "received"): 1}

"""The demo gains complaints in each state (load_demo runs load_demo_complaints), once."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from complaints.models import Complaint, ComplaintEvent
from complaints.selectors import subjects_without_inspection

pytestmark = pytest.mark.django_db


def test_demo_has_complaints_in_each_state_and_loads_once():
    call_command("load_demo", stdout=io.StringIO())
    states = dict(Complaint.objects.values_list("status").annotate(n=Count("*")))
    assert states == {"received": 3, "matched": 2, "merged": 1, "dismissed": 1, "inspection": 1}
    assert set(Complaint.objects.values_list("channel", flat=True)) == {"heimao", "web"}
    assert [row["subject"].name for row in subjects_without_inspection()] == ["晴川天气极速版"]
    events = ComplaintEvent.objects.count()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo complaints already present" in out.getvalue()
    assert Complaint.objects.count() == 8 and ComplaintEvent.objects.count() == events

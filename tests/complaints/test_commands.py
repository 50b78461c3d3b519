"""manage.py complaints_import: the sample export's counts and refusals, printed; a re-run imports nothing."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Complaint

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.django_db


def test_complaints_import_prints_counts_and_refusals(settings):
    settings.LANGUAGE_CODE = "en"
    out = io.StringIO()
    call_command("complaints_import", str(DATA / "heimao_export.csv"), stdout=out)
    text = out.getvalue()
    assert "mapping heimao, channel heimao; 9 rows: 4 imported, 0 already known, 5 refused" in text
    assert "row 8 (17354120001): the complaint number is already on row 2 of this file" in text
    again = io.StringIO()
    call_command("complaints_import", str(DATA / "heimao_export.xlsx"), stdout=again)
    assert "0 imported, 4 already known, 5 refused" in again.getvalue()
    assert Complaint.objects.count() == 4


def test_complaints_import_refuses_an_unknown_file():
    with pytest.raises(CommandError):
        call_command("complaints_import", "/nonexistent.csv")

"""The import of complaint platform exports (complaints.importing): the sample exports of
tests/complaints/data load as they are, bad rows are refused with their reasons, and a re-import
duplicates nothing."""

import datetime
from pathlib import Path

import pytest

from accounts.errors import InvalidInput
from cases.evidence import FileTooLarge
from complaints.importing import mappings
from complaints.importing.reader import parse_date, read_rows
from complaints.importing.service import complaint_import
from complaints.models import Complaint, ComplaintEvent
from tests import factories

DATA = Path(__file__).parent / "data"
TODAY = datetime.date(2025, 9, 30)
pytestmark = pytest.mark.django_db

HEIMAO_REFUSED = [
    (5, "", "no complaint number"),
    (6, "17354120005", "the date “昨天” cannot be read"),
    (7, "17354120006", "no subject named"),
    (8, "17354120001", "the complaint number is already on row 2 of this file"),
    (10, "17354120008", "the date 2030-01-01 is in the future"),
]


def _import(name, **kwargs):
    return complaint_import(
        actor=factories.UserFactory(), data=(DATA / name).read_bytes(), original_name=name, today=TODAY, **kwargs
    )


@pytest.mark.parametrize("name", ["heimao_export.csv", "heimao_export.xlsx"])
def test_heimao_export_loads_as_it_is(name, settings):
    settings.LANGUAGE_CODE = "en"
    record = _import(name)
    assert record.mapping == "heimao" and record.channel == "heimao"
    assert (record.rows_total, record.rows_imported, record.rows_known, record.rows_refused) == (9, 4, 0, 5)
    assert [(r["row"], r["external_id"], r["reason"]) for r in record.refusals] == HEIMAO_REFUSED
    first = Complaint.objects.get(channel="heimao", external_id="17354120001")
    assert first.received_on == datetime.date(2025, 9, 1)
    assert first.subject_name == "晴空天气" and first.demand == "删除已收集的通讯录信息"
    assert first.status == "received" and first.source_import == record
    assert set(Complaint.objects.values_list("external_id", flat=True)) == {
        "17354120001",
        "17354120002",
        "17354120003",
        "17354120009",
    }
    assert ComplaintEvent.objects.filter(kind="imported").count() == 4


def test_reimport_duplicates_nothing(settings):
    settings.LANGUAGE_CODE = "en"
    _import("heimao_export.csv")
    again = _import("heimao_export.xlsx")  # the same rows, as the other format
    assert (again.rows_imported, again.rows_known, again.rows_refused) == (0, 4, 5)
    assert Complaint.objects.count() == 4 and ComplaintEvent.objects.count() == 4


def test_12321_export_in_gb18030_with_kinds_codes_and_contacts(settings):
    settings.LANGUAGE_CODE = "en"
    record = _import("12321_export.csv")
    assert record.mapping == "12321" and record.channel == "12321"
    assert (record.rows_total, record.rows_imported, record.rows_refused) == (4, 3, 1)
    [refusal] = record.refusals
    assert refusal["row"] == 3 and refusal["external_id"] == "12321-2025-000102"
    assert refusal["reason"].startswith("credit code 91110108MA01ABCD00: ")
    weather = Complaint.objects.get(external_id="12321-2025-000101")
    assert weather.subject_kind == "app" and weather.subject_package == "com.example.weather1"
    assert weather.subject_credit_code == "91110108MA01ABCD0B" and weather.contact_phone == "13800000001"
    kinds = dict(Complaint.objects.values_list("external_id", "subject_kind"))
    assert kinds["12321-2025-000103"] == "terminal" and kinds["12321-2025-000104"] == "scenario"


def test_a_file_no_mapping_fits_is_refused_whole():
    data = "编号,内容\n1,abc\n".encode()
    with pytest.raises(InvalidInput) as refused:
        complaint_import(actor=None, data=data, original_name="x.csv", today=TODAY)
    assert refused.value.code == "complaint_import_invalid"
    assert not Complaint.objects.exists()


def test_a_named_mapping_must_fit_too():
    with pytest.raises(InvalidInput):
        complaint_import(
            actor=None, data=(DATA / "heimao_export.csv").read_bytes(), original_name="x", mapping_name="12321"
        )


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04 not a zip at all", b"\xff\xfe\x00\x00binary\x00"],
    ids=["empty", "broken-xlsx", "binary"],
)
def test_unreadable_files_are_refused_with_a_reason(data):
    with pytest.raises(InvalidInput) as refused:
        complaint_import(actor=None, data=data, original_name="x", today=TODAY)
    assert refused.value.code == "complaint_import_invalid"
    assert "cannot be imported" in str(refused.value.message) or "无法导入" in str(refused.value.message)


def test_dates_as_exports_write_them():
    assert parse_date("2025-09-01 10:12:00") == datetime.date(2025, 9, 1)
    assert parse_date("2025/9/3 08:40") == datetime.date(2025, 9, 3)
    assert parse_date("2025年9月5日") == datetime.date(2025, 9, 5)
    assert parse_date("2025-02-30") is None
    assert parse_date("昨天") is None


def test_detect_prefers_the_platform_mappings():
    header, _rows = read_rows((DATA / "heimao_export.csv").read_bytes())
    assert mappings.detect(header) is mappings.HEIMAO
    assert mappings.detect(["external_id", "received_on", "subject_name", "text"]) is mappings.GENERIC


def test_a_file_over_the_import_limit_is_refused_before_it_is_read(monkeypatch):
    from complaints.importing import service

    monkeypatch.setattr(service, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(FileTooLarge) as refused:
        _import("heimao_export.csv")
    assert refused.value.status == 413 and not Complaint.objects.exists()

"""Receiving a complaint (complaints.services): attachments checked before anything is stored, the
status token kept only as its hash, the received event."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import InvalidInput
from cases.evidence import FileTooLarge
from complaints import services
from complaints.models import Complaint, ComplaintAttachment
from tests.cases.served import png

pytestmark = pytest.mark.django_db


def _submit(**kwargs):
    fields = {"text": "强制索取通讯录权限", "subject_name": "晴空天气", "contact_email": "a@mail.test"}
    return services.complaint_submit(**{**fields, **kwargs})


def test_submit_keeps_only_the_token_hash_and_records_the_event():
    complaint, token = _submit(files=[png()])
    assert len(token) >= 32 and token not in complaint.status_token_hash
    assert complaint.status_token_hash == services.token_hash(token)
    assert complaint.channel == "web" and complaint.status == "received"
    assert complaint.attachments.get().content_type == "image/png"
    event = complaint.events.get()
    assert event.kind == "received" and event.actor is None and event.data == {"channel": "web", "attachments": 1}


def test_too_many_files_store_nothing():
    with pytest.raises(InvalidInput) as refused:
        _submit(files=[png() for _ in range(services.MAX_ATTACHMENTS + 1)])
    assert refused.value.code == "complaint_too_many_files"
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 10)
    with pytest.raises(FileTooLarge):
        _submit(files=[png()])
    assert not Complaint.objects.exists()


def test_a_file_of_a_refused_type_is_refused():
    with pytest.raises(InvalidInput):
        _submit(files=[SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 200)])
    assert not Complaint.objects.exists()


def test_missing_text_and_subject_and_bad_email_are_refused():
    with pytest.raises(InvalidInput) as refused:
        _submit(text="", subject_name="", contact_email="not-an-address")
    assert set(refused.value.details) >= {"text", "subject_name", "contact_email"}


def test_text_too_long_is_refused():
    with pytest.raises(InvalidInput):
        _submit(text="长" * (services.MAX_TEXT_LENGTH + 1))

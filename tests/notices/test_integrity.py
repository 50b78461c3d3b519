"""The register serves a PDF only when its bytes match the published hash (issue 13:
"/register/<id>/pdf/ serves the stored file without checking its hash (an altered file was served)")."""

import os

import pytest
from django.core import mail

from cases.models import EmailSent
from notices import events
from notices.integrity import ALERT_KIND
from notices.models import NoticeEvent
from tests import factories

from .test_public import published  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return [
        factories.UserFactory(role="admin", username="root1", email="root1@bureau.test"),
        factories.UserFactory(role="admin", username="root2", email=""),
    ]


def _stored_path(notice) -> str:
    """Where the storage reads the PDF from: inside the test's transaction, which never commits, the
    file is still under its temporary name (config.storage moves it into place on commit)."""
    with notice.pdf.storage.open(notice.pdf.name) as stored:
        return stored.name


def _alter(notice, data: bytes) -> None:
    with open(_stored_path(notice), "wb") as stored:
        stored.write(data)


def test_an_intact_pdf_is_served(client, published, admins):  # noqa: F811
    response = client.get(f"/register/{published.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert mail.outbox == []


def test_an_altered_pdf_answers_503_and_alerts_the_administrators_once(client, published, admins):  # noqa: F811
    original = published.pdf.read()
    published.pdf.close()
    _alter(published, original.replace(b"%PDF", b"%PDF-altered", 1))

    first = client.get(f"/register/{published.pk}/pdf/", HTTP_ACCEPT_LANGUAGE="en")
    again = client.get(f"/register/{published.pk}/pdf/")

    assert first.status_code == again.status_code == 503
    assert first["Content-Type"].startswith("text/html")
    assert "does not match the fingerprint" in first.content.decode()
    assert b"%PDF" not in first.content
    (message,) = mail.outbox
    assert message.to == ["root1@bureau.test"]
    assert published.pdf_sha256 in message.body and str(published.pk) in message.subject
    assert EmailSent.objects.filter(key=f"{ALERT_KIND}:{published.pk}").count() == 1
    event = NoticeEvent.objects.get(notice=published, kind=events.PDF_MISMATCH)
    assert event.data["expected"] == published.pdf_sha256 and event.data["actual"] != published.pdf_sha256

    # Restored from a backup: served again.
    _alter(published, original)
    assert client.get(f"/register/{published.pk}/pdf/").status_code == 200


def test_a_missing_pdf_answers_503(client, published, admins):  # noqa: F811
    os.remove(_stored_path(published))
    response = client.get(f"/register/{published.pk}/pdf/")
    assert response.status_code == 503
    assert NoticeEvent.objects.get(notice=published, kind=events.PDF_MISMATCH).data["actual"] == ""
    assert len(mail.outbox) == 1

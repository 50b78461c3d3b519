"""The access code of a just-published order reaches the regulator once, through the database
(issue 13: the cache stash did not cross from the worker to the web process without CACHE_URL)."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases.access import code_hash
from cases.models import CaseStatus
from notices import handover, services, workflow
from notices.models import AccessCodeHandover, NoticeKind

from .conftest import make_case

pytestmark = pytest.mark.django_db

WORKER_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "worker"}}
WEB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "web"}}


def _publish_order(inspector, reviewer):
    draft = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[make_case(CaseStatus.OPEN).pk])
    notice = workflow.notice_approve(actor=reviewer, notice=draft)
    return workflow.notice_publish(notice_id=notice.pk, actor=reviewer)


def test_seal_hides_the_code_and_opens_with_the_secret_key(settings):
    code = "ABCD-EFGH-JKLM-NPQR"
    sealed = handover.seal(code)
    assert code not in sealed and code.replace("-", "") not in sealed
    assert handover.seal(code) != sealed  # a fresh nonce each time
    assert handover.unseal(sealed) == code
    settings.SECRET_KEY = "another-" * 8  # a rotated key opens nothing readable
    assert handover.unseal(sealed) != code
    assert handover.unseal("%%% not base64") is None


def test_the_code_published_elsewhere_reaches_the_page_once(client, settings, inspector, reviewer, renderer, frozen):
    """Published where the worker runs (its own memory cache), shown by the web process (another)."""
    settings.CACHES = WORKER_CACHE
    notice = _publish_order(inspector, reviewer)  # as the worker does it: no on-commit callback needed
    code = renderer.documents[0].access_code
    row = AccessCodeHandover.objects.get(notice=notice)
    assert code not in row.sealed and code_hash(code) == notice.access_code_hash

    settings.CACHES = WEB_CACHE
    cache.clear()
    client.force_login(reviewer)
    page = client.post(reverse("notices:regulator-access-code", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and code in page.content.decode()
    assert not AccessCodeHandover.objects.filter(notice=notice).exists()  # gone once shown
    again = client.post(reverse("notices:regulator-access-code", args=[notice.pk]))
    assert again.status_code == 302 and code not in client.get(again["Location"]).content.decode()


def test_an_expired_code_is_not_shown_and_is_removed(inspector, reviewer, renderer, frozen):
    notice = _publish_order(inspector, reviewer)
    frozen.tick(datetime.timedelta(seconds=handover.ACCESS_CODE_REVEAL_SECONDS + 1))
    assert services.order_access_code_reveal(actor=reviewer, notice=notice) is None
    assert not AccessCodeHandover.objects.exists()


def test_expired_handovers_are_purged_by_the_next_publication(inspector, reviewer, renderer, frozen):
    first = _publish_order(inspector, reviewer)
    frozen.tick(datetime.timedelta(seconds=handover.ACCESS_CODE_REVEAL_SECONDS + 1))
    second = _publish_order(inspector, reviewer)
    assert list(AccessCodeHandover.objects.values_list("notice_id", flat=True)) == [second.pk]
    assert first.pk != second.pk


def test_a_tampered_or_foreign_row_gives_no_code(settings, inspector, reviewer, renderer, frozen):
    notice = _publish_order(inspector, reviewer)
    AccessCodeHandover.objects.filter(notice=notice).update(sealed=handover.seal("WRON-GCOD-EWRO-NGCO"))
    assert services.order_access_code_reveal(actor=reviewer, notice=notice) is None

    other = _publish_order(inspector, reviewer)
    settings.SECRET_KEY = "rotated-" * 8
    assert services.order_access_code_reveal(actor=reviewer, notice=other) is None


def test_a_correction_withdraws_the_earlier_letters_code(inspector, reviewer, renderer, frozen):
    original = _publish_order(inspector, reviewer)
    copy = services.notice_correct(actor=inspector, notice=original, reason="笔误")
    services.notice_update(actor=inspector, notice=copy, tested=copy.tested + "（更正）")
    copy = workflow.notice_publish(notice_id=workflow.notice_approve(actor=reviewer, notice=copy).pk, actor=reviewer)
    assert list(AccessCodeHandover.objects.values_list("notice_id", flat=True)) == [copy.pk]
    assert services.order_access_code_reveal(actor=reviewer, notice=original) is None
    assert services.order_access_code_reveal(actor=reviewer, notice=copy) == renderer.documents[-1].access_code

"""An authority's delegation and details as audited acts (accounts.services, ARCHITECTURE.md §15):
who may change them, one event per change in the change's own transaction, no silent no-op, and the
effect on what national users may act on, at once, also for users kept in the shared cache."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts import error_codes, services
from accounts.backends import CachedModelBackend
from accounts.errors import Conflict, Forbidden, InvalidInput
from accounts.models import Authority, AuthorityEvent
from accounts.roles import Role
from accounts.scoping import may_act
from cases import workflow
from cases.models import CaseStatus
from tests import factories
from tests.audit import assert_append_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    return {
        "beijing": beijing,
        "bj_admin": factories.UserFactory(role=Role.ADMIN, authority=beijing),
        "bj_reviewer": factories.UserFactory(role=Role.REVIEWER, authority=beijing),
        "gd_admin": factories.UserFactory(role=Role.ADMIN, authority=guangdong),
        "national_admin": factories.UserFactory(role=Role.ADMIN),
        "national_reviewer": factories.UserFactory(role=Role.REVIEWER),
    }


def _grant(world, actor, delegated=True, reason="省局人手不足，请部局代为办理"):
    return services.authority_delegation_set(
        authority=world["beijing"], actor=world[actor], delegated=delegated, reason=reason
    )


@pytest.mark.parametrize("actor", ["bj_admin", "national_admin"])
def test_the_own_administrator_or_a_national_one_grants_and_one_event_says_so(world, actor):
    authority = _grant(world, actor)

    assert authority.delegated_to_national is True
    assert Authority.objects.get(pk=world["beijing"].pk).delegated_to_national is True
    event = AuthorityEvent.objects.get(authority=world["beijing"])
    assert (event.kind, event.actor, event.reason) == (services.GRANTED, world[actor], "省局人手不足，请部局代为办理")
    assert event.data == {"delegated_to_national": True}


@pytest.mark.parametrize(
    "actor",
    ["gd_admin", "bj_reviewer", "national_reviewer"],
    ids=["another-province-admin", "own-reviewer", "national-reviewer"],
)
def test_everyone_else_is_refused_and_nothing_is_written(world, actor):
    with pytest.raises(Forbidden) as refused:
        _grant(world, actor)

    assert refused.value.code == error_codes.AUTHORITY_NOT_YOURS
    assert refused.value.status == 403
    assert Authority.objects.get(pk=world["beijing"].pk).delegated_to_national is False
    assert not AuthorityEvent.objects.exists()


def test_a_grant_of_a_granted_authority_is_refused_not_recorded_twice(world):
    _grant(world, "bj_admin")
    with pytest.raises(Conflict) as again:
        _grant(world, "national_admin")

    assert again.value.code == error_codes.AUTHORITY_DELEGATION_UNCHANGED
    assert str(again.value.message) == str(services.MSG_ALREADY_DELEGATED)
    assert AuthorityEvent.objects.filter(authority=world["beijing"]).count() == 1


def test_a_revoke_of_an_undelegated_authority_is_refused(world):
    with pytest.raises(Conflict) as refused:
        _grant(world, "bj_admin", delegated=False)

    assert refused.value.code == error_codes.AUTHORITY_DELEGATION_UNCHANGED
    assert str(refused.value.message) == str(services.MSG_NOT_DELEGATED)
    assert not AuthorityEvent.objects.exists()


def test_grant_then_revoke_leaves_two_events_in_order(world):
    _grant(world, "bj_admin")
    _grant(world, "national_admin", delegated=False, reason="省局已恢复办理")

    kinds = list(AuthorityEvent.objects.filter(authority=world["beijing"]).values_list("kind", "reason"))
    assert kinds == [(services.GRANTED, "省局人手不足，请部局代为办理"), (services.REVOKED, "省局已恢复办理")]
    assert Authority.objects.get(pk=world["beijing"].pk).delegated_to_national is False


def test_a_reason_is_required(world):
    with pytest.raises(InvalidInput) as refused:
        _grant(world, "bj_admin", reason="   ")

    assert refused.value.code == error_codes.REASON_REQUIRED
    assert not AuthorityEvent.objects.exists()


def test_the_ministry_has_nothing_to_delegate(world):
    with pytest.raises(InvalidInput) as refused:
        services.authority_delegation_set(
            authority=Authority.objects.national(), actor=world["national_admin"], delegated=True, reason="x"
        )
    assert refused.value.code == error_codes.AUTHORITY_MINISTRY_NOT_DELEGATED


def test_a_failure_after_the_change_rolls_back_the_change_and_its_event(world):
    # The last step of the transaction (dropping cached users) fails: the row and the event go together.
    with mock.patch.object(services, "_forget_users", side_effect=RuntimeError("after the change")):
        with pytest.raises(RuntimeError):
            _grant(world, "bj_admin")

    assert Authority.objects.get(pk=world["beijing"].pk).delegated_to_national is False
    assert not AuthorityEvent.objects.exists()


def test_a_failed_event_write_rolls_back_the_change(world):
    with mock.patch.object(AuthorityEvent, "record", side_effect=RuntimeError("event refused")):
        with pytest.raises(RuntimeError):
            _grant(world, "bj_admin")

    assert Authority.objects.get(pk=world["beijing"].pk).delegated_to_national is False


def test_the_authority_row_is_locked_for_the_change(world):
    with mock.patch.object(Authority.objects, "select_for_update", wraps=Authority.objects.select_for_update) as lock:
        _grant(world, "bj_admin")
    lock.assert_called_once_with()


def test_authority_events_are_append_only(require_postgresql, world):
    _grant(world, "bj_admin")
    event = AuthorityEvent.objects.get()
    assert_append_only(AuthorityEvent, event.pk, reason="rewritten")


def test_the_national_reviewer_acts_on_the_province_only_while_delegated(world):
    case = factories.CaseFactory(authority=world["beijing"])
    national = world["national_reviewer"]
    assert may_act(national, world["beijing"].pk) is False

    _grant(world, "bj_admin")
    assert may_act(national, world["beijing"].pk) is True
    assert may_act(world["gd_admin"], world["beijing"].pk) is False  # other provinces never

    _grant(world, "bj_admin", delegated=False, reason="收回")
    assert may_act(national, world["beijing"].pk) is False
    with pytest.raises(Forbidden):
        workflow.withdraw_case(case=case, actor=national, reason="重复立案")


# The national administrator's edits of what an authority prints.


def _edit(world, actor="national_admin", **changes):
    authority = Authority.objects.get(pk=world["beijing"].pk)
    values = {f: getattr(authority, f) for f in services.EDITABLE}
    return services.authority_edit(
        authority=authority, actor=world[actor], reason="机构改革更名", **{**values, **changes}
    )


def test_a_national_administrator_edits_and_the_event_keeps_before_and_after(world):
    authority = _edit(world, masthead="北京市通信管理局（新）", doc_prefix="京通管")

    assert (authority.masthead, authority.doc_prefix, authority.order_prefix) == (
        "北京市通信管理局（新）",
        "京通管",
        "京通管函",
    )
    event = AuthorityEvent.objects.get(authority=world["beijing"])
    assert (event.kind, event.actor, event.reason) == (services.EDITED, world["national_admin"], "机构改革更名")
    assert event.data == {
        "changes": {
            "doc_prefix": {"before": "京信管", "after": "京通管"},
            "masthead": {"before": "北京市通信管理局", "after": "北京市通信管理局（新）"},
        }
    }


@pytest.mark.parametrize("actor", ["bj_admin", "gd_admin", "national_reviewer"])
def test_only_a_national_administrator_edits(world, actor):
    with pytest.raises(Forbidden) as refused:
        _edit(world, actor, masthead="改")
    assert refused.value.code == error_codes.AUTHORITY_NATIONAL_ONLY
    assert Authority.objects.get(pk=world["beijing"].pk).masthead == "北京市通信管理局"
    assert not AuthorityEvent.objects.exists()


def test_an_edit_that_changes_nothing_is_refused(world):
    with pytest.raises(Conflict) as refused:
        _edit(world, masthead=" 北京市通信管理局 ")  # the same once stripped
    assert refused.value.code == error_codes.AUTHORITY_UNCHANGED
    assert not AuthorityEvent.objects.exists()


def test_a_blank_value_is_a_field_error_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as refused:
        _edit(world, doc_prefix="  ")
    assert "doc_prefix" in refused.value.error_dict
    assert Authority.objects.get(pk=world["beijing"].pk).doc_prefix == "京信管"
    assert not AuthorityEvent.objects.exists()


# The shared cache (accounts.backends): a cached user carries its authority's row.


@pytest.fixture
def shared_cache(settings):
    settings.CACHE_URL = "redis://cache.example.test:6379/1"
    cache.clear()
    yield
    cache.clear()


def test_a_change_drops_the_cached_users_of_the_authority(world, shared_cache, django_capture_on_commit_callbacks):
    backend = CachedModelBackend()
    bj_admin, gd_admin = world["bj_admin"], world["gd_admin"]
    assert backend.get_user(bj_admin.pk).authority.delegated_to_national is False  # now cached
    backend.get_user(gd_admin.pk)

    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, "bj_admin")

    assert backend.get_user(bj_admin.pk).authority.delegated_to_national is True
    with django_capture_on_commit_callbacks(execute=True):
        _edit(world, masthead="北京市通信管理局（新）")
    assert backend.get_user(world["bj_reviewer"].pk).authority.masthead == "北京市通信管理局（新）"
    assert cache.get(f"accounts:user:{gd_admin.pk}") is not None  # other authorities' users stay cached


def test_a_cached_national_reviewer_acts_at_the_next_request_after_the_grant(world, client, shared_cache, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    case = factories.CaseFactory(authority=world["beijing"])
    client.force_login(world["national_reviewer"])
    url = f"/api/v1/cases/{case.pk}/withdraw/"

    refused = client.post(url, {"reason": "重复立案"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == error_codes.OTHER_AUTHORITY

    _grant(world, "bj_admin")
    done = client.post(url, {"reason": "重复立案"}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == CaseStatus.WITHDRAWN


# serialized_rollback: the flush at the end then leaves the tables for the live-server tests that
# follow (tests/browser/conftest.py) to reload, instead of post_migrate's rows they would collide with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_grants_make_one_change_and_one_event(require_postgresql):
    """Four administrators grant at once (four threads, four connections): the row lock lets one
    through; the other three find it granted and are refused, so the history has one grant."""
    import threading

    from django.db import connection

    beijing = factories.province("110000")
    actors = [factories.UserFactory(role=Role.ADMIN, authority=beijing) for _ in range(2)]
    actors += [factories.UserFactory(role=Role.ADMIN) for _ in range(2)]
    start, outcomes = threading.Barrier(len(actors)), []

    def grant(actor):
        try:
            start.wait(timeout=60)
            services.authority_delegation_set(authority=beijing, actor=actor, delegated=True, reason="同时授权")
            outcomes.append("granted")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == sorted(["granted"] + [error_codes.AUTHORITY_DELEGATION_UNCHANGED] * 3)
    assert AuthorityEvent.objects.filter(authority=beijing, kind=services.GRANTED).count() == 1

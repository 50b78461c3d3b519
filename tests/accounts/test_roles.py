"""``accounts.roles.require``: the one permission check the services call (issue 11)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.errors import Forbidden
from accounts.roles import CASE_DECIDE, NOTICE_APPROVE, PORTAL_RESPOND, Role, require
from tests import factories

pytestmark = pytest.mark.django_db


def test_require_passes_a_held_permission_and_refuses_the_rest():
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    require(reviewer, CASE_DECIDE)
    with pytest.raises(Forbidden):
        require(reviewer, PORTAL_RESPOND)
    with pytest.raises(Forbidden):
        require(AnonymousUser(), CASE_DECIDE)
    reviewer.is_active = False
    with pytest.raises(Forbidden):
        require(reviewer, NOTICE_APPROVE)


def test_the_services_have_no_private_copy_of_the_check():
    from cases import responses
    from notices import services, workflow

    for module, name in ((responses, "_require"), (services, "_require"), (workflow, "_require_approver")):
        assert not hasattr(module, name), f"{module.__name__}.{name} is back: call accounts.roles.require"
    assert responses.require is services.require is workflow.require is require

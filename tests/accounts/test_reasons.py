"""One rule for reasons (issue 11): required where the rule says so, capped at REASON_MAX_LENGTH
everywhere (forms, serializers, services)."""

import pytest

from accounts.error_codes import REASON_REQUIRED, REASON_TOO_LONG
from accounts.errors import InvalidInput
from accounts.reasons import REASON_MAX_LENGTH, reason_clean


def test_reason_clean_strips_requires_and_caps():
    assert reason_clean("  why  ") == "why"
    assert reason_clean(None, required=False) == ""
    assert reason_clean("x" * REASON_MAX_LENGTH) == "x" * REASON_MAX_LENGTH
    with pytest.raises(InvalidInput) as required:
        reason_clean("   ")
    assert required.value.code == REASON_REQUIRED
    with pytest.raises(InvalidInput) as too_long:
        reason_clean("x" * (REASON_MAX_LENGTH + 1), required=False)
    assert too_long.value.code == REASON_TOO_LONG


def test_every_reason_input_has_the_one_cap():
    from cases import forms, serializers
    from cases.decisions import forms as decision_forms
    from cases.portal import forms as portal_forms
    from notices import serializers as notice_serializers

    fields = [
        forms.ReasonForm.base_fields["reason"],
        forms.RequiredReasonForm.base_fields["reason"],
        portal_forms.ExtensionForm.base_fields["reason"],
        decision_forms.DecisionForm.base_fields["reason"],
        decision_forms.ExtensionGrantForm.base_fields["reason"],
        serializers.ActionReasonSerializer().fields["reason"],
        notice_serializers.ReasonSerializer().fields["reason"],
    ]
    assert {f.max_length for f in fields} == {REASON_MAX_LENGTH}
    assert decision_forms.RequiredReasonForm is forms.RequiredReasonForm
    assert not hasattr(portal_forms, "DecisionForm")

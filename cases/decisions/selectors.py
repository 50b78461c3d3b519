"""Reads for the reviewers' decision pages: what waits for a decision, and each report or request.

Regulators only, each for the authorities whose cases they see (``accounts.scoping``): anyone
else gets ``NotFound``, as for a missing row.
"""

from django.db.models import QuerySet

from accounts.errors import NotFound
from accounts.roles import CASE_VIEW, has_perm
from accounts.scoping import authority_scope
from cases.models import Case, CaseStatus, DecisionStatus, ExtensionRequest, VendorResponse

S = CaseStatus


def _regulator(actor) -> None:
    if not has_perm(actor, CASE_VIEW):
        raise NotFound


def decision_queue(*, actor) -> dict:
    """The queue's lists, each with only the columns its rows show (a page has up to 250 rows:
    loading whole cases, products and reports cost more than rendering them, issue 14)."""
    _regulator(actor)
    return {
        # By the report's and request's own (carried) authority: a province's are a range of the
        # pending partial index, in the queue's order (response_pending_authority).
        "responses": authority_scope(VendorResponse.objects.all(), actor=actor)
        .filter(status=DecisionStatus.PENDING)
        .select_related("case__vendor")
        .only("created_at", "case__number", "case__vendor__name")
        .order_by("created_at", "id"),
        "extensions": authority_scope(ExtensionRequest.objects.all(), actor=actor)
        .filter(status=DecisionStatus.PENDING)
        .select_related("case__vendor")
        .only("case__number", "case__deadline", "case__vendor__name")
        .order_by("created_at", "id"),
        "verifying": authority_scope(Case.objects.all(), actor=actor)
        .filter(status=S.VERIFYING)
        .select_related("product", "product_version")
        .only("number", "product__name", "product_version__version")
        .order_by("updated_at", "id"),
    }


def queue_proposals(proposals, *, actor) -> QuerySet[Case]:
    """A list of proposed cases (``cases.clock.reminders.proposal_list``) with what the queue shows:
    the actor's authority's cases, like the rest of the queue (ARCHITECTURE.md §15)."""
    return (
        authority_scope(proposals, actor=actor)
        .select_related(None)
        .select_related("vendor")
        .only("number", "deadline", "vendor__name")
    )


def response_get_for(*, actor, response_id) -> VendorResponse:
    _regulator(actor)
    try:
        return (
            authority_scope(VendorResponse.objects.all(), actor=actor, field="case__authority")
            .select_related("case__vendor", "case__product", "submitted_by", "decided_by")
            .prefetch_related("evidence_files")
            .get(pk=response_id)
        )
    except (VendorResponse.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def extension_get_for(*, actor, extension_id) -> ExtensionRequest:
    _regulator(actor)
    try:
        return (
            authority_scope(ExtensionRequest.objects.all(), actor=actor, field="case__authority")
            .select_related("case__vendor", "case__product", "requested_by")
            .get(pk=extension_id)
        )
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound from None

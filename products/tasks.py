"""Outbox handlers of the products app: thin, by id, one service each."""

from outbox import handlers

from .memberships import INVITATION_JOB, membership_invitation_send

# atomic: the invitation has no dedup key of its own; sent in the transaction that marks the job
# done, a second run finds the job done and sends nothing.
handlers.register(INVITATION_JOB, atomic=True)(membership_invitation_send)

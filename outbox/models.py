"""The outbox: one row per piece of background work that changes state (ARCHITECTURE.md §9).

A service writes the row in the transaction that asks for the work; the Celery message carries only
the row's id and leaves on commit. PostgreSQL is the record, Redis only the wake-up.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class OutboxJob(models.Model):
    """One requested piece of work, e.g. ``notice.publish`` of notice 12 or one case e-mail.

    ``key`` is unique: asking twice for the same work (the same publication, the same e-mail key)
    finds the row already there. ``payload`` holds ids and plain values only.
    """

    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(_("key"), max_length=255, unique=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A queued job may run from ``available_at`` (a retry waits); it is sent again when
    # ``lease_expires_at`` passes: for a queued job the redelivery time, for a running one the lease.
    available_at = models.DateTimeField(_("available at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class OutboxEvent(models.Model):
    """Append-only: one row per move of a job (PostgreSQL trigger, ARCHITECTURE.md §6)."""

    job = models.ForeignKey(OutboxJob, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("background job event")
        verbose_name_plural = _("background job events")

    def __str__(self) -> str:
        return f"{self.job_id} {self.kind} {self.from_status}→{self.to_status}"

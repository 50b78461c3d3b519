"""Complaints from the public as leads (ARCHITECTURE.md §13): the complaint, its attachments, its
audit events and the imports of platform exports.

A complaint's status changes only in ``complaints.workflow``. The complainant's contact is kept on
the row and shown to regulators only (``complaints.selectors``); the complainant follows the
complaint through a private link whose token is stored as its SHA-256.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent
from cases.models import Inspection
from products.models import Product, Vendor


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    CENTRE_12321 = "12321", _("12321 reporting centre")
    HEIMAO = "heimao", _("Heimao complaints platform (黑猫投诉)")
    EMAIL = "email", _("E-mail")
    OTHER = "other", _("Other")


class SubjectKind(models.TextChoices):
    """What the complaint is about, as the complainant names it; a match to a product sets it from
    the product's kind."""

    APP = "app", _("App")
    SDK = "sdk", _("SDK")
    MINI_PROGRAM = "mini_program", _("Mini program")
    TERMINAL = "terminal", _("Smart terminal")
    SCENARIO = "scenario", _("Offline scenario (venue)")
    OTHER = "other", _("Other or unknown")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    MATCHED = "matched", _("Triaged")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")
    INSPECTION = "inspection", _("Inspection opened")


# The outcomes: a complaint in one of these is handled (ComplaintStatus, complaints.workflow.ALLOWED).
FINAL = (ComplaintStatus.MERGED, ComplaintStatus.DISMISSED, ComplaintStatus.INSPECTION)


class ComplaintImport(models.Model):
    """One uploaded export of a complaint platform, and what became of its rows."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    mapping = models.CharField(_("column mapping"), max_length=32)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_known = models.PositiveIntegerField(default=0)  # imported before (same channel and id)
    rows_refused = models.PositiveIntegerField(default=0)
    # [{"row": n, "external_id": "...", "reason": "..."}]: the sheet's row numbers (header = 1).
    refusals = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint import")
        verbose_name_plural = _("complaint imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.rows_imported}/{self.rows_total})"


class Complaint(models.Model):
    """One complaint: what the complainant said, about which subject, and what became of it."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The platform's own number (投诉编号, 受理编号): with the channel, the key of re-imports.
    external_id = models.CharField(_("external number"), max_length=64, blank=True)
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("complaint"))
    demand = models.TextField(_("what the complainant asks for"), blank=True)
    # The subject as the complainant named it.
    subject_name = models.CharField(_("subject named"), max_length=200)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices, default="other")
    subject_package = models.CharField(_("package name or model"), max_length=200, blank=True)
    subject_credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    # The subject as triage matched it.
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("vendor")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("product")
    )
    status = models.CharField(_("status"), max_length=16, choices=ComplaintStatus.choices, default="received")
    # Facts that travel with the status (STYLE.md §2).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    # Private: regulators only (never in the public pages, never in the API for anyone else).
    contact_name = models.CharField(_("your name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("your e-mail"), blank=True)
    contact_phone = models.CharField(_("your phone"), max_length=32, blank=True)
    # SHA-256 of the complainant's status link token (shown once, when the complaint is sent).
    status_token_hash = models.CharField(max_length=64, blank=True)
    source_import = models.ForeignKey(
        ComplaintImport, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # The list's order, alone and after its filters; the dashboard's counts (index-only).
            models.Index(fields=["-received_on", "-id"], name="complaint_list_order"),
            models.Index(fields=["status", "-received_on", "-id"], name="complaint_status_order"),
            models.Index(fields=["channel", "status"], name="complaint_channel_status"),
            models.Index(fields=["subject_kind", "status"], name="complaint_kind_status"),
            # Triage: the same subject's other complaints; the dashboard's subjects without inspection.
            models.Index(fields=["product", "status"], name="complaint_product_status"),
            models.Index(fields=["vendor", "status"], name="complaint_vendor_status"),
            models.Index(fields=["subject_credit_code"], name="complaint_credit_code"),
            models.Index(fields=["subject_package"], name="complaint_package"),
            models.Index(fields=["subject_name"], name="complaint_subject_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="complaint_unique_external_id"
            ),
            models.UniqueConstraint(
                fields=["status_token_hash"], condition=~Q(status_token_hash=""), name="complaint_unique_token"
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False) | ~Q(status="merged"),
                name="complaint_merged_has_target",
            ),
            models.CheckConstraint(
                condition=Q(status="inspection", inspection__isnull=False) | ~Q(status="inspection"),
                name="complaint_inspection_has_inspection",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject_name}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class ComplaintFigure(models.Model):
    """Complaints counted by channel or subject kind and status, kept in step with every complaint
    written or moved (``complaints.figures``): the leads dashboard reads these rows, never counts."""

    dimension = models.CharField(max_length=16)  # "channel" or "kind"
    key = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key", "status"], name="complaint_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key}:{self.status}={self.n}"


class ComplaintAttachment(models.Model):
    """A file the complainant sent (a screenshot, a recording); stored like evidence (cases.evidence)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ComplaintEvent(AuditEvent):
    """Append-only audit of a complaint: received, each move, with who and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"

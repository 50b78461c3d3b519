"""Formal notices: orders to rectify, public naming notices and removal notices (NOTICE-FORMAT.md).

``Notice.status`` is written only by ``notices.workflow``. Once a notice is published, the row, its
entries and items, its PDF and hash never change: PostgreSQL triggers (migration 0002) refuse it,
except the one move a later correction makes (published → superseded).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, Authority, national_authority_id
from cases.models import Campaign, Case, SdkEmbedding
from products.models import Vendor


class NoticeKind(models.TextChoices):
    ORDER = "order", _("Order to rectify")
    NAMING = "naming", _("Public naming notice")
    REMOVAL = "removal", _("Removal notice")


class NoticeSeries(models.TextChoices):
    """A numbering sequence. Naming notices keep one per product family (NOTICE-FORMAT.md §1)."""

    APP = "app", _("Apps (SDKs)")
    TERMINAL = "terminal", _("Smart terminals")
    SCENARIO = "scenario", _("Offline scenarios")
    REMOVAL = "removal", _("Removal")
    ORDER = "order", _("Orders to rectify")


PUBLIC_KINDS = (NoticeKind.NAMING, NoticeKind.REMOVAL)


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# Statuses in which a notice has been issued: never edited or deleted again.
ISSUED = (NoticeStatus.PUBLISHED, NoticeStatus.SUPERSEDED)


class NoticeCounter(models.Model):
    """The numbers of one authority's series: 第N批 restarts each year, 总第M批 never resets.

    Locked with ``SELECT ... FOR UPDATE`` inside the publish transaction, so two notices published
    at once get consecutive numbers and a failed publication consumes none. Admins set the starting
    point (the overall number already reached before this system). The document number prefix of
    orders is the authority's (``Authority.order_prefix``, ``京信管函``).
    """

    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        default=national_authority_id,
        related_name="+",
        verbose_name=_("authority"),
    )
    series = models.CharField(_("series"), max_length=16, choices=NoticeSeries.choices)
    year = models.PositiveSmallIntegerField(_("year of the last number"), null=True, blank=True)
    yearly = models.PositiveIntegerField(_("last number of that year"), default=0)
    overall = models.PositiveIntegerField(_("last overall number"), default=0)

    class Meta:
        ordering = ["authority", "series"]
        verbose_name = _("notice counter")
        verbose_name_plural = _("notice counters")
        constraints = [models.UniqueConstraint(fields=["authority", "series"], name="notice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.get_series_display()} {self.year or ''} {self.yearly}/{self.overall}"


def _pdf_name(instance: "Notice", filename: str) -> str:
    # The server chooses the stored name; nothing of user input reaches the path.
    return f"notices/{instance.kind}/{instance.pk}-v{instance.version}.pdf"


class Notice(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    series = models.CharField(_("series"), max_length=16, choices=NoticeSeries.choices)
    status = models.CharField(_("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    # The authority that issues the notice under its name and numbers (``authority`` is the printed name).
    issuer = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        default=national_authority_id,
        related_name="notices",
        verbose_name=_("issuing authority"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="notices", null=True, blank=True, verbose_name=_("campaign")
    )
    # An order goes to one vendor about one case; public notices list many.
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="notices", null=True, blank=True, verbose_name=_("vendor")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="orders", null=True, blank=True, verbose_name=_("case")
    )

    # Text, editable while a draft.
    title = models.CharField(_("title"), max_length=300)
    authority = models.CharField(_("issuing authority"), max_length=200)
    addressee = models.CharField(_("addressee"), max_length=300, blank=True)
    opening = models.TextField(_("opening paragraphs"))
    closing = models.TextField(_("closing paragraphs"))
    attachment_title = models.CharField(_("attachment title"), max_length=300, blank=True)
    signature = models.CharField(_("signature"), max_length=200)
    tested = models.TextField(_("what was tested"), blank=True)
    how_to_answer = models.TextField(_("how to answer"), blank=True)

    # Versions: a correction is a new notice that supersedes the published one.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )

    # Set at publication, inside the publish transaction.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    batch_number = models.PositiveIntegerField(_("batch of the year"), null=True, blank=True)
    overall_number = models.PositiveIntegerField(_("overall batch"), null=True, blank=True)
    doc_sequence = models.PositiveIntegerField(_("document sequence"), null=True, blank=True)
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_pdf_name, blank=True, max_length=200)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True, db_index=True)
    pdf_size = models.PositiveIntegerField(_("PDF size"), null=True, blank=True)
    # The SHA-256 of the printed content (rendering.fingerprint), printed on the PDF itself.
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True, db_index=True)
    # Orders only: the hash of the one-time access code printed on the letter.
    access_code_hash = models.CharField(max_length=128, blank=True)

    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    publish_requested_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["status", "kind", "published_at"]),
            # The register's order (newest first, read backwards) and the open data's (oldest first).
            models.Index(fields=["published_at", "id"], name="notice_published_at_id"),
            # The regulators' list, newest draft first.
            models.Index(fields=["created_at", "id"], name="notice_created_at_id"),
            # The same two, scoped to one authority (its regulators' list, its register and feed).
            models.Index(fields=["issuer", "created_at", "id"], name="notice_issuer_created"),
            models.Index(fields=["issuer", "published_at", "id"], name="notice_issuer_published"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "series", "year", "batch_number", "version"],
                condition=models.Q(batch_number__isnull=False),
                name="notice_unique_batch_version",
            ),
            models.UniqueConstraint(
                fields=["issuer", "series", "overall_number", "version"],
                condition=models.Q(overall_number__isnull=False),
                name="notice_unique_overall_version",
            ),
            models.UniqueConstraint(
                fields=["issuer", "series", "year", "doc_sequence", "version"],
                condition=models.Q(doc_sequence__isnull=False),
                name="notice_unique_doc_number_version",
            ),
        ]

    def __str__(self) -> str:
        return self.doc_number or self.batch_label or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_KINDS and self.status in ISSUED

    @property
    def is_editable(self) -> bool:
        return self.status == NoticeStatus.DRAFT

    @property
    def batch_label(self) -> str:
        """``（2025年第4批，总第49批）`` once numbered (NOTICE-FORMAT.md §1), else empty."""
        return batch_label_of(self.year, self.batch_number, self.overall_number)


def batch_label_of(year, batch_number, overall_number) -> str:
    """``Notice.batch_label`` from the three numbers (for rows read without the model)."""
    if batch_number is None:
        return ""
    return f"（{year}年第{batch_number}批，总第{overall_number}批）"


class NoticeEntry(models.Model):
    """One frozen row of a public notice's table (NOTICE-FORMAT.md §2).

    The text is copied from the case when drafted, so a later edit of the product or vendor never
    changes what was published. Rows of one product share ``seq`` (a merged 序号 cell).
    """

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries")
    position = models.PositiveIntegerField(_("row"))
    seq = models.PositiveIntegerField(_("number"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notice_entries")
    name = models.CharField(_("name"), max_length=200)
    developer = models.CharField(_("developer / manufacturer"), max_length=200)
    source = models.CharField(_("source"), max_length=100, blank=True)
    version = models.CharField(_("version / model"), max_length=200, blank=True)
    # Offline scenarios (series ``scenario``): the venue's address, the scenario as printed (场景)
    # and its administrative division code, by which the register filters a region.
    # Database defaults too: rows written by COPY or raw SQL (seed_scale, the query-plan tests) name
    # only the older columns.
    address = models.CharField(_("address"), max_length=300, blank=True, default="", db_default="")
    scenario = models.CharField(_("scenario"), max_length=100, blank=True, default="", db_default="")
    division_code = models.CharField(
        _("administrative division code"), max_length=6, blank=True, default="", db_default=""
    )
    issues = models.TextField(_("issues found"))
    # Taxonomy codes of the issues, ";"-joined, for searching by issue type.
    issue_codes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        constraints = [models.UniqueConstraint(fields=["notice", "position"], name="notice_entry_unique_position")]
        # The register's region filter, a prefix of the division code (``LIKE '11%'``), is served by a
        # partial pattern index on PostgreSQL (migration 0009).

    def __str__(self) -> str:
        return f"{self.seq} {self.name}"


class NoticeItem(models.Model):
    """One problem listed in an order to rectify: the violation, its legal basis, the evidence."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    finding_id_snapshot = models.PositiveBigIntegerField(_("finding"), null=True, blank=True)
    violation_code = models.CharField(_("violation code"), max_length=16)
    violation_name = models.CharField(_("violation"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))  # Chinese statute form, as printed
    # The taxonomy's own citation (English abbreviations): shown in the English interface only.
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)
    evidence_summary = models.TextField(_("evidence summary"))
    # The timeline windows the finding cited, as they stood when the order was drafted: printed as
    # an annex table. [{"start", "end", "total", "rows": [[time, item, detail, consent], ...]}, ...]
    timeline = models.JSONField(_("timeline annex"), default=list, blank=True)

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [models.UniqueConstraint(fields=["notice", "position"], name="notice_item_unique_position")]

    def __str__(self) -> str:
        return f"{self.position} {self.violation_code}"


class NoticeEvent(AuditEvent):
    """Append-only audit of a notice. A PostgreSQL trigger refuses UPDATE and DELETE."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind} {self.to_status}".strip()


class AccessCodeHandover(models.Model):
    """The plain access code of a just-published order, kept for the regulator to see once.

    Written in the publishing transaction (in whichever process publishes: the worker), read once and
    deleted by ``notices.handover.access_code_take``; never kept beyond ``expires_at``. The code is
    sealed with a key derived from ``SECRET_KEY`` (``notices.handover``): the database alone (a
    dump, a backup) does not show it.
    """

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, primary_key=True, related_name="+")
    sealed = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("access code handover")
        verbose_name_plural = _("access code handovers")

    def __str__(self) -> str:
        return f"{self.notice_id} until {self.expires_at}"


class SdkLetter(models.Model):
    """A formal letter to one vendor whose apps embed the SDK of an SDK case (issue 18).

    Written by ``notices.sdk_letters.sdk_letters_issue`` in one transaction for every vendor of the
    fan-out, with its rows frozen (``rows``: app, version, package) and the deadline counted in
    working days; the PDF is drawn and the letter sent by its outbox job (``sdk.letter``).
    ``embeddings`` are the links the vendor was asked to act on: the public register reads them.
    """

    sdk_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sdk_letters")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="sdk_letters")
    embeddings = models.ManyToManyField(SdkEmbedding, related_name="letters")
    rows = models.JSONField(default=list)
    finding_lines = models.JSONField(default=list)
    issued_on = models.DateField()
    deadline = models.DateField()
    deadline_days = models.PositiveSmallIntegerField()
    pdf = models.FileField(upload_to="sdk-letters/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sdk_case", "id"]
        constraints = [models.UniqueConstraint(fields=["sdk_case", "vendor"], name="sdkletter_unique_vendor")]
        verbose_name = _("SDK letter")
        verbose_name_plural = _("SDK letters")

    def __str__(self) -> str:
        return f"{self.sdk_case_id} → {self.vendor_id}"

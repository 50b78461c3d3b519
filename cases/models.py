import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, Authority, national_authority_id
from cases.scanners import titles
from products.models import Product, ProductVersion, Vendor

# Product kinds as the taxonomy's ``applies_to`` names them: a mini program is judged as an app.
TAXONOMY_KIND = {"mini_program": "app"}


def taxonomy_kind(product_kind: str) -> str:
    """The ``applies_to`` word for a product kind (app, sdk, terminal, scenario)."""
    return TAXONOMY_KIND.get(product_kind, product_kind)


class ViolationType(models.Model):
    """One type of the legal taxonomy (seeded by migration 0002 from the project's own copy)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    applies_to = models.CharField(_("applies to"), max_length=64, help_text="app;sdk;terminal;scenario")
    legal_basis = models.TextField(_("legal basis"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def kinds(self) -> frozenset[str]:
        """The subject kinds this type applies to (``applies_to`` is a ;-separated list)."""
        return frozenset(part.strip() for part in self.applies_to.split(";") if part.strip())

    def applies_to_kind(self, product_kind: str) -> bool:
        """Whether a finding of this type can be raised on a product of ``product_kind``."""
        return taxonomy_kind(product_kind) in self.kinds

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Campaign(models.Model):
    """An enforcement campaign (专项行动): national (led by the ministry's bureau, with provinces taking
    part) or provincial (one administration's own), by its leading authority's level."""

    name = models.CharField(_("name"), max_length=200)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        default=national_authority_id,
        related_name="campaigns",
        verbose_name=_("leading authority"),
    )
    participants = models.ManyToManyField(
        Authority, blank=True, related_name="joined_campaigns", verbose_name=_("participating authorities")
    )
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField(_("rectification period (working days)"), default=5)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.authority.is_national


class TestingAgency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("testing agency")
        verbose_name_plural = _("testing agencies")

    def __str__(self) -> str:
        return self.name


class InspectionMethod(models.TextChoices):
    MANUAL = "manual", _("Manual check")
    STATIC = "static", _("Static analysis")
    DYNAMIC = "dynamic", _("Dynamic analysis")
    NETWORK = "network", _("Network capture")
    DEVICE = "device", _("Device test")
    # An offline scenario is checked at the venue, and only there (``cases.identity.method_check_fits``).
    ON_SITE = "on_site", _("On-site check")


# Columns copied down from a record's parents so that a list filters and scopes on its own row, by
# an index led by the column and ending with the list's order (issue 14; ARCHITECTURE.md §23, "Columns
# carried down from the parents"). The rules live here, once; every door that writes an inspection or a finding
# uses them (the services, the scan ingest, the SDK fan-out, the seeding and the bench and test
# fixtures), and the migrations' backfill says the same in SQL. None of the parents moves: an
# inspection's authority and version, and a version's product and a product's vendor, are never
# changed after creation (no service, API or page does; the admin shows them read-only).


def inspection_vendor_id(product_version: ProductVersion) -> int:
    """``Inspection.vendor``: the vendor of the inspected version's product."""
    return product_version.product.vendor_id


def finding_carried(inspection: "Inspection") -> dict[str, int]:
    """``Finding.authority`` and ``Finding.vendor``: its inspection's, as keyword arguments."""
    return {"authority_id": inspection.authority_id, "vendor_id": inspection.vendor_id}


class Inspection(models.Model):
    """A test of one product version in a campaign, by an agency, on a date, for an authority."""

    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        default=national_authority_id,
        related_name="inspections",
        verbose_name=_("authority"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("campaign")
    )
    product_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("product version")
    )
    agency = models.ForeignKey(
        TestingAgency, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("testing agency")
    )
    # The version's product's vendor (``inspection_vendor_id``), for the list by vendor (issue 14).
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False, verbose_name=_("vendor")
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=16, choices=InspectionMethod.choices)
    notes = models.TextField(_("tester's notes"), blank=True)
    # The tested device on the network (IP or MAC, normalised by ``cases.identity``): traffic that
    # does not show it is flagged as possibly about another device.
    device_address = models.CharField(
        _("device address"),
        max_length=64,
        blank=True,
        help_text=_("IP or MAC address of the tested device, for network captures and scans."),
    )
    retest_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="retests", verbose_name=_("re-test of")
    )
    # The moment of consent on the inspection's timeline, marked by a person (ARCHITECTURE.md §14);
    # without it the timeline takes the first consent marker a hook tool logged.
    consent_at = models.DateTimeField(_("moment of consent"), null=True, blank=True)
    consent_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        # The list's order, alone and after its filters (docs/ARCHITECTURE.md, "Lists at scale").
        indexes = [
            models.Index(fields=["-date", "-id"], name="inspection_list_order"),
            models.Index(fields=["authority", "-date", "-id"], name="inspection_authority_order"),
            models.Index(fields=["campaign", "-date", "-id"], name="inspection_campaign_order"),
            models.Index(fields=["method", "-date", "-id"], name="inspection_method_order"),
            models.Index(fields=["vendor", "-date", "-id"], name="inspection_vendor_order"),
        ]

    def __str__(self) -> str:
        return f"{self.product_version} @ {self.date}"


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ScanJob(models.Model):
    """One uploaded scanner output and its ingestion. The row is the record; Celery only wakes."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="scan_jobs")
    file = models.FileField(upload_to="scans/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    tool = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    observations = models.PositiveIntegerField(default=0)
    findings_created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    unmapped = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    # Stable code of the failure (clients match on it; the reason is the sentence for a person).
    failure_code = models.CharField(max_length=32, blank=True)
    # The failure's parameters (position in the file, tools, limits...): the message is rebuilt from
    # code and parameters in the reader's language.
    failure_params = models.JSONField(default=dict, blank=True)
    # Observations by kind, true to the file (hosts up and down, results by level...).
    counts = models.JSONField(default=dict, blank=True)
    # What the report says it is about (package or bundle id, app name, version, file hash, devices),
    # and where that disagrees with the inspection's product version ([] = it agrees or cannot tell).
    identity = models.JSONField(default=dict, blank=True)
    identity_mismatch = models.JSONField(default=list, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Times the sweeper sent a queued job's message again since it was last queued (backoff).
    redeliveries = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # A withdrawn job frees its file: the same bytes may be uploaded (and parsed) again.
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "sha256"],
                condition=~Q(status="withdrawn"),
                name="scanjob_unique_file",
            )
        ]
        verbose_name = _("scan job")
        verbose_name_plural = _("scan jobs")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


class ScanJobEvent(models.Model):
    """Append-only history of a scan job: upload, each attempt, its end, retries (``cases.ingest.jobs``)."""

    job = models.ForeignKey(ScanJob, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("scan job event")
        verbose_name_plural = _("scan job events")

    def __str__(self) -> str:
        return f"{self.job_id} {self.kind} {self.from_status}→{self.to_status}"


class ScanObservation(models.Model):
    """One observation a scan job read from its file, kept so a reviewer can see what a scan saw.

    Written in bulk (COPY on PostgreSQL) in the transaction that saves the job's findings;
    ``mapped`` says whether it fed a candidate finding.
    """

    job = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="stored_observations")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    locus = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    mapped = models.BooleanField(default=False)
    # The moment the observation happened, when the tool gives one (ARCHITECTURE.md §14): read from
    # the attributes at ingest (``cases.timeline.stamps``) so the inspection's timeline is an index walk.
    at = models.DateTimeField(null=True, blank=True)
    # Who acted: the SDK of a hooked call's stack, the host of a request or flow ('' when neither).
    party = models.CharField(max_length=200, blank=True, default="")
    # The finding (candidate or confirmed) this observation fed, set in the saving transaction.
    finding = models.ForeignKey(
        "Finding", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="scanobservation_unique_seq")]
        indexes = [
            models.Index(fields=["job", "kind", "seq"], name="scanobs_job_kind"),
            # The timeline: a job's timed observations in time order, alone or for one SDK or host.
            models.Index(fields=["job", "at", "seq"], condition=Q(at__isnull=False), name="scanobs_job_time"),
            models.Index(
                fields=["job", "party", "at", "seq"], condition=Q(at__isnull=False), name="scanobs_job_party_time"
            ),
            # A withdrawn job's candidates are deleted: their observations' link is cleared through this.
            models.Index(fields=["finding"], condition=Q(finding__isnull=False), name="scanobs_finding"),
        ]
        verbose_name = _("scan observation")
        verbose_name_plural = _("scan observations")

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq} {self.kind}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ORDERED = "ordered", _("Ordered to rectify")
    RESPONDED = "responded", _("Responded")
    VERIFYING = "verifying", _("Verifying")
    OVERDUE = "overdue", _("Overdue")
    NAMED = "named", _("Publicly named")
    REMOVAL = "removal", _("Removal")
    RECTIFIED = "rectified", _("Rectified")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The states in which the rectification clock runs towards ``Case.deadline``: served and not yet
# answered for good. Spelled once, here, beside the states: the overdue rule, the dashboard's
# "due this week", the portal's working days left and the regulator's case page all read it.
CLOCK_RUNNING = frozenset({CaseStatus.ORDERED, CaseStatus.RESPONDED, CaseStatus.OVERDUE, CaseStatus.NAMED})


def case_overdue_q(today: datetime.date | None = None) -> Q:
    """What "overdue" means, the one definition: marked overdue by the clock, or a running clock
    whose deadline is before ``today`` (the hourly mark may not have run yet). The case list's
    filter, the API's ``overdue`` flag and filter, and the dashboard all read this (or
    ``Case.overdue_on``, its Python twin). Which cases the clock *moves* to overdue is a narrower
    question, answered in ``cases.clock.marks``.

    Spelled as "a running clock, and marked overdue or past its deadline" (``OVERDUE`` is a running
    state, so the same cases): PostgreSQL then sees that every row is a running clock, which the
    partial indexes ``case_clock_order`` / ``case_authority_clock_order`` hold (issue 14); from
    ``overdue OR (running AND late)`` it cannot prove it and walked every case newest first.
    """
    today = today or timezone.localdate()
    return Q(status__in=sorted(CLOCK_RUNNING)) & (Q(status=CaseStatus.OVERDUE) | Q(deadline__lt=today))


# A case is served once its order went out (it left ``open``). Vendors see served cases only:
# an open case is still the regulator's working file. ``CaseQuerySet.served`` /
# ``Case.is_served`` are the one test; ``cases.selectors.vendor_case_queryset`` scopes it to a vendor user.
UNSERVED = frozenset({CaseStatus.OPEN})


class CaseQuerySet(models.QuerySet):
    def served(self) -> "CaseQuerySet":
        return self.exclude(status__in=UNSERVED)

    def overdue(self, today: datetime.date | None = None) -> "CaseQuerySet":
        return self.filter(case_overdue_q(today))


class Case(models.Model):
    """One vendor, one product version, its confirmed findings and the rectification clock.

    ``status`` is written only by ``cases.workflow``.
    """

    number = models.CharField(_("case number"), max_length=32, unique=True)
    # The authority that handles the case (ARCHITECTURE.md §15); a transfer moves it.
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        default=national_authority_id,
        related_name="cases",
        verbose_name=_("authority"),
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="cases", verbose_name=_("campaign"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="cases", verbose_name=_("vendor"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="cases", verbose_name=_("product"))
    product_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="cases", verbose_name=_("product version")
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # Where a response came from, so a rejection returns there (ARCHITECTURE.md §4).
    status_before_response = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # The list's order, alone and after each filter; the decision queue's re-tests by age
        # (docs/ARCHITECTURE.md, "Lists at scale"). Substring search: trigram indexes (migration).
        indexes = [
            # A state's cases in deadline order (the home page's and the decision queue's lists): with
            # the id, the index gives the order whole; without it PostgreSQL walked case_deadline_order
            # and filtered the state (145 ms for the re-tests at national scale, issue 14).
            models.Index(fields=["status", "deadline", "id"], name="case_status_deadline"),
            # The same for one authority's (a province's home page counts and lists, its overdue list):
            # without it a province's overdue count ANDed bitmaps of the national status indexes.
            models.Index(fields=["authority", "status", "deadline", "id"], name="case_authority_status_deadline"),
            # The dashboard's lists: a campaign's running clocks in deadline order (ARCHITECTURE.md §11).
            models.Index(
                fields=["campaign", "deadline", "id"],
                condition=Q(status__in=sorted(CLOCK_RUNNING)),
                name="case_campaign_clock",
            ),
            # The same, for one authority's (a drill-down, a province's dashboard: ARCHITECTURE.md §15).
            models.Index(
                fields=["authority", "campaign", "deadline", "id"],
                condition=Q(status__in=sorted(CLOCK_RUNNING)),
                name="case_authority_clock",
            ),
            models.Index(fields=["-created_at", "-id"], name="case_list_order"),
            # The overdue list newest first (``case_overdue_q``: running clocks only) and its capped
            # total, from the running clocks' entries alone (29,000 of 100,000 at national scale, nine
            # in ten of them overdue); the state and deadline in the entry (key columns after the order:
            # SQLite warns about INCLUDE), so the total is an index-only scan. Without it the page
            # walked case_list_order past thousands of closed cases (issue 14).
            models.Index(
                fields=["-created_at", "-id", "status", "deadline"],
                condition=Q(status__in=sorted(CLOCK_RUNNING)),
                name="case_clock_order",
            ),
            # The same for one authority's (a province's overdue list and count).
            models.Index(
                fields=["authority", "-created_at", "-id", "status", "deadline"],
                condition=Q(status__in=sorted(CLOCK_RUNNING)),
                name="case_authority_clock_order",
            ),
            models.Index(fields=["authority", "-created_at", "-id"], name="case_authority_order"),
            models.Index(fields=["authority", "status", "-created_at", "-id"], name="case_authority_status_order"),
            models.Index(fields=["status", "-created_at", "-id"], name="case_status_order"),
            models.Index(fields=["campaign", "-created_at", "-id"], name="case_campaign_order"),
            models.Index(fields=["vendor", "-created_at", "-id"], name="case_vendor_order"),
            models.Index(fields=["product", "-created_at", "-id"], name="case_product_order"),
            models.Index(fields=["status", "updated_at", "id"], name="case_status_updated"),
            # The case list sorted by deadline (?ordering=deadline / -deadline), unserved cases last
            # both ways (cases.selectors.CASE_ORDERINGS).
            models.Index(fields=["deadline", "id"], name="case_deadline_order"),
            models.Index(F("deadline").desc(nulls_last=True), F("id").desc(), name="case_deadline_desc"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_served(self) -> bool:
        return self.status not in UNSERVED

    def overdue_on(self, today: datetime.date | None = None) -> bool:
        """``case_overdue_q`` for one loaded case (tests keep the two in step)."""
        return case_is_overdue(self.status, self.deadline, today)


def case_is_overdue(status: str, deadline: datetime.date | None, today: datetime.date | None = None) -> bool:
    """``Case.overdue_on`` from the two columns (for rows read without the model)."""
    today = today or timezone.localdate()
    return status == CaseStatus.OVERDUE or (status in CLOCK_RUNNING and deadline is not None and deadline < today)


class FindingStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class FindingSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    SCAN = "scan", _("Scanner")


class Finding(models.Model):
    """One observation mapped to a violation type, with its evidence."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    # The inspection's authority and vendor (``finding_carried``): a province's list and the list by
    # vendor read their own index instead of probing each finding's inspection (issue 14).
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
        verbose_name=_("authority"),
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False, verbose_name=_("vendor")
    )
    violation_type = models.ForeignKey(
        ViolationType, on_delete=models.PROTECT, related_name="findings", verbose_name=_("violation type")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.CANDIDATE
    )
    source = models.CharField(_("source"), max_length=16, choices=FindingSource.choices, default=FindingSource.MANUAL)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    # Stable identity for dedup: sha256 of (product version, rule, locus); parts kept to explain merges.
    rule = models.CharField(max_length=64, blank=True)
    locus = models.CharField(max_length=500, blank=True)
    fingerprint = models.CharField(max_length=64)
    # How many observations were merged into this finding (same product version, rule and locus).
    occurrences = models.PositiveIntegerField(default=1)
    scan_job = models.ForeignKey(ScanJob, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [models.UniqueConstraint(fields=["inspection", "fingerprint"], name="finding_unique_fingerprint")]
        # The list's order (id) after its filters; counts per inspection by status (docs/ARCHITECTURE.md).
        indexes = [
            models.Index(fields=["status", "id"], name="finding_status_order"),
            models.Index(fields=["source", "id"], name="finding_source_order"),
            models.Index(fields=["violation_type", "id"], name="finding_type_order"),
            # A type and a state together (?violation_type=&status=): the capped total reads its
            # 1,001 entries, not every finding of the type (issue 14).
            models.Index(fields=["violation_type", "status", "id"], name="finding_type_status_order"),
            models.Index(fields=["inspection", "status"], name="finding_inspection_status"),
            # A province's list and the list by vendor, in the list's order (issue 14).
            models.Index(fields=["authority", "id"], name="finding_authority_order"),
            models.Index(fields=["vendor", "id"], name="finding_vendor_order"),
            # The home page's confirmed findings without a case (cases.home.selectors).
            models.Index(
                fields=["id"], condition=Q(status="confirmed", case__isnull=True), name="home_openable_finding"
            ),
            # A province's confirmed findings without a case (its home page's list and count): by the
            # finding's own authority, PostgreSQL walked all of the province's findings for none (63,000
            # rows, 104-190 ms for Beijing at scale; this index: 0.04 ms).
            models.Index(
                fields=["authority", "id"],
                condition=Q(status="confirmed", case__isnull=True),
                name="finding_openable_authority",
            ),
            # A province's candidate findings (its home page's count): its inspections, each probing this
            # small index (67,000 of a million rows) instead of finding_inspection_status (issue 14).
            models.Index(fields=["inspection"], condition=Q(status="candidate"), name="finding_candidate_inspection"),
            # The same by the finding's own authority (issue 14): the count reads 1,001 entries of this
            # small index (0.2 ms for Beijing at scale, 5.6 ms probing its inspections), the list its last.
            models.Index(
                fields=["authority", "id"], condition=Q(status="candidate"), name="finding_candidate_authority"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language: scanner findings rebuild theirs from a template."""
        if self.source != FindingSource.SCAN:
            return self.title
        return titles.display_title(rule=self.rule, evidence=self.evidence, stored=self.title)


class CaseEvent(AuditEvent):
    """Append-only audit of a case. A PostgreSQL trigger refuses UPDATE and DELETE."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        # The transfers page (``selectors.case_transfers_for``) reads the few transfers newest first.
        indexes = [
            models.Index(
                F("created_at").desc(), F("id").desc(), condition=Q(kind="transferred"), name="caseevent_transfers"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.from_status}→{self.to_status}"


class Evidence(models.Model):
    """A stored evidence file (screenshot, recording, scanner output, rectification proof).

    Stored under a server-chosen name with its SHA-256; never overwritten or deleted by the app.
    """

    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_files")
    response = models.ForeignKey(
        "VendorResponse", on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_files"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"{self.original_name} {self.sha256[:12]}"


class TimelineCitation(models.Model):
    """A window of an inspection's timeline that a confirmed finding cites as its evidence.

    The order to rectify prints the window's rows as an annex table (``notices.services``).
    Append-only: a wrong window is cited again, never edited.
    """

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="timeline_citations")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    # The timeline's filters when it was cited ('' = all).
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    party = models.CharField(_("SDK or host"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    cited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "id"]
        verbose_name = _("timeline citation")
        verbose_name_plural = _("timeline citations")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.start:%H:%M:%S}–{self.end:%H:%M:%S}"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class VendorResponse(models.Model):
    """A vendor's rectification report."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="responses")
    # The case's authority, carried (set by ``cases.responses``, moved with the case by
    # ``cases.transfers``): a province's pending reports are a range of one small index.
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+", db_index=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("what was fixed"))
    fixed_version = models.CharField(_("fixed version"), max_length=100, blank=True)
    text = models.TextField(_("details"), blank=True)
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vendor response")
        verbose_name_plural = _("vendor responses")
        indexes = [
            # The decision queue: pending reports, oldest first.
            models.Index(fields=["status", "created_at", "id"], name="response_queue_order"),
            # A case's pending report (``cases.next_step``), and the pending reports' cases whole.
            models.Index(fields=["case"], condition=Q(status="pending"), name="response_pending_case"),
            # The same by the carried authority, in the queue's order (a province's queue and home page:
            # 2 ms walking the country's pending reports for Beijing's, issue 17).
            models.Index(
                fields=["authority", "created_at", "id"],
                condition=Q(status="pending"),
                name="response_pending_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class ExtensionRequest(models.Model):
    """A vendor's request for more time. A grant is an event with a new date, never an edit."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extension_requests")
    # The case's authority, carried like a report's (``VendorResponse.authority``).
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+", db_index=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    # The date the vendor asks for (requests made before it was asked have none).
    requested_deadline = models.DateField(_("requested new deadline"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    new_deadline = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The decision queue: pending requests, oldest first.
            models.Index(fields=["status", "created_at", "id"], name="extension_queue_order"),
            # A province's pending requests, in the same order (issue 17).
            models.Index(
                fields=["authority", "created_at", "id"],
                condition=Q(status="pending"),
                name="extension_pending_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Official holiday")
    MAKEUP_WORKDAY = "workday", _("Make-up working day")


class CalendarImportKind(models.TextChoices):
    NOTICE = "notice", _("State Council notice")
    SEED = "seed", _("Seeded data set")


class CalendarImport(models.Model):
    """One year's schedule as it was loaded: a pasted State Council notice, or the seeded data set.

    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE): the audit of who loaded which
    schedule when, with the text it came from, the days it gave and what it changed.
    """

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarImportKind.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    # [[iso date, "holiday" | "workday", name], ...] as loaded.
    days = models.JSONField(default=list)
    # What the load changed: days added, removed and changed, and the deadlines it moved.
    changes = models.JSONField(default=dict, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("calendar import")
        verbose_name_plural = _("calendar imports")

    def __str__(self) -> str:
        return f"{self.year} {self.title or self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose official schedule is known. Counting into any other year is an error."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # The load the year's days now come from.
    current_import = models.ForeignKey(
        CalendarImport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class OfficialDay(models.Model):
    """An exception to the Monday–Friday week: a holiday, or a weekend make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The year whose schedule gave this day: a notice may give a make-up day in the December before.
    schedule_year = models.PositiveSmallIntegerField(_("schedule year"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official day")
        verbose_name_plural = _("official days")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarAlert(models.Model):
    """The administrators were told on ``sent_on`` that the calendar ends soon: the unique day makes
    the daily e-mail go once, however often the clock runs."""

    sent_on = models.DateField(unique=True)
    known_until = models.DateField(null=True, blank=True)
    recipients = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]

    def __str__(self) -> str:
        return f"{self.sent_on} (known until {self.known_until})"


class CaseAccessCode(models.Model):
    """A one-time code printed on an order: a vendor user who is not yet linked claims access with it.

    Only the SHA-256 of the normalised code is stored; the plain code exists once, in the letter.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A newer letter replaces the code of an older one that was never used.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case access code")
        verbose_name_plural = _("case access codes")

    def __str__(self) -> str:
        return f"{self.case_id} {'used' if self.used_at else 'open'}"


class EmailSent(models.Model):
    """One email that went out. The unique key (case, kind, deadline...) makes every email go once."""

    key = models.CharField(max_length=200, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="emails")
    kind = models.CharField(max_length=32)
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("email sent")
        verbose_name_plural = _("emails sent")

    def __str__(self) -> str:
        return self.key


class RetestLink(models.Model):
    """A re-test inspection linked to a case under verification; its comparison proposes closure."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="retest_links")
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="case_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("re-test link")
        verbose_name_plural = _("re-test links")
        constraints = [models.UniqueConstraint(fields=["case", "inspection"], name="retest_link_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.inspection_id}"


class ProposalKind(models.TextChoices):
    NAMING = "naming", _("Public naming")
    REMOVAL = "removal", _("Removal")


class EscalationProposal(models.Model):
    """The clock proposes a case for the next naming or removal notice; people draft the notice.

    One row per case, kind and deadline: a second run of the clock finds the row and adds nothing.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalation_proposals")
    kind = models.CharField(_("kind"), max_length=16, choices=ProposalKind.choices)
    deadline = models.DateField(_("deadline that passed"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("escalation proposal")
        verbose_name_plural = _("escalation proposals")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "deadline"], name="escalation_proposal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.deadline}"


class DashboardFigure(models.Model):
    """One count the dashboard shows, kept in step with the cases (ARCHITECTURE.md §11).

    ``dimension`` is ``state`` (key: the case status), ``kind`` (key: ``kind/category``),
    ``month`` (key: ``YYYY-MM`` the case was opened, in the regulator's zone) or ``violation``
    (key: the ViolationType id; n counts the cases with at least one confirmed finding of it).
    Each count is one authority's (the cases' ``Case.authority``): the national dashboard sums the
    authorities, a drill-down (one authority, one region) sums its own (ARCHITECTURE.md §15).
    Written only by ``cases.dashboard.figures``, in the transaction of the change that moves it.
    """

    # The unique constraint below leads with the campaign, then the authority: it is the index of a
    # campaign's figures and of one authority's among them.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+", db_index=False)
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "authority", "dimension", "key"], name="dashboard_figure_unique"
            ),
        ]
        # Every campaign's total beside its name (the dashboard's campaign buttons, the campaign list),
        # all authorities' or a drill-down's: the states only.
        indexes = [
            models.Index(
                fields=["authority", "campaign"], condition=Q(dimension="state"), name="dashboard_figure_states"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.authority_id} {self.dimension}:{self.key} = {self.n}"


class DeadlineFigure(models.Model):
    """How many cases of a campaign in a state whose clock runs (``CLOCK_RUNNING``) are due on a day.

    "Overdue" and "due this week" move with the date: they are summed from these rows at read time
    (deadline before today, or within the week). One authority's, as ``DashboardFigure``. Written
    only by ``cases.dashboard.figures``.
    """

    # The unique constraint below leads with the campaign, then the authority (as DashboardFigure's).
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=16, choices=CaseStatus.choices)
    deadline = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "authority", "deadline", "status"], name="deadline_figure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.authority_id} {self.status} {self.deadline} = {self.n}"


class EmbeddingStatus(models.TextChoices):
    PRESENT = "present", _("Embedded")
    REMOVAL_PROPOSED = "removal_proposed", _("Removal proposed")
    REMOVED = "removed", _("Removed")


class SdkEmbedding(models.Model):
    """One app version embeds one SDK product, with the evidence of the scans that showed it (issue 18).

    Written by ``cases.sdks.services`` on ingest (and ``manage.py sdk_embeddings_recompute``);
    ``status`` moves only there, each move with an ``SdkEmbeddingEvent``. ``app`` and ``vendor``
    are kept on the row so that "apps and vendors embedding SDK X" is read from one index
    (``sdkembedding_active``) without joining products (ARCHITECTURE.md, "SDK fan-out").
    """

    sdk = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="embeddings", verbose_name=_("SDK product"))
    app_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="sdk_embeddings", verbose_name=_("app version")
    )
    # The app and its vendor, kept on the row (they never change for a version) so that the fan-out
    # counts apps and vendors from one index without joining products.
    app = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("app"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    status = models.CharField(
        _("status"), max_length=20, choices=EmbeddingStatus.choices, default=EmbeddingStatus.PRESENT
    )
    # [{"job": id, "seq": n, "via": "tracker" | "package" | "host", "detail": "..."}], at most
    # ``cases.sdks.matching.MAX_EVIDENCE`` items, the first ones seen.
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    first_job = models.ForeignKey(ScanJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    last_job = models.ForeignKey(ScanJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The re-test job that no longer showed the SDK (a proposal a person confirms).
    proposal_job = models.ForeignKey(ScanJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The app's own case opened from an SDK case's fan-out.
    linked_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="sdk_links", verbose_name=_("linked case")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sdk", "vendor", "app_version"]
        verbose_name = _("SDK embedding")
        verbose_name_plural = _("SDK embeddings")
        constraints = [models.UniqueConstraint(fields=["sdk", "app_version"], name="sdkembedding_unique")]
        indexes = [
            # The fan-out: an SDK's links still in place, by vendor, app and version, read from the index alone.
            models.Index(
                fields=["sdk", "vendor", "app", "app_version"],
                condition=Q(status__in=["present", "removal_proposed"]),
                name="sdkembedding_active",
            ),
            models.Index(fields=["sdk", "status"], name="sdkembedding_status"),
            # A product's SDKs when a re-test of a later version comes in.
            models.Index(fields=["app_version", "status"], name="sdkembedding_version"),
        ]

    def __str__(self) -> str:
        return f"{self.sdk_id} in {self.app_version_id}"


class SdkEmbeddingEvent(AuditEvent):
    """Append-only audit of an embedding: found, seen again, removal proposed, confirmed or refused."""

    embedding = models.ForeignKey(SdkEmbedding, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("SDK embedding event")
        verbose_name_plural = _("SDK embedding events")

    def __str__(self) -> str:
        return f"{self.embedding_id} {self.kind}"


class SdkFanoutFigure(models.Model):
    """An SDK's fan-out counted, kept in step with its links in the transaction of each change
    (``cases.sdks.figures``): the SDK case's page and the API read one row whatever the number of
    apps (ARCHITECTURE.md, "SDK fan-out"). ``manage.py sdk_embeddings_recompute --figures`` recounts."""

    sdk = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="+")
    versions = models.PositiveIntegerField(default=0)  # links in place (app versions embedding the SDK)
    apps = models.PositiveIntegerField(default=0)  # distinct apps among them
    vendors = models.PositiveIntegerField(default=0)  # distinct vendors among them
    removal_proposed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("SDK fan-out figure")
        verbose_name_plural = _("SDK fan-out figures")

    def __str__(self) -> str:
        return f"{self.sdk_id}: {self.versions}"

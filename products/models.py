from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent

from .validators import validate_division_code, validate_uscc


class Vendor(models.Model):
    """A company whose products are regulated (企业)."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        # The list's order; substring search on the names and code: trigram indexes (migration).
        indexes = [models.Index(fields=["name", "id"], name="vendor_list_order")]

    def __str__(self) -> str:
        return self.name


class VendorMembership(models.Model):
    """Ties a vendor user to exactly one vendor."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="memberships")
    is_vendor_admin = models.BooleanField(_("vendor admin"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vendor membership")
        verbose_name_plural = _("vendor memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.vendor}"


class VendorEvent(AuditEvent):
    """Append-only audit of a vendor's people: who invited, joined or removed which colleague.

    A PostgreSQL trigger refuses UPDATE and DELETE. Access claimed with a case code is recorded on
    the case (``CaseEvent``), where the code was issued.
    """

    MEMBER_INVITED = "member_invited"
    MEMBER_JOINED = "member_joined"  # the invited colleague chose a user name and password
    MEMBER_REMOVED = "member_removed"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("vendor event")
        verbose_name_plural = _("vendor events")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.kind}"


# How an offline scenario's on-site visit is recorded as a version's source (products.services).
ONSITE_SOURCE = "现场检查"


class ProductKind(models.TextChoices):
    APP = "app", _("App")
    SDK = "sdk", _("SDK")
    MINI_PROGRAM = "mini_program", _("Mini program")
    TERMINAL = "terminal", _("Smart terminal")
    # A venue where people are asked for their personal information in person (线下消费场景):
    # its details are an ``OfflineScenario``; each on-site visit is a ``ProductVersion`` (the venue
    # as inspected that day), so cases, orders and re-inspections work for it as for any product.
    SCENARIO = "scenario", _("Offline scenario")


class TerminalCategory(models.TextChoices):
    SMART_SPEAKER = "smart_speaker", _("Smart speaker")
    DOOR_LOCK = "door_lock", _("Door lock")
    LEARNING_TERMINAL = "learning_terminal", _("Learning terminal")
    TV = "tv", _("TV")
    CAMERA = "camera", _("Camera")
    WEARABLE = "wearable", _("Wearable")
    CHILDRENS_WATCH = "childrens_watch", _("Children's watch")
    TOY = "toy", _("Toy")
    OTHER = "other", _("Other")


class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products", verbose_name=_("vendor"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices)
    terminal_category = models.CharField(
        _("terminal category"), max_length=24, choices=TerminalCategory.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        # The list's order, alone and by kind; by vendor the unique constraint serves.
        indexes = [
            models.Index(fields=["name", "id"], name="product_list_order"),
            models.Index(fields=["kind", "name", "id"], name="product_kind_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name", "kind"], name="product_unique_per_vendor"),
            models.CheckConstraint(
                condition=models.Q(kind="terminal") | models.Q(terminal_category=""),
                name="product_category_only_for_terminals",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions", verbose_name=_("product"))
    version = models.CharField(_("version"), max_length=100)
    build = models.CharField(_("build or firmware"), max_length=100, blank=True)
    source = models.CharField(_("distribution source"), max_length=100, blank=True)
    package_name = models.CharField(_("package name or model"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "-created_at"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        # Complaints name a package: triage suggests its product by it (complaints.selectors).
        indexes = [models.Index(fields=["package_name"], name="productversion_package")]
        constraints = [
            models.UniqueConstraint(fields=["product", "version", "build", "source"], name="version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    @property
    def source_label(self) -> str:
        """The distribution source as pages show it: an offline scenario's visit (stored as
        ``ONSITE_SOURCE``, the record's own words) in the page's language."""
        if self.source == ONSITE_SOURCE:
            return str(_("On-site check"))
        return self.source


class SdkSignature(models.Model):
    """How an SDK product shows inside an app: the facts a scan can match (issue 18).

    ``exodus_id`` ties it to the shipped εxodus tracker list (``cases/scanners/trackerdb.py``), from
    which the prefixes and hosts may be seeded; ``package_prefixes`` are Java package prefixes
    (``com.example.sdk``) looked for in stacks and tracker code signatures; ``hosts`` are host names
    the SDK calls (a host matches itself and its subdomains); ``known_versions`` are the SDK's
    versions as the regulator knows them. The name is the product's.
    """

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="sdk_signature", verbose_name=_("product")
    )
    exodus_id = models.PositiveIntegerField(_("εxodus tracker id"), null=True, blank=True, unique=True)
    package_prefixes = models.JSONField(_("package prefixes"), default=list, blank=True)
    hosts = models.JSONField(_("hosts called"), default=list, blank=True)
    known_versions = models.JSONField(_("known versions"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SDK signature")
        verbose_name_plural = _("SDK signatures")

    def __str__(self) -> str:
        return f"{self.product_id} signature"


class ScenarioType(models.TextChoices):
    """What happens at the venue (the 2025 campaign's offline consumption scenarios)."""

    QR_ORDERING = "qr_ordering", _("QR-code ordering")
    FACE_ENTRY = "face_entry", _("Facial recognition at entry")
    ID_CARD_SCAN = "id_card_scan", _("Identity-card scanning")
    MEMBERSHIP = "membership", _("Membership sign-up")
    PARKING = "parking", _("Parking and plate recognition")
    WIFI_PORTAL = "wifi_portal", _("Wi-Fi portal")
    OTHER = "other", _("Other")


class OfflineScenario(models.Model):
    """The details of a product of kind ``scenario``: the venue and what it runs.

    The product carries the venue's name and its operator (the vendor, with its unified social
    credit code); this row the address, the administrative division (GB/T 2260), the kind of
    scenario and the systems involved: products registered here (the mini program behind the QR
    code, the camera or terminal model), and in words those that are not.
    """

    product = models.OneToOneField(
        Product, on_delete=models.PROTECT, primary_key=True, related_name="scenario", verbose_name=_("product")
    )
    address = models.CharField(_("address"), max_length=300)
    division_code = models.CharField(
        _("administrative division code"),
        max_length=6,
        validators=[validate_division_code],
        help_text=_("Six digits of GB/T 2260, e.g. 110105 for Chaoyang District, Beijing."),
    )
    scenario_type = models.CharField(_("scenario"), max_length=16, choices=ScenarioType.choices)
    systems = models.ManyToManyField(
        Product, blank=True, related_name="used_in_scenarios", verbose_name=_("systems involved")
    )
    systems_text = models.TextField(
        _("other systems involved"),
        blank=True,
        help_text=_("Systems not registered as products: a camera or terminal model, a QR-code page's address."),
    )

    class Meta:
        verbose_name = _("offline scenario")
        verbose_name_plural = _("offline scenarios")
        # The region filter: a province, city or county is a prefix of the code.
        indexes = [models.Index(fields=["division_code"], name="scenario_division")]

    def __str__(self) -> str:
        return f"{self.product} ({self.division_code})"

    @property
    def province_code(self) -> str:
        return self.division_code[:2]

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .authorities import seed_rows
from .roles import Role, has_perm
from .seals import validate_seal_image

# GB/T 2260: the first digit of a province's code is its region (大区).
REGIONS = {
    "1": _("North China"),
    "2": _("Northeast"),
    "3": _("East China"),
    "4": _("Central and South"),
    "5": _("Southwest"),
    "6": _("Northwest"),
}


class AuthorityLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")


class AuthorityQuerySet(models.QuerySet):
    def national(self) -> "Authority":
        """The ministry's bureau. Seeded by migration; made again if a test flushed the table."""
        rows = seed_rows()
        national = next(rows)
        authority, _created = self.get_or_create(code=national.pop("code"), defaults=national)
        return authority


class Authority(models.Model):
    """A regulator that inspects, orders and publishes under its own name (ARCHITECTURE.md §15): the
    ministry's bureau or a provincial communications administration. Seeded by migration
    (``accounts.authorities``), edited by a national administrator in the admin."""

    code = models.CharField(
        _("administrative division code"),
        max_length=6,
        unique=True,
        help_text=_("GB/T 2260, six digits: 110000 for Beijing, 100000 for the ministry."),
    )
    name = models.CharField(_("full name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50)
    level = models.CharField(_("level"), max_length=16, choices=AuthorityLevel.choices)
    # 发文机关代字: orders are numbered 京信管函〔2026〕3号 (the prefix, the letter mark 函, year, number).
    doc_prefix = models.CharField(_("document number prefix"), max_length=16, help_text=_("机关代字, e.g. 京信管"))
    masthead = models.CharField(_("masthead"), max_length=100)
    signature = models.CharField(_("signature block"), max_length=100)
    # Printed over the signature and date of every notice it issues (GB/T 9704 §7.3.5.1; accounts.seals).
    seal = models.FileField(
        _("seal image"),
        upload_to="authorities/",
        blank=True,
        validators=[validate_seal_image],
        help_text=_(
            "Optional. A PNG of the round official seal in red on a transparent background, about square, "
            "200 to 4000 pixels a side, at most 1 MiB. It is printed 42 mm wide over the signature and date "
            "of the notices published from now on; notices already published keep their PDF."
        ),
    )
    # The authority lets national users act on its records (not only see them).
    delegated_to_national = models.BooleanField(_("delegated to national users"), default=False)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.level == AuthorityLevel.NATIONAL

    @property
    def region(self) -> str:
        """The region (大区) of a province, from the first digit of its code; '' for the ministry."""
        return "" if self.is_national else str(REGIONS.get(self.code[:1], ""))

    @property
    def order_prefix(self) -> str:
        """The 发文机关代字 and letter mark of its orders: ``京信管函``."""
        return f"{self.doc_prefix}函"


class UserQuerySet(models.QuerySet):
    def select_for_update(self, nowait=False, skip_locked=False, of=(), no_key=False):
        """Lock the users only: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join
        to the authority that every user query carries (``AuthorityUserManager``)."""
        return super().select_for_update(nowait=nowait, skip_locked=skip_locked, of=of or ("self",), no_key=no_key)


class AuthorityUserManager(UserManager.from_queryset(UserQuerySet)):
    """Users come with their authority (one join, no query more): every scoped read asks for it."""

    def get_queryset(self):
        return super().get_queryset().select_related("authority")


class User(AbstractUser):
    """A person using Rectify. The role decides what they may do; a vendor user's vendor
    is held by ``products.VendorMembership`` (exactly one). A regulator belongs to one authority,
    whose records they see and act on (``accounts.scoping``)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VENDOR)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("authority"),
    )

    objects = AuthorityUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def can(self, perm: str) -> bool:
        return has_perm(self, perm)

    @property
    def is_regulator(self) -> bool:
        return self.role in {Role.ADMIN, Role.INSPECTOR, Role.REVIEWER}

    @property
    def is_vendor_user(self) -> bool:
        return self.role == Role.VENDOR


class AuditEvent(models.Model):
    """The shape every append-only audit row shares: who moved what from which state to which, why.

    Concrete subclasses add the audited object's foreign key and a PostgreSQL trigger that refuses
    UPDATE and DELETE; rows are written only inside the transaction that made the change.
    """

    kind = models.CharField(max_length=32)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @classmethod
    def record(
        cls,
        *,
        kind: str,
        actor=None,
        from_status: str = "",
        to_status: str = "",
        reason: str = "",
        data=None,
        **subject,
    ):
        """Append one row about ``subject`` (the audited object, e.g. ``case=``), inside the transaction
        that made the change."""
        return cls.objects.create(
            kind=kind,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data or {},
            **subject,
        )


class AuthorityEvent(AuditEvent):
    """Append-only audit of an authority's own settings: delegation granted or revoked, and the
    national administrator's edits of its names and document number prefix (``accounts.services``)."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("authority event")
        verbose_name_plural = _("authority events")

    def __str__(self) -> str:
        return f"{self.authority_id} {self.kind}"


class Heartbeat(models.Model):
    """When a background process last showed it was alive (``accounts.health``).

    ``worker``: the last run of the beat-scheduled heartbeat task, which proves that beat schedules
    and a worker runs. Kept in PostgreSQL, so every web process reads the same time.
    """

    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.at.isoformat()}"


class ApiToken(models.Model):
    """An API token (``Authorization: Token <key>``): one per client, each expiring (``accounts.tokens``).

    Only the SHA-256 of the key is stored, with its first characters to tell tokens apart. The
    user's password state when it was issued (``auth_hash``, Django's session hash) is kept too: a
    changed password no longer matches, which revokes every token of that user at once.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    key_sha256 = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("name"), max_length=100, blank=True)
    auth_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


def national_authority_id() -> int:
    """Default owner of a record made without one (the ministry's bureau)."""
    return Authority.objects.national().pk

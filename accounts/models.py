from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role, has_perm


class User(AbstractUser):
    """A person using Rectify. The role decides what they may do; a vendor user's vendor
    is held by ``products.VendorMembership`` (exactly one)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VENDOR)

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

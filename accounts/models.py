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

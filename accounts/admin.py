from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Role"), {"fields": ("role",)}))
    list_display = ("username", "email", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")


class ReadOnlyMixin:
    """View only: no add, change or delete for anyone, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A model only the services write (with their audit), shown in the admin and never changed there."""


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens (accounts.tokens): an administrator sees them and revokes one by deleting it."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at")
    list_filter = ("user__role",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "prefix", "name", "created_at", "expires_at")
    exclude = ("key_sha256", "auth_hash")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

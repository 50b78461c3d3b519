from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Authority, AuthorityEvent, User

# Django stores a permission's name in English when it migrates ("Can add scan job event"): the
# admin's permission picker names it from the model's translated verbose name and the action instead.
PERMISSION_ACTIONS = {"add": _("Can add"), "change": _("Can change"), "delete": _("Can delete"), "view": _("Can view")}


def permission_label(permission) -> str:
    action, _sep, _rest = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if model is None or action not in PERMISSION_ACTIONS:
        return str(permission)
    return f"{model._meta.app_config.verbose_name} | {PERMISSION_ACTIONS[action]} {model._meta.verbose_name}"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Role"), {"fields": ("role", "authority")}))
    list_display = ("username", "email", "role", "authority", "is_active", "is_staff")
    list_filter = ("role", "authority", "is_active", "is_staff")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "user_permissions" and field is not None:
            field.label_from_instance = permission_label
        return field


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    """The authorities (ARCHITECTURE.md §15): edited by a national administrator only.

    A provincial superuser sees them but changes none; no one deletes one (records point at it).
    Delegation and the printed names change on the authority's page only (``/authorities/<code>/``,
    ``accounts.services``), where each change is audited: here they are read only.
    """

    list_display = ("code", "name", "short_name", "level", "doc_prefix", "delegated_to_national")
    list_filter = ("level", "delegated_to_national")
    search_fields = ("code", "name", "short_name", "doc_prefix")

    def get_readonly_fields(self, request, obj=None):
        return ("delegated_to_national", "short_name", "doc_prefix", "masthead", "signature") if obj else ()

    def has_add_permission(self, request):
        return _national_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return _national_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


def _national_admin(user) -> bool:
    authority = getattr(user, "authority", None)
    if not (user.is_active and user.is_staff):
        return False
    return authority.is_national if authority is not None else user.is_superuser


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


@admin.register(AuthorityEvent)
class AuthorityEventAdmin(ReadOnlyAdmin):
    """The authorities' history (append-only), written by ``accounts.services`` only."""

    list_display = ("created_at", "authority", "kind", "actor", "reason")
    list_filter = ("kind",)


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

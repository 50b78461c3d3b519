"""Admin: counters are reference data admins set; notices are read-only here (the workflow writes them)."""

from django.contrib import admin

from .models import Notice, NoticeCounter, NoticeEvent


@admin.register(NoticeCounter)
class NoticeCounterAdmin(admin.ModelAdmin):
    list_display = ["authority", "series", "year", "yearly", "overall"]
    list_filter = ["series", "authority__level"]

    def has_delete_permission(self, request, obj=None):
        return False


class NoticeEventInline(admin.TabularInline):
    model = NoticeEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_status", "to_status", "reason", "data", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "issuer",
        "kind",
        "series",
        "status",
        "version",
        "year",
        "batch_number",
        "doc_number",
        "published_on",
    ]
    list_filter = ["kind", "status", "series", "issuer"]
    inlines = [NoticeEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

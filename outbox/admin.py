from django.contrib import admin

from .models import OutboxEvent, OutboxJob


class OutboxEventInline(admin.TabularInline):
    model = OutboxEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "from_status", "to_status", "attempt", "reason", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    """Read-only: jobs move only through ``outbox.jobs`` (the operator watches, the sweeper acts)."""

    list_display = ("key", "kind", "status", "attempts", "created_at", "finished_at", "failure_code")
    list_filter = ("status", "kind")
    search_fields = ("key",)
    inlines = [OutboxEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Admin: reference data (taxonomy, campaigns, agencies) is edited here (the working-day calendar is
imported on its own page, which checks it and recounts deadlines; here it is read-only);
operational records are read-only, because only the services and the workflow may write them
(with their audit events), and evidence and case events are never changed at all."""

from django.apps import apps
from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin, ReadOnlyMixin
from cases.clock.holidays import holiday_label
from cases.models import (
    CalendarAlert,
    CalendarImport,
    CalendarYear,
    Campaign,
    Case,
    CaseEvent,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    OfficialDay,
    ScanJob,
    TestingAgency,
    VendorResponse,
    ViolationType,
)


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# Reference data


@admin.register(ViolationType)
class ViolationTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "applies_to", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_zh", "name_en", "legal_basis")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "authority", "start_date", "end_date", "deadline_working_days")
    list_filter = ("authority__level", "authority")
    search_fields = ("name", "name_en")
    date_hierarchy = "start_date"
    # National (led by the ministry's bureau, with the provinces taking part) or provincial.
    filter_horizontal = ("participants",)


@admin.register(TestingAgency)
class TestingAgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en")
    search_fields = ("name", "name_en")


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    """A year becomes usable for deadlines once its schedule is imported. Read-only here: a year is
    imported or corrected on the working-day calendar page (or ``manage.py calendar_import``), which
    checks the schedule and recounts the running deadlines a correction moves."""

    list_display = ("year", "source", "current_import")
    search_fields = ("year", "source")


@admin.register(CalendarImport)
class CalendarImportAdmin(ReadOnlyAdmin):
    """Who loaded which year's schedule when, from what text, and what it changed (append-only)."""

    list_display = ("year", "kind", "title", "doc_number", "published_on", "imported_by", "imported_at")
    list_filter = ("kind",)
    search_fields = ("year", "title", "doc_number")


@admin.register(CalendarAlert)
class CalendarAlertAdmin(ReadOnlyAdmin):
    """The daily e-mails that told the administrators the calendar runs out."""

    list_display = ("sent_on", "known_until", "recipients")


@admin.register(OfficialDay)
class OfficialDayAdmin(ReadOnlyAdmin):
    """Holidays and weekend make-up working days (调休) as the State Council publishes them.
    Read-only here, for the same reason as the years."""

    list_display = ("date", "weekday", "kind", "holiday", "schedule_year")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=_("Weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "D")  # 周一 or Mon, in the page's language

    @admin.display(description=_("Holiday"), ordering="name")
    def holiday(self, obj):
        return holiday_label(obj.name)


# Operational records: read-only


class FindingInline(ReadOnlyInline):
    model = Finding
    fields = ("title", "violation_type", "status", "source")
    readonly_fields = fields


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    show_change_link = False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "authority", "vendor", "product", "campaign", "served_on", "deadline")
    list_filter = ("status", "authority", "campaign")
    list_select_related = ("vendor", "product", "campaign", "authority")
    search_fields = ("number", "vendor__name", "product__name")
    inlines = [FindingInline, CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The audit trail: the database refuses UPDATE and DELETE, and so does the admin."""

    list_display = ("created_at", "case", "kind", "from_status", "to_status", "actor")
    list_filter = ("kind",)
    list_select_related = ("case", "actor")
    search_fields = ("case__number", "reason")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "product_version", "campaign", "agency", "date", "method", "created_by")
    list_filter = ("method", "campaign", "agency")
    list_select_related = ("product_version__product", "campaign", "agency", "created_by")
    search_fields = ("product_version__product__name", "product_version__package_name")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("id", "shown_title", "violation_type", "status", "source", "case")
    list_filter = ("status", "source", "violation_type")
    list_select_related = ("violation_type", "case")
    search_fields = ("title", "locus", "case__number")

    @admin.display(description=_("title"), ordering="title")
    def shown_title(self, obj):
        return obj.display_title


@admin.register(ScanJob)
class ScanJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "original_name", "tool", "status", "progress", "findings_created", "created_at")
    list_filter = ("status", "tool")
    search_fields = ("original_name", "sha256")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("id", "original_name", "content_type", "size", "sha256", "uploaded_by", "created_at")
    list_select_related = ("uploaded_by",)
    search_fields = ("original_name", "sha256")


@admin.register(VendorResponse)
class VendorResponseAdmin(ReadOnlyAdmin):
    list_display = ("case", "status", "fixed_version", "submitted_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("case", "submitted_by")
    search_fields = ("case__number",)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ("case", "status", "new_deadline", "requested_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("case", "requested_by")
    search_fields = ("case__number",)


# Every other model of the app (job and clock bookkeeping) is shown read-only, so that nothing in
# `cases` is missing from the admin nor writable there by accident.
for _model in apps.get_app_config("cases").get_models():
    if not admin.site.is_registered(_model):
        admin.site.register(_model, ReadOnlyAdmin)

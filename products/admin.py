from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin

from .models import OfflineScenario, Product, ProductVersion, SdkSignature, Vendor, VendorEvent, VendorMembership


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "contact_email")
    search_fields = ("name", "name_en", "credit_code")


@admin.register(VendorMembership)
class VendorMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "vendor", "is_vendor_admin")
    list_select_related = ("user", "vendor")
    raw_id_fields = ("user", "vendor")


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 0


class SdkSignatureInline(admin.StackedInline):
    """An SDK's signature (issue 18): JSON lists of package prefixes, hosts and known versions.
    ``manage.py sdk_embeddings_recompute`` links the scans already stored after a change."""

    model = SdkSignature
    extra = 0
    max_num = 1


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "vendor", "kind", "terminal_category")
    list_filter = ("kind", "terminal_category")
    list_select_related = ("vendor",)
    search_fields = ("name", "vendor__name")
    inlines = [ProductVersionInline, SdkSignatureInline]

    def get_readonly_fields(self, request, obj=None):
        # A product never changes vendor: its cases, inspections and findings carry it
        # (cases.models.inspection_vendor_id).
        return ("vendor",) if obj is not None else ()


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ("product", "version", "build", "source_shown", "package_name")
    list_select_related = ("product",)
    search_fields = ("product__name", "version", "package_name")

    def get_readonly_fields(self, request, obj=None):
        # A version never moves to another product (and so vendor): see ProductAdmin.
        return ("product",) if obj is not None else ()

    @admin.display(description=_("distribution source"), ordering="source")
    def source_shown(self, obj):
        return obj.source_label


@admin.register(VendorEvent)
class VendorEventAdmin(ReadOnlyAdmin):
    """Who invited or removed which colleague of a vendor; never changed."""

    list_display = ("created_at", "vendor", "kind", "actor")
    list_filter = ("kind",)
    list_select_related = ("vendor", "actor")
    search_fields = ("vendor__name", "actor__username")


@admin.register(OfflineScenario)
class OfflineScenarioAdmin(admin.ModelAdmin):
    list_display = ("product", "scenario_type", "division_code", "address")
    list_filter = ("scenario_type",)
    list_select_related = ("product",)
    raw_id_fields = ("product", "systems")
    search_fields = ("product__name", "address", "division_code")

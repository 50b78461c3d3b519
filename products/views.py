"""Regulator pages for vendors, products and versions. Thin: validate, call one service, redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.errors import DomainError
from accounts.forms import add_service_errors
from accounts.policies import PolicyMixin
from accounts.roles import INSPECTION_EDIT, REFERENCE_EDIT, REFERENCE_VIEW
from config.lists import BoundedPaginator, Ordering

from . import selectors, services
from .forms import ProductForm, ScenarioForm, VendorForm, VersionForm
from .models import ProductKind, ProductVersion, ScenarioType
from .validators import region_prefix_valid

PAGE_SIZE = 25

MSG_VENDOR_CREATED = _("Vendor “%(name)s” registered.")
MSG_PRODUCT_CREATED = _("Product “%(name)s” registered.")
MSG_VERSION_CREATED = _("Version %(version)s registered.")
MSG_SCENARIO_CREATED = _("Offline scenario “%(name)s” registered.")


class VendorListView(PolicyMixin, ListView):
    policy = {"GET": REFERENCE_VIEW}
    template_name = "products/vendor_list.html"
    context_object_name = "vendors"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    @cached_property
    def ordering(self) -> Ordering:
        return Ordering(self.request, selectors.NAME_ORDERINGS, "name")

    def get_queryset(self):
        rows = selectors.vendor_search(selectors.vendor_rows(), self.request.GET.get("q", ""))
        return rows.order_by(*self.ordering.order_by)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sort=self.ordering.columns,
            q=self.request.GET.get("q", "").strip(),
            can_edit=self.request.user.can(REFERENCE_EDIT),
            **kwargs,
        )


class VendorCreateView(PolicyMixin, FormView):
    policy = {"GET": REFERENCE_EDIT, "POST": REFERENCE_EDIT}
    template_name = "products/vendor_form.html"
    form_class = VendorForm

    def form_valid(self, form):
        try:
            vendor = services.vendor_create(actor=self.request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, MSG_VENDOR_CREATED % {"name": vendor.name})
        return redirect("vendor-detail", pk=vendor.pk)


class VendorDetailView(PolicyMixin, TemplateView):
    policy = {"GET": REFERENCE_VIEW}
    template_name = "products/vendor_detail.html"

    def get_context_data(self, **kwargs):
        vendor = get_object_or_404(selectors.vendor_list(), pk=self.kwargs["pk"])
        products = selectors.product_rows().filter(vendor=vendor)
        return super().get_context_data(
            vendor=vendor, products=products, can_edit=self.request.user.can(REFERENCE_EDIT), **kwargs
        )


class ProductListView(PolicyMixin, ListView):
    policy = {"GET": REFERENCE_VIEW}
    template_name = "products/product_list.html"
    context_object_name = "products"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    def get_queryset(self):
        qs = selectors.product_rows()
        kind = self.request.GET.get("kind", "")
        if kind in ProductKind.values:
            qs = qs.filter(kind=kind)
        return selectors.product_search(qs, self.request.GET.get("q", "")).order_by(*self.ordering.order_by)

    @cached_property
    def ordering(self) -> Ordering:
        return Ordering(self.request, selectors.NAME_ORDERINGS, "name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sort=self.ordering.columns,
            kinds=ProductKind.choices,
            kind=self.request.GET.get("kind", ""),
            q=self.request.GET.get("q", "").strip(),
            can_edit=self.request.user.can(REFERENCE_EDIT),
            **kwargs,
        )


class ProductCreateView(PolicyMixin, FormView):
    policy = {"GET": REFERENCE_EDIT, "POST": REFERENCE_EDIT}
    template_name = "products/product_form.html"
    form_class = ProductForm

    def get_initial(self):
        return {"vendor": self.request.GET.get("vendor")}

    def form_valid(self, form):
        try:
            product = services.product_create(actor=self.request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, MSG_PRODUCT_CREATED % {"name": product.name})
        return redirect("product-detail", pk=product.pk)


class ProductDetailView(PolicyMixin, FormView):
    """A product with its versions; regulators who edit reference data add versions here."""

    policy = {"GET": REFERENCE_VIEW, "POST": REFERENCE_EDIT}
    template_name = "products/product_detail.html"
    form_class = VersionForm

    @cached_property
    def product(self):
        # Fetched after the policy check (dispatch), so anonymous visitors never learn what exists.
        return get_object_or_404(selectors.product_list(), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The product is set before validation so the per-product uniqueness check can run.
        kwargs["instance"] = ProductVersion(product=self.product)
        return kwargs

    def get_context_data(self, **kwargs):
        versions = selectors.version_list().filter(product=self.product)
        scenario = self.product.scenario if self.product.kind == ProductKind.SCENARIO else None
        return super().get_context_data(
            product=self.product,
            scenario=scenario,
            systems=selectors.scenario_systems(scenario) if scenario else (),
            versions=versions,
            can_edit=self.request.user.can(REFERENCE_EDIT),
            can_log_inspection=self.request.user.can(INSPECTION_EDIT),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            version = services.version_create(actor=self.request.user, product=self.product, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, MSG_VERSION_CREATED % {"version": version.version})
        return redirect("product-detail", pk=self.product.pk)


class ScenarioListView(PolicyMixin, ListView):
    """Offline scenarios, by type and region (a province, city or county prefix of the division code)."""

    policy = {"GET": REFERENCE_VIEW}
    template_name = "products/scenario_list.html"
    context_object_name = "scenarios"
    paginate_by = PAGE_SIZE
    paginator_class = BoundedPaginator

    def filters(self) -> dict:
        scenario_type = self.request.GET.get("type", "")
        region = self.request.GET.get("region", "").strip()
        return {
            "scenario_type": scenario_type if scenario_type in ScenarioType.values else "",
            "region": region if region_prefix_valid(region) else "",
        }

    def get_queryset(self):
        qs = selectors.scenario_filter(selectors.scenario_list(), **self.filters())
        return selectors.product_search(qs, self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            types=ScenarioType.choices,
            q=self.request.GET.get("q", "").strip(),
            region_given=self.request.GET.get("region", "").strip(),
            can_edit=self.request.user.can(REFERENCE_EDIT),
            **self.filters(),
            **kwargs,
        )


class ScenarioCreateView(PolicyMixin, FormView):
    policy = {"GET": REFERENCE_EDIT, "POST": REFERENCE_EDIT}
    template_name = "products/scenario_form.html"
    form_class = ScenarioForm

    def get_initial(self):
        return {"vendor": self.request.GET.get("vendor")}

    def form_valid(self, form):
        try:
            product = services.scenario_create(actor=self.request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, MSG_SCENARIO_CREATED % {"name": product.name})
        return redirect("product-detail", pk=product.pk)

from django.urls import path

from . import views

urlpatterns = [
    path("vendors/", views.VendorListView.as_view(), name="vendor-list"),
    path("vendors/new/", views.VendorCreateView.as_view(), name="vendor-create"),
    path("vendors/<int:pk>/", views.VendorDetailView.as_view(), name="vendor-detail"),
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/new/", views.ProductCreateView.as_view(), name="product-create"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
    path("scenarios/", views.ScenarioListView.as_view(), name="scenario-list"),
    path("scenarios/new/", views.ScenarioCreateView.as_view(), name="scenario-create"),
]

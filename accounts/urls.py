from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("authorities/", views.authority_list, name="authority-list"),
    path("authorities/<str:code>/", views.authority_detail, name="authority-detail"),
]

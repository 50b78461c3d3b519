from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = _("Vendors and products")

    def ready(self):
        # Register the outbox handlers (the invitation e-mail) with the outbox.
        from products import tasks  # noqa: F401

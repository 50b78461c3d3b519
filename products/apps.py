from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.labels import translate_derived_labels


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = _("Vendors and products")

    def ready(self):
        translate_derived_labels(self)  # admin labels in the page's language (config/labels.py)
        # Register the outbox handlers (the invitation e-mail) with the outbox.
        from products import tasks  # noqa: F401

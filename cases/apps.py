from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.labels import translate_derived_labels


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Inspections and cases")

    def ready(self):
        translate_derived_labels(self)  # admin labels in the page's language (config/labels.py)
        from django.db.models.signals import post_delete, post_save, pre_save

        # Register the tasks with the Celery app: services send them by name (config/queue.py).
        from cases import tasks  # noqa: F401
        from cases.dashboard import figures
        from products.models import Product

        # A product's kind moves the dashboard's figures of its cases (ARCHITECTURE.md §11).
        pre_save.connect(figures.product_saving, sender=Product, dispatch_uid="dashboard-product-kind")
        # The calendar's years are kept in the shared cache (every regulator page's banner asks).
        from cases.clock.calendar import forget_known_years
        from cases.models import CalendarYear

        post_save.connect(forget_known_years, sender=CalendarYear, dispatch_uid="calendar-years-saved")
        post_delete.connect(forget_known_years, sender=CalendarYear, dispatch_uid="calendar-years-deleted")

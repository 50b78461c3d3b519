from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Inspections and cases")

    def ready(self):
        # Register the tasks with the Celery app: services send them by name (config/queue.py).
        from cases import tasks  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self):
        # Register the tasks with the Celery app: services send them by name (config/queue.py).
        from notices import tasks  # noqa: F401

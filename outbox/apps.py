from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Background jobs")

    def ready(self):
        # Register the tasks with the Celery app: services send them by name (config/queue.py).
        from outbox import tasks  # noqa: F401

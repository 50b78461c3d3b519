from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.labels import translate_derived_labels


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Background jobs")

    def ready(self):
        translate_derived_labels(self)  # admin labels in the page's language (config/labels.py)
        # Register the tasks with the Celery app: services send them by name (config/queue.py).
        from outbox import tasks  # noqa: F401

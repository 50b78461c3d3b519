from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.labels import translate_derived_labels


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        translate_derived_labels(self)  # admin labels in the page's language (config/labels.py)
        # Register the heartbeat task with the Celery app (the beat schedule names it).
        from accounts import tasks  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Register the heartbeat task with the Celery app (the beat schedule names it).
        from accounts import tasks  # noqa: F401

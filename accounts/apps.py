from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.labels import translate_derived_labels


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        translate_derived_labels(self)  # admin labels in the page's language (config/labels.py)
        from django.db.models.signals import post_delete, post_save

        # Register the heartbeat task with the Celery app (the beat schedule names it).
        from accounts import tasks  # noqa: F401
        from accounts.backends import forget_user

        # A saved or deleted user is read afresh by the next request (accounts.backends).
        user = self.get_model("User")
        post_save.connect(forget_user, sender=user, dispatch_uid="accounts-forget-user")
        post_delete.connect(forget_user, sender=user, dispatch_uid="accounts-forget-user-deleted")

"""E-mails to the administrators: who they are, and one message in both languages.

Alerts that need a person at once (the calendar running out, a published PDF that no longer matches
its hash) go to every active administrator with an address, in Chinese then English, in one message.
"""

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from accounts.roles import Role

LANGUAGES = ("zh-hans", "en")
SEPARATOR = "\n\n----------------------------------------\n\n"


def admin_addresses() -> list[str]:
    """The e-mail addresses of the active administrators, sorted."""
    return list(
        get_user_model()
        .objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def bilingual_message(template: str, context: dict, *, to: list[str]) -> EmailMessage:
    """``emails/<language>/<template>_subject.txt`` and ``<template>.txt`` in each language, joined."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            subjects.append(render_to_string(f"emails/{language}/{template}_subject.txt", context).strip())
            bodies.append(render_to_string(f"emails/{language}/{template}.txt", context).strip())
    return EmailMessage(subject=" / ".join(subjects), body=SEPARATOR.join(bodies) + "\n", to=to)

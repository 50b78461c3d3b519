"""Addresses of notice pages that other apps link to: one home for their query strings."""

from urllib.parse import urlencode

from django.urls import reverse


def draft_url(kind: str, *, case=None) -> str:
    """The draft page for ``kind``; with ``case``, that case is already ticked."""
    query = {"kind": kind}
    if case is not None:
        query["case"] = case.pk
    return f"{reverse('notices:regulator-draft')}?{urlencode(query)}"

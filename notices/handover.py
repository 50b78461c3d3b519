"""Hand the access code of a just-published order to the regulator, once (ARCHITECTURE.md §3.3).

The order is published in the worker; the regulator asks for the code on a page served by the web
process. The plain code therefore travels through the database, not the cache (without
``CACHE_URL`` each process has its own memory): one ``AccessCodeHandover`` row per order, written in
the publishing transaction, deleted when the code is shown and useless after
``ACCESS_CODE_REVEAL_SECONDS``; expired rows are removed whenever a code is stashed or taken.

The row holds the code sealed, never in plain text: a random 16-byte nonce and the code XORed with
a keystream of HMAC-SHA256(key derived from ``SECRET_KEY``, nonce ‖ block number) (a stream cipher
built on Django's ``salted_hmac``; the code is 19 characters). What is unsealed is accepted only if
its SHA-256 is the order's ``access_code_hash``: a tampered row or a rotated ``SECRET_KEY`` gives no
code, never a wrong one.
"""

import base64
import datetime
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cases.access import code_hash

from .models import AccessCodeHandover, Notice

ACCESS_CODE_REVEAL_SECONDS = 24 * 60 * 60
KEY_SALT = "notices.handover.access-code"
NONCE_BYTES = 16


def _keystream(nonce: bytes, length: int) -> bytes:
    blocks, n = [], 0
    while sum(map(len, blocks)) < length:
        blocks.append(salted_hmac(KEY_SALT, nonce + n.to_bytes(4, "big"), algorithm="sha256").digest())
        n += 1
    return b"".join(blocks)[:length]


def _xor(nonce: bytes, data: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, _keystream(nonce, len(data)), strict=True))


def seal(code: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return base64.urlsafe_b64encode(nonce + _xor(nonce, code.encode())).decode()


def unseal(sealed: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        return _xor(nonce, body).decode()
    except UnicodeDecodeError:
        return None


def _purge(now: datetime.datetime) -> None:
    AccessCodeHandover.objects.filter(expires_at__lte=now).delete()


def access_code_stash(*, notice: Notice, code: str) -> None:
    """Keep ``code`` for the regulator, sealed; call in the transaction that publishes ``notice``."""
    now = timezone.now()
    _purge(now)
    # An earlier letter's code stopped working (cases.access): nobody is shown it any more.
    AccessCodeHandover.objects.filter(notice__case_id=notice.case_id).exclude(notice=notice).delete()
    AccessCodeHandover.objects.update_or_create(
        notice=notice,
        defaults={"sealed": seal(code), "expires_at": now + datetime.timedelta(seconds=ACCESS_CODE_REVEAL_SECONDS)},
    )


def access_code_take(*, notice: Notice) -> str | None:
    """The plain code of ``notice`` once; None afterwards, after expiry, or if it does not unseal.

    Of two simultaneous callers one gets the code: the row is locked and deleted."""
    now = timezone.now()
    with transaction.atomic():
        row = AccessCodeHandover.objects.select_for_update().filter(notice_id=notice.pk).first()
        if row is None:
            return None
        row.delete()
        _purge(now)
    if row.expires_at <= now:
        return None
    code = unseal(row.sealed)
    expected = Notice.objects.filter(pk=notice.pk).values_list("access_code_hash", flat=True).first() or ""
    if code is None or not expected or not constant_time_compare(code_hash(code), expected):
        return None
    return code

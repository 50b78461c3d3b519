"""What each kind of outbox job runs. The apps register their handlers when their tasks module is
imported (``ready()``), as scanner parsers register themselves: the outbox knows no app above it.

A handler takes the job's payload as keyword arguments, calls one service and answers a small
JSON-able result. It must be idempotent: a job whose worker died after the work committed but
before the job was marked done runs again and must find the work done (a published notice, an
``EmailSent`` key) rather than do it twice. A handler with no key of its own registers with
``atomic=True``: it runs in the transaction that marks the job done, so the job row is its key.
"""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError

# Errors that a later attempt may not meet: the database or the mail server was away, storage
# was briefly unavailable. Anything else (a domain refusal, a bug) ends the job failed.
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError, smtplib.SMTPException)


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable[..., object]
    retry_on: tuple[type[BaseException], ...]
    atomic: bool = False


_registry: dict[str, Handler] = {}


def register(kind: str, *, retry_on: tuple[type[BaseException], ...] = TRANSIENT, atomic: bool = False):
    """Decorator: ``fn`` runs the jobs of ``kind``. A kind is registered once. With ``atomic``,
    ``fn`` runs inside the transaction that marks the job done (it commits with the job)."""

    def decorate(fn):
        existing = _registry.get(kind)
        if existing is not None and existing.run.__qualname__ != fn.__qualname__:
            raise ValueError(f"outbox kind {kind!r} is already handled by {existing.run.__qualname__}")
        _registry[kind] = Handler(kind=kind, run=fn, retry_on=retry_on, atomic=atomic)
        return fn

    return decorate


def get(kind: str) -> Handler:
    return _registry[kind]


def kinds() -> frozenset[str]:
    return frozenset(_registry)

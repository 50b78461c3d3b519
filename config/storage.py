"""The media storage: Django's file system storage that leaves no partial file behind.

A write that fails half way (a full or read-only ``MEDIA_ROOT``: ENOSPC, EDQUOT, EROFS, EACCES)
removes what it wrote before the error goes on to ``config.faults``, which answers 507 or 503.
Every name written during a request is remembered (``written_names``), so that when a request
fails on a storage fault the files it stored before the fault, which no row points to once its
transaction rolled back, are removed too (``config.faults.discard_request_files``).
"""

import contextlib
import logging
import os
from contextvars import ContextVar

from django.core.files.storage import FileSystemStorage

logger = logging.getLogger(__name__)

_written: ContextVar[list | None] = ContextVar("rectify_written_names", default=None)


@contextlib.contextmanager
def remember_writes():
    """Collect the names this storage writes while the block runs (one request)."""
    names: list = []
    token = _written.set(names)
    try:
        yield names
    finally:
        _written.reset(token)


class MediaStorage(FileSystemStorage):
    """FileSystemStorage whose failed writes remove their partial file."""

    def _save(self, name, content):
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            saved = super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(full_path)
                    logger.warning("storage write of %s failed; the partial file was removed", name)
            raise
        names = _written.get()
        if names is not None:
            names.append((self, saved))
        return saved

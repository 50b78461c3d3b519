"""Stored files that are never half-written, and a sweep for the ones no row points to (ARCHITECTURE.md §6).

``AtomicFileSystemStorage`` (the default storage) writes a file under a temporary, hidden name in
its final folder (``.<name>.<random>.part``) and moves it to its final name only once the
transaction that saves its row commits (at once outside a transaction). A failed or killed write
leaves at most a ``.part`` file, never a truncated file under a name a row could point to; a
rolled-back transaction leaves its ``.part`` file to the sweep. Until the commit, this process
reads the file through its temporary name (``open``, ``exists``, ``size``, ``delete``).

Every name written during a request is remembered (``remember_writes``), so that when a request
fails on a storage fault (ENOSPC, EDQUOT, EROFS, EACCES) the files it stored before the fault, which
no row points to once its transaction rolled back, are removed at once (``config.faults``,
ARCHITECTURE.md §10) rather than left to the sweep.

``storage_sweep`` (beat task and ``manage.py storage_sweep``) walks ``MEDIA_ROOT`` and, for files
older than ``STORAGE_SWEEP_GRACE_SECONDS``, removes those no row of any model's FileField points to,
and reports them. A ``.part`` file whose final name a row points to but whose move never happened
(killed between the commit and the move) is moved into place instead.
"""

import contextlib
import logging
import os
import secrets
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"

# Files this thread wrote in a transaction not committed yet:
# (storage root, final name) -> (temporary name, the on_commit callback that moves it).
_local = threading.local()


# The names written during the current request (config.faults.FaultMiddleware), or None outside one.
_written: ContextVar[list | None] = ContextVar("rectify_written_names", default=None)


@contextlib.contextmanager
def remember_writes():
    """Collect the (storage, name) pairs this storage writes while the block runs (one request)."""
    names: list = []
    token = _written.set(names)
    try:
        yield names
    finally:
        _written.reset(token)


def _pending() -> dict[tuple[str, str], tuple[str, object]]:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


def part_name(name: str) -> str:
    """The temporary name of a file to be stored as ``name`` (same folder, hidden, random)."""
    folder, base = os.path.split(name)
    return os.path.join(folder, f".{base}.{secrets.token_hex(6)}{PART_SUFFIX}").replace("\\", "/")


def final_name(part: str) -> str | None:
    """The final name a ``part_name`` stands for, or None if ``part`` is not one."""
    folder, base = os.path.split(part)
    if not (base.startswith(".") and base.endswith(PART_SUFFIX)):
        return None
    stem, _dot, token = base[1 : -len(PART_SUFFIX)].rpartition(".")
    if not stem or len(token) != 12:
        return None
    return os.path.join(folder, stem).replace("\\", "/")


def _place(part_path: str, final_path: str) -> None:
    """Move a written file to its final name; never over another file."""
    try:
        os.link(part_path, final_path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.exists(final_path):
            raise FileExistsError(final_path) from None
        os.rename(part_path, final_path)
        return
    os.unlink(part_path)


class AtomicFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage whose files appear under their final name only once written and committed."""

    def _save(self, name, content):
        part = part_name(name)
        try:
            written = super()._save(part, content)
        except BaseException:
            # A failed write (disk full, read-only, interrupted) leaves nothing behind.
            self._delete_quietly(part)
            raise
        try:
            with open(self.path(written), "rb") as stored:
                os.fsync(stored.fileno())
        except OSError:
            self._delete_quietly(written)
            raise
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            move = partial(self._commit, name, written)
            _pending()[(str(self.location), name)] = (written, move)
            transaction.on_commit(move, robust=True)
        else:
            _place(self.path(written), self.path(name))
        names = _written.get()
        if names is not None:
            names.append((self, name))
        return name

    def _commit(self, name: str, written: str) -> None:
        _pending().pop((str(self.location), name), None)
        try:
            _place(self.path(written), self.path(name))
        except OSError:
            logger.error("stored file %s could not be moved into place from %s", name, written, exc_info=True)
            raise

    def _delete_quietly(self, name: str) -> None:
        try:
            super().delete(name)
        except OSError:
            logger.warning("could not remove %s", name, exc_info=True)

    def _pending_part(self, name: str) -> str | None:
        """The temporary name of ``name`` if this thread's open transaction wrote it."""
        pending = _pending()
        key = (str(self.location), name)
        entry = pending.get(key)
        if entry is None:
            return None
        written, move = entry
        waiting = any(callback is move for _sids, callback, _robust in transaction.get_connection().run_on_commit)
        if not waiting:  # its transaction rolled back: the file was never stored
            del pending[key]
            return None
        return written

    def _open(self, name, mode="rb"):
        written = self._pending_part(name)
        return super()._open(written if written else name, mode)

    def exists(self, name):
        return self._pending_part(name) is not None or super().exists(name)

    def size(self, name):
        written = self._pending_part(name)
        return super().size(written if written else name)

    def delete(self, name):
        # Written by this thread, committed or not (a failed publication deletes after its rollback).
        entry = _pending().pop((str(self.location), name), None)
        if entry is not None:
            super().delete(entry[0])
        super().delete(name)


@dataclass
class SweepReport:
    """What one storage sweep found under ``MEDIA_ROOT``."""

    root: str
    dry_run: bool
    grace_seconds: int
    scanned: int = 0
    referenced: int = 0
    young: int = 0
    removed: list[str] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)
    removed_bytes: int = 0

    def as_dict(self) -> dict:
        return {
            "root": self.root,
            "dry_run": self.dry_run,
            "grace_seconds": self.grace_seconds,
            "scanned": self.scanned,
            "referenced": self.referenced,
            "young": self.young,
            "removed": self.removed,
            "removed_bytes": self.removed_bytes,
            "placed": self.placed,
        }


def file_fields() -> list[models.FileField]:
    """Every FileField (ImageField included) of every installed model."""
    return [
        model_field
        for model in apps.get_models(include_auto_created=True)
        for model_field in model._meta.get_fields()
        if isinstance(model_field, models.FileField) and not model_field.many_to_many
    ]


def referenced_names(root: Path) -> set[str]:
    """Names (relative to ``root``) that a row of any model points to through a FileField stored there."""
    names: set[str] = set()
    for model_field in file_fields():
        storage = model_field.storage
        location = getattr(storage, "location", None)
        if location is None or Path(location).resolve() != root:
            continue
        rows = model_field.model._base_manager.exclude(**{model_field.attname: ""})
        names.update(rows.values_list(model_field.attname, flat=True).iterator(chunk_size=5000))
    names.discard(None)
    return names


def storage_sweep(*, dry_run: bool = False, grace_seconds: int | None = None, now: float | None = None) -> SweepReport:
    """Remove the files under ``MEDIA_ROOT`` no row points to, older than the grace period; report them.

    Files are listed first and rows read after, so a file committed meanwhile is seen referenced;
    the grace period covers files whose transaction is still open. Referenced files are never
    removed, whatever their age; a ``.part`` file whose final name is referenced but missing is
    moved into place (a kill between the commit and the move).
    """
    grace = settings.STORAGE_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    root = Path(settings.MEDIA_ROOT).resolve()
    report = SweepReport(root=str(root), dry_run=dry_run, grace_seconds=grace)
    if not root.is_dir():
        return report
    now = time.time() if now is None else now
    old: list[tuple[str, Path, int]] = []
    for folder, _dirs, files in os.walk(root):
        for filename in files:
            path = Path(folder) / filename
            report.scanned += 1
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue
            if now - stat.st_mtime < grace:
                report.young += 1
                continue
            old.append((path.relative_to(root).as_posix(), path, stat.st_size))
    referenced = referenced_names(root)
    for name, path, size in old:
        if name in referenced:
            report.referenced += 1
            continue
        target = final_name(name)
        if target is not None and target in referenced and not (root / target).exists():
            report.placed.append(target)
            if not dry_run:
                _place(str(path), str(root / target))
            continue
        report.removed.append(name)
        report.removed_bytes += size
        if not dry_run:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
    if report.removed or report.placed:
        logger.warning(
            "storage sweep%s: %s file(s) no row points to %s (%s bytes): %s; moved into place: %s",
            " (dry run)" if dry_run else "",
            len(report.removed),
            "found" if dry_run else "removed",
            report.removed_bytes,
            ", ".join(report.removed),
            ", ".join(report.placed) or "none",
        )
    return report

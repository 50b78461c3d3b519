"""What every leased job shares (ARCHITECTURE.md §9): the keeper that renews a lease while the work
runs, and the skeleton of the beat sweeper. The outbox (``outbox.jobs``) and the scan jobs
(``cases.ingest.jobs``) each keep their own rows, states, events and timings; this module knows
none of them.

A job is *leased* with one conditional UPDATE; its short lease is renewed every few seconds by a
thread of the worker (``LeaseKeeper``), through a database connection of its own (each renewal
committed at once), whatever the working connection is doing, so a lease lapses only when its
worker is gone. The sweeper (``sweep``) then fails the jobs out of attempts, queues the others
again and sends again the queued jobs whose message was lost.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, connections, transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Keep this worker's lease while its work runs: a timer thread asks every ``every`` seconds for a
    renewal, which runs on one worker thread with its own database connection (closed at exit).

    ``renew()`` answers whether the lease is still this worker's (or raises ``lost_error``, the
    same); a renewal still waiting on the database is not piled up; a failed one (the database
    hiccuped) is logged and tried again at the next tick on a fresh connection. Once a renewal finds
    the lease lost, the keeper stops renewing and sets ``lost``. ``call(fn, **kwargs)`` runs ``fn``
    on the keeper's connection (e.g. writing progress while the working connection is in a COPY).
    """

    def __init__(self, renew: Callable[[], bool], *, every: float, name: str, lost_error: type[Exception]):
        self.renew = renew
        self.every = every
        self.name = name
        self.lost_error = lost_error
        self.lost = False
        self.renewals = 0
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._timer: threading.Thread | None = None

    def __enter__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        self._timer = threading.Thread(target=self._tick, name=f"{self.name}-timer", daemon=True)
        self._timer.start()
        return self

    def _tick(self) -> None:
        pending: Future | None = None
        while not self._stop.wait(self.every):
            if pending is not None and not pending.done():
                continue  # the last renewal is still waiting on the database: do not pile up
            try:
                pending = self._pool.submit(self._renew)
            except RuntimeError:  # pool shut down
                return

    def _renew(self) -> None:
        if self._stop.is_set():
            return
        try:
            held = self.renew()
        except self.lost_error:
            held = False
        except Exception:
            logger.warning("%s: lease renewal failed", self.name, exc_info=True)
            connection.close()
            return
        if held:
            self.renewals += 1
        else:
            self.lose()

    def lose(self) -> None:
        self.lost = True
        self._stop.set()

    def call(self, fn: Callable, /, **kwargs):
        """Run ``fn(**kwargs)`` on the keeper's connection and answer its result (raising its error)."""
        return self._pool.submit(fn, **kwargs).result()

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._timer.join()
        try:
            self._pool.submit(connections.close_all).result()
        finally:
            self._pool.shutdown()


def sweep(
    *,
    name: str,
    lapsed: QuerySet,
    max_attempts: int,
    fail: Callable[[int], bool],
    requeue: Callable[[int], bool],
    due: Callable[[], Iterable[tuple]],
    redeliver: Callable[..., bool],
) -> dict[str, list[int]]:
    """The sweeper's pass over one kind of job.

    - ``lapsed`` (running, lease lapsed): out of attempts, ``fail(job_id)``; with attempts left,
      ``requeue(job_id)`` in a transaction of its own (it writes the event and sends on commit);
    - then ``due()`` (read after the requeues), tuples whose first item is a job id: each is
      ``redeliver(*item)`` in a transaction of its own.

    Each callable answers whether it moved the job (a conditional UPDATE: another sweeper or worker
    may have moved it first). Answer the ids failed, requeued and redelivered.
    """
    result: dict[str, list[int]] = {"failed": [], "requeued": [], "redelivered": []}
    for job_id in lapsed.filter(attempts__gte=max_attempts).values_list("pk", flat=True):
        if fail(job_id):
            result["failed"].append(job_id)
    for job_id in lapsed.filter(attempts__lt=max_attempts).values_list("pk", flat=True):
        with transaction.atomic():
            if requeue(job_id):
                result["requeued"].append(job_id)
    for item in due():
        with transaction.atomic():
            if redeliver(*item):
                result["redelivered"].append(item[0])
    if any(result.values()):
        logger.info("%s sweep: %s", name, result)
    return result

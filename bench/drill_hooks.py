"""Imported by the drills' workers and beat (bench/drill_recovery.py, bench/drills.py) before Celery
starts. Never imported by the application: nothing here can be switched on in production.

- ``RECTIFY_DRILL_SLOW_SAVE`` (seconds): the ingest's save of the findings waits that long first, so
  that a kill lands inside the saving transaction (drill_recovery.py).
- ``RECTIFY_DRILL_PAUSE`` (a phase of ``PAUSES``) with ``RECTIFY_DRILL_MARK`` (a file path): when the
  worker reaches that phase it writes the mark file and then sleeps, holding the phase (and its
  transaction, lease heartbeat running) until the drill kills it with SIGKILL.
- ``RECTIFY_DRILL_DAYS_AHEAD`` (days): the process's clock runs that many days ahead of the real one
  (freezegun, ticking), so a beat and a worker started with it live "days later" (drill "beat
  stopped for days").
"""

import datetime
import functools
import os
import time

from celery.signals import worker_process_init

HOLD_SECONDS = 600

# phase -> (module, attribute) whose call the pause precedes; "read" and "rules" pause inside the
# generators (after the first observation read, at the first candidate the rules produce).
PAUSES = {
    "ingest-read": ("cases.ingest.service", "parse"),
    "ingest-rules": ("cases.ingest.service", "detect_candidates"),
    "ingest-save": ("cases.ingest.store", "save_spool"),
    "publish-render": ("notices.rendering", "render_notice_pdf"),
    "publish-pdf-written": ("notices.workflow", "_serve_cases"),
    "publish-committed": ("outbox.jobs", "_finish"),
}

_days_ahead = float(os.environ.get("RECTIFY_DRILL_DAYS_AHEAD") or 0)
if _days_ahead:
    import freezegun

    freezegun.freeze_time(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=_days_ahead), tick=True).start()


def _hold(phase: str) -> None:
    mark = os.environ.get("RECTIFY_DRILL_MARK")
    if mark:
        with open(mark, "w") as f:
            f.write(f"{phase} {os.getpid()}\n")
    time.sleep(HOLD_SECONDS)


def _pausing(phase: str, original):
    if phase in ("ingest-read", "ingest-rules"):

        @functools.wraps(original)
        def generator(*args, **kwargs):
            for n, item in enumerate(original(*args, **kwargs)):
                yield item
                if n == 0:
                    _hold(phase)

        return generator

    @functools.wraps(original)
    def before(*args, **kwargs):
        if phase != "publish-committed" or kwargs.get("result") == "published":
            _hold(phase)
        return original(*args, **kwargs)

    return before


@worker_process_init.connect
def _install(**_kwargs):
    import importlib

    delay = float(os.environ.get("RECTIFY_DRILL_SLOW_SAVE") or 0)
    if delay:
        from cases.ingest import store

        original = store.save_spool

        def slow(**kwargs):
            time.sleep(delay)
            return original(**kwargs)

        store.save_spool = slow
    phase = os.environ.get("RECTIFY_DRILL_PAUSE")
    if phase:
        module_name, attribute = PAUSES[phase]
        module = importlib.import_module(module_name)
        setattr(module, attribute, _pausing(phase, getattr(module, attribute)))

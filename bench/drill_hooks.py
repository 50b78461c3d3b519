"""Imported by bench/drill_recovery.py's workers before Celery starts: with RECTIFY_DRILL_SLOW_SAVE
set (seconds), the ingest's save of the findings waits that long first, so that a kill lands inside
the saving transaction. Never imported by the application."""

import os
import time

from celery.signals import worker_process_init


@worker_process_init.connect
def _slow_save(**_kwargs):
    delay = float(os.environ.get("RECTIFY_DRILL_SLOW_SAVE") or 0)
    if not delay:
        return
    from cases.ingest import store

    original = store.save_spool

    def slow(**kwargs):
        time.sleep(delay)
        return original(**kwargs)

    store.save_spool = slow

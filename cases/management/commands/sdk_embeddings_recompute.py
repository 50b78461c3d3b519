"""Link app versions to SDKs again from the stored observations (after SDK signatures changed)."""

import time

from django.core.management.base import BaseCommand

from cases.sdks import figures as fanout_figures
from cases.sdks.services import sdk_embeddings_recompute


class Command(BaseCommand):
    help = (
        "Run the ingest's SDK linking again over every succeeded scan job, oldest first (ARCHITECTURE.md, "
        '"SDK fan-out"): links are added or refreshed, never deleted. --job limits it to some jobs.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--job", type=int, action="append", help="a scan job id (repeatable)")
        parser.add_argument(
            "--figures", action="store_true", help="only recount every SDK's fan-out figures from the links"
        )

    def handle(self, *args, job=None, figures=False, **options):
        started = time.monotonic()
        if figures:
            count = fanout_figures.rebuild()
            self.stdout.write(f"fan-out figures of {count} SDKs recounted ({time.monotonic() - started:.1f} s)")
            return
        totals = sdk_embeddings_recompute(job_ids=job)
        self.stdout.write(
            f"{totals['jobs']} jobs read: {totals['linked']} links made, {totals['seen_again']} seen again, "
            f"{totals['proposed']} removals proposed ({time.monotonic() - started:.1f} s)"
        )

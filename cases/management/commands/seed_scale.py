"""Fill a database of its own with a national campaign's volume, for load benchmarks (bench/api_load.py).

    python manage.py migrate && python manage.py load_demo && python manage.py seed_scale [--scale 1.0]

PostgreSQL only. Refuses a database holding data other than the demo unless --force. The generation
is ``cases.seeding``; this prints its timings per table, the total and the database size.
"""

from django.core.management.base import BaseCommand, CommandError

from cases import seeding


class Command(BaseCommand):
    help = "Seed scale data (2,000 vendors ... 1,000,000 findings at --scale 1.0) by COPY, for load benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = issue 14's volume; 0.01 for a quick run")
        parser.add_argument("--seed", type=int, default=14, help="random seed (same seed, same data)")
        parser.add_argument("--force", action="store_true", help="write even if the database holds other data")
        parser.add_argument(
            "--placeholders",
            action="store_true",
            help="only write the shared placeholder files (notice PDF, evidence) under MEDIA_ROOT, and stop",
        )

    def handle(self, *args, scale: float, seed: int, force: bool, placeholders: bool, **options):
        if placeholders:
            # The seeded rows point to these files; a server with another MEDIA_ROOT needs them too.
            seeding.write_placeholders()
            return
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        try:
            seeding.check_database(force=force)
        except seeding.SeedRefused as refused:
            raise CommandError(str(refused)) from None
        counts = seeding.counts_for(scale)
        self.stdout.write(f"Seeding at scale {scale}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        report = seeding.seed(scale=scale, seed=seed, log=self.stdout.write)
        self.stdout.write(
            f"Total {report.total_seconds:.1f} s; database size {report.database_size / 2**20:,.0f} MiB; "
            f"vendor with many cases: id {report.big_vendor_id} ({report.big_vendor_cases:,} seeded cases), "
            f"login {report.big_vendor_user}; seeded users' password: {seeding.SEED_PASSWORD}"
        )

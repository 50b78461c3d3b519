"""Seed the official holiday and make-up working-day table for 2004–2026.

Data: cases/clock/data/official_days.json, exported from chinesecalendar 1.11.0 and kept in the project
so the seed is the same on every machine. Later years are added in admin or with
``manage.py seed_calendar`` once the State Council publishes them.
"""

import datetime
import json
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "clock" / "data" / "official_days.json"


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("cases", "CalendarYear")
    OfficialDay = apps.get_model("cases", "OfficialDay")
    data = json.loads(SEED.read_text(encoding="utf-8"))
    for year in data["years"]:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": data["source"]})
    OfficialDay.objects.bulk_create(
        [OfficialDay(date=datetime.date.fromisoformat(d), kind=k, name=n) for d, k, n in data["days"]],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_caseevent_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

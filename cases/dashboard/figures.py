"""The dashboard's maintained figures (ARCHITECTURE.md §11): counts kept in step with the cases, in
the transaction of each change that moves them, so the dashboard reads a few hundred rows instead of
counting a national campaign's cases on every request.

What a case contributes (its *marks*): one count to its state, to its product kind and category, to
the month it was opened, to each violation type among its confirmed findings (once per type), and,
while its clock runs, one count to its (state, deadline) day. A change is wrapped in ``moving``:
the cases are locked, their marks read before and after, and the difference added with
``INSERT ... ON CONFLICT DO UPDATE SET n = n + delta`` (a row lock on the counter: two transactions
moving the same count wait for each other and neither is lost). The workflow, which has the case
locked and loaded and moves only its state or deadline, uses ``state_moving`` (no read). ``rebuild``
recounts everything from the cases; a test compares the two after random sequences of the real
services.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import CLOCK_RUNNING, Case, DashboardFigure, DeadlineFigure, Finding, FindingStatus
from products.models import Product

STATE, KIND, MONTH, VIOLATION = "state", "kind", "month", "violation"
# The cases by authority and state (key ``<authority id>:<status>``): the national dashboard's
# drill-down by authority and region (ARCHITECTURE.md §15).
AUTHORITY = "authority"

# A mark is ("f", campaign id, dimension, key) for a DashboardFigure or ("d", campaign id, status,
# deadline) for a DeadlineFigure.
Marks = Counter


# Months are the regulator's (settings.TIME_ZONE), whoever reads.
ZONE = timezone.get_default_timezone()


def kind_key(kind: str, category: str) -> str:
    return f"{kind}/{category or ''}"


def month_key(moment: datetime.datetime | datetime.date) -> str:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment, ZONE) if timezone.is_aware(moment) else moment
    return moment.strftime("%Y-%m")


def authority_key(authority_id: int, status: str) -> str:
    return f"{authority_id}:{status}"


def case_marks(case_ids: Iterable[int]) -> Marks:
    """What the cases ``case_ids`` contribute to the figures, as they are now (two queries)."""
    ids = list(case_ids)
    marks: Marks = Counter()
    if not ids:
        return marks
    rows = (
        Case.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "campaign_id",
            "status",
            "deadline",
            "created_at",
            "product__kind",
            "product__terminal_category",
            "authority_id",
        )
    )
    for campaign, status, deadline, created_at, kind, category, authority in rows:
        marks[("f", campaign, STATE, status)] += 1
        marks[("f", campaign, AUTHORITY, authority_key(authority, status))] += 1
        marks[("f", campaign, KIND, kind_key(kind, category))] += 1
        marks[("f", campaign, MONTH, month_key(created_at))] += 1
        if status in CLOCK_RUNNING and deadline is not None:
            marks[("d", campaign, status, deadline)] += 1
    types = (
        Finding.objects.filter(case_id__in=ids, status=FindingStatus.CONFIRMED)
        .order_by()
        .values_list("case_id", "case__campaign_id", "violation_type_id")
        .distinct()
    )
    for _case, campaign, violation_type in types:
        marks[("f", campaign, VIOLATION, str(violation_type))] += 1
    return marks


def apply(delta: dict) -> None:
    """Add ``delta`` (mark → change) to the figures: one upsert per table, rows in a fixed order so
    two transactions lock shared counters in the same order."""
    figures = sorted((k[1], k[2], k[3], n) for k, n in delta.items() if n and k[0] == "f")
    days = sorted((k[1], k[2], k[3], n) for k, n in delta.items() if n and k[0] == "d")
    add_counts(DashboardFigure, ("campaign_id", "dimension", "key"), figures)
    add_counts(DeadlineFigure, ("campaign_id", "status", "deadline"), days)


def add_counts(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """``INSERT ... ON CONFLICT (columns) DO UPDATE SET n = n + excluded.n`` of ``rows`` (the
    columns' values, then the change) into a counter table: the one upsert of every maintained
    figure (this dashboard's, the complaints' leads, ``complaints.figures``). Give the rows sorted."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in (*columns, "n"))
    values = ", ".join(["(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES {values} "
            f"ON CONFLICT ({', '.join(quote(c) for c in columns)}) "
            f"DO UPDATE SET {quote('n')} = {table}.{quote('n')} + excluded.{quote('n')}",
            [value for row in rows for value in row],
        )


def difference(before: Marks, after: Marks) -> dict:
    return {k: after[k] - before[k] for k in before.keys() | after.keys() if after[k] != before[k]}


@contextmanager
def moving(case_ids: Iterable[int]):
    """Wrap a change to the cases ``case_ids`` (their confirmed findings, their product...): lock
    them, and add the difference their marks make to the figures, all in one transaction."""
    ids = sorted({pk for pk in case_ids if pk is not None})
    with transaction.atomic():
        if ids:
            list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        before = case_marks(ids)
        yield
        if ids:
            apply(difference(before, case_marks(ids)))


def _clock_marks(campaign_id: int, status: str, deadline: datetime.date | None, authority_id: int) -> Marks:
    marks: Marks = Counter(
        {("f", campaign_id, STATE, status): 1, ("f", campaign_id, AUTHORITY, authority_key(authority_id, status)): 1}
    )
    if status in CLOCK_RUNNING and deadline is not None:
        marks[("d", campaign_id, status, deadline)] += 1
    return marks


@contextmanager
def state_moving(case: Case):
    """Wrap a change of one case's state, deadline or authority only (``cases.workflow``, a transfer),
    ``case`` being the row the caller locked and loaded: its other marks (kind, month, violation
    types) do not move, so the difference is computed from the instance without reading anything."""
    before = _clock_marks(case.campaign_id, case.status, case.deadline, case.authority_id)
    yield
    after = _clock_marks(case.campaign_id, case.status, case.deadline, case.authority_id)
    if after != before:
        apply(difference(before, after))


def case_added(case_id: int) -> None:
    """A case was opened (call in its transaction): count it."""
    apply(case_marks([case_id]))


def product_kind_changing(*, product_id: int, kind: str, category: str) -> None:
    """A product's kind or category is about to change (call in the transaction that saves it):
    move its cases from the old figure to the new one. The product and its cases are locked first,
    so no case of it is opened or moved meanwhile."""
    products = Product.objects.filter(pk=product_id).values_list("kind", "terminal_category")
    if products.first() in (None, (kind, category)):
        return
    with transaction.atomic():
        old = products.select_for_update().first()
        if old is None or old == (kind, category):
            return
        cases = Case.objects.filter(product_id=product_id)
        list(cases.select_for_update().order_by("pk").values_list("pk", flat=True))
        delta: Counter = Counter()
        for campaign, n in cases.order_by().values_list("campaign_id").annotate(n=Count("id")):
            delta[("f", campaign, KIND, kind_key(*old))] -= n
            delta[("f", campaign, KIND, kind_key(kind, category))] += n
        apply(delta)


def product_saving(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    """``pre_save`` of Product (connected in ``cases.apps``): the products room knows nothing of
    cases, and the Django admin is where a product's kind is edited."""
    if raw or instance.pk is None:
        return
    product_kind_changing(product_id=instance.pk, kind=instance.kind, category=instance.terminal_category)


def recount(apps=global_apps) -> tuple[Marks, Marks]:
    """Every figure counted from the cases themselves: (figures, deadline days). ``apps`` lets the
    data migration count with the historical models."""
    case_model, finding_model = apps.get_model("cases", "Case"), apps.get_model("cases", "Finding")
    figures: Marks = Counter()
    cases = case_model.objects.order_by()
    for campaign, status, n in cases.values_list("campaign_id", "status").annotate(n=Count("id")):
        figures[(campaign, STATE, status)] += n
    # The data migration of the figures (0013) counts with a Case that has no authority yet.
    if any(field.name == "authority" for field in case_model._meta.get_fields()):
        by_authority = cases.values_list("campaign_id", "authority_id", "status").annotate(n=Count("id"))
        for campaign, authority, status, n in by_authority:
            figures[(campaign, AUTHORITY, authority_key(authority, status))] += n
    kinds = cases.values_list("campaign_id", "product__kind", "product__terminal_category").annotate(n=Count("id"))
    for campaign, kind, category, n in kinds:
        figures[(campaign, KIND, kind_key(kind, category))] += n
    months = (
        cases.annotate(month=TruncMonth("created_at", tzinfo=ZONE))
        .values_list("campaign_id", "month")
        .annotate(n=Count("id"))
    )
    for campaign, month, n in months:
        figures[(campaign, MONTH, month_key(month))] += n
    violations = (
        finding_model.objects.filter(status=FindingStatus.CONFIRMED, case__isnull=False)
        .order_by()
        .values_list("case__campaign_id", "violation_type_id")
        .annotate(n=Count("case_id", distinct=True))
    )
    for campaign, violation_type, n in violations:
        figures[(campaign, VIOLATION, str(violation_type))] += n
    days: Marks = Counter()
    running = cases.filter(status__in=CLOCK_RUNNING, deadline__isnull=False)
    for campaign, status, deadline, n in running.values_list("campaign_id", "status", "deadline").annotate(
        n=Count("id")
    ):
        days[(campaign, status, deadline)] += n
    return figures, days


def stored() -> tuple[Marks, Marks]:
    """The maintained figures as stored (zero rows left out), shaped like ``recount``."""
    figures = Counter(
        {
            (c, d, k): n
            for c, d, k, n in DashboardFigure.objects.exclude(n=0).values_list("campaign_id", "dimension", "key", "n")
        }
    )
    days = Counter(
        {
            (c, s, d): n
            for c, s, d, n in DeadlineFigure.objects.exclude(n=0).values_list("campaign_id", "status", "deadline", "n")
        }
    )
    return figures, days


def rebuild(apps=global_apps) -> tuple[int, int]:
    """Recount every figure from scratch (after a bulk load, or to repair; the data migration that
    made the tables fills them with it). The figure tables are locked first: a change committed
    before is counted, one waiting behind the lock adds its difference after. Answer the rows
    written (figures, deadline days)."""
    figure_model, day_model = apps.get_model("cases", "DashboardFigure"), apps.get_model("cases", "DeadlineFigure")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (figure_model, day_model))
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        figures, days = recount(apps)
        figure_model.objects.all().delete()
        day_model.objects.all().delete()
        figure_model.objects.bulk_create(
            [figure_model(campaign_id=c, dimension=d, key=k, n=n) for (c, d, k), n in sorted(figures.items())],
            batch_size=2000,
        )
        day_model.objects.bulk_create(
            [day_model(campaign_id=c, status=s, deadline=d, n=n) for (c, s, d), n in sorted(days.items())],
            batch_size=2000,
        )
    return len(figures), len(days)

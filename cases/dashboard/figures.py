"""The dashboard's maintained figures (ARCHITECTURE.md §11): counts kept in step with the cases, in
the transaction of each change that moves them, so the dashboard reads a few hundred rows instead of
counting a national campaign's cases on every request.

What a case contributes (its *marks*): one count to its state, to its product kind and category, to
the month it was opened, to each violation type among its confirmed findings (once per type), and,
while its clock runs, one count to its (state, deadline) day; every count is kept per authority (the
case's), so a drill-down to one authority or region reads its own rows (ARCHITECTURE.md §15). A
change is wrapped in ``moving``: the cases are locked, their marks read before and after, and the
difference added with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + delta`` (a row lock on the
counter: two transactions moving the same count wait for each other and neither is lost). The
workflow, which has the case locked and loaded and moves only its state or deadline, uses
``state_moving`` (no read; a transfer to another authority reads the case's other marks to move them
too). ``rebuild`` recounts everything from the cases; a test compares the two after random sequences
of the real services, transfers included.
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
# The marks a case keeps whatever its state: they move only with its authority (a transfer).
STANDING = (KIND, MONTH, VIOLATION)

# A mark is ("f", campaign id, authority id, dimension, key) for a DashboardFigure or ("d", campaign
# id, authority id, status, deadline) for a DeadlineFigure.
Marks = Counter


# Months are the regulator's (settings.TIME_ZONE), whoever reads.
ZONE = timezone.get_default_timezone()


def kind_key(kind: str, category: str) -> str:
    return f"{kind}/{category or ''}"


def month_key(moment: datetime.datetime | datetime.date) -> str:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment, ZONE) if timezone.is_aware(moment) else moment
    return moment.strftime("%Y-%m")


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
        marks[("f", campaign, authority, STATE, status)] += 1
        marks[("f", campaign, authority, KIND, kind_key(kind, category))] += 1
        marks[("f", campaign, authority, MONTH, month_key(created_at))] += 1
        if status in CLOCK_RUNNING and deadline is not None:
            marks[("d", campaign, authority, status, deadline)] += 1
    types = (
        Finding.objects.filter(case_id__in=ids, status=FindingStatus.CONFIRMED)
        .order_by()
        .values_list("case_id", "case__campaign_id", "case__authority_id", "violation_type_id")
        .distinct()
    )
    for _case, campaign, authority, violation_type in types:
        marks[("f", campaign, authority, VIOLATION, str(violation_type))] += 1
    return marks


def apply(delta: dict) -> None:
    """Add ``delta`` (mark → change) to the figures: one upsert per table, rows in a fixed order so
    two transactions lock shared counters in the same order."""
    figures = sorted((*k[1:], n) for k, n in delta.items() if n and k[0] == "f")
    days = sorted((*k[1:], n) for k, n in delta.items() if n and k[0] == "d")
    add_counts(DashboardFigure, ("campaign_id", "authority_id", "dimension", "key"), figures)
    add_counts(DeadlineFigure, ("campaign_id", "authority_id", "status", "deadline"), days)


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


def _clock_marks(campaign_id: int, authority_id: int, status: str, deadline: datetime.date | None) -> Marks:
    marks: Marks = Counter({("f", campaign_id, authority_id, STATE, status): 1})
    if status in CLOCK_RUNNING and deadline is not None:
        marks[("d", campaign_id, authority_id, status, deadline)] += 1
    return marks


@contextmanager
def state_moving(case: Case):
    """Wrap a change of one case's state, deadline or authority only (``cases.workflow``, a transfer),
    ``case`` being the row the caller locked and loaded. A state or deadline move leaves its other
    marks (kind, month, violation types) where they are: the difference is computed from the
    instance without reading anything. A move to another authority takes them along: they are read
    (two queries) and moved from the old authority's figures to the new one's."""
    authority = case.authority_id
    before = _clock_marks(case.campaign_id, authority, case.status, case.deadline)
    yield
    after = _clock_marks(case.campaign_id, case.authority_id, case.status, case.deadline)
    delta = Counter(difference(before, after))
    if case.authority_id != authority:
        for (table, campaign, _owner, dimension, key), n in case_marks([case.pk]).items():
            if table == "f" and dimension in STANDING:
                delta[("f", campaign, authority, dimension, key)] -= n
                delta[("f", campaign, case.authority_id, dimension, key)] += n
    if any(delta.values()):
        apply(delta)


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
        for campaign, authority, n in (
            cases.order_by().values_list("campaign_id", "authority_id").annotate(n=Count("id"))
        ):
            delta[("f", campaign, authority, KIND, kind_key(*old))] -= n
            delta[("f", campaign, authority, KIND, kind_key(kind, category))] += n
        apply(delta)


def product_saving(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    """``pre_save`` of Product (connected in ``cases.apps``): the products room knows nothing of
    cases, and the Django admin is where a product's kind is edited."""
    if raw or instance.pk is None:
        return
    product_kind_changing(product_id=instance.pk, kind=instance.kind, category=instance.terminal_category)


def _has_authority(model) -> bool:
    """Whether a (historical) model has its authority: the data migrations before the figures were
    kept per authority (0013, 0020) rebuild them with models that have none."""
    return any(field.name == "authority" for field in model._meta.get_fields())


def recount(apps=global_apps) -> tuple[Marks, Marks]:
    """Every figure counted from the cases themselves: (figures, deadline days), keyed (campaign,
    authority, dimension, key) and (campaign, authority, status, deadline). ``apps`` lets a data
    migration count with the historical models (a Case without an authority counts under None)."""
    case_model, finding_model = apps.get_model("cases", "Case"), apps.get_model("cases", "Finding")
    cases = case_model.objects.order_by()
    authority = ("authority_id",) if _has_authority(case_model) else ()
    findings_authority = ("case__authority_id",) if authority else ()

    def counted(queryset, *fields):
        """(campaign, authority, *fields) → n, grouped in the database."""
        rows = queryset.values_list("campaign_id", *authority, *fields).annotate(n=Count("id"))
        for campaign, *rest, n in rows:
            yield (campaign, rest[0] if authority else None, *rest[len(authority) :]), n

    figures: Marks = Counter()
    for (campaign, owner, status), n in counted(cases, "status"):
        figures[(campaign, owner, STATE, status)] += n
    for (campaign, owner, kind, category), n in counted(cases, "product__kind", "product__terminal_category"):
        figures[(campaign, owner, KIND, kind_key(kind, category))] += n
    for (campaign, owner, month), n in counted(cases.annotate(month=TruncMonth("created_at", tzinfo=ZONE)), "month"):
        figures[(campaign, owner, MONTH, month_key(month))] += n
    violations = (
        finding_model.objects.filter(status=FindingStatus.CONFIRMED, case__isnull=False)
        .order_by()
        .values_list("case__campaign_id", *findings_authority, "violation_type_id")
        .annotate(n=Count("case_id", distinct=True))
    )
    for campaign, *rest, violation_type, n in violations:
        figures[(campaign, rest[0] if rest else None, VIOLATION, str(violation_type))] += n
    days: Marks = Counter()
    running = cases.filter(status__in=CLOCK_RUNNING, deadline__isnull=False)
    for (campaign, owner, status, deadline), n in counted(running, "status", "deadline"):
        days[(campaign, owner, status, deadline)] += n
    return figures, days


def stored() -> tuple[Marks, Marks]:
    """The maintained figures as stored (zero rows left out), shaped like ``recount``."""
    figures = Counter(
        {
            (c, a, d, k): n
            for c, a, d, k, n in DashboardFigure.objects.exclude(n=0).values_list(
                "campaign_id", "authority_id", "dimension", "key", "n"
            )
        }
    )
    days = Counter(
        {
            (c, a, s, d): n
            for c, a, s, d, n in DeadlineFigure.objects.exclude(n=0).values_list(
                "campaign_id", "authority_id", "status", "deadline", "n"
            )
        }
    )
    return figures, days


def _without_authority(counts: Marks) -> Marks:
    summed: Marks = Counter()
    for (campaign, _authority, *rest), n in counts.items():
        summed[(campaign, *rest)] += n
    return summed


def rebuild(apps=global_apps) -> tuple[int, int]:
    """Recount every figure from scratch (after a bulk load, or to repair; the data migrations that
    made the tables fill them with it). The figure tables are locked first: a change committed
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
        if _has_authority(figure_model):
            figure_rows = [
                figure_model(campaign_id=c, authority_id=a, dimension=d, key=k, n=n)
                for (c, a, d, k), n in sorted(figures.items())
            ]
            day_rows = [
                day_model(campaign_id=c, authority_id=a, status=s, deadline=d, n=n)
                for (c, a, s, d), n in sorted(days.items())
            ]
        else:  # a migration before the figures were kept per authority
            figure_rows = [
                figure_model(campaign_id=c, dimension=d, key=k, n=n)
                for (c, d, k), n in sorted(_without_authority(figures).items())
            ]
            day_rows = [
                day_model(campaign_id=c, status=s, deadline=d, n=n)
                for (c, s, d), n in sorted(_without_authority(days).items())
            ]
        figure_model.objects.bulk_create(figure_rows, batch_size=2000)
        day_model.objects.bulk_create(day_rows, batch_size=2000)
    return len(figure_rows), len(day_rows)

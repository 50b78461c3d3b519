"""API lists without the serializer machinery per row (issue 14): the same JSON, less Python.

A DRF serializer costs, per request, the building of its fields (a deep copy of the declared ones,
the model fields mapped again for every nested serializer) and, per row, a model instance for each
related object and a round of ``get_attribute`` and ``to_representation`` calls per field. At 20
rows with five related objects each, that was most of an API list's CPU.

``RowPlan(SerializerClass)`` reads the serializer once per process and compiles it into a plan: the
``.values()`` columns the rows need (a nested object's fields through its relation, ``a__b``, read
by a subquery on the row's key rather than a join: see ``_lookup``) and, per output key, the field's
own ``to_representation`` (so dates, datetimes in the current time zone and choices come out exactly
as the serializer writes them). ``plan.values(queryset)`` reads dicts instead of model instances;
``plan.render(rows)`` writes the same list of dicts the serializer would: the same keys in the same
order, ``None`` for an empty relation, a field whose source runs through an empty relation answered
as DRF answers it (its default, ``None`` when it allows null, left out otherwise). A field that is
not a column (a property, a ``SerializerMethodField``) is given as ``computed={name: (columns,
function(row))}``; a field the plan cannot read refuses at build.

``prototype(SerializerClass, many=...)`` is the other half, for details: one serializer instance per
process whose fields are built once; ``.to_representation(instance)`` writes what ``.data`` would.
It must not be given a context (it is shared by every request).

Tests compare each plan's output with its serializer's on factory data (tests/test_rows.py and the
list tests of each app).
"""

import functools
import weakref
from collections.abc import Callable, Iterable
from functools import cached_property

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .lists import Keyset, RowKeyExpression

_SKIP = object()


def _identity(value):
    return value


def _fallback(field) -> Callable[[], object]:
    """What DRF answers for ``field`` when its source runs through an empty relation."""
    if field.default is not empty:
        return field.get_default
    if field.allow_null:
        return lambda: None
    if not field.required:
        return lambda: _SKIP

    def refuse():  # as the serializer does: an error, not a row without the field
        raise AttributeError(f"{field.field_name}: {field.source} runs through an empty relation")

    return refuse


def _plain_datetime(field) -> bool:
    """A DateTimeField as DRF writes it by default: ISO 8601 in the current time zone."""
    return (
        type(field) is serializers.DateTimeField
        and not hasattr(field, "format")
        and not hasattr(field, "timezone")
        and settings.USE_TZ
        and (api_settings.DATETIME_FORMAT or "").lower() == ISO_8601
    )


def _current_timezone():
    return timezone.get_current_timezone()


def _iso_datetime(value, tz) -> str:
    """``DateTimeField().to_representation(value)`` with the current time zone ``tz``."""
    if isinstance(value, str):
        return value
    if timezone.is_aware(value):
        value = value.astimezone(tz)
    else:  # as the field does: made aware (and checked) by the field itself
        return serializers.DateTimeField().to_representation(value)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _nullable_steps(model, path: list[str]) -> list[int]:
    """The positions k (1..) such that the relation ``path[:k]`` may be empty (a null foreign key)."""
    found = []
    for k, name in enumerate(path[:-1], start=1):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            found.append(k)  # not a field: assume it may be empty
            continue
        if not field.is_relation:
            break
        if field.null or not field.concrete:
            found.append(k)
        model = field.related_model
    return found


def _is_column(model, path: list[str]) -> bool:
    """``path`` (attribute names from ``model``) ends on a concrete field, through forward relations."""
    for i, name in enumerate(path):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many or (field.one_to_one and not field.concrete):
            return False
        if i < len(path) - 1:
            if not field.is_relation:
                return False
            model = field.related_model
    return True


class RelatedColumn(RowKeyExpression):
    """``(SELECT r.column FROM table r WHERE r.key = <the row's foreign key>)``, written directly.

    What ``Subquery(Related.objects.filter(key=OuterRef(fk)).values(column))`` writes for one step
    through a foreign key, without the inner query: Django builds, resolves and compiles a
    ``Subquery`` again for every request (a clone of its query, its joins set up, its ``WHERE``
    resolved against the outer one), which cost a case list with twelve related columns a fifth of
    its CPU (py-spy, issue 14). This resolves one column of the outer row and formats a string; the
    SQL and the values (converted by the related field, as the subquery's were) are the same.
    """

    def __init__(self, key: str, table: str, target: str, column: str, output_field):
        super().__init__(key, output_field)
        self.table, self.target, self.column = table, target, column

    def as_sql(self, compiler, connection):
        key_sql, params = compiler.compile(self.key)
        quote = connection.ops.quote_name
        alias = quote("rowplan_related")
        return (
            f"(SELECT {alias}.{quote(self.column)} FROM {quote(self.table)} {alias} "
            f"WHERE {alias}.{quote(self.target)} = {key_sql})",
            params,
        )


@functools.cache
def _lookup(model, column: str) -> Subquery | RelatedColumn | F | None:
    """A related object's column (``authority__code``) as a scalar subquery on the row's foreign
    key, or None when ``column`` is the row's own.

    Why not the join ``.values()`` would write (issue 14): PostgreSQL searches the orders of the
    joins of a query, and that search grows with their number: a list row with five related
    objects (a case: authority, campaign, vendor, product, version) cost 4 ms to plan and under
    1 ms to run, nine tables (findings by vendor) 9 ms. A subquery is planned alone (a primary
    key lookup) and, after the list's ``LIMIT``, runs for the rows of the page only. Same values:
    an empty relation (a null key) gives None, as the LEFT JOIN did. Built once per process:
    a query resolves (copies) the expression, never changes it.
    """
    first, _, rest = column.partition("__")
    if not rest:
        return None
    try:
        field = model._meta.get_field(first)
    except FieldDoesNotExist:
        return None
    if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
        return None
    target = field.target_field.attname
    if rest == target or (rest == "pk" and field.target_field.primary_key):
        return F(field.attname)  # the key itself (``campaign__id``): the row's own column
    related_model = field.related_model
    try:
        own = related_model._meta.get_field(rest)
    except FieldDoesNotExist:
        own = None
    same_table = own is not None and own.model._meta.db_table == related_model._meta.db_table
    if same_table and own.concrete and not own.is_relation:
        # One step to a column of the related row: written directly (RelatedColumn).
        target_column = field.target_field.column
        return RelatedColumn(field.attname, related_model._meta.db_table, target_column, own.column, own)
    related = related_model._base_manager.filter(**{target: OuterRef(field.attname)})
    return Subquery(related.order_by().values(rest))


def _joined(queryset: QuerySet) -> set[str]:
    """The relations the queryset joins already (for a filter: ``?kind=`` joins the product): their
    columns come from that join, which costs nothing more."""
    query = queryset.query
    base = query.base_table
    return {
        join.join_field.name
        for alias, join in query.alias_map.items()
        if getattr(join, "parent_alias", None) == base and query.alias_refcount.get(alias)
    }


class RowPlan:
    # Every plan alive, for config.warmup to compile at a worker's start.
    instances: "weakref.WeakSet[RowPlan]" = weakref.WeakSet()

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        computed: dict[str, tuple[Iterable[str], Callable[[dict], object]]] | None = None,
        model=None,
    ):
        self.serializer_class = serializer_class
        self.computed = computed or {}
        self.model = model  # for a plain Serializer (a ModelSerializer names its own)
        RowPlan.instances.add(self)

    @cached_property
    def _compiled(self) -> tuple[list[str], list]:
        columns: dict[str, None] = {}
        steps = self._compile(self.serializer_class(), [], columns, top=True)
        return list(columns), steps

    @property
    def columns(self) -> list[str]:
        return self._compiled[0]

    def _compile(self, serializer, prefix: list[str], columns: dict, *, top: bool) -> list:
        model = self.model if top and self.model is not None else serializer.Meta.model
        steps = []
        for field in serializer._readable_fields:
            name = field.field_name
            if top and name in self.computed:
                needs, function = self.computed[name]
                for column in needs:
                    columns[column] = None
                steps.append((name, "computed", function, None, None))
                continue
            if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
                raise ValueError(f"{name}: not a column; give it in computed=")
            attrs = list(field.source_attrs)
            path = prefix + attrs
            # Relations between the object and the field's value that may be empty.
            checks = ["__".join(path[: len(prefix) + k]) for k in _nullable_steps(model, attrs)]
            for column in checks:
                columns[column] = None
            fallback = _fallback(field) if checks else None
            if isinstance(field, serializers.BaseSerializer):
                if isinstance(field, serializers.ListSerializer):
                    raise ValueError(f"{name}: a list of objects is not a column")
                relation = "__".join(path)
                columns[relation] = None
                nested = self._compile(field, path, columns, top=False)
                steps.append((name, "nested", (relation, nested), checks, fallback))
                continue
            # Not a field of the model: an annotation of the list's queryset (finding_count), if any.
            annotation = top and len(attrs) == 1 and field.read_only
            if not (annotation or _is_column(model, attrs)):
                raise ValueError(f"{name}: {field.source} is not a column of {model.__name__}; give it in computed=")
            column = "__".join(path)
            columns[column] = None
            if isinstance(field, PrimaryKeyRelatedField):
                convert = field.pk_field.to_representation if field.pk_field is not None else _identity
            elif _plain_datetime(field):
                # DateTimeField.to_representation asks for the current time zone for every value:
                # the plan asks once per page (``render``) and writes what the field writes.
                steps.append((name, "datetime", column, checks, fallback))
                continue
            else:
                convert = field.to_representation
            steps.append((name, "column", (column, convert), checks, fallback))
        return steps

    @staticmethod
    def _row(steps: list, row: dict, tz) -> dict:
        out = {}
        for name, kind, how, checks, fallback in steps:
            if kind == "computed":
                out[name] = how(row)
                continue
            if kind == "datetime" and not checks:
                value = row[how]
                out[name] = _iso_datetime(value, tz) if value else None
                continue
            if checks and any(row[column] is None for column in checks):
                # A default stands for the attribute: None stays None, another value is written.
                value = fallback()
                if value is _SKIP:
                    continue
                if value is not None and kind != "column":
                    raise ValueError(f"{name}: a default value for an empty relation")
                out[name] = None if value is None else how[1](value)
                continue
            if kind == "datetime":
                value = row[how]
                out[name] = _iso_datetime(value, tz) if value else None
            elif kind == "nested":
                relation, nested = how
                out[name] = None if row[relation] is None else RowPlan._row(nested, row, tz)
            else:
                column, convert = how
                value = row[column]
                out[name] = None if value is None else convert(value)
        return out

    def values(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` read as dicts of the plan's columns (and of its ordering, for the cursor)."""
        columns = dict.fromkeys(self.columns)
        if Keyset.supports(queryset):
            for item in Keyset(queryset).ordering:
                columns[item.lstrip("-")] = None
        ordering = set(Keyset(queryset).ordering if Keyset.supports(queryset) else ())
        ordering = {item.lstrip("-") for item in ordering}
        joined = _joined(queryset)
        plain, looked_up = [], {}
        for column in columns:
            own = column in ordering or column.partition("__")[0] in joined
            lookup = None if own else _lookup(queryset.model, column)
            if lookup is None:
                plain.append(column)
            else:
                looked_up[column] = lookup
        rows = queryset.select_related(None).prefetch_related(None).values(*plain, **looked_up)
        # The joins of the columns stay in a values() query: the list's total is counted on the
        # queryset without them (config.api.Pagination), as it was before.
        rows.count_from = queryset
        return rows

    def render(self, rows: Iterable[dict]) -> list[dict]:
        steps, tz = self._compiled[1], _current_timezone()
        return [self._row(steps, row, tz) for row in rows]

    def render_one(self, row: dict) -> dict:
        return self._row(self._compiled[1], row, _current_timezone())


class PlannedListMixin:
    # A viewset's ``list`` through ``row_plan`` (a ``RowPlan``): the same filters, pagination and
    # JSON as ``ListModelMixin`` with the serializer, read as dicts. The schema still names the
    # serializer (``extend_schema``). No docstring: drf-spectacular would describe every operation
    # of the viewsets with it.

    row_plan: RowPlan

    def list(self, request, *args, **kwargs):
        rows = self.row_plan.values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(self.row_plan.render(rows))
        return self.get_paginated_response(self.row_plan.render(page))


_PROTOTYPES: dict = {}


def prototype(serializer_class: type[serializers.BaseSerializer], *, many: bool = False):
    """One instance of ``serializer_class`` per process, its fields built once (no context)."""
    key = (serializer_class, many)
    found = _PROTOTYPES.get(key)
    if found is None:
        found = _PROTOTYPES[key] = serializer_class(many=many)
        # Build the fields now, once.
        (found.child if many else found).fields  # noqa: B018
    return found


__all__ = ["PlannedListMixin", "RowPlan", "SkipField", "prototype"]

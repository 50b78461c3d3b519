"""What every long list shares, so that it costs the same at 100 rows and at a million
(docs/ARCHITECTURE.md, "Lists at scale").

- ``count_per_row``: a count per listed row (findings of a case...) as a correlated subquery, which
  PostgreSQL evaluates for the rows of the page only, never a join and GROUP BY over the table.
- ``capped_count``: an honest total that stays cheap: exact up to ``COUNT_LIMIT`` rows, else
  "more than ``COUNT_LIMIT``" (it reads at most ``COUNT_LIMIT + 1`` rows).
- ``BoundedPaginator``: the pages' paginator on that total; pages go as deep as the bound.
- ``Keyset``: the API's cursor pagination: the rows after (or before) the last row seen, in an
  ordering made unique by the primary key, so a deep page costs what the first one does.
"""

import base64
import binascii
import json
import math
import operator
from functools import reduce

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FullResultSet
from django.core.paginator import Paginator
from django.db.models import Count, Expression, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

# Rows a total counts before it says "more than": reading this many is a few milliseconds.
COUNT_LIMIT = 1000


class RowKeyExpression(Expression):
    """A scalar subquery correlated on one column of the outer row (``key``), whose SQL a subclass
    writes in ``as_sql`` from ``compiler.compile(self.key)``: the key is the only expression
    resolved against the outer query (``CountPerRow``; ``config.rows.RelatedColumn``)."""

    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, key: str, output_field):
        super().__init__(output_field=output_field)
        self.key = F(key)

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, exprs):
        (self.key,) = exprs


class CountPerRow(RowKeyExpression):
    """``(SELECT COUNT(*) FROM related WHERE related.link = <the row's key> [AND related's filter])``,
    written directly rather than built as a ``Subquery`` of a grouped queryset for every request
    (its clone, resolution and compilation cost a list ~0.5 ms of CPU: issue 14). The related
    queryset's own filter (``status = 'candidate'``) is compiled with it, on the related table by
    an alias of its own; ``count_per_row`` gives this only a queryset of one table without a join."""

    ALIAS = "count_per_row"  # the related table's alias: a list may count rows of its own table

    def __init__(self, related: QuerySet, link_column: str):
        super().__init__("pk", IntegerField())
        self.related, self.link_column = related, link_column

    def as_sql(self, compiler, connection):
        key_sql, params = compiler.compile(self.key)
        quote = connection.ops.quote_name
        table, alias = quote(self.related.model._meta.db_table), quote(self.ALIAS)
        sql = f"SELECT COUNT(*) FROM {table} {alias} WHERE {alias}.{quote(self.link_column)} = {key_sql}"
        query = self.related.query
        inner = query.get_compiler(connection=connection)
        where = query.where.relabeled_clone({query.base_table: self.ALIAS}) if query.base_table else query.where
        try:
            where_sql, where_params = inner.compile(where)
        except FullResultSet:
            where_sql, where_params = "", ()
        if where_sql:
            sql += f" AND ({where_sql})"
            params = [*params, *where_params]
        return f"({sql})", params


def count_per_row(related: QuerySet, link: str) -> Expression:
    """How many ``related`` rows point (by ``link``) at each outer row, as an annotation.

    A correlated subquery: with ORDER BY ... LIMIT, PostgreSQL computes it after the limit, for the
    rows shown; an index on ``link`` makes each one a short index scan. Written directly
    (``CountPerRow``) when ``related`` reads its own table alone; otherwise built by the ORM.
    """
    field = related.model._meta.get_field(link)
    query = related.query
    plain = (
        field.many_to_one
        and len(query.alias_map) <= 1
        and not query.annotations
        and not query.distinct
        and not query.is_sliced
        and not query.combinator
    )
    if plain:
        try:
            query.get_compiler(related.db).compile(query.where)
        except FullResultSet:
            pass
        except EmptyResultSet:
            plain = False
    if plain:
        return CountPerRow(related, field.column)
    rows = related.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def capped_count(queryset: QuerySet, limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """``(n, exact)``: the number of rows when at most ``limit``, else ``(limit, False)``, which
    means "more than ``limit``". Counts at most ``limit + 1`` rows, whatever the table's size."""
    n = queryset.order_by().values("pk")[: limit + 1].count()
    return (n, True) if n <= limit else (limit, False)


class BoundedPaginator(Paginator):
    """Django's paginator on a capped total: ``count`` is exact up to ``COUNT_LIMIT`` rows
    (``count_exact``), else ``COUNT_LIMIT`` and the pages stop there; narrowing the filters shows
    the rest. No page reads more than ``COUNT_LIMIT + per_page`` rows."""

    limit = COUNT_LIMIT

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list, self.limit)
        n = len(self.object_list)
        return (n, True) if n <= self.limit else (self.limit, False)

    @cached_property
    def count(self) -> int:
        return self._capped[0]

    @property
    def count_exact(self) -> bool:
        return self._capped[1]

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(self.count / self.per_page))


class InvalidCursor(ValueError):
    """A cursor this list did not give (altered, or from another list or ordering)."""


def _field(model, path: str):
    """The model field at the end of ``path`` (``product__name``), or None when it is not a field."""
    field = None
    parts = path.split("__")
    for i, part in enumerate(parts):
        try:
            field = model._meta.get_field(model._meta.pk.name if part == "pk" else part)
        except FieldDoesNotExist:
            return None
        if field.null:
            return None
        if field.is_relation:
            if i == len(parts) - 1:
                # ``product_id`` orders by the column; ``product`` by the product's own ordering.
                return field if part == field.attname else None
            model = field.related_model
    return field


class Keyset:
    """Seek pagination on a queryset's ordering (field names only, none nullable), made unique
    by the primary key. ``page(after=values)`` reads the rows after the given ordering values,
    ``page(before=values)`` those before them; both read ``size + 1`` rows through the index that
    backs the ordering, whatever the depth."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        model = queryset.model
        ordering = list(queryset.query.order_by or model._meta.ordering or ["pk"])
        if not all(isinstance(item, str) for item in ordering):
            raise ValueError("keyset pagination needs an ordering by field names")
        names = [item.lstrip("-") for item in ordering]
        if not {"pk", "id", model._meta.pk.name} & set(names):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        self.ordering = ordering
        self.fields = []
        for item in ordering:
            path = item.lstrip("-")
            field = _field(model, path)
            if field is None:
                raise ValueError(f"keyset pagination cannot order by {path}")
            self.fields.append((path, item.startswith("-"), field))

    @classmethod
    def supports(cls, queryset: QuerySet) -> bool:
        try:
            cls(queryset)
        except ValueError:
            return False
        return True

    def values_of(self, row) -> list:
        """The ordering values of a row, as JSON-ready values."""
        values = []
        for path, _desc, field in self.fields:
            if isinstance(row, dict):  # a row read with .values() (config.rows)
                value = row[path]
                if not isinstance(value, int | str | float):
                    value = field.value_to_string(_Holder(field, value))
                values.append(value)
                continue
            obj = row
            parts = path.split("__")
            for part in parts[:-1]:
                obj = getattr(obj, part)
            last = parts[-1]
            value = getattr(obj, "pk" if last == "pk" else field.attname)
            if not isinstance(value, int | str | float):
                value = field.value_to_string(_Holder(field, value))
            values.append(value)
        return values

    def _parse(self, values) -> list:
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise InvalidCursor
        parsed = []
        for value, (_path, _desc, field) in zip(values, self.fields, strict=True):
            target = field.target_field if field.is_relation else field
            try:
                parsed.append(target.to_python(value))
            except Exception as exc:  # a ValidationError, or a type the field refuses
                raise InvalidCursor from exc
        return parsed

    def _seek(self, values: list, forward: bool) -> Q:
        """Rows strictly after ``values`` in the ordering (before them when not ``forward``).

        The OR of "same on the first k fields, beyond on the next one", AND a bound on the first
        field alone: that bound is what lets the index scan start at the cursor instead of the top.
        """
        arms = []
        for k, (path, desc, _field) in enumerate(self.fields):
            beyond = "lt" if desc == forward else "gt"
            same = [Q(**{self.fields[j][0]: values[j]}) for j in range(k)]
            arms.append(reduce(operator.and_, [*same, Q(**{f"{path}__{beyond}": values[k]})]))
        first, desc, _ = self.fields[0]
        bound = Q(**{f"{first}__{'lte' if desc == forward else 'gte'}": values[0]})
        return bound & reduce(operator.or_, arms)

    def page(self, size: int, *, after=None, before=None) -> tuple[list, bool]:
        """``(rows, more)``: up to ``size`` rows in the list's order, and whether more lie beyond
        them in the direction read (after the last row, or before the first one)."""
        qs = self.queryset.order_by(*self.ordering)
        if after is not None:
            qs = qs.filter(self._seek(self._parse(after), forward=True))
        elif before is not None:
            flipped = [item[1:] if item.startswith("-") else f"-{item}" for item in self.ordering]
            qs = qs.filter(self._seek(self._parse(before), forward=False)).order_by(*flipped)
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if before is not None:
            rows.reverse()
        return rows, more


class _Holder:
    """Lets ``Field.value_to_string`` read a value that is not on a model instance."""

    def __init__(self, field, value):
        setattr(self, field.attname, value)


def encode_cursor(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor from exc
    if not isinstance(payload, dict):
        raise InvalidCursor
    return payload


class Ordering:
    """A page list's ``?ordering=``: a whitelist of keys (``number``, ``-deadline``...), each an
    order that an index serves and that ends with the primary key, so a page sorted any way still
    reads only its own rows. An unknown key is the default order, never an error.

    ``columns`` gives each sortable column its link (the same key again reverses it; another column
    starts at its first listed direction) and its ``aria-sort`` state, for the table's headings.
    """

    param = "ordering"

    def __init__(self, request, choices: dict[str, tuple], default: str):
        self.request = request
        self.choices = choices
        value = request.GET.get(self.param, "")
        self.key = value if value in choices else default
        self.order_by = choices[self.key]

    @cached_property
    def columns(self) -> dict:
        columns = {}
        for key in self.choices:
            name = key.lstrip("-")
            if name in columns:
                continue
            if self.key.lstrip("-") == name:
                descending = self.key.startswith("-")
                target = name if descending else f"-{name}"
                if target not in self.choices:
                    target = self.key
                state = "descending" if descending else "ascending"
            else:
                target, state = key, "none"
            query = self.request.GET.copy()
            query.pop("page", None)
            query[self.param] = target
            columns[name] = {"url": f"?{query.urlencode()}", "aria_sort": state}
        return columns

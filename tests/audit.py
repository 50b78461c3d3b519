"""What every append-only audit table does in PostgreSQL: its trigger refuses UPDATE and DELETE."""

import pytest
from django.db import DatabaseError, transaction


def assert_append_only(model, pk, **change) -> None:
    """Both statements on the row ``pk`` are refused, each rolled back on its own."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=pk).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=pk).delete()

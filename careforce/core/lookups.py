"""`field__any_of=[...]`: membership in a long list, as one array parameter on PostgreSQL.

`field__in` with the 5,000 ID-number hashes of an import batch builds a query of 5,000 placeholders that
Django compiles and psycopg re-scans on every batch; `= ANY(%s)` sends the list as one array, and the index
is used the same. Other databases get the ordinary IN.
"""

from __future__ import annotations

from django.db import models
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _array_literal(values: list) -> tuple[str, str] | None:
    """Text or integers as one array literal ('{"a","b"}'): psycopg's list adapter is Python, per item,
    and at 2,500 hashes a batch it cost more than the query. None for other types (the adapter does them)."""
    if not values:
        return None
    if all(type(v) is str for v in values):
        quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        return "text", "{" + ",".join(quoted) + "}"
    if all(type(v) is int for v in values):
        return "bigint", "{" + ",".join(map(str, values)) + "}"
    return None


class _OneArrayParameter:
    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value() and not any(hasattr(v, "resolve_expression") for v in self.rhs):
            lhs, lhs_params = self.process_lhs(compiler, connection)
            field = self.lhs.output_field
            values = [
                field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs if v is not None
            ]
            literal = _array_literal(values)
            if literal is not None:
                return f"{lhs} = ANY(%s::{literal[0]}[])", (*lhs_params, literal[1])
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return self.as_sql(compiler, connection)  # a subquery or expressions: the ordinary IN


@models.Field.register_lookup
class AnyOf(_OneArrayParameter, In):
    lookup_name = "any_of"


@ForeignObject.register_lookup
class RelatedAnyOf(_OneArrayParameter, RelatedIn):
    """`worker_id__any_of` / `worker__any_of` on foreign keys (Django keeps their lookups apart)."""

    lookup_name = "any_of"

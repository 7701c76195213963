"""The undocumented `GET query?q=...&columns=true` answer that `sf data query` needs to lay out its table.

The CLI reads columnName, displayName, aggregate and joinColumns (salesforcecli/plugin-data, retrieveColumns):
lookups nest their fields in joinColumns, subqueries too with aggregate true, and aggregate functions are
aggregate columns named exprN (or their alias) with a displayName like COUNT(Id). See
assumed("soql-column-metadata") for the flags nobody reads.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.schema import Schema
from reconciler.sandbox.soql.compiler import ColumnInfo
from reconciler.sandbox.soql.engine import compile_soql
from reconciler.sandbox.soql.fieldtypes import NUMBER_TYPES, TEXT_TYPES, apex_type

_SHAPE = assumed("soql-column-metadata")


def _column(info: ColumnInfo) -> dict[str, Any]:
    spec = info.spec  # None for a lookup or a subquery
    counted = info.aggregate and info.display_name.startswith("COUNT")
    plain = spec if spec is not None and not info.aggregate else None  # a field selected as is
    return {
        "aggregate": info.aggregate,
        "apexType": "Integer" if counted else (apex_type(spec) if spec is not None else None),
        "booleanType": plain is not None and plain.type == "boolean",
        "columnName": info.name,
        "custom": False,
        "displayName": info.display_name,
        "foreignKeyName": None,
        "insertable": plain is not None and plain.createable,
        "joinColumns": [_column(join) for join in info.joins],
        "numberType": counted or (spec is not None and spec.type in NUMBER_TYPES),
        "textType": plain is not None and plain.type in TEXT_TYPES,
        "updatable": plain is not None and plain.updateable,
    }


def column_metadata(schema: Schema, soql: str) -> dict[str, Any]:
    """The `columns=true` answer for a query; the same ApiError as run_query when the query is refused."""
    compiled = compile_soql(schema, soql)
    return {
        "columnMetadata": [_column(info) for info in compiled.columns],
        "entityName": compiled.sobject.name,
        "groupBy": False,
        "idSelected": compiled.id_selected,
        "keyPrefix": compiled.sobject.key_prefix,
    }

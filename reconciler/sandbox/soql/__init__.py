"""The sandbox's SOQL engine: a lark grammar -> a typed syntax tree -> checks against the schema -> one
parameterised SQLite statement (plus one per child subquery and batch of parents) -> Salesforce JSON records.

Public surface (the contract with the store and the server):
    run_query(conn, schema, soql, *, include_deleted=False, api_version="59.0") -> QueryResult
    column_metadata(schema, soql) -> dict            # the `query?q=...&columns=true` answer
    stream_query(...) -> (total | None, iterator)    # the same, without materialising every record
Refused queries raise reconciler.sandbox.errors.ApiError(400, MALFORMED_QUERY | INVALID_FIELD | INVALID_TYPE |
INVALID_QUERY_FILTER_OPERATOR | NUMBER_OUTSIDE_VALID_RANGE, message).
"""

from reconciler.sandbox.soql.columns import column_metadata
from reconciler.sandbox.soql.engine import QueryResult, compile_soql, run_query, stream_query
from reconciler.sandbox.soql.parser import parse

__all__ = ["QueryResult", "column_metadata", "compile_soql", "parse", "run_query", "stream_query"]
